//! What a node's store offers, as two traits: [`NodeStore`] (read-only: list commitlog files,
//! md5 a byte range, read a byte range, probe the lock) for `verify-commitlog`, and [`NodeAdmin`]
//! (the write side) for `upgrade-group`. Both are implemented by a store on this machine
//! ([`super::LocalNode`]) and by one behind a node agent ([`super::RemoteNode`]), so the
//! operations never know where a node is.

use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::error::NodeError;

/// One commitlog file of a node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommitLogFile {
    /// The 20-digit file name (its start offset).
    pub name: String,
    /// Its size in bytes (normally `mappedFileSizeCommitLog`, since files are preallocated).
    pub size: u64,
}

/// The md5 of a byte range of a file, plus where the non-zero data in that range starts and ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RangeDigest {
    /// md5 of the bytes actually read (the range clamped to the file size).
    pub md5: [u8; 16],
    /// Number of bytes hashed.
    pub len: u64,
    /// File position of the first non-zero byte in the range, if any.
    pub first_nonzero: Option<u64>,
    /// File position just after the last non-zero byte in the range, if any.
    pub data_end: Option<u64>,
}

/// The operations `verify-commitlog` needs from a node. Implemented by
/// [`LocalNode`](super::LocalNode) and, over the network, by [`RemoteNode`](super::RemoteNode),
/// which is why the narrowing search asks for digests of ranges instead of reading whole files.
pub trait NodeStore: Send + Sync {
    /// How the operator named this node (a config path or `dir:…`), for messages.
    fn name(&self) -> &str;
    /// The commitlog directory, for messages and the report.
    fn commitlog_dir(&self) -> &Path;
    /// The commitlog files (20-digit names only), sorted by start offset.
    ///
    /// # Errors
    /// [`NodeError::Io`] if the directory cannot be listed.
    fn list_files(&self) -> Result<Vec<CommitLogFile>, NodeError>;
    /// md5 of `range` of file `name` (clamped to the file size); `progress` is called with the
    /// number of bytes hashed after each read.
    ///
    /// # Errors
    /// [`NodeError::Io`] if the file cannot be read.
    fn digest(&self, name: &str, range: Range<u64>, progress: &dyn Fn(u64))
        -> Result<RangeDigest, NodeError>;
    /// The bytes of `range` of file `name` (shorter if the file ends first).
    ///
    /// # Errors
    /// [`NodeError::Io`] if the file cannot be read.
    fn read_range(&self, name: &str, range: Range<u64>) -> Result<Vec<u8>, NodeError>;
    /// Whether a running broker holds the store's lock file; `None` if the store root (and so the
    /// lock file) is unknown.
    ///
    /// # Errors
    /// [`NodeError::Io`] if the lock file exists but cannot be probed.
    fn lock_state(&self) -> Result<Option<LockState>, NodeError>;
}

/// Where in a node's store a relative path lives: the commitlog directory (which
/// `storePathCommitLog` may move) or the store root (`config/`, `consumequeue/`, `checkpoint`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    /// The commitlog directory.
    CommitLog,
    /// The store root (`storePathRootDir`).
    Root,
}

/// A regular file under a store area, found by [`NodeAdmin::list_tree`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoreFile {
    /// Its path relative to the area, `/`-separated.
    pub rel: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its modification time (ns since the Unix epoch), when known: a file copied ahead of a
    /// downtime and changed since is told by it.
    pub mtime_ns: Option<u64>,
}

