//! A DLedger store as Java DLedger writes it, built byte by byte from the reference spec
//! (§6.1 DLedger file store, §6.2 how RocketMQ wraps messages; "Tests that can fail"):
//!
//! - data entries with the 48-byte header: magic 1, size, index, term, pos, channel 0, chainCrc
//!   0, bodyCrc 0 (DLedger fills neither CRC), bodyLen, then one RocketMQ record (§2.6) whose
//!   PHYSICALOFFSET is the entry's pos + 48;
//! - the data end-of-file blank, int32 -1 then int32 remaining (magic first);
//! - `checkpoint` (`endIndex`, `committedIndex`) and `currterm` (`currTerm`, `voteLeader=n0`).
//!
//! Our log store must open it unchanged, read the records back, hand them to the state
//! machine's applier, and the message store must serve them to a pull.

use std::sync::Arc;

use openraft::storage::{RaftLogStorage, RaftLogStorageExt, RaftStateMachine};
use openraft::{CommittedLeaderId, EntryPayload, RaftLogReader};
use tempfile::TempDir;

use super::{DataItem, EntryKind, LogReader, LogStore, LogStoreOptions};
use crate::raft::state_machine::{AppliedRecord, Applier, ApplierError, StateMachine};
use crate::raft::types::{Entry, LogId, Record};
use crate::store::external::ExternalLog;
use crate::store::fixtures::{push_record, RecordFields};
use crate::store::message::decode_records;
use crate::store::{GetMessageStatus, MessageStore, StoreConfig};

/// Data file size of the fixture (Java: `mappedFileSizeForEntryData`).
const FILE_SIZE: u64 = 512;
const BODIES: [&[u8]; 3] = [b"Hello DLedger 0", b"Hello DLedger 1", b"Hello DLedger 2"];
/// `CRC32(body) & 0x7FFFFFFF` of [`BODIES`], computed outside this code base.
const BODY_CRCS: [i32; 3] = [0x1BDA_D9A0, 0x6CDD_E936, 0x75D4_B88C];
const PROPS: &str = "TAGS\u{1}TagA\u{2}CLUSTER\u{1}RaftCluster";
/// 91 + body 15 + topic 9 + properties 29.
const RECORD_LEN: usize = 144;
/// Entry positions: two entries fill the first file up to the blank, the third opens the second.
const POS: [u64; 3] = [0, 192, 512];
const BLANK_AT: u64 = 384;
const TERM: i64 = 1;

/// The RocketMQ record of message `i`, as the DLedger commitlog's append hook leaves it.
fn record(i: usize) -> Vec<u8> {
    let mut r = Vec::new();
    push_record(
        &mut r,
        &RecordFields {
            body_crc: BODY_CRCS[i],
            queue_id: 0,
            flag: 0,
            queue_offset: i as i64,
            physical_offset: (POS[i] + 48) as i64, // entry pos + 48 (§6.2)
            sys_flag: 0,
            born_timestamp: 1_690_000_000_000 + i as i64,
            born_host: ([192, 168, 1, 7], 40000),
            store_timestamp: 1_690_000_000_100 + i as i64,
            store_host: ([192, 168, 1, 10], 30911),
            reconsume_times: 0,
            prepared_transaction_offset: 0,
            body: BODIES[i],
            topic: "TopicTest",
            properties: PROPS,
        },
    );
    assert_eq!(r.len(), RECORD_LEN);
    r
}

/// Writes one DLedger data entry at `off` of `file` (which starts at absolute `start`).
fn put_entry(file: &mut [u8], start: u64, off: usize, index: i64, body: &[u8]) -> usize {
    let mut e = Vec::new();
    e.extend_from_slice(&1i32.to_be_bytes()); // 0 magic = 1 (MAGIC_1)
    e.extend_from_slice(&((48 + body.len()) as i32).to_be_bytes()); // 4 size = 48 + bodyLen
    e.extend_from_slice(&index.to_be_bytes()); // 8 index, from 0
    e.extend_from_slice(&TERM.to_be_bytes()); // 16 term
    e.extend_from_slice(&((start + off as u64) as i64).to_be_bytes()); // 24 pos (absolute)
    e.extend_from_slice(&0i32.to_be_bytes()); // 32 channel (reserved, 0)
    e.extend_from_slice(&0i32.to_be_bytes()); // 36 chainCrc: not filled
    e.extend_from_slice(&0i32.to_be_bytes()); // 40 bodyCrc: not filled
    e.extend_from_slice(&(body.len() as i32).to_be_bytes()); // 44 bodyLen
    e.extend_from_slice(body); // 48 body
    file[off..off + e.len()].copy_from_slice(&e);
    e.len()
}

