//! Recovery: rebuilding the in-memory log from the data files when the store opens.
//!
//! Only part of the log is read. When `positions.ckpt` is usable (see `positions`), the entries
//! it covers are trusted to be where their units say, and the data is read from the first entry
//! of the data file holding the last checkpointed entry: that file is checked whole (magic,
//! size, pos, consecutive DLedger index, non-decreasing term, body CRC, and every entry against
//! its unit), then whatever follows the checkpoint. So the time to open does not grow with the
//! log; the older files are checked when their entries are read (every read by index checks the
//! header against the unit and the body CRC), as Java DLedger checks only its last files at
//! start. Without a usable checkpoint (none yet, damaged, or not matching the data) every data
//! file is read, as before, and the units are written again from that scan.
//!
//! What a crash leaves behind is repaired here: a torn tail (a header or body that did not
//! reach the disk, the records of a batch only partly written) is zeroed, a file created but
//! not yet extended is extended, a blank written without the next file gets that file.
//! Anything else that breaks the layout (a gap in the file names, data after an invalid entry,
//! a damaged committed entry, a damaged or missing entry the checkpoint covers) refuses the open
//! rather than cut data that may be needed.
//!
//! [`recover`] runs the steps in order: list and check the files ([`list_data_files`],
//! [`check_file_names`], [`open_data_files`]), find where to start ([`checkpoint_start`]), read
//! the entries ([`scan_entries`]), check them against the checkpoint ([`check_against`]), cut
//! what follows the last valid one ([`cut_torn_tail`]) and make sure the write position has a
//! file ([`ensure_write_file`]).

