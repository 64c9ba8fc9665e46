//! Copying files from one node to another (local or behind an agent), md5-verified: how the
//! pre-copy, align and copy steps move data. The source is read once: its md5 is computed from
//! the bytes as they are copied, and the destination's md5 (read back once it is flushed) must
//! equal it. Several files are copied at once ([`copy_files`]).
//!
//! - both nodes on this machine: chunks are read and hashed, then written with
//!   `copy_file_range(2)` when both files are on one file system (the kernel moves the bytes,
//!   sharing extents where the file system can), with `pwrite` otherwise;
//! - both behind agents: the destination's agent pulls the file from the source's agent
//!   ([`RemoteNode::pull_from`](crate::ops::node::RemoteNode::pull_from)), hashing what it
//!   receives; the bytes never pass through `mqadmin`;
//! - one local, one remote: chunks through `mqadmin`, hashed on the way.
//!
//! All-zero chunks are not written (commitlog and index files are preallocated): the
//! destination's length is set afterwards, which extends it with zeros. Between two local files
//! the source's holes (`SEEK_HOLE`: the unwritten part of a preallocated file, most of an index
//! file) are neither read nor hashed: the md5 covers the data extents, and the destination must
//! hold data only inside them and the same md5 over them.
//!
//! Between two local files there are two more modes ([`CopyMode`]): a *live* copy of a file the
//! running broker is still writing (the newest commitlog, consume-queue and index files, copied
//! while the old pair serves) writes exactly the bytes it read and hashed, so the copy is
//! verified even though the source moves on; a *delta* copy, during the downtime, brings such a
//! copy up to date: the source is read and hashed as for a full copy, each 4 KiB block is
//! compared with the destination's and only the blocks that differ are written, then the
//! destination is flushed and its md5 verified against the source's, as for a full copy. Any
//! difference (the appended tail, a rewritten index slot, or a prefix that changed) is rewritten
//! and the final md5 comparison decides; a destination that still differs is copied whole. A
//! *tail* copy completes a slave that align proved to hold the master's bytes up to where its
//! own data ends: only the rest is copied, and verified.

use std::fs::File;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use broker::store::probe::first_nonzero_index;
use md5::{Digest, Md5};

use super::{Result, UpgradeError, UpgradeReporter};
use crate::ops::node::{AnyNode, Area, LocalNode, NodeError};

/// Copy chunk size (one download and one upload per chunk between this machine and an agent).
const CHUNK: u64 = 4 * 1024 * 1024;
/// Files copied at once (each copy reads, hashes and writes; the destination's md5 of one file
/// overlaps the copy of the next). Default: `3`.
pub(super) const PARALLEL_COPIES: usize = 3;

/// Blocks a delta copy compares and rewrites (a page: what a flush writes anyway).
const COMPARE_BLOCK: usize = 4096;

/// How a file is copied (see the module header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CopyMode {
    /// Every byte from `from` on, to a destination that holds nothing there yet.
    Full,
    /// A file the running broker is still writing: the bytes read and hashed are the bytes
    /// written (no `copy_file_range`, which would copy the source as it is a moment later).
    /// Between two local files only.
    Live,
    /// Bring an earlier live copy up to date: rewrite only the blocks that differ. A pair that is
    /// not two local files gets a full copy instead.
    Delta,
    /// Complete a destination whose bytes below `from` the caller just proved equal to the
    /// source's (align's comparison of a slave that is only behind): between two local files
    /// only `from..size` is copied and verified; elsewhere the whole files are compared.
    Tail,
}

/// One file to copy: `rel` of `area` on `src` to `dst_rel` on `dst`, from `from` to `size`.
pub(super) struct CopyJob<'a> {
    pub src: &'a AnyNode,
    pub dst: &'a AnyNode,
    pub area: Area,
    pub rel: String,
    pub dst_rel: String,
    pub from: u64,
    pub size: u64,
    pub mode: CopyMode,
}

