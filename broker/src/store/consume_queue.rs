//! Consume queues: per topic and queue id, a dense array of 20-byte units pointing into the
//! commitlog (spec §5.2), so a pull for "logical offset N" is one positioned read.
//!
//! Units are written through a memory map of the file ([`MappedFile`]), as Java does: a 20-byte
//! `pwrite` per message was one system call per message on every node.
//!
//! Units are written by [`ConsumeQueueSet::dispatch`], which takes plain values rather than a
//! commitlog position, so the classic commitlog, the HA slave path and a future DLedger log can all
//! feed it.

use std::collections::{BTreeMap, HashMap};
use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

use super::checkpoint::sync_dir;
use super::data_files::open_data_files;
use super::error::{io_err, Result, StoreError};
use super::format::{self, CQ_BLANK_SIZE, CQ_UNIT_SIZE};
use super::mapped::MappedFile;

const UNIT: u64 = CQ_UNIT_SIZE as u64;

/// One consume-queue entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CqUnit {
    /// Commitlog offset of the record.
    pub phys_offset: i64,
    /// Record size.
    pub size: i32,
    /// Hash of the TAGS property (or a delivery time for the schedule topic).
    pub tags_code: i64,
}

impl CqUnit {
    fn encode(&self) -> [u8; CQ_UNIT_SIZE] {
        let mut b = [0u8; CQ_UNIT_SIZE];
        b[..8].copy_from_slice(&self.phys_offset.to_be_bytes());
        b[8..12].copy_from_slice(&self.size.to_be_bytes());
        b[12..].copy_from_slice(&self.tags_code.to_be_bytes());
        b
    }

    fn decode(b: &[u8]) -> Self {
        let i64_at = |i: usize| i64::from_be_bytes(b[i..i + 8].try_into().unwrap_or_default());
        Self {
            phys_offset: i64_at(0),
            size: i32::from_be_bytes(b[8..12].try_into().unwrap_or_default()),
            tags_code: i64_at(12),
        }
    }

    /// The filler written before the first real unit of a queue that starts past offset 0.
    pub const BLANK: CqUnit = CqUnit {
        phys_offset: 0,
        size: CQ_BLANK_SIZE,
        tags_code: 0,
    };

    /// Whether this is a filler unit.
    pub fn is_blank(&self) -> bool {
        self.size == CQ_BLANK_SIZE
    }

    /// Whether recovery accepts this unit as written (`offset >= 0 && size > 0`).
    fn is_written(&self) -> bool {
        self.phys_offset >= 0 && self.size > 0
    }

    fn phys_end(&self) -> u64 {
        self.phys_offset as u64 + self.size as u64
    }
}

/// Everything needed to append one consume-queue unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DispatchRequest {
    /// Topic.
    pub topic: String,
    /// Queue id.
    pub queue_id: i32,
    /// Logical offset in the queue.
    pub queue_offset: i64,
    /// Commitlog offset of the record.
    pub phys_offset: i64,
    /// Record size.
    pub size: i32,
    /// Tags hash.
    pub tags_code: i64,
    /// Store timestamp of the record (for the checkpoint).
    pub store_timestamp: i64,
}

#[derive(Debug)]
struct CqFile {
    start: u64,
    file: Arc<MappedFile>,
    path: PathBuf,
}

impl CqFile {
    fn new(start: u64, file: File, path: PathBuf, file_size: u64) -> Self {
        Self {
            start,
            file: Arc::new(MappedFile::new(file, file_size)),
            path,
        }
    }
}

/// One queue's files.
#[derive(Debug)]
pub struct ConsumeQueue {
    dir: PathBuf,
    file_size: u64,
    files: Vec<CqFile>,
    /// First readable logical offset.
    min_logic: i64,
    /// One past the last written logical offset.
    max_logic: i64,
    /// End (offset + size) of the last real unit's record in the commitlog.
    max_phys_end: u64,
    /// Commitlog offset of that record.
    max_phys_start: u64,
    /// Units below this logical offset have been fsynced ([`ConsumeQueueSet::take_dirty`]).
    flushed_logic: i64,
    /// Woken when a unit is dispatched to this queue: the pulls held on it (Java's
    /// `PullRequestHoldService` keys them by topic and queue too), not every held pull.
    arrivals: Arc<Notify>,
}

