//! DLedger mode (`enableDLegerCommitLog=true`): the broker's commitlog is the Raft log of an
//! openraft group (see [`crate::raft`]).
//!
//! - Writes: the leader reserves queue offsets and queues the records to its [`Batcher`] in one
//!   ordered section (under a lock), then waits for each to be committed and applied, so queue
//!   offsets follow log order; the batcher puts the records of concurrent sends into one Raft
//!   entry. A follower answers SERVICE_NOT_AVAILABLE at once.
//! - Reads: committed records are dispatched to the consume queues by the state machine's
//!   applier; the store reads record bytes from the DLedger data files.
//! - Roles: the leader registers as BID 0 once it has applied everything in its log (a new leader
//!   serves writes only then); a follower registers as the digits of its self id plus one (spec
//!   §3.7). Every role change re-registers at once.
//! - Full disk: while a write of this node waits for disk space ([`crate::raft::space`]), sends
//!   are refused at once ([`PutError::DiskFull`]), sends waiting for their commit are answered
//!   the same way, and a leader registers with its follower BID: it
//!   acknowledges nothing it has not stored, and its stalled Raft core lets the others elect a
//!   new leader (it also stops sending heartbeats, in case only its consume-queue dispatch
//!   waits). Once space returns it steps down (or, if nobody replaced it, leads again).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use openraft::ServerState;

use crate::raft::batch::Batcher;
use crate::raft::log_store::EntryKind;
use crate::raft::{start_raft_node, LogReader, RaftNode, RaftNodeConfig};
use crate::store::external::ExternalLog;
use crate::store::format;
use crate::store::message::MessageToStore;
use crate::store::{PutResult, PutStatus};

use super::meta::apply::BrokerApplier;
use super::meta::offset_queue::{OffsetQueue, FLUSH_INTERVAL, MAX_OFFSETS_PER_RECORD};
use super::meta::record::MetaOp;
use super::put::PutError;
use super::{Broker, BrokerError};

/// The DLedger side of a broker.
pub struct Dledger {
    /// The Raft node.
    pub node: RaftNode,
    /// True while this node is a leader that has applied its whole log.
    pub writable: AtomicBool,
    /// Orders offset reservation with submission to the batcher.
    submit: std::sync::Mutex<()>,
    /// Puts concurrent sends into one Raft entry.
    batcher: Batcher,
    /// The BID this node registers with as a follower.
    pub follower_id: i64,
    /// True while this leader hands leadership to another node: writes are refused so the
    /// target's log stays as long as this one's.
    handing_over: AtomicBool,
    /// True while a transfer runs (one at a time).
    transferring: AtomicBool,
    /// Consumer-offset commits waiting to be proposed (leader only).
    pub offset_queue: OffsetQueue,
    /// Retention passes this node has finished as the leader (whether or not they purged): a
    /// test that asserts a file was kept waits for passes to have run instead of sleeping.
    pub retention_passes: AtomicU64,
    /// Times this node saw the leader change (to another node or to none), for the
    /// `rocketmq_dledger_leader_changes_total` metric; counted by the role watcher.
    pub leader_changes: AtomicU64,
}

impl std::fmt::Debug for Dledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dledger")
            .field("node", &self.node)
            .finish_non_exhaustive()
    }
}

struct RaftLog {
    reader: LogReader,
    divided: u64,
    /// End of the entries the state machine had applied when the node started (see
    /// [`ExternalLog::for_each_record`] below).
    applied_end: u64,
}

impl std::fmt::Debug for RaftLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RaftLog")
            .field("divided", &self.divided)
            .finish_non_exhaustive()
    }
}

