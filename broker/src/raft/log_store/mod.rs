//! The Raft log of a DLedger broker, stored in DLedger's own file layout (spec §6.1).
//!
//! The log IS the message store: each RocketMQ record is the body of one DLedger entry, so there
//! is no second copy of message data. This module implements openraft's [`RaftLogStorage`] and
//! [`RaftLogReader`] on top of:
//!
//! - `data/`: fixed-size files named by their 20-digit start offset. Entries are appended back to
//!   back with the 48-byte header (magic=1, size, index, term, pos, channel, chainCrc, bodyCrc,
//!   bodyLen). When `size + 8` does not fit in the rest of a file, a blank (int32 -1, int32
//!   remaining) is written and the entry goes to the next file. The first file of an empty store
//!   starts at `base_offset` (`dividedCommitlogOffset` when upgrading from an old commitlog,
//!   §6.3). Every record is a DLedger entry of its own; an openraft entry carrying K records
//!   (the leader batches concurrent sends) is K consecutive DLedger entries in one data file,
//!   of channel kind `KIND_RECORD_MORE` but the last (`KIND_RECORD`). DLedger `index` fields
//!   stay consecutive; the openraft index counts openraft entries, so the two are equal until
//!   the first batched entry (and in every store DLedger wrote). openraft's first entry (the
//!   membership written by `initialize`) has index 0, as DLedger's first entry.
//! - No `index/` files (DLedger's, per DLedger index). Instead, our own position files
//!   (`raft-positions/`, see [`positions`]) hold one fixed-size unit per openraft entry, and
//!   `raft-positions/positions.ckpt` says up to which entry they and the data are flushed. The
//!   newest entries' positions are also kept in memory; older ones are read from the units.
//!   Opening the log reads the data files only from the last file holding a checkpointed entry
//!   (see `recovery`), so it takes the same time whatever the size of the log. After a purge,
//!   the `checkpoint` keeps the DLedger index of the last purged record so that recovery can
//!   number the openraft entries that follow it.
//! - `currterm` (`currTerm=`, `voteLeader=`, `voteCommitted=`) and `checkpoint` (`endIndex=`,
//!   `committedIndex=` plus our `committedTerm/Leader` and `purged*` keys), text files written
//!   to `<name>.tmp`, fsynced and renamed. The vote and the purge point are made durable
//!   (directory fsync) before the call returns; the commit index, like DLedger's checkpoint,
//!   is written at most every [`CHECKPOINT_INTERVAL`] and at shutdown.
//!
//! Deviations from DLedger, both needed by openraft and documented in `store::format::dledger`:
//! `channel` carries the entry kind and the proposing leader's node id (a log id is (term,
//! leader, index)); `bodyCrc` is CRC32 of the body so a torn tail whose header reached the disk
//! but whose body did not is detected at recovery (0 means "not checked", as DLedger writes).
//!
//! Durability follows the broker's `flushDiskType` ([`Durability`]): `append` writes all entries
//! of a batch (pwrite, synchronous on the calling task) and queues them to a flush thread, which
//! fdatasyncs every touched file once for all batches queued since its last round (and the
//! directory when a file was created). With SYNC_FLUSH the [`LogFlushed`] callbacks fire only
//! after that fdatasync, in order (group commit); with ASYNC_FLUSH (RocketMQ's default, and what
//! Java DLedger does) they fire as soon as the bytes are in the page cache, and the thread syncs
//! every `flushIntervalCommitLog`. `truncate`, `purge`, the vote and the metadata files are
//! synced before the call returns in both modes.
//!
//! A full disk does not stop the node (see [`super::space`]): a write refused with ENOSPC,
//! EDQUOT or EFBIG (an append batch, including the creation of the next data file; the vote;
//! a truncation; a purge) is tried again, as a whole, until space returns or the node shuts
//! down, and an append's callback fires only after its batch is written. The commit index in
//! `checkpoint` is skipped instead (a stale one is harmless, see below). A failed fdatasync
//! stays fatal: after one, Linux may have dropped the dirty pages, so a later sync that succeeds
//! would prove nothing; ENOSPC and EFBIG show up at `pwrite`, not at the sync, on the file
//! systems we run on (tmpfs, ext4 and xfs reserve the space when the data is written).
//!
//! Why ASYNC_FLUSH matters: openraft 0.9's core awaits every append's callback before it takes
//! the next client write, one entry at a time, so with SYNC_FLUSH a leader does one fdatasync
//! per entry. The leader's batcher (`super::batch`) puts the sends that arrive during a sync
//! into the next entry, which makes that a group commit, but every entry still waits for a
//! whole fdatasync of the leader before the next one is written.

