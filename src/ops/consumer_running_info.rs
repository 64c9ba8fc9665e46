//! GET_CONSUMER_RUNNING_INFO (307): one consumer client's own account of itself (the queues it
//! holds, its properties), asked through a broker of the group, which relays the request over
//! the client's connection and returns the client's answer (Java's
//! `DefaultMQAdminExt.getConsumerRunningInfo`). `consumerProgress -s true` uses it to say which
//! client holds each queue, `consumerStatus` reads all of it (subscriptions, process queues,
//! consume statistics, jstack). Clients that do not serve the request (the `ali-ons` JavaScript
//! client, for one) make the broker answer CONSUME_MSG_TIMEOUT after 10 s.

use std::collections::BTreeMap;
use std::time::Duration;

use broker::remoting::body_group::MessageQueue;
use broker::remoting::codes::request;
use broker::remoting::headers::GetConsumerRunningInfoRequestHeader;
use serde::Serialize;

use super::admin::{request_with, Admin, AdminError};
use super::consumer_connection::group_brokers;
use super::fastjson::{self, Value};

/// How long to wait for the broker, which waits up to 10 s for the client (Java's admin:
/// three times its 5 s request timeout).
pub const RUNNING_INFO_TIMEOUT: Duration = Duration::from_secs(15);

/// What a client said about itself.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunningInfo {
    /// The client asked.
    pub client_id: String,
    /// The queues it holds (`mqTable`'s keys), sorted.
    pub queues: Vec<MessageQueue>,
    /// Its `properties` (consume type, thread counts, start time...), when it sent them.
    pub properties: BTreeMap<String, String>,
    /// Its subscriptions (`subscriptionSet`), sorted by topic and expression.
    pub subscriptions: Vec<RunningSubscription>,
    /// Each held queue's process-queue state (`mqTable`'s values), in Java's order (topic,
    /// broker name, queue id).
    pub process_queues: Vec<QueueProcess>,
    /// Pull and consume statistics per topic (`statusTable`), by topic.
    pub status_table: Vec<TopicConsumeStatus>,
    /// The thread dump the client sent (asked with `jstackEnable`), if any.
    pub jstack: Option<String>,
}

/// One subscription of a client (Java's `SubscriptionData` as the client reports it).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunningSubscription {
    /// Topic.
    pub topic: String,
    /// Tag expression or SQL92 text.
    pub sub_string: String,
    /// `TAG` or `SQL92`.
    pub expression_type: String,
    /// Whether the client filters with an uploaded class.
    pub class_filter_mode: bool,
}

/// A held queue and its process queue (Java's `ProcessQueueInfo`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueProcess {
    /// The queue.
    pub queue: MessageQueue,
    /// The offset the client last committed.
    pub commit_offset: i64,
    /// Smallest offset among the messages cached in the client.
    pub cached_msg_min_offset: i64,
    /// Largest offset among the messages cached in the client.
    pub cached_msg_max_offset: i64,
    /// Messages cached, not yet consumed.
    pub cached_msg_count: i64,
    /// Their size in MiB.
    pub cached_msg_size_in_mib: i64,
    /// Orderly transactional consumption: smallest offset in flight.
    pub transaction_msg_min_offset: i64,
    /// Orderly transactional consumption: largest offset in flight.
    pub transaction_msg_max_offset: i64,
    /// Orderly transactional consumption: messages in flight.
    pub transaction_msg_count: i64,
    /// Orderly consumption: whether the broker lock is held.
    pub locked: bool,
    /// Orderly consumption: failed unlock attempts.
    pub try_unlock_times: i64,
    /// Orderly consumption: when the lock was last taken (ms since the epoch).
    pub last_lock_timestamp: i64,
    /// Whether the client dropped the queue (rebalanced away).
    pub dropped: bool,
    /// When the client last pulled (ms since the epoch).
    pub last_pull_timestamp: i64,
    /// When the client last consumed (ms since the epoch).
    pub last_consume_timestamp: i64,
}

/// Pull and consume statistics of one topic (Java's `ConsumeStatus`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TopicConsumeStatus {
    /// Topic.
    pub topic: String,
    /// Pull round trip, ms.
    pub pull_rt: f64,
    /// Messages pulled per second.
    pub pull_tps: f64,
    /// Consume time per message, ms.
    pub consume_rt: f64,
    /// Messages consumed successfully per second.
    pub consume_ok_tps: f64,
    /// Messages whose consumption failed per second.
    pub consume_failed_tps: f64,
    /// Messages whose consumption failed in the last hour.
    pub consume_failed_msgs: i64,
}

