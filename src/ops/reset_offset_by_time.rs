//! `resetOffsetByTime`: moves a consumer group's offsets on every queue of a topic to the first
//! message stored at or after a time, as Java 4.9.7's command does, in two ways:
//!
//! - **Through the live consumers** (INVOKE_BROKER_TO_RESET_OFFSET, 222, to each master; the
//!   DLedger leader): the broker computes each queue's offset for the time and pushes the table
//!   to every live consumer of the group (RESET_CONSUMER_CLIENT_OFFSET, 220); the clients drop
//!   what they hold of those queues and commit the new offsets themselves. The broker commits
//!   nothing, so a client that ignores the push (some non-Java clients do) keeps its offsets.
//! - **By committing them** when a broker answers CONSUMER_NOT_ONLINE (no consumer is alive to
//!   tell): per queue of the topic the group has offsets for (GET_CONSUME_STATS; every queue of
//!   the topic when it has none, from GET_TOPIC_STATS_INFO), the offset for the time
//!   (SEARCH_OFFSET_BY_TIMESTAMP, 29, or GET_MAX_OFFSET for `now`) is committed with a two-way
//!   UPDATE_CONSUMER_OFFSET (15), which the broker answers once the offset is committed (through
//!   the Raft log in DLedger mode).
//!
//! Without force, a queue only moves back: through the consumers when the time's offset is
//! before the committed one, by committing when it is at or before it (Java's two paths differ
//! there too).

use std::collections::BTreeMap;

use broker::remoting::body_group::MessageQueue;
use broker::remoting::codes::{request, response};
use broker::remoting::headers::{
    OffsetResponseHeader, ResetOffsetRequestHeader, SearchOffsetRequestHeader,
    UpdateConsumerOffsetRequestHeader,
};
use serde::Serialize;

use super::admin::{request_with, route_masters, Admin, AdminError};
use super::consumer_running_info::message_queue;
use super::fastjson::{self, Value};

/// Java's `LanguageCode.CPP`: with `-c` the broker pushes the C++ client's body.
const LANGUAGE_CPP: u8 = 1;

/// What to reset.
#[derive(Debug, Clone)]
pub struct ResetOffsetOptions {
    /// Consumer group.
    pub group: String,
    /// Topic.
    pub topic: String,
    /// Store time in ms; `None` means now (every queue's max offset).
    pub timestamp: Option<i64>,
    /// Also move offsets forward (Java's default); without it a queue only moves back.
    pub force: bool,
    /// The live consumers are C++ clients (`-c`): the broker pushes them their body shape.
    pub cplus: bool,
}

/// How the offsets were reset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ResetPath {
    /// The brokers pushed the offsets to the live consumers, which commit them.
    Consumers,
    /// No consumer was online: the offsets were committed with UPDATE_CONSUMER_OFFSET.
    Committed,
}

/// One queue's reset.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueReset {
    /// Broker group.
    pub broker_name: String,
    /// Queue id.
    pub queue_id: i32,
    /// The queue's new offset (the consumers', or the committed one).
    pub offset: i64,
    /// Committed path only: the queue's max offset.
    pub broker_offset: Option<i64>,
    /// Committed path only: the group's offset before.
    pub consumer_offset: Option<i64>,
    /// Committed path only: the offset for the time.
    pub timestamp_offset: Option<i64>,
}

/// What `resetOffsetByTime` did.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResetOffsetReport {
    /// Consumer group.
    pub group: String,
    /// Topic.
    pub topic: String,
    /// The time asked for, ms (-1 for now, as Java prints it).
    pub timestamp: i64,
    /// Whether offsets may move forward.
    pub force: bool,
    /// Through the consumers, or committed.
    pub path: ResetPath,
    /// Every queue, by broker name and queue id.
    pub queues: Vec<QueueReset>,
}

fn offset_of(
    addr: &str,
    what: &'static str,
    resp: &broker::remoting::RemotingCommand,
) -> Result<i64, AdminError> {
    resp.decode_header::<OffsetResponseHeader>()
        .map(|h| h.offset)
        .map_err(|e| AdminError::BadBody {
            addr: addr.to_string(),
            what,
            reason: e.to_string(),
        })
}

/// Parses a `ResetOffsetBody` (`{"offsetTable":{{MessageQueue}:offset,...}}`).
///
/// # Errors
/// A message saying what does not read.
pub fn parse_reset_offset_body(body: &[u8]) -> Result<BTreeMap<MessageQueue, i64>, String> {
    let text = std::str::from_utf8(body).map_err(|e| e.to_string())?;
    let v = fastjson::parse(text).map_err(|e| e.to_string())?;
    let mut out = BTreeMap::new();
    match v.get("offsetTable") {
        Some(Value::Object(members)) => {
            for (k, o) in members {
                let mq = message_queue(k).ok_or("an offsetTable key is not a MessageQueue")?;
                out.insert(mq, o.as_i64().ok_or("an offset is not a number")?);
            }
        }
        Some(Value::Null) | None => {}
        Some(_) => return Err("offsetTable is not an object".into()),
    }
    Ok(out)
}

