//! Binary encoding of the Raft RPC bodies that carry message data.
//!
//! AppendEntries carries RocketMQ records; JSON would turn every byte into a number, so the
//! request is hand-encoded (big-endian, like the rest of RocketMQ):
//!
//! ```text
//! AppendEntries request
//!   u8  version = 1
//!   vote         u64 term, u64 node, u8 committed
//!   prev_log_id  optional log id
//!   leader_commit optional log id
//!   u32 entry count, then per entry:
//!     log id     u64 term, u64 leader node, u64 index
//!     u8 kind    0 record, 1 blank, 2 membership
//!     u32 length, then that many bytes: the record, nothing, or the membership as JSON
//! optional log id = u8 0, or u8 1 followed by the three u64 of a log id
//!
//! InstallSnapshot request
//!   u32 length of a JSON header {vote, meta, offset, done}, the header, then the chunk bytes
//! ```
//!
//! Responses and the small Vote messages are JSON (`serde_json`): they hold no message data.
//!
//! These bodies travel in RocketMQ remoting frames ([`code`] names the request), of at most
//! [`MAX_FRAME_BYTES`]. The limit lives here, with the rest of the wire format, because both
//! ends need it: the client (`network`, which `handover` also sends through) and the server
//! (`rpc_server`, which dispatches to `handover`); in either of them it would tie the two into
//! an import loop.

use bytes::{Buf, BufMut, Bytes, BytesMut};
use openraft::raft::{AppendEntriesRequest, InstallSnapshotRequest};
use openraft::{CommittedLeaderId, EntryPayload};
use serde::{Deserialize, Serialize};

use super::types::{Entry, LogId, Membership, Record, SnapshotMeta, TypeConfig, Vote};

/// Why a Raft RPC body could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    /// The body ended inside a field.
    #[error("Raft RPC body truncated while reading {0}")]
    Truncated(&'static str),
    /// A field holds a value this version does not know.
    #[error("invalid Raft RPC body: {0}")]
    Invalid(String),
}

/// Request codes of the Raft RPCs on the DLedger peer port. Deliberately not Java DLedger's
/// codes (50000-51005): the bodies are openraft's, which a Java peer could not read. They fit
/// the int16 code field of the ROCKETMQ binary header the RPCs are sent with.
pub mod code {
    /// AppendEntries (binary body, see the module docs).
    pub const APPEND: i32 = 32001;
    /// Vote (JSON body).
    pub const VOTE: i32 = 32002;
    /// InstallSnapshot (binary body).
    pub const SNAPSHOT: i32 = 32003;
    /// Leadership hand-over notice (JSON `HandOver`).
    pub const HANDOVER: i32 = 32004;
    /// Retention notice (JSON `PurgeNotice`).
    pub const PURGE: i32 = 32005;
    /// Pre-vote: may the sender campaign? (JSON `election::PreVote`, answered with a JSON
    /// `election::PreVoteReply`; changes nothing at the receiver.)
    pub const PREVOTE: i32 = 32006;
}

/// Largest accepted RPC frame, on both ends. An AppendEntries batch holds at most
/// `max_payload_entries` records of at most a few MiB each.
pub const MAX_FRAME_BYTES: usize = 256 * 1024 * 1024;

const VERSION: u8 = 1;
const KIND_RECORD: u8 = 0;
const KIND_BLANK: u8 = 1;
const KIND_MEMBERSHIP: u8 = 2;

fn need(buf: &Bytes, n: usize, what: &'static str) -> Result<(), WireError> {
    if buf.remaining() < n {
        Err(WireError::Truncated(what))
    } else {
        Ok(())
    }
}

fn put_log_id(out: &mut BytesMut, id: &LogId) {
    out.put_u64(id.leader_id.term);
    out.put_u64(id.leader_id.node_id);
    out.put_u64(id.index);
}

fn get_log_id(buf: &mut Bytes) -> Result<LogId, WireError> {
    need(buf, 24, "log id")?;
    let term = buf.get_u64();
    let node = buf.get_u64();
    let index = buf.get_u64();
    Ok(LogId::new(CommittedLeaderId::new(term, node), index))
}

