//! Issue 18 (security): a broker config that asks for a security feature we do not serve stops
//! `mqbroker` (fail closed), and the DLedger peer token keeps unauthenticated peers out of the
//! Raft group.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use broker::raft::peer_auth::{REFUSED_REMARK, TOKEN_FIELD};
use broker::raft::types::{Entry, LogId, Record, TypeConfig, Vote};
use broker::raft::wire::{self, code};
use broker::remoting::body_replica::{RaftStatus, ReplicaStatus};
use broker::remoting::codes::{request, response};
use broker::remoting::{RemotingClient, RemotingCommand};
use bytes::Bytes;
use openraft::raft::{AppendEntriesRequest, VoteRequest};
use openraft::CommittedLeaderId;

use crate::dledger_cluster::{wait_log_line, Group, TOPIC};
use crate::util::{
    base_props, create_topic_on, free_port_pair, invoke, pull_queue, send_request, start_namesrv, wait_until,
    write_broker_conf, BrokerProc,
};

/// A key that turns on a security feature we do not serve (`useTLS=true`) used to be "unknown
/// key (ignored)" and the broker started open to every client; now it exits 2 naming the file,
/// line and key, and saying why. (`aclEnable=true` is served now: see `acl.rs`.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn use_tls_true_stops_mqbroker_and_false_starts_issue_18() {
    let ns = start_namesrv().await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port_pair();
    let mut props = base_props("broker-sec", port, &ns.addr, &dir.path().join("store"));
    props.push(("useTLS", "true".into()));
    let conf = write_broker_conf(dir.path(), "tls.conf", &props);
    let line = props.len();
    let out = Command::new(env!("CARGO_BIN_EXE_mqbroker"))
        .arg("-c")
        .arg(&conf)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let at = format!("{}:{line}: useTLS=true", conf.display());
    assert!(stderr.contains(&at), "expected {at:?} in {stderr}");
    assert!(stderr.contains("not supported yet"), "{stderr}");
    assert!(stderr.contains("leave the broker open"), "{stderr}");
    assert!(!stderr.contains("unknown key"), "{stderr}");
    // Nothing listens: the broker did not start.
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());

    // useTLS=false and aclEnable=false ask for what we serve: accepted silently, the broker starts.
    props.pop();
    props.push(("useTLS", "false".into()));
    props.push(("aclEnable", "false".into()));
    let conf = write_broker_conf(dir.path(), "no-tls.conf", &props);
    let mut b = BrokerProc::spawn(&conf, port);
    b.wait_ready().await;
    let c = RemotingClient::default();
    create_topic_on(&c, &b.addr, "SecOk", 1).await;
    assert!(!b.stderr().contains("useTLS"), "{}", b.stderr());
    b.terminate();
    ns.stop().await;
}

const GOOD: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f0-good-token";
const WRONG: &str = "ffffffffffffffffffffffffffffffff-wrong-token";

/// Writes `secret` to `path` with mode 0600, as the token file must be.
fn write_token(path: &Path, secret: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, format!("{secret}\n")).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

async fn status(c: &RemotingClient, addr: &str) -> RaftStatus {
    let r = c
        .invoke(
            addr,
            RemotingCommand::request_empty(request::GET_REPLICA_STATUS),
            Duration::from_secs(5),
        )
        .await
        .expect("GET_REPLICA_STATUS answered");
    assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);
    let s: ReplicaStatus = broker::json::from_slice(&r.body).expect("a ReplicaStatus body");
    s.raft.expect("a DLedger node")
}

/// (term, leader, last log index) of every node once all agree on one leader and one log end.
async fn settled(c: &RemotingClient, addrs: &[String]) -> Vec<(u64, Option<u64>, Option<u64>)> {
    let found = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    wait_until(
        Duration::from_secs(60),
        "one leader, one term, one log end",
        || {
            let (c, addrs, found) = (c.clone(), addrs.to_vec(), found.clone());
            async move {
                let mut v = Vec::new();
                for a in &addrs {
                    let s = status(&c, a).await;
                    v.push((s.term, s.leader_id, s.last_log_index));
                }
                let same = v.iter().all(|x| *x == v[0]) && v[0].1.is_some();
                *found.lock().unwrap() = v;
                same
            }
        },
    )
    .await;
    let v = found.lock().unwrap().clone();
    v
}

