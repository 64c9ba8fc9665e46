//! Query by key (QUERY_MESSAGE, issue 14) against real brokers: keys are found across several
//! index files and after a graceful restart, a `kill -9` or a lost `index/` directory (each key
//! indexed once), an index file written by hand in Java's layout is read, a bad request is
//! answered SYSTEM_ERROR on a connection that stays usable, and in DLedger mode the keys are
//! found on every node and on the new leader after the old one is killed, and a killed node
//! restarted with its index (kept, or lost and rebuilt from the Raft log) indexes nothing twice.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use broker::config::BrokerRole;
use broker::remoting::codes::{request, response};
use broker::remoting::headers::{
    QueryMessageRequestHeader, QueryMessageResponseHeader, SendMessageRequestHeader,
    SendMessageRequestHeaderV2, SendMessageResponseHeader,
};
use broker::remoting::{RemotingClient, RemotingCommand};
use broker::store::format::index as fmt;
use broker::store::message::{decode_records, encode_properties, DecodedMessage};

use crate::util::*;

/// A send of `body` to `topic`/`queue` with `KEYS` = `keys` and `UNIQ_KEY` = `uniq`, as a Java
/// producer sends it.
fn keyed_send(topic: &str, queue: i32, body: &[u8], keys: &str, uniq: &str) -> RemotingCommand {
    let h = SendMessageRequestHeader {
        producer_group: "pg".into(),
        topic: topic.into(),
        default_topic: "TBW102".into(),
        default_topic_queue_nums: 4,
        queue_id: queue,
        sys_flag: 0,
        born_timestamp: 1,
        flag: 0,
        properties: Some(encode_properties([
            ("KEYS", keys),
            ("UNIQ_KEY", uniq),
            ("WAIT", "true"),
        ])),
        reconsume_times: Some(0),
        unit_mode: Some(false),
        batch: Some(false),
        max_reconsume_times: None,
    };
    RemotingCommand::request(request::SEND_MESSAGE_V2, &SendMessageRequestHeaderV2::from_v1(&h))
        .with_body(body.to_vec())
}

fn query_request(topic: &str, key: &str, max_num: i32, unique: bool) -> RemotingCommand {
    let mut r = RemotingCommand::request(
        request::QUERY_MESSAGE,
        &QueryMessageRequestHeader {
            topic: topic.into(),
            key: key.into(),
            max_num,
            begin_timestamp: 0,
            end_timestamp: i64::MAX,
        },
    );
    if unique {
        r.ext_fields.insert("_UNIQUE_KEY_QUERY".into(), "true".into());
    }
    r
}

/// QUERY_MESSAGE of `key` (up to 64): the messages found, empty on QUERY_NOT_FOUND (whose remark
/// is Java's); any other answer fails the test.
async fn query(c: &RemotingClient, addr: &str, topic: &str, key: &str) -> Vec<DecodedMessage> {
    let r = invoke(c, addr, query_request(topic, key, 64, false)).await;
    match r.code {
        response::SUCCESS => {
            let h: QueryMessageResponseHeader = r.decode_header().unwrap();
            assert!(h.index_last_update_phyoffset >= 0 && h.index_last_update_timestamp > 0);
            decode_records(&r.body).unwrap()
        }
        response::QUERY_NOT_FOUND => {
            assert_eq!(
                r.remark.as_deref(),
                Some("can not find message, maybe time range not correct")
            );
            Vec::new()
        }
        code => panic!("query {key} on {addr}: {code} {:?}", r.remark),
    }
}

/// Bodies of the messages found by `key`, asserting each record comes back once.
async fn bodies(c: &RemotingClient, addr: &str, topic: &str, key: &str) -> BTreeSet<Vec<u8>> {
    let found = query(c, addr, topic, key).await;
    let offsets: BTreeSet<i64> = found.iter().map(|m| m.physical_offset).collect();
    assert_eq!(offsets.len(), found.len(), "{key}: a record returned twice");
    found.into_iter().map(|m| m.body).collect()
}

/// Index entries written in every index file under `root`, read from the Java-layout headers
/// (indexCount is the next entry's number, from 1); also checks each file's size.
fn index_entries(root: &Path, slots: u32, entries: u32) -> i64 {
    use std::os::unix::fs::FileExt;
    let mut total = 0;
    for e in std::fs::read_dir(root.join("index")).unwrap() {
        let f = std::fs::File::open(e.unwrap().path()).unwrap();
        assert_eq!(f.metadata().unwrap().len(), fmt::file_size(slots, entries));
        let mut count = [0u8; 4];
        f.read_exact_at(&mut count, fmt::INDEX_COUNT as u64).unwrap();
        total += i64::from(i32::from_be_bytes(count).max(1) - 1);
    }
    total
}