impl ConsumeQueue {
    /// Opens a queue directory (creating nothing yet) and recovers its write position: units are
    /// valid up to the first with offset < 0 or size <= 0 in the last file.
    ///
    /// # Errors
    /// [`super::StoreError::Io`].
    pub fn open(dir: &Path, file_size: u64) -> Result<Self> {
        Self::open_with(dir, file_size, false)
    }

    /// [`ConsumeQueue::open`]; after a clean stop (`clean`) the end of the last file is found
    /// with a binary search instead of reading the file: every unit was written in order and
    /// flushed, so the written units are a prefix.
    fn open_with(dir: &Path, file_size: u64, clean: bool) -> Result<Self> {
        let mut files = Vec::new();
        if dir.exists() {
            for f in open_data_files(dir)? {
                files.push((f.len, CqFile::new(f.start, f.file, f.path, file_size)));
            }
        }
        // Refuse files written with another mappedFileSizeConsumeQueue before touching any; only
        // the newest file may be short (a crash while preallocating it).
        let last = files.len().saturating_sub(1);
        for (i, (len, f)) in files.iter().enumerate() {
            let bad_len = if i == last {
                *len > file_size
            } else {
                *len != file_size
            };
            if bad_len || f.start % file_size != 0 {
                return Err(StoreError::Corruption {
                    path: f.path.clone(),
                    offset: 0,
                    reason: format!(
                        "consume-queue file is {len} bytes at offset {}; does mappedFileSizeConsumeQueue \
                         ({file_size}) match the size the store was written with?",
                        f.start
                    ),
                });
            }
        }
        if let Some((len, f)) = files.last() {
            if *len < file_size {
                f.file.set_len(file_size).map_err(io_err("extend", &f.path))?;
            }
        }
        let files: Vec<CqFile> = files.into_iter().map(|(_, f)| f).collect();
        let mut q = Self {
            dir: dir.to_owned(),
            file_size,
            files,
            min_logic: 0,
            max_logic: 0,
            max_phys_end: 0,
            max_phys_start: 0,
            flushed_logic: 0,
            arrivals: Arc::default(),
        };
        q.recover(clean)?;
        q.flushed_logic = q.max_logic;
        Ok(q)
    }

    fn read_file_units(&self, f: &CqFile, from_byte: u64, to_byte: u64) -> Result<Vec<CqUnit>> {
        if to_byte <= from_byte {
            return Ok(Vec::new());
        }
        let mut buf = vec![0u8; (to_byte - from_byte) as usize];
        f.file
            .read_exact_at(&mut buf, from_byte - f.start)
            .map_err(io_err("read", &f.path))?;
        Ok(buf.chunks_exact(CQ_UNIT_SIZE).map(CqUnit::decode).collect())
    }

    /// Number of leading units of a file that satisfy `pred`, read in 64 KiB chunks so a mostly
    /// empty 6 MB file costs one small read.
    fn count_prefix(&self, f: &CqFile, pred: impl Fn(&CqUnit) -> bool) -> Result<u64> {
        const CHUNK: u64 = 3276 * UNIT;
        let mut count = 0;
        let mut pos = f.start;
        let end = f.start + self.file_size;
        while pos < end {
            let to = (pos + CHUNK).min(end);
            let units = self.read_file_units(f, pos, to)?;
            let n = units.iter().take_while(|u| pred(u)).count() as u64;
            count += n;
            if n < units.len() as u64 {
                break;
            }
            pos = to;
        }
        Ok(count)
    }

