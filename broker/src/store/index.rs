//! The key index: `index/` files in Java 4.9's IndexFile layout (spec §5.5), so QUERY_MESSAGE
//! (`mqadmin queryMsgByKey`, `DefaultMQAdminExt.queryMessage`) finds messages by their `KEYS` and
//! `UNIQ_KEY` properties, and a store moves between Java and this broker with its index.
//!
//! Each file is a hash table with chaining: the key `topic#key` hashes (Java's
//! `String.hashCode()`, made non-negative) to a slot holding the number of the newest entry with
//! that slot; each entry links to the previous one. Entries are appended in commitlog order, so
//! every file covers a range of physical offsets and store times, recorded in its header.
//!
//! Writes go through a memory map ([`MappedFile`]) of the sparse file: one hash, a slot read, a
//! 20-byte entry, the 40-byte header and the 4-byte slot per key, all memory copies. The entry
//! and header are written before the slot, so a process killed in between leaves an entry that
//! no chain reaches yet rather than a chain through a half-written entry.
//!
//! Recovery is re-dispatch: a record is indexed only when its offset is past the last indexed
//! one (Java's `buildIndex` check); the record *at* that offset may have been cut short by a
//! crash, so each of its keys is looked up first and only missing ones are added. That lets the
//! store re-dispatch everything after a crash without indexing a record twice.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::checkpoint::sync_dir;
use super::error::{io_err, Result, StoreError};
use super::format::{index as fmt, property};
use super::is_prepared_or_rollback;
use super::mapped::MappedFile;
use super::message::find_property;
use super::MessageStore;

/// The header of an index file (spec §5.5), as kept in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexHeader {
    /// Store time of the first entry (or the previous file's end time for a fresh file).
    pub begin_timestamp: i64,
    /// Store time of the last entry.
    pub end_timestamp: i64,
    /// Physical offset of the first entry's record.
    pub begin_phy_offset: i64,
    /// Physical offset of the last entry's record.
    pub end_phy_offset: i64,
    /// Slots in use.
    pub hash_slot_count: i32,
    /// Number of the next entry to write (entries are numbered from 1).
    pub index_count: i32,
}

impl IndexHeader {
    fn encode(&self) -> [u8; fmt::HEADER_SIZE] {
        let mut b = [0u8; fmt::HEADER_SIZE];
        b[fmt::BEGIN_TIMESTAMP..][..8].copy_from_slice(&self.begin_timestamp.to_be_bytes());
        b[fmt::END_TIMESTAMP..][..8].copy_from_slice(&self.end_timestamp.to_be_bytes());
        b[fmt::BEGIN_PHY_OFFSET..][..8].copy_from_slice(&self.begin_phy_offset.to_be_bytes());
        b[fmt::END_PHY_OFFSET..][..8].copy_from_slice(&self.end_phy_offset.to_be_bytes());
        b[fmt::HASH_SLOT_COUNT..][..4].copy_from_slice(&self.hash_slot_count.to_be_bytes());
        b[fmt::INDEX_COUNT..][..4].copy_from_slice(&self.index_count.to_be_bytes());
        b
    }

    fn decode(b: &[u8; fmt::HEADER_SIZE]) -> Self {
        let i64_at = |i: usize| i64::from_be_bytes(b[i..i + 8].try_into().unwrap_or_default());
        let i32_at = |i: usize| i32::from_be_bytes(b[i..i + 4].try_into().unwrap_or_default());
        Self {
            begin_timestamp: i64_at(fmt::BEGIN_TIMESTAMP),
            end_timestamp: i64_at(fmt::END_TIMESTAMP),
            begin_phy_offset: i64_at(fmt::BEGIN_PHY_OFFSET),
            end_phy_offset: i64_at(fmt::END_PHY_OFFSET),
            hash_slot_count: i32_at(fmt::HASH_SLOT_COUNT),
            // Java's IndexHeader.load: a count of 0 (never written) means a fresh file.
            index_count: i32_at(fmt::INDEX_COUNT).max(fmt::FIRST_INDEX),
        }
    }
}

/// The hash Java's IndexFile uses for `topic#key`: `String.hashCode()` over UTF-16 units, then
/// `Math.abs`, whose result for `Integer.MIN_VALUE` is still negative and is replaced by 0.
pub fn key_hash(topic: &str, key: &str) -> i32 {
    let units = topic
        .encode_utf16()
        .chain(std::iter::once(fmt::KEY_TOPIC_SEPARATOR as u16))
        .chain(key.encode_utf16());
    non_negative(units.fold(0i32, |h, u| h.wrapping_mul(31).wrapping_add(i32::from(u))))
}

/// `Math.abs`, with `Integer.MIN_VALUE` (which stays negative in Java) mapped to 0.
fn non_negative(h: i32) -> i32 {
    h.checked_abs().unwrap_or(0)
}

/// One 20-byte entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    key_hash: i32,
    phy_offset: i64,
    time_diff: i32,
    prev_index: i32,
}

impl Entry {
    fn encode(&self) -> [u8; fmt::ENTRY_SIZE] {
        let mut b = [0u8; fmt::ENTRY_SIZE];
        b[fmt::ENTRY_KEY_HASH..][..4].copy_from_slice(&self.key_hash.to_be_bytes());
        b[fmt::ENTRY_PHY_OFFSET..][..8].copy_from_slice(&self.phy_offset.to_be_bytes());
        b[fmt::ENTRY_TIME_DIFF..][..4].copy_from_slice(&self.time_diff.to_be_bytes());
        b[fmt::ENTRY_PREV_INDEX..][..4].copy_from_slice(&self.prev_index.to_be_bytes());
        b
    }