impl ExternalLog for RaftLog {
    fn read_record(&self, pos: u64) -> Option<Vec<u8>> {
        // Consume queues only point at applied (so committed) records; no commit check needed.
        match self.reader.read_body_at(pos) {
            Ok(b) => Some(b.to_vec()),
            // `pos` may be the first entry's header position (min offset): find its first record.
            Err(_) => self
                .reader
                .scan(pos, self.max_offset(), 64)
                .ok()?
                .into_iter()
                .find(|e| e.loc.kind == EntryKind::Record)
                .map(|e| e.body.to_vec()),
        }
    }
    fn min_offset(&self) -> u64 {
        self.reader.min_pos().max(self.divided)
    }
    fn max_offset(&self) -> u64 {
        self.reader
            .committed_end_pos()
            .unwrap_or(self.divided)
            .max(self.divided)
    }
    fn for_each_record(
        &self,
        from: u64,
        f: &mut dyn FnMut(u64, &[u8]) -> bool,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        // A fresh key index catches up with what was applied before this start: openraft
        // applies the entries after it again (the store indexes them as they are dispatched),
        // and the committed index on disk may be older than the applied one.
        let end = self.applied_end;
        // Start at the entry of the record at `from` when there is one, else at the oldest entry.
        let min = self.reader.min_pos();
        let mut pos = match from.checked_sub(format::dledger::HEADER_SIZE as u64) {
            Some(p) if p >= min && self.reader.read_body_at(from).is_ok() => p,
            _ => min,
        };
        while pos < end {
            let batch = self.reader.scan(pos, end, 256)?;
            let Some(last) = batch.last() else { break };
            pos = last.loc.pos + u64::from(last.loc.size);
            for e in batch.iter().filter(|e| e.loc.kind == EntryKind::Record) {
                let at = e.loc.data_pos();
                if at >= from && !f(at, &e.body) {
                    return Ok(());
                }
            }
        }
        Ok(())
    }
}

/// `dividedCommitlogOffset` (spec §6.3): the first DLedger data file's start when there is one;
/// otherwise seal the classic commitlog (first start after an upgrade) or start at 0.
fn divided_offset(b: &Broker, data_dir: &std::path::Path) -> Result<u64, BrokerError> {
    let existing = std::fs::read_dir(data_dir)
        .ok()
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter_map(|e| format::path_to_offset(&e.path()))
        .min();
    if let Some(first) = existing {
        return Ok(first);
    }
    Ok(b.store.seal_classic_commitlog()?.unwrap_or(0))
}

/// Starts the Raft node of this broker and the role watcher.
///
/// # Errors
/// Config errors, a Raft port already in use, unreadable DLedger files.
pub async fn start(b: &Arc<Broker>) -> Result<(), BrokerError> {
    let self_id = b.cfg.dleger_self_id.clone().unwrap_or_default();
    let follower_id = crate::config::dledger_broker_id(&self_id)
        .ok_or_else(|| BrokerError::Config(format!("dLegerSelfId {self_id:?} is not a letter and digits")))?;
    let probe =
        RaftNodeConfig::from_broker_config(&b.cfg, 0).map_err(|e| BrokerError::Config(e.to_string()))?;
    let divided = divided_offset(b, &probe.log.data_dir)?;
    if divided > 0 {
        tracing::info!(
            divided,
            "DLedger log continues after the classic commitlog (dividedCommitlogOffset)"
        );
    }
    let mut cfg = RaftNodeConfig::from_broker_config(&b.cfg, divided)
        .map_err(|e| BrokerError::Config(e.to_string()))?;
    cfg.listener = b.raft_listener.lock().unwrap_or_else(|p| p.into_inner()).take();
    let node = start_raft_node(cfg, Arc::new(BrokerApplier::new(b)))
        .await
        .map_err(|e| match e {
            // openraft failed while replaying the log (e.g. a corrupt record): not a config error.
            crate::raft::RaftNodeError::Raft(m) => BrokerError::RaftStopped(m),
            e => BrokerError::Config(format!("cannot start the DLedger node: {e}")),
        })?;
    b.store.attach_external_log(
        divided,
        Arc::new(RaftLog {
            reader: node.log().clone(),
            divided,
            applied_end: node
                .applied_at_start()
                .and_then(|l| node.log().end_pos_of(l.index))
                .unwrap_or(divided)
                .max(divided),
        }),
    );
    // An entry's records never span two data files (log_store): a quarter of a file at most.
    let max_batch = usize::try_from(b.cfg.mapped_file_size_commit_log / 4).unwrap_or(usize::MAX);
    let batcher = {
        // On the node's runtime, beside the Raft core it feeds.
        let rt = node.runtime();
        let _on_raft_runtime = rt.as_ref().map(|rt| rt.enter());
        Batcher::start(node.raft().clone(), max_batch)
    };
    let d = Arc::new(Dledger {
        node,
        writable: AtomicBool::new(false),
        submit: Default::default(),
        batcher,
        follower_id,
        handing_over: AtomicBool::new(false),
        transferring: AtomicBool::new(false),
        offset_queue: OffsetQueue::default(),
        retention_passes: AtomicU64::new(0),
        leader_changes: AtomicU64::new(0),
    });
    tokio::spawn(flush_offsets(b.clone(), d.clone()));
    let _ = b.dledger.set(d.clone());
    if let Some(preferred) = b.cfg.preferred_leader_id.as_deref() {
        let preferred = crate::raft::node_id_from_self_id(preferred.trim()).filter(|p| *p != d.node.id());
        if let Some(p) = preferred {
            tokio::spawn(keep_preferred_leader(d.clone(), p));
        }
    }
    tokio::spawn(retention(b.clone(), d.clone()));
    tokio::spawn(learn_leader_addr(b.clone(), d.clone()));
    let b2 = b.clone();
    tokio::spawn(async move { watch_roles(b2, d).await });
    Ok(())
}

