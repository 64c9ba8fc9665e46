//! PULL_MESSAGE (11): checks in Java's order, offset commit, tag filtering on the consume queue's
//! tagsCode, and long polling — a pull that finds nothing new is held until a message arrives or
//! the suspend timeout passes, since Java push consumers re-pull at once after an empty answer.

use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::broker::Broker;
use crate::remoting::body::{perm, SubscriptionData};
use crate::remoting::codes::{pull_flag, response, FAQ_SUFFIX};
use crate::remoting::command::RemotingCommand;
use crate::remoting::headers::{PullMessageRequestHeader, PullMessageResponseHeader};
use crate::remoting::server::ConnContext;
use crate::store::{GetMessageResult, GetMessageStatus};

use super::{decode, error, Reply};

fn status_name(s: GetMessageStatus) -> &'static str {
    match s {
        GetMessageStatus::Found => "FOUND",
        GetMessageStatus::NoMatchedMessage => "NO_MATCHED_MESSAGE",
        GetMessageStatus::MessageWasRemoving => "MESSAGE_WAS_REMOVING",
        GetMessageStatus::OffsetFoundNull => "OFFSET_FOUND_NULL",
        GetMessageStatus::OffsetOverflowBadly => "OFFSET_OVERFLOW_BADLY",
        GetMessageStatus::OffsetOverflowOne => "OFFSET_OVERFLOW_ONE",
        GetMessageStatus::OffsetTooSmall => "OFFSET_TOO_SMALL",
        GetMessageStatus::NoMatchedLogicQueue => "NO_MATCHED_LOGIC_QUEUE",
        GetMessageStatus::NoMessageInQueue => "NO_MESSAGE_IN_QUEUE",
    }
}

/// Response code of a store result (spec §2.7 table).
pub fn status_code(s: GetMessageStatus, requested_offset: i64) -> i32 {
    match s {
        GetMessageStatus::Found => response::SUCCESS,
        GetMessageStatus::NoMessageInQueue | GetMessageStatus::NoMatchedLogicQueue => {
            if requested_offset != 0 {
                response::PULL_OFFSET_MOVED
            } else {
                response::PULL_NOT_FOUND
            }
        }
        GetMessageStatus::OffsetOverflowOne | GetMessageStatus::OffsetFoundNull => response::PULL_NOT_FOUND,
        GetMessageStatus::OffsetOverflowBadly | GetMessageStatus::OffsetTooSmall => {
            response::PULL_OFFSET_MOVED
        }
        GetMessageStatus::NoMatchedMessage | GetMessageStatus::MessageWasRemoving => {
            response::PULL_RETRY_IMMEDIATELY
        }
    }
}

fn get(
    b: &Broker,
    h: &PullMessageRequestHeader,
    sub: &SubscriptionData,
) -> Result<GetMessageResult, RemotingCommand> {
    let max = h.max_msg_nums.clamp(1, 1024) as usize;
    let max_bytes = h
        .max_msg_bytes
        .filter(|m| *m > 0)
        .map(|m| m as usize)
        .unwrap_or(256 * 1024);
    b.store
        .get_messages(&h.topic, h.queue_id, h.queue_offset, max, max_bytes, |code| {
            sub.matches_tags_code(code)
        })
        .map_err(|e| error(response::SYSTEM_ERROR, e.to_string()))
}

