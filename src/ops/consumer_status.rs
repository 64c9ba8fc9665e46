//! `consumerStatus`: what each live client of a consumer group says about itself
//! (GET_CONSUMER_RUNNING_INFO through a broker, see [`super::consumer_running_info`]), saved one
//! file per client, and checked as a whole: do all clients subscribe the same way, is every
//! readable queue of the subscribed topics held by exactly one client, and is any process queue
//! stuck. Java 4.9's command only pretends to check the allocation (it always says "Rebalance
//! OK"); this one compares the queues the clients hold with the topics' routes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use broker::remoting::body::perm;
use broker::remoting::body_group::MessageQueue;
use serde::Serialize;

use super::admin::{Admin, AdminError};
use super::consumer_connection::{consumer_connection, ConsumerConnectionReport};
use super::consumer_running_info::{consumer_running_info, java_queue, java_queue_order, RunningInfo};

/// Java's property naming the consume type (`CONSUME_PASSIVELY` for push consumers).
const PROP_CONSUME_TYPE: &str = "PROP_CONSUME_TYPE";
/// Java's property saying the client consumes orderly (spelt as Java spells it).
const PROP_CONSUME_ORDERLY: &str = "PROP_CONSUMEORDERLY";
/// How long a push client may hold cached messages without consuming before Java calls the
/// queue blocked.
const BLOCKED_AFTER_MS: i64 = 60_000;

/// What to ask.
#[derive(Debug, Clone)]
pub struct StatusOptions {
    /// The consumer group.
    pub group: String,
    /// One client only (`-i`): its running info, no files, no analysis.
    pub client_id: Option<String>,
    /// Ask the clients for a thread dump (`-s`).
    pub jstack: bool,
    /// Where the per-client files go: `DIR/<now in ms>/<client id>`.
    pub dir: PathBuf,
    /// Now, in ms since the epoch (the files' directory name and the blocked-queue check).
    pub now_ms: i64,
}

/// The answer of `consumerStatus`.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum ConsumerStatus {
    /// Without `-i`: every client and the group's analysis.
    Group(GroupStatus),
    /// With `-i`: one client's running info.
    Client(ClientRunningInfo),
}

/// One client's running info (`-i`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientRunningInfo {
    /// The group.
    pub group: String,
    /// What the client said.
    pub running_info: RunningInfo,
}

/// Every client of a group, and what is wrong with the group.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupStatus {
    /// The group.
    pub group: String,
    /// `CLUSTERING` / `BROADCASTING`, as the broker knows the group.
    pub message_model: Option<String>,
    /// The directory this run's files went to (`DIR/<now in ms>`).
    pub dir: PathBuf,
    /// The clients that answered, by client id.
    pub clients: Vec<ClientStatus>,
    /// The clients that did not answer, and why.
    pub unanswered: Vec<ClientFailure>,
    /// Whether every client that answered has the same, non-empty, subscriptions.
    pub same_subscription: bool,
    /// Whether every readable queue of the subscribed topics is held by exactly one client
    /// (always true for a broadcasting group, whose clients each hold every queue).
    pub rebalance_ok: bool,
    /// What is wrong with the allocation, queue by queue.
    pub rebalance_problems: Vec<RebalanceProblem>,
    /// Java's process-queue findings: a push client's queue that cannot take its lock (orderly)
    /// or holds cached messages it has not consumed for a minute.
    pub process_queue_warnings: Vec<String>,
}

/// One client that answered.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientStatus {
    /// `ip@instance`.
    pub client_id: String,
    /// Version ordinal the client sent with its heartbeat.
    pub version: i32,
    /// Its name (`V4_9_7`).
    pub version_desc: String,
    /// The file its running info was written to; `None` when it could not be written.
    pub file: Option<PathBuf>,
    /// Why the file could not be written.
    pub file_error: Option<String>,
    /// What the client said.
    pub running_info: RunningInfo,
}

/// A client that could not be asked or did not answer.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientFailure {
    /// `ip@instance`.
    pub client_id: String,
    /// The error.
    pub error: String,
}

/// What is wrong with one queue's allocation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RebalanceProblem {
    /// The queue.
    pub queue: MessageQueue,
    /// The clients holding it (none, or more than one, or one holding a queue the route does
    /// not have).
    pub holders: Vec<String>,
    /// `unheld`, `shared` or `notInRoute`.
    pub problem: &'static str,
}

impl std::fmt::Display for RebalanceProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let q = java_queue(&self.queue);
        match self.problem {
            "unheld" => write!(f, "{q} is held by no client"),
            "shared" => write!(
                f,
                "{q} is held by {} clients: {}",
                self.holders.len(),
                self.holders.join(", ")
            ),
            _ => write!(
                f,
                "{q} is held by {} but is not a readable queue of the topic",
                self.holders.join(", ")
            ),
        }
    }
}

