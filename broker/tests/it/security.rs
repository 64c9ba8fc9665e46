//! Issue 18 (security): a broker config that asks for a security feature we do not serve stops
//! `mqbroker` (fail closed), and the DLedger peer token keeps unauthenticated peers out of the
//! Raft group.

use std::process::Command;

use broker::remoting::RemotingClient;

use crate::util::{
    base_props, create_topic_request, free_port_pair, invoke, start_namesrv, write_broker_conf, BrokerProc,
};

/// `aclEnable=true` was "unknown key (ignored)" and the broker started open to every client; now
/// it exits 2 naming the file, line and key, and saying why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acl_enable_true_stops_mqbroker_and_false_starts_issue_18() {
    let ns = start_namesrv().await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port_pair();
    let mut props = base_props("broker-sec", port, &ns.addr, &dir.path().join("store"));
    props.push(("aclEnable", "true".into()));
    let conf = write_broker_conf(dir.path(), "acl.conf", &props);
    let line = props.len();
    let out = Command::new(env!("CARGO_BIN_EXE_mqbroker"))
        .arg("-c")
        .arg(&conf)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let at = format!("{}:{line}: aclEnable=true", conf.display());
    assert!(stderr.contains(&at), "expected {at:?} in {stderr}");
    assert!(stderr.contains("not supported yet"), "{stderr}");
    assert!(stderr.contains("leave the broker open"), "{stderr}");
    assert!(!stderr.contains("unknown key"), "{stderr}");
    // Nothing listens: the broker did not start.
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());

    // aclEnable=false asks for what we serve: accepted silently, the broker starts.
    props.pop();
    props.push(("aclEnable", "false".into()));
    let conf = write_broker_conf(dir.path(), "no-acl.conf", &props);
    let mut b = BrokerProc::spawn(&conf, port);
    b.wait_ready().await;
    let c = RemotingClient::default();
    assert_eq!(
        invoke(&c, &b.addr, create_topic_request("SecOk", 1)).await.code,
        0
    );
    assert!(!b.stderr().contains("aclEnable"), "{}", b.stderr());
    b.terminate();
    ns.stop().await;
}