//! Parts, one file each: `entry` (the codec of the 48-byte header and of openraft's entries),
//! `meta` (`currterm` and `checkpoint`), `recent` (the in-memory copy of the log's tail),
//! `positions` (the position files and their checkpoint), `writer` (appends, truncation,
//! purge), `flusher` (the group-commit thread, which also writes the positions), `recovery`
//! (the checks at open) and `reader` ([`LogReader`], reads by index and by position). This file holds
//! the store itself, its options and errors, and openraft's storage traits.

mod entry;
#[cfg(test)]
mod fixtures;
mod flusher;
mod meta;
mod positions;
mod reader;
mod recent;
mod recovery;
#[cfg(test)]
mod restart_tests;
mod writer;

use std::collections::{BTreeMap, VecDeque};
use std::fmt::Debug;
use std::fs::{self, File};
use std::io;
use std::ops::RangeBounds;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

use openraft::storage::{LogFlushed, LogState, RaftLogStorage};
use openraft::{RaftLogReader, StorageIOError};

use self::entry::log_id_of;
pub use self::entry::{DataEntry, DataItem, EntryKind, EntryLocation};
use self::flusher::{push_dirty, DirtyFiles, FlushRequest, Flusher};
use self::positions::Positions;
pub use self::reader::LogReader;
use self::recent::RecentEntries;
use super::space::{is_no_space, DiskSpace};
use super::types::{Entry, LogId, StorageError, TypeConfig, Vote};
use crate::durable;
use crate::store::format::{self, dledger as dl};

/// Why the DLedger log could not be opened, read or written.
#[derive(Debug, thiserror::Error)]
pub enum LogStoreError {
    /// A file system call failed.
    #[error("I/O error on `{path}`: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// The files do not follow the DLedger layout (and it is not a torn tail we may cut).
    #[error("corrupt DLedger store `{path}` at position {pos}: {reason}")]
    Corruption {
        /// The file.
        path: PathBuf,
        /// Absolute position (data files) or 0 (metadata files).
        pos: u64,
        /// What is wrong.
        reason: String,
    },
    /// A caller asked for something the layout cannot hold (entry larger than a data file,
    /// a non-consecutive index, a leader id over 24 bits, a position with no data).
    #[error("{0}")]
    Invalid(String),
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> LogStoreError + '_ {
    move |source| LogStoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A failed file replacement or directory fsync ([`durable`]) is an I/O error on the file the
/// failed step worked on: the log store's errors name a path and an OS error, not a step, and
/// [`LogStoreError::is_no_space`] must see the OS error to wait for space.
impl From<durable::WriteError> for LogStoreError {
    fn from(e: durable::WriteError) -> Self {
        LogStoreError::Io {
            path: e.path,
            source: e.source,
        }
    }
}

impl LogStoreError {
    /// Whether this is a write refused for lack of space (ENOSPC, EDQUOT, EFBIG): nothing was
    /// stored, and the same write succeeds once space returns (see [`super::space`]).
    pub fn is_no_space(&self) -> bool {
        matches!(self, LogStoreError::Io { source, .. } if is_no_space(source))
    }
    fn into_write(self) -> StorageError {
        StorageIOError::write_logs(&self).into()
    }
    fn into_read(self) -> StorageError {
        StorageIOError::read_logs(&self).into()
    }
}

/// Where and how the log is stored.
#[derive(Debug, Clone)]
pub struct LogStoreOptions {
    /// `<storePathRootDir>/dledger-<selfId>`: `currterm` and `checkpoint` live here.
    pub node_dir: PathBuf,
    /// The data directory: `<node_dir>/data` unless `storePathDLedgerCommitLog` overrides it.
    pub data_dir: PathBuf,
    /// Size of every data file. Default: mappedFileSizeCommitLog (1 GiB). Must be the same on
    /// all replicas, as must `base_offset`, because followers must lay bytes out identically.
    pub file_size: u64,
    /// Start offset of the first data file of an empty store (`dividedCommitlogOffset`, §6.3);
    /// ignored when data files exist (the first file's name is then the base).
    pub base_offset: u64,
    /// When an appended entry counts as stored on this replica.
    pub durability: Durability,
}

/// When an appended batch counts as stored, i.e. when openraft may count this replica's copy
/// towards a quorum (and so acknowledge a send).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// After fdatasync (`flushDiskType=SYNC_FLUSH`): an acknowledged message survives a power
    /// loss of every node.
    Fsync,
    /// Once written to the OS page cache (`flushDiskType=ASYNC_FLUSH`): an acknowledged message
    /// survives `kill -9` of any node and a power loss of a minority; the files are fdatasynced
    /// every `interval` and at shutdown.
    PageCache {
        /// How often dirty files are synced (`flushIntervalCommitLog`).
        interval: Duration,
    },
}

