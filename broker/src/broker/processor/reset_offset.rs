//! INVOKE_BROKER_TO_RESET_OFFSET (222): Java's `resetOffsetByTime` asks each broker to move a
//! consumer group's offsets of a topic to a time. As Java 4.9's `Broker2Client.resetOffset`,
//! the broker computes each write queue's offset for the time (the max offset for -1), keeps
//! the committed offset instead when that is earlier and the reset is not forced, and pushes
//! the table to every live consumer of the group with a oneway RESET_CONSUMER_CLIENT_OFFSET
//! (220); the clients drop what they hold of those queues and commit the new offsets
//! themselves. The broker commits nothing: a live client keeps its offsets in memory and would
//! overwrite a broker-side commit. With no consumer online it answers CONSUMER_NOT_ONLINE (206)
//! and the admin tool commits the offsets itself (UPDATE_CONSUMER_OFFSET per queue).

use std::collections::BTreeMap;

use crate::broker::Broker;
use crate::remoting::body_group::{MessageQueue, ResetOffsetBody};
use crate::remoting::codes::{request, response};
use crate::remoting::command::RemotingCommand;
use crate::remoting::headers::ResetOffsetRequestHeader;

use super::{decode, error, Reply};

/// Lowest client version that handles RESET_CONSUMER_CLIENT_OFFSET (Java: `V3_0_7_SNAPSHOT`,
/// ordinal 59).
const MIN_CLIENT_VERSION: i32 = 59;

/// `LanguageCode.CPP`: the admin asked for the C++ client's body (`resetOffsetByTime -c`).
const LANGUAGE_CPP: u8 = 1;

fn json_string(s: &str) -> String {
    String::from_utf8_lossy(&crate::json::to_vec(&s)).into_owned()
}

/// The C++ client's body (Java's `ResetOffsetBodyForC`): a list of queues with their offsets.
fn body_for_c(table: &BTreeMap<MessageQueue, i64>) -> Vec<u8> {
    let entries: Vec<String> = table
        .iter()
        .map(|(mq, offset)| {
            format!(
                "{{\"brokerName\":{},\"offset\":{offset},\"queueId\":{},\"topic\":{}}}",
                json_string(&mq.broker_name),
                mq.queue_id,
                json_string(&mq.topic)
            )
        })
        .collect();
    format!("{{\"offsetTable\":[{}]}}", entries.join(",")).into_bytes()
}

/// INVOKE_BROKER_TO_RESET_OFFSET: SYSTEM_ERROR when the topic is not on this broker or the group
/// has no committed offset on one of its queues; CONSUMER_NOT_ONLINE when no consumer of the
/// group is alive; otherwise SUCCESS with the offsets pushed (`ResetOffsetBody`).
pub fn reset_offset(b: &Broker, req: &RemotingCommand) -> Reply {
    let h: ResetOffsetRequestHeader = decode(req)?;
    let force = h.is_force.unwrap_or(false);
    let Some(tc) = b.topics.get(&h.topic) else {
        return Err(error(
            response::SYSTEM_ERROR,
            format!(
                "[reset-offset] reset offset failed, no topic in this broker. topic={}",
                h.topic
            ),
        ));
    };
    let mut table = BTreeMap::new();
    for queue_id in 0..tc.write_queue_nums {
        let Some(consumer_offset) = b.offsets.query(&h.group, &h.topic, queue_id) else {
            return Err(error(
                response::SYSTEM_ERROR,
                format!("THe consumer group <{}> not exist", h.group),
            ));
        };
        let by_time = if h.timestamp == -1 {
            b.store.max_offset_in_queue(&h.topic, queue_id)
        } else {
            b.store
                .offset_by_timestamp(&h.topic, queue_id, h.timestamp)
                .map_err(|e| error(response::SYSTEM_ERROR, e.to_string()))?
        }
        .max(0);
        let offset = if force || by_time < consumer_offset {
            by_time
        } else {
            consumer_offset
        };
        let mq = MessageQueue {
            broker_name: b.cfg.broker_name.clone(),
            queue_id,
            topic: h.topic.clone(),
        };
        table.insert(mq, offset);
    }
    let clients = b.groups.consumer_channels(&h.group);
    if clients.is_empty() {
        return Err(error(
            response::CONSUMER_NOT_ONLINE,
            format!(
                "Consumer not online, so can not reset offset, Group: {} Topic: {} Timestamp: {}",
                h.group, h.topic, h.timestamp
            ),
        ));
    }
    let body = ResetOffsetBody { offset_table: table };
    let header = ResetOffsetRequestHeader {
        topic: h.topic.clone(),
        group: h.group.clone(),
        timestamp: h.timestamp,
        is_force: Some(false),
    };
    let push_body = if req.language == LANGUAGE_CPP {
        body_for_c(&body.offset_table)
    } else {
        body.to_fastjson()
    };
    let push = RemotingCommand::request(request::RESET_CONSUMER_CLIENT_OFFSET, &header).with_body(push_body);
    for (client_id, ch) in &clients {
        if ch.version < MIN_CLIENT_VERSION {
            return Err(error(
                response::SYSTEM_ERROR,
                format!("the client does not support this feature. version={}", ch.version),
            ));
        }
        // As Java: a client that cannot be reached is logged, the others still get the table.
        match ch.outbound.as_ref().map(|o| o.send_oneway(push.clone())) {
            Some(Ok(())) => tracing::info!(
                topic = h.topic,
                group = h.group,
                client_id,
                "[reset-offset] reset offset pushed"
            ),
            Some(Err(e)) => tracing::warn!(
                topic = h.topic,
                group = h.group,
                client_id,
                "[reset-offset] reset offset not pushed: {e}"
            ),
            None => tracing::warn!(client_id, "[reset-offset] no connection to push to"),
        }
    }
    Ok(RemotingCommand::success().with_body(body.to_fastjson()))
}
