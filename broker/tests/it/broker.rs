//! Broker end-to-end tests: send/pull/offsets through the real client against in-process servers,
//! bad input answered with Java's codes, the store lock, and Master/Slave replication.

use std::collections::BTreeMap;
use std::time::Duration;

use broker::config::BrokerRole;
use broker::json;
use broker::remoting::body::{KvTable, TopicRouteData};
use broker::remoting::codes::{request, response};
use broker::remoting::headers::{
    CreateTopicRequestHeader, GetRouteInfoRequestHeader, OffsetResponseHeader,
    QueryConsumerOffsetRequestHeader, SendMessageResponseHeader, UpdateConsumerOffsetRequestHeader,
};
use broker::remoting::{RemotingClient, RemotingCommand};
use broker::store::message::{decode_records, encode_batch, encode_properties, BatchEntry};

use crate::util::*;

fn create_topic(topic: &str, queues: i32) -> RemotingCommand {
    RemotingCommand::request(
        request::UPDATE_AND_CREATE_TOPIC,
        &CreateTopicRequestHeader {
            topic: topic.into(),
            default_topic: "TBW102".into(),
            read_queue_nums: queues,
            write_queue_nums: queues,
            perm: 6,
            topic_filter_type: "SINGLE_TAG".into(),
            topic_sys_flag: Some(0),
            order: false,
        },
    )
}

