//! DLedger mode: the commitlog of a 3-node broker group, replicated with Raft (openraft) and
//! stored in DLedger's file layout (spec §6), so the Raft log is the message store.
//!
//! Parts, one file each:
//! - `types`: the openraft type configuration (node ids = digits of `nX`, RocketMQ records as
//!   entry data, apply response = index + data position).
//! - `batch`: the leader puts the records of concurrent sends into one entry.
//! - `log_store/`: `RaftLogStorage` on DLedger data files (48-byte headers, blanks, 20-digit
//!   names, `currterm`, `checkpoint`), recovery, and the position-based read helpers the broker
//!   uses for pulls and consume-queue dispatch; a folder with one file per part.
//! - `state_machine`: applying = handing committed records to the broker's [`Applier`];
//!   metadata-only snapshots.
//! - `wire`, `network`, `rpc_server`: the Raft RPCs over RocketMQ remoting (our client and
//!   server loop) with a binary encoding for entries; `wire` also holds what both ends share
//!   (request codes, the frame limit), so that neither end imports the other.
//! - `contact`: when the leader was last heard from, and each follower last answered.
//! - `election`: openraft's own elections are off; a follower campaigns only after a pre-vote
//!   that a majority grants (no leader heard for a lease), so a stalled or restarted follower
//!   cannot depose a healthy leader, and a dead leader is replaced one lease after it fell
//!   silent.
//! - `handover`: leadership hand-over to a chosen, caught-up follower.
//! - `space`: a full disk makes writes wait for space instead of stopping openraft (which treats
//!   storage errors as fatal); the broker refuses sends meanwhile.
//!
//! How openraft's own entries look on disk: every openraft entry is a DLedger entry (an entry of
//! K records is K consecutive DLedger entries, one record each, see `log_store`); the
//! `initialize` membership entry is index 0 in both numberings. The
//! `channel` field holds the entry kind (record / blank / membership) and the proposing leader's
//! node id; blank and membership bodies start with int32 size + int32 `RAFT_META_MAGIC`, which
//! is not a RocketMQ magic, so a data-file reader following §6.2 skips them. Details in
//! `store::format::dledger`.
//!
//! [`start_raft_node`] opens the stores, starts openraft and the RPC server, and initializes
//! the group: every node of a pristine group calls `initialize` with the same full membership
//! (openraft documents this as safe; `NotAllowed` from an already initialized node is ignored),
//! so the group forms even if the lowest id is down at first start.
//!
//! A node runs on a Tokio runtime of its own ([`RAFT_WORKER_THREADS`] threads): heartbeats,
//! votes and the applies are never queued behind the broker's request handlers, so a busy
//! broker does not miss its lease and cause an election.

pub mod batch;
pub mod contact;
pub mod election;
pub mod handover;
pub mod log_store;
pub mod network;
pub mod peer_auth;
pub mod rpc_server;
pub mod space;
pub mod state_machine;
pub mod types;
pub mod wire;

#[cfg(test)]
mod cluster_tests;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use openraft::error::{ClientWriteError, InitializeError, RaftError};
use openraft::{BasicNode, RaftMetrics, ServerState, SnapshotPolicy};
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

pub use log_store::{Durability, LogReader, LogStore, LogStoreError, LogStoreOptions};
pub use state_machine::{AppliedRecord, Applier, ApplierError, NoopApplier, StateMachine};
pub use types::{node_id_from_self_id, LogId, NodeId, Raft, Record, TypeConfig};

use crate::config::{parse_peers, BrokerConfig};
use crate::store::format::dledger as dl;

