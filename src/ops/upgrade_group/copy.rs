//! Copying a file from one node to another (local or behind an agent) in chunks, throttled on
//! request, and md5-verified on both sides afterwards: how the align and copy steps move data.

use std::ops::Range;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::state::NodeRole;
use super::{Result, UpgradeError, UpgradeReporter};
use crate::ops::node::{Area, NodeAdmin, NodeError};

/// Copy chunk size (one download and one upload per chunk between two agents).
const CHUNK: u64 = 4 * 1024 * 1024;

/// How many files the copy step sends to a node of `role` (a third gets the commitlog too).
pub(super) fn files_len(
    role: NodeRole,
    commitlog: &[(Area, String, u64)],
    store: &[(Area, String, u64)],
) -> usize {
    match role {
        NodeRole::Third => commitlog.len() + store.len(),
        _ => store.len(),
    }
}

/// Copies `range` of a file from `src` to `dst` in chunks (all-zero chunks are not written: the
/// destination is extended with zeros instead, as commitlog files are preallocated), sets the
/// destination's length to the source's, and checks that the md5 of both whole files match.
pub(super) fn copy_file(
    src: &dyn NodeAdmin,
    dst: &dyn NodeAdmin,
    area: Area,
    rel: &str,
    range: Range<u64>,
    throttle_mb_per_s: Option<f64>,
    reporter: &dyn UpgradeReporter,
) -> Result<()> {
    let started = Instant::now();
    let mut pos = range.start;
    let mut copied = 0u64;
    let mut size = range.start;
    while pos < range.end {
        let end = (pos + CHUNK).min(range.end);
        let data = src.read_file(area, rel, pos..end)?;
        if data.is_empty() {
            break;
        }
        if data.iter().any(|b| *b != 0) {
            dst.write_file(area, rel, pos, &data)?;
        }
        pos += data.len() as u64;
        size = pos;
        copied += data.len() as u64;
        reporter.on_copy_bytes(data.len() as u64);
        if let Some(rate) = throttle_mb_per_s.filter(|r| *r > 0.0) {
            let due = Duration::from_secs_f64(copied as f64 / (rate * 1_000_000.0));
            if let Some(wait) = due.checked_sub(started.elapsed()) {
                std::thread::sleep(wait);
            }
        }
    }
    dst.finish_file(area, rel, size)?;
    let a = src.digest_file(area, rel, 0..u64::MAX)?;
    let b = dst.digest_file(area, rel, 0..u64::MAX)?;
    if a.md5 != b.md5 || a.len != b.len {
        return Err(UpgradeError::Node(NodeError::Io {
            action: "verify the copy of",
            path: PathBuf::from(rel),
            source: std::io::Error::other(format!(
                "md5 differs after copying to {}: {} vs {}",
                dst.name(),
                hex::encode(a.md5),
                hex::encode(b.md5)
            )),
        }));
    }
    Ok(())
}
