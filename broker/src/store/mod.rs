//! A byte-compatible Apache RocketMQ message store: commitlog, consume queues, checkpoint, abort and
//! lock files, and the JSON config files, laid out exactly as a Java broker lays them out (spec
//! §2.6, §4.5, §5), so a store can move between Java, other implementations and this broker.
//!
//! [`MessageStore`] ties the parts together: it recovers at open, assigns queue and physical
//! offsets on put, dispatches consume-queue units synchronously, flushes (group commit for
//! SYNC_FLUSH) on a background thread, and serves pulls with Java's `getMessage` semantics.

pub mod checkpoint;
pub mod commitlog;
pub mod config_files;
pub mod consume_queue;
mod data_files;
pub mod delay;
mod dispatch;
pub mod error;
pub mod external;
mod flush;
pub mod format;
pub mod index;
pub mod mapped;
pub mod message;
pub mod probe;
mod read;
mod recovery;
mod results;
mod retention;
mod settings;
mod write;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use tokio::sync::watch;

use checkpoint::{Checkpoint, StoreLock};
use commitlog::CommitLog;
use consume_queue::ConsumeQueueSet;
use dispatch::reput;
pub use error::{Result, StoreError};
pub use results::{GetMessageResult, GetMessageStatus, PutResult, PutStatus, StoreStats};
pub use retention::{disk_usage_ratio, local_hour};
pub use settings::{FlushDiskType, StoreConfig};

/// Mutable state behind the store's lock.
#[derive(Debug)]
struct State {
    commitlog: CommitLog,
    cqs: ConsumeQueueSet,
    /// topic → queue id → next queue offset.
    queue_offsets: HashMap<String, HashMap<i32, i64>>,
    /// Commitlog offset up to which records are dispatched.
    reput_offset: u64,
    last_store_timestamp: i64,
    last_dispatch_timestamp: i64,
    /// DLedger mode: the replicated log holding offsets at and above `dividedCommitlogOffset`.
    external: Option<external::Attached>,
    /// Delay levels, for the tagsCode of schedule-topic units (a copy of the config's).
    delay_levels: delay::DelayLevels,
    /// The key index (`index/`).
    index: index::IndexService,
    /// DLedger mode with a new index: records applied before the replicated log is attached,
    /// indexed once the index has caught up with the log (see `attach_external_log`).
    index_pending: Option<Vec<index::PendingRecord>>,
}

#[derive(Debug, Default)]
struct FlushCtl {
    requested: u64,
    stop: bool,
}

#[derive(Debug)]
struct Shared {
    cfg: StoreConfig,
    state: RwLock<State>,
    flush_ctl: Mutex<FlushCtl>,
    flush_cv: Condvar,
    flushed: watch::Sender<u64>,
    arrivals: watch::Sender<u64>,
    stats: StoreStats,
    lock: Mutex<Option<StoreLock>>,
    shut_down: AtomicBool,
    checkpoint: Mutex<Checkpoint>,
    /// A consume-queue fsync failed: the checkpoint is not moved again (see `flush_checkpoint`).
    checkpoint_stuck: AtomicBool,
    /// Held while consume-queue files taken as dirty are fsynced (see `Shared::sync_queues`).
    queue_sync: Mutex<()>,
    recovery: RecoveryReport,
}

/// What recovery did when the store opened: how much of the commitlog it read. Restart time
/// depends on these numbers, not on the store's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecoveryReport {
    /// The `abort` file was there: the previous run did not stop cleanly.
    pub abnormal: bool,
    /// Commitlog offset where the check of records (CRC included) started.
    pub checked_from: u64,
    /// Records checked from there.
    pub records_checked: usize,
    /// Commitlog end after recovery (a torn tail cut).
    pub commitlog_end: u64,
    /// Commitlog offset from which records were dispatched again to consume queues and index.
    pub dispatched_from: u64,
    /// Records dispatched from there (units already present are skipped).
    pub records_dispatched: usize,
}

/// The message store. `Send + Sync`; share it with `Arc`.
#[derive(Debug)]
pub struct MessageStore {
    shared: Arc<Shared>,
    flusher: Mutex<Option<std::thread::JoinHandle<()>>>,
}

#[inline]
fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