/// Why a Raft node could not be started or stopped.
#[derive(Debug, thiserror::Error)]
pub enum RaftNodeError {
    /// The DLedger settings are incomplete or inconsistent.
    #[error("DLedger configuration: {0}")]
    Config(String),
    /// `dLegerPeerTokenFile` cannot be used.
    #[error(transparent)]
    PeerToken(#[from] peer_auth::PeerTokenError),
    /// The log or state machine files could not be opened.
    #[error(transparent)]
    Store(#[from] LogStoreError),
    /// The RPC listener could not be bound or used.
    #[error("Raft RPC listener on {addr}: {source}")]
    Listen {
        /// The address.
        addr: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// openraft refused to start or failed.
    #[error("Raft: {0}")]
    Raft(String),
}

/// Why a write (or a wait) failed. The broker maps [`WriteError::NotLeader`] and
/// [`WriteError::Stopped`] to SERVICE_NOT_AVAILABLE and [`WriteError::Timeout`] to
/// OS_PAGECACHE_BUSY, as DLedgerCommitLog does (§6.2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    /// This node is not the leader; the leader, if known, is given as a hint.
    #[error("not the leader (leader: {leader_id:?} at {leader_addr:?})")]
    NotLeader {
        /// Node id of the current leader.
        leader_id: Option<NodeId>,
        /// Its `host:port` (DLedger address).
        leader_addr: Option<String>,
    },
    /// The wait did not finish in time.
    #[error("timed out waiting for {0}")]
    Timeout(String),
    /// The Raft node has stopped (shutdown or a fatal storage error).
    #[error("Raft node stopped: {0}")]
    Stopped(String),
    /// Anything else openraft reported.
    #[error("Raft error: {0}")]
    Other(String),
}

/// Where a record ended up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppendResult {
    /// Raft (= DLedger) index.
    pub index: u64,
    /// Data position: entry pos + 48, the record's PHYSICALOFFSET (for msgId and consume queue).
    pub pos: u64,
}

/// Everything needed to run one node of a DLedger group.
#[derive(Debug)]
pub struct RaftNodeConfig {
    /// This node's id (digits of `dLegerSelfId`).
    pub node_id: NodeId,
    /// All members, this one included: node id -> `host:port`.
    pub peers: BTreeMap<NodeId, String>,
    /// Files of the log (and the node dir the state machine shares).
    pub log: LogStoreOptions,
    /// `dLegerHeartBeatTimeIntervalMs`. Default: 100.
    pub heartbeat_interval_ms: u64,
    /// `dLegerElectionTimeoutMinMs`. Default: 200.
    pub election_timeout_min_ms: u64,
    /// `dLegerElectionTimeoutMaxMs`, also the leader lease. Default: 300.
    pub election_timeout_max_ms: u64,
    /// An already bound RPC listener (tests bind port 0 first). Default: `None`, bind
    /// `0.0.0.0:<port of this node in peers>`.
    pub listener: Option<std::net::TcpListener>,
    /// The group's shared secret (`dLegerPeerTokenFile`): sent with every RPC, required of every
    /// RPC received. Default: `None`, no authentication (a warning at start).
    pub peer_token: Option<peer_auth::PeerToken>,
}

impl RaftNodeConfig {
    /// A config with the default timings.
    pub fn new(node_id: NodeId, peers: BTreeMap<NodeId, String>, log: LogStoreOptions) -> Self {
        Self {
            node_id,
            peers,
            log,
            heartbeat_interval_ms: crate::config::DEFAULT_DLEDGER_HEARTBEAT_INTERVAL_MS,
            election_timeout_min_ms: crate::config::DEFAULT_DLEDGER_ELECTION_TIMEOUT_MIN_MS,
            election_timeout_max_ms: crate::config::DEFAULT_DLEDGER_ELECTION_TIMEOUT_MAX_MS,
            listener: None,
            peer_token: None,
        }
    }

