//! DLedger mode end to end, in-process: three brokers with the same brokerName form an openraft
//! group, the leader registers as BID 0, messages sent to it are consumable from every node, the
//! data files are byte-identical, and stopping the leader moves BID 0 to another node.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use broker::config::{BrokerConfig, BrokerRole};
use broker::json;
use broker::remoting::body::ClusterInfo;
use broker::remoting::codes::{request, response};
use broker::remoting::{RemotingClient, RemotingCommand};
use broker::store::message::decode_records;

use crate::util::*;

fn clone_listener(l: &std::net::TcpListener) -> std::net::TcpListener {
    l.try_clone().unwrap()
}

fn node_config(root: &std::path::Path, ns: &str, i: usize, peers: &str) -> BrokerConfig {
    let mut c = BrokerConfig {
        broker_cluster_name: "RaftCluster".into(),
        enable_dleger_commit_log: true,
        dleger_group: Some("RaftNode00".into()),
        dleger_peers: Some(peers.into()),
        dleger_self_id: Some(format!("n{i}")),
        mapped_file_size_commit_log: 256 * 1024,
        ..broker_config(root, "RaftNode00", ns, BrokerRole::AsyncMaster, 0)
    };
    c.validate().expect("valid DLedger config");
    c
}

/// Starts a 3-node in-process group of RaftNode00 registered with `ns`, each config adjusted by
/// `tweak`; returns the Raft listeners (kept, so a restarted node gets its port back), the store
/// dirs, the configs and the running nodes.
pub(crate) async fn start_group(
    ns: &str,
    tweak: impl Fn(&mut BrokerConfig),
) -> (
    Vec<std::net::TcpListener>,
    Vec<tempfile::TempDir>,
    Vec<BrokerConfig>,
    Vec<Option<Running>>,
) {
    let listeners = raft_listeners(3);
    let peers = dledger_peers(&listeners);
    let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let cfgs: Vec<BrokerConfig> = (0..3)
        .map(|i| {
            let mut c = node_config(dirs[i].path(), ns, i, &peers);
            tweak(&mut c);
            c
        })
        .collect();
    let mut nodes = Vec::new();
    for i in 0..3 {
        nodes.push(Some(restart(&cfgs, &listeners, i).await));
    }
    (listeners, dirs, cfgs, nodes)
}

/// (Re)starts node `i` of a group from [`start_group`] on its own Raft listener.
pub(crate) async fn restart(cfgs: &[BrokerConfig], listeners: &[std::net::TcpListener], i: usize) -> Running {
    start_broker_with(cfgs[i].clone(), Some(clone_listener(&listeners[i])))
        .await
        .unwrap()
}

async fn cluster(c: &RemotingClient, ns: &str) -> ClusterInfo {
    let r = invoke(
        c,
        ns,
        RemotingCommand::request_empty(request::GET_BROKER_CLUSTER_INFO),
    )
    .await;
    json::from_slice(&r.body).unwrap()
}

