//! Tests of the DLedger Raft store: openraft's storage conformance suite, the on-disk layout
//! checked by a decoder written from spec §6.1, and recovery of a torn tail.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use openraft::storage::{RaftLogStorage, RaftStateMachine};
use openraft::testing::{StoreBuilder, Suite};
use openraft::{CommittedLeaderId, EntryPayload, RaftLogReader};
use tempfile::TempDir;

use super::log_store::{DataItem, Durability, EntryKind, LogStore, LogStoreOptions};
use super::state_machine::{NoopApplier, StateMachine};
use super::types::{Entry, LogId, Membership, Record, StorageError, TypeConfig};
use crate::store::format::{self, dledger as dl};

struct Builder;

impl StoreBuilder<TypeConfig, LogStore, StateMachine, TempDir> for Builder {
    async fn build(&self) -> Result<(TempDir, LogStore, StateMachine), StorageError> {
        let dir = TempDir::new().map_err(|e| openraft::StorageIOError::write(&e))?;
        let log = LogStore::open(LogStoreOptions::new(dir.path(), 4096, 0))
            .map_err(|e| openraft::StorageIOError::write(&e))?;
        let sm = StateMachine::open(dir.path(), log.reader(), Arc::new(NoopApplier))
            .map_err(|e| openraft::StorageIOError::write(&e))?;
        Ok((dir, log, sm))
    }
}

/// openraft's storage conformance suite against real files in temp dirs.
#[test]
fn openraft_storage_suite() {
    if let Err(e) = Suite::test_all(Builder) {
        panic!("openraft storage suite failed: {e}");
    }
}

/// An applier that records what it was handed: (DLedger index, data position, record length).
#[derive(Default)]
struct Collect(std::sync::Mutex<Vec<(u64, u64, usize)>>);

impl super::state_machine::Applier for Collect {
    fn apply(
        &self,
        r: super::state_machine::AppliedRecord<'_>,
    ) -> Result<(), super::state_machine::ApplierError> {
        self.0
            .lock()
            .expect("lock")
            .push((r.index, r.pos, r.record.len()));
        Ok(())
    }
}

impl Collect {
    fn applied(&self) -> Vec<(u64, u64, usize)> {
        self.0.lock().expect("lock").clone()
    }
}

/// Opening the store at `opts` fails with [`LogStoreError::Corruption`](super::log_store::LogStoreError).
fn assert_open_refused_as_corrupt(opts: LogStoreOptions) {
    let err = LogStore::open(opts).expect_err("a corrupt store must not open");
    assert!(
        matches!(err, super::log_store::LogStoreError::Corruption { .. }),
        "{err}"
    );
}

/// Two replicas' data directories hold the same entries and byte-identical files.
fn assert_same_data_files(a: &Path, b: &Path, file_size: u64) {
    let (ea, fa) = spec_decode(&a.join("data"), file_size);
    let (eb, fb) = spec_decode(&b.join("data"), file_size);
    assert_eq!(fa, fb);
    assert_eq!(ea, eb);
    for f in fa {
        let name = format::offset_to_file_name(f);
        assert_eq!(
            std::fs::read(a.join("data").join(&name)).expect("a"),
            std::fs::read(b.join("data").join(&name)).expect("b"),
            "file {name}"
        );
    }
}

pub(super) fn log_id(term: u64, leader: u64, index: u64) -> LogId {
    LogId::new(CommittedLeaderId::new(term, leader), index)
}

/// A minimal RocketMQ-looking record: TOTALSIZE, magic v1, then filler up to `len` bytes.
pub(super) fn record(len: usize, fill: u8) -> Bytes {
    let mut r = vec![fill; len];
    r[0..4].copy_from_slice(&(len as i32).to_be_bytes());
    r[4..8].copy_from_slice(&format::MESSAGE_MAGIC_CODE_V1.to_be_bytes());
    Bytes::from(r)
}

pub(super) fn normal(term: u64, index: u64, rec: Bytes) -> Entry {
    Entry {
        log_id: log_id(term, 1, index),
        payload: EntryPayload::Normal(Record(rec)),
    }
}

fn membership(index: u64) -> Entry {
    let nodes: BTreeMap<u64, openraft::BasicNode> = (0..3)
        .map(|i| (i, openraft::BasicNode::new(format!("127.0.0.1:{}", 40911 + i))))
        .collect();
    Entry {
        log_id: log_id(0, 0, index),
        payload: EntryPayload::Membership(Membership::from(nodes)),
    }
}

