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
use super::dispatch::index_record;
use super::error::Result;
use super::index::PendingRecord;
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
    /// Calls `f` with (position, record) for each record at or after position `from` that was
    /// applied before this start (the ones applied since are dispatched, and indexed, as they
    /// are applied), in log order, until `f` returns false: how a new key index catches up with
    /// the log.
    /// Default: visits nothing (a log that cannot be scanned; its records are then indexed only
    /// as they are dispatched).
    ///
    /// # Errors
    /// The log could not be read.
    fn for_each_record(
        &self,
        from: u64,
        f: &mut dyn FnMut(u64, &[u8]) -> bool,
    ) -> std::result::Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let _ = (from, f);
        Ok(())
    }
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

    /// Attaches the replicated log serving offsets `>= divided`. For a store that had no
    /// `index/` directory, the key index first catches up from the log: every committed record
    /// past its last entry, then the records applied while this waited.
    pub fn attach_external_log(&self, divided: u64, log: Arc<dyn ExternalLog>) {
        let mut st = self.shared.write();
        st.external = Some(Attached {
            divided,
            log: Arc::clone(&log),
        });
        let Some(pending) = st.index_pending.take() else {
            return;
        };
        let from = st.index.end_phy_offset().max(divided).max(log.min_offset());
        let mut seen = 0usize;
        let index = &mut st.index;
        let scanned = log.for_each_record(from, &mut |pos, rec| {
            if let Ok(m) = RecordView::parse(rec) {
                let props = String::from_utf8_lossy(m.properties);
                index_record(
                    index,
                    &m.topic(),
                    &props,
                    m.sys_flag,
                    pos as i64,
                    m.store_timestamp,
                );
                seen += 1;
            }
            true
        });
        if let Err(e) = scanned {
            tracing::warn!(error = %e, from, "key index catch-up from the replicated log stopped early");
        }
        for p in &pending {
            index_record(
                index,
                &p.topic,
                &p.properties,
                p.sys_flag,
                p.phys,
                p.store_timestamp,
            );
        }
        tracing::info!(
            from,
            records = seen,
            applied = pending.len(),
            "key index caught up with the replicated log"
        );
    }

    /// Makes the consume queues and the key index durable (fsync), so that a DLedger node may
    /// record the entries dispatched so far as applied: after a power loss, the state machine
    /// re-applies only the entries after that point, and the queues must hold the ones before.
    ///
    /// # Errors
    /// [`super::StoreError::Io`].
    pub fn sync_dispatched(&self) -> Result<()> {
        // The lock is held only to pick the files: dispatch goes on while they are fsynced.
        self.shared.sync_queues()?;
        let index = self.shared.read().index.files_to_sync()?;
        for (f, path) in &index {
            f.sync_data().map_err(super::error::io_err("fsync", path))?;
        }
        Ok(())
    }

    /// Dispatches one committed record at `phys` to its consume queue (idempotent: a unit that is
    /// already there is skipped) and wakes long polls. Returns the parsed record, so a caller
    /// that looks at it too (the DLedger applier) does not parse it again.
    ///
    /// # Errors
    /// [`super::StoreError::Malformed`] for bytes that are not a record, [`super::StoreError::Io`].
    pub fn dispatch_external<'a>(&self, phys: u64, record: &'a [u8]) -> Result<RecordView<'a>> {
        let m = RecordView::parse(record)?;
        let props = String::from_utf8_lossy(m.properties);
        {
            let mut st = self.shared.write();
            if !is_prepared_or_rollback(m.sys_flag) {
                let topic = m.topic();
                let tags_code = st.delay_levels.dispatch_tags_code(
                    &topic,
                    &props,
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
            let topic = m.topic();
            let st = &mut *st;
            match st.index_pending.as_mut() {
                Some(pending) if st.index.enabled() => pending.push(PendingRecord {
                    phys: phys as i64,
                    store_timestamp: m.store_timestamp,
                    sys_flag: m.sys_flag,
                    topic: topic.into_owned(),
                    properties: props.into_owned(),
                }),
                _ => index_record(
                    &mut st.index,
                    &topic,
                    &props,
                    m.sys_flag,
                    phys as i64,
                    m.store_timestamp,
                ),
            }
            st.last_dispatch_timestamp = m.store_timestamp;
            st.last_store_timestamp = st.last_store_timestamp.max(m.store_timestamp);
        }
        self.shared
            .stats
            .put_count
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(m)
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
