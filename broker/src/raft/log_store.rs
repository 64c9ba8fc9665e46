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
//! - No `index/` files: the per-entry positions are kept in memory and rebuilt at open by
//!   scanning the data files (about 50 bytes of RAM per openraft entry). After a purge, the
//!   `checkpoint` keeps the DLedger index of the last purged record so that recovery can number
//!   the openraft entries that follow it.
//! - `currterm` (`currTerm=`, `voteLeader=`, `voteCommitted=`) and `checkpoint` (`endIndex=`,
//!   `committedIndex=` plus our `committedTerm/Leader` and `purged*` keys), text files written
//!   to `<name>.tmp`, fdatasynced and renamed. The vote and the purge point are made durable
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

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt::Debug;
use std::fs::{self, File, OpenOptions};
use std::io;
use std::ops::{Bound, RangeBounds};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

use bytes::Bytes;
use openraft::storage::{LogFlushed, LogState, RaftLogStorage};
use openraft::{CommittedLeaderId, EntryPayload, RaftLogReader, StorageIOError};

use super::space::{is_no_space, DiskSpace};
use super::types::{record_spans, Entry, LogId, Membership, NodeId, Record, StorageError, TypeConfig, Vote};
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

/// What kind of Raft entry a DLedger entry holds (the kind bits of its `channel` field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// One RocketMQ message record.
    Record,
    /// openraft blank entry (no data).
    Blank,
    /// openraft membership entry.
    Membership,
}

impl EntryKind {
    fn code(self) -> i32 {
        match self {
            EntryKind::Record => dl::KIND_RECORD,
            EntryKind::Blank => dl::KIND_BLANK,
            EntryKind::Membership => dl::KIND_MEMBERSHIP,
        }
    }
    fn from_code(code: i32) -> Option<Self> {
        match code {
            dl::KIND_RECORD => Some(EntryKind::Record),
            dl::KIND_BLANK => Some(EntryKind::Blank),
            dl::KIND_MEMBERSHIP => Some(EntryKind::Membership),
            _ => None,
        }
    }
}

/// Location of one openraft entry in the data files: one DLedger entry, or the consecutive
/// DLedger entries of the records of a batched openraft entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryLocation {
    /// Absolute position of the (first) entry header.
    pub pos: u64,
    /// Bytes from `pos` to the end of the (last) entry: 48 + body for each DLedger entry.
    pub size: u32,
    /// DLedger index of the (first) DLedger entry.
    pub dl_index: u64,
    /// Number of DLedger entries (records of a batched entry; 1 otherwise).
    pub count: u32,
    /// Term of the entry.
    pub term: u64,
    /// Node id of the leader that proposed it.
    pub leader: NodeId,
    /// Kind of entry.
    pub kind: EntryKind,
}

impl EntryLocation {
    /// Position of the body, i.e. of the RocketMQ record (its PHYSICALOFFSET).
    pub fn data_pos(&self) -> u64 {
        self.pos + dl::HEADER_SIZE as u64
    }
    fn end(&self) -> u64 {
        self.pos + u64::from(self.size)
    }
}

/// One entry read from the data files by position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataEntry {
    /// Raft (DLedger) index.
    pub index: u64,
    /// Where it is.
    pub loc: EntryLocation,
    /// The body: a RocketMQ record for [`EntryKind::Record`].
    pub body: Bytes,
}

/// What is at a position of the data files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataItem {
    /// An entry.
    Entry(DataEntry),
    /// The end-of-file blank: continue at `next_pos` (the next file's start).
    Blank {
        /// Start of the next data file.
        next_pos: u64,
    },
    /// No data here (past the write position).
    End,
}

/// A parsed 48-byte entry header.
#[derive(Debug, Clone, Copy)]
struct Header {
    magic: i32,
    size: i32,
    index: i64,
    term: i64,
    pos: i64,
    channel: i32,
    body_crc: i32,
    body_len: i32,
}

fn be_i32(b: &[u8], at: usize) -> i32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&b[at..at + 4]);
    i32::from_be_bytes(a)
}

fn be_i64(b: &[u8], at: usize) -> i64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    i64::from_be_bytes(a)
}

impl Header {
    fn parse(b: &[u8]) -> Header {
        Header {
            magic: be_i32(b, dl::MAGIC),
            size: be_i32(b, dl::SIZE),
            index: be_i64(b, dl::INDEX),
            term: be_i64(b, dl::TERM),
            pos: be_i64(b, dl::POS),
            channel: be_i32(b, dl::CHANNEL),
            body_crc: be_i32(b, dl::BODY_CRC),
            body_len: be_i32(b, dl::BODY_LEN),
        }
    }

    /// Checks the header of an entry found at `pos` in a file ending at `file_end`; returns the
    /// reason it is not a valid entry.
    /// `more` is true for a record that another record of the same openraft entry follows.
    fn check(&self, pos: u64, file_end: u64) -> Result<(EntryKind, NodeId, bool), String> {
        if self.magic != dl::ENTRY_MAGIC {
            return Err(format!("magic {} is not {}", self.magic, dl::ENTRY_MAGIC));
        }
        if self.body_len < 0 || i64::from(self.size) != dl::HEADER_SIZE as i64 + i64::from(self.body_len) {
            return Err(format!("size {} != 48 + bodyLen {}", self.size, self.body_len));
        }
        if pos + self.size as u64 + dl::BLANK_LEN as u64 > file_end {
            return Err(format!("entry of {} bytes runs past the file end", self.size));
        }
        if self.pos < 0 || self.pos as u64 != pos {
            return Err(format!("pos field {} != position", self.pos));
        }
        if self.index < 0 || self.term < 0 {
            return Err(format!("negative index {} or term {}", self.index, self.term));
        }
        let code = self.channel >> dl::CHANNEL_KIND_SHIFT;
        let more = code == dl::KIND_RECORD_MORE;
        let kind = if more {
            EntryKind::Record
        } else {
            EntryKind::from_code(code).ok_or_else(|| format!("unknown channel {:#x}", self.channel))?
        };
        Ok((kind, (self.channel & dl::CHANNEL_NODE_MASK) as NodeId, more))
    }
}

/// Overwrites the PHYSICALOFFSET field of a RocketMQ record with `data_pos` (spec §6.2: the
/// DLedger append hook sets it to entry pos + 48). Leaves anything that is not a record alone.
fn patch_physical_offset(body: &mut [u8], data_pos: u64) {
    use format::record;
    if body.len() < record::PHYSICAL_OFFSET + 8 {
        return;
    }
    let total = be_i32(body, record::TOTAL_SIZE);
    let magic = be_i32(body, record::MAGIC) as u32;
    if total as usize == body.len()
        && (magic == format::MESSAGE_MAGIC_CODE_V1 || magic == format::MESSAGE_MAGIC_CODE_V2)
    {
        body[record::PHYSICAL_OFFSET..record::PHYSICAL_OFFSET + 8].copy_from_slice(&data_pos.to_be_bytes());
    }
}

/// The 8-byte (+ JSON) body of blank and membership entries.
fn meta_body(json: &[u8]) -> Vec<u8> {
    let len = dl::RAFT_META_HEADER_LEN + json.len();
    let mut body = Vec::with_capacity(len);
    body.extend_from_slice(&(len as i32).to_be_bytes());
    body.extend_from_slice(&dl::RAFT_META_MAGIC.to_be_bytes());
    body.extend_from_slice(json);
    body
}

/// An openraft entry encoded as DLedger entries.
struct Encoded {
    /// The DLedger entries, back to back.
    bytes: Bytes,
    /// How many DLedger entries `bytes` holds.
    count: u32,
    /// For a record entry, the payload as stored (PHYSICALOFFSETs patched), for
    /// [`RecentEntries`].
    payload: Option<Bytes>,
}

