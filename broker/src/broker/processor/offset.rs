//! Offset queries and updates: QUERY/UPDATE_CONSUMER_OFFSET, GET_MAX/MIN_OFFSET,
//! GET_EARLIEST_MSG_STORETIME, SEARCH_OFFSET_BY_TIMESTAMP, and VIEW_MESSAGE_BY_ID.

use crate::broker::Broker;
use crate::remoting::codes::response;
use crate::remoting::command::RemotingCommand;
use crate::remoting::headers::{
    OffsetResponseHeader, QueryConsumerOffsetRequestHeader, QueueRequestHeader, SearchOffsetRequestHeader,
    TimestampResponseHeader, UpdateConsumerOffsetRequestHeader, ViewMessageRequestHeader,
};
use crate::store::message::decode_record;

use super::{decode, error, meta_error, Reply};

fn offset_reply(offset: i64) -> RemotingCommand {
    RemotingCommand::success().with_header(&OffsetResponseHeader { offset })
}

/// QUERY_CONSUMER_OFFSET: the stored offset, 0 for a queue that still holds message 0, else
/// QUERY_NOT_FOUND.
pub fn query_consumer_offset(b: &Broker, req: &RemotingCommand) -> Reply {
    let h: QueryConsumerOffsetRequestHeader = decode(req)?;
    if let Some(o) = b.query_offset(&h.consumer_group, &h.topic, h.queue_id) {
        return Ok(offset_reply(o));
    }
    if b.store.min_offset_in_queue(&h.topic, h.queue_id) <= 0 || h.set_zero_if_not_found.unwrap_or(false) {
        return Ok(offset_reply(0));
    }
    Err(error(
        response::QUERY_NOT_FOUND,
        "Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first",
    ))
}

/// UPDATE_CONSUMER_OFFSET (Java clients send it oneway).
/// A oneway commit may be coalesced with later ones; a request that expects an answer is
/// answered once the offset is committed.
pub async fn update_consumer_offset(b: &Broker, req: &RemotingCommand) -> Reply {
    let h: UpdateConsumerOffsetRequestHeader = decode(req)?;
    b.commit_offset(
        &h.consumer_group,
        &h.topic,
        h.queue_id,
        h.commit_offset,
        !req.is_oneway(),
    )
    .await
    .map_err(meta_error)?;
    Ok(RemotingCommand::success())
}

/// GET_MAX_OFFSET: one past the last consume-queue entry.
pub fn max_offset(b: &Broker, req: &RemotingCommand) -> Reply {
    let h: QueueRequestHeader = decode(req)?;
    Ok(offset_reply(b.store.max_offset_in_queue(&h.topic, h.queue_id)))
}

/// GET_MIN_OFFSET.
pub fn min_offset(b: &Broker, req: &RemotingCommand) -> Reply {
    let h: QueueRequestHeader = decode(req)?;
    // Java creates a missing queue on lookup, so a never-written queue reports 0, not -1.
    Ok(offset_reply(
        b.store.min_offset_in_queue(&h.topic, h.queue_id).max(0),
    ))
}

/// GET_EARLIEST_MSG_STORETIME: store time of the queue's first message.
pub fn earliest_msg_storetime(b: &Broker, req: &RemotingCommand) -> Reply {
    let h: QueueRequestHeader = decode(req)?;
    let min = b.store.min_offset_in_queue(&h.topic, h.queue_id);
    let ts = b
        .store
        .get_messages(&h.topic, h.queue_id, min, 1, 1 << 20, |_| true)
        .ok()
        .and_then(|r| decode_record(&r.messages).ok())
        .map(|m| m.store_timestamp)
        .unwrap_or(-1);
    Ok(RemotingCommand::success().with_header(&TimestampResponseHeader { timestamp: ts }))
}

/// SEARCH_OFFSET_BY_TIMESTAMP.
pub fn search_offset_by_timestamp(b: &Broker, req: &RemotingCommand) -> Reply {
    let h: SearchOffsetRequestHeader = decode(req)?;
    let o = b
        .store
        .offset_by_timestamp(&h.topic, h.queue_id, h.timestamp)
        .map_err(|e| error(response::SYSTEM_ERROR, e.to_string()))?;
    Ok(offset_reply(o))
}

/// VIEW_MESSAGE_BY_ID: the raw record at a commitlog offset.
pub fn view_message_by_id(b: &Broker, req: &RemotingCommand) -> Reply {
    let h: ViewMessageRequestHeader = decode(req)?;
    if h.offset < 0 {
        return Err(error(
            response::SYSTEM_ERROR,
            format!("can not find message by the offset, {}", h.offset),
        ));
    }
    match b.store.lookup_message_by_offset(h.offset as u64) {
        Ok(Some(rec)) => Ok(RemotingCommand::success().with_body(rec)),
        Ok(None) => Err(error(
            response::SYSTEM_ERROR,
            format!("can not find message by the offset, {}", h.offset),
        )),
        Err(e) => Err(error(response::SYSTEM_ERROR, e.to_string())),
    }
}
