//! The broker (`mqbroker`): its state and how it opens, with one file per part beside it.
//!
//! - [`Broker`] and [`open`] (here): configuration, store, topics, offsets, groups, statistics,
//!   role. [`run`] (`run.rs`) serves it: background tasks, the request processor, shutdown.
//! - [`processor`]: one file per group of request codes; the only layer that speaks in wire
//!   replies. Nothing else in this module imports it, but `run.rs`, which builds it.
//! - [`put`]: the one write path, with its typed [`put::PutError`]; [`dledger`] (the Raft
//!   commitlog) and [`ha`] (Master/Slave replication) are what it writes through.
//! - `register.rs` (name-server registration), [`topics`], [`offsets`], [`groups`], [`stats`],
//!   [`locks`] (orderly-consumption queue locks).
//! - [`meta`]: every metadata change, through the Raft log in DLedger mode.
//! - [`transaction`]: half messages, END_TRANSACTION and the check-back.
//! - [`schedule`]: delayed messages (`DELAY` diverted to the schedule topic by [`put`], and the
//!   task that delivers them when due on the master or DLedger leader).

pub mod acl;
pub mod dledger;
pub mod groups;
pub mod ha;
pub mod locks;
pub mod meta;
pub mod metrics;
pub mod offsets;
pub mod processor;
pub mod put;
mod register;
mod run;
pub mod schedule;
pub mod stats;
pub mod topics;
pub mod transaction;

pub use run::run;

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use crate::config::{BrokerConfig, BrokerRole};
use crate::remoting::body::now_millis;
use crate::remoting::RemotingClient;
use crate::store::{MessageStore, StoreConfig};

use self::groups::GroupManager;
use self::offsets::OffsetManager;
use self::stats::Stats;
use self::topics::TopicManager;

/// Why the broker could not start.
#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    /// Store failure (including `Lock failed, MQ already started`).
    #[error(transparent)]
    Store(#[from] crate::store::error::StoreError),
    /// Bad configuration.
    #[error("{0}")]
    Config(String),
    /// Socket failure.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    /// The DLedger node stopped on a fatal error (for example a corrupt record in its log):
    /// the broker stops too rather than serve without it.
    #[error("the DLedger node stopped: {0}")]
    RaftStopped(String),
}

/// Everything a request processor needs.
pub struct Broker {
    /// Effective configuration.
    pub cfg: BrokerConfig,
    /// The message store.
    pub store: Arc<MessageStore>,
    /// Topics.
    pub topics: TopicManager,
    /// Consumer offsets.
    pub offsets: OffsetManager,
    /// Consumer groups and clients.
    pub groups: GroupManager,
    /// Producer connections for transaction check-backs.
    pub transactions: transaction::Transactions,
    /// Statistics.
    pub stats: Stats,
    /// Orderly-consumption queue locks (in memory, as Java).
    pub locks: locks::LockTable,
    /// Client for name servers and the master.
    pub client: RemotingClient,
    /// Current broker id as registered (0 master/leader).
    pub broker_id: AtomicI64,
    /// Start time, epoch ms.
    pub boot_ms: i64,
    /// `brokerIP1:listenPort` as a socket address (STOREHOST).
    pub store_host: SocketAddr,
    /// Wakes the registration loop (topic change, role change).
    pub register_now: Notify,
    /// Wakes the delayed-message scheduler ([`schedule`]) when a delayed message is stored.
    pub schedule_wake: Notify,
    /// One registration at a time, each built when it starts: a registration that began
    /// before a role change can never reach the name servers after the one that announces it.
    register_lock: tokio::sync::Mutex<()>,
    /// The master's address, learned from the name server (slaves).
    pub master_addr: std::sync::Mutex<Option<String>>,
    /// Master/Slave replication state.
    pub ha: ha::HaState,
    /// DLedger mode: the Raft node, set once at start.
    pub dledger: std::sync::OnceLock<Arc<dledger::Dledger>>,
    /// DLedger mode: an already bound Raft RPC listener to use instead of binding the peer port
    /// from `dLegerPeers` (tests bind port 0 first so ports cannot collide).
    pub raft_listener: std::sync::Mutex<Option<std::net::TcpListener>>,
    /// `metricsExporterType=PROM`: the counters of the send, pull and request paths (`None`
    /// otherwise, so a broker without an exporter pays nothing).
    pub metrics: Option<Arc<crate::metrics::broker_counters::BrokerCounters>>,
    /// The exporter's bound address, once it serves ([`metrics`]).
    pub metrics_addr: std::sync::OnceLock<SocketAddr>,
    /// `aclEnable=true`: the accounts every request is checked against ([`acl`]).
    pub acl: Option<Arc<acl::Acl>>,
}

impl std::fmt::Debug for Broker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Broker")
            .field("name", &self.cfg.broker_name)
            .finish_non_exhaustive()
    }
}

impl Broker {
    /// Whether this broker is a slave (refuses writes).
    pub fn is_slave(&self) -> bool {
        match self.dledger.get() {
            Some(d) => !d.writable.load(Ordering::Acquire),
            None => self.cfg.broker_role == BrokerRole::Slave,
        }
    }