/// Encodes `entry` at absolute position `pos` as DLedger entries numbered from `dl_index`: one
/// per record of a record entry ([`record_spans`]), one for a blank or membership entry.
fn encode_entry(entry: &Entry, pos: u64, dl_index: u64) -> Result<Encoded, LogStoreError> {
    let leader = entry.log_id.leader_id.node_id;
    if leader > dl::CHANNEL_NODE_MASK as u64 {
        return Err(LogStoreError::Invalid(format!(
            "leader node id {leader} does not fit the 24-bit channel field"
        )));
    }
    let term = entry.log_id.leader_id.term;
    let mut buf = Vec::new();
    let meta = |kind: EntryKind, body: Vec<u8>, buf: &mut Vec<u8>| {
        push_dl_entry(buf, pos, dl_index, term, kind.code(), leader, &body, false)
    };
    match &entry.payload {
        EntryPayload::Normal(Record(rec)) => {
            let spans = record_spans(rec);
            let count = spans.len();
            let total: usize = spans.iter().map(|s| dl::HEADER_SIZE + s.len()).sum();
            buf.reserve_exact(total);
            let mut payload = if count > 1 {
                Vec::with_capacity(rec.len())
            } else {
                Vec::new()
            };
            for (i, span) in spans.into_iter().enumerate() {
                let at = pos + buf.len() as u64;
                let code = if i + 1 < count {
                    dl::KIND_RECORD_MORE
                } else {
                    dl::KIND_RECORD
                };
                let index = dl_index + i as u64;
                push_dl_entry(&mut buf, at, index, term, code, leader, &rec[span], true)?;
                if count > 1 {
                    let body = (at - pos) as usize + dl::HEADER_SIZE;
                    payload.extend_from_slice(&buf[body..]);
                }
            }
            let bytes = Bytes::from(buf);
            let payload = if count > 1 {
                Bytes::from(payload)
            } else {
                bytes.slice(dl::HEADER_SIZE..)
            };
            return Ok(Encoded {
                bytes,
                count: count as u32,
                payload: Some(payload),
            });
        }
        EntryPayload::Blank => meta(EntryKind::Blank, meta_body(&[]), &mut buf)?,
        EntryPayload::Membership(m) => {
            let json = serde_json::to_vec(m)
                .map_err(|e| LogStoreError::Invalid(format!("cannot encode membership: {e}")))?;
            meta(EntryKind::Membership, meta_body(&json), &mut buf)?
        }
    }
    Ok(Encoded {
        bytes: Bytes::from(buf),
        count: 1,
        payload: None,
    })
}

/// Appends one DLedger entry (header + `body`) at absolute position `pos` to `buf`; with
/// `record`, the body's PHYSICALOFFSET is set to `pos + 48` in `buf` (so the body is copied once)
/// before its CRC is taken.
#[allow(clippy::too_many_arguments)] // the header's fields
fn push_dl_entry(
    buf: &mut Vec<u8>,
    pos: u64,
    index: u64,
    term: u64,
    kind_code: i32,
    leader: NodeId,
    body: &[u8],
    record: bool,
) -> Result<(), LogStoreError> {
    let size = dl::HEADER_SIZE + body.len();
    let size32 = i32::try_from(size)
        .map_err(|_| LogStoreError::Invalid(format!("entry of {size} bytes is too large")))?;
    let start = buf.len();
    buf.resize(start + dl::HEADER_SIZE, 0);
    buf.extend_from_slice(body);
    let (head, body) = buf[start..].split_at_mut(dl::HEADER_SIZE);
    if record {
        patch_physical_offset(body, pos + dl::HEADER_SIZE as u64);
    }
    let channel = (kind_code << dl::CHANNEL_KIND_SHIFT) | leader as i32;
    let mut put = |at: usize, bytes: &[u8]| head[at..at + bytes.len()].copy_from_slice(bytes);
    put(dl::MAGIC, &dl::ENTRY_MAGIC.to_be_bytes());
    put(dl::SIZE, &size32.to_be_bytes());
    put(dl::INDEX, &(index as i64).to_be_bytes());
    put(dl::TERM, &(term as i64).to_be_bytes());
    put(dl::POS, &(pos as i64).to_be_bytes());
    put(dl::CHANNEL, &channel.to_be_bytes());
    // CHAIN_CRC stays 0: not filled, as DLedger.
    put(dl::BODY_CRC, &(crc32fast::hash(body) as i32).to_be_bytes());
    put(dl::BODY_LEN, &((size - dl::HEADER_SIZE) as i32).to_be_bytes());
    Ok(())
}

fn body_crc_ok(h: &Header, body: &[u8]) -> bool {
    h.body_crc == 0 || crc32fast::hash(body) as i32 == h.body_crc
}

// -------------------------------------------------------------------------------------------
// Metadata files
// -------------------------------------------------------------------------------------------

/// Writes `bytes` to `path` via `<path>.tmp`: write, fdatasync, rename; with `sync_dir` also
/// fsyncs the directory so the rename itself is durable. Without it a crash may leave the
/// previous version, never a partial one.
pub(crate) fn write_file_atomic(path: &Path, bytes: &[u8], sync_dir: bool) -> Result<(), LogStoreError> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(dl::TMP_SUFFIX);
    let tmp = PathBuf::from(tmp);
    {
        let f = File::create(&tmp).map_err(io_err(&tmp))?;
        f.write_all_at(bytes, 0).map_err(io_err(&tmp))?;
        f.sync_data().map_err(io_err(&tmp))?;
    }
    fs::rename(&tmp, path).map_err(io_err(path))?;
    if sync_dir {
        if let Some(dir) = path.parent() {
            sync_dir_path(dir)?;
        }
    }
    Ok(())
}

fn sync_dir_path(dir: &Path) -> Result<(), LogStoreError> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(io_err(dir))
}

/// Reads a `key=value` file; `None` if it does not exist.
fn read_kv_file(path: &Path) -> Result<Option<HashMap<String, String>>, LogStoreError> {
    let text = match fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err(path)(e)),
    };
    let mut map = HashMap::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some((k, v)) = line.split_once('=') {
            map.insert(k.trim().to_owned(), v.trim().to_owned());
        }
    }
    Ok(Some(map))
}

fn kv_i64(map: &HashMap<String, String>, key: &str, path: &Path) -> Result<Option<i64>, LogStoreError> {
    match map.get(key) {
        None => Ok(None),
        Some(v) => v.parse::<i64>().map(Some).map_err(|_| LogStoreError::Corruption {
            path: path.to_path_buf(),
            pos: 0,
            reason: format!("{key}={v:?} is not a number"),
        }),
    }
}

/// A node id as written in `voteLeader`: numeric, or DLedger's `n1` form.
fn parse_node(v: &str) -> Option<NodeId> {
    v.trim_start_matches(|c: char| c.is_ascii_alphabetic())
        .parse()
        .ok()
}

fn log_id_from_kv(
    map: &HashMap<String, String>,
    keys: [&str; 3],
    path: &Path,
) -> Result<Option<LogId>, LogStoreError> {
    let index = kv_i64(map, keys[0], path)?;
    let term = kv_i64(map, keys[1], path)?;
    let leader = kv_i64(map, keys[2], path)?;
    match (index, term, leader) {
        (Some(i), Some(t), Some(l)) if i >= 0 && t >= 0 && l >= 0 => Ok(Some(LogId::new(
            CommittedLeaderId::new(t as u64, l as u64),
            i as u64,
        ))),
        _ => Ok(None),
    }
}

fn log_id_kv(out: &mut String, keys: [&str; 3], id: Option<&LogId>) {
    use std::fmt::Write as _;
    let (i, t, l) = id.map_or((-1, -1, -1), |id| {
        (
            id.index as i64,
            id.leader_id.term as i64,
            id.leader_id.node_id as i64,
        )
    });
    let _ = writeln!(out, "{}={i}\n{}={t}\n{}={l}", keys[0], keys[1], keys[2]);
}

