//! The write side: puts (offset assignment, record encoding, append, dispatch, and the wait for
//! the fsync under SYNC_FLUSH), and raw appends replicated from an HA master.

use std::collections::HashMap;
use std::sync::atomic::Ordering;

use super::consume_queue::DispatchRequest;
use super::dispatch::index_record;
use super::error::{Result, StoreError};
use super::message::{self, MessageToStore};
use super::{
    is_prepared_or_rollback, lock, now_millis, reput, FlushDiskType, MessageStore, PutResult, PutStatus,
};

impl MessageStore {
    /// Stores one message; with SYNC_FLUSH waits for the group-commit fsync.
    ///
    /// # Errors
    /// See [`MessageStore::put_messages_nowait`].
    pub async fn put_message(&self, msg: MessageToStore) -> Result<PutResult> {
        self.put_messages(vec![msg]).await
    }

    /// Stores a batch as consecutive records in one commitlog write; with SYNC_FLUSH waits for the
    /// fsync (status [`PutStatus::FlushDiskTimeout`] if it takes longer than `sync_flush_timeout`).
    ///
    /// # Errors
    /// See [`MessageStore::put_messages_nowait`].
    pub async fn put_messages(&self, msgs: Vec<MessageToStore>) -> Result<PutResult> {
        let mut r = self.put_messages_nowait(msgs)?;
        if self.shared.cfg.flush_disk_type == FlushDiskType::SyncFlush {
            let end = r.end_offset;
            {
                let mut ctl = lock(&self.shared.flush_ctl);
                ctl.requested = ctl.requested.max(end);
            }
            self.shared.flush_cv.notify_one();
            let mut rx = self.shared.flushed.subscribe();
            let waited =
                tokio::time::timeout(self.shared.cfg.sync_flush_timeout, rx.wait_for(|&f| f >= end)).await;
            if !matches!(waited, Ok(Ok(_))) {
                r.status = PutStatus::FlushDiskTimeout;
            }
        }
        Ok(r)
    }

    /// Writes and dispatches a batch without waiting for any flush (ASYNC_FLUSH semantics, usable
    /// from synchronous code).
    ///
    /// # Errors
    /// [`StoreError::MessageIllegal`] / [`StoreError::PropertiesSizeExceeded`] for invalid
    /// messages or an empty batch, [`StoreError::ShutDown`], [`StoreError::Io`].
    pub fn put_messages_nowait(&self, msgs: Vec<MessageToStore>) -> Result<PutResult> {
        let r = self.append(&msgs);
        let stats = &self.shared.stats;
        match &r {
            Ok(p) => {
                stats.put_count.fetch_add(msgs.len() as u64, Ordering::Relaxed);
                stats.put_bytes.fetch_add(p.wrote_bytes as u64, Ordering::Relaxed);
                self.shared.arrivals.send_replace(p.end_offset);
            }
            Err(_) => {
                stats.put_failures.fetch_add(1, Ordering::Relaxed);
            }
        }
        r
    }