    fn decode(b: &[u8; fmt::ENTRY_SIZE]) -> Self {
        let i32_at = |i: usize| i32::from_be_bytes(b[i..i + 4].try_into().unwrap_or_default());
        Self {
            key_hash: i32_at(fmt::ENTRY_KEY_HASH),
            phy_offset: i64::from_be_bytes(b[fmt::ENTRY_PHY_OFFSET..][..8].try_into().unwrap_or_default()),
            time_diff: i32_at(fmt::ENTRY_TIME_DIFF),
            prev_index: i32_at(fmt::ENTRY_PREV_INDEX),
        }
    }
}

/// Whether `path` is a file of 0 bytes.
fn is_empty_file(path: &Path) -> Result<bool> {
    Ok(std::fs::metadata(path).map_err(io_err("stat", path))?.len() == 0)
}

/// One index file.
#[derive(Debug)]
pub struct IndexFile {
    path: PathBuf,
    name: String,
    file: Arc<MappedFile>,
    slots: u32,
    entries: u32,
    header: IndexHeader,
}

/// An index file's map: the header and the hash slots are written all over and stay mapped;
/// the entries are appended in order and leave the map once synced (see [`MappedFile`]).
fn mapped(file: std::fs::File, size: u64, slots: u32) -> MappedFile {
    let hot = fmt::HEADER_SIZE as u64 + u64::from(slots) * fmt::SLOT_SIZE as u64;
    MappedFile::with_hot_prefix(file, size, hot)
}

impl IndexFile {
    /// Creates `dir/name` (sparse, full size) carrying on from the previous file's end, as Java
    /// does: a fresh file starts at the previous file's end offset and time.
    fn create(
        dir: &Path,
        name: String,
        slots: u32,
        entries: u32,
        prev: Option<&IndexHeader>,
    ) -> Result<Self> {
        let path = dir.join(&name);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(io_err("create", &path))?;
        let size = fmt::file_size(slots, entries);
        file.set_len(size).map_err(io_err("preallocate", &path))?;
        let (end_phy, end_ts) = prev.map_or((0, 0), |h| (h.end_phy_offset, h.end_timestamp));
        let header = IndexHeader {
            begin_timestamp: end_ts.max(0),
            end_timestamp: end_ts.max(0),
            begin_phy_offset: end_phy.max(0),
            end_phy_offset: end_phy.max(0),
            hash_slot_count: 0,
            index_count: fmt::FIRST_INDEX,
        };
        let f = Self {
            path,
            name,
            file: Arc::new(mapped(file, size, slots)),
            slots,
            entries,
            header,
        };
        f.write_header()?;
        // The size and header are made durable before the file is used: after a power loss a
        // created but unsynced file can come back empty.
        f.file.sync_data().map_err(io_err("fsync", &f.path))?;
        sync_dir(dir)?;
        Ok(f)
    }