impl LogStoreOptions {
    /// Options for `<node_dir>/data` with the given file size and base offset.
    pub fn new(node_dir: impl Into<PathBuf>, file_size: u64, base_offset: u64) -> Self {
        let node_dir = node_dir.into();
        Self {
            data_dir: node_dir.join(dl::DATA_DIR),
            node_dir,
            file_size,
            base_offset,
            durability: Durability::Fsync,
        }
    }
}

/// How often a moving commit index is written to `checkpoint` (DLedger: every 3 s). A stale
/// value only makes openraft re-learn the commit point from the leader; the latest one is
/// written when the store is dropped (node shutdown).
pub const CHECKPOINT_INTERVAL: Duration = Duration::from_secs(1);

/// The in-memory log: the data files, where every visible entry is, and the metadata.
struct State {
    /// Data files by start offset. Never empty after open: the file holding `write_pos` exists.
    files: BTreeMap<u64, Arc<File>>,
    /// First visible (not purged) entry when it is older than `first_index`: the entries
    /// `cold_first..first_index` are located through the position files only. Equal to
    /// `first_index` when every visible entry is in `metas`. Entries only go cold once their
    /// units are written, and `metas` is never empty while some are cold.
    cold_first: u64,
    /// Index of `metas[0]`.
    first_index: u64,
    /// The newest visible entries in index order. `None` marks a hole: openraft promises
    /// never to append one, but its conformance suite does, so holes are tolerated in memory
    /// (recovery treats a hole on disk as the end of the log). The first and last are `Some`.
    metas: VecDeque<Option<EntryLocation>>,
    /// Where the next entry goes.
    write_pos: u64,
    /// DLedger index of the next DLedger entry.
    next_dl: u64,
    last_purged: Option<LogId>,
    /// DLedger index of the last record entry of `last_purged` (`None`: equal to its index).
    last_purged_dl: Option<u64>,
    committed: Option<LogId>,
    vote: Option<Vote>,
    /// The newest entries as written (PHYSICALOFFSET patched), for replication to read without
    /// a pread and a decode per entry.
    recent: RecentEntries,
}

impl State {
    fn next_index(&self) -> Option<u64> {
        if self.metas.is_empty() {
            self.last_purged.map(|p| p.index + 1)
        } else {
            Some(self.first_index + self.metas.len() as u64)
        }
    }

    /// The location of `index` when it is in memory (see [`Shared::loc`] for any entry).
    fn meta(&self, index: u64) -> Option<&EntryLocation> {
        let i = index.checked_sub(self.first_index)?;
        self.metas.get(usize::try_from(i).ok()?)?.as_ref()
    }

    fn last_log_id(&self) -> Option<LogId> {
        let last = self.metas.back()?.as_ref()?;
        Some(log_id_of(self.first_index + self.metas.len() as u64 - 1, last))
    }

    fn file_for(&self, pos: u64, file_size: u64) -> Option<(u64, &Arc<File>)> {
        let (start, f) = self.files.range(..=pos).next_back()?;
        (pos < start + file_size).then_some((*start, f))
    }
}

