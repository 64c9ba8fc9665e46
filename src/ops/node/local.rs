//! [`LocalNode`]: a node whose store is on this machine, named by its broker config file (or by
//! `dir:/path/to/commitlog` for a bare commitlog directory). It implements [`NodeStore`] and
//! [`NodeAdmin`] with plain file I/O; the md5 pass reads and hashes in two threads so that the
//! copy out of the page cache costs no wall time.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::ops::Range;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use broker::config::BrokerConfig;
use broker::durable;
use broker::store::format::{file_name_to_offset, LOCK_FILE};
use broker::store::probe::{first_nonzero_index, last_nonzero_index};
use md5::{Digest, Md5};

use super::error::{io_err, NodeError};
use super::store::{Area, CommitLogFile, LockState, NodeAdmin, NodeStore, RangeDigest, StoreFile};

/// Read buffer of the md5 pass: large enough that syscalls cost nothing next to hashing.
pub const READ_BUFFER_SIZE: usize = 1024 * 1024;
/// Buffers in flight between the reader and the hasher of one file. Default: `3`.
pub const PIPELINE_BUFFERS: usize = 3;

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
    /// [`NodeError::Config`] if the config file cannot be loaded.
    pub fn from_spec(role: &str, spec: &str) -> Result<Self, NodeError> {
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
            BrokerConfig::from_properties_file(spec).map_err(|source| NodeError::Config {
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
    /// [`NodeError::Config`] if the config file cannot be loaded.
    pub fn from_config(role: &str, path: &Path) -> Result<Self, NodeError> {
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

    fn open_at(&self, name: &str, start: u64) -> Result<(File, PathBuf), NodeError> {
        let path = self.path(name);
        Ok((open_path_at(&path, start)?, path))
    }
}

impl NodeStore for LocalNode {
    fn name(&self) -> &str {
        &self.name
    }

    fn commitlog_dir(&self) -> &Path {
        &self.commitlog_dir
    }

    fn list_files(&self) -> Result<Vec<CommitLogFile>, NodeError> {
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
    ) -> Result<RangeDigest, NodeError> {
        digest_path(&self.path(name), range, progress)
    }

    fn read_range(&self, name: &str, range: Range<u64>) -> Result<Vec<u8>, NodeError> {
        let (file, path) = self.open_at(name, range.start)?;
        let mut out = Vec::new();
        file.take(range.end.saturating_sub(range.start))
            .read_to_end(&mut out)
            .map_err(io_err("read", &path))?;
        Ok(out)
    }

    fn lock_state(&self) -> Result<Option<LockState>, NodeError> {
        // A bare directory (`dir:`) may have no lock file we know of: a broker that runs on it
        // still maps its files, which /proc shows (issue 20 item 6: `dir:` skipped the check).
        if self.config.is_none() && mapped_by_a_process(&self.commitlog_dir) {
            return Ok(Some(LockState {
                path: self.commitlog_dir.clone(),
                locked: true,
            }));
        }
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

    fn list_tree(&self, area: Area, sub: &str) -> Result<Vec<StoreFile>, NodeError> {
        let base = self.area_path(area, "");
        let start = self.area_path(area, sub);
        if !start.exists() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for entry in walkdir::WalkDir::new(&start).sort_by_file_name() {
            let entry = entry.map_err(|e| {
                let path = e.path().map_or_else(|| start.clone(), Path::to_path_buf);
                NodeError::Io {
                    action: "list",
                    path,
                    source: e.into(),
                }
            })?;
            if !entry.file_type().is_file() {
                continue;
            }
            let meta = entry.metadata().ok();
            let rel = entry.path().strip_prefix(&base).unwrap_or(entry.path());
            out.push(StoreFile {
                rel: rel.to_string_lossy().into_owned(),
                size: meta.as_ref().map_or(0, std::fs::Metadata::len),
                mtime_ns: meta.as_ref().and_then(mtime_ns),
            });
        }
        Ok(out)
    }

    fn digest_file(&self, area: Area, rel: &str, range: Range<u64>) -> Result<RangeDigest, NodeError> {
        match area {
            Area::CommitLog => self.digest(rel, range, &|_| {}),
            Area::Root => digest_path(&self.area_path(area, rel), range, &|_| {}),
        }
    }

    fn read_file(&self, area: Area, rel: &str, range: Range<u64>) -> Result<Vec<u8>, NodeError> {
        read_path(&self.area_path(area, rel), range)
    }

    fn write_file(&self, area: Area, rel: &str, offset: u64, data: &[u8]) -> Result<(), NodeError> {
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

    fn finish_file(&self, area: Area, rel: &str, len: u64) -> Result<(), NodeError> {
        let path = self.area_path(area, rel);
        // An empty file gets no write_file call: its directory may not exist yet.
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io_err("create directory", dir))?;
        }
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io_err("open for writing", &path))?;
        file.set_len(len).map_err(io_err("resize", &path))?;
        file.sync_all().map_err(io_err("flush", &path))
    }

    fn rename_file(&self, area: Area, from: &str, to: &str) -> Result<(), NodeError> {
        let from = self.area_path(area, from);
        let to = self.area_path(area, to);
        if let Some(dir) = to.parent() {
            std::fs::create_dir_all(dir).map_err(io_err("create directory", dir))?;
        }
        std::fs::rename(&from, to).map_err(io_err("rename", &from))
    }

    fn remove(&self, area: Area, rel: &str) -> Result<(), NodeError> {
        let path = self.area_path(area, rel);
        let result = match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_dir() => std::fs::remove_dir_all(&path),
            Ok(_) => std::fs::remove_file(&path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        };
        result.map_err(io_err("remove", &path))
    }

    fn read_config(&self) -> Result<String, NodeError> {
        let path = self.config_path();
        std::fs::read_to_string(path).map_err(io_err("read", path))
    }

    fn write_config(&self, text: &str) -> Result<(), NodeError> {
        // The broker reads this file at its next start, possibly after a power loss: tmp, fsync,
        // rename, directory fsync.
        let path = self.config_path();
        durable::write_atomic(path, text.as_bytes()).map_err(|e| {
            let (action, at) = match e.action {
                "create" => ("write", e.path),
                "fsync" => ("flush", e.path),
                "rename" => ("replace", path.to_path_buf()),
                action => (action, e.path),
            };
            io_err(action, &at)(e.source)
        })
    }

    fn backup_config(&self, suffix: &str) -> Result<PathBuf, NodeError> {
        let path = self.config_path();
        let backup = PathBuf::from(format!("{}{suffix}", path.display()));
        std::fs::copy(path, &backup).map_err(io_err("back up", path))?;
        Ok(backup)
    }

    fn restore_config(&self, backup: &Path) -> Result<(), NodeError> {
        let text = std::fs::read_to_string(backup).map_err(io_err("read", backup))?;
        self.write_config(&text)
    }

    fn free_space(&self) -> Result<u64, NodeError> {
        let mut dir = self.root().to_path_buf();
        while !dir.exists() {
            if !dir.pop() {
                dir = PathBuf::from("/");
                break;
            }
        }
        free_bytes(&dir)
    }

    fn read_config_backup(&self, backup: &Path) -> Result<String, NodeError> {
        std::fs::read_to_string(backup).map_err(io_err("read", backup))
    }

    fn port_free(&self, port: u16) -> Result<bool, NodeError> {
        Ok(std::net::TcpListener::bind(("0.0.0.0", port)).is_ok())
    }
}

/// md5 of `range` of the file at `path` (clamped to its size), read and hashed in two threads.
pub(crate) fn digest_path(
    path: &Path,
    range: Range<u64>,
    progress: &dyn Fn(u64),
) -> Result<RangeDigest, NodeError> {
    let file = open_path_at(path, range.start)?;
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
    result.map_err(io_err("read", path))?;
    Ok(RangeDigest {
        md5: hasher.finalize().into(),
        len: pos - range.start,
        first_nonzero,
        data_end,
    })
}

fn open_path_at(path: &Path, start: u64) -> Result<File, NodeError> {
    let mut file = File::open(path).map_err(io_err("open", path))?;
    // SAFETY: posix_fadvise on a valid, owned descriptor only changes the kernel's read-ahead.
    unsafe {
        libc::posix_fadvise(file.as_raw_fd(), 0, 0, libc::POSIX_FADV_SEQUENTIAL);
    }
    file.seek(SeekFrom::Start(start))
        .map_err(io_err("seek in", path))?;
    Ok(file)
}

/// A file's modification time in nanoseconds since the Unix epoch.
pub(crate) fn mtime_ns(meta: &std::fs::Metadata) -> Option<u64> {
    let t = meta.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
    u64::try_from(t.as_nanos()).ok()
}

/// Where [`LocalNode::area_path`] puts `rel`, for the fast local copy.
impl LocalNode {
    pub(crate) fn file_path(&self, area: Area, rel: &str) -> PathBuf {
        self.area_path(area, rel)
    }
}

fn read_path(path: &Path, range: Range<u64>) -> Result<Vec<u8>, NodeError> {
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
/// Whether a process other than this one maps or holds open a file under `dir` (Linux
/// `/proc/*/maps` and `/proc/*/fd`; `false` where /proc cannot be read).
fn mapped_by_a_process(dir: &Path) -> bool {
    let Ok(dir) = std::fs::canonicalize(dir) else {
        return false;
    };
    let prefix = format!("{}/", dir.display());
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return false;
    };
    procs.flatten().any(|entry| {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            return false;
        };
        if pid == std::process::id() {
            return false;
        }
        let maps = std::fs::read_to_string(entry.path().join("maps")).unwrap_or_default();
        if maps.lines().any(|l| l.contains(&prefix)) {
            return true;
        }
        std::fs::read_dir(entry.path().join("fd")).is_ok_and(|fds| {
            fds.flatten().any(|fd| {
                std::fs::read_link(fd.path()).is_ok_and(|t| t.to_string_lossy().starts_with(&prefix))
            })
        })
    })
}

fn free_bytes(dir: &Path) -> Result<u64, NodeError> {
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
    fn write_config_replaces_the_file_and_leaves_no_tmp() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("broker.conf");
        let root = dir.path().join("store");
        let text = format!("brokerName=broker-a\nstorePathRootDir={}\n", root.display());
        std::fs::write(&config, &text).unwrap();
        let node = LocalNode::from_config("master", &config).unwrap();
        let new = format!("{text}brokerRole=SLAVE\n");
        node.write_config(&new).unwrap();
        assert_eq!(node.read_config().unwrap(), new);
        assert!(!dir.path().join("broker.conf.tmp").exists());
        std::fs::remove_dir_all(dir.path()).unwrap();
        let e = node.write_config(&text).unwrap_err();
        assert!(
            e.to_string().starts_with("failed to write `") && e.to_string().ends_with("broker.conf.tmp`"),
            "{e}"
        );
    }
}
