//! The log's tail in memory ([`RecentEntries`]), apart from the store because it is only a
//! cache: nothing in it is needed for correctness, it just has to follow every append,
//! truncation and purge so that it never serves an entry the log no longer holds.

use std::collections::VecDeque;

use crate::raft::types::Entry;

/// A bounded in-memory copy of the log's tail: replication to followers reads the entries a
/// leader has just appended, so keeping them saves a pread, a CRC and a copy per entry.
/// Contiguous indexes ending at the last written entry; at most [`RECENT_BYTES`] of records.
#[derive(Default)]
pub(super) struct RecentEntries {
    /// Index of `entries[0]`.
    first: u64,
    entries: VecDeque<(Entry, usize)>,
    bytes: usize,
}

/// Byte budget of [`RecentEntries`].
const RECENT_BYTES: usize = 8 * 1024 * 1024;

impl RecentEntries {
    pub(super) fn push(&mut self, entry: Entry, size: usize) {
        let index = entry.log_id.index;
        if self.first + self.entries.len() as u64 != index {
            self.clear();
        }
        if self.entries.is_empty() {
            self.first = index;
        }
        self.entries.push_back((entry, size));
        self.bytes += size;
        while self.bytes > RECENT_BYTES {
            let Some((_, s)) = self.entries.pop_front() else {
                break;
            };
            self.bytes -= s;
            self.first += 1;
        }
    }

    pub(super) fn get(&self, index: u64) -> Option<&Entry> {
        let i = usize::try_from(index.checked_sub(self.first)?).ok()?;
        self.entries.get(i).map(|(e, _)| e)
    }

    /// Forgets entries from `index` on (truncation).
    pub(super) fn cut_from(&mut self, index: u64) {
        while self.first + self.entries.len() as u64 > index {
            let Some((_, s)) = self.entries.pop_back() else {
                break;
            };
            self.bytes -= s;
        }
    }

    /// Forgets entries up to and including `index` (purge).
    pub(super) fn drop_upto(&mut self, index: u64) {
        while self.first <= index {
            let Some((_, s)) = self.entries.pop_front() else {
                break;
            };
            self.bytes -= s;
            self.first += 1;
        }
    }

    fn clear(&mut self) {
        self.entries.clear();
        self.bytes = 0;
    }
}
