//! Retention: which commitlog and consume-queue files may be deleted, and when (`fileReservedTime`,
//! `deleteWhen`, `diskMaxUsedSpaceRatio`). The DLedger log applies the same rules to its own data
//! files through [`StoreConfig::deletion_due`].

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::error::Result;
use super::{MessageStore, Shared, StoreConfig};

impl Shared {
    pub(super) fn clean_expired(&self, now: SystemTime) -> Result<usize> {
        let Some(force) = self.cfg.deletion_due(&self.cfg.commitlog_path(), now) else {
            return Ok(0);
        };
        let reserved = self.cfg.reserved();
        let mut st = self.write();
        let deleted = st.commitlog.delete_expired(now, reserved, force, 10)?;
        if !deleted.is_empty() {
            let min = st.commitlog.min_offset();
            st.cqs.delete_expired(min)?;
            st.index.delete_expired(min)?;
        }
        Ok(deleted.len())
    }
}

impl StoreConfig {
    /// Whether old files may be deleted now: `Some(force)` inside a `deleteWhen` hour or when
    /// the disk holding `dir` is fuller than `diskMaxUsedSpaceRatio` (`force`: delete the oldest
    /// files whatever their age), `None` otherwise.
    pub fn deletion_due(&self, dir: &Path, now: SystemTime) -> Option<bool> {
        let usage = disk_usage_ratio(dir).unwrap_or(0.0);
        let force = usage * 100.0 > f64::from(self.disk_max_used_space_ratio);
        let hour = local_hour(now);
        let in_window = self
            .delete_when
            .split(';')
            .filter_map(|h| h.trim().parse::<u32>().ok())
            .any(|h| h == hour);
        (force || in_window).then_some(force)
    }

    /// How long files are kept (`fileReservedTime`).
    pub fn reserved(&self) -> Duration {
        Duration::from_secs(self.file_reserved_time_hours * 3600)
    }
}

/// Local wall-clock hour (0–23) of a time, as `deleteWhen` is interpreted.
pub fn local_hour(t: SystemTime) -> u32 {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) as libc::time_t;
    // SAFETY: localtime_r writes only into the zeroed `tm` we pass; both pointers are valid.
    unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&secs, &mut tm).is_null() {
            return ((secs / 3600) % 24) as u32;
        }
        tm.tm_hour as u32
    }
}

/// Fraction (0.0–1.0) of the filesystem holding `dir` that is used.
pub fn disk_usage_ratio(dir: &Path) -> Option<f64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    // SAFETY: statvfs fills the zeroed struct; `c` is a valid NUL-terminated path.
    let st = unsafe {
        let mut st: libc::statvfs = std::mem::zeroed();
        if libc::statvfs(c.as_ptr(), &mut st) != 0 {
            return None;
        }
        st
    };
    let total = st.f_blocks as f64;
    if total <= 0.0 {
        return None;
    }
    Some((total - st.f_bfree as f64) / total)
}

impl MessageStore {
    /// Deletes expired commitlog files (older than `fileReservedTime`, during a `deleteWhen` hour, or
    /// the oldest ones at any time when the disk is fuller than `diskMaxUsedSpaceRatio`) and the
    /// consume-queue files that only point below the new min offset. The flusher thread calls this
    /// every 10 s. Returns the number of commitlog files deleted.
    ///
    /// # Errors
    /// [`StoreError::Io`].
    pub fn clean_expired_files(&self, now: SystemTime) -> Result<usize> {
        self.shared.clean_expired(now)
    }

    /// Deletes consume-queue files whose entries all point below `min_phys` (after the DLedger
    /// log dropped its oldest files), and the index files whose last record is below it.
    /// Returns how many consume-queue files were deleted.
    ///
    /// # Errors
    /// [`StoreError::Io`].
    pub fn drop_queues_below(&self, min_phys: u64) -> Result<usize> {
        let mut st = self.shared.write();
        st.index.delete_expired(min_phys)?;
        st.cqs.delete_expired(min_phys)
    }
}
