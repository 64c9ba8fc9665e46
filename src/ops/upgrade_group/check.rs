//! Asking the running group: wait until the name server shows a leader and its followers, and
//! check that every old queue and consumer offset is still there and readable on the leader.
//! The checks compare with what the old group had and accept what arrived since (a queue longer
//! than it was, a consumer offset that moved on): producers and consumers that keep running
//! through the upgrade do not fail it, and a `--resume` after a failed check does not fail
//! again because more arrived meanwhile.

use std::time::{Duration, Instant};

use broker::remoting::body::KvTable;
use broker::remoting::codes::{request, response};
use broker::remoting::headers::{
    OffsetResponseHeader, PullMessageRequestHeader, QueryConsumerOffsetRequestHeader, QueueRequestHeader,
};
use broker::store::message::decode_records;

use super::state::UpgradeState;
use super::{Result, UpgradeError, CHECK_GROUP};
use broker::remoting::RemotingCommand;

use crate::ops::admin::{decode_json, request_with, Admin};

/// How often the name server is asked while the new group forms: the downtime ends within one
/// poll of the leader registering. Default: 50 ms.
const GROUP_POLL: Duration = Duration::from_millis(50);

/// Polls the name server until `group` has a BID 0 and `members` brokers in all; returns the
/// BID 0 address.
pub(super) async fn wait_for_group(
    admin: &Admin,
    group: &str,
    members: usize,
    expect_leader: Option<&str>,
    timeout: Duration,
) -> Result<String> {
    let deadline = Instant::now() + timeout;
    loop {
        let last = match admin.cluster_info().await {
            Ok(info) => match info.broker_addr_table.get(group) {
                Some(bd) => {
                    if let Some(leader) = bd.broker_addrs.get(&0) {
                        if bd.broker_addrs.len() >= members && expect_leader.is_none_or(|e| e == leader) {
                            return Ok(leader.clone());
                        }
                    }
                    format!("{group} shows {:?}", bd.broker_addrs)
                }
                None => format!("{group} not registered"),
            },
            Err(e) => e.to_string(),
        };
        if Instant::now() > deadline {
            return Err(UpgradeError::Timeout(format!(
                "group {group} did not show a BID 0 and {} other member(s) within {} s ({last})",
                members - 1,
                timeout.as_secs()
            )));
        }
        tokio::time::sleep(GROUP_POLL).await;
    }
}

async fn offset_of(admin: &Admin, addr: &str, code: i32, topic: &str, queue_id: i32) -> Result<i64, String> {
    let header = QueueRequestHeader {
        topic: topic.to_owned(),
        queue_id,
    };
    let resp = admin
        .broker(addr, "GET_MAX_OFFSET", request_with(code, &header))
        .await
        .map_err(|e| e.to_string())?;
    resp.decode_header::<OffsetResponseHeader>()
        .map(|h| h.offset)
        .map_err(|e| e.to_string())
}

async fn pull_one(admin: &Admin, addr: &str, topic: &str, queue_id: i32, offset: i64) -> Result<(), String> {
    let header = PullMessageRequestHeader::one_off(CHECK_GROUP, topic, queue_id, offset, 1, "*");
    let resp = admin
        .client
        .invoke(addr, request_with(request::PULL_MESSAGE, &header), admin.timeout)
        .await
        .map_err(|e| e.to_string())?;
    if resp.code != response::SUCCESS {
        return Err(format!(
            "code {} ({})",
            resp.code,
            resp.remark.unwrap_or_default()
        ));
    }
    let records = decode_records(&resp.body).map_err(|e| e.to_string())?;
    match records.first() {
        Some(m) if m.queue_offset == offset => Ok(()),
        Some(m) => Err(format!("got queue offset {}", m.queue_offset)),
        None => Err("empty pull body".into()),
    }
}