/// Retention of the DLedger data files (`fileReservedTime`, `deleteWhen`,
/// `diskMaxUsedSpaceRatio`, checked every `cleanResourceInterval`). The leader picks the files
/// that may go: expired, and holding only entries every peer has (a follower that is behind
/// must be able to catch up from the log: snapshots carry no messages). It purges its own log
/// and tells the followers to purge to the same index. Every node then drops the consume-queue
/// files that point only below its oldest data.
async fn retention(b: Arc<Broker>, d: Arc<Dledger>) {
    let interval = Duration::from_millis(b.cfg.clean_resource_interval.max(100));
    let metrics = d.node.metrics();
    let mut dropped_below = 0;
    loop {
        tokio::time::sleep(interval).await;
        let (running, leader, purged, applied, floor) = {
            let m = metrics.borrow();
            let others = m
                .membership_config
                .membership()
                .voter_ids()
                .filter(|id| *id != d.node.id())
                .map(|id| matched_index(&m, id))
                .collect::<Option<Vec<u64>>>();
            let applied = m.last_applied.map(|l| l.index);
            let floor = others.and_then(|o| o.into_iter().chain(applied).min());
            (
                m.running_state.is_ok(),
                m.state == ServerState::Leader,
                m.purged.map(|p| p.index),
                applied,
                floor,
            )
        };
        if !running {
            return;
        }
        if purged.is_some() {
            let min = d.node.log().min_pos();
            if min > dropped_below {
                match b.store.drop_queues_below(min) {
                    Ok(n) => {
                        dropped_below = min;
                        if n > 0 {
                            tracing::info!(files = n, min, "DLedger retention: dropped consume-queue files");
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "DLedger retention: consume queues not cleaned"),
                }
            }
        }
        if leader {
            purge_expired(&b, &d, floor, applied, purged).await;
            d.retention_passes.fetch_add(1, Ordering::Release);
        }
    }
}

/// One leader retention pass: purges the data files that are expired and below `floor` (the
/// lowest index every peer and this node's state machine have) on every node.
async fn purge_expired(
    b: &Broker,
    d: &Dledger,
    floor: Option<u64>,
    applied: Option<u64>,
    purged: Option<u64>,
) {
    let (Some(floor), Some(_)) = (floor, applied) else {
        return;
    };
    let log = d.node.log();
    let now = std::time::SystemTime::now();
    let cfg = b.store.config();
    let Some(force) = cfg.deletion_due(log.data_dir(), now) else {
        return;
    };
    let Some(upto) = log.expired_upto(now, cfg.reserved(), force, floor) else {
        return;
    };
    if purged.is_some_and(|p| p >= upto) {
        return;
    }
    tracing::info!(
        upto,
        force,
        "DLedger retention: purging expired data files on every node"
    );
    if let Err(e) = d.node.purge_group_upto(upto, Duration::from_secs(30)).await {
        tracing::warn!(upto, error = %e, "DLedger retention: purge failed");
    }
}

/// The last log index a leader knows `node` holds (its replication metrics; `None` on a
/// follower or before the first answer).
fn matched_index(m: &openraft::RaftMetrics<u64, openraft::BasicNode>, node: u64) -> Option<u64> {
    m.replication
        .as_ref()
        .and_then(|r| r.get(&node).copied().flatten())
        .map(|l| l.index)
}

/// How often a leader checks whether the preferred leader can take over.
const PREFERRED_CHECK: Duration = Duration::from_secs(1);
/// How long a new leader keeps leadership before handing it over, and how long it waits after
/// a hand-over that did not happen.
const PREFERRED_BACKOFF: Duration = Duration::from_secs(5);

/// `preferredLeaderId`: while this node (not the preferred one) leads, and the preferred node
/// is reachable and has every entry of this node's log, hand leadership over to it.
async fn keep_preferred_leader(d: Arc<Dledger>, preferred: u64) {
    let metrics = d.node.metrics();
    let mut not_before = Instant::now() + PREFERRED_BACKOFF;
    let mut was_leader = false;
    loop {
        tokio::time::sleep(PREFERRED_CHECK).await;
        let (leader, caught_up) = {
            let m = metrics.borrow();
            if m.running_state.is_err() {
                return;
            }
            let matched = matched_index(&m, preferred);
            (
                m.state == ServerState::Leader,
                matched.is_some() && matched == m.last_log_index,
            )
        };
        if leader && !was_leader {
            not_before = Instant::now() + PREFERRED_BACKOFF;
        }
        was_leader = leader;
        if !leader || !caught_up || !d.writable.load(Ordering::Acquire) || Instant::now() < not_before {
            continue;
        }
        match d.transfer_leadership(Some(preferred), false).await {
            Ok(_) => {}
            Err(e) => {
                tracing::info!(error = %e, "DLedger: no hand-over to the preferred leader");
                not_before = Instant::now() + PREFERRED_BACKOFF;
            }
        }
    }
}

/// Why a leadership transfer did not happen (`mqadmin transfer-leader`, a SIGTERM of the
/// leader, `preferredLeaderId`). Nothing changed in any case but the last, after which the
/// group may have gone through an ordinary election.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransferError {
    /// This node does not lead (or does not take writes yet).
    #[error("this node is not the leader")]
    NotLeader,
    /// Another transfer is running.
    #[error("a leadership transfer is already under way")]
    Busy,
    /// The target is this node or no member of the group.
    #[error("{0} is not another member of this DLedger group")]
    NotAPeer(String),
    /// The target has not answered AppendEntries for a lease.
    #[error("{target} is down: it has not answered the leader for {silent_ms} ms (lease {lease_ms} ms)")]
    Down {
        /// The target.
        target: String,
        /// Since when it has not answered (`u64::MAX`: never).
        silent_ms: u64,
        /// The lease.
        lease_ms: u64,
    },
    /// The target did not catch up with the leader's log once writes stopped.
    #[error("{target} is behind: it holds the log up to index {matched:?}, the leader up to {last:?}")]
    Behind {
        /// The target.
        target: String,
        /// Its last replicated index.
        matched: Option<u64>,
        /// The leader's last index.
        last: Option<u64>,
    },
    /// No follower is up and caught up (no target given).
    #[error("no follower can take over: {0}")]
    NoCandidate(String),
    /// The target was told but did not win in time.
    #[error("{0} did not take over in time")]
    NotMoved(String),
}

