//! `queryMsgByKey`: QUERY_MESSAGE (12) on one broker of each group serving the topic (the master,
//! else the slave with the lowest id, as Java's `BrokerData.selectBrokerAddr` prefers), keeping
//! the messages of that topic one of whose `KEYS` is the key: brokers match by key hash, and
//! Java's `MQAdminImpl.queryMessage` filters the same way.

use broker::remoting::codes::{request, response};
use broker::remoting::headers::QueryMessageRequestHeader;
use broker::store::format::index::KEYS_SEPARATOR;
use broker::store::message::{decode_records, DecodedMessage};
use serde::Serialize;

use super::admin::{request_with, Admin, AdminError};
use super::message::MessageView;

/// How many messages each broker is asked for (Java's `queryMsgByKey` asks for 64).
pub const MAX_NUM: i32 = 64;

/// What `queryMsgByKey` found.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryByKeyReport {
    /// The topic asked for.
    pub topic: String,
    /// The key asked for.
    pub key: String,
    /// The messages, by broker name and commit-log offset.
    pub messages: Vec<MessageView>,
}

/// Queries every broker group of `topic`'s route for messages with `key`.
///
/// # Errors
/// [`AdminError::TopicNotFound`]; [`AdminError::Invalid`] when no broker has such a message
/// (Java: "query message by key finished, but no message."); the first broker failure when no
/// broker answered and none had a message.
pub async fn query_msg_by_key(admin: &Admin, topic: &str, key: &str) -> Result<QueryByKeyReport, AdminError> {
    let mut messages = query_each_group(admin, topic, key, MAX_NUM, None, |m| {
        m.keys()
            .is_some_and(|k| k.split(KEYS_SEPARATOR).any(|k| k == key))
    })
    .await?;
    messages
        .sort_by(|a, b| (&a.broker_name, a.commit_log_offset).cmp(&(&b.broker_name, b.commit_log_offset)));
    Ok(QueryByKeyReport {
        topic: topic.to_string(),
        key: key.to_string(),
        messages,
    })
}

/// Sends QUERY_MESSAGE for `key` (at most `max_num` messages, `flag` added to the request's
/// fields) to one broker of each group serving `topic`: the master, else the slave with the
/// lowest id. Keeps the messages of `topic` that `keep` accepts; brokers match by key hash only.
///
/// # Errors
/// [`AdminError::TopicNotFound`]; [`AdminError::Invalid`] when no broker has such a message
/// (Java: "query message by key finished, but no message."); the first broker failure when no
/// broker answered and none had a message.
pub(crate) async fn query_each_group(
    admin: &Admin,
    topic: &str,
    key: &str,
    max_num: i32,
    flag: Option<&str>,
    keep: impl Fn(&DecodedMessage) -> bool,
) -> Result<Vec<MessageView>, AdminError> {
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
            key: key.to_string(),
            max_num,
            begin_timestamp: 0,
            end_timestamp: i64::MAX,
        };
        let mut req = request_with(request::QUERY_MESSAGE, &header);
        if let Some(flag) = flag {
            req.ext_fields.insert(flag.to_string(), "true".to_string());
        }
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
                    .filter(|m| m.topic == topic && keep(m))
                    .map(|m| MessageView::new(&bd.broker_name, m)),
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
    Ok(messages)
}
