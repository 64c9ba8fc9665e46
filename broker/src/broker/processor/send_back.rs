//! CONSUMER_SEND_MSG_BACK (36): a consumer hands back a message it failed to consume, by its
//! commitlog offset. As Java 4.9's `SendMessageProcessor.asyncConsumerSendMsgBack`, the broker
//! writes a copy to the group's retry topic `%RETRY%<group>` with a delay level (`3 +
//! reconsumeTimes` when the consumer leaves it to the broker), so the scheduler
//! (`broker/schedule.rs`) delivers it there later; past the group's retry limit, or for a
//! negative delay level, the copy goes to the dead-letter topic `%DLQ%<group>` at once.
//!
//! Also the send processor's rules for retries and delays ([`retry_and_delay_rules`]): a client
//! whose send-back failed sends the message to the retry topic itself, and past the limit that
//! send goes to the DLQ as well (Java's `handleRetryAndDLQ`); a delayed batch is refused.

use rand::Rng;

use crate::broker::ha::Replication;
use crate::broker::put::PutError;
use crate::broker::topics::RETRY_GROUP_TOPIC_PREFIX;
use crate::broker::Broker;
use crate::remoting::body::{perm, TopicConfig};
use crate::remoting::codes::{response, FAQ_SUFFIX};
use crate::remoting::command::RemotingCommand;
use crate::remoting::headers::{ConsumerSendMsgBackRequestHeader, SendMessageRequestHeader};
use crate::store::error::StoreError;
use crate::store::format::property;
use crate::store::message::{
    decode_record, edit_properties, find_property, offset_msg_id, tags_code, MessageToStore,
};
use crate::store::PutStatus;

use super::{decode, error, Reply};

/// Prefix of consumer groups' dead-letter topics (`MixAll.DLQ_GROUP_TOPIC_PREFIX`).
pub const DLQ_GROUP_TOPIC_PREFIX: &str = "%DLQ%";
/// Queues of a dead-letter topic (`DLQ_NUMS_PER_GROUP`); a message goes to queue 0.
const DLQ_NUMS_PER_GROUP: i32 = 1;
/// `MQVersion.Version.V3_4_9.ordinal()`: requests from older clients carry no
/// `maxReconsumeTimes` the broker may trust.
const VERSION_V3_4_9: i32 = 121;
/// `TopicSysFlag.buildSysFlag(false, true)`: a retry topic of a unit-mode consumer.
const TOPIC_SYS_FLAG_UNIT_SUB: i32 = 0x2;

/// The retry topic of a consumer group (`MixAll.getRetryTopic`).
pub fn retry_topic(group: &str) -> String {
    format!("{RETRY_GROUP_TOPIC_PREFIX}{group}")
}

/// The dead-letter topic of a consumer group (`MixAll.getDLQTopic`).
pub fn dlq_topic(group: &str) -> String {
    format!("{DLQ_GROUP_TOPIC_PREFIX}{group}")
}

/// The topic's config, created with `queues` queues, `perm` and `sys_flag` when it does not exist
/// (`createTopicInSendMessageBackMethod`).
async fn topic_config(
    b: &Broker,
    name: &str,
    queues: i32,
    perm: i32,
    sys_flag: i32,
) -> Result<TopicConfig, RemotingCommand> {
    if let Some(tc) = b.topics.get(name) {
        return Ok(tc);
    }
    let mut tc = TopicConfig::new(name, queues);
    tc.perm = perm;
    tc.topic_sys_flag = sys_flag;
    b.upsert_topic(tc.clone()).await.map_err(super::meta_error)?;
    Ok(tc)
}