impl<'a> CopyJob<'a> {
    /// The same job as a full copy from 0.
    fn full(&self) -> CopyJob<'a> {
        CopyJob {
            src: self.src,
            dst: self.dst,
            area: self.area,
            rel: self.rel.clone(),
            dst_rel: self.dst_rel.clone(),
            from: 0,
            size: self.size,
            mode: CopyMode::Full,
        }
    }
}

/// A verified copy: the md5 and length of the whole destination file (equal to the source's),
/// and how many bytes were written to it (a delta copy writes only what differed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Copied {
    pub md5: [u8; 16],
    pub len: u64,
    pub written: u64,
}

/// Copies every job, [`PARALLEL_COPIES`] at a time (one at a time when throttled, so the rate
/// holds for the whole copy); `done` is called, from the copying thread, after each verified file.
/// The first failure stops the copies not yet started and is returned.
pub(super) fn copy_files(
    jobs: &[CopyJob<'_>],
    throttle_mb_per_s: Option<f64>,
    reporter: &dyn UpgradeReporter,
    done: &(dyn Fn(usize, Copied) -> Result<()> + Sync),
) -> Result<()> {
    let workers = if throttle_mb_per_s.is_some() {
        1
    } else {
        PARALLEL_COPIES
    };
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let first_error: Mutex<Option<UpgradeError>> = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..workers.min(jobs.len()) {
            scope.spawn(|| loop {
                if failed.load(Ordering::Relaxed) {
                    return;
                }
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(job) = jobs.get(i) else { return };
                let result = copy_file(job, throttle_mb_per_s, reporter).and_then(|c| done(i, c));
                if let Err(e) = result {
                    failed.store(true, Ordering::Relaxed);
                    let mut slot = first_error
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    slot.get_or_insert(e);
                    return;
                }
            });
        }
    });
    match first_error
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
    {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Copies one file and verifies the destination against the md5 of what was copied (or, for a
/// copy that did not start at 0, the md5 of both whole files).
pub(super) fn copy_file(
    job: &CopyJob<'_>,
    throttle_mb_per_s: Option<f64>,
    reporter: &dyn UpgradeReporter,
) -> Result<Copied> {
    copy_file_known(job, None, throttle_mb_per_s, reporter)
}

/// [`copy_file`], given the md5 and length of the whole source file when the caller just
/// computed them (align, the source stopped): a copy that does not start at 0 then reads only
/// the destination whole to verify it.
pub(super) fn copy_file_known(
    job: &CopyJob<'_>,
    source: Option<([u8; 16], u64)>,
    throttle_mb_per_s: Option<f64>,
    reporter: &dyn UpgradeReporter,
) -> Result<Copied> {
    let source_digest = || -> Result<([u8; 16], u64)> {
        match source {
            Some(known) => Ok(known),
            None => {
                let a = job.src.digest_file(job.area, &job.rel, 0..u64::MAX)?;
                Ok((a.md5, a.len))
            }
        }
    };
    let range = job.from..job.size;
    let local = matches!((job.src, job.dst), (AnyNode::Local(_), AnyNode::Local(_)));
    if job.mode == CopyMode::Delta && (!local || job.from != 0) {
        // Only two local files compare blocks: anything else copies the file whole afresh.
        job.dst.remove(job.area, &job.dst_rel)?;
        return copy_file(&job.full(), throttle_mb_per_s, reporter);
    }
    let streamed = match (job.src, job.dst) {
        (AnyNode::Local(s), AnyNode::Local(d)) => {
            let (md5, extents, written) = if job.mode == CopyMode::Delta {
                delta_copy(s, d, job, throttle_mb_per_s, reporter)?
            } else {
                local_copy(s, d, job, throttle_mb_per_s, reporter)?
            };
            let whole = job.from == 0;
            if whole || job.mode == CopyMode::Tail {
                if let Some(got) = verify_local_extents(d, job, &extents)? {
                    if got == md5 {
                        return Ok(Copied {
                            // Of a tail, the whole source's md5 when the caller gave it.
                            md5: if whole { md5 } else { source.map_or(md5, |s| s.0) },
                            len: job.size,
                            written,
                        });
                    }
                }
            }
            if job.mode == CopyMode::Delta {
                // The destination still differs (data where the source has none): copy it whole.
                job.dst.remove(job.area, &job.dst_rel)?;
                return copy_file(&job.full(), throttle_mb_per_s, reporter);
            }
            // A partial copy, or a destination with data elsewhere: compare the whole files.
            source_digest()?
        }
        (AnyNode::Remote(s), AnyNode::Remote(d)) => {
            let rate = throttle_mb_per_s
                .filter(|r| *r > 0.0)
                .map(|r| (r * 1_000_000.0) as u64);
            let pulled = d.pull_from(s, job.area, &job.rel, &job.dst_rel, range.clone(), job.size, rate)?;
            reporter.on_copy_bytes(pulled.1);
            pulled
        }
        _ => chunked_copy(job, throttle_mb_per_s, reporter)?,
    };
    let b = job.dst.digest_file(job.area, &job.dst_rel, 0..u64::MAX)?;
    let expected = if job.from == 0 && streamed.1 == job.size {
        Copied {
            md5: streamed.0,
            len: streamed.1,
            written: streamed.1,
        }
    } else {
        let (md5, len) = source_digest()?;
        Copied {
            md5,
            len,
            written: job.size.saturating_sub(job.from),
        }
    };
    if expected.md5 != b.md5 || expected.len != b.len {
        return Err(UpgradeError::Node(NodeError::Io {
            action: "verify the copy of",
            path: PathBuf::from(&job.rel),
            source: std::io::Error::other(format!(
                "md5 differs after copying to {}: {} ({} bytes) vs {} ({} bytes)",
                job.dst.name(),
                hex::encode(expected.md5),
                expected.len,
                hex::encode(b.md5),
                b.len
            )),
        }));
    }
    Ok(expected)
}

/// Sleeps so that `copied` bytes since `started` stay under the rate.
fn throttle(started: Instant, copied: u64, throttle_mb_per_s: Option<f64>) {
    if let Some(rate) = throttle_mb_per_s.filter(|r| *r > 0.0) {
        let due = Duration::from_secs_f64(copied as f64 / (rate * 1_000_000.0));
        if let Some(wait) = due.checked_sub(started.elapsed()) {
            std::thread::sleep(wait);
        }
    }
}

/// Through `mqadmin` in chunks (one side is behind an agent); returns the md5 of the bytes read.
fn chunked_copy(
    job: &CopyJob<'_>,
    throttle_mb_per_s: Option<f64>,
    reporter: &dyn UpgradeReporter,
) -> Result<([u8; 16], u64)> {
    let started = Instant::now();
    let mut hasher = Md5::new();
    let mut pos = job.from;
    while pos < job.size {
        let end = (pos + CHUNK).min(job.size);
        let data = job.src.read_file(job.area, &job.rel, pos..end)?;
        if data.is_empty() {
            break;
        }
        hasher.update(&data);
        if first_nonzero_index(&data).is_some() {
            job.dst.write_file(job.area, &job.dst_rel, pos, &data)?;
        }
        pos += data.len() as u64;
        reporter.on_copy_bytes(data.len() as u64);
        throttle(started, pos - job.from, throttle_mb_per_s);
    }
    job.dst.finish_file(job.area, &job.dst_rel, pos.max(job.size))?;
    Ok((hasher.finalize().into(), pos - job.from))
}

fn io<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> UpgradeError + 'a {
    move |source| {
        UpgradeError::Node(NodeError::Io {
            action,
            path: path.to_path_buf(),
            source,
        })
    }
}

/// Both files on this machine: read and hash each chunk of the source's data extents, then
/// `copy_file_range` it (same file system, not a live copy) or `pwrite` it; flush. Returns the
/// md5 of the bytes read, the extents they came from and the bytes written.
fn local_copy(
    src: &LocalNode,
    dst: &LocalNode,
    job: &CopyJob<'_>,
    throttle_mb_per_s: Option<f64>,
    reporter: &dyn UpgradeReporter,
) -> Result<([u8; 16], Vec<std::ops::Range<u64>>, u64)> {
    let from_path = src.file_path(job.area, &job.rel);
    let to_path = dst.file_path(job.area, &job.dst_rel);
    if let Some(dir) = to_path.parent() {
        std::fs::create_dir_all(dir).map_err(io("create directory", dir))?;
    }
    let input = File::open(&from_path).map_err(io("open", &from_path))?;
    // SAFETY: posix_fadvise on a valid, owned descriptor only changes the kernel's read-ahead.
    unsafe {
        libc::posix_fadvise(input.as_raw_fd(), 0, 0, libc::POSIX_FADV_SEQUENTIAL);
    }
    let output = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(&to_path)
        .map_err(io("open for writing", &to_path))?;
    let same_fs = match (input.metadata(), output.metadata()) {
        (Ok(a), Ok(b)) => a.dev() == b.dev(),
        _ => false,
    };
    let mut kernel_copy = same_fs && job.mode != CopyMode::Live;
    let started = Instant::now();
    let extents = data_extents(&input, job.from..job.size);
    let (md5, written) = for_each_chunk(
        &input,
        &from_path,
        &extents,
        started,
        throttle_mb_per_s,
        |pos, chunk| {
            let n = chunk.len();
            let mut written = 0;
            if first_nonzero_index(chunk).is_some() {
                let copied =
                    kernel_copy && copy_range(&input, &output, pos, n).map_err(io("copy to", &to_path))?;
                if !copied {
                    // copy_file_range is not supported here: plain writes from now on.
                    kernel_copy = false;
                    output.write_all_at(chunk, pos).map_err(io("write", &to_path))?;
                }
                written = n as u64;
            }
            reporter.on_copy_bytes(n as u64);
            Ok(written)
        },
    )?;
    output.set_len(job.size).map_err(io("resize", &to_path))?;
    output.sync_all().map_err(io("flush", &to_path))?;
    Ok((md5, extents, written))
}

/// Both files on this machine, the destination an earlier live copy of the source: read and hash
/// each chunk of the source's data extents as [`local_copy`] does, compare it block by block with
/// the destination and write only the blocks that differ; flush. Returns the md5 of the bytes
/// read, the extents they came from and the bytes written (the only ones reported as copied).
fn delta_copy(
    src: &LocalNode,
    dst: &LocalNode,
    job: &CopyJob<'_>,
    throttle_mb_per_s: Option<f64>,
    reporter: &dyn UpgradeReporter,
) -> Result<([u8; 16], Vec<std::ops::Range<u64>>, u64)> {
    let from_path = src.file_path(job.area, &job.rel);
    let to_path = dst.file_path(job.area, &job.dst_rel);
    let input = File::open(&from_path).map_err(io("open", &from_path))?;
    // SAFETY: posix_fadvise on a valid, owned descriptor only changes the kernel's read-ahead.
    unsafe {
        libc::posix_fadvise(input.as_raw_fd(), 0, 0, libc::POSIX_FADV_SEQUENTIAL);
    }
    let output = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&to_path)
        .map_err(io("open for writing", &to_path))?;
    // The source's length (a copy that is longer keeps nothing past it; a shorter one reads
    // zeros there, which the comparison rewrites where the source has data).
    output.set_len(job.size).map_err(io("resize", &to_path))?;
    let started = Instant::now();
    let mut old = vec![0u8; CHUNK as usize];
    let extents = data_extents(&input, 0..job.size);
    let (md5, written) = for_each_chunk(
        &input,
        &from_path,
        &extents,
        started,
        throttle_mb_per_s,
        |pos, chunk| {
            let n = chunk.len();
            let had = read_at(&output, &mut old[..n], pos).map_err(io("read", &to_path))?;
            old[had..n].fill(0);
            // Runs of differing blocks, each written with one pwrite.
            let mut rewritten = 0usize;
            let mut run: Option<usize> = None;
            let blocks = n.div_ceil(COMPARE_BLOCK);
            for b in 0..=blocks {
                let at = b * COMPARE_BLOCK;
                let differs = b < blocks && {
                    let end = (at + COMPARE_BLOCK).min(n);
                    chunk[at..end] != old[at..end]
                };
                match (differs, run) {
                    (true, None) => run = Some(at),
                    (false, Some(start)) => {
                        let end = at.min(n);
                        output
                            .write_all_at(&chunk[start..end], pos + start as u64)
                            .map_err(io("write", &to_path))?;
                        rewritten += end - start;
                        run = None;
                    }
                    _ => {}
                }
            }
            if rewritten > 0 {
                reporter.on_copy_bytes(rewritten as u64);
            }
            Ok(rewritten as u64)
        },
    )?;
    output.sync_all().map_err(io("flush", &to_path))?;
    Ok((md5, extents, written))
}

