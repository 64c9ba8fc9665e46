//! `verify-commitlog`: check that a master's newest commitlog files are byte-identical on its slave
//! (and optionally a third node) before a Master/Slave group is upgraded to DLedger (spec §6.3,
//! step 2: "make sure master and slave commit logs are identical").
//!
//! Every per-node operation goes through the [`NodeStore`] trait (list files, md5 a byte range,
//! read a byte range, is the store locked), so that a remote node agent can implement it later;
//! [`LocalNode`] implements it for a directory on this machine. Nothing here writes to a store:
//! files are opened read-only and the lock probe releases whatever it takes at once.
//!
//! Commitlog files are preallocated and zero-filled (spec §5.1), so a file's *written length* is
//! the position after its last non-zero byte. Verdicts, from best to worst:
//! - `identical`: same size, same md5;
//! - `slave behind`: the other node's written bytes equal the master's at the same positions and
//!   the rest of its file is zero (the master simply has more);
//! - `missing`: the file exists on one side only;
//! - `divergent`: some byte differs where both hold data; the first such offset is found by
//!   comparing md5s of halves (cheap for a remote node) and then the bytes of one small block.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::ops::Range;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use broker::config::{BrokerConfig, ConfigError};
use broker::store::format::{file_name_to_offset, LOCK_FILE};
use md5::{Digest, Md5};
use serde::Serialize;

/// Read buffer of the md5 pass: large enough that syscalls cost nothing next to hashing.
pub const READ_BUFFER_SIZE: usize = 1024 * 1024;
/// Buffers in flight between the reader and the hasher of one file. Default: `3`.
pub const PIPELINE_BUFFERS: usize = 3;
/// Default number of newest master files compared (the upgrade guide says "at least the two
/// newest files"). Default: `2`.
pub const DEFAULT_LAST: usize = 2;
/// Below this size the narrowing search stops hashing halves and compares bytes directly.
pub const COMPARE_BLOCK_SIZE: u64 = 64 * 1024;

/// Why the verification could not run (as opposed to finding a mismatch, which is a report).
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// A file or directory could not be read.
    #[error("failed to {action} `{}`", path.display())]
    Io {
        /// What we were doing (`open`, `read`, `list`, …).
        action: &'static str,
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A node's broker config could not be loaded.
    #[error("cannot load the broker config of the {role} node")]
    Config {
        /// `master`, `slave` or `third`.
        role: String,
        /// The underlying error.
        #[source]
        source: ConfigError,
    },
    /// The node's store is locked by a running broker.
    #[error(
        "the {role} node `{node}` is in use by a running broker (`{}` is locked); stop it with \
         `mqshutdown broker` or pass --allow-running",
        lock.display()
    )]
    Locked {
        /// `master`, `slave` or `third`.
        role: String,
        /// The node as the operator named it.
        node: String,
        /// The lock file.
        lock: PathBuf,
    },
    /// A node agent refused or failed a request (or could not be reached).
    #[error("node `{node}`: {what} failed: {message}")]
    Agent {
        /// The node as the operator named it (`agent://host:port/broker`).
        node: String,
        /// The request (`md5 of commit_log/00000000000000000000`, …).
        what: String,
        /// The agent's answer or the transport error.
        message: String,
    },
    /// The master has no commitlog file, so there is nothing to compare.
    #[error("the master node `{node}` has no commitlog files in `{}`", dir.display())]
    NoFiles {
        /// The node as the operator named it.
        node: String,
        /// The directory listed.
        dir: PathBuf,
    },
}

fn io_err(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> VerifyError {
    let path = path.to_owned();
    move |source| VerifyError::Io { action, path, source }
}

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

/// The operations `verify-commitlog` needs from a node. Implemented by [`LocalNode`]; a remote node
/// agent will implement it over the network, which is why the narrowing search asks for digests of
/// ranges instead of reading whole files.
pub trait NodeStore: Send + Sync {
    /// How the operator named this node (a config path or `dir:…`), for messages.
    fn name(&self) -> &str;
    /// The commitlog directory, for messages and the report.
    fn commitlog_dir(&self) -> &Path;
    /// The commitlog files (20-digit names only), sorted by start offset.
    ///
    /// # Errors
    /// [`VerifyError::Io`] if the directory cannot be listed.
    fn list_files(&self) -> Result<Vec<CommitLogFile>, VerifyError>;
    /// md5 of `range` of file `name` (clamped to the file size); `progress` is called with the
    /// number of bytes hashed after each read.
    ///
    /// # Errors
    /// [`VerifyError::Io`] if the file cannot be read.
    fn digest(
        &self,
        name: &str,
        range: Range<u64>,
        progress: &dyn Fn(u64),
    ) -> Result<RangeDigest, VerifyError>;
    /// The bytes of `range` of file `name` (shorter if the file ends first).
    ///
    /// # Errors
    /// [`VerifyError::Io`] if the file cannot be read.
    fn read_range(&self, name: &str, range: Range<u64>) -> Result<Vec<u8>, VerifyError>;
    /// Whether a running broker holds the store's lock file; `None` if the store root (and so the
    /// lock file) is unknown.
    ///
    /// # Errors
    /// [`VerifyError::Io`] if the lock file exists but cannot be probed.
    fn lock_state(&self) -> Result<Option<LockState>, VerifyError>;
}

/// Where in a node's store a relative path lives: the commitlog directory (which
/// `storePathCommitLog` may move) or the store root (`config/`, `consumequeue/`, `checkpoint`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    /// The commitlog directory.
    CommitLog,
    /// The store root (`storePathRootDir`).
    Root,
}

