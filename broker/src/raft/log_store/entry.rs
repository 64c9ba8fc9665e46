//! The entry codec: how an openraft entry becomes DLedger entries in a data file, and back.
//!
//! Everything that knows the 48-byte header (spec §6.1) and the channel bits we put in it lives
//! here, apart from the file handling, so the writer, recovery and the reader agree on one
//! encoding: [`encode_entry`] for appends, [`Header`] for the checks recovery and position reads
//! make. The public types ([`EntryKind`], [`EntryLocation`], [`DataEntry`], [`DataItem`]) are
//! what the broker sees of an entry when it reads the log by position.

use bytes::Bytes;
use openraft::{CommittedLeaderId, EntryPayload};

use super::LogStoreError;
use crate::raft::types::{record_spans, Entry, LogId, NodeId, Record};
use crate::store::format::{self, dledger as dl};

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
    #[inline]
    fn code(self) -> i32 {
        match self {
            EntryKind::Record => dl::KIND_RECORD,
            EntryKind::Blank => dl::KIND_BLANK,
            EntryKind::Membership => dl::KIND_MEMBERSHIP,
        }
    }
    #[inline]
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
    #[inline]
    pub fn data_pos(&self) -> u64 {
        self.pos + dl::HEADER_SIZE as u64
    }
    #[inline]
    pub(super) fn end(&self) -> u64 {
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
pub(super) struct Header {
    pub(super) magic: i32,
    pub(super) size: i32,
    pub(super) index: i64,
    pub(super) term: i64,
    pub(super) pos: i64,
    pub(super) channel: i32,
    pub(super) body_crc: i32,
    pub(super) body_len: i32,
}

#[inline]
pub(super) fn be_i32(b: &[u8], at: usize) -> i32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&b[at..at + 4]);
    i32::from_be_bytes(a)
}

#[inline]
fn be_i64(b: &[u8], at: usize) -> i64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    i64::from_be_bytes(a)
}

impl Header {
    #[inline]
    pub(super) fn parse(b: &[u8]) -> Header {
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
    #[inline]
    pub(super) fn check(&self, pos: u64, file_end: u64) -> Result<(EntryKind, NodeId, bool), String> {
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
pub(super) struct Encoded {
    /// The DLedger entries, back to back.
    pub(super) bytes: Bytes,
    /// How many DLedger entries `bytes` holds.
    pub(super) count: u32,
    /// For a record entry, the payload as stored (PHYSICALOFFSETs patched), for
    /// [`RecentEntries`].
    pub(super) payload: Option<Bytes>,
}

/// Encodes `entry` at absolute position `pos` as DLedger entries numbered from `dl_index`: one
/// per record of a record entry ([`record_spans`]), one for a blank or membership entry.
pub(super) fn encode_entry(entry: &Entry, pos: u64, dl_index: u64) -> Result<Encoded, LogStoreError> {
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

#[inline]
pub(super) fn body_crc_ok(h: &Header, body: &[u8]) -> bool {
    h.body_crc == 0 || crc32fast::hash(body) as i32 == h.body_crc
}

/// The openraft log id of entry `index` stored at `m`.
#[inline]
pub(super) fn log_id_of(index: u64, m: &EntryLocation) -> LogId {
    LogId::new(CommittedLeaderId::new(m.term, m.leader), index)
}
