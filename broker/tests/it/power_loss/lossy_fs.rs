//! A file system that can lose power: what was not synced is gone, as after a power cut.
//!
//! It exists because `kill -9` leaves the page cache intact, so crash tests pass with no
//! fdatasync at all. This FUSE file system, served by a thread of the test process, keeps every
//! file in memory twice: as written (what reads see) and as of the file's last fsync/fdatasync
//! (what a disk holds after losing power). Writes through a shared map reach it when the kernel
//! writes the dirty pages back, which fsync/fdatasync/msync(MS_SYNC) force before the kernel sends
//! FUSE_FSYNC: a sync made by the store is the only way bytes become durable here.
//! [`Disk::lose_power`] unmounts (after the processes using it were killed), rolls every file
//! back to its synced content and size, and mounts again with an empty page cache.
//!
//! The file system is served by a process of its own ([`serve`], the test binary started again
//! with [`SERVE_ENV`] set), never by a thread of the test process: a process that maps a file
//! of a FUSE file system it serves itself can deadlock (a page fault waits for the server, and
//! the server waits for the faulting process's memory lock), and a test process dying while it
//! serves would leave every reader of the mount waiting forever. The server exits, unmounting,
//! when its standard input closes, so a test that dies takes its disks with it.
//!
//! The model: a file's data and size are durable at that file's fsync/fdatasync only (stricter
//! than ext4, which may write back more); directory entries (create, mkdir, rename, unlink) are
//! durable at once (more lenient than a real file system, where they need the directory's fsync).
//! The tests check the data path, which is where SYNC_FLUSH makes its promise.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ffi::{CString, OsStr, OsString};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use fuser::{
    FileAttr, FileType, Filesystem, MountOption, ReplyAttr, ReplyCreate, ReplyData, ReplyDirectory,
    ReplyEmpty, ReplyEntry, ReplyOpen, ReplyStatfs, ReplyWrite, Request, TimeOrNow,
};

const PAGE: u64 = 4096;
/// How long the kernel may cache entries and attributes: every change goes through the kernel,
/// so its cache stays right.
const TTL: Duration = Duration::from_secs(1);
const ROOT: u64 = 1;
/// `write_flags` bit of a write-back of cached (for instance mapped) pages.
const FUSE_WRITE_CACHE: u32 = 1;
/// Capacity reported by statfs: 64 GiB, so the store's disk-usage checks never trip.
const BLOCKS: u64 = 16 << 20;

/// A file's bytes: `size`, and the 4 KiB pages that were ever written (the rest read as zeros).
#[derive(Clone, Default)]
struct Content {
    size: u64,
    pages: BTreeMap<u64, Box<[u8]>>,
}

impl Content {
    fn read(&self, offset: u64, len: u64) -> Vec<u8> {
        let end = offset.saturating_add(len).min(self.size);
        if offset >= end {
            return Vec::new();
        }
        let mut out = vec![0; (end - offset) as usize];
        for (&p, page) in self.pages.range(offset / PAGE..=(end - 1) / PAGE) {
            let start = p * PAGE;
            let (from, to) = (offset.max(start), end.min(start + PAGE));
            out[(from - offset) as usize..(to - offset) as usize]
                .copy_from_slice(&page[(from - start) as usize..(to - start) as usize]);
        }
        out
    }

    /// Writes `data` at `offset`, noting the pages it touched in `dirty`.
    fn write(&mut self, offset: u64, data: &[u8], dirty: &mut BTreeSet<u64>) {
        let end = offset + data.len() as u64;
        let mut pos = offset;
        while pos < end {
            let p = pos / PAGE;
            let start = p * PAGE;
            let to = end.min(start + PAGE);
            let page = self
                .pages
                .entry(p)
                .or_insert_with(|| vec![0; PAGE as usize].into_boxed_slice());
            page[(pos - start) as usize..(to - start) as usize]
                .copy_from_slice(&data[(pos - offset) as usize..(to - offset) as usize]);
            dirty.insert(p);
            pos = to;
        }
        self.size = self.size.max(end);
    }

