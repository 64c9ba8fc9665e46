//! Store tests on real files in temporary directories.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::config_files::ConsumerOffsets;
use super::message::{decode_records, encode_properties, tags_code, MessageToStore};
use super::*;

const KB64: u64 = 64 * 1024;

fn cfg(root: &Path, cl: u64, cq: u64) -> StoreConfig {
    let mut c = StoreConfig::new(root, "127.0.0.1:10911".parse().unwrap());
    c.commitlog_file_size = cl;
    c.cq_file_size = cq;
    c
}

fn msg(topic: &str, q: i32, body: Vec<u8>, tags: Option<&str>, keys: &str) -> MessageToStore {
    let mut props: Vec<(&str, &str)> = vec![("KEYS", keys)];
    if let Some(t) = tags {
        props.push(("TAGS", t));
    }
    MessageToStore {
        topic: topic.into(),
        queue_id: q,
        flag: 0,
        sys_flag: 0,
        born_timestamp: 1_700_000_000_000,
        born_host: "192.168.1.7:40000".parse().unwrap(),
        store_host: "127.0.0.1:10911".parse().unwrap(),
        reconsume_times: 0,
        prepared_transaction_offset: 0,
        body,
        properties: encode_properties(props),
        tags_code: tags_code(tags),
    }
}

/// Deterministic pseudo-random bytes.
fn body(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) as u8
        })
        .collect()
}

/// (body, tags, keys) expected per queue, in order.
type Expected = BTreeMap<(String, i32), Vec<(Vec<u8>, Option<String>, String)>>;

async fn fill(store: &MessageStore, n: usize, seed: u64) -> Expected {
    let sizes = [10usize, 100, 700, 3000, 9000, 20000];
    let tags = [None, Some("TagA"), Some("TagB")];
    let mut exp = Expected::new();
    let mut i = 0;
    while i < n {
        let topic = if i % 3 == 0 { "Audit" } else { "Orders" };
        let q = (i % 4) as i32;
        let batch = if i % 7 == 0 { 3 } else { 1 };
        let mut msgs = Vec::new();
        for j in 0..batch {
            let k = seed as usize + i + j;
            let b = body(k as u64, sizes[k % sizes.len()]);
            let t = tags[k % tags.len()];
            let keys = format!("key-{k}");
            exp.entry((topic.into(), q))
                .or_default()
                .push((b.clone(), t.map(str::to_owned), keys.clone()));
            msgs.push(msg(topic, q, b, t, &keys));
        }
        let before = store.max_offset_in_queue(topic, q);
        let r = store.put_messages(msgs).await.unwrap();
        assert_eq!(r.status, PutStatus::PutOk);
        assert_eq!(
            r.queue_offsets,
            (before..before + batch as i64).collect::<Vec<_>>()
        );
        assert_eq!(r.msg_ids.len(), batch);
        i += batch;
    }
    exp
}

fn check_all(store: &MessageStore, exp: &Expected) {
    for ((topic, q), list) in exp {
        let mut offset = 0;
        let mut got = Vec::new();
        loop {
            let r = store.get_messages(topic, *q, offset, 5, 0, |_| true).unwrap();
            if r.status == GetMessageStatus::OffsetOverflowOne {
                break;
            }
            assert_eq!(r.status, GetMessageStatus::Found, "{topic}/{q} at {offset}");
            assert!(r.count() <= 5);
            let recs = decode_records(&r.messages).unwrap();
            assert_eq!(recs.len(), r.count());
            for (m, &phys) in recs.iter().zip(&r.message_phys_offsets) {
                assert_eq!(m.physical_offset as u64, phys);
                assert_eq!(m.queue_offset, got.len() as i64);
                assert_eq!(
                    store.lookup_message_by_offset(phys).unwrap().unwrap().len(),
                    m.store_size as usize
                );
                got.push(m.clone());
            }
            assert_eq!(r.next_begin_offset, offset + r.count() as i64);
            offset = r.next_begin_offset;
        }
        assert_eq!(got.len(), list.len(), "{topic}/{q}");
        for (i, (m, (b, t, k))) in got.iter().zip(list).enumerate() {
            assert_eq!(m.queue_offset, i as i64);
            assert_eq!(&m.body, b);
            assert_eq!(m.tags().map(str::to_owned), *t);
            assert_eq!(m.keys(), Some(k.as_str()));
            assert!(m.crc_ok());
        }
    }
}