    /// Number of leading written units of a file whose written units are a prefix.
    fn bisect_written(&self, f: &CqFile) -> Result<u64> {
        let (mut lo, mut hi) = (0, self.file_size / UNIT);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let at = f.start + mid * UNIT;
            let written = self
                .read_file_units(f, at, at + UNIT)?
                .first()
                .is_some_and(CqUnit::is_written);
            if written {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        Ok(lo)
    }

    fn recover(&mut self, clean: bool) -> Result<()> {
        let Some(last) = self.files.last() else {
            return Ok(());
        };
        let valid = if clean {
            self.bisect_written(last)?
        } else {
            self.count_prefix(last, CqUnit::is_written)?
        };
        self.max_logic = ((last.start + valid * UNIT) / UNIT) as i64;
        self.min_logic = (self.files[0].start / UNIT) as i64;
        self.max_phys_end = 0;
        self.max_phys_start = 0;
        // Last real unit, looking back from the end.
        let mut i = self.max_logic - 1;
        while i >= self.min_logic {
            match self.unit(i)? {
                Some(u) if !u.is_blank() => {
                    self.max_phys_end = u.phys_end();
                    self.max_phys_start = u.phys_offset as u64;
                    break;
                }
                _ => i -= 1,
            }
        }
        // Skip filler units at the head.
        let first = &self.files[0];
        let blanks = self.count_prefix(first, CqUnit::is_blank)? as i64;
        self.min_logic = (self.min_logic + blanks).min(self.max_logic);
        Ok(())
    }

    /// First readable logical offset.
    pub fn min_offset(&self) -> i64 {
        self.min_logic
    }

    /// One past the last logical offset.
    pub fn max_offset(&self) -> i64 {
        self.max_logic
    }

    /// End of the last dispatched record in the commitlog (0 if none).
    pub fn max_phys_end(&self) -> u64 {
        self.max_phys_end
    }

    fn file_for(&self, byte: u64) -> Option<&CqFile> {
        let start = byte - byte % self.file_size;
        self.files.iter().rev().find(|f| f.start == start)
    }

    /// The unit at a logical offset, if it is in `[min, max)`.
    ///
    /// # Errors
    /// [`super::StoreError::Io`].
    pub fn unit(&self, logic: i64) -> Result<Option<CqUnit>> {
        if logic < 0 || logic >= self.max_logic {
            return Ok(None);
        }
        let byte = logic as u64 * UNIT;
        let Some(f) = self.file_for(byte) else {
            return Ok(None);
        };
        Ok(self.read_file_units(f, byte, byte + UNIT)?.pop())
    }

    /// Units from `logic` to the end of the written part of the file holding it (like Java's
    /// `getIndexBuffer`), at most `max_units` of them; `None` when no file holds `logic`.
    ///
    /// The cap matters: a pull looks at no more than a few hundred units, and reading to the end
    /// of a 6 MB file on every pull made consuming a long queue quadratic.
    ///
    /// # Errors
    /// [`super::StoreError::Io`].
    pub fn units_from(&self, logic: i64, max_units: usize) -> Result<Option<Vec<CqUnit>>> {
        if logic < self.min_logic || logic >= self.max_logic {
            return Ok(None);
        }
        let byte = logic as u64 * UNIT;
        let Some(f) = self.file_for(byte) else {
            return Ok(None);
        };
        let end = (f.start + self.file_size)
            .min(self.max_logic as u64 * UNIT)
            .min(byte.saturating_add(max_units as u64 * UNIT));
        Ok(Some(self.read_file_units(f, byte, end)?))
    }

    /// Logical offset where the file after the one holding `logic` starts.
    pub fn roll_next_file(&self, logic: i64) -> i64 {
        let per_file = (self.file_size / UNIT) as i64;
        logic - logic.rem_euclid(per_file) + per_file
    }

    fn create_file(&mut self, start: u64) -> Result<usize> {
        let idx = self.files.partition_point(|x| x.start < start);
        // The file before the new one is complete: it is made durable before the new file
        // exists, as recovery reads only the newest file's units and takes every older file as
        // whole. Synced after the new file was created, a crash between the two left an empty
        // newest file behind the older file's unsynced units, which came back as zeros inside
        // the queue (pulls there answered NO_MATCHED_MESSAGE).
        if let Some(prev) = idx.checked_sub(1).and_then(|i| self.files.get(i)) {
            prev.file.sync_data().map_err(io_err("fsync", &prev.path))?;
        }
        std::fs::create_dir_all(&self.dir).map_err(io_err("create directory", &self.dir))?;
        let path = self.dir.join(format::offset_to_file_name(start));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io_err("create", &path))?;
        file.set_len(self.file_size)
            .map_err(io_err("preallocate", &path))?;
        // The size is made durable before the file is used: after a power loss, a file created
        // but never synced would come back empty, and a store with an empty file before its
        // newest one does not open.
        file.sync_data().map_err(io_err("fsync", &path))?;
        sync_dir(&self.dir)?;
        self.files
            .insert(idx, CqFile::new(start, file, path, self.file_size));
        Ok(idx)
    }

