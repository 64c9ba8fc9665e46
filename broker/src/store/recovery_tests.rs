//! Recovery reads only the tail of the commitlog: after a clean stop, what follows the last
//! dispatched record; after a crash, what follows the checkpoint. These tests prove it with the
//! [`RecoveryReport`] and with damage placed where a whole-store scan would trip over it.

use std::os::unix::fs::FileExt;
use std::path::Path;
use std::time::{Duration, Instant};

use super::checkpoint::Checkpoint;
use super::format::{self, checkpoint as cp_fmt};
use super::message::{decode_record, encode_properties, tags_code, MessageToStore};
use super::*;

const FILE: u64 = 64 * 1024;
/// Messages written: four full files (40 records of 1.6 KB each) and most of a fifth, with room
/// for a torn record and one more message after the last.
const N: usize = 190;

fn cfg(root: &Path) -> StoreConfig {
    let mut c = StoreConfig::new(root, "127.0.0.1:10911".parse().unwrap());
    c.commitlog_file_size = FILE;
    c.cq_file_size = 20 * 50;
    c
}

fn msg(i: usize) -> MessageToStore {
    let key = format!("k{i}");
    MessageToStore {
        topic: "T".into(),
        queue_id: (i % 2) as i32,
        flag: 0,
        sys_flag: 0,
        born_timestamp: 1_700_000_000_000,
        born_host: "192.168.1.7:40000".parse().unwrap(),
        store_host: "127.0.0.1:10911".parse().unwrap(),
        reconsume_times: 0,
        prepared_transaction_offset: 0,
        body: vec![(i % 251) as u8; 1500],
        properties: encode_properties([("KEYS", key.as_str())]),
        tags_code: tags_code(None),
    }
}

/// Puts `n` messages, each in a later millisecond than the one before, so that every file's
/// first record has a store time of its own.
async fn put_in_distinct_millis(store: &MessageStore, n: usize) -> Vec<PutResult> {
    let mut out: Vec<PutResult> = Vec::new();
    for i in 0..n {
        if let Some(prev) = out.last() {
            while now_millis() <= prev.store_timestamp {
                std::thread::yield_now();
            }
        }
        out.push(store.put_message(msg(i)).await.unwrap());
    }
    out
}

fn file_path(root: &Path, global: u64) -> std::path::PathBuf {
    root.join(format::COMMITLOG_DIR)
        .join(format::offset_to_file_name(global - global % FILE))
}

fn patch(root: &Path, global: u64, bytes: &[u8]) {
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(file_path(root, global))
        .unwrap();
    f.write_all_at(bytes, global % FILE).unwrap();
}

fn read(root: &Path, global: u64, len: usize) -> Vec<u8> {
    let mut b = vec![0u8; len];
    std::fs::File::open(file_path(root, global))
        .unwrap()
        .read_exact_at(&mut b, global % FILE)
        .unwrap();
    b
}

/// Offsets of the commitlog files, oldest first.
fn file_starts(puts: &[PutResult]) -> Vec<u64> {
    let mut s: Vec<u64> = puts
        .iter()
        .map(|p| p.phys_offset - p.phys_offset % FILE)
        .collect();
    s.dedup();
    s
}

/// Writes `N` messages to a new store in `root` and stops it cleanly. Returns the puts and the
/// offsets of the commitlog files (at least four).
async fn stored_then_stopped(root: &Path) -> (Vec<PutResult>, Vec<u64>) {
    let store = MessageStore::open(cfg(root)).unwrap();
    let puts = put_in_distinct_millis(&store, N).await;
    store.shutdown().unwrap();
    drop(store);
    let files = file_starts(&puts);
    assert!(files.len() >= 4, "the test needs several files: {files:?}");
    (puts, files)
}

/// Damages a message body 10 KB into the second-last commitlog file, before the last record.
fn damage_a_body_in_the_second_last_file(root: &Path, puts: &[PutResult], files: &[u64]) {
    let old = files[files.len() - 2];
    let victim = puts.iter().find(|p| p.phys_offset > old + 10_000).unwrap();
    patch(root, victim.phys_offset + 400, b"\xEE\xEE");
}

