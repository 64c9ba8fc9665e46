//! A byte-compatible Apache RocketMQ message store: commitlog, consume queues, checkpoint, abort and
//! lock files, and the JSON config files, laid out exactly as a Java broker lays them out (spec
//! §2.6, §4.5, §5), so a store can move between Java, other implementations and this broker.
//!
//! [`MessageStore`] ties the parts together: it recovers at open, assigns queue and physical
//! offsets on put, dispatches consume-queue units synchronously, flushes (group commit for
//! SYNC_FLUSH) on a background thread, and serves pulls with Java's `getMessage` semantics.

pub mod checkpoint;
pub mod commitlog;
pub mod config_files;
pub mod consume_queue;
pub mod error;
pub mod external;
pub mod format;
pub mod mapped;
pub mod message;
pub mod probe;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::watch;

use checkpoint::{Checkpoint, StoreLock};
use commitlog::CommitLog;
use consume_queue::{ConsumeQueueSet, DispatchRequest};
pub use error::{Result, StoreError};
use message::{DecodedMessage, MessageToStore};

/// When a put counts as durable: Java's `flushDiskType` property, with the values
/// [`FlushDiskType::as_str`] spells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FlushDiskType {
    /// `ASYNC_FLUSH`: return after the write; a background thread fsyncs every flush interval.
    #[default]
    AsyncFlush,
    /// `SYNC_FLUSH`: return after an fsync covering the message (group commit).
    SyncFlush,
}

impl FlushDiskType {
    /// The Java property value (`ASYNC_FLUSH` / `SYNC_FLUSH`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AsyncFlush => "ASYNC_FLUSH",
            Self::SyncFlush => "SYNC_FLUSH",
        }
    }
}

impl std::str::FromStr for FlushDiskType {
    type Err = StoreError;

    /// Parses the `flushDiskType` property value.
    fn from_str(s: &str) -> Result<Self> {
        match s.trim() {
            "ASYNC_FLUSH" => Ok(Self::AsyncFlush),
            "SYNC_FLUSH" => Ok(Self::SyncFlush),
            other => Err(StoreError::Config(format!(
                "flushDiskType must be ASYNC_FLUSH or SYNC_FLUSH, not `{other}`"
            ))),
        }
    }
}

/// Store settings (the `MessageStoreConfig` subset this store uses).
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// `storePathRootDir`. Default: `~/store` (the caller resolves it).
    pub root_dir: PathBuf,
    /// `storePathCommitLog`. Default: `<root_dir>/commitlog`.
    pub commitlog_dir: Option<PathBuf>,
    /// `mappedFileSizeCommitLog`. Default: 1 GiB.
    pub commitlog_file_size: u64,
    /// `mappedFileSizeConsumeQueue`, rounded up to a multiple of 20. Default: 6 000 000.
    pub cq_file_size: u64,
    /// `flushDiskType`. Default: ASYNC_FLUSH.
    pub flush_disk_type: FlushDiskType,
    /// `syncFlushTimeout`. Default: 5 s.
    pub sync_flush_timeout: Duration,
    /// `flushIntervalCommitLog`. Default: 500 ms.
    pub flush_interval: Duration,
    /// `maxMessageSize` (body bytes). Default: 4 MiB.
    pub max_message_size: usize,
    /// `fileReservedTime` in hours. Default: 72.
    pub file_reserved_time_hours: u64,
    /// `deleteWhen`: local hours (`"04"`, or `"04;05"`) when expired files are deleted. Default: "04".
    pub delete_when: String,
    /// `diskMaxUsedSpaceRatio` in percent; above it files are deleted at any hour. Default: 75.
    pub disk_max_used_space_ratio: u32,
    /// `brokerIP1:listenPort`, written as STOREHOST and used in message ids.
    pub store_host: SocketAddr,
    /// Largest total size of one pull result. Default: 256 KiB (`maxTransferBytesOnMessageInMemory`).
    pub max_transfer_bytes: usize,
    /// DLedger mode (`enableDLegerCommitLog`): new records live in the replicated log attached
    /// with [`MessageStore::attach_external_log`]. Default: false.
    pub dledger: bool,
}

impl StoreConfig {
    /// Defaults for a store rooted at `root_dir`.
    pub fn new(root_dir: impl Into<PathBuf>, store_host: SocketAddr) -> Self {
        Self {
            root_dir: root_dir.into(),
            commitlog_dir: None,
            commitlog_file_size: format::DEFAULT_COMMITLOG_FILE_SIZE,
            cq_file_size: format::DEFAULT_CQ_FILE_SIZE,
            flush_disk_type: FlushDiskType::AsyncFlush,
            sync_flush_timeout: Duration::from_millis(5000),
            flush_interval: Duration::from_millis(500),
            max_message_size: 4 * 1024 * 1024,
            file_reserved_time_hours: 72,
            delete_when: "04".into(),
            disk_max_used_space_ratio: 75,
            store_host,
            max_transfer_bytes: 256 * 1024,
            dledger: false,
        }
    }