/// A regular file under a store area, found by [`NodeStore::list_tree`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoreFile {
    /// Its path relative to the area, `/`-separated.
    pub rel: String,
    /// Its size in bytes.
    pub size: u64,
}

/// The write side a node needs for `upgrade-group` (copying a store, completing a slave, rewriting
/// the broker config). Kept apart from [`NodeStore`] so that read-only callers (verify-commitlog)
/// never hold a handle that can write; [`LocalNode`] implements both.
pub trait NodeAdmin: NodeStore {
    /// The broker config file this node was named by.
    fn config_path(&self) -> &Path;
    /// The store root (`storePathRootDir`).
    fn store_root(&self) -> &Path;
    /// Every regular file under `sub` of `area` (recursively), sorted by path; empty if `sub`
    /// does not exist.
    ///
    /// # Errors
    /// [`VerifyError::Io`] if a directory cannot be listed.
    fn list_tree(&self, area: Area, sub: &str) -> Result<Vec<StoreFile>, VerifyError>;
    /// md5 of `range` of a file (clamped to its size), as [`NodeStore::digest`].
    ///
    /// # Errors
    /// [`VerifyError::Io`] if the file cannot be read.
    fn digest_file(&self, area: Area, rel: &str, range: Range<u64>) -> Result<RangeDigest, VerifyError>;
    /// The bytes of `range` of a file (shorter if the file ends first).
    ///
    /// # Errors
    /// [`VerifyError::Io`] if the file cannot be read.
    fn read_file(&self, area: Area, rel: &str, range: Range<u64>) -> Result<Vec<u8>, VerifyError>;
    /// Writes `data` at `offset` of a file, creating it and its directories if needed; the file
    /// is never truncated.
    ///
    /// # Errors
    /// [`VerifyError::Io`] if the file cannot be written.
    fn write_file(&self, area: Area, rel: &str, offset: u64, data: &[u8]) -> Result<(), VerifyError>;
    /// Sets a file's length (extending with zeros, as preallocated commitlog files are), then
    /// flushes it to disk.
    ///
    /// # Errors
    /// [`VerifyError::Io`].
    fn finish_file(&self, area: Area, rel: &str, len: u64) -> Result<(), VerifyError>;
    /// Renames a file within an area (moving a divergent file aside).
    ///
    /// # Errors
    /// [`VerifyError::Io`].
    fn rename_file(&self, area: Area, from: &str, to: &str) -> Result<(), VerifyError>;
    /// Removes a file or a directory tree; a missing path is not an error.
    ///
    /// # Errors
    /// [`VerifyError::Io`].
    fn remove(&self, area: Area, rel: &str) -> Result<(), VerifyError>;
    /// The text of the broker config file.
    ///
    /// # Errors
    /// [`VerifyError::Io`].
    fn read_config(&self) -> Result<String, VerifyError>;
    /// Replaces the broker config file (write a temporary file, then rename).
    ///
    /// # Errors
    /// [`VerifyError::Io`].
    fn write_config(&self, text: &str) -> Result<(), VerifyError>;
    /// Copies the broker config file to `<config><suffix>` (a backup next to it) and returns the
    /// backup's path.
    ///
    /// # Errors
    /// [`VerifyError::Io`].
    fn backup_config(&self, suffix: &str) -> Result<PathBuf, VerifyError>;
    /// Puts a backup made by [`NodeAdmin::backup_config`] back in place of the config file.
    ///
    /// # Errors
    /// [`VerifyError::Io`].
    fn restore_config(&self, backup: &Path) -> Result<(), VerifyError>;
    /// Free bytes for an unprivileged user on the file system of the store root (or of its
    /// nearest existing ancestor).
    ///
    /// # Errors
    /// [`VerifyError::Io`] if `statvfs` fails.
    fn free_space(&self) -> Result<u64, VerifyError>;
    /// The text of a backup made by [`NodeAdmin::backup_config`].
    ///
    /// # Errors
    /// [`VerifyError::Io`].
    fn read_config_backup(&self, backup: &Path) -> Result<String, VerifyError>;
    /// Whether TCP `port` can be bound on the node's machine (a preflight check of the ports the
    /// new broker will listen on).
    ///
    /// # Errors
    /// [`VerifyError::Agent`] when a remote node cannot be asked.
    fn port_free(&self, port: u16) -> Result<bool, VerifyError>;
}

