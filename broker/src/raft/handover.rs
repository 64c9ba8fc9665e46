//! Leadership hand-over to a preferred node (`preferredLeaderId`).
//!
//! openraft 0.9 has no leadership-transfer call, and its voters refuse any vote while the
//! current leader's lease runs. So the hand-over is arranged around the lease, over one extra
//! request of the Raft RPC server (`wire::code::HANDOVER`):
//!
//! 1. the leader posts a [`HandOver`] to every follower: the preferred node schedules its own
//!    election for just after the lease has run out; the others hold their elections for a
//!    while, so the preferred node is the only candidate;
//! 2. the leader stops its heartbeats and holds its own elections, so the followers' leases
//!    expire (elections are this crate's, see `election`);
//! 3. the preferred node wins (its log is as long as the leader's: the caller checks that it is
//!    caught up and stops taking writes first), and the old leader learns the new term and
//!    becomes a follower; heartbeats and elections are switched back on in every case.
//!
//! If the preferred node does not win in time, the held followers resume their normal timers,
//! which is an ordinary failover.
//!
//! The same server carries the leader's retention decision ([`PurgeNotice`]): openraft
//! purges each node's log on its own, so the leader, which knows how far every peer got, tells
//! the followers up to which index their oldest data files may go.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use bytes::Bytes;

use super::election::Election;
use super::network::call;
use super::peer_auth::PeerToken;
use super::types::{NodeId, Raft};
use super::wire::code;
use crate::remoting::client::ClientConfig;
use crate::remoting::RemotingClient;

/// Upper bound of both delays of a notice.
pub const MAX_NOTICE_MS: u64 = 30_000;

/// The notice a leader sends to its followers before it steps aside.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct HandOver {
    /// The node that should become the leader.
    pub to: NodeId,
    /// When the preferred node starts its election, from receipt.
    pub elect_after_ms: u64,
    /// How long the other followers hold their own elections, from receipt.
    pub hold_ms: u64,
}

/// Acts on a hand-over notice received by `raft` (a follower): schedules the election or holds
/// elections, in a background task.
pub fn on_notice(raft: Raft, election: Arc<Election>, notice: HandOver) {
    let me = raft.metrics().borrow().id;
    // A hand-over takes seconds; never let a notice stall elections for longer.
    let notice = HandOver {
        elect_after_ms: notice.elect_after_ms.min(MAX_NOTICE_MS),
        hold_ms: notice.hold_ms.min(MAX_NOTICE_MS),
        ..notice
    };
    tokio::spawn(async move {
        if me == notice.to {
            let leader_before = raft.metrics().borrow().current_leader;
            tokio::time::sleep(Duration::from_millis(notice.elect_after_ms)).await;
            // The election timer (`election`) usually has won already, as soon as the old
            // leader's lease ran out; campaign only if nobody took over meanwhile.
            let (state, leader) = {
                let m = raft.metrics();
                let m = m.borrow();
                (m.state, m.current_leader)
            };
            if state == openraft::ServerState::Follower && leader == leader_before {
                tracing::info!("DLedger: taking over leadership as the preferred leader");
                if let Err(e) = raft.trigger().elect().await {
                    tracing::warn!(error = %e, "cannot start the hand-over election");
                }
            }
        } else {
            election.hold_for(Duration::from_millis(notice.hold_ms));
        }
    });
}

/// Timings of a hand-over for the group's election settings: the preferred node elects two
/// heartbeats after the lease (`election_timeout_max`) has expired; the others hold for two
/// more election timeouts.
pub fn notice_for(to: NodeId, heartbeat_ms: u64, election_max_ms: u64) -> HandOver {
    let elect_after_ms = election_max_ms + 2 * heartbeat_ms.max(50);
    HandOver {
        to,
        elect_after_ms,
        hold_ms: elect_after_ms + 2 * election_max_ms,
    }
}

/// The leader's retention decision: every peer has the entries up to `upto`, whose data files
/// have expired.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct PurgeNotice {
    /// Last index that may be purged.
    pub upto: u64,
}

/// Acts on a retention notice: purges the local log up to `upto` once it is applied here.
pub fn on_purge(raft: Raft, notice: PurgeNotice) {
    tokio::spawn(async move {
        if let Err(e) = super::purge_raft_upto(&raft, notice.upto, Duration::from_secs(30)).await {
            tracing::warn!(upto = notice.upto, error = %e, "DLedger retention: purge failed");
        }
    });
}

/// Posts a [`PurgeNotice`] to the Raft RPC server at `addr`.
///
/// # Errors
/// As [`send_notice`].
pub async fn send_purge(addr: &str, upto: u64, token: Option<&PeerToken>) -> Result<(), String> {
    post(addr, code::PURGE, &PurgeNotice { upto }, token).await
}

/// Posts `notice` to the Raft RPC server at `addr` (`host:port`).
///
/// # Errors
/// A transport error or a non-success status, as text.
pub async fn send_notice(addr: &str, notice: &HandOver, token: Option<&PeerToken>) -> Result<(), String> {
    post(addr, code::HANDOVER, notice, token).await
}

async fn post(
    addr: &str,
    code: i32,
    notice: &impl Serialize,
    token: Option<&PeerToken>,
) -> Result<(), String> {
    let body = serde_json::to_vec(notice).map_err(|e| e.to_string())?;
    // A client per notice: they are rare (a hand-over, a retention round), and a client kept
    // in a static would outlive the runtime its connections run on.
    let client = RemotingClient::new(ClientConfig {
        connect_timeout: Duration::from_secs(1),
        ..ClientConfig::default()
    });
    call(
        &client,
        addr,
        code,
        Bytes::from(body),
        Duration::from_secs(1),
        token,
    )
    .await
    .map(|_| ())
    .map_err(|e| e.to_string())
}