/// One forged Raft RPC to `raft_addr`, with `token` in the ext fields when given.
async fn forge(
    c: &RemotingClient,
    raft_addr: &str,
    code: i32,
    body: Bytes,
    token: Option<&str>,
) -> RemotingCommand {
    let mut req = RemotingCommand::request_empty(code).with_body(body);
    if let Some(t) = token {
        req.ext_fields.insert(TOKEN_FIELD.to_owned(), t.to_owned());
    }
    c.invoke(raft_addr, req, Duration::from_secs(5))
        .await
        .expect("the peer port answers")
}

/// A Vote for a candidate 100 terms ahead with a log far longer than anyone's.
fn forged_vote(term: u64) -> Bytes {
    let req = VoteRequest::<u64>::new(
        Vote::new(term + 100, 7),
        Some(LogId::new(CommittedLeaderId::new(term + 99, 7), 1_000_000)),
    );
    Bytes::from(serde_json::to_vec(&req).unwrap())
}

/// An AppendEntries from a "leader" 100 terms ahead that would overwrite index 1 onwards.
fn forged_append(term: u64) -> Bytes {
    let id = |i| LogId::new(CommittedLeaderId::new(term + 100, 7), i);
    let req = AppendEntriesRequest::<TypeConfig> {
        vote: Vote::new_committed(term + 100, 7),
        prev_log_id: None,
        entries: vec![Entry {
            log_id: id(1),
            payload: openraft::EntryPayload::Normal(Record(Bytes::from_static(b"forged record"))),
        }],
        leader_commit: Some(id(1)),
    };
    wire::encode_append(&req).unwrap()
}

/// Issue 18: with `dLegerPeerTokenFile`, the group serves; forged Votes and AppendEntries sent to
/// the peer ports without the token or with a wrong one are refused (NO_PERMISSION), change no
/// node's term, leader or log, and are logged; a node started with a wrong token cannot join and
/// says why, while the two others keep serving; with the right token again it catches up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dledger_peer_token_refuses_forged_rpcs_and_wrong_token_nodes_issue_18() {
    let secrets = tempfile::tempdir().unwrap();
    let token = secrets.path().join("peer.token");
    write_token(&token, GOOD);
    let mut g = Group::fresh_with(1 << 20, &[("dLegerPeerTokenFile", token.display().to_string())]).await;
    let c = RemotingClient::default();
    g.create_topic(&c).await;
    let leader = g.leader(&c).await;
    assert_eq!(
        invoke(&c, &leader, send_request(TOPIC, 0, b"before".to_vec(), "", ""))
            .await
            .code,
        response::SUCCESS
    );
    for n in &g.nodes {
        assert!(!n.stderr().contains("no dLegerPeerTokenFile"), "{}", n.stderr());
    }
    let addrs = g.addrs();
    let before = settled(&c, &addrs).await;
    let (term, leader_id, _) = before[0];
    let members = status(&c, &addrs[0]).await.members;
    let raft_addr = |i: usize| {
        members
            .iter()
            .find(|m| m.self_id == format!("n{i}"))
            .unwrap()
            .raft_addr
            .clone()
    };

    // Node 0 gets RPCs without a token, node 1 with a wrong one, node 2 both.
    let attempts: [(usize, Option<&str>); 4] = [(0, None), (1, Some(WRONG)), (2, None), (2, Some(WRONG))];
    for (i, tok) in attempts {
        for (code, body) in [
            (code::VOTE, forged_vote(term)),
            (code::APPEND, forged_append(term)),
        ] {
            let r = forge(&c, &raft_addr(i), code, body, tok).await;
            assert_eq!(
                r.code,
                response::NO_PERMISSION,
                "n{i} {code} {tok:?}: {:?}",
                r.remark
            );
            assert_eq!(r.remark.as_deref(), Some(REFUSED_REMARK));
        }
    }
    wait_log_line(&g, 0, "refused a Raft RPC with no peer token", 1).await;
    wait_log_line(&g, 1, "refused a Raft RPC with a wrong peer token", 1).await;
    wait_log_line(&g, 2, "refused a Raft RPC with no peer token", 1).await;
    // Rate-limited: node 2 logged one line for its four refusals.
    assert_eq!(g.nodes[2].stderr().matches("refused a Raft RPC").count(), 1);

    // Nothing moved: one more real write lands at the next index in the same term.
    assert_eq!(
        invoke(&c, &leader, send_request(TOPIC, 0, b"after".to_vec(), "", ""))
            .await
            .code,
        response::SUCCESS
    );
    let after = settled(&c, &addrs).await;
    for (i, (t, l, last)) in after.iter().enumerate() {
        assert_eq!((*t, *l), (term, leader_id), "n{i}: {before:?} -> {after:?}");
        assert_eq!(*last, before[i].2.map(|x| x + 1), "n{i}: {before:?} -> {after:?}");
    }
    let msgs = pull_queue(&c, &leader, TOPIC, 0).await;
    let bodies: Vec<&[u8]> = msgs.iter().map(|m| m.body.as_slice()).collect();
    assert_eq!(bodies, vec![b"before".as_slice(), b"after".as_slice()]);

    // A follower restarted with a wrong token cannot join, and says why.
    let f = (0..3).find(|&i| addrs[i] != leader).unwrap();
    g.nodes[f].terminate();
    write_token(&token, WRONG);
    g.nodes[f].restart();
    g.nodes[f].wait_ready().await;
    wait_log_line(&g, f, "the peer refused our Raft RPCs", 1).await;
    wait_log_line(&g, f, "refused a Raft RPC with a wrong peer token", 1).await;
    write_token(&token, GOOD);
    // The two others keep serving, in the same term under the same leader.
    assert_eq!(
        invoke(&c, &leader, send_request(TOPIC, 0, b"without f".to_vec(), "", ""))
            .await
            .code,
        response::SUCCESS
    );
    let rogue = status(&c, &addrs[f]).await;
    assert_ne!(rogue.last_log_index, status(&c, &leader).await.last_log_index);
    for (i, a) in addrs.iter().enumerate().filter(|(i, _)| *i != f) {
        let s = status(&c, a).await;
        assert_eq!((s.term, s.leader_id), (term, leader_id), "n{i}");
    }

    // With the right token again, it rejoins and catches up.
    g.nodes[f].terminate();
    g.nodes[f].restart();
    g.nodes[f].wait_ready().await;
    let last = settled(&c, &addrs).await;
    assert_eq!(last[f].2, status(&c, &leader).await.last_log_index);
}