/// The result of probing a store's `lock` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockState {
    /// The lock file probed.
    pub path: PathBuf,
    /// Whether another process holds a lock on it.
    pub locked: bool,
}

/// A node whose commitlog directory is on this machine.
#[derive(Debug, Clone)]
pub struct LocalNode {
    name: String,
    commitlog_dir: PathBuf,
    lock_file: Option<PathBuf>,
    /// The config file and store root, when the node was named by a config file.
    config: Option<(PathBuf, PathBuf)>,
}

impl LocalNode {
    /// Parses a node argument: `dir:/path/to/commitlog` for a bare directory, anything else is a
    /// broker config file whose `storePathRootDir`/`storePathCommitLog` locate the store.
    ///
    /// A bare directory named `commitlog` is assumed to sit in its store root, whose `lock` file
    /// is then probed; any other bare directory has no known lock file.
    ///
    /// # Errors
    /// [`VerifyError::Config`] if the config file cannot be loaded.
    pub fn from_spec(role: &str, spec: &str) -> Result<Self, VerifyError> {
        if let Some(dir) = spec.strip_prefix("dir:") {
            let dir = PathBuf::from(dir);
            let lock_file = (dir.file_name().is_some_and(|n| n == "commitlog"))
                .then(|| dir.parent().map(|p| p.join(LOCK_FILE)))
                .flatten();
            return Ok(Self {
                name: spec.to_owned(),
                commitlog_dir: dir,
                lock_file,
                config: None,
            });
        }
        let (config, _warnings) =
            BrokerConfig::from_properties_file(spec).map_err(|source| VerifyError::Config {
                role: role.to_owned(),
                source,
            })?;
        Ok(Self {
            name: spec.to_owned(),
            commitlog_dir: config.commit_log_dir(),
            lock_file: Some(Path::new(&config.store_path_root_dir).join(LOCK_FILE)),
            config: Some((PathBuf::from(spec), PathBuf::from(&config.store_path_root_dir))),
        })
    }

    /// Opens a node named by a broker config file, for `upgrade-group`.
    ///
    /// # Errors
    /// [`VerifyError::Config`] if the config file cannot be loaded.
    pub fn from_config(role: &str, path: &Path) -> Result<Self, VerifyError> {
        Self::from_spec(role, &path.to_string_lossy())
    }

    fn area_path(&self, area: Area, rel: &str) -> PathBuf {
        match area {
            Area::CommitLog => self.commitlog_dir.join(rel),
            Area::Root => self.root().join(rel),
        }
    }

    fn root(&self) -> &Path {
        match &self.config {
            Some((_, root)) => root,
            None => self.commitlog_dir.parent().unwrap_or(Path::new("/")),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.commitlog_dir.join(name)
    }

    fn open_at(&self, name: &str, start: u64) -> Result<(File, PathBuf), VerifyError> {
        let path = self.path(name);
        let mut file = File::open(&path).map_err(io_err("open", &path))?;
        // SAFETY: posix_fadvise on a valid, owned descriptor only changes the kernel's read-ahead.
        unsafe {
            libc::posix_fadvise(file.as_raw_fd(), 0, 0, libc::POSIX_FADV_SEQUENTIAL);
        }
        file.seek(SeekFrom::Start(start))
            .map_err(io_err("seek in", &path))?;
        Ok((file, path))
    }
}

impl NodeStore for LocalNode {
    fn name(&self) -> &str {
        &self.name
    }

    fn commitlog_dir(&self) -> &Path {
        &self.commitlog_dir
    }

    fn list_files(&self) -> Result<Vec<CommitLogFile>, VerifyError> {
        let dir = &self.commitlog_dir;
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(io_err("list", dir))? {
            let entry = entry.map_err(io_err("list", dir))?;
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            if file_name_to_offset(&name).is_none() {
                continue;
            }
            let path = entry.path();
            let meta = std::fs::metadata(&path).map_err(io_err("stat", &path))?;
            if meta.is_file() {
                files.push(CommitLogFile {
                    name,
                    size: meta.len(),
                });
            }
        }
        files.sort_by_key(|f| file_name_to_offset(&f.name));
        Ok(files)
    }