    /// The commitlog directory.
    pub fn commitlog_path(&self) -> PathBuf {
        self.commitlog_dir
            .clone()
            .unwrap_or_else(|| self.root_dir.join(format::COMMITLOG_DIR))
    }

    fn validate(&mut self) -> Result<()> {
        let unit = format::CQ_UNIT_SIZE as u64;
        self.cq_file_size = self.cq_file_size.div_ceil(unit) * unit;
        if self.cq_file_size == 0 {
            return Err(StoreError::Config(
                "mappedFileSizeConsumeQueue must be positive".into(),
            ));
        }
        if self.commitlog_file_size < 1024 || self.commitlog_file_size > i32::MAX as u64 {
            return Err(StoreError::Config(format!(
                "mappedFileSizeCommitLog {} must be between 1024 and {}",
                self.commitlog_file_size,
                i32::MAX
            )));
        }
        Ok(())
    }
}

/// Outcome of a put that reached the commitlog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutStatus {
    /// Stored (and flushed, for SYNC_FLUSH).
    PutOk,
    /// Stored, but SYNC_FLUSH did not confirm the fsync within `sync_flush_timeout`
    /// (response `FLUSH_DISK_TIMEOUT`, 10).
    FlushDiskTimeout,
}

/// What a put wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutResult {
    /// Durability outcome.
    pub status: PutStatus,
    /// Commitlog offset of the first record.
    pub phys_offset: u64,
    /// Queue offset of each record (0 for transaction prepared/rollback records).
    pub queue_offsets: Vec<i64>,
    /// Offset message id of each record.
    pub msg_ids: Vec<String>,
    /// Bytes of records written (not counting a blank).
    pub wrote_bytes: usize,
    /// Commitlog offset just past the last record.
    pub end_offset: u64,
    /// Store timestamp given to the records.
    pub store_timestamp: i64,
}

impl PutResult {
    /// Queue offset of the first record.
    pub fn queue_offset(&self) -> i64 {
        self.queue_offsets.first().copied().unwrap_or(0)
    }
    /// Comma-joined message ids, as SEND_BATCH_MESSAGE answers.
    pub fn msg_id(&self) -> String {
        self.msg_ids.join(",")
    }
}

/// `GetMessageStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GetMessageStatus {
    /// Messages returned.
    Found,
    /// Entries exist but none matched the filter.
    NoMatchedMessage,
    /// The commitlog no longer holds a referenced record.
    MessageWasRemoving,
    /// The consume-queue file for the offset is gone.
    OffsetFoundNull,
    /// Offset is more than one past the max.
    OffsetOverflowBadly,
    /// Offset equals the max (nothing new yet).
    OffsetOverflowOne,
    /// Offset is below the min.
    OffsetTooSmall,
    /// The queue does not exist.
    NoMatchedLogicQueue,
    /// The queue exists but is empty.
    NoMessageInQueue,
}

/// Result of [`MessageStore::get_messages`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetMessageResult {
    /// What happened.
    pub status: GetMessageStatus,
    /// Offset the consumer should pull from next.
    pub next_begin_offset: i64,
    /// Queue min offset.
    pub min_offset: i64,
    /// Queue max offset.
    pub max_offset: i64,
    /// Concatenated raw records (the PULL body).
    pub messages: Vec<u8>,
    /// Commitlog offset of each record in `messages`.
    pub message_phys_offsets: Vec<u64>,
}

impl GetMessageResult {
    /// Number of records returned.
    pub fn count(&self) -> usize {
        self.message_phys_offsets.len()
    }
}

/// Counters for runtime info.
#[derive(Debug, Default)]
pub struct StoreStats {
    /// Records stored.
    pub put_count: AtomicU64,
    /// Record bytes stored.
    pub put_bytes: AtomicU64,
    /// Puts rejected or failed.
    pub put_failures: AtomicU64,
    /// Gets that returned messages.
    pub get_found: AtomicU64,
    /// Gets that returned none.
    pub get_miss: AtomicU64,
    /// Records returned by gets.
    pub get_messages: AtomicU64,
}

/// Mutable state behind the store's lock.
#[derive(Debug)]
struct State {
    commitlog: CommitLog,
    cqs: ConsumeQueueSet,
    /// topic → queue id → next queue offset.
    queue_offsets: HashMap<String, HashMap<i32, i64>>,
    /// Commitlog offset up to which records are dispatched.
    reput_offset: u64,
    last_store_timestamp: i64,
    last_dispatch_timestamp: i64,
    /// DLedger mode: the replicated log holding offsets at and above `dividedCommitlogOffset`.
    external: Option<external::Attached>,
}

#[derive(Debug, Default)]
struct FlushCtl {
    requested: u64,
    stop: bool,
}