    /// Opens an existing file, refusing one whose size does not match the configured layout.
    fn load(path: PathBuf, name: String, slots: u32, entries: u32) -> Result<Self> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .map_err(io_err("open", &path))?;
        let size = fmt::file_size(slots, entries);
        let len = file.metadata().map_err(io_err("stat", &path))?.len();
        if len != size {
            return Err(StoreError::Corruption {
                path,
                offset: 0,
                reason: format!(
                    "index file is {len} bytes, not {size}; do maxHashSlotNum ({slots}) and maxIndexNum \
                     ({entries}) match the values the store was written with?"
                ),
            });
        }
        let file = Arc::new(mapped(file, size, slots));
        let mut b = [0u8; fmt::HEADER_SIZE];
        file.read_at(&mut b, 0).map_err(io_err("read", &path))?;
        Ok(Self {
            path,
            name,
            file,
            slots,
            entries,
            header: IndexHeader::decode(&b),
        })
    }

    /// The header as last written.
    pub fn header(&self) -> &IndexHeader {
        &self.header
    }

    fn write_header(&self) -> Result<()> {
        self.file
            .write_at(&self.header.encode(), 0)
            .map_err(io_err("write", &self.path))
    }

    fn slot_pos(&self, hash: i32) -> u64 {
        let slot = (hash.max(0) as u32) % self.slots;
        fmt::HEADER_SIZE as u64 + u64::from(slot) * fmt::SLOT_SIZE as u64
    }

    fn entry_pos(&self, n: i32) -> u64 {
        fmt::HEADER_SIZE as u64
            + u64::from(self.slots) * fmt::SLOT_SIZE as u64
            + n.max(0) as u64 * fmt::ENTRY_SIZE as u64
    }

    fn read_slot(&self, hash: i32) -> Result<i32> {
        let mut b = [0u8; 4];
        self.file
            .read_at(&mut b, self.slot_pos(hash))
            .map_err(io_err("read", &self.path))?;
        let v = i32::from_be_bytes(b);
        // Java treats anything outside the written entries as an empty slot.
        Ok(if v <= 0 || v > self.header.index_count {
            0
        } else {
            v
        })
    }

    fn read_entry(&self, n: i32) -> Result<Option<Entry>> {
        if n <= 0 || n as u32 >= self.entries {
            return Ok(None);
        }
        let mut b = [0u8; fmt::ENTRY_SIZE];
        self.file
            .read_at(&mut b, self.entry_pos(n))
            .map_err(io_err("read", &self.path))?;
        Ok(Some(Entry::decode(&b)))
    }

    /// Whether no entry can be added (Java's `isWriteFull`).
    fn is_full(&self) -> bool {
        self.header.index_count as u32 >= self.entries
    }

    fn has_entries(&self) -> bool {
        self.header.index_count > fmt::FIRST_INDEX
    }

    /// Appends an entry for `hash` (Java's `putKey`); false when the file is full.
    fn put(&mut self, hash: i32, phy_offset: i64, store_timestamp: i64) -> Result<bool> {
        if self.is_full() {
            return Ok(false);
        }
        let prev = self.read_slot(hash)?;
        let h = &mut self.header;
        let time_diff = if h.begin_timestamp <= 0 {
            0
        } else {
            ((store_timestamp - h.begin_timestamp) / 1000).clamp(0, i64::from(i32::MAX)) as i32
        };
        let n = h.index_count;
        let entry = Entry {
            key_hash: hash,
            phy_offset,
            time_diff,
            prev_index: prev,
        };
        if n <= fmt::FIRST_INDEX {
            h.begin_phy_offset = phy_offset;
            h.begin_timestamp = store_timestamp;
        }
        if prev == 0 {
            h.hash_slot_count += 1;
        }
        h.index_count += 1;
        h.end_phy_offset = phy_offset;
        h.end_timestamp = store_timestamp;
        let entry_pos = self.entry_pos(n);
        self.file
            .write_at(&entry.encode(), entry_pos)
            .map_err(io_err("write", &self.path))?;
        self.write_header()?;
        self.file
            .write_at(&n.to_be_bytes(), self.slot_pos(hash))
            .map_err(io_err("write", &self.path))?;
        Ok(true)
    }

    /// Whether the chain of `hash` holds an entry for the record at `phy_offset`. Chains run from
    /// the newest entry back, in decreasing offsets, so the walk stops below `phy_offset`.
    fn contains(&self, hash: i32, phy_offset: i64) -> Result<bool> {
        let mut n = self.read_slot(hash)?;
        let mut steps = 0;
        while n > 0 && steps < self.header.index_count {
            let Some(e) = self.read_entry(n)? else { break };
            if e.phy_offset < phy_offset {
                break;
            }
            if e.phy_offset == phy_offset && e.key_hash == hash {
                return Ok(true);
            }
            if e.prev_index >= n {
                break;
            }
            n = e.prev_index;
            steps += 1;
        }
        Ok(false)
    }

    /// Whether the file's time range meets `[begin, end]` (Java's `isTimeMatched`).
    fn is_time_matched(&self, begin: i64, end: i64) -> bool {
        let (b, e) = (self.header.begin_timestamp, self.header.end_timestamp);
        (begin < b && end > e) || (begin >= b && begin <= e) || (end >= b && end <= e)
    }

    /// Adds to `out` the offsets of entries with `hash` stored within `[begin, end]`, newest
    /// first, until `out` holds `max` (Java's `selectPhyOffset`). The walk is bounded by the
    /// entry count, so a damaged chain cannot loop.
    fn select(&self, hash: i32, max: usize, begin: i64, end: i64, out: &mut Vec<i64>) -> Result<()> {
        if !self.has_entries() {
            return Ok(());
        }
        let mut n = self.read_slot(hash)?;
        let mut steps = 0;
        while n > 0 && out.len() < max && steps < self.header.index_count {
            let Some(e) = self.read_entry(n)? else { break };
            if e.time_diff < 0 {
                break;
            }
            let time = self.header.begin_timestamp + i64::from(e.time_diff) * 1000;
            if e.key_hash == hash && time >= begin && time <= end {
                out.push(e.phy_offset);
            }
            // Chains only point back to older entries; anything else is damage (Java would
            // follow it; stopping is what keeps a damaged file from looping here).
            if e.prev_index <= 0 || e.prev_index >= n || time < begin {
                break;
            }
            n = e.prev_index;
            steps += 1;
        }
        Ok(())
    }
}

/// What a key lookup found (Java's `QueryOffsetResult`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryOffsets {
    /// Physical offsets of records whose key hash matches, newest file first.
    pub phy_offsets: Vec<i64>,
    /// End time of the newest index file.
    pub last_update_timestamp: i64,
    /// End offset of the newest index file.
    pub last_update_phy_offset: i64,
}

/// A record seen while the index waits for its catch-up (DLedger start after a crash): what
/// indexing it needs, kept until the replicated log is attached.
#[derive(Debug, Clone)]
pub(super) struct PendingRecord {
    pub(super) phys: i64,
    pub(super) store_timestamp: i64,
    pub(super) sys_flag: i32,
    pub(super) topic: String,
    pub(super) properties: String,
}

/// All index files of a store (Java's IndexService).
#[derive(Debug)]
pub struct IndexService {
    dir: PathBuf,
    enabled: bool,
    slots: u32,
    entries: u32,
    files: Vec<IndexFile>,
    /// The `index/` directory did not exist at open: the index must be built from the data.
    fresh: bool,
}

impl IndexService {
    /// Opens `dir` (creating it when the index is enabled) and loads its files in name order.
    ///
    /// # Errors
    /// [`StoreError::Io`]; [`StoreError::Corruption`] for a file of the wrong size.
    pub fn open(dir: &Path, enabled: bool, slots: u32, entries: u32) -> Result<Self> {
        let fresh = !dir.exists();
        let mut files = Vec::new();
        if !fresh {
            let mut names = Vec::new();
            for e in std::fs::read_dir(dir).map_err(io_err("list", dir))? {
                let e = e.map_err(io_err("list", dir))?;
                if let Some(name) = e.file_name().to_str().filter(|n| fmt::is_file_name(n)) {
                    names.push(name.to_owned());
                }
            }
            names.sort();
            let last = names.last().cloned();
            for name in names {
                let path = dir.join(&name);
                if Some(&name) == last.as_ref() && is_empty_file(&path)? {
                    // The power went while the newest file was being created (before its size was
                    // synced): it holds nothing, and the recovery indexes its records again.
                    tracing::warn!(path = %path.display(), "removing an empty index file left by a crash");
                    std::fs::remove_file(&path).map_err(io_err("remove", &path))?;
                    continue;
                }
                files.push(IndexFile::load(path, name, slots, entries)?);
            }
        }
        if enabled && fresh {
            std::fs::create_dir_all(dir).map_err(io_err("create directory", dir))?;
        }
        Ok(Self {
            dir: dir.to_owned(),
            enabled,
            slots,
            entries,
            files,
            fresh,
        })
    }

