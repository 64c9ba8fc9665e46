//! Recovery: rebuilding the in-memory log from the data files when the store opens.
//!
//! There are no index files, so every open scans the data files and checks every entry (magic,
//! size, pos, consecutive DLedger index, non-decreasing term, body CRC), then numbers the
//! openraft entries from the purge point. What a crash leaves behind is repaired here: a torn
//! tail (a header or body that did not reach the disk, the records of a batch only partly
//! written) is zeroed, a file created but not yet extended is extended, a blank written
//! without the next file gets that file. Anything else that breaks the layout (a gap in the
//! file names, data after an invalid entry, a damaged committed entry) refuses the open rather
//! than cut data that may be needed.
//!
//! [`recover`] runs the steps in order: list and check the files ([`list_data_files`],
//! [`check_file_names`], [`open_data_files`]), read the entries ([`scan_entries`]), cut what
//! follows the last valid one ([`cut_torn_tail`]) and make sure the write position has a file
//! ([`ensure_write_file`]).

use std::fs::{self, File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Arc;

use super::entry::{be_i32, body_crc_ok, EntryKind, EntryLocation, Header};
use super::writer::{create_data_file, zero_range};
use super::{io_err, LogStoreError, Shared, State};
use crate::durable;
use crate::raft::types::LogId;
use crate::store::format::{self, dledger as dl};

/// Scans the data files into `st` (see [`LogStore::open`](super::LogStore::open)).
pub(super) fn recover(
    shared: &Shared,
    st: &mut State,
    committed: Option<&LogId>,
) -> Result<(), LogStoreError> {
    let opts = &shared.opts;
    let starts = list_data_files(shared)?;
    if starts.is_empty() {
        let path = shared.file_path(opts.base_offset);
        let f = create_data_file(&path, opts.file_size)?;
        durable::sync_dir(&opts.data_dir)?;
        st.files.insert(opts.base_offset, f);
        st.write_pos = opts.base_offset;
        return Ok(());
    }
    check_file_names(shared, &starts)?;
    open_data_files(shared, st, &starts)?;

    let purged = st.last_purged;
    // DLedger index of the last purged record: entries up to it are hidden.
    let purged_dl = purged.map(|p| st.last_purged_dl.unwrap_or(p.index));
    let Scan {
        mut entries,
        end,
        stop,
    } = scan_entries(shared, st, &starts, purged_dl)?;
    // Number the openraft entries: from the purge point when there is one, else from the
    // first entry's DLedger index (equal to its openraft index: no batch precedes it).
    entries.retain(|m| purged_dl.is_none_or(|p| m.dl_index > p));
    let first_index = match (purged, entries.first()) {
        (Some(p), _) => p.index + 1,
        (None, Some(m)) => m.dl_index,
        (None, None) => 0,
    };
    let next_index = first_index + entries.len() as u64;

    let pos = match &stop {
        Some((at, reason)) => {
            cut_torn_tail(shared, st, *at, reason, committed, next_index)?;
            *at
        }
        None => end,
    };
    st.write_pos = pos;
    ensure_write_file(shared, st, pos)?;

    st.first_index = first_index;
    st.next_dl = match (entries.last(), purged_dl) {
        (Some(m), _) => m.dl_index + u64::from(m.count),
        (None, Some(p)) => p + 1,
        (None, None) => 0,
    };
    st.metas = entries.into_iter().map(Some).collect();
    Ok(())
}

/// Start offsets of the data files (the files named by a 20-digit offset), in order.
fn list_data_files(shared: &Shared) -> Result<Vec<u64>, LogStoreError> {
    let data_dir = &shared.opts.data_dir;
    let mut starts = Vec::new();
    for e in fs::read_dir(data_dir).map_err(io_err(data_dir))? {
        let e = e.map_err(io_err(data_dir))?;
        if let Some(start) = format::path_to_offset(&e.path()) {
            starts.push(start);
        }
    }
    starts.sort_unstable();
    Ok(starts)
}

/// Refuses a gap between data files: each must start where the previous one ends.
fn check_file_names(shared: &Shared, starts: &[u64]) -> Result<(), LogStoreError> {
    let fs_ = shared.opts.file_size;
    for w in starts.windows(2) {
        if w[1] != w[0] + fs_ {
            return Err(LogStoreError::Corruption {
                path: shared.file_path(w[1]),
                pos: w[1],
                reason: format!("expected the next data file at {}", w[0] + fs_),
            });
        }
    }
    Ok(())
}

/// Opens the data files into `st`, extending one created but not yet extended when the process
/// died; refuses a file larger than `file_size`.
fn open_data_files(shared: &Shared, st: &mut State, starts: &[u64]) -> Result<(), LogStoreError> {
    let fs_ = shared.opts.file_size;
    for &start in starts {
        let path = shared.file_path(start);
        let f = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .map_err(io_err(&path))?;
        let len = f.metadata().map_err(io_err(&path))?.len();
        if len > fs_ {
            return Err(LogStoreError::Corruption {
                path,
                pos: start,
                reason: format!("file is {len} bytes, larger than the configured {fs_}"),
            });
        }
        if len < fs_ {
            // Created but not yet extended when the process died.
            f.set_len(fs_).map_err(io_err(&path))?;
        }
        st.files.insert(start, Arc::new(f));
    }
    Ok(())
}

/// What [`scan_entries`] found.
struct Scan {
    /// The openraft entries, in order (the records of a batched entry make one), purged ones
    /// included.
    entries: Vec<EntryLocation>,
    /// Where the data ends, when it ends at a file boundary rather than at `stop`.
    end: u64,
    /// The first position that holds no valid entry, and why; the reason is empty for zeros,
    /// the ordinary end of the data.
    stop: Option<(u64, String)>,
}

/// What the scan does after one read of a data file.
enum Step {
    /// A valid DLedger entry that ends at this position.
    Entry(u64),
    /// The end-of-file blank: go on with the next file.
    FileEnd,
    /// The data ends at this position, for this reason (see [`Scan::stop`]).
    Stop(u64, String),
}

/// The scan's progress: the entries read so far, and what the next one must continue.
struct Scanner {
    /// DLedger index of the last purged record.
    purged_dl: Option<u64>,
    /// openraft entries found, in order (a group of record entries counts as one).
    entries: Vec<EntryLocation>,
    /// The record entries of an openraft entry whose last record is not read yet.
    group: Option<EntryLocation>,
    /// DLedger index and term of the last DLedger entry read.
    prev: Option<(u64, u64)>,
}

/// Reads the DLedger entries of the data files `starts` (opened in `st`) from the first file's
/// start until the first position that does not hold a valid one.
fn scan_entries(
    shared: &Shared,
    st: &State,
    starts: &[u64],
    purged_dl: Option<u64>,
) -> Result<Scan, LogStoreError> {
    let fs_ = shared.opts.file_size;
    let mut scanner = Scanner {
        purged_dl,
        entries: Vec::new(),
        group: None,
        prev: None,
    };
    let mut pos = starts[0];
    let mut stop = None;
    'files: for &start in starts {
        if pos != start {
            // The previous file did not end with a blank: data stopped there.
            break;
        }
        let file_end = start + fs_;
        let file = &st.files[&start];
        let path = shared.file_path(start);
        loop {
            match scanner.step(file, &path, start, pos, file_end)? {
                Step::Entry(end) => pos = end,
                Step::FileEnd => {
                    pos = file_end;
                    continue 'files;
                }
                Step::Stop(at, reason) => {
                    stop = Some((at, reason));
                    break 'files;
                }
            }
        }
    }
    Ok(scanner.finish(pos, stop))
}