#[derive(Debug)]
struct Shared {
    cfg: StoreConfig,
    state: RwLock<State>,
    flush_ctl: Mutex<FlushCtl>,
    flush_cv: Condvar,
    flushed: watch::Sender<u64>,
    arrivals: watch::Sender<u64>,
    stats: StoreStats,
    lock: Mutex<Option<StoreLock>>,
    shut_down: AtomicBool,
    checkpoint: Mutex<Checkpoint>,
}

/// The message store. `Send + Sync`; share it with `Arc`.
#[derive(Debug)]
pub struct MessageStore {
    shared: Arc<Shared>,
    flusher: Mutex<Option<std::thread::JoinHandle<()>>>,
}

fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn is_prepared_or_rollback(sys_flag: i32) -> bool {
    let t = sys_flag & format::sys_flag::TRANSACTION_MASK;
    t == format::sys_flag::TRANSACTION_PREPARED || t == format::sys_flag::TRANSACTION_ROLLBACK
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }
    fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|e| e.into_inner())
    }

    /// fsyncs commitlog data up to the current max and publishes the flushed offset.
    fn flush_commitlog(&self) -> Result<u64> {
        let flushed = *self.flushed.borrow();
        let (max, files, ts) = {
            let st = self.read();
            let max = st.commitlog.max_offset();
            (
                max,
                st.commitlog.files_in_range(flushed, max),
                st.last_store_timestamp,
            )
        };
        if max > flushed {
            for f in &files {
                f.file.sync_data().map_err(error::io_err("fsync", &f.path))?;
            }
            lock(&self.checkpoint).physic_msg_timestamp = ts;
            self.flushed.send_replace(max);
        }
        Ok(max)
    }

    fn flusher_loop(&self) {
        let sync = self.cfg.flush_disk_type == FlushDiskType::SyncFlush;
        let mut last_clean = std::time::Instant::now();
        loop {
            let stop = {
                let mut ctl = lock(&self.flush_ctl);
                loop {
                    if ctl.stop || (sync && ctl.requested > *self.flushed.borrow()) {
                        break;
                    }
                    let (g, timeout) = self
                        .flush_cv
                        .wait_timeout(ctl, self.cfg.flush_interval)
                        .unwrap_or_else(|e| e.into_inner());
                    ctl = g;
                    if timeout.timed_out() {
                        break;
                    }
                }
                ctl.stop
            };
            if stop {
                return;
            }
            if let Err(e) = self.flush_commitlog() {
                tracing::error!(error = %e, "commitlog flush failed");
            }
            if last_clean.elapsed() >= Duration::from_secs(10) {
                last_clean = std::time::Instant::now();
                if let Err(e) = self.clean_expired(SystemTime::now()) {
                    tracing::error!(error = %e, "deleting expired store files failed");
                }
            }
        }
    }

    fn clean_expired(&self, now: SystemTime) -> Result<usize> {
        let Some(force) = self.cfg.deletion_due(&self.cfg.commitlog_path(), now) else {
            return Ok(0);
        };
        let reserved = self.cfg.reserved();
        let mut st = self.write();
        let deleted = st.commitlog.delete_expired(now, reserved, force, 10)?;
        if !deleted.is_empty() {
            let min = st.commitlog.min_offset();
            st.cqs.delete_expired(min)?;
        }
        Ok(deleted.len())
    }
}

impl StoreConfig {
    /// Whether old files may be deleted now: `Some(force)` inside a `deleteWhen` hour or when
    /// the disk holding `dir` is fuller than `diskMaxUsedSpaceRatio` (`force`: delete the oldest
    /// files whatever their age), `None` otherwise.
    pub fn deletion_due(&self, dir: &Path, now: SystemTime) -> Option<bool> {
        let usage = disk_usage_ratio(dir).unwrap_or(0.0);
        let force = usage * 100.0 > f64::from(self.disk_max_used_space_ratio);
        let hour = local_hour(now);
        let in_window = self
            .delete_when
            .split(';')
            .filter_map(|h| h.trim().parse::<u32>().ok())
            .any(|h| h == hour);
        (force || in_window).then_some(force)
    }

    /// How long files are kept (`fileReservedTime`).
    pub fn reserved(&self) -> Duration {
        Duration::from_secs(self.file_reserved_time_hours * 3600)
    }
}

/// Local wall-clock hour (0–23) of a time, as `deleteWhen` is interpreted.
pub fn local_hour(t: SystemTime) -> u32 {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) as libc::time_t;
    // SAFETY: localtime_r writes only into the zeroed `tm` we pass; both pointers are valid.
    unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&secs, &mut tm).is_null() {
            return ((secs / 3600) % 24) as u32;
        }
        tm.tm_hour as u32
    }
}