    fn append(&self, msgs: &[MessageToStore]) -> Result<PutResult> {
        if self.shared.shut_down.load(Ordering::Acquire) {
            return Err(StoreError::ShutDown);
        }
        if msgs.is_empty() {
            return Err(StoreError::MessageIllegal("empty batch".into()));
        }
        for m in msgs {
            m.validate(self.shared.cfg.max_message_size)?;
        }
        let store_host = self.shared.cfg.store_host;
        let store_timestamp = now_millis();
        let mut st = self.shared.write();
        let st = &mut *st;
        // Records a failed dispatch (a full disk) left undispatched go to their queues first; no
        // new record is written while that still fails.
        if st.reput_offset < st.commitlog.max_offset() {
            reput(st)?;
        }
        // Assign queue offsets against a local copy so a failed write changes nothing.
        let mut next: HashMap<(&str, i32), i64> = HashMap::new();
        let mut queue_offsets = Vec::with_capacity(msgs.len());
        for m in msgs {
            if is_prepared_or_rollback(m.sys_flag) {
                queue_offsets.push(0);
                continue;
            }
            let n = next.entry((m.topic.as_str(), m.queue_id)).or_insert_with(|| {
                st.queue_offsets
                    .get(&m.topic)
                    .and_then(|q| q.get(&m.queue_id))
                    .copied()
                    .unwrap_or(0)
            });
            queue_offsets.push(*n);
            *n += 1;
        }
        let mut buf = Vec::with_capacity(msgs.iter().map(MessageToStore::record_len).sum());
        let mut lens = Vec::with_capacity(msgs.len());
        for (m, &qo) in msgs.iter().zip(&queue_offsets) {
            let before = buf.len();
            m.encode_into(&mut buf, qo, 0, store_timestamp);
            lens.push(buf.len() - before);
        }
        let base = st.commitlog.append(&mut buf, &lens)?;
        // The records are in the commitlog now: their queue offsets are taken even if a consume
        // queue write fails below (a later put must not reuse them).
        for (m, &qo) in msgs.iter().zip(&queue_offsets) {
            if !is_prepared_or_rollback(m.sys_flag) {
                st.queue_offsets
                    .entry(m.topic.clone())
                    .or_default()
                    .insert(m.queue_id, qo + 1);
            }
        }
        let mut msg_ids = Vec::with_capacity(msgs.len());
        let mut phys = base;
        for ((m, &qo), &len) in msgs.iter().zip(&queue_offsets).zip(&lens) {
            msg_ids.push(message::offset_msg_id(&store_host, phys));
            if !is_prepared_or_rollback(m.sys_flag) {
                let dispatched = st.cqs.dispatch(&DispatchRequest {
                    topic: m.topic.clone(),
                    queue_id: m.queue_id,
                    queue_offset: qo,
                    phys_offset: phys as i64,
                    size: len as i32,
                    tags_code: st.delay_levels.dispatch_tags_code(
                        &m.topic,
                        &m.properties,
                        m.tags_code,
                        store_timestamp,
                    ),
                    store_timestamp,
                });
                if let Err(e) = dispatched {
                    // Not acknowledged; the record stays in the commitlog and is dispatched by the
                    // next put (or at recovery) once the consume queue can be written again.
                    st.reput_offset = phys;
                    return Err(e);
                }
            }
            index_record(
                &mut st.index,
                &m.topic,
                &m.properties,
                m.sys_flag,
                phys as i64,
                store_timestamp,
            );
            phys += len as u64;
        }
        st.reput_offset = st.commitlog.max_offset();
        st.last_store_timestamp = store_timestamp;
        st.last_dispatch_timestamp = store_timestamp;
        Ok(PutResult {
            status: PutStatus::PutOk,
            phys_offset: base,
            queue_offsets,
            msg_ids,
            wrote_bytes: buf.len(),
            end_offset: phys,
            store_timestamp,
        })
    }

    /// Appends raw bytes from an HA master at `offset` (which must be our max offset, or anything
    /// for an empty log), then dispatches every complete record now present.
    ///
    /// # Errors
    /// [`StoreError::OffsetMismatch`], [`StoreError::ShutDown`], [`StoreError::Io`].
    pub fn append_replicated(&self, offset: u64, bytes: &[u8]) -> Result<()> {
        if self.shared.shut_down.load(Ordering::Acquire) {
            return Err(StoreError::ShutDown);
        }
        let max = {
            let mut st = self.shared.write();
            let was_empty = st.commitlog.files().is_empty();
            st.commitlog.append_raw(offset, bytes)?;
            if was_empty {
                st.reput_offset = offset;
            }
            reput(&mut st)?;
            st.commitlog.max_offset()
        };
        self.shared.arrivals.send_replace(max);
        Ok(())
    }
}