impl Scanner {
    /// Reads what is at `pos` of `file` (the data file starting at `start` and ending at
    /// `file_end`) and adds it to the scan.
    fn step(
        &mut self,
        file: &File,
        path: &Path,
        start: u64,
        pos: u64,
        file_end: u64,
    ) -> Result<Step, LogStoreError> {
        if file_end - pos < dl::BLANK_LEN as u64 {
            return Ok(Step::Stop(pos, "no room for a blank at the file end".into()));
        }
        let head_len = dl::HEADER_SIZE.min((file_end - pos) as usize);
        let mut head = vec![0u8; head_len];
        file.read_exact_at(&mut head, pos - start).map_err(io_err(path))?;
        let magic = be_i32(&head, 0);
        if magic == dl::BLANK_MAGIC {
            return Ok(self.blank(be_i32(&head, 4), pos, file_end));
        }
        if magic == 0 && head.iter().all(|b| *b == 0) {
            return Ok(Step::Stop(pos, String::new()));
        }
        if head_len < dl::HEADER_SIZE {
            return Ok(Step::Stop(pos, "truncated header".into()));
        }
        let h = Header::parse(&head);
        let (kind, leader, more) = match h.check(pos, file_end) {
            Ok(x) => x,
            Err(reason) => return Ok(Step::Stop(pos, reason)),
        };
        let index = h.index as u64;
        let term = h.term as u64;
        if let Err(reason) = self.follows(index, term) {
            return Ok(Step::Stop(pos, reason));
        }
        let mut body = vec![0u8; h.body_len as usize];
        file.read_exact_at(&mut body, pos - start + dl::HEADER_SIZE as u64)
            .map_err(io_err(path))?;
        if !body_crc_ok(&h, &body) {
            return Ok(Step::Stop(pos, "body CRC mismatch".into()));
        }
        let loc = EntryLocation {
            pos,
            size: h.size as u32,
            dl_index: index,
            count: 1,
            term,
            leader,
            kind,
        };
        if let Err((at, reason)) = self.add(loc, more) {
            return Ok(Step::Stop(at, reason));
        }
        Ok(Step::Entry(loc.end()))
    }