    fn write_unit(&mut self, logic: i64, unit: &CqUnit) -> Result<()> {
        let byte = logic as u64 * UNIT;
        let start = byte - byte % self.file_size;
        let idx = match self.files.iter().position(|f| f.start == start) {
            Some(i) => i,
            None => self.create_file(start)?,
        };
        let f = &self.files[idx];
        f.file
            .write_at(&unit.encode(), byte - f.start)
            .map_err(io_err("write", &f.path))
    }

    /// Writes the unit for logical offset `logic`. Offsets below the max are already present and
    /// skipped (returns false). A gap is filled with blank units; an empty queue starting past 0
    /// fills only the head of its first file and starts there.
    ///
    /// # Errors
    /// [`super::StoreError::Io`].
    pub fn put(&mut self, logic: i64, unit: CqUnit) -> Result<bool> {
        if logic < self.max_logic {
            return Ok(false);
        }
        if self.files.is_empty() && self.max_logic == 0 && logic > 0 {
            let per_file = (self.file_size / UNIT) as i64;
            let first = logic - logic % per_file;
            self.min_logic = logic;
            self.max_logic = first;
        }
        if logic > self.max_logic {
            tracing::warn!(dir = %self.dir.display(), expected = self.max_logic, logic, "consume queue gap filled with blanks");
        }
        while self.max_logic < logic {
            self.write_unit(self.max_logic, &CqUnit::BLANK)?;
            self.max_logic += 1;
        }
        self.write_unit(logic, &unit)?;
        self.max_logic = logic + 1;
        self.max_phys_end = unit.phys_end();
        self.max_phys_start = unit.phys_offset as u64;
        Ok(true)
    }

    /// Removes units whose record ends past `commitlog_max` (after the commitlog lost its tail).
    ///
    /// # Errors
    /// [`super::StoreError::Io`].
    pub fn truncate_dirty(&mut self, commitlog_max: u64) -> Result<usize> {
        let mut removed = 0;
        while self.max_logic > self.min_logic {
            let logic = self.max_logic - 1;
            let Some(u) = self.unit(logic)? else { break };
            if !u.is_blank() && u.phys_end() <= commitlog_max {
                break;
            }
            self.write_unit(
                logic,
                &CqUnit {
                    phys_offset: 0,
                    size: 0,
                    tags_code: 0,
                },
            )?;
            self.max_logic = logic;
            removed += 1;
        }
        // Drop files that now hold nothing.
        let end_byte = self.max_logic as u64 * UNIT;
        while self.files.len() > 1
            && self
                .files
                .last()
                .is_some_and(|f| f.start >= end_byte && f.start > 0)
        {
            if let Some(f) = self.files.pop() {
                std::fs::remove_file(&f.path).map_err(io_err("remove", &f.path))?;
            }
        }
        if removed > 0 {
            self.recover(false)?;
        }
        self.flushed_logic = self.flushed_logic.min(self.max_logic);
        Ok(removed)
    }