/// A scalar as text (strings, numbers, booleans).
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) | Value::Number(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn int(v: &Value, name: &str) -> i64 {
    v.get(name).and_then(Value::as_i64).unwrap_or_default()
}

fn float(v: &Value, name: &str) -> f64 {
    v.get(name)
        .and_then(scalar)
        .and_then(|s| s.parse().ok())
        .unwrap_or_default()
}

fn boolean(v: &Value, name: &str) -> bool {
    matches!(v.get(name), Some(Value::Bool(true)))
        || matches!(v.get(name), Some(Value::String(s)) if s == "true")
}

fn member_text(v: &Value, name: &str) -> String {
    v.get(name).and_then(scalar).unwrap_or_default()
}

fn process_queue(queue: MessageQueue, v: &Value) -> QueueProcess {
    QueueProcess {
        queue,
        commit_offset: int(v, "commitOffset"),
        cached_msg_min_offset: int(v, "cachedMsgMinOffset"),
        cached_msg_max_offset: int(v, "cachedMsgMaxOffset"),
        cached_msg_count: int(v, "cachedMsgCount"),
        cached_msg_size_in_mib: int(v, "cachedMsgSizeInMiB"),
        transaction_msg_min_offset: int(v, "transactionMsgMinOffset"),
        transaction_msg_max_offset: int(v, "transactionMsgMaxOffset"),
        transaction_msg_count: int(v, "transactionMsgCount"),
        locked: boolean(v, "locked"),
        try_unlock_times: int(v, "tryUnlockTimes"),
        last_lock_timestamp: int(v, "lastLockTimestamp"),
        // Java's field is spelt `droped`.
        dropped: boolean(v, "droped"),
        last_pull_timestamp: int(v, "lastPullTimestamp"),
        last_consume_timestamp: int(v, "lastConsumeTimestamp"),
    }
}

/// Java's `MessageQueue.toString()`.
pub fn java_queue(mq: &MessageQueue) -> String {
    format!(
        "MessageQueue [topic={}, brokerName={}, queueId={}]",
        mq.topic, mq.broker_name, mq.queue_id
    )
}

/// Java's order of queues (`MessageQueue.compareTo`): topic, broker name, queue id.
pub fn java_queue_order(a: &MessageQueue, b: &MessageQueue) -> std::cmp::Ordering {
    (&a.topic, &a.broker_name, a.queue_id).cmp(&(&b.topic, &b.broker_name, b.queue_id))
}

/// Reads a fastjson `MessageQueue` object.
pub fn message_queue(v: &Value) -> Option<MessageQueue> {
    Some(MessageQueue {
        broker_name: v.get("brokerName")?.as_str()?.to_string(),
        queue_id: i32::try_from(v.get("queueId")?.as_i64()?).ok()?,
        topic: v.get("topic")?.as_str()?.to_string(),
    })
}

/// Parses a `ConsumerRunningInfo` body.
///
/// # Errors
/// A message saying what does not read.
pub fn parse_running_info(client_id: &str, body: &[u8]) -> Result<RunningInfo, String> {
    let text = std::str::from_utf8(body).map_err(|e| e.to_string())?;
    let v = fastjson::parse(text).map_err(|e| e.to_string())?;
    let mut info = RunningInfo {
        client_id: client_id.to_string(),
        ..RunningInfo::default()
    };
    if let Some(Value::Object(members)) = v.get("mqTable") {
        for (k, val) in members {
            let mq = message_queue(k).ok_or("an mqTable key is not a MessageQueue")?;
            info.queues.push(mq.clone());
            info.process_queues.push(process_queue(mq, val));
        }
    }
    info.queues.sort();
    info.process_queues
        .sort_by(|a, b| java_queue_order(&a.queue, &b.queue));
    if let Some(Value::Object(members)) = v.get("properties") {
        for (k, val) in members {
            if let (Some(k), Some(val)) = (scalar(k), scalar(val)) {
                info.properties.insert(k, val);
            }
        }
    }
    if let Some(Value::Array(subs)) = v.get("subscriptionSet") {
        for s in subs {
            let expression_type = member_text(s, "expressionType");
            info.subscriptions.push(RunningSubscription {
                topic: member_text(s, "topic"),
                sub_string: member_text(s, "subString"),
                expression_type: if expression_type.is_empty() {
                    "TAG".to_string()
                } else {
                    expression_type
                },
                class_filter_mode: boolean(s, "classFilterMode"),
            });
        }
    }
    info.subscriptions.sort();
    if let Some(Value::Object(members)) = v.get("statusTable") {
        for (k, val) in members {
            info.status_table.push(TopicConsumeStatus {
                topic: scalar(k).unwrap_or_default(),
                pull_rt: float(val, "pullRT"),
                pull_tps: float(val, "pullTPS"),
                consume_rt: float(val, "consumeRT"),
                consume_ok_tps: float(val, "consumeOKTPS"),
                consume_failed_tps: float(val, "consumeFailedTPS"),
                consume_failed_msgs: int(val, "consumeFailedMsgs"),
            });
        }
    }
    info.status_table.sort_by(|a, b| a.topic.cmp(&b.topic));
    info.jstack = v.get("jstack").and_then(Value::as_str).map(str::to_string);
    Ok(info)
}

/// Asks `client_id` of `group` for its running info through the first master serving the
/// group's retry topic (as Java asks the first broker of that route).
///
/// # Errors
/// `Refused` when the broker does not know the client (SYSTEM_ERROR) or the client did not
/// answer (CONSUME_MSG_TIMEOUT); `BadBody` when the client's answer does not read.
pub async fn consumer_running_info(
    admin: &Admin,
    group: &str,
    client_id: &str,
    jstack: bool,
) -> Result<RunningInfo, AdminError> {
    let masters = group_brokers(admin, group).await?;
    let Some((_, addr)) = masters.first() else {
        return Err(AdminError::Invalid(format!(
            "no broker serves consumer group {group}"
        )));
    };
    let header = GetConsumerRunningInfoRequestHeader {
        consumer_group: group.to_string(),
        client_id: client_id.to_string(),
        jstack_enable: Some(jstack),
    };
    let resp = admin
        .broker_within(
            addr,
            "GET_CONSUMER_RUNNING_INFO",
            request_with(request::GET_CONSUMER_RUNNING_INFO, &header),
            RUNNING_INFO_TIMEOUT,
        )
        .await?;
    parse_running_info(client_id, &resp.body).map_err(|reason| AdminError::BadBody {
        addr: addr.clone(),
        what: "ConsumerRunningInfo",
        reason,
    })
}

/// Which client holds each queue of `group`, by the address part of its client id (Java's
/// `consumerProgress -s true`): every live client is asked; a client that cannot be asked or
/// does not answer leaves its queues out, as Java ignores such failures.
pub async fn queue_allocation(admin: &Admin, group: &str) -> BTreeMap<MessageQueue, String> {
    let mut out = BTreeMap::new();
    let Ok(conns) = super::consumer_connection::consumer_connection(admin, group).await else {
        return out;
    };
    for c in conns.connections {
        let Ok(info) = consumer_running_info(admin, group, &c.client_id, false).await else {
            continue;
        };
        let ip = c.client_id.split('@').next().unwrap_or_default().to_string();
        for mq in info.queues {
            out.insert(mq, ip.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_a_java_running_info_body() {
        let body = br#"{"jstack":"","mqTable":{{"brokerName":"b","queueId":1,"topic":"T"}:{"cachedMsgCount":0},{"brokerName":"b","queueId":0,"topic":"T"}:{"cachedMsgCount":2}},"properties":{"PROP_CONSUME_TYPE":"CONSUME_PASSIVELY","PROP_THREADPOOL_CORE_SIZE":20},"statusTable":{},"subscriptionSet":[]}"#;
        let info = super::parse_running_info("127.0.0.1@1", body).unwrap();
        assert_eq!(info.queues.len(), 2);
        assert_eq!(info.queues[0].queue_id, 0);
        assert_eq!(info.properties["PROP_CONSUME_TYPE"], "CONSUME_PASSIVELY");
        assert_eq!(info.properties["PROP_THREADPOOL_CORE_SIZE"], "20");
        assert!(super::parse_running_info("c", b"{\"mqTable\":{1:2}}").is_err());
    }
}
