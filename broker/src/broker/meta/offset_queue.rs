//! Consumer-offset commits on a DLedger leader, coalesced into at most one metadata record per
//! [`FLUSH_INTERVAL`].
//!
//! Java clients commit every queue's offset every 5 s (oneway) and piggy-back offsets on pulls:
//! one Raft entry per commit would cost more than the messages. So the leader keeps the newest
//! offset of each group and queue here and a flusher task proposes everything that changed in
//! the last interval as one `offsets` record (the flusher is `dledger::flush_offsets`). A commit that expects an answer (a two-way
//! UPDATE_CONSUMER_OFFSET) is answered once the record holding it is committed; a oneway or
//! piggy-backed one is not waited for, so a failover loses at most the last interval of those.
//!
//! Until its record is applied, an offset is served from here (QUERY_CONSUMER_OFFSET on the
//! leader sees its own commits at once). When this node stops leading, everything here is
//! dropped and waiters are told: the new leader's offsets are what the log holds.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::{oneshot, Notify};

use super::record::OffsetEntry;

/// How long commits gather before they are proposed as one record.
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(100);

/// At most this many offsets per metadata record (about 100 bytes each); more are split into
/// several records of the same proposal.
pub const MAX_OFFSETS_PER_RECORD: usize = 4096;

/// (group, topic, queue id)
type Key = (String, String, i32);

#[derive(Debug, Default)]
struct Inner {
    /// The newest offset committed on this leader per queue, until an applied record holds it.
    latest: HashMap<Key, i64>,
    /// Queues whose offset changed since the last proposal (ordered: records are deterministic).
    changed: BTreeSet<Key>,
    /// Commits that wait for their record, answered `true` once it is committed.
    waiters: Vec<oneshot::Sender<bool>>,
}

/// The leader's pending offset commits (module docs).
#[derive(Debug, Default)]
pub struct OffsetQueue {
    inner: Mutex<Inner>,
    wake: Notify,
}

impl OffsetQueue {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues a commit; with `wait`, returns a receiver answered once it is committed (`true`)
    /// or dropped because this node stopped leading (`false`).
    pub fn push(
        &self,
        group: &str,
        topic: &str,
        queue_id: i32,
        offset: i64,
        wait: bool,
    ) -> Option<oneshot::Receiver<bool>> {
        let key = (group.to_owned(), topic.to_owned(), queue_id);
        let rx = {
            let mut inner = self.lock();
            inner.latest.insert(key.clone(), offset);
            inner.changed.insert(key);
            wait.then(|| {
                let (tx, rx) = oneshot::channel();
                inner.waiters.push(tx);
                rx
            })
        };
        self.wake.notify_one();
        rx
    }

    /// The newest offset committed on this leader and not yet applied, if any.
    pub fn get(&self, group: &str, topic: &str, queue_id: i32) -> Option<i64> {
        let key = (group.to_owned(), topic.to_owned(), queue_id);
        self.lock().latest.get(&key).copied()
    }

    /// Forgets a deleted topic's pending offsets.
    pub fn remove_topic(&self, topic: &str) {
        let mut inner = self.lock();
        inner.latest.retain(|k, _| k.1 != topic);
        inner.changed.retain(|k| k.1 != topic);
    }

    /// Forgets a deleted group's pending offsets.
    pub fn remove_group(&self, group: &str) {
        let mut inner = self.lock();
        inner.latest.retain(|k, _| k.0 != group);
        inner.changed.retain(|k| k.0 != group);
    }

    /// Drops everything (this node stopped leading); waiters are answered `false`.
    pub fn clear(&self) {
        let mut inner = self.lock();
        inner.latest.clear();
        inner.changed.clear();
        for w in inner.waiters.drain(..) {
            let _ = w.send(false);
        }
    }

    /// Waits for the first change after the last [`OffsetQueue::take`] (a change made since
    /// counts at once).
    pub async fn changed(&self) {
        self.wake.notified().await;
    }

    /// Takes what changed since the last proposal.
    pub fn take(&self) -> Option<(Vec<OffsetEntry>, Vec<oneshot::Sender<bool>>)> {
        let mut inner = self.lock();
        if inner.changed.is_empty() && inner.waiters.is_empty() {
            return None;
        }
        let changed = std::mem::take(&mut inner.changed);
        let entries = changed
            .into_iter()
            .filter_map(|k| {
                let offset = *inner.latest.get(&k)?;
                Some(OffsetEntry {
                    group: k.0,
                    topic: k.1,
                    queue_id: k.2,
                    offset,
                })
            })
            .collect();
        Some((entries, std::mem::take(&mut inner.waiters)))
    }

    /// Settles a proposal: committed offsets that nothing replaced leave the overlay (the
    /// applied table has them); a failed proposal drops everything (see [`OffsetQueue::clear`]).
    pub fn settle(&self, entries: &[OffsetEntry], waiters: Vec<oneshot::Sender<bool>>, ok: bool) {
        if !ok {
            for w in waiters {
                let _ = w.send(false);
            }
            self.clear();
            return;
        }
        {
            let mut inner = self.lock();
            for e in entries {
                let key = (e.group.clone(), e.topic.clone(), e.queue_id);
                if inner.latest.get(&key) == Some(&e.offset) && !inner.changed.contains(&key) {
                    inner.latest.remove(&key);
                }
            }
        }
        for w in waiters {
            let _ = w.send(true);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commits_coalesce_per_queue_and_leave_once_applied() {
        let q = OffsetQueue::default();
        q.push("g", "t", 0, 1, false);
        q.push("g", "t", 0, 5, false);
        q.push("g", "t", 1, 2, false);
        let rx = q.push("g", "u", 0, 9, true).unwrap();
        assert_eq!(q.get("g", "t", 0), Some(5));
        let (entries, waiters) = q.take().unwrap();
        assert_eq!(entries.len(), 3, "one entry per queue: {entries:?}");
        assert_eq!(entries[0].offset, 5);
        // A commit after the take stays pending with its newer value.
        q.push("g", "t", 1, 3, false);
        q.settle(&entries, waiters, true);
        assert_eq!(rx.blocking_recv(), Ok(true));
        assert_eq!(q.get("g", "t", 0), None, "applied: served from the table");
        assert_eq!(q.get("g", "t", 1), Some(3));
        let (entries, waiters) = q.take().unwrap();
        assert_eq!(entries.len(), 1);
        assert!(q.take().is_none());
        q.settle(&entries, waiters, true);
    }

    #[test]
    fn a_failed_proposal_drops_everything_and_fails_waiters() {
        let q = OffsetQueue::default();
        let rx = q.push("g", "t", 0, 1, true).unwrap();
        let (entries, waiters) = q.take().unwrap();
        let late = q.push("g", "t", 0, 2, true).unwrap();
        q.settle(&entries, waiters, false);
        assert_eq!(rx.blocking_recv(), Ok(false));
        assert_eq!(late.blocking_recv(), Ok(false));
        assert_eq!(q.get("g", "t", 0), None);
        assert!(q.take().is_none());
    }
}
