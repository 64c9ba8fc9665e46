//! `consumerProgress`: a consumer group's progress per queue (GET_CONSUME_STATS, 208) merged over
//! the master (broker id 0; the leader in DLedger mode; a slave while the master is down) of
//! every broker group that serves the group's retry topic `%RETRY%<group>`, as Java's
//! `DefaultMQAdminExt.examineConsumeStats` does; without a group, one summary line per group that has a retry topic (Java lists groups
//! the same way), with its live clients from GET_CONSUMER_CONNECTION_LIST. With
//! `show_client_ip` each queue also names the client holding it, from each live client's
//! running info (GET_CONSUMER_RUNNING_INFO, relayed by a broker; Java's `-s true`).

use std::collections::BTreeMap;

use broker::remoting::body_group::{MessageQueue, OffsetWrapper};
use broker::remoting::codes::request;
use broker::remoting::headers::GetConsumeStatsRequestHeader;
use serde::Serialize;

use super::admin::{request_with, Admin, AdminError};
use super::consumer_connection::{
    consumer_connection, group_brokers, version_desc, RETRY_GROUP_TOPIC_PREFIX,
};
use super::fastjson;

/// One queue's progress.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueProgress {
    /// Topic.
    pub topic: String,
    /// Broker group.
    pub broker_name: String,
    /// Queue id.
    pub queue_id: i32,
    /// The queue's max (next) offset.
    pub broker_offset: i64,
    /// The group's committed offset.
    pub consumer_offset: i64,
    /// `broker_offset - consumer_offset`: messages not yet consumed.
    pub diff: i64,
    /// Store time (ms) of the last consumed message, 0 if none.
    pub last_timestamp: i64,
    /// The address part of the client id holding the queue, when asked for (`-s true`) and a
    /// live client reported it; `null` otherwise.
    pub client_ip: Option<String>,
}

/// `consumerProgress -g GROUP`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupProgress {
    /// The group.
    pub group: String,
    /// Every queue, sorted as Java sorts `MessageQueue`s (topic, broker name, queue id).
    pub queues: Vec<QueueProgress>,
    /// Consumed messages per second, summed over the brokers.
    pub consume_tps: f64,
    /// Sum of the queues' diffs.
    pub diff_total: i64,
    /// Whether the clients were asked which queues they hold (`-s true`).
    pub show_client_ip: bool,
}

/// One group's line of `consumerProgress` without `-g`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupSummary {
    /// The group.
    pub group: String,
    /// Live clients.
    pub count: usize,
    /// Lowest client version (`V4_9_7`), when any client is live.
    pub version: Option<String>,
    /// `PUSH` / `PULL`, when any client is live.
    pub consume_type: Option<String>,
    /// `CLUSTERING` / `BROADCASTING`, when any client is live and pushes.
    pub message_model: Option<String>,
    /// Consume TPS, truncated to an integer as Java prints it.
    pub consume_tps: i64,
    /// Messages not yet consumed, over every queue.
    pub diff_total: i64,
}

/// `consumerProgress` without `-g`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AllGroupsProgress {
    /// Groups in the name server's topic order.
    pub groups: Vec<GroupSummary>,
}

/// GET_CONSUME_STATS of `group` from one broker: its queues and consume TPS.
///
/// # Errors
/// `Remoting`, `Refused`, or `BadBody` when the fastjson body does not read.
pub async fn consume_stats(
    admin: &Admin,
    addr: &str,
    group: &str,
    topic: Option<&str>,
) -> Result<(BTreeMap<MessageQueue, OffsetWrapper>, f64), AdminError> {
    let header = GetConsumeStatsRequestHeader {
        consumer_group: group.to_string(),
        topic: topic.map(str::to_string),
    };
    let resp = admin
        .broker(
            addr,
            "GET_CONSUME_STATS",
            request_with(request::GET_CONSUME_STATS, &header),
        )
        .await?;
    let bad = |reason: String| AdminError::BadBody {
        addr: addr.to_string(),
        what: "ConsumeStats",
        reason,
    };
    let text = std::str::from_utf8(&resp.body).map_err(|e| bad(e.to_string()))?;
    let v = fastjson::parse(text).map_err(|e| bad(e.to_string()))?;
    let tps = match v.get("consumeTps") {
        Some(fastjson::Value::Number(n)) => n.parse::<f64>().unwrap_or(0.0),
        _ => 0.0,
    };
    let mut table = BTreeMap::new();
    if let Some(fastjson::Value::Object(members)) = v.get("offsetTable") {
        for (k, o) in members {
            let int = |v: &fastjson::Value, f: &str| v.get(f).and_then(fastjson::Value::as_i64);
            let mq: MessageQueue = super::consumer_running_info::message_queue(k)
                .ok_or_else(|| bad("a queue without brokerName, queueId or topic".into()))?;
            let w = OffsetWrapper {
                broker_offset: int(o, "brokerOffset").unwrap_or(0),
                consumer_offset: int(o, "consumerOffset").unwrap_or(0),
                last_timestamp: int(o, "lastTimestamp").unwrap_or(0),
                pull_offset: int(o, "pullOffset").unwrap_or(0),
            };
            table.insert(mq, w);
        }
    }
    Ok((table, tps))
}