/// Reads `extents` of `input` chunk by chunk ([`CHUNK`]), hashes every chunk and hands it to
/// `each` with its offset; `each` returns the bytes it wrote. Reading is throttled to
/// `throttle_mb_per_s` since `started`. Returns the md5 of the bytes read and the bytes written.
fn for_each_chunk(
    input: &File,
    from_path: &Path,
    extents: &[std::ops::Range<u64>],
    started: Instant,
    throttle_mb_per_s: Option<f64>,
    mut each: impl FnMut(u64, &[u8]) -> Result<u64>,
) -> Result<([u8; 16], u64)> {
    let mut hasher = Md5::new();
    let mut buf = vec![0u8; CHUNK as usize];
    let (mut done, mut written) = (0u64, 0u64);
    for extent in extents {
        let mut pos = extent.start;
        while pos < extent.end {
            let want = usize::try_from(extent.end - pos).map_or(buf.len(), |r| r.min(buf.len()));
            let n = read_at(input, &mut buf[..want], pos).map_err(io("read", from_path))?;
            if n == 0 {
                break;
            }
            let chunk = &buf[..n];
            hasher.update(chunk);
            written += each(pos, chunk)?;
            pos += n as u64;
            done += n as u64;
            throttle(started, done, throttle_mb_per_s);
        }
    }
    Ok((hasher.finalize().into(), written))
}

