//! DLedger mode: the store's consume queues over a commitlog kept outside the classic files.
//!
//! In DLedger mode the Raft log *is* the commitlog (spec §6.2): records sit inside DLedger entries
//! whose data position (entry pos + 48) is each record's PHYSICALOFFSET. The classic files, if an
//! upgraded store has any, keep every offset below `dividedCommitlogOffset` (spec §6.3); the
//! replicated log serves every offset at or above it. This module lets the broker attach that log,
//! seal the classic commitlog at the first DLedger start, dispatch committed records to the
//! consume queues, and reserve queue offsets on the leader.

use std::sync::Arc;

use super::consume_queue::DispatchRequest;
use super::error::Result;
use super::message::{self, RecordView};
use super::{is_prepared_or_rollback, MessageStore, State};

/// Read access to the replicated log, by record position.
pub trait ExternalLog: Send + Sync + std::fmt::Debug + 'static {
    /// The whole record whose PHYSICALOFFSET is `pos`, if it is committed and present.
    fn read_record(&self, pos: u64) -> Option<Vec<u8>>;
    /// Lowest record position still held.
    fn min_offset(&self) -> u64;
    /// End of the committed data (what a classic store calls its max offset).
    fn max_offset(&self) -> u64;
}

/// The attached log and where it starts.
#[derive(Debug, Clone)]
pub(super) struct Attached {
    pub(super) divided: u64,
    pub(super) log: Arc<dyn ExternalLog>,
}

impl State {
    /// Record bytes at `phys` with `size`, from whichever log holds that offset.
    pub(super) fn read_record_bytes(&self, phys: u64, size: usize) -> Result<Option<Vec<u8>>> {
        match &self.external {
            Some(ext) if phys >= ext.divided => Ok(ext.log.read_record(phys).filter(|r| r.len() == size)),
            _ => self.commitlog.read(phys, size),
        }
    }
}

impl MessageStore {
    /// First DLedger start on this store: closes the classic commitlog with a blank after its last
    /// record (unless the file is already full) and returns `dividedCommitlogOffset`, the start of
    /// the next file. `None` when there is no classic commitlog.
    ///
    /// # Errors
    /// [`super::StoreError::Io`].
    pub fn seal_classic_commitlog(&self) -> Result<Option<u64>> {
        let mut st = self.shared.write();
        let end = st.commitlog.close_last_file()?;
        st.commitlog.sync_last_file()?;
        Ok(end)
    }

    /// Attaches the replicated log serving offsets `>= divided`.
    pub fn attach_external_log(&self, divided: u64, log: Arc<dyn ExternalLog>) {
        self.shared.write().external = Some(Attached { divided, log });
    }

    /// Dispatches one committed record at `phys` to its consume queue (idempotent: a unit that is
    /// already there is skipped) and wakes long polls.
    ///
    /// # Errors
    /// [`super::StoreError::Malformed`] for bytes that are not a record, [`super::StoreError::Io`].
    pub fn dispatch_external(&self, phys: u64, record: &[u8]) -> Result<()> {
        let m = RecordView::parse(record)?;
        {
            let mut st = self.shared.write();
            if !is_prepared_or_rollback(m.sys_flag) {
                let topic = m.topic();
                let tags_code = st.delay_levels.dispatch_tags_code(
                    &topic,
                    &String::from_utf8_lossy(m.properties),
                    message::tags_code(m.tags().as_deref()),
                    m.store_timestamp,
                );
                st.cqs.dispatch(&DispatchRequest {
                    topic: topic.clone().into_owned(),
                    queue_id: m.queue_id,
                    queue_offset: m.queue_offset,
                    phys_offset: phys as i64,
                    size: m.store_size,
                    tags_code,
                    store_timestamp: m.store_timestamp,
                })?;
                let queues = match st.queue_offsets.get_mut(topic.as_ref()) {
                    Some(q) => q,
                    None => st.queue_offsets.entry(topic.into_owned()).or_default(),
                };
                let next = queues.entry(m.queue_id).or_insert(0);
                *next = (*next).max(m.queue_offset + 1);
            }
            st.last_dispatch_timestamp = m.store_timestamp;
            st.last_store_timestamp = st.last_store_timestamp.max(m.store_timestamp);
        }
        self.shared
            .stats
            .put_count
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.shared.arrivals.send_replace(phys + record.len() as u64);
        Ok(())
    }

    /// Leader side: reserves `n` consecutive queue offsets of a queue and returns the first.
    pub fn reserve_queue_offsets(&self, topic: &str, queue_id: i32, n: i64) -> i64 {
        let mut st = self.shared.write();
        let cq_max = st.cqs.find(topic, queue_id).map_or(0, |q| q.max_offset());
        let next = st
            .queue_offsets
            .entry(topic.to_string())
            .or_default()
            .entry(queue_id)
            .or_insert(cq_max);
        let first = (*next).max(cq_max);
        *next = first + n;
        first
    }

    /// Resets every queue's next offset to its consume queue's end (a new leader, after applying
    /// everything committed, forgets offsets reserved for writes that never committed).
    pub fn reset_queue_offsets(&self) {
        let mut st = self.shared.write();
        let fresh = st.cqs.max_offsets();
        st.queue_offsets.clear();
        for (t, q, off) in fresh {
            st.queue_offsets.entry(t).or_default().insert(q, off);
        }
    }
}