    fn truncate(&mut self, size: u64, dirty: &mut BTreeSet<u64>) {
        if size < self.size {
            let gone: Vec<u64> = self.pages.range(size.div_ceil(PAGE)..).map(|(p, _)| *p).collect();
            for p in gone {
                self.pages.remove(&p);
                dirty.insert(p);
            }
            if let Some(page) = self.pages.get_mut(&(size / PAGE)) {
                page[(size % PAGE) as usize..].fill(0);
                dirty.insert(size / PAGE);
            }
        }
        self.size = size;
    }
}

#[derive(Default)]
struct FileNode {
    /// What reads see.
    live: Content,
    /// As of the last fsync/fdatasync.
    synced: Content,
    /// Pages of `live` changed since then.
    dirty: BTreeSet<u64>,
}

enum Kind {
    Dir(BTreeMap<OsString, u64>),
    File(FileNode),
}

struct Node {
    kind: Kind,
    perm: u16,
    mtime: SystemTime,
    /// Directory entries naming it (0 once unlinked; kept while the kernel may still use it).
    links: u32,
}

/// Counters of what reached the file system, for the tests to show which paths they exercised.
#[derive(Debug, Clone, Copy, Default, serde::Serialize, serde::Deserialize)]
pub struct Stats {
    /// fsync/fdatasync of files.
    pub fsyncs: u64,
    /// Writes that were write-backs of cached pages (the store's shared maps).
    pub cache_writes: u64,
    /// Writes made by write(2)/pwrite(2).
    pub direct_writes: u64,
    pub fallocates: u64,
}

/// What one power loss discarded.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Loss {
    /// Path of every file that lost unsynced bytes, with the number of 4 KiB pages rolled back.
    pub files: BTreeMap<String, usize>,
}

impl Loss {
    /// Pages rolled back in files whose path contains `part`.
    pub fn pages_in(&self, part: &str) -> usize {
        self.files
            .iter()
            .filter(|(p, _)| p.contains(part))
            .map(|(_, n)| n)
            .sum()
    }
}

struct State {
    nodes: HashMap<u64, Node>,
    next: u64,
    stats: Stats,
}

impl State {
    fn new() -> Self {
        let root = Node {
            kind: Kind::Dir(BTreeMap::new()),
            perm: 0o755,
            mtime: SystemTime::now(),
            links: 1,
        };
        Self {
            nodes: HashMap::from([(ROOT, root)]),
            next: ROOT + 1,
            stats: Stats::default(),
        }
    }

    fn attr(&self, ino: u64) -> Option<FileAttr> {
        let n = self.nodes.get(&ino)?;
        let (kind, size, pages) = match &n.kind {
            Kind::Dir(e) => (FileType::Directory, e.len() as u64, 0),
            Kind::File(f) => (FileType::RegularFile, f.live.size, f.live.pages.len() as u64),
        };
        Some(FileAttr {
            ino,
            size,
            blocks: pages * (PAGE / 512),
            atime: n.mtime,
            mtime: n.mtime,
            ctime: n.mtime,
            crtime: n.mtime,
            kind,
            perm: n.perm,
            nlink: n.links.max(1),
            uid: 0,
            gid: 0,
            rdev: 0,
            blksize: PAGE as u32,
            flags: 0,
        })
    }

    fn dir(&mut self, ino: u64) -> Result<&mut BTreeMap<OsString, u64>, i32> {
        match self.nodes.get_mut(&ino).map(|n| &mut n.kind) {
            Some(Kind::Dir(e)) => Ok(e),
            Some(_) => Err(libc::ENOTDIR),
            None => Err(libc::ENOENT),
        }
    }