/// The problems found on the new leader (empty when everything matches).
pub(super) async fn check_offsets(admin: &Admin, leader: &str, state: &UpgradeState) -> Vec<String> {
    let mut problems = Vec::new();
    for q in &state.queues {
        let what = format!("{}/{}", q.topic, q.queue_id);
        match offset_of(admin, leader, request::GET_MAX_OFFSET, &q.topic, q.queue_id).await {
            // New sends since the upgrade only make a queue longer.
            Ok(max) if max >= q.max_offset => {}
            Ok(max) => {
                problems.push(format!(
                    "{what}: max offset {max}, the old master had {}: messages are missing",
                    q.max_offset
                ));
                continue;
            }
            Err(e) => {
                problems.push(format!("{what}: GET_MAX_OFFSET failed: {e}"));
                continue;
            }
        }
        if q.topic.starts_with("SCHEDULE_TOPIC") || q.max_offset <= q.min_offset {
            continue;
        }
        match offset_of(admin, leader, request::GET_MIN_OFFSET, &q.topic, q.queue_id).await {
            Ok(min) if min <= q.min_offset => {}
            Ok(min) => problems.push(format!(
                "{what}: min offset {min}, the old master had {}: older messages are not readable",
                q.min_offset
            )),
            Err(e) => problems.push(format!("{what}: GET_MIN_OFFSET failed: {e}")),
        }
        for offset in [q.min_offset, q.max_offset - 1] {
            if let Err(e) = pull_one(admin, leader, &q.topic, q.queue_id, offset).await {
                problems.push(format!("{what}@{offset}: not readable: {e}"));
            }
        }
    }
    for c in &state.consumer_offsets {
        let header = QueryConsumerOffsetRequestHeader {
            consumer_group: c.group.clone(),
            topic: c.topic.clone(),
            queue_id: c.queue_id,
            set_zero_if_not_found: None,
        };
        let got = admin
            .broker(
                leader,
                "QUERY_CONSUMER_OFFSET",
                request_with(request::QUERY_CONSUMER_OFFSET, &header),
            )
            .await
            .ok()
            .and_then(|r| r.decode_header::<OffsetResponseHeader>().ok())
            .map(|h| h.offset);
        // A consumer that kept running commits further offsets: at least the old one is kept.
        if got.is_none_or(|g| g < c.offset) {
            problems.push(format!(
                "consumer offset {}@{} queue {}: {got:?}, was {}",
                c.topic, c.group, c.queue_id, c.offset
            ));
        }
    }
    problems
}

/// Messages the broker at `addr` has stored since it started (`msgPutTotalTodayNow`).
async fn puts(admin: &Admin, addr: &str) -> Option<i64> {
    let req = RemotingCommand::request_empty(request::GET_BROKER_RUNTIME_INFO);
    let resp = admin.broker(addr, "GET_BROKER_RUNTIME_INFO", req).await.ok()?;
    let kv = decode_json::<KvTable>(addr, "KVTable", &resp.body).ok()?;
    kv.table.get("msgPutTotalTodayNow").and_then(|v| v.parse().ok())
}

/// Polls the leader of `group` every 50 ms until it has stored a message; returns when (ms since
/// the Unix epoch), or `None` after `timeout`.
pub(super) async fn first_put(admin: Admin, group: String, timeout: Duration) -> Option<u64> {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if let Ok(info) = admin.cluster_info().await {
            if let Some(leader) = info
                .broker_addr_table
                .get(&group)
                .and_then(|bd| bd.broker_addrs.get(&0))
            {
                if puts(&admin, leader).await.is_some_and(|n| n > 0) {
                    return Some(super::now_ms());
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_check_pull_is_a_one_off_subscription_pull() {
        // The fields the check sent before it used `one_off`: a read that carries its
        // subscription, commits nothing and is not held for long polling.
        let expected = PullMessageRequestHeader {
            consumer_group: CHECK_GROUP.into(),
            topic: "T".into(),
            queue_id: 3,
            queue_offset: 7,
            max_msg_nums: 1,
            sys_flag: 0x4,
            commit_offset: 0,
            suspend_timeout_millis: 0,
            subscription: Some("*".into()),
            sub_version: 0,
            expression_type: Some("TAG".into()),
            max_msg_bytes: None,
        };
        assert_eq!(
            PullMessageRequestHeader::one_off(CHECK_GROUP, "T", 3, 7, 1, "*"),
            expected
        );
    }
}
