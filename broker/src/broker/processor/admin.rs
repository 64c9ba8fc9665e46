//! Administration requests: topic create/delete, topic and group listings, offsets, runtime
//! statistics and the effective config. UPDATE_BROKER_CONFIG is deliberately absent.

use std::sync::atomic::Ordering;

use crate::broker::topics::{validate_topic, SYSTEM_TOPICS};
use crate::broker::Broker;
use crate::json;
use crate::remoting::body::{now_millis, KvTable, TopicConfig, TopicQueueStats, TopicStatsTable};
use crate::remoting::codes::{response, VERSION_DESC, VERSION_V4_9_7};
use crate::remoting::command::RemotingCommand;
use crate::remoting::headers::{CreateTopicRequestHeader, DeleteTopicRequestHeader, TopicRequestHeader};
use crate::store::disk_usage_ratio;

use super::{decode, error, meta_error, Reply};

const SLAVE_REFUSAL: &str =
    "Can't modify topic or subscription group from slave broker, please execute it from master broker.";

/// UPDATE_AND_CREATE_TOPIC.
pub async fn update_and_create_topic(b: &Broker, req: &RemotingCommand) -> Reply {
    let h: CreateTopicRequestHeader = decode(req)?;
    // A DLedger follower's refusal names the leader (`meta`).
    if b.is_slave() && b.dledger.get().is_none() {
        return Err(error(response::SYSTEM_ERROR, SLAVE_REFUSAL));
    }
    validate_topic(&h.topic).map_err(|m| error(response::SYSTEM_ERROR, m))?;
    if SYSTEM_TOPICS.contains(&h.topic.as_str()) {
        return Err(error(
            response::SYSTEM_ERROR,
            format!("The topic[{}] is conflict with system topic.", h.topic),
        ));
    }
    if h.read_queue_nums <= 0
        || h.write_queue_nums <= 0
        || h.read_queue_nums > 1024
        || h.write_queue_nums > 1024
    {
        return Err(error(
            response::SYSTEM_ERROR,
            "queue nums must be between 1 and 1024",
        ));
    }
    let tc = TopicConfig {
        order: h.order,
        perm: h.perm,
        read_queue_nums: h.read_queue_nums,
        topic_filter_type: h.topic_filter_type,
        topic_name: h.topic,
        topic_sys_flag: h.topic_sys_flag.unwrap_or(0),
        write_queue_nums: h.write_queue_nums,
    };
    b.upsert_topic(tc).await.map_err(meta_error)?;
    Ok(RemotingCommand::success())
}

/// DELETE_TOPIC_IN_BROKER.
pub async fn delete_topic(b: &Broker, req: &RemotingCommand) -> Reply {
    let h: DeleteTopicRequestHeader = decode(req)?;
    if SYSTEM_TOPICS.contains(&h.topic.as_str()) {
        return Err(error(
            response::SYSTEM_ERROR,
            format!("The topic[{}] is conflict with system topic.", h.topic),
        ));
    }
    b.delete_topic(&h.topic).await.map_err(meta_error)?;
    if let Some(m) = b.metrics.as_ref() {
        m.forget_topic(&h.topic);
    }
    Ok(RemotingCommand::success())
}

/// GET_ALL_TOPIC_CONFIG.
pub fn all_topic_config(b: &Broker) -> Reply {
    Ok(RemotingCommand::success().with_body(json::to_vec(&b.topics.snapshot())))
}

/// GET_TOPIC_STATS_INFO: min/max offsets and last store time per queue.
pub fn topic_stats(b: &Broker, req: &RemotingCommand) -> Reply {
    let h: TopicRequestHeader = decode(req)?;
    let Some(tc) = b.topics.get(&h.topic) else {
        return Err(error(
            response::TOPIC_NOT_EXIST,
            format!("topic[{}] not exist", h.topic),
        ));
    };
    let mut table = TopicStatsTable::default();
    for q in 0..tc.write_queue_nums {
        let max = b.store.max_offset_in_queue(&h.topic, q);
        // Java creates a missing queue on lookup, so a never-written queue reports 0, not -1.
        let min = b.store.min_offset_in_queue(&h.topic, q).max(0);
        let last = if max > 0 {
            b.store
                .get_messages(&h.topic, q, max - 1, 1, 1 << 20, |_| true)
                .ok()
                .and_then(|r| crate::store::message::decode_record(&r.messages).ok())
                .map(|m| m.store_timestamp)
                .unwrap_or(0)
        } else {
            0
        };
        table.offset_list.push(TopicQueueStats {
            broker_name: b.cfg.broker_name.clone(),
            last_update_timestamp: last,
            max_offset: max,
            min_offset: min,
            queue_id: q,
            topic: h.topic.clone(),
        });
    }
    Ok(RemotingCommand::success().with_body(table.to_fastjson()))
}

fn runtime_string(ms: i64) -> String {
    let s = ms / 1000;
    format!(
        "[ {} days, {} hours, {} minutes, {} seconds ]",
        s / 86400,
        s % 86400 / 3600,
        s % 3600 / 60,
        s % 60
    )
}

