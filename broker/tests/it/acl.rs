//! Issue 18: client ACL as RocketMQ 4.9 does it (`aclEnable=true`, plain_acl.yml, requests
//! signed with HMAC-SHA1), against real `mqbroker` processes: unsigned and wrongly signed
//! requests are refused with NO_PERMISSION and logged, signed ones are served per permission,
//! a changed file is taken without a restart, and a DLedger group stays closed after its leader
//! is killed.

use std::path::Path;
use std::time::Duration;

use broker::remoting::acl_sign::Credentials;
use broker::remoting::client::ClientConfig;
use broker::remoting::codes::response;
use broker::remoting::{RemotingClient, RemotingCommand};

use crate::dledger_cluster::{Group, TOPIC};
use crate::util::{
    base_props, create_topic_request, free_port_pair, invoke, pull_request, send_request, start_namesrv,
    update_offset_request, wait_until, write_broker_conf, BrokerProc,
};

/// An admin, a producer that may only publish to `AclTopic` and a consumer that may only
/// subscribe to it as group `aclGroup`.
pub const ACL_FILE: &str = "\
accounts:
  - accessKey: adminKey1
    secretKey: admin-secret-1
    admin: true
  - accessKey: producer1
    secretKey: producer-secret
    defaultTopicPerm: DENY
    defaultGroupPerm: DENY
    topicPerms: [AclTopic=PUB]
  - accessKey: consumer1
    secretKey: consumer-secret
    defaultTopicPerm: DENY
    defaultGroupPerm: DENY
    topicPerms: [AclTopic=SUB]
    groupPerms: [aclGroup=SUB]
";

/// Writes `text` to `path` through a rename, so the broker's poll never reads half a file.
pub fn write_acl(path: &Path, text: &str) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

/// A client that signs every request as `access_key`.
pub fn signing(access_key: &str, secret_key: &str) -> RemotingClient {
    RemotingClient::new(ClientConfig {
        credentials: Some(Credentials {
            access_key: access_key.into(),
            secret_key: secret_key.into(),
            security_token: None,
        }),
        ..ClientConfig::default()
    })
}

/// Asserts a NO_PERMISSION answer whose remark contains `why`.
fn refused(r: &RemotingCommand, why: &str) {
    assert_eq!(r.code, response::NO_PERMISSION, "{:?}", r.remark);
    let remark = r.remark.as_deref().unwrap_or_default();
    assert!(remark.contains(why), "expected {why:?} in {remark:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acl_refuses_unsigned_and_wrongly_signed_and_serves_per_permission_issue_18() {
    let ns = start_namesrv().await;
    let dir = tempfile::tempdir().unwrap();
    let acl_path = dir.path().join("plain_acl.yml");
    write_acl(&acl_path, ACL_FILE);
    let port = free_port_pair();
    let mut props = base_props("broker-acl", port, &ns.addr, &dir.path().join("store"));
    props.push(("aclEnable", "true".into()));
    props.push(("plainAclFile", acl_path.display().to_string()));
    let conf = write_broker_conf(dir.path(), "acl.conf", &props);
    let mut b = BrokerProc::spawn(&conf, port);
    b.wait_ready().await;

    let open = RemotingClient::default();
    let admin = signing("adminKey1", "admin-secret-1");
    let wrong = signing("adminKey1", "not-the-secret");
    let unknown = signing("stranger1", "whatever-secret");
    let producer = signing("producer1", "producer-secret");
    let consumer = signing("consumer1", "consumer-secret");

    // Admin codes: only a correctly signed admin account.
    let create = || create_topic_request("AclTopic", 1);
    refused(
        &invoke(&open, &b.addr, create()).await,
        "No accessKey is configured",
    );
    refused(
        &invoke(&wrong, &b.addr, create()).await,
        "Check signature failed for accessKey=adminKey1",
    );
    refused(
        &invoke(&unknown, &b.addr, create()).await,
        "No acl config for stranger1",
    );
    refused(
        &invoke(&producer, &b.addr, create()).await,
        "Need admin permission for request code=17, but accessKey=producer1 is not",
    );
    assert_eq!(invoke(&admin, &b.addr, create()).await.code, response::SUCCESS);

    // Sends: PUB on the topic.
    let send = |body: &str| send_request("AclTopic", 0, body.as_bytes().to_vec(), "", "");
    refused(&invoke(&open, &b.addr, send("unsigned")).await, "No accessKey");
    refused(
        &invoke(&wrong, &b.addr, send("wrong")).await,
        "Check signature failed",
    );
    refused(
        &invoke(&consumer, &b.addr, send("no pub")).await,
        "No default permission for topic:AclTopic",
    );
    assert_eq!(
        invoke(&producer, &b.addr, send("hello")).await.code,
        response::SUCCESS
    );
    // A signed request whose body was changed on the way.
    let mut tampered = send("original");
    broker::remoting::acl_sign::sign(
        &mut tampered,
        &Credentials {
            access_key: "producer1".into(),
            secret_key: "producer-secret".into(),
            security_token: None,
        },
    );
    tampered.body = bytes::Bytes::from_static(b"forged");
    refused(
        &invoke(&open, &b.addr, tampered).await,
        "Check signature failed for accessKey=producer1",
    );

    // Pulls: SUB on the topic and on the group.
    let pull = |group: &str| pull_request(group, "AclTopic", 0, 0, 32, "*", 0);
    refused(&invoke(&open, &b.addr, pull("aclGroup")).await, "No accessKey");
    refused(
        &invoke(&producer, &b.addr, pull("aclGroup")).await,
        "No default permission for topic:AclTopic",
    );
    refused(
        &invoke(&consumer, &b.addr, pull("otherGroup")).await,
        "No default permission for group:otherGroup",
    );
    let r = invoke(&consumer, &b.addr, pull("aclGroup")).await;
    assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);
    let msgs = broker::store::message::decode_records(&r.body).unwrap();
    assert_eq!(msgs.len(), 1);
    assert_eq!(&msgs[0].body[..], b"hello");

    // Offset commits: SUB on the group and the topic.
    let commit = || update_offset_request("aclGroup", "AclTopic", 0, 1);
    refused(&invoke(&open, &b.addr, commit()).await, "No accessKey");
    refused(
        &invoke(&producer, &b.addr, commit()).await,
        "No default permission",
    );
    assert_eq!(invoke(&consumer, &b.addr, commit()).await.code, response::SUCCESS);

    // Refusals are logged.
    assert!(b.stderr().contains("ACL refused a request"), "{}", b.stderr());

    // The file is re-read when it changes: the producer loses PUB, a new account appears.
    let changed = ACL_FILE.replace("topicPerms: [AclTopic=PUB]", "topicPerms: [AclTopic=DENY]")
        + "  - accessKey: latecomer\n    secretKey: latecomer-secret\n    topicPerms: [AclTopic=PUB]\n";
    write_acl(&acl_path, &changed);
    let late = signing("latecomer", "latecomer-secret");
    wait_until(Duration::from_secs(30), "the changed ACL file in force", || {
        let (late, addr) = (late.clone(), b.addr.clone());
        async move { invoke(&late, &addr, send("late")).await.code == response::SUCCESS }
    })
    .await;
    refused(
        &invoke(&producer, &b.addr, send("after")).await,
        "No default permission for topic:AclTopic",
    );
    // A broken file is not taken: the accounts in force stay.
    write_acl(&acl_path, "accounts: [");
    wait_until(Duration::from_secs(30), "the broken file reported", || {
        let stderr = b.stderr();
        async move { stderr.contains("ACL not reloaded") }
    })
    .await;
    assert_eq!(
        invoke(&late, &b.addr, send("still")).await.code,
        response::SUCCESS
    );
    refused(
        &invoke(&open, &b.addr, send("still closed")).await,
        "No accessKey",
    );
    b.terminate();
    ns.stop().await;
}