    fn digest(
        &self,
        name: &str,
        range: Range<u64>,
        progress: &dyn Fn(u64),
    ) -> Result<RangeDigest, VerifyError> {
        let (file, path) = self.open_at(name, range.start)?;
        let mut hasher = Md5::new();
        let mut pos = range.start;
        let mut first_nonzero = None;
        let mut data_end = None;
        // Reading (a copy out of the page cache) and hashing overlap: a reader thread fills
        // buffers while this thread hashes the previous one, so the copy costs no wall time when
        // a core is free. Buffers go round between the two threads and are never reallocated.
        type Filled = std::io::Result<(Vec<u8>, usize)>;
        let (full_tx, full_rx) = mpsc::sync_channel::<Filled>(PIPELINE_BUFFERS);
        let (empty_tx, empty_rx) = mpsc::sync_channel::<Vec<u8>>(PIPELINE_BUFFERS);
        for _ in 0..PIPELINE_BUFFERS {
            // The channel has room for every buffer, so this cannot block or fail.
            let _ = empty_tx.send(vec![0u8; READ_BUFFER_SIZE]);
        }
        let len = range.end.saturating_sub(range.start);
        let result = std::thread::scope(|scope| {
            scope.spawn(move || read_chunks(file, len, &empty_rx, &full_tx));
            for message in &full_rx {
                let (buf, n) = message?;
                let chunk = &buf[..n];
                hasher.update(chunk);
                if first_nonzero.is_none() {
                    first_nonzero = first_nonzero_index(chunk).map(|i| pos + i as u64);
                }
                if let Some(i) = last_nonzero_index(chunk) {
                    data_end = Some(pos + i as u64 + 1);
                }
                pos += n as u64;
                progress(n as u64);
                // The reader may have finished already; then the buffer is simply dropped.
                let _ = empty_tx.send(buf);
            }
            Ok(())
        });
        result.map_err(io_err("read", &path))?;
        Ok(RangeDigest {
            md5: hasher.finalize().into(),
            len: pos - range.start,
            first_nonzero,
            data_end,
        })
    }

    fn read_range(&self, name: &str, range: Range<u64>) -> Result<Vec<u8>, VerifyError> {
        let (file, path) = self.open_at(name, range.start)?;
        let mut out = Vec::new();
        file.take(range.end.saturating_sub(range.start))
            .read_to_end(&mut out)
            .map_err(io_err("read", &path))?;
        Ok(out)
    }

    fn lock_state(&self) -> Result<Option<LockState>, VerifyError> {
        let Some(path) = &self.lock_file else {
            return Ok(None);
        };
        let locked = match File::open(path) {
            Ok(file) => broker::store::probe::is_locked(&file).map_err(io_err("probe the lock on", path))?,
            // No lock file: no broker ever ran here (RocketMQ creates it at start-up).
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(e) => return Err(io_err("open", path)(e)),
        };
        Ok(Some(LockState {
            path: path.clone(),
            locked,
        }))
    }
}

impl NodeAdmin for LocalNode {
    fn config_path(&self) -> &Path {
        match &self.config {
            Some((path, _)) => path,
            None => Path::new(""),
        }
    }

    fn store_root(&self) -> &Path {
        self.root()
    }

    fn list_tree(&self, area: Area, sub: &str) -> Result<Vec<StoreFile>, VerifyError> {
        let base = self.area_path(area, "");
        let start = self.area_path(area, sub);
        if !start.exists() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for entry in walkdir::WalkDir::new(&start).sort_by_file_name() {
            let entry = entry.map_err(|e| {
                let path = e.path().map_or_else(|| start.clone(), Path::to_path_buf);
                VerifyError::Io {
                    action: "list",
                    path,
                    source: e.into(),
                }
            })?;
            if !entry.file_type().is_file() {
                continue;
            }
            let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
            let rel = entry.path().strip_prefix(&base).unwrap_or(entry.path());
            out.push(StoreFile {
                rel: rel.to_string_lossy().into_owned(),
                size,
            });
        }
        Ok(out)
    }

    fn digest_file(&self, area: Area, rel: &str, range: Range<u64>) -> Result<RangeDigest, VerifyError> {
        match area {
            Area::CommitLog => self.digest(rel, range, &|_| {}),
            Area::Root => {
                let path = self.area_path(area, rel);
                let data = read_path(&path, range.clone())?;
                let mut hasher = Md5::new();
                hasher.update(&data);
                Ok(RangeDigest {
                    md5: hasher.finalize().into(),
                    len: data.len() as u64,
                    first_nonzero: first_nonzero_index(&data).map(|i| range.start + i as u64),
                    data_end: last_nonzero_index(&data).map(|i| range.start + i as u64 + 1),
                })
            }
        }
    }

    fn read_file(&self, area: Area, rel: &str, range: Range<u64>) -> Result<Vec<u8>, VerifyError> {
        read_path(&self.area_path(area, rel), range)
    }

