//! Restarting from the positions checkpoint (see `positions` and `recovery`): what a restart
//! reads, and that a torn tail after the checkpoint, a damaged or stale checkpoint, and a crash
//! during or after a truncation never give wrong entries.
//!
//! A crash is played by putting back a positions checkpoint saved earlier: the flusher only
//! moves it on once the data it covers is flushed, so an older one is what a crash can leave.

use std::path::Path;

use openraft::storage::RaftLogStorage;
use openraft::RaftLogReader;
use tempfile::TempDir;

use super::{LogStore, LogStoreError, LogStoreOptions};
use crate::raft::tests::{
    append, log_id, normal, positions_checkpoint_path, record, restore_positions_checkpoint, sample_entries,
    saved_positions_checkpoint,
};
use crate::raft::types::Entry;
use crate::store::format::{self, dledger as dl};

const FILE_SIZE: u64 = 1024;

fn opts(dir: &Path) -> LogStoreOptions {
    LogStoreOptions::new(dir, FILE_SIZE, 0)
}

async fn all_entries(store: &mut LogStore) -> Vec<Entry> {
    let last = store.get_log_state().await.expect("state").last_log_id;
    match last {
        Some(l) => store.try_get_log_entries(0..=l.index).await.expect("entries"),
        None => Vec::new(),
    }
}

fn data_file(dir: &Path, pos: u64) -> std::path::PathBuf {
    dir.join(dl::DATA_DIR)
        .join(format::offset_to_file_name(pos - pos % FILE_SIZE))
}

fn flip(path: &Path, at: u64) {
    let mut data = std::fs::read(path).expect("read");
    data[at as usize] ^= 0xFF;
    std::fs::write(path, &data).expect("write");
}

#[tokio::test]
async fn a_restart_reads_the_last_file_and_serves_every_entry() {
    let dir = TempDir::new().expect("tempdir");
    let mut store = LogStore::open(opts(dir.path())).expect("open");
    append(&mut store, sample_entries(60)).await;
    // As stored (the records' PHYSICALOFFSET is set when they are written).
    let written = all_entries(&mut store).await;
    let locs: Vec<_> = (0..62)
        .map(|i| store.reader().location(i).expect("loc"))
        .collect();
    drop(store);
    // A body byte of an entry in the first file: nobody reads it at open any more.
    flip(
        &data_file(dir.path(), locs[3].pos),
        locs[3].pos % FILE_SIZE + 48 + 2,
    );

    let mut store = LogStore::open(opts(dir.path())).expect("reopen");
    let reader = store.reader();
    for (i, l) in locs.iter().enumerate() {
        assert_eq!(reader.location(i as u64).as_ref(), Some(l), "entry {i}");
    }
    assert_eq!(reader.min_pos(), 0);
    let got = store.try_get_log_entries(4..62).await.expect("entries");
    assert_eq!(got, written[4..]);
    let err = store.try_get_log_entries(3..4).await.expect_err("damaged body");
    assert!(err.to_string().contains("CRC"), "{err}");
    // Appends continue, and a truncation into entries found through their units works.
    append(&mut store, vec![normal(3, 62, record(120, 1))]).await;
    store.truncate(log_id(2, 1, 10)).await.expect("truncate");
    append(
        &mut store,
        (10..20).map(|i| normal(4, i, record(90, 2))).collect(),
    )
    .await;
    let fresh_dir = TempDir::new().expect("tempdir");
    let want = {
        // The same entries written in one go lay out the same bytes.
        let mut fresh = LogStore::open(opts(fresh_dir.path())).expect("open");
        let entries: Vec<Entry> = sample_entries(8)
            .into_iter()
            .chain((10..20).map(|i| normal(4, i, record(90, 2))))
            .collect();
        append(&mut fresh, entries).await;
        all_entries(&mut fresh).await
    };
    drop(store);
    let mut store = LogStore::open(opts(dir.path())).expect("reopen");
    let got = store.try_get_log_entries(4..20).await.expect("entries");
    assert_eq!(got, want[4..]);
    let a = std::fs::read(data_file(dir.path(), FILE_SIZE * 3)).expect("read");
    let b = std::fs::read(data_file(fresh_dir.path(), FILE_SIZE * 3)).expect("read");
    assert_eq!(a, b, "truncation restored the layout");
}

