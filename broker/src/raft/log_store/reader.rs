//! Reading the log: by openraft index for replication, by position for the broker.
//!
//! [`LogReader`] is a cheap clone sharing the store's files and index, so openraft's
//! replication tasks and the broker's pull and dispatch paths read without going through the
//! store, which owns the writes. Reads by index check every header against the in-memory index
//! and every body against its CRC; reads by position follow the data files the way a DLedger
//! reader does (entries, blanks, the end of the data).

use std::fmt::Debug;
use std::ops::{Bound, RangeBounds};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use openraft::{EntryPayload, RaftLogReader};

use super::entry::{be_i32, body_crc_ok, log_id_of, DataEntry, DataItem, EntryKind, EntryLocation, Header};
use super::{io_err, LogStoreError, Shared, State};
use crate::raft::space::DiskSpace;
use crate::raft::types::{Entry, LogId, Membership, Record, StorageError, TypeConfig};
use crate::store::format::dledger as dl;

/// A read handle on the log: openraft's replication reads through it, and the broker uses its
/// position-based helpers to serve pulls and dispatch consume queues.
#[derive(Clone)]
pub struct LogReader {
    pub(super) shared: Arc<Shared>,
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
    pub(super) fn entries(&self, range: impl RangeBounds<u64>) -> Result<Vec<Entry>, LogStoreError> {
        let st = self.shared.read();
        let (start, end) = range_bounds(&range);
        let Some(next) = st.next_index() else {
            return Ok(Vec::new());
        };
        let lo = start.max(st.cold_first);
        let hi = end.unwrap_or(next).min(next);
        let mut out = Vec::with_capacity(hi.saturating_sub(lo).min(4096) as usize);
        for index in lo..hi {
            if let Some(e) = st.recent.get(index) {
                out.push(e.clone());
            } else if let Some(m) = self.shared.loc(&st, index)? {
                out.push(self.shared.read_entry(&st, index, &m)?);
            }
        }
        Ok(out)
    }

    /// Retention: the last entry index of the newest data file that may go, or `None`. A file
    /// may go when it is not the file being written, every older file may go too, its mtime is
    /// older than `reserved` (or `force`: the disk is nearly full), and its last entry is at most
    /// `floor` (what every replica has). Files go whole, through [`LogStore`](super::LogStore)'s purge.
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
            let next = match self.shared.index_at_pos(&st, end) {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(error = %e, "DLedger retention cannot locate entries");
                    break;
                }
            };
            let Some(last) = (next > st.cold_first).then(|| next - 1) else {
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

    /// Where the entry `index` ends (its next entry's position), if the log holds it.
    pub fn end_pos_of(&self, index: u64) -> Option<u64> {
        self.location(index).map(|l| l.end())
    }

    /// Location of entry `index`, if it is in the (unpurged) log.
    pub fn location(&self, index: u64) -> Option<EntryLocation> {
        let st = self.shared.read();
        match self.shared.loc(&st, index) {
            Ok(loc) => loc,
            Err(e) => {
                tracing::error!(error = %e, index, "cannot locate a DLedger entry");
                None
            }
        }
    }

    /// Lowest position holding data: the first unpurged entry, else the write position. This is
    /// the DLedger part of `getMinOffset()`.
    pub fn min_pos(&self) -> u64 {
        let st = self.shared.read();
        self.shared.first_pos(&st).unwrap_or_else(|e| {
            tracing::error!(error = %e, "cannot locate the first DLedger entry");
            st.write_pos
        })
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
        match self.shared.loc(&st, c.index) {
            Ok(loc) => loc.map(|m| m.end()),
            Err(e) => {
                tracing::error!(error = %e, "cannot locate the committed DLedger entry");
                None
            }
        }
    }

    /// Makes every entry appended so far durable: fdatasyncs the data files written since their
    /// last sync (and the directory when a file was created). With ASYNC_FLUSH, and with either
    /// mode on a leader, openraft may apply an entry before this node synced it; whatever
    /// records it as applied (`raft-applied.json`, the consume queues) must call this first, or
    /// a power loss could leave that record ahead of the data: openraft would then purge its
    /// log up to the applied index and never fetch the lost entries again.
    ///
    /// # Errors
    /// [`LogStoreError::Io`] when an fdatasync fails (fatal: see the module docs).
    pub fn sync_written(&self) -> Result<(), LogStoreError> {
        self.shared
            .sync_noted(&Vec::new(), false)
            .map_err(io_err(&self.shared.opts.data_dir))
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

impl Shared {
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