    /// Builds the config from a validated [`BrokerConfig`] (`dLegerPeers`, `dLegerSelfId`, the
    /// timing keys, `mappedFileSizeCommitLog`, the DLedger data dir). `base_offset` is the
    /// `dividedCommitlogOffset` for an empty store (0 without an old commitlog, §6.3).
    ///
    /// # Errors
    /// [`RaftNodeError::Config`] if DLedger keys are missing or a peer id has no digits;
    /// [`RaftNodeError::PeerToken`] if `dLegerPeerTokenFile` is set but cannot be used.
    pub fn from_broker_config(cfg: &BrokerConfig, base_offset: u64) -> Result<Self, RaftNodeError> {
        let bad = |m: String| RaftNodeError::Config(m);
        let peers_text = cfg
            .dleger_peers
            .as_deref()
            .ok_or_else(|| bad("dLegerPeers is not set".into()))?;
        let self_id = cfg
            .dleger_self_id
            .as_deref()
            .ok_or_else(|| bad("dLegerSelfId is not set".into()))?;
        let node_id = node_id_from_self_id(self_id)
            .ok_or_else(|| bad(format!("dLegerSelfId {self_id:?} is not a letter and digits")))?;
        let mut peers = BTreeMap::new();
        for p in parse_peers(peers_text).map_err(|e| bad(e.to_string()))? {
            let id = node_id_from_self_id(&p.id)
                .ok_or_else(|| bad(format!("peer id {:?} is not a letter and digits", p.id)))?;
            if peers.insert(id, p.addr).is_some() {
                return Err(bad(format!("two peers map to node id {id}")));
            }
        }
        if !peers.contains_key(&node_id) {
            return Err(bad(format!("dLegerSelfId {self_id:?} is not in dLegerPeers")));
        }
        let node_dir = Path::new(&cfg.store_path_root_dir).join(dl::node_dir_name(self_id));
        let data_dir = cfg
            .dledger_data_dir()
            .unwrap_or_else(|| node_dir.join(dl::DATA_DIR));
        Ok(Self {
            node_id,
            peers,
            log: LogStoreOptions {
                node_dir,
                data_dir,
                file_size: cfg.mapped_file_size_commit_log,
                base_offset,
                durability: match cfg.flush_disk_type {
                    crate::config::FlushDiskType::SyncFlush => Durability::Fsync,
                    crate::config::FlushDiskType::AsyncFlush => Durability::PageCache {
                        interval: Duration::from_millis(cfg.flush_interval_commit_log.max(1)),
                    },
                },
            },
            heartbeat_interval_ms: cfg.dleger_heartbeat_interval_ms,
            election_timeout_min_ms: cfg.dleger_election_timeout_min_ms,
            election_timeout_max_ms: cfg.dleger_election_timeout_max_ms,
            listener: None,
            peer_token: cfg
                .dleger_peer_token_file
                .as_deref()
                .map(|path| peer_auth::PeerToken::load(Path::new(path)))
                .transpose()?,
        })
    }
}

/// The RPC server task and the sender that asks it to stop.
type ServerHandle = (oneshot::Sender<()>, JoinHandle<()>);

/// A running node: the openraft handle, the log reader and the RPC server.
///
/// Call [`RaftNode::shutdown`] before dropping it: dropping alone leaves openraft's task and the
/// RPC server running until the runtime stops (the stores flush their checkpoint files when
/// openraft drops them).
pub struct RaftNode {
    id: NodeId,
    raft: Raft,
    log: LogReader,
    addr: SocketAddr,
    /// Every member's id and Raft address (`dLegerPeers`).
    peers: BTreeMap<NodeId, String>,
    heartbeat_ms: u64,
    election_max_ms: u64,
    node_dir: PathBuf,
    server: Mutex<Option<ServerHandle>>,
    /// When the leader was last heard from, and each follower last answered.
    contacts: Arc<contact::Contacts>,
    /// Sent with the hand-over and purge notices.
    peer_token: Option<peer_auth::PeerToken>,
    /// When a leader was last heard; holds and disables this node's campaigns.
    election: Arc<election::Election>,
    /// The election timer task (`election::run`).
    election_task: Mutex<Option<JoinHandle<()>>>,
    /// The runtime the node's tasks run on (module docs); stopped at shutdown or drop.
    runtime: Mutex<Option<tokio::runtime::Runtime>>,
    /// The last applied log id the state machine had on disk when the node started.
    applied_at_start: Option<LogId>,
}

/// Worker threads of a node's own runtime (module docs): the Raft core, the state machine, the
/// RPC server and the connections to the peers.
pub const RAFT_WORKER_THREADS: usize = 2;

impl Drop for RaftNode {
    fn drop(&mut self) {
        // A runtime cannot be dropped where blocking is not allowed (an async task): its tasks
        // are dropped in the background instead, which closes the stores as a stop does.
        if let Some(rt) = self.runtime.get_mut().unwrap_or_else(|e| e.into_inner()).take() {
            rt.shutdown_background();
        }
    }
}

impl std::fmt::Debug for RaftNode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RaftNode")
            .field("id", &self.id)
            .field("addr", &self.addr)
            .field("node_dir", &self.node_dir)
            .finish()
    }
}