#[test]
fn store_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<MessageStore>();
}

#[test]
fn flush_disk_type_parses_java_values() {
    assert_eq!(
        "SYNC_FLUSH".parse::<FlushDiskType>().unwrap(),
        FlushDiskType::SyncFlush
    );
    assert_eq!(FlushDiskType::AsyncFlush.as_str(), "ASYNC_FLUSH");
    assert!("sync".parse::<FlushDiskType>().is_err());
}

#[tokio::test]
async fn round_trip_across_files_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let store = MessageStore::open(cfg(dir.path(), KB64, 200)).unwrap();
    let exp = fill(&store, 120, 0).await;
    assert!(std::fs::read_dir(dir.path().join("commitlog")).unwrap().count() > 5);
    check_all(&store, &exp);
    assert_eq!(store.dispatch_behind_bytes(), 0);
    assert!(store.earliest_message_time() > 0);
    assert_eq!(store.topics(), vec!["Audit".to_string(), "Orders".to_string()]);
    assert_eq!(store.queue_ids("Orders"), vec![0, 1, 2, 3]);
    let max = store.commitlog_max_offset();
    store.shutdown().unwrap();
    assert!(!dir.path().join("abort").exists());
    drop(store);

    let store = MessageStore::open(cfg(dir.path(), KB64, 200)).unwrap();
    assert_eq!(store.commitlog_max_offset(), max);
    check_all(&store, &exp);
    let mut more = fill(&store, 30, 1000).await;
    let mut all = exp.clone();
    for (k, v) in more.iter_mut() {
        all.entry(k.clone()).or_default().append(v);
    }
    check_all(&store, &all);
}

/// A pull whose filter matches nothing skips at most 16000 bytes of consume queue (800 units), as
/// Java's `getMessage` does; it used to skip 16000 units and read the rest of the 6 MB consume-queue
/// file on every pull, which made consuming a long queue quadratic.
#[tokio::test]
async fn pull_scans_at_most_16000_bytes_of_consume_queue() {
    let dir = tempfile::tempdir().unwrap();
    let store = MessageStore::open(cfg(dir.path(), 1024 * 1024, 6_000_000)).unwrap();
    let msgs: Vec<MessageToStore> = (0..2000)
        .map(|_| msg("T", 0, vec![1; 10], Some("a"), "k"))
        .collect();
    for chunk in msgs.chunks(100) {
        store.put_messages(chunk.to_vec()).await.unwrap();
    }
    let r = store.get_messages("T", 0, 0, 32, 0, |_| false).unwrap();
    assert_eq!(
        (r.status, r.next_begin_offset),
        (GetMessageStatus::NoMatchedMessage, 800)
    );
    let r = store.get_messages("T", 0, 1500, 1000, 0, |_| false).unwrap();
    assert_eq!(
        r.next_begin_offset, 2000,
        "maxMsgNums * 20 bytes when that is larger"
    );
    let r = store.get_messages("T", 0, 100, 32, 0, |_| true).unwrap();
    assert_eq!((r.count(), r.next_begin_offset), (32, 132));
}

