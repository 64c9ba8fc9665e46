//! The commitlog: every message record, back to back, in preallocated fixed-size files named by
//! their 20-digit start offset (spec §5.1).
//!
//! This module only knows bytes and file boundaries: appending records (with the end-of-file blank),
//! reading by physical offset, raw HA reads and writes, recovery of a torn tail, and retention. It
//! knows nothing about consume queues; [`CommitLog::scan`] hands decoded records to whoever
//! dispatches them, so a DLedger-backed log can feed the same consume queues later.
//!
//! Files are plain `std::fs::File`s written with positioned writes; the OS page cache makes the
//! data visible to readers at once, and the store's flusher calls `fdatasync` on the files that
//! have unflushed data.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::checkpoint::sync_dir;
use super::data_files::open_data_files;
use super::error::{io_err, Result, StoreError};
use super::format::{self, record, BLANK_MAGIC_CODE, END_FILE_MIN_BLANK_LENGTH};
use super::message::{decode_record, DecodedMessage};

/// One commitlog file.
#[derive(Debug, Clone)]
pub struct LogFile {
    /// Global offset of the file's first byte (its name).
    pub start: u64,
    /// The open file, shared with the flusher.
    pub file: Arc<File>,
    /// Its path.
    pub path: PathBuf,
}

/// What [`CommitLog::scan`] found at a position.
enum Step {
    Record(Box<DecodedMessage>, u64),
    NextFile(u64),
    End,
}

/// The commitlog files of one store.
#[derive(Debug)]
pub struct CommitLog {
    dir: PathBuf,
    file_size: u64,
    files: Vec<LogFile>,
    /// Global offset one past the last written byte.
    max_offset: u64,
}