    /// Deletes whole files whose records are all below `commitlog_min` (never the last file) and
    /// moves the min offset to the first unit at or above it.
    ///
    /// # Errors
    /// [`super::StoreError::Io`].
    pub fn delete_expired(&mut self, commitlog_min: u64) -> Result<usize> {
        let mut deleted = 0;
        while self.files.len() > 1 {
            let f = &self.files[0];
            let last_unit =
                self.read_file_units(f, f.start + self.file_size - UNIT, f.start + self.file_size)?;
            match last_unit.first() {
                Some(u) if u.is_written() && !u.is_blank() && u.phys_end() <= commitlog_min => {
                    std::fs::remove_file(&f.path).map_err(io_err("remove", &f.path))?;
                    self.files.remove(0);
                    deleted += 1;
                }
                _ => break,
            }
        }
        if let Some(first) = self.files.first() {
            let base = (first.start / UNIT) as i64;
            let skip = self.count_prefix(first, |u| {
                u.is_written() && (u.is_blank() || (u.phys_offset as u64) < commitlog_min)
            })? as i64;
            self.min_logic = self.min_logic.max(base + skip).min(self.max_logic);
        }
        Ok(deleted)
    }

    fn flush(&self) -> Result<()> {
        for f in &self.files {
            f.file.sync_data().map_err(io_err("fsync", &f.path))?;
        }
        Ok(())
    }

    /// The files holding units written since the last call, which the caller fsyncs; the
    /// units count as flushed from here on.
    fn take_dirty(&mut self, out: &mut Vec<(Arc<MappedFile>, PathBuf)>) {
        if self.flushed_logic >= self.max_logic {
            return;
        }
        let from = self.flushed_logic.max(0) as u64 * UNIT;
        let to = self.max_logic as u64 * UNIT;
        for f in &self.files {
            if f.start < to && f.start + self.file_size > from {
                out.push((Arc::clone(&f.file), f.path.clone()));
            }
        }
        self.flushed_logic = self.max_logic;
    }
}

/// All consume queues of a store, by topic then queue id.
#[derive(Debug)]
pub struct ConsumeQueueSet {
    dir: PathBuf,
    file_size: u64,
    queues: HashMap<String, BTreeMap<i32, ConsumeQueue>>,
    /// Wake-ups handed to pulls held on queues without units yet, by topic and queue id. The
    /// queue's first unit takes its wake-up over, so such a pull is woken by that unit and by
    /// nothing else: falling back to "any arrival in the store" woke every pull of an idle
    /// topic on every append. An entry leaves when the last pull holding it lets go (dropping
    /// its [`Arrivals`]).
    pending_arrivals: Arc<PendingArrivals>,
}

/// See `ConsumeQueueSet::pending_arrivals`.
type PendingArrivals = Mutex<HashMap<(String, i32), Arc<Notify>>>;

/// A held pull's wake-up for its queue ([`ConsumeQueueSet::arrivals`]); dropping the last one of
/// a queue without units forgets it.
#[derive(Debug)]
pub struct Arrivals {
    notify: Arc<Notify>,
    pending: Option<(Arc<PendingArrivals>, (String, i32))>,
}

impl std::ops::Deref for Arrivals {
    type Target = Notify;

    fn deref(&self) -> &Notify {
        &self.notify
    }
}

impl Drop for Arrivals {
    fn drop(&mut self) {
        let Some((pending, key)) = self.pending.take() else {
            return;
        };
        let mut pending = pending.lock().unwrap_or_else(|p| p.into_inner());
        // Ours and the map's: nobody else holds it (clones are made under this lock).
        if pending
            .get(&key)
            .is_some_and(|n| Arc::ptr_eq(n, &self.notify) && Arc::strong_count(n) == 2)
        {
            pending.remove(&key);
        }
    }
}

impl ConsumeQueueSet {
    /// Opens `<root>/consumequeue`, recovering every `<topic>/<queueId>` directory. Entries that are
    /// not directories or whose queue id is not a number are ignored.
    ///
    /// # Errors
    /// [`super::StoreError::Io`].
    pub fn open(dir: &Path, file_size: u64) -> Result<Self> {
        Self::open_after(dir, file_size, false)
    }