#[tokio::test]
async fn get_message_statuses_follow_java() {
    let dir = tempfile::tempdir().unwrap();
    let store = MessageStore::open(cfg(dir.path(), KB64, 6000)).unwrap();
    let r = store.get_messages("T", 0, 5, 32, 0, |_| true).unwrap();
    assert_eq!(
        (r.status, r.next_begin_offset),
        (GetMessageStatus::NoMatchedLogicQueue, 0)
    );
    assert_eq!(store.min_offset_in_queue("T", 0), -1);
    assert_eq!(store.max_offset_in_queue("T", 0), 0);
    for i in 0..10 {
        let tag = if i % 2 == 0 { "even" } else { "odd" };
        store
            .put_message(msg("T", 0, vec![i as u8; 50], Some(tag), "k"))
            .await
            .unwrap();
    }
    let r = store.get_messages("T", 0, 10, 32, 0, |_| true).unwrap();
    assert_eq!(
        (r.status, r.next_begin_offset),
        (GetMessageStatus::OffsetOverflowOne, 10)
    );
    let r = store.get_messages("T", 0, 11, 32, 0, |_| true).unwrap();
    assert_eq!(
        (r.status, r.next_begin_offset),
        (GetMessageStatus::OffsetOverflowBadly, 10)
    );
    let r = store.get_messages("T", 0, 2, 3, 0, |_| true).unwrap();
    assert_eq!(
        (r.status, r.count(), r.next_begin_offset),
        (GetMessageStatus::Found, 3, 5)
    );
    assert_eq!((r.min_offset, r.max_offset), (0, 10));
    let even = tags_code(Some("even"));
    let r = store.get_messages("T", 0, 0, 32, 0, |c| c == even).unwrap();
    assert_eq!(
        (r.status, r.count(), r.next_begin_offset),
        (GetMessageStatus::Found, 5, 10)
    );
    let r = store.get_messages("T", 0, 0, 32, 0, |_| false).unwrap();
    assert_eq!(
        (r.status, r.next_begin_offset),
        (GetMessageStatus::NoMatchedMessage, 10)
    );
    // Byte limit: room for two records.
    let rec = store
        .get_messages("T", 0, 0, 1, 0, |_| true)
        .unwrap()
        .messages
        .len();
    let r = store.get_messages("T", 0, 0, 32, rec * 2 + 1, |_| true).unwrap();
    assert_eq!((r.count(), r.next_begin_offset), (2, 2));
    // Timestamps: everything was stored at or before now.
    assert_eq!(store.offset_by_timestamp("T", 0, 0).unwrap(), 0);
    assert_eq!(store.offset_by_timestamp("T", 0, i64::MAX).unwrap(), 10);
    assert!(store.stats().get_found.load(Ordering::Relaxed) > 0);
}

#[tokio::test]
async fn rejects_illegal_messages_with_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = cfg(dir.path(), KB64, 6000);
    c.max_message_size = 1000;
    let store = MessageStore::open(c).unwrap();
    let e = store
        .put_message(msg("T", 0, vec![0; 1001], None, "k"))
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::MessageIllegal(_)), "{e}");
    let mut m = msg("T", 0, vec![0; 10], None, "k");
    m.properties = "x".repeat(32768);
    let e = store.put_message(m).await.unwrap_err();
    assert!(matches!(e, StoreError::PropertiesSizeExceeded(32768)), "{e}");
    let e = store
        .put_message(msg(&"t".repeat(128), 0, vec![], None, "k"))
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::MessageIllegal(_)), "{e}");
    let e = store.put_messages(vec![]).await.unwrap_err();
    assert!(matches!(e, StoreError::MessageIllegal(_)), "{e}");
    // A batch that can never fit in one 64 KiB file.
    let batch = (0..10)
        .map(|_| msg("T", 0, vec![0; 900], None, "k"))
        .collect::<Vec<_>>();
    let mut c = cfg(&dir.path().join("small"), 4096, 6000);
    c.max_message_size = 1000;
    let small = MessageStore::open(c).unwrap();
    assert!(matches!(
        small.put_messages(batch).await,
        Err(StoreError::MessageIllegal(_))
    ));
    assert_eq!(small.commitlog_max_offset(), 0);
    assert_eq!(store.stats().put_failures.load(Ordering::Relaxed), 4);
}