    fn write_file(&self, area: Area, rel: &str, offset: u64, data: &[u8]) -> Result<(), VerifyError> {
        use std::os::unix::fs::FileExt;
        let path = self.area_path(area, rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io_err("create directory", dir))?;
        }
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io_err("open for writing", &path))?;
        file.write_all_at(data, offset).map_err(io_err("write", &path))
    }

    fn finish_file(&self, area: Area, rel: &str, len: u64) -> Result<(), VerifyError> {
        let path = self.area_path(area, rel);
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io_err("open for writing", &path))?;
        file.set_len(len).map_err(io_err("resize", &path))?;
        file.sync_all().map_err(io_err("flush", &path))
    }

    fn rename_file(&self, area: Area, from: &str, to: &str) -> Result<(), VerifyError> {
        let from = self.area_path(area, from);
        std::fs::rename(&from, self.area_path(area, to)).map_err(io_err("rename", &from))
    }

    fn remove(&self, area: Area, rel: &str) -> Result<(), VerifyError> {
        let path = self.area_path(area, rel);
        let result = match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_dir() => std::fs::remove_dir_all(&path),
            Ok(_) => std::fs::remove_file(&path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        };
        result.map_err(io_err("remove", &path))
    }

    fn read_config(&self) -> Result<String, VerifyError> {
        let path = self.config_path();
        std::fs::read_to_string(path).map_err(io_err("read", path))
    }

    fn write_config(&self, text: &str) -> Result<(), VerifyError> {
        let path = self.config_path();
        let tmp = PathBuf::from(format!("{}.tmp", path.display()));
        std::fs::write(&tmp, text).map_err(io_err("write", &tmp))?;
        std::fs::rename(&tmp, path).map_err(io_err("replace", path))
    }

    fn backup_config(&self, suffix: &str) -> Result<PathBuf, VerifyError> {
        let path = self.config_path();
        let backup = PathBuf::from(format!("{}{suffix}", path.display()));
        std::fs::copy(path, &backup).map_err(io_err("back up", path))?;
        Ok(backup)
    }

    fn restore_config(&self, backup: &Path) -> Result<(), VerifyError> {
        let text = std::fs::read_to_string(backup).map_err(io_err("read", backup))?;
        self.write_config(&text)
    }

    fn free_space(&self) -> Result<u64, VerifyError> {
        let mut dir = self.root().to_path_buf();
        while !dir.exists() {
            if !dir.pop() {
                dir = PathBuf::from("/");
                break;
            }
        }
        free_bytes(&dir)
    }

    fn read_config_backup(&self, backup: &Path) -> Result<String, VerifyError> {
        std::fs::read_to_string(backup).map_err(io_err("read", backup))
    }

    fn port_free(&self, port: u16) -> Result<bool, VerifyError> {
        Ok(std::net::TcpListener::bind(("0.0.0.0", port)).is_ok())
    }
}

fn read_path(path: &Path, range: Range<u64>) -> Result<Vec<u8>, VerifyError> {
    let mut file = File::open(path).map_err(io_err("open", path))?;
    file.seek(SeekFrom::Start(range.start))
        .map_err(io_err("seek in", path))?;
    let mut out = Vec::new();
    file.take(range.end.saturating_sub(range.start))
        .read_to_end(&mut out)
        .map_err(io_err("read", path))?;
    Ok(out)
}

/// `statvfs(2)`: bytes available to an unprivileged user on the file system holding `dir`.
fn free_bytes(dir: &Path) -> Result<u64, VerifyError> {
    broker::store::probe::free_bytes(dir).map_err(io_err("statvfs", dir))
}

/// The reader half of [`LocalNode::digest`]: reads up to `len` bytes of `file` into buffers taken
/// from `empty` and sends them, with the number of bytes filled, to `full`. Stops at end of file,
/// after sending a read error, or when the hashing side hangs up.
fn read_chunks(
    mut file: File,
    len: u64,
    empty: &mpsc::Receiver<Vec<u8>>,
    full: &mpsc::SyncSender<std::io::Result<(Vec<u8>, usize)>>,
) {
    let mut remaining = len;
    while remaining > 0 {
        let Ok(mut buf) = empty.recv() else { return };
        let want = usize::try_from(remaining).map_or(buf.len(), |r| r.min(buf.len()));
        let mut filled = 0;
        while filled < want {
            match file.read(&mut buf[filled..want]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    let _ = full.send(Err(e));
                    return;
                }
            }
        }
        if filled == 0 || full.send(Ok((buf, filled))).is_err() {
            return;
        }
        remaining -= filled as u64;
        if filled < want {
            return;
        }
    }
}

pub use broker::store::probe::{first_nonzero_index, last_nonzero_index};

/// Receives progress of the md5 pass (not of the narrowing search, which only runs on mismatch).
/// Called from several threads at once.
pub trait VerifyReporter: Sync {
    /// Hashing starts: `files` files on all nodes, `bytes` bytes in total.
    fn on_start(&self, files: usize, bytes: u64);
    /// `bytes` more bytes were hashed.
    fn on_bytes(&self, bytes: u64);
    /// The md5 pass is over.
    fn on_complete(&self);
}

/// A reporter that ignores everything (library callers and tests).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoReporter;

impl VerifyReporter for NoReporter {
    fn on_start(&self, _files: usize, _bytes: u64) {}
    fn on_bytes(&self, _bytes: u64) {}
    fn on_complete(&self) {}
}

