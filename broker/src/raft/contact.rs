//! When this node last heard from the other members, for `mqadmin dledger-status`.
//!
//! openraft 0.9's metrics say how far each follower's log is matched, but not when a follower
//! last answered, nor (on a follower) when the leader was last heard: a stopped peer with no
//! writes in flight shows no lag at all. The RPC client records each answered AppendEntries per
//! target, and the RPC server each AppendEntries received; both in epoch milliseconds so the
//! broker can report "N ms ago".

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use super::types::NodeId;

/// Last-contact times, shared by the RPC client and server of one node.
#[derive(Debug, Default)]
pub struct Contacts {
    /// Epoch ms of the last AppendEntries (heartbeat or data) received from a leader; 0 never.
    leader_append_ms: AtomicU64,
    /// Epoch ms of the last answered AppendEntries, per target node (leader side).
    acks: Mutex<BTreeMap<NodeId, u64>>,
}

/// Now in epoch milliseconds.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl Contacts {
    /// Records an AppendEntries received from a leader.
    pub fn on_leader_append(&self) {
        self.leader_append_ms.store(now_ms(), Ordering::Relaxed);
    }

    /// Records an answered AppendEntries sent to `target`.
    pub fn on_ack(&self, target: NodeId) {
        self.acks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(target, now_ms());
    }

    /// Epoch ms of the last AppendEntries received from a leader, if any.
    pub fn leader_append_ms(&self) -> Option<u64> {
        Some(self.leader_append_ms.load(Ordering::Relaxed)).filter(|ms| *ms > 0)
    }

    /// Epoch ms of `target`'s last answer to an AppendEntries, if any.
    pub fn ack_ms(&self, target: NodeId) -> Option<u64> {
        self.acks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&target)
            .copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_contacts() {
        let c = Contacts::default();
        assert_eq!(c.leader_append_ms(), None);
        assert_eq!(c.ack_ms(2), None);
        c.on_leader_append();
        c.on_ack(2);
        let now = now_ms();
        assert!(c
            .leader_append_ms()
            .is_some_and(|ms| ms <= now && ms + 5_000 > now));
        assert!(c.ack_ms(2).is_some_and(|ms| ms <= now));
        assert_eq!(c.ack_ms(1), None);
    }
}