#[tokio::test]
async fn second_open_of_same_root_is_locked() {
    let dir = tempfile::tempdir().unwrap();
    let store = MessageStore::open(cfg(dir.path(), KB64, 6000)).unwrap();
    let e = MessageStore::open(cfg(dir.path(), KB64, 6000)).unwrap_err();
    assert!(matches!(e, StoreError::Locked(_)), "{e}");
    drop(store);
    MessageStore::open(cfg(dir.path(), KB64, 6000)).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_flush_returns_after_fsync_with_group_commit() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = cfg(dir.path(), KB64, 6000);
    c.flush_disk_type = FlushDiskType::SyncFlush;
    c.flush_interval = Duration::from_secs(3600); // only explicit requests trigger a flush
    let store = Arc::new(MessageStore::open(c).unwrap());
    let mut tasks = Vec::new();
    for t in 0..8 {
        let s = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            for i in 0..20 {
                let r = s
                    .put_message(msg("S", t % 2, vec![i as u8; 300], None, "k"))
                    .await
                    .unwrap();
                assert_eq!(r.status, PutStatus::PutOk);
                assert!(s.flushed_offset() >= r.end_offset);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(
        store.max_offset_in_queue("S", 0) + store.max_offset_in_queue("S", 1),
        160
    );
    assert_eq!(store.flushed_offset(), store.commitlog_max_offset());
}

#[tokio::test]
async fn arrivals_wake_waiters() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(MessageStore::open(cfg(dir.path(), KB64, 6000)).unwrap());
    let mut rx = store.subscribe_arrivals();
    let s = Arc::clone(&store);
    let waiter = tokio::spawn(async move {
        rx.changed().await.unwrap();
        s.max_offset_in_queue("W", 0)
    });
    tokio::task::yield_now().await;
    store
        .put_message(msg("W", 0, b"x".to_vec(), None, "k"))
        .await
        .unwrap();
    assert_eq!(waiter.await.unwrap(), 1);
}

/// Writes `n` single messages to T/0 and returns the put results.
async fn write_some(store: &MessageStore, n: usize) -> Vec<PutResult> {
    let mut out = Vec::new();
    for i in 0..n {
        out.push(
            store
                .put_message(msg("T", 0, body(i as u64, 1500), Some("x"), "k"))
                .await
                .unwrap(),
        );
    }
    out
}

fn simulate_crash(root: &Path) {
    std::fs::write(root.join("abort"), b"").unwrap();
}

fn patch(root: &Path, cl_size: u64, global: u64, bytes: &[u8]) {
    use std::os::unix::fs::FileExt;
    let start = global - global % cl_size;
    let path = root.join("commitlog").join(format::offset_to_file_name(start));
    let f = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    f.write_all_at(bytes, global - start).unwrap();
}

#[tokio::test]
async fn crash_recovery_cuts_torn_tail_and_garbage() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let store = MessageStore::open(cfg(root, KB64, 200)).unwrap();
    let puts = write_some(&store, 100).await;
    store.shutdown().unwrap();
    drop(store);
    let last = puts.last().unwrap();
    let prev_end = puts[98].end_offset;
    assert_eq!(last.phys_offset, prev_end);

    // 1. Torn last record: its second half never reached the disk.
    simulate_crash(root);
    patch(
        root,
        KB64,
        last.phys_offset + 700,
        &vec![0u8; (last.end_offset - last.phys_offset - 700) as usize],
    );
    let store = MessageStore::open(cfg(root, KB64, 200)).unwrap();
    assert_eq!(store.commitlog_max_offset(), prev_end);
    assert_eq!(store.max_offset_in_queue("T", 0), 99);
    assert_eq!(
        store.get_messages("T", 0, 99, 1, 0, |_| true).unwrap().status,
        GetMessageStatus::OffsetOverflowOne
    );
    let again = store
        .put_message(msg("T", 0, b"after".to_vec(), None, "k"))
        .await
        .unwrap();
    assert_eq!((again.phys_offset, again.queue_offset()), (prev_end, 99));
    let end = again.end_offset;
    store.shutdown().unwrap();
    drop(store);

    // 2. Garbage after the last record is removed; the record itself survives.
    simulate_crash(root);
    patch(root, KB64, end, &body(7, 300));
    let store = MessageStore::open(cfg(root, KB64, 200)).unwrap();
    assert_eq!(store.commitlog_max_offset(), end);
    let r = store.get_messages("T", 0, 99, 1, 0, |_| true).unwrap();
    assert_eq!(decode_records(&r.messages).unwrap()[0].body, b"after");
    store.shutdown().unwrap();
    drop(store);
    let mut zeros = vec![1u8; 300];
    {
        use std::os::unix::fs::FileExt;
        let start = end - end % KB64;
        let f = std::fs::File::open(root.join("commitlog").join(format::offset_to_file_name(start))).unwrap();
        f.read_exact_at(&mut zeros, end - start).unwrap();
    }
    assert!(zeros.iter().all(|&b| b == 0), "garbage was zeroed");

    // 3. A bad CRC in the last record drops it, and its consume-queue unit with it.
    simulate_crash(root);
    patch(root, KB64, end - 10, b"Z");
    let store = MessageStore::open(cfg(root, KB64, 200)).unwrap();
    assert_eq!(store.commitlog_max_offset(), prev_end);
    assert_eq!(store.max_offset_in_queue("T", 0), 99);
    store.shutdown().unwrap();
    drop(store);

    // 4. Lost consume-queue files are rebuilt from the commitlog.
    simulate_crash(root);
    std::fs::remove_dir_all(root.join("consumequeue/T")).unwrap();
    let store = MessageStore::open(cfg(root, KB64, 200)).unwrap();
    assert_eq!(store.max_offset_in_queue("T", 0), 99);
    let r = store.get_messages("T", 0, 42, 1, 0, |_| true).unwrap();
    assert_eq!(decode_records(&r.messages).unwrap()[0].body, body(42, 1500));
    // New writes continue at the right offsets.
    let r = store
        .put_message(msg("T", 0, b"z".to_vec(), None, "k"))
        .await
        .unwrap();
    assert_eq!((r.phys_offset, r.queue_offset()), (prev_end, 99));
    let end = r.end_offset;
    store.shutdown().unwrap();
    drop(store);

    // 5. Garbage right after the end is also cut after a clean shutdown (no abort file).
    patch(root, KB64, end, &body(9, 100));
    let store = MessageStore::open(cfg(root, KB64, 200)).unwrap();
    assert_eq!(store.commitlog_max_offset(), end);
    assert_eq!(store.max_offset_in_queue("T", 0), 100);
}

