//! Durability with real processes: volume through the real client, consumer offsets across a
//! graceful restart, `kill -9` under SYNC_FLUSH, the store lock, and a store written by another
//! implementation.

// Timings and counts go to stderr (shown with --nocapture) for the CI log.
#![allow(clippy::print_stderr)]

use std::collections::{BTreeMap, HashMap, HashSet};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use broker::config::BrokerRole;
use broker::remoting::codes::{request, response};
use broker::remoting::headers::{SendMessageResponseHeader, UpdateConsumerOffsetRequestHeader};
use broker::remoting::{RemotingClient, RemotingCommand};
use broker::store::message::{encode_batch, encode_properties, BatchEntry};

use crate::util::*;

/// Body of message `seq`: its sequence number, then filler; 10 B to 8 KiB.
fn volume_body(seq: u64) -> Vec<u8> {
    const SIZES: [usize; 6] = [10, 64, 300, 1000, 4096, 8192];
    let size = SIZES[(seq.wrapping_mul(2654435761) % 6) as usize];
    let mut b = seq.to_be_bytes().to_vec();
    b.extend((8..size).map(|j| (seq as usize + j) as u8));
    b
}

enum Unit {
    Single(u64),
    Batch(Vec<u64>),
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn volume_concurrent_senders_every_message_pulled_back() {
    let total: u64 = if soak() { 100_000 } else { 20_000 };
    const QUEUES: i32 = 8;
    let ns = start_namesrv().await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = broker_config(dir.path(), "broker-a", &ns.addr, BrokerRole::AsyncMaster, 0);
    let b = start_broker(cfg).await.unwrap();
    let c = RemotingClient::default();
    create_topic_on(&c, &b.addr, "Volume", QUEUES).await;

    // Every block of 20 sequence numbers: 10 single sends, then one batch of 10.
    let mut units = Vec::new();
    for block in 0..total / 20 {
        let base = block * 20;
        units.extend((base..base + 10).map(Unit::Single));
        units.push(Unit::Batch((base + 10..base + 20).collect()));
    }
    let units = Arc::new(units);
    let cursor = Arc::new(AtomicUsize::new(0));
    // seq -> (queue, offset) as acknowledged.
    let acked: Arc<Mutex<HashMap<u64, (i32, i64)>>> = Default::default();
    let started = Instant::now();
    let mut senders = Vec::new();
    for _ in 0..64 {
        let (c, addr, units, cursor, acked) = (
            c.clone(),
            b.addr.clone(),
            units.clone(),
            cursor.clone(),
            acked.clone(),
        );
        senders.push(tokio::spawn(async move {
            loop {
                let u = cursor.fetch_add(1, Ordering::Relaxed);
                let Some(unit) = units.get(u) else { return };
                let (req, seqs) = match unit {
                    Unit::Single(seq) => {
                        let tags = ["TagA", "TagB", "TagC", ""][(*seq % 4) as usize];
                        let q = (*seq % QUEUES as u64) as i32;
                        let req = send_request("Volume", q, volume_body(*seq), tags, &format!("k{seq}"));
                        (req, vec![*seq])
                    }
                    Unit::Batch(seqs) => {
                        let props = encode_properties([("TAGS", "batch"), ("KEYS", "bk")]);
                        let bodies: Vec<Vec<u8>> = seqs.iter().map(|s| volume_body(*s)).collect();
                        let entries: Vec<BatchEntry> = bodies
                            .iter()
                            .map(|b| BatchEntry {
                                flag: 0,
                                body: b,
                                properties: &props,
                            })
                            .collect();
                        let q = ((seqs[0] / 20) % QUEUES as u64) as i32;
                        let mut req = send_request("Volume", q, encode_batch(&entries), "", "");
                        req.code = request::SEND_BATCH_MESSAGE;
                        (req, seqs.clone())
                    }
                };
                let r = invoke(&c, &addr, req).await;
                assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);
                let h = r.decode_header::<SendMessageResponseHeader>().unwrap();
                let mut a = acked.lock().unwrap();
                for (i, s) in seqs.iter().enumerate() {
                    a.insert(*s, (h.queue_id, h.queue_offset + i as i64));
                }
            }
        }));
    }
    for s in senders {
        s.await.unwrap();
    }
    let send_time = started.elapsed();