/// What the store and its readers share: the options, the state behind one lock, the
/// disk-space waits, the data files written since their last sync.
struct Shared {
    opts: LogStoreOptions,
    state: RwLock<State>,
    /// Writes waiting for disk space, and the shutdown signal that ends the waits.
    space: DiskSpace,
    /// The position files.
    positions: Positions,
    /// How far the position files and their checkpoint are; held across a checkpoint round, a
    /// truncation and a purge so they see each other whole. Lock order: `progress`, then
    /// `pending`, then `state`.
    progress: Mutex<Progress>,
    /// What appends wrote that is not synced yet, and what is: every append notes its files
    /// here; the flusher's rounds and [`LogReader::sync_written`] take and sync them (see
    /// [`Shared::sync_noted`]).
    pending: Mutex<Pending>,
    /// Held by whoever took `pending`'s files until its syncs returned: a sync that finds
    /// nothing noted then knows that what an earlier round took is on disk.
    sync_lock: Mutex<()>,
}

/// How far the position files are written and checkpointed.
#[derive(Debug, Default)]
struct Progress {
    /// First index with a unit (the checkpoint's `first`).
    first: u64,
    /// Units are written for every index in `first..written`.
    written: u64,
    /// The end of the checkpoint on disk (0: none).
    checkpointed: u64,
    /// When the checkpoint was last written.
    last: Option<Instant>,
}

/// Appends the flusher has not synced yet (with page-cache durability) and how far the data is
/// known to be flushed.
#[derive(Default)]
struct Pending {
    /// Data files written since the last sync of the noted files.
    files: DirtyFiles,
    /// Whether a data file was created since (the directory needs a sync).
    sync_dir: bool,
    /// The next index after the last noted append.
    upto: u64,
    /// Every entry below this index is fdatasynced.
    durable: u64,
    /// Bumped by every truncation: an `upto` noted before one no longer says anything.
    generation: u64,
}

impl Shared {
    fn read(&self) -> RwLockReadGuard<'_, State> {
        // A panic while holding the lock cannot leave State half-updated in a way readers
        // care about more than a stopped node; keep serving.
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }
    fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|e| e.into_inner())
    }

    fn file_path(&self, start: u64) -> PathBuf {
        self.opts.data_dir.join(format::offset_to_file_name(start))
    }

    /// Notes the files an append of the entries below `upto` wrote (and whether it created one)
    /// as not yet synced; returns the truncation generation they belong to.
    fn note_unsynced(&self, files: &DirtyFiles, new_file: bool, upto: u64) -> u64 {
        let mut p = self.pending();
        for (start, file) in files {
            push_dirty(&mut p.files, *start, file);
        }
        p.sync_dir |= new_file;
        p.upto = p.upto.max(upto);
        p.generation
    }

    /// fdatasyncs the noted files plus `more` (and the data directory when a file was created
    /// or `more_dir`): once this returns Ok, every entry appended before the call is on disk,
    /// whoever synced it, and counts as durable.
    fn sync_noted(&self, more: &DirtyFiles, more_dir: bool) -> io::Result<()> {
        let _syncing = self.sync_lock.lock().unwrap_or_else(|p| p.into_inner());
        let (mut files, dir, upto, generation) = {
            let mut p = self.pending();
            (
                std::mem::take(&mut p.files),
                std::mem::take(&mut p.sync_dir),
                p.upto,
                p.generation,
            )
        };
        for (start, file) in more {
            push_dirty(&mut files, *start, file);
        }
        files.iter().try_for_each(|(_, f)| f.sync_data())?;
        if dir || more_dir {
            durable::sync_dir(&self.opts.data_dir).map_err(|e| e.source)?;
        }
        self.note_durable(upto, generation);
        Ok(())
    }

    fn progress(&self) -> MutexGuard<'_, Progress> {
        self.progress.lock().unwrap_or_else(|e| e.into_inner())
    }
    fn pending(&self) -> MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The location of any visible entry: from memory, or from its unit.
    ///
    /// # Errors
    /// [`LogStoreError::Corruption`] for a missing or damaged unit, [`LogStoreError::Io`].
    fn loc(&self, st: &State, index: u64) -> Result<Option<EntryLocation>, LogStoreError> {
        if index >= st.first_index {
            return Ok(st.meta(index).copied());
        }
        if index < st.cold_first {
            return Ok(None);
        }
        self.positions.get(index).map(Some)
    }

    /// Position of the first visible entry, else the write position.
    fn first_pos(&self, st: &State) -> Result<u64, LogStoreError> {
        if st.cold_first < st.first_index {
            return Ok(self.positions.get(st.cold_first)?.pos);
        }
        Ok(st.metas.iter().flatten().next().map_or(st.write_pos, |m| m.pos))
    }

    /// The first visible index whose entry starts at or after `pos` (the next index if none).
    fn index_at_pos(&self, st: &State, pos: u64) -> Result<u64, LogStoreError> {
        let hot_starts_after = st.metas.front().copied().flatten().is_none_or(|m| m.pos >= pos);
        if st.cold_first < st.first_index && hot_starts_after {
            // Entries are in position order: binary search the units.
            let (mut lo, mut hi) = (st.cold_first, st.first_index);
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                if self.positions.get(mid)?.pos < pos {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return Ok(lo);
        }
        let n = st.metas.partition_point(|m| m.is_none_or(|m| m.pos < pos));
        Ok(st.first_index + n as u64)
    }

    /// Moves the cold entries from `from` on back into memory (a truncation works there).
    fn warm_from(&self, st: &mut State, from: u64) -> Result<(), LogStoreError> {
        let from = from.max(st.cold_first);
        if from >= st.first_index {
            return Ok(());
        }
        let locs = self.positions.get_range(from, st.first_index - from)?;
        for loc in locs.into_iter().rev() {
            st.metas.push_front(Some(loc));
        }
        st.first_index = from;
        Ok(())
    }
}