#[tokio::test]
async fn prepared_transactions_get_no_consume_queue_unit() {
    let dir = tempfile::tempdir().unwrap();
    let store = MessageStore::open(cfg(dir.path(), KB64, 6000)).unwrap();
    store
        .put_message(msg("T", 0, b"a".to_vec(), None, "k"))
        .await
        .unwrap();
    let mut half = msg("T", 0, b"half".to_vec(), None, "k");
    half.sys_flag = format::sys_flag::TRANSACTION_PREPARED;
    let r = store.put_message(half).await.unwrap();
    assert_eq!(r.queue_offset(), 0);
    assert_eq!(store.max_offset_in_queue("T", 0), 1);
    let raw = store.lookup_message_by_offset(r.phys_offset).unwrap().unwrap();
    assert_eq!(message::decode_record(&raw).unwrap().body, b"half");
    let r = store
        .put_message(msg("T", 0, b"b".to_vec(), None, "k"))
        .await
        .unwrap();
    assert_eq!(r.queue_offset(), 1);
    store.shutdown().unwrap();
    drop(store);
    // Rebuilding the queue from the commitlog skips the half message too.
    std::fs::remove_dir_all(dir.path().join("consumequeue/T")).unwrap();
    simulate_crash(dir.path());
    let store = MessageStore::open(cfg(dir.path(), KB64, 6000)).unwrap();
    assert_eq!(store.max_offset_in_queue("T", 0), 2);
}

#[tokio::test]
async fn ha_replication_copies_bytes_and_dispatches() {
    let dir = tempfile::tempdir().unwrap();
    let master = MessageStore::open(cfg(&dir.path().join("m"), KB64, 6000)).unwrap();
    let exp = fill(&master, 60, 5).await;
    let slave = MessageStore::open(cfg(&dir.path().join("s"), KB64, 6000)).unwrap();
    let mut off = slave.commitlog_max_offset();
    while off < master.commitlog_max_offset() {
        // Odd chunk sizes split records across calls.
        let chunk = master.read_commitlog_raw(off, 3333).unwrap();
        assert!(!chunk.is_empty());
        slave.append_replicated(off, &chunk).unwrap();
        off += chunk.len() as u64;
    }
    assert!(matches!(
        slave.append_replicated(off + 1, b"x"),
        Err(StoreError::OffsetMismatch { .. })
    ));
    assert_eq!(slave.commitlog_max_offset(), master.commitlog_max_offset());
    assert_eq!(slave.dispatch_behind_bytes(), 0);
    check_all(&slave, &exp);

    // A fresh slave that reports offset 0 is streamed from the master's last file only.
    let late = MessageStore::open(cfg(&dir.path().join("s2"), KB64, 6000)).unwrap();
    let mut off = master.commitlog_last_file_start();
    assert!(off > 0);
    while off < master.commitlog_max_offset() {
        let chunk = master.read_commitlog_raw(off, 32 * 1024).unwrap();
        late.append_replicated(off, &chunk).unwrap();
        off += chunk.len() as u64;
    }
    assert_eq!(late.commitlog_min_offset(), master.commitlog_last_file_start());
    let mut served = 0;
    for (topic, q) in exp.keys() {
        let (min, max) = (
            late.min_offset_in_queue(topic, *q),
            late.max_offset_in_queue(topic, *q),
        );
        // Queues with no record in the last file do not exist on the late slave.
        if min == -1 {
            continue;
        }
        served += 1;
        assert_eq!(max, master.max_offset_in_queue(topic, *q));
        if max > min {
            let r = late.get_messages(topic, *q, min, 1, 0, |_| true).unwrap();
            assert_eq!(r.status, GetMessageStatus::Found);
            let m = message::decode_record(&r.messages).unwrap();
            assert_eq!(m.queue_offset, min);
            let r = late.get_messages(topic, *q, 0, 1, 0, |_| true).unwrap();
            assert_eq!(
                (r.status, r.next_begin_offset),
                (GetMessageStatus::OffsetTooSmall, min)
            );
        }
    }
    assert!(served > 0);
}