// -------------------------------------------------------------------------------------------
// The store
// -------------------------------------------------------------------------------------------

struct State {
    /// Data files by start offset. Never empty after open: the file holding `write_pos` exists.
    files: BTreeMap<u64, Arc<File>>,
    /// Index of `metas[0]`.
    first_index: u64,
    /// Visible (not purged) entries in index order. `None` marks a hole: openraft promises
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

/// A bounded in-memory copy of the log's tail: replication to followers reads the entries a
/// leader has just appended, so keeping them saves a pread, a CRC and a copy per entry.
/// Contiguous indexes ending at the last written entry; at most [`RECENT_BYTES`] of records.
#[derive(Default)]
struct RecentEntries {
    /// Index of `entries[0]`.
    first: u64,
    entries: VecDeque<(Entry, usize)>,
    bytes: usize,
}

/// Byte budget of [`RecentEntries`].
const RECENT_BYTES: usize = 8 * 1024 * 1024;

impl RecentEntries {
    fn push(&mut self, entry: Entry, size: usize) {
        let index = entry.log_id.index;
        if self.first + self.entries.len() as u64 != index {
            self.clear();
        }
        if self.entries.is_empty() {
            self.first = index;
        }
        self.entries.push_back((entry, size));
        self.bytes += size;
        while self.bytes > RECENT_BYTES {
            let Some((_, s)) = self.entries.pop_front() else {
                break;
            };
            self.bytes -= s;
            self.first += 1;
        }
    }

    fn get(&self, index: u64) -> Option<&Entry> {
        let i = usize::try_from(index.checked_sub(self.first)?).ok()?;
        self.entries.get(i).map(|(e, _)| e)
    }

    /// Forgets entries from `index` on (truncation).
    fn cut_from(&mut self, index: u64) {
        while self.first + self.entries.len() as u64 > index {
            let Some((_, s)) = self.entries.pop_back() else {
                break;
            };
            self.bytes -= s;
        }
    }

    /// Forgets entries up to and including `index` (purge).
    fn drop_upto(&mut self, index: u64) {
        while self.first <= index {
            let Some((_, s)) = self.entries.pop_front() else {
                break;
            };
            self.bytes -= s;
            self.first += 1;
        }
    }

    fn clear(&mut self) {
        self.entries.clear();
        self.bytes = 0;
    }
}

impl State {
    fn next_index(&self) -> Option<u64> {
        if self.metas.is_empty() {
            self.last_purged.map(|p| p.index + 1)
        } else {
            Some(self.first_index + self.metas.len() as u64)
        }
    }

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

fn log_id_of(index: u64, m: &EntryLocation) -> LogId {
    LogId::new(CommittedLeaderId::new(m.term, m.leader), index)
}

struct Shared {
    opts: LogStoreOptions,
    state: RwLock<State>,
    /// Writes waiting for disk space, and the shutdown signal that ends the waits.
    space: DiskSpace,
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

    fn read_exact_at(&self, st: &State, pos: u64, len: usize) -> Result<Vec<u8>, LogStoreError> {
        let fs_ = self.opts.file_size;
        let (start, file) = st
            .file_for(pos, fs_)
            .ok_or_else(|| LogStoreError::Invalid(format!("no data file holds position {pos}")))?;
        if pos + len as u64 > start + fs_ {
            return Err(LogStoreError::Invalid(format!(
                "{len} bytes at {pos} cross the end of data file {start}"
            )));
        }
        let mut buf = vec![0u8; len];
        file.read_exact_at(&mut buf, pos - start)
            .map_err(io_err(&self.file_path(start)))?;
        Ok(buf)
    }

    /// Reads and decodes the openraft entry `index` described by `m` (its DLedger entries).
    fn read_entry(&self, st: &State, index: u64, m: &EntryLocation) -> Result<Entry, LogStoreError> {
        let buf = self.read_exact_at(st, m.pos, m.size as usize)?;
        let corrupt = |reason: String| LogStoreError::Corruption {
            path: self.opts.data_dir.clone(),
            pos: m.pos,
            reason,
        };
        // The bodies of the DLedger entries, checked against the in-memory index.
        let mut bodies: Vec<&[u8]> = Vec::with_capacity(m.count as usize);
        let mut at = 0usize;
        for i in 0..u64::from(m.count) {
            let h = buf
                .get(at..at + dl::HEADER_SIZE)
                .map(Header::parse)
                .ok_or_else(|| corrupt(format!("record {i} of entry {index} is missing")))?;
            let end = at + usize::try_from(h.size).unwrap_or(0);
            if h.index as u64 != m.dl_index + i
                || h.term as u64 != m.term
                || h.pos as u64 != m.pos + at as u64
                || end > buf.len()
                || h.body_len < 0
                || i64::from(h.body_len) + dl::HEADER_SIZE as i64 != i64::from(h.size)
            {
                return Err(corrupt(format!(
                    "entry header (index {}, term {}) does not match the index ({}, {})",
                    h.index,
                    h.term,
                    m.dl_index + i,
                    m.term
                )));
            }
            let body = &buf[at + dl::HEADER_SIZE..end];
            if !body_crc_ok(&h, body) {
                return Err(corrupt("body CRC mismatch".into()));
            }
            bodies.push(body);
            at = end;
        }
        let body = bodies.first().copied().unwrap_or_default();
        let payload = match m.kind {
            EntryKind::Record => EntryPayload::Normal(Record(Bytes::from(bodies.concat()))),
            EntryKind::Blank => EntryPayload::Blank,
            EntryKind::Membership => {
                let json = body
                    .get(dl::RAFT_META_HEADER_LEN..)
                    .ok_or_else(|| corrupt("membership body too short".into()))?;
                let mem: Membership =
                    serde_json::from_slice(json).map_err(|e| corrupt(format!("membership JSON: {e}")))?;
                EntryPayload::Membership(mem)
            }
        };
        Ok(Entry {
            log_id: log_id_of(index, m),
            payload,
        })
    }