    /// `brokerIP1:listenPort`.
    pub fn addr(&self) -> String {
        self.cfg.broker_addr()
    }
}

fn resolve(addr: &str) -> Result<SocketAddr, BrokerError> {
    addr.to_socket_addrs()
        .map_err(|e| BrokerError::Config(format!("cannot resolve {addr}: {e}")))?
        .next()
        .ok_or_else(|| BrokerError::Config(format!("cannot resolve {addr}")))
}

/// Builds the store settings from the broker config.
pub fn store_config(cfg: &BrokerConfig, store_host: SocketAddr) -> StoreConfig {
    let mut sc = StoreConfig::new(PathBuf::from(&cfg.store_path_root_dir), store_host);
    sc.commitlog_dir = Some(cfg.commit_log_dir());
    sc.commitlog_file_size = cfg.mapped_file_size_commit_log;
    sc.cq_file_size = cfg.mapped_file_size_consume_queue;
    sc.flush_disk_type = cfg.flush_disk_type;
    sc.sync_flush_timeout = Duration::from_millis(cfg.sync_flush_timeout);
    sc.flush_interval = Duration::from_millis(cfg.flush_interval_commit_log.max(1));
    sc.max_message_size = cfg.max_message_size as usize;
    sc.file_reserved_time_hours = cfg.file_reserved_time as u64;
    sc.delete_when = cfg.delete_when.clone();
    sc.disk_max_used_space_ratio = cfg.disk_max_used_space_ratio;
    sc.dledger = cfg.enable_dleger_commit_log;
    // `validate` refuses a value that does not parse; a config built in code falls back to Java's.
    sc.delay_levels = crate::store::delay::DelayLevels::parse(&cfg.message_delay_level).unwrap_or_default();
    sc.message_index_enable = cfg.message_index_enable;
    sc.max_hash_slot_num = cfg.max_hash_slot_num;
    sc.max_index_num = cfg.max_index_num;
    sc.max_msgs_num_batch = cfg.max_msgs_num_batch as usize;
    sc
}

/// Opens the store and builds the broker state. `listen` and `ha_listen` are the bound remoting
/// and HA addresses; their ports replace `listenPort`/`haListenPort`, so ephemeral ports work.
///
/// # Errors
/// Store open failures (a locked store: `Lock failed, MQ already started`), config errors.
pub fn open(
    mut cfg: BrokerConfig,
    listen: SocketAddr,
    ha_listen: Option<SocketAddr>,
) -> Result<Arc<Broker>, BrokerError> {
    cfg.listen_port = listen.port();
    if let Some(ha) = ha_listen {
        cfg.ha_listen_port = ha.port();
    }
    let store_host = resolve(&cfg.broker_addr())?;
    // The ACL file first: a broker asked for ACL never serves without it (fail closed).
    let acl = if cfg.acl_enable {
        let path = cfg.plain_acl_path().ok_or_else(|| {
            BrokerError::Config(
                "aclEnable=true but no ACL file: set plainAclFile, or rocketmqHome (or ROCKETMQ_HOME) \
                 for <rocketmqHome>/conf/plain_acl.yml"
                    .into(),
            )
        })?;
        Some(Arc::new(
            acl::Acl::load(&path).map_err(|e| BrokerError::Config(e.to_string()))?,
        ))
    } else {
        None
    };
    let store = Arc::new(MessageStore::open(store_config(&cfg, store_host))?);
    let root = PathBuf::from(&cfg.store_path_root_dir);
    let topics = TopicManager::load(&cfg)?;
    let offsets = OffsetManager::load(root.clone())?;
    let groups = GroupManager::load(root)?;
    let broker_id = cfg.broker_id;
    let lock_max_live = Duration::from_millis(cfg.rebalance_lock_max_live_time);
    let metrics = match cfg.metrics_exporter_type {
        crate::config::MetricsExporterType::Prom => {
            let common =
                crate::metrics::CommonLabels::new(&cfg.broker_cluster_name, "broker", &cfg.broker_name);
            let counters = crate::metrics::broker_counters::BrokerCounters::new(common)
                .map_err(|e| BrokerError::Config(e.to_string()))?;
            Some(Arc::new(counters))
        }
        crate::config::MetricsExporterType::Disable => None,
    };
    Ok(Arc::new(Broker {
        cfg,
        store,
        topics,
        offsets,
        groups,
        transactions: Default::default(),
        stats: Stats::default(),
        locks: locks::LockTable::new(lock_max_live),
        // With ACL, requests to other brokers (a slave's config sync) are signed.
        client: RemotingClient::new(crate::remoting::client::ClientConfig {
            credentials: acl.as_ref().and_then(|a| a.internal_credentials()),
            ..Default::default()
        }),
        broker_id: AtomicI64::new(broker_id),
        boot_ms: now_millis(),
        store_host,
        register_now: Notify::new(),
        schedule_wake: Notify::new(),
        register_lock: tokio::sync::Mutex::new(()),
        master_addr: Default::default(),
        ha: Default::default(),
        dledger: Default::default(),
        raft_listener: Default::default(),
        metrics,
        metrics_addr: Default::default(),
        acl,
    }))
}
