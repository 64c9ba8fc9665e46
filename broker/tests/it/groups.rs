//! Consumer groups against a real in-process broker and name server (issue 14): orderly-consumption
//! locks (LOCK_BATCH_MQ / UNLOCK_BATCH_MQ, on a classic broker and on every DLedger node), the
//! group and client listings (GET_CONSUMER_CONNECTION_LIST, GET_PRODUCER_CONNECTION_LIST,
//! GET_CONSUME_STATS, QUERY_TOPIC_CONSUME_BY_WHO), internal topics in the name server's topic
//! list, and the name server's bodies read the way a strict 5.x-era client reads them.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use broker::config::{BrokerConfig, BrokerRole};
use broker::json;
use broker::remoting::body::{
    ClusterInfo, ConsumerData, HeartbeatData, ProducerData, SubscriptionData, TopicList,
};
use broker::remoting::body_group::{
    ConsumerConnection, GroupList, LockBatchRequestBody, LockBatchResponseBody, MessageQueue,
    ProducerConnection,
};
use broker::remoting::codes::{request, response};
use broker::remoting::headers::{
    ConsumerGroupRequestHeader, GetConsumeStatsRequestHeader, GetRouteInfoRequestHeader,
    ProducerGroupRequestHeader, TopicRequestHeader, UnregisterClientRequestHeader,
};
use broker::remoting::{RemotingClient, RemotingCommand};
use broker::store::message::decode_records;
use serde::Deserialize;
use serde_json::Value;

use crate::util::*;

const BROKER: &str = "broker-g";

async fn start(tweak: impl FnOnce(&mut BrokerConfig)) -> (Running, Running, tempfile::TempDir) {
    let ns = start_namesrv().await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = broker_config(dir.path(), BROKER, &ns.addr, BrokerRole::AsyncMaster, 0);
    tweak(&mut cfg);
    let b = start_broker(cfg).await.unwrap();
    (ns, b, dir)
}

fn mq(topic: &str, q: i32) -> MessageQueue {
    MessageQueue {
        broker_name: BROKER.into(),
        queue_id: q,
        topic: topic.into(),
    }
}

fn lock_body(code: i32, group: &str, client: &str, mqs: &[&MessageQueue]) -> RemotingCommand {
    let body = LockBatchRequestBody {
        client_id: Some(client.into()),
        consumer_group: Some(group.into()),
        mq_set: mqs.iter().map(|m| (*m).clone()).collect(),
        only_this_broker: None,
    };
    RemotingCommand::request_empty(code).with_body(json::to_vec(&body))
}

/// LOCK_BATCH_MQ; the queues the client holds afterwards.
async fn lock(
    c: &RemotingClient,
    addr: &str,
    group: &str,
    client: &str,
    mqs: &[&MessageQueue],
) -> BTreeSet<MessageQueue> {
    let r = invoke(c, addr, lock_body(request::LOCK_BATCH_MQ, group, client, mqs)).await;
    assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);
    let body: LockBatchResponseBody = json::from_slice(&r.body).unwrap();
    body.lock_ok_mq_set
}

async fn unlock(c: &RemotingClient, addr: &str, group: &str, client: &str, mqs: &[&MessageQueue]) {
    let r = invoke(c, addr, lock_body(request::UNLOCK_BATCH_MQ, group, client, mqs)).await;
    assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);
}

fn heartbeat(
    client: &str,
    consumer_group: Option<(&str, &str)>,
    producer_group: Option<&str>,
) -> RemotingCommand {
    let hb = HeartbeatData {
        client_id: client.into(),
        consumer_data_set: consumer_group
            .map(|(g, topic)| ConsumerData {
                consume_from_where: "CONSUME_FROM_FIRST_OFFSET".into(),
                consume_type: "CONSUME_PASSIVELY".into(),
                group_name: g.into(),
                message_model: "CLUSTERING".into(),
                subscription_data_set: vec![SubscriptionData::from_expression(topic, "*")],
                unit_mode: false,
            })
            .into_iter()
            .collect(),
        producer_data_set: producer_group
            .map(|g| ProducerData { group_name: g.into() })
            .into_iter()
            .collect(),
    };
    let mut req = RemotingCommand::request_empty(request::HEART_BEAT).with_body(json::to_vec(&hb));
    // A 4.9.7 Java client's version ordinal, to see it echoed in the connection listings.
    req.version = 413;
    req
}

