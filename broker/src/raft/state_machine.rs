//! The Raft state machine of a DLedger broker: applying an entry means dispatching it.
//!
//! The Raft log is the message store (see `log_store`), so the state machine keeps no copy of
//! the data. Applying a committed record entry hands (index, data position, record bytes) of
//! each of its records to the broker's [`Applier`], which builds consume-queue entries and
//! wakes long polls. The state machine itself only tracks `last_applied` and the last membership, persisted in
//! `raft-applied.json` next to `currterm` (written to `.tmp`, fsynced, renamed; the directory
//! is fsynced when the membership changes) every `PERSIST_INTERVAL`, on membership changes, when a
//! snapshot is built and at shutdown, each time after the log's data files are synced: openraft
//! may apply entries this node has not synced yet, and a `last_applied` on disk beyond the data
//! a power loss left would make openraft purge the log up to it at the next start. The periodic
//! persist runs on a blocking thread beside the next applies (its fsyncs would otherwise hold
//! up every `client_write` behind them): it records the state taken when it started, after the
//! log and [`Applier::persist`] made the entries applied up to then durable; a membership change
//! waits for it and persists on the state-machine task. A crash may lose the latest update,
//! which makes openraft re-apply the committed entries of the last interval at start: the
//! applier must be idempotent (skip records whose position it has already dispatched).
//!
//! A full disk (see [`super::space`]) does not stop the node: an [`Applier`] error caused by a
//! lack of space (an `io::Error` ENOSPC/EDQUOT/EFBIG among its sources, e.g. a consume-queue
//! write) makes the same record be applied again until space returns or the node shuts down,
//! and the snapshot files are written the same way. The periodic `raft-applied.json` update is
//! skipped instead (a stale one only means re-applying at the next start).
//!
//! Snapshots are metadata only (last applied log id + membership, as JSON): the data stays in
//! the log. A follower that falls behind a purged leader log cannot be repaired by such a
//! snapshot (it would need the purged data files); that case is out of scope for now. We
//! configure openraft never to build snapshots on its own and never to purge on its own, so it
//! only arises when the broker purges by retention while a replica is far behind.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use openraft::storage::RaftStateMachine;
use openraft::{EntryPayload, RaftSnapshotBuilder, SnapshotId, StorageIOError};
use serde::{Deserialize, Serialize};

use super::log_store::{EntryKind, LogReader, LogStoreError};
use super::space::{chain_is_no_space, DiskSpace, RetryError};
use super::types::{
    record_spans, ApplyResponse, Entry, LogId, Membership, Snapshot, SnapshotMeta, StorageError,
    StoredMembership, TypeConfig,
};
use crate::durable;
use crate::store::format::dledger as dl;

/// Error an [`Applier`] reports; it stops the Raft node (openraft treats apply errors as fatal).
pub type ApplierError = Box<dyn std::error::Error + Send + Sync>;

/// One committed RocketMQ record, handed to the broker.
#[derive(Debug, Clone, Copy)]
pub struct AppliedRecord<'a> {
    /// DLedger index of the record's entry (equal to the Raft index unless entries were
    /// batched, see `log_store`).
    pub index: u64,
    /// Term it was written in.
    pub term: u64,
    /// Data position: entry pos + 48, the record's PHYSICALOFFSET and its consume-queue offset.
    pub pos: u64,
    /// The record (spec §2.6).
    pub record: &'a [u8],
}

