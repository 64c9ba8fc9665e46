//! Where recovery starts checking the commitlog, so that restart time does not grow with the
//! store: after a clean stop, at the last record a consume queue points at; after a crash, at
//! the last record the checkpoint proves flushed and dispatched.
//!
//! Java's crash recovery starts at the newest file whose first record is older than the
//! checkpoint, which still reads up to a whole file (1 GiB by default). The consume queues know
//! record boundaries inside that file, so the start is narrowed with a binary search over the
//! units of one queue: the last unit whose record (intact, CRC checked) was stored at or before
//! the checkpoint's time. It relies on what Java's rule relies on: store times grow with the
//! offset. A unit whose record is damaged ends the search at the file start.

use super::checkpoint::Checkpoint;
use super::commitlog::CommitLog;
use super::consume_queue::ConsumeQueueSet;
use super::error::Result;

/// The commitlog offset from which recovery checks records: after a clean stop (`!abnormal`)
/// the last dispatched record, after a crash the checkpoint's record.
///
/// `dledger`: the classic files are sealed and, once the replicated log holds records, the
/// queues point into it, above the classic files; then Java's last three files are checked. At
/// the first DLedger start after an upgrade (spec §6.3) the queues still point at the classic
/// commitlog's last record, and the check starts there as in classic mode: the new group's
/// start then does not read the old store's last three files (3 GiB with 1 GiB files).
///
/// # Errors
/// [`super::StoreError::Io`].
pub(super) fn check_start(
    commitlog: &CommitLog,
    cqs: &ConsumeQueueSet,
    cp: &Checkpoint,
    abnormal: bool,
    dledger: bool,
) -> Result<u64> {
    if !abnormal {
        let anchor = cqs.last_dispatched();
        let classic_end = commitlog
            .files()
            .last()
            .map_or(0, |f| f.start + commitlog.file_size());
        let anchor = anchor.filter(|&(_, end)| !dledger || end <= classic_end);
        return commitlog.clean_recovery_start(anchor);
    }
    let min_ts = cp.min_timestamp();
    let file_start = commitlog.crash_recovery_start(min_ts)?;
    if dledger || min_ts <= 0 {
        return Ok(file_start);
    }
    Ok(narrow(commitlog, cqs, file_start, min_ts)?.unwrap_or(file_start))
}

/// The offset of the last record of the last dispatched queue that lies in the file starting at
/// `file_start` and was stored at or before `min_ts`; `None` when there is none or a probed
/// unit does not point at an intact record.
fn narrow(commitlog: &CommitLog, cqs: &ConsumeQueueSet, file_start: u64, min_ts: i64) -> Result<Option<u64>> {
    let Some(q) = cqs.last_dispatched_queue() else {
        return Ok(None);
    };
    let file_end = file_start + commitlog.file_size();
    // Invariant: units below `lo` are "old enough" (before the file, or stored by min_ts);
    // units at and above `hi` are not.
    let (mut lo, mut hi) = (q.min_offset(), q.max_offset());
    let mut best = None;
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let Some(u) = q.unit(mid)? else { return Ok(None) };
        let phys = u.phys_offset as u64;
        let old_enough = if u.is_blank() || phys < file_start {
            true
        } else {
            match commitlog.intact_record_timestamp(phys)? {
                Some(ts) => ts <= min_ts,
                None => return Ok(None),
            }
        };
        if old_enough {
            if !u.is_blank() && phys >= file_start && phys < file_end {
                best = Some(phys);
            }
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    Ok(best)
}