/// The openraft log storage: owns writes. Cheap handles for reading are [`LogReader`]s.
pub struct LogStore {
    shared: Arc<Shared>,
    /// When `checkpoint` was last written for a commit-index change.
    last_checkpoint: Option<Instant>,
    /// The group-commit thread; `None` only while dropping.
    flusher: Option<Flusher>,
    /// When appended entries count as stored.
    durability: Durability,
}

impl Drop for LogStore {
    fn drop(&mut self) {
        if let Some(f) = self.flusher.take() {
            // Closing the channel ends the thread after it flushed what is queued.
            drop(f.tx);
            if f.thread.join().is_err() {
                tracing::error!("the DLedger flush thread panicked");
            }
        }
        let st = self.shared.read();
        if let Err(e) = self.write_checkpoint(&st, true) {
            tracing::warn!(error = %e, "cannot write the DLedger checkpoint at shutdown");
        }
    }
}

impl Debug for LogStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogStore")
            .field("data_dir", &self.shared.opts.data_dir)
            .finish()
    }
}

impl LogStore {
    /// Opens (or creates) the log: reads `currterm`, `checkpoint` and the positions checkpoint,
    /// scans the data files from the last one holding a checkpointed entry (all of them when
    /// there is no usable positions checkpoint), validates every entry it reads (magic, size,
    /// pos, consecutive index, non-decreasing term, body CRC, the recorded positions) and cuts a
    /// torn tail (zeroing it). Creates the first data file at `base_offset` when the data
    /// directory is empty.
    ///
    /// # Errors
    /// [`LogStoreError::Io`] when files cannot be read or written; [`LogStoreError::Corruption`]
    /// when the files break the layout in a way that is not a torn tail (a gap between file
    /// names, a file larger than `file_size`, valid-looking data after an invalid entry, a
    /// damaged committed entry, a damaged or missing entry the positions checkpoint covers) or
    /// a metadata file cannot be parsed.
    pub fn open(opts: LogStoreOptions) -> Result<LogStore, LogStoreError> {
        if opts.file_size < (dl::HEADER_SIZE + dl::BLANK_LEN) as u64 * 2 {
            return Err(LogStoreError::Invalid(format!(
                "data file size {} is too small",
                opts.file_size
            )));
        }
        fs::create_dir_all(&opts.node_dir).map_err(io_err(&opts.node_dir))?;
        fs::create_dir_all(&opts.data_dir).map_err(io_err(&opts.data_dir))?;

        let mut vote = meta::read_vote(&opts.node_dir)?;
        // With page-cache durability a power loss can take entries this node appended, and
        // replicated, as the leader of its term. openraft resumes the leadership of a committed
        // vote of its own at startup: the leader would then hand out the lost indexes again, with
        // other entries, in the same term, and followers holding the old ones would keep them
        // (same term and index). Uncommitted, the vote makes the node wait for an election,
        // which a node whose log lacks committed entries cannot win.
        if let (Durability::PageCache { .. }, Some(v)) = (opts.durability, vote.as_mut()) {
            v.committed = false;
        }
        let meta::Checkpoint {
            mut committed,
            last_purged,
            last_purged_dl,
        } = meta::read_checkpoint(&opts.node_dir)?;

        let shared = Arc::new(Shared {
            opts: opts.clone(),
            state: RwLock::new(State {
                files: BTreeMap::new(),
                cold_first: 0,
                first_index: 0,
                metas: VecDeque::new(),
                write_pos: opts.base_offset,
                next_dl: 0,
                last_purged,
                last_purged_dl,
                committed: None,
                vote,
                recent: RecentEntries::default(),
            }),
            space: DiskSpace::default(),
            positions: Positions::open(&opts.node_dir)?,
            progress: Mutex::default(),
            pending: Mutex::default(),
            sync_lock: Mutex::default(),
        });
        {
            let mut st = shared.write();
            recovery::recover(&shared, &mut st, committed.as_ref())?;
            // A committed id the log no longer backs (a follower may persist a commit point
            // beyond what it flushed) is forgotten; openraft learns it again from the leader.
            if let Some(c) = committed {
                let purged_covers = st.last_purged.is_some_and(|p| p.index >= c.index);
                let matches = shared
                    .loc(&st, c.index)?
                    .is_some_and(|m| log_id_of(c.index, &m) == c);
                if !purged_covers && !matches {
                    tracing::warn!(%c, "committed log id not in the recovered log; forgetting it");
                    committed = None;
                }
            }
            st.committed = committed;
        }
        let flusher = Flusher::start(shared.clone(), opts.durability)?;
        Ok(LogStore {
            shared,
            last_checkpoint: None,
            flusher: Some(flusher),
            durability: opts.durability,
        })
    }