/// How long a transfer waits for the target to catch up once writes have stopped.
const TRANSFER_DRAIN: Duration = Duration::from_secs(2);

fn self_id_name(id: u64) -> String {
    format!("n{id}")
}

async fn watch_roles(b: Arc<Broker>, d: Arc<Dledger>) {
    let mut metrics = d.node.metrics();
    let config = d.node.raft().config();
    // A leader that has not heard from a majority for a lease is cut off (a network partition):
    // as Java DLedger's leader turns candidate after missing heartbeats, it stops taking writes
    // (they could never commit) and registers with its follower BID, so the name server keeps
    // the majority's new leader as BID 0. openraft itself keeps the role until it sees a higher
    // term, and the node takes writes again if the majority answers before anyone else leads.
    let lease = Duration::from_millis(config.election_timeout_max);
    let tick = Duration::from_millis(config.heartbeat_interval);
    let mut quorum_acked: Option<Instant> = None;
    // Whether this loop turned off heartbeats and elections for a full disk.
    let mut stepped_aside = false;
    // The leader last seen, to count changes.
    let mut last_leader = None;
    // One timer for the whole loop: the metrics change once per Raft core round (thousands of
    // times a second under load), and a fresh `sleep` per wake-up cost a timer insert and
    // cancel each time.
    let mut ticker = tokio::time::interval(tick);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let full = d.node.disk_full();
        if full != stepped_aside {
            step_aside_while_full(&d, full);
            stepped_aside = full;
        }
        let (state, last_log, applied) = {
            let m = metrics.borrow_and_update();
            // Metrics are a snapshot: keep the instant of the last quorum ack, not its age.
            quorum_acked = match (m.state, m.millis_since_quorum_ack) {
                (ServerState::Leader, Some(ms)) => Instant::now().checked_sub(Duration::from_millis(ms)),
                (ServerState::Leader, None) => quorum_acked,
                _ => None,
            };
            if m.current_leader != last_leader {
                last_leader = m.current_leader;
                d.leader_changes.fetch_add(1, Ordering::Relaxed);
            }
            (m.state, m.last_log_index, m.last_applied.map(|l| l.index))
        };
        // A leader whose disk is full has a stalled Raft core (no heartbeats, metrics frozen):
        // it is as cut off as a partitioned one.
        let cut_off =
            state == ServerState::Leader && (quorum_acked.is_some_and(|t| t.elapsed() > lease) || full);
        let leader_ready = state == ServerState::Leader && applied >= last_log && !cut_off;
        let was = d.writable.load(Ordering::Acquire);
        if cut_off {
            if was {
                d.writable.store(false, Ordering::Release);
                d.offset_queue.clear();
                if full {
                    tracing::warn!("DLedger: the disk is full; refusing writes");
                } else {
                    tracing::warn!(
                        lease_ms = lease.as_millis() as u64,
                        "DLedger: no majority reached for a lease; refusing writes"
                    );
                }
            }
            if b.broker_id.swap(d.follower_id, Ordering::AcqRel) != d.follower_id {
                b.register_now.notify_one();
            }
        } else if leader_ready && !was {
            // Everything committed is applied: queue offsets can be continued from the queues.
            b.store.reset_queue_offsets();
            d.writable.store(true, Ordering::Release);
            b.broker_id.store(0, Ordering::Release);
            tracing::info!("DLedger: this node is the leader; registering as BID 0");
            b.register_now.notify_one();
        } else if state != ServerState::Leader {
            if was {
                d.writable.store(false, Ordering::Release);
                d.offset_queue.clear();
            }
            if b.broker_id.swap(d.follower_id, Ordering::AcqRel) != d.follower_id {
                tracing::info!(bid = d.follower_id, ?state, "DLedger: this node is a follower");
                b.register_now.notify_one();
            }
        }
        // Also wake up without a metrics change, to notice a quorum ack that does not come.
        tokio::select! {
            changed = metrics.changed() => if changed.is_err() { return; },
            _ = ticker.tick() => {}
        }
    }
}

