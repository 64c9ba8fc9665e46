//! GET_CONSUMER_RUNNING_INFO (307): one consumer client's own account of itself (the queues it
//! holds, its properties), asked through a broker of the group, which relays the request over
//! the client's connection and returns the client's answer (Java's
//! `DefaultMQAdminExt.getConsumerRunningInfo`). `consumerProgress -s true` uses it to say which
//! client holds each queue. Clients that do not serve the request (the `ali-ons` JavaScript
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
        for (k, _) in members {
            info.queues
                .push(message_queue(k).ok_or("an mqTable key is not a MessageQueue")?);
        }
    }
    info.queues.sort();
    if let Some(Value::Object(members)) = v.get("properties") {
        for (k, val) in members {
            let text = |v: &Value| match v {
                Value::String(s) | Value::Number(s) => Some(s.clone()),
                Value::Bool(b) => Some(b.to_string()),
                _ => None,
            };
            if let (Some(k), Some(val)) = (text(k), text(val)) {
                info.properties.insert(k, val);
            }
        }
    }
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
