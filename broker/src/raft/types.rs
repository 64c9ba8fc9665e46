//! The openraft type configuration of the DLedger commitlog, and the small types every Raft part
//! shares.
//!
//! It exists so that the log store, the state machine, the network and the broker agree on one
//! `TypeConfig`:
//! - `NodeId = u64`: the digits of the DLedger self id (`n0` -> 0, `n1` -> 1, …), see
//!   [`node_id_from_self_id`].
//! - `Node = BasicNode`, whose `addr` is the peer's `host:port` from `dLegerPeers`.
//! - `D = Record`: one or more RocketMQ message records back to back (the leader batches
//!   concurrent sends into one entry, see [`record_spans`]).
//! - `R = ApplyResponse`: the entry's index and the data position where its first record begins
//!   (entry pos + 48), which the broker turns into msgIds and consume-queue entries.
//!
//! On disk every record is a DLedger entry of its own (see `store::format::dledger`), as
//! DLedger stores it (§6.2): an openraft entry of K records is K consecutive DLedger entries,
//! of channel kind `KIND_RECORD_MORE` but the last, `KIND_RECORD`; openraft's blank and membership entries
//! have kinds `KIND_BLANK` / `KIND_MEMBERSHIP` and a body that starts with int32 size + int32
//! `RAFT_META_MAGIC`, which no RocketMQ record parser accepts, so a data-file scanner skips them.

use std::fmt;
use std::io::Cursor;

use bytes::Bytes;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

openraft::declare_raft_types!(
    /// The openraft type configuration of a DLedger broker group.
    pub TypeConfig:
        D = Record,
        R = ApplyResponse,
        NodeId = u64,
        Node = openraft::BasicNode,
        Entry = openraft::Entry<TypeConfig>,
        SnapshotData = Cursor<Vec<u8>>,
        AsyncRuntime = openraft::TokioRuntime,
);

/// Raft node id: the digits of the DLedger self id.
pub type NodeId = u64;
/// The openraft node handle of this type configuration.
pub type Raft = openraft::Raft<TypeConfig>;
/// A log entry.
pub type Entry = openraft::Entry<TypeConfig>;
/// A log id: (term, leader node id, index).
pub type LogId = openraft::LogId<NodeId>;
/// A vote: (term, candidate/leader node id, committed).
pub type Vote = openraft::Vote<NodeId>;
/// openraft's storage error for this node id type.
pub type StorageError = openraft::StorageError<NodeId>;
/// Cluster membership with node addresses.
pub type Membership = openraft::Membership<NodeId, openraft::BasicNode>;
/// Membership plus the log id it was stored at.
pub type StoredMembership = openraft::StoredMembership<NodeId, openraft::BasicNode>;
/// Snapshot metadata.
pub type SnapshotMeta = openraft::SnapshotMeta<NodeId, openraft::BasicNode>;
/// A snapshot with its data.
pub type Snapshot = openraft::storage::Snapshot<TypeConfig>;

/// RocketMQ message records (spec §2.6) back to back, the application data of a Raft entry:
/// usually one, several when the leader batched concurrent sends ([`record_spans`]).
///
/// Cheap to clone (`Bytes`): openraft clones entries while replicating. Serde writes it as a
/// byte string; the Raft network uses its own binary encoding and never turns it into JSON.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Record(pub Bytes);

impl fmt::Debug for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Record({} bytes)", self.0.len())
    }
}

impl Serialize for Record {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

impl<'de> Deserialize<'de> for Record {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Record;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a byte string")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Record, E> {
                Ok(Record(Bytes::copy_from_slice(v)))
            }
            fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Record, E> {
                Ok(Record(Bytes::from(v)))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<Record, A::Error> {
                let mut out = Vec::with_capacity(a.size_hint().unwrap_or(0));
                while let Some(b) = a.next_element::<u8>()? {
                    out.push(b);
                }
                Ok(Record(Bytes::from(out)))
            }
        }
        d.deserialize_bytes(V)
    }
}

/// The byte ranges of the records of a [`Record`] payload: a chain of RocketMQ records, each
/// starting with its int32 TOTALSIZE, that covers the payload exactly. A payload that is not
/// such a chain (tests and tools write arbitrary bytes) is one record. The log store and the
/// state machine both split payloads with this function, so they always agree.
#[allow(clippy::single_range_in_vec_init)] // a list of ranges that may hold just one
pub fn record_spans(payload: &[u8]) -> Vec<std::ops::Range<usize>> {
    let mut spans = Vec::new();
    let mut at = 0usize;
    while at < payload.len() {
        let total = payload
            .get(at..at + 4)
            .map(|b| i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
            .unwrap_or(0);
        // The size and magic fields at least; never past the end.
        let Some(end) = usize::try_from(total)
            .ok()
            .filter(|t| *t >= 8)
            .and_then(|t| at.checked_add(t))
            .filter(|e| *e <= payload.len())
        else {
            return vec![0..payload.len()];
        };
        spans.push(at..end);
        at = end;
    }
    if spans.is_empty() {
        spans.push(0..0);
    }
    spans
}

/// What applying one entry produced: returned to the writer by `client_write`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplyResponse {
    /// The Raft index of the entry.
    pub index: u64,
    /// Data position of the entry's first record: entry pos + 48, the record's PHYSICALOFFSET.
    /// Record i + 1 starts `len(record i) + 48` after record i (one DLedger header each).
    /// `None` when the entry is no longer (or was never) in the local log, which only happens
    /// to blank and membership entries replayed from a snapshot.
    pub pos: Option<u64>,
}

/// The Raft node id for a DLedger self id: the digits after the leading letter (`n0` -> 0,
/// `n12` -> 12). `None` if there are no digits or they do not fit the 24 bits the on-disk
/// `channel` field keeps for the leader id.
pub fn node_id_from_self_id(self_id: &str) -> Option<NodeId> {
    let mut chars = self_id.chars();
    if !chars.next().is_some_and(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let digits = chars.as_str();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let id: u64 = digits.parse().ok()?;
    (id <= crate::store::format::dledger::CHANNEL_NODE_MASK as u64).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_split_into_their_records() {
        let rec = |len: usize| {
            let mut r = vec![7u8; len];
            r[..4].copy_from_slice(&(len as i32).to_be_bytes());
            r
        };
        let one = rec(20);
        assert_eq!(record_spans(&one), vec![0..20]);
        let three = [rec(20), rec(9), rec(30)].concat();
        assert_eq!(record_spans(&three), vec![0..20, 20..29, 29..59]);
        // Not a chain: one record whatever the bytes.
        assert_eq!(record_spans(&three[..58]), vec![0..58]);
        assert_eq!(record_spans(b"abc"), vec![0..3]);
        assert_eq!(record_spans(&[0u8; 16]), vec![0..16]);
        assert_eq!(record_spans(b""), vec![0..0]);
    }

    #[test]
    fn self_ids_map_to_node_ids() {
        assert_eq!(node_id_from_self_id("n0"), Some(0));
        assert_eq!(node_id_from_self_id("n12"), Some(12));
        assert_eq!(node_id_from_self_id("n"), None);
        assert_eq!(node_id_from_self_id("nx1"), None);
        assert_eq!(node_id_from_self_id("n99999999"), None);
    }
}