    let started = Instant::now();
    let acked = acked.lock().unwrap().clone();
    assert_eq!(acked.len() as u64, total);
    let mut seen = HashSet::new();
    for q in 0..QUEUES {
        for m in pull_queue(&c, &b.addr, "Volume", q).await {
            let seq = u64::from_be_bytes(m.body[..8].try_into().unwrap());
            assert_eq!(m.body, volume_body(seq), "body of {seq}");
            assert_eq!(acked[&seq], (q, m.queue_offset), "position of {seq}");
            assert!(seen.insert(seq), "{seq} pulled twice");
        }
    }
    assert_eq!(seen.len() as u64, total);
    eprintln!(
        "volume: {total} messages sent in {send_time:?}, pulled back in {:?}",
        started.elapsed()
    );
    b.stop().await;
    ns.stop().await;
}

fn pull_with_commit(group: &str, topic: &str, q: i32, commit: i64) -> RemotingCommand {
    let mut req = pull_request(group, topic, q, 0, 1, "*", 0);
    // sysFlag: COMMIT_OFFSET | SUBSCRIPTION.
    req.ext_fields.insert("sysFlag".into(), "5".into());
    req.ext_fields.insert("commitOffset".into(), commit.to_string());
    req
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consumer_offsets_survive_a_graceful_restart_of_the_real_broker() {
    let ns = start_namesrv().await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port_pair();
    let store = dir.path().join("store");
    let conf = write_broker_conf(
        dir.path(),
        "b.conf",
        &base_props("broker-a", port, &ns.addr, &store),
    );
    let mut b = BrokerProc::spawn(&conf, port);
    b.wait_ready().await;
    let c = RemotingClient::default();
    create_topic_on(&c, &b.addr, "Offsets", 4).await;
    for i in 0..40 {
        let r = invoke(
            &c,
            &b.addr,
            send_request("Offsets", i % 4, vec![b'x'; 20], "", ""),
        )
        .await;
        assert_eq!(r.code, 0);
    }
    for (q, off) in [(0, 3), (1, 5)] {
        let upd = RemotingCommand::request(
            request::UPDATE_CONSUMER_OFFSET,
            &UpdateConsumerOffsetRequestHeader {
                consumer_group: "billing".into(),
                topic: "Offsets".into(),
                queue_id: q,
                commit_offset: off,
            },
        );
        assert_eq!(invoke(&c, &b.addr, upd).await.code, 0);
    }
    for (q, off) in [(2, 7), (3, 9)] {
        let r = invoke(&c, &b.addr, pull_with_commit("billing", "Offsets", q, off)).await;
        assert_eq!(r.code, 0, "{:?}", r.remark);
    }
    let want = [3, 5, 7, 9];
    for q in 0..4 {
        assert_eq!(
            query_offset(&c, &b.addr, "billing", "Offsets", q).await,
            Some(want[q as usize])
        );
    }
    assert!(b.terminate().success(), "clean exit on SIGTERM: {}", b.stderr());
    assert!(!store.join("abort").exists(), "a graceful stop removes abort");
    b.restart();
    b.wait_ready().await;
    let c = RemotingClient::default();
    for q in 0..4 {
        assert_eq!(
            query_offset(&c, &b.addr, "billing", "Offsets", q).await,
            Some(want[q as usize]),
            "queue {q} after restart"
        );
    }

    // After a kill -9, offsets committed before the periodic persist (every 5 s) are back too.
    let r = invoke(&c, &b.addr, pull_with_commit("billing", "Offsets", 0, 8)).await;
    assert_eq!(r.code, 0);
    let file = store.join("config/consumerOffset.json");
    wait_until(Duration::from_secs(20), "offsets persisted", || {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        let persisted = v["offsetTable"]["Offsets@billing"]["0"].as_i64() == Some(8);
        async move { persisted }
    })
    .await;
    b.kill9();
    b.restart();
    b.wait_ready().await;
    let c = RemotingClient::default();
    assert_eq!(query_offset(&c, &b.addr, "billing", "Offsets", 0).await, Some(8));
    assert_eq!(query_offset(&c, &b.addr, "billing", "Offsets", 3).await, Some(9));
    b.terminate();
    ns.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_broker_on_the_same_store_is_refused() {
    let ns = start_namesrv().await;
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let port = free_port_pair();
    let conf = write_broker_conf(
        dir.path(),
        "a.conf",
        &base_props("broker-a", port, &ns.addr, &store),
    );
    let mut a = BrokerProc::spawn(&conf, port);
    a.wait_ready().await;
    let port2 = free_port_pair();
    let conf2 = write_broker_conf(
        dir.path(),
        "b.conf",
        &base_props("broker-a", port2, &ns.addr, &store),
    );
    let out = Command::new(env!("CARGO_BIN_EXE_mqbroker"))
        .arg("-c")
        .arg(&conf2)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("Lock failed"), "{stderr}");
    // The first broker still serves.
    let c = RemotingClient::default();
    create_topic_on(&c, &a.addr, "StillUp", 1).await;
    a.terminate();
    ns.stop().await;
}

/// A message acknowledged with SUCCESS: where the broker said it stored it.
#[derive(Debug, Clone)]
struct Acked {
    queue: i32,
    offset: i64,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_under_sync_flush_loses_no_acknowledged_message() {
    let rounds = if soak() { 10 } else { 3 };
    let ns = start_namesrv().await;
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let port = free_port_pair();
    let mut props = base_props("broker-a", port, &ns.addr, &store);
    props.push(("flushDiskType", "SYNC_FLUSH".into()));
    // Small files, so the rounds cross commitlog and consume-queue file boundaries.
    props.retain(|(k, _)| *k != "mappedFileSizeCommitLog");
    props.push(("mappedFileSizeCommitLog", "65536".into()));
    props.push(("mappedFileSizeConsumeQueue", "6000".into()));
    let conf = write_broker_conf(dir.path(), "b.conf", &props);
    let mut b = BrokerProc::spawn(&conf, port);
    b.wait_ready().await;
    let c = RemotingClient::default();
    create_topic_on(&c, &b.addr, "Durable", 4).await;

    let mut acked: HashMap<String, Acked> = HashMap::new();
    // The kill -9 rounds, then one graceful stop (SIGTERM) under the same load.
    for round in 0..=rounds {
        let graceful = round == rounds;
        let c = RemotingClient::default();
        let round_acked: Arc<Mutex<HashMap<String, Acked>>> = Default::default();
        let stop = Arc::new(AtomicBool::new(false));
        let mut senders = Vec::new();
        for s in 0..8 {
            // One connection per sender, like separate producers.
            let (c, addr, round_acked, stop) = (
                RemotingClient::default(),
                b.addr.clone(),
                round_acked.clone(),
                stop.clone(),
            );
            senders.push(tokio::spawn(async move {
                let mut n = 0usize;
                while !stop.load(Ordering::Relaxed) {
                    let id = format!("r{round}-s{s}-{n}");
                    let mut body = id.clone().into_bytes();
                    body.push(b'|');
                    body.resize(body.len() + [1, 50, 700, 3000][n % 4], b'.');
                    let q = (n % 4) as i32;
                    n += 1;
                    let req = send_request("Durable", q, body, "", &id);
                    match c.invoke(&addr, req, Duration::from_secs(10)).await {
                        Ok(r) if r.code == response::SUCCESS => {
                            let h = r.decode_header::<SendMessageResponseHeader>().unwrap();
                            round_acked.lock().unwrap().insert(
                                id,
                                Acked {
                                    queue: h.queue_id,
                                    offset: h.queue_offset,
                                },
                            );
                        }
                        // While a graceful stop drains, refusals are expected (and not acknowledged).
                        Ok(_) if graceful => return,
                        Ok(r) => panic!("send {id}: {} {:?}", r.code, r.remark),
                        Err(_) => return,
                    }
                }
            }));
        }
        // Kill mid-stream, once a fair number of sends were acknowledged in this round.
        let target = 300;
        wait_until(Duration::from_secs(60), "acknowledged sends", || {
            let n = round_acked.lock().unwrap().len();
            async move { n >= target }
        })
        .await;
        if graceful {
            let st = tokio::task::block_in_place(|| b.terminate());
            assert!(st.success(), "SIGTERM under load: {st}: {}", b.stderr());
        } else {
            b.kill9();
        }
        stop.store(true, Ordering::Relaxed);
        for s in senders {
            s.await.unwrap();
        }
        acked.extend(round_acked.lock().unwrap().drain());
        assert_eq!(store.join("abort").exists(), !graceful);

        b.restart();
        b.wait_ready().await;
        if !graceful {
            let log = b.stderr();
            assert!(log.contains("abort file found"), "{log}");
            assert!(
                !log.contains('\x1b'),
                "no colour codes in a redirected log: {log:?}"
            );
        }
        let mut found: HashMap<String, (i32, i64)> = HashMap::new();
        for q in 0..4 {
            for m in pull_queue(&c, &b.addr, "Durable", q).await {
                let id = String::from_utf8_lossy(m.body.split(|&x| x == b'|').next().unwrap()).into_owned();
                let prev = found.insert(id.clone(), (q, m.queue_offset));
                assert!(
                    prev.is_none(),
                    "round {round}: {id} stored twice: {prev:?} and {q}@{}",
                    m.queue_offset
                );
            }
        }
        let mut lost = Vec::new();
        for (id, a) in &acked {
            match found.get(id) {
                Some(&(q, off)) => assert_eq!(
                    (q, off),
                    (a.queue, a.offset),
                    "round {round}: {id} acknowledged at {a:?}"
                ),
                None => lost.push(id.clone()),
            }
        }
        assert!(
            lost.is_empty(),
            "round {round}: {} acknowledged messages lost, e.g. {:?}",
            lost.len(),
            &lost[..lost.len().min(5)]
        );
        eprintln!(
            "kill -9 round {round}: {} acknowledged so far, {} stored",
            acked.len(),
            found.len()
        );
    }
    b.terminate();
    ns.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_written_by_another_implementation_is_served() {
    let fixture = std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/fixtures/foreign-store"
    ));
    assert!(
        fixture.join("manifest.json").is_file(),
        "the foreign-store fixture is missing: looked for {}",
        fixture.join("manifest.json").display()
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixture.join("manifest.json")).unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let st = Command::new("cp")
        .arg("-r")
        .arg(fixture.join("store"))
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(st.success());
    let store = dir.path().join("store");
    let ns = start_namesrv().await;
    let port = free_port_pair();
    let mut props = base_props("broker-a", port, &ns.addr, &store);
    props.retain(|(k, _)| *k != "mappedFileSizeCommitLog");
    props.push(("mappedFileSizeCommitLog", "65536".into()));
    props.push(("mappedFileSizeConsumeQueue", "6000".into()));
    let conf = write_broker_conf(dir.path(), "b.conf", &props);
    let mut b = BrokerProc::spawn(&conf, port);
    b.wait_ready().await;
    let c = RemotingClient::default();

    let mut served: BTreeMap<(String, i32, i64), (String, String, u64)> = BTreeMap::new();
    for (topic, queues) in [("OrderEvents", 4), ("Audit", 2)] {
        for q in 0..queues {
            for m in pull_queue(&c, &b.addr, topic, q).await {
                use md5::{Digest, Md5};
                served.insert(
                    (topic.to_string(), q, m.queue_offset),
                    (
                        hex::encode(Md5::digest(&m.body)),
                        m.keys().unwrap_or_default().to_string(),
                        m.physical_offset as u64,
                    ),
                );
            }
        }
    }
    let entries = manifest.as_array().unwrap();
    assert_eq!(entries.len(), 600);
    assert_eq!(served.len(), 600, "every message is served once");
    for e in entries {
        let key = (
            e["topic"].as_str().unwrap().to_string(),
            e["queueId"].as_i64().unwrap() as i32,
            e["queueOffset"].as_i64().unwrap(),
        );
        let (md5, keys, phys) = served.get(&key).unwrap_or_else(|| panic!("{key:?} not served"));
        assert_eq!(md5, e["bodyMd5"].as_str().unwrap(), "{key:?}");
        assert_eq!(keys, e["keys"].as_str().unwrap(), "{key:?}");
        let msg_id = e["msgId"].as_str().unwrap();
        assert_eq!(&msg_id[16..], format!("{phys:016X}"), "{key:?}");
    }
    for q in 0..4 {
        assert_eq!(
            query_offset(&c, &b.addr, "billing", "OrderEvents", q).await,
            Some(50 + q as i64),
            "billing offset of OrderEvents/{q}"
        );
    }
    b.terminate();
    ns.stop().await;
}