    /// A read handle sharing this store's files and index.
    pub fn reader(&self) -> LogReader {
        LogReader {
            shared: self.shared.clone(),
        }
    }

    /// Whether a write of this store is waiting for disk space (see [`super::space`]).
    pub fn disk_full(&self) -> bool {
        self.shared.space.is_full()
    }

    /// Runs the write `op` again while it fails for lack of space ([`DiskSpace::retry`]); other
    /// errors, and shutting down while waiting, become openraft's write error.
    async fn write_retrying<T>(
        &self,
        what: &str,
        op: impl FnMut() -> Result<T, LogStoreError>,
    ) -> Result<T, LogStoreError> {
        self.shared
            .space
            .retry(what, LogStoreError::is_no_space, op)
            .await
            .map_err(|e| e.into_inner())
    }

    fn write_checkpoint(&self, st: &State, sync_dir: bool) -> Result<(), LogStoreError> {
        meta::write_checkpoint(&self.shared.opts.node_dir, st, sync_dir)
    }
}

impl RaftLogReader<TypeConfig> for LogStore {
    async fn try_get_log_entries<RB: RangeBounds<u64> + Clone + Debug + Send>(
        &mut self,
        range: RB,
    ) -> Result<Vec<Entry>, StorageError> {
        self.reader().entries(range).map_err(LogStoreError::into_read)
    }
}

impl RaftLogStorage<TypeConfig> for LogStore {
    type LogReader = LogReader;

    async fn get_log_state(&mut self) -> Result<LogState<TypeConfig>, StorageError> {
        let st = self.shared.read();
        let last = st.last_log_id().or(st.last_purged);
        Ok(LogState {
            last_purged_log_id: st.last_purged,
            last_log_id: last,
        })
    }

    async fn get_log_reader(&mut self) -> Self::LogReader {
        self.reader()
    }