/// Fraction (0.0–1.0) of the filesystem holding `dir` that is used.
pub fn disk_usage_ratio(dir: &Path) -> Option<f64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    // SAFETY: statvfs fills the zeroed struct; `c` is a valid NUL-terminated path.
    let st = unsafe {
        let mut st: libc::statvfs = std::mem::zeroed();
        if libc::statvfs(c.as_ptr(), &mut st) != 0 {
            return None;
        }
        st
    };
    let total = st.f_blocks as f64;
    if total <= 0.0 {
        return None;
    }
    Some((total - st.f_bfree as f64) / total)
}

/// How many consume-queue units one pull examines. Java's `getMessage` bounds its loop by
/// `max(16000, maxMsgNums * 20)` in *bytes* of consume queue (its index steps by the 20-byte unit),
/// so a pull whose filter matches nothing advances `nextBeginOffset` by 800 units, not 16000.
fn max_filter_units(max_nums: usize) -> usize {
    16000.max(max_nums * format::CQ_UNIT_SIZE) / format::CQ_UNIT_SIZE
}

/// Dispatches one decoded commitlog record to its consume queue (skipping transaction
/// prepared/rollback records) and advances that queue's offset counter. Returns the record's store
/// timestamp when it was dispatched.
fn dispatch_record(
    cqs: &mut ConsumeQueueSet,
    queue_offsets: &mut HashMap<String, HashMap<i32, i64>>,
    msg: &DecodedMessage,
) -> Result<Option<i64>> {
    if is_prepared_or_rollback(msg.sys_flag) {
        return Ok(None);
    }
    cqs.dispatch(&DispatchRequest {
        topic: msg.topic.clone(),
        queue_id: msg.queue_id,
        queue_offset: msg.queue_offset,
        phys_offset: msg.physical_offset,
        size: msg.store_size,
        tags_code: message::tags_code(msg.tags()),
        store_timestamp: msg.store_timestamp,
    })?;
    let next = queue_offsets
        .entry(msg.topic.clone())
        .or_default()
        .entry(msg.queue_id)
        .or_insert(0);
    *next = (*next).max(msg.queue_offset + 1);
    Ok(Some(msg.store_timestamp))
}

/// Dispatches records in `[st.reput_offset, commitlog max)` one by one (never holding more than one
/// record in memory) and advances the reput offset. Returns the number of records seen.
fn reput(st: &mut State) -> Result<usize> {
    let State {
        commitlog,
        cqs,
        queue_offsets,
        reput_offset,
        last_store_timestamp,
        last_dispatch_timestamp,
        ..
    } = st;
    let mut seen = 0;
    let end = commitlog.scan(*reput_offset, commitlog.max_offset(), true, |_, m| {
        seen += 1;
        if let Some(ts) = dispatch_record(cqs, queue_offsets, m)? {
            *last_dispatch_timestamp = ts;
            *last_store_timestamp = (*last_store_timestamp).max(ts);
        }
        Ok(())
    })?;
    *reput_offset = end;
    Ok(seen)
}

impl MessageStore {
    /// Opens (creating if needed) the store: takes the lock, recovers the commitlog (cutting a torn
    /// tail), drops consume-queue units past it, rebuilds missing units from the commitlog,
    /// creates `abort` and starts the flusher thread.
    ///
    /// # Errors
    /// [`StoreError::Locked`] if the store is in use, [`StoreError::Config`], [`StoreError::Io`],
    /// [`StoreError::Corruption`] for unusable files.
    pub fn open(mut cfg: StoreConfig) -> Result<Self> {
        cfg.validate()?;
        let root = cfg.root_dir.clone();
        std::fs::create_dir_all(&root).map_err(error::io_err("create directory", &root))?;
        let store_lock = StoreLock::acquire(&root)?;
        let abnormal = checkpoint::abort_path(&root).exists();
        if abnormal {
            tracing::warn!(root = %root.display(), "abort file found: previous run did not shut down cleanly");
        }
        let mut commitlog = CommitLog::open(&cfg.commitlog_path(), cfg.commitlog_file_size)?;
        let max = commitlog.recover(abnormal)?;
        let mut cqs = ConsumeQueueSet::open(&root.join(format::CONSUMEQUEUE_DIR), cfg.cq_file_size)?;
        // In DLedger mode the queues also point into the replicated log above the classic files;
        // those units are checked against that log, not against the classic commitlog.
        let removed = if cfg.dledger { 0 } else { cqs.truncate_dirty(max)? };
        if removed > 0 {
            tracing::warn!(removed, "removed consume-queue units beyond the commitlog end");
        }
        let min = commitlog.min_offset();
        // Queues may still point below the oldest commitlog file (deleted while we were down).
        cqs.delete_expired(min)?;
        let reput_from = if abnormal {
            min
        } else {
            cqs.max_phys_end().clamp(min, max)
        };
        let mut queue_offsets: HashMap<String, HashMap<i32, i64>> = HashMap::new();
        for (t, q, off) in cqs.max_offsets() {
            queue_offsets.entry(t).or_default().insert(q, off);
        }
        let cp = Checkpoint::load(&root.join(format::CHECKPOINT_FILE))?;
        let mut state = State {
            commitlog,
            cqs,
            queue_offsets,
            reput_offset: reput_from,
            last_store_timestamp: cp.physic_msg_timestamp,
            last_dispatch_timestamp: cp.logics_msg_timestamp,
            external: None,
        };
        let rebuilt = reput(&mut state)?;
        if rebuilt > 0 {
            tracing::info!(
                from = reput_from,
                records = rebuilt,
                "dispatched commitlog records to consume queues at recovery"
            );
        }
        checkpoint::create_abort(&root)?;
        let max = state.commitlog.max_offset();
        let shared = Arc::new(Shared {
            cfg,
            state: RwLock::new(state),
            flush_ctl: Mutex::new(FlushCtl::default()),
            flush_cv: Condvar::new(),
            flushed: watch::Sender::new(max),
            arrivals: watch::Sender::new(max),
            stats: StoreStats::default(),
            lock: Mutex::new(Some(store_lock)),
            shut_down: AtomicBool::new(false),
            checkpoint: Mutex::new(cp),
        });
        let s2 = Arc::clone(&shared);
        let flusher = std::thread::Builder::new()
            .name("store-flusher".into())
            .spawn(move || s2.flusher_loop())
            .map_err(error::io_err("spawn flusher thread", &root))?;
        Ok(Self {
            shared,
            flusher: Mutex::new(Some(flusher)),
        })
    }