fn consumer_connection_request(group: &str) -> RemotingCommand {
    RemotingCommand::request(
        request::GET_CONSUMER_CONNECTION_LIST,
        &ConsumerGroupRequestHeader {
            consumer_group: group.into(),
        },
    )
}

#[tokio::test]
async fn orderly_locks_one_holder_unlock_and_expiry() {
    let max_live = Duration::from_millis(1500);
    let (_ns, b, _dir) = start(|c| c.rebalance_lock_max_live_time = max_live.as_millis() as u64).await;
    let c = RemotingClient::default();
    let (q0, q1) = (mq("OrderTopic", 0), mq("OrderTopic", 1));

    // A takes both queues; B gets neither; another group is independent.
    assert_eq!(lock(&c, &b.addr, "og", "A", &[&q0, &q1]).await.len(), 2);
    assert!(lock(&c, &b.addr, "og", "B", &[&q0, &q1]).await.is_empty());
    assert_eq!(lock(&c, &b.addr, "og2", "B", &[&q0]).await.len(), 1);

    // Only the holder can unlock: B's unlock leaves A's lock in place.
    unlock(&c, &b.addr, "og", "B", &[&q0]).await;
    assert!(lock(&c, &b.addr, "og", "B", &[&q0]).await.is_empty());
    // A unlocks q0: B gets it, and q1 stays A's.
    unlock(&c, &b.addr, "og", "A", &[&q0]).await;
    assert_eq!(
        lock(&c, &b.addr, "og", "B", &[&q0, &q1]).await,
        BTreeSet::from([q0.clone()])
    );
    // A renews q1 by locking again.
    assert_eq!(
        lock(&c, &b.addr, "og", "A", &[&q1]).await,
        BTreeSet::from([q1.clone()])
    );

    // B stops renewing q0: A gets it only once the lock has outlived rebalanceLockMaxLiveTime.
    let b_last = Instant::now();
    assert_eq!(lock(&c, &b.addr, "og", "B", &[&q0]).await.len(), 1);
    assert!(lock(&c, &b.addr, "og", "A", &[&q0]).await.is_empty());
    let got = RefCell::new(BTreeSet::new());
    wait_until(Duration::from_secs(10), "the expired lock to go to A", || {
        let (c, addr, q0, got) = (&c, &b.addr, q0.clone(), &got);
        async move {
            let now = lock(c, addr, "og", "A", &[&q0]).await;
            let held = !now.is_empty();
            *got.borrow_mut() = now;
            held
        }
    })
    .await;
    let got = got.into_inner();
    assert!(
        b_last.elapsed() >= max_live,
        "A got the lock after {:?}, before it expired",
        b_last.elapsed()
    );
    assert_eq!(got, BTreeSet::from([q0.clone()]));
    // Now B is the one refused.
    assert!(lock(&c, &b.addr, "og", "B", &[&q0]).await.is_empty());
    b.stop().await;
}

