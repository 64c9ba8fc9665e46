//! Flushing the commitlog: the background thread that fsyncs (group commit for SYNC_FLUSH,
//! every `flushIntervalCommitLog` for ASYNC_FLUSH), publishes the flushed offset, and runs the
//! periodic retention check.

use std::time::{Duration, SystemTime};

use super::error::{self, Result};
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

    pub(super) fn flusher_loop(&self) {
        let sync = self.cfg.flush_disk_type == FlushDiskType::SyncFlush;
        let mut last_clean = std::time::Instant::now();
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
            if last_clean.elapsed() >= Duration::from_secs(10) {
                last_clean = std::time::Instant::now();
                if let Err(e) = self.clean_expired(SystemTime::now()) {
                    tracing::error!(error = %e, "deleting expired store files failed");
                }
            }
        }
    }
}