fn index_files(root: &Path) -> usize {
    std::fs::read_dir(root.join("index")).map_or(0, |d| d.count())
}

const SLOTS: u32 = 16;
const ENTRIES: u32 = 40;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_are_found_across_index_files_and_after_a_restart() {
    let ns = start_namesrv().await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = broker_config(dir.path(), "broker-a", &ns.addr, BrokerRole::AsyncMaster, 0);
    cfg.max_hash_slot_num = SLOTS;
    cfg.max_index_num = ENTRIES;
    let b = start_broker(cfg.clone()).await.unwrap();
    let c = RemotingClient::default();
    create_topic_on(&c, &b.addr, "Keyed", 4).await;
    for i in 0..30 {
        let req = keyed_send(
            "Keyed",
            i % 4,
            format!("m{i}").as_bytes(),
            &format!("order-{i} common"),
            &format!("U{i:04}"),
        );
        assert_eq!(invoke(&c, &b.addr, req).await.code, response::SUCCESS);
    }
    // 3 keys a message, 39 entries a file: 90 entries in 3 files.
    assert_eq!(index_entries(dir.path(), SLOTS, ENTRIES), 90);
    assert_eq!(index_files(dir.path()), 3);

    let one = query(&c, &b.addr, "Keyed", "order-7").await;
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].body, b"m7");
    assert_eq!(one[0].keys(), Some("order-7 common"));
    let all = bodies(&c, &b.addr, "Keyed", "common").await;
    assert_eq!(all.len(), 30);
    // maxNum limits the answer.
    let r = invoke(&c, &b.addr, query_request("Keyed", "common", 5, false)).await;
    assert_eq!(decode_records(&r.body).unwrap().len(), 5);
    // A unique-key query ignores maxNum (defaultQueryMaxNum instead).
    let r = invoke(&c, &b.addr, query_request("Keyed", "U0003", 0, true)).await;
    assert_eq!(r.code, response::SUCCESS);
    assert_eq!(decode_records(&r.body).unwrap()[0].body, b"m3");
    // Not found: unknown key, or a key of another topic.
    assert!(query(&c, &b.addr, "Keyed", "absent").await.is_empty());
    assert!(query(&c, &b.addr, "Other", "order-7").await.is_empty());

    // A request without the key field: SYSTEM_ERROR, and the connection keeps serving.
    let mut bad = query_request("Keyed", "order-1", 32, false);
    bad.ext_fields.remove("key");
    let r = invoke(&c, &b.addr, bad).await;
    assert_eq!(r.code, response::SYSTEM_ERROR);
    assert!(r.remark.unwrap_or_default().contains("key"));
    assert_eq!(bodies(&c, &b.addr, "Keyed", "order-1").await.len(), 1);

    // A graceful restart: same answers, nothing indexed again.
    b.stop().await;
    let b = start_broker(cfg).await.unwrap();
    assert_eq!(bodies(&c, &b.addr, "Keyed", "common").await, all);
    assert_eq!(index_entries(dir.path(), SLOTS, ENTRIES), 90);
    let req = keyed_send("Keyed", 0, b"m30", "common", "U0030");
    assert_eq!(invoke(&c, &b.addr, req).await.code, response::SUCCESS);
    assert_eq!(bodies(&c, &b.addr, "Keyed", "common").await.len(), 31);
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill9_and_a_lost_index_keep_every_key_once() {
    let ns = start_namesrv().await;
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let port = free_port_pair();
    let mut props = base_props("broker-k", port, &ns.addr, &store);
    props.extend([
        ("maxHashSlotNum", SLOTS.to_string()),
        ("maxIndexNum", ENTRIES.to_string()),
    ]);
    let conf = write_broker_conf(dir.path(), "broker.conf", &props);
    let mut p = BrokerProc::spawn(&conf, port);
    p.wait_ready().await;
    let c = RemotingClient::default();
    create_topic_on(&c, &p.addr, "Keyed", 4).await;
    let send = |i: usize| {
        keyed_send(
            "Keyed",
            (i % 4) as i32,
            format!("m{i}").as_bytes(),
            &format!("order-{i} common"),
            &format!("U{i:04}"),
        )
    };
    for i in 0..20 {
        assert_eq!(invoke(&c, &p.addr, send(i)).await.code, response::SUCCESS);
    }
    let expected: BTreeSet<Vec<u8>> = (0..20).map(|i| format!("m{i}").into_bytes()).collect();

    // kill -9: the restart re-dispatches the commitlog; nothing is indexed twice.
    p.kill9();
    p.restart();
    p.wait_ready().await;
    assert_eq!(bodies(&c, &p.addr, "Keyed", "common").await, expected);
    for i in [0, 7, 19] {
        let found = bodies(&c, &p.addr, "Keyed", &format!("order-{i}")).await;
        assert_eq!(found, BTreeSet::from([format!("m{i}").into_bytes()]));
    }
    assert_eq!(index_entries(&store, SLOTS, ENTRIES), 60);

    // The index directory lost while the broker was down: rebuilt from the commitlog at start.
    p.kill9();
    std::fs::remove_dir_all(store.join("index")).unwrap();
    p.restart();
    p.wait_ready().await;
    assert_eq!(bodies(&c, &p.addr, "Keyed", "common").await, expected);
    assert_eq!(index_entries(&store, SLOTS, ENTRIES), 60);
    for i in 20..25 {
        assert_eq!(invoke(&c, &p.addr, send(i)).await.code, response::SUCCESS);
    }
    assert_eq!(bodies(&c, &p.addr, "Keyed", "common").await.len(), 25);
    assert_eq!(index_entries(&store, SLOTS, ENTRIES), 75);
    assert_eq!(p.terminate().code(), Some(0));
}

