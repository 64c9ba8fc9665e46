//! Flushing the commitlog: the background thread that fsyncs (group commit for SYNC_FLUSH,
//! every `flushIntervalCommitLog` for ASYNC_FLUSH), publishes the flushed offset, writes the
//! checkpoint every second (after fsyncing the consume-queue files written since the last one,
//! so that crash recovery can start from it), and runs the periodic retention check.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime};

use super::error::{self, Result};
use super::format::{self, checkpoint as cp_fmt};
use super::{lock, FlushDiskType, Shared};

impl Shared {
    /// fsyncs commitlog data up to the current max and publishes the flushed offset.
    pub(super) fn flush_commitlog(&self) -> Result<u64> {
        let flushed = *self.flushed.borrow();
        let (max, files, ts) = {
            let st = self.read();
            let max = st.commitlog.max_offset();
            (
                max,
                st.commitlog.files_in_range(flushed, max),
                st.last_store_timestamp,
            )
        };
        if max > flushed {
            for f in &files {
                f.file.sync_data().map_err(error::io_err("fsync", &f.path))?;
            }
            lock(&self.checkpoint).physic_msg_timestamp = ts;
            self.flushed.send_replace(max);
        }
        Ok(max)
    }

    /// fsyncs the consume-queue files written since the last call (by this or any other
    /// caller) and returns the store time of the last unit dispatched before. `queue_sync` is
    /// held from taking the dirty files to the end of their fsync, so a caller that finds
    /// nothing left to sync knows the files another caller took are already on disk.
    pub(super) fn sync_queues(&self) -> Result<i64> {
        let _syncing = lock(&self.queue_sync);
        let (dirty, logics_ts) = {
            let mut st = self.write();
            (st.cqs.take_dirty(), st.last_dispatch_timestamp)
        };
        for (f, path) in &dirty {
            f.sync_data().map_err(error::io_err("fsync", path))?;
        }
        Ok(logics_ts)
    }

    /// fsyncs the consume-queue files written since the last call, then writes the checkpoint:
    /// every record stored up to `physicMsgTimestamp` is on disk (see
    /// [`Shared::flush_commitlog`]) and every unit dispatched up to `logicsMsgTimestamp` too.
    /// After a failed fsync the checkpoint is never moved again in this run (the failed files
    /// count as written), so a crash recovery after it starts early enough.
    pub(super) fn flush_checkpoint(&self) -> Result<()> {
        if self.checkpoint_stuck.load(Ordering::Acquire) {
            return Ok(());
        }
        let logics_ts = match self.sync_queues() {
            Ok(ts) => ts,
            Err(e) => {
                self.checkpoint_stuck.store(true, Ordering::Release);
                return Err(e);
            }
        };
        // The key index is not synced here (Java neither): its written entries only leave this
        // process's resident set.
        self.read().index.release_written();
        let cp = {
            let mut cp = lock(&self.checkpoint);
            cp.logics_msg_timestamp = cp.logics_msg_timestamp.max(logics_ts);
            *cp
        };
        cp.persist(&self.cfg.root_dir.join(format::CHECKPOINT_FILE))
    }

    pub(super) fn flusher_loop(&self) {
        let sync = self.cfg.flush_disk_type == FlushDiskType::SyncFlush;
        let mut last_clean = std::time::Instant::now();
        let mut last_checkpoint = Instant::now();
        loop {
            let stop = {
                let mut ctl = lock(&self.flush_ctl);
                loop {
                    if ctl.stop || (sync && ctl.requested > *self.flushed.borrow()) {
                        break;
                    }
                    let (g, timeout) = self
                        .flush_cv
                        .wait_timeout(ctl, self.cfg.flush_interval)
                        .unwrap_or_else(|e| e.into_inner());
                    ctl = g;
                    if timeout.timed_out() {
                        break;
                    }
                }
                ctl.stop
            };
            if stop {
                return;
            }
            if let Err(e) = self.flush_commitlog() {
                tracing::error!(error = %e, "commitlog flush failed");
            }
            if last_checkpoint.elapsed() >= Duration::from_millis(cp_fmt::FLUSH_INTERVAL_MS) {
                last_checkpoint = Instant::now();
                if let Err(e) = self.flush_checkpoint() {
                    tracing::error!(error = %e, "consume-queue flush or checkpoint failed; crash recovery will start earlier");
                }
            }
            if last_clean.elapsed() >= Duration::from_secs(10) {
                last_clean = std::time::Instant::now();
                if let Err(e) = self.clean_expired(SystemTime::now()) {
                    tracing::error!(error = %e, "deleting expired store files failed");
                }
            }
        }
    }
}
