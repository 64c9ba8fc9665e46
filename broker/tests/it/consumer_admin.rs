//! The admin requests a broker answers by talking to a group's live consumers: GET_CONSUMER_
//! RUNNING_INFO (307), relayed to the client and its answer returned, and
//! INVOKE_BROKER_TO_RESET_OFFSET (222), which pushes RESET_CONSUMER_CLIENT_OFFSET (220) to every
//! live consumer and commits nothing; and the consume TPS of GET_CONSUME_STATS (208), from the
//! group's pulls. The consumer is a raw connection of the test that heartbeats and answers as a
//! Java client does, so both directions of the connection are checked byte for byte.

use broker::config::BrokerRole;
use broker::json;
use broker::remoting::body::{ConsumerData, HeartbeatData, SubscriptionData};
use broker::remoting::codes::{request, response};
use broker::remoting::headers::{
    GetConsumeStatsRequestHeader, GetConsumerRunningInfoRequestHeader, ResetOffsetRequestHeader,
};
use broker::remoting::{RemotingClient, RemotingCommand};

use crate::raw_conn::RawConn;
use crate::util::*;

impl RawConn {
    async fn heartbeat(&mut self, client_id: &str, group: &str, topic: &str) {
        let hb = HeartbeatData {
            client_id: client_id.into(),
            consumer_data_set: vec![ConsumerData {
                consume_from_where: "CONSUME_FROM_FIRST_OFFSET".into(),
                consume_type: "CONSUME_PASSIVELY".into(),
                group_name: group.into(),
                message_model: "CLUSTERING".into(),
                subscription_data_set: vec![SubscriptionData {
                    topic: topic.into(),
                    sub_string: "*".into(),
                    ..SubscriptionData::default()
                }],
                unit_mode: false,
            }],
            producer_data_set: Vec::new(),
        };
        let r = self
            .call(RemotingCommand::request_empty(request::HEART_BEAT).with_body(json::to_vec(&hb)))
            .await;
        assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);
    }
}

fn running_info_request(group: &str, client_id: &str) -> RemotingCommand {
    RemotingCommand::request(
        request::GET_CONSUMER_RUNNING_INFO,
        &GetConsumerRunningInfoRequestHeader {
            consumer_group: group.into(),
            client_id: client_id.into(),
            jstack_enable: Some(false),
        },
    )
}

fn reset_request(group: &str, topic: &str, timestamp: i64, force: bool) -> RemotingCommand {
    RemotingCommand::request(
        request::INVOKE_BROKER_TO_RESET_OFFSET,
        &ResetOffsetRequestHeader {
            topic: topic.into(),
            group: group.into(),
            timestamp,
            is_force: Some(force),
        },
    )
}

/// `ResetOffsetBody` as Java's broker writes it, for queues 0 and 1 of `topic` on `broker-a`.
fn reset_body(topic: &str, q0: i64, q1: i64) -> String {
    format!(
        "{{\"offsetTable\":{{{{\"brokerName\":\"broker-a\",\"queueId\":0,\"topic\":\"{topic}\"}}:{q0},\
         {{\"brokerName\":\"broker-a\",\"queueId\":1,\"topic\":\"{topic}\"}}:{q1}}}}}"
    )
}