/// The broker side of applying: dispatch committed records to consume queues.
///
/// Called on the Raft state-machine task in index order, once per committed record (more than
/// once after a crash, see the module docs). Keep it short: long work delays the next applies
/// and every `client_write` waiting for them.
pub trait Applier: Send + Sync + 'static {
    /// Dispatches one committed record.
    ///
    /// # Errors
    /// Any error stops the Raft node.
    fn apply(&self, record: AppliedRecord<'_>) -> Result<(), ApplierError>;

    /// Makes durable what the applied records changed, before the state machine persists its
    /// `last_applied` past them: after a crash nothing older than that is applied again. Runs
    /// on a blocking thread while [`Applier::apply`] goes on: it must make durable at least
    /// what was applied before it was called, and not return before that is on disk even when
    /// another thread is syncing the same files.
    ///
    /// # Errors
    /// Any error stops the Raft node (a full disk is retried: see the module docs).
    fn persist(&self) -> Result<(), ApplierError> {
        Ok(())
    }

    /// What the applied records built beside the log (the broker's metadata), carried by
    /// snapshots: a node installing a snapshot gets it through [`Applier::install`].
    ///
    /// # Errors
    /// Any error fails the snapshot.
    fn snapshot(&self) -> Result<serde_json::Value, ApplierError> {
        Ok(serde_json::Value::Null)
    }

    /// Replaces what the applied records built with a snapshot's [`Applier::snapshot`].
    ///
    /// # Errors
    /// Any error fails the installation.
    fn install(&self, data: &serde_json::Value) -> Result<(), ApplierError> {
        let _ = data;
        Ok(())
    }
}

/// An applier that ignores records (tests, tools).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoopApplier;

impl Applier for NoopApplier {
    fn apply(&self, _record: AppliedRecord<'_>) -> Result<(), ApplierError> {
        Ok(())
    }
}

/// What the state machine persists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct AppliedState {
    last_applied: Option<LogId>,
    membership: StoredMembership,
}

/// A snapshot's data: the applied state, and what the [`Applier`] built beside the log. A
/// snapshot written before the applier had any (the bare applied state) installs nothing.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct SnapshotData {
    state: AppliedState,
    applier: serde_json::Value,
}

/// The persisted metadata snapshot.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredSnapshot {
    meta: SnapshotMeta,
    data: Vec<u8>,
}

/// openraft state machine over the DLedger log.
pub struct StateMachine {
    dir: PathBuf,
    log: LogReader,
    applier: Arc<dyn Applier>,
    state: AppliedState,
    snapshot: Option<StoredSnapshot>,
    last_persist: Option<Instant>,
    /// The periodic persist running beside the applies, if any (see [`persist`]).
    persisting: Option<tokio::task::JoinHandle<Result<(), StorageError>>>,
    /// The applied state on disk; see [`write_applied`].
    written: Written,
}

/// The last applied log id written to `raft-applied.json`, behind the lock every write of the
/// file holds: persists run beside the applies and snapshots, and the file never goes back to
/// an older state (a purge after a snapshot must not find it below the purge point).
type Written = Arc<std::sync::Mutex<Option<LogId>>>;

/// How often `last_applied` is persisted while records flow (a membership change is persisted
/// at once, and the latest state when the state machine is dropped at shutdown). After a crash
/// openraft re-applies what was applied in the last interval; the [`Applier`] skips records it
/// already dispatched.
pub const PERSIST_INTERVAL: Duration = Duration::from_millis(500);

impl Drop for StateMachine {
    fn drop(&mut self) {
        // Waits for a background persist (the lock in `write_applied`), then writes the latest.
        match persist_blocking(
            &self.log,
            &*self.applier,
            &self.dir,
            &self.written,
            &self.state,
            true,
        ) {
            Ok(()) => {}
            Err(PersistError::Log(e)) => {
                tracing::warn!(error = %e, "cannot sync the DLedger log at shutdown");
            }
            Err(PersistError::Applier(e)) => {
                tracing::warn!(error = %e, "cannot persist the applied metadata at shutdown");
            }
            Err(PersistError::State(e)) => {
                tracing::warn!(error = %e, "cannot persist the Raft applied state at shutdown");
            }
        }
    }
}

/// Why a persist failed.
enum PersistError {
    /// The log's data files could not be synced (fatal, as a failed log write).
    Log(LogStoreError),
    /// The applier could not make its changes durable.
    Applier(ApplierError),
    /// `raft-applied.json` could not be written.
    State(LogStoreError),
}