/// The node's part in the group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The node every other node is compared with.
    Master,
    /// The master's slave.
    Slave,
    /// An optional third node (e.g. a copy prepared for the DLedger group).
    Third,
}

impl Role {
    /// Lower-case name used in messages and table headers.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Master => "master",
            Self::Slave => "slave",
            Self::Third => "third",
        }
    }
}

/// What to compare.
pub struct VerifyOptions {
    /// The nodes, master first. At least two.
    pub nodes: Vec<(Role, Box<dyn NodeStore>)>,
    /// How many of the master's newest files to compare. Default: [`DEFAULT_LAST`].
    pub last: usize,
    /// Read stores whose broker is running (their newest file may change while it is read).
    /// Default: `false`.
    pub allow_running: bool,
}

/// A verdict for one file or for the whole run, ordered from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Same size and md5.
    Identical,
    /// The other node holds a prefix of the master's data and zeros after it.
    SlaveBehind,
    /// The file exists on one side only.
    Missing,
    /// Different bytes at the same offset.
    Divergent,
}

impl Verdict {
    /// Human-readable form (`slave behind`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Identical => "identical",
            Self::SlaveBehind => "slave behind",
            Self::Missing => "missing",
            Self::Divergent => "divergent",
        }
    }
}

/// One node's copy of a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileCopy {
    /// File size in bytes.
    pub size: u64,
    /// md5 of the whole file, lower-case hex.
    pub md5: String,
    /// Written length: the position after the last non-zero byte.
    pub written: u64,
}

/// How one node's copy of a file compares with the master's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comparison {
    /// The node compared with the master.
    pub role: Role,
    /// The verdict for this pair.
    pub verdict: Verdict,
    /// For `divergent`: the first differing byte, as a global commitlog offset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_difference: Option<u64>,
    /// For `slave behind`: how many written bytes the node lacks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub behind_bytes: Option<u64>,
    /// For `missing`: the node that lacks the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing_on: Option<Role>,
}

/// One file name across the nodes.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    /// The 20-digit file name.
    pub name: String,
    /// Its start offset in the global commitlog address space.
    pub start_offset: u64,
    /// Each node's copy, in the order of [`VerifyReport::nodes`]; `None` where it is missing.
    pub copies: Vec<Option<FileCopy>>,
    /// One comparison per non-master node.
    pub comparisons: Vec<Comparison>,
    /// The worst verdict of the comparisons.
    pub verdict: Verdict,
}

/// A node as seen by the run.
#[derive(Debug, Clone, Serialize)]
pub struct NodeReport {
    /// Its part in the group.
    pub role: Role,
    /// How the operator named it.
    pub node: String,
    /// Its commitlog directory.
    pub commitlog_dir: PathBuf,
    /// Number of commitlog files in it.
    pub files: usize,
    /// Whether its broker was running (only known when `--allow-running` let us read anyway, or
    /// when the lock was free); `None` if the lock file is unknown.
    pub running: Option<bool>,
}

/// The result of `verify-commitlog`.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    /// The nodes, master first.
    pub nodes: Vec<NodeReport>,
    /// The files compared, by start offset.
    pub files: Vec<FileReport>,
    /// The worst file verdict.
    pub verdict: Verdict,
}

impl VerifyReport {
    /// How many files got each verdict, best first, omitting zero counts.
    pub fn counts(&self) -> Vec<(Verdict, usize)> {
        [
            Verdict::Identical,
            Verdict::SlaveBehind,
            Verdict::Missing,
            Verdict::Divergent,
        ]
        .into_iter()
        .map(|v| (v, self.files.iter().filter(|f| f.verdict == v).count()))
        .filter(|(_, n)| *n > 0)
        .collect()
    }
}