fn put_opt_log_id(out: &mut BytesMut, id: Option<&LogId>) {
    match id {
        None => out.put_u8(0),
        Some(id) => {
            out.put_u8(1);
            put_log_id(out, id);
        }
    }
}

fn get_opt_log_id(buf: &mut Bytes) -> Result<Option<LogId>, WireError> {
    need(buf, 1, "log id tag")?;
    match buf.get_u8() {
        0 => Ok(None),
        1 => get_log_id(buf).map(Some),
        t => Err(WireError::Invalid(format!("log id tag {t}"))),
    }
}

/// Encodes an AppendEntries request.
///
/// # Errors
/// [`WireError::Invalid`] if a membership cannot be serialised or a payload exceeds 4 GiB.
pub fn encode_append(req: &AppendEntriesRequest<TypeConfig>) -> Result<Bytes, WireError> {
    let payload: usize = req
        .entries
        .iter()
        .map(|e| match &e.payload {
            EntryPayload::Normal(r) => r.0.len(),
            _ => 0,
        })
        .sum();
    let mut out = BytesMut::with_capacity(64 + req.entries.len() * 32 + payload);
    out.put_u8(VERSION);
    out.put_u64(req.vote.leader_id.term);
    out.put_u64(req.vote.leader_id.node_id);
    out.put_u8(u8::from(req.vote.committed));
    put_opt_log_id(&mut out, req.prev_log_id.as_ref());
    put_opt_log_id(&mut out, req.leader_commit.as_ref());
    let count =
        u32::try_from(req.entries.len()).map_err(|_| WireError::Invalid("too many entries".into()))?;
    out.put_u32(count);
    for e in &req.entries {
        put_log_id(&mut out, &e.log_id);
        let (kind, bytes): (u8, Bytes) = match &e.payload {
            EntryPayload::Normal(r) => (KIND_RECORD, r.0.clone()),
            EntryPayload::Blank => (KIND_BLANK, Bytes::new()),
            EntryPayload::Membership(m) => (
                KIND_MEMBERSHIP,
                Bytes::from(serde_json::to_vec(m).map_err(|e| WireError::Invalid(e.to_string()))?),
            ),
        };
        out.put_u8(kind);
        let len =
            u32::try_from(bytes.len()).map_err(|_| WireError::Invalid("entry payload over 4 GiB".into()))?;
        out.put_u32(len);
        out.put_slice(&bytes);
    }
    Ok(out.freeze())
}

/// Decodes an AppendEntries request; record payloads share `body`'s buffer (no copy).
///
/// # Errors
/// [`WireError`] for a truncated or unknown encoding.
pub fn decode_append(mut body: Bytes) -> Result<AppendEntriesRequest<TypeConfig>, WireError> {
    need(&body, 1 + 17, "header")?;
    let version = body.get_u8();
    if version != VERSION {
        return Err(WireError::Invalid(format!("version {version}")));
    }
    let term = body.get_u64();
    let node = body.get_u64();
    let committed = body.get_u8() != 0;
    let mut vote = Vote::new(term, node);
    if committed {
        vote.commit();
    }
    let prev_log_id = get_opt_log_id(&mut body)?;
    let leader_commit = get_opt_log_id(&mut body)?;
    need(&body, 4, "entry count")?;
    let count = body.get_u32() as usize;
    // Each entry takes at least 29 bytes: do not trust `count` for the allocation.
    let mut entries = Vec::with_capacity(count.min(body.remaining() / 29));
    for _ in 0..count {
        let log_id = get_log_id(&mut body)?;
        need(&body, 5, "entry kind and length")?;
        let kind = body.get_u8();
        let len = body.get_u32() as usize;
        need(&body, len, "entry payload")?;
        let bytes = body.split_to(len);
        let payload = match kind {
            KIND_RECORD => EntryPayload::Normal(Record(bytes)),
            KIND_BLANK => EntryPayload::Blank,
            KIND_MEMBERSHIP => EntryPayload::Membership(
                serde_json::from_slice::<Membership>(&bytes)
                    .map_err(|e| WireError::Invalid(format!("membership: {e}")))?,
            ),
            k => return Err(WireError::Invalid(format!("entry kind {k}"))),
        };
        entries.push(Entry { log_id, payload });
    }
    if body.has_remaining() {
        return Err(WireError::Invalid(format!("{} trailing bytes", body.remaining())));
    }
    Ok(AppendEntriesRequest {
        vote,
        prev_log_id,
        entries,
        leader_commit,
    })
}

