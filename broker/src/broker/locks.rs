//! Orderly-consumption queue locks (LOCK_BATCH_MQ / UNLOCK_BATCH_MQ), kept in memory as Java's
//! `RebalanceLockManager` keeps them.
//!
//! An orderly consumer must hold a queue's lock on the broker before it consumes the queue, so
//! that two clients of one group never process the same queue at once during a rebalance. The
//! rules are Java 4.9's: one holder (client id) per queue per group; the holder renews by locking
//! again; a lock not renewed for `rebalanceLockMaxLiveTime` has expired and goes to the next
//! client that asks; only the holder can unlock. Nothing is persisted or replicated: after a
//! restart or a leader change clients simply lock again (within their 20 s lock period).

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::remoting::body_group::MessageQueue;

/// Java's default lock lifetime (`rocketmq.broker.rebalance.lockMaxLiveTime`): 60 s.
pub const DEFAULT_LOCK_MAX_LIVE: Duration = Duration::from_secs(60);

#[derive(Debug, Clone)]
struct LockEntry {
    client_id: String,
    last_update: Instant,
}

impl LockEntry {
    fn expired(&self, now: Instant, max_live: Duration) -> bool {
        now.saturating_duration_since(self.last_update) > max_live
    }
}

/// The lock table: group -> queue -> holder.
#[derive(Debug)]
pub struct LockTable {
    max_live: Duration,
    groups: Mutex<HashMap<String, HashMap<MessageQueue, LockEntry>>>,
}

impl LockTable {
    /// An empty table whose locks expire after `max_live` without renewal.
    pub fn new(max_live: Duration) -> Self {
        Self {
            max_live,
            groups: Mutex::default(),
        }
    }

    fn groups(&self) -> std::sync::MutexGuard<'_, HashMap<String, HashMap<MessageQueue, LockEntry>>> {
        self.groups.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Locks (or renews) each queue for `client_id` where it is free, expired or already held by
    /// that client; returns the queues the client holds afterwards.
    pub fn try_lock_batch<'a>(
        &self,
        group: &str,
        mqs: impl IntoIterator<Item = &'a MessageQueue>,
        client_id: &str,
        now: Instant,
    ) -> BTreeSet<MessageQueue> {
        let mut groups = self.groups();
        let table = groups.entry(group.to_string()).or_default();
        let mut locked = BTreeSet::new();
        for mq in mqs {
            let entry = table.entry(mq.clone()).or_insert_with(|| {
                tracing::info!(group, client_id, ?mq, "queue not locked, lock granted");
                LockEntry {
                    client_id: client_id.to_string(),
                    last_update: now,
                }
            });
            if entry.client_id == client_id || entry.expired(now, self.max_live) {
                if entry.client_id != client_id {
                    tracing::warn!(group, old = %entry.client_id, client_id, ?mq, "queue lock expired, lock granted");
                    entry.client_id = client_id.to_string();
                }
                // The holder's own expired lock is renewed too: nobody else took it meanwhile.
                entry.last_update = now;
                locked.insert(mq.clone());
            } else {
                tracing::debug!(group, holder = %entry.client_id, client_id, ?mq, "queue locked by another client");
            }
        }
        locked
    }

    /// Releases each queue that `client_id` holds; queues held by others are left alone.
    pub fn unlock_batch<'a>(
        &self,
        group: &str,
        mqs: impl IntoIterator<Item = &'a MessageQueue>,
        client_id: &str,
    ) {
        let mut groups = self.groups();
        let Some(table) = groups.get_mut(group) else {
            return;
        };
        for mq in mqs {
            match table.get(mq) {
                Some(e) if e.client_id == client_id => {
                    table.remove(mq);
                }
                Some(e) => {
                    tracing::warn!(group, holder = %e.client_id, client_id, ?mq, "unlock refused: held by another client");
                }
                None => {}
            }
        }
        if table.is_empty() {
            groups.remove(group);
        }
    }

    /// The live holder of a queue's lock, if any.
    pub fn holder(&self, group: &str, mq: &MessageQueue, now: Instant) -> Option<String> {
        self.groups()
            .get(group)?
            .get(mq)
            .filter(|e| !e.expired(now, self.max_live))
            .map(|e| e.client_id.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mq(q: i32) -> MessageQueue {
        MessageQueue {
            broker_name: "b".into(),
            queue_id: q,
            topic: "T".into(),
        }
    }

    #[test]
    fn one_holder_per_queue_per_group() {
        let t = LockTable::new(Duration::from_secs(60));
        let now = Instant::now();
        let qs = [mq(0), mq(1)];
        assert_eq!(t.try_lock_batch("g", &qs, "a", now).len(), 2);
        assert!(t.try_lock_batch("g", &qs[..1], "b", now).is_empty());
        // Another group locks independently.
        assert_eq!(t.try_lock_batch("g2", &qs[..1], "b", now).len(), 1);
        // Only the holder unlocks.
        t.unlock_batch("g", &qs[..1], "b");
        assert_eq!(t.holder("g", &mq(0), now).as_deref(), Some("a"));
        t.unlock_batch("g", &qs[..1], "a");
        assert_eq!(t.try_lock_batch("g", &qs, "b", now), BTreeSet::from([mq(0)]));
    }

    #[test]
    fn locks_expire_unless_renewed() {
        let max = Duration::from_secs(60);
        let t = LockTable::new(max);
        let t0 = Instant::now();
        t.try_lock_batch("g", &[mq(0)], "a", t0);
        // Renewal at 50 s keeps it for another 60 s.
        assert_eq!(
            t.try_lock_batch("g", &[mq(0)], "a", t0 + Duration::from_secs(50))
                .len(),
            1
        );
        assert!(t
            .try_lock_batch("g", &[mq(0)], "b", t0 + Duration::from_secs(100))
            .is_empty());
        // Exactly max_live is not yet expired (Java compares with `>`).
        assert!(t
            .try_lock_batch("g", &[mq(0)], "b", t0 + Duration::from_secs(110))
            .is_empty());
        let late = t0 + Duration::from_secs(111);
        assert_eq!(t.holder("g", &mq(0), late), None);
        assert_eq!(t.try_lock_batch("g", &[mq(0)], "b", late).len(), 1);
        assert_eq!(t.holder("g", &mq(0), late).as_deref(), Some("b"));
    }
}
