//! JSON bodies of the consumer-group requests: orderly-consumption queue locks (LOCK_BATCH_MQ,
//! UNLOCK_BATCH_MQ) and the group and client listings admin tools ask for
//! (GET_CONSUMER_CONNECTION_LIST, GET_PRODUCER_CONNECTION_LIST, GET_CONSUME_STATS,
//! QUERY_TOPIC_CONSUME_BY_WHO). Kept apart from [`super::body`] because they all revolve around
//! [`MessageQueue`] and live clients, not topics and routes.
//!
//! Fields are declared in alphabetical order, the order fastjson writes them.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::body::SubscriptionData;

/// One queue of a topic on one broker group: Java's `MessageQueue`, the key of locks and of
/// per-queue statistics.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageQueue {
    /// Broker group name.
    #[serde(default)]
    pub broker_name: String,
    /// Queue id within the topic.
    #[serde(default)]
    pub queue_id: i32,
    /// Topic.
    #[serde(default)]
    pub topic: String,
}

impl MessageQueue {
    /// The queue as fastjson writes it when it is a map key.
    pub fn to_json(&self) -> String {
        String::from_utf8(crate::json::to_vec(self)).unwrap_or_default()
    }
}

/// LOCK_BATCH_MQ (41) request body: a client asks to hold these queues for its group.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LockBatchRequestBody {
    /// The client asking, `ip@instance`; required (Java fails on a missing one too).
    #[serde(default)]
    pub client_id: Option<String>,
    /// The consumer group; required.
    #[serde(default)]
    pub consumer_group: Option<String>,
    /// The queues to lock; Java's default is an empty set.
    #[serde(default)]
    pub mq_set: BTreeSet<MessageQueue>,
    /// 5.x only (lock on this broker only, no forwarding); read and ignored, as 4.9 has no
    /// forwarding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub only_this_broker: Option<bool>,
}

/// LOCK_BATCH_MQ (41) response body: the queues the client holds after the call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LockBatchResponseBody {
    /// Locked (or renewed) queues; spelled as fastjson derives it from `getLockOKMQSet`.
    #[serde(default, rename = "lockOKMQSet")]
    pub lock_ok_mq_set: BTreeSet<MessageQueue>,
}

/// UNLOCK_BATCH_MQ (42) request body; the same fields as [`LockBatchRequestBody`].
pub type UnlockBatchRequestBody = LockBatchRequestBody;

/// One client connection, as the connection listings report it (Java's `Connection`).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connection {
    /// Remote address `ip:port` of the connection.
    #[serde(default)]
    pub client_addr: String,
    /// `ip@instance`.
    #[serde(default)]
    pub client_id: String,
    /// Java's `LanguageCode` name (`JAVA`, `CPP`, ...).
    #[serde(default)]
    pub language: String,
    /// The client's version ordinal (413 = V4_9_7 ... as the client sends it).
    #[serde(default)]
    pub version: i32,
}

/// GET_CONSUMER_CONNECTION_LIST (203) response body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsumerConnection {
    /// Live clients of the group.
    #[serde(default)]
    pub connection_set: BTreeSet<Connection>,
    /// `CONSUME_FROM_LAST_OFFSET` etc., from the latest heartbeat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consume_from_where: Option<String>,
    /// `CONSUME_ACTIVELY` / `CONSUME_PASSIVELY`, from the latest heartbeat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consume_type: Option<String>,
    /// `CLUSTERING` / `BROADCASTING`, from the latest heartbeat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_model: Option<String>,
    /// The group's subscriptions by topic.
    #[serde(default)]
    pub subscription_table: BTreeMap<String, SubscriptionData>,
}

/// GET_PRODUCER_CONNECTION_LIST (204) response body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProducerConnection {
    /// Live clients of the producer group.
    #[serde(default)]
    pub connection_set: BTreeSet<Connection>,
}

/// QUERY_TOPIC_CONSUME_BY_WHO (300) response body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupList {
    /// Consumer groups.
    #[serde(default)]
    pub group_list: BTreeSet<String>,
}

/// One queue's progress of a consumer group (Java's `OffsetWrapper`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OffsetWrapper {
    /// The queue's max (next) offset.
    pub broker_offset: i64,
    /// The group's committed offset.
    pub consumer_offset: i64,
    /// Store time of the last consumed message (the one before `consumer_offset`), 0 if none.
    pub last_timestamp: i64,
    /// 5.x field (the last pulled offset); 4.9 has none and its clients ignore it. We do not
    /// track pulls apart from commits, so it is the committed offset.
    pub pull_offset: i64,
}

/// GET_CONSUME_STATS (208) response body: per-queue progress of a group and its consume TPS.
/// Sent with [`ConsumeStats::to_fastjson`]: Java's map keyed by `MessageQueue` objects.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConsumeStats {
    /// Consumed messages per second (summed over the topics).
    pub consume_tps: f64,
    /// Progress per queue.
    pub offset_table: BTreeMap<MessageQueue, OffsetWrapper>,
}

