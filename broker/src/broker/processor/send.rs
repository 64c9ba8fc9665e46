//! SEND_MESSAGE (10), SEND_MESSAGE_V2 (310) and SEND_BATCH_MESSAGE (320), with Java's checks in
//! Java's order (spec §2.7): broker writable, topic name, topic (auto-)creation, queue id, then
//! the store, whose result maps to the response code.

use std::sync::atomic::Ordering;
use std::time::Instant;

use rand::Rng;

use crate::broker::ha::Replication;
use crate::broker::put::PutError;
use crate::broker::Broker;
use crate::remoting::body::perm;
use crate::remoting::codes::{request, response, FAQ_SUFFIX};
use crate::remoting::command::RemotingCommand;
use crate::remoting::headers::{
    SendMessageRequestHeader, SendMessageRequestHeaderV2, SendMessageResponseHeader,
};
use crate::remoting::server::ConnContext;
use crate::store::error::StoreError;
use crate::store::format::property;
use crate::store::message::{decode_batch, decode_properties, encode_properties, tags_code, MessageToStore};
use crate::store::PutStatus;

use super::{decode, error, Reply};

/// Remark of DLedger writes that reach a node that is not a ready leader.
pub const NOT_LEADER_REMARK: &str = "service not available now: this DLedger node is not the leader (or is still catching up); send to the BID 0 broker";

/// Remark of DLedger writes refused because a write of this node waits for disk space.
pub const DISK_FULL_REMARK: &str = "service not available now: the disk of this DLedger node is full (a write is waiting for space); send to the BID 0 broker";

/// Remark Java sends when a write reaches a node that cannot take it.
pub const SERVICE_NOT_AVAILABLE_REMARK: &str = "service not available now. It may be caused by one of the following reasons: the broker's disk is full, messages are put to the slave, message store has been shut down, etc.";