/// Opens the stores, starts openraft and the RPC server, and initializes a pristine group.
/// A log written by Java DLedger (no membership entry in it, none applied) takes the configured
/// peers as its membership, as DLedger does: openraft would refuse to initialize a non-empty log.
///
/// # Errors
/// [`RaftNodeError`] when the config is inconsistent, the files cannot be opened (including
/// [`LogStoreError::Corruption`]), the port cannot be bound, or openraft refuses to start.
pub async fn start_raft_node(
    cfg: RaftNodeConfig,
    applier: Arc<dyn Applier>,
) -> Result<RaftNode, RaftNodeError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(RAFT_WORKER_THREADS)
        .thread_name(format!("raft-n{}", cfg.node_id))
        .enable_all()
        .build()
        .map_err(|e| RaftNodeError::Raft(format!("cannot start the Raft runtime: {e}")))?;
    let started = runtime.spawn(start_on_current_runtime(cfg, applier)).await;
    let node = match started {
        Ok(r) => r,
        Err(e) => Err(RaftNodeError::Raft(format!("the Raft start-up task failed: {e}"))),
    };
    match node {
        Ok(node) => {
            *node.runtime.lock().unwrap_or_else(|e| e.into_inner()) = Some(runtime);
            Ok(node)
        }
        Err(e) => {
            runtime.shutdown_background();
            Err(e)
        }
    }
}