#[tokio::test]
async fn expired_files_are_deleted_in_the_delete_window() {
    let dir = tempfile::tempdir().unwrap();
    let now = SystemTime::now();
    let mut c = cfg(dir.path(), KB64, 200);
    c.delete_when = format!("{:02}", local_hour(now));
    c.file_reserved_time_hours = 1;
    c.disk_max_used_space_ratio = 100; // never force-delete because this machine's disk is full
    let store = MessageStore::open(c).unwrap();
    write_some(&store, 200).await;
    let files: Vec<_> = store.shared.read().commitlog.files().to_vec();
    assert!(files.len() > 3);
    let old = now - Duration::from_secs(2 * 3600);
    for f in &files[..2] {
        f.file.set_modified(old).unwrap();
    }
    assert_eq!(store.clean_expired_files(now).unwrap(), 2);
    assert_eq!(store.commitlog_min_offset(), files[2].start);
    let min = store.min_offset_in_queue("T", 0);
    assert!(min > 0);
    let r = store.get_messages("T", 0, 0, 1, 0, |_| true).unwrap();
    assert_eq!(
        (r.status, r.next_begin_offset),
        (GetMessageStatus::OffsetTooSmall, min)
    );
    let r = store.get_messages("T", 0, min, 1, 0, |_| true).unwrap();
    assert_eq!(r.status, GetMessageStatus::Found);
    assert!(r.message_phys_offsets[0] >= files[2].start);
}