    /// The end-of-file blank at `pos`, whose size field is `rem`: valid only if it fills the
    /// rest of the file and no batched entry is open (an entry's records never cross a file end).
    fn blank(&mut self, rem: i32, pos: u64, file_end: u64) -> Step {
        if let Some(g) = self.group.take() {
            return Step::Stop(g.pos, "the records of an entry cross a data file end".into());
        }
        if rem as i64 == (file_end - pos) as i64 {
            return Step::FileEnd;
        }
        Step::Stop(pos, format!("blank with size {rem}, expected {}", file_end - pos))
    }

    /// Whether a DLedger entry `index` of `term` may follow the last one read: the next index
    /// (or the first after the purge point), a term no lower.
    fn follows(&self, index: u64, term: u64) -> Result<(), String> {
        if let Some((prev_index, prev_term)) = self.prev {
            let after_purge = self.purged_dl.is_some_and(|p| prev_index <= p && index == p + 1);
            if index != prev_index + 1 && !after_purge {
                return Err(format!("index {index} does not follow {prev_index}"));
            }
            if term < prev_term {
                return Err(format!("term {term} below the previous {prev_term}"));
            }
        }
        Ok(())
    }

    /// Adds a valid DLedger entry: a whole openraft entry, or one record of a batched one (`more`
    /// when another record of it follows). Fails with the position and reason to stop at when
    /// the records of an open batch end without their last.
    fn add(&mut self, loc: EntryLocation, more: bool) -> Result<(), (u64, String)> {
        match self.group.take() {
            Some(mut g) => {
                if loc.kind != EntryKind::Record || loc.term != g.term || loc.leader != g.leader {
                    return Err((g.pos, "the records of an entry end without their last".into()));
                }
                g.size += loc.size;
                g.count += 1;
                if more {
                    self.group = Some(g);
                } else {
                    self.entries.push(g);
                }
            }
            None if more => self.group = Some(loc),
            None => self.entries.push(loc),
        }
        self.prev = Some((loc.dl_index, loc.term));
        Ok(())
    }