/// Java's `PutMessageStatus` name for a failed write (the remark of the SYSTEM_ERROR answer).
fn put_status_name(e: &PutError) -> &'static str {
    match e {
        PutError::NotLeader | PutError::DiskFull => "SERVICE_NOT_AVAILABLE",
        PutError::Store(StoreError::MessageIllegal(_) | StoreError::Malformed(_)) => "MESSAGE_ILLEGAL",
        PutError::Store(StoreError::PropertiesSizeExceeded(_)) => "PROPERTIES_SIZE_EXCEEDED",
        PutError::Store(e) if e.is_disk_full() => "SERVICE_NOT_AVAILABLE",
        PutError::Store(_) => "UNKNOWN_ERROR",
    }
}

/// The send processor's rules for retries and delays, before the write:
/// - a single (not batch) send to a retry topic (a client whose send-back failed sends the
///   message there itself) goes to the group's DLQ past the group's retry limit, as Java's
///   `handleRetryAndDLQ` does;
/// - a batch whose header carries a positive `DELAY` is refused, as Java's
///   `CommitLog.asyncPutMessages` refuses it (its messages are never delayed).
///
/// # Errors
/// SUBSCRIPTION_GROUP_NOT_EXIST for a group that does not exist (and may not be created),
/// MESSAGE_ILLEGAL for a delayed batch, or the answer to a refused DLQ topic creation.
pub async fn retry_and_delay_rules(
    b: &Broker,
    req: &RemotingCommand,
    h: &SendMessageRequestHeader,
    batch: bool,
    msgs: &mut [MessageToStore],
) -> Result<(), RemotingCommand> {
    let header_delay = h
        .properties
        .as_deref()
        .and_then(|p| find_property(p, property::DELAY))
        .and_then(|d| d.trim().parse::<i32>().ok());
    if batch && header_delay.is_some_and(|d| d > 0) {
        return Err(error(
            response::MESSAGE_ILLEGAL,
            format!(
                "the message is illegal, maybe msg body or properties length not matched. msg body length limit {}B, msg properties length limit 32KB.",
                b.cfg.max_message_size
            ),
        ));
    }
    let (Some(group_name), false, [msg]) = (h.topic.strip_prefix(RETRY_GROUP_TOPIC_PREFIX), batch, msgs)
    else {
        return Ok(());
    };
    let Some(group) = b
        .group_for_consume(group_name, b.cfg.auto_create_subscription_group)
        .await
        .map_err(super::meta_error)?
    else {
        return Err(error(
            response::SUBSCRIPTION_GROUP_NOT_EXIST,
            format!("subscription group not exist, {group_name} {FAQ_SUFFIX}"),
        ));
    };
    let mut max_reconsume_times = group.retry_max_times;
    if req.version >= VERSION_V3_4_9 {
        if let Some(t) = h.max_reconsume_times {
            max_reconsume_times = t;
        }
    }
    if h.reconsume_times.unwrap_or(0) >= max_reconsume_times {
        let dlq = dlq_topic(group_name);
        topic_config(b, &dlq, DLQ_NUMS_PER_GROUP, perm::WRITE | perm::READ, 0).await?;
        // Java sets DELAY=0 here and then replaces the properties with the sent ones: the
        // message keeps its properties as sent.
        msg.topic = dlq;
        msg.queue_id = 0;
    }
    Ok(())
}