/// Whether the applier's part of a persist failed for lack of disk space (then it is tried
/// again, see the module docs).
fn persist_no_space(e: &PersistError) -> bool {
    match e {
        PersistError::Applier(e) => chain_is_no_space(&**e as &(dyn std::error::Error + 'static)),
        PersistError::Log(_) | PersistError::State(_) => false,
    }
}

impl std::fmt::Display for PersistError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PersistError::Log(e) => write!(f, "syncing the DLedger log failed: {e}"),
            PersistError::Applier(e) => write!(f, "persisting applied metadata failed: {e}"),
            PersistError::State(e) => write!(f, "writing the Raft applied state failed: {e}"),
        }
    }
}

/// Writes `state` to `raft-applied.json` unless a newer state is already there (see
/// [`Written`]); the lock is held through the write.
fn write_applied(
    written: &Written,
    dir: &Path,
    state: &AppliedState,
    sync_dir: bool,
) -> Result<(), LogStoreError> {
    let mut on_disk = written.lock().unwrap_or_else(|e| e.into_inner());
    if on_disk.is_some() && state.last_applied < *on_disk {
        return Ok(());
    }
    write_json(&dir.join(dl::APPLIED_STATE_FILE), state, sync_dir)?;
    *on_disk = state.last_applied;
    Ok(())
}

/// Makes the log's entries and what the applier changed durable, then records `state` as
/// applied: the state was taken before the persist started, so everything it counts as applied
/// is on disk first. Blocking (fsyncs).
fn persist_blocking(
    log: &LogReader,
    applier: &dyn Applier,
    dir: &Path,
    written: &Written,
    state: &AppliedState,
    sync_dir: bool,
) -> Result<(), PersistError> {
    log.sync_written().map_err(PersistError::Log)?;
    applier.persist().map_err(PersistError::Applier)?;
    write_applied(written, dir, state, sync_dir).map_err(PersistError::State)
}

/// A persist task that panicked or was cancelled: a state-machine write error (stops the node).
fn persist_task_failed(e: tokio::task::JoinError) -> StorageError {
    let e = LogStoreError::Invalid(format!("the persist task failed: {e}"));
    StorageError::from(StorageIOError::write_state_machine(&e))
}

/// [`persist_blocking`] on a blocking thread, so the applies go on meanwhile. A full disk is
/// waited out for the applier's part; a stale `raft-applied.json` only means re-applying at
/// the next start, so that write is skipped when the disk is full.
async fn persist(
    log: LogReader,
    space: DiskSpace,
    applier: Arc<dyn Applier>,
    dir: PathBuf,
    written: Written,
    state: AppliedState,
    sync_dir: bool,
) -> Result<(), StorageError> {
    let job = {
        let (log, applier, dir) = (log.clone(), applier.clone(), dir.clone());
        let (written, state) = (written.clone(), state.clone());
        tokio::task::spawn_blocking(move || {
            persist_blocking(&log, &*applier, &dir, &written, &state, sync_dir)
        })
    };
    let first = job.await.map_err(persist_task_failed)?;
    let result = match first {
        Err(e) if persist_no_space(&e) => space
            .retry("applied metadata", persist_no_space, || {
                persist_blocking(&log, &*applier, &dir, &written, &state, sync_dir)
            })
            .await
            .map_err(RetryError::into_inner),
        other => other,
    };
    match result {
        Ok(()) => Ok(()),
        Err(PersistError::State(e)) if e.is_no_space() => {
            tracing::debug!(error = %e, "Raft applied state not written: disk full");
            Ok(())
        }
        Err(PersistError::Log(e)) => Err(StorageError::from(StorageIOError::write_logs(&e))),
        Err(e) => {
            let e = LogStoreError::Invalid(e.to_string());
            Err(StorageError::from(StorageIOError::write_state_machine(&e)))
        }
    }
}