impl CommitLog {
    /// Opens the directory (creating it) and lists its files. Names that are not 20 digits are
    /// ignored; files shorter than `file_size` (a crash during preallocation) are extended.
    /// [`CommitLog::recover`] must run before appending.
    ///
    /// # Errors
    /// [`StoreError::Io`], or [`StoreError::Corruption`] for a file longer than `file_size` or
    /// not on a file-size boundary relative to its predecessor.
    pub fn open(dir: &Path, file_size: u64) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(io_err("create directory", dir))?;
        let files: Vec<(u64, LogFile)> = open_data_files(dir)?
            .into_iter()
            .map(|f| {
                let file = LogFile {
                    start: f.start,
                    file: Arc::new(f.file),
                    path: f.path,
                };
                (f.len, file)
            })
            .collect();
        // Validate everything before changing anything: a store written with another file size
        // must be refused, not "repaired".
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
                        "file is {len} bytes at offset {}; does mappedFileSizeCommitLog ({file_size}) match the \
                         size the store was written with?",
                        f.start
                    ),
                });
            }
            if let Some((_, next)) = files.get(i + 1) {
                if next.start != f.start + file_size {
                    return Err(StoreError::Corruption {
                        path: next.path.clone(),
                        offset: 0,
                        reason: format!("expected a file starting at {}", f.start + file_size),
                    });
                }
            }
        }
        // Only the newest file can be short: a crash while it was being preallocated.
        if let Some((len, f)) = files.last() {
            if *len < file_size {
                f.file.set_len(file_size).map_err(io_err("extend", &f.path))?;
            }
        }
        let files: Vec<LogFile> = files.into_iter().map(|(_, f)| f).collect();
        let max_offset = files.first().map_or(0, |f| f.start);
        Ok(Self {
            dir: dir.to_owned(),
            file_size,
            files,
            max_offset,
        })
    }

    /// Size of each file.
    pub fn file_size(&self) -> u64 {
        self.file_size
    }

    /// The files, oldest first.
    pub fn files(&self) -> &[LogFile] {
        &self.files
    }

    /// Offset of the oldest byte still stored (0 for an empty log).
    pub fn min_offset(&self) -> u64 {
        self.files.first().map_or(0, |f| f.start)
    }

    /// Offset one past the last written byte.
    pub fn max_offset(&self) -> u64 {
        self.max_offset
    }

    fn file_index(&self, offset: u64) -> Option<usize> {
        let first = self.files.first()?.start;
        let idx = usize::try_from(offset.checked_sub(first)? / self.file_size).ok()?;
        (idx < self.files.len()).then_some(idx)
    }

    /// Ends the last file: writes the end-of-file blank (int32 remaining size, int32
    /// `BLANK_MAGIC_CODE`) at the write position when there is room for it, and moves the write
    /// position to the next file's start, which it returns. `None` when there is no file.
    ///
    /// # Errors
    /// [`StoreError::Io`].
    pub fn close_last_file(&mut self) -> Result<Option<u64>> {
        let Some(f) = self.files.last() else {
            return Ok(None);
        };
        let end = f.start + self.file_size;
        if self.max_offset < end && end - self.max_offset >= END_FILE_MIN_BLANK_LENGTH as u64 {
            let mut blank = [0u8; END_FILE_MIN_BLANK_LENGTH];
            blank[..4].copy_from_slice(&((end - self.max_offset) as i32).to_be_bytes());
            blank[4..].copy_from_slice(&BLANK_MAGIC_CODE.to_be_bytes());
            f.file
                .write_all_at(&blank, self.max_offset - f.start)
                .map_err(io_err("write", &f.path))?;
        }
        self.max_offset = self.max_offset.max(end);
        Ok(Some(end))
    }

    /// fdatasyncs the last file.
    ///
    /// # Errors
    /// [`StoreError::Io`].
    pub fn sync_last_file(&self) -> Result<()> {
        match self.files.last() {
            Some(f) => f.file.sync_data().map_err(io_err("fsync", &f.path)),
            None => Ok(()),
        }
    }

    /// Start of the file after the one holding `offset`.
    pub fn roll_next_file(&self, offset: u64) -> u64 {
        offset - offset % self.file_size + self.file_size
    }

    fn read_at(&self, f: &LogFile, buf: &mut [u8], global: u64) -> Result<()> {
        f.file
            .read_exact_at(buf, global - f.start)
            .map_err(io_err("read", &f.path))
    }

    /// Reads `len` bytes at `offset` if they lie inside one file and below the max offset.
    ///
    /// # Errors
    /// [`StoreError::Io`].
    pub fn read(&self, offset: u64, len: usize) -> Result<Option<Vec<u8>>> {
        let Some(i) = self.file_index(offset) else {
            return Ok(None);
        };
        let f = &self.files[i];
        let end = offset + len as u64;
        if end > self.max_offset || end > f.start + self.file_size {
            return Ok(None);
        }
        let mut buf = vec![0u8; len];
        self.read_at(f, &mut buf, offset)?;
        Ok(Some(buf))
    }

    /// Reads the whole record at `offset` (its TOTALSIZE decides the length).
    ///
    /// # Errors
    /// [`StoreError::Io`].
    pub fn read_record(&self, offset: u64) -> Result<Option<Vec<u8>>> {
        let Some(head) = self.read(offset, 8)? else {
            return Ok(None);
        };
        let size = i32::from_be_bytes([head[0], head[1], head[2], head[3]]);
        let magic = u32::from_be_bytes([head[4], head[5], head[6], head[7]]);
        if size <= 0 || (magic != format::MESSAGE_MAGIC_CODE_V1 && magic != format::MESSAGE_MAGIC_CODE_V2) {
            return Ok(None);
        }
        self.read(offset, size as usize)
    }

    /// Raw bytes from `from` up to `max_bytes`, stopping at the end of its file and at the max
    /// offset (for the HA stream; may contain the end-of-file blank and its zero padding).
    ///
    /// # Errors
    /// [`StoreError::Io`].
    pub fn read_raw(&self, from: u64, max_bytes: usize) -> Result<Vec<u8>> {
        let Some(i) = self.file_index(from) else {
            return Ok(Vec::new());
        };
        let f = &self.files[i];
        let end = (f.start + self.file_size)
            .min(self.max_offset)
            .min(from + max_bytes as u64);
        if end <= from {
            return Ok(Vec::new());
        }
        let mut buf = vec![0u8; (end - from) as usize];
        self.read_at(f, &mut buf, from)?;
        Ok(buf)
    }

    fn create_file(&mut self, start: u64) -> Result<()> {
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
        self.files.push(LogFile {
            start,
            file: Arc::new(file),
            path,
        });
        Ok(())
    }

    /// Makes sure a file holds `max_offset`, creating the next one when the last is full.
    fn ensure_writable_file(&mut self) -> Result<()> {
        let need = match self.files.last() {
            None => true,
            Some(last) => self.max_offset >= last.start + self.file_size,
        };
        if need {
            let start = self.max_offset - self.max_offset % self.file_size;
            self.create_file(start)?;
        }
        Ok(())
    }

    /// Appends encoded records as one write, patching each record's PHYSICALOFFSET.
    ///
    /// `record_lens` gives the length of each record in `buf`. If the whole buffer plus an 8-byte
    /// blank does not fit in the current file, the blank is written and the buffer goes to the next
    /// file. Returns the offset of the first record.
    ///
    /// # Errors
    /// [`StoreError::MessageIllegal`] if the buffer can never fit in a file, [`StoreError::Io`].
    pub fn append(&mut self, buf: &mut [u8], record_lens: &[usize]) -> Result<u64> {
        let len = buf.len() as u64;
        if len + END_FILE_MIN_BLANK_LENGTH as u64 > self.file_size {
            return Err(StoreError::MessageIllegal(format!(
                "{len} bytes of records do not fit in a {}-byte commitlog file",
                self.file_size
            )));
        }
        self.ensure_writable_file()?;
        let mut last = self.files.len() - 1;
        let remaining = self.files[last].start + self.file_size - self.max_offset;
        if len + END_FILE_MIN_BLANK_LENGTH as u64 > remaining {
            self.close_last_file()?;
            self.ensure_writable_file()?;
            last = self.files.len() - 1;
        }
        let base = self.max_offset;
        let mut pos = 0usize;
        for &l in record_lens {
            let phys = (base + pos as u64) as i64;
            buf[pos + record::PHYSICAL_OFFSET..pos + record::PHYSICAL_OFFSET + 8]
                .copy_from_slice(&phys.to_be_bytes());
            pos += l;
        }
        let f = &self.files[last];
        if let Err(e) = f.file.write_all_at(buf, base - f.start) {
            // A full disk (ENOSPC) or a file-size limit (EFBIG) can stop the write part-way. The
            // write position stays at `base`, so the next append overwrites these bytes; zero what
            // did get written anyway (those pages are allocated already, so this needs no space),
            // so no torn record is left past the end for a later recovery to read.
            let _ = f.file.write_all_at(&vec![0u8; buf.len()], base - f.start);
            return Err(io_err("write", &f.path)(e));
        }
        self.max_offset = base + len;
        Ok(base)
    }

    /// Writes raw bytes (from an HA master) at `offset`, which must equal the max offset, creating
    /// files as needed.
    ///
    /// # Errors
    /// [`StoreError::OffsetMismatch`], [`StoreError::Io`].
    pub fn append_raw(&mut self, offset: u64, mut bytes: &[u8]) -> Result<()> {
        let empty = self.files.is_empty();
        if empty {
            self.max_offset = offset;
        } else if offset != self.max_offset {
            return Err(StoreError::OffsetMismatch {
                expected: self.max_offset,
                got: offset,
            });
        }
        while !bytes.is_empty() {
            self.ensure_writable_file()?;
            let f = &self.files[self.files.len() - 1];
            let room = (f.start + self.file_size - self.max_offset) as usize;
            let n = room.min(bytes.len());
            f.file
                .write_all_at(&bytes[..n], self.max_offset - f.start)
                .map_err(io_err("write", &f.path))?;
            self.max_offset += n as u64;
            bytes = &bytes[n..];
        }
        Ok(())
    }

    /// Files that hold bytes in `[from, to)`, for the flusher.
    pub fn files_in_range(&self, from: u64, to: u64) -> Vec<LogFile> {
        self.files
            .iter()
            .filter(|f| f.start < to && f.start + self.file_size > from)
            .cloned()
            .collect()
    }

    fn step(&self, pos: u64, limit: u64, check_crc: bool) -> Result<Step> {
        let Some(i) = self.file_index(pos) else {
            return Ok(Step::End);
        };
        let f = &self.files[i];
        let file_end = f.start + self.file_size;
        if pos + 8 > file_end {
            return Ok(if pos == file_end {
                Step::NextFile(file_end)
            } else {
                Step::End
            });
        }
        if pos + 8 > limit {
            return Ok(Step::End);
        }
        let mut head = [0u8; 8];
        self.read_at(f, &mut head, pos)?;
        let size = i32::from_be_bytes([head[0], head[1], head[2], head[3]]);
        let magic = u32::from_be_bytes([head[4], head[5], head[6], head[7]]);
        if magic == BLANK_MAGIC_CODE {
            // A blank must fill the rest of its file exactly.
            return Ok(if size > 0 && pos + size as u64 == file_end {
                Step::NextFile(file_end)
            } else {
                Step::End
            });
        }
        if size <= 0 || pos + size as u64 > file_end.min(limit) {
            return Ok(Step::End);
        }
        let mut buf = vec![0u8; size as usize];
        self.read_at(f, &mut buf, pos)?;
        let Ok(msg) = decode_record(&buf) else {
            return Ok(Step::End);
        };
        if (check_crc && !msg.crc_ok()) || msg.physical_offset != pos as i64 {
            return Ok(Step::End);
        }
        Ok(Step::Record(Box::new(msg), pos + size as u64))
    }

    /// Walks records from `from` (a record boundary) until the first invalid one or `limit`,
    /// calling `on_record(offset, record)` for each. Blanks move to the next file. Returns the
    /// offset just past the last valid record (or blank).
    ///
    /// A record is valid when its magic is v1/v2, its TOTALSIZE matches its fields and fits in its
    /// file, its PHYSICALOFFSET equals its position and (with `check_crc`) its body CRC matches.
    ///
    /// # Errors
    /// [`StoreError::Io`] only; invalid data ends the walk.
    pub fn scan(
        &self,
        from: u64,
        limit: u64,
        check_crc: bool,
        mut on_record: impl FnMut(u64, &DecodedMessage) -> Result<()>,
    ) -> Result<u64> {
        let mut pos = from;
        loop {
            match self.step(pos, limit, check_crc)? {
                Step::Record(msg, next) => {
                    on_record(pos, &msg)?;
                    pos = next;
                }
                Step::NextFile(next) => {
                    if next > limit {
                        // The blank's padding has not fully arrived (HA): stop before it.
                        return Ok(pos);
                    }
                    if next == limit || self.file_index(next).is_none() {
                        // The blank itself is valid data: the write position is the file end.
                        return Ok(next);
                    }
                    pos = next;
                }
                Step::End => return Ok(pos),
            }
        }
    }

    /// Where a recovery after a clean stop starts checking: the last record dispatched to a
    /// consume queue (`anchor`, as (offset, end)), when that record is intact and ends where the
    /// queue says. Everything before it was dispatched and flushed when the store stopped, so
    /// only what follows it (records no queue points at, such as transaction halves) is read.
    /// Without a usable anchor (no queues, or a queue pointing at something else), Java's rule:
    /// the third-last file.
    ///
    /// # Errors
    /// [`StoreError::Io`].
    pub fn clean_recovery_start(&self, anchor: Option<(u64, u64)>) -> Result<u64> {
        if let Some((at, end)) = anchor {
            if let Step::Record(_, next) = self.step(at, u64::MAX, true)? {
                if next == end {
                    return Ok(at);
                }
            }
            tracing::warn!(
                offset = at,
                "the last dispatched record is not intact; checking the last three commitlog files"
            );
        }
        let i = self.files.len().saturating_sub(3);
        Ok(self.files.get(i).map_or(0, |f| f.start))
    }

    /// Where a recovery after a crash starts (Java's abnormal recovery): the newest file whose
    /// first record was stored at or before `min_timestamp`, the checkpoint's proof of what was
    /// flushed and dispatched. The first file when no file qualifies (no checkpoint yet).
    ///
    /// # Errors
    /// [`StoreError::Io`].
    pub fn crash_recovery_start(&self, min_timestamp: i64) -> Result<u64> {
        for f in self.files.iter().rev() {
            if let Step::Record(m, _) = self.step(f.start, u64::MAX, true)? {
                if m.store_timestamp > 0 && m.store_timestamp <= min_timestamp {
                    return Ok(f.start);
                }
            }
        }
        Ok(self.files.first().map_or(0, |f| f.start))
    }

    /// The store timestamp of the intact record (CRC checked) at `at`, if one starts there.
    ///
    /// # Errors
    /// [`StoreError::Io`].
    pub fn intact_record_timestamp(&self, at: u64) -> Result<Option<i64>> {
        Ok(match self.step(at, u64::MAX, true)? {
            Step::Record(m, _) => Some(m.store_timestamp),
            _ => None,
        })
    }

    /// Finds the end of valid data from `from` (a record boundary, see
    /// [`CommitLog::clean_recovery_start`] and [`CommitLog::crash_recovery_start`]) and cuts
    /// everything after it: zeroes the rest of the file it is in and deletes later files. With
    /// `thorough` (after a crash) the rest of the last file is zeroed even when it starts with
    /// zeros. Returns the new max offset and the number of records checked.
    ///
    /// # Errors
    /// [`StoreError::Io`].
    pub fn recover_from(&mut self, from: u64, thorough: bool) -> Result<(u64, usize)> {
        if self.files.is_empty() {
            self.max_offset = 0;
            return Ok((0, 0));
        }
        let limit = self.files[self.files.len() - 1].start + self.file_size;
        let mut checked = 0;
        let end = self.scan(from, limit, true, |_, _| {
            checked += 1;
            Ok(())
        })?;
        self.truncate_after(end, thorough)?;
        self.max_offset = end;
        Ok((end, checked))
    }

    /// Deletes files starting after `end` and zeroes the bytes after `end` in its file, so stale
    /// records can never be mistaken for valid ones by a later recovery. After a clean shutdown
    /// (`thorough == false`) the rest of the file is only zeroed when the bytes right after `end`
    /// are not already zero, which saves reading up to a whole file at every start.
    fn truncate_after(&mut self, end: u64, thorough: bool) -> Result<()> {
        while let Some(last) = self.files.last() {
            if last.start > end {
                let path = last.path.clone();
                tracing::warn!(file = %path.display(), "deleting commitlog file past the last valid record");
                std::fs::remove_file(&path).map_err(io_err("remove", &path))?;
                self.files.pop();
            } else {
                break;
            }
        }
        if let Some(i) = self.file_index(end) {
            let f = &self.files[i];
            let from = end - f.start;
            let probe_len = (self.file_size - from).min(4096) as usize;
            let mut probe = vec![0u8; probe_len];
            f.file
                .read_exact_at(&mut probe, from)
                .map_err(io_err("read", &f.path))?;
            if thorough || probe.iter().any(|&b| b != 0) {
                if probe.iter().any(|&b| b != 0) {
                    tracing::warn!(file = %f.path.display(), offset = end, "zeroing data after the last valid record");
                }
                zero_range(&f.file, &f.path, from, self.file_size)?;
            }
        }
        sync_dir(&self.dir)
    }

    /// Deletes old files, never the one being written. Without `force` only files whose mtime is
    /// older than `reserved`; with `force` (disk nearly full) the oldest files regardless of age.
    /// At most `max_files` per call. Returns the start offsets of the deleted files.
    ///
    /// # Errors
    /// [`StoreError::Io`].
    pub fn delete_expired(
        &mut self,
        now: SystemTime,
        reserved: Duration,
        force: bool,
        max_files: usize,
    ) -> Result<Vec<u64>> {
        let mut deleted = Vec::new();
        while self.files.len() > 1 && deleted.len() < max_files {
            let f = &self.files[0];
            let mtime = f
                .file
                .metadata()
                .and_then(|m| m.modified())
                .map_err(io_err("stat", &f.path))?;
            let expired = now.duration_since(mtime).is_ok_and(|age| age >= reserved);
            if !expired && !force {
                break;
            }
            std::fs::remove_file(&f.path).map_err(io_err("remove", &f.path))?;
            tracing::info!(file = %f.path.display(), force, "deleted expired commitlog file");
            deleted.push(f.start);
            self.files.remove(0);
        }
        Ok(deleted)
    }
}

/// Writes zeros over `[from, to)` of a file, skipping chunks that are already zero.
pub(crate) fn zero_range(file: &File, path: &Path, from: u64, to: u64) -> Result<()> {
    const CHUNK: u64 = 64 * 1024;
    let zeros = vec![0u8; CHUNK as usize];
    let mut buf = vec![0u8; CHUNK as usize];
    let mut pos = from;
    while pos < to {
        let n = CHUNK.min(to - pos) as usize;
        file.read_exact_at(&mut buf[..n], pos)
            .map_err(io_err("read", path))?;
        if buf[..n].iter().any(|&b| b != 0) {
            file.write_all_at(&zeros[..n], pos)
                .map_err(io_err("write", path))?;
        }
        pos += n as u64;
    }
    file.sync_data().map_err(io_err("fsync", path))
}