    /// The scan's result, once it stopped at `end` (for `stop`, if any).
    fn finish(mut self, end: u64, stop: Option<(u64, String)>) -> Scan {
        let stop = match self.group.take() {
            // Data stopped (zeros or an invalid entry) inside the records of an entry: a torn
            // write of a batch. The whole entry goes, as a torn single entry would.
            Some(g) => Some((
                g.pos,
                "the records of an entry end without their last (torn write)".into(),
            )),
            None => stop,
        };
        Scan {
            entries: self.entries,
            end,
            stop,
        }
    }
}

/// Cuts the data from `at` on: zeros the rest of its file and deletes the (empty) files after
/// it. Refuses when a later file holds data (the invalid entry is not at the tail) or when an
/// invalid entry (not zeros: `reason` is not empty) is at or below the committed index, i.e.
/// when `next_index`, the first index not recovered, is not above `committed`.
fn cut_torn_tail(
    shared: &Shared,
    st: &mut State,
    at: u64,
    reason: &str,
    committed: Option<&LogId>,
    next_index: u64,
) -> Result<(), LogStoreError> {
    let opts = &shared.opts;
    let fs_ = opts.file_size;
    let (fstart, file) = match st.file_for(at, fs_) {
        Some((s, f)) => (s, f.clone()),
        None => {
            return Err(LogStoreError::Invalid(format!(
                "no data file holds position {at}"
            )))
        }
    };
    let path = shared.file_path(fstart);
    // Data in a later file means the invalid entry is not at the tail: refuse to cut.
    for (&s, f) in st.files.range(fstart + 1..) {
        let mut head = [0u8; 8];
        f.read_exact_at(&mut head, 0)
            .map_err(io_err(&shared.file_path(s)))?;
        if head != [0u8; 8] {
            return Err(LogStoreError::Corruption {
                path,
                pos: at,
                reason: format!("{reason}; and data file {s} after it holds data"),
            });
        }
    }
    if !reason.is_empty() && committed.is_some_and(|c| c.index >= next_index) {
        return Err(LogStoreError::Corruption {
            path,
            pos: at,
            reason: format!("{reason}; the entry is at or below the committed index"),
        });
    }
    let zeroed = zero_torn_tail(&file, &path, at - fstart, fs_)?;
    if zeroed > 0 {
        tracing::warn!(path = %path.display(), pos = at, zeroed, reason = %reason, "cut a torn tail of the DLedger log");
    }
    file.sync_data().map_err(io_err(&path))?;
    let later: Vec<u64> = st.files.range(fstart + 1..).map(|(s, _)| *s).collect();
    for s in &later {
        st.files.remove(s);
        let p = shared.file_path(*s);
        fs::remove_file(&p).map_err(io_err(&p))?;
    }
    if !later.is_empty() {
        durable::sync_dir(&opts.data_dir)?;
    }
    Ok(())
}

/// Zeros a torn tail from `from` chunk by chunk until a chunk that is already all zeros (the
/// files are preallocated with zeros and written sequentially, so nothing lies beyond it).
fn zero_torn_tail(file: &File, path: &Path, from: u64, file_size: u64) -> Result<u64, LogStoreError> {
    const CHUNK: u64 = 64 * 1024;
    let mut at = from;
    let mut buf = vec![0u8; CHUNK as usize];
    while at < file_size {
        let n = CHUNK.min(file_size - at) as usize;
        file.read_exact_at(&mut buf[..n], at).map_err(io_err(path))?;
        if buf[..n].iter().all(|b| *b == 0) {
            break;
        }
        zero_range(file, path, at, at + n as u64)?;
        at += n as u64;
    }
    Ok(at - from)
}

/// Creates the file that holds the write position `pos` when it is missing: the last file
/// ended with a blank and the process died before creating the next one.
fn ensure_write_file(shared: &Shared, st: &mut State, pos: u64) -> Result<(), LogStoreError> {
    let opts = &shared.opts;
    if st.file_for(pos, opts.file_size).is_none() {
        let path = shared.file_path(pos);
        let f = create_data_file(&path, opts.file_size)?;
        durable::sync_dir(&opts.data_dir)?;
        st.files.insert(pos, f);
    }
    Ok(())
}