/// Adds `CLUSTER`, drops `WAIT`, returns the encoded properties and the tagsCode.
fn prepare_properties(raw: &str, cluster: &str) -> (String, i64) {
    let mut props: Vec<(String, String)> = decode_properties(raw).into_iter().collect();
    props.retain(|(k, _)| k != property::WAIT);
    props.retain(|(k, _)| k != property::CLUSTER);
    props.push((property::CLUSTER.to_string(), cluster.to_string()));
    props.sort();
    let tags = props
        .iter()
        .find(|(k, _)| k == property::TAGS)
        .map(|(_, v)| v.as_str());
    let code = tags_code(tags);
    (
        encode_properties(props.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
        code,
    )
}

/// Maps a failed write to Java's response code and a remark.
fn put_error(e: PutError) -> RemotingCommand {
    match e {
        PutError::NotLeader => error(response::SERVICE_NOT_AVAILABLE, NOT_LEADER_REMARK),
        PutError::DiskFull => error(response::SERVICE_NOT_AVAILABLE, DISK_FULL_REMARK),
        PutError::Store(e) => store_error(e),
    }
}

/// Maps a store error to Java's response code.
fn store_error(e: StoreError) -> RemotingCommand {
    match e {
        StoreError::MessageIllegal(m) => error(response::MESSAGE_ILLEGAL, m),
        e @ StoreError::PropertiesSizeExceeded(_) => error(response::MESSAGE_ILLEGAL, e.to_string()),
        e @ StoreError::Malformed(_) => error(response::MESSAGE_ILLEGAL, e.to_string()),
        // Java's store refuses puts while its disk is full (SERVICE_NOT_AVAILABLE); here the
        // write itself fails with ENOSPC/EFBIG, and the next put tries again.
        e if e.is_disk_full() => {
            static REFUSED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
            let n = REFUSED.fetch_add(1, Ordering::Relaxed);
            if n % 1000 == 0 {
                tracing::warn!(error = %e, refused = n + 1, "put refused: disk full");
            }
            error(response::SERVICE_NOT_AVAILABLE, SERVICE_NOT_AVAILABLE_REMARK)
        }
        e => error(response::SYSTEM_ERROR, e.to_string()),
    }
}

/// Handles the three send codes.
pub async fn send(b: &Broker, ctx: &ConnContext, req: &RemotingCommand) -> Reply {
    let h: SendMessageRequestHeader = if req.code == request::SEND_MESSAGE {
        decode(req)?
    } else {
        decode::<SendMessageRequestHeaderV2>(req)?.into_v1()
    };
    let batch = req.code == request::SEND_BATCH_MESSAGE || h.batch.unwrap_or(false);
    // Before the topic may be auto-created below (which writes config/topics.json); `put`
    // checks again for a disk that fills in between.
    if b.dledger.get().is_some_and(|d| d.disk_full()) {
        return Err(put_error(PutError::DiskFull));
    }
    if b.is_slave() {
        return Err(error(
            response::SERVICE_NOT_AVAILABLE,
            SERVICE_NOT_AVAILABLE_REMARK,
        ));
    }
    if b.cfg.broker_permission & perm::WRITE == 0 {
        return Err(error(
            response::NO_PERMISSION,
            format!("the broker[{}] sending message is forbidden", b.cfg.broker_ip1),
        ));
    }
    if let Err(m) = crate::broker::topics::validate_topic(&h.topic) {
        return Err(error(response::SYSTEM_ERROR, m));
    }
    if crate::broker::topics::NOT_ALLOWED_SEND_TOPICS.contains(&h.topic.as_str()) {
        let remark = format!("Sending message to topic[{}] is forbidden.", h.topic);
        return Err(error(response::NO_PERMISSION, remark));
    }
    let created = b
        .topic_for_send(
            &h.topic,
            &h.default_topic,
            h.default_topic_queue_nums,
            b.cfg.auto_create_topic_enable,
        )
        .await
        .map_err(super::meta_error)?;
    let Some((tc, _)) = created else {
        return Err(error(
            response::TOPIC_NOT_EXIST,
            format!("topic[{}] not exist, apply first please!{FAQ_SUFFIX}", h.topic),
        ));
    };
    let queues = tc.read_queue_nums.max(tc.write_queue_nums);
    let mut queue_id = h.queue_id;
    if queue_id < 0 {
        queue_id = rand::thread_rng().gen_range(0..tc.write_queue_nums.max(1));
    }
    if queue_id >= queues {
        return Err(error(
            response::SYSTEM_ERROR,
            format!(
                "request queueId[{queue_id}] is illegal, {} Producer: {}",
                tc.java_display(),
                ctx.peer
            ),
        ));
    }
    if tc.perm & perm::WRITE == 0 {
        return Err(error(
            response::NO_PERMISSION,
            format!("the topic[{}] sending message is forbidden", h.topic),
        ));
    }

    let cluster = &b.cfg.broker_cluster_name;
    let base = |body: Vec<u8>, flag: i32, props: &str| {
        let (properties, tags_code) = prepare_properties(props, cluster);
        MessageToStore {
            topic: h.topic.clone(),
            queue_id,
            flag,
            sys_flag: h.sys_flag,
            born_timestamp: h.born_timestamp,
            born_host: ctx.peer,
            store_host: b.store_host,
            reconsume_times: h.reconsume_times.unwrap_or(0),
            prepared_transaction_offset: 0,
            body,
            properties,
            tags_code,
        }
    };
    let msgs: Vec<MessageToStore> = if batch {
        let entries = decode_batch(&req.body).map_err(store_error)?;
        entries
            .iter()
            .map(|e| base(e.body.to_vec(), e.flag, e.properties))
            .collect()
    } else {
        vec![base(
            req.body.to_vec(),
            h.flag,
            h.properties.as_deref().unwrap_or(""),
        )]
    };
    let mut msgs = super::end_transaction::prepare_send(b, batch, msgs)?;
    super::send_back::retry_and_delay_rules(b, req, &h, batch, &mut msgs).await?;
    let count = msgs.len() as u64;
    let bytes: u64 = msgs.iter().map(|m| m.body.len() as u64).sum();

    let started = Instant::now();
    b.stats.counters.send_in_flight.fetch_add(1, Ordering::Relaxed);
    let result = b.put(msgs).await;
    b.stats.counters.send_in_flight.fetch_sub(1, Ordering::Relaxed);
    let micros = started.elapsed().as_micros() as u64;
    b.stats
        .counters
        .put_max_micros
        .fetch_max(micros, Ordering::Relaxed);
    let (put, replication) = match result {
        Ok(p) => p,
        Err(e) => {
            b.stats.counters.put_failures.fetch_add(count, Ordering::Relaxed);
            return Err(put_error(e));
        }
    };
    b.stats.counters.put_msgs.fetch_add(count, Ordering::Relaxed);
    b.stats.counters.put_bytes.fetch_add(bytes, Ordering::Relaxed);
    if let Some(m) = b.metrics.as_ref() {
        m.record_in(&h.topic, message_type(h.properties.as_deref()), count, bytes);
    }
    let code = match put.status {
        PutStatus::PutOk => match replication {
            Replication::Done => response::SUCCESS,
            Replication::NoSlave => response::SLAVE_NOT_AVAILABLE,
            Replication::SlaveTimeout => response::FLUSH_SLAVE_TIMEOUT,
        },
        PutStatus::FlushDiskTimeout => response::FLUSH_DISK_TIMEOUT,
    };
    let header = SendMessageResponseHeader {
        msg_id: put.msg_id(),
        queue_id,
        queue_offset: put.queue_offset(),
        transaction_id: None,
        msg_region: Some("DefaultRegion".into()),
        trace_on: Some("true".into()),
    };
    Ok(RemotingCommand::response(code, None).with_header(&header))
}

/// Java 5's `message_type` of a send, from its properties (`name\u{1}value\u{2}` pairs): a
/// half message is `transaction`, one with a delay level `delay`, one with a sharding key `fifo`.
fn message_type(props: Option<&str>) -> crate::metrics::broker_counters::MessageType {
    use crate::metrics::broker_counters::MessageType;
    let props = props.unwrap_or("");
    let has = |name: &str| {
        props.split('\u{2}').any(|kv| {
            kv.split_once('\u{1}')
                .is_some_and(|(k, v)| k == name && !v.is_empty() && v != "0" && v != "false")
        })
    };
    if has("TRAN_MSG") {
        MessageType::Transaction
    } else if has("DELAY") {
        MessageType::Delay
    } else if has("__SHARDINGKEY") {
        MessageType::Fifo
    } else {
        MessageType::Normal
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties_get_cluster_and_lose_wait() {
        let raw = encode_properties([("TAGS", "TagA"), ("WAIT", "true"), ("KEYS", "k1")]);
        let (p, code) = prepare_properties(&raw, "C1");
        let m = decode_properties(&p);
        assert_eq!(m.get("CLUSTER").map(String::as_str), Some("C1"));
        assert!(!m.contains_key("WAIT"));
        assert_eq!(code, 2598919);
    }

    #[test]
    fn message_type_from_properties() {
        use crate::metrics::broker_counters::MessageType;
        assert_eq!(super::message_type(None), MessageType::Normal);
        assert_eq!(
            super::message_type(Some("TRAN_MSG\u{1}true\u{2}")),
            MessageType::Transaction
        );
        assert_eq!(
            super::message_type(Some("KEYS\u{1}k\u{2}DELAY\u{1}3\u{2}")),
            MessageType::Delay
        );
        assert_eq!(super::message_type(Some("DELAY\u{1}0\u{2}")), MessageType::Normal);
    }
}