fn blank(term: u64, index: u64) -> Entry {
    Entry {
        log_id: log_id(term, 1, index),
        payload: EntryPayload::Blank,
    }
}

/// Membership, blank, then `n` records of varying sizes (so that files roll at odd places).
pub(super) fn sample_entries(n: u64) -> Vec<Entry> {
    let mut v = vec![membership(0), blank(2, 1)];
    for i in 0..n {
        v.push(normal(2, i + 2, record(100 + (i as usize * 37) % 200, i as u8)));
    }
    v
}

pub(super) async fn append(store: &mut LogStore, entries: Vec<Entry>) {
    use openraft::storage::RaftLogStorageExt;
    store.blocking_append(entries).await.expect("append");
}

fn i32_at(b: &[u8], at: usize) -> i32 {
    i32::from_be_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}
fn i64_at(b: &[u8], at: usize) -> i64 {
    i64::from_be_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

/// One entry as decoded straight from the spec (§6.1), independent of log_store.rs.
#[derive(Debug, PartialEq)]
struct SpecEntry {
    pos: u64,
    index: i64,
    term: i64,
    channel: i32,
    body: Vec<u8>,
}

/// Decodes a DLedger data directory following spec §6.1 only: 20-digit names, consecutive
/// files, 48-byte headers, blank = int32 -1 then int32 remaining, zero = end.
fn spec_decode(dir: &Path, file_size: u64) -> (Vec<SpecEntry>, Vec<u64>) {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().into_string().expect("utf8"))
        .collect();
    names.sort();
    let starts: Vec<u64> = names
        .iter()
        .map(|n| {
            assert_eq!(n.len(), 20, "file name {n}");
            n.parse().expect("digits")
        })
        .collect();
    let mut out = Vec::new();
    'files: for (k, start) in starts.iter().enumerate() {
        if k > 0 {
            assert_eq!(*start, starts[k - 1] + file_size);
        }
        let data = std::fs::read(dir.join(&names[k])).expect("read file");
        assert_eq!(data.len() as u64, file_size, "preallocated to the file size");
        let mut off = 0usize;
        loop {
            let magic = i32_at(&data, off);
            if magic == -1 {
                assert_eq!(i32_at(&data, off + 4) as usize, data.len() - off, "blank size");
                assert!(data[off + 8..].iter().all(|b| *b == 0), "zeros after blank");
                continue 'files;
            }
            if magic == 0 {
                assert!(data[off..].iter().all(|b| *b == 0), "zeros after the last entry");
                break 'files;
            }
            assert_eq!(magic, 1);
            let size = i32_at(&data, off + 4) as usize;
            let body_len = i32_at(&data, off + 44) as usize;
            assert_eq!(size, 48 + body_len);
            assert_eq!(i64_at(&data, off + 24) as u64, start + off as u64, "pos field");
            assert_eq!(i32_at(&data, off + 36), 0, "chainCrc");
            let body = data[off + 48..off + size].to_vec();
            assert_eq!(
                i32_at(&data, off + 40),
                crc32fast::hash(&body) as i32,
                "bodyCrc (ours: CRC32 of the body)"
            );
            out.push(SpecEntry {
                pos: start + off as u64,
                index: i64_at(&data, off + 8),
                term: i64_at(&data, off + 16),
                channel: i32_at(&data, off + 32),
                body,
            });
            off += size;
        }
    }
    (out, starts)
}