/// Resets the group's offsets on every queue of the topic: through the live consumers, or by
/// committing them when no consumer is online (see the module docs).
///
/// # Errors
/// [`AdminError::TopicNotFound`]; a broker that refuses or does not answer (queues already
/// reset stay reset: running it again is safe).
pub async fn reset_offset_by_time(
    admin: &Admin,
    o: &ResetOffsetOptions,
) -> Result<ResetOffsetReport, AdminError> {
    let route = admin.route(&o.topic).await?;
    let masters = route_masters(&route);
    let timestamp = o.timestamp.unwrap_or(-1);
    let mut table = BTreeMap::new();
    for (_, addr) in &masters {
        let header = ResetOffsetRequestHeader {
            topic: o.topic.clone(),
            group: o.group.clone(),
            timestamp,
            is_force: Some(o.force),
        };
        let mut req = request_with(request::INVOKE_BROKER_TO_RESET_OFFSET, &header);
        if o.cplus {
            req.language = LANGUAGE_CPP;
        }
        match admin.broker(addr, "INVOKE_BROKER_TO_RESET_OFFSET", req).await {
            Ok(resp) => {
                let t = parse_reset_offset_body(&resp.body).map_err(|reason| AdminError::BadBody {
                    addr: addr.clone(),
                    what: "ResetOffsetBody",
                    reason,
                })?;
                table.extend(t);
            }
            Err(AdminError::Refused { code, .. }) if code == response::CONSUMER_NOT_ONLINE => {
                return commit_offsets(admin, o, &masters, &route).await;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(ResetOffsetReport {
        group: o.group.clone(),
        topic: o.topic.clone(),
        timestamp,
        force: o.force,
        path: ResetPath::Consumers,
        queues: table
            .into_iter()
            .map(|(mq, offset)| QueueReset {
                broker_name: mq.broker_name,
                queue_id: mq.queue_id,
                offset,
                broker_offset: None,
                consumer_offset: None,
                timestamp_offset: None,
            })
            .collect(),
    })
}

/// Java's `resetOffsetByTimestampOld`: commits each queue's offset for the time.
async fn commit_offsets(
    admin: &Admin,
    o: &ResetOffsetOptions,
    masters: &[(String, String)],
    route: &broker::remoting::body::TopicRouteData,
) -> Result<ResetOffsetReport, AdminError> {
    let mut queues = Vec::new();
    for (broker_name, addr) in masters {
        // (queue, broker offset, committed offset) of the topic's queues the group consumed.
        let (stats, _) = super::consumer_progress::consume_stats(admin, addr, &o.group, None).await?;
        let mut targets: Vec<(i32, i64, i64)> = stats
            .iter()
            .filter(|(mq, _)| mq.topic == o.topic)
            .map(|(mq, w)| (mq.queue_id, w.broker_offset, w.consumer_offset))
            .collect();
        if targets.is_empty() {
            // Never consumed here: every read queue of the topic, from its min offset.
            let read_queues = route
                .queue_datas
                .iter()
                .find(|q| &q.broker_name == broker_name)
                .map_or(0, |q| q.read_queue_nums);
            let status = super::topic_status::topic_status_at(admin, addr, &o.topic).await?;
            for queue_id in 0..read_queues {
                let s = status.iter().find(|s| s.queue_id == queue_id);
                targets.push((
                    queue_id,
                    s.map_or(0, |s| s.max_offset),
                    s.map_or(0, |s| s.min_offset),
                ));
            }
        }
        for (queue_id, broker_offset, consumer_offset) in targets {
            let by_time = match o.timestamp {
                None => {
                    admin
                        .queue_offset(addr, request::GET_MAX_OFFSET, &o.topic, queue_id)
                        .await?
                }
                Some(timestamp) => {
                    let header = SearchOffsetRequestHeader {
                        topic: o.topic.clone(),
                        queue_id,
                        timestamp,
                    };
                    let req = request_with(request::SEARCH_OFFSET_BY_TIMESTAMP, &header);
                    let resp = admin.broker(addr, "SEARCH_OFFSET_BY_TIMESTAMP", req).await?;
                    offset_of(addr, "SEARCH_OFFSET_BY_TIMESTAMP", &resp)?
                }
            };
            let mut offset = consumer_offset;
            if o.force || by_time <= consumer_offset {
                offset = by_time;
                let header = UpdateConsumerOffsetRequestHeader {
                    consumer_group: o.group.clone(),
                    topic: o.topic.clone(),
                    queue_id,
                    commit_offset: by_time,
                };
                let req = request_with(request::UPDATE_CONSUMER_OFFSET, &header);
                admin.broker(addr, "UPDATE_CONSUMER_OFFSET", req).await?;
            }
            queues.push(QueueReset {
                broker_name: broker_name.clone(),
                queue_id,
                offset,
                broker_offset: Some(broker_offset),
                consumer_offset: Some(consumer_offset),
                timestamp_offset: Some(by_time),
            });
        }
    }
    Ok(ResetOffsetReport {
        group: o.group.clone(),
        topic: o.topic.clone(),
        timestamp: o.timestamp.unwrap_or(-1),
        force: o.force,
        path: ResetPath::Committed,
        queues,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_a_reset_offset_body() {
        let body = br#"{"offsetTable":{{"brokerName":"b","queueId":1,"topic":"T"}:7,{"brokerName":"b","queueId":0,"topic":"T"}:0}}"#;
        let t = super::parse_reset_offset_body(body).unwrap();
        assert_eq!(t.values().copied().collect::<Vec<_>>(), vec![0, 7]);
        assert!(super::parse_reset_offset_body(b"{\"offsetTable\":{{\"topic\":\"T\"}:1}}").is_err());
        assert!(super::parse_reset_offset_body(b"{}").unwrap().is_empty());
    }
}
