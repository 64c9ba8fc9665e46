//! A classic commitlog store upgraded to a DLedger group (spec §6.3).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use broker::remoting::codes::response;
use broker::remoting::headers::SendMessageResponseHeader;
use broker::remoting::RemotingClient;

use crate::dledger_cluster::*;
use crate::util::{
    base_props, create_topic_on, free_port_pair, invoke, msg_id_offset, pull_queue, query_offset,
    send_request, update_offset_request, view_by_msg_id, write_broker_conf, BrokerProc,
};

/// Copies a directory tree (the upgrade procedure copies `commitlog/`, `consumequeue/`, `config/`).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn classic_commitlog_upgrades_to_a_dledger_group() {
    const FILE: u64 = 64 * 1024;
    let ns = NamesrvProc::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let roots: Vec<PathBuf> = (0..3).map(|i| dir.path().join(format!("store-n{i}"))).collect();
    let port0 = free_port_pair();
    let c = RemotingClient::default();

    // A classic master with several 64 KiB commitlog files and committed consumer offsets.
    let mut props = base_props(GROUP, port0, &ns.addr, &roots[0]);
    props.retain(|(k, _)| *k != "brokerClusterName" && *k != "mappedFileSizeCommitLog");
    props.extend([
        ("brokerClusterName", "RaftCluster".to_string()),
        ("mappedFileSizeCommitLog", FILE.to_string()),
        ("brokerRole", "ASYNC_MASTER".into()),
        ("brokerId", "0".into()),
    ]);
    let conf = write_broker_conf(dir.path(), "classic.conf", &props);
    let mut classic = BrokerProc::spawn(&conf, port0);
    classic.wait_ready().await;
    create_topic_on(&c, &classic.addr, TOPIC, QUEUES).await;
    let mut old = Vec::new();
    let mut old_ids = Vec::new();
    for i in 0..300 {
        let q = i % QUEUES;
        let mut body = format!("old{i}|").into_bytes();
        body.resize(400, b'o');
        let r = invoke(&c, &classic.addr, send_request(TOPIC, q, body.clone(), "t", "")).await;
        assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);
        let h: SendMessageResponseHeader = r.decode_header().unwrap();
        old_ids.push((h.msg_id.clone(), body.clone()));
        old.push(Acked {
            queue: q,
            offset: h.queue_offset,
            body,
        });
    }
    let mut old_end = 0i64;
    let mut next_offset = BTreeMap::new();
    for q in 0..QUEUES {
        let msgs = pull_queue(&c, &classic.addr, TOPIC, q).await;
        next_offset.insert(q, msgs.len() as i64);
        for m in msgs {
            old_end = old_end.max(m.physical_offset + i64::from(m.store_size));
        }
    }
    for q in 0..QUEUES {
        let req = update_offset_request("billing", TOPIC, q, 10 + i64::from(q));
        assert_eq!(invoke(&c, &classic.addr, req).await.code, response::SUCCESS);
    }
    assert!(classic.terminate().success(), "{}", classic.stderr());
    let old_files = std::fs::read_dir(roots[0].join("commitlog")).unwrap().count();
    assert!(
        old_files >= 2,
        "several old commitlog files expected, got {old_files}"
    );
    for r in &roots[1..] {
        for sub in ["commitlog", "consumequeue", "config"] {
            copy_tree(&roots[0].join(sub), &r.join(sub));
        }
    }

    // The same stores as a DLedger group; node 0 keeps the classic port (so msgIds match).
    let g = Group::start(ns, dir, roots, Some(port0), FILE, Net::Loopback).await;
    let leader = g.leader(&c).await;
    let ns = g.ns.addr.clone();
    for a in g.addrs() {
        wait_serves(&c, &a, &old).await;
        for (id, body) in old_ids.iter().step_by(7) {
            assert_eq!(&view_by_msg_id(&c, &a, id).await.body, body, "{a}: view {id}");
        }
    }
    for q in 0..QUEUES {
        assert_eq!(
            query_offset(&c, &leader, "billing", TOPIC, q).await,
            Some(10 + i64::from(q)),
            "consumer offset of queue {q} after the upgrade"
        );
    }

    // New messages: above the sealed old commitlog, queue offsets continuing the old ones.
    let divided = (old_end as u64).div_ceil(FILE) * FILE;
    let mut all = old;
    for i in 0..100 {
        let q = i % QUEUES;
        let (acked, h, refused) = send_retrying(&c, &ns, GROUP, TOPIC, q, &format!("new{i}"), 0).await;
        let expect = next_offset.get_mut(&q).unwrap();
        // A refused attempt that was committed after all takes an offset of its own.
        if refused == 0 {
            assert_eq!(
                h.queue_offset, *expect,
                "queue {q} continues after the old messages"
            );
        } else {
            assert!(h.queue_offset >= *expect, "queue {q} went backwards");
        }
        *expect = h.queue_offset + 1;
        let phys = msg_id_offset(&h.msg_id) as u64;
        assert!(
            phys >= divided,
            "new message at {phys}, below dividedCommitlogOffset {divided}"
        );
        all.push(acked);
    }
    check_group(&g, &c, &all).await;
}