    fn file(&mut self, ino: u64) -> Result<&mut FileNode, i32> {
        match self.nodes.get_mut(&ino).map(|n| &mut n.kind) {
            Some(Kind::File(f)) => Ok(f),
            Some(_) => Err(libc::EISDIR),
            None => Err(libc::ENOENT),
        }
    }

    fn add(&mut self, parent: u64, name: &OsStr, kind: Kind, mode: u32) -> Result<u64, i32> {
        let ino = self.next;
        let entries = self.dir(parent)?;
        if entries.contains_key(name) {
            return Err(libc::EEXIST);
        }
        entries.insert(name.to_os_string(), ino);
        self.next += 1;
        let node = Node {
            kind,
            perm: (mode & 0o7777) as u16,
            mtime: SystemTime::now(),
            links: 1,
        };
        self.nodes.insert(ino, node);
        Ok(ino)
    }

    /// Drops `name` from `parent`; the node stays (with no links) while the kernel may use it.
    fn remove(&mut self, parent: u64, name: &OsStr, want_dir: bool) -> Result<(), i32> {
        let ino = *self.dir(parent)?.get(name).ok_or(libc::ENOENT)?;
        match (&self.nodes[&ino].kind, want_dir) {
            (Kind::Dir(e), true) if !e.is_empty() => return Err(libc::ENOTEMPTY),
            (Kind::Dir(_), false) => return Err(libc::EISDIR),
            (Kind::File(_), true) => return Err(libc::ENOTDIR),
            _ => {}
        }
        self.dir(parent)?.remove(name);
        if let Some(n) = self.nodes.get_mut(&ino) {
            n.links = 0;
        }
        Ok(())
    }

    fn sync(&mut self, ino: u64) -> Result<(), i32> {
        let f = self.file(ino)?;
        for p in std::mem::take(&mut f.dirty) {
            match f.live.pages.get(&p) {
                Some(page) => f.synced.pages.insert(p, page.clone()),
                None => f.synced.pages.remove(&p),
            };
        }
        f.synced.size = f.live.size;
        self.stats.fsyncs += 1;
        Ok(())
    }

    fn path_of(&self, ino: u64) -> String {
        let mut parents = HashMap::new();
        for (&dir, n) in &self.nodes {
            if let Kind::Dir(e) = &n.kind {
                for (name, &child) in e {
                    parents.insert(child, (dir, name.clone()));
                }
            }
        }
        let mut parts = Vec::new();
        let mut at = ino;
        while let Some((dir, name)) = parents.get(&at) {
            parts.push(name.to_string_lossy().into_owned());
            at = *dir;
        }
        parts.reverse();
        parts.join("/")
    }

    /// Every file back to its synced content and size; unlinked files are gone.
    fn lose_unsynced(&mut self) -> Loss {
        let mut loss = Loss::default();
        self.nodes.retain(|&ino, n| ino == ROOT || n.links > 0);
        let lost: Vec<(u64, usize)> = self
            .nodes
            .iter()
            .filter_map(|(&ino, n)| match &n.kind {
                Kind::File(f) if !f.dirty.is_empty() || f.live.size != f.synced.size => {
                    Some((ino, f.dirty.len()))
                }
                _ => None,
            })
            .collect();
        for (ino, pages) in lost {
            loss.files.insert(self.path_of(ino), pages);
        }
        for n in self.nodes.values_mut() {
            if let Kind::File(f) = &mut n.kind {
                f.live = f.synced.clone();
                f.dirty.clear();
            }
        }
        loss
    }
}

/// The FUSE side: every request handled under the one state lock.
struct Fs(Arc<Mutex<State>>);