    fn read_item_at(&self, pos: u64) -> Result<DataItem, LogStoreError> {
        let st = self.read();
        if pos >= st.write_pos {
            return Ok(DataItem::End);
        }
        let fs_ = self.opts.file_size;
        let (start, _) = st
            .file_for(pos, fs_)
            .ok_or_else(|| LogStoreError::Invalid(format!("no data file holds position {pos}")))?;
        let file_end = start + fs_;
        let head_len = dl::HEADER_SIZE.min((file_end - pos) as usize);
        let head = self.read_exact_at(&st, pos, head_len)?;
        let corrupt = |reason: String| LogStoreError::Corruption {
            path: self.file_path(start),
            pos,
            reason,
        };
        if head.len() >= dl::BLANK_LEN && be_i32(&head, 0) == dl::BLANK_MAGIC {
            return Ok(DataItem::Blank { next_pos: file_end });
        }
        if head.len() < dl::HEADER_SIZE {
            return Err(corrupt("no entry header fits here".into()));
        }
        let h = Header::parse(&head);
        let (kind, leader, _) = h.check(pos, file_end).map_err(corrupt)?;
        let body = self.read_exact_at(&st, pos + dl::HEADER_SIZE as u64, h.body_len as usize)?;
        Ok(DataItem::Entry(DataEntry {
            index: h.index as u64,
            loc: EntryLocation {
                pos,
                size: h.size as u32,
                dl_index: h.index as u64,
                count: 1,
                term: h.term as u64,
                leader,
                kind,
            },
            body: Bytes::from(body),
        }))
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

/// One append batch waiting for its fdatasync.
struct FlushRequest {
    files: DirtyFiles,
    sync_dir: bool,
    /// Fired after the sync; `None` when it already fired (page-cache durability).
    callback: Option<LogFlushed<TypeConfig>>,
}

/// Group commit: a thread that fdatasyncs the files of every append batch queued since its last
/// round once, then fires those batches' callbacks in order. `append` thus returns as soon as
/// the bytes are written (readable), the Raft core keeps going, and the callback, which lets
/// openraft count this replica's copy, fires only after the data is on disk.
struct Flusher {
    tx: std::sync::mpsc::Sender<FlushRequest>,
    thread: std::thread::JoinHandle<()>,
    /// With `PageCache` durability: files written since the flusher's last round, and whether a
    /// new file needs a directory sync. Appends note them here instead of waking the thread for
    /// every entry (a futex wake and two context switches per message); the thread syncs them
    /// once per interval.
    pending: Arc<Mutex<(DirtyFiles, bool)>>,
}

impl Flusher {
    /// Starts the thread; with `PageCache` durability it waits `interval` after the first
    /// queued batch before syncing, so one fdatasync covers everything written meanwhile.
    fn start(data_dir: PathBuf, durability: Durability) -> Result<Flusher, LogStoreError> {
        let (tx, rx) = std::sync::mpsc::channel::<FlushRequest>();
        let pending: Arc<Mutex<(DirtyFiles, bool)>> = Arc::default();
        let noted = pending.clone();
        let thread = std::thread::Builder::new()
            .name("dledger-flush".into())
            .spawn(move || {
                if let Durability::PageCache { interval } = durability {
                    return periodic_flush(&data_dir, interval, &rx, &noted);
                }
                while let Ok(first) = rx.recv() {
                    let mut batch = vec![first];
                    batch.extend(rx.try_iter());
                    sync_batch(&data_dir, Vec::new(), false, batch);
                }
            })
            .map_err(io_err(Path::new("dledger-flush thread")))?;
        Ok(Flusher { tx, thread, pending })
    }
}

/// The flusher's loop with `PageCache` durability: every `interval`, and once more when the
/// store is dropped, fdatasync the files appends noted in `pending`. Requests that still come
/// through the channel (none today) are synced and answered the same way.
fn periodic_flush(
    data_dir: &Path,
    interval: Duration,
    rx: &std::sync::mpsc::Receiver<FlushRequest>,
    pending: &Mutex<(DirtyFiles, bool)>,
) {
    loop {
        let (mut batch, stop) = match rx.recv_timeout(interval) {
            Ok(r) => (vec![r], false),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => (Vec::new(), false),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => (Vec::new(), true),
        };
        batch.extend(rx.try_iter());
        let (files, sync_dir) = std::mem::take(&mut *pending.lock().unwrap_or_else(|p| p.into_inner()));
        sync_batch(data_dir, files, sync_dir, batch);
        if stop {
            return;
        }
    }
}

/// One flusher round: fdatasyncs `files` and the files of every request in `batch` once each
/// (and the directory if a new file appeared), then answers the requests' callbacks in order.
fn sync_batch(data_dir: &Path, mut files: DirtyFiles, mut sync_dir: bool, batch: Vec<FlushRequest>) {
    for r in &batch {
        for (start, f) in &r.files {
            push_dirty(&mut files, *start, f);
        }
        sync_dir |= r.sync_dir;
    }
    let mut res = files.iter().try_for_each(|(_, f)| f.sync_data());
    if res.is_ok() && sync_dir {
        res = File::open(data_dir).and_then(|d| d.sync_all());
    }
    if let Err(e) = &res {
        tracing::error!(error = %e, "background flush of the DLedger log failed");
    }
    for r in batch {
        if let Some(cb) = r.callback {
            cb.log_io_completed(
                res.as_ref()
                    .map(|_| ())
                    .map_err(|e| io::Error::new(e.kind(), format!("fdatasync of the DLedger log: {e}"))),
            );
        }
    }
}

/// How often a moving commit index is written to `checkpoint` (DLedger: every 3 s). A stale
/// value only makes openraft re-learn the commit point from the leader; the latest one is
/// written when the store is dropped (node shutdown).
pub const CHECKPOINT_INTERVAL: Duration = Duration::from_secs(1);

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

/// A read handle on the log: openraft's replication reads through it, and the broker uses its
/// position-based helpers to serve pulls and dispatch consume queues.
#[derive(Clone)]
pub struct LogReader {
    shared: Arc<Shared>,
}

impl Debug for LogStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogStore")
            .field("data_dir", &self.shared.opts.data_dir)
            .finish()
    }
}

impl LogStore {
    /// Opens (or creates) the log: reads `currterm` and `checkpoint`, scans the data files,
    /// validates every entry (magic, size, pos, consecutive index, non-decreasing term, body CRC)
    /// and cuts a torn tail (zeroing it). Creates the first data file at `base_offset` when the
    /// data directory is empty.
    ///
    /// # Errors
    /// [`LogStoreError::Io`] when files cannot be read or written; [`LogStoreError::Corruption`]
    /// when the files break the layout in a way that is not a torn tail (a gap between file
    /// names, a file larger than `file_size`, valid-looking data after an invalid entry, a
    /// damaged committed entry) or a metadata file cannot be parsed.
    pub fn open(opts: LogStoreOptions) -> Result<LogStore, LogStoreError> {
        if opts.file_size < (dl::HEADER_SIZE + dl::BLANK_LEN) as u64 * 2 {
            return Err(LogStoreError::Invalid(format!(
                "data file size {} is too small",
                opts.file_size
            )));
        }
        fs::create_dir_all(&opts.node_dir).map_err(io_err(&opts.node_dir))?;
        fs::create_dir_all(&opts.data_dir).map_err(io_err(&opts.data_dir))?;

        let vote = read_vote_file(&opts.node_dir.join(dl::TERM_FILE))?;
        let ckpt_path = opts.node_dir.join(dl::CHECKPOINT_FILE);
        let ckpt = read_kv_file(&ckpt_path)?.unwrap_or_default();
        let mut committed = log_id_from_kv(
            &ckpt,
            [
                dl::KEY_COMMITTED_INDEX,
                dl::KEY_COMMITTED_TERM,
                dl::KEY_COMMITTED_LEADER,
            ],
            &ckpt_path,
        )?;
        let last_purged = log_id_from_kv(
            &ckpt,
            [dl::KEY_PURGED_INDEX, dl::KEY_PURGED_TERM, dl::KEY_PURGED_LEADER],
            &ckpt_path,
        )?;
        let last_purged_dl = kv_i64(&ckpt, dl::KEY_PURGED_DLEDGER_INDEX, &ckpt_path)?
            .and_then(|i| u64::try_from(i).ok())
            .filter(|_| last_purged.is_some());

        let shared = Arc::new(Shared {
            opts: opts.clone(),
            state: RwLock::new(State {
                files: BTreeMap::new(),
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
        });
        {
            let mut st = shared.write();
            recover(&shared, &mut st, committed.as_ref())?;
            // A committed id the log no longer backs (a follower may persist a commit point
            // beyond what it flushed) is forgotten; openraft learns it again from the leader.
            if let Some(c) = committed {
                let purged_covers = st.last_purged.is_some_and(|p| p.index >= c.index);
                let matches = st.meta(c.index).is_some_and(|m| log_id_of(c.index, m) == c);
                if !purged_covers && !matches {
                    tracing::warn!(%c, "committed log id not in the recovered log; forgetting it");
                    committed = None;
                }
            }
            st.committed = committed;
        }
        let flusher = Flusher::start(opts.data_dir.clone(), opts.durability)?;
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
        use std::fmt::Write as _;
        let mut out = String::new();
        let end = st.last_log_id().map_or(-1, |l| l.index as i64);
        let _ = writeln!(out, "{}={end}", dl::KEY_END_INDEX);
        log_id_kv(
            &mut out,
            [
                dl::KEY_COMMITTED_INDEX,
                dl::KEY_COMMITTED_TERM,
                dl::KEY_COMMITTED_LEADER,
            ],
            st.committed.as_ref(),
        );
        log_id_kv(
            &mut out,
            [dl::KEY_PURGED_INDEX, dl::KEY_PURGED_TERM, dl::KEY_PURGED_LEADER],
            st.last_purged.as_ref(),
        );
        let purged_dl = st
            .last_purged
            .map_or(-1, |p| st.last_purged_dl.unwrap_or(p.index) as i64);
        let _ = writeln!(out, "{}={purged_dl}", dl::KEY_PURGED_DLEDGER_INDEX);
        write_file_atomic(
            &self.shared.opts.node_dir.join(dl::CHECKPOINT_FILE),
            out.as_bytes(),
            sync_dir,
        )
    }

    /// Creates the data file starting at `start`, preallocated (sparse) to `file_size`.
    fn create_file(&self, st: &mut State, start: u64) -> Result<Arc<File>, LogStoreError> {
        let path = self.shared.file_path(start);
        let f = create_data_file(&path, self.shared.opts.file_size)?;
        st.files.insert(start, f.clone());
        Ok(f)
    }

    /// Writes `entries` and returns the files to fdatasync and whether the directory changed.
    ///
    /// Entries that follow each other in one file go out in one `pwrite` (a follower receives
    /// them in batches). If any write fails, the in-memory log forgets the whole batch.
    fn write_entries(&self, entries: &[Entry]) -> Result<(DirtyFiles, bool), LogStoreError> {
        let mut st = self.shared.write();
        let before = (st.first_index, st.metas.len(), st.write_pos, st.next_dl);
        let mut dirty: DirtyFiles = Vec::new();
        let mut new_file = false;
        let mut run = WriteRun::default();
        let res = self
            .stage_entries(&mut st, entries, &mut run, &mut dirty, &mut new_file)
            .and_then(|()| run.flush(&self.shared));
        if let Err(e) = res {
            let (first_index, len, write_pos, next_dl) = before;
            let cut = first_index + len as u64;
            st.metas.truncate(len);
            st.first_index = first_index;
            st.write_pos = write_pos;
            st.next_dl = next_dl;
            st.recent.cut_from(cut);
            return Err(e);
        }
        Ok((dirty, new_file))
    }

    /// The body of [`Self::write_entries`]: updates the in-memory log and queues the bytes in
    /// `run`, which writes whenever the next bytes are not contiguous with it.
    fn stage_entries(
        &self,
        st: &mut State,
        entries: &[Entry],
        run: &mut WriteRun,
        dirty: &mut DirtyFiles,
        new_file: &mut bool,
    ) -> Result<(), LogStoreError> {
        let fs_ = self.shared.opts.file_size;
        for entry in entries {
            let index = entry.log_id.index;
            if !st.metas.is_empty() {
                let next = st.first_index + st.metas.len() as u64;
                if index < next {
                    return Err(LogStoreError::Invalid(format!(
                        "append of index {index} over existing entries (next is {next}); truncate first"
                    )));
                }
                if index > next {
                    tracing::warn!(index, next, "append leaves a hole in the Raft log");
                    for _ in next..index {
                        st.metas.push_back(None);
                    }
                }
            }
            let (mut start, mut file) = match st.file_for(st.write_pos, fs_) {
                Some((s, f)) => (s, f.clone()),
                None => {
                    return Err(LogStoreError::Invalid(format!(
                        "no data file holds the write position {}",
                        st.write_pos
                    )))
                }
            };
            // All DLedger entries of an openraft entry go to one data file.
            let mut enc = encode_entry(entry, st.write_pos, st.next_dl)?;
            if enc.bytes.len() as u64 + dl::BLANK_LEN as u64 > fs_ {
                return Err(LogStoreError::Invalid(format!(
                    "entry {index} of {} bytes does not fit a data file of {fs_} bytes",
                    enc.bytes.len()
                )));
            }
            let remaining = start + fs_ - st.write_pos;
            if enc.bytes.len() as u64 + dl::BLANK_LEN as u64 > remaining {
                // End-of-file blank: magic first, then the remaining size (§6.1).
                let mut blank = [0u8; dl::BLANK_LEN];
                blank[..4].copy_from_slice(&dl::BLANK_MAGIC.to_be_bytes());
                blank[4..].copy_from_slice(&(remaining as i32).to_be_bytes());
                run.stage(
                    &self.shared,
                    start,
                    &file,
                    st.write_pos - start,
                    Bytes::copy_from_slice(&blank),
                )?;
                push_dirty(dirty, start, &file);
                let next = start + fs_;
                file = match st.files.get(&next) {
                    Some(f) => f.clone(),
                    None => {
                        *new_file = true;
                        self.create_file(st, next)?
                    }
                };
                start = next;
                st.write_pos = next;
                enc = encode_entry(entry, next, st.next_dl)?;
            }
            let pos = st.write_pos;
            let size = enc.bytes.len();
            run.stage(&self.shared, start, &file, pos - start, enc.bytes)?;
            push_dirty(dirty, start, &file);
            let loc = EntryLocation {
                pos,
                size: size as u32,
                dl_index: st.next_dl,
                count: enc.count,
                term: entry.log_id.leader_id.term,
                leader: entry.log_id.leader_id.node_id,
                kind: match entry.payload {
                    EntryPayload::Normal(_) => EntryKind::Record,
                    EntryPayload::Blank => EntryKind::Blank,
                    EntryPayload::Membership(_) => EntryKind::Membership,
                },
            };
            if st.metas.is_empty() {
                st.first_index = index;
            }
            st.metas.push_back(Some(loc));
            st.write_pos = pos + size as u64;
            st.next_dl += u64::from(enc.count);
            let cached = match enc.payload {
                Some(payload) => Entry {
                    log_id: entry.log_id,
                    payload: EntryPayload::Normal(Record(payload)),
                },
                None => entry.clone(),
            };
            st.recent.push(cached, size);
        }
        Ok(())
    }

    fn sync(&self, dirty: &[(u64, Arc<File>)], dir: bool) -> Result<(), LogStoreError> {
        for (start, f) in dirty {
            f.sync_data().map_err(io_err(&self.shared.file_path(*start)))?;
        }
        if dir {
            sync_dir_path(&self.shared.opts.data_dir)?;
        }
        Ok(())
    }

    fn truncate_from(&self, index: u64) -> Result<(), LogStoreError> {
        let fs_ = self.shared.opts.file_size;
        let mut st = self.shared.write();
        let Some(last) = st.last_log_id() else {
            return Ok(());
        };
        if index > last.index {
            return Ok(());
        }
        let mut keep = index.saturating_sub(st.first_index) as usize;
        while keep > 0 && st.metas[keep - 1].is_none() {
            keep -= 1; // never leave a hole at the end
        }
        // The write position goes back to where it was before entry `index` was appended: right
        // after the previous entry, so a blank written for the cut entry is undone too and the
        // layout stays what the leader (who never had the cut suffix) has.
        let prev = keep.checked_sub(1).and_then(|k| st.metas[k]);
        let (new_pos, new_dl) = match (prev, st.metas.iter().skip(keep).flatten().next()) {
            (Some(p), _) => (p.end(), p.dl_index + u64::from(p.count)),
            (None, Some(first_cut)) => (first_cut.pos, first_cut.dl_index),
            (None, None) => return Ok(()),
        };
        let (start, file) = match st.file_for(new_pos, fs_) {
            Some((s, f)) => (s, f.clone()),
            None => {
                return Err(LogStoreError::Invalid(format!(
                    "no data file holds position {new_pos}"
                )))
            }
        };
        let file_end = start + fs_;
        // End of the bytes in use in that file: the old write position, or after the blank.
        let data_end = if st.write_pos <= file_end {
            st.write_pos
        } else {
            let last_end = st
                .metas
                .iter()
                .flatten()
                .filter(|m| m.pos < file_end)
                .map(|m| m.end())
                .max()
                .unwrap_or(new_pos);
            (last_end.max(new_pos) + dl::BLANK_LEN as u64).min(file_end)
        };
        let path = self.shared.file_path(start);
        zero_range(&file, &path, new_pos - start, data_end - start)?;
        let later: Vec<u64> = st.files.range(start + 1..).map(|(s, _)| *s).collect();
        for s in &later {
            st.files.remove(s);
            let p = self.shared.file_path(*s);
            fs::remove_file(&p).map_err(io_err(&p))?;
        }
        st.metas.truncate(keep);
        st.recent.cut_from(index);
        st.write_pos = new_pos;
        st.next_dl = new_dl;
        drop(st);
        file.sync_data().map_err(io_err(&path))?;
        if !later.is_empty() {
            sync_dir_path(&self.shared.opts.data_dir)?;
        }
        Ok(())
    }

    fn purge_upto(&self, log_id: LogId) -> Result<(), LogStoreError> {
        let fs_ = self.shared.opts.file_size;
        let mut st = self.shared.write();
        if st.last_purged.is_some_and(|p| p.index >= log_id.index) {
            return Ok(());
        }
        // The DLedger index of the last purged record, from which recovery numbers the entries
        // after the purge point. An entry this log does not hold (purged beyond its end, after
        // installing a snapshot) counts as one record.
        let purged_dl = match st.meta(log_id.index) {
            Some(m) => m.dl_index + u64::from(m.count) - 1,
            None => {
                let next = st.next_index().unwrap_or(0);
                (st.next_dl + log_id.index).saturating_sub(next)
            }
        };
        // Persist the purge point before deleting files: a crash in between leaves extra
        // files, whose entries recovery hides. Nothing changes in memory if that write fails,
        // so the purge can be tried again.
        let before = (
            st.last_purged.replace(log_id),
            st.last_purged_dl.replace(purged_dl),
        );
        if let Err(e) = self.write_checkpoint(&st, true) {
            (st.last_purged, st.last_purged_dl) = before;
            return Err(e);
        }
        st.recent.drop_upto(log_id.index);
        while !st.metas.is_empty() && st.first_index <= log_id.index {
            st.metas.pop_front();
            st.first_index += 1;
        }
        while let Some(None) = st.metas.front() {
            st.metas.pop_front();
            st.first_index += 1;
        }
        if st.metas.is_empty() {
            st.first_index = log_id.index + 1;
            st.next_dl = st.next_dl.max(purged_dl + 1);
        }
        let keep_from = st.metas.iter().flatten().next().map_or(st.write_pos, |m| m.pos);
        let doomed: Vec<u64> = st
            .files
            .range(..keep_from)
            .filter(|(s, _)| **s + fs_ <= keep_from)
            .map(|(s, _)| *s)
            .collect();
        for s in &doomed {
            st.files.remove(s);
            let p = self.shared.file_path(*s);
            fs::remove_file(&p).map_err(io_err(&p))?;
        }
        drop(st);
        if !doomed.is_empty() {
            sync_dir_path(&self.shared.opts.data_dir)?;
        }
        Ok(())
    }
}

/// Contiguous bytes of one data file waiting to be written with one `pwrite`.
#[derive(Default)]
struct WriteRun {
    /// Start offset of the file, the file, and where in it the run begins.
    at: Option<(u64, Arc<File>, u64)>,
    len: u64,
    parts: Vec<Bytes>,
}

impl WriteRun {
    /// Queues `bytes` for `file` (starting at `start`) at `offset` in it, writing what is queued
    /// first when `bytes` do not continue it.
    fn stage(
        &mut self,
        shared: &Shared,
        start: u64,
        file: &Arc<File>,
        offset: u64,
        bytes: Bytes,
    ) -> Result<(), LogStoreError> {
        let continues = matches!(&self.at, Some((s, _, o)) if *s == start && o + self.len == offset);
        if !continues {
            self.flush(shared)?;
            self.at = Some((start, file.clone(), offset));
        }
        self.len += bytes.len() as u64;
        self.parts.push(bytes);
        Ok(())
    }

    /// Writes what is queued.
    fn flush(&mut self, shared: &Shared) -> Result<(), LogStoreError> {
        let Some((start, file, offset)) = self.at.take() else {
            return Ok(());
        };
        let parts = std::mem::take(&mut self.parts);
        self.len = 0;
        let res = match parts.as_slice() {
            [one] => file.write_all_at(one, offset),
            _ => file.write_all_at(&parts.concat(), offset),
        };
        res.map_err(|e| io_err(&shared.file_path(start))(e))
    }
}

/// Data files written by one append batch, by start offset, to fdatasync once each.
type DirtyFiles = Vec<(u64, Arc<File>)>;

fn push_dirty(dirty: &mut DirtyFiles, start: u64, f: &Arc<File>) {
    if !dirty.iter().any(|(s, _)| *s == start) {
        dirty.push((start, f.clone()));
    }
}

fn create_data_file(path: &Path, size: u64) -> Result<Arc<File>, LogStoreError> {
    let f = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(io_err(path))?;
    f.set_len(size).map_err(io_err(path))?;
    Ok(Arc::new(f))
}

/// Writes zeros over `[from, to)` of `file`.
fn zero_range(file: &File, path: &Path, from: u64, to: u64) -> Result<(), LogStoreError> {
    const CHUNK: u64 = 64 * 1024;
    let zeros = vec![0u8; CHUNK as usize];
    let mut at = from;
    while at < to {
        let n = CHUNK.min(to - at);
        file.write_all_at(&zeros[..n as usize], at)
            .map_err(io_err(path))?;
        at += n;
    }
    Ok(())
}

/// Zeros a torn tail from `from` chunk by chunk until a chunk that is already all zeros (the
/// files are preallocated with zeros and written sequentially, so nothing lies beyond it).
fn zero_torn_tail(file: &File, path: &Path, from: u64, file_size: u64) -> Result<u64, LogStoreError> {
    const CHUNK: u64 = 64 * 1024;
    let mut at = from;
    let mut buf = vec![0u8; CHUNK as usize];
    while at < file_size {
        let n = CHUNK.min(file_size - at) as usize;
        file.read_exact_at(&mut buf[..n], at).map_err(io_err(path))?;
        if buf[..n].iter().all(|b| *b == 0) {
            break;
        }
        zero_range(file, path, at, at + n as u64)?;
        at += n as u64;
    }
    Ok(at - from)
}

fn read_vote_file(path: &Path) -> Result<Option<Vote>, LogStoreError> {
    let Some(map) = read_kv_file(path)? else {
        return Ok(None);
    };
    let term = kv_i64(&map, dl::KEY_CURR_TERM, path)?;
    let leader = map.get(dl::KEY_VOTE_LEADER).and_then(|v| parse_node(v));
    let committed = map.get(dl::KEY_VOTE_COMMITTED).is_some_and(|v| v == "true");
    Ok(match (term, leader) {
        (Some(t), Some(l)) if t >= 0 => {
            let mut v = Vote::new(t as u64, l);
            if committed {
                v.commit();
            }
            Some(v)
        }
        _ => None,
    })
}

/// Scans the data files into `st` (see [`LogStore::open`]).
fn recover(shared: &Shared, st: &mut State, committed: Option<&LogId>) -> Result<(), LogStoreError> {
    let opts = &shared.opts;
    let fs_ = opts.file_size;
    let mut starts = Vec::new();
    for e in fs::read_dir(&opts.data_dir).map_err(io_err(&opts.data_dir))? {
        let e = e.map_err(io_err(&opts.data_dir))?;
        if let Some(start) = format::path_to_offset(&e.path()) {
            starts.push(start);
        }
    }
    starts.sort_unstable();
    if starts.is_empty() {
        let path = shared.file_path(opts.base_offset);
        let f = create_data_file(&path, fs_)?;
        sync_dir_path(&opts.data_dir)?;
        st.files.insert(opts.base_offset, f);
        st.write_pos = opts.base_offset;
        return Ok(());
    }
    for w in starts.windows(2) {
        if w[1] != w[0] + fs_ {
            return Err(LogStoreError::Corruption {
                path: shared.file_path(w[1]),
                pos: w[1],
                reason: format!("expected the next data file at {}", w[0] + fs_),
            });
        }
    }
    for &start in &starts {
        let path = shared.file_path(start);
        let f = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .map_err(io_err(&path))?;
        let len = f.metadata().map_err(io_err(&path))?.len();
        if len > fs_ {
            return Err(LogStoreError::Corruption {
                path,
                pos: start,
                reason: format!("file is {len} bytes, larger than the configured {fs_}"),
            });
        }
        if len < fs_ {
            // Created but not yet extended when the process died.
            f.set_len(fs_).map_err(io_err(&path))?;
        }
        st.files.insert(start, Arc::new(f));
    }

    let purged = st.last_purged;
    // DLedger index of the last purged record: entries up to it are hidden.
    let purged_dl = purged.map(|p| st.last_purged_dl.unwrap_or(p.index));
    // openraft entries found, in order (a group of record entries counts as one).
    let mut all: Vec<EntryLocation> = Vec::new();
    // The record entries of an openraft entry whose last record is not read yet.
    let mut group: Option<EntryLocation> = None;
    // DLedger index and term of the last DLedger entry read.
    let mut prev: Option<(u64, u64)> = None;
    let mut pos = starts[0];
    let mut stop: Option<(u64, String)> = None;
    'files: for &start in &starts {
        if pos != start {
            // The previous file did not end with a blank: data stopped there.
            break;
        }
        let file_end = start + fs_;
        let file = st.files[&start].clone();
        let path = shared.file_path(start);
        loop {
            if file_end - pos < dl::BLANK_LEN as u64 {
                stop = Some((pos, "no room for a blank at the file end".into()));
                break 'files;
            }
            let head_len = dl::HEADER_SIZE.min((file_end - pos) as usize);
            let mut head = vec![0u8; head_len];
            file.read_exact_at(&mut head, pos - start)
                .map_err(io_err(&path))?;
            let magic = be_i32(&head, 0);
            if magic == dl::BLANK_MAGIC {
                let rem = be_i32(&head, 4);
                if let Some(g) = group.take() {
                    stop = Some((g.pos, "the records of an entry cross a data file end".into()));
                    break 'files;
                }
                if rem as i64 == (file_end - pos) as i64 {
                    pos = file_end;
                    continue 'files;
                }
                stop = Some((pos, format!("blank with size {rem}, expected {}", file_end - pos)));
                break 'files;
            }
            if magic == 0 && head.iter().all(|b| *b == 0) {
                stop = Some((pos, String::new()));
                break 'files;
            }
            if head_len < dl::HEADER_SIZE {
                stop = Some((pos, "truncated header".into()));
                break 'files;
            }
            let h = Header::parse(&head);
            let (kind, leader, more) = match h.check(pos, file_end) {
                Ok(x) => x,
                Err(reason) => {
                    stop = Some((pos, reason));
                    break 'files;
                }
            };
            let index = h.index as u64;
            let term = h.term as u64;
            if let Some((prev_index, prev_term)) = prev {
                let after_purge = purged_dl.is_some_and(|p| prev_index <= p && index == p + 1);
                if index != prev_index + 1 && !after_purge {
                    stop = Some((pos, format!("index {index} does not follow {prev_index}")));
                    break 'files;
                }
                if term < prev_term {
                    stop = Some((pos, format!("term {term} below the previous {prev_term}")));
                    break 'files;
                }
            }
            let mut body = vec![0u8; h.body_len as usize];
            file.read_exact_at(&mut body, pos - start + dl::HEADER_SIZE as u64)
                .map_err(io_err(&path))?;
            if !body_crc_ok(&h, &body) {
                stop = Some((pos, "body CRC mismatch".into()));
                break 'files;
            }
            let loc = EntryLocation {
                pos,
                size: h.size as u32,
                dl_index: index,
                count: 1,
                term,
                leader,
                kind,
            };
            match group.take() {
                Some(mut g) => {
                    if kind != EntryKind::Record || term != g.term || leader != g.leader {
                        stop = Some((g.pos, "the records of an entry end without their last".into()));
                        break 'files;
                    }
                    g.size += loc.size;
                    g.count += 1;
                    if more {
                        group = Some(g);
                    } else {
                        all.push(g);
                    }
                }
                None if more => group = Some(loc),
                None => all.push(loc),
            }
            prev = Some((index, term));
            pos = loc.end();
        }
    }
    if let Some(g) = group.take() {
        // Data stopped (zeros or an invalid entry) inside the records of an entry: a torn
        // write of a batch. The whole entry goes, as a torn single entry would.
        stop = Some((
            g.pos,
            "the records of an entry end without their last (torn write)".into(),
        ));
    }
    // Number the openraft entries: from the purge point when there is one, else from the
    // first entry's DLedger index (equal to its openraft index: no batch precedes it).
    all.retain(|m| purged_dl.is_none_or(|p| m.dl_index > p));
    let first_index = match (purged, all.first()) {
        (Some(p), _) => p.index + 1,
        (None, Some(m)) => m.dl_index,
        (None, None) => 0,
    };
    let next_index = first_index + all.len() as u64;

    if let Some((at, reason)) = &stop {
        let (fstart, file) = match st.file_for(*at, fs_) {
            Some((s, f)) => (s, f.clone()),
            None => {
                return Err(LogStoreError::Invalid(format!(
                    "no data file holds position {at}"
                )))
            }
        };
        let path = shared.file_path(fstart);
        // Data in a later file means the invalid entry is not at the tail: refuse to cut.
        for (&s, f) in st.files.range(fstart + 1..) {
            let mut head = [0u8; 8];
            f.read_exact_at(&mut head, 0)
                .map_err(io_err(&shared.file_path(s)))?;
            if head != [0u8; 8] {
                return Err(LogStoreError::Corruption {
                    path,
                    pos: *at,
                    reason: format!("{reason}; and data file {s} after it holds data"),
                });
            }
        }
        if !reason.is_empty() && committed.is_some_and(|c| c.index >= next_index) {
            return Err(LogStoreError::Corruption {
                path,
                pos: *at,
                reason: format!("{reason}; the entry is at or below the committed index"),
            });
        }
        let zeroed = zero_torn_tail(&file, &path, at - fstart, fs_)?;
        if zeroed > 0 {
            tracing::warn!(path = %path.display(), pos = at, zeroed, reason = %reason, "cut a torn tail of the DLedger log");
        }
        file.sync_data().map_err(io_err(&path))?;
        let later: Vec<u64> = st.files.range(fstart + 1..).map(|(s, _)| *s).collect();
        for s in &later {
            st.files.remove(s);
            let p = shared.file_path(*s);
            fs::remove_file(&p).map_err(io_err(&p))?;
        }
        if !later.is_empty() {
            sync_dir_path(&opts.data_dir)?;
        }
        pos = *at;
    }
    st.write_pos = pos;
    if st.file_for(pos, fs_).is_none() {
        // The last file ended with a blank and the process died before creating the next one.
        let path = shared.file_path(pos);
        let f = create_data_file(&path, fs_)?;
        sync_dir_path(&opts.data_dir)?;
        st.files.insert(pos, f);
    }

    st.first_index = first_index;
    st.next_dl = match (all.last(), purged_dl) {
        (Some(m), _) => m.dl_index + u64::from(m.count),
        (None, Some(p)) => p + 1,
        (None, None) => 0,
    };
    st.metas = all.into_iter().map(Some).collect();
    Ok(())
}

fn range_bounds(range: &impl RangeBounds<u64>) -> (u64, Option<u64>) {
    let start = match range.start_bound() {
        Bound::Included(s) => *s,
        Bound::Excluded(s) => s.saturating_add(1),
        Bound::Unbounded => 0,
    };
    let end = match range.end_bound() {
        Bound::Included(e) => Some(e.saturating_add(1)),
        Bound::Excluded(e) => Some(*e),
        Bound::Unbounded => None,
    };
    (start, end)
}

impl LogReader {
    fn entries(&self, range: impl RangeBounds<u64>) -> Result<Vec<Entry>, LogStoreError> {
        let st = self.shared.read();
        let (start, end) = range_bounds(&range);
        let Some(next) = st.next_index() else {
            return Ok(Vec::new());
        };
        let lo = start.max(st.first_index);
        let hi = end.unwrap_or(next).min(next);
        let mut out = Vec::with_capacity(hi.saturating_sub(lo) as usize);
        for index in lo..hi {
            if let Some(m) = st.meta(index) {
                match st.recent.get(index) {
                    Some(e) => out.push(e.clone()),
                    None => out.push(self.shared.read_entry(&st, index, m)?),
                }
            }
        }
        Ok(out)
    }