/// Writes a Java 4.9 index file by hand: a 40-byte header, `slots` int32 slots, then 20-byte
/// entries (keyHash, phyOffset, timeDiff in seconds, prevIndex), entries numbered from 1.
fn write_java_index_file(path: &Path, slots: u32, entries: u32, keyed: &[(&str, &str, i64, i64)]) {
    let mut b = vec![0u8; fmt::file_size(slots, entries) as usize];
    let begin_ts = keyed[0].3;
    let be32 = |b: &mut [u8], at: usize, v: i32| b[at..at + 4].copy_from_slice(&v.to_be_bytes());
    let be64 = |b: &mut [u8], at: usize, v: i64| b[at..at + 8].copy_from_slice(&v.to_be_bytes());
    let mut used = BTreeSet::new();
    for (n, (topic, key, phy, ts)) in keyed.iter().enumerate() {
        let n = n as i32 + 1;
        let hash = java_key_hash(&format!("{topic}#{key}"));
        let slot_at = 40 + (hash as u32 % slots) as usize * 4;
        let prev = i32::from_be_bytes(b[slot_at..slot_at + 4].try_into().unwrap());
        used.insert(slot_at);
        let at = 40 + slots as usize * 4 + n as usize * 20;
        be32(&mut b, at, hash);
        be64(&mut b, at + 4, *phy);
        be32(&mut b, at + 12, ((ts - begin_ts) / 1000) as i32);
        be32(&mut b, at + 16, prev);
        be32(&mut b, slot_at, n);
    }
    let last = keyed.last().unwrap();
    be64(&mut b, 0, begin_ts);
    be64(&mut b, 8, last.3);
    be64(&mut b, 16, keyed[0].2);
    be64(&mut b, 24, last.2);
    be32(&mut b, 32, used.len() as i32);
    be32(&mut b, 36, keyed.len() as i32 + 1);
    std::fs::write(path, b).unwrap();
}

