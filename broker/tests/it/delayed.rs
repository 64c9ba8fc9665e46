//! Delayed messages, retry and dead-letter topics (issue 14), against real brokers: a `DELAY`
//! message waits in `SCHEDULE_TOPIC_XXXX` until due, CONSUMER_SEND_MSG_BACK lands in
//! `%RETRY%<group>` after its delay and in `%DLQ%<group>` past the limit, a store with Java-format
//! delay offsets is picked up after a restart, and a DLedger group delivers through a leader
//! crash.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use broker::config::BrokerRole;
use broker::json;
use broker::remoting::codes::{request, response};
use broker::remoting::headers::{
    ConsumerSendMsgBackRequestHeader, SendMessageRequestHeader, SendMessageRequestHeaderV2,
    SendMessageResponseHeader,
};
use broker::remoting::{RemotingClient, RemotingCommand};
use broker::store::config_files::DelayOffsets;
use broker::store::message::{encode_batch, encode_properties, BatchEntry, DecodedMessage, MessageToStore};

use crate::util::*;

const SCHEDULE: &str = "SCHEDULE_TOPIC_XXXX";

/// A single send with `DELAY=<delay>` and a client message id.
fn delayed_send(topic: &str, queue_id: i32, body: &[u8], delay: &str, uniq: &str) -> RemotingCommand {
    let h = SendMessageRequestHeader {
        producer_group: "pg".into(),
        topic: topic.into(),
        default_topic: "TBW102".into(),
        default_topic_queue_nums: 4,
        queue_id,
        sys_flag: 0,
        born_timestamp: 1,
        flag: 0,
        properties: Some(encode_properties([
            ("TAGS", "t"),
            ("DELAY", delay),
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

fn send_back_request(
    offset: i64,
    group: &str,
    delay_level: i32,
    max_reconsume_times: Option<i32>,
) -> RemotingCommand {
    RemotingCommand::request(
        request::CONSUMER_SEND_MSG_BACK,
        &ConsumerSendMsgBackRequestHeader {
            offset,
            group: group.into(),
            delay_level,
            origin_msg_id: None,
            origin_topic: None,
            unit_mode: Some(false),
            max_reconsume_times,
        },
    )
}

async fn delay_offsets(c: &RemotingClient, addr: &str) -> BTreeMap<i32, i64> {
    let r = invoke(
        c,
        addr,
        RemotingCommand::request_empty(request::GET_ALL_DELAY_OFFSET),
    )
    .await;
    assert_eq!(r.code, response::SUCCESS);
    json::from_slice::<DelayOffsets>(&r.body).unwrap().offset_table
}

fn prop<'a>(m: &'a DecodedMessage, k: &str) -> Option<&'a str> {
    m.properties.get(k).map(String::as_str)
}

async fn send_ok(c: &RemotingClient, addr: &str, req: RemotingCommand) -> SendMessageResponseHeader {
    let r = invoke(c, addr, req).await;
    assert_eq!(r.code, response::SUCCESS, "send: {:?}", r.remark);
    r.decode_header().unwrap()
}

/// Waits until `topic`/`q` on `addr` holds `n` messages and returns them.
async fn wait_messages(c: &RemotingClient, addr: &str, topic: &str, q: i32, n: usize) -> Vec<DecodedMessage> {
    wait_until(
        Duration::from_secs(30),
        &format!("{n} message(s) in {topic}/{q} on {addr}"),
        || {
            let (c, addr) = (c.clone(), addr.to_owned());
            async move { pull_queue(&c, &addr, topic, q).await.len() >= n }
        },
    )
    .await;
    pull_queue(c, addr, topic, q).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delayed_message_waits_for_its_level_then_is_delivered_once() {
    let ns = start_namesrv().await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = broker_config(dir.path(), "broker-a", &ns.addr, BrokerRole::AsyncMaster, 0);
    let b = start_broker(cfg).await.unwrap();
    let c = RemotingClient::default();
    create_topic_on(&c, &b.addr, "Later", 2).await;

    let sent = send_ok(&c, &b.addr, delayed_send("Later", 1, b"soon", "1", "U1")).await;
    // Java answers with the queue the producer chose, not the schedule queue.
    assert_eq!(sent.queue_id, 1);
    assert!(
        pull_queue(&c, &b.addr, "Later", 1).await.is_empty(),
        "a level-1 message must not be visible right after the send"
    );
    let scheduled = pull_queue(&c, &b.addr, SCHEDULE, 0).await;
    assert_eq!(
        scheduled.len(),
        1,
        "stored in the level's schedule queue (level - 1)"
    );
    let s = &scheduled[0];
    assert_eq!(prop(s, "REAL_TOPIC"), Some("Later"));
    assert_eq!(prop(s, "REAL_QID"), Some("1"));
    assert_eq!(prop(s, "DELAY"), Some("1"));

    let got = wait_messages(&c, &b.addr, "Later", 1, 1).await;
    assert_eq!(got.len(), 1);
    let m = &got[0];
    assert!(
        m.store_timestamp >= s.store_timestamp + 1000,
        "delivered {} ms after it was stored; level 1 is 1 s",
        m.store_timestamp - s.store_timestamp
    );
    assert_eq!(m.body, b"soon");
    assert_eq!(prop(m, "UNIQ_KEY"), Some("U1"));
    assert_eq!(prop(m, "TAGS"), Some("t"));
    assert_eq!(prop(m, "DELAY"), None, "DELAY is removed at delivery");
    assert_ne!(
        m.physical_offset, s.physical_offset,
        "a new record, hence a new offset msgId"
    );
    wait_until(T, "level 1 progress recorded", || {
        let (c, a) = (c.clone(), b.addr.clone());
        async move { delay_offsets(&c, &a).await.get(&1) == Some(&1) }
    })
    .await;
    assert_eq!(
        pull_queue(&c, &b.addr, "Later", 1).await.len(),
        1,
        "delivered once"
    );
    let r = invoke(
        &c,
        &b.addr,
        RemotingCommand::request_empty(request::GET_BROKER_RUNTIME_INFO),
    )
    .await;
    let kv: broker::remoting::body::KvTable = json::from_slice(&r.body).unwrap();
    assert_eq!(
        kv.table.get("scheduleMessageOffset_1").map(String::as_str),
        Some("1,1")
    );

    // Batches are never delayed: Java refuses one whose header asks for a delay, and stores the
    // messages of others as they are, DELAY property and all.
    let props = encode_properties([("DELAY", "1")]);
    let entries: Vec<BatchEntry> = [&b"b0"[..], b"b1"]
        .into_iter()
        .map(|body| BatchEntry {
            flag: 0,
            body,
            properties: &props,
        })
        .collect();
    let mut req = delayed_send("Later", 0, &encode_batch(&entries), "1", "B");
    req.code = request::SEND_BATCH_MESSAGE;
    req.ext_fields.insert("m".into(), "true".into());
    let r = invoke(&c, &b.addr, req).await;
    assert_eq!(r.code, response::MESSAGE_ILLEGAL, "{:?}", r.remark);
    let mut req = send_request("Later", 0, encode_batch(&entries), "", "");
    req.code = request::SEND_BATCH_MESSAGE;
    req.ext_fields.insert("m".into(), "true".into());
    assert_eq!(invoke(&c, &b.addr, req).await.code, response::SUCCESS);
    assert_eq!(pull_queue(&c, &b.addr, "Later", 0).await.len(), 2);

    // An unknown level is capped at the last one (18: two hours), as Java caps it.
    send_ok(&c, &b.addr, delayed_send("Later", 0, b"much later", "99", "U2")).await;
    let capped = pull_queue(&c, &b.addr, SCHEDULE, 17).await;
    assert_eq!(capped.len(), 1);
    assert_eq!(prop(&capped[0], "DELAY"), Some("18"));
    assert_eq!(
        pull_queue(&c, &b.addr, "Later", 0).await.len(),
        2,
        "only the batch"
    );
    b.stop().await;
    ns.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_back_goes_to_retry_after_its_delay_then_to_the_dlq() {
    let ns = start_namesrv().await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = broker_config(dir.path(), "broker-a", &ns.addr, BrokerRole::AsyncMaster, 0);
    // Short levels, so `3 + reconsumeTimes` is a one-second wait.
    cfg.message_delay_level = "1s 1s 1s 1s 1s 1s".into();
    let b = start_broker(cfg).await.unwrap();
    let c = RemotingClient::default();
    create_topic_on(&c, &b.addr, "Orders", 1).await;
    let sent = send_ok(
        &c,
        &b.addr,
        send_request("Orders", 0, b"order-1".to_vec(), "paid", "k1"),
    )
    .await;
    let offset = msg_id_offset(&sent.msg_id);

    // First failure: the broker picks level 3 + 0.
    let r = invoke(&c, &b.addr, send_back_request(offset, "g", 0, Some(2))).await;
    assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);
    assert!(
        pull_queue(&c, &b.addr, "%RETRY%g", 0).await.is_empty(),
        "the retry copy waits for its delay"
    );
    let level3 = pull_queue(&c, &b.addr, SCHEDULE, 2).await;
    assert_eq!(level3.len(), 1, "scheduled at level 3");
    let retry = wait_messages(&c, &b.addr, "%RETRY%g", 0, 1).await;
    let r1 = &retry[0];
    assert_eq!(r1.body, b"order-1");
    assert_eq!(r1.reconsume_times, 1);
    assert_eq!(prop(r1, "RETRY_TOPIC"), Some("Orders"));
    assert_eq!(prop(r1, "ORIGIN_MESSAGE_ID"), Some(sent.msg_id.as_str()));
    assert_eq!(prop(r1, "KEYS"), Some("k1"));
    let broker = b.broker.as_ref().unwrap().upgrade().unwrap();
    let rt = broker.topics.get("%RETRY%g").expect("retry topic created");
    assert_eq!((rt.read_queue_nums, rt.write_queue_nums, rt.perm), (1, 1, 6));

    // Second failure of the retry copy: level 3 + 1, the origin id kept.
    let r = invoke(
        &c,
        &b.addr,
        send_back_request(r1.physical_offset, "g", 0, Some(2)),
    )
    .await;
    assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);
    assert_eq!(
        pull_queue(&c, &b.addr, SCHEDULE, 3).await.len(),
        1,
        "scheduled at level 4"
    );
    let retry = wait_messages(&c, &b.addr, "%RETRY%g", 0, 2).await;
    let r2 = &retry[1];
    assert_eq!(r2.reconsume_times, 2);
    assert_eq!(prop(r2, "RETRY_TOPIC"), Some("Orders"));
    assert_eq!(prop(r2, "ORIGIN_MESSAGE_ID"), Some(sent.msg_id.as_str()));

    // Third failure: reconsumeTimes 2 reached maxReconsumeTimes 2, so the DLQ, at once.
    let r = invoke(
        &c,
        &b.addr,
        send_back_request(r2.physical_offset, "g", 0, Some(2)),
    )
    .await;
    assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);
    let dlq = pull_queue(&c, &b.addr, "%DLQ%g", 0).await;
    assert_eq!(dlq.len(), 1, "the DLQ copy is not delayed");
    assert_eq!(dlq[0].reconsume_times, 3);
    assert_eq!(prop(&dlq[0], "DELAY"), Some("0"));
    assert_eq!(prop(&dlq[0], "RETRY_TOPIC"), Some("Orders"));
    assert_eq!(prop(&dlq[0], "ORIGIN_MESSAGE_ID"), Some(sent.msg_id.as_str()));
    let dt = broker.topics.get("%DLQ%g").expect("DLQ topic created");
    assert_eq!((dt.read_queue_nums, dt.write_queue_nums, dt.perm), (1, 1, 6));

    // A negative delay level sends a first failure straight to the DLQ.
    let r = invoke(&c, &b.addr, send_back_request(offset, "g", -1, None)).await;
    assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);
    let dlq = pull_queue(&c, &b.addr, "%DLQ%g", 0).await;
    assert_eq!(dlq.len(), 2);
    assert_eq!(dlq[1].reconsume_times, 1);
    assert_eq!(
        pull_queue(&c, &b.addr, "%RETRY%g", 0).await.len(),
        2,
        "no retry copy for it"
    );

    // A client whose send-back failed sends to the retry topic itself: below the limit the
    // message stays there, at the limit it goes to the DLQ (Java's handleRetryAndDLQ).
    for (reconsume, retry_n, dlq_n) in [(1, 3, 2), (2, 3, 3)] {
        let h = SendMessageRequestHeader {
            producer_group: "pg".into(),
            topic: "%RETRY%g".into(),
            default_topic: "TBW102".into(),
            default_topic_queue_nums: 4,
            queue_id: 0,
            sys_flag: 0,
            born_timestamp: 1,
            flag: 0,
            properties: Some(encode_properties([("RETRY_TOPIC", "Orders")])),
            reconsume_times: Some(reconsume),
            unit_mode: Some(false),
            batch: Some(false),
            max_reconsume_times: Some(2),
        };
        let req =
            RemotingCommand::request(request::SEND_MESSAGE_V2, &SendMessageRequestHeaderV2::from_v1(&h))
                .with_body(b"fallback".to_vec());
        send_ok(&c, &b.addr, req).await;
        assert_eq!(pull_queue(&c, &b.addr, "%RETRY%g", 0).await.len(), retry_n);
        assert_eq!(pull_queue(&c, &b.addr, "%DLQ%g", 0).await.len(), dlq_n);
    }
    drop(broker);
    b.stop().await;
    ns.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_back_refuses_bad_input_and_the_connection_survives() {
    let ns = start_namesrv().await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = broker_config(dir.path(), "broker-a", &ns.addr, BrokerRole::AsyncMaster, 0);
    cfg.auto_create_subscription_group = false;
    let b = start_broker(cfg).await.unwrap();
    let c = RemotingClient::default();
    create_topic_on(&c, &b.addr, "Orders", 1).await;
    let sent = send_ok(&c, &b.addr, send_request("Orders", 0, b"x".to_vec(), "", "k")).await;
    let offset = msg_id_offset(&sent.msg_id);

    let r = invoke(&c, &b.addr, send_back_request(offset, "nobody", 0, None)).await;
    assert_eq!(r.code, response::SUBSCRIPTION_GROUP_NOT_EXIST);
    assert!(r.remark.unwrap().contains("subscription group not exist, nobody"));

    let broker = b.broker.as_ref().unwrap().upgrade().unwrap();
    for g in ["g", "checker"] {
        broker
            .upsert_group(broker::store::config_files::SubscriptionGroupConfig::new(g))
            .await
            .unwrap();
    }
    for bad in [offset + 7, 1 << 40, -5] {
        let r = invoke(&c, &b.addr, send_back_request(bad, "g", 0, None)).await;
        assert_eq!(r.code, response::SYSTEM_ERROR, "offset {bad}");
        assert_eq!(
            r.remark.as_deref(),
            Some(format!("look message by offset failed, {bad}").as_str())
        );
    }
    // A header without its required fields is refused by name.
    let r = invoke(
        &c,
        &b.addr,
        RemotingCommand::request_empty(request::CONSUMER_SEND_MSG_BACK),
    )
    .await;
    assert_eq!(r.code, response::SYSTEM_ERROR);
    assert!(r.remark.unwrap().contains("offset"));

    // A group with no retry queues: SUCCESS and nothing written (Java's answer).
    let mut none = broker::store::config_files::SubscriptionGroupConfig::new("noretry");
    none.retry_queue_nums = 0;
    broker.upsert_group(none).await.unwrap();
    let r = invoke(&c, &b.addr, send_back_request(offset, "noretry", 0, None)).await;
    assert_eq!(r.code, response::SUCCESS);
    assert!(broker.topics.get("%RETRY%noretry").is_none());

    // The same connection still serves a good send-back.
    let r = invoke(&c, &b.addr, send_back_request(offset, "g", 0, None)).await;
    assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);
    assert_eq!(pull_queue(&c, &b.addr, SCHEDULE, 2).await.len(), 1);
    drop(broker);
    b.stop().await;
    ns.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn java_format_delay_offsets_and_schedule_queue_are_picked_up_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    // The store as a Java broker with level 2 = 3 s leaves it: two due messages in schedule
    // queue 1 (tagsCode = delivery time), the first of them already delivered according to
    // delayOffset.json, written with fastjson's bare integer keys.
    let host: std::net::SocketAddr = "127.0.0.1:10911".parse().unwrap();
    let mut stored_at = Vec::new();
    {
        let mut sc = broker::store::StoreConfig::new(&root, host);
        sc.commitlog_file_size = 1024 * 1024;
        sc.delay_levels = broker::store::delay::DelayLevels::parse("1s 3s").unwrap();
        let store = broker::store::MessageStore::open(sc).unwrap();
        for (i, body) in [&b"m0"[..], b"m1"].into_iter().enumerate() {
            let props = encode_properties([
                ("DELAY", "2"),
                ("REAL_TOPIC", "Upgraded"),
                ("REAL_QID", "0"),
                ("UNIQ_KEY", &format!("u{i}")),
            ]);
            let put = store
                .put_messages_nowait(vec![MessageToStore {
                    topic: SCHEDULE.into(),
                    queue_id: 1,
                    flag: 0,
                    sys_flag: 0,
                    born_timestamp: 1,
                    born_host: host,
                    store_host: host,
                    reconsume_times: 0,
                    prepared_transaction_offset: 0,
                    body: body.to_vec(),
                    properties: props,
                    tags_code: 0,
                }])
                .unwrap();
            stored_at.push(put.store_timestamp);
        }
        store.shutdown().unwrap();
    }
    // The consume-queue units as Java reads them: 8-byte offset, 4-byte size, 8-byte tagsCode
    // holding the delivery time (store time + the level's 3 s).
    let cq = std::fs::read(root.join("consumequeue/SCHEDULE_TOPIC_XXXX/1/00000000000000000000")).unwrap();
    for (i, at) in stored_at.iter().enumerate() {
        let unit = &cq[i * 20..(i + 1) * 20];
        let tags = i64::from_be_bytes(unit[12..20].try_into().unwrap());
        assert_eq!(tags, at + 3000, "unit {i}: tagsCode is the delivery time");
    }
    std::fs::create_dir_all(root.join("config")).unwrap();
    std::fs::write(
        root.join("config/delayOffset.json"),
        "{\"offsetTable\":{1:0,2:1}}",
    )
    .unwrap();

    let ns = start_namesrv().await;
    let mut cfg = broker_config(&root, "broker-a", &ns.addr, BrokerRole::AsyncMaster, 0);
    cfg.message_delay_level = "1s 3s".into();
    let started = Instant::now();
    let b = start_broker(cfg.clone()).await.unwrap();
    let c = RemotingClient::default();
    create_topic_on(&c, &b.addr, "Upgraded", 1).await;
    let got = wait_messages(&c, &b.addr, "Upgraded", 0, 1).await;
    wait_until(T, "level 2 progress past both messages", || {
        let (c, a) = (c.clone(), b.addr.clone());
        async move { delay_offsets(&c, &a).await.get(&2) == Some(&2) }
    })
    .await;
    let got_after = pull_queue(&c, &b.addr, "Upgraded", 0).await;
    assert_eq!(
        got_after.len(),
        1,
        "only the message past the saved offset is delivered"
    );
    assert_eq!(got[0].body, b"m1");
    assert_eq!(prop(&got[0], "UNIQ_KEY"), Some("u1"));
    assert!(started.elapsed() < Duration::from_secs(20));
    b.stop().await;

    // The progress is persisted in Java's file, and a restart delivers nothing again.
    let saved: DelayOffsets =
        json::from_slice(&std::fs::read(root.join("config/delayOffset.json")).unwrap()).unwrap();
    assert_eq!(saved.offset_table.get(&2), Some(&2));
    let b = start_broker(cfg).await.unwrap();
    wait_until(T, "the restarted broker registers its delay offsets", || {
        let (c, a) = (c.clone(), b.addr.clone());
        async move { delay_offsets(&c, &a).await.get(&2) == Some(&2) }
    })
    .await;
    assert_eq!(pull_queue(&c, &b.addr, "Upgraded", 0).await.len(), 1);
    b.stop().await;
    ns.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dledger_new_leader_delivers_pending_delayed_messages_once() {
    use crate::dledger_cluster::{wait_bid0_among, Group, TOPIC};
    // Level 2 is 10 s (Java's is 5 s): B must still be pending when the leader dies, after it
    // reached all three nodes, which can take seconds on a loaded machine.
    let levels = [("messageDelayLevel", "1s 10s".to_string())];
    let mut g = Group::fresh_with(1024 * 1024, &levels).await;
    let c = RemotingClient::default();
    g.create_topic(&c).await;
    let l1 = g.leader(&c).await;

    // A (level 1) is delivered by the first leader, and its level's progress reaches every
    // follower.
    send_ok(&c, &l1, delayed_send(TOPIC, 0, b"A", "1", "A")).await;
    wait_messages(&c, &l1, TOPIC, 0, 1).await;
    for a in g.addrs() {
        wait_until(
            Duration::from_secs(30),
            &format!("{a} has level 1 progress"),
            || {
                let (c, a) = (c.clone(), a.clone());
                async move { delay_offsets(&c, &a).await.get(&1) == Some(&1) }
            },
        )
        .await;
    }

    // B (level 2, 10 s) is committed on every node, then the leader dies before B is due.
    let sent = Instant::now();
    send_ok(&c, &l1, delayed_send(TOPIC, 0, b"B", "2", "B")).await;
    for a in g.addrs() {
        wait_until(
            Duration::from_secs(9),
            &format!("{a} holds B in its schedule queue"),
            || {
                let (c, a) = (c.clone(), a.clone());
                async move { pull_queue(&c, &a, SCHEDULE, 1).await.len() == 1 }
            },
        )
        .await;
    }
    assert!(
        sent.elapsed() < Duration::from_secs(9),
        "B must still be pending when the leader dies"
    );
    let i1 = g.index_of(&l1);
    g.nodes[i1].kill9();
    let others: Vec<String> = g.addrs().into_iter().filter(|a| *a != l1).collect();
    let (l2, _) = wait_bid0_among(&c, &g.ns.addr, &others).await;

    wait_messages(&c, &l2, TOPIC, 0, 2).await;
    wait_until(
        Duration::from_secs(30),
        "the new leader's progress past A and B",
        || {
            let (c, a) = (c.clone(), l2.clone());
            async move {
                let o = delay_offsets(&c, &a).await;
                o.get(&1) == Some(&1) && o.get(&2) == Some(&1)
            }
        },
    )
    .await;
    let bodies: Vec<Vec<u8>> = pull_queue(&c, &l2, TOPIC, 0)
        .await
        .into_iter()
        .map(|m| m.body)
        .collect();
    assert_eq!(
        bodies,
        vec![b"A".to_vec(), b"B".to_vec()],
        "A once (its delivery was recorded before the crash), B once (by the new leader)"
    );
}

/// Messages of `topic`/`q` on `addr`, or none while the broker cannot serve the queue yet (a
/// slave before its config copy names the topic).
async fn served(c: &RemotingClient, addr: &str, topic: &str, q: i32) -> Vec<DecodedMessage> {
    let r = invoke(c, addr, pull_request("checker", topic, q, 0, 32, "*", 0)).await;
    if r.code != response::SUCCESS {
        return Vec::new();
    }
    broker::store::message::decode_records(&r.body).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slave_replicates_the_schedule_and_does_not_deliver_itself() {
    let ns = start_namesrv().await;
    let (mdir, sdir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let m = start_broker(broker_config(
        mdir.path(),
        "broker-d",
        &ns.addr,
        BrokerRole::AsyncMaster,
        0,
    ))
    .await
    .unwrap();
    let c = RemotingClient::default();
    create_topic_on(&c, &m.addr, "Later", 1).await;
    let s = start_broker(broker_config(
        sdir.path(),
        "broker-d",
        &ns.addr,
        BrokerRole::Slave,
        1,
    ))
    .await
    .unwrap();
    // Refused on the slave, as any write.
    let r = invoke(&c, &s.addr, delayed_send("Later", 0, b"no", "1", "N")).await;
    assert_eq!(r.code, response::SERVICE_NOT_AVAILABLE);

    send_ok(&c, &m.addr, delayed_send("Later", 0, b"once", "1", "O")).await;
    wait_until(Duration::from_secs(30), "the delivered copy on the slave", || {
        let (c, a) = (c.clone(), s.addr.clone());
        async move { !served(&c, &a, "Later", 0).await.is_empty() }
    })
    .await;
    wait_until(
        Duration::from_secs(30),
        "the slave copies the master's delay offsets",
        || {
            let (c, a) = (c.clone(), s.addr.clone());
            async move { delay_offsets(&c, &a).await.get(&1) == Some(&1) }
        },
    )
    .await;
    assert_eq!(
        served(&c, &s.addr, "Later", 0).await.len(),
        1,
        "only the master delivers"
    );
    assert_eq!(served(&c, &m.addr, "Later", 0).await.len(), 1);
    // The slave dispatched the replicated schedule record itself, to the same unit.
    let unit = |root: &std::path::Path| {
        std::fs::read(root.join("consumequeue/SCHEDULE_TOPIC_XXXX/0/00000000000000000000")).unwrap()[..20]
            .to_vec()
    };
    assert_eq!(unit(sdir.path()), unit(mdir.path()), "same delivery time on both");
    s.stop().await;
    m.stop().await;
    ns.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dledger_leader_killed_while_delivering_redelivers_at_most_the_one_in_flight() {
    use crate::dledger_cluster::{wait_bid0_among, Group, TOPIC};
    let mut g = Group::fresh(1024 * 1024).await;
    let c = RemotingClient::default();
    g.create_topic(&c).await;
    let l1 = g.leader(&c).await;

    // Ten level-1 messages (due in 1 s) and ten level-2 messages (due in 5 s), in queue order.
    for i in 0..20 {
        let level = if i < 10 { "1" } else { "2" };
        send_ok(
            &c,
            &l1,
            delayed_send(TOPIC, 0, format!("m{i}").as_bytes(), level, &format!("m{i}")),
        )
        .await;
    }
    // The leader is killed as soon as it has delivered the level-1 messages. Each delivery is
    // followed by its progress, committed through the Raft log before the next delivery.
    wait_messages(&c, &l1, TOPIC, 0, 10).await;
    let i1 = g.index_of(&l1);
    g.nodes[i1].kill9();
    let others: Vec<String> = g.addrs().into_iter().filter(|a| *a != l1).collect();
    let (l2, _) = wait_bid0_among(&c, &g.ns.addr, &others).await;
    wait_until(
        Duration::from_secs(30),
        "the new leader's progress past every message",
        || {
            let (c, a) = (c.clone(), l2.clone());
            async move {
                let o = delay_offsets(&c, &a).await;
                o.get(&1) == Some(&10) && o.get(&2) == Some(&10)
            }
        },
    )
    .await;
    let got: Vec<String> = pull_queue(&c, &l2, TOPIC, 0)
        .await
        .into_iter()
        .map(|m| String::from_utf8(m.body).unwrap())
        .collect();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for b in &got {
        *counts.entry(b.as_str()).or_default() += 1;
    }
    let level1: Vec<String> = (0..10).map(|i| format!("m{i}")).collect();
    let level2: Vec<String> = (10..20).map(|i| format!("m{i}")).collect();
    for m in &level2 {
        assert_eq!(
            counts.get(m.as_str()),
            Some(&1),
            "{m} was pending at the crash: once; got {got:?}"
        );
    }
    // Level 1: every message once, plus again at most the last one: delivered, but killed
    // before its progress was committed.
    let again: Vec<&String> = level1
        .iter()
        .filter(|m| counts.get(m.as_str()) == Some(&2))
        .collect();
    for m in &level1 {
        assert!(matches!(counts.get(m.as_str()), Some(1 | 2)), "{m}: {got:?}");
    }
    let k = again.len();
    assert_eq!(
        again,
        level1[10 - k..].iter().collect::<Vec<_>>(),
        "re-delivered: a suffix; got {got:?}"
    );
    assert!(k <= 1, "more re-delivered than the one in flight: {got:?}");
    eprintln!("re-delivered after the failover: {k} of 10 level-1 messages");
}

/// Retry in DLedger mode: a message sent back to the leader (which creates `%RETRY%g` and
/// schedules the copy through the Raft log) is delivered to `%RETRY%g` by the next leader after
/// the first one is killed right after answering; once, with its origin topic and reconsume times.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dledger_send_back_survives_a_leader_kill_9() {
    use crate::dledger_cluster::{wait_bid0_among, Group, TOPIC};
    // One-second levels, so `3 + reconsumeTimes` is due within the test.
    let mut g = Group::fresh_with(1024 * 1024, &[("messageDelayLevel", "1s 1s 1s 1s 1s 1s".into())]).await;
    let c = RemotingClient::default();
    g.create_topic(&c).await;
    let l1 = g.leader(&c).await;
    let sent = send_ok(&c, &l1, send_request(TOPIC, 0, b"fails-once".to_vec(), "t", "k")).await;
    let offset = msg_id_offset(&sent.msg_id);
    let r = invoke(&c, &l1, send_back_request(offset, "g", 0, None)).await;
    assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);
    let i1 = g.index_of(&l1);
    g.nodes[i1].kill9();
    let others: Vec<String> = g.addrs().into_iter().filter(|a| *a != l1).collect();
    let (l2, _) = wait_bid0_among(&c, &g.ns.addr, &others).await;
    let retry = wait_messages(&c, &l2, "%RETRY%g", 0, 1).await;
    assert_eq!(retry.len(), 1, "delivered once: {retry:?}");
    assert_eq!(retry[0].body, b"fails-once");
    assert_eq!(prop(&retry[0], "RETRY_TOPIC"), Some(TOPIC));
    assert_eq!(retry[0].reconsume_times, 1);
    // The retry topic reached the new leader through the log: it is in its topic table.
    let r = invoke(
        &c,
        &l2,
        RemotingCommand::request_empty(request::GET_ALL_TOPIC_CONFIG),
    )
    .await;
    assert!(String::from_utf8_lossy(&r.body).contains("%RETRY%g"));
}