/// [`start_raft_node`] on the calling task's runtime, which runs the node's tasks.
async fn start_on_current_runtime(
    cfg: RaftNodeConfig,
    applier: Arc<dyn Applier>,
) -> Result<RaftNode, RaftNodeError> {
    let self_addr = cfg
        .peers
        .get(&cfg.node_id)
        .cloned()
        .ok_or_else(|| RaftNodeError::Config(format!("node {} is not among the peers", cfg.node_id)))?;
    let raft_config = openraft::Config {
        cluster_name: "dledger".into(),
        heartbeat_interval: cfg.heartbeat_interval_ms,
        election_timeout_min: cfg.election_timeout_min_ms,
        election_timeout_max: cfg.election_timeout_max_ms,
        // The log is the message store: openraft must never compact or purge it on its own.
        // Retention purges through `RaftNode::purge_upto`.
        snapshot_policy: SnapshotPolicy::Never,
        max_in_snapshot_log_to_keep: u64::MAX,
        // openraft gives one AppendEntries RPC a heartbeat interval to complete (including the
        // follower's fdatasync); keep batches small enough for that (records are up to 4 MiB).
        max_payload_entries: 64,
        ..Default::default()
    }
    .validate()
    .map_err(|e| RaftNodeError::Config(e.to_string()))?;

    let log_store = LogStore::open(cfg.log.clone())?;
    let log = log_store.reader();
    let mut sm = StateMachine::open(&cfg.log.node_dir, log.clone(), applier)?;
    let applied_at_start = sm.last_applied();
    let members: BTreeMap<NodeId, BasicNode> = cfg
        .peers
        .iter()
        .map(|(id, addr)| (*id, BasicNode::new(addr)))
        .collect();
    let first_kind = log
        .scan(log.min_pos(), log.max_pos(), 1)?
        .first()
        .map(|e| e.loc.kind);
    if sm.adopt_membership_if_unknown(first_kind, types::Membership::from(members.clone())) {
        tracing::info!(
            "log written by Java DLedger (no membership entry): its voters are the configured peers"
        );
    }
    if cfg.peer_token.is_none() {
        tracing::warn!(
            "DLedger: no dLegerPeerTokenFile: any host that reaches the DLedger port can vote and \
             append to this group's log; set one (mqadmin gen-config --peer-token-file) on every node"
        );
    }
    let contacts = Arc::new(contact::Contacts::default());
    let net = network::NetworkFactory::new(
        Duration::from_millis(cfg.heartbeat_interval_ms.max(100) * 3),
        contacts.clone(),
        cfg.peer_token.clone(),
    );
    let raft = Raft::new(cfg.node_id, Arc::new(raft_config), net, log_store, sm)
        .await
        .map_err(|e| RaftNodeError::Raft(e.to_string()))?;
    // Elections are started by `election` after a pre-vote, never by openraft's own timer.
    raft.runtime_config().elect(false);
    let election = Arc::new(election::Election::new(
        cfg.heartbeat_interval_ms,
        cfg.election_timeout_min_ms,
        cfg.election_timeout_max_ms,
    ));

    let listener = match cfg.listener {
        Some(l) => l,
        None => {
            let port = self_addr.rsplit_once(':').map_or("", |(_, p)| p);
            let bind = format!("0.0.0.0:{port}");
            std::net::TcpListener::bind(&bind)
                .map_err(|source| RaftNodeError::Listen { addr: bind, source })?
        }
    };
    let listen_err = |source| RaftNodeError::Listen {
        addr: self_addr.clone(),
        source,
    };
    listener.set_nonblocking(true).map_err(listen_err)?;
    let addr = listener.local_addr().map_err(listen_err)?;
    let listener = tokio::net::TcpListener::from_std(listener).map_err(listen_err)?;
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let server = tokio::spawn(rpc_server::serve(
        listener,
        raft.clone(),
        contacts.clone(),
        election.clone(),
        log.clone(),
        cfg.peer_token.clone(),
        async move {
            let _ = stop_rx.await;
        },
    ));
    let election_task = tokio::spawn(election::run(
        raft.clone(),
        log.clone(),
        cfg.node_id,
        election.clone(),
        cfg.peers.clone(),
        cfg.peer_token.clone(),
    ));

    match raft.initialize(members).await {
        Ok(()) => tracing::info!(node = cfg.node_id, "initialized the DLedger Raft group"),
        Err(RaftError::APIError(InitializeError::NotAllowed(_))) => {}
        Err(e) => {
            let _ = stop_tx.send(());
            election_task.abort();
            let _ = raft.shutdown().await;
            return Err(RaftNodeError::Raft(e.to_string()));
        }
    }
    Ok(RaftNode {
        id: cfg.node_id,
        raft,
        log,
        addr,
        peers: cfg.peers,
        heartbeat_ms: cfg.heartbeat_interval_ms,
        election_max_ms: cfg.election_timeout_max_ms,
        node_dir: cfg.log.node_dir,
        server: Mutex::new(Some((stop_tx, server))),
        contacts,
        peer_token: cfg.peer_token,
        election,
        election_task: Mutex::new(Some(election_task)),
        runtime: Mutex::new(None),
        applied_at_start,
    })
}