/// Independent reading of the files a store wrote, straight from spec §2.6 / §5.1 / §5.2.
#[tokio::test]
async fn on_disk_format_matches_the_spec() {
    fn be32(b: &[u8], at: usize) -> i32 {
        i32::from_be_bytes(b[at..at + 4].try_into().unwrap())
    }
    fn be64(b: &[u8], at: usize) -> i64 {
        i64::from_be_bytes(b[at..at + 8].try_into().unwrap())
    }
    fn java_hash(s: &str) -> i64 {
        let mut h: i32 = 0;
        for u in s.encode_utf16() {
            h = h.wrapping_mul(31).wrapping_add(i32::from(u));
        }
        i64::from(h)
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let size = 16 * 1024u64;
    let store = MessageStore::open(cfg(root, size, 6000)).unwrap();
    let before = now_millis();
    let mut sent = Vec::new();
    for i in 0..40usize {
        let mut m = msg(
            "F",
            0,
            body(i as u64, 100 + i * 97),
            if i % 2 == 0 { Some("TagA") } else { None },
            "k",
        );
        m.flag = i as i32;
        m.reconsume_times = 3;
        if i % 5 == 0 {
            m.born_host = "[2001:db8::1]:5000".parse().unwrap();
        }
        store.put_message(m.clone()).await.unwrap();
        sent.push(m);
    }
    let after = now_millis();
    store.shutdown().unwrap();
    drop(store);

    let mut names: Vec<String> = std::fs::read_dir(root.join("commitlog"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert!(names.len() > 2);
    let mut records = Vec::new();
    let mut blanks = 0;
    for (i, name) in names.iter().enumerate() {
        assert_eq!(name, &format!("{:020}", i as u64 * size));
        let data = std::fs::read(root.join("commitlog").join(name)).unwrap();
        assert_eq!(data.len() as u64, size, "preallocated");
        let mut pos = 0usize;
        while pos + 8 <= data.len() {
            let total = be32(&data, pos);
            let magic = be32(&data, pos + 4) as u32;
            if magic == 0xCBD4_3194 {
                assert_eq!(
                    total as usize,
                    data.len() - pos,
                    "blank covers the rest of the file"
                );
                assert!(data[pos + 8..].iter().all(|&b| b == 0));
                blanks += 1;
                break;
            }
            if total == 0 {
                assert_eq!(i, names.len() - 1, "only the last file ends in zeros");
                assert!(data[pos..].iter().all(|&b| b == 0));
                break;
            }
            let r = &data[pos..pos + total as usize];
            assert_eq!(magic, 0xDAA3_20A7);
            let sys_flag = be32(r, 36);
            let mut at = 48;
            let born_v6 = sys_flag & 0x10 != 0;
            let born_ip = if born_v6 { &r[at..at + 16] } else { &r[at..at + 4] }.to_vec();
            at += born_ip.len();
            let born_port = be32(r, at);
            at += 4;
            let store_ts = be64(r, at);
            at += 8;
            assert_eq!(sys_flag & 0x20, 0);
            assert_eq!(&r[at..at + 4], &[127, 0, 0, 1]);
            assert_eq!(be32(r, at + 4), 10911);
            at += 8;
            let reconsume = be32(r, at);
            let prepared = be64(r, at + 4);
            at += 12;
            let body_len = be32(r, at) as usize;
            let body = r[at + 4..at + 4 + body_len].to_vec();
            at += 4 + body_len;
            let topic_len = r[at] as usize;
            let topic = String::from_utf8(r[at + 1..at + 1 + topic_len].to_vec()).unwrap();
            at += 1 + topic_len;
            let props_len = i16::from_be_bytes([r[at], r[at + 1]]) as usize;
            let props = String::from_utf8(r[at + 2..at + 2 + props_len].to_vec()).unwrap();
            at += 2 + props_len;
            assert_eq!(at, total as usize, "fields fill TOTALSIZE exactly");
            assert_eq!(be32(r, 8) as u32, crc32fast::hash(&body) & 0x7FFF_FFFF);
            assert_eq!(be64(r, 28) as u64, i as u64 * size + pos as u64, "PHYSICALOFFSET");
            assert!((before..=after).contains(&store_ts));
            records.push((
                be32(r, 12),
                be32(r, 16),
                be64(r, 20),
                be64(r, 28),
                sys_flag,
                be64(r, 40),
                born_ip,
                born_port,
                reconsume,
                prepared,
                body,
                topic,
                props,
                total,
            ));
            pos += total as usize;
        }
    }
    assert_eq!(blanks, names.len() - 1, "every full file ends with a blank");
    assert_eq!(records.len(), sent.len());
    let cq = std::fs::read(root.join("consumequeue/F/0/00000000000000000000")).unwrap();
    assert_eq!(cq.len(), 6000);
    for (i, (rec, m)) in records.iter().zip(&sent).enumerate() {
        let (
            qid,
            flag,
            qo,
            phys,
            sys_flag,
            born_ts,
            born_ip,
            born_port,
            reconsume,
            prepared,
            body,
            topic,
            props,
            total,
        ) = rec;
        assert_eq!(
            (*qid, *flag, *qo, *born_ts),
            (0, m.flag, i as i64, m.born_timestamp)
        );
        assert_eq!(*sys_flag, if m.born_host.is_ipv6() { 0x10 } else { 0 });
        let ip: Vec<u8> = match m.born_host.ip() {
            std::net::IpAddr::V4(a) => a.octets().to_vec(),
            std::net::IpAddr::V6(a) => a.octets().to_vec(),
        };
        assert_eq!((born_ip, *born_port), (&ip, i32::from(m.born_host.port())));
        assert_eq!((*reconsume, *prepared), (3, 0));
        assert_eq!((body, topic.as_str()), (&m.body, "F"));
        assert_eq!(props, &m.properties);
        assert!(!props.ends_with('\u{2}'), "4.9.x writes no trailing separator");
        let unit = &cq[i * 20..i * 20 + 20];
        assert_eq!(be64(unit, 0), *phys);
        assert_eq!(be32(unit, 8), *total);
        let tags = if i % 2 == 0 { java_hash("TagA") } else { 0 };
        assert_eq!(be64(unit, 12), tags);
    }
    assert!(cq[records.len() * 20..].iter().all(|&b| b == 0));
    let cp = std::fs::read(root.join("checkpoint")).unwrap();
    assert_eq!(cp.len(), 4096);
    assert!(be64(&cp, 0) >= before && be64(&cp, 8) >= before);
    assert_eq!(std::fs::read(root.join("lock")).unwrap(), b"lock");
}

fn copy_dir(src: &Path, dst: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dst).unwrap();
    std::fs::set_permissions(dst, std::fs::Permissions::from_mode(0o755)).unwrap();
    for e in std::fs::read_dir(src).unwrap() {
        let e = e.unwrap();
        let to = dst.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to);
        } else {
            std::fs::copy(e.path(), &to).unwrap();
            std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
    }
}

/// The store another implementation wrote (`/work/shared/fixtures/foreign-store`).
#[tokio::test]
async fn serves_the_foreign_fixture_store() {
    use md5::{Digest, Md5};
    let fixture = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/fixtures/foreign-store"
    ));
    assert!(
        fixture.join("manifest.json").is_file(),
        "the foreign-store fixture is missing: looked for {}",
        fixture.join("manifest.json").display()
    );
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    copy_dir(&fixture.join("store"), &root);
    let manifest: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(fixture.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest.len(), 600);
    let host: SocketAddr = "127.0.0.1:29911".parse().unwrap();
    let mut c = StoreConfig::new(&root, host);
    c.commitlog_file_size = 65536;
    c.cq_file_size = 6000;
    // A wrong file size is refused before anything is touched.
    let mut wrong = c.clone();
    wrong.commitlog_file_size = 2 * 65536;
    let e = MessageStore::open(wrong).unwrap_err();
    assert!(matches!(e, StoreError::Corruption { .. }), "{e}");
    let first = root.join("commitlog/00000000000000000000");
    assert_eq!(std::fs::metadata(&first).unwrap().len(), 65536);
    let store = MessageStore::open(c.clone()).unwrap();
    assert_eq!(store.dispatch_behind_bytes(), 0);
    for e in &manifest {
        let topic = e["topic"].as_str().unwrap();
        let q = e["queueId"].as_i64().unwrap() as i32;
        let qo = e["queueOffset"].as_i64().unwrap();
        let r = store.get_messages(topic, q, qo, 1, 0, |_| true).unwrap();
        assert_eq!(
            (r.status, r.count(), r.next_begin_offset),
            (GetMessageStatus::Found, 1, qo + 1),
            "{e}"
        );
        let m = message::decode_record(&r.messages).unwrap();
        assert!(m.crc_ok());
        assert_eq!((m.topic.as_str(), m.queue_id, m.queue_offset), (topic, q, qo));
        // `size` is the nominal size: text bodies ("order-N;" repeated) are shorter, and the md5 is
        // of the stored body.
        assert!(m.body.len() as i64 <= e["size"].as_i64().unwrap());
        assert_eq!(hex::encode(Md5::digest(&m.body)), e["bodyMd5"].as_str().unwrap());
        assert_eq!(m.tags(), e["tags"].as_str());
        assert_eq!(m.keys(), e["keys"].as_str());
        let id = e["msgId"].as_str().unwrap();
        assert_eq!(
            message::offset_msg_id(&m.store_host, m.physical_offset as u64),
            id
        );
        let (_, _, phys) = format::decode_message_id(id).unwrap();
        assert_eq!(store.lookup_message_by_offset(phys).unwrap().unwrap(), r.messages);
    }
    for q in 0..4 {
        assert_eq!(store.max_offset_in_queue("OrderEvents", q), 100);
    }
    assert_eq!(store.max_offset_in_queue("Audit", 1), 100);
    assert_eq!(
        store.topics(),
        vec!["Audit".to_string(), "OrderEvents".to_string()]
    );
    assert!(store.earliest_message_time() > 0);
    let offsets = ConsumerOffsets::load(&root).unwrap();
    assert_eq!(offsets.data_version.as_ref().unwrap().state_version, Some(0));
    for q in 0..4 {
        assert_eq!(offsets.get("OrderEvents", "billing", q), Some(50 + i64::from(q)));
    }
    assert!(
        root.join("timerlog/v2/log/manifest").exists(),
        "unknown files are left alone"
    );

    // Append to the foreign store, then reopen it.
    let old_max = store.commitlog_max_offset();
    let mut m = msg("OrderEvents", 2, b"from rust".to_vec(), Some("paid"), "key-rust");
    m.store_host = host;
    let put = store.put_message(m).await.unwrap();
    assert_eq!(put.queue_offset(), 100);
    assert!(put.phys_offset >= old_max);
    store.shutdown().unwrap();
    drop(store);
    let store = MessageStore::open(c).unwrap();
    let r = store.get_messages("OrderEvents", 2, 99, 32, 0, |_| true).unwrap();
    let recs = decode_records(&r.messages).unwrap();
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[1].body, b"from rust");
    assert_eq!(recs[1].tags(), Some("paid"));
    assert_eq!(r.next_begin_offset, 101);
}