    async fn save_vote(&mut self, vote: &Vote) -> Result<(), StorageError> {
        let text = meta::vote_text(vote);
        // The vote must survive a crash before we answer the candidate: full durability.
        let path = self.shared.opts.node_dir.join(dl::TERM_FILE);
        self.write_retrying("DLedger vote", || {
            Ok(durable::write_atomic(&path, text.as_bytes())?)
        })
        .await
        .map_err(|e| StorageError::from(StorageIOError::write_vote(&e)))?;
        self.shared.write().vote = Some(*vote);
        Ok(())
    }

    async fn read_vote(&mut self) -> Result<Option<Vote>, StorageError> {
        Ok(self.shared.read().vote)
    }

    async fn save_committed(&mut self, committed: Option<LogId>) -> Result<(), StorageError> {
        let mut st = self.shared.write();
        st.committed = committed;
        // Like DLedger's periodic checkpoint: a lost or stale update only means openraft
        // re-learns the commit point from the leader, so it is written at most once per
        // CHECKPOINT_INTERVAL and without syncing the directory.
        if self
            .last_checkpoint
            .is_some_and(|t| t.elapsed() < CHECKPOINT_INTERVAL)
        {
            return Ok(());
        }
        match self.write_checkpoint(&st, false) {
            Ok(()) => {}
            // For the same reason a full disk does not stop the node: the next call tries again.
            Err(e) if e.is_no_space() => {
                tracing::debug!(error = %e, "DLedger checkpoint not written: disk full");
                return Ok(());
            }
            Err(e) => return Err(e.into_write()),
        }
        drop(st);
        self.last_checkpoint = Some(Instant::now());
        Ok(())
    }

    async fn read_committed(&mut self) -> Result<Option<LogId>, StorageError> {
        Ok(self.shared.read().committed)
    }

    async fn append<I>(&mut self, entries: I, callback: LogFlushed<TypeConfig>) -> Result<(), StorageError>
    where
        I: IntoIterator<Item = Entry> + Send,
        I::IntoIter: Send,
    {
        // Collected so a batch refused for lack of space can be written again as a whole
        // (`write_entries` forgets a failed batch); the callback fires only once it is stored.
        let entries: Vec<Entry> = entries.into_iter().collect();
        let (dirty, new_file) = self
            .write_retrying("DLedger log append", || self.write_entries(&entries))
            .await
            .map_err(LogStoreError::into_write)?;
        // Noted in both modes: the state machine syncs what is noted before it records entries
        // as applied (`LogReader::sync_written`), which openraft may do before this node's own
        // sync (a leader applies what a majority of followers holds).
        let upto = self.shared.read().next_index().unwrap_or(0);
        let generation = self.shared.note_unsynced(&dirty, new_file, upto);
        // openraft counts this node's copy towards the quorum as soon as the callback fires:
        // with Fsync durability only after the flusher's fdatasync (grouped with other queued
        // batches), with PageCache durability now, the flusher syncing later. Without a
        // flusher, sync here.
        let mut req = FlushRequest {
            files: dirty,
            sync_dir: new_file,
            callback: Some(callback),
            upto,
            generation,
        };
        if matches!(self.durability, Durability::PageCache { .. }) {
            if let Some(cb) = req.callback.take() {
                cb.log_io_completed(Ok(()));
            }
            if self.flusher.is_some() {
                return Ok(());
            }
        }
        let unsent = match &self.flusher {
            Some(f) => f.tx.send(req).err().map(|e| e.0),
            None => Some(req),
        };
        if let Some(req) = unsent {
            self.sync(&req.files, req.sync_dir)
                .map_err(LogStoreError::into_write)?;
            self.shared.note_durable(req.upto, req.generation);
            if let Some(cb) = req.callback {
                cb.log_io_completed(Ok(()));
            }
        }
        Ok(())
    }

    async fn truncate(&mut self, log_id: LogId) -> Result<(), StorageError> {
        self.write_retrying("DLedger log truncation", || self.truncate_from(log_id.index))
            .await
            .map_err(LogStoreError::into_write)
    }

    async fn purge(&mut self, log_id: LogId) -> Result<(), StorageError> {
        self.write_retrying("DLedger log purge", || self.purge_upto(log_id))
            .await
            .map_err(LogStoreError::into_write)
    }
}