/// Handles CONSUMER_SEND_MSG_BACK with Java's checks in Java's order.
pub async fn send_back(b: &Broker, req: &RemotingCommand) -> Reply {
    let h: ConsumerSendMsgBackRequestHeader = decode(req)?;
    let Some(group) = b
        .group_for_consume(&h.group, b.cfg.auto_create_subscription_group)
        .await
        .map_err(super::meta_error)?
    else {
        return Err(error(
            response::SUBSCRIPTION_GROUP_NOT_EXIST,
            format!("subscription group not exist, {} {FAQ_SUFFIX}", h.group),
        ));
    };
    if b.cfg.broker_permission & perm::WRITE == 0 {
        return Err(error(
            response::NO_PERMISSION,
            format!("the broker[{}] sending message is forbidden", b.cfg.broker_ip1),
        ));
    }
    if group.retry_queue_nums <= 0 {
        return Ok(RemotingCommand::success());
    }
    if b.is_slave() {
        return Err(error(response::SYSTEM_ERROR, "SERVICE_NOT_AVAILABLE"));
    }
    let mut topic = retry_topic(&h.group);
    let mut queue_id = rand::thread_rng().gen_range(0..99_999_999) % group.retry_queue_nums;
    let sys_flag = if h.unit_mode.unwrap_or(false) {
        TOPIC_SYS_FLAG_UNIT_SUB
    } else {
        0
    };
    let tc = topic_config(
        b,
        &topic,
        group.retry_queue_nums,
        perm::WRITE | perm::READ,
        sys_flag,
    )
    .await?;
    if tc.perm & perm::WRITE == 0 {
        return Err(error(
            response::NO_PERMISSION,
            format!("the topic[{topic}] sending message is forbidden"),
        ));
    }
    let looked_up = u64::try_from(h.offset)
        .ok()
        .and_then(|o| b.store.lookup_message_by_offset(o).ok().flatten())
        .and_then(|rec| decode_record(&rec).ok());
    let Some(m) = looked_up else {
        return Err(error(
            response::SYSTEM_ERROR,
            format!("look message by offset failed, {}", h.offset),
        ));
    };

    let mut max_reconsume_times = group.retry_max_times;
    if req.version >= VERSION_V3_4_9 {
        if let Some(t) = h.max_reconsume_times {
            max_reconsume_times = t;
        }
    }
    let delay_level = if m.reconsume_times >= max_reconsume_times || h.delay_level < 0 {
        topic = dlq_topic(&h.group);
        // Java picks a random queue of the DLQ_NUMS_PER_GROUP (one): always queue 0.
        queue_id = 0;
        topic_config(b, &topic, DLQ_NUMS_PER_GROUP, perm::WRITE | perm::READ, 0).await?;
        0
    } else if h.delay_level == 0 {
        3 + m.reconsume_times
    } else {
        h.delay_level
    };
    let delay = delay_level.to_string();
    let origin_id = match m.properties.get(property::ORIGIN_MESSAGE_ID) {
        Some(id) if !id.trim().is_empty() => id.clone(),
        _ => offset_msg_id(&m.store_host, m.physical_offset as u64),
    };
    let retry_topic = m
        .properties
        .get(property::RETRY_TOPIC)
        .cloned()
        .unwrap_or_else(|| m.topic.clone());
    let properties = edit_properties(
        &m.properties_raw,
        &[
            (property::RETRY_TOPIC, Some(&retry_topic)),
            (property::DELAY, Some(&delay)),
            (property::ORIGIN_MESSAGE_ID, Some(&origin_id)),
        ],
    );
    let msg = MessageToStore {
        tags_code: tags_code(m.tags()),
        topic,
        queue_id,
        flag: m.flag,
        sys_flag: m.sys_flag,
        born_timestamp: m.born_timestamp,
        born_host: m.born_host,
        store_host: m.store_host,
        reconsume_times: m.reconsume_times + 1,
        prepared_transaction_offset: 0,
        body: m.body,
        properties,
    };
    match b.put(vec![msg]).await {
        Ok((put, Replication::Done)) if put.status == PutStatus::PutOk => Ok(RemotingCommand::success()),
        Ok((put, replication)) => {
            let name = match (put.status, replication) {
                (PutStatus::FlushDiskTimeout, _) => "FLUSH_DISK_TIMEOUT",
                (_, Replication::NoSlave) => "SLAVE_NOT_AVAILABLE",
                _ => "FLUSH_SLAVE_TIMEOUT",
            };
            Err(error(response::SYSTEM_ERROR, name))
        }
        Err(e) => Err(error(
            response::SYSTEM_ERROR,
            format!("{}: {e}", put_status_name(&e)),
        )),
    }
}