    /// Retention: the last entry index of the newest data file that may go, or `None`. A file
    /// may go when it is not the file being written, every older file may go too, its mtime is
    /// older than `reserved` (or `force`: the disk is nearly full), and its last entry is at most
    /// `floor` (what every replica has). Files go whole, through [`LogStore`]'s purge.
    pub fn expired_upto(
        &self,
        now: std::time::SystemTime,
        reserved: Duration,
        force: bool,
        floor: u64,
    ) -> Option<u64> {
        let st = self.shared.read();
        let fs_ = self.shared.opts.file_size;
        let (&last_start, _) = st.files.range(..=st.write_pos).next_back()?;
        let mut upto = None;
        for (&start, file) in st.files.range(..last_start) {
            let end = start + fs_;
            // Entries are in position order: the ones in this file end before `end`.
            let n = st.metas.partition_point(|m| m.is_none_or(|m| m.pos < end));
            let Some(last) = (n > 0).then(|| st.first_index + n as u64 - 1) else {
                continue; // holds no visible entry (already purged up to here)
            };
            let expired = force
                || file
                    .metadata()
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|m| now.duration_since(m).ok())
                    .is_some_and(|age| age >= reserved);
            if !expired || last > floor {
                break;
            }
            upto = Some(last);
            if force {
                break; // a nearly full disk loses one file per round, as in the classic store
            }
        }
        upto
    }

