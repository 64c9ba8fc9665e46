//! Files written through a shared memory map, as Java's MappedFile writes the commitlog, the
//! consume queues and DLedger's data files.
//!
//! It exists because a positioned write per message was one system call per message on every
//! node (a consume-queue unit everywhere, a DLedger entry on the leader). A page is only written
//! through the map once its blocks are reserved with `fallocate` ([`RESERVE_CHUNK`] at a time),
//! so on a full disk the reservation fails, the bytes go out with `pwrite`, and the caller gets
//! ENOSPC as before, instead of the process getting SIGBUS. Reads stay positioned reads: both go
//! through the same page cache, and `fdatasync` on the file also writes back mapped pages.
//!
//! Pages written through a map count in the process's resident set until they are unmapped,
//! unlike pages written with `pwrite` (the kernel's page cache alone). So
//! [`MappedFile::sync_data`] (and [`MappedFile::release_written`], for a file that is not synced
//! periodically) drops the written pages from the map; they stay in the page cache. The
//! broker's RSS then holds what it wrote since the last sync, not every unit and index entry
//! written since it started. A prefix written all over (the key index's hash slots) stays mapped.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::FileExt;
use std::sync::Mutex;

/// Bytes reserved (`fallocate`) at a time ahead of the writes: 64 KiB, so a queue holding a few
/// messages does not reserve a whole 6 MB file, and reserving costs one call per 64 KiB.
pub const RESERVE_CHUNK: u64 = 64 * 1024;

/// An open data file of a fixed size, written through a map when possible. Dereferences to the
/// [`File`] for reads, syncs and everything else.
#[derive(Debug)]
pub struct MappedFile {
    file: File,
    size: u64,
    /// Bytes from the start that stay mapped after a sync (written all over, not in order).
    hot: u64,
    writer: Mutex<Writer>,
}

#[derive(Debug, Default)]
struct Writer {
    /// The writable map of the whole file, made at the first write; `None` before, or when
    /// mapping failed (then every write is a `pwrite`).
    map: Option<memmap2::MmapMut>,
    tried: bool,
    /// Bytes from the file start whose blocks are reserved.
    reserved: u64,
    /// The span written through the map since the last release
    /// ([`MappedFile::release_written`]): `(lowest offset, highest end)`.
    dirty: Option<(u64, u64)>,
}

impl MappedFile {
    /// Wraps `file`, which is (or has just been extended to) `size` bytes and stays that long
    /// while this value lives: it is only shortened or deleted after being dropped.
    pub fn new(file: File, size: u64) -> Self {
        Self::with_hot_prefix(file, size, 0)
    }

    /// [`MappedFile::new`] for a file whose first `hot` bytes are written all over (not in
    /// order): they stay mapped after a sync.
    pub fn with_hot_prefix(file: File, size: u64, hot: u64) -> Self {
        Self {
            file,
            size,
            hot,
            writer: Mutex::default(),
        }
    }

    /// Writes `bytes` at `offset` through the map when their blocks are (or can now be)
    /// reserved, else with `pwrite`.
    ///
    /// # Errors
    /// The `pwrite` error (ENOSPC on a full disk, EFBIG past a file-size limit).
    pub fn write_at(&self, bytes: &[u8], offset: u64) -> io::Result<()> {
        let end = offset + bytes.len() as u64;
        let mut w = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        if !w.tried {
            w.tried = true;
            w.map = usize::try_from(self.size).ok().and_then(|len| {
                // SAFETY: the map covers the file's `size` bytes, which the owner keeps until
                // this value is dropped (see `new`); accesses would fault only if another
                // process truncated the store's file, as with Java's MappedFile.
                unsafe { memmap2::MmapOptions::new().len(len).map_mut(&self.file) }
                    .map_err(|e| tracing::debug!("file not mapped, writing with pwrite: {e}"))
                    .ok()
            });
        }
        if w.map.is_some() && end > w.reserved && end <= self.size {
            let to = end
                .div_ceil(RESERVE_CHUNK)
                .saturating_mul(RESERVE_CHUNK)
                .min(self.size);
            if fallocate(&self.file, w.reserved, to - w.reserved).is_ok() {
                w.reserved = to;
            }
        }
        let reserved = w.reserved;
        match w.map.as_mut() {
            Some(map) if end <= reserved => {
                map[offset as usize..end as usize].copy_from_slice(bytes);
                w.dirty = Some(
                    w.dirty
                        .map_or((offset, end), |(lo, hi)| (lo.min(offset), hi.max(end))),
                );
                Ok(())
            }
            _ => self.file.write_all_at(bytes, offset),
        }
    }