/// Leaves the store in `root` as a run that died would: the abort file, and a checkpoint saying
/// that everything stored up to `ts` was flushed and dispatched (plus Java's margin).
fn died_with_checkpoint_at(root: &Path, ts: i64) {
    Checkpoint {
        physic_msg_timestamp: ts + cp_fmt::MIN_TIMESTAMP_MARGIN_MS,
        logics_msg_timestamp: ts + cp_fmt::MIN_TIMESTAMP_MARGIN_MS,
        index_msg_timestamp: 0,
    }
    .persist(&root.join(format::CHECKPOINT_FILE))
    .unwrap();
    std::fs::write(root.join(format::ABORT_FILE), b"").unwrap();
}

/// The messages in the two queues of topic `T`.
fn messages_in_queues(store: &MessageStore) -> i64 {
    store.max_offset_in_queue("T", 0) + store.max_offset_in_queue("T", 1)
}

#[tokio::test]
async fn a_clean_restart_checks_only_what_follows_the_last_dispatched_record() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let (puts, files) = stored_then_stopped(root).await;
    let last = puts.last().unwrap();

    // Damage a body in the middle of the second-last file: within the three files Java would
    // check, before the last dispatched record. A restart that read it would cut the store there.
    damage_a_body_in_the_second_last_file(root, &puts, &files);

    let store = MessageStore::open(cfg(root)).unwrap();
    let r = store.recovery();
    assert!(!r.abnormal);
    assert_eq!(r.checked_from, last.phys_offset, "{r:?}");
    assert_eq!(r.records_checked, 1);
    assert_eq!(r.commitlog_end, last.end_offset);
    assert_eq!(r.records_dispatched, 0);
    assert_eq!(store.commitlog_max_offset(), last.end_offset);
    assert_eq!(messages_in_queues(&store), N as i64);
    let next = store.put_message(msg(N)).await.unwrap();
    assert_eq!(next.phys_offset, last.end_offset);
}

/// The first DLedger start after an upgrade (spec §6.3) opens the old classic store: its
/// queues still point at the classic commitlog's last record, so the check starts there, not at
/// Java's last three files (which a DLedger restart reads once the queues point into the
/// replicated log).
#[tokio::test]
async fn a_first_dledger_start_on_a_classic_store_checks_only_its_last_record() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let (puts, files) = stored_then_stopped(root).await;
    let last = puts.last().unwrap();
    // Damage inside the last three files, before the last record: a three-file check would cut
    // the store there.
    damage_a_body_in_the_second_last_file(root, &puts, &files);

    let mut c = cfg(root);
    c.dledger = true;
    let store = MessageStore::open(c).unwrap();
    let r = store.recovery();
    assert!(!r.abnormal);
    assert_eq!(r.checked_from, last.phys_offset, "{r:?}");
    assert_eq!(r.records_checked, 1);
    assert_eq!(r.commitlog_end, last.end_offset);
    assert_eq!(messages_in_queues(&store), N as i64);
}