/// Runs `consumerStatus`.
///
/// # Errors
/// [`AdminError::Invalid`] when no client of the group is online or `-i` names a client that is
/// not one of them; a server failure when the name servers or brokers cannot be asked.
pub async fn consumer_status(admin: &Admin, opts: &StatusOptions) -> Result<ConsumerStatus, AdminError> {
    let group = opts.group.as_str();
    let conns = consumer_connection(admin, group).await?;
    if let Some(id) = &opts.client_id {
        if !conns.connections.iter().any(|c| &c.client_id == id) {
            return Err(AdminError::Invalid(format!(
                "client {id} is not a live consumer of group {group}"
            )));
        }
        let running_info = consumer_running_info(admin, group, id, opts.jstack).await?;
        return Ok(ConsumerStatus::Client(ClientRunningInfo {
            group: group.to_string(),
            running_info,
        }));
    }
    group_status(admin, opts, &conns).await.map(ConsumerStatus::Group)
}

async fn group_status(
    admin: &Admin,
    opts: &StatusOptions,
    conns: &ConsumerConnectionReport,
) -> Result<GroupStatus, AdminError> {
    let group = opts.group.as_str();
    let dir = opts.dir.join(opts.now_ms.to_string());
    let mut clients = Vec::new();
    let mut unanswered = Vec::new();
    let mut sorted = conns.connections.clone();
    sorted.sort_by(|a, b| a.client_id.cmp(&b.client_id));
    for c in sorted {
        match consumer_running_info(admin, group, &c.client_id, opts.jstack).await {
            Ok(info) => {
                let path = dir.join(&c.client_id);
                let (file, file_error) = match write_file(&path, &format_running_info(&info)) {
                    Ok(()) => (Some(path), None),
                    Err(e) => (None, Some(format!("{}: {e}", path.display()))),
                };
                clients.push(ClientStatus {
                    client_id: c.client_id.clone(),
                    version: c.version,
                    version_desc: c.version_desc.clone(),
                    file,
                    file_error,
                    running_info: info,
                });
            }
            Err(e) => unanswered.push(ClientFailure {
                client_id: c.client_id.clone(),
                error: e.to_string(),
            }),
        }
    }
    let infos: Vec<&RunningInfo> = clients.iter().map(|c| &c.running_info).collect();
    let same_subscription = same_subscription(&infos);
    let broadcasting = conns.message_model.as_deref() == Some("BROADCASTING");
    let rebalance_problems = if broadcasting || infos.is_empty() {
        Vec::new()
    } else {
        let topics: BTreeSet<&str> = infos
            .iter()
            .flat_map(|i| i.subscriptions.iter().map(|s| s.topic.as_str()))
            .collect();
        let mut readable = BTreeSet::new();
        for topic in topics {
            readable.extend(readable_queues(admin, topic).await?);
        }
        rebalance_problems(&readable, &infos)
    };
    let process_queue_warnings = infos
        .iter()
        .flat_map(|i| process_queue_warnings(i, opts.now_ms))
        .collect();
    Ok(GroupStatus {
        group: group.to_string(),
        message_model: conns.message_model.clone(),
        dir,
        rebalance_ok: rebalance_problems.is_empty(),
        clients,
        unanswered,
        same_subscription,
        rebalance_problems,
        process_queue_warnings,
    })
}

/// Writes one client's file, making its directory.
fn write_file(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, text)
}