    /// Reads `buf.len()` bytes at `offset`: a copy from the map once the file is mapped (the
    /// key index reads a slot and an entry or two per key it writes), else a positioned read.
    ///
    /// # Errors
    /// The `pread` error, or `UnexpectedEof` past the end of the file.
    pub fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        let end = offset.saturating_add(buf.len() as u64);
        let w = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        match w.map.as_ref() {
            Some(map) if end <= map.len() as u64 => {
                buf.copy_from_slice(&map[offset as usize..end as usize]);
                Ok(())
            }
            _ => {
                drop(w);
                self.file.read_exact_at(buf, offset)
            }
        }
    }

    /// `fdatasync`s the file, then [`MappedFile::release_written`].
    ///
    /// This shadows [`File::sync_data`] on purpose: every sync of a mapped file releases.
    ///
    /// # Errors
    /// The `fdatasync` error; nothing is released then.
    pub fn sync_data(&self) -> io::Result<()> {
        self.file.sync_data()?;
        self.release_written();
        Ok(())
    }

    /// Drops the pages written through the map since the last release from the map (module
    /// docs). They stay in the page cache, dirty ones included (unmapping a page of a shared
    /// file map hands its dirty state to the page cache; nothing is lost), so a later read or
    /// write faults them back in from there. Pages in the hot prefix and the page holding the
    /// highest written byte (a sequential writer goes on there) stay mapped.
    pub fn release_written(&self) {
        let mut w = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let Some((lo, hi)) = w.dirty.take() else {
            return;
        };
        let Some(map) = w.map.as_ref() else {
            return;
        };
        let page = page_size();
        let (from, to) = (lo.max(self.hot).div_ceil(page) * page, hi / page * page);
        let (Ok(from), Ok(len)) = (usize::try_from(from), usize::try_from(to.saturating_sub(from))) else {
            return;
        };
        if len == 0 {
            return;
        }
        // SAFETY: a shared map of a file: MADV_DONTNEED only unmaps the pages (a dirty one is
        // marked dirty in the page cache, nothing is discarded; unlike a private map, where its
        // changes would be lost) and the next access maps the file's page again. The writer
        // lock is held, so no write through the map runs meanwhile.
        let released = unsafe { map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, from, len) };
        if let Err(e) = released {
            tracing::debug!("releasing written pages of a mapped file failed: {e}");
        }
    }

    /// Bytes reserved through [`Self::write_at`] so far (for tests).
    pub fn reserved(&self) -> u64 {
        self.writer.lock().unwrap_or_else(|p| p.into_inner()).reserved
    }

    /// Whether writes go through a map.
    pub fn is_mapped(&self) -> bool {
        self.writer
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .map
            .is_some()
    }
}

impl std::ops::Deref for MappedFile {
    type Target = File;
    fn deref(&self) -> &File {
        &self.file
    }
}

/// The size of a memory page (4 KiB when the system does not say).
fn page_size() -> u64 {
    // SAFETY: sysconf reads no memory of ours.
    let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    u64::try_from(n).ok().filter(|n| *n > 0).unwrap_or(4096)
}

