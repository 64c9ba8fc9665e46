//! `queryMsgByUniqueKey`: QUERY_MESSAGE (12) with `_UNIQUE_KEY_QUERY=true` on one broker of each
//! group serving the topic (the master, else the lowest id), keeping the messages of that topic
//! whose client id (`UNIQ_KEY`) is the id asked for, as Java's `MQAdminImpl.queryMessage` does
//! for `viewMessage(topic, msgId)`.

use broker::store::format::property;
use serde::Serialize;

use super::admin::{Admin, AdminError};
use super::message::MessageView;
use super::query_msg_by_key::query_each_group;

/// The request field that makes the broker look `key` up as a client message id (Java's
/// `MixAll.UNIQUE_MSG_QUERY_FLAG`).
pub const UNIQUE_MSG_QUERY_FLAG: &str = "_UNIQUE_KEY_QUERY";

/// How many messages each broker is asked for (Java asks for 32; the broker then answers up to
/// its `defaultQueryMaxNum`).
pub const MAX_NUM: i32 = 32;

/// What `queryMsgByUniqueKey` found.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryByUniqueKeyReport {
    /// The topic asked for.
    pub topic: String,
    /// The client message id asked for.
    pub msg_id: String,
    /// The messages with that id (one, unless it was stored twice), oldest first.
    pub messages: Vec<MessageView>,
}

/// Queries every broker group of `topic`'s route for the message whose `UNIQ_KEY` is `msg_id`.
///
/// # Errors
/// [`AdminError::TopicNotFound`]; [`AdminError::Invalid`] when no broker has it (Java: "query
/// message by key finished, but no message."); the first broker failure when no broker answered
/// and none had it.
pub async fn query_msg_by_unique_key(
    admin: &Admin,
    topic: &str,
    msg_id: &str,
) -> Result<QueryByUniqueKeyReport, AdminError> {
    let mut messages = query_each_group(admin, topic, msg_id, MAX_NUM, Some(UNIQUE_MSG_QUERY_FLAG), |m| {
        m.properties.get(property::UNIQ_KEY).map(String::as_str) == Some(msg_id)
    })
    .await?;
    messages.sort_by(|a, b| {
        (a.store_timestamp, &a.broker_name, a.commit_log_offset).cmp(&(
            b.store_timestamp,
            &b.broker_name,
            b.commit_log_offset,
        ))
    });
    Ok(QueryByUniqueKeyReport {
        topic: topic.to_string(),
        msg_id: msg_id.to_string(),
        messages,
    })
}
