//! The broker: its state (store, topics, offsets, groups, statistics, role), start-up, the
//! name-server registration loop and shutdown. Request handling is in [`crate::processor`].

pub mod dledger;
pub mod groups;
pub mod offsets;
pub mod stats;
pub mod topic_manager;

use std::future::Future;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::Notify;

use crate::config::{BrokerConfig, BrokerRole, FlushDiskType as CfgFlush};
use crate::json;
use crate::remoting::body::{now_millis, RegisterBrokerBody};
use crate::remoting::codes::{request, response};
use crate::remoting::headers::{
    RegisterBrokerRequestHeader, RegisterBrokerResponseHeader, UnregisterBrokerRequestHeader,
};
use crate::remoting::server::{self, ServerConfig};
use crate::remoting::{RemotingClient, RemotingCommand};
use crate::store::{FlushDiskType, MessageStore, StoreConfig};

use self::groups::GroupManager;
use self::offsets::OffsetManager;
use self::stats::Stats;
use self::topic_manager::TopicManager;

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
    /// Statistics.
    pub stats: Stats,
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
    /// One registration at a time, each built when it starts: a registration that began
    /// before a role change can never reach the name servers after the one that announces it.
    register_lock: tokio::sync::Mutex<()>,
    /// The master's address, learned from the name server (slaves).
    pub master_addr: std::sync::Mutex<Option<String>>,
    /// Master/Slave replication state.
    pub ha: crate::ha::HaState,
    /// DLedger mode: the Raft node, set once at start.
    pub dledger: std::sync::OnceLock<Arc<dledger::Dledger>>,
    /// DLedger mode: an already bound Raft RPC listener to use instead of binding the peer port
    /// from `dLegerPeers` (tests bind port 0 first so ports cannot collide).
    pub raft_listener: std::sync::Mutex<Option<std::net::TcpListener>>,
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

    fn register_request(&self) -> RemotingCommand {
        let body = RegisterBrokerBody {
            filter_server_list: vec![],
            topic_config_serialize_wrapper: self.topics.snapshot(),
        };
        let bytes = json::to_vec(&body);
        let h = RegisterBrokerRequestHeader {
            broker_name: self.cfg.broker_name.clone(),
            broker_addr: self.addr(),
            cluster_name: self.cfg.broker_cluster_name.clone(),
            ha_server_addr: self.cfg.ha_server_addr(),
            broker_id: self.broker_id.load(Ordering::Acquire),
            compressed: Some(false),
            body_crc32: Some(crate::namesrv::processor::java_crc32(&bytes)),
        };
        RemotingCommand::request(request::REGISTER_BROKER, &h).with_body(bytes)
    }

    /// Registers with every name server (concurrently); remembers the master for slaves. A
    /// DLedger node that does not know its role yet (BID -1, as Java starts it) does not
    /// register.
    pub async fn register_all(&self) {
        let _one_at_a_time = self.register_lock.lock().await;
        if self.broker_id.load(Ordering::Acquire) == -1 {
            return;
        }
        let timeout = Duration::from_millis(self.cfg.register_broker_timeout_mills);
        let req = self.register_request();
        let calls = self.cfg.namesrv_addrs().into_iter().map(|ns| {
            let req = req.clone();
            async move { (ns.clone(), self.client.invoke(&ns, req, timeout).await) }
        });
        for (ns, res) in futures::future::join_all(calls).await {
            match res {
                Ok(resp) if resp.code == response::SUCCESS => {
                    if let Ok(h) = resp.decode_header::<RegisterBrokerResponseHeader>() {
                        if let Some(m) = h.master_addr.filter(|m| !m.is_empty()) {
                            *self.master_addr.lock().unwrap_or_else(|p| p.into_inner()) = Some(m);
                        }
                        if let Some(ha) = h.ha_server_addr.filter(|m| !m.is_empty()) {
                            *self.ha.master_ha_addr.lock().unwrap_or_else(|p| p.into_inner()) = Some(ha);
                        }
                    }
                }
                Ok(resp) => {
                    tracing::warn!(%ns, code = resp.code, remark = ?resp.remark, "register broker refused")
                }
                Err(e) => tracing::warn!(%ns, "register broker failed: {e}"),
            }
        }
    }

    async fn unregister_all(&self) {
        let h = UnregisterBrokerRequestHeader {
            broker_name: self.cfg.broker_name.clone(),
            broker_addr: self.addr(),
            cluster_name: self.cfg.broker_cluster_name.clone(),
            broker_id: self.broker_id.load(Ordering::Acquire),
        };
        for ns in self.cfg.namesrv_addrs() {
            let req = RemotingCommand::request(request::UNREGISTER_BROKER, &h);
            let _ = self.client.invoke(&ns, req, Duration::from_secs(3)).await;
        }
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
    sc.flush_disk_type = match cfg.flush_disk_type {
        CfgFlush::AsyncFlush => FlushDiskType::AsyncFlush,
        CfgFlush::SyncFlush => FlushDiskType::SyncFlush,
    };
    sc.sync_flush_timeout = Duration::from_millis(cfg.sync_flush_timeout);
    sc.flush_interval = Duration::from_millis(cfg.flush_interval_commit_log.max(1));
    sc.max_message_size = cfg.max_message_size as usize;
    sc.file_reserved_time_hours = cfg.file_reserved_time as u64;
    sc.delete_when = cfg.delete_when.clone();
    sc.disk_max_used_space_ratio = cfg.disk_max_used_space_ratio;
    sc.dledger = cfg.enable_dleger_commit_log;
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
    let store = Arc::new(MessageStore::open(store_config(&cfg, store_host))?);
    let root = PathBuf::from(&cfg.store_path_root_dir);
    let topics = TopicManager::load(&cfg)?;
    let offsets = OffsetManager::load(root.clone())?;
    let groups = GroupManager::load(root)?;
    let broker_id = cfg.broker_id;
    Ok(Arc::new(Broker {
        cfg,
        store,
        topics,
        offsets,
        groups,
        stats: Stats::default(),
        client: RemotingClient::default(),
        broker_id: AtomicI64::new(broker_id),
        boot_ms: now_millis(),
        store_host,
        register_now: Notify::new(),
        register_lock: tokio::sync::Mutex::new(()),
        master_addr: Default::default(),
        ha: Default::default(),
        dledger: Default::default(),
        raft_listener: Default::default(),
    }))
}

