//! The check over parsed accounts: each rule of Java's `validate`, in its order.

use std::net::IpAddr;

use super::*;
use crate::remoting::acl_sign::{sign, Credentials};
use crate::remoting::codes::request;

const FILE: &str = "\
globalWhiteRemoteAddresses: [10.10.103.*]
accounts:
  - accessKey: producer1
    secretKey: producer-secret
    defaultTopicPerm: DENY
    defaultGroupPerm: SUB
    topicPerms: [Orders=PUB, Audit=SUB]
  - accessKey: admin001
    secretKey: admin-secret
    admin: true
  - accessKey: trusted1
    secretKey: trusted-secret
    whiteRemoteAddress: 192.168.1.*
";

fn creds(ak: &str, sk: &str) -> Credentials {
    Credentials {
        access_key: ak.into(),
        secret_key: sk.into(),
        security_token: None,
    }
}

fn send(topic: &str) -> RemotingCommand {
    let mut r = RemotingCommand::request_empty(request::SEND_MESSAGE_V2).with_body(&b"payload"[..]);
    r.ext_fields.insert("a".into(), "pg".into());
    r.ext_fields.insert("b".into(), topic.into());
    r
}

fn signed(mut r: RemotingCommand, ak: &str, sk: &str) -> RemotingCommand {
    sign(&mut r, &creds(ak, sk));
    r
}

const CLIENT: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 1));

#[test]
fn refusals_say_what_java_says() {
    let acl = plain::parse(FILE).unwrap();
    let c = |r: &RemotingCommand| check(&acl, CLIENT, r);
    assert_eq!(c(&send("Orders")), Err(Denied::NoAccessKey));
    assert_eq!(
        c(&signed(send("Orders"), "nobody1", "whatever1")),
        Err(Denied::UnknownAccount("nobody1".into()))
    );
    assert_eq!(
        c(&signed(send("Orders"), "producer1", "wrong-secret")),
        Err(Denied::BadSignature("producer1".into()))
    );
    // A body changed after signing.
    let mut tampered = signed(send("Orders"), "producer1", "producer-secret");
    tampered.body = bytes::Bytes::from_static(b"other");
    assert_eq!(c(&tampered), Err(Denied::BadSignature("producer1".into())));
    assert_eq!(c(&signed(send("Orders"), "producer1", "producer-secret")), Ok(()));
    assert_eq!(
        c(&signed(send("Audit"), "producer1", "producer-secret")),
        Err(Denied::NoPermission("topic:Audit".into()))
    );
    assert_eq!(
        c(&signed(send("Other"), "producer1", "producer-secret")),
        Err(Denied::NoPermission("topic:Other".into())),
        "defaultTopicPerm DENY"
    );
    assert_eq!(
        c(&signed(send(TRACE_TOPIC), "producer1", "producer-secret")),
        Ok(())
    );
    let create = RemotingCommand::request_empty(request::UPDATE_AND_CREATE_TOPIC);
    assert_eq!(
        c(&signed(create.clone(), "producer1", "producer-secret")),
        Err(Denied::NeedAdmin {
            code: request::UPDATE_AND_CREATE_TOPIC,
            access_key: "producer1".into()
        })
    );
    assert_eq!(c(&signed(create, "admin001", "admin-secret")), Ok(()));
    let transfer = RemotingCommand::request_empty(request::TRANSFER_LEADERSHIP);
    assert_eq!(
        c(&signed(transfer.clone(), "producer1", "producer-secret")),
        Err(Denied::NeedAdmin {
            code: request::TRANSFER_LEADERSHIP,
            access_key: "producer1".into()
        })
    );
    assert_eq!(c(&signed(transfer, "admin001", "admin-secret")), Ok(()));
    assert_eq!(c(&signed(send("Anything"), "admin001", "admin-secret")), Ok(()));
    assert_eq!(
        Denied::NeedAdmin {
            code: 17,
            access_key: "x".into()
        }
        .to_string(),
        "Need admin permission for request code=17, but accessKey=x is not"
    );
}

#[test]
fn trusted_addresses_need_no_signature() {
    let acl = plain::parse(FILE).unwrap();
    assert_eq!(
        check(&acl, "10.10.103.7".parse().unwrap(), &send("Other")),
        Ok(())
    );
    let mut r = send("Other");
    r.ext_fields.insert(ACCESS_KEY.into(), "trusted1".into());
    assert_eq!(check(&acl, "192.168.1.9".parse().unwrap(), &r), Ok(()));
    assert_eq!(
        check(&acl, "192.168.2.9".parse().unwrap(), &r),
        Err(Denied::BadSignature("trusted1".into()))
    );
}

#[test]
fn a_unique_key_query_is_accepted_signed_with_or_without_its_flag() {
    let acl = plain::parse(FILE).unwrap();
    let mut q = RemotingCommand::request_empty(request::QUERY_MESSAGE);
    q.ext_fields.insert("topic".into(), "Audit".into());
    // A 4.9.3 client signs first, then adds the flag.
    let mut old = signed(q.clone(), "producer1", "producer-secret");
    old.ext_fields.insert(UNIQUE_MSG_QUERY_FLAG.into(), "true".into());
    assert_eq!(check(&acl, CLIENT, &old), Ok(()));
    q.ext_fields.insert(UNIQUE_MSG_QUERY_FLAG.into(), "true".into());
    assert_eq!(
        check(&acl, CLIENT, &signed(q, "producer1", "producer-secret")),
        Ok(())
    );
}

#[test]
fn the_file_is_reloaded_when_it_changes_and_a_bad_one_is_not_taken() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plain_acl.yml");
    std::fs::write(&path, FILE).unwrap();
    let acl = Acl::load(&path).unwrap();
    assert!(acl.reload_if_changed().is_none(), "unchanged");
    let own = acl.internal_credentials().unwrap();
    assert_eq!(
        (own.access_key.as_str(), own.secret_key.as_str()),
        ("admin001", "admin-secret")
    );
    let more = format!("{FILE}  - accessKey: newcomer\n    secretKey: newcomer-secret\n");
    std::fs::write(&path, more).unwrap();
    assert!(matches!(acl.reload_if_changed(), Some(Ok(()))));
    assert!(acl.snapshot().accounts.contains_key("newcomer"));
    std::fs::write(&path, "accounts: [").unwrap();
    assert!(matches!(
        acl.reload_if_changed(),
        Some(Err(AclLoadError::Invalid { .. }))
    ));
    assert!(
        acl.snapshot().accounts.contains_key("newcomer"),
        "previous accounts stay"
    );
    assert!(matches!(
        Acl::load(&dir.path().join("missing.yml")),
        Err(AclLoadError::Io { .. })
    ));
}