/// Waits until the group has a BID 0 other than `not` and three members; returns BID 0's address.
pub(crate) async fn wait_leader(
    c: &RemotingClient,
    ns: &str,
    not: Option<&str>,
    members: usize,
) -> (String, Duration) {
    let started = Instant::now();
    loop {
        let ci = cluster(c, ns).await;
        if let Some(bd) = ci.broker_addr_table.get("RaftNode00") {
            if let Some(addr) = bd.broker_addrs.get(&0) {
                if Some(addr.as_str()) != not && bd.broker_addrs.len() >= members {
                    return (addr.clone(), started.elapsed());
                }
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no leader registered: {ci:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Pulls every message of `topic` from `addr`; returns bodies per queue.
async fn pull_all(c: &RemotingClient, addr: &str, topic: &str, queues: i32) -> BTreeMap<i32, Vec<Vec<u8>>> {
    let mut out = BTreeMap::new();
    for q in 0..queues {
        let mut offset = 0;
        loop {
            let r = invoke(c, addr, pull_request("g", topic, q, offset, 32, "*", 0)).await;
            if r.code != response::SUCCESS {
                break;
            }
            for m in decode_records(&r.body).unwrap() {
                assert_eq!(m.queue_offset, offset);
                out.entry(q).or_insert_with(Vec::new).push(m.body);
                offset += 1;
            }
        }
    }
    out
}

fn data_md5s(root: &std::path::Path, self_id: &str) -> BTreeMap<String, String> {
    use md5::Digest;
    let dir = root.join(format!("dledger-{self_id}")).join("data");
    std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                hex::encode(md5::Md5::digest(std::fs::read(e.path()).unwrap())),
            )
        })
        .collect()
}

/// Asserts that the three nodes of a [`start_group`] group hold byte-identical data files;
/// returns their md5s by file name.
fn same_data_files(dirs: &[tempfile::TempDir]) -> BTreeMap<String, String> {
    let sums: Vec<_> = (0..3)
        .map(|i| data_md5s(dirs[i].path(), &format!("n{i}")))
        .collect();
    assert_eq!(sums[0], sums[1]);
    assert_eq!(sums[0], sums[2]);
    sums.into_iter().next().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_replicate_and_fail_over() {
    let ns = start_namesrv().await;
    let (listeners, dirs, cfgs, mut nodes) = start_group(&ns.addr, |_| {}).await;
    let c = RemotingClient::default();
    let (leader, _) = wait_leader(&c, &ns.addr, None, 3).await;

    // A follower refuses writes at once.
    let follower = nodes
        .iter()
        .flatten()
        .find(|n| n.addr != leader)
        .unwrap()
        .addr
        .clone();
    let r = invoke(&c, &follower, send_request("Raft", 0, b"x".to_vec(), "", "")).await;
    assert_eq!(r.code, response::SERVICE_NOT_AVAILABLE);

    // Messages through the leader, 32 at a time: 20 000 with SOAK=1 (the figure), 3000 in CI.
    let n = if std::env::var_os("SOAK").is_some() {
        20_000usize
    } else {
        3000
    };
    // A loaded machine may elect a new leader mid-run (a stalled follower times out): senders then
    // do what a RocketMQ producer does, ask the name server for BID 0 again and retry. A retried
    // send whose first answer was "not the leader" after submission may have been committed too,
    // so a body can appear twice, but never more often than it was retried.
    let leader_now = Arc::new(Mutex::new(leader.clone()));
    let retries = Arc::new(AtomicUsize::new(0));
    let mut sends = Vec::new();
    for i in 0..n {
        let (c, ns, leader_now, retries) = (c.clone(), ns.addr.clone(), leader_now.clone(), retries.clone());
        sends.push(tokio::spawn(async move {
            let body = format!("msg-{i:05}-{}", "x".repeat(i % 300)).into_bytes();
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                let addr = leader_now.lock().unwrap().clone();
                let req = send_request("Raft", (i % 4) as i32, body.clone(), "t", "");
                let r = invoke(&c, &addr, req).await;
                if r.code == response::SUCCESS {
                    return;
                }
                assert_eq!(r.code, response::SERVICE_NOT_AVAILABLE, "{:?}", r.remark);
                assert!(Instant::now() < deadline, "msg {i} not accepted: {:?}", r.remark);
                retries.fetch_add(1, Ordering::Relaxed);
                let (fresh, _) = wait_leader(&c, &ns, None, 3).await;
                *leader_now.lock().unwrap() = fresh;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }));
        if sends.len() >= 32 {
            for s in sends.drain(..) {
                s.await.unwrap();
            }
        }
    }
    for s in sends {
        s.await.unwrap();
    }
    let retries = retries.load(Ordering::Relaxed);
    let leader = leader_now.lock().unwrap().clone();
    if retries > 0 {
        eprintln!("{retries} send(s) retried after a leader change; BID 0 is now {leader}");
    }

    // Every node serves every message (followers once their topic config is synced), the same
    // records on every node.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut served: Option<BTreeMap<i32, Vec<Vec<u8>>>> = None;
    for node in nodes.iter().flatten() {
        loop {
            let got = pull_all(&c, &node.addr, "Raft", 4).await;
            let distinct: BTreeSet<&Vec<u8>> = got.values().flatten().collect();
            let count: usize = got.values().map(Vec::len).sum();
            if distinct.len() == n && served.as_ref().is_none_or(|s| *s == got) {
                assert!(
                    count <= n + retries,
                    "{count} records for {n} messages and {retries} retries"
                );
                served = Some(got);
                break;
            }
            assert!(Instant::now() < deadline, "{} serves {count} of {n}", node.addr);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    // Byte-identical data files over the committed range.
    let sums = same_data_files(&dirs);
    assert!(sums.len() >= 2, "several data files expected: {sums:?}");

    // Stop the leader: another node becomes BID 0 and writes resume there.
    let idx = nodes
        .iter()
        .position(|n| n.as_ref().is_some_and(|n| n.addr == leader))
        .unwrap();
    nodes[idx].take().unwrap().stop().await;
    let (new_leader, took) = wait_leader(&c, &ns.addr, Some(&leader), 2).await;
    assert_ne!(new_leader, leader);
    eprintln!("failover: new BID 0 registered {took:?} after the old leader stopped");
    // One more send, retried like a producer if leadership moves again.
    let mut target = new_leader.clone();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let req = send_request("Raft", 1, b"after-failover".to_vec(), "", "");
        let r = invoke(&c, &target, req).await;
        if r.code == response::SUCCESS {
            break;
        }
        assert_eq!(r.code, response::SERVICE_NOT_AVAILABLE, "{:?}", r.remark);
        assert!(Instant::now() < deadline, "no write accepted after the failover");
        target = wait_leader(&c, &ns.addr, Some(&leader), 2).await.0;
    }
    let got = pull_all(&c, &target, "Raft", 4).await;
    let distinct: BTreeSet<&Vec<u8>> = got.values().flatten().collect();
    assert!(distinct.contains(&b"after-failover".to_vec()));
    let n = got.values().map(Vec::len).sum::<usize>() - 1;

    // The old leader restarts from its files and catches up.
    nodes[idx] = Some(restart(&cfgs, &listeners, idx).await);
    let old = nodes[idx].as_ref().unwrap().addr.clone();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let got = pull_all(&c, &old, "Raft", 4).await;
        if got.values().map(Vec::len).sum::<usize>() == n + 1 {
            break;
        }
        assert!(Instant::now() < deadline, "restarted node did not catch up");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for n in nodes.into_iter().flatten() {
        n.stop().await;
    }
    ns.stop().await;
}

/// Waits until `addr` is the group's BID 0; returns how long it took.
async fn wait_bid0_is(c: &RemotingClient, ns: &str, addr: &str) -> Duration {
    let started = Instant::now();
    loop {
        let ci = cluster(c, ns).await;
        let bid0 = ci
            .broker_addr_table
            .get("RaftNode00")
            .and_then(|bd| bd.broker_addrs.get(&0).cloned());
        if bid0.as_deref() == Some(addr) {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(40),
            "{addr} never became BID 0 (BID 0 is {bid0:?})"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `preferredLeaderId=n2` on every node: leadership moves to n2 once it is up and caught up,
/// also after n2 was stopped (another node leads meanwhile) and restarted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preferred_leader_takes_over() {
    let ns = start_namesrv().await;
    let (listeners, _dirs, cfgs, mut nodes) = start_group(&ns.addr, |c| {
        c.preferred_leader_id = Some("n2".into());
    })
    .await;
    let c = RemotingClient::default();
    let n2 = nodes[2].as_ref().unwrap().addr.clone();
    let took = wait_bid0_is(&c, &ns.addr, &n2).await;
    eprintln!("n2 became BID 0 {took:?} after start");

    // Writes before and while n2 is down, through whoever leads.
    let send = |body: &'static str| {
        let (c, ns) = (c.clone(), ns.addr.clone());
        async move {
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                let (leader, _) = wait_leader(&c, &ns, None, 2).await;
                let r = invoke(
                    &c,
                    &leader,
                    send_request("Pref", 0, body.as_bytes().to_vec(), "", ""),
                )
                .await;
                if r.code == response::SUCCESS {
                    return;
                }
                assert_eq!(r.code, response::SERVICE_NOT_AVAILABLE, "{:?}", r.remark);
                assert!(Instant::now() < deadline, "{body} never accepted");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };
    send("before").await;
    nodes[2].take().unwrap().stop().await;
    let (other, _) = wait_leader(&c, &ns.addr, Some(&n2), 2).await;
    assert_ne!(other, n2);
    send("while-n2-down").await;

    // n2 comes back, catches up and takes over again.
    nodes[2] = Some(restart(&cfgs, &listeners, 2).await);
    let n2 = nodes[2].as_ref().unwrap().addr.clone();
    let took = wait_bid0_is(&c, &ns.addr, &n2).await;
    eprintln!("restarted n2 became BID 0 again {took:?} after its start");
    send("after").await;
    let got = pull_all(&c, &n2, "Pref", 1).await;
    let bodies: BTreeSet<Vec<u8>> = got.values().flatten().cloned().collect();
    for b in ["before", "while-n2-down", "after"] {
        assert!(bodies.contains(b.as_bytes()), "{b} missing on n2: {bodies:?}");
    }
    for n in nodes.into_iter().flatten() {
        n.stop().await;
    }
    ns.stop().await;
}

fn data_files(root: &std::path::Path, self_id: &str) -> Vec<String> {
    let dir = root.join(format!("dledger-{self_id}")).join("data");
    let mut v: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Retention: expired data files go on every node, but only once every peer has their entries
/// (a stopped follower holds them back until it has caught up).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_waits_for_every_peer() {
    let ns = start_namesrv().await;
    let (listeners, dirs, cfgs, mut nodes) = start_group(&ns.addr, |c| {
        c.file_reserved_time = 0;
        c.delete_when = (0..24).map(|h| format!("{h:02}")).collect::<Vec<_>>().join(";");
        c.disk_max_used_space_ratio = 100;
        c.clean_resource_interval = 200;
    })
    .await;
    let c = RemotingClient::default();
    let (leader, _) = wait_leader(&c, &ns.addr, None, 3).await;
    let lagging = (0..3)
        .find(|i| nodes[*i].as_ref().unwrap().addr != leader)
        .unwrap();
    nodes[lagging].take().unwrap().stop().await;
    let first = data_files(dirs[lagging].path(), &format!("n{lagging}"))[0].clone();

    // ~1 MiB of messages: several 256 KiB files the stopped follower does not have.
    let body = vec![b'r'; 1000];
    for i in 0..1000 {
        let mut sent = false;
        for _ in 0..600 {
            let (l, _) = wait_leader(&c, &ns.addr, None, 2).await;
            let r = invoke(&c, &l, send_request("Keep", i % 4, body.clone(), "", "")).await;
            if r.code == response::SUCCESS {
                sent = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(sent, "message {i} never accepted");
    }
    let running: Vec<usize> = (0..3).filter(|i| *i != lagging).collect();
    for &i in &running {
        assert!(data_files(dirs[i].path(), &format!("n{i}")).len() >= 4);
    }
    // Ten retention passes of the leader after the writes: each had the chance to delete the
    // expired files, and the files the stopped follower lacks must stay.
    let passes = || -> u64 {
        nodes
            .iter()
            .flatten()
            .filter_map(|n| n.broker.as_ref()?.upgrade())
            .filter_map(|b| {
                b.dledger
                    .get()
                    .map(|d| d.retention_passes.load(Ordering::Acquire))
            })
            .sum()
    };
    let before = passes();
    wait_until(Duration::from_secs(60), "ten retention passes", || {
        let done = passes() >= before + 10;
        async move { done }
    })
    .await;
    for &i in &running {
        assert_eq!(
            data_files(dirs[i].path(), &format!("n{i}"))[0],
            first,
            "n{i} deleted data a stopped peer still needs"
        );
    }

    // The follower comes back and catches up; then the old files go everywhere, identically.
    nodes[lagging] = Some(restart(&cfgs, &listeners, lagging).await);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let files: Vec<Vec<String>> = (0..3)
            .map(|i| data_files(dirs[i].path(), &format!("n{i}")))
            .collect();
        if files.iter().all(|f| f[0] != first && f.len() <= 2) && files[0] == files[1] && files[1] == files[2]
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "old files not deleted everywhere: {files:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Still a working group: a new message is served by every node.
    let (l, _) = wait_leader(&c, &ns.addr, None, 3).await;
    let r = invoke(&c, &l, send_request("Keep", 0, b"after-purge".to_vec(), "", "")).await;
    assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);
    let h: broker::remoting::headers::SendMessageResponseHeader = r.decode_header().unwrap();
    for n in nodes.iter().flatten() {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let r = invoke(
                &c,
                &n.addr,
                pull_request("g", "Keep", 0, h.queue_offset, 1, "*", 0),
            )
            .await;
            if r.code == response::SUCCESS {
                assert_eq!(decode_records(&r.body).unwrap()[0].body, b"after-purge");
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{} does not serve the new message",
                n.addr
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    for n in nodes.into_iter().flatten() {
        n.stop().await;
    }
    ns.stop().await;
}

/// Channel kinds of every DLedger entry in the data files of `self_id` (spec §6.1 walk: 48-byte
/// headers, a blank ends a file, zeros end the data).
fn entry_kinds(root: &std::path::Path, self_id: &str) -> Vec<i32> {
    use broker::store::format::dledger as dl;
    let dir = root.join(format!("dledger-{self_id}")).join("data");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    let int = |b: &[u8], at: usize| i32::from_be_bytes(b[at..at + 4].try_into().unwrap());
    let mut kinds = Vec::new();
    for path in names {
        let data = std::fs::read(path).unwrap();
        let mut at = 0;
        while at + dl::HEADER_SIZE <= data.len() && int(&data, at) == dl::ENTRY_MAGIC {
            kinds.push(int(&data, at + dl::CHANNEL) >> dl::CHANNEL_KIND_SHIFT);
            at += int(&data, at + dl::SIZE) as usize;
        }
    }
    kinds
}

/// Concurrent sends share Raft entries (the leader's batcher), yet every message keeps its own
/// DLedger entry: each acknowledged msgId and queue offset points at that very message on every
/// node, before and after all three nodes restart from their files.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_sends_share_raft_entries() {
    use broker::remoting::headers::SendMessageResponseHeader;
    let ns = start_namesrv().await;
    let (listeners, dirs, cfgs, mut nodes) = start_group(&ns.addr, |_| {}).await;
    let c = RemotingClient::default();
    let (leader, _) = wait_leader(&c, &ns.addr, None, 3).await;

    // 64 senders, each sending its messages one after another, as `benchmark producer` does.
    let (senders, each) = (64usize, if soak() { 200 } else { 25 });
    let mut tasks = Vec::new();
    for s in 0..senders {
        let (c, leader) = (c.clone(), leader.clone());
        tasks.push(tokio::spawn(async move {
            let mut acked = Vec::new();
            for k in 0..each {
                let body = format!("s{s}-k{k}-{}", "b".repeat((s * 7 + k) % 200)).into_bytes();
                let q = ((s + k) % 4) as i32;
                let r = invoke(&c, &leader, send_request("Batch", q, body.clone(), "t", "")).await;
                assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);
                let h: SendMessageResponseHeader = r.decode_header().unwrap();
                assert_eq!(h.queue_id, q);
                acked.push((h.msg_id, q, h.queue_offset, body));
            }
            acked
        }));
    }
    let mut acked = Vec::new();
    for t in tasks {
        acked.extend(t.await.unwrap());
    }
    let n = senders * each;
    assert_eq!(acked.len(), n);

    // Batches were formed: some records are followed by another record of the same entry.
    let kinds = entry_kinds(dirs[0].path(), "n0");
    let more = kinds
        .iter()
        .filter(|k| **k == broker::store::format::dledger::KIND_RECORD_MORE)
        .count();
    assert!(more > 0, "no batched entry among {} DLedger entries", kinds.len());
    eprintln!("{n} messages: {more} records shared a Raft entry with the next one");

    let check = |nodes: Vec<String>| {
        let (c, acked) = (c.clone(), acked.clone());
        async move {
            for addr in nodes {
                // Every node serves every message at its queue offset (followers once synced).
                wait_until(Duration::from_secs(30), &format!("{addr} serves {n}"), || {
                    let (c, addr) = (c.clone(), addr.clone());
                    async move {
                        let got = pull_all(&c, &addr, "Batch", 4).await;
                        got.values().map(Vec::len).sum::<usize>() == n
                    }
                })
                .await;
                let got = pull_all(&c, &addr, "Batch", 4).await;
                for (id, q, offset, body) in &acked {
                    assert_eq!(
                        &got[q][*offset as usize], body,
                        "{addr}: queue {q} offset {offset}"
                    );
                    let m = view_by_msg_id(&c, &addr, id).await;
                    assert_eq!(
                        (&m.body, m.queue_id, m.queue_offset),
                        (body, *q, *offset),
                        "{addr}: {id}"
                    );
                }
            }
        }
    };
    let addrs: Vec<String> = nodes.iter().flatten().map(|n| n.addr.clone()).collect();
    check(addrs.clone()).await;
    same_data_files(&dirs);

    // All three restart from their files: recovery regroups the records into the same entries.
    for node in nodes.iter_mut() {
        node.take().unwrap().stop().await;
    }
    for (i, node) in nodes.iter_mut().enumerate() {
        *node = Some(restart(&cfgs, &listeners, i).await);
    }
    let (leader, _) = wait_leader(&c, &ns.addr, None, 3).await;
    let addrs: Vec<String> = nodes.iter().flatten().map(|n| n.addr.clone()).collect();
    check(addrs).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut target = leader;
    loop {
        let r = invoke(
            &c,
            &target,
            send_request("Batch", 0, b"after-restart".to_vec(), "", ""),
        )
        .await;
        if r.code == response::SUCCESS {
            break;
        }
        assert_eq!(r.code, response::SERVICE_NOT_AVAILABLE, "{:?}", r.remark);
        assert!(Instant::now() < deadline, "no write accepted after the restart");
        target = wait_leader(&c, &ns.addr, None, 3).await.0;
    }
    for n in nodes.into_iter().flatten() {
        n.stop().await;
    }
    ns.stop().await;
}

/// Writes, under `root`, the DLedger store of node `self_id` as Java DLedger leaves it (spec
/// §6.1, §6.2), built field by field: one data file of `file_size` bytes holding three entries
/// (magic 1, term 1, channel 0, chainCrc 0, bodyCrc 0), each one RocketMQ record (§2.6) of topic
/// `TopicTest` queue 0 whose PHYSICALOFFSET is the entry pos + 48, and Java's `checkpoint` and
/// `currterm`. Returns the bodies.
fn write_java_dledger_store(root: &std::path::Path, self_id: &str, file_size: usize) -> Vec<Vec<u8>> {
    let node = root.join(format!("dledger-{self_id}"));
    std::fs::create_dir_all(node.join("data")).unwrap();
    let mut file = vec![0u8; file_size];
    let mut bodies = Vec::new();
    let mut off = 0usize;
    let props = b"TAGS\x01TagA";
    for i in 0..3u8 {
        let body = format!("java-dledger-{i}").into_bytes();
        let mut crc = crc32fast::Hasher::new();
        crc.update(&body);
        let mut r = Vec::new();
        let total = 91 + body.len() + 9 + props.len();
        r.extend_from_slice(&(total as i32).to_be_bytes()); // TOTALSIZE
        r.extend_from_slice(&[0xDA, 0xA3, 0x20, 0xA7]); // MAGICCODE v1
        r.extend_from_slice(&((crc.finalize() & 0x7FFF_FFFF) as i32).to_be_bytes()); // BODYCRC
        r.extend_from_slice(&0i32.to_be_bytes()); // QUEUEID
        r.extend_from_slice(&0i32.to_be_bytes()); // FLAG
        r.extend_from_slice(&i64::from(i).to_be_bytes()); // QUEUEOFFSET
        r.extend_from_slice(&((off + 48) as i64).to_be_bytes()); // PHYSICALOFFSET = pos + 48
        r.extend_from_slice(&0i32.to_be_bytes()); // SYSFLAG
        r.extend_from_slice(&1_690_000_000_000i64.to_be_bytes()); // BORNTIMESTAMP
        r.extend_from_slice(&[127, 0, 0, 1, 0, 0, 0x9C, 0x40]); // BORNHOST 127.0.0.1:40000
        r.extend_from_slice(&1_690_000_000_100i64.to_be_bytes()); // STORETIMESTAMP
        r.extend_from_slice(&[127, 0, 0, 1, 0, 0, 0x78, 0x9F]); // STOREHOST 127.0.0.1:30879
        r.extend_from_slice(&0i32.to_be_bytes()); // RECONSUMETIMES
        r.extend_from_slice(&0i64.to_be_bytes()); // PREPARED TRANSACTION OFFSET
        r.extend_from_slice(&(body.len() as i32).to_be_bytes()); // BODY length
        r.extend_from_slice(&body); // BODY
        r.push(9); // TOPIC length
        r.extend_from_slice(b"TopicTest"); // TOPIC
        r.extend_from_slice(&(props.len() as i16).to_be_bytes()); // PROPERTIES length
        r.extend_from_slice(props); // PROPERTIES
        assert_eq!(r.len(), total);
        let mut e = Vec::new();
        e.extend_from_slice(&1i32.to_be_bytes()); // magic
        e.extend_from_slice(&((48 + r.len()) as i32).to_be_bytes()); // size
        e.extend_from_slice(&i64::from(i).to_be_bytes()); // index
        e.extend_from_slice(&1i64.to_be_bytes()); // term
        e.extend_from_slice(&(off as i64).to_be_bytes()); // pos
        e.extend_from_slice(&0i32.to_be_bytes()); // channel
        e.extend_from_slice(&0i32.to_be_bytes()); // chainCrc
        e.extend_from_slice(&0i32.to_be_bytes()); // bodyCrc
        e.extend_from_slice(&(r.len() as i32).to_be_bytes()); // bodyLen
        e.extend_from_slice(&r); // body
        file[off..off + e.len()].copy_from_slice(&e);
        off += e.len();
        bodies.push(body);
    }
    std::fs::write(node.join("data").join("00000000000000000000"), file).unwrap();
    std::fs::write(node.join("checkpoint"), "endIndex=2\ncommittedIndex=2\n").unwrap();
    std::fs::write(node.join("currterm"), "currTerm=1\nvoteLeader=n0\n").unwrap();
    bodies
}

/// "Tests that can fail": a group whose three nodes start on identical stores written by Java
/// DLedger (an in-place switch from Java RocketMQ-on-DLedger) elects a leader and serves the
/// Java messages. A Java log holds no membership entry (DLedger's voters are its configured
/// peers) and openraft refuses `initialize` on a non-empty log: before the state machine
/// adopted the configured peers for such a log, no node was a voter and no leader was elected.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_on_java_dledger_stores_serves_their_messages() {
    let ns = start_namesrv().await;
    let listeners = raft_listeners(3);
    let peers = dledger_peers(&listeners);
    let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let cfgs: Vec<BrokerConfig> = (0..3)
        .map(|i| node_config(dirs[i].path(), &ns.addr, i, &peers))
        .collect();
    let mut bodies = Vec::new();
    for (i, cfg) in cfgs.iter().enumerate() {
        let size = cfg.mapped_file_size_commit_log as usize;
        bodies = write_java_dledger_store(dirs[i].path(), &format!("n{i}"), size);
    }
    let mut nodes = Vec::new();
    for i in 0..3 {
        nodes.push(restart(&cfgs, &listeners, i).await);
    }
    let c = RemotingClient::default();
    let (leader, _) = wait_leader(&c, &ns.addr, None, 3).await;
    let r = invoke(&c, &leader, create_topic_request("TopicTest", 1)).await;
    assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let got = pull_all(&c, &leader, "TopicTest", 1).await;
        if got.get(&0) == Some(&bodies) {
            break;
        }
        assert!(Instant::now() < deadline, "Java messages not served: {got:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for n in nodes {
        n.stop().await;
    }
    ns.stop().await;
}
