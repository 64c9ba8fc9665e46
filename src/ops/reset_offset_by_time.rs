//! `resetOffsetByTime`: moves a consumer group's committed offsets on every queue of a topic to
//! the first message stored at or after a time. Java asks each broker to do it and to tell the
//! live clients (INVOKE_BROKER_TO_RESET_OFFSET, 222); our brokers do not serve that, so this asks
//! each master (the DLedger leader) for the offset by time (SEARCH_OFFSET_BY_TIMESTAMP, 29, or
//! GET_MAX_OFFSET for `now`) and commits it with a two-way UPDATE_CONSUMER_OFFSET (15), which the
//! broker answers once the offset is committed (through the Raft log in DLedger mode). Running
//! consumers keep their own offsets in memory and overwrite this on their next commit.

use broker::remoting::codes::{request, response};
use broker::remoting::headers::{
    OffsetResponseHeader, QueryConsumerOffsetRequestHeader, SearchOffsetRequestHeader,
    UpdateConsumerOffsetRequestHeader,
};
use serde::Serialize;

use super::admin::{request_with, Admin, AdminError};

/// What to reset.
#[derive(Debug, Clone)]
pub struct ResetOffsetOptions {
    /// Consumer group.
    pub group: String,
    /// Topic.
    pub topic: String,
    /// Store time in ms; `None` means now (every queue's max offset).
    pub timestamp: Option<i64>,
    /// Also move offsets forward (Java's default); without it a queue whose committed offset is
    /// before the time's offset keeps it.
    pub force: bool,
}

/// One queue's new offset.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueReset {
    /// Broker group.
    pub broker_name: String,
    /// Queue id.
    pub queue_id: i32,
    /// The committed offset before, if the group had one.
    pub previous_offset: Option<i64>,
    /// The offset committed now.
    pub offset: i64,
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

/// Resets the group's offsets on every queue of the topic, master by master.
///
/// # Errors
/// [`AdminError::TopicNotFound`]; a broker that refuses or does not answer (queues already reset
/// stay reset: running it again is safe).
pub async fn reset_offset_by_time(
    admin: &Admin,
    o: &ResetOffsetOptions,
) -> Result<ResetOffsetReport, AdminError> {
    let route = admin.route(&o.topic).await?;
    let mut queues = Vec::new();
    for (broker_name, addr) in super::admin::route_masters(&route) {
        let Some(qd) = route.queue_datas.iter().find(|q| q.broker_name == broker_name) else {
            continue;
        };
        for queue_id in 0..qd.read_queue_nums {
            let header = QueryConsumerOffsetRequestHeader {
                consumer_group: o.group.clone(),
                topic: o.topic.clone(),
                queue_id,
                set_zero_if_not_found: Some(false),
            };
            let req = request_with(request::QUERY_CONSUMER_OFFSET, &header);
            let previous = match admin.broker(&addr, "QUERY_CONSUMER_OFFSET", req).await {
                Ok(resp) => Some(offset_of(&addr, "QUERY_CONSUMER_OFFSET", &resp)?),
                Err(AdminError::Refused { code, .. }) if code == response::QUERY_NOT_FOUND => None,
                Err(e) => return Err(e),
            };
            let by_time = match o.timestamp {
                None => {
                    admin
                        .queue_offset(&addr, request::GET_MAX_OFFSET, &o.topic, queue_id)
                        .await?
                }
                Some(timestamp) => {
                    let header = SearchOffsetRequestHeader {
                        topic: o.topic.clone(),
                        queue_id,
                        timestamp,
                    };
                    let req = request_with(request::SEARCH_OFFSET_BY_TIMESTAMP, &header);
                    let resp = admin.broker(&addr, "SEARCH_OFFSET_BY_TIMESTAMP", req).await?;
                    offset_of(&addr, "SEARCH_OFFSET_BY_TIMESTAMP", &resp)?
                }
            }
            .max(0);
            let offset = match previous {
                Some(p) if !o.force && by_time >= p => p,
                _ => by_time,
            };
            let header = UpdateConsumerOffsetRequestHeader {
                consumer_group: o.group.clone(),
                topic: o.topic.clone(),
                queue_id,
                commit_offset: offset,
            };
            let req = request_with(request::UPDATE_CONSUMER_OFFSET, &header);
            admin.broker(&addr, "UPDATE_CONSUMER_OFFSET", req).await?;
            queues.push(QueueReset {
                broker_name: broker_name.clone(),
                queue_id,
                previous_offset: previous,
                offset,
            });
        }
    }
    Ok(ResetOffsetReport {
        group: o.group.clone(),
        topic: o.topic.clone(),
        timestamp: o.timestamp.unwrap_or(-1),
        force: o.force,
        queues,
    })
}