#[inline]
fn is_prepared_or_rollback(sys_flag: i32) -> bool {
    let t = sys_flag & format::sys_flag::TRANSACTION_MASK;
    t == format::sys_flag::TRANSACTION_PREPARED || t == format::sys_flag::TRANSACTION_ROLLBACK
}

#[inline]
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }
    fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|e| e.into_inner())
    }
}

impl MessageStore {
    /// Opens (creating if needed) the store: takes the lock, recovers the commitlog (cutting a torn
    /// tail), drops consume-queue units past it, rebuilds missing units from the commitlog,
    /// creates `abort` and starts the flusher thread.
    ///
    /// # Errors
    /// [`StoreError::Locked`] if the store is in use, [`StoreError::Config`], [`StoreError::Io`],
    /// [`StoreError::Corruption`] for unusable files.
    pub fn open(mut cfg: StoreConfig) -> Result<Self> {
        cfg.validate()?;
        let root = cfg.root_dir.clone();
        std::fs::create_dir_all(&root).map_err(error::io_err("create directory", &root))?;
        let store_lock = StoreLock::acquire(&root)?;
        let abnormal = checkpoint::abort_path(&root).exists();
        if abnormal {
            tracing::warn!(root = %root.display(), "abort file found: previous run did not shut down cleanly");
        }
        let cp = Checkpoint::load(&root.join(format::CHECKPOINT_FILE))?;
        let mut commitlog = CommitLog::open(&cfg.commitlog_path(), cfg.commitlog_file_size)?;
        let mut cqs =
            ConsumeQueueSet::open_after(&root.join(format::CONSUMEQUEUE_DIR), cfg.cq_file_size, !abnormal)?;
        // Only the tail is checked: after a clean stop, what follows the last dispatched record;
        // after a crash, what follows the checkpoint. In DLedger mode the queues point into the
        // replicated log, not at the (sealed) classic files.
        let checked_from = recovery::check_start(&commitlog, &cqs, &cp, abnormal, cfg.dledger)?;
        let (max, records_checked) = commitlog.recover_from(checked_from, abnormal)?;
        // In DLedger mode the queues also point into the replicated log above the classic files;
        // those units are checked against that log, not against the classic commitlog.
        let removed = if cfg.dledger { 0 } else { cqs.truncate_dirty(max)? };
        if removed > 0 {
            tracing::warn!(removed, "removed consume-queue units beyond the commitlog end");
        }
        let min = commitlog.min_offset();
        // Queues may still point below the oldest commitlog file (deleted while we were down).
        cqs.delete_expired(min)?;
        let mut index = index::IndexService::open(
            &root.join(format::index::DIR),
            cfg.message_index_enable,
            cfg.max_hash_slot_num,
            cfg.max_index_num,
        )?;
        // The index must cover every record. Its writes go through a shared map, so a killed
        // process loses none: after a crash, dispatching again from the recovery point (the
        // reput below, or the Raft log's re-applied entries) is enough, and skips what the index
        // already holds. A store without an `index/` directory is indexed from the start.
        let fresh_index = index.enabled() && index.is_fresh();
        let mut index_catch_up = fresh_index;
        if index.enabled() && !cfg.dledger {
            index.delete_expired(min)?;
            if index.delete_beyond(max)? > 0 {
                tracing::warn!("deleted index files pointing past the commitlog end; rebuilding them");
                index_catch_up = true;
            }
        }
        // After a clean stop everything up to the queues' end is dispatched; after a crash the
        // checkpoint says so up to where the check started (the queues may hold more: putting a
        // unit that is there already is skipped).
        let dispatched = cqs.max_phys_end().clamp(min, max);
        let reput_from = if abnormal {
            dispatched.min(checked_from.max(min))
        } else {
            dispatched
        };
        let mut queue_offsets: HashMap<String, HashMap<i32, i64>> = HashMap::new();
        for (t, q, off) in cqs.max_offsets() {
            queue_offsets.entry(t).or_default().insert(q, off);
        }
        let mut state = State {
            commitlog,
            cqs,
            queue_offsets,
            reput_offset: reput_from,
            last_store_timestamp: cp.physic_msg_timestamp,
            last_dispatch_timestamp: cp.logics_msg_timestamp,
            external: None,
            delay_levels: cfg.delay_levels.clone(),
            index,
            index_pending: (cfg.dledger && fresh_index).then(Vec::new),
        };
        if index_catch_up {
            let from = state.index.end_phy_offset().clamp(min, max);
            if from < reput_from {
                let n = dispatch::index_only(&mut state, from, reput_from)?;
                tracing::info!(from, records = n, "indexed commitlog records at recovery");
            }
        }
        // The range was checked (CRC included) just above, or lies before the checked tail.
        let rebuilt = dispatch::reput_checked(&mut state, false)?;
        let recovery = RecoveryReport {
            abnormal,
            checked_from,
            records_checked,
            commitlog_end: max,
            dispatched_from: reput_from,
            records_dispatched: rebuilt,
        };
        tracing::info!(
            abnormal,
            checked_from,
            records_checked,
            commitlog_end = max,
            dispatched_from = reput_from,
            records_dispatched = rebuilt,
            "store recovered"
        );
        checkpoint::create_abort(&root)?;
        let max = state.commitlog.max_offset();
        let shared = Arc::new(Shared {
            cfg,
            state: RwLock::new(state),
            flush_ctl: Mutex::new(FlushCtl::default()),
            flush_cv: Condvar::new(),
            flushed: watch::Sender::new(max),
            arrivals: watch::Sender::new(max),
            stats: StoreStats::default(),
            lock: Mutex::new(Some(store_lock)),
            shut_down: AtomicBool::new(false),
            checkpoint: Mutex::new(cp),
            checkpoint_stuck: AtomicBool::new(false),
            queue_sync: Mutex::new(()),
            recovery,
        });
        let s2 = Arc::clone(&shared);
        let flusher = std::thread::Builder::new()
            .name("store-flusher".into())
            .spawn(move || s2.flusher_loop())
            .map_err(error::io_err("spawn flusher thread", &root))?;
        Ok(Self {
            shared,
            flusher: Mutex::new(Some(flusher)),
        })
    }