/// `Math.abs(String.hashCode())`, 0 for Integer.MIN_VALUE, written here from the Java definition.
fn java_key_hash(s: &str) -> i32 {
    let h = s
        .encode_utf16()
        .fold(0i32, |h, u| h.wrapping_mul(31).wrapping_add(i32::from(u)));
    if h == i32::MIN {
        0
    } else {
        h.abs()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_index_file_in_javas_layout_is_read_and_extended() {
    let ns = start_namesrv().await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = broker_config(dir.path(), "broker-j", &ns.addr, BrokerRole::AsyncMaster, 0);
    cfg.max_hash_slot_num = 8;
    cfg.max_index_num = 16;
    let b = start_broker(cfg.clone()).await.unwrap();
    let c = RemotingClient::default();
    create_topic_on(&c, &b.addr, "JavaIdx", 1).await;
    // Two messages without keys: nothing indexed.
    let mut stored = Vec::new();
    for body in [b"first".to_vec(), b"second".to_vec()] {
        let r = invoke(&c, &b.addr, send_request("JavaIdx", 0, body, "", "")).await;
        let h: SendMessageResponseHeader = r.decode_header().unwrap();
        stored.push(view_by_msg_id(&c, &b.addr, &h.msg_id).await);
    }
    assert_eq!(index_files(dir.path()), 0);
    b.stop().await;

    let keyed = [
        (
            "JavaIdx",
            "hand-1",
            stored[0].physical_offset,
            stored[0].store_timestamp,
        ),
        (
            "JavaIdx",
            "hand-2",
            stored[1].physical_offset,
            stored[1].store_timestamp,
        ),
        (
            "JavaIdx",
            "both",
            stored[0].physical_offset,
            stored[0].store_timestamp,
        ),
        (
            "JavaIdx",
            "both",
            stored[1].physical_offset,
            stored[1].store_timestamp,
        ),
    ];
    let file = dir.path().join("index").join("20240101000000000");
    write_java_index_file(&file, 8, 16, &keyed);

    let b = start_broker(cfg).await.unwrap();
    assert_eq!(
        bodies(&c, &b.addr, "JavaIdx", "hand-1").await,
        BTreeSet::from([b"first".to_vec()])
    );
    assert_eq!(
        bodies(&c, &b.addr, "JavaIdx", "hand-2").await,
        BTreeSet::from([b"second".to_vec()])
    );
    assert_eq!(bodies(&c, &b.addr, "JavaIdx", "both").await.len(), 2);
    // A new keyed message goes into the same file, after the hand-written entries.
    let req = keyed_send("JavaIdx", 0, b"third", "both", "U-third");
    assert_eq!(invoke(&c, &b.addr, req).await.code, response::SUCCESS);
    assert_eq!(bodies(&c, &b.addr, "JavaIdx", "both").await.len(), 3);
    assert_eq!(index_files(dir.path()), 1);
    assert_eq!(index_entries(dir.path(), 8, 16), 6);
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dledger_keys_are_found_on_every_node_and_after_the_leader_stops() {
    let ns = start_namesrv().await;
    let (listeners, dirs, cfgs, mut nodes) = crate::dledger::start_group(&ns.addr, |c| {
        c.max_hash_slot_num = SLOTS;
        c.max_index_num = ENTRIES;
    })
    .await;
    let c = RemotingClient::default();
    let (leader, _) = crate::dledger::wait_leader(&c, &ns.addr, None, 3).await;
    create_topic_on(&c, &leader, "RaftKeys", 2).await;
    for i in 0..12 {
        let req = keyed_send(
            "RaftKeys",
            i % 2,
            format!("r{i}").as_bytes(),
            &format!("k{i} all"),
            &format!("U{i}"),
        );
        assert_eq!(invoke(&c, &leader, req).await.code, response::SUCCESS);
    }
    // Every node applies the records and indexes them.
    for n in nodes.iter().flatten() {
        wait_until(T, &format!("{} finds all 12", n.addr), || {
            let (c, a) = (c.clone(), n.addr.clone());
            async move { bodies(&c, &a, "RaftKeys", "all").await.len() == 12 }
        })
        .await;
        assert_eq!(bodies(&c, &n.addr, "RaftKeys", "k5").await.len(), 1);
    }
    for d in &dirs {
        assert_eq!(index_entries(d.path(), SLOTS, ENTRIES), 36);
    }

    // The leader stops; the new leader answers, and indexes what it is sent.
    let old = nodes
        .iter()
        .position(|n| n.as_ref().unwrap().addr == leader)
        .unwrap();
    nodes[old].take().unwrap().stop().await;
    let (leader2, _) = crate::dledger::wait_leader(&c, &ns.addr, Some(&leader), 2).await;
    assert_eq!(bodies(&c, &leader2, "RaftKeys", "all").await.len(), 12);
    let req = keyed_send("RaftKeys", 0, b"r12", "k12 all", "U12");
    assert_eq!(invoke(&c, &leader2, req).await.code, response::SUCCESS);
    assert_eq!(bodies(&c, &leader2, "RaftKeys", "k12").await.len(), 1);

    // The old leader comes back as a follower and catches up, each key indexed once.
    nodes[old] = Some(crate::dledger::restart(&cfgs, &listeners, old).await);
    let back = nodes[old].as_ref().unwrap().addr.clone();
    wait_until(Duration::from_secs(30), "the old leader finds all 13", || {
        let (c, a) = (c.clone(), back.clone());
        async move { bodies(&c, &a, "RaftKeys", "all").await.len() == 13 }
    })
    .await;
    assert_eq!(index_entries(dirs[old].path(), SLOTS, ENTRIES), 39);
    for n in nodes.into_iter().flatten() {
        n.stop().await;
    }
}

/// Sends message `i` of the DLedger test topic with keys `k<i> all` to the group's BID 0,
/// following it through a leader change (the same body on every attempt).
async fn send_keyed_to_bid0(c: &RemotingClient, ns: &str, i: usize) {
    use crate::dledger_cluster::{bids, GROUP, QUEUES, TOPIC};
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(addr) = bids(c, ns, GROUP).await.get(&0).cloned() {
            let req = keyed_send(
                TOPIC,
                i as i32 % QUEUES,
                format!("r{i}").as_bytes(),
                &format!("k{i} all"),
                &format!("U{i}"),
            );
            let r = invoke(c, &addr, req).await;
            if r.code == response::SUCCESS {
                return;
            }
            assert_eq!(r.code, response::SERVICE_NOT_AVAILABLE, "{:?}", r.remark);
        }
        assert!(std::time::Instant::now() < deadline, "message {i} never accepted");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dledger_kill9_keys_found_on_the_new_leader_rebuilt_or_kept_on_the_killed_one() {
    use crate::dledger_cluster::{wait_bid0_among, wait_follower, Group, TOPIC};
    let (slots, entries) = (fmt::DEFAULT_MAX_HASH_SLOT_NUM, fmt::DEFAULT_MAX_INDEX_NUM);
    let mut g = Group::fresh(256 * 1024).await;
    let c = RemotingClient::default();
    g.create_topic(&c).await;
    for i in 0..10 {
        send_keyed_to_bid0(&c, &g.ns.addr, i).await;
    }
    let leader = g.leader(&c).await;
    let idx = g.index_of(&leader);
    g.nodes[idx].kill9();
    let others: Vec<String> = g.addrs().into_iter().filter(|a| *a != leader).collect();
    let (new, _) = wait_bid0_among(&c, &g.ns.addr, &others).await;
    let all: BTreeSet<Vec<u8>> = (0..10).map(|i| format!("r{i}").into_bytes()).collect();
    assert_eq!(bodies(&c, &new, TOPIC, "all").await, all);
    for i in 0..10 {
        let found = bodies(&c, &new, TOPIC, &format!("k{i}")).await;
        assert_eq!(found, BTreeSet::from([format!("r{i}").into_bytes()]));
    }
    for i in 10..12 {
        send_keyed_to_bid0(&c, &g.ns.addr, i).await;
    }

    // The old leader also lost its index while down: rebuilt from its DLedger log at start.
    std::fs::remove_dir_all(g.roots[idx].join("index")).unwrap();
    g.nodes[idx].restart();
    g.nodes[idx].wait_ready().await;
    wait_follower(&c, &g.ns.addr, &leader, idx as i64 + 1).await;
    wait_until(Duration::from_secs(30), "the old leader finds all 12", || {
        let (c, a) = (c.clone(), leader.clone());
        async move { bodies(&c, &a, TOPIC, "all").await.len() == 12 }
    })
    .await;
    assert_eq!(bodies(&c, &leader, TOPIC, "k11").await.len(), 1);
    let log = g.nodes[idx].stderr();
    assert!(
        log.contains("key index caught up with the replicated log"),
        "{log}"
    );
    // Each node indexed the same committed records, each once.
    let same_counts = |at_least: i64| {
        let roots = g.roots.clone();
        async move {
            wait_until(Duration::from_secs(30), "equal index entry counts", || {
                let counts: Vec<i64> = roots.iter().map(|r| index_entries(r, slots, entries)).collect();
                async move { counts[0] >= at_least && counts.iter().all(|n| *n == counts[0]) }
            })
            .await;
        }
    };
    same_counts(24).await;

    // kill -9 of the new leader, its index kept: the restart re-applies its last entries and
    // indexes nothing twice.
    let idx2 = g.index_of(&new);
    g.nodes[idx2].kill9();
    let others: Vec<String> = g.addrs().into_iter().filter(|a| *a != new).collect();
    wait_bid0_among(&c, &g.ns.addr, &others).await;
    g.nodes[idx2].restart();
    g.nodes[idx2].wait_ready().await;
    wait_follower(&c, &g.ns.addr, &new, idx2 as i64 + 1).await;
    for i in 12..14 {
        send_keyed_to_bid0(&c, &g.ns.addr, i).await;
    }
    wait_until(Duration::from_secs(30), "the killed node finds all 14", || {
        let (c, a) = (c.clone(), new.clone());
        async move { bodies(&c, &a, TOPIC, "all").await.len() == 14 }
    })
    .await;
    assert_eq!(bodies(&c, &new, TOPIC, "k13").await.len(), 1);
    same_counts(28).await;
}