/// [`RaftNode::purge_upto`] on a bare openraft handle (the RPC server's purge notice).
///
/// # Errors
/// As [`RaftNode::purge_upto`].
pub async fn purge_raft_upto(raft: &Raft, index: u64, timeout: Duration) -> Result<(), WriteError> {
    if raft.metrics().borrow().purged.is_some_and(|p| p.index >= index) {
        return Ok(());
    }
    raft.wait(Some(timeout))
        .applied_index_at_least(Some(index), "applied")
        .await
        .map_err(|e| WriteError::Timeout(e.to_string()))?;
    raft.trigger()
        .snapshot()
        .await
        .map_err(|e| WriteError::Stopped(e.to_string()))?;
    raft.wait(Some(timeout))
        .metrics(
            |m| m.snapshot.is_some_and(|s| s.index >= index),
            "snapshot covering the purge point",
        )
        .await
        .map_err(|e| WriteError::Timeout(e.to_string()))?;
    raft.trigger()
        .purge_log(index)
        .await
        .map_err(|e| WriteError::Stopped(e.to_string()))
}

fn write_error<E: std::fmt::Display>(e: RaftError<NodeId, E>) -> WriteError {
    match e {
        RaftError::Fatal(f) => WriteError::Stopped(f.to_string()),
        RaftError::APIError(e) => WriteError::Other(e.to_string()),
    }
}

impl RaftNode {
    /// This node's id.
    pub fn id(&self) -> NodeId {
        self.id
    }

    /// The openraft handle, for anything not wrapped here.
    pub fn raft(&self) -> &Raft {
        &self.raft
    }

    /// The node's own runtime (module docs), for the tasks that drive it (the batcher); `None`
    /// once the node is shut down.
    pub fn runtime(&self) -> Option<tokio::runtime::Handle> {
        self.runtime
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .map(|rt| rt.handle().clone())
    }

    /// Whether a write of this node is waiting for disk space (see [`space`]): it acknowledges
    /// nothing meanwhile, and as a leader it is about to be replaced.
    pub fn disk_full(&self) -> bool {
        self.log.disk_full()
    }

    /// Read access to the log: records by position, min/max/committed positions.
    pub fn log(&self) -> &LogReader {
        &self.log
    }

    /// The last applied log id on disk when the node started: openraft applies the entries
    /// after it again, the ones up to it never (a fresh key index catches up to there from
    /// the log, see `store::external`).
    pub fn applied_at_start(&self) -> Option<LogId> {
        self.applied_at_start
    }

    /// When the leader was last heard from, and each follower last answered (`dledger-status`).
    pub fn contacts(&self) -> &contact::Contacts {
        &self.contacts
    }

    /// This node's election state: hold or disable its campaigns.
    pub fn election(&self) -> &election::Election {
        &self.election
    }

    /// The leader lease (`dLegerElectionTimeoutMaxMs`): a follower that has not answered for
    /// this long is down, and a leader that has not reached a majority for this long is cut off.
    pub fn lease(&self) -> Duration {
        Duration::from_millis(self.election_max_ms)
    }

    /// Every member's id and Raft address (`dLegerPeers`).
    pub fn peers(&self) -> &BTreeMap<NodeId, String> {
        &self.peers
    }

    /// Address the RPC server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Replicates one RocketMQ record and waits until it is committed and applied.
    ///
    /// The record's PHYSICALOFFSET is set by the log store to the returned `pos`.
    ///
    /// # Errors
    /// [`WriteError::NotLeader`] with a leader hint on a follower; [`WriteError::Stopped`] when
    /// the node is shutting down.
    pub async fn client_write(&self, record: Bytes) -> Result<AppendResult, WriteError> {
        match self.raft.client_write(Record(record)).await {
            Ok(resp) => match resp.data.pos {
                Some(pos) => Ok(AppendResult {
                    index: resp.data.index,
                    pos,
                }),
                None => Err(WriteError::Other(format!(
                    "entry {} applied without a data position",
                    resp.log_id
                ))),
            },
            Err(RaftError::APIError(ClientWriteError::ForwardToLeader(f))) => Err(WriteError::NotLeader {
                leader_id: f.leader_id,
                leader_addr: f.leader_node.map(|n| n.addr),
            }),
            Err(e) => Err(write_error(e)),
        }
    }

    /// Whether this node is the leader right now (as far as it knows).
    pub fn is_leader(&self) -> bool {
        let m = self.raft.metrics();
        let m = m.borrow();
        m.state == ServerState::Leader && m.current_leader == Some(self.id)
    }

