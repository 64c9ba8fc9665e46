//! The group-commit thread ([`Flusher`]): where appended data files get fdatasynced.
//!
//! It is a thread of its own so that `append` returns once the bytes are written and the Raft
//! core keeps going while the disk syncs; one round syncs every file touched by all the batches
//! queued meanwhile, once. With SYNC_FLUSH the batches' callbacks fire after that round, in
//! order; with ASYNC_FLUSH appends only note their files and the thread syncs them every
//! `flushIntervalCommitLog` (see [`Durability`]). The state machine syncs the noted files too,
//! before it records entries as applied (`LogReader::sync_written`).

use std::fs::File;
use std::io;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use openraft::storage::LogFlushed;

use super::{io_err, Durability, LogStoreError, Shared};
use crate::raft::types::TypeConfig;

/// One append batch waiting for its fdatasync.
pub(super) struct FlushRequest {
    pub(super) files: DirtyFiles,
    pub(super) sync_dir: bool,
    /// Fired after the sync; `None` when it already fired (page-cache durability).
    pub(super) callback: Option<LogFlushed<TypeConfig>>,
}

/// Group commit: a thread that fdatasyncs the files of every append batch queued since its last
/// round once, then fires those batches' callbacks in order. `append` thus returns as soon as
/// the bytes are written (readable), the Raft core keeps going, and the callback, which lets
/// openraft count this replica's copy, fires only after the data is on disk.
pub(super) struct Flusher {
    pub(super) tx: std::sync::mpsc::Sender<FlushRequest>,
    pub(super) thread: std::thread::JoinHandle<()>,
}

impl Flusher {
    /// Starts the thread; with `PageCache` durability it syncs the files appends noted in
    /// `shared` (instead of waking the thread for every entry: a futex wake and two context
    /// switches per message) every `interval`, so one fdatasync covers everything written
    /// meanwhile.
    pub(super) fn start(shared: Arc<Shared>, durability: Durability) -> Result<Flusher, LogStoreError> {
        let (tx, rx) = std::sync::mpsc::channel::<FlushRequest>();
        let thread = std::thread::Builder::new()
            .name("dledger-flush".into())
            .spawn(move || {
                if let Durability::PageCache { interval } = durability {
                    return periodic_flush(&shared, interval, &rx);
                }
                while let Ok(first) = rx.recv() {
                    let mut batch = vec![first];
                    batch.extend(rx.try_iter());
                    sync_batch(&shared, batch);
                }
            })
            .map_err(io_err(Path::new("dledger-flush thread")))?;
        Ok(Flusher { tx, thread })
    }
}

/// The flusher's loop with `PageCache` durability: every `interval`, and once more when the
/// store is dropped, fdatasync the files appends noted. Requests that still come through the
/// channel (none today) are synced and answered the same way.
fn periodic_flush(shared: &Shared, interval: Duration, rx: &std::sync::mpsc::Receiver<FlushRequest>) {
    loop {
        let (mut batch, stop) = match rx.recv_timeout(interval) {
            Ok(r) => (vec![r], false),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => (Vec::new(), false),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => (Vec::new(), true),
        };
        batch.extend(rx.try_iter());
        sync_batch(shared, batch);
        if stop {
            return;
        }
    }
}

/// One flusher round: fdatasyncs the noted files and the files of every request in `batch` once
/// each (and the directory if a new file appeared), then answers the requests' callbacks in
/// order.
fn sync_batch(shared: &Shared, batch: Vec<FlushRequest>) {
    let mut files = DirtyFiles::new();
    let mut sync_dir = false;
    for r in &batch {
        for (start, f) in &r.files {
            push_dirty(&mut files, *start, f);
        }
        sync_dir |= r.sync_dir;
    }
    let res = shared.sync_noted(&files, sync_dir);
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

/// Data files written by one append batch, by start offset, to fdatasync once each.
pub(super) type DirtyFiles = Vec<(u64, Arc<File>)>;

pub(super) fn push_dirty(dirty: &mut DirtyFiles, start: u64, f: &Arc<File>) {
    if !dirty.iter().any(|(s, _)| *s == start) {
        dirty.push((start, f.clone()));
    }
}