/// The data extents of `range` of `file` (`SEEK_DATA`/`SEEK_HOLE`: holes read as zeros, so a
/// preallocated file's unwritten part needs neither reading nor hashing), after flushing it so
/// that no delayed allocation hides data; the whole range when the file system cannot tell.
fn data_extents(file: &File, range: std::ops::Range<u64>) -> Vec<std::ops::Range<u64>> {
    if file.sync_data().is_err() {
        return vec![range];
    }
    let fd = file.as_raw_fd();
    let mut out = Vec::new();
    let mut pos = range.start;
    while pos < range.end {
        // SAFETY: lseek on a valid, owned descriptor; the reads use explicit offsets (pread).
        let start = unsafe { libc::lseek(fd, pos as libc::off_t, libc::SEEK_DATA) };
        if start < 0 {
            return match std::io::Error::last_os_error().raw_os_error() {
                // No data after `pos`.
                Some(libc::ENXIO) => out,
                _ => vec![range],
            };
        }
        let start = start as u64;
        if start >= range.end {
            break;
        }
        // SAFETY: as above.
        let end = unsafe { libc::lseek(fd, start as libc::off_t, libc::SEEK_HOLE) };
        if end < 0 {
            return vec![range];
        }
        let end = (end as u64).min(range.end);
        if end <= start {
            return vec![range];
        }
        out.push(start..end);
        pos = end;
    }
    out
}