/// Issue 18: an in-process group whose nodes share a peer token elects a leader and serves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_process_group_with_a_peer_token_serves_issue_18() {
    let ns = start_namesrv().await;
    let secrets = tempfile::tempdir().unwrap();
    let token = secrets.path().join("peer.token");
    write_token(&token, GOOD);
    let token_path = token.display().to_string();
    let (_listeners, _dirs, _cfgs, mut nodes) = crate::dledger::start_group(&ns.addr, |c| {
        c.dleger_peer_token_file = Some(token_path.clone());
    })
    .await;
    let c = RemotingClient::default();
    let (leader, _) = crate::dledger::wait_leader(&c, &ns.addr, None, 3).await;
    create_topic_on(&c, &leader, "Tok", 1).await;
    assert_eq!(
        invoke(&c, &leader, send_request("Tok", 0, b"m".to_vec(), "", ""))
            .await
            .code,
        response::SUCCESS
    );
    assert_eq!(pull_queue(&c, &leader, "Tok", 0).await.len(), 1);
    for n in nodes.iter_mut() {
        if let Some(n) = n.take() {
            n.stop().await;
        }
    }
    ns.stop().await;
}

/// Issue 18: a DLedger broker whose `dLegerPeerTokenFile` every user can read, or which holds no
/// token, exits 2 before it binds a port or reports "boot success".
#[test]
fn mqbroker_refuses_an_unusable_peer_token_file_issue_18() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("peer.token");
    let port = free_port_pair();
    let conf = write_broker_conf(
        dir.path(),
        "n0.conf",
        &[
            ("brokerName", "RaftNode00".into()),
            ("listenPort", port.to_string()),
            ("brokerIP1", "127.0.0.1".into()),
            ("storePathRootDir", dir.path().join("store").display().to_string()),
            ("enableDLegerCommitLog", "true".into()),
            (
                "dLegerPeers",
                "n0-127.0.0.1:1;n1-127.0.0.1:2;n2-127.0.0.1:3".into(),
            ),
            ("dLegerSelfId", "n0".into()),
            ("dLegerPeerTokenFile", token.display().to_string()),
        ],
    );
    for (text, mode, needle) in [
        (GOOD, 0o644, "chmod 600"),
        ("\n", 0o600, "holds 0 byte(s) of token"),
    ] {
        std::fs::write(&token, text).unwrap();
        std::fs::set_permissions(&token, std::fs::Permissions::from_mode(mode)).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_mqbroker"))
            .arg("-c")
            .arg(&conf)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(needle), "{needle:?} not in {stderr}");
        assert!(!String::from_utf8_lossy(&out.stdout).contains("boot success"));
    }
}