/// The write side a node needs for `upgrade-group` (copying a store, completing a slave, rewriting
/// the broker config). Kept apart from [`NodeStore`] so that read-only callers (verify-commitlog)
/// never hold a handle that can write; [`LocalNode`](super::LocalNode) and
/// [`RemoteNode`](super::RemoteNode) implement both.
pub trait NodeAdmin: NodeStore {
    /// The broker config file this node was named by.
    fn config_path(&self) -> &Path;
    /// The store root (`storePathRootDir`).
    fn store_root(&self) -> &Path;
    /// Every regular file under `sub` of `area` (recursively), sorted by path; empty if `sub`
    /// does not exist.
    ///
    /// # Errors
    /// [`NodeError::Io`] if a directory cannot be listed.
    fn list_tree(&self, area: Area, sub: &str) -> Result<Vec<StoreFile>, NodeError>;
    /// md5 of `range` of a file (clamped to its size), as [`NodeStore::digest`].
    ///
    /// # Errors
    /// [`NodeError::Io`] if the file cannot be read.
    fn digest_file(&self, area: Area, rel: &str, range: Range<u64>) -> Result<RangeDigest, NodeError>;
    /// The bytes of `range` of a file (shorter if the file ends first).
    ///
    /// # Errors
    /// [`NodeError::Io`] if the file cannot be read.
    fn read_file(&self, area: Area, rel: &str, range: Range<u64>) -> Result<Vec<u8>, NodeError>;
    /// Writes `data` at `offset` of a file, creating it and its directories if needed; the file
    /// is never truncated.
    ///
    /// # Errors
    /// [`NodeError::Io`] if the file cannot be written.
    fn write_file(&self, area: Area, rel: &str, offset: u64, data: &[u8]) -> Result<(), NodeError>;
    /// Sets a file's length (extending with zeros, as preallocated commitlog files are), then
    /// flushes it to disk.
    ///
    /// # Errors
    /// [`NodeError::Io`].
    fn finish_file(&self, area: Area, rel: &str, len: u64) -> Result<(), NodeError>;
    /// Renames a file within an area (moving a divergent file aside, putting a staged copy in
    /// place), creating the target's directories.
    ///
    /// # Errors
    /// [`NodeError::Io`].
    fn rename_file(&self, area: Area, from: &str, to: &str) -> Result<(), NodeError>;
    /// Removes a file or a directory tree; a missing path is not an error.
    ///
    /// # Errors
    /// [`NodeError::Io`].
    fn remove(&self, area: Area, rel: &str) -> Result<(), NodeError>;
    /// The text of the broker config file.
    ///
    /// # Errors
    /// [`NodeError::Io`].
    fn read_config(&self) -> Result<String, NodeError>;
    /// Replaces the broker config file so that a crash leaves the old text or the new one (a
    /// temporary file, fsynced, renamed over it, the directory fsynced).
    ///
    /// # Errors
    /// [`NodeError::Io`].
    fn write_config(&self, text: &str) -> Result<(), NodeError>;
    /// Copies the broker config file to `<config><suffix>` (a backup next to it) and returns the
    /// backup's path.
    ///
    /// # Errors
    /// [`NodeError::Io`].
    fn backup_config(&self, suffix: &str) -> Result<PathBuf, NodeError>;
    /// Puts a backup made by [`NodeAdmin::backup_config`] back in place of the config file.
    ///
    /// # Errors
    /// [`NodeError::Io`].
    fn restore_config(&self, backup: &Path) -> Result<(), NodeError>;
    /// Free bytes for an unprivileged user on the file system of the store root (or of its
    /// nearest existing ancestor).
    ///
    /// # Errors
    /// [`NodeError::Io`] if `statvfs` fails.
    fn free_space(&self) -> Result<u64, NodeError>;
    /// The text of a backup made by [`NodeAdmin::backup_config`].
    ///
    /// # Errors
    /// [`NodeError::Io`].
    fn read_config_backup(&self, backup: &Path) -> Result<String, NodeError>;
    /// Whether TCP `port` can be bound on the node's machine (a preflight check of the ports the
    /// new broker will listen on).
    ///
    /// # Errors
    /// [`NodeError::Agent`] when a remote node cannot be asked.
    fn port_free(&self, port: u16) -> Result<bool, NodeError>;
}

/// The result of probing a store's `lock` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockState {
    /// The lock file probed.
    pub path: PathBuf,
    /// Whether another process holds a lock on it.
    pub locked: bool,
}