impl Fs {
    fn st(&self) -> MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn reply_entry(st: &State, ino: Result<u64, i32>, reply: ReplyEntry) {
    match ino.and_then(|i| st.attr(i).ok_or(libc::ENOENT)) {
        Ok(a) => reply.entry(&TTL, &a, 0),
        Err(e) => reply.error(e),
    }
}

fn done(r: Result<(), i32>, reply: ReplyEmpty) {
    match r {
        Ok(()) => reply.ok(),
        Err(e) => reply.error(e),
    }
}

impl Filesystem for Fs {
    fn lookup(&mut self, _req: &Request<'_>, parent: u64, name: &OsStr, reply: ReplyEntry) {
        let mut st = self.st();
        let ino = st
            .dir(parent)
            .and_then(|e| e.get(name).copied().ok_or(libc::ENOENT));
        reply_entry(&st, ino, reply);
    }

    fn getattr(&mut self, _req: &Request<'_>, ino: u64, _fh: Option<u64>, reply: ReplyAttr) {
        match self.st().attr(ino) {
            Some(a) => reply.attr(&TTL, &a),
            None => reply.error(libc::ENOENT),
        }
    }

    fn setattr(
        &mut self,
        _req: &Request<'_>,
        ino: u64,
        mode: Option<u32>,
        _uid: Option<u32>,
        _gid: Option<u32>,
        size: Option<u64>,
        _atime: Option<TimeOrNow>,
        mtime: Option<TimeOrNow>,
        _ctime: Option<SystemTime>,
        _fh: Option<u64>,
        _crtime: Option<SystemTime>,
        _chgtime: Option<SystemTime>,
        _bkuptime: Option<SystemTime>,
        _flags: Option<u32>,
        reply: ReplyAttr,
    ) {
        let mut st = self.st();
        if let Some(size) = size {
            match st.file(ino) {
                Ok(f) => f.live.truncate(size, &mut f.dirty),
                Err(e) => return reply.error(e),
            }
        }
        let Some(n) = st.nodes.get_mut(&ino) else {
            return reply.error(libc::ENOENT);
        };
        if let Some(mode) = mode {
            n.perm = (mode & 0o7777) as u16;
        }
        match mtime {
            Some(TimeOrNow::SpecificTime(t)) => n.mtime = t,
            Some(TimeOrNow::Now) => n.mtime = SystemTime::now(),
            None if size.is_some() => n.mtime = SystemTime::now(),
            None => {}
        }
        let a = st.attr(ino).expect("just found");
        reply.attr(&TTL, &a);
    }

    fn mknod(
        &mut self,
        _req: &Request<'_>,
        parent: u64,
        name: &OsStr,
        mode: u32,
        _umask: u32,
        _rdev: u32,
        reply: ReplyEntry,
    ) {
        if mode & libc::S_IFMT != libc::S_IFREG {
            return reply.error(libc::EPERM);
        }
        let mut st = self.st();
        let ino = st.add(parent, name, Kind::File(FileNode::default()), mode);
        reply_entry(&st, ino, reply);
    }

    fn mkdir(
        &mut self,
        _req: &Request<'_>,
        parent: u64,
        name: &OsStr,
        mode: u32,
        _umask: u32,
        reply: ReplyEntry,
    ) {
        let mut st = self.st();
        let ino = st.add(parent, name, Kind::Dir(BTreeMap::new()), mode);
        reply_entry(&st, ino, reply);
    }

    fn unlink(&mut self, _req: &Request<'_>, parent: u64, name: &OsStr, reply: ReplyEmpty) {
        done(self.st().remove(parent, name, false), reply);
    }

    fn rmdir(&mut self, _req: &Request<'_>, parent: u64, name: &OsStr, reply: ReplyEmpty) {
        done(self.st().remove(parent, name, true), reply);
    }