/// md5 of the bytes of `extents` of a local file, read with `pread`.
fn md5_of_extents(path: &Path, extents: &[std::ops::Range<u64>]) -> std::io::Result<[u8; 16]> {
    let file = File::open(path)?;
    let mut hasher = Md5::new();
    let mut buf = vec![0u8; CHUNK as usize];
    for extent in extents {
        let mut pos = extent.start;
        while pos < extent.end {
            let want = usize::try_from(extent.end - pos).map_or(buf.len(), |r| r.min(buf.len()));
            let n = read_at(&file, &mut buf[..want], pos)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            pos += n as u64;
        }
    }
    Ok(hasher.finalize().into())
}

/// Verifies a local copy made by [`local_copy`] (of `from..size`): same length, no data from
/// `from` on outside the source's data extents, and the same md5 over them. `None` when the
/// destination has data elsewhere (another file system's block size, a preallocated tail): the
/// caller then compares the whole files.
fn verify_local_extents(
    dst: &LocalNode,
    job: &CopyJob<'_>,
    extents: &[std::ops::Range<u64>],
) -> Result<Option<[u8; 16]>> {
    let path = dst.file_path(job.area, &job.dst_rel);
    let file = File::open(&path).map_err(io("open", &path))?;
    let len = file.metadata().map_err(io("stat", &path))?.len();
    if len != job.size {
        return Ok(None);
    }
    let inside = data_extents(&file, job.from..len)
        .iter()
        .all(|d| extents.iter().any(|e| e.start <= d.start && d.end <= e.end));
    if !inside {
        return Ok(None);
    }
    md5_of_extents(&path, extents)
        .map(Some)
        .map_err(io("read", &path))
}

