//! Who may start an election, and when: a pre-vote in front of openraft's elections.
//!
//! openraft 0.9 starts an election on its own once a follower has not heard from the leader
//! for the leader lease (`election_timeout_max`) plus a random election timeout, and it has no
//! pre-vote: a follower that merely missed heartbeats (stopped with SIGSTOP, starved of CPU,
//! restarted) campaigns in a higher term. Its vote requests are refused while the others'
//! leases run, but the healthy leader then sees the higher term in the follower's answers to
//! its AppendEntries and steps down: a needless election. And the wait for lease plus timeout
//! (900-1200 ms with 600 ms leases) made every failover slow.
//!
//! So openraft's own elections are switched off (`RuntimeConfig::elect(false)`) and this
//! module decides instead:
//! - a follower that has not heard from a leader (an AppendEntries, or a vote it granted) for
//!   a random time in [`election_timeout_min`, `election_timeout_max`] asks every peer first
//!   with a pre-vote ([`PreVote`], `wire::code::PREVOTE`), which changes no term;
//! - a peer grants it only if it is not the leader itself, has not heard from a leader for a
//!   whole lease (`election_timeout_max`, the same lease after which openraft's voters accept
//!   a vote request), and the candidate's log is at least as long as its own;
//! - with a majority of grants (its own included) the follower calls `trigger().elect()`.
//!   When a granting peer has the same log and a lower node id, it waits two heartbeats first,
//!   so that the two followers of a dead leader do not split the vote.
//!
//! The shortest leader stall that gives an election is therefore the lease plus a few
//! milliseconds: no follower hears the leader for `election_timeout_max`. A follower that
//! stalls, lags or restarts cannot disrupt a leader that the others still hear.
//!
//! Holding ([`Election::hold_for`]) and disabling ([`Election::set_enabled`]) replace
//! openraft's switch for the leadership hand-over and the full-disk step-aside.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use openraft::{LogId, ServerState};
use rand::Rng;
use serde::{Deserialize, Serialize};

use super::log_store::LogReader;
use super::network::{call, CallError};
use super::peer_auth::{PeerToken, RateLimitedLog};
use super::types::{NodeId, Raft};
use super::wire::code;
use crate::remoting::client::ClientConfig;
use crate::remoting::RemotingClient;

/// What a pre-vote adds to the lease before a peer grants it: openraft marks the lease a moment
/// after the RPC server saw the AppendEntries, and a real vote sent while openraft's lease still
/// runs is refused after the candidate has already moved to a higher term.
const LEASE_MARGIN_MS: u64 = 20;

/// A follower's question before it campaigns: "may I?". Changes nothing at the receiver.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PreVote {
    /// The node that wants to campaign.
    pub candidate: NodeId,
    /// Its current term (the election would be in a higher one).
    pub term: u64,
    /// Its last log id.
    pub last_log: Option<LogId<NodeId>>,
}

/// The answer to a [`PreVote`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PreVoteReply {
    /// Whether the receiver would vote for the candidate now.
    pub granted: bool,
    /// Why not, when not granted.
    pub reason: String,
    /// The receiver's last log id.
    pub last_log: Option<LogId<NodeId>>,
}

/// When this node last heard from a leader, and whether it may campaign.
#[derive(Debug)]
pub struct Election {
    started: Instant,
    /// Milliseconds since `started` of the last AppendEntries received or vote granted.
    last_heard_ms: AtomicU64,
    /// Milliseconds since `started` until which this node does not campaign.
    hold_until_ms: AtomicU64,
    /// False while the disk is full.
    enabled: AtomicBool,
    heartbeat_ms: u64,
    min_ms: u64,
    lease_ms: u64,
}