/// The offset flusher (`meta::offset_queue`): after the first commit of an idle period, waits
/// [`FLUSH_INTERVAL`] for more, then proposes them all as metadata records. Runs for the life of
/// the broker; on a follower there is nothing to take.
async fn flush_offsets(b: Arc<Broker>, d: Arc<Dledger>) {
    let q = &d.offset_queue;
    loop {
        q.changed().await;
        tokio::time::sleep(FLUSH_INTERVAL).await;
        let Some((entries, waiters)) = q.take() else {
            continue;
        };
        let msgs = entries
            .chunks(MAX_OFFSETS_PER_RECORD)
            .map(|c| MetaOp::Offsets { offsets: c.to_vec() }.to_message(b.store_host))
            .collect::<Vec<_>>();
        let ok = msgs.is_empty() || d.put(&b, msgs).await.is_ok();
        q.settle(&entries, waiters, ok);
    }
}

/// Keeps a follower's idea of the leader's broker address (`Broker::master_addr`, which a
/// refused metadata change names) current: when the Raft leader changes, the old address is
/// forgotten, and the follower registers again every 500 ms for 3 s and until the name
/// server's answer names a BID 0 (the first answers may still name the old leader).
async fn learn_leader_addr(b: Arc<Broker>, d: Arc<Dledger>) {
    const REFRESH: Duration = Duration::from_secs(3);
    let mut metrics = d.node.metrics();
    let mut leader = None;
    let mut refresh_until = Instant::now();
    loop {
        let now = {
            let m = metrics.borrow_and_update();
            if m.running_state.is_err() {
                return;
            }
            m.current_leader
        };
        if now != leader {
            leader = now;
            refresh_until = Instant::now() + REFRESH;
            *b.master_addr.lock().unwrap_or_else(|p| p.into_inner()) = None;
        }
        let unknown = b.master_addr.lock().unwrap_or_else(|p| p.into_inner()).is_none();
        let refreshing = unknown || Instant::now() < refresh_until;
        let wait = if leader.is_some() && leader != Some(d.node.id()) && refreshing {
            b.register_all().await;
            Some(Duration::from_millis(500))
        } else {
            None
        };
        tokio::select! {
            changed = metrics.changed() => if changed.is_err() { return; },
            _ = async {
                match wait {
                    Some(w) => tokio::time::sleep(w).await,
                    None => std::future::pending().await,
                }
            } => {}
        }
    }
}