/// Writes the Java DLedger store of three messages under `node_dir`; returns the data files.
fn write_java_store(node_dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let data = node_dir.join("data");
    std::fs::create_dir_all(&data).expect("mkdir");
    // Files are preallocated with zeros and named by their 20-digit start offset.
    let mut f0 = vec![0u8; FILE_SIZE as usize];
    let mut f1 = vec![0u8; FILE_SIZE as usize];
    let mut off = 0;
    for (i, pos) in POS.iter().enumerate().take(2) {
        assert_eq!(off as u64, *pos);
        off += put_entry(&mut f0, 0, off, i as i64, &record(i));
    }
    // The third entry does not fit (len + 8 > remaining): blank, then the next file.
    let remaining = FILE_SIZE as usize - off;
    assert_eq!(off as u64, BLANK_AT);
    assert!(48 + RECORD_LEN + 8 > remaining);
    f0[off..off + 4].copy_from_slice(&(-1i32).to_be_bytes()); // blank magic -1 first
    f0[off + 4..off + 8].copy_from_slice(&(remaining as i32).to_be_bytes()); // then remaining
    put_entry(&mut f1, FILE_SIZE, 0, 2, &record(2));
    let files = vec![
        (data.join("00000000000000000000"), f0),
        (data.join("00000000000000000512"), f1),
    ];
    for (p, bytes) in &files {
        std::fs::write(p, bytes).expect("write data file");
    }
    std::fs::write(node_dir.join("checkpoint"), "endIndex=2\ncommittedIndex=2\n").expect("checkpoint");
    std::fs::write(node_dir.join("currterm"), "currTerm=1\nvoteLeader=n0\n").expect("currterm");
    files
}

fn opts(node_dir: &std::path::Path) -> LogStoreOptions {
    LogStoreOptions::new(node_dir, FILE_SIZE, 0)
}

fn log_id(term: u64, leader: u64, index: u64) -> LogId {
    LogId::new(CommittedLeaderId::new(term, leader), index)
}