/// Handles PULL_MESSAGE.
pub async fn pull(b: &Broker, ctx: &ConnContext, req: &RemotingCommand) -> Reply {
    let h: PullMessageRequestHeader = decode(req)?;
    if b.cfg.broker_permission & perm::READ == 0 {
        return Err(error(
            response::NO_PERMISSION,
            format!("the broker[{}] pulling message is forbidden", b.cfg.broker_ip1),
        ));
    }
    let group = b
        .group_for_consume(&h.consumer_group, b.cfg.auto_create_subscription_group)
        .await
        .map_err(super::meta_error)?;
    let Some(group) = group else {
        return Err(error(
            response::SUBSCRIPTION_GROUP_NOT_EXIST,
            format!(
                "subscription group [{}] does not exist, {FAQ_SUFFIX}",
                h.consumer_group
            ),
        ));
    };
    if !group.consume_enable {
        return Err(error(
            response::NO_PERMISSION,
            format!("subscription group no permission, {}", h.consumer_group),
        ));
    }
    let Some(tc) = b.topics.get(&h.topic) else {
        return Err(error(
            response::TOPIC_NOT_EXIST,
            format!("topic[{}] not exist, apply first please!{FAQ_SUFFIX}", h.topic),
        ));
    };
    if tc.perm & perm::READ == 0 {
        return Err(error(
            response::NO_PERMISSION,
            format!("the topic[{}] pulling message is forbidden", h.topic),
        ));
    }
    if h.queue_id < 0 || h.queue_id >= tc.read_queue_nums {
        return Err(error(
            response::SYSTEM_ERROR,
            format!(
                "queueId[{}] is illegal, topic:[{}] topicConfig.readQueueNums:[{}] consumer:[{}]",
                h.queue_id, h.topic, tc.read_queue_nums, ctx.peer
            ),
        ));
    }
    let sub = if h.sys_flag & pull_flag::SUBSCRIPTION != 0 {
        let ty = h.expression_type.as_deref().unwrap_or("TAG");
        if !ty.eq_ignore_ascii_case("TAG") {
            return Err(error(
                response::SUBSCRIPTION_PARSE_FAILED,
                format!("The broker does not support consumer to filter message by {ty}"),
            ));
        }
        SubscriptionData::from_expression(&h.topic, h.subscription.as_deref().unwrap_or("*"))
    } else {
        let Some(sub) = b.groups.subscription(&h.consumer_group, &h.topic) else {
            return Err(error(
                response::SUBSCRIPTION_NOT_EXIST,
                format!("the consumer's subscription not exist{FAQ_SUFFIX}"),
            ));
        };
        if sub.sub_version < h.sub_version {
            return Err(error(
                response::SUBSCRIPTION_NOT_LATEST,
                format!("the consumer's subscription not latest, {}", sub.sub_string),
            ));
        }
        sub
    };
    if h.sys_flag & pull_flag::COMMIT_OFFSET != 0 && !b.is_slave() && h.commit_offset >= 0 {
        // Carried by a pull: coalesced like a oneway commit; a refusal does not fail the pull.
        let _ = b
            .commit_offset(&h.consumer_group, &h.topic, h.queue_id, h.commit_offset, false)
            .await;
    }

    // Subscribe before reading so an arrival between the read and the wait is not missed.
    let arrivals = b.store.queue_arrivals(&h.topic, h.queue_id);
    let mut result = get(b, &h, &sub)?;
    let mut code = status_code(result.status, h.queue_offset);
    if code == response::PULL_NOT_FOUND && h.sys_flag & pull_flag::SUSPEND != 0 {
        let hold = if b.cfg.long_polling_enable {
            Duration::from_millis(h.suspend_timeout_millis.clamp(0, 30_000) as u64)
        } else {
            Duration::from_millis(b.cfg.short_polling_time_mills)
        };
        let deadline = tokio::time::Instant::now() + hold;
        let mut stop = ctx.shutdown.clone();
        b.stats.counters.pull_in_flight.fetch_add(1, Ordering::Relaxed);
        loop {
            // Woken by a unit dispatched to this queue only (Java's PullRequestHoldService keys
            // held pulls by topic and queue too).
            let notified = arrivals.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if b.store.max_offset_in_queue(&h.topic, h.queue_id) > h.queue_offset {
                break;
            }
            tokio::select! {
                _ = notified => {}
                _ = tokio::time::sleep_until(deadline) => break,
                _ = stop.changed() => break,
            }
        }
        b.stats.counters.pull_in_flight.fetch_sub(1, Ordering::Relaxed);
        result = get(b, &h, &sub)?;
        code = status_code(result.status, h.queue_offset);
    }
    let c = &b.stats.counters;
    c.get_total.fetch_add(1, Ordering::Relaxed);
    if code == response::SUCCESS {
        c.get_found_msgs
            .fetch_add(result.count() as u64, Ordering::Relaxed);
        c.get_transferred_msgs
            .fetch_add(result.count() as u64, Ordering::Relaxed);
        b.stats.group_gets.record(
            &h.topic,
            &h.consumer_group,
            result.count() as u64,
            crate::remoting::body::now_millis(),
        );
        if let Some(m) = b.metrics.as_ref() {
            m.record_out(
                &h.topic,
                &h.consumer_group,
                result.count() as u64,
                result.messages.len() as u64,
            );
        }
    } else {
        c.get_miss.fetch_add(1, Ordering::Relaxed);
    }
    let header = PullMessageResponseHeader {
        suggest_which_broker_id: 0,
        next_begin_offset: result.next_begin_offset,
        min_offset: result.min_offset,
        max_offset: result.max_offset,
    };
    Ok(
        RemotingCommand::response(code, Some(status_name(result.status).to_string()))
            .with_header(&header)
            .with_body(result.messages),
    )
}