/// Reserves the blocks of `len` bytes at `offset` (`fallocate` mode 0: the size is unchanged).
fn fallocate(file: &File, offset: u64, len: u64) -> io::Result<()> {
    if len == 0 {
        return Ok(());
    }
    let (Ok(offset), Ok(len)) = (libc::off_t::try_from(offset), libc::off_t::try_from(len)) else {
        return Err(io::Error::from(io::ErrorKind::InvalidInput));
    };
    // SAFETY: a valid open descriptor; fallocate reads and writes no memory of ours.
    match unsafe { libc::fallocate(file.as_raw_fd(), 0, offset, len) } {
        0 => Ok(()),
        _ => Err(io::Error::last_os_error()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    /// A new file of `size` bytes (sparse), as the stores create theirs.
    fn sized_file(path: &std::path::Path, size: u64) -> File {
        let file = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .unwrap();
        file.set_len(size).unwrap();
        file
    }

    #[test]
    fn writes_go_through_the_map_in_reserved_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let size = 8 * RESERVE_CHUNK;
        let f = MappedFile::new(sized_file(&path, size), size);
        f.write_at(b"hello", 10).unwrap();
        f.write_at(b"world", RESERVE_CHUNK + 5).unwrap();
        assert!(f.is_mapped());
        assert_eq!(
            f.reserved(),
            2 * RESERVE_CHUNK,
            "two chunks reserved, not the whole file"
        );
        let blocks = std::fs::metadata(&path).unwrap().blocks() * 512;
        assert!(
            blocks >= 2 * RESERVE_CHUNK && blocks < size,
            "{blocks} bytes allocated"
        );
        // Positioned reads, and another open of the file, see the mapped writes at once.
        let mut got = [0u8; 5];
        f.read_exact_at(&mut got, RESERVE_CHUNK + 5).unwrap();
        assert_eq!(&got, b"world");
        drop(f);
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(&bytes[10..15], b"hello");
        assert_eq!(bytes.len() as u64, size);
    }

    /// The resident size of `f`'s map, from `/proc/self/smaps` (the block starting at its
    /// address).
    fn mapped_rss_kib(f: &MappedFile) -> u64 {
        let start = {
            let w = f.writer.lock().unwrap();
            w.map.as_ref().expect("mapped").as_ptr() as usize
        };
        let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap();
        let mut ours = false;
        for line in smaps.lines() {
            if let Some((range, _)) = line.split_once(' ').filter(|(r, _)| r.contains('-')) {
                let first = range.split('-').next().unwrap();
                ours = usize::from_str_radix(first, 16).ok() == Some(start);
            } else if ours {
                if let Some(kib) = line.strip_prefix("Rss:") {
                    return kib.trim().trim_end_matches("kB").trim().parse().unwrap();
                }
            }
        }
        panic!("no smaps block at {start:#x}");
    }

    #[test]
    fn a_sync_unmaps_the_written_pages_but_the_hot_prefix_and_the_last() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let size = 64 * RESERVE_CHUNK;
        let hot = 2 * RESERVE_CHUNK;
        let f = MappedFile::with_hot_prefix(sized_file(&path, size), size, hot);
        f.write_at(&[1u8; 4096], 0).unwrap();
        let body = vec![7u8; 2 * 1024 * 1024];
        f.write_at(&body, hot).unwrap();
        f.write_at(b"tail", hot + body.len() as u64).unwrap();
        let before = mapped_rss_kib(&f);
        assert!(before >= 2048 + 4, "written pages are resident: {before} KiB");
        f.sync_data().unwrap();
        let after = mapped_rss_kib(&f);
        let page_kib = page_size() / 1024;
        assert_eq!(
            after,
            2 * page_kib,
            "the hot page and the tail's page stay: {after} KiB"
        );
        // Nothing is lost: the file and the map read back what was written, and writes go on.
        let mut got = vec![0u8; 4];
        f.read_at(&mut got, hot + body.len() as u64).unwrap();
        assert_eq!(got, b"tail");
        f.read_at(&mut got, hot + 4096).unwrap();
        assert_eq!(got, [7u8; 4]);
        f.write_at(b"more", hot + body.len() as u64 + 4).unwrap();
        drop(f);
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(&bytes[..4], &[1u8; 4]);
        assert!(bytes[hot as usize..hot as usize + body.len()]
            .iter()
            .all(|b| *b == 7));
        let end = hot as usize + body.len();
        assert_eq!(&bytes[end..end + 8], b"tailmore");
    }

    #[test]
    fn a_write_past_the_size_falls_back_to_pwrite() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let f = MappedFile::new(sized_file(&path, 100), 100);
        f.write_at(b"tail", 98).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 102);
        assert_eq!(&std::fs::read(&path).unwrap()[98..], b"tail");
    }
}