    /// The configuration in use.
    pub fn config(&self) -> &StoreConfig {
        &self.shared.cfg
    }

    /// Counters for runtime info.
    pub fn stats(&self) -> &StoreStats {
        &self.shared.stats
    }

    /// A receiver that changes whenever the classic commitlog grows (its value is the commitlog
    /// max offset); the HA stream to a slave waits on it. Held pulls wait on their queue instead
    /// ([`MessageStore::queue_arrivals`]), and records dispatched from a DLedger log do not signal it.
    pub fn subscribe_arrivals(&self) -> watch::Receiver<u64> {
        self.shared.arrivals.subscribe()
    }

    /// What recovery did when the store opened.
    pub fn recovery(&self) -> RecoveryReport {
        self.shared.recovery
    }

    /// Commitlog offset known to be on disk.
    pub fn flushed_offset(&self) -> u64 {
        *self.shared.flushed.borrow()
    }
}

impl MessageStore {
    /// Flushes everything, writes the checkpoint, removes `abort` and releases the lock. Idempotent.
    ///
    /// # Errors
    /// [`StoreError::Io`].
    pub fn shutdown(&self) -> Result<()> {
        if self.shared.shut_down.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        lock(&self.shared.flush_ctl).stop = true;
        self.shared.flush_cv.notify_all();
        if let Some(h) = lock(&self.flusher).take() {
            let _ = h.join();
        }
        self.shared.flush_commitlog()?;
        let cp = {
            let st = self.shared.write();
            st.cqs.flush()?;
            let index_ts = st.index.flush()?;
            let mut cp = lock(&self.shared.checkpoint);
            if index_ts > 0 {
                cp.index_msg_timestamp = index_ts;
            }
            cp.physic_msg_timestamp = st.last_store_timestamp;
            cp.logics_msg_timestamp = st.last_dispatch_timestamp;
            *cp
        };
        let root = &self.shared.cfg.root_dir;
        cp.persist(&root.join(format::CHECKPOINT_FILE))?;
        checkpoint::remove_abort(root)?;
        lock(&self.shared.lock).take();
        Ok(())
    }
}

impl Drop for MessageStore {
    fn drop(&mut self) {
        if let Err(e) = self.shutdown() {
            tracing::error!(error = %e, "message store shutdown failed; the next open will run crash recovery");
        }
    }
}

#[cfg(test)]
pub(crate) mod fixtures;
#[cfg(test)]
mod recovery_tests;
#[cfg(test)]
mod tests;