fn body_of(i: usize) -> Vec<u8> {
    let size = [10usize, 100, 500, 2000][i % 4];
    (0..size).map(|j| ((i * 31 + j) % 251) as u8).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_pull_offsets_and_restart() {
    let ns = start_namesrv().await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = broker_config(dir.path(), "broker-a", &ns.addr, BrokerRole::AsyncMaster, 0);
    let b = start_broker(cfg.clone()).await.unwrap();
    let c = RemotingClient::default();
    assert_eq!(
        invoke(&c, &b.addr, create_topic("OrderEvents", 4)).await.code,
        response::SUCCESS
    );

    // 4 000 single sends and 100 batches of 10, spread over 4 queues, concurrently.
    let n = 4000usize;
    let mut sends = Vec::new();
    for i in 0..n {
        let c = c.clone();
        let addr = b.addr.clone();
        let tags = ["created", "paid", "shipped", ""][i % 4];
        sends.push(tokio::spawn(async move {
            let r = invoke(
                &c,
                &addr,
                send_request(
                    "OrderEvents",
                    (i % 4) as i32,
                    body_of(i),
                    tags,
                    &format!("key-{i}"),
                ),
            )
            .await;
            assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);
            r.decode_header::<SendMessageResponseHeader>().unwrap()
        }));
    }
    let mut acked = Vec::new();
    for s in sends {
        acked.push(s.await.unwrap());
    }
    assert!(acked.iter().all(|h| h.msg_id.len() == 32));
    for k in 0..100 {
        let props = encode_properties([("TAGS", "batch"), ("KEYS", "b")]);
        let bodies: Vec<Vec<u8>> = (0..10).map(|j| format!("batch-{k}-{j}").into_bytes()).collect();
        let entries: Vec<BatchEntry> = bodies
            .iter()
            .map(|b| BatchEntry {
                flag: 0,
                body: b,
                properties: &props,
            })
            .collect();
        let mut req = send_request("OrderEvents", 0, encode_batch(&entries), "", "");
        req.code = request::SEND_BATCH_MESSAGE;
        req.ext_fields.insert("m".into(), "true".into());
        let r = invoke(&c, &b.addr, req).await;
        assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);
        assert_eq!(r.ext_fields["msgId"].split(',').count(), 10);
    }

    // Pull every queue from the start: per-queue order, bodies, tags.
    let mut per_queue: BTreeMap<i32, Vec<Vec<u8>>> = BTreeMap::new();
    for q in 0..4 {
        let mut offset = 0i64;
        loop {
            let r = invoke(
                &c,
                &b.addr,
                pull_request("g1", "OrderEvents", q, offset, 32, "*", 0),
            )
            .await;
            if r.code != response::SUCCESS {
                assert_eq!(r.code, response::PULL_NOT_FOUND);
                break;
            }
            for m in decode_records(&r.body).unwrap() {
                assert_eq!(m.queue_offset, offset);
                assert_eq!(m.queue_id, q);
                assert!(m.crc_ok());
                assert_eq!(
                    m.properties.get("CLUSTER").map(String::as_str),
                    Some("DefaultCluster")
                );
                assert!(!m.properties.contains_key("WAIT"));
                per_queue.entry(q).or_default().push(m.body.clone());
                offset += 1;
            }
        }
    }
    assert_eq!(per_queue.values().map(Vec::len).sum::<usize>(), n + 1000);
    // Queue 1 holds exactly the single sends i = 1, 5, 9, ... (sent concurrently, so compare as sets).
    let mut got: Vec<Vec<u8>> = per_queue[&1].clone();
    let mut want: Vec<Vec<u8>> = (0..n).filter(|i| i % 4 == 1).map(body_of).collect();
    got.sort();
    want.sort();
    assert_eq!(got, want);

    // Tag filtering on the consume queue's tagsCode.
    let r = invoke(
        &c,
        &b.addr,
        pull_request("g2", "OrderEvents", 2, 0, 32, "shipped", 0),
    )
    .await;
    let got = decode_records(&r.body).unwrap();
    assert!(!got.is_empty());
    assert!(got.iter().all(|m| m.tags() == Some("shipped")));

    // Long polling: a held pull returns as soon as a message arrives.
    let max = invoke(&c, &b.addr, pull_request("g3", "OrderEvents", 3, 0, 1, "*", 0)).await;
    let next = max.ext_fields["maxOffset"].parse::<i64>().unwrap();
    let held = {
        let c = c.clone();
        let addr = b.addr.clone();
        tokio::spawn(async move {
            invoke(
                &c,
                &addr,
                pull_request("g3", "OrderEvents", 3, next, 32, "*", 15_000),
            )
            .await
        })
    };
    let started = std::time::Instant::now();
    assert_eq!(
        invoke(
            &c,
            &b.addr,
            send_request("OrderEvents", 3, b"wake".to_vec(), "", "")
        )
        .await
        .code,
        0
    );
    let woke = held.await.unwrap();
    assert_eq!(woke.code, response::SUCCESS);
    assert!(started.elapsed() < Duration::from_secs(10));

    // Offsets: commit, query, survive a restart.
    let upd = RemotingCommand::request(
        request::UPDATE_CONSUMER_OFFSET,
        &UpdateConsumerOffsetRequestHeader {
            consumer_group: "billing".into(),
            topic: "OrderEvents".into(),
            queue_id: 2,
            commit_offset: 77,
        },
    );
    assert_eq!(invoke(&c, &b.addr, upd).await.code, response::SUCCESS);
    let query = || {
        RemotingCommand::request(
            request::QUERY_CONSUMER_OFFSET,
            &QueryConsumerOffsetRequestHeader {
                consumer_group: "billing".into(),
                topic: "OrderEvents".into(),
                queue_id: 2,
                set_zero_if_not_found: None,
            },
        )
    };
    let r = invoke(&c, &b.addr, query()).await;
    assert_eq!(r.decode_header::<OffsetResponseHeader>().unwrap().offset, 77);

    // The route is at the name server, and runtime info has real statistics.
    let route = invoke(
        &c,
        &ns.addr,
        RemotingCommand::request(
            request::GET_ROUTEINFO_BY_TOPIC,
            &GetRouteInfoRequestHeader {
                topic: "OrderEvents".into(),
                accept_standard_json_only: None,
            },
        ),
    )
    .await;
    assert_eq!(route.code, response::SUCCESS, "{:?}", route.remark);
    let route: TopicRouteData = json::from_slice(&route.body).unwrap();
    assert_eq!(route.broker_datas[0].broker_addrs[&0], b.addr);
    let rt = invoke(
        &c,
        &b.addr,
        RemotingCommand::request_empty(request::GET_BROKER_RUNTIME_INFO),
    )
    .await;
    let kv: KvTable = json::from_slice(&rt.body).unwrap();
    assert_eq!(kv.table["msgPutTotalTodayNow"], (n + 1000 + 1).to_string());
    assert_ne!(kv.table["earliestMessageTimeStamp"], "-1");
    assert!(kv.table.contains_key("getTransferedTps") && kv.table.contains_key("getTransferredTps"));

    b.stop().await;
    c.close(&cfg.broker_addr());
    let b = start_broker(cfg).await.unwrap();
    let c = RemotingClient::default();
    let r = invoke(&c, &b.addr, query()).await;
    assert_eq!(r.decode_header::<OffsetResponseHeader>().unwrap().offset, 77);
    let r = invoke(&c, &b.addr, pull_request("g1", "OrderEvents", 1, 0, 32, "*", 0)).await;
    assert_eq!(decode_records(&r.body).unwrap()[0].body, per_queue[&1][0]);
    b.stop().await;
    ns.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_java_codes_and_broker_keeps_serving() {
    let ns = start_namesrv().await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = broker_config(dir.path(), "broker-b", &ns.addr, BrokerRole::AsyncMaster, 0);
    cfg.max_message_size = 1024;
    cfg.auto_create_topic_enable = false;
    let b = start_broker(cfg.clone()).await.unwrap();
    let c = RemotingClient::default();
    assert_eq!(invoke(&c, &b.addr, create_topic("T1", 2)).await.code, 0);

    let r = invoke(&c, &b.addr, send_request("Unknown", 0, b"x".to_vec(), "", "")).await;
    assert_eq!(r.code, response::TOPIC_NOT_EXIST);
    assert!(r
        .remark
        .unwrap()
        .starts_with("topic[Unknown] not exist, apply first please!"));
    let r = invoke(&c, &b.addr, send_request("bad topic!", 0, b"x".to_vec(), "", "")).await;
    assert_eq!(r.code, response::SYSTEM_ERROR);
    let r = invoke(&c, &b.addr, send_request("T1", 5, b"x".to_vec(), "", "")).await;
    assert_eq!(r.code, response::SYSTEM_ERROR);
    assert!(r.remark.unwrap().contains("queueId[5] is illegal"));
    let r = invoke(&c, &b.addr, send_request("T1", 0, vec![0u8; 2048], "", "")).await;
    assert_eq!(r.code, response::MESSAGE_ILLEGAL);
    let long = "v".repeat(33_000);
    let r = invoke(&c, &b.addr, send_request("T1", 0, b"x".to_vec(), &long, "")).await;
    assert_eq!(r.code, response::MESSAGE_ILLEGAL);
    let mut batch = send_request("T1", 0, vec![0, 0, 0, 99, 1, 2], "", "");
    batch.code = request::SEND_BATCH_MESSAGE;
    assert_eq!(invoke(&c, &b.addr, batch).await.code, response::MESSAGE_ILLEGAL);
    let mut missing = send_request("T1", 0, b"x".to_vec(), "", "");
    missing.ext_fields.remove("b");
    let r = invoke(&c, &b.addr, missing).await;
    assert_eq!(r.code, response::SYSTEM_ERROR);
    assert!(r.remark.unwrap().contains("<b>"));
    let r = invoke(&c, &b.addr, pull_request("g", "Nope", 0, 0, 32, "*", 0)).await;
    assert_eq!(r.code, response::TOPIC_NOT_EXIST);
    let r = invoke(
        &c,
        &b.addr,
        RemotingCommand::request_empty(request::UPDATE_BROKER_CONFIG),
    )
    .await;
    assert_eq!(r.code, response::REQUEST_CODE_NOT_SUPPORTED);

    // Still serving.
    assert_eq!(
        invoke(&c, &b.addr, send_request("T1", 1, b"ok".to_vec(), "", ""))
            .await
            .code,
        0
    );

    // A second broker on the same store is refused.
    let err = start_broker(cfg).await.expect_err("store is locked");
    assert!(err.to_string().contains("Lock failed"), "{err}");
    b.stop().await;
    ns.stop().await;
}

