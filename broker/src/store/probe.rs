//! Read-only probes of a store shared by `mqadmin` (local nodes) and the node agent `mqagent`
//! (remote nodes), so both answer "is this store in use", "how much room is left" and "where does
//! the written data of this preallocated file end" the same way.

use std::fs::File;
use std::os::unix::io::AsRawFd;
use std::path::Path;

/// Whether another process locks `file`. Our brokers take an exclusive `flock`; Java's
/// `FileChannel.tryLock` takes a POSIX (`fcntl`) lock, which `flock` does not see on Linux, so
/// both are probed. The `flock` probe takes a shared lock and drops it at once; the `fcntl` probe
/// (`F_GETLK`) only asks and never locks.
///
/// # Errors
/// The `flock`/`fcntl` calls fail for another reason than a held lock.
pub fn is_locked(file: &File) -> std::io::Result<bool> {
    let fd = file.as_raw_fd();
    // SAFETY: flock on a valid, owned descriptor has no memory-safety requirements.
    if unsafe { libc::flock(fd, libc::LOCK_SH | libc::LOCK_NB) } != 0 {
        let err = std::io::Error::last_os_error();
        return if err.kind() == std::io::ErrorKind::WouldBlock {
            Ok(true)
        } else {
            Err(err)
        };
    }
    // SAFETY: as above.
    unsafe { libc::flock(fd, libc::LOCK_UN) };
    // SAFETY: an all-zero `flock` struct is a valid value; F_GETLK writes only into it.
    let mut query: libc::flock = unsafe { std::mem::zeroed() };
    query.l_type = libc::F_RDLCK as libc::c_short;
    query.l_whence = libc::SEEK_SET as libc::c_short;
    // SAFETY: F_GETLK with a pointer to a properly initialised `flock` struct we own.
    if unsafe { libc::fcntl(fd, libc::F_GETLK, &mut query) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(i32::from(query.l_type) != libc::F_UNLCK)
}

/// Whether the lock file at `path` is held by a running broker; a missing file means no broker
/// ever ran there (RocketMQ creates it at start-up).
///
/// # Errors
/// The file exists but cannot be opened or probed.
pub fn lock_file_held(path: &Path) -> std::io::Result<bool> {
    match File::open(path) {
        Ok(file) => is_locked(&file),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

/// `statvfs(2)`: bytes available to an unprivileged user on the file system holding `dir` (or
/// its nearest existing ancestor).
///
/// # Errors
/// `statvfs` fails.
pub fn free_bytes(dir: &Path) -> std::io::Result<u64> {
    use std::os::unix::ffi::OsStrExt;
    let mut dir = dir.to_path_buf();
    while std::fs::symlink_metadata(&dir).is_err() {
        if !dir.pop() {
            dir = "/".into();
            break;
        }
    }
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes())
        .map_err(|_| std::io::Error::other("path contains a NUL byte"))?;
    // SAFETY: an all-zero statvfs is a valid value for the kernel to overwrite.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is a valid NUL-terminated path and `st` a valid, writable statvfs.
    if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    #[allow(clippy::unnecessary_cast)] // the field types differ between platforms
    Ok(st.f_bavail as u64 * st.f_frsize as u64)
}

/// Bytes scanned per step when looking for non-zero data: a block whose OR is zero is skipped
/// without looking at single bytes (the fold vectorises).
const ZERO_SCAN_BLOCK: usize = 4096;

fn block_is_zero(block: &[u8]) -> bool {
    block.iter().fold(0u8, |acc, &b| acc | b) == 0
}

/// Index of the first non-zero byte of `buf`.
pub fn first_nonzero_index(buf: &[u8]) -> Option<usize> {
    let mut start = 0;
    for block in buf.chunks(ZERO_SCAN_BLOCK) {
        if !block_is_zero(block) {
            return block.iter().position(|&b| b != 0).map(|i| start + i);
        }
        start += block.len();
    }
    None
}

/// Index of the last non-zero byte of `buf`.
pub fn last_nonzero_index(buf: &[u8]) -> Option<usize> {
    let mut end = buf.len();
    while end > 0 {
        let start = end.saturating_sub(ZERO_SCAN_BLOCK);
        let block = &buf[start..end];
        if !block_is_zero(block) {
            return block.iter().rposition(|&b| b != 0).map(|i| start + i);
        }
        end = start;
    }
    None
}