    /// Whether a write of this store (or of the state machine sharing its [`DiskSpace`]) is
    /// waiting for disk space.
    pub fn disk_full(&self) -> bool {
        self.shared.space.is_full()
    }

    /// The disk-space state shared by this node's log store and state machine.
    pub fn disk_space(&self) -> &DiskSpace {
        &self.shared.space
    }

    /// The directory of the data files.
    pub fn data_dir(&self) -> &Path {
        &self.shared.opts.data_dir
    }

    /// Location of entry `index`, if it is in the (unpurged) log.
    pub fn location(&self, index: u64) -> Option<EntryLocation> {
        self.shared.read().meta(index).copied()
    }

    /// Lowest position holding data: the first unpurged entry, else the write position. This is
    /// the DLedger part of `getMinOffset()`.
    pub fn min_pos(&self) -> u64 {
        let st = self.shared.read();
        st.metas.iter().flatten().next().map_or(st.write_pos, |m| m.pos)
    }

    /// The write position: end of the last entry written (committed or not).
    pub fn max_pos(&self) -> u64 {
        self.shared.read().write_pos
    }

    /// End position of the last committed entry known to this store (`getMaxOffset()` of a
    /// DLedger commitlog); `None` when nothing is known committed or it was purged.
    pub fn committed_end_pos(&self) -> Option<u64> {
        let st = self.shared.read();
        let c = st.committed?;
        st.meta(c.index).map(EntryLocation::end)
    }