#[tokio::test]
async fn malformed_lock_body_is_system_error_and_connection_survives() {
    let (_ns, b, _dir) = start(|_| {}).await;
    let c = RemotingClient::default();
    // A consumer registered over this client's connection: if a bad body closed the connection,
    // the broker would forget it (clients are dropped with their connection).
    let hb = invoke(&c, &b.addr, heartbeat("C1", Some(("lg", "LockTopic")), None)).await;
    assert_eq!(hb.code, response::SUCCESS);

    for (code, body) in [
        (request::LOCK_BATCH_MQ, &b"{not json"[..]),
        (request::LOCK_BATCH_MQ, &b""[..]),
        (request::LOCK_BATCH_MQ, &br#"{"mqSet":"nope"}"#[..]),
        (
            request::LOCK_BATCH_MQ,
            &br#"{"consumerGroup":"lg","mqSet":[]}"#[..],
        ),
        (request::UNLOCK_BATCH_MQ, &br#"{"clientId":"C1","mqSet":[]}"#[..]),
    ] {
        let r = invoke(
            &c,
            &b.addr,
            RemotingCommand::request_empty(code).with_body(body.to_vec()),
        )
        .await;
        assert_eq!(
            r.code,
            response::SYSTEM_ERROR,
            "{}",
            String::from_utf8_lossy(body)
        );
        assert!(
            r.remark
                .as_deref()
                .is_some_and(|m| m.contains("BatchRequestBody")),
            "remark names the body: {:?}",
            r.remark
        );
    }

    // The same connection still answers, and still carries the consumer.
    assert_eq!(
        lock(&c, &b.addr, "lg", "C1", &[&mq("LockTopic", 0)]).await.len(),
        1
    );
    let r = invoke(&c, &b.addr, consumer_connection_request("lg")).await;
    assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);
    let cc: ConsumerConnection = json::from_slice(&r.body).unwrap();
    assert_eq!(cc.connection_set.len(), 1);
    b.stop().await;
}

/// The offsetTable entry of one queue in a GET_CONSUME_STATS body (fastjson, keyed by objects).
fn consume_stats_entry(body: &str, mq: &MessageQueue) -> Value {
    let key = format!("{}:", mq.to_json());
    let at = body.find(&key).unwrap_or_else(|| panic!("{key} in {body}")) + key.len();
    let end = at + body[at..].find('}').unwrap() + 1;
    serde_json::from_str(&body[at..end]).unwrap()
}

#[tokio::test]
async fn consumer_connections_and_consume_stats_after_heartbeat_and_commit() {
    let (_ns, b, _dir) = start(|_| {}).await;
    let c = RemotingClient::default();
    create_topic_on(&c, &b.addr, "StatsTopic", 2).await;
    for i in 0..3 {
        let r = invoke(
            &c,
            &b.addr,
            send_request("StatsTopic", 0, format!("m{i}").into_bytes(), "", ""),
        )
        .await;
        assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);
    }

    // Before any heartbeat: Java's CONSUMER_NOT_ONLINE.
    let r = invoke(&c, &b.addr, consumer_connection_request("sg")).await;
    assert_eq!(r.code, response::CONSUMER_NOT_ONLINE);
    assert_eq!(r.remark.as_deref(), Some("the consumer group[sg] not online"));

    let hb = invoke(
        &c,
        &b.addr,
        heartbeat("127.0.0.1@c1", Some(("sg", "StatsTopic")), None),
    )
    .await;
    assert_eq!(hb.code, response::SUCCESS);
    let r = invoke(&c, &b.addr, update_offset_request("sg", "StatsTopic", 0, 2)).await;
    assert_eq!(r.code, response::SUCCESS);

    let r = invoke(&c, &b.addr, consumer_connection_request("sg")).await;
    assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);
    let raw: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(raw["consumeType"], "CONSUME_PASSIVELY");
    assert_eq!(raw["messageModel"], "CLUSTERING");
    assert_eq!(raw["consumeFromWhere"], "CONSUME_FROM_FIRST_OFFSET");
    let conn = &raw["connectionSet"][0];
    assert_eq!(conn["clientId"], "127.0.0.1@c1");
    assert_eq!(conn["language"], "JAVA");
    assert_eq!(conn["version"], 413);
    assert!(
        conn["clientAddr"].as_str().unwrap().starts_with("127.0.0.1:"),
        "{conn}"
    );
    assert_eq!(raw["subscriptionTable"]["StatsTopic"]["subString"], "*");

    // Consume stats, for the topic named and for all the group's topics.
    let store_time_of_offset_1 = {
        let r = invoke(
            &c,
            &b.addr,
            pull_request("checker", "StatsTopic", 0, 1, 1, "*", 0),
        )
        .await;
        decode_records(&r.body).unwrap()[0].store_timestamp
    };
    for topic in [Some("StatsTopic".to_string()), None] {
        let r = invoke(
            &c,
            &b.addr,
            RemotingCommand::request(
                request::GET_CONSUME_STATS,
                &GetConsumeStatsRequestHeader {
                    consumer_group: "sg".into(),
                    topic: topic.clone(),
                },
            ),
        )
        .await;
        assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);
        let body = String::from_utf8(r.body.to_vec()).unwrap();
        assert!(
            body.starts_with(r#"{"consumeTps":0.0,"offsetTable":{{"brokerName":"#),
            "{body}"
        );
        let q0 = consume_stats_entry(&body, &mq("StatsTopic", 0));
        assert_eq!(q0["brokerOffset"], 3, "{topic:?}: {body}");
        assert_eq!(q0["consumerOffset"], 2);
        assert_eq!(q0["lastTimestamp"], store_time_of_offset_1);
        let q1 = consume_stats_entry(&body, &mq("StatsTopic", 1));
        assert_eq!(
            (q1["brokerOffset"].as_i64(), q1["consumerOffset"].as_i64()),
            (Some(0), Some(0))
        );
        assert_eq!(q1["lastTimestamp"], 0);
    }

    // The consumer leaves: the group is no longer online.
    let r = invoke(
        &c,
        &b.addr,
        RemotingCommand::request(
            request::UNREGISTER_CLIENT,
            &UnregisterClientRequestHeader {
                client_id: "127.0.0.1@c1".into(),
                producer_group: None,
                consumer_group: Some("sg".into()),
            },
        ),
    )
    .await;
    assert_eq!(r.code, response::SUCCESS);
    let r = invoke(&c, &b.addr, consumer_connection_request("sg")).await;
    assert_eq!(r.code, response::CONSUMER_NOT_ONLINE);
    b.stop().await;
}