    /// The configuration in use.
    pub fn config(&self) -> &StoreConfig {
        &self.shared.cfg
    }

    /// Counters for runtime info.
    pub fn stats(&self) -> &StoreStats {
        &self.shared.stats
    }

    /// A receiver that changes whenever messages become readable (its value is the commitlog max
    /// offset); long-polling pulls wait on it.
    pub fn subscribe_arrivals(&self) -> watch::Receiver<u64> {
        self.shared.arrivals.subscribe()
    }

    /// Commitlog offset known to be on disk.
    pub fn flushed_offset(&self) -> u64 {
        *self.shared.flushed.borrow()
    }

    /// Stores one message; with SYNC_FLUSH waits for the group-commit fsync.
    ///
    /// # Errors
    /// See [`MessageStore::put_messages_nowait`].
    pub async fn put_message(&self, msg: MessageToStore) -> Result<PutResult> {
        self.put_messages(vec![msg]).await
    }

    /// Stores a batch as consecutive records in one commitlog write; with SYNC_FLUSH waits for the
    /// fsync (status [`PutStatus::FlushDiskTimeout`] if it takes longer than `sync_flush_timeout`).
    ///
    /// # Errors
    /// See [`MessageStore::put_messages_nowait`].
    pub async fn put_messages(&self, msgs: Vec<MessageToStore>) -> Result<PutResult> {
        let mut r = self.put_messages_nowait(msgs)?;
        if self.shared.cfg.flush_disk_type == FlushDiskType::SyncFlush {
            let end = r.end_offset;
            {
                let mut ctl = lock(&self.shared.flush_ctl);
                ctl.requested = ctl.requested.max(end);
            }
            self.shared.flush_cv.notify_one();
            let mut rx = self.shared.flushed.subscribe();
            let waited =
                tokio::time::timeout(self.shared.cfg.sync_flush_timeout, rx.wait_for(|&f| f >= end)).await;
            if !matches!(waited, Ok(Ok(_))) {
                r.status = PutStatus::FlushDiskTimeout;
            }
        }
        Ok(r)
    }

    /// Writes and dispatches a batch without waiting for any flush (ASYNC_FLUSH semantics, usable
    /// from synchronous code).
    ///
    /// # Errors
    /// [`StoreError::MessageIllegal`] / [`StoreError::PropertiesSizeExceeded`] for invalid
    /// messages or an empty batch, [`StoreError::ShutDown`], [`StoreError::Io`].
    pub fn put_messages_nowait(&self, msgs: Vec<MessageToStore>) -> Result<PutResult> {
        let r = self.append(&msgs);
        let stats = &self.shared.stats;
        match &r {
            Ok(p) => {
                stats.put_count.fetch_add(msgs.len() as u64, Ordering::Relaxed);
                stats.put_bytes.fetch_add(p.wrote_bytes as u64, Ordering::Relaxed);
                self.shared.arrivals.send_replace(p.end_offset);
            }
            Err(_) => {
                stats.put_failures.fetch_add(1, Ordering::Relaxed);
            }
        }
        r
    }