#[tokio::test]
async fn layout_matches_the_dledger_spec() {
    let dir = TempDir::new().expect("tempdir");
    let base = 3 * 1024 * 1024; // dividedCommitlogOffset of an upgraded commitlog
    let mut store = LogStore::open(LogStoreOptions::new(dir.path(), 2048, base)).expect("open");
    append(&mut store, sample_entries(40)).await;

    let (entries, starts) = spec_decode(&dir.path().join("data"), 2048);
    assert_eq!(starts[0], base);
    assert!(starts.len() >= 3, "rolled over several files: {starts:?}");
    assert_eq!(entries.len(), 42);
    assert_eq!(entries[0].pos, base);
    for (i, e) in entries.iter().enumerate() {
        assert_eq!(e.index, i as i64, "DLedger index = openraft index");
        let kind = e.channel >> dl::CHANNEL_KIND_SHIFT;
        let second = i32_at(&e.body, 4);
        match i {
            0 => {
                assert_eq!(kind, dl::KIND_MEMBERSHIP);
                assert_eq!(second, dl::RAFT_META_MAGIC);
                let m: Membership = serde_json::from_slice(&e.body[8..]).expect("json");
                assert_eq!(m.voter_ids().count(), 3);
            }
            1 => {
                assert_eq!(kind, dl::KIND_BLANK);
                assert_eq!(e.body.len(), 8);
                assert_eq!(second, dl::RAFT_META_MAGIC);
                assert_eq!(e.channel & dl::CHANNEL_NODE_MASK, 1, "leader id");
            }
            _ => {
                assert_eq!(kind, dl::KIND_RECORD);
                assert_eq!(e.term, 2);
                assert_eq!(second as u32, format::MESSAGE_MAGIC_CODE_V1);
                // §6.2: PHYSICALOFFSET = entry pos + 48.
                assert_eq!(i64_at(&e.body, 28) as u64, e.pos + 48);
            }
        }
    }

    // The read helpers agree with the decoder.
    let reader = store.reader();
    assert_eq!(reader.min_pos(), base);
    let scanned = reader.scan(base, u64::MAX, usize::MAX).expect("scan");
    assert_eq!(scanned.len(), 42);
    for (s, e) in scanned.iter().zip(&entries) {
        assert_eq!(s.loc.pos, e.pos);
        assert_eq!(&s.body[..], &e.body[..]);
    }
    let rec = &entries[10];
    assert_eq!(
        &reader.read_body_at(rec.pos + 48).expect("body")[..],
        &rec.body[..]
    );
    assert!(
        reader.read_body_at(entries[1].pos + 48).is_err(),
        "blank is not a record"
    );
    assert_eq!(reader.read_at(reader.max_pos()).expect("end"), DataItem::End);
    assert_eq!(scanned[5].loc.kind, EntryKind::Record);

    // Entries read back through openraft's reader are the ones written (with PHYSICALOFFSET).
    let got = store.try_get_log_entries(0..42).await.expect("read");
    assert_eq!(got.len(), 42);
    assert!(matches!(got[0].payload, EntryPayload::Membership(_)));
    assert!(matches!(got[1].payload, EntryPayload::Blank));
    match &got[7].payload {
        EntryPayload::Normal(r) => assert_eq!(&r.0[..], &entries[7].body[..]),
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(got[7].log_id, log_id(2, 1, 7));

    // Reopen: the in-memory index is rebuilt identically.
    drop(store);
    let mut store = LogStore::open(LogStoreOptions::new(dir.path(), 2048, 0)).expect("reopen");
    let st = store.get_log_state().await.expect("state");
    assert_eq!(st.last_log_id, Some(log_id(2, 1, 41)));
    assert_eq!(
        store.reader().min_pos(),
        base,
        "base comes from the first file name"
    );
}

#[tokio::test]
async fn torn_tail_is_cut_and_zeroed() {
    let dir = TempDir::new().expect("tempdir");
    let opts = LogStoreOptions::new(dir.path(), 4096, 0);
    let mut store = LogStore::open(opts.clone()).expect("open");
    append(&mut store, sample_entries(10)).await;
    let end = store.reader().max_pos();
    drop(store);

    // A torn write: the next entry's header reached the disk, half of its body did not.
    let mut fresh = LogStore::open(LogStoreOptions::new(dir.path().join("x"), 4096, 0)).expect("open");
    append(&mut fresh, sample_entries(11)).await;
    let full = std::fs::read(dir.path().join("x/data").join(format::offset_to_file_name(0))).expect("read");
    let last = fresh.reader().location(12).expect("entry 12");
    assert_eq!(last.pos, end, "same layout");
    let torn = &full[end as usize..(last.pos + u64::from(last.size) / 2) as usize];
    let path = dir.path().join("data").join(format::offset_to_file_name(0));
    let mut data = std::fs::read(&path).expect("read");
    data[end as usize..end as usize + torn.len()].copy_from_slice(torn);
    std::fs::write(&path, &data).expect("write");

    let mut store = LogStore::open(opts.clone()).expect("reopen");
    let st = store.get_log_state().await.expect("state");
    assert_eq!(st.last_log_id.map(|l| l.index), Some(11), "torn entry 12 dropped");
    assert_eq!(store.reader().max_pos(), end);
    let data = std::fs::read(&path).expect("read");
    assert!(data[end as usize..].iter().all(|b| *b == 0), "tail zeroed");

    // Garbage after the last entry (bad magic) is cut as well, and appends continue there.
    drop(store);
    let mut data = std::fs::read(&path).expect("read");
    data[end as usize..end as usize + 4].copy_from_slice(&7i32.to_be_bytes());
    std::fs::write(&path, &data).expect("write");
    let mut store = LogStore::open(opts).expect("reopen");
    append(&mut store, vec![normal(3, 12, record(150, 9))]).await;
    assert_eq!(store.reader().location(12).map(|l| l.pos), Some(end));
    let (entries, _) = spec_decode(&dir.path().join("data"), 4096);
    assert_eq!(entries.len(), 13);
}

#[tokio::test]
async fn corruption_before_valid_data_is_refused() {
    let dir = TempDir::new().expect("tempdir");
    let opts = LogStoreOptions::new(dir.path(), 1024, 0);
    let mut store = LogStore::open(opts.clone()).expect("open");
    append(&mut store, sample_entries(30)).await;
    drop(store);
    // Damage the first entry of the first file; later files still hold data.
    let path = dir.path().join("data").join(format::offset_to_file_name(0));
    let mut data = std::fs::read(&path).expect("read");
    data[24] ^= 0xFF; // pos field
    std::fs::write(&path, &data).expect("write");
    // Only the last data file is read at open: the damage is found when the entry is read.
    let mut store = LogStore::open(opts.clone()).expect("open reads the last file only");
    let err = store.try_get_log_entries(0..1).await.expect_err("damaged entry");
    assert!(err.to_string().contains("does not match"), "{err}");
    drop(store);
    // Without the positions checkpoint every file is read, and the open is refused.
    std::fs::remove_file(positions_checkpoint_path(dir.path())).expect("remove checkpoint");
    assert_open_refused_as_corrupt(opts.clone());

    // A damaged entry in the last data file, before the checkpoint: refused at open.
    let dir = TempDir::new().expect("tempdir");
    let mut store = LogStore::open(opts_at(dir.path())).expect("open");
    append(&mut store, sample_entries(30)).await;
    let last = store.reader().location(31).expect("31");
    let first_in_file = (0..31)
        .find(|i| {
            store
                .reader()
                .location(*i)
                .is_some_and(|l| l.pos >= last.pos - last.pos % 1024)
        })
        .expect("first entry of the last file");
    let at = store.reader().location(first_in_file).expect("loc").pos;
    drop(store);
    let path = dir
        .path()
        .join("data")
        .join(format::offset_to_file_name(at - at % 1024));
    let mut data = std::fs::read(&path).expect("read");
    data[(at % 1024) as usize + 48 + 3] ^= 0xFF; // body byte: CRC mismatch
    std::fs::write(&path, &data).expect("write");
    let err = LogStore::open(opts_at(dir.path())).expect_err("damage before the checkpoint");
    assert!(
        err.to_string().contains("body CRC mismatch") && err.to_string().contains("checkpointed"),
        "{err}"
    );
}

fn opts_at(dir: &Path) -> LogStoreOptions {
    LogStoreOptions::new(dir, 1024, 0)
}

#[tokio::test]
async fn truncate_restores_the_leader_layout() {
    // A follower that had a conflicting suffix must end up byte-identical to a replica that
    // never had it, including across a file roll-over (the blank must be undone).
    let a = TempDir::new().expect("tempdir");
    let b = TempDir::new().expect("tempdir");
    let mut sa = LogStore::open(LogStoreOptions::new(a.path(), 1024, 0)).expect("open");
    let mut sb = LogStore::open(LogStoreOptions::new(b.path(), 1024, 0)).expect("open");
    let common = sample_entries(8); // indexes 0..=9
    append(&mut sa, common.clone()).await;
    append(&mut sb, common).await;
    // Find an index whose entry starts a new file in the conflicting suffix.
    let conflicting: Vec<Entry> = (10..30).map(|i| normal(2, i, record(300, 1))).collect();
    append(&mut sa, conflicting).await;
    let cut = (10..30)
        .find(|i| sa.reader().location(*i).is_some_and(|l| l.pos % 1024 == 0))
        .expect("an entry at a file start");
    let winner: Vec<Entry> = (cut..cut + 15).map(|i| normal(3, i, record(120, 2))).collect();
    append(&mut sb, (10..cut).map(|i| normal(2, i, record(300, 1))).collect()).await;
    sa.truncate(log_id(2, 1, cut)).await.expect("truncate");
    assert_eq!(
        sa.get_log_state().await.expect("state").last_log_id,
        Some(log_id(2, 1, cut - 1))
    );
    append(&mut sa, winner.clone()).await;
    append(&mut sb, winner).await;
    assert_same_data_files(a.path(), b.path(), 1024);
}

/// With ASYNC_FLUSH (page-cache durability) a reopened store hands openraft its vote
/// uncommitted, so a leader that lost power does not resume its term with a shorter log; with
/// SYNC_FLUSH the vote comes back as saved.
#[tokio::test]
async fn a_page_cache_store_reopens_with_its_vote_uncommitted() {
    for (durability, committed) in [
        (Durability::Fsync, true),
        (
            Durability::PageCache {
                interval: std::time::Duration::from_millis(100),
            },
            false,
        ),
    ] {
        let dir = TempDir::new().expect("tempdir");
        let mut opts = LogStoreOptions::new(dir.path(), 1024, 0);
        opts.durability = durability;
        let mut store = LogStore::open(opts.clone()).expect("open");
        store
            .save_vote(&openraft::Vote::new_committed(3, 1))
            .await
            .expect("vote");
        drop(store);
        let mut store = LogStore::open(opts).expect("reopen");
        let v = store.read_vote().await.expect("v").expect("a vote");
        assert_eq!((v.leader_id.term, v.leader_id.node_id), (3, 1));
        assert_eq!(v.committed, committed, "{durability:?}");
    }
}

#[tokio::test]
async fn purge_deletes_whole_files_and_survives_reopen() {
    let dir = TempDir::new().expect("tempdir");
    let opts = LogStoreOptions::new(dir.path(), 1024, 0);
    let mut store = LogStore::open(opts.clone()).expect("open");
    append(&mut store, sample_entries(40)).await;
    let files_before = std::fs::read_dir(dir.path().join("data")).expect("dir").count();
    let loc = store.reader().location(20).expect("20");
    store.purge(log_id(2, 1, 20)).await.expect("purge");
    let files_after = std::fs::read_dir(dir.path().join("data")).expect("dir").count();
    assert!(files_after < files_before, "{files_after} < {files_before}");
    // The file holding entry 21 is kept.
    let first21 = store.reader().location(21).expect("21");
    assert!(store.reader().read_at(first21.pos).is_ok());
    assert!(store.reader().location(20).is_none());
    assert!(loc.pos < first21.pos);
    store
        .save_committed(Some(log_id(2, 1, 30)))
        .await
        .expect("committed");
    store
        .save_vote(&openraft::Vote::new_committed(2, 1))
        .await
        .expect("vote");
    drop(store);

    let mut store = LogStore::open(opts).expect("reopen");
    let st = store.get_log_state().await.expect("state");
    assert_eq!(st.last_purged_log_id, Some(log_id(2, 1, 20)));
    assert_eq!(st.last_log_id, Some(log_id(2, 1, 41)));
    assert_eq!(store.try_get_log_entries(0..).await.expect("read").len(), 21);
    assert_eq!(store.read_committed().await.expect("c"), Some(log_id(2, 1, 30)));
    assert_eq!(
        store.read_vote().await.expect("v"),
        Some(openraft::Vote::new_committed(2, 1))
    );
    let text = std::fs::read_to_string(dir.path().join("currterm")).expect("currterm");
    assert!(
        text.contains("currTerm=2\n") && text.contains("voteLeader=1\n"),
        "{text}"
    );
    let text = std::fs::read_to_string(dir.path().join("checkpoint")).expect("checkpoint");
    assert!(
        text.contains("committedIndex=30\n") && text.contains("endIndex=41\n"),
        "{text}"
    );
}

#[tokio::test]
async fn state_machine_applies_records_with_positions() {
    let dir = TempDir::new().expect("tempdir");
    let mut store = LogStore::open(LogStoreOptions::new(dir.path(), 2048, 0)).expect("open");
    let collect = Arc::new(Collect::default());
    let mut sm = StateMachine::open(dir.path(), store.reader(), collect.clone()).expect("sm");
    let entries = sample_entries(5);
    append(&mut store, entries.clone()).await;
    let stored = store.try_get_log_entries(0..7).await.expect("read");
    let resp = sm.apply(stored).await.expect("apply");
    assert_eq!(resp.len(), 7);
    let got = collect.applied();
    assert_eq!(got.len(), 5, "only records reach the applier");
    for (i, (index, pos, _)) in got.iter().enumerate() {
        assert_eq!(*index, i as u64 + 2);
        assert_eq!(Some(*pos), resp[i + 2].pos);
        assert_eq!(*pos, store.reader().location(*index).expect("loc").pos + 48);
    }
    drop(sm);
    let mut sm = StateMachine::open(dir.path(), store.reader(), collect).expect("sm");
    let (applied, mem) = sm.applied_state().await.expect("state");
    assert_eq!(applied, Some(log_id(2, 1, 6)));
    assert_eq!(mem.log_id(), &Some(log_id(0, 0, 0)));
}

/// The in-memory tail that replication reads follows truncation and purge: what it returns is
/// what a fresh open reads from the files.
#[tokio::test]
async fn cached_tail_agrees_with_the_files() {
    let dir = TempDir::new().expect("tempdir");
    let mut store = LogStore::open(LogStoreOptions::new(dir.path(), 2048, 0)).expect("open");
    append(&mut store, sample_entries(30)).await;
    store.truncate(log_id(2, 1, 20)).await.expect("truncate");
    let newer = (20..32)
        .map(|i| normal(3, i, record(90 + i as usize, 0xA0 + i as u8)))
        .collect();
    append(&mut store, newer).await;
    store.purge(log_id(2, 1, 5)).await.expect("purge");
    let cached = store.try_get_log_entries(0..40).await.expect("read");
    assert_eq!(cached.first().map(|e| e.log_id.index), Some(6));
    assert_eq!(cached.last().map(|e| e.log_id), Some(log_id(3, 1, 31)));
    drop(store);
    let mut reopened = LogStore::open(LogStoreOptions::new(dir.path(), 2048, 0)).expect("reopen");
    let from_disk = reopened.try_get_log_entries(0..40).await.expect("read");
    assert_eq!(cached, from_disk);
}

/// An entry of `n` records (a batch the leader built from concurrent sends).
fn batch(term: u64, index: u64, n: usize, fill: u8) -> Entry {
    let recs: Vec<Bytes> = (0..n)
        .map(|k| record(90 + 31 * k, fill.wrapping_add(k as u8)))
        .collect();
    normal(term, index, Bytes::from(recs.concat()))
}

/// Membership, blank, then entries of 1, 2, 3, 4, 1, 2, … records.
fn batched_entries(n: u64) -> Vec<Entry> {
    let mut v = vec![membership(0), blank(2, 1)];
    for i in 0..n {
        v.push(batch(2, i + 2, 1 + (i % 4) as usize, i as u8));
    }
    v
}

/// The payload of a record entry.
fn payload(e: &Entry) -> Bytes {
    match &e.payload {
        EntryPayload::Normal(r) => r.0.clone(),
        other => panic!("not a record entry: {other:?}"),
    }
}

/// An entry of K records is K DLedger entries (one record each, consecutive DLedger indexes,
/// kind "more" but the last), in one file; it reads back whole from the cache and the files,
/// and a reopened store numbers the openraft entries the same way.
#[tokio::test]
async fn batched_entries_are_one_dledger_entry_per_record() {
    let dir = TempDir::new().expect("tempdir");
    let opts = LogStoreOptions::new(dir.path(), 2048, 0);
    let mut store = LogStore::open(opts.clone()).expect("open");
    let written = batched_entries(20);
    append(&mut store, written.clone()).await;

    let (entries, starts) = spec_decode(&dir.path().join("data"), 2048);
    assert!(starts.len() >= 3, "rolled over several files: {starts:?}");
    let records: usize = (0..20).map(|i| 1 + i % 4).sum();
    assert_eq!(entries.len(), 2 + records);
    let mut next = 2usize;
    for i in 0..20u64 {
        let n = 1 + (i % 4) as usize;
        let group = &entries[next..next + n];
        let loc = store.reader().location(i + 2).expect("location");
        assert_eq!(
            (loc.pos, loc.dl_index, loc.count as usize),
            (group[0].pos, next as u64, n)
        );
        for (k, e) in group.iter().enumerate() {
            assert_eq!(e.index, (next + k) as i64, "DLedger indexes stay consecutive");
            let kind = e.channel >> dl::CHANNEL_KIND_SHIFT;
            let want = if k + 1 < n {
                dl::KIND_RECORD_MORE
            } else {
                dl::KIND_RECORD
            };
            assert_eq!(kind, want, "entry {i} record {k}");
            assert_eq!(i64_at(&e.body, 28) as u64, e.pos + 48, "PHYSICALOFFSET");
            assert_eq!(e.pos / 2048, group[0].pos / 2048, "one file per entry");
            // Each record is readable by its own position, as pulls and dispatch read it.
            assert_eq!(
                &store.reader().read_body_at(e.pos + 48).expect("body")[..],
                &e.body[..]
            );
        }
        let want: Vec<u8> = group.iter().flat_map(|e| e.body.clone()).collect();
        let cached = store.try_get_log_entries(i + 2..i + 3).await.expect("read");
        assert_eq!(&payload(&cached[0])[..], &want[..], "cached entry {i}");
        next += n;
    }
    let cached = store.try_get_log_entries(0..).await.expect("read");
    let max_pos = store.reader().max_pos();
    drop(store);

    let mut store = LogStore::open(opts.clone()).expect("reopen");
    let st = store.get_log_state().await.expect("state");
    assert_eq!(st.last_log_id, Some(log_id(2, 1, 21)));
    assert_eq!(store.reader().max_pos(), max_pos);
    let from_disk = store.try_get_log_entries(0..).await.expect("read");
    assert_eq!(cached, from_disk);
    // Appends continue both numberings.
    append(&mut store, vec![batch(3, 22, 3, 0xEE)]).await;
    let loc = store.reader().location(22).expect("22");
    assert_eq!(loc.dl_index, 2 + records as u64);
    assert_eq!(
        spec_decode(&dir.path().join("data"), 2048).0.len(),
        2 + records + 3
    );
}

/// A batch cut short by a crash (its last record never written) is a torn tail: the whole
/// entry goes, and the next append takes its place.
#[tokio::test]
async fn torn_batch_is_cut_whole() {
    let dir = TempDir::new().expect("tempdir");
    let opts = LogStoreOptions::new(dir.path(), 4096, 0);
    let mut store = LogStore::open(opts.clone()).expect("open");
    append(&mut store, batched_entries(3)).await;
    let end = store.reader().max_pos();
    drop(store);
    // The crash comes before the positions checkpoint covers entry 5.
    let ckpt = saved_positions_checkpoint(dir.path());
    let mut store = LogStore::open(opts.clone()).expect("open");
    append(&mut store, vec![batch(2, 5, 4, 7)]).await;
    let loc = store.reader().location(5).expect("5");
    assert_eq!(loc.pos, end);
    drop(store);
    restore_positions_checkpoint(dir.path(), &ckpt);
    // Zero the last record of entry 5: three "more" records with no last one.
    let (entries, _) = spec_decode(&dir.path().join("data"), 4096);
    let last = entries.last().expect("last");
    let path = dir.path().join("data").join(format::offset_to_file_name(0));
    let mut data = std::fs::read(&path).expect("read");
    let from = last.pos as usize;
    data[from..from + 48 + last.body.len()].fill(0);
    std::fs::write(&path, &data).expect("write");

    let mut store = LogStore::open(opts.clone()).expect("reopen");
    let st = store.get_log_state().await.expect("state");
    assert_eq!(st.last_log_id.map(|l| l.index), Some(4), "torn entry 5 dropped");
    assert_eq!(store.reader().max_pos(), end);
    let data = std::fs::read(&path).expect("read");
    assert!(data[end as usize..].iter().all(|b| *b == 0), "tail zeroed");
    append(&mut store, vec![batch(3, 5, 2, 9)]).await;
    let (entries, _) = spec_decode(&dir.path().join("data"), 4096);
    assert_eq!(entries.len(), 2 + 1 + 2 + 3 + 2);
    assert!(entries.windows(2).all(|w| w[1].index == w[0].index + 1));

    // A torn batch at or below the committed index is corruption, not a tail to cut.
    store.save_committed(Some(log_id(3, 1, 5))).await.expect("commit");
    drop(store);
    let mut data = std::fs::read(&path).expect("read");
    let last = spec_decode(&dir.path().join("data"), 4096).0.pop().expect("last");
    data[last.pos as usize..last.pos as usize + 48].fill(0);
    data[last.pos as usize] = 9; // not zeros: an invalid entry
    std::fs::write(&path, &data).expect("write");
    restore_positions_checkpoint(dir.path(), &ckpt);
    assert_open_refused_as_corrupt(opts);
}

/// The positions checkpoint as it is now (see `log_store::positions`).
pub(super) fn saved_positions_checkpoint(node_dir: &Path) -> Vec<u8> {
    std::fs::read(positions_checkpoint_path(node_dir)).expect("positions checkpoint")
}

/// Puts back a checkpoint saved earlier: what a crash leaves when the flusher had not moved
/// it on since (it only moves on after the data it covers is flushed, so an older one is
/// always true of the data).
pub(super) fn restore_positions_checkpoint(node_dir: &Path, saved: &[u8]) {
    std::fs::write(positions_checkpoint_path(node_dir), saved).expect("restore positions checkpoint");
}

pub(super) fn positions_checkpoint_path(node_dir: &Path) -> std::path::PathBuf {
    node_dir
        .join(format::dledger::POSITIONS_DIR)
        .join(format::dledger::POSITIONS_CHECKPOINT_FILE)
}

/// Truncating and purging batched entries keep both numberings: a truncated follower ends up
/// byte-identical to a replica that never had the cut suffix, and after a purge a reopened
/// store numbers the openraft entries from the purge point (kept in `checkpoint`).
#[tokio::test]
async fn batched_entries_truncate_and_purge() {
    let a = TempDir::new().expect("tempdir");
    let b = TempDir::new().expect("tempdir");
    let mut sa = LogStore::open(LogStoreOptions::new(a.path(), 1024, 0)).expect("open");
    let mut sb = LogStore::open(LogStoreOptions::new(b.path(), 1024, 0)).expect("open");
    let common = batched_entries(6); // indexes 0..=7
    append(&mut sa, common.clone()).await;
    append(&mut sb, common).await;
    append(&mut sa, (8..14).map(|i| batch(2, i, 3, 1)).collect()).await;
    sa.truncate(log_id(2, 1, 8)).await.expect("truncate");
    let winner: Vec<Entry> = (8..16).map(|i| batch(3, i, 2, 2)).collect();
    append(&mut sa, winner.clone()).await;
    append(&mut sb, winner).await;
    assert_same_data_files(a.path(), b.path(), 1024);

    sa.purge(log_id(3, 1, 10)).await.expect("purge");
    let kept = sa.try_get_log_entries(0..).await.expect("read");
    assert_eq!(kept.first().map(|e| e.log_id.index), Some(11));
    let loc11 = sa.reader().location(11).expect("11");
    drop(sa);
    let text = std::fs::read_to_string(a.path().join("checkpoint")).expect("checkpoint");
    let purged_dl = loc11.dl_index - 1;
    assert!(
        text.contains(&format!("purgedDledgerIndex={purged_dl}\n")),
        "{text}"
    );
    let mut sa = LogStore::open(LogStoreOptions::new(a.path(), 1024, 0)).expect("reopen");
    assert_eq!(sa.reader().location(11), Some(loc11));
    assert_eq!(sa.try_get_log_entries(0..).await.expect("read"), kept);
    append(&mut sa, vec![batch(3, 16, 2, 3)]).await;
    let (ea, _) = spec_decode(&a.path().join("data"), 1024);
    assert!(ea.windows(2).all(|w| w[1].index == w[0].index + 1));
}

/// Applying a batched entry hands each record to the broker with its own position and DLedger
/// index; the response's position is the first record's.
#[tokio::test]
async fn state_machine_applies_each_record_of_a_batch() {
    let dir = TempDir::new().expect("tempdir");
    let mut store = LogStore::open(LogStoreOptions::new(dir.path(), 2048, 0)).expect("open");
    let collect = Arc::new(Collect::default());
    let mut sm = StateMachine::open(dir.path(), store.reader(), collect.clone()).expect("sm");
    append(&mut store, batched_entries(6)).await;
    let stored = store.try_get_log_entries(0..8).await.expect("read");
    let resp = sm.apply(stored).await.expect("apply");
    let got = collect.applied();
    let (entries, _) = spec_decode(&dir.path().join("data"), 2048);
    let records: Vec<&SpecEntry> = entries
        .iter()
        .filter(|e| dl::is_record_kind(e.channel >> dl::CHANNEL_KIND_SHIFT))
        .collect();
    assert_eq!(got.len(), records.len());
    for ((index, pos, len), e) in got.iter().zip(&records) {
        assert_eq!((*index as i64, *pos, *len), (e.index, e.pos + 48, e.body.len()));
    }
    for i in 0..6u64 {
        let loc = store.reader().location(i + 2).expect("loc");
        assert_eq!(resp[i as usize + 2].pos, Some(loc.pos + 48));
    }
}