#[tokio::test]
async fn java_written_store_opens_unchanged_and_reads_back() {
    let dir = TempDir::new().expect("tempdir");
    let node_dir = dir.path().join("dledger-n0");
    let files = write_java_store(&node_dir);

    let mut store = LogStore::open(opts(&node_dir)).expect("recovery accepts a Java DLedger store");
    for (p, bytes) in &files {
        assert_eq!(
            &std::fs::read(p).expect("read"),
            bytes,
            "{} untouched",
            p.display()
        );
    }
    let st = store.get_log_state().await.expect("state");
    assert_eq!(st.last_purged_log_id, None);
    // channel 0 reads as a record entry proposed by node 0.
    assert_eq!(st.last_log_id, Some(log_id(1, 0, 2)));
    assert_eq!(
        store.read_vote().await.expect("vote"),
        Some(openraft::Vote::new(1, 0)),
        "voteLeader=n0"
    );

    let reader = store.reader();
    assert_eq!(
        (reader.min_pos(), reader.max_pos()),
        (0, 512 + 48 + RECORD_LEN as u64)
    );
    for (i, pos) in POS.into_iter().enumerate() {
        let loc = reader.location(i as u64).expect("location");
        assert_eq!(
            (loc.pos, loc.dl_index, loc.count, loc.term),
            (pos, i as u64, 1, 1)
        );
        assert_eq!(loc.kind, EntryKind::Record);
        assert_eq!(&reader.read_body_at(pos + 48).expect("body")[..], &record(i)[..]);
    }
    assert_eq!(
        reader.read_at(BLANK_AT).expect("blank"),
        DataItem::Blank { next_pos: FILE_SIZE }
    );
    let scanned = reader.scan(0, u64::MAX, 10).expect("scan");
    assert_eq!(scanned.len(), 3);

    let entries = store.try_get_log_entries(0..3).await.expect("entries");
    assert_eq!(entries.len(), 3);
    for (i, e) in entries.iter().enumerate() {
        assert_eq!(e.log_id, log_id(1, 0, i as u64));
        match &e.payload {
            EntryPayload::Normal(Record(r)) => assert_eq!(&r[..], &record(i)[..]),
            other => panic!("entry {i}: {other:?}"),
        }
    }

    // Our appends continue the Java log: next DLedger index and position.
    let mut next = Vec::new();
    push_record(
        &mut next,
        &RecordFields {
            body_crc: 0x4A82_1663, // CRC32("Hello RocketMQ 2") & 0x7FFFFFFF
            queue_id: 0,
            flag: 0,
            queue_offset: 3,
            physical_offset: 0,
            sys_flag: 0,
            born_timestamp: 1_690_000_001_000,
            born_host: ([192, 168, 1, 7], 40000),
            store_timestamp: 1_690_000_001_100,
            store_host: ([192, 168, 1, 10], 30911),
            reconsume_times: 0,
            prepared_transaction_offset: 0,
            body: b"Hello RocketMQ 2",
            topic: "TopicTest",
            properties: PROPS,
        },
    );
    let entry = Entry {
        log_id: log_id(2, 1, 3),
        payload: EntryPayload::Normal(Record(next.into())),
    };
    store.blocking_append(vec![entry]).await.expect("append");
    let end = 512 + 48 + RECORD_LEN as u64;
    let loc = store.reader().location(3).expect("3");
    assert_eq!((loc.pos, loc.dl_index), (end, 3));
    drop(store);
    let mut store = LogStore::open(opts(&node_dir)).expect("reopen");
    assert_eq!(
        store.get_log_state().await.expect("state").last_log_id,
        Some(log_id(2, 1, 3))
    );
    // The Java entries are still as written.
    let f0 = std::fs::read(&files[0].0).expect("read");
    assert_eq!(f0, files[0].1);
}

/// Accepting bodyCrc 0 does not turn off the other checks on a Java store: a damaged header
/// with valid data after it is refused as corruption. (A damaged body cannot be detected in a
/// Java entry, as in DLedger itself; in our entries the CRC catches it, see `raft::tests`.)
#[tokio::test]
async fn damaged_java_header_before_valid_data_is_refused() {
    let dir = TempDir::new().expect("tempdir");
    let node_dir = dir.path().join("dledger-n0");
    let files = write_java_store(&node_dir);
    let mut f0 = files[0].1.clone();
    f0[24 + 7] ^= 0x01; // pos field of entry 0
    std::fs::write(&files[0].0, &f0).expect("write");
    let err = LogStore::open(opts(&node_dir)).expect_err("corrupt");
    assert!(matches!(err, super::LogStoreError::Corruption { .. }), "{err}");
}

/// Hands applied records to the message store, as the broker's applier does.
struct Dispatch(Arc<MessageStore>);

impl Applier for Dispatch {
    fn apply(&self, r: AppliedRecord<'_>) -> Result<(), ApplierError> {
        self.0.dispatch_external(r.pos, r.record)?;
        Ok(())
    }
}

/// The DLedger log as the message store reads it (the broker's own adapter also bounds reads
/// by the commit point, which a Java checkpoint does not give us in openraft's terms).
struct Log(LogReader);

impl std::fmt::Debug for Log {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Log")
    }
}

impl ExternalLog for Log {
    fn read_record(&self, pos: u64) -> Option<Vec<u8>> {
        self.0.read_body_at(pos).ok().map(|b| b.to_vec())
    }
    fn min_offset(&self) -> u64 {
        self.0.min_pos()
    }
    fn max_offset(&self) -> u64 {
        self.0.max_pos()
    }
}

