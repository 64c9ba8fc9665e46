//! What a request needs, by request code, as Java 4.9's `PlainAccessValidator.parse` and
//! `Permission.ADMIN_CODE` decide it: the topics and groups it touches with the permission each
//! needs, and whether only an admin account may send it.
//!
//! A group is named by its retry topic `%RETRY%<group>` (an account's `groupPerms` are kept
//! the same way). Two checks Java 4.9 does not make are added, because a broker must not be more
//! open than it should be and no legitimate client is refused by them: SEND_BATCH_MESSAGE needs
//! PUB on its topic like a single send (Java checks only the signature of a batch), and
//! QUERY_CONSUMER_OFFSET needs SUB on the topic and the group like UPDATE_CONSUMER_OFFSET.
//! Every other code needs only a valid signature from a known account.

use crate::remoting::body::HeartbeatData;
use crate::remoting::codes::request;
use crate::remoting::command::RemotingCommand;

use super::plain::perm::{PUB, SUB};
use crate::broker::topics::RETRY_GROUP_TOPIC_PREFIX;

/// Request codes only an admin account may send: Java's `Permission.ADMIN_CODE`, and our
/// TRANSFER_LEADERSHIP (moving a DLedger group's leader is an operator's act).
pub const ADMIN_CODES: &[i32] = &[
    request::UPDATE_AND_CREATE_TOPIC,
    request::UPDATE_BROKER_CONFIG,
    request::DELETE_TOPIC_IN_BROKER,
    request::UPDATE_AND_CREATE_SUBSCRIPTIONGROUP,
    request::DELETE_SUBSCRIPTIONGROUP,
    request::TRANSFER_LEADERSHIP,
];

/// Whether `code` needs an admin account.
pub fn needs_admin(code: i32) -> bool {
    ADMIN_CODES.contains(&code)
}

/// Whether a resource is a group (its retry topic).
pub fn is_group(resource: &str) -> bool {
    resource.starts_with(RETRY_GROUP_TOPIC_PREFIX)
}

/// `topic:NAME` or `group:NAME`, as Java names a resource in its refusals.
pub fn describe(resource: &str) -> String {
    match resource.strip_prefix(RETRY_GROUP_TOPIC_PREFIX) {
        Some(group) => format!("group:{group}"),
        None => format!("topic:{resource}"),
    }
}

fn retry(group: &str) -> String {
    format!("{RETRY_GROUP_TOPIC_PREFIX}{group}")
}

/// The resources `req` touches and the permission each needs; a later entry for the same
/// resource replaces an earlier one, as in Java's map.
///
/// # Errors
/// A heartbeat body that cannot be read (Java refuses it too); the message says why.
pub fn needed(req: &RemotingCommand) -> Result<Vec<(String, u8)>, String> {
    let f = |k: &str| req.ext_fields.get(k).map(String::as_str);
    let mut out: Vec<(String, u8)> = Vec::new();
    let mut add = |resource: Option<String>, p: u8| {
        if let Some(r) = resource {
            out.retain(|(x, _)| *x != r);
            out.push((r, p));
        }
    };
    match req.code {
        request::SEND_MESSAGE | request::SEND_MESSAGE_V2 | request::SEND_BATCH_MESSAGE => {
            // V1 names the topic `topic`, V2 (single and batch) `b`; V2's producer group is `a`.
            let topic = f("b").or(f("topic"));
            match topic {
                Some(t) if is_group(t) => {
                    // A send to a retry topic is a consumer's: SUB on the group (Java takes V2's
                    // producer group; V1 has no group field, so the retry topic itself).
                    let group = if req.code == request::SEND_MESSAGE {
                        None
                    } else {
                        f("a")
                    };
                    add(Some(group.map_or_else(|| t.to_string(), retry)), SUB);
                }
                Some(t) => add(Some(t.to_string()), PUB),
                None => {}
            }
        }
        request::CONSUMER_SEND_MSG_BACK => add(f("group").map(retry), SUB),
        request::PULL_MESSAGE => {
            add(f("topic").map(str::to_string), SUB);
            add(f("consumerGroup").map(retry), SUB);
        }
        request::QUERY_MESSAGE => add(f("topic").map(str::to_string), SUB),
        request::HEART_BEAT => {
            let hb: HeartbeatData =
                crate::json::from_slice(&req.body).map_err(|e| format!("bad heartbeat body: {e}"))?;
            for c in &hb.consumer_data_set {
                add(Some(retry(&c.group_name)), SUB);
                for s in &c.subscription_data_set {
                    add(Some(s.topic.clone()), SUB);
                }
            }
        }
        request::UNREGISTER_CLIENT | request::GET_CONSUMER_LIST_BY_GROUP => {
            add(f("consumerGroup").map(retry), SUB);
        }
        request::UPDATE_CONSUMER_OFFSET | request::QUERY_CONSUMER_OFFSET => {
            add(f("consumerGroup").map(retry), SUB);
            add(f("topic").map(str::to_string), SUB);
        }
        _ => {}
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(code: i32, fields: &[(&str, &str)]) -> RemotingCommand {
        let mut r = RemotingCommand::request_empty(code);
        for (k, v) in fields {
            r.ext_fields.insert(k.to_string(), v.to_string());
        }
        r
    }

    #[test]
    fn each_code_needs_what_java_asks() {
        let n = |r| needed(&r).unwrap();
        assert_eq!(
            n(req(request::SEND_MESSAGE_V2, &[("a", "pg"), ("b", "T")])),
            [("T".into(), PUB)]
        );
        assert_eq!(
            n(req(request::SEND_BATCH_MESSAGE, &[("b", "T")])),
            [("T".into(), PUB)]
        );
        assert_eq!(
            n(req(request::SEND_MESSAGE_V2, &[("a", "g"), ("b", "%RETRY%g")])),
            [("%RETRY%g".into(), SUB)]
        );
        assert_eq!(
            n(req(
                request::PULL_MESSAGE,
                &[("topic", "T"), ("consumerGroup", "g")]
            )),
            [("T".into(), SUB), ("%RETRY%g".into(), SUB)]
        );
        assert_eq!(
            n(req(
                request::UPDATE_CONSUMER_OFFSET,
                &[("topic", "T"), ("consumerGroup", "g")]
            )),
            [("%RETRY%g".into(), SUB), ("T".into(), SUB)]
        );
        assert!(n(req(request::GET_BROKER_RUNTIME_INFO, &[])).is_empty());
        let mut hb = req(request::HEART_BEAT, &[]);
        hb.body = bytes::Bytes::from_static(
            br#"{"clientID":"c","consumerDataSet":[{"groupName":"g","subscriptionDataSet":[{"topic":"T","subString":"*"}]}],"producerDataSet":[]}"#,
        );
        assert_eq!(n(hb), [("%RETRY%g".into(), SUB), ("T".into(), SUB)]);
        let mut bad = req(request::HEART_BEAT, &[]);
        bad.body = bytes::Bytes::from_static(b"{");
        assert!(needed(&bad).is_err());
        assert!(needs_admin(request::UPDATE_AND_CREATE_TOPIC) && !needs_admin(request::PULL_MESSAGE));
        assert_eq!(describe("%RETRY%g"), "group:g");
        assert_eq!(describe("T"), "topic:T");
    }
}