    fn rename(
        &mut self,
        _req: &Request<'_>,
        parent: u64,
        name: &OsStr,
        newparent: u64,
        newname: &OsStr,
        flags: u32,
        reply: ReplyEmpty,
    ) {
        let mut st = self.st();
        let r = (|| {
            if flags & libc::RENAME_EXCHANGE != 0 {
                return Err(libc::EINVAL);
            }
            let ino = *st.dir(parent)?.get(name).ok_or(libc::ENOENT)?;
            if let Some(&old) = st.dir(newparent)?.get(newname) {
                if old == ino {
                    return Ok(());
                }
                if flags & libc::RENAME_NOREPLACE != 0 {
                    return Err(libc::EEXIST);
                }
                let is_dir = matches!(st.nodes[&old].kind, Kind::Dir(_));
                st.remove(newparent, newname, is_dir)?;
            }
            st.dir(parent)?.remove(name);
            st.dir(newparent)?.insert(newname.to_os_string(), ino);
            Ok(())
        })();
        done(r, reply);
    }

    fn open(&mut self, _req: &Request<'_>, ino: u64, _flags: i32, reply: ReplyOpen) {
        match self.st().nodes.contains_key(&ino) {
            true => reply.opened(0, 0),
            false => reply.error(libc::ENOENT),
        }
    }

    fn read(
        &mut self,
        _req: &Request<'_>,
        ino: u64,
        _fh: u64,
        offset: i64,
        size: u32,
        _flags: i32,
        _lock_owner: Option<u64>,
        reply: ReplyData,
    ) {
        match self.st().file(ino) {
            Ok(f) => reply.data(&f.live.read(offset as u64, u64::from(size))),
            Err(e) => reply.error(e),
        }
    }

    fn write(
        &mut self,
        _req: &Request<'_>,
        ino: u64,
        _fh: u64,
        offset: i64,
        data: &[u8],
        write_flags: u32,
        _flags: i32,
        _lock_owner: Option<u64>,
        reply: ReplyWrite,
    ) {
        let mut st = self.st();
        if write_flags & FUSE_WRITE_CACHE != 0 {
            st.stats.cache_writes += 1;
        } else {
            st.stats.direct_writes += 1;
        }
        match st.file(ino) {
            Ok(f) => {
                f.live.write(offset as u64, data, &mut f.dirty);
                if let Some(n) = st.nodes.get_mut(&ino) {
                    n.mtime = SystemTime::now();
                }
                reply.written(data.len() as u32);
            }
            Err(e) => reply.error(e),
        }
    }

    fn flush(&mut self, _req: &Request<'_>, _ino: u64, _fh: u64, _lock_owner: u64, reply: ReplyEmpty) {
        reply.ok();
    }

    fn fsync(&mut self, _req: &Request<'_>, ino: u64, _fh: u64, _datasync: bool, reply: ReplyEmpty) {
        done(self.st().sync(ino), reply);
    }

    fn readdir(&mut self, _req: &Request<'_>, ino: u64, _fh: u64, offset: i64, mut reply: ReplyDirectory) {
        let mut st = self.st();
        let entries: Vec<(u64, OsString)> = match st.dir(ino) {
            Ok(e) => e.iter().map(|(n, i)| (*i, n.clone())).collect(),
            Err(e) => return reply.error(e),
        };
        let all = [(ino, OsString::from(".")), (ino, OsString::from(".."))]
            .into_iter()
            .chain(entries);
        for (i, (child, name)) in all.enumerate().skip(offset as usize) {
            let kind = match st.nodes.get(&child).map(|n| &n.kind) {
                Some(Kind::File(_)) => FileType::RegularFile,
                _ => FileType::Directory,
            };
            if reply.add(child, i as i64 + 1, kind, &name) {
                break;
            }
        }
        reply.ok();
    }

    fn fsyncdir(&mut self, _req: &Request<'_>, _ino: u64, _fh: u64, _datasync: bool, reply: ReplyEmpty) {
        // Directory entries are durable at once in this model.
        reply.ok();
    }

    fn statfs(&mut self, _req: &Request<'_>, _ino: u64, reply: ReplyStatfs) {
        let st = self.st();
        let used: u64 = st
            .nodes
            .values()
            .map(|n| match &n.kind {
                Kind::File(f) => f.live.pages.len() as u64,
                Kind::Dir(_) => 0,
            })
            .sum();
        let free = BLOCKS.saturating_sub(used);
        reply.statfs(
            BLOCKS,
            free,
            free,
            1 << 20,
            1 << 20,
            PAGE as u32,
            255,
            PAGE as u32,
        );
    }