    fn append(&self, msgs: &[MessageToStore]) -> Result<PutResult> {
        if self.shared.shut_down.load(Ordering::Acquire) {
            return Err(StoreError::ShutDown);
        }
        if msgs.is_empty() {
            return Err(StoreError::MessageIllegal("empty batch".into()));
        }
        for m in msgs {
            m.validate(self.shared.cfg.max_message_size)?;
        }
        let store_host = self.shared.cfg.store_host;
        let store_timestamp = now_millis();
        let mut st = self.shared.write();
        let st = &mut *st;
        // Records a failed dispatch (a full disk) left undispatched go to their queues first; no
        // new record is written while that still fails.
        if st.reput_offset < st.commitlog.max_offset() {
            reput(st)?;
        }
        // Assign queue offsets against a local copy so a failed write changes nothing.
        let mut next: HashMap<(&str, i32), i64> = HashMap::new();
        let mut queue_offsets = Vec::with_capacity(msgs.len());
        for m in msgs {
            if is_prepared_or_rollback(m.sys_flag) {
                queue_offsets.push(0);
                continue;
            }
            let n = next.entry((m.topic.as_str(), m.queue_id)).or_insert_with(|| {
                st.queue_offsets
                    .get(&m.topic)
                    .and_then(|q| q.get(&m.queue_id))
                    .copied()
                    .unwrap_or(0)
            });
            queue_offsets.push(*n);
            *n += 1;
        }
        let mut buf = Vec::with_capacity(msgs.iter().map(MessageToStore::record_len).sum());
        let mut lens = Vec::with_capacity(msgs.len());
        for (m, &qo) in msgs.iter().zip(&queue_offsets) {
            let before = buf.len();
            m.encode_into(&mut buf, qo, 0, store_timestamp);
            lens.push(buf.len() - before);
        }
        let base = st.commitlog.append(&mut buf, &lens)?;
        // The records are in the commitlog now: their queue offsets are taken even if a consume
        // queue write fails below (a later put must not reuse them).
        for (m, &qo) in msgs.iter().zip(&queue_offsets) {
            if !is_prepared_or_rollback(m.sys_flag) {
                st.queue_offsets
                    .entry(m.topic.clone())
                    .or_default()
                    .insert(m.queue_id, qo + 1);
            }
        }
        let mut msg_ids = Vec::with_capacity(msgs.len());
        let mut phys = base;
        for ((m, &qo), &len) in msgs.iter().zip(&queue_offsets).zip(&lens) {
            msg_ids.push(message::offset_msg_id(&store_host, phys));
            if !is_prepared_or_rollback(m.sys_flag) {
                let dispatched = st.cqs.dispatch(&DispatchRequest {
                    topic: m.topic.clone(),
                    queue_id: m.queue_id,
                    queue_offset: qo,
                    phys_offset: phys as i64,
                    size: len as i32,
                    tags_code: m.tags_code,
                    store_timestamp,
                });
                if let Err(e) = dispatched {
                    // Not acknowledged; the record stays in the commitlog and is dispatched by the
                    // next put (or at recovery) once the consume queue can be written again.
                    st.reput_offset = phys;
                    return Err(e);
                }
            }
            phys += len as u64;
        }
        st.reput_offset = st.commitlog.max_offset();
        st.last_store_timestamp = store_timestamp;
        st.last_dispatch_timestamp = store_timestamp;
        Ok(PutResult {
            status: PutStatus::PutOk,
            phys_offset: base,
            queue_offsets,
            msg_ids,
            wrote_bytes: buf.len(),
            end_offset: phys,
            store_timestamp,
        })
    }