    /// Whether keys are indexed (`messageIndexEnable`).
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Whether the index directory was missing at open.
    pub fn is_fresh(&self) -> bool {
        self.fresh
    }

    /// The files, oldest first.
    pub fn files(&self) -> &[IndexFile] {
        &self.files
    }

    /// Physical offset of the last indexed record (0 when nothing is indexed).
    pub fn end_phy_offset(&self) -> u64 {
        self.files
            .last()
            .map_or(0, |f| f.header.end_phy_offset.max(0) as u64)
    }

    /// Indexes a record's `UNIQ_KEY` and each of its space-separated `KEYS` under `topic`,
    /// unless the record is a transaction prepared/rollback record or already indexed (its
    /// offset is below the last indexed one; at that offset, keys already present are skipped).
    /// Returns how many entries were added.
    ///
    /// # Errors
    /// [`StoreError::Io`] when a file cannot be created or written.
    pub fn build(
        &mut self,
        topic: &str,
        properties: &str,
        sys_flag: i32,
        phys: i64,
        store_timestamp: i64,
    ) -> Result<usize> {
        let end = self.files.last().map_or(0, |f| f.header.end_phy_offset);
        if !self.enabled || phys < end || is_prepared_or_rollback(sys_flag) {
            return Ok(0);
        }
        let uniq = find_property(properties, property::UNIQ_KEY);
        let keys = find_property(properties, property::KEYS).unwrap_or("");
        if uniq.is_none() && keys.is_empty() {
            return Ok(0);
        }
        // A record at the last indexed offset was being indexed when the broker stopped (or is
        // dispatched again): add only the keys that are missing. Its keys may have spilled over
        // from a full file into the next one, hence the last two files.
        let again = self
            .files
            .iter()
            .rev()
            .take(2)
            .any(|f| f.has_entries() && f.header.end_phy_offset == phys);
        let mut added = 0;
        let all = uniq
            .into_iter()
            .chain(keys.split(fmt::KEYS_SEPARATOR).filter(|k| !k.is_empty()));
        for key in all {
            let hash = key_hash(topic, key);
            if again && self.indexed(hash, phys)? {
                continue;
            }
            self.put_key(hash, phys, store_timestamp)?;
            added += 1;
        }
        Ok(added)
    }