    /// The last log id persisted as committed.
    pub fn committed(&self) -> Option<LogId> {
        self.shared.read().committed
    }

    /// What is at `pos`: an entry, the end-of-file blank, or the end of the data.
    ///
    /// # Errors
    /// [`LogStoreError::Corruption`] if `pos` is not the start of an entry or blank.
    pub fn read_at(&self, pos: u64) -> Result<DataItem, LogStoreError> {
        self.shared.read_item_at(pos)
    }

    /// The RocketMQ record whose PHYSICALOFFSET is `data_pos` (entry pos + 48).
    ///
    /// # Errors
    /// [`LogStoreError::Invalid`] if no record entry starts 48 bytes before `data_pos`.
    pub fn read_body_at(&self, data_pos: u64) -> Result<Bytes, LogStoreError> {
        let pos = data_pos
            .checked_sub(dl::HEADER_SIZE as u64)
            .ok_or_else(|| LogStoreError::Invalid(format!("no record at {data_pos}")))?;
        match self.read_at(pos)? {
            DataItem::Entry(e) if e.loc.kind == EntryKind::Record => Ok(e.body),
            _ => Err(LogStoreError::Invalid(format!("no record at {data_pos}"))),
        }
    }

    /// Committed entries from position `from`, at most `max`: what the broker's dispatcher
    /// feeds to consume queues (only committed data is dispatched, §6.2).
    ///
    /// # Errors
    /// As [`LogReader::read_at`].
    pub fn scan_committed(&self, from: u64, max: usize) -> Result<Vec<DataEntry>, LogStoreError> {
        match self.committed_end_pos() {
            Some(end) => self.scan(from, end, max),
            None => Ok(Vec::new()),
        }
    }

