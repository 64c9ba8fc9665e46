//! ACL request signatures (`remoting::acl_sign`) and the broker's check (`broker::acl::check`)
//! on arbitrary requests: ext fields and body taken from the input.
//!
//! Checks: no panic; a request signed by an account passes the check of a broker that has the
//! account (unless its body cannot be read, as a malformed heartbeat); the same request with one
//! body byte changed, or checked with another secret, is refused as a bad signature.
#![no_main]

use std::net::{IpAddr, Ipv4Addr};

use broker::broker::acl::plain::parse;
use broker::broker::acl::{check, Denied};
use broker::remoting::acl_sign::{sign, Credentials};
use broker::remoting::RemotingCommand;
use libfuzzer_sys::fuzz_target;

const ACL: &str = "accounts:\n  - accessKey: fuzzAdmin\n    secretKey: fuzz-secret\n    admin: true\n";
const OTHER: &str = "accounts:\n  - accessKey: fuzzAdmin\n    secretKey: other-secret\n    admin: true\n";

fuzz_target!(|data: &[u8]| {
    let Some((&code, rest)) = data.split_first() else {
        return;
    };
    // Up to 8 NUL-separated key/value pairs, then the body.
    let mut parts = rest.splitn(17, |b| *b == 0);
    let mut req = RemotingCommand::request_empty(i32::from(code));
    for _ in 0..8 {
        let (Some(k), Some(v)) = (parts.next(), parts.next()) else {
            break;
        };
        req.ext_fields
            .insert(String::from_utf8_lossy(k).into_owned(), String::from_utf8_lossy(v).into_owned());
    }
    req.body = bytes::Bytes::copy_from_slice(parts.next().unwrap_or_default());
    let creds = Credentials {
        access_key: "fuzzAdmin".into(),
        secret_key: "fuzz-secret".into(),
        security_token: None,
    };
    sign(&mut req, &creds);
    let acl = parse(ACL).expect("the fuzz ACL parses");
    let client = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
    match check(&acl, client, &req) {
        Ok(()) => {}
        Err(Denied::Unreadable(_)) => return,
        Err(e) => panic!("a signed request is refused: {e}"),
    }
    let other = parse(OTHER).expect("the other ACL parses");
    assert_eq!(
        check(&other, client, &req),
        Err(Denied::BadSignature("fuzzAdmin".into()))
    );
    if !req.body.is_empty() {
        let mut body = req.body.to_vec();
        body[0] ^= 1;
        req.body = body.into();
        match check(&acl, client, &req) {
            Err(Denied::BadSignature(_)) | Err(Denied::Unreadable(_)) => {}
            other => panic!("a changed body passed: {other:?}"),
        }
    }
});