/// `aclEnable=true` without a usable ACL file never serves: the broker exits 2 and says why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acl_enable_without_a_usable_file_stops_mqbroker_issue_18() {
    let ns = start_namesrv().await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port_pair();
    let bad = dir.path().join("bad.yml");
    std::fs::write(&bad, "accounts:\n  - accessKey: short\n    secretKey: 12345678\n").unwrap();
    for (file, expected) in [
        (dir.path().join("missing.yml"), "cannot read the ACL file"),
        (bad, "longer than 6 characters"),
    ] {
        let mut props = base_props("broker-acl-bad", port, &ns.addr, &dir.path().join("store"));
        props.push(("aclEnable", "true".into()));
        props.push(("plainAclFile", file.display().to_string()));
        let conf = write_broker_conf(dir.path(), "bad-acl.conf", &props);
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_mqbroker"))
            .arg("-c")
            .arg(&conf)
            .env_remove("ROCKETMQ_HOME")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(expected), "expected {expected:?} in {stderr}");
        assert!(stderr.contains(&file.display().to_string()), "{stderr}");
    }
    ns.stop().await;
}

/// A DLedger group with ACL refuses unsigned requests on every node, and still does after its
/// leader is killed (-9) and another node leads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dledger_group_with_acl_stays_closed_after_failover_issue_18() {
    let secrets = tempfile::tempdir().unwrap();
    let acl_path = secrets.path().join("plain_acl.yml");
    write_acl(&acl_path, &ACL_FILE.replace("AclTopic", TOPIC));
    let mut g = Group::fresh_with(
        1 << 20,
        &[
            ("aclEnable", "true".into()),
            ("plainAclFile", acl_path.display().to_string()),
        ],
    )
    .await;
    let open = RemotingClient::default();
    let admin = signing("adminKey1", "admin-secret-1");
    let producer = signing("producer1", "producer-secret");
    refused(
        &invoke(&open, &g.leader(&admin).await, create_topic_request(TOPIC, 2)).await,
        "No accessKey",
    );
    g.create_topic(&admin).await;
    let send = |body: &str| send_request(TOPIC, 0, body.as_bytes().to_vec(), "", "");
    let leader = g.leader(&admin).await;
    assert_eq!(
        invoke(&producer, &leader, send("before")).await.code,
        response::SUCCESS
    );
    for a in g.addrs() {
        refused(&invoke(&open, &a, send("unsigned")).await, "No accessKey");
    }

    let old = g.index_of(&leader);
    g.nodes[old].kill9();
    let survivors: Vec<String> = g
        .addrs()
        .into_iter()
        .enumerate()
        .filter(|(i, _)| *i != old)
        .map(|(_, a)| a)
        .collect();
    let new_leader = crate::dledger_cluster::wait_bid0_among(&admin, &g.ns.addr, &survivors)
        .await
        .0;
    assert_ne!(new_leader, leader);
    refused(
        &invoke(&open, &new_leader, send("unsigned")).await,
        "No accessKey",
    );
    refused(
        &invoke(&signing("producer1", "wrong-secret"), &new_leader, send("wrong")).await,
        "Check signature failed",
    );
    wait_until(Duration::from_secs(30), "a signed send to the new leader", || {
        let (p, a) = (producer.clone(), new_leader.clone());
        async move { invoke(&p, &a, send("after")).await.code == response::SUCCESS }
    })
    .await;
    refused(
        &invoke(&open, &new_leader, create_topic_request("Sneaky", 1)).await,
        "No accessKey",
    );
}
