//! Dispatch: turning commitlog records into consume-queue units (Java's `ReputMessageService`),
//! at put time, after recovery, and for records an HA master streams in.

use std::collections::HashMap;

use super::consume_queue::{ConsumeQueueSet, DispatchRequest};
use super::delay::DelayLevels;
use super::error::Result;
use super::index::IndexService;
use super::message::{self, DecodedMessage};
use super::{is_prepared_or_rollback, State};

/// Dispatches one decoded commitlog record to its consume queue (skipping transaction
/// prepared/rollback records) and advances that queue's offset counter. Returns the record's store
/// timestamp when it was dispatched.
#[inline]
pub(super) fn dispatch_record(
    cqs: &mut ConsumeQueueSet,
    queue_offsets: &mut HashMap<String, HashMap<i32, i64>>,
    delay_levels: &DelayLevels,
    msg: &DecodedMessage,
) -> Result<Option<i64>> {
    if is_prepared_or_rollback(msg.sys_flag) {
        return Ok(None);
    }
    cqs.dispatch(&DispatchRequest {
        topic: msg.topic.clone(),
        queue_id: msg.queue_id,
        queue_offset: msg.queue_offset,
        phys_offset: msg.physical_offset,
        size: msg.store_size,
        tags_code: delay_levels.dispatch_tags_code(
            &msg.topic,
            &msg.properties_raw,
            message::tags_code(msg.tags()),
            msg.store_timestamp,
        ),
        store_timestamp: msg.store_timestamp,
    })?;
    let next = queue_offsets
        .entry(msg.topic.clone())
        .or_default()
        .entry(msg.queue_id)
        .or_insert(0);
    *next = (*next).max(msg.queue_offset + 1);
    Ok(Some(msg.store_timestamp))
}

/// Dispatches records in `[st.reput_offset, commitlog max)` one by one (never holding more than one
/// record in memory) and advances the reput offset. Returns the number of records seen.
pub(super) fn reput(st: &mut State) -> Result<usize> {
    reput_checked(st, true)
}

/// [`reput`], checking each record's body CRC when `check_crc` (recovery has just checked the
/// range and skips that).
pub(super) fn reput_checked(st: &mut State, check_crc: bool) -> Result<usize> {
    let State {
        commitlog,
        cqs,
        queue_offsets,
        reput_offset,
        last_store_timestamp,
        last_dispatch_timestamp,
        delay_levels,
        index,
        ..
    } = st;
    let mut seen = 0;
    let end = commitlog.scan(*reput_offset, commitlog.max_offset(), check_crc, |_, m| {
        seen += 1;
        if let Some(ts) = dispatch_record(cqs, queue_offsets, delay_levels, m)? {
            *last_dispatch_timestamp = ts;
            *last_store_timestamp = (*last_store_timestamp).max(ts);
        }
        index_record(
            index,
            &m.topic,
            &m.properties_raw,
            m.sys_flag,
            m.physical_offset,
            m.store_timestamp,
        );
        Ok(())
    })?;
    *reput_offset = end;
    Ok(seen)
}

/// Adds a record's keys to the key index. A failure is logged, not returned: the index serves
/// lookups only, and a record that is in the commitlog must still reach its consume queue.
#[inline]
pub(super) fn index_record(
    index: &mut IndexService,
    topic: &str,
    props: &str,
    sys_flag: i32,
    phys: i64,
    ts: i64,
) {
    if let Err(e) = index.build(topic, props, sys_flag, phys, ts) {
        tracing::warn!(error = %e, phys, "cannot index the keys of a record");
    }
}

/// Indexes the commitlog records in `[from, to)` without dispatching them to consume queues
/// (the index catching up at recovery). Returns the number of records seen.
pub(super) fn index_only(st: &mut State, from: u64, to: u64) -> Result<usize> {
    let State { commitlog, index, .. } = st;
    let mut seen = 0;
    commitlog.scan(from, to, true, |_, m| {
        seen += 1;
        index_record(
            index,
            &m.topic,
            &m.properties_raw,
            m.sys_flag,
            m.physical_offset,
            m.store_timestamp,
        );
        Ok(())
    })?;
    Ok(seen)
}