#[tokio::test]
async fn a_torn_tail_written_after_the_checkpoint_is_cut() {
    let dir = TempDir::new().expect("tempdir");
    let mut store = LogStore::open(opts(dir.path())).expect("open");
    append(&mut store, sample_entries(20)).await;
    drop(store);
    let ckpt = saved_positions_checkpoint(dir.path());
    // After the checkpoint: more entries, across files, the last one torn by the crash.
    let mut store = LogStore::open(opts(dir.path())).expect("reopen");
    let more: Vec<Entry> = (22..40).map(|i| normal(3, i, record(150, i as u8))).collect();
    append(&mut store, more).await;
    let last = store.reader().location(39).expect("39");
    let before = all_entries(&mut store).await;
    drop(store);
    restore_positions_checkpoint(dir.path(), &ckpt);
    let path = data_file(dir.path(), last.pos);
    let mut data = std::fs::read(&path).expect("read");
    let body = (last.pos % FILE_SIZE) as usize + 48;
    data[body + 20..body + 100].fill(0);
    std::fs::write(&path, &data).expect("write");

    let mut store = LogStore::open(opts(dir.path())).expect("recovers");
    let st = store.get_log_state().await.expect("state");
    assert_eq!(st.last_log_id, Some(log_id(3, 1, 38)), "torn entry 39 cut");
    assert_eq!(store.reader().max_pos(), last.pos);
    assert_eq!(all_entries(&mut store).await, before[..39]);
    let data = std::fs::read(&path).expect("read");
    assert!(
        data[(last.pos % FILE_SIZE) as usize..].iter().all(|b| *b == 0),
        "tail zeroed"
    );
    drop(store);
    // The next start uses the checkpoint written since, and agrees.
    let mut store = LogStore::open(opts(dir.path())).expect("reopen");
    assert_eq!(all_entries(&mut store).await, before[..39]);
}

#[tokio::test]
async fn a_damaged_or_stale_checkpoint_is_not_trusted() {
    let dir = TempDir::new().expect("tempdir");
    let mut store = LogStore::open(opts(dir.path())).expect("open");
    append(&mut store, sample_entries(40)).await;
    let want = all_entries(&mut store).await;
    drop(store);
    let ckpt_path = positions_checkpoint_path(dir.path());
    let good = saved_positions_checkpoint(dir.path());
    assert!(String::from_utf8_lossy(&good).contains("endIndex=42\n"));

    // Damaged checkpoint: the whole log is read, and every entry is there.
    std::fs::write(&ckpt_path, b"endIndex=7\ncrc=1\n").expect("write");
    let mut store = LogStore::open(opts(dir.path())).expect("full scan");
    assert_eq!(all_entries(&mut store).await, want);
    drop(store);

    // Damaged unit in the part read at open: the positions are rebuilt from a full scan.
    let units = dir
        .path()
        .join(dl::POSITIONS_DIR)
        .join(format::offset_to_file_name(0));
    flip(&units, 40 * dl::POSITION_UNIT_SIZE as u64 + 5);
    let mut store = LogStore::open(opts(dir.path())).expect("full scan");
    assert_eq!(all_entries(&mut store).await, want);
    drop(store);

    // Position files gone: a full scan again.
    std::fs::remove_dir_all(dir.path().join(dl::POSITIONS_DIR)).expect("remove");
    let mut store = LogStore::open(opts(dir.path())).expect("full scan");
    assert_eq!(all_entries(&mut store).await, want);
    drop(store);

    // A checkpoint vouching for more than the data holds (a stale one put back, or data files
    // replaced by a shorter copy of the log): never the entries it vouches for.
    let mut store = LogStore::open(opts(dir.path())).expect("open");
    store.truncate(log_id(2, 1, 41)).await.expect("truncate");
    drop(store);
    std::fs::write(&ckpt_path, &good).expect("stale checkpoint");
    // Entry 41's file is still there, zeroed from entry 41 on: refused with a clear reason.
    let err = LogStore::open(opts(dir.path())).expect_err("stale checkpoint");
    assert!(
        matches!(err, LogStoreError::Corruption { .. })
            && err.to_string().contains(dl::POSITIONS_CHECKPOINT_FILE),
        "{err}"
    );
    // Shorter by whole files: the checkpoint does not fit the files, the whole log is read.
    std::fs::remove_file(&ckpt_path).expect("remove");
    let mut store = LogStore::open(opts(dir.path())).expect("open");
    store.truncate(log_id(2, 1, 20)).await.expect("truncate");
    drop(store);
    std::fs::write(&ckpt_path, &good).expect("stale checkpoint");
    let mut store = LogStore::open(opts(dir.path())).expect("full scan");
    assert_eq!(all_entries(&mut store).await, want[..20]);
}