#[tokio::test]
async fn producer_connection_list_and_topic_consume_by_who() {
    let (_ns, b, _dir) = start(|_| {}).await;
    let c = RemotingClient::default();
    let producer_request = |g: &str| {
        RemotingCommand::request(
            request::GET_PRODUCER_CONNECTION_LIST,
            &ProducerGroupRequestHeader {
                producer_group: g.into(),
            },
        )
    };
    let r = invoke(&c, &b.addr, producer_request("pg1")).await;
    assert_eq!(r.code, response::SYSTEM_ERROR);
    assert_eq!(r.remark.as_deref(), Some("the producer group[pg1] not exist"));

    let hb = invoke(&c, &b.addr, heartbeat("127.0.0.1@p1", None, Some("pg1"))).await;
    assert_eq!(hb.code, response::SUCCESS);
    let r = invoke(&c, &b.addr, producer_request("pg1")).await;
    assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);
    let pc: ProducerConnection = json::from_slice(&r.body).unwrap();
    let conn = pc.connection_set.iter().next().expect("one producer");
    assert_eq!(
        (conn.client_id.as_str(), conn.language.as_str(), conn.version),
        ("127.0.0.1@p1", "JAVA", 413)
    );
    assert!(conn.client_addr.starts_with("127.0.0.1:"), "{conn:?}");

    // Who consumes WhoTopic: a live subscriber, and a group that only has committed offsets.
    let hb = invoke(
        &c,
        &b.addr,
        heartbeat("127.0.0.1@c2", Some(("live-g", "WhoTopic")), None),
    )
    .await;
    assert_eq!(hb.code, response::SUCCESS);
    create_topic_on(&c, &b.addr, "WhoTopic", 1).await;
    let r = invoke(&c, &b.addr, update_offset_request("offset-g", "WhoTopic", 0, 0)).await;
    assert_eq!(r.code, response::SUCCESS);
    let r = invoke(
        &c,
        &b.addr,
        RemotingCommand::request(
            request::QUERY_TOPIC_CONSUME_BY_WHO,
            &TopicRequestHeader {
                topic: "WhoTopic".into(),
            },
        ),
    )
    .await;
    assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);
    let gl: GroupList = json::from_slice(&r.body).unwrap();
    assert_eq!(
        gl.group_list,
        BTreeSet::from(["live-g".to_string(), "offset-g".to_string()])
    );
    b.stop().await;
}

/// `BrokerData` as a strict 5.x-era client declares it: every field required but the zone.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // read by serde only: the parse is the check
struct StrictBrokerData {
    cluster: String,
    #[serde(rename = "brokerName")]
    broker_name: String,
    #[serde(rename = "brokerAddrs")]
    broker_addrs: HashMap<u64, String>,
    #[serde(rename = "zoneName")]
    zone_name: Option<String>,
    #[serde(rename = "enableActingMaster")]
    enable_acting_master: bool,
}

/// `QueueData` as a strict 5.x-era client declares it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct StrictQueueData {
    #[serde(rename = "brokerName")]
    broker_name: String,
    #[serde(rename = "readQueueNums")]
    read_queue_nums: u32,
    #[serde(rename = "writeQueueNums")]
    write_queue_nums: u32,
    perm: u32,
    #[serde(rename = "topicSysFlag")]
    topic_sys_flag: u32,
}

/// `TopicRouteData` as a strict 5.x-era client declares it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct StrictTopicRouteData {
    #[serde(rename = "orderTopicConf")]
    order_topic_conf: Option<String>,
    #[serde(rename = "queueDatas")]
    queue_datas: Vec<StrictQueueData>,
    #[serde(rename = "brokerDatas")]
    broker_datas: Vec<StrictBrokerData>,
    #[serde(rename = "filterServerTable")]
    filter_server_table: HashMap<String, Vec<String>>,
    #[serde(rename = "topicQueueMappingByBroker")]
    topic_queue_mapping_by_broker: Option<HashMap<String, Value>>,
}