/// Runs a broker on `listener` until `shutdown` completes: registration, periodic tasks and the
/// request server; then unregisters, persists offsets and closes the store.
///
/// # Errors
/// Start-up failures.
pub async fn run(
    broker: Arc<Broker>,
    listener: TcpListener,
    ha_listener: Option<TcpListener>,
    shutdown: impl Future<Output = ()>,
) -> Result<(), BrokerError> {
    let server_cfg = ServerConfig {
        max_frame: broker.cfg.max_frame_bytes as usize,
        max_connections: broker.cfg.max_connections as usize,
        idle_timeout: Duration::from_secs(broker.cfg.server_channel_max_idle_time_seconds),
        max_in_flight: broker.cfg.max_requests_in_flight_per_connection as usize,
        ..ServerConfig::default()
    };
    let mut tasks = tokio::task::JoinSet::new();
    // Registration: at start, every registerNameServerPeriod, and on demand.
    {
        let b = broker.clone();
        tasks.spawn(async move {
            let period = Duration::from_millis(b.cfg.register_name_server_period.clamp(10_000, 60_000));
            loop {
                // A DLedger node registers once it knows its role (Java starts it with BID -1).
                if b.broker_id.load(Ordering::Acquire) == -1 {
                    b.register_now.notified().await;
                    continue;
                }
                b.register_all().await;
                tokio::select! {
                    _ = tokio::time::sleep(period) => {}
                    _ = b.register_now.notified() => {}
                }
            }
        });
    }
    // Statistics sampling, offset persistence and expired-file deletion.
    {
        let b = broker.clone();
        tasks.spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            let mut n: u64 = 0;
            loop {
                tick.tick().await;
                n += 1;
                b.stats.tick(now_millis());
                if n % 5 == 0 {
                    if let Err(e) = b.offsets.persist_if_dirty() {
                        tracing::error!("persisting consumer offsets failed: {e}");
                    }
                }
                if n % 10 == 0 {
                    let store = b.store.clone();
                    let _ = tokio::task::spawn_blocking(move || {
                        store.clean_expired_files(std::time::SystemTime::now())
                    })
                    .await;
                }
            }
        });
    }
    if broker.cfg.enable_dleger_commit_log {
        dledger::start(&broker).await?;
        tasks.spawn(crate::ha::sync_config_while_follower(broker.clone()));
    } else if broker.is_slave() {
        tasks.spawn(crate::ha::run_slave(broker.clone()));
    } else if let Some(l) = ha_listener {
        tasks.spawn(crate::ha::run_master(broker.clone(), l));
    }
    let handler = Arc::new(crate::processor::BrokerProcessor {
        broker: broker.clone(),
    });
    server::run(listener, handler, server_cfg, shutdown).await;
    tasks.abort_all();
    broker.unregister_all().await;
    if let Err(e) = broker.offsets.persist_if_dirty() {
        tracing::error!("persisting consumer offsets failed: {e}");
    }
    if let Some(d) = broker.dledger.get() {
        if let Err(e) = d.node.shutdown().await {
            tracing::warn!("DLedger node shutdown: {e}");
        }
    }
    broker.store.shutdown()?;
    Ok(())
}