use std::fs::{self, File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Arc;

use super::entry::{be_i32, body_crc_ok, EntryKind, EntryLocation, Header};
use super::positions::PosCheckpoint;
use super::writer::{create_data_file, zero_range};
use super::{io_err, LogStoreError, Shared, State};
use crate::durable;
use crate::raft::types::LogId;
use crate::store::format::{self, dledger as dl};

/// Where the scan starts when the positions checkpoint is used.
struct Start {
    cp: PosCheckpoint,
    /// First visible index (the entries before `index` are cold).
    cold_first: u64,
    /// First index read, and its position: the first entry of the data file holding the last
    /// checkpointed entry.
    index: u64,
    pos: u64,
    /// DLedger index and term of the entry before `index`, if it is visible.
    prev: Option<(u64, u64)>,
}

/// Scans the data files into `st` (see [`LogStore::open`](super::LogStore::open)).
pub(super) fn recover(
    shared: &Shared,
    st: &mut State,
    committed: Option<&LogId>,
) -> Result<(), LogStoreError> {
    let t0 = std::time::Instant::now();
    let opts = &shared.opts;
    let starts = list_data_files(shared)?;
    if starts.is_empty() {
        let path = shared.file_path(opts.base_offset);
        let f = create_data_file(&path, opts.file_size)?;
        durable::sync_dir(&opts.data_dir)?;
        st.files.insert(opts.base_offset, f);
        st.write_pos = opts.base_offset;
        shared.positions.clear()?;
        start_progress(shared, st, None, opts.base_offset);
        return Ok(());
    }
    check_file_names(shared, &starts)?;
    open_data_files(shared, st, &starts)?;

    let purged = st.last_purged;
    // DLedger index of the last purged record: entries up to it are hidden.
    let purged_dl = purged.map(|p| st.last_purged_dl.unwrap_or(p.index));
    if let Some(start) = checkpoint_start(shared, st, &starts, purged_dl)? {
        let first_file = st
            .file_for(start.pos, opts.file_size)
            .map_or(starts[0], |(s, _)| s);
        let from: Vec<u64> = starts.iter().copied().filter(|s| *s >= first_file).collect();
        let scanner = Scanner::new(purged_dl, start.prev);
        let scan = scan_entries(shared, st, &from, start.pos, scanner)?;
        match check_against(shared, &start, &scan)? {
            true => {
                finish(shared, st, committed, scan, start.cold_first, start.index)?;
                start_progress(shared, st, Some(&start.cp), first_file);
                tracing::info!(
                    checkpoint = start.cp.end,
                    from_index = start.index,
                    from_pos = start.pos,
                    files = starts.len(),
                    last = st.next_index().unwrap_or(0),
                    elapsed_ms = t0.elapsed().as_millis() as u64,
                    "DLedger log recovered from its positions checkpoint"
                );
                return Ok(());
            }
            false => {
                tracing::warn!("DLedger positions do not match the data files; scanning the whole log");
            }
        }
    }
    // No usable checkpoint: read everything, and write the units again from this scan.
    shared.positions.clear()?;
    let scan = scan_entries(shared, st, &starts, starts[0], Scanner::new(purged_dl, None))?;
    let first = match (
        purged,
        scan.entries
            .iter()
            .find(|m| purged_dl.is_none_or(|p| m.dl_index > p)),
    ) {
        (Some(p), _) => p.index + 1,
        // Without a purge point the first entry's DLedger index is its openraft index (no
        // batch precedes it).
        (None, Some(m)) => m.dl_index,
        (None, None) => 0,
    };
    let mut scan = scan;
    scan.entries.retain(|m| purged_dl.is_none_or(|p| m.dl_index > p));
    finish(shared, st, committed, scan, first, first)?;
    start_progress(shared, st, None, starts[0]);
    tracing::info!(
        files = starts.len(),
        last = st.next_index().unwrap_or(0),
        elapsed_ms = t0.elapsed().as_millis() as u64,
        "DLedger log recovered by reading every data file"
    );
    Ok(())
}

/// Installs the scanned entries (numbered from `index`, the entries before being cold from
/// `cold_first`), cuts the torn tail and makes sure the write position has a file.
fn finish(
    shared: &Shared,
    st: &mut State,
    committed: Option<&LogId>,
    scan: Scan,
    cold_first: u64,
    index: u64,
) -> Result<(), LogStoreError> {
    let Scan { entries, end, stop } = scan;
    let next_index = index + entries.len() as u64;
    let pos = match &stop {
        Some((at, reason)) => {
            cut_torn_tail(shared, st, *at, reason, committed, next_index)?;
            *at
        }
        None => end,
    };
    st.write_pos = pos;
    ensure_write_file(shared, st, pos)?;
    st.cold_first = cold_first;
    st.first_index = index;
    st.next_dl = match (entries.last(), st.last_purged) {
        (Some(m), _) => m.dl_index + u64::from(m.count),
        (None, Some(p)) => st.last_purged_dl.unwrap_or(p.index) + 1,
        (None, None) => 0,
    };
    st.metas = entries.into_iter().map(Some).collect();
    Ok(())
}

/// Sets how far the units are (from the checkpoint used, else nothing written yet), and has the
/// flusher's first round fdatasync the data files read (from `read_from` on: a kill -9 may have
/// left them in the page cache only) before the entries recovered count as flushed.
fn start_progress(shared: &Shared, st: &State, cp: Option<&PosCheckpoint>, read_from: u64) {
    let next = st.next_index().unwrap_or(0);
    let mut prog = shared.progress();
    match cp {
        Some(cp) => {
            prog.first = cp.first;
            prog.written = cp.end;
            prog.checkpointed = cp.end;
        }
        None => {
            prog.first = st.cold_first;
            prog.written = st.cold_first;
            prog.checkpointed = 0;
        }
    }
    let mut p = shared.pending();
    p.upto = next;
    p.durable = prog.written;
    for (s, f) in st.files.range(read_from..) {
        super::flusher::push_dirty(&mut p.files, *s, f);
    }
}

/// Where to start reading, from the positions checkpoint: `None` (read everything) when there
/// is none or it does not fit the log (every reason is logged).
fn checkpoint_start(
    shared: &Shared,
    st: &State,
    starts: &[u64],
    purged_dl: Option<u64>,
) -> Result<Option<Start>, LogStoreError> {
    let Some(cp) = shared.positions.read_checkpoint()? else {
        return Ok(None);
    };
    let unusable = |why: String| {
        tracing::warn!(reason = %why, "DLedger positions checkpoint not used; scanning the whole log");
        Ok(None)
    };
    // Units we cannot read make the checkpoint unusable; other errors stop the open.
    macro_rules! unit {
        ($index:expr) => {
            match shared.positions.get($index) {
                Ok(l) => l,
                Err(LogStoreError::Corruption { reason, .. }) => return unusable(reason),
                Err(e) => return Err(e),
            }
        };
    }
    let cold_first = match st.last_purged {
        Some(p) => p.index + 1,
        None => cp.first,
    };
    if cold_first < cp.first || cold_first >= cp.end {
        return unusable(format!(
            "first visible entry {cold_first} is not among the checkpointed {}..{}",
            cp.first, cp.end
        ));
    }
    let first = unit!(cold_first);
    let first_ok = match purged_dl {
        Some(p) => first.dl_index == p + 1,
        None => first.pos == starts[0] && first.dl_index == cold_first,
    };
    if !first_ok {
        return unusable(format!("entry {cold_first} is not the first entry of the log"));
    }
    let last = unit!(cp.end - 1);
    if last.end() != cp.end_pos
        || last.dl_index + u64::from(last.count) != cp.end_dl
        || last.term != cp.last_term
        || last.leader != cp.last_leader
    {
        return unusable(format!(
            "the unit of entry {} does not match the checkpoint",
            cp.end - 1
        ));
    }
    let Some((file, _)) = st.file_for(last.pos, shared.opts.file_size) else {
        return unusable(format!("no data file holds position {}", last.pos));
    };
    // The first checkpointed entry in that file: entries are in position order.
    let (mut lo, mut hi) = (cold_first, cp.end - 1);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if unit!(mid).pos < file {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    let at = unit!(lo);
    let prev = if lo > cold_first {
        let p = unit!(lo - 1);
        Some((p.dl_index + u64::from(p.count) - 1, p.term))
    } else {
        None
    };
    Ok(Some(Start {
        cp,
        cold_first,
        index: lo,
        pos: at.pos,
        prev,
    }))
}

/// Whether the entries read from `start` are the ones the checkpoint and the units record:
/// `false` (scan the whole log instead) when they differ. A checkpointed entry the data no
/// longer holds, or holds damaged, is corruption: it was flushed before the checkpoint moved.
fn check_against(shared: &Shared, start: &Start, scan: &Scan) -> Result<bool, LogStoreError> {
    let want = start.cp.end - start.index;
    if (scan.entries.len() as u64) < want {
        let (at, reason) = scan
            .stop
            .clone()
            .unwrap_or((scan.end, "the data files end".into()));
        let reason = if reason.is_empty() {
            "no entry (zeros)".to_owned()
        } else {
            reason
        };
        return Err(LogStoreError::Corruption {
            path: shared.opts.data_dir.clone(),
            pos: at,
            reason: format!(
                "{reason}; entries up to {} (ending at {}) were flushed and checkpointed in {}/{} \
                 (delete that file to scan the whole log if the data files were replaced)",
                start.cp.end - 1,
                start.cp.end_pos,
                dl::POSITIONS_DIR,
                dl::POSITIONS_CHECKPOINT_FILE
            ),
        });
    }
    let units = match shared.positions.get_range(start.index, want) {
        Ok(u) => u,
        Err(LogStoreError::Corruption { reason, .. }) => {
            tracing::warn!(%reason, "DLedger position units unreadable");
            return Ok(false);
        }
        Err(e) => return Err(e),
    };
    Ok(units.iter().zip(&scan.entries).all(|(u, e)| u == e))
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

/// Reads a data file in large chunks: the scan looks at every header and body in order.
struct ChunkReader {
    /// Start offset of the file the buffer holds, and the absolute position of `buf[0]`.
    file: u64,
    at: u64,
    buf: Vec<u8>,
}

/// Bytes read at once by [`ChunkReader`].
const CHUNK: u64 = 4 << 20;

impl ChunkReader {
    /// `len` bytes at absolute `pos` of `file` (starting at `start`, ending at `file_end`).
    fn get(
        &mut self,
        file: &File,
        path: &Path,
        start: u64,
        file_end: u64,
        pos: u64,
        len: usize,
    ) -> Result<&[u8], LogStoreError> {
        let inside =
            self.file == start && pos >= self.at && pos + len as u64 <= self.at + self.buf.len() as u64;
        if !inside {
            let n = CHUNK.max(len as u64).min(file_end - pos) as usize;
            self.buf.resize(n, 0);
            file.read_exact_at(&mut self.buf, pos - start)
                .map_err(io_err(path))?;
            self.file = start;
            self.at = pos;
        }
        let off = (pos - self.at) as usize;
        Ok(&self.buf[off..off + len])
    }
}

/// Reads the DLedger entries of the data files `starts` (opened in `st`), from `pos` in the
/// first of them, until the first position that does not hold a valid one.
fn scan_entries(
    shared: &Shared,
    st: &State,
    starts: &[u64],
    mut pos: u64,
    mut scanner: Scanner,
) -> Result<Scan, LogStoreError> {
    let fs_ = shared.opts.file_size;
    let mut stop = None;
    let mut rd = ChunkReader {
        file: u64::MAX,
        at: 0,
        buf: Vec::new(),
    };
    'files: for &start in starts {
        if !(start..start + fs_).contains(&pos) {
            // The previous file did not end with a blank: data stopped there.
            break;
        }
        let file_end = start + fs_;
        let file = &st.files[&start];
        let path = shared.file_path(start);
        loop {
            match scanner.step(&mut rd, file, &path, start, pos, file_end)? {
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
    /// A scan after the last purged record `purged_dl`, continuing the DLedger entry `prev`
    /// (index and term) when it starts in the middle of the log.
    fn new(purged_dl: Option<u64>, prev: Option<(u64, u64)>) -> Scanner {
        Scanner {
            purged_dl,
            entries: Vec::new(),
            group: None,
            prev,
        }
    }

    /// Reads what is at `pos` of `file` (the data file starting at `start` and ending at
    /// `file_end`) and adds it to the scan.
    fn step(
        &mut self,
        rd: &mut ChunkReader,
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
        let mut head = [0u8; dl::HEADER_SIZE];
        head[..head_len].copy_from_slice(rd.get(file, path, start, file_end, pos, head_len)?);
        let head = &head[..head_len];
        let magic = be_i32(head, 0);
        if magic == dl::BLANK_MAGIC {
            return Ok(self.blank(be_i32(head, 4), pos, file_end));
        }
        if magic == 0 && head.iter().all(|b| *b == 0) {
            return Ok(Step::Stop(pos, String::new()));
        }
        if head_len < dl::HEADER_SIZE {
            return Ok(Step::Stop(pos, "truncated header".into()));
        }
        let h = Header::parse(head);
        let (kind, leader, more) = match h.check(pos, file_end) {
            Ok(x) => x,
            Err(reason) => return Ok(Step::Stop(pos, reason)),
        };
        let index = h.index as u64;
        let term = h.term as u64;
        if let Err(reason) = self.follows(index, term) {
            return Ok(Step::Stop(pos, reason));
        }
        let body = rd.get(
            file,
            path,
            start,
            file_end,
            pos + dl::HEADER_SIZE as u64,
            h.body_len as usize,
        )?;
        if !body_crc_ok(&h, body) {
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