#[tokio::test]
async fn a_crash_recovery_starts_at_the_checkpoint_and_cuts_a_torn_tail_written_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let (puts, files) = stored_then_stopped(root).await;
    let last = puts.last().unwrap();

    // The checkpoint of a run that died: everything stored up to the first record of the
    // third-last file was flushed and dispatched (plus Java's margin).
    let from = files[files.len() - 3];
    let first = decode_record(&read(
        root,
        from,
        puts.iter()
            .find(|p| p.phys_offset == from)
            .map_or(0, |p| (p.end_offset - p.phys_offset) as usize),
    ))
    .unwrap();
    died_with_checkpoint_at(root, first.store_timestamp);
    // Damage before the checkpoint, which the recovery must not read ...
    patch(root, puts[3].phys_offset + 400, b"\xEE\xEE");
    // ... and a torn record after the last one: the first half of a copy of the last record,
    // its PHYSICALOFFSET set to where it would go.
    let mut torn = read(
        root,
        last.phys_offset,
        (last.end_offset - last.phys_offset) as usize,
    );
    assert!(
        last.end_offset % FILE + torn.len() as u64 <= FILE,
        "the torn record fits in the file"
    );
    torn[28..36].copy_from_slice(&(last.end_offset as i64).to_be_bytes());
    torn.truncate(torn.len() / 2);
    patch(root, last.end_offset, &torn);

    let store = MessageStore::open(cfg(root)).unwrap();
    let r = store.recovery();
    assert!(r.abnormal);
    assert_eq!(r.checked_from, from, "{r:?}");
    let after: Vec<&PutResult> = puts.iter().filter(|p| p.phys_offset >= from).collect();
    assert_eq!(r.records_checked, after.len());
    assert_eq!(r.commitlog_end, last.end_offset, "the torn record is cut");
    assert_eq!(r.dispatched_from, from);
    assert_eq!(r.records_dispatched, after.len());
    assert!(
        read(root, last.end_offset, torn.len()).iter().all(|&b| b == 0),
        "torn bytes zeroed"
    );
    // Every message is still at its offset, and new ones follow.
    for (i, p) in puts.iter().enumerate().skip(N - 50) {
        let q = (i % 2) as i32;
        let got = store
            .get_messages("T", q, p.queue_offset(), 1, 0, |_| true)
            .unwrap();
        assert_eq!(got.message_phys_offsets, vec![p.phys_offset], "message {i}");
    }
    assert_eq!(messages_in_queues(&store), N as i64);
    let next = store.put_message(msg(N)).await.unwrap();
    assert_eq!(next.phys_offset, last.end_offset);
    assert_eq!(next.queue_offset(), N as i64 / 2);
}

#[tokio::test]
async fn a_running_store_writes_the_checkpoint_after_syncing_its_queues() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let store = MessageStore::open(cfg(root)).unwrap();
    let put = store.put_message(msg(0)).await.unwrap();
    let path = root.join(format::CHECKPOINT_FILE);
    let deadline = Instant::now() + Duration::from_secs(30);
    let cp = loop {
        let cp = Checkpoint::load(&path).unwrap();
        if cp.logics_msg_timestamp >= put.store_timestamp && cp.physic_msg_timestamp >= put.store_timestamp {
            break cp;
        }
        assert!(
            Instant::now() < deadline,
            "the checkpoint was not written while running: {cp:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(root.join(format::ABORT_FILE).exists(), "still running");
    assert_eq!(
        cp.min_timestamp(),
        put.store_timestamp - cp_fmt::MIN_TIMESTAMP_MARGIN_MS
    );
}

#[tokio::test]
async fn a_crash_recovery_starts_at_the_checkpointed_record_inside_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let (puts, files) = stored_then_stopped(root).await;
    let last_file = *files.last().unwrap();
    // Checkpoint at a record in the middle of the last file: the consume queues find it, so
    // the check does not start at the file start (Java's rule) but at most one record before.
    let k = puts
        .iter()
        .position(|p| p.phys_offset >= last_file + 20_000)
        .unwrap();
    let ts = puts[k].store_timestamp;
    died_with_checkpoint_at(root, ts);
    // Damage between the file start and the checkpointed record: not read.
    patch(root, puts[k - 3].phys_offset + 400, b"\xEE\xEE");

    let store = MessageStore::open(cfg(root)).unwrap();
    let r = store.recovery();
    assert!(r.abnormal);
    assert!(
        r.checked_from == puts[k].phys_offset || r.checked_from == puts[k - 1].phys_offset,
        "{r:?}, record {k} at {}",
        puts[k].phys_offset
    );
    assert_eq!(r.commitlog_end, puts.last().unwrap().end_offset);
    assert_eq!(messages_in_queues(&store), N as i64);
}