impl Election {
    /// The state for a node with these timings (`dLegerHeartBeatTimeIntervalMs`,
    /// `dLegerElectionTimeoutMinMs`, `dLegerElectionTimeoutMaxMs` = the lease).
    pub fn new(heartbeat_ms: u64, min_ms: u64, lease_ms: u64) -> Self {
        Self {
            started: Instant::now(),
            last_heard_ms: AtomicU64::new(0),
            hold_until_ms: AtomicU64::new(0),
            enabled: AtomicBool::new(true),
            heartbeat_ms: heartbeat_ms.max(1),
            min_ms: min_ms.min(lease_ms),
            lease_ms,
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Records contact with a leader or a candidate this node voted for.
    pub fn heard(&self) {
        self.last_heard_ms.fetch_max(self.now_ms(), Ordering::Relaxed);
    }

    /// Time since [`Election::heard`] was last called (or since start).
    pub fn silence(&self) -> Duration {
        Duration::from_millis(
            self.now_ms()
                .saturating_sub(self.last_heard_ms.load(Ordering::Relaxed)),
        )
    }

    /// No campaign from this node for `d` (a hand-over to another node).
    pub fn hold_for(&self, d: Duration) {
        let until = self
            .now_ms()
            .saturating_add(u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        self.hold_until_ms.store(until, Ordering::Relaxed);
    }

    /// Ends a hold early.
    pub fn release_hold(&self) {
        self.hold_until_ms.store(0, Ordering::Relaxed);
    }

    /// Allows or forbids campaigns (a full disk, a shutdown).
    pub fn set_enabled(&self, on: bool) {
        self.enabled.store(on, Ordering::Relaxed);
    }

    fn may_campaign(&self) -> bool {
        self.enabled.load(Ordering::Relaxed) && self.now_ms() >= self.hold_until_ms.load(Ordering::Relaxed)
    }

    /// The lease: how long a leader's contact keeps a node from granting votes.
    pub fn lease(&self) -> Duration {
        Duration::from_millis(self.lease_ms)
    }

    /// Answers a pre-vote from a candidate, from `raft`'s current state.
    pub fn answer(&self, raft: &Raft, log: &LogReader, req: &PreVote) -> PreVoteReply {
        let m = raft.metrics().borrow().clone();
        let mine = last_log_of(&m, log);
        let refuse = |reason: String| PreVoteReply {
            granted: false,
            reason,
            last_log: mine,
        };
        if m.state == ServerState::Leader {
            return refuse("this node is the leader".into());
        }
        let silence = self.silence();
        if silence < Duration::from_millis(self.lease_ms + LEASE_MARGIN_MS) {
            return refuse(format!("heard from a leader {} ms ago", silence.as_millis()));
        }
        if req.last_log < mine {
            return refuse(format!(
                "the candidate's log ends at {:?}, this node's at {:?}",
                req.last_log, mine
            ));
        }
        PreVoteReply {
            granted: true,
            reason: String::new(),
            last_log: mine,
        }
    }
}

/// The last log id, from the metrics' last index and the term and proposer the log store
/// recorded for that entry.
fn last_log_of(
    m: &openraft::RaftMetrics<NodeId, openraft::BasicNode>,
    log: &LogReader,
) -> Option<LogId<NodeId>> {
    let index = m.last_log_index?;
    match log.location(index) {
        Some(l) => Some(LogId::new(
            openraft::CommittedLeaderId::new(l.term, l.leader),
            index,
        )),
        // Purged up to the end (a snapshot covers it): the snapshot's id.
        None => m.snapshot.filter(|s| s.index == index).or(m.last_applied),
    }
}

/// Runs the election timer of node `me` until the Raft node stops. `peers` holds every member
/// (this one included) and its Raft address.
pub async fn run(
    raft: Raft,
    log: LogReader,
    me: NodeId,
    election: Arc<Election>,
    peers: BTreeMap<NodeId, String>,
    token: Option<PeerToken>,
) {
    let tick = Duration::from_millis((election.heartbeat_ms / 2).clamp(5, 50));
    let ask_timeout = Duration::from_millis(election.heartbeat_ms.max(50) * 2);
    let client = RemotingClient::new(ClientConfig {
        connect_timeout: ask_timeout,
        ..ClientConfig::default()
    });
    let max_ms = election.lease_ms;
    let new_threshold = |min: u64| {
        let min = min.min(max_ms);
        Duration::from_millis(if min < max_ms {
            rand::thread_rng().gen_range(min..=max_ms)
        } else {
            max_ms
        })
    };
    let mut threshold = new_threshold(election.min_ms);
    // Peers refusing our token, logged as the Raft RPC client does.
    let refused_log = RateLimitedLog::default();
    let mut deferred = false;
    loop {
        tokio::time::sleep(tick).await;
        let m = raft.metrics().borrow().clone();
        if m.running_state.is_err() {
            return;
        }
        if m.state == ServerState::Leader {
            // After stepping down, wait a whole timeout for the new leader before campaigning.
            election.heard();
            continue;
        }
        let voters: Vec<NodeId> = m.membership_config.membership().voter_ids().collect();
        if !voters.contains(&me) || !election.may_campaign() || election.silence() < threshold {
            continue;
        }
        let req = PreVote {
            candidate: me,
            term: m.current_term,
            last_log: last_log_of(&m, &log),
        };
        let Ok(body) = serde_json::to_vec(&req) else {
            continue;
        };
        let body = Bytes::from(body);
        let asks = voters.iter().filter(|id| **id != me).filter_map(|id| {
            let addr = peers.get(id)?.clone();
            let (client, body, token) = (client.clone(), body.clone(), token.clone());
            Some(async move {
                let r = call(&client, &addr, code::PREVOTE, body, ask_timeout, token.as_ref()).await;
                let refused = match &r {
                    Err(e @ CallError::TokenRefused(_)) => Some((addr, e.to_string())),
                    _ => None,
                };
                let reply = r
                    .ok()
                    .and_then(|b| serde_json::from_slice::<PreVoteReply>(&b).ok());
                (*id, reply, refused)
            })
        });
        // Stop at the first majority: a stopped or cut-off leader answers only at the timeout.
        let need = voters.len() / 2;
        let mut pending: futures::stream::FuturesUnordered<_> = asks.collect();
        let mut answers = Vec::new();
        while let Some(a) = futures::StreamExt::next(&mut pending).await {
            answers.push(a);
            if answers
                .iter()
                .filter(|(_, r, _)| r.as_ref().is_some_and(|r| r.granted))
                .count()
                >= need
            {
                break;
            }
        }
        drop(pending);
        for (addr, e) in answers.iter().filter_map(|(_, _, r)| r.as_ref()) {
            refused_log.note(|held_back| {
                tracing::error!(
                    peer = %addr,
                    held_back,
                    "DLedger: the peer refused our Raft RPCs: {e}; every node of the group needs \
                     dLegerPeerTokenFile naming the same token (this node {})",
                    if token.is_some() { "sends one" } else { "sends none" }
                )
            });
        }
        let replies: Vec<(NodeId, Option<PreVoteReply>)> =
            answers.into_iter().map(|(id, r, _)| (id, r)).collect();
        let granted: Vec<(NodeId, Option<LogId<NodeId>>)> = replies
            .iter()
            .filter_map(|(id, r)| r.as_ref().filter(|r| r.granted).map(|r| (*id, r.last_log)))
            .collect();
        if (granted.len() + 1) * 2 <= voters.len() {
            tracing::debug!(?replies, "DLedger: pre-vote not granted by a majority");
            continue;
        }
        // Another follower as up to date and with a lower id campaigns too: let it go first.
        let rival = granted.iter().any(|(id, log)| *id < me && *log == req.last_log);
        if rival && !deferred {
            deferred = true;
            tokio::time::sleep(Duration::from_millis(election.heartbeat_ms * 2)).await;
            continue;
        }
        deferred = false;
        // A leader heard while the pre-vote was out (a stalled leader that recovered, or a
        // candidate that won): no election.
        if election.silence() < threshold || !election.may_campaign() {
            continue;
        }
        tracing::info!(
            silence_ms = election.silence().as_millis() as u64,
            term = m.current_term,
            "DLedger: no leader heard for a lease and a majority agrees; starting an election"
        );
        if raft.trigger().elect().await.is_err() {
            return;
        }
        let _ = raft
            .wait(Some(Duration::from_millis(max_ms)))
            .metrics(|m| m.state != ServerState::Candidate, "the election's outcome")
            .await;
        // A lost election (a split vote, a candidate with a longer log elsewhere): back off a
        // random share of the timeout before the next try.
        threshold = new_threshold(election.min_ms);
        if raft.metrics().borrow().state != ServerState::Leader {
            let backoff = rand::thread_rng().gen_range(0..=max_ms.saturating_sub(election.min_ms).max(1));
            tokio::time::sleep(Duration::from_millis(backoff)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_and_silence() {
        let e = Election::new(100, 200, 300);
        assert!(e.may_campaign());
        e.hold_for(Duration::from_secs(60));
        assert!(!e.may_campaign());
        e.release_hold();
        assert!(e.may_campaign());
        e.set_enabled(false);
        assert!(!e.may_campaign());
        e.set_enabled(true);
        e.heard();
        assert!(e.silence() < Duration::from_secs(5));
        assert_eq!(e.lease(), Duration::from_millis(300));
    }
}