    /// Reads up to `max_nums` messages of a queue from logical `offset`, keeping those whose
    /// tagsCode passes `filter`, with the statuses and next offsets of Java's
    /// `DefaultMessageStore.getMessage` on a master (spec §2.7).
    ///
    /// # Errors
    /// [`StoreError::Io`].
    pub fn get_messages(
        &self,
        topic: &str,
        queue_id: i32,
        offset: i64,
        max_nums: usize,
        max_total_bytes: usize,
        filter: impl Fn(i64) -> bool,
    ) -> Result<GetMessageResult> {
        let st = self.shared.read();
        let mut r = GetMessageResult {
            status: GetMessageStatus::NoMessageInQueue,
            next_begin_offset: offset,
            min_offset: 0,
            max_offset: 0,
            messages: Vec::new(),
            message_phys_offsets: Vec::new(),
        };
        let max_bytes = if max_total_bytes == 0 {
            self.shared.cfg.max_transfer_bytes
        } else {
            max_total_bytes
        };
        match st.cqs.find(topic, queue_id) {
            None => {
                r.status = GetMessageStatus::NoMatchedLogicQueue;
                r.next_begin_offset = 0;
            }
            Some(cq) => {
                let (min, max) = (cq.min_offset(), cq.max_offset());
                r.min_offset = min;
                r.max_offset = max;
                if max == 0 {
                    r.status = GetMessageStatus::NoMessageInQueue;
                    r.next_begin_offset = 0;
                } else if offset < min {
                    r.status = GetMessageStatus::OffsetTooSmall;
                    r.next_begin_offset = min;
                } else if offset == max {
                    r.status = GetMessageStatus::OffsetOverflowOne;
                    r.next_begin_offset = offset;
                } else if offset > max {
                    r.status = GetMessageStatus::OffsetOverflowBadly;
                    r.next_begin_offset = max;
                } else if let Some(units) = cq.units_from(offset, max_filter_units(max_nums))? {
                    r.status = GetMessageStatus::NoMatchedMessage;
                    let max_filter = max_filter_units(max_nums);
                    let mut next_phy_file_start: Option<u64> = None;
                    let mut i = 0;
                    while i < units.len() && i < max_filter {
                        let u = units[i];
                        i += 1;
                        if u.is_blank() || u.size <= 0 {
                            continue;
                        }
                        let phys = u.phys_offset as u64;
                        if next_phy_file_start.is_some_and(|n| phys < n) {
                            continue;
                        }
                        let total = r.messages.len();
                        if total > 0 && (r.count() >= max_nums || total + u.size as usize > max_bytes) {
                            i -= 1;
                            break;
                        }
                        if !filter(u.tags_code) {
                            continue;
                        }
                        match st.read_record_bytes(phys, u.size as usize)? {
                            None => {
                                if r.messages.is_empty() {
                                    r.status = GetMessageStatus::MessageWasRemoving;
                                }
                                next_phy_file_start = Some(st.commitlog.roll_next_file(phys));
                            }
                            Some(bytes) => {
                                r.messages.extend_from_slice(&bytes);
                                r.message_phys_offsets.push(phys);
                                r.status = GetMessageStatus::Found;
                                next_phy_file_start = None;
                            }
                        }
                    }
                    r.next_begin_offset = offset + i as i64;
                } else {
                    r.status = GetMessageStatus::OffsetFoundNull;
                    r.next_begin_offset = cq.roll_next_file(offset);
                }
            }
        }
        let stats = &self.shared.stats;
        if r.status == GetMessageStatus::Found {
            stats.get_found.fetch_add(1, Ordering::Relaxed);
            stats.get_messages.fetch_add(r.count() as u64, Ordering::Relaxed);
        } else {
            stats.get_miss.fetch_add(1, Ordering::Relaxed);
        }
        Ok(r)
    }

    /// One past the last logical offset of a queue (0 if it does not exist).
    pub fn max_offset_in_queue(&self, topic: &str, queue_id: i32) -> i64 {
        self.shared
            .read()
            .cqs
            .find(topic, queue_id)
            .map_or(0, |q| q.max_offset())
    }

    /// First readable logical offset of a queue (-1 if it does not exist, as Java answers).
    pub fn min_offset_in_queue(&self, topic: &str, queue_id: i32) -> i64 {
        self.shared
            .read()
            .cqs
            .find(topic, queue_id)
            .map_or(-1, |q| q.min_offset())
    }

    /// Offset of the oldest commitlog byte.
    pub fn commitlog_min_offset(&self) -> u64 {
        let st = self.shared.read();
        match &st.external {
            Some(ext) if st.commitlog.files().is_empty() => ext.log.min_offset(),
            _ => st.commitlog.min_offset(),
        }
    }

    /// Offset one past the last commitlog byte.
    pub fn commitlog_max_offset(&self) -> u64 {
        let st = self.shared.read();
        match &st.external {
            Some(ext) => ext.log.max_offset().max(ext.divided),
            None => st.commitlog.max_offset(),
        }
    }

    /// The raw record at a commitlog offset (for VIEW_MESSAGE_BY_ID).
    ///
    /// # Errors
    /// [`StoreError::Io`].
    pub fn lookup_message_by_offset(&self, phys_offset: u64) -> Result<Option<Vec<u8>>> {
        let st = self.shared.read();
        match &st.external {
            Some(ext) if phys_offset >= ext.divided => Ok(ext.log.read_record(phys_offset)),
            _ => st.commitlog.read_record(phys_offset),
        }
    }

    /// Store time of the oldest message, or -1 when the store is empty.
    pub fn earliest_message_time(&self) -> i64 {
        let st = self.shared.read();
        if let Some(ext) = &st.external {
            if st.commitlog.files().is_empty() {
                let min = ext.log.min_offset();
                return ext
                    .log
                    .read_record(min)
                    .and_then(|r| message::decode_record(&r).ok())
                    .map_or(-1, |m| m.store_timestamp);
            }
        }
        let mut found = -1;
        let min = st.commitlog.min_offset();
        let max = st.commitlog.max_offset();
        let _ = st.commitlog.scan(min, max, false, |_, m| {
            found = m.store_timestamp;
            // Stop at the first record: an error ends the scan, and is ignored here.
            Err(StoreError::ShutDown)
        });
        found
    }