    fn access(&mut self, _req: &Request<'_>, _ino: u64, _mask: i32, reply: ReplyEmpty) {
        reply.ok();
    }

    fn create(
        &mut self,
        _req: &Request<'_>,
        parent: u64,
        name: &OsStr,
        mode: u32,
        _umask: u32,
        flags: i32,
        reply: ReplyCreate,
    ) {
        let mut st = self.st();
        let existing = st.dir(parent).map(|e| e.get(name).copied());
        let ino = match existing {
            Err(e) => Err(e),
            Ok(Some(_)) if flags & libc::O_EXCL != 0 => Err(libc::EEXIST),
            Ok(Some(ino)) => Ok(ino),
            Ok(None) => st.add(parent, name, Kind::File(FileNode::default()), mode),
        };
        match ino.and_then(|i| st.attr(i).ok_or(libc::ENOENT)) {
            Ok(a) => reply.created(&TTL, &a, 0, 0, 0),
            Err(e) => reply.error(e),
        }
    }

    fn fallocate(
        &mut self,
        _req: &Request<'_>,
        ino: u64,
        _fh: u64,
        offset: i64,
        length: i64,
        mode: i32,
        reply: ReplyEmpty,
    ) {
        let mut st = self.st();
        st.stats.fallocates += 1;
        let r = st.file(ino).and_then(|f| match mode {
            0 => {
                // Reserving blocks: only the size can change, as with a real disk.
                f.live.size = f.live.size.max((offset + length) as u64);
                Ok(())
            }
            libc::FALLOC_FL_KEEP_SIZE => Ok(()),
            _ => Err(libc::EOPNOTSUPP),
        });
        done(r, reply);
    }
}

/// Set (to a mount point) in the environment of a test binary started as a [`serve`]r.
pub const SERVE_ENV: &str = "MQ_LOSSYFS_SERVE";
/// Prefix of the server's answers on its stdout (the test harness prints there too).
const ANSWER: &str = "lossyfs: ";

fn unmount(at: &Path, flags: i32) -> std::io::Result<()> {
    let path = CString::new(at.as_os_str().as_bytes()).map_err(std::io::Error::other)?;
    // SAFETY: umount2 reads the NUL-terminated path only.
    match unsafe { libc::umount2(path.as_ptr(), flags) } {
        0 => Ok(()),
        _ => Err(std::io::Error::last_os_error()),
    }
}

/// Ends a session after its file system was unmounted: drops its mount, then waits for its
/// thread. The thread may end with an error from the unmount race (its read of the FUSE device
/// fails in another way than "unmounted"); the files live in the shared state, not in the
/// session, so that error is reported on stderr instead of ending the server as fuser's own
/// `join` would (by panicking, which the test only saw as a missing answer).
#[allow(clippy::print_stderr)]
fn end_session(s: fuser::BackgroundSession) {
    let guard = {
        let s = s;
        s.guard
    };
    match guard.join() {
        Ok(Ok(())) => {}
        Ok(Err(e)) => eprintln!("lossyfs: the session ended with an error after the unmount: {e}"),
        Err(_) => eprintln!("lossyfs: the session thread panicked"),
    }
}

/// The server side: mounts a new, empty file system at `at` and answers commands read from
/// stdin, one a line, on stdout: `lose` (the power cut: unmount, roll back, mount again; answers
/// the [`Loss`]), `stats` (answers the [`Stats`]). At end of input it unmounts and returns.
// The answers go to stdout: that is the protocol with [`Disk`].
#[allow(clippy::print_stdout)]
pub fn serve(at: &Path) {
    let state = Arc::new(Mutex::new(State::new()));
    let mount = || {
        let opts = [
            MountOption::FSName("lossyfs".into()),
            MountOption::RW,
            MountOption::NoAtime,
        ];
        fuser::spawn_mount2(Fs(state.clone()), at, &opts)
    };
    let mut session = match mount() {
        Ok(s) => Some(s),
        Err(e) => {
            println!("{ANSWER}error mounting {}: {e}", at.display());
            return;
        }
    };
    println!("{ANSWER}mounted");
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let answer = match line.trim() {
            "lose" => (|| {
                unmount(at, 0).map_err(|e| format!("unmounting {}: {e}", at.display()))?;
                if let Some(s) = session.take() {
                    end_session(s);
                }
                let loss = state.lock().unwrap_or_else(|p| p.into_inner()).lose_unsynced();
                session = Some(mount().map_err(|e| format!("mounting again: {e}"))?);
                serde_json::to_string(&loss).map_err(|e| e.to_string())
            })(),
            "stats" => {
                let stats = state.lock().unwrap_or_else(|p| p.into_inner()).stats;
                serde_json::to_string(&stats).map_err(|e| e.to_string())
            }
            other => Err(format!("unknown command {other:?}")),
        };
        match answer {
            Ok(a) => println!("{ANSWER}{a}"),
            Err(e) => println!("{ANSWER}error {e}"),
        }
    }
    if session.take().is_some() {
        // Lazy: a process of a failed test may still hold files there.
        let _ = unmount(at, libc::MNT_DETACH);
    }
}