/// Compares the newest `last` master files with the same files on the other nodes.
///
/// # Errors
/// [`VerifyError::Locked`] if a node's broker is running (unless `allow_running`),
/// [`VerifyError::NoFiles`] if the master has no commitlog file, [`VerifyError::Io`] if a file
/// cannot be read.
pub fn verify_commitlog(
    options: &VerifyOptions,
    reporter: &dyn VerifyReporter,
) -> Result<VerifyReport, VerifyError> {
    let nodes = &options.nodes;
    let mut running = Vec::with_capacity(nodes.len());
    for (role, node) in nodes {
        let state = node.lock_state()?;
        if let Some(state) = &state {
            if state.locked && !options.allow_running {
                return Err(VerifyError::Locked {
                    role: role.as_str().to_owned(),
                    node: node.name().to_owned(),
                    lock: state.path.clone(),
                });
            }
        }
        running.push(state.map(|s| s.locked));
    }

    let listings = nodes
        .iter()
        .map(|(_, node)| node.list_files())
        .collect::<Result<Vec<_>, _>>()?;
    let master_files = &listings[0];
    let Some(first) = master_files
        .len()
        .checked_sub(options.last.max(1))
        .map_or(master_files.first(), |skip| master_files.get(skip))
    else {
        return Err(VerifyError::NoFiles {
            node: nodes[0].1.name().to_owned(),
            dir: nodes[0].1.commitlog_dir().to_owned(),
        });
    };
    // The master's newest files, plus anything newer that another node has and the master lacks.
    let from = file_name_to_offset(&first.name).unwrap_or(0);
    let names: BTreeSet<(u64, String)> = listings
        .iter()
        .flatten()
        .filter_map(|f| file_name_to_offset(&f.name).map(|o| (o, f.name.clone())))
        .filter(|(offset, _)| *offset >= from)
        .collect();

    // The md5 pass: one hashing thread per (node, file), each fed by its own reader thread.
    let jobs: Vec<(usize, &str, u64)> = names
        .iter()
        .flat_map(|(_, name)| {
            listings.iter().enumerate().filter_map(move |(i, files)| {
                files
                    .iter()
                    .find(|f| &f.name == name)
                    .map(|f| (i, name.as_str(), f.size))
            })
        })
        .collect();
    reporter.on_start(jobs.len(), jobs.iter().map(|j| j.2).sum());
    let digests: Vec<Result<RangeDigest, VerifyError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = jobs
            .iter()
            .map(|&(i, name, size)| {
                let node = &nodes[i].1;
                scope.spawn(move || node.digest(name, 0..size, &|n| reporter.on_bytes(n)))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect()
    });
    reporter.on_complete();
    let mut copies: Vec<Vec<Option<(u64, RangeDigest)>>> = vec![vec![None; nodes.len()]; names.len()];
    for (&(i, name, size), digest) in jobs.iter().zip(digests) {
        let row = names.iter().position(|(_, n)| n == name).unwrap_or_default();
        copies[row][i] = Some((size, digest?));
    }

    let mut files = Vec::with_capacity(names.len());
    for ((start_offset, name), row) in names.iter().zip(&copies) {
        let mut comparisons = Vec::new();
        for (i, (role, node)) in nodes.iter().enumerate().skip(1) {
            let (master_role, master) = (&nodes[0].0, &*nodes[0].1);
            let comparison = match (&row[0], &row[i]) {
                (None, None) => continue,
                (Some(_), None) | (None, Some(_)) => Comparison {
                    role: *role,
                    verdict: Verdict::Missing,
                    first_difference: None,
                    behind_bytes: None,
                    missing_on: Some(if row[0].is_none() { *master_role } else { *role }),
                },
                (Some(m), Some(s)) => {
                    compare(master, &**node, name, *m, *s)?.into_comparison(*role, *start_offset)
                }
            };
            comparisons.push(comparison);
        }
        let verdict = comparisons
            .iter()
            .map(|c| c.verdict)
            .max()
            .unwrap_or(Verdict::Identical);
        files.push(FileReport {
            name: name.clone(),
            start_offset: *start_offset,
            copies: row
                .iter()
                .map(|c| {
                    c.map(|(size, d)| FileCopy {
                        size,
                        md5: hex::encode(d.md5),
                        written: d.data_end.unwrap_or(0),
                    })
                })
                .collect(),
            comparisons,
            verdict,
        });
    }
    let verdict = files
        .iter()
        .map(|f| f.verdict)
        .max()
        .unwrap_or(Verdict::Identical);
    Ok(VerifyReport {
        nodes: nodes
            .iter()
            .zip(&listings)
            .zip(running)
            .map(|(((role, node), listing), running)| NodeReport {
                role: *role,
                node: node.name().to_owned(),
                commitlog_dir: node.commitlog_dir().to_owned(),
                files: listing.len(),
                running,
            })
            .collect(),
        files,
        verdict,
    })
}

/// The outcome of comparing two copies of one file, positions relative to the file start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PairOutcome {
    Identical,
    Behind { bytes: u64 },
    Divergent { at: u64 },
}

impl PairOutcome {
    fn into_comparison(self, role: Role, start_offset: u64) -> Comparison {
        let (verdict, first_difference, behind_bytes) = match self {
            Self::Identical => (Verdict::Identical, None, None),
            Self::Behind { bytes } => (Verdict::SlaveBehind, None, Some(bytes)),
            Self::Divergent { at } => (Verdict::Divergent, Some(start_offset + at), None),
        };
        Comparison {
            role,
            verdict,
            first_difference,
            behind_bytes,
            missing_on: None,
        }
    }
}