/// `ClusterInfo` as a strict 5.x-era client declares it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct StrictClusterInfo {
    #[serde(rename = "brokerAddrTable")]
    broker_addr_table: HashMap<String, StrictBrokerData>,
    #[serde(rename = "clusterAddrTable")]
    cluster_addr_table: HashMap<String, Vec<String>>,
}

async fn route_body(c: &RemotingClient, ns: &str, topic: &str) -> Option<Vec<u8>> {
    let r = invoke(
        c,
        ns,
        RemotingCommand::request(
            request::GET_ROUTEINFO_BY_TOPIC,
            &GetRouteInfoRequestHeader {
                topic: topic.into(),
                accept_standard_json_only: None,
            },
        ),
    )
    .await;
    (r.code == response::SUCCESS).then(|| r.body.to_vec())
}

async fn topic_list(c: &RemotingClient, ns: &str) -> BTreeSet<String> {
    let r = invoke(
        c,
        ns,
        RemotingCommand::request_empty(request::GET_ALL_TOPIC_LIST_FROM_NAMESERVER),
    )
    .await;
    assert_eq!(r.code, response::SUCCESS);
    json::from_slice::<TopicList>(&r.body).unwrap().topic_list
}

#[tokio::test]
async fn namesrv_bodies_parse_as_a_strict_5x_client_reads_them() {
    let (ns, b, _dir) = start(|_| {}).await;
    let c = RemotingClient::default();
    create_topic_on(&c, &b.addr, "StrictTopic", 2).await;
    let body = RefCell::new(None);
    wait_until(T, "a route for StrictTopic", || {
        let (c, ns, body) = (&c, &ns.addr, &body);
        async move {
            let now = route_body(c, ns, "StrictTopic").await;
            let found = now.is_some();
            *body.borrow_mut() = now;
            found
        }
    })
    .await;
    let body = body.into_inner().unwrap();
    let route: StrictTopicRouteData = serde_json::from_slice(&body).expect("route parses strictly");
    assert_eq!(route.broker_datas.len(), 1);
    assert!(!route.broker_datas[0].enable_acting_master);
    assert_eq!(route.queue_datas[0].perm, 6);
    let raw: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(raw["brokerDatas"][0]["enableActingMaster"], Value::Bool(false));
    // Unknown zone: left out, as 5.x's fastjson leaves out a null.
    assert!(raw["brokerDatas"][0].get("zoneName").is_none());

    let r = invoke(
        &c,
        &ns.addr,
        RemotingCommand::request_empty(request::GET_BROKER_CLUSTER_INFO),
    )
    .await;
    let ci: StrictClusterInfo = serde_json::from_slice(&r.body).expect("cluster info parses strictly");
    assert!(ci.broker_addr_table[BROKER].broker_addrs.contains_key(&0));

    // A 5.x broker that registers with a zone and acting master: both reach the bodies.
    let mut reg = RemotingCommand::request(
        request::REGISTER_BROKER,
        &broker::remoting::headers::RegisterBrokerRequestHeader {
            broker_name: "broker-5x".into(),
            broker_addr: "127.0.0.1:1".into(),
            cluster_name: "DefaultCluster".into(),
            ha_server_addr: "127.0.0.1:2".into(),
            broker_id: 0,
            compressed: Some(false),
            body_crc32: None,
        },
    )
    .with_body(json::to_vec(
        &broker::remoting::body::RegisterBrokerBody::default(),
    ));
    reg.ext_fields.insert("enableActingMaster".into(), "true".into());
    reg.ext_fields.insert("__ZONE_NAME".into(), "zone-a".into());
    assert_eq!(invoke(&c, &ns.addr, reg).await.code, response::SUCCESS);
    let r = invoke(
        &c,
        &ns.addr,
        RemotingCommand::request_empty(request::GET_BROKER_CLUSTER_INFO),
    )
    .await;
    let ci: StrictClusterInfo = serde_json::from_slice(&r.body).unwrap();
    let bd = &ci.broker_addr_table["broker-5x"];
    assert!(bd.enable_acting_master);
    assert_eq!(bd.zone_name.as_deref(), Some("zone-a"));
    // And our own reader, which 4.x-shaped code uses, still reads it.
    let ours: ClusterInfo = json::from_slice(&r.body).unwrap();
    assert_eq!(
        ours.broker_addr_table["broker-5x"].zone_name.as_deref(),
        Some("zone-a")
    );
    b.stop().await;
}