    /// The current leader's id and address, if known.
    pub fn current_leader(&self) -> Option<(NodeId, Option<String>)> {
        let m = self.raft.metrics();
        let m = m.borrow();
        let id = m.current_leader?;
        let addr = m
            .membership_config
            .membership()
            .get_node(&id)
            .map(|n| n.addr.clone());
        Some((id, addr))
    }

    /// A watch of openraft's metrics: role (`state`), `current_leader`, term, last applied.
    /// The broker waits on it to switch between master and slave roles.
    pub fn metrics(&self) -> watch::Receiver<RaftMetrics<NodeId, BasicNode>> {
        self.raft.metrics()
    }

    /// Waits until some leader is known, returning its id.
    ///
    /// # Errors
    /// [`WriteError::Timeout`] or [`WriteError::Stopped`].
    pub async fn wait_for_leader(&self, timeout: Duration) -> Result<NodeId, WriteError> {
        let m = self
            .raft
            .wait(Some(timeout))
            .metrics(|m| m.current_leader.is_some(), "a leader")
            .await
            .map_err(|e| WriteError::Timeout(e.to_string()))?;
        m.current_leader
            .ok_or_else(|| WriteError::Other("no leader".into()))
    }

    /// Waits until the entry `index` is applied locally.
    ///
    /// # Errors
    /// [`WriteError::Timeout`] when it is not applied within `timeout`.
    pub async fn wait_applied(&self, index: u64, timeout: Duration) -> Result<(), WriteError> {
        self.raft
            .wait(Some(timeout))
            .applied_index_at_least(Some(index), "applied")
            .await
            .map(|_| ())
            .map_err(|e| WriteError::Timeout(e.to_string()))
    }

    /// Confirms leadership with a quorum and waits until everything committed before the call is
    /// applied here: reads after it see all acknowledged writes.
    ///
    /// # Errors
    /// [`WriteError::NotLeader`] on a follower or a deposed leader.
    pub async fn ensure_linearizable(&self) -> Result<(), WriteError> {
        match self.raft.ensure_linearizable().await {
            Ok(_) => Ok(()),
            Err(RaftError::APIError(openraft::error::CheckIsLeaderError::ForwardToLeader(f))) => {
                Err(WriteError::NotLeader {
                    leader_id: f.leader_id,
                    leader_addr: f.leader_node.map(|n| n.addr),
                })
            }
            Err(e) => Err(write_error(e)),
        }
    }

    /// Purges the log up to `index` (retention): builds a metadata snapshot (openraft only
    /// purges what a snapshot covers), waits for it, then asks openraft to purge. Whole data
    /// files below the purge point are deleted; the rest stays. `index` should not exceed what
    /// every replica has applied, or a lagging replica would need the purged data (unsupported).
    ///
    /// # Errors
    /// [`WriteError::Timeout`] if the snapshot is not built in time; [`WriteError::Stopped`]
    /// when the node is shutting down.
    pub async fn purge_upto(&self, index: u64, timeout: Duration) -> Result<(), WriteError> {
        purge_raft_upto(&self.raft, index, timeout).await
    }

    /// Purges the log up to `index` on this node and asks every other peer to do the same
    /// (retention: the caller, the leader, knows every peer has `index`).
    ///
    /// # Errors
    /// As [`RaftNode::purge_upto`] for the local purge; peers that cannot be told purge at
    /// the next round.
    pub async fn purge_group_upto(&self, index: u64, timeout: Duration) -> Result<(), WriteError> {
        self.purge_upto(index, timeout).await?;
        for (id, addr) in &self.peers {
            if *id != self.id {
                if let Err(e) = handover::send_purge(addr, index, self.peer_token.as_ref()).await {
                    tracing::info!(peer = id, error = %e, "purge notice not delivered");
                }
            }
        }
        Ok(())
    }