impl ConsumeStats {
    /// The body as Java's broker sends it: `{"consumeTps":0.0,"offsetTable":{{"brokerName":..,
    /// "queueId":..,"topic":..}:{"brokerOffset":..,"consumerOffset":..,"lastTimestamp":..,
    /// "pullOffset":..},...}}`. Not standard JSON (object keys), but what Java tools parse.
    pub fn to_fastjson(&self) -> Vec<u8> {
        let entries: Vec<String> = self
            .offset_table
            .iter()
            .map(|(mq, o)| {
                format!(
                    "{}:{}",
                    mq.to_json(),
                    String::from_utf8_lossy(&crate::json::to_vec(o))
                )
            })
            .collect();
        format!(
            "{{\"consumeTps\":{},\"offsetTable\":{{{}}}}}",
            fastjson_double(self.consume_tps),
            entries.join(",")
        )
        .into_bytes()
    }
}

/// INVOKE_BROKER_TO_RESET_OFFSET (222) response body and RESET_CONSUMER_CLIENT_OFFSET (220)
/// request body (Java's `ResetOffsetBody`): the new offset of each queue. Sent with
/// [`ResetOffsetBody::to_fastjson`], a map keyed by `MessageQueue` objects as Java writes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResetOffsetBody {
    /// The new offset per queue.
    pub offset_table: BTreeMap<MessageQueue, i64>,
}

impl ResetOffsetBody {
    /// `{"offsetTable":{{"brokerName":..,"queueId":..,"topic":..}:12,...}}`.
    pub fn to_fastjson(&self) -> Vec<u8> {
        let entries: Vec<String> = self
            .offset_table
            .iter()
            .map(|(mq, o)| format!("{}:{o}", mq.to_json()))
            .collect();
        format!("{{\"offsetTable\":{{{}}}}}", entries.join(",")).into_bytes()
    }
}

/// A double as fastjson writes it: `0.0`, `12.5` (never `0` or `1e0`).
fn fastjson_double(v: f64) -> String {
    if !v.is_finite() {
        return "null".into();
    }
    if v.fract() == 0.0 && v.abs() < 1e7 {
        format!("{v:.1}")
    } else {
        format!("{v}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    fn mq(q: i32) -> MessageQueue {
        MessageQueue {
            broker_name: "b".into(),
            queue_id: q,
            topic: "T".into(),
        }
    }

    #[test]
    fn lock_bodies_in_java_shape() {
        let req: LockBatchRequestBody = json::from_slice(
            br#"{"clientId":"c@1","consumerGroup":"g","mqSet":[{"brokerName":"b","queueId":1,"topic":"T"}],"onlyThisBroker":false}"#,
        )
        .unwrap();
        assert_eq!(req.client_id.as_deref(), Some("c@1"));
        assert_eq!(req.mq_set, BTreeSet::from([mq(1)]));
        let resp = LockBatchResponseBody {
            lock_ok_mq_set: BTreeSet::from([mq(1)]),
        };
        assert_eq!(
            String::from_utf8(json::to_vec(&resp)).unwrap(),
            r#"{"lockOKMQSet":[{"brokerName":"b","queueId":1,"topic":"T"}]}"#
        );
    }

    #[test]
    fn consume_stats_in_java_shape() {
        let mut s = ConsumeStats::default();
        s.offset_table.insert(
            mq(0),
            OffsetWrapper {
                broker_offset: 5,
                consumer_offset: 3,
                last_timestamp: 7,
                pull_offset: 3,
            },
        );
        assert_eq!(
            String::from_utf8(s.to_fastjson()).unwrap(),
            r#"{"consumeTps":0.0,"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:{"brokerOffset":5,"consumerOffset":3,"lastTimestamp":7,"pullOffset":3}}}"#
        );
    }

    #[test]
    fn connection_key_order_matches_fastjson() {
        let c = ConsumerConnection {
            connection_set: BTreeSet::from([Connection {
                client_addr: "1.2.3.4:5".into(),
                client_id: "c@1".into(),
                language: "JAVA".into(),
                version: 413,
            }]),
            consume_from_where: Some("CONSUME_FROM_LAST_OFFSET".into()),
            consume_type: Some("CONSUME_PASSIVELY".into()),
            message_model: Some("CLUSTERING".into()),
            subscription_table: BTreeMap::new(),
        };
        assert_eq!(
            String::from_utf8(json::to_vec(&c)).unwrap(),
            r#"{"connectionSet":[{"clientAddr":"1.2.3.4:5","clientId":"c@1","language":"JAVA","version":413}],"consumeFromWhere":"CONSUME_FROM_LAST_OFFSET","consumeType":"CONSUME_PASSIVELY","messageModel":"CLUSTERING","subscriptionTable":{}}"#
        );
    }
}
