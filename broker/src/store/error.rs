//! The store's error type.
//!
//! Callers map these to RocketMQ response codes (spec §2.7: `MESSAGE_ILLEGAL`, `FLUSH_DISK_TIMEOUT`, …),
//! so each failure the broker must answer differently is its own variant. Damaged files are
//! [`StoreError::Corruption`], kept apart from [`StoreError::Io`] so operators can tell a bad disk from
//! bad data.

use std::path::PathBuf;

/// Everything that can go wrong in the message store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// An operating-system I/O call failed.
    #[error("I/O error on `{path}` while trying to {op}: {source}")]
    Io {
        /// What we were doing (`open`, `read`, `fsync`, …).
        op: &'static str,
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A file's content contradicts the on-disk format.
    #[error("corrupt store file `{path}` at byte {offset}: {reason}")]
    Corruption {
        /// The damaged file.
        path: PathBuf,
        /// Byte position in that file (or global offset for commitlog scans).
        offset: u64,
        /// What was wrong.
        reason: String,
    },
    /// Another process, or another `MessageStore` in this process, holds the store's `lock` file.
    #[error("Lock failed, MQ already started: `{0}` is locked")]
    Locked(PathBuf),
    /// The message cannot be stored (body too large, topic name too long or empty, …).
    /// Maps to `MESSAGE_ILLEGAL` (13).
    #[error("message illegal: {0}")]
    MessageIllegal(String),
    /// The encoded properties are longer than 32767 bytes. Maps to `MESSAGE_ILLEGAL` (13).
    #[error("properties size {0} exceeds the maximum of 32767 bytes")]
    PropertiesSizeExceeded(usize),
    /// A SEND_BATCH_MESSAGE body or a message record could not be decoded.
    #[error("malformed message data: {0}")]
    Malformed(String),
    /// A replicated append did not start at our commitlog's end.
    #[error("replicated data starts at offset {got} but the commitlog ends at {expected}")]
    OffsetMismatch {
        /// Our commitlog max offset.
        expected: u64,
        /// The offset the master sent.
        got: u64,
    },
    /// The store configuration is unusable.
    #[error("invalid store configuration: {0}")]
    Config(String),
    /// A config JSON file (and its `.bak`) could not be parsed.
    #[error("cannot parse `{path}`: {source}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The parser's complaint.
        source: crate::json::JsonError,
    },
    /// The store was shut down.
    #[error("the message store is shut down")]
    ShutDown,
}

impl StoreError {
    /// Whether this is a write refused for lack of space: no space left on the device (ENOSPC), a
    /// disk quota (EDQUOT) or a file-size limit (EFBIG, `RLIMIT_FSIZE`). Such a failed put leaves
    /// no torn record and no reused queue offset; the store takes writes again once space
    /// returns. The broker answers SERVICE_NOT_AVAILABLE, as Java does for a full disk.
    pub fn is_disk_full(&self) -> bool {
        matches!(self, StoreError::Io { source, .. }
            if matches!(source.raw_os_error(), Some(libc::ENOSPC | libc::EDQUOT | libc::EFBIG)))
    }
}

impl From<crate::durable::WriteError> for StoreError {
    fn from(e: crate::durable::WriteError) -> Self {
        StoreError::Io {
            op: e.action,
            path: e.path,
            source: e.source,
        }
    }
}

/// Result alias for store operations.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Builds a closure that wraps an `io::Error` with the operation and path, for `map_err`.
pub(crate) fn io_err(
    op: &'static str,
    path: impl Into<PathBuf>,
) -> impl FnOnce(std::io::Error) -> StoreError {
    let path = path.into();
    move |source| StoreError::Io { op, path, source }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_space_quota_and_file_size_limit_are_disk_full() {
        let io = |errno| StoreError::Io {
            op: "write",
            path: "commitlog/00000000000000000000".into(),
            source: std::io::Error::from_raw_os_error(errno),
        };
        for errno in [libc::ENOSPC, libc::EDQUOT, libc::EFBIG] {
            assert!(io(errno).is_disk_full(), "errno {errno}");
        }
        assert!(!io(libc::EIO).is_disk_full());
        assert!(!StoreError::MessageIllegal("too big".into()).is_disk_full());
    }
}