    /// Entries from position `from` (an entry start, blank or file start) up to but not
    /// including `to`, at most `max` of them, skipping blanks. Raft blank/membership entries are
    /// included (check [`EntryLocation::kind`]); the broker dispatches only records.
    ///
    /// # Errors
    /// As [`LogReader::read_at`].
    pub fn scan(&self, from: u64, to: u64, max: usize) -> Result<Vec<DataEntry>, LogStoreError> {
        let mut out = Vec::new();
        let mut pos = from;
        while pos < to && out.len() < max {
            match self.read_at(pos)? {
                DataItem::Entry(e) => {
                    pos = e.loc.end();
                    out.push(e);
                }
                DataItem::Blank { next_pos } => pos = next_pos,
                DataItem::End => break,
            }
        }
        Ok(out)
    }
}

impl RaftLogReader<TypeConfig> for LogReader {
    async fn try_get_log_entries<RB: RangeBounds<u64> + Clone + Debug + Send>(
        &mut self,
        range: RB,
    ) -> Result<Vec<Entry>, StorageError> {
        self.entries(range).map_err(LogStoreError::into_read)
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
        let text = format!(
            "{}={}\n{}={}\n{}={}\n",
            dl::KEY_CURR_TERM,
            vote.leader_id.term,
            dl::KEY_VOTE_LEADER,
            vote.leader_id.node_id,
            dl::KEY_VOTE_COMMITTED,
            vote.committed
        );
        // The vote must survive a crash before we answer the candidate: full durability.
        let path = self.shared.opts.node_dir.join(dl::TERM_FILE);
        self.write_retrying("DLedger vote", || write_file_atomic(&path, text.as_bytes(), true))
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
        // openraft counts this node's copy towards the quorum as soon as the callback fires:
        // with Fsync durability only after the flusher's fdatasync (grouped with other queued
        // batches), with PageCache durability now, the flusher syncing later. Without a
        // flusher, sync here.
        let mut req = FlushRequest {
            files: dirty,
            sync_dir: new_file,
            callback: Some(callback),
        };
        if matches!(self.durability, Durability::PageCache { .. }) {
            if let Some(cb) = req.callback.take() {
                cb.log_io_completed(Ok(()));
            }
            if let Some(f) = &self.flusher {
                let mut noted = f.pending.lock().unwrap_or_else(|p| p.into_inner());
                for (start, file) in &req.files {
                    push_dirty(&mut noted.0, *start, file);
                }
                noted.1 |= req.sync_dir;
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