#[tokio::test]
async fn a_crash_during_or_after_a_truncation_keeps_the_right_entries() {
    let dir = TempDir::new().expect("tempdir");
    let mut store = LogStore::open(opts(dir.path())).expect("open");
    append(&mut store, sample_entries(40)).await;
    let kept = all_entries(&mut store).await[..25].to_vec();
    drop(store);
    let data_before: Vec<(std::path::PathBuf, Vec<u8>)> = std::fs::read_dir(dir.path().join(dl::DATA_DIR))
        .expect("ls")
        .map(|e| {
            let p = e.expect("entry").path();
            let b = std::fs::read(&p).expect("read");
            (p, b)
        })
        .collect();

    // The truncation moves the checkpoint back before it changes data.
    let mut store = LogStore::open(opts(dir.path())).expect("reopen");
    store.truncate(log_id(2, 1, 25)).await.expect("truncate");
    let lowered = saved_positions_checkpoint(dir.path());
    let text = String::from_utf8(lowered.clone()).expect("text");
    assert!(text.contains("endIndex=25\n"), "{text}");
    append(
        &mut store,
        (25..33).map(|i| normal(5, i, record(70, 3))).collect(),
    )
    .await;
    let new = all_entries(&mut store).await[25..].to_vec();
    drop(store);

    // Crash after the truncation and the new appends, before the checkpoint moved on.
    restore_positions_checkpoint(dir.path(), &lowered);
    let mut store = LogStore::open(opts(dir.path())).expect("reopen");
    let got = all_entries(&mut store).await;
    assert_eq!(got[..25], kept[..]);
    assert_eq!(got[25..], new[..]);
    drop(store);

    // Crash in the middle of the truncation: checkpoint lowered, data not yet changed. The
    // old suffix is still a valid log (not committed: the leader cuts it again).
    for (p, b) in &data_before {
        std::fs::write(p, b).expect("restore data");
    }
    restore_positions_checkpoint(dir.path(), &lowered);
    let mut store = LogStore::open(opts(dir.path())).expect("reopen");
    let got = all_entries(&mut store).await;
    assert_eq!(got.len(), 42);
    assert_eq!(got[..25], kept[..]);
}

#[tokio::test]
async fn purged_units_go_and_a_purged_log_restarts_from_its_checkpoint() {
    let dir = TempDir::new().expect("tempdir");
    let mut store = LogStore::open(opts(dir.path())).expect("open");
    append(&mut store, sample_entries(40)).await;
    let want = all_entries(&mut store).await;
    drop(store);
    let mut store = LogStore::open(opts(dir.path())).expect("reopen");
    store.purge(log_id(2, 1, 20)).await.expect("purge");
    assert!(store.reader().min_pos() > 0);
    drop(store);
    let mut store = LogStore::open(opts(dir.path())).expect("reopen");
    let st = store.get_log_state().await.expect("state");
    assert_eq!(st.last_purged_log_id, Some(log_id(2, 1, 20)));
    let got = store.try_get_log_entries(21..42).await.expect("entries");
    assert_eq!(got, want[21..]);
}