/// The progress of `group` over every broker group serving it.
///
/// # Errors
/// [`AdminError::Invalid`] when no broker has any offset of the group (Java: "Not found the
/// consumer group consume stats ..."); the first broker failure otherwise, since partial
/// progress would understate the backlog.
pub async fn consumer_progress(
    admin: &Admin,
    group: &str,
    show_client_ip: bool,
) -> Result<GroupProgress, AdminError> {
    let mut table = BTreeMap::new();
    let mut tps = 0.0;
    for (_, addr) in group_brokers(admin, group).await? {
        let (t, s) = consume_stats(admin, &addr, group, None).await?;
        table.extend(t);
        tps += s;
    }
    if table.is_empty() {
        return Err(AdminError::Invalid(format!(
            "consumer group {group} has no consume stats: no broker has an offset of it (it has not consumed any message)"
        )));
    }
    let allocation = if show_client_ip {
        super::consumer_running_info::queue_allocation(admin, group).await
    } else {
        BTreeMap::new()
    };
    let queues: Vec<QueueProgress> = table
        .into_iter()
        .map(|(mq, o)| QueueProgress {
            client_ip: allocation.get(&mq).cloned(),
            topic: mq.topic,
            broker_name: mq.broker_name,
            queue_id: mq.queue_id,
            broker_offset: o.broker_offset,
            consumer_offset: o.consumer_offset,
            diff: o.broker_offset - o.consumer_offset,
            last_timestamp: o.last_timestamp,
        })
        .collect();
    Ok(GroupProgress {
        group: group.to_string(),
        diff_total: queues.iter().map(|q| q.diff).sum(),
        queues,
        consume_tps: tps,
        show_client_ip,
    })
}

/// One summary per group that has a retry topic. A group whose stats or clients cannot be read
/// still gets its line (zeros / offline), as in Java.
///
/// # Errors
/// The name servers' topic list cannot be read.
pub async fn all_groups_progress(admin: &Admin) -> Result<AllGroupsProgress, AdminError> {
    let topics = super::topic_list::topic_list(admin, false).await?;
    let mut groups = Vec::new();
    for entry in topics.topics {
        let Some(group) = entry.topic.strip_prefix(RETRY_GROUP_TOPIC_PREFIX) else {
            continue;
        };
        let (tps, diff_total) = match consumer_progress(admin, group, false).await {
            Ok(p) => (p.consume_tps as i64, p.diff_total),
            Err(_) => (0, 0),
        };
        let mut summary = GroupSummary {
            group: group.to_string(),
            count: 0,
            version: None,
            consume_type: None,
            message_model: None,
            consume_tps: tps,
            diff_total,
        };
        if let Ok(c) = consumer_connection(admin, group).await {
            summary.count = c.connections.len();
            if summary.count > 0 {
                let push = c.consume_type.as_deref() != Some("CONSUME_ACTIVELY");
                summary.version = c.connections.iter().map(|c| c.version).min().map(version_desc);
                summary.consume_type = Some(if push { "PUSH" } else { "PULL" }.to_string());
                summary.message_model = push.then(|| c.message_model.clone().unwrap_or_default());
            }
        }
        groups.push(summary);
    }
    Ok(AllGroupsProgress { groups })
}