    /// Logical offset of the first message of a queue stored at or after `timestamp`; the max offset
    /// if all are older, the min offset if the queue is empty or all are newer.
    ///
    /// # Errors
    /// [`StoreError::Io`].
    pub fn offset_by_timestamp(&self, topic: &str, queue_id: i32, timestamp: i64) -> Result<i64> {
        let st = self.shared.read();
        let Some(cq) = st.cqs.find(topic, queue_id) else {
            return Ok(0);
        };
        let (mut lo, mut hi) = (cq.min_offset(), cq.max_offset());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let ts = match cq.unit(mid)? {
                Some(u) if !u.is_blank() => st
                    .commitlog
                    .read(u.phys_offset as u64, u.size as usize)?
                    .and_then(|b| message::decode_record(&b).ok())
                    .map_or(i64::MIN, |m| m.store_timestamp),
                _ => i64::MIN,
            };
            if ts < timestamp {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        Ok(lo)
    }

    /// Topics that have consume queues.
    pub fn topics(&self) -> Vec<String> {
        self.shared.read().cqs.topics()
    }

    /// Queue ids of a topic.
    pub fn queue_ids(&self, topic: &str) -> Vec<i32> {
        self.shared.read().cqs.queue_ids(topic)
    }

    /// Commitlog bytes not yet dispatched to consume queues.
    pub fn dispatch_behind_bytes(&self) -> u64 {
        let st = self.shared.read();
        st.commitlog.max_offset().saturating_sub(st.reput_offset)
    }

    /// Start offset of the newest commitlog file (where an HA master starts streaming to a slave
    /// that reports offset 0); 0 for an empty log.
    pub fn commitlog_last_file_start(&self) -> u64 {
        self.shared.read().commitlog.files().last().map_or(0, |f| f.start)
    }

    /// Raw commitlog bytes from `from_offset` (HA master side), at most `max_bytes` and never past
    /// the end of the file holding `from_offset`.
    ///
    /// # Errors
    /// [`StoreError::Io`].
    pub fn read_commitlog_raw(&self, from_offset: u64, max_bytes: usize) -> Result<Vec<u8>> {
        self.shared.read().commitlog.read_raw(from_offset, max_bytes)
    }

    /// Appends raw bytes from an HA master at `offset` (which must be our max offset, or anything
    /// for an empty log), then dispatches every complete record now present.
    ///
    /// # Errors
    /// [`StoreError::OffsetMismatch`], [`StoreError::ShutDown`], [`StoreError::Io`].
    pub fn append_replicated(&self, offset: u64, bytes: &[u8]) -> Result<()> {
        if self.shared.shut_down.load(Ordering::Acquire) {
            return Err(StoreError::ShutDown);
        }
        let max = {
            let mut st = self.shared.write();
            let was_empty = st.commitlog.files().is_empty();
            st.commitlog.append_raw(offset, bytes)?;
            if was_empty {
                st.reput_offset = offset;
            }
            reput(&mut st)?;
            st.commitlog.max_offset()
        };
        self.shared.arrivals.send_replace(max);
        Ok(())
    }

    /// Deletes expired commitlog files (older than `fileReservedTime`, during a `deleteWhen` hour, or
    /// the oldest ones at any time when the disk is fuller than `diskMaxUsedSpaceRatio`) and the
    /// consume-queue files that only point below the new min offset. The flusher thread calls this
    /// every 10 s. Returns the number of commitlog files deleted.
    ///
    /// # Errors
    /// [`StoreError::Io`].
    pub fn clean_expired_files(&self, now: SystemTime) -> Result<usize> {
        self.shared.clean_expired(now)
    }

    /// Deletes consume-queue files whose entries all point below `min_phys` (after the DLedger
    /// log dropped its oldest files). Returns how many were deleted.
    ///
    /// # Errors
    /// [`StoreError::Io`].
    pub fn drop_queues_below(&self, min_phys: u64) -> Result<usize> {
        self.shared.write().cqs.delete_expired(min_phys)
    }

    /// Flushes everything, writes the checkpoint, removes `abort` and releases the lock. Idempotent.
    ///
    /// # Errors
    /// [`StoreError::Io`].
    pub fn shutdown(&self) -> Result<()> {
        if self.shared.shut_down.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        lock(&self.shared.flush_ctl).stop = true;
        self.shared.flush_cv.notify_all();
        if let Some(h) = lock(&self.flusher).take() {
            let _ = h.join();
        }
        self.shared.flush_commitlog()?;
        let cp = {
            let st = self.shared.write();
            st.cqs.flush()?;
            let mut cp = lock(&self.shared.checkpoint);
            cp.physic_msg_timestamp = st.last_store_timestamp;
            cp.logics_msg_timestamp = st.last_dispatch_timestamp;
            *cp
        };
        let root = &self.shared.cfg.root_dir;
        cp.persist(&root.join(format::CHECKPOINT_FILE))?;
        checkpoint::remove_abort(root)?;
        lock(&self.shared.lock).take();
        Ok(())
    }
}

impl Drop for MessageStore {
    fn drop(&mut self) {
        if let Err(e) = self.shutdown() {
            tracing::error!(error = %e, "message store shutdown failed; the next open will run crash recovery");
        }
    }
}

#[cfg(test)]
mod tests;