/// While a write of this node waits for disk space, it neither sends heartbeats nor stands for
/// election, so the others elect (or keep) a leader that can write. A waiting log append stalls
/// openraft's core anyway; a waiting consume-queue dispatch does not, and without this a leader
/// that cannot apply would keep its followers and leave the group with no writable leader.
fn step_aside_while_full(d: &Dledger, full: bool) {
    d.node.raft().runtime_config().heartbeat(!full);
    d.node.election().set_enabled(!full);
    if full {
        tracing::warn!("DLedger: the disk is full; no heartbeats or elections until space returns");
    } else {
        tracing::info!("DLedger: disk space is back; heartbeats and elections resumed");
    }
}

impl Dledger {
    /// Hands leadership to `to`, or to the most up-to-date follower that answers, and returns
    /// the new leader's id. Refuses a target that is down (no answer for a lease) or that does
    /// not catch up within [`TRANSFER_DRAIN`] once this leader stops taking writes; sends are
    /// refused with SERVICE_NOT_AVAILABLE meanwhile (the client retries elsewhere or later).
    /// With `dry_run`, only checks and names the target.
    ///
    /// # Errors
    /// [`TransferError`], saying why.
    pub async fn transfer_leadership(&self, to: Option<u64>, dry_run: bool) -> Result<u64, TransferError> {
        if !self.node.is_leader() || !self.writable.load(Ordering::Acquire) {
            return Err(TransferError::NotLeader);
        }
        let me = self.node.id();
        let candidates: Vec<u64> = match to {
            Some(t) if t == me || !self.node.peers().contains_key(&t) => {
                return Err(TransferError::NotAPeer(self_id_name(t)))
            }
            Some(t) => vec![t],
            None => self.node.peers().keys().copied().filter(|id| *id != me).collect(),
        };
        let lease_ms = u64::try_from(self.node.lease().as_millis()).unwrap_or(u64::MAX);
        let now = crate::raft::contact::now_ms();
        let (last, matched): (Option<u64>, Vec<(u64, Option<u64>)>) = {
            let m = self.node.metrics();
            let m = m.borrow();
            (
                m.last_log_index,
                candidates
                    .iter()
                    .map(|id| (*id, matched_index(&m, *id)))
                    .collect(),
            )
        };
        let mut refusals = Vec::new();
        let mut best: Option<(u64, Option<u64>)> = None;
        for (id, idx) in matched {
            let silent_ms = self
                .node
                .contacts()
                .ack_ms(id)
                .map_or(u64::MAX, |t| now.saturating_sub(t));
            if silent_ms > lease_ms {
                refusals.push(TransferError::Down {
                    target: self_id_name(id),
                    silent_ms,
                    lease_ms,
                });
                continue;
            }
            if idx.is_none() {
                refusals.push(TransferError::Behind {
                    target: self_id_name(id),
                    matched: idx,
                    last,
                });
                continue;
            }
            if best.is_none_or(|(_, b)| idx > b) {
                best = Some((id, idx));
            }
        }
        let Some((target, _)) = best else {
            return Err(match (to, refusals.len()) {
                (Some(_), 1) => refusals.remove(0),
                _ => TransferError::NoCandidate(
                    refusals
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
            });
        };
        if dry_run {
            return Ok(target);
        }
        if self.transferring.swap(true, Ordering::AcqRel) {
            return Err(TransferError::Busy);
        }
        let res = self.hand_over_to(target, last).await;
        self.transferring.store(false, Ordering::Release);
        res
    }

    /// The transfer itself: stop writes, let `target` catch up, hand over.
    async fn hand_over_to(&self, target: u64, last_before: Option<u64>) -> Result<u64, TransferError> {
        // Stop taking writes, let what is in flight reach the target, then step aside.
        self.handing_over.store(true, Ordering::Release);
        // Any send inside its ordered section has queued its records once this lock is ours;
        // later ones see `handing_over`. Then let the batcher hand what is queued to openraft.
        drop(self.submit.lock().unwrap_or_else(|p| p.into_inner()));
        self.batcher.proposed_all().await;
        let drained = self
            .node
            .raft()
            .wait(Some(TRANSFER_DRAIN))
            .metrics(
                |m| matched_index(m, target) == m.last_log_index,
                "the target caught up",
            )
            .await;
        let res = match drained {
            Err(_) => {
                let m = self.node.metrics();
                let m = m.borrow();
                Err(TransferError::Behind {
                    target: self_id_name(target),
                    matched: matched_index(&m, target),
                    last: m.last_log_index.max(last_before),
                })
            }
            Ok(_) => {
                tracing::info!(target, "DLedger: handing leadership over");
                match self.node.hand_over(target).await {
                    Ok(true) => Ok(self.node.current_leader().map_or(target, |(id, _)| id)),
                    Ok(false) => Err(TransferError::NotMoved(self_id_name(target))),
                    Err(e) => Err(TransferError::NotMoved(format!("{} ({e})", self_id_name(target)))),
                }
            }
        };
        self.handing_over.store(false, Ordering::Release);
        res
    }

    /// Before a planned stop (SIGTERM): when this node leads, hands leadership to the most
    /// up-to-date follower, then stops campaigning, so the group does not wait a lease for a
    /// node that is going away. Logs what happened; never fails.
    pub async fn step_down_for_shutdown(&self) {
        if self.node.is_leader() {
            match self.transfer_leadership(None, false).await {
                Ok(to) => tracing::info!(to, "DLedger: leadership handed over before stopping"),
                Err(e) => tracing::warn!(error = %e, "DLedger: stopping without a hand-over"),
            }
        }
        self.node.election().set_enabled(false);
    }

    /// Returns once the Raft node has stopped on a fatal error (a storage or apply error), with
    /// that error; never while it runs.
    pub async fn stopped(&self) -> String {
        let mut metrics = self.node.metrics();
        loop {
            if let Err(e) = &metrics.borrow_and_update().running_state {
                return e.to_string();
            }
            if metrics.changed().await.is_err() {
                return "the Raft core ended".to_owned();
            }
        }
    }

    /// Whether a write of this node waits for disk space: writes are refused until it is stored.
    pub fn disk_full(&self) -> bool {
        self.node.disk_full()
    }

    /// Replicates messages; returns when all are committed and applied.
    ///
    /// # Errors
    /// [`PutError::NotLeader`] on a follower or when leadership is lost, [`PutError::DiskFull`]
    /// while a write waits for space, [`PutError::Store`] for an illegal message.
    pub async fn put(&self, b: &Broker, msgs: Vec<MessageToStore>) -> Result<PutResult, PutError> {
        if self.disk_full() {
            return Err(PutError::DiskFull);
        }
        if !self.writable.load(Ordering::Acquire) || self.handing_over.load(Ordering::Acquire) {
            return Err(PutError::NotLeader);
        }
        for m in &msgs {
            m.validate(b.cfg.max_message_size as usize)?;
        }
        let now = crate::remoting::body::now_millis();
        let n = msgs.len() as i64;
        let mut pending = Vec::with_capacity(msgs.len());
        let first_queue_offset;
        {
            let _order = self.submit.lock().unwrap_or_else(|p| p.into_inner());
            if !self.writable.load(Ordering::Acquire) || self.handing_over.load(Ordering::Acquire) {
                return Err(PutError::NotLeader);
            }
            first_queue_offset = b.store.reserve_queue_offsets(&msgs[0].topic, msgs[0].queue_id, n);
            for (i, m) in msgs.iter().enumerate() {
                let mut buf = Vec::with_capacity(m.record_len());
                // PHYSICALOFFSET is patched by the log store to entry pos + 48.
                m.encode_into(&mut buf, first_queue_offset + i as i64, 0, now);
                pending.push(self.batcher.propose(buf.into()));
            }
        }
        let mut result = PutResult {
            status: PutStatus::PutOk,
            phys_offset: 0,
            queue_offsets: (0..n).map(|i| first_queue_offset + i).collect(),
            msg_ids: Vec::with_capacity(msgs.len()),
            wrote_bytes: 0,
            end_offset: 0,
            store_timestamp: now,
        };
        // A full disk stalls the Raft core: these would be answered only once space returns.
        // Refusing is safe (the client retries; a refused message may still be committed).
        let mut full = self.node.log().disk_space().watch();
        for (i, rx) in pending.into_iter().enumerate() {
            let pos = tokio::select! {
                r = rx => match r {
                    Ok(Some(pos)) => pos,
                    _ => return Err(PutError::NotLeader),
                },
                Ok(_) = full.wait_for(|n| *n > 0) => return Err(PutError::DiskFull),
            };
            if i == 0 {
                result.phys_offset = pos;
            }
            let len = msgs[i].record_len() as u64;
            result.wrote_bytes += len as usize;
            result.end_offset = pos + len;
            result
                .msg_ids
                .push(crate::store::message::offset_msg_id(&b.store_host, pos));
        }
        Ok(result)
    }
}