/// Builds metadata snapshots from a copy of the applied state and of the applier's metadata,
/// both taken on the state-machine task (so at the same log position).
pub struct SnapshotBuilder {
    dir: PathBuf,
    log: LogReader,
    state: AppliedState,
    applier: Result<serde_json::Value, String>,
    space: DiskSpace,
    written: Written,
}

/// Persists a snapshot: the applied state first (a purge that follows the snapshot must never
/// leave a persisted last_applied below the purge point), then the snapshot itself; each write
/// is tried again while the disk is full.
async fn write_snapshot_files(
    space: &DiskSpace,
    written: &Written,
    dir: &Path,
    state: &AppliedState,
    stored: &StoredSnapshot,
) -> Result<(), StorageError> {
    let err = |e: RetryError<LogStoreError>| {
        StorageError::from(StorageIOError::write_snapshot(None, &e.into_inner()))
    };
    space
        .retry("Raft applied state", LogStoreError::is_no_space, || {
            write_applied(written, dir, state, true)
        })
        .await
        .map_err(err)?;
    let path = dir.join(dl::SNAPSHOT_FILE);
    space
        .retry("Raft snapshot", LogStoreError::is_no_space, || {
            write_json(&path, stored, true)
        })
        .await
        .map_err(err)
}

/// [`LogReader::sync_written`] on a blocking thread: an fdatasync may take a while (and waits for
/// a flusher round in progress), and the runtime's workers also carry the Raft cores' heartbeats.
async fn sync_log(log: &LogReader) -> Result<(), StorageError> {
    let log = log.clone();
    tokio::task::spawn_blocking(move || log.sync_written())
        .await
        .unwrap_or_else(|e| Err(LogStoreError::Invalid(format!("the log sync task failed: {e}"))))
        .map_err(|e| StorageError::from(StorageIOError::write_logs(&e)))
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Option<T>, LogStoreError> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| LogStoreError::Corruption {
                path: path.to_path_buf(),
                pos: 0,
                reason: e.to_string(),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(LogStoreError::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

fn write_json<T: Serialize>(path: &Path, value: &T, sync_dir: bool) -> Result<(), LogStoreError> {
    let bytes = serde_json::to_vec(value).map_err(|e| LogStoreError::Invalid(e.to_string()))?;
    let options = durable::Options {
        sync_dir,
        ..Default::default()
    };
    durable::write_atomic_with(path, &bytes, options)?;
    Ok(())
}

impl StateMachine {
    /// Opens the state machine whose files live in `dir` (the DLedger node dir), reading records
    /// through `log`.
    ///
    /// # Errors
    /// [`LogStoreError::Io`] / [`LogStoreError::Corruption`] for unreadable state files.
    pub fn open(
        dir: impl Into<PathBuf>,
        log: LogReader,
        applier: Arc<dyn Applier>,
    ) -> Result<Self, LogStoreError> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir).map_err(|source| LogStoreError::Io {
            path: dir.clone(),
            source,
        })?;
        let state: AppliedState = read_json(&dir.join(dl::APPLIED_STATE_FILE))?.unwrap_or_default();
        let snapshot = read_json(&dir.join(dl::SNAPSHOT_FILE))?;
        let written = Arc::new(std::sync::Mutex::new(state.last_applied));
        Ok(Self {
            dir,
            log,
            applier,
            state,
            snapshot,
            last_persist: None,
            persisting: None,
            written,
        })
    }

    /// Waits for the background persist, if one runs; its error stops the node as a persist
    /// on the state-machine task would have.
    async fn finish_persist(&mut self) -> Result<(), StorageError> {
        let Some(job) = self.persisting.take() else {
            return Ok(());
        };
        job.await.map_err(persist_task_failed)?
    }

    /// The last applied log id.
    pub fn last_applied(&self) -> Option<LogId> {
        self.state.last_applied
    }

    /// Takes `membership` as the applied membership when none is known: neither this state
    /// machine nor the log (whose first entry `first_kind` is not a membership entry) holds one.
    /// That is a log written by Java DLedger, whose membership is its configured peers and never
    /// an entry; openraft refuses `initialize` on a non-empty log, and without voters no leader
    /// is elected. Returns whether it was taken.
    pub fn adopt_membership_if_unknown(
        &mut self,
        first_kind: Option<EntryKind>,
        membership: Membership,
    ) -> bool {
        let known = self.state.membership.membership().voter_ids().next().is_some();
        if known || first_kind.is_none_or(|k| k == EntryKind::Membership) {
            return false;
        }
        self.state.membership = StoredMembership::new(None, membership);
        true
    }
}

impl RaftSnapshotBuilder<TypeConfig> for SnapshotBuilder {
    async fn build_snapshot(&mut self) -> Result<Snapshot, StorageError> {
        let applier = self.applier.clone().map_err(|e| {
            let e = LogStoreError::Invalid(format!("applier snapshot failed: {e}"));
            StorageError::from(StorageIOError::write_snapshot(None, &e))
        })?;
        let data = serde_json::to_vec(&SnapshotData {
            state: self.state.clone(),
            applier,
        })
        .map_err(|e| StorageError::from(StorageIOError::write_snapshot(None, &e)))?;
        let id: SnapshotId = match self.state.last_applied {
            Some(l) => format!("{}-{}-{}", l.leader_id.term, l.leader_id.node_id, l.index),
            None => "empty".to_owned(),
        };
        let meta = SnapshotMeta {
            last_log_id: self.state.last_applied,
            last_membership: self.state.membership.clone(),
            snapshot_id: id,
        };
        let stored = StoredSnapshot {
            meta: meta.clone(),
            data: data.clone(),
        };
        // The snapshot records its entries as applied: they reach the disk first.
        sync_log(&self.log).await?;
        write_snapshot_files(&self.space, &self.written, &self.dir, &self.state, &stored).await?;
        Ok(Snapshot {
            meta,
            snapshot: Box::new(Cursor::new(data)),
        })
    }
}

impl RaftStateMachine<TypeConfig> for StateMachine {
    type SnapshotBuilder = SnapshotBuilder;

    async fn applied_state(&mut self) -> Result<(Option<LogId>, StoredMembership), StorageError> {
        Ok((self.state.last_applied, self.state.membership.clone()))
    }

    async fn apply<I>(&mut self, entries: I) -> Result<Vec<ApplyResponse>, StorageError>
    where
        I: IntoIterator<Item = Entry> + Send,
        I::IntoIter: Send,
    {
        let mut out = Vec::new();
        let mut membership_changed = false;
        for entry in entries {
            let log_id = entry.log_id;
            let loc = self.log.location(log_id.index);
            let pos = loc.map(|l| l.data_pos());
            match &entry.payload {
                EntryPayload::Normal(rec) => {
                    let spans = record_spans(&rec.0);
                    let Some(loc) =
                        loc.filter(|l| l.kind == EntryKind::Record && l.count as usize == spans.len())
                    else {
                        let e = LogStoreError::Invalid(format!("applied record {log_id} is not in the log"));
                        return Err(StorageIOError::apply(log_id, &e).into());
                    };
                    // The applier skips what it already dispatched: safe to run again.
                    let no_space =
                        |e: &ApplierError| chain_is_no_space(&**e as &(dyn std::error::Error + 'static));
                    let applier = &self.applier;
                    // Each record is a DLedger entry of its own.
                    let mut pos = loc.data_pos();
                    for (i, span) in spans.into_iter().enumerate() {
                        let record = AppliedRecord {
                            index: loc.dl_index + i as u64,
                            term: log_id.leader_id.term,
                            pos,
                            record: &rec.0[span],
                        };
                        pos = dl::next_record_pos(pos, record.record.len());
                        self.log
                            .disk_space()
                            .retry("consume-queue dispatch", no_space, || applier.apply(record))
                            .await
                            .map_err(|e| {
                                let e = LogStoreError::Invalid(format!("applier failed: {}", e.into_inner()));
                                StorageError::from(StorageIOError::apply(log_id, &e))
                            })?;
                    }
                }
                EntryPayload::Blank => {}
                EntryPayload::Membership(m) => {
                    self.state.membership = StoredMembership::new(Some(log_id), m.clone());
                    membership_changed = true;
                }
            }
            self.state.last_applied = Some(log_id);
            out.push(ApplyResponse {
                index: log_id.index,
                pos,
            });
        }
        if self.persisting.as_ref().is_some_and(|job| job.is_finished()) {
            self.finish_persist().await?;
        }
        let due = self.last_persist.is_none_or(|t| t.elapsed() >= PERSIST_INTERVAL);
        if !out.is_empty() && (membership_changed || (due && self.persisting.is_none())) {
            self.last_persist = Some(Instant::now());
            // What the records changed is made durable before `last_applied` moves past them;
            // the periodic persist does it beside the next applies, a membership change here.
            let job = persist(
                self.log.clone(),
                self.log.disk_space().clone(),
                self.applier.clone(),
                self.dir.clone(),
                self.written.clone(),
                self.state.clone(),
                membership_changed,
            );
            if membership_changed {
                self.finish_persist().await?;
                job.await?;
            } else {
                self.persisting = Some(tokio::spawn(job));
            }
        }
        Ok(out)
    }

    async fn get_snapshot_builder(&mut self) -> Self::SnapshotBuilder {
        SnapshotBuilder {
            dir: self.dir.clone(),
            log: self.log.clone(),
            state: self.state.clone(),
            applier: self.applier.snapshot().map_err(|e| e.to_string()),
            space: self.log.disk_space().clone(),
            written: self.written.clone(),
        }
    }

    async fn begin_receiving_snapshot(&mut self) -> Result<Box<Cursor<Vec<u8>>>, StorageError> {
        Ok(Box::new(Cursor::new(Vec::new())))
    }

    async fn install_snapshot(
        &mut self,
        meta: &SnapshotMeta,
        snapshot: Box<Cursor<Vec<u8>>>,
    ) -> Result<(), StorageError> {
        // Metadata only: the records up to meta.last_log_id are NOT transferred (module docs),
        // but what the applier built from them is.
        let data = snapshot.into_inner();
        let parsed: serde_json::Value = serde_json::from_slice(&data).map_err(|e| {
            let e = LogStoreError::Corruption {
                path: self.dir.join(dl::SNAPSHOT_FILE),
                pos: 0,
                reason: format!("received snapshot: {e}"),
            };
            StorageError::from(StorageIOError::read_snapshot(None, &e))
        })?;
        if let Some(applier) = parsed.get("applier").filter(|a| !a.is_null()) {
            self.applier.install(applier).map_err(|e| {
                let e = LogStoreError::Invalid(format!("installing the snapshot's metadata failed: {e}"));
                StorageError::from(StorageIOError::read_snapshot(None, &e))
            })?;
        }
        self.state = AppliedState {
            last_applied: meta.last_log_id,
            membership: meta.last_membership.clone(),
        };
        let stored = StoredSnapshot {
            meta: meta.clone(),
            data,
        };
        self.finish_persist().await?;
        write_snapshot_files(
            self.log.disk_space(),
            &self.written,
            &self.dir,
            &self.state,
            &stored,
        )
        .await?;
        self.snapshot = Some(stored);
        Ok(())
    }

    async fn get_current_snapshot(&mut self) -> Result<Option<Snapshot>, StorageError> {
        // Re-read: the builder persists snapshots it builds without access to `self`.
        let stored: Option<StoredSnapshot> = read_json(&self.dir.join(dl::SNAPSHOT_FILE))
            .map_err(|e| StorageError::from(StorageIOError::read_snapshot(None, &e)))?;
        if stored.is_some() {
            self.snapshot = stored;
        }
        Ok(self.snapshot.as_ref().map(|s| Snapshot {
            meta: s.meta.clone(),
            snapshot: Box::new(Cursor::new(s.data.clone())),
        }))
    }
}
