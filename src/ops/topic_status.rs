//! `topicStatus`: the topic's route, then GET_TOPIC_STATS_INFO (202) on each broker group's
//! master, merged and sorted like Java's `MessageQueue` order (topic, broker name, queue id).
//!
//! Two body shapes are accepted: ours, `{"offsetList":[{...}]}`, and Java's fastjson map keyed
//! by `MessageQueue` objects, `{"offsetTable":{{"brokerName":..,"queueId":..,"topic":..}:
//! {"lastUpdateTimestamp":..,"maxOffset":..,"minOffset":..}}}`.

use broker::remoting::codes::request;
use broker::remoting::headers::TopicRequestHeader;
use serde::Serialize;

use super::admin::{request_with, route_masters, Admin, AdminError};
use super::fastjson::{self, Value};

/// One queue's offsets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueStatus {
    /// Broker (group) name.
    pub broker_name: String,
    /// Queue id.
    pub queue_id: i32,
    /// Smallest offset still stored.
    pub min_offset: i64,
    /// One past the last offset.
    pub max_offset: i64,
    /// Store time (ms) of the last message; 0 when the queue is empty.
    pub last_update_timestamp: i64,
}

/// The topic's queues.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TopicStatusReport {
    /// Topic.
    pub topic: String,
    /// Queues, sorted by broker name and queue id.
    pub queues: Vec<QueueStatus>,
}

/// Reads the offsets of every queue of `topic`.
///
/// # Errors
/// Unknown topic, or a master that does not answer.
pub async fn topic_status(admin: &Admin, topic: &str) -> Result<TopicStatusReport, AdminError> {
    let route = admin.route(topic).await?;
    let mut queues = Vec::new();
    for (_, addr) in route_masters(&route) {
        queues.extend(topic_status_at(admin, &addr, topic).await?);
    }
    queues.sort_by(|a, b| (&a.broker_name, a.queue_id).cmp(&(&b.broker_name, b.queue_id)));
    Ok(TopicStatusReport {
        topic: topic.to_string(),
        queues,
    })
}

/// GET_TOPIC_STATS_INFO of `topic` from the broker at `addr`.
///
/// # Errors
/// `Remoting`, `Refused`, or `BadBody` when the body does not read.
pub async fn topic_status_at(admin: &Admin, addr: &str, topic: &str) -> Result<Vec<QueueStatus>, AdminError> {
    let header = TopicRequestHeader {
        topic: topic.to_string(),
    };
    let resp = admin
        .broker(
            addr,
            "GET_TOPIC_STATS_INFO",
            request_with(request::GET_TOPIC_STATS_INFO, &header),
        )
        .await?;
    parse_stats(&resp.body).map_err(|reason| AdminError::BadBody {
        addr: addr.to_string(),
        what: "TopicStatsTable",
        reason,
    })
}

/// Decodes a GET_TOPIC_STATS_INFO body in either shape (see the module docs).
///
/// # Errors
/// A description of what is wrong with the body.
pub fn parse_stats(body: &[u8]) -> Result<Vec<QueueStatus>, String> {
    let text = std::str::from_utf8(body).map_err(|e| e.to_string())?;
    let root = fastjson::parse(text).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    let int = |v: &Value, k: &str| v.get(k).and_then(Value::as_i64).unwrap_or(0);
    if let Some(Value::Array(items)) = root.get("offsetList") {
        for item in items {
            out.push(QueueStatus {
                broker_name: item
                    .get("brokerName")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                queue_id: int(item, "queueId") as i32,
                min_offset: int(item, "minOffset"),
                max_offset: int(item, "maxOffset"),
                last_update_timestamp: int(item, "lastUpdateTimestamp"),
            });
        }
    }
    match root.get("offsetTable") {
        Some(Value::Object(members)) => {
            for (mq, offsets) in members {
                // Java's MessageQueue key; a key that is a JSON string holding the object is
                // accepted too.
                let mq = match mq {
                    Value::String(s) => fastjson::parse(s).map_err(|e| e.to_string())?,
                    other => other.clone(),
                };
                out.push(QueueStatus {
                    broker_name: mq
                        .get("brokerName")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                    queue_id: int(&mq, "queueId") as i32,
                    min_offset: int(offsets, "minOffset"),
                    max_offset: int(offsets, "maxOffset"),
                    last_update_timestamp: int(offsets, "lastUpdateTimestamp"),
                });
            }
        }
        Some(Value::Array(entries)) => {
            // `[{"messageQueue":{...},"topicOffset":{...}}]`.
            for e in entries {
                let (Some(mq), Some(off)) = (e.get("messageQueue"), e.get("topicOffset")) else {
                    return Err("offsetTable entry without messageQueue/topicOffset".into());
                };
                out.push(QueueStatus {
                    broker_name: mq
                        .get("brokerName")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                    queue_id: int(mq, "queueId") as i32,
                    min_offset: int(off, "minOffset"),
                    max_offset: int(off, "maxOffset"),
                    last_update_timestamp: int(off, "lastUpdateTimestamp"),
                });
            }
        }
        Some(_) => return Err("offsetTable is neither an object nor an array".into()),
        None => {}
    }
    if root.get("offsetList").is_none() && root.get("offsetTable").is_none() {
        return Err("neither offsetList nor offsetTable present".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_java_object_keys() {
        let body = br#"{"offsetTable":{{"brokerName":"broker-a","queueId":1,"topic":"T"}:{"lastUpdateTimestamp":1700000000000,"maxOffset":7,"minOffset":2},{"brokerName":"broker-a","queueId":0,"topic":"T"}:{"lastUpdateTimestamp":0,"maxOffset":0,"minOffset":0}}}"#;
        let q = parse_stats(body).unwrap();
        assert_eq!(q.len(), 2);
        assert_eq!(
            q[0],
            QueueStatus {
                broker_name: "broker-a".into(),
                queue_id: 1,
                min_offset: 2,
                max_offset: 7,
                last_update_timestamp: 1_700_000_000_000
            }
        );
    }

    #[test]
    fn parses_our_list() {
        let body = br#"{"offsetList":[{"brokerName":"b","lastUpdateTimestamp":5,"maxOffset":3,"minOffset":0,"queueId":2,"topic":"T"}]}"#;
        let q = parse_stats(body).unwrap();
        assert_eq!(q[0].queue_id, 2);
        assert_eq!(q[0].max_offset, 3);
        assert!(parse_stats(b"{}").is_err());
        assert!(parse_stats(b"{").is_err());
    }
}