/// Compares the master's copy `m` with another node's copy `s`, each given as (size, digest).
fn compare(
    master: &dyn NodeStore,
    other: &dyn NodeStore,
    name: &str,
    (m_size, m): (u64, RangeDigest),
    (s_size, s): (u64, RangeDigest),
) -> Result<PairOutcome, VerifyError> {
    if m_size == s_size && m.md5 == s.md5 {
        return Ok(PairOutcome::Identical);
    }
    let m_end = m.data_end.unwrap_or(0);
    let s_end = s.data_end.unwrap_or(0);
    // Beyond both written ends both copies are zero, so the first difference (if it lies within
    // both files) is before max(m_end, s_end).
    let search_len = m_size.min(s_size).min(m_end.max(s_end));
    match first_difference(master, other, name, search_len)? {
        // The other copy's data ended before this point: it is a prefix of the master's.
        Some(at) if at >= s_end => Ok(PairOutcome::Behind {
            bytes: m_end.saturating_sub(s_end),
        }),
        Some(at) => Ok(PairOutcome::Divergent { at }),
        // Same bytes over the common size: they differ in length only.
        None if s_size < m_size => Ok(PairOutcome::Behind {
            bytes: m_end.saturating_sub(s_end),
        }),
        None if s_end > m_size => Ok(PairOutcome::Divergent { at: m_size }),
        // The other copy is longer but only with zeros: nothing written is lost or different.
        None => Ok(PairOutcome::Behind { bytes: 0 }),
    }
}

/// The first position below `len` where the two copies of `name` differ: halve the range while
/// the md5s of the left halves differ (else move right), then compare one small block byte by
/// byte. Each step hashes the same half on both nodes in parallel.
fn first_difference(
    a: &dyn NodeStore,
    b: &dyn NodeStore,
    name: &str,
    len: u64,
) -> Result<Option<u64>, VerifyError> {
    let (mut lo, mut hi) = (0u64, len);
    while hi - lo > COMPARE_BLOCK_SIZE {
        let mid = lo + (hi - lo) / 2;
        let (da, db) = std::thread::scope(|scope| {
            let left = scope.spawn(|| a.digest(name, lo..mid, &|_| {}));
            let db = b.digest(name, lo..mid, &|_| {});
            (
                left.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                db,
            )
        });
        let (da, db) = (da?, db?);
        if da.md5 != db.md5 || da.len != db.len {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    let (ba, bb) = (a.read_range(name, lo..hi)?, b.read_range(name, lo..hi)?);
    let common = ba.len().min(bb.len());
    let at = ba[..common]
        .iter()
        .zip(&bb[..common])
        .position(|(x, y)| x != y)
        .or((ba.len() != bb.len()).then_some(common));
    Ok(at.map(|i| lo + i as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonzero_scans() {
        let mut buf = vec![0u8; 3 * 4096 + 17];
        assert_eq!(first_nonzero_index(&buf), None);
        assert_eq!(last_nonzero_index(&buf), None);
        buf[5000] = 1;
        buf[9000] = 2;
        assert_eq!(first_nonzero_index(&buf), Some(5000));
        assert_eq!(last_nonzero_index(&buf), Some(9000));
        let last = buf.len() - 1;
        buf[last] = 3;
        assert_eq!(last_nonzero_index(&buf), Some(last));
        assert_eq!(first_nonzero_index(&[]), None);
    }

    #[test]
    fn local_digest_matches_md5_of_the_range() {
        let dir = tempfile::tempdir().unwrap();
        let len = 2 * READ_BUFFER_SIZE + 12_345;
        let mut bytes: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        bytes[..100].fill(0);
        bytes[len - 5000..].fill(0);
        let name = "00000000000000000000";
        std::fs::write(dir.path().join(name), &bytes).unwrap();
        let node = LocalNode::from_spec("master", &format!("dir:{}", dir.path().display())).unwrap();
        let size = len as u64;
        for range in [
            0..size,
            0..size + 999,
            7..READ_BUFFER_SIZE as u64 + 3,
            50..60,
            5..5,
        ] {
            let seen = std::sync::atomic::AtomicU64::new(0);
            let d = node
                .digest(name, range.clone(), &|n| {
                    seen.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
                })
                .unwrap();
            let end = range.end.min(size) as usize;
            let slice = &bytes[range.start as usize..end];
            let expected: [u8; 16] = Md5::digest(slice).into();
            assert_eq!(d.md5, expected, "{range:?}");
            assert_eq!(d.len, slice.len() as u64, "{range:?}");
            assert_eq!(seen.into_inner(), d.len, "{range:?}");
            let first = first_nonzero_index(slice).map(|i| range.start + i as u64);
            let last = last_nonzero_index(slice).map(|i| range.start + i as u64 + 1);
            assert_eq!((d.first_nonzero, d.data_end), (first, last), "{range:?}");
        }
        assert_eq!(
            node.digest(name, 0..size, &|_| {}).unwrap().data_end,
            Some(size - 5000)
        );
        assert!(node.digest("00000000000000000001", 0..1, &|_| {}).is_err());
    }

    #[test]
    fn verdicts_are_ordered_by_severity() {
        assert!(Verdict::Identical < Verdict::SlaveBehind);
        assert!(Verdict::SlaveBehind < Verdict::Missing);
        assert!(Verdict::Missing < Verdict::Divergent);
    }
}