    /// [`ConsumeQueueSet::open`], after a clean stop when `clean` (see [`ConsumeQueue::open`]).
    ///
    /// # Errors
    /// [`super::StoreError::Io`].
    pub fn open_after(dir: &Path, file_size: u64, clean: bool) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(io_err("create directory", dir))?;
        let mut queues: HashMap<String, BTreeMap<i32, ConsumeQueue>> = HashMap::new();
        for topic_entry in std::fs::read_dir(dir).map_err(io_err("list", dir))? {
            let topic_path = topic_entry.map_err(io_err("list", dir))?.path();
            let Some(topic) = topic_path.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
                continue;
            };
            if !topic_path.is_dir() {
                continue;
            }
            for q_entry in std::fs::read_dir(&topic_path).map_err(io_err("list", &topic_path))? {
                let q_path = q_entry.map_err(io_err("list", &topic_path))?.path();
                let Some(qid) = q_path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .and_then(|n| n.parse::<i32>().ok())
                else {
                    continue;
                };
                if !q_path.is_dir() {
                    continue;
                }
                let q = ConsumeQueue::open_with(&q_path, file_size, clean)?;
                queues.entry(topic.clone()).or_default().insert(qid, q);
            }
        }
        Ok(Self {
            dir: dir.to_owned(),
            file_size,
            queues,
            pending_arrivals: Arc::default(),
        })
    }

    /// Appends one unit, creating the queue on first use. Returns false if the unit was already
    /// present.
    ///
    /// # Errors
    /// [`super::StoreError::Io`].
    pub fn dispatch(&mut self, req: &DispatchRequest) -> Result<bool> {
        let unit = CqUnit {
            phys_offset: req.phys_offset,
            size: req.size,
            tags_code: req.tags_code,
        };
        // The queue exists but for its first unit: look it up without allocating a key or a path.
        let q = match self
            .queues
            .get_mut(req.topic.as_str())
            .and_then(|t| t.get_mut(&req.queue_id))
        {
            Some(q) => q,
            None => {
                let dir = self.dir.join(&req.topic).join(req.queue_id.to_string());
                let mut q = ConsumeQueue::open(&dir, self.file_size)?;
                let mut pending = self.pending_arrivals.lock().unwrap_or_else(|p| p.into_inner());
                if let Some(held) = pending.remove(&(req.topic.clone(), req.queue_id)) {
                    q.arrivals = held;
                }
                self.queues
                    .entry(req.topic.clone())
                    .or_default()
                    .entry(req.queue_id)
                    .or_insert(q)
            }
        };
        let written = q.put(req.queue_offset, unit)?;
        if written {
            q.arrivals.notify_waiters();
        }
        Ok(written)
    }

    /// What wakes the pulls held on a queue (see `ConsumeQueue::arrivals`): notified when a unit
    /// is dispatched to it, the first one included.
    pub fn arrivals(&self, topic: &str, queue_id: i32) -> Arrivals {
        if let Some(q) = self.find(topic, queue_id) {
            return Arrivals {
                notify: Arc::clone(&q.arrivals),
                pending: None,
            };
        }
        let key = (topic.to_owned(), queue_id);
        let mut pending = self.pending_arrivals.lock().unwrap_or_else(|p| p.into_inner());
        let notify = Arc::clone(pending.entry(key.clone()).or_default());
        Arrivals {
            notify,
            pending: Some((Arc::clone(&self.pending_arrivals), key)),
        }
    }

    /// One queue.
    pub fn find(&self, topic: &str, queue_id: i32) -> Option<&ConsumeQueue> {
        self.queues.get(topic)?.get(&queue_id)
    }

    /// Topics with at least one queue directory.
    pub fn topics(&self) -> Vec<String> {
        let mut t: Vec<String> = self.queues.keys().cloned().collect();
        t.sort();
        t
    }

    /// Queue ids of a topic.
    pub fn queue_ids(&self, topic: &str) -> Vec<i32> {
        self.queues
            .get(topic)
            .map(|m| m.keys().copied().collect())
            .unwrap_or_default()
    }

    /// (topic, queue id, max offset) of every queue, to seed the queue-offset counters.
    pub fn max_offsets(&self) -> Vec<(String, i32, i64)> {
        self.queues
            .iter()
            .flat_map(|(t, m)| m.iter().map(move |(q, cq)| (t.clone(), *q, cq.max_offset())))
            .collect()
    }

    /// Largest record end over all queues: everything before it has been dispatched.
    pub fn max_phys_end(&self) -> u64 {
        self.queues
            .values()
            .flat_map(|m| m.values())
            .map(ConsumeQueue::max_phys_end)
            .max()
            .unwrap_or(0)
    }

    /// The last dispatched record over all queues, as (commitlog offset, end): after a clean
    /// stop, every record before it is dispatched and flushed, so recovery checks the commitlog
    /// from there on only. `None` when no queue holds a unit.
    pub fn last_dispatched(&self) -> Option<(u64, u64)> {
        self.queues
            .values()
            .flat_map(|m| m.values())
            .filter(|q| q.max_phys_end > 0)
            .map(|q| (q.max_phys_start, q.max_phys_end))
            .max_by_key(|&(_, end)| end)
    }

    /// The queue holding the last dispatched record (see [`ConsumeQueueSet::last_dispatched`]).
    pub fn last_dispatched_queue(&self) -> Option<&ConsumeQueue> {
        self.queues
            .values()
            .flat_map(|m| m.values())
            .filter(|q| q.max_phys_end > 0)
            .max_by_key(|q| q.max_phys_end)
    }

    /// The files of every queue that hold units written since the last call (see
    /// [`ConsumeQueue::take_dirty`]), with their paths, for the periodic checkpoint to fsync.
    pub fn take_dirty(&mut self) -> Vec<(Arc<MappedFile>, PathBuf)> {
        let mut out = Vec::new();
        for q in self.queues.values_mut().flat_map(|m| m.values_mut()) {
            q.take_dirty(&mut out);
        }
        out
    }

    /// [`ConsumeQueue::truncate_dirty`] on every queue; returns the units removed.
    ///
    /// # Errors
    /// [`super::StoreError::Io`].
    pub fn truncate_dirty(&mut self, commitlog_max: u64) -> Result<usize> {
        let mut n = 0;
        for q in self.queues.values_mut().flat_map(|m| m.values_mut()) {
            n += q.truncate_dirty(commitlog_max)?;
        }
        Ok(n)
    }

    /// [`ConsumeQueue::delete_expired`] on every queue; returns the files removed.
    ///
    /// # Errors
    /// [`super::StoreError::Io`].
    pub fn delete_expired(&mut self, commitlog_min: u64) -> Result<usize> {
        let mut n = 0;
        for q in self.queues.values_mut().flat_map(|m| m.values_mut()) {
            n += q.delete_expired(commitlog_min)?;
        }
        Ok(n)
    }

    /// fsyncs every queue file.
    ///
    /// # Errors
    /// [`super::StoreError::Io`].
    pub fn flush(&self) -> Result<()> {
        for q in self.queues.values().flat_map(|m| m.values()) {
            q.flush()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(q: i32, off: i64, phys: i64) -> DispatchRequest {
        DispatchRequest {
            topic: "T".into(),
            queue_id: q,
            queue_offset: off,
            phys_offset: phys,
            size: 100,
            tags_code: 7,
            store_timestamp: 0,
        }
    }

    #[test]
    fn a_queue_without_units_wakes_its_pulls_on_its_first_unit_only() {
        use std::future::Future;
        let dir = tempfile::tempdir().unwrap();
        let mut set = ConsumeQueueSet::open(dir.path(), 20 * 8).unwrap();
        set.dispatch(&req(0, 0, 0)).unwrap();
        let held = set.arrivals("T", 1);
        let again = set.arrivals("T", 1);
        {
            let woken = held.notified();
            tokio::pin!(woken);
            woken.as_mut().enable();
            let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
            assert!(woken.as_mut().poll(&mut cx).is_pending(), "nothing arrived yet");
            // Units of another queue do not wake it.
            set.dispatch(&req(0, 1, 100)).unwrap();
            assert!(woken.as_mut().poll(&mut cx).is_pending());
            // Its first unit does (the queue took the held wake-up over).
            set.dispatch(&req(1, 0, 200)).unwrap();
            assert!(woken.as_mut().poll(&mut cx).is_ready());
        }
        drop((held, again));
        assert!(set.pending_arrivals.lock().unwrap().is_empty());
        // Held and dropped without a unit: forgotten once the last holder is gone.
        let a = set.arrivals("T", 2);
        let b = set.arrivals("T", 2);
        drop(a);
        assert_eq!(set.pending_arrivals.lock().unwrap().len(), 1);
        drop(b);
        assert!(set.pending_arrivals.lock().unwrap().is_empty());
    }

    #[test]
    fn units_span_files_and_recover() {
        let dir = tempfile::tempdir().unwrap();
        let mut set = ConsumeQueueSet::open(dir.path(), 100).unwrap(); // 5 units per file
        for i in 0..12 {
            assert!(set.dispatch(&req(0, i, i * 100)).unwrap());
        }
        assert!(!set.dispatch(&req(0, 3, 300)).unwrap());
        let q = set.find("T", 0).unwrap();
        assert_eq!((q.min_offset(), q.max_offset()), (0, 12));
        assert_eq!(q.units_from(3, 100).unwrap().unwrap().len(), 2);
        assert_eq!(q.units_from(5, 3).unwrap().unwrap().len(), 3, "capped");
        assert_eq!(q.unit(11).unwrap().unwrap().phys_offset, 1100);
        assert!(dir.path().join("T/0/00000000000000000200").exists());
        drop(set);
        let mut set = ConsumeQueueSet::open(dir.path(), 100).unwrap();
        assert_eq!(set.find("T", 0).unwrap().max_offset(), 12);
        assert_eq!(set.max_phys_end(), 1200);
        assert_eq!(set.truncate_dirty(1000).unwrap(), 2);
        let q = set.find("T", 0).unwrap();
        assert_eq!(q.max_offset(), 10);
        assert!(!dir.path().join("T/0/00000000000000000200").exists());
        assert_eq!(set.delete_expired(600).unwrap(), 1);
        assert_eq!(set.find("T", 0).unwrap().min_offset(), 6);
    }

    #[test]
    fn recovery_reads_large_files_in_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let mut set = ConsumeQueueSet::open(dir.path(), 200_000).unwrap(); // 10 000 units
        for i in 0..4000 {
            set.dispatch(&req(0, i, i * 100)).unwrap();
        }
        drop(set);
        let set = ConsumeQueueSet::open(dir.path(), 200_000).unwrap();
        let q = set.find("T", 0).unwrap();
        assert_eq!(
            (q.min_offset(), q.max_offset(), q.max_phys_end()),
            (0, 4000, 400_000)
        );
        drop(set);
        // After a clean stop the end is found by a binary search: the same answer.
        let set = ConsumeQueueSet::open_after(dir.path(), 200_000, true).unwrap();
        let q = set.find("T", 0).unwrap();
        assert_eq!(
            (q.min_offset(), q.max_offset(), q.max_phys_end()),
            (0, 4000, 400_000)
        );
    }

    #[test]
    fn queue_starting_past_zero_is_prefilled_with_blanks() {
        let dir = tempfile::tempdir().unwrap();
        let mut set = ConsumeQueueSet::open(dir.path(), 100).unwrap();
        set.dispatch(&req(1, 7, 0)).unwrap();
        let q = set.find("T", 1).unwrap();
        assert_eq!((q.min_offset(), q.max_offset()), (7, 8));
        assert!(q.unit(5).unwrap().unwrap().is_blank());
        drop(set);
        let set = ConsumeQueueSet::open(dir.path(), 100).unwrap();
        let q = set.find("T", 1).unwrap();
        assert_eq!((q.min_offset(), q.max_offset()), (7, 8));
    }
}