    /// Hands leadership to `to` (see [`handover`]); the caller makes sure `to` is caught up
    /// and that no write is in flight. Returns whether this node stopped being the leader.
    ///
    /// # Errors
    /// [`WriteError::Other`] when `to` is not a peer or cannot be told (nothing changed then).
    pub async fn hand_over(&self, to: NodeId) -> Result<bool, WriteError> {
        let addr = self
            .peers
            .get(&to)
            .filter(|_| to != self.id)
            .ok_or_else(|| WriteError::Other(format!("node {to} is not another peer")))?;
        let notice = handover::notice_for(to, self.heartbeat_ms, self.election_max_ms);
        handover::send_notice(addr, &notice, self.peer_token.as_ref())
            .await
            .map_err(|e| WriteError::Other(format!("cannot reach the preferred leader: {e}")))?;
        for (id, a) in &self.peers {
            if *id != to && *id != self.id {
                if let Err(e) = handover::send_notice(a, &notice, self.peer_token.as_ref()).await {
                    tracing::debug!(peer = id, error = %e, "hand-over notice not delivered");
                }
            }
        }
        let rc = self.raft.runtime_config();
        rc.heartbeat(false);
        self.election.hold_for(Duration::from_millis(notice.hold_ms));
        let waited = self
            .raft
            .wait(Some(Duration::from_millis(notice.hold_ms + self.election_max_ms)))
            .metrics(|m| m.state != ServerState::Leader, "another leader")
            .await;
        rc.heartbeat(true);
        self.election.release_hold();
        Ok(waited.is_ok())
    }

    /// Stops openraft and the RPC server. Safe to call twice. A write waiting for disk space
    /// gives up first (openraft's core could not stop while it waits).
    ///
    /// # Errors
    /// [`RaftNodeError::Raft`] if openraft's task panicked.
    pub async fn shutdown(&self) -> Result<(), RaftNodeError> {
        self.log.disk_space().stop();
        self.election.set_enabled(false);
        if let Some(t) = self
            .election_task
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            t.abort();
        }
        let res = self
            .raft
            .shutdown()
            .await
            .map_err(|e| RaftNodeError::Raft(e.to_string()));
        let server = self.server.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some((stop, task)) = server {
            let _ = stop.send(());
            // Graceful shutdown waits for open connections; peers keep theirs alive, so give
            // them a moment and then cut them.
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_millis(500), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
        if let Some(rt) = self.runtime.lock().unwrap_or_else(|e| e.into_inner()).take() {
            rt.shutdown_background();
        }
        res
    }
}

#[cfg(test)]
mod config_tests {
    use super::*;

    #[test]
    fn node_config_comes_from_the_broker_config() {
        let mut cfg = BrokerConfig {
            dleger_peers: Some("n0-127.0.0.1:40911;n1-127.0.0.1:40912;n2-127.0.0.1:40913".into()),
            dleger_self_id: Some("n1".into()),
            store_path_root_dir: "/store".into(),
            mapped_file_size_commit_log: 4096,
            ..BrokerConfig::default()
        };
        let c = RaftNodeConfig::from_broker_config(&cfg, 8192).expect("config");
        assert_eq!(c.node_id, 1);
        assert_eq!(c.peers[&2], "127.0.0.1:40913");
        assert_eq!(c.log.node_dir, Path::new("/store/dledger-n1"));
        assert_eq!(c.log.data_dir, Path::new("/store/dledger-n1/data"));
        assert_eq!((c.log.file_size, c.log.base_offset), (4096, 8192));
        assert_eq!(
            (
                c.heartbeat_interval_ms,
                c.election_timeout_min_ms,
                c.election_timeout_max_ms
            ),
            (100, 200, 300)
        );
        cfg.dleger_self_id = Some("n7".into());
        assert!(RaftNodeConfig::from_broker_config(&cfg, 0).is_err());
        cfg.dleger_peers = None;
        assert!(RaftNodeConfig::from_broker_config(&cfg, 0).is_err());
    }
}