/// `pread` until `buf` is full or the file ends.
fn read_at(file: &File, buf: &mut [u8], pos: u64) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read_at(&mut buf[filled..], pos + filled as u64) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// `copy_file_range(2)` of `len` bytes at `pos` of both files. `Ok(false)` when the kernel or the
/// file systems do not support it (nothing was copied then, the caller writes instead).
fn copy_range(input: &File, output: &File, pos: u64, len: usize) -> std::io::Result<bool> {
    let mut done = 0usize;
    while done < len {
        let mut off_in = (pos + done as u64) as libc::loff_t;
        let mut off_out = off_in;
        // SAFETY: both descriptors are valid and owned; the offsets are local variables.
        let n = unsafe {
            libc::copy_file_range(
                input.as_raw_fd(),
                &mut off_in,
                output.as_raw_fd(),
                &mut off_out,
                len - done,
                0,
            )
        };
        if n < 0 {
            let e = std::io::Error::last_os_error();
            return match e.raw_os_error() {
                Some(libc::EINTR) => continue,
                Some(libc::EXDEV | libc::ENOSYS | libc::EOPNOTSUPP | libc::EINVAL) if done == 0 => Ok(false),
                _ => Err(e),
            };
        }
        if n == 0 {
            // The source ended under us (it was just read): a short file is an error.
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the source ended during copy_file_range",
            ));
        }
        done += n as usize;
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_range_copies_between_files() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        let b = dir.path().join("b");
        let bytes: Vec<u8> = (0..100_000u32).map(|i| (i % 253) as u8).collect();
        std::fs::write(&a, &bytes).unwrap();
        let input = File::open(&a).unwrap();
        let output = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(&b)
            .unwrap();
        if copy_range(&input, &output, 1000, 50_000).unwrap() {
            let got = std::fs::read(&b).unwrap();
            assert_eq!(&got[1000..51_000], &bytes[1000..51_000]);
        }
        let mut buf = vec![0u8; 10];
        assert_eq!(read_at(&input, &mut buf, 99_995).unwrap(), 5);
        assert_eq!(&buf[..5], &bytes[99_995..]);
    }

    /// A new file of `size` bytes, all of them a hole, open for writing.
    fn preallocated(path: &Path, size: u64) -> File {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .unwrap();
        file.set_len(size).unwrap();
        file
    }

    fn local(p: &Path) -> AnyNode {
        AnyNode::Local(LocalNode::from_spec("n", &format!("dir:{}", p.display())).unwrap())
    }

    /// A copy made while the source was written (live), then brought up to date (delta) after
    /// the source took more writes and the copy's prefix went bad: only the blocks that differ
    /// are written (the changed prefix block and the new tail), and the result is the source
    /// byte for byte; so is a copy with data where the source has none (a hole).
    #[test]
    fn a_delta_copy_rewrites_only_the_blocks_that_differ() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::create_dir_all(&a).unwrap();
        let name = "00000000000000000000";
        let size = 8 * 1024 * 1024u64;
        let file = preallocated(&a.join(name), size);
        file.write_all_at(&[5u8; 100_000], 0).unwrap();
        let (src, dst) = (local(&a), local(&b));
        let job = |mode| CopyJob {
            src: &src,
            dst: &dst,
            area: Area::CommitLog,
            rel: name.into(),
            dst_rel: name.into(),
            from: 0,
            size,
            mode,
        };
        copy_file(&job(CopyMode::Live), None, &super::super::NoReporter).unwrap();
        assert_eq!(
            std::fs::read(b.join(name)).unwrap(),
            std::fs::read(a.join(name)).unwrap()
        );
        file.write_all_at(&[6u8; 50_000], 100_000).unwrap();
        let copy = std::fs::OpenOptions::new()
            .write(true)
            .open(b.join(name))
            .unwrap();
        copy.write_all_at(b"not the source", 10).unwrap();
        let copied = copy_file(&job(CopyMode::Delta), None, &super::super::NoReporter).unwrap();
        assert_eq!(
            std::fs::read(b.join(name)).unwrap(),
            std::fs::read(a.join(name)).unwrap()
        );
        // Block 0, and blocks 24 to 36 (bytes 98 304 to 151 552) holding the new bytes.
        assert_eq!(copied.written, 14 * COMPARE_BLOCK as u64);
        assert_eq!(copied.len, size);

        copy.write_all_at(&[1u8; 10], 6 * 1024 * 1024).unwrap();
        copy.sync_all().unwrap();
        let copied = copy_file(&job(CopyMode::Delta), None, &super::super::NoReporter).unwrap();
        assert_eq!(
            std::fs::read(b.join(name)).unwrap(),
            std::fs::read(a.join(name)).unwrap()
        );
        assert!(copied.written > 0, "{copied:?}");
    }

    /// A preallocated file with data at its start and in its middle is copied whole: the copy
    /// has the source's bytes and length, and its md5 (over the data extents) is verified.
    #[test]
    fn a_sparse_file_is_copied_and_verified() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::create_dir_all(&a).unwrap();
        let name = "00000000000000000000";
        let size = 24 * 1024 * 1024u64;
        let file = preallocated(&a.join(name), size);
        file.write_all_at(&[7u8; 5000], 0).unwrap();
        file.write_all_at(&[9u8; 100], 9 * 1024 * 1024 + 3).unwrap();
        drop(file);
        let extents = data_extents(&File::open(a.join(name)).unwrap(), 0..size);
        assert!(!extents.is_empty());
        assert!(extents.iter().any(|e| e.start == 0));
        let (src, dst) = (local(&a), local(&b));
        let job = CopyJob {
            src: &src,
            dst: &dst,
            area: Area::CommitLog,
            rel: name.into(),
            dst_rel: name.into(),
            from: 0,
            size,
            mode: CopyMode::Full,
        };
        let copied = copy_file(&job, None, &super::super::NoReporter).unwrap();
        assert_eq!(copied.len, size);
        assert_eq!(
            std::fs::read(b.join(name)).unwrap(),
            std::fs::read(a.join(name)).unwrap()
        );
        // A destination with data where the source has none is not taken for a good copy.
        let out = std::fs::OpenOptions::new()
            .write(true)
            .open(b.join(name))
            .unwrap();
        out.write_all_at(&[1u8; 10], 20 * 1024 * 1024).unwrap();
        out.sync_all().unwrap();
        assert_eq!(
            verify_local_extents(
                match &dst {
                    AnyNode::Local(d) => d,
                    AnyNode::Remote(_) => unreachable!(),
                },
                &job,
                &extents
            )
            .unwrap()
            .filter(|m| *m == copied.md5),
            None
        );
    }
}
