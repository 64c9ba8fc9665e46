//! The group-commit thread ([`Flusher`]): where appended data files get fdatasynced.
//!
//! It is a thread of its own so that `append` returns once the bytes are written and the Raft
//! core keeps going while the disk syncs; one round syncs every file touched by all the batches
//! queued meanwhile, once. With SYNC_FLUSH the batches' callbacks fire after that round, in
//! order; with ASYNC_FLUSH appends only note their files and the thread syncs them every
//! `flushIntervalCommitLog` (see [`Durability`]). The state machine syncs the noted files too,
//! before it records entries as applied (`LogReader::sync_written`).
//!
//! After a round it knows which entries are on disk, so it is also where their position units
//! are written and `positions.ckpt` moves on (at most every [`CHECKPOINT_INTERVAL`], and once
//! more when the store is dropped): recovery may then skip reading them. Entries whose units
//! are written leave the in-memory index (the newest [`HOT_ENTRIES`] stay).

use std::fs::File;
use std::io;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use openraft::storage::LogFlushed;

use super::positions::PosCheckpoint;
use super::{io_err, Durability, LogStoreError, Shared, CHECKPOINT_INTERVAL};
use crate::raft::types::TypeConfig;

/// One append batch waiting for its fdatasync.
pub(super) struct FlushRequest {
    pub(super) files: DirtyFiles,
    pub(super) sync_dir: bool,
    /// Fired after the sync; `None` when it already fired (page-cache durability).
    pub(super) callback: Option<LogFlushed<TypeConfig>>,
    /// The next index after the batch: once synced, every entry below it is on disk...
    pub(super) upto: u64,
    /// ...unless a truncation (which bumps [`super::Pending::generation`]) came in between.
    pub(super) generation: u64,
}

/// Entries kept in memory after their units are written: the ones replication, the state
/// machine and the broker read most.
pub(super) const HOT_ENTRIES: usize = 4096;

/// Units written in one flusher round at most (a full scan leaves the whole log to index).
const UNITS_PER_ROUND: usize = 1 << 20;

/// Group commit: a thread that fdatasyncs the files of every append batch queued since its last
/// round once, then fires those batches' callbacks in order. `append` thus returns as soon as
/// the bytes are written (readable), the Raft core keeps going, and the callback, which lets
/// openraft count this replica's copy, fires only after the data is on disk.
/// With `PageCache` durability, appends note their files in [`super::Pending`] instead of
/// waking the thread for every entry (a futex wake and two context switches per message); the
/// thread syncs them once per interval.
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
                    round(&shared, batch, false);
                }
                round(&shared, Vec::new(), true);
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
        round(shared, batch, stop);
        if stop {
            return;
        }
    }
}

/// One round: syncs what appends noted and what `batch` holds, records what is now durable,
/// and writes positions when due (always when the store is closing, `last`).
fn round(shared: &Shared, batch: Vec<FlushRequest>, last: bool) {
    let done: Vec<(u64, u64)> = batch.iter().map(|r| (r.upto, r.generation)).collect();
    if sync_batch(shared, batch) {
        for (upto, generation) in done {
            shared.note_durable(upto, generation);
        }
    }
    if let Err(e) = shared.checkpoint_positions(last) {
        // Recovery then reads more of the log; the node keeps going.
        tracing::warn!(error = %e, "cannot write the DLedger positions checkpoint");
    }
}

impl Shared {
    /// Everything below `upto` is fdatasynced, unless a truncation since `generation`.
    pub(super) fn note_durable(&self, upto: u64, generation: u64) {
        let mut p = self.pending();
        if p.generation == generation {
            p.durable = p.durable.max(upto);
        }
    }

    /// Writes the units of the entries that became durable, fdatasyncs them and moves
    /// `positions.ckpt` past them; then lets the in-memory index forget them. Does nothing
    /// until [`CHECKPOINT_INTERVAL`] passed since the last time, unless `now`.
    ///
    /// # Errors
    /// Writing the units or the checkpoint failed (nothing is forgotten then).
    pub(super) fn checkpoint_positions(&self, now: bool) -> Result<(), LogStoreError> {
        let mut prog = self.progress();
        if !now && prog.last.is_some_and(|t| t.elapsed() < CHECKPOINT_INTERVAL) {
            return Ok(());
        }
        let durable = self.pending().durable;
        let locs = {
            let st = self.read();
            if prog.written < st.cold_first {
                // Purged past the units (e.g. a snapshot installed): start again there.
                prog.first = st.cold_first;
                prog.written = st.cold_first;
            }
            if prog.written < st.first_index {
                return Err(LogStoreError::Invalid(format!(
                    "entries {}..{} are neither in memory nor in the position files",
                    prog.written, st.first_index
                )));
            }
            let to = durable.min(st.next_index().unwrap_or(0));
            let mut locs = Vec::new();
            for index in prog.written..to {
                match st.meta(index) {
                    Some(m) if locs.len() < UNITS_PER_ROUND => locs.push(*m),
                    _ => break, // a hole (only openraft's test suite makes them) or enough
                }
            }
            locs
        };
        prog.last = Some(Instant::now());
        let Some(last) = locs.last().copied() else {
            return Ok(());
        };
        let (files, created) = self.positions.put(prog.written, &locs)?;
        self.positions.sync(&files, created)?;
        let end = prog.written + locs.len() as u64;
        let cp = PosCheckpoint::after(prog.first, end - 1, &last);
        self.positions.write_checkpoint(&cp, false)?;
        prog.written = end;
        prog.checkpointed = end;
        // The written entries may now be read through their units.
        let mut st = self.write();
        while st.first_index < end
            && st.metas.len() > HOT_ENTRIES
            && st.metas.front().is_some_and(Option::is_some)
        {
            st.metas.pop_front();
            st.first_index += 1;
        }
        Ok(())
    }
}

/// One flusher round: fdatasyncs the noted files and the files of every request in `batch` once
/// each (and the directory if a new file appeared; see [`Shared::sync_noted`]), then answers
/// the requests' callbacks in order. Returns whether the sync succeeded.
fn sync_batch(shared: &Shared, batch: Vec<FlushRequest>) -> bool {
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
    res.is_ok()
}

/// Data files written by one append batch, by start offset, to fdatasync once each.
pub(super) type DirtyFiles = Vec<(u64, Arc<File>)>;

pub(super) fn push_dirty(dirty: &mut DirtyFiles, start: u64, f: &Arc<File>) {
    if !dirty.iter().any(|(s, _)| *s == start) {
        dirty.push((start, f.clone()));
    }
}