fn md5_files(dir: &std::path::Path) -> BTreeMap<String, String> {
    use md5::Digest;
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let bytes = std::fs::read(e.path()).unwrap();
        out.insert(
            e.file_name().to_string_lossy().into_owned(),
            hex::encode(md5::Md5::digest(&bytes)),
        );
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn master_slave_replicate_to_identical_commitlogs() {
    let ns = start_namesrv().await;
    let mdir = tempfile::tempdir().unwrap();
    let sdir = tempfile::tempdir().unwrap();
    let m = start_broker(broker_config(
        mdir.path(),
        "broker-ms",
        &ns.addr,
        BrokerRole::SyncMaster,
        0,
    ))
    .await
    .unwrap();
    let c = RemotingClient::default();
    assert_eq!(invoke(&c, &m.addr, create_topic("Repl", 2)).await.code, 0);
    let s = start_broker(broker_config(
        sdir.path(),
        "broker-ms",
        &ns.addr,
        BrokerRole::Slave,
        1,
    ))
    .await
    .unwrap();

    // The slave refuses writes.
    let r = invoke(&c, &s.addr, send_request("Repl", 0, b"x".to_vec(), "", "")).await;
    assert_eq!(r.code, response::SERVICE_NOT_AVAILABLE);

    // A slave with an empty store starts at the beginning of the master's last file (Java's
    // HAConnection does the same), so wait until it is attached before the master rolls over to
    // a second file: on a loaded machine it can attach late. A send answered SUCCESS by a
    // SYNC_MASTER has reached the slave, and so has everything before it. Until then a probe is
    // stored all the same and answered SLAVE_NOT_AVAILABLE (no slave yet) or FLUSH_SLAVE_TIMEOUT.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let r = invoke(&c, &m.addr, send_request("Repl", 0, b"attach".to_vec(), "", "")).await;
        if r.code == response::SUCCESS {
            break;
        }
        assert!(
            [response::SLAVE_NOT_AVAILABLE, response::FLUSH_SLAVE_TIMEOUT].contains(&r.code),
            "probe answered {}: {:?}",
            r.code,
            r.remark
        );
        assert!(
            std::time::Instant::now() < deadline,
            "the slave never attached: {:?}",
            r.remark
        );
        // At most 1500 probes of ~150 bytes: they stay well inside the first 1 MiB file.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // SYNC_MASTER: once the slave is attached (the probe above was confirmed, so it has caught up
    // with everything before it), every send is acknowledged, and only after the slave has it:
    // SUCCESS every time, never SLAVE_NOT_AVAILABLE (11) or FLUSH_SLAVE_TIMEOUT (12).
    for i in 0..3000usize {
        let r = invoke(
            &c,
            &m.addr,
            send_request("Repl", (i % 2) as i32, body_of(i), "t", ""),
        )
        .await;
        assert_eq!(
            r.code,
            response::SUCCESS,
            "send {i} after the slave attached: {:?}",
            r.remark
        );
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let a = md5_files(&mdir.path().join("commitlog"));
        let b = md5_files(&sdir.path().join("commitlog"));
        if a == b {
            assert!(a.len() >= 2, "several commitlog files expected, got {a:?}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "slave did not catch up: {a:?} vs {b:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The slave rebuilt its own consume queues and serves reads of replicated messages.
    let sc = RemotingClient::default();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let r = loop {
        // The topic reaches the slave with its periodic config copy from the master.
        let r = invoke(&sc, &s.addr, pull_request("g", "Repl", 1, 0, 4, "*", 0)).await;
        if r.code != response::TOPIC_NOT_EXIST || std::time::Instant::now() > deadline {
            break r;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);
    assert_eq!(decode_records(&r.body).unwrap()[0].body, body_of(1));
    s.stop().await;
    m.stop().await;
    ns.stop().await;
}