/// GET_BROKER_RUNTIME_INFO: the KVTable keys of spec §2.5 with real values.
pub fn runtime_info(b: &Broker) -> Reply {
    let now = now_millis();
    let mut t = KvTable::default();
    let mut put = |k: &str, v: String| {
        t.table.insert(k.to_string(), v);
    };
    put("brokerVersionDesc", VERSION_DESC.into());
    put("brokerVersion", VERSION_V4_9_7.to_string());
    for (k, v) in b.stats.runtime_entries(now) {
        put(k, v);
    }
    let c = &b.stats.counters;
    let send_q = c.send_in_flight.load(Ordering::Relaxed).max(0);
    let pull_q = c.pull_in_flight.load(Ordering::Relaxed).max(0);
    put("sendThreadPoolQueueSize", send_q.to_string());
    put("sendThreadPoolQueueCapacity", "10000".into());
    put("pullThreadPoolQueueSize", pull_q.to_string());
    put("pullThreadPoolQueueCapacity", "100000".into());
    put("queryThreadPoolQueueSize", "0".into());
    put("queryThreadPoolQueueCapacity", "20000".into());
    put("EndTransactionQueueSize", "0".into());
    put("EndTransactionThreadPoolQueueCapacity", "100000".into());
    put("sendThreadPoolQueueHeadWaitTimeMills", "0".into());
    put("pullThreadPoolQueueHeadWaitTimeMills", "0".into());
    put("queryThreadPoolQueueHeadWaitTimeMills", "0".into());
    put("pageCacheLockTimeMills", "0".into());
    put("dispatchBehindBytes", b.store.dispatch_behind_bytes().to_string());
    put(
        "earliestMessageTimeStamp",
        b.store.earliest_message_time().to_string(),
    );
    let dir = b.cfg.commit_log_dir();
    let ratio = disk_usage_ratio(&dir)
        .map(|r| format!("{r}"))
        .unwrap_or_else(|| "-1".into());
    put("commitLogDiskRatio", ratio.clone());
    put(&format!("commitLogDiskRatio_{}", dir.display()), ratio);
    put(
        "consumeQueueDiskRatio",
        disk_usage_ratio(std::path::Path::new(&b.cfg.store_path_root_dir))
            .map(|r| format!("{r}"))
            .unwrap_or_else(|| "-1".into()),
    );
    put("commitLogMinOffset", b.store.commitlog_min_offset().to_string());
    put("commitLogMaxOffset", b.store.commitlog_max_offset().to_string());
    // Java: `delayOffset,maxOffset` of each level with recorded progress.
    for (level, offset) in b.offsets.delay().offset_table {
        let max = b
            .store
            .max_offset_in_queue(crate::store::format::SCHEDULE_TOPIC, level - 1);
        put(
            &format!("scheduleMessageOffset_{level}"),
            format!("{offset},{max}"),
        );
    }
    put("bootTimestamp", b.boot_ms.to_string());
    put("runtime", runtime_string(now - b.boot_ms));
    put("startAcceptSendRequestTimeStamp", "0".into());
    put("remainTransientStoreBufferNumbs", "2147483647".into());
    put(
        "remainHowManyDataToFlush",
        format!(
            "{} B",
            b.store
                .commitlog_max_offset()
                .saturating_sub(b.store.flushed_offset())
        ),
    );
    put("brokerActive", "true".into());
    put("brokerRole", b.cfg.broker_role.as_str().into());
    Ok(RemotingCommand::success().with_body(json::to_vec(&t)))
}

/// GET_ALL_CONSUMER_OFFSET.
pub fn all_consumer_offset(b: &Broker) -> Reply {
    Ok(RemotingCommand::success().with_body(json::to_vec(&b.offsets.all())))
}

/// GET_ALL_DELAY_OFFSET.
pub fn all_delay_offset(b: &Broker) -> Reply {
    Ok(RemotingCommand::success().with_body(json::to_vec(&b.offsets.delay())))
}

/// GET_ALL_SUBSCRIPTIONGROUP_CONFIG.
pub fn all_subscription_groups(b: &Broker) -> Reply {
    Ok(RemotingCommand::success().with_body(json::to_vec(&b.groups.all_configs())))
}

/// GET_BROKER_CONFIG: the effective config as properties text, with the data version.
pub fn broker_config(b: &Broker) -> Reply {
    let mut text = String::new();
    for (k, v) in b.cfg.print_all() {
        text.push_str(&k);
        text.push('=');
        text.push_str(&v);
        text.push('\n');
    }
    let mut resp = RemotingCommand::success().with_body(text.into_bytes());
    let dv = b.topics.snapshot().data_version;
    resp.ext_fields.insert(
        "version".into(),
        String::from_utf8_lossy(&json::to_vec(&dv)).into_owned(),
    );
    Ok(resp)
}

#[cfg(test)]
mod tests {
    #[test]
    fn runtime_format() {
        assert_eq!(
            super::runtime_string(90_061_000),
            "[ 1 days, 1 hours, 1 minutes, 1 seconds ]"
        );
    }
}
