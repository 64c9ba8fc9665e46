//! The small files at the store root that say how the store was left: `checkpoint` (timestamps of
//! the last flushed commitlog and consume-queue data), `abort` (present while a broker runs) and
//! `lock` (an exclusive `flock` so two brokers never share a store). Spec §4.5, §5.3, §5.4.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

use super::error::{io_err, Result, StoreError};
use super::format::{self, checkpoint as cp, CHECKPOINT_FILE_SIZE};

/// Timestamps recorded in the 4096-byte `checkpoint` file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Checkpoint {
    /// Store timestamp of the last commitlog message known flushed.
    pub physic_msg_timestamp: i64,
    /// Store timestamp of the last message dispatched to a consume queue.
    pub logics_msg_timestamp: i64,
    /// End time of the key index when it was last flushed. Like Java with its default
    /// `messageIndexSafe=false`, crash recovery does not wait for it.
    pub index_msg_timestamp: i64,
}

impl Checkpoint {
    /// Reads `path`; a missing or short file yields zeros.
    ///
    /// # Errors
    /// [`StoreError::Io`] if the file exists but cannot be read.
    pub fn load(path: &Path) -> Result<Self> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => return Err(io_err("read", path)(e)),
        };
        let get = |at: usize| {
            bytes
                .get(at..at + 8)
                .and_then(|s| s.try_into().ok())
                .map(i64::from_be_bytes)
                .unwrap_or(0)
        };
        Ok(Self {
            physic_msg_timestamp: get(cp::PHYSIC_MSG_TIMESTAMP),
            logics_msg_timestamp: get(cp::LOGICS_MSG_TIMESTAMP),
            index_msg_timestamp: get(cp::INDEX_MSG_TIMESTAMP),
        })
    }

    /// The store time up to which everything was flushed and dispatched when this checkpoint
    /// was written, less a safety margin (Java's `getMinTimestamp`); crash recovery starts at
    /// the commitlog file holding it. 0 (check from the first file) before any checkpoint.
    pub fn min_timestamp(&self) -> i64 {
        let min = self.physic_msg_timestamp.min(self.logics_msg_timestamp);
        if min <= 0 {
            return 0;
        }
        (min - cp::MIN_TIMESTAMP_MARGIN_MS).max(0)
    }

    /// Writes the checkpoint in place (4096 bytes, rest zero) and fsyncs it.
    ///
    /// # Errors
    /// [`StoreError::Io`].
    pub fn persist(&self, path: &Path) -> Result<()> {
        let f = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(io_err("open", path))?;
        let mut buf = [0u8; 24];
        buf[cp::PHYSIC_MSG_TIMESTAMP..][..8].copy_from_slice(&self.physic_msg_timestamp.to_be_bytes());
        buf[cp::LOGICS_MSG_TIMESTAMP..][..8].copy_from_slice(&self.logics_msg_timestamp.to_be_bytes());
        buf[cp::INDEX_MSG_TIMESTAMP..][..8].copy_from_slice(&self.index_msg_timestamp.to_be_bytes());
        let len = f.metadata().map_err(io_err("stat", path))?.len();
        if len < CHECKPOINT_FILE_SIZE as u64 {
            f.set_len(CHECKPOINT_FILE_SIZE as u64)
                .map_err(io_err("extend", path))?;
        }
        f.write_all_at(&buf, 0).map_err(io_err("write", path))?;
        f.sync_data().map_err(io_err("fsync", path))
    }
}

/// Path of the `abort` marker under a store root.
pub fn abort_path(root: &Path) -> PathBuf {
    root.join(format::ABORT_FILE)
}

/// Creates the `abort` marker (and fsyncs the directory so it survives a crash).
///
/// # Errors
/// [`StoreError::Io`].
pub fn create_abort(root: &Path) -> Result<()> {
    let p = abort_path(root);
    File::create(&p).map_err(io_err("create", &p))?;
    sync_dir(root)
}

/// Removes the `abort` marker after a clean shutdown.
///
/// # Errors
/// [`StoreError::Io`] except when the marker is already gone.
pub fn remove_abort(root: &Path) -> Result<()> {
    let p = abort_path(root);
    match std::fs::remove_file(&p) {
        Ok(()) => sync_dir(root),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_err("remove", &p)(e)),
    }
}

/// fsyncs a directory so created, renamed or deleted entries are durable.
///
/// # Errors
/// [`StoreError::Io`].
pub fn sync_dir(dir: &Path) -> Result<()> {
    Ok(crate::durable::sync_dir(dir)?)
}

/// An exclusive lock on `<root>/lock`, held until dropped.
///
/// `flock` locks belong to the open file description, so a second `StoreLock::acquire` fails even
/// from the same process; the lock disappears with the process, so a crash never leaves a store
/// locked.
#[derive(Debug)]
pub struct StoreLock {
    file: File,
    path: PathBuf,
}

impl StoreLock {
    /// Opens (creating if needed) `<root>/lock`, takes `LOCK_EX | LOCK_NB` and writes `lock` into it.
    ///
    /// # Errors
    /// [`StoreError::Locked`] if someone holds it, [`StoreError::Io`] otherwise.
    pub fn acquire(root: &Path) -> Result<Self> {
        let path = root.join(format::LOCK_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io_err("open", &path))?;
        // SAFETY: flock on a valid, owned file descriptor has no memory-safety requirements.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if rc != 0 {
            let err = std::io::Error::last_os_error();
            return Err(if err.kind() == std::io::ErrorKind::WouldBlock {
                StoreError::Locked(path)
            } else {
                io_err("lock", &path)(err)
            });
        }
        file.set_len(0).map_err(io_err("truncate", &path))?;
        file.write_all(b"lock").map_err(io_err("write", &path))?;
        Ok(Self { file, path })
    }

    /// The lock file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for StoreLock {
    fn drop(&mut self) {
        // SAFETY: as in `acquire`; closing the file would release the lock anyway.
        unsafe {
            libc::flock(self.file.as_raw_fd(), libc::LOCK_UN);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoint_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("checkpoint");
        assert_eq!(Checkpoint::load(&p).unwrap(), Checkpoint::default());
        let c = Checkpoint {
            physic_msg_timestamp: 5,
            logics_msg_timestamp: 6,
            index_msg_timestamp: 7,
        };
        c.persist(&p).unwrap();
        assert_eq!(std::fs::metadata(&p).unwrap().len(), 4096);
        assert_eq!(Checkpoint::load(&p).unwrap(), c);
    }

    #[test]
    fn lock_is_exclusive_within_one_process() {
        let dir = tempfile::tempdir().unwrap();
        let l = StoreLock::acquire(dir.path()).unwrap();
        assert!(matches!(
            StoreLock::acquire(dir.path()),
            Err(StoreError::Locked(_))
        ));
        assert_eq!(std::fs::read(l.path()).unwrap(), b"lock");
        drop(l);
        StoreLock::acquire(dir.path()).unwrap();
    }
}