/// A [`serve`]r process and its mount point: the "disk" of one machine.
pub struct Disk {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

impl Disk {
    /// Starts a server mounting a new, empty file system at `at` (an existing empty directory);
    /// needs root (the mount(2) call) and `/dev/fuse`. The server is this test binary, running
    /// only the test `entry` (which must call [`serve`] when [`SERVE_ENV`] is set).
    pub fn mount(at: &Path, entry: &str) -> Result<Self, String> {
        let mut child = Command::new(std::env::current_exe().map_err(|e| e.to_string())?)
            .args([entry, "--exact", "--nocapture", "--test-threads=1"])
            .env(SERVE_ENV, at)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("starting the file system server: {e}"))?;
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().expect("piped"));
        let mut d = Self { child, stdin, stdout };
        match d.answer()?.as_str() {
            "mounted" => Ok(d),
            other => Err(other.to_string()),
        }
    }

    /// The server's next answer line (its prefix removed).
    fn answer(&mut self) -> Result<String, String> {
        let mut line = String::new();
        loop {
            line.clear();
            match self.stdout.read_line(&mut line) {
                Ok(0) => return Err("the file system server exited".into()),
                Ok(_) => {}
                Err(e) => return Err(format!("reading the file system server: {e}")),
            }
            // The harness may have printed the test's name on the same line.
            if let Some((_, a)) = line.trim_end().split_once(ANSWER) {
                return match a.strip_prefix("error ") {
                    Some(e) => Err(e.to_string()),
                    None => Ok(a.to_string()),
                };
            }
        }
    }

    fn ask<T: serde::de::DeserializeOwned>(&mut self, command: &str) -> T {
        let stdin = self.stdin.as_mut().expect("server running");
        writeln!(stdin, "{command}").expect("writing to the file system server");
        let a = self.answer().unwrap_or_else(|e| panic!("{command}: {e}"));
        serde_json::from_str(&a).unwrap_or_else(|e| panic!("{command}: {e}: {a}"))
    }

    /// The power cut: unmounts (the processes writing here must be dead already: a busy mount
    /// fails the test), rolls every file back to what was last synced, and mounts again, so
    /// the next reader starts from an empty page cache.
    pub fn lose_power(&mut self) -> Loss {
        self.ask("lose")
    }

    pub fn stats(&mut self) -> Stats {
        self.ask("stats")
    }
}

impl Drop for Disk {
    fn drop(&mut self) {
        // End of input: the server unmounts and exits.
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}