#[tokio::test]
async fn internal_topics_reach_the_topic_list_with_java_perms() {
    let (ns, b, _dir) = start(|_| {}).await;
    let c = RemotingClient::default();
    // HEART_BEAT creates the group's retry topic; the DLQ and transaction topics are created by
    // their features through the same helpers, so add them the way those features do.
    let hb = invoke(
        &c,
        &b.addr,
        heartbeat("127.0.0.1@c9", Some(("ig", "AnyTopic")), None),
    )
    .await;
    assert_eq!(hb.code, response::SUCCESS);
    let state = b.broker.as_ref().unwrap().upgrade().unwrap();
    for tc in [
        broker::broker::topics::dlq_topic_config("ig"),
        broker::broker::topics::trans_topic_config(broker::broker::topics::TRANS_HALF_TOPIC),
        broker::broker::topics::trans_topic_config(broker::broker::topics::TRANS_OP_HALF_TOPIC),
    ] {
        state.upsert_topic(tc).await.unwrap();
    }
    drop(state);

    let wanted = [
        "SCHEDULE_TOPIC_XXXX",
        "%RETRY%ig",
        "%DLQ%ig",
        "RMQ_SYS_TRANS_HALF_TOPIC",
        "RMQ_SYS_TRANS_OP_HALF_TOPIC",
    ];
    wait_until(T, "the internal topics in the name server's topic list", || {
        let (c, ns) = (&c, &ns.addr);
        async move {
            let have = topic_list(c, ns).await;
            wanted.iter().all(|t| have.contains(*t))
        }
    })
    .await;
    for (topic, queues) in [
        ("SCHEDULE_TOPIC_XXXX", 18),
        ("%RETRY%ig", 1),
        ("%DLQ%ig", 1),
        ("RMQ_SYS_TRANS_HALF_TOPIC", 1),
        ("RMQ_SYS_TRANS_OP_HALF_TOPIC", 1),
    ] {
        let body = route_body(&c, &ns.addr, topic).await.expect("route");
        let route: StrictTopicRouteData = serde_json::from_slice(&body).unwrap();
        let qd = &route.queue_datas[0];
        assert_eq!(
            (qd.perm, qd.read_queue_nums, qd.write_queue_nums),
            (6, queues, queues),
            "{topic}"
        );
    }
    b.stop().await;
}

#[tokio::test]
async fn dledger_leader_and_followers_serve_locks() {
    let ns = start_namesrv().await;
    let listeners = raft_listeners(3);
    let peers = dledger_peers(&listeners);
    let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let mut nodes = Vec::new();
    for (i, dir) in dirs.iter().enumerate() {
        let mut cfg = BrokerConfig {
            enable_dleger_commit_log: true,
            dleger_group: Some("LockRaft".into()),
            dleger_peers: Some(peers.clone()),
            dleger_self_id: Some(format!("n{i}")),
            mapped_file_size_commit_log: 256 * 1024,
            ..broker_config(dir.path(), "LockRaft", &ns.addr, BrokerRole::AsyncMaster, 0)
        };
        cfg.validate().unwrap();
        nodes.push(
            start_broker_with(cfg, Some(listeners[i].try_clone().unwrap()))
                .await
                .unwrap(),
        );
    }
    let c = RemotingClient::default();
    let leader = RefCell::new(None);
    wait_until(Duration::from_secs(30), "a leader (BID 0) of LockRaft", || {
        let (c, ns, leader) = (&c, &ns.addr, &leader);
        async move {
            let r = invoke(
                c,
                ns,
                RemotingCommand::request_empty(request::GET_BROKER_CLUSTER_INFO),
            )
            .await;
            let ci: ClusterInfo = json::from_slice(&r.body).unwrap();
            let now = ci
                .broker_addr_table
                .get("LockRaft")
                .and_then(|bd| bd.broker_addrs.get(&0).cloned());
            let found = now.is_some();
            *leader.borrow_mut() = now;
            found
        }
    })
    .await;
    let leader = leader.into_inner().unwrap();
    let q = MessageQueue {
        broker_name: "LockRaft".into(),
        queue_id: 0,
        topic: "RaftOrder".into(),
    };
    // Every node answers with its own in-memory table, as Java 4.9 brokers of any role do.
    for n in &nodes {
        assert_eq!(lock(&c, &n.addr, "rg", "A", &[&q]).await.len(), 1, "{}", n.addr);
    }
    assert!(lock(&c, &leader, "rg", "B", &[&q]).await.is_empty());
    unlock(&c, &leader, "rg", "A", &[&q]).await;
    assert_eq!(lock(&c, &leader, "rg", "B", &[&q]).await.len(), 1);
    for n in nodes {
        n.stop().await;
    }
}