/// The readable queues of `topic` by its route; none when the topic has no route.
async fn readable_queues(admin: &Admin, topic: &str) -> Result<Vec<MessageQueue>, AdminError> {
    let route = match admin.route(topic).await {
        Ok(route) => route,
        Err(AdminError::TopicNotFound(_)) => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    for qd in route.queue_datas.iter().filter(|qd| qd.perm & perm::READ != 0) {
        for queue_id in 0..qd.read_queue_nums {
            out.push(MessageQueue {
                broker_name: qd.broker_name.clone(),
                queue_id,
                topic: topic.to_string(),
            });
        }
    }
    Ok(out)
}

/// Whether every client has the same subscriptions, and they are not empty (Java's
/// `analyzeSubscription`, compared on topic, expression type, expression and class filter;
/// Java compares only push clients started more than two minutes ago, this compares always).
pub fn same_subscription(infos: &[&RunningInfo]) -> bool {
    let Some(first) = infos.first() else {
        return true;
    };
    !first.subscriptions.is_empty() && infos.iter().all(|i| i.subscriptions == first.subscriptions)
}

/// Each queue of `readable` held by no client or by several, and each held queue `readable`
/// does not have, in Java's queue order.
pub fn rebalance_problems(
    readable: &BTreeSet<MessageQueue>,
    infos: &[&RunningInfo],
) -> Vec<RebalanceProblem> {
    let mut holders: BTreeMap<&MessageQueue, Vec<String>> =
        readable.iter().map(|q| (q, Vec::new())).collect();
    for info in infos {
        for q in &info.queues {
            holders.entry(q).or_default().push(info.client_id.clone());
        }
    }
    let mut out: Vec<RebalanceProblem> = holders
        .into_iter()
        .filter_map(|(queue, holders)| {
            let problem = if !readable.contains(queue) {
                "notInRoute"
            } else if holders.is_empty() {
                "unheld"
            } else if holders.len() > 1 {
                "shared"
            } else {
                return None;
            };
            Some(RebalanceProblem {
                queue: queue.clone(),
                holders,
                problem,
            })
        })
        .collect();
    out.sort_by(|a, b| java_queue_order(&a.queue, &b.queue));
    out
}

/// Java's `analyzeProcessQueue` for one push client: an orderly queue whose lock is not held
/// (or that was dropped and failed to unlock), a concurrent queue with cached messages and no
/// consumption for a minute.
pub fn process_queue_warnings(info: &RunningInfo, now_ms: i64) -> Vec<String> {
    let push = info.properties.get(PROP_CONSUME_TYPE).map(String::as_str) == Some("CONSUME_PASSIVELY");
    if !push {
        return Vec::new();
    }
    let orderly = info.properties.get(PROP_CONSUME_ORDERLY).map(String::as_str) == Some("true");
    let id = &info.client_id;
    let mut out = Vec::new();
    for pq in &info.process_queues {
        let q = java_queue(&pq.queue);
        if orderly {
            if !pq.locked {
                out.push(format!(
                    "{id} {q} can't lock for a while, {}ms",
                    now_ms - pq.last_lock_timestamp
                ));
            } else if pq.dropped && pq.try_unlock_times > 0 {
                out.push(format!(
                    "{id} {q} unlock {} times, still failed",
                    pq.try_unlock_times
                ));
            }
        } else {
            let idle = now_ms - pq.last_consume_timestamp;
            if idle > BLOCKED_AFTER_MS && pq.cached_msg_count > 0 {
                out.push(format!(
                    "{id} {q} can't consume for a while, maybe blocked, {idle}ms"
                ));
            }
        }
    }
    out
}

/// Java's `UtilAll.timeMillisToHumanString`: `yyyyMMddHHmmssSSS` in local time.
fn compact_millis(ms: i64) -> String {
    crate::javafmt::human_millis(ms)
        .chars()
        .filter(char::is_ascii_digit)
        .collect()
}

/// Java 4.9's `ConsumerRunningInfo.formatString`: properties, subscriptions, offsets, process
/// queues, statistics and (when the client sent one) the thread dump. The text of each client's
/// file and of `-i`.
pub fn format_running_info(info: &RunningInfo) -> String {
    use crate::javafmt::{fixed_width, left, right};
    let mut s = String::from("#Consumer Properties#\n");
    for (k, v) in &info.properties {
        s.push_str(&format!("{}: {v}\n", left(k, 40)));
    }
    s.push_str("\n\n#Consumer Subscription#\n");
    for (i, sub) in info.subscriptions.iter().enumerate() {
        s.push_str(&format!(
            "{:03} Topic: {} ClassFilter: {} SubExpression: {}\n",
            i + 1,
            left(&sub.topic, 40),
            left(&sub.class_filter_mode.to_string(), 8),
            sub.sub_string
        ));
    }
    let queue_cols = |topic: &str, broker: &str, qid: &str| {
        format!("{}  {}  {}  ", left(topic, 32), left(broker, 32), left(qid, 4))
    };
    s.push_str("\n\n#Consumer Offset#\n");
    s.push_str(&queue_cols("#Topic", "#Broker Name", "#QID"));
    s.push_str(&format!("{}\n", left("#Consumer Offset", 20)));
    for pq in &info.process_queues {
        let q = &pq.queue;
        s.push_str(&queue_cols(&q.topic, &q.broker_name, &q.queue_id.to_string()));
        s.push_str(&format!("{}\n", left(&pq.commit_offset.to_string(), 20)));
    }
    s.push_str("\n\n#Consumer MQ Detail#\n");
    s.push_str(&queue_cols("#Topic", "#Broker Name", "#QID"));
    s.push_str(&format!("{}\n", left("#ProcessQueueInfo", 20)));
    for pq in &info.process_queues {
        let q = &pq.queue;
        s.push_str(&queue_cols(&q.topic, &q.broker_name, &q.queue_id.to_string()));
        s.push_str(&format!(
            "ProcessQueueInfo [commitOffset={}, cachedMsgMinOffset={}, cachedMsgMaxOffset={}, \
             cachedMsgCount={}, cachedMsgSizeInMiB={}, transactionMsgMinOffset={}, \
             transactionMsgMaxOffset={}, transactionMsgCount={}, locked={}, tryUnlockTimes={}, \
             lastLockTimestamp={}, droped={}, lastPullTimestamp={}, lastConsumeTimestamp={}]\n",
            pq.commit_offset,
            pq.cached_msg_min_offset,
            pq.cached_msg_max_offset,
            pq.cached_msg_count,
            pq.cached_msg_size_in_mib,
            pq.transaction_msg_min_offset,
            pq.transaction_msg_max_offset,
            pq.transaction_msg_count,
            pq.locked,
            pq.try_unlock_times,
            compact_millis(pq.last_lock_timestamp),
            pq.dropped,
            compact_millis(pq.last_pull_timestamp),
            compact_millis(pq.last_consume_timestamp),
        ));
    }
    s.push_str("\n\n#Consumer RT&TPS#\n");
    s.push_str(&format!(
        "{}  {} {} {} {} {} {}\n",
        left("#Topic", 32),
        right("#Pull RT", 14),
        right("#Pull TPS", 14),
        right("#Consume RT", 14),
        right("#ConsumeOK TPS", 14),
        right("#ConsumeFailed TPS", 18),
        right("#ConsumeFailedMsgsInHour", 25)
    ));
    for st in &info.status_table {
        s.push_str(&format!(
            "{}  {} {} {} {} {} {}\n",
            left(&st.topic, 32),
            fixed_width(st.pull_rt, 14, 2),
            fixed_width(st.pull_tps, 14, 2),
            fixed_width(st.consume_rt, 14, 2),
            fixed_width(st.consume_ok_tps, 14, 2),
            fixed_width(st.consume_failed_tps, 18, 2),
            right(&st.consume_failed_msgs.to_string(), 25)
        ));
    }
    if let Some(jstack) = &info.jstack {
        s.push_str("\n\n#Consumer jstack#\n");
        s.push_str(jstack);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::consumer_running_info::parse_running_info;

    fn mq(q: i32) -> MessageQueue {
        MessageQueue {
            broker_name: "b".into(),
            queue_id: q,
            topic: "T".into(),
        }
    }

    #[test]
    fn finds_unheld_shared_and_unknown_queues() {
        let a = parse_running_info("a", br#"{"mqTable":{{"brokerName":"b","queueId":0,"topic":"T"}:{},{"brokerName":"b","queueId":1,"topic":"T"}:{},{"brokerName":"b","queueId":9,"topic":"T"}:{}},"subscriptionSet":[{"topic":"T","subString":"*"}]}"#).unwrap();
        let b = parse_running_info("b", br#"{"mqTable":{{"brokerName":"b","queueId":1,"topic":"T"}:{}},"subscriptionSet":[{"topic":"T","subString":"*"}]}"#).unwrap();
        let readable: BTreeSet<MessageQueue> = (0..3).map(mq).collect();
        let p = rebalance_problems(&readable, &[&a, &b]);
        let lines: Vec<String> = p.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "MessageQueue [topic=T, brokerName=b, queueId=1] is held by 2 clients: a, b",
                "MessageQueue [topic=T, brokerName=b, queueId=2] is held by no client",
                "MessageQueue [topic=T, brokerName=b, queueId=9] is held by a but is not a readable queue of the topic",
            ]
        );
        assert!(same_subscription(&[&a, &b]));
        let c =
            parse_running_info("c", br#"{"subscriptionSet":[{"topic":"T","subString":"TagA"}]}"#).unwrap();
        assert!(!same_subscription(&[&a, &c]));
        let empty = parse_running_info("d", b"{}").unwrap();
        assert!(!same_subscription(&[&empty]));
    }

    #[test]
    fn flags_a_blocked_push_queue_as_java_does() {
        let body = br#"{"mqTable":{{"brokerName":"b","queueId":0,"topic":"T"}:{"cachedMsgCount":3,"lastConsumeTimestamp":1000},{"brokerName":"b","queueId":1,"topic":"T"}:{"cachedMsgCount":0,"lastConsumeTimestamp":1000}},"properties":{"PROP_CONSUME_TYPE":"CONSUME_PASSIVELY"}}"#;
        let info = parse_running_info("c1", body).unwrap();
        assert_eq!(
            process_queue_warnings(&info, 62_000),
            ["c1 MessageQueue [topic=T, brokerName=b, queueId=0] can't consume for a while, maybe blocked, 61000ms"]
        );
        assert!(process_queue_warnings(&info, 60_000).is_empty());
    }
}