#[tokio::test]
async fn java_written_records_are_applied_and_pulled() {
    let dir = TempDir::new().expect("tempdir");
    let node_dir = dir.path().join("dledger-n0");
    write_java_store(&node_dir);
    let mut log = LogStore::open(opts(&node_dir)).expect("open");

    let mut cfg = StoreConfig::new(dir.path(), "192.168.1.10:30911".parse().expect("addr"));
    cfg.commitlog_file_size = 4096;
    cfg.cq_file_size = 20 * 64;
    cfg.dledger = true;
    let store = Arc::new(MessageStore::open(cfg).expect("message store"));
    store.attach_external_log(0, Arc::new(Log(log.reader())));

    let mut sm = StateMachine::open(&node_dir, log.reader(), Arc::new(Dispatch(store.clone()))).expect("sm");
    let entries = log.try_get_log_entries(0..3).await.expect("entries");
    let resp = sm.apply(entries).await.expect("apply");
    let positions: Vec<Option<u64>> = resp.iter().map(|r| r.pos).collect();
    assert_eq!(positions, POS.iter().map(|p| Some(p + 48)).collect::<Vec<_>>());

    assert_eq!(store.max_offset_in_queue("TopicTest", 0), 3);
    let r = store
        .get_messages("TopicTest", 0, 0, 32, 0, |_| true)
        .expect("pull");
    assert_eq!(r.status, GetMessageStatus::Found);
    assert_eq!(r.next_begin_offset, 3);
    assert_eq!(
        r.message_phys_offsets,
        POS.iter().map(|p| p + 48).collect::<Vec<_>>()
    );
    // A pull body is plain records, no DLedger headers (§6.2).
    assert_eq!(r.messages, [record(0), record(1), record(2)].concat());
    let msgs = decode_records(&r.messages).expect("records");
    for (i, m) in msgs.iter().enumerate() {
        assert_eq!(m.body, BODIES[i]);
        assert_eq!(m.queue_offset, i as i64);
        assert_eq!(m.physical_offset as u64, POS[i] + 48);
        assert_eq!(m.tags(), Some("TagA"));
    }
    // Tag filtering uses the tagsCode the dispatch put in the consume queue ("TagA".hashCode()).
    let none = store
        .get_messages("TopicTest", 0, 0, 32, 0, |code| code != 2_598_919)
        .expect("pull");
    assert_eq!(none.status, GetMessageStatus::NoMatchedMessage);
    drop(sm);
    store.shutdown().expect("shutdown");
}

/// A Java log has no membership entry: the state machine adopts the configured peers for it
/// (so openraft has voters), but never for a log whose first entry is a membership entry (ours)
/// nor when it already knows a membership.
#[tokio::test]
async fn java_log_gets_the_configured_peers_as_membership() {
    use crate::raft::types::Membership;

    let peers = || {
        let nodes: std::collections::BTreeMap<u64, openraft::BasicNode> = (0..3)
            .map(|i| (i, openraft::BasicNode::new(format!("127.0.0.1:{}", 40911 + i))))
            .collect();
        Membership::from(nodes)
    };
    let dir = TempDir::new().expect("tempdir");
    let node_dir = dir.path().join("dledger-n0");
    write_java_store(&node_dir);
    let log = LogStore::open(opts(&node_dir)).expect("open");
    let reader = log.reader();
    let first = reader.scan(reader.min_pos(), reader.max_pos(), 1).expect("scan")[0]
        .loc
        .kind;
    assert_eq!(first, EntryKind::Record);
    let mut sm =
        StateMachine::open(&node_dir, reader.clone(), Arc::new(crate::raft::NoopApplier)).expect("sm");
    assert!(!sm.adopt_membership_if_unknown(Some(EntryKind::Membership), peers()));
    assert!(!sm.adopt_membership_if_unknown(None, peers()));
    assert!(sm.adopt_membership_if_unknown(Some(first), peers()));
    let (applied, mem) = sm.applied_state().await.expect("state");
    assert_eq!(applied, None);
    assert_eq!(mem.log_id(), &None);
    assert_eq!(mem.membership().voter_ids().collect::<Vec<_>>(), vec![0, 1, 2]);
    assert!(
        !sm.adopt_membership_if_unknown(Some(first), peers()),
        "already known"
    );
}