/// `consumeTps` of a GET_CONSUME_STATS answer.
async fn consume_tps(c: &RemotingClient, addr: &str, group: &str) -> f64 {
    let req = RemotingCommand::request(
        request::GET_CONSUME_STATS,
        &GetConsumeStatsRequestHeader {
            consumer_group: group.into(),
            topic: None,
        },
    );
    let r = invoke(c, addr, req).await;
    assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);
    let body = String::from_utf8(r.body.to_vec()).unwrap();
    let rest = body
        .strip_prefix("{\"consumeTps\":")
        .unwrap_or_else(|| panic!("{body}"));
    rest[..rest.find(',').unwrap()].parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn running_info_is_relayed_and_a_reset_is_pushed_to_live_consumers() {
    let ns = start_namesrv().await;
    let store = tempfile::tempdir().unwrap();
    let cfg = broker_config(store.path(), "broker-a", &ns.addr, BrokerRole::AsyncMaster, 0);
    let b = start_broker(cfg).await.unwrap();
    let c = RemotingClient::default();
    let (topic, group) = ("RunTopic", "RunGroup");
    create_topic_on(&c, &b.addr, topic, 2).await;
    for (q, n) in [(0, 3), (1, 2)] {
        for i in 0..n {
            let r = invoke(
                &c,
                &b.addr,
                send_request(topic, q, format!("m{i}").into_bytes(), "", ""),
            )
            .await;
            assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);
        }
    }

    // Consume TPS: none before the group pulls, then the rate of its pulls.
    assert_eq!(consume_tps(&c, &b.addr, group).await, 0.0);
    let r = invoke(&c, &b.addr, pull_request(group, topic, 0, 0, 32, "*", 0)).await;
    assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);
    for (q, o) in [(0, 3), (1, 0)] {
        let r = invoke(&c, &b.addr, update_offset_request(group, topic, q, o)).await;
        assert_eq!(r.code, response::SUCCESS);
    }
    let tps = consume_tps(&c, &b.addr, group).await;
    assert!(
        tps > 0.0 && tps <= 3.0,
        "3 messages pulled within the last second or so: {tps}"
    );

    // A live consumer of the group.
    let client_id = "127.0.0.1@run-1";
    let mut consumer = RawConn::connect(&b.addr).await;
    consumer.heartbeat(client_id, group, topic).await;

    // GET_CONSUMER_RUNNING_INFO: relayed with the admin's fields, answered with the client's body.
    let info = br#"{"jstack":"","mqTable":{{"brokerName":"broker-a","queueId":0,"topic":"RunTopic"}:{}},"properties":{"PROP_CONSUME_TYPE":"CONSUME_PASSIVELY"}}"#;
    let asked = {
        let (c, addr) = (c.clone(), b.addr.clone());
        tokio::spawn(async move { invoke(&c, &addr, running_info_request(group, client_id)).await })
    };
    let relayed = consumer.next_request(T).await;
    assert_eq!(relayed.code, request::GET_CONSUMER_RUNNING_INFO);
    assert!(!relayed.is_oneway());
    let h: GetConsumerRunningInfoRequestHeader = relayed.decode_header().unwrap();
    assert_eq!(
        (h.consumer_group.as_str(), h.client_id.as_str(), h.jstack_enable),
        (group, client_id, Some(false))
    );
    consumer.answer(&relayed, response::SUCCESS, info).await;
    let answer = asked.await.unwrap();
    assert_eq!(answer.code, response::SUCCESS, "{:?}", answer.remark);
    assert_eq!(&answer.body[..], &info[..]);

    // A client the broker does not know.
    let r = invoke(&c, &b.addr, running_info_request(group, "127.0.0.1@nope")).await;
    assert_eq!(
        (r.code, r.remark.as_deref()),
        (
            response::SYSTEM_ERROR,
            Some("The Consumer <RunGroup> <127.0.0.1@nope> not online")
        )
    );

    // INVOKE_BROKER_TO_RESET_OFFSET: a group without offsets, an unknown topic.
    let r = invoke(&c, &b.addr, reset_request("Nobody", topic, 0, true)).await;
    assert_eq!(
        (r.code, r.remark.as_deref()),
        (
            response::SYSTEM_ERROR,
            Some("THe consumer group <Nobody> not exist")
        )
    );
    let r = invoke(&c, &b.addr, reset_request(group, "NoSuchTopic", 0, true)).await;
    assert_eq!(r.code, response::SYSTEM_ERROR, "{:?}", r.remark);

    // Forced, to the beginning: both queues to 0, pushed to the consumer, nothing committed.
    let r = invoke(&c, &b.addr, reset_request(group, topic, 0, true)).await;
    assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);
    assert_eq!(String::from_utf8_lossy(&r.body), reset_body(topic, 0, 0));
    let push = consumer.next_request(T).await;
    assert_eq!(push.code, request::RESET_CONSUMER_CLIENT_OFFSET);
    assert!(push.is_oneway());
    let h: ResetOffsetRequestHeader = push.decode_header().unwrap();
    assert_eq!(
        (h.topic.as_str(), h.group.as_str(), h.timestamp),
        (topic, group, 0)
    );
    assert_eq!(String::from_utf8_lossy(&push.body), reset_body(topic, 0, 0));
    assert_eq!(
        query_offset(&c, &b.addr, group, topic, 0).await,
        Some(3),
        "the broker commits nothing"
    );

    // Not forced, to now: a queue never moves forward (queue 1 stays at 0, not 2).
    let r = invoke(&c, &b.addr, reset_request(group, topic, -1, false)).await;
    assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);
    assert_eq!(String::from_utf8_lossy(&r.body), reset_body(topic, 3, 0));
    let push = consumer.next_request(T).await;
    assert_eq!(String::from_utf8_lossy(&push.body), reset_body(topic, 3, 0));
    // The C++ client's shape when the admin says it speaks CPP (`resetOffsetByTime -c`).
    let mut cpp = reset_request(group, topic, -1, true);
    cpp.language = 1;
    let r = invoke(&c, &b.addr, cpp).await;
    assert_eq!(String::from_utf8_lossy(&r.body), reset_body(topic, 3, 2));
    let push = consumer.next_request(T).await;
    assert_eq!(
        String::from_utf8_lossy(&push.body),
        format!(
            "{{\"offsetTable\":[{{\"brokerName\":\"broker-a\",\"offset\":3,\"queueId\":0,\"topic\":\"{topic}\"}},\
             {{\"brokerName\":\"broker-a\",\"offset\":2,\"queueId\":1,\"topic\":\"{topic}\"}}]}}"
        )
    );

    // The consumer goes away while the broker waits for its running info: the admin hears so at
    // once, not after the broker's 10 s wait.
    let asked = {
        let (c, addr) = (c.clone(), b.addr.clone());
        tokio::spawn(async move { invoke(&c, &addr, running_info_request(group, client_id)).await })
    };
    let relayed = consumer.next_request(T).await;
    assert_eq!(relayed.code, request::GET_CONSUMER_RUNNING_INFO);
    drop(consumer);
    let r = asked.await.unwrap();
    assert_eq!(r.code, response::SYSTEM_ERROR, "{:?}", r.remark);
    assert!(
        r.remark.as_deref().is_some_and(|m| m.contains("closed")),
        "{:?}",
        r.remark
    );

    // No consumer online: Java's CONSUMER_NOT_ONLINE, which makes the admin commit the offsets.
    wait_until(T, "the consumer forgotten", || {
        let c = c.clone();
        let addr = b.addr.clone();
        async move {
            invoke(&c, &addr, reset_request(group, topic, 0, true)).await.code
                == response::CONSUMER_NOT_ONLINE
        }
    })
    .await;
    let r = invoke(&c, &b.addr, reset_request(group, topic, 0, true)).await;
    assert_eq!(
        r.remark.as_deref(),
        Some("Consumer not online, so can not reset offset, Group: RunGroup Topic: RunTopic Timestamp: 0")
    );
    b.stop().await;
    ns.stop().await;
}
