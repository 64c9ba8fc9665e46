//! `queryMsgByUniqueKey`: QUERY_MESSAGE (12) with `_UNIQUE_KEY_QUERY=true` on one broker of each
//! group serving the topic (the master, else the lowest id), keeping the messages of that topic
//! whose client id (`UNIQ_KEY`) is the id asked for, as Java's `MQAdminImpl.queryMessage` does
//! for `viewMessage(topic, msgId)`.

use broker::remoting::codes::{request, response};
use broker::remoting::headers::QueryMessageRequestHeader;
use broker::store::message::decode_records;
use serde::Serialize;

use super::admin::{request_with, Admin, AdminError};
use super::message::MessageView;

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
    let route = admin.route(topic).await?;
    let mut messages = Vec::new();
    let mut failure = None;
    for bd in &route.broker_datas {
        let Some(addr) = bd
            .broker_addrs
            .get(&0)
            .or_else(|| bd.broker_addrs.values().next())
        else {
            continue;
        };
        let header = QueryMessageRequestHeader {
            topic: topic.to_string(),
            key: msg_id.to_string(),
            max_num: MAX_NUM,
            begin_timestamp: 0,
            end_timestamp: i64::MAX,
        };
        let mut req = request_with(request::QUERY_MESSAGE, &header);
        req.ext_fields
            .insert(UNIQUE_MSG_QUERY_FLAG.to_string(), "true".to_string());
        let found = match admin.broker(addr, "QUERY_MESSAGE", req).await {
            Ok(resp) => decode_records(&resp.body).map_err(|e| AdminError::BadBody {
                addr: addr.clone(),
                what: "message records",
                reason: e.to_string(),
            }),
            Err(AdminError::Refused { code, .. }) if code == response::QUERY_NOT_FOUND => Ok(Vec::new()),
            Err(e) => Err(e),
        };
        match found {
            Ok(records) => messages.extend(
                records
                    .iter()
                    .map(|m| MessageView::new(&bd.broker_name, m))
                    .filter(|m| m.topic == topic && m.uniq_key.as_deref() == Some(msg_id)),
            ),
            Err(e) => {
                failure.get_or_insert(e);
            }
        }
    }
    if messages.is_empty() {
        return Err(failure.unwrap_or_else(|| {
            AdminError::Invalid("query message by key finished, but no message.".to_string())
        }));
    }
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