#[derive(Serialize, Deserialize)]
struct SnapshotHeader {
    vote: Vote,
    meta: SnapshotMeta,
    offset: u64,
    done: bool,
}

/// Encodes an InstallSnapshot chunk: JSON header, then the raw chunk.
///
/// # Errors
/// [`WireError::Invalid`] if the header cannot be serialised.
pub fn encode_snapshot(req: &InstallSnapshotRequest<TypeConfig>) -> Result<Bytes, WireError> {
    let header = serde_json::to_vec(&SnapshotHeader {
        vote: req.vote,
        meta: req.meta.clone(),
        offset: req.offset,
        done: req.done,
    })
    .map_err(|e| WireError::Invalid(e.to_string()))?;
    let mut out = BytesMut::with_capacity(4 + header.len() + req.data.len());
    out.put_u32(header.len() as u32);
    out.put_slice(&header);
    out.put_slice(&req.data);
    Ok(out.freeze())
}

/// Decodes an InstallSnapshot chunk.
///
/// # Errors
/// [`WireError`] for a truncated body or a bad header.
pub fn decode_snapshot(mut body: Bytes) -> Result<InstallSnapshotRequest<TypeConfig>, WireError> {
    need(&body, 4, "snapshot header length")?;
    let len = body.get_u32() as usize;
    need(&body, len, "snapshot header")?;
    let header: SnapshotHeader = serde_json::from_slice(&body.split_to(len))
        .map_err(|e| WireError::Invalid(format!("snapshot header: {e}")))?;
    Ok(InstallSnapshotRequest {
        vote: header.vote,
        meta: header.meta,
        offset: header.offset,
        data: body.to_vec(),
        done: header.done,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> AppendEntriesRequest<TypeConfig> {
        let id = |t, n, i| LogId::new(CommittedLeaderId::new(t, n), i);
        AppendEntriesRequest {
            vote: Vote::new_committed(3, 1),
            prev_log_id: Some(id(2, 0, 9)),
            entries: vec![
                Entry {
                    log_id: id(3, 1, 10),
                    payload: EntryPayload::Blank,
                },
                Entry {
                    log_id: id(3, 1, 11),
                    payload: EntryPayload::Normal(Record(Bytes::from_static(b"\x00\x01record"))),
                },
                Entry {
                    log_id: id(3, 1, 12),
                    payload: EntryPayload::Membership(Membership::from(std::collections::BTreeMap::from([
                        (0u64, openraft::BasicNode::new("a:1")),
                    ]))),
                },
            ],
            leader_commit: None,
        }
    }

    #[test]
    fn append_round_trips() {
        let req = sample();
        let bytes = encode_append(&req).expect("encode");
        let back = decode_append(bytes.clone()).expect("decode");
        assert_eq!(back.vote, req.vote);
        assert_eq!(back.prev_log_id, req.prev_log_id);
        assert_eq!(back.leader_commit, None);
        assert_eq!(back.entries, req.entries);
        // Record bytes appear verbatim, not as JSON numbers.
        assert!(bytes.windows(8).any(|w| w == b"\x00\x01record"));
    }

    #[test]
    fn truncated_or_bad_bodies_are_errors() {
        let bytes = encode_append(&sample()).expect("encode");
        for cut in 0..bytes.len() {
            assert!(decode_append(bytes.slice(..cut)).is_err(), "cut at {cut}");
        }
        let mut bad = bytes.to_vec();
        bad[0] = 9;
        assert!(decode_append(Bytes::from(bad)).is_err());
        // A huge entry count with no data does not allocate or panic.
        let mut huge = bytes[..bytes.len()].to_vec();
        huge.truncate(1 + 17 + 25 + 1);
        huge.extend_from_slice(&u32::MAX.to_be_bytes());
        assert!(decode_append(Bytes::from(huge)).is_err());
        assert!(decode_snapshot(Bytes::from_static(&[0, 0, 0, 9, b'{'])).is_err());
    }
}
