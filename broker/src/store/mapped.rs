//! Files written through a shared memory map, as Java's MappedFile writes the commitlog, the
//! consume queues and DLedger's data files.
//!
//! It exists because a positioned write per message was one system call per message on every
//! node (a consume-queue unit everywhere, a DLedger entry on the leader). A page is only written
//! through the map once its blocks are reserved with `fallocate` ([`RESERVE_CHUNK`] at a time),
//! so on a full disk the reservation fails, the bytes go out with `pwrite`, and the caller gets
//! ENOSPC as before, instead of the process getting SIGBUS. Reads stay positioned reads: both go
//! through the same page cache, and `fdatasync` on the file also writes back mapped pages.

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
}

impl MappedFile {
    /// Wraps `file`, which is (or has just been extended to) `size` bytes and stays that long
    /// while this value lives: it is only shortened or deleted after being dropped.
    pub fn new(file: File, size: u64) -> Self {
        Self {
            file,
            size,
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