    fn indexed(&self, hash: i32, phys: i64) -> Result<bool> {
        for f in self.files.iter().rev().take(2) {
            if f.contains(hash, phys)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    fn put_key(&mut self, hash: i32, phys: i64, store_timestamp: i64) -> Result<()> {
        if self.files.last().is_none_or(IndexFile::is_full) {
            self.roll()?;
        }
        let last = self.files.len() - 1;
        if self.files[last].put(hash, phys, store_timestamp)? {
            Ok(())
        } else {
            Err(StoreError::Config(format!(
                "index file `{}` is full right after it was created; is maxIndexNum > 1?",
                self.files[last].path.display()
            )))
        }
    }

    /// Starts a new file after the last one (full, or none yet). The full file is synced on a
    /// thread of its own, as Java flushes it, so the dispatch path does not wait for it.
    fn roll(&mut self) -> Result<()> {
        std::fs::create_dir_all(&self.dir).map_err(io_err("create directory", &self.dir))?;
        let prev = self.files.last();
        let name = next_file_name(super::now_millis(), prev.map(|f| f.name.as_str()));
        let f = IndexFile::create(&self.dir, name, self.slots, self.entries, prev.map(|f| &f.header))?;
        if let Some(p) = prev {
            tracing::info!(file = %p.path.display(), "index file is full; starting another");
            let (file, path) = (Arc::clone(&p.file), p.path.clone());
            let _ = std::thread::Builder::new()
                .name("index-flush".into())
                .spawn(move || {
                    if let Err(e) = file.sync_data() {
                        tracing::warn!(path = %path.display(), error = %e, "syncing a full index file failed");
                    }
                });
        }
        self.files.push(f);
        Ok(())
    }

    /// Offsets of records whose `topic#key` hash matches and whose store time is within
    /// `[begin, end]`, at most `max` (Java's `queryOffset`: newest file first, stopping at a
    /// file that begins before `begin`).
    ///
    /// # Errors
    /// [`StoreError::Io`].
    pub fn query(&self, topic: &str, key: &str, max: usize, begin: i64, end: i64) -> Result<QueryOffsets> {
        let mut r = QueryOffsets::default();
        let hash = key_hash(topic, key);
        for (i, f) in self.files.iter().enumerate().rev() {
            if i + 1 == self.files.len() {
                r.last_update_timestamp = f.header.end_timestamp;
                r.last_update_phy_offset = f.header.end_phy_offset;
            }
            if f.is_time_matched(begin, end) {
                f.select(hash, max, begin, end, &mut r.phy_offsets)?;
            }
            if f.header.begin_timestamp < begin || r.phy_offsets.len() >= max {
                break;
            }
        }
        Ok(r)
    }

    /// Deletes the files (all but the newest) whose last record is below `min_phys`, the new
    /// commitlog minimum after retention (Java's `deleteExpiredFile`). Returns how many.
    ///
    /// # Errors
    /// [`StoreError::Io`].
    pub fn delete_expired(&mut self, min_phys: u64) -> Result<usize> {
        let min = i64::try_from(min_phys).unwrap_or(i64::MAX);
        let n = self
            .files
            .iter()
            .take(self.files.len().saturating_sub(1))
            .take_while(|f| f.header.end_phy_offset < min)
            .count();
        self.remove_files(0..n)
    }

    /// Deletes the newest files that point at or past `max_phys` (a commitlog cut shorter than
    /// its index after a power loss): records written there later must be indexed again.
    /// Returns how many.
    ///
    /// # Errors
    /// [`StoreError::Io`].
    pub fn delete_beyond(&mut self, max_phys: u64) -> Result<usize> {
        let max = i64::try_from(max_phys).unwrap_or(i64::MAX);
        let keep = self
            .files
            .iter()
            .rposition(|f| f.header.end_phy_offset < max)
            .map_or(0, |i| i + 1);
        self.remove_files(keep..self.files.len())
    }

    fn remove_files(&mut self, range: std::ops::Range<usize>) -> Result<usize> {
        let n = range.len();
        for f in self.files.drain(range) {
            std::fs::remove_file(&f.path).map_err(io_err("delete", &f.path))?;
            tracing::info!(file = %f.path.display(), "deleted index file");
        }
        if n > 0 {
            sync_dir(&self.dir)?;
        }
        Ok(n)
    }

    /// Writes every file's header and returns the files with their paths, for a caller to
    /// fsync without holding the store's lock (what [`IndexService::flush`] does in place).
    ///
    /// # Errors
    /// [`StoreError::Io`].
    pub fn files_to_sync(&self) -> Result<Vec<(Arc<MappedFile>, PathBuf)>> {
        let mut out = Vec::with_capacity(self.files.len());
        for f in &self.files {
            f.write_header()?;
            out.push((Arc::clone(&f.file), f.path.clone()));
        }
        Ok(out)
    }

    /// Drops the entries written since the last call from the files' maps without syncing them
    /// (a classic store syncs its index only when a file fills and at shutdown; see
    /// [`MappedFile::release_written`]).
    pub fn release_written(&self) {
        for f in &self.files {
            f.file.release_written();
        }
    }

    /// Writes every header and syncs the files; returns the newest file's end time (Java's
    /// checkpoint `indexMsgTimestamp`), 0 when there is none.
    ///
    /// # Errors
    /// [`StoreError::Io`].
    pub fn flush(&self) -> Result<i64> {
        for (file, path) in self.files_to_sync()? {
            file.sync_data().map_err(io_err("fsync", &path))?;
        }
        Ok(self.files.last().map_or(0, |f| f.header.end_timestamp))
    }
}

/// What QUERY_MESSAGE answers: the records found by key, back to back, and where the index
/// stands (Java's `QueryMessageResult`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryMessageResult {
    /// The whole records, in commitlog order, concatenated.
    pub records: Vec<u8>,
    /// How many records `records` holds.
    pub count: usize,
    /// End time of the newest index file (0 when nothing matched).
    pub index_last_update_timestamp: i64,
    /// End offset of the newest index file (0 when nothing matched).
    pub index_last_update_phy_offset: i64,
}

impl MessageStore {
    /// Records of `topic` whose `UNIQ_KEY` or one of whose `KEYS` hashes as `key` does, stored
    /// within `[begin, end]` (ms), at most `max_num` (capped by `maxMsgsNumBatch`), as Java's
    /// `DefaultMessageStore.queryMessage`: like Java, records are matched by key hash, and
    /// clients check the key. Records no longer in the store are left out.
    ///
    /// # Errors
    /// [`StoreError::Io`].
    pub fn query_message(
        &self,
        topic: &str,
        key: &str,
        max_num: i32,
        begin: i64,
        end: i64,
    ) -> Result<QueryMessageResult> {
        let max = usize::try_from(max_num)
            .unwrap_or(0)
            .min(self.shared.cfg.max_msgs_num_batch);
        let mut r = QueryMessageResult::default();
        if max == 0 {
            return Ok(r);
        }
        // The records are read afterwards, one store lock at a time, so a query does not hold
        // writers back for its reads.
        let mut q = self.shared.read().index.query(topic, key, max, begin, end)?;
        if q.phy_offsets.is_empty() {
            return Ok(r);
        }
        r.index_last_update_timestamp = q.last_update_timestamp;
        r.index_last_update_phy_offset = q.last_update_phy_offset;
        q.phy_offsets.sort_unstable();
        q.phy_offsets.dedup();
        for off in q.phy_offsets {
            let Ok(off) = u64::try_from(off) else { continue };
            if let Some(rec) = self.lookup_message_by_offset(off)? {
                r.records.extend_from_slice(&rec);
                r.count += 1;
            }
        }
        Ok(r)
    }
}

/// The name of a new index file: the local time `yyyyMMddHHmmssSSS` (Java's
/// `UtilAll.timeMillisToHumanString`), or one past the previous name when the clock has not
/// moved past it, so names always sort in creation order.
fn next_file_name(now_ms: i64, prev: Option<&str>) -> String {
    let name = human_time(now_ms);
    match prev.and_then(|p| p.parse::<u64>().ok()) {
        Some(p) if name.parse::<u64>().is_ok_and(|n| n <= p) => {
            format!("{:0width$}", p + 1, width = fmt::FILE_NAME_WIDTH)
        }
        _ => name,
    }
}

fn human_time(ms: i64) -> String {
    let secs = ms.div_euclid(1000) as libc::time_t;
    // SAFETY: localtime_r writes only into the zeroed `tm` we pass; both pointers are valid.
    let tm = unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&secs, &mut tm).is_null() {
            return format!("{:0width$}", ms.max(0), width = fmt::FILE_NAME_WIDTH);
        }
        tm
    };
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}{:03}",
        tm.tm_year + 1900,
        tm.tm_mon + 1,
        tm.tm_mday,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec,
        ms.rem_euclid(1000)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::format::sys_flag;
    use crate::store::message::encode_properties;

    fn props(uniq: &str, keys: &str) -> String {
        encode_properties([(property::UNIQ_KEY, uniq), (property::KEYS, keys)])
    }

    #[test]
    fn key_hash_is_javas_abs_string_hash() {
        use crate::store::format::java_string_hash;
        assert_eq!(key_hash("T", "k"), java_string_hash("T#k").abs());
        // A negative String.hashCode() is made positive.
        let h = java_string_hash("TopicTest#KEY-1");
        assert_eq!(key_hash("TopicTest", "KEY-1"), h.abs());
        assert_eq!(non_negative(-5), 5);
        // Math.abs(Integer.MIN_VALUE) is still negative; IndexFile uses 0 then.
        assert_eq!(non_negative(i32::MIN), 0);
        assert_eq!(java_string_hash("polygenelubricants"), i32::MIN);
    }

    /// A file laid out byte by byte as Java 4.9 writes it (two keys in one slot) is read.
    #[test]
    fn reads_a_java_layout_file_built_by_hand() {
        let dir = tempfile::tempdir().unwrap();
        let (slots, entries) = (4u32, 8u32);
        let mut b = vec![0u8; (40 + slots * 4 + entries * 20) as usize];
        let put_i64 = |b: &mut Vec<u8>, at: usize, v: i64| b[at..at + 8].copy_from_slice(&v.to_be_bytes());
        let put_i32 = |b: &mut Vec<u8>, at: usize, v: i32| b[at..at + 4].copy_from_slice(&v.to_be_bytes());
        let h1 = key_hash("TopicA", "order-1");
        let h2 = key_hash("TopicA", "order-2");
        // Header: begin/end timestamp, begin/end offset, slot count, index count (next = 3).
        put_i64(&mut b, 0, 1_700_000_000_000);
        put_i64(&mut b, 8, 1_700_000_005_000);
        put_i64(&mut b, 16, 0);
        put_i64(&mut b, 24, 4096);
        put_i32(&mut b, 32, 2);
        put_i32(&mut b, 36, 3);
        let entry = |n: u32| (40 + slots * 4 + n * 20) as usize;
        // Entry 1: order-1 at offset 0, time +0 s, no previous. Entry 2: order-2 at 4096, +5 s.
        put_i32(&mut b, entry(1), h1);
        put_i64(&mut b, entry(1) + 4, 0);
        put_i32(&mut b, entry(1) + 12, 0);
        put_i32(&mut b, entry(1) + 16, 0);
        let slot2 = (h2 as u32 % slots) as usize;
        let slot1 = (h1 as u32 % slots) as usize;
        // Same slot: entry 2 links to entry 1; otherwise each slot points at its own entry.
        let prev2 = if slot1 == slot2 { 1 } else { 0 };
        put_i32(&mut b, entry(2), h2);
        put_i64(&mut b, entry(2) + 4, 4096);
        put_i32(&mut b, entry(2) + 12, 5);
        put_i32(&mut b, entry(2) + 16, prev2);
        put_i32(&mut b, 40 + slot1 * 4, 1);
        put_i32(&mut b, 40 + slot2 * 4, 2);
        std::fs::write(dir.path().join("20231114221320000"), &b).unwrap();
        let idx = IndexService::open(dir.path(), true, slots, entries).unwrap();
        assert_eq!(idx.end_phy_offset(), 4096);
        assert_eq!(
            idx.query("TopicA", "order-1", 32, 0, i64::MAX)
                .unwrap()
                .phy_offsets,
            vec![0]
        );
        let q = idx.query("TopicA", "order-2", 32, 0, i64::MAX).unwrap();
        assert_eq!(q.phy_offsets, vec![4096]);
        assert_eq!(q.last_update_timestamp, 1_700_000_005_000);
        // The time range is honoured: order-2 was stored 5 s after the file began.
        assert!(idx
            .query("TopicA", "order-2", 32, 0, 1_700_000_001_000)
            .unwrap()
            .phy_offsets
            .is_empty());
    }

    #[test]
    fn put_then_query_finds_each_key_and_survives_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let idx_dir = dir.path().join("index");
        let mut idx = IndexService::open(&idx_dir, true, 7, 50).unwrap();
        assert!(idx.is_fresh());
        for i in 0..10i64 {
            let p = props(&format!("U{i}"), &format!("k{i} shared"));
            assert_eq!(idx.build("T", &p, 0, i * 100, 1_000 + i).unwrap(), 3);
        }
        let q = idx.query("T", "shared", 64, 0, i64::MAX).unwrap();
        let mut got = q.phy_offsets.clone();
        got.sort();
        assert_eq!(got, (0..10).map(|i| i * 100).collect::<Vec<_>>());
        assert_eq!(q.last_update_phy_offset, 900);
        assert_eq!(
            idx.query("T", "k3", 64, 0, i64::MAX).unwrap().phy_offsets,
            vec![300]
        );
        assert_eq!(
            idx.query("T", "U4", 64, 0, i64::MAX).unwrap().phy_offsets,
            vec![400]
        );
        assert!(idx
            .query("Other", "k3", 64, 0, i64::MAX)
            .unwrap()
            .phy_offsets
            .is_empty());
        assert_eq!(
            idx.query("T", "shared", 4, 0, i64::MAX)
                .unwrap()
                .phy_offsets
                .len(),
            4
        );
        drop(idx);
        let idx = IndexService::open(&idx_dir, true, 7, 50).unwrap();
        assert!(!idx.is_fresh());
        assert_eq!(idx.files()[0].header().index_count, 31);
        assert_eq!(
            idx.query("T", "k9", 64, 0, i64::MAX).unwrap().phy_offsets,
            vec![900]
        );
    }

    /// A power loss while the newest file was being created leaves it empty: it is dropped and
    /// the older files still serve; an empty file before the newest is corruption.
    #[test]
    fn an_empty_newest_file_left_by_a_crash_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let mut idx = IndexService::open(dir.path(), true, 7, 50).unwrap();
        assert_eq!(idx.build("T", &props("U1", "k1"), 0, 100, 1_000).unwrap(), 2);
        let first = idx.files()[0].name.clone();
        drop(idx);
        let empty = dir.path().join("99991231235959999");
        std::fs::File::create(&empty).unwrap();
        let idx = IndexService::open(dir.path(), true, 7, 50).unwrap();
        assert_eq!(idx.files().len(), 1);
        assert!(!empty.exists());
        assert_eq!(
            idx.query("T", "k1", 8, 0, i64::MAX).unwrap().phy_offsets,
            vec![100]
        );
        drop(idx);
        let before = dir.path().join("00000000000000000");
        std::fs::File::create(&before).unwrap();
        assert!(first.as_str() > "00000000000000000");
        let err = IndexService::open(dir.path(), true, 7, 50).unwrap_err();
        assert!(matches!(err, StoreError::Corruption { .. }), "{err}");
    }

    #[test]
    fn full_files_roll_over_and_old_ones_expire() {
        let dir = tempfile::tempdir().unwrap();
        let mut idx = IndexService::open(dir.path(), true, 5, 4).unwrap();
        // 3 entries per file (numbers 1..=3).
        for i in 0..7i64 {
            idx.build("T", &props(&format!("u{i}"), ""), 0, i * 10, 5_000 + i * 1000)
                .unwrap();
        }
        assert_eq!(idx.files().len(), 3);
        assert_eq!(idx.files()[1].header().begin_phy_offset, 30);
        assert!(idx.files()[0].name < idx.files()[1].name);
        for i in 0..7i64 {
            let q = idx.query("T", &format!("u{i}"), 64, 0, i64::MAX).unwrap();
            assert_eq!(q.phy_offsets, vec![i * 10], "u{i}");
        }
        assert_eq!(idx.delete_expired(25).unwrap(), 1);
        assert_eq!(idx.files().len(), 2);
        // The newest file is kept whatever its offsets.
        assert_eq!(idx.delete_expired(10_000).unwrap(), 1);
        assert_eq!(idx.files().len(), 1);
    }

    #[test]
    fn dispatching_again_adds_only_missing_keys_and_skips_older_records() {
        let dir = tempfile::tempdir().unwrap();
        let mut idx = IndexService::open(dir.path(), true, 11, 100).unwrap();
        assert_eq!(idx.build("T", &props("u1", "a b"), 0, 0, 1000).unwrap(), 3);
        assert_eq!(idx.build("T", &props("u2", "c"), 0, 50, 2000).unwrap(), 2);
        // Re-dispatch of both records after a restart.
        assert_eq!(idx.build("T", &props("u1", "a b"), 0, 0, 1000).unwrap(), 0);
        assert_eq!(idx.build("T", &props("u2", "c"), 0, 50, 2000).unwrap(), 0);
        // Prepared and rolled-back transaction records are not indexed.
        assert_eq!(
            idx.build("T", &props("u3", "d"), sys_flag::TRANSACTION_PREPARED, 90, 3000)
                .unwrap(),
            0
        );
        assert_eq!(
            idx.build("T", &props("u3", "d"), sys_flag::TRANSACTION_ROLLBACK, 90, 3000)
                .unwrap(),
            0
        );
        assert_eq!(
            idx.build("T", &props("u3", "d"), sys_flag::TRANSACTION_COMMIT, 90, 3000)
                .unwrap(),
            2
        );
        assert_eq!(
            idx.query("T", "c", 64, 0, i64::MAX).unwrap().phy_offsets,
            vec![50]
        );
        // A record cut short by a crash after its first key: the others are added once.
        idx.put_key(key_hash("T", "u4"), 120, 4000).unwrap();
        assert_eq!(idx.build("T", &props("u4", "x y"), 0, 120, 4000).unwrap(), 2);
        assert_eq!(idx.build("T", &props("u4", "x y"), 0, 120, 4000).unwrap(), 0);
        for k in ["u4", "x", "y"] {
            assert_eq!(
                idx.query("T", k, 64, 0, i64::MAX).unwrap().phy_offsets,
                vec![120],
                "{k}"
            );
        }
    }

    #[test]
    fn a_damaged_chain_ends_the_walk() {
        let dir = tempfile::tempdir().unwrap();
        let mut idx = IndexService::open(dir.path(), true, 3, 10).unwrap();
        idx.build("T", &props("u", ""), 0, 0, 1000).unwrap();
        idx.build("T", &props("u", ""), 0, 10, 1000).unwrap();
        let f = &idx.files()[0];
        // Entry 2 points at itself.
        let pos = f.entry_pos(2) + fmt::ENTRY_PREV_INDEX as u64;
        f.file.write_at(&2i32.to_be_bytes(), pos).unwrap();
        assert_eq!(
            idx.query("T", "u", 64, 0, i64::MAX).unwrap().phy_offsets,
            vec![10]
        );
        // A loop 3 -> 2 -> 3: each entry is returned once and the walk ends.
        idx.build("T", &props("u", ""), 0, 20, 1000).unwrap();
        let f = &idx.files()[0];
        f.file
            .write_at(&3i32.to_be_bytes(), f.entry_pos(2) + fmt::ENTRY_PREV_INDEX as u64)
            .unwrap();
        assert_eq!(
            idx.query("T", "u", 64, 0, i64::MAX).unwrap().phy_offsets,
            vec![20, 10]
        );
    }

    #[test]
    fn names_sort_in_creation_order() {
        let a = next_file_name(1_700_000_000_123, None);
        assert_eq!(a.len(), fmt::FILE_NAME_WIDTH);
        assert!(a.ends_with("123"));
        let b = next_file_name(1_700_000_000_123, Some(&a));
        assert!(b > a);
        let c = next_file_name(1_600_000_000_000, Some(&b));
        assert!(c > b);
    }

    mod store {
        use std::path::Path;
        use std::time::{Duration, SystemTime};

        use crate::store::message::{decode_records, encode_properties, MessageToStore};
        use crate::store::{local_hour, MessageStore, StoreConfig};

        const KB64: u64 = 64 * 1024;

        fn cfg(root: &Path) -> StoreConfig {
            let mut c = StoreConfig::new(root, "127.0.0.1:10911".parse().unwrap());
            c.commitlog_file_size = KB64;
            c.cq_file_size = 200;
            c.max_hash_slot_num = 32;
            c.max_index_num = 64;
            c
        }

        fn keyed(i: usize) -> MessageToStore {
            MessageToStore {
                topic: "T".into(),
                queue_id: 0,
                flag: 0,
                sys_flag: 0,
                born_timestamp: 1_700_000_000_000,
                born_host: "192.168.1.7:40000".parse().unwrap(),
                store_host: "127.0.0.1:10911".parse().unwrap(),
                reconsume_times: 0,
                prepared_transaction_offset: 0,
                body: vec![i as u8; 1500],
                properties: encode_properties([
                    ("KEYS", format!("k{i}").as_str()),
                    ("UNIQ_KEY", &format!("U{i}")),
                ]),
                tags_code: 0,
            }
        }

        fn found(store: &MessageStore, key: &str) -> usize {
            let r = store.query_message("T", key, 32, 0, i64::MAX).unwrap();
            let n = decode_records(&r.records).unwrap().len();
            assert_eq!(n, r.count);
            n
        }

        fn entries(store: &MessageStore) -> i32 {
            let st = store.shared.read();
            st.index.files().iter().map(|f| f.header().index_count - 1).sum()
        }

        #[tokio::test]
        async fn index_files_expire_with_the_commitlog() {
            let dir = tempfile::tempdir().unwrap();
            let now = SystemTime::now();
            let mut c = cfg(dir.path());
            c.delete_when = format!("{:02}", local_hour(now));
            c.file_reserved_time_hours = 1;
            c.disk_max_used_space_ratio = 100;
            let store = MessageStore::open(c).unwrap();
            for i in 0..200 {
                store.put_message(keyed(i)).await.unwrap();
            }
            // 400 entries, 63 a file.
            let before = store.shared.read().index.files().len();
            assert_eq!(before, 7);
            let files: Vec<_> = store.shared.read().commitlog.files().to_vec();
            let old = now - Duration::from_secs(2 * 3600);
            for f in &files[..3] {
                f.file.set_modified(old).unwrap();
            }
            assert_eq!(store.clean_expired_files(now).unwrap(), 3);
            let min = store.commitlog_min_offset() as i64;
            let st = store.shared.read();
            let left = st.index.files();
            assert!(left.len() < before && left.len() > 1, "{} files left", left.len());
            // The oldest remaining file still covers records at or past the new minimum.
            assert!(left[0].header().end_phy_offset >= min);
            drop(st);
            assert_eq!(found(&store, "k199"), 1);
            assert_eq!(found(&store, "U150"), 1);
            // Records of deleted commitlog files are not returned, even if still indexed.
            assert_eq!(found(&store, "k0"), 0);
        }

        #[tokio::test]
        async fn crashes_keep_each_key_once_and_a_cut_commitlog_is_reindexed() {
            let dir = tempfile::tempdir().unwrap();
            let root = dir.path();
            let store = MessageStore::open(cfg(root)).unwrap();
            let mut puts = Vec::new();
            for i in 0..20 {
                puts.push(store.put_message(keyed(i)).await.unwrap());
            }
            assert_eq!(entries(&store), 40);
            drop(store);

            // A crash: recovery dispatches the whole commitlog again; nothing is indexed twice.
            std::fs::write(root.join("abort"), b"").unwrap();
            let store = MessageStore::open(cfg(root)).unwrap();
            assert_eq!(entries(&store), 40);
            assert_eq!(found(&store, "k7"), 1);
            drop(store);

            // The commitlog lost its last five records (a power loss): the index files that
            // point past its end go, the rest is indexed again, and new records are indexed.
            let cut = puts[15].phys_offset;
            let path = root
                .join("commitlog")
                .join(crate::store::format::offset_to_file_name(0));
            let f = std::fs::OpenOptions::new().write(true).open(path).unwrap();
            use std::os::unix::fs::FileExt;
            f.write_all_at(&vec![0u8; (puts[19].end_offset - cut) as usize], cut)
                .unwrap();
            drop(f);
            std::fs::write(root.join("abort"), b"").unwrap();
            let store = MessageStore::open(cfg(root)).unwrap();
            assert_eq!(store.commitlog_max_offset(), cut);
            assert_eq!(found(&store, "k14"), 1);
            assert_eq!(found(&store, "k15"), 0);
            assert_eq!(found(&store, "k3"), 1);
            let again = store.put_message(keyed(15)).await.unwrap();
            assert_eq!(again.phys_offset, cut);
            assert_eq!(found(&store, "k15"), 1);
            assert_eq!(entries(&store), 32);
        }
    }

    #[test]
    fn a_file_of_another_layout_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut idx = IndexService::open(dir.path(), true, 3, 10).unwrap();
        idx.build("T", &props("u", ""), 0, 0, 1000).unwrap();
        drop(idx);
        let err = IndexService::open(dir.path(), true, 4, 10).unwrap_err();
        assert!(err.to_string().contains("maxHashSlotNum"), "{err}");
    }
}
