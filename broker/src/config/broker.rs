//! The broker's configuration: [`BrokerConfig`] with every key `mqbroker` reads from its `-c` file,
//! its enums, and [`BrokerConfig::validate`], which checks the values and makes the adjustments
//! Java's `BrokerStartup` makes.

use std::path::{Path, PathBuf};

use super::defaults::{
    cpus, default_store_root, env_var, local_host_name, local_ipv4, DEFAULT_DLEDGER_ELECTION_TIMEOUT_MAX_MS,
    DEFAULT_DLEDGER_ELECTION_TIMEOUT_MIN_MS, DEFAULT_DLEDGER_HEARTBEAT_INTERVAL_MS, DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_FRAME_BYTES, DEFAULT_MAX_REQUESTS_IN_FLIGHT_PER_CONNECTION,
    DEFAULT_SERVER_CHANNEL_MAX_IDLE_TIME_SECONDS,
};
use super::error::{require_positive, ConfigError, ConfigWarning};
use super::fields::{config_struct, ConfigValue};
use super::metrics::{MetricsExporterType, DEFAULT_BROKER_PROM_PORT};
use super::peers::{dledger_broker_id, is_host_port, parse_peers, split_namesrv_addr, Peer};
use crate::store::format::CQ_UNIT_SIZE;
use crate::store::FlushDiskType;

/// The replication role of a Master/Slave broker (`brokerRole`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BrokerRole {
    /// Master that acknowledges a send before slaves have it.
    AsyncMaster,
    /// Master that acknowledges a send only after a slave has it.
    SyncMaster,
    /// Read-only replica of a master.
    Slave,
}

impl BrokerRole {
    /// The Java enum name, as written in config files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AsyncMaster => "ASYNC_MASTER",
            Self::SyncMaster => "SYNC_MASTER",
            Self::Slave => "SLAVE",
        }
    }
}

impl ConfigValue for BrokerRole {
    const EXPECTED: &'static str = "ASYNC_MASTER, SYNC_MASTER or SLAVE";
    fn parse_value(raw: &str) -> Option<Self> {
        [Self::AsyncMaster, Self::SyncMaster, Self::Slave]
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(raw.trim()))
    }
    fn render(&self) -> String {
        self.as_str().to_owned()
    }
}

impl ConfigValue for FlushDiskType {
    const EXPECTED: &'static str = "ASYNC_FLUSH or SYNC_FLUSH";
    fn parse_value(raw: &str) -> Option<Self> {
        [Self::AsyncFlush, Self::SyncFlush]
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(raw.trim()))
    }
    fn render(&self) -> String {
        self.as_str().to_owned()
    }
}

config_struct! {
    /// Everything `mqbroker` reads from its `-c` file: Java's BrokerConfig, NettyServerConfig and
    /// MessageStoreConfig keys in one struct, plus a few keys of our own (marked as such).
    pub struct BrokerConfig {
        /// The RocketMQ installation directory: with `aclEnable=true` and no `plainAclFile`, the
        /// ACL file is `<rocketmqHome>/conf/plain_acl.yml`, as in Java. Default: the
        /// `ROCKETMQ_HOME` environment variable.
        #[key = "rocketmqHome"]
        rocketmq_home: Option<String> = env_var("ROCKETMQ_HOME"),
        /// Name-server addresses separated by `;`. Default: the `NAMESRV_ADDR` environment variable,
        /// else unset.
        #[key = "namesrvAddr", important = true]
        namesrv_addr: Option<String> = env_var("NAMESRV_ADDR"),
        /// The IP this broker registers for clients (`brokerAddr = brokerIP1:listenPort`).
        /// Default: the local non-loopback IPv4 address, else `127.0.0.1`.
        #[key = "brokerIP1", important = true]
        broker_ip1: String = local_ipv4(),
        /// The IP slaves use to reach this master's HA port. Default: as brokerIP1.
        #[key = "brokerIP2"]
        broker_ip2: String = local_ipv4(),
        /// The broker group name, shared by a master and its slaves (or a DLedger group).
        /// Default: the host name.
        #[key = "brokerName", important = true]
        broker_name: String = local_host_name(),
        /// The cluster the broker group belongs to. Default: `DefaultCluster`.
        #[key = "brokerClusterName", important = true]
        broker_cluster_name: String = "DefaultCluster".to_owned(),
        /// 0 for a master, > 0 for a slave; forced by `validate` (masters 0, DLedger -1).
        /// Default: `0`.
        #[key = "brokerId", important = true]
        broker_id: i64 = 0,
        /// Permission bits advertised to the name server (4 read, 2 write). Default: `6`.
        #[key = "brokerPermission"]
        broker_permission: i32 = 6,
        /// Queues per topic when a topic is auto-created. Default: `8`.
        #[key = "defaultTopicQueueNums"]
        default_topic_queue_nums: i32 = 8,
        /// Create a topic on first send instead of rejecting it. Default: `true`.
        #[key = "autoCreateTopicEnable", important = true]
        auto_create_topic_enable: bool = true,
        /// Create a subscription group on first use. Default: `true`.
        #[key = "autoCreateSubscriptionGroup", important = true]
        auto_create_subscription_group: bool = true,
        /// Create the message-trace system topic. Default: `false`.
        #[key = "traceTopicEnable", important = true]
        trace_topic_enable: bool = false,
        /// Threads for send requests (RocketMQ 4.x defaults to 1, 5.x to min(CPUs, 4)).
        /// Default: min(CPUs, 4).
        #[key = "sendMessageThreadPoolNums"]
        send_message_thread_pool_nums: u32 = cpus().min(4),
        /// Threads for pull requests. Default: 16 + 2 × CPUs.
        #[key = "pullMessageThreadPoolNums"]
        pull_message_thread_pool_nums: u32 = 16 + 2 * cpus(),
        /// Hold pull requests until messages arrive instead of returning empty. Default: `true`.
        #[key = "longPollingEnable"]
        long_polling_enable: bool = true,
        /// How long a pull is held when long polling is off, in ms. Default: `1000`.
        #[key = "shortPollingTimeMills"]
        short_polling_time_mills: u64 = 1000,
        /// Let consumers read from a slave when the master lags. Default: `false`.
        #[key = "slaveReadEnable"]
        slave_read_enable: bool = false,
        /// How long an orderly consumer's queue lock lives without renewal, in ms. Java 4.9 reads
        /// it from the JVM property `rocketmq.broker.rebalance.lockMaxLiveTime`; here it is a
        /// config key of the same meaning. Default: `60000`.
        #[key = "rebalanceLockMaxLiveTime"]
        rebalance_lock_max_live_time: u64 = 60_000,
        /// How often to re-register with every name server, in ms. Default: `30000`.
        #[key = "registerNameServerPeriod"]
        register_name_server_period: u64 = 30_000,
        /// Timeout of one register request, in ms. Default: `6000`.
        #[key = "registerBrokerTimeoutMills"]
        register_broker_timeout_mills: u64 = 6000,
        /// Register with the full topic list even when nothing changed. Default: `true`.
        #[key = "forceRegister"]
        force_register: bool = true,
        /// Refuse transaction half messages (NO_PERMISSION). Default: `false`.
        #[key = "rejectTransactionMessage"]
        reject_transaction_message: bool = false,
        /// A half message younger than this is not checked back yet, in ms. Default: `6000`.
        #[key = "transactionTimeOut"]
        transaction_time_out: u64 = 6000,
        /// Check-backs of one half message before it is moved to `TRANS_CHECK_MAX_TIME_TOPIC`.
        /// Default: `15`.
        #[key = "transactionCheckMax"]
        transaction_check_max: i32 = 15,
        /// How often unresolved half messages are checked back, in ms. Default: `60000`.
        #[key = "transactionCheckInterval"]
        transaction_check_interval: u64 = 60_000,
        /// The remoting port for clients (the fast port is listenPort − 2). Default: `10911`.
        #[key = "listenPort", important = true]
        listen_port: u16 = 10911,
        /// The local address every listener of this broker binds (remoting, HA, DLedger peer
        /// port), as `bindAddress` of RocketMQ 5's NettyServerConfig: `127.0.0.1` keeps a demo off
        /// the network (`mqadmin fast-try` sets it). Default: `0.0.0.0` (every interface).
        #[key = "bindAddress"]
        bind_address: String = "0.0.0.0".to_owned(),
        /// The root of the store directory. Default: `~/store`.
        #[key = "storePathRootDir", important = true]
        store_path_root_dir: String = default_store_root(),
        /// The commit-log directory; see [`BrokerConfig::commit_log_dir`]. RocketMQ 4.x pins the
        /// default to `~/store/commitlog` whatever the root; 5.x follows the root, as we do.
        /// Default: unset, meaning `<storePathRootDir>/commitlog`.
        #[key = "storePathCommitLog", important = true]
        store_path_commit_log: Option<String> = None,
        /// Size of each commit-log file in bytes (spelled `mapedFileSizeCommitLog` up to 4.5.x).
        /// Default: `1073741824` (1 GiB).
        #[key = "mappedFileSizeCommitLog", alias = "mapedFileSizeCommitLog"]
        mapped_file_size_commit_log: u64 = 1024 * 1024 * 1024,
        /// Size of each consume-queue file in bytes, rounded up to a multiple of 20 by
        /// `validate`. Default: `6000000`.
        #[key = "mappedFileSizeConsumeQueue"]
        mapped_file_size_consume_queue: u64 = 300_000 * CQ_UNIT_SIZE as u64,
        /// Background flush interval of the commit log, in ms. Default: `500`.
        #[key = "flushIntervalCommitLog", important = true]
        flush_interval_commit_log: u64 = 500,
        /// Hours to keep commit-log files. Default: `72`.
        #[key = "fileReservedTime", important = true]
        file_reserved_time: u32 = 72,
        /// Hours of the day (`;`-separated, two digits) when expired files are deleted.
        /// Default: `04`.
        #[key = "deleteWhen", important = true]
        delete_when: String = "04".to_owned(),
        /// How often expired store files are looked for, in ms. Default: `10000`.
        #[key = "cleanResourceInterval"]
        clean_resource_interval: u64 = 10_000,
        /// Disk usage percentage above which old files are deleted early. Default: `75`.
        #[key = "diskMaxUsedSpaceRatio"]
        disk_max_used_space_ratio: u32 = 75,
        /// Largest message body accepted, in bytes. Default: `4194304` (4 MiB).
        #[key = "maxMessageSize"]
        max_message_size: u32 = 4 * 1024 * 1024,
        /// Build the key index (`index/`) that QUERY_MESSAGE (query by key) reads. Default: `true`.
        #[key = "messageIndexEnable"]
        message_index_enable: bool = true,
        /// Java counts index files in its crash-recovery start point when true; this broker
        /// always catches the index up after a crash, so the key is accepted and has no further
        /// effect. Default: `false`.
        #[key = "messageIndexSafe"]
        message_index_safe: bool = false,
        /// Hash slots per index file. Default: `5000000`.
        #[key = "maxHashSlotNum"]
        max_hash_slot_num: u32 = crate::store::format::index::DEFAULT_MAX_HASH_SLOT_NUM,
        /// Entries per index file (a file is 40 + 4 × maxHashSlotNum + 20 × maxIndexNum bytes,
        /// sparse). Default: `20000000`.
        #[key = "maxIndexNum"]
        max_index_num: u32 = crate::store::format::index::DEFAULT_MAX_INDEX_NUM,
        /// Most messages one query by key returns. Default: `64`.
        #[key = "maxMsgsNumBatch"]
        max_msgs_num_batch: u32 = 64,
        /// The result size of a query by unique key (`_UNIQUE_KEY_QUERY`). Default: `32`.
        #[key = "defaultQueryMaxNum"]
        default_query_max_num: u32 = 32,
        /// Master/Slave role. Default: `ASYNC_MASTER`.
        #[key = "brokerRole", important = true]
        broker_role: BrokerRole = BrokerRole::AsyncMaster,
        /// When the commit log is flushed. Default: `ASYNC_FLUSH`.
        #[key = "flushDiskType", important = true]
        flush_disk_type: FlushDiskType = FlushDiskType::AsyncFlush,
        /// How long a SYNC_FLUSH send waits for the flush, in ms. Default: `5000`.
        #[key = "syncFlushTimeout"]
        sync_flush_timeout: u64 = 5000,
        /// Delay levels for scheduled messages. Default:
        /// `1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h`.
        #[key = "messageDelayLevel"]
        message_delay_level: String = "1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h".to_owned(),
        /// The master's HA port; `validate` forces it to listenPort + 1 as RocketMQ 4.x does.
        /// Default: `10912`.
        #[key = "haListenPort"]
        ha_listen_port: u16 = 10912,
        /// How often a slave reports its offset to the master, in ms. Default: `5000`.
        #[key = "haSendHeartbeatInterval"]
        ha_send_heartbeat_interval: u64 = 5000,
        /// Largest chunk the master sends a slave at once, in bytes. Default: `32768`.
        #[key = "haTransferBatchSize"]
        ha_transfer_batch_size: u32 = 32 * 1024,
        /// The master's HA address for a slave; normally learned from the name server.
        /// Default: unset.
        #[key = "haMasterAddress", important = true]
        ha_master_address: Option<String> = None,
        /// How far a slave may lag before SYNC_MASTER sends fail, in bytes. Default: `268435456`.
        #[key = "haSlaveFallbehindMax"]
        ha_slave_fallbehind_max: u64 = 256 * 1024 * 1024,
        /// Replicate the commit log with DLedger (Raft) instead of Master/Slave. Default: `false`.
        #[key = "enableDLegerCommitLog"]
        enable_dleger_commit_log: bool = false,
        /// The DLedger group name; `validate` sets it to brokerName if unset. Default: unset.
        #[key = "dLegerGroup"]
        dleger_group: Option<String> = None,
        /// The DLedger peers, `id-host:port;…`. Default: unset.
        #[key = "dLegerPeers"]
        dleger_peers: Option<String> = None,
        /// This node's id in dLegerPeers: a letter followed by digits, e.g. `n0`. Default: unset.
        #[key = "dLegerSelfId"]
        dleger_self_id: Option<String> = None,
        /// The peer that should hold leadership once it has caught up. Default: unset.
        #[key = "preferredLeaderId"]
        preferred_leader_id: Option<String> = None,
        /// Pipeline appends to followers in batches. Default: `false`.
        #[key = "enableBatchPush"]
        enable_batch_push: bool = false,
        /// The DLedger data directory; see [`BrokerConfig::dledger_data_dir`]. Default: unset,
        /// meaning `<storePathRootDir>/dledger-<selfId>/data`.
        #[key = "storePathDLedgerCommitLog"]
        store_path_dledger_commit_log: Option<String> = None,
        /// Ours, not Java's: a file holding the DLedger group's shared secret (one line, at least
        /// 16 bytes, not readable by every user). Every Raft RPC carries it and a node refuses
        /// RPCs without it, so a host that merely reaches the DLedger port cannot vote or append;
        /// every node of the group names a file with the same token. Default: unset (no peer
        /// authentication; the broker warns at start).
        #[key = "dLegerPeerTokenFile"]
        dleger_peer_token_file: Option<String> = None,
        /// Client ACL as Java 4.9 does it: every request must be signed by an account of
        /// plain_acl.yml (or come from a trusted address) and be allowed by its permissions.
        /// Default: `false`.
        #[key = "aclEnable", important = true]
        acl_enable: bool = false,
        /// Ours, not Java's (Java only looks under `rocketmqHome`): the plain_acl.yml file to use
        /// with `aclEnable=true`; re-read when it changes. Default: unset, meaning
        /// `<rocketmqHome>/conf/plain_acl.yml`.
        #[key = "plainAclFile"]
        plain_acl_file: Option<String> = None,
        /// How often the DLedger leader sends heartbeats, in ms; Java DLedger's
        /// `heartBeatTimeIntervalMs` (2000 there). Also the time one AppendEntries RPC may take
        /// before openraft retries it. Default: `100`. The old spelling
        /// `dLegerHeartbeatIntervalMs` is still read.
        #[key = "dLegerHeartBeatTimeIntervalMs", alias = "dLegerHeartbeatIntervalMs"]
        dleger_heartbeat_interval_ms: u64 = DEFAULT_DLEDGER_HEARTBEAT_INTERVAL_MS,
        /// Ours: a follower that has heard no leader for a random time between this and
        /// `dLegerElectionTimeoutMaxMs` asks its peers for a pre-vote, in ms. Default: `200`.
        #[key = "dLegerElectionTimeoutMinMs"]
        dleger_election_timeout_min_ms: u64 = DEFAULT_DLEDGER_ELECTION_TIMEOUT_MIN_MS,
        /// Ours: the leader lease, in ms. A node that heard from a leader less than this ago
        /// grants no vote, so a leader must be silent this long before it is replaced (the
        /// kill -9 failover time is about this plus the election); a leader that has not reached
        /// a majority for this long refuses sends. Default: `300`.
        #[key = "dLegerElectionTimeoutMaxMs"]
        dleger_election_timeout_max_ms: u64 = DEFAULT_DLEDGER_ELECTION_TIMEOUT_MAX_MS,
        /// Ours: the largest remoting frame accepted, in bytes. Default: `16777216` (16 MiB).
        #[key = "maxFrameBytes"]
        max_frame_bytes: u32 = DEFAULT_MAX_FRAME_BYTES,
        /// Ours: the most client connections served at once. Default: `10000`.
        #[key = "maxConnections"]
        max_connections: u32 = DEFAULT_MAX_CONNECTIONS,
        /// Ours: requests handled at once on one connection; further ones are answered
        /// SYSTEM_BUSY (oneway ones dropped) until some finish, as Java's full processor queues
        /// do. Default: `4096`.
        #[key = "maxRequestsInFlightPerConnection"]
        max_requests_in_flight_per_connection: u32 = DEFAULT_MAX_REQUESTS_IN_FLIGHT_PER_CONNECTION,
        /// Java's NettyServerConfig key: a connection that completes no request frame for this
        /// long is closed, so a stalled or slow-loris client cannot hold a connection slot for
        /// ever. Default: `120`.
        #[key = "serverChannelMaxIdleTimeSeconds"]
        server_channel_max_idle_time_seconds: u64 = DEFAULT_SERVER_CHANNEL_MAX_IDLE_TIME_SECONDS,
        /// Java's NettyServerConfig key for the threads that handle requests; here the worker
        /// threads of the broker's runtime, which run every request, the store and the Raft
        /// node. Set it below the core count when several brokers share a host (the
        /// `conf/dledger` samples run three on one machine and use 1: more runnable threads than
        /// cores only adds wake-ups and migrations). Default: the number of CPUs.
        #[key = "serverWorkerThreads"]
        server_worker_threads: u32 = cpus(),
        /// Java 5's key: `PROM` serves `GET /metrics` (Prometheus text format) on
        /// `metricsPromExporterHost:metricsPromExporterPort`; `DISABLE` keeps no counters and
        /// binds no port. Default: `DISABLE`.
        #[key = "metricsExporterType"]
        metrics_exporter_type: MetricsExporterType = MetricsExporterType::Disable,
        /// Java 5's key: the address the exporter binds. Default: empty, meaning `brokerIP1`
        /// (as Java).
        #[key = "metricsPromExporterHost"]
        metrics_prom_exporter_host: String = String::new(),
        /// Java 5's key: the exporter's port (`0` picks a free one). Default: `5557`.
        #[key = "metricsPromExporterPort"]
        metrics_prom_exporter_port: u16 = DEFAULT_BROKER_PROM_PORT,
    }
}

impl BrokerConfig {
    /// The plain_acl.yml file `aclEnable=true` uses: `plainAclFile`, else
    /// `<rocketmqHome>/conf/plain_acl.yml`; `None` when neither is set.
    pub fn plain_acl_path(&self) -> Option<std::path::PathBuf> {
        match (&self.plain_acl_file, &self.rocketmq_home) {
            (Some(f), _) => Some(f.into()),
            (None, Some(home)) => {
                Some(std::path::Path::new(home).join(crate::broker::acl::DEFAULT_RELATIVE_PATH))
            }
            (None, None) => None,
        }
    }

    /// Checks the configuration and makes the adjustments `BrokerStartup` makes: masters get
    /// brokerId 0, DLedger nodes -1; haListenPort becomes listenPort + 1 (0 if listenPort is 0);
    /// dLegerGroup defaults to brokerName; mappedFileSizeConsumeQueue is rounded up to a multiple
    /// of 20. Returns warnings for problems that do not stop the broker.
    ///
    /// # Errors
    /// [`ConfigError::SlaveBrokerId`] for a SLAVE with brokerId <= 0, [`ConfigError::Missing`] or
    /// [`ConfigError::Invalid`] for bad DLedger settings (including a self address on listenPort),
    /// name-server addresses, ports or sizes. When the key at fault was read from a file, the
    /// error is wrapped in [`ConfigError::Located`] naming the file and line.
    pub fn validate(&mut self) -> Result<Vec<ConfigWarning>, ConfigError> {
        self.check().map_err(|e| self.origin.locate(e))
    }

    fn check(&mut self) -> Result<Vec<ConfigWarning>, ConfigError> {
        let mut warnings = Vec::new();

        match self.broker_role {
            BrokerRole::AsyncMaster | BrokerRole::SyncMaster => {
                if self.broker_id != 0 && !self.enable_dleger_commit_log {
                    warnings.push(ConfigWarning::BrokerIdOverridden {
                        configured: self.broker_id,
                        effective: 0,
                        reason: "a master always uses brokerId 0",
                    });
                }
                self.broker_id = 0;
            }
            BrokerRole::Slave => {
                if self.broker_id <= 0 {
                    return Err(ConfigError::SlaveBrokerId {
                        broker_id: self.broker_id,
                    });
                }
            }
        }

        let effective_ha = if self.listen_port == 0 {
            0
        } else {
            self.listen_port
                .checked_add(1)
                .ok_or_else(|| ConfigError::Invalid {
                    key: "listenPort",
                    value: self.listen_port.to_string(),
                    reason: "the HA port listenPort + 1 must also be a valid port".to_owned(),
                })?
        };
        // 10912 is the default; only a value the operator chose is worth a warning.
        if self.ha_listen_port != effective_ha && self.ha_listen_port != 10912 {
            warnings.push(ConfigWarning::HaListenPortOverridden {
                configured: self.ha_listen_port,
                effective: effective_ha,
            });
        }
        self.ha_listen_port = effective_ha;

        if let Some(list) = &self.namesrv_addr {
            for addr in split_namesrv_addr(list) {
                if !is_host_port(&addr) {
                    return Err(ConfigError::Invalid {
                        key: "namesrvAddr",
                        value: list.clone(),
                        reason: format!("{addr:?} is not host:port"),
                    });
                }
            }
        }

        if let Some(addr) = &self.ha_master_address {
            if !is_host_port(addr.trim()) {
                return Err(ConfigError::Invalid {
                    key: "haMasterAddress",
                    value: addr.clone(),
                    reason: "expected host:port".to_owned(),
                });
            }
        }

        for hour in self.delete_when.split(';') {
            if !hour.trim().parse::<u8>().is_ok_and(|h| h < 24) {
                return Err(ConfigError::Invalid {
                    key: "deleteWhen",
                    value: self.delete_when.clone(),
                    reason: "expected hours of the day (00-23) separated by ';'".to_owned(),
                });
            }
        }

        if let Err(e) = crate::store::delay::DelayLevels::parse(&self.message_delay_level) {
            return Err(ConfigError::Invalid {
                key: "messageDelayLevel",
                value: self.message_delay_level.clone(),
                reason: e.to_string(),
            });
        }

        let positive: [(&'static str, u64); 8] = [
            ("mappedFileSizeCommitLog", self.mapped_file_size_commit_log),
            ("serverWorkerThreads", u64::from(self.server_worker_threads)),
            ("mappedFileSizeConsumeQueue", self.mapped_file_size_consume_queue),
            ("maxMessageSize", u64::from(self.max_message_size)),
            ("maxFrameBytes", u64::from(self.max_frame_bytes)),
            ("maxConnections", u64::from(self.max_connections)),
            (
                "maxRequestsInFlightPerConnection",
                u64::from(self.max_requests_in_flight_per_connection),
            ),
            (
                "serverChannelMaxIdleTimeSeconds",
                self.server_channel_max_idle_time_seconds,
            ),
        ];
        require_positive(&positive)?;
        let unit = CQ_UNIT_SIZE as u64;
        self.mapped_file_size_consume_queue = self.mapped_file_size_consume_queue.div_ceil(unit) * unit;

        super::metrics::check_exporter_port(
            self.metrics_exporter_type,
            self.metrics_prom_exporter_port,
            &[self.listen_port, self.ha_listen_port],
        )?;
        if self.enable_dleger_commit_log {
            self.validate_dledger(&mut warnings)?;
        }
        Ok(warnings)
    }

    fn validate_dledger(&mut self, warnings: &mut Vec<ConfigWarning>) -> Result<(), ConfigError> {
        const WHY: &str = "when enableDLegerCommitLog=true";
        let peers = parse_peers(self.dleger_peers.as_deref().ok_or(ConfigError::Missing {
            key: "dLegerPeers",
            reason: WHY,
        })?)?;
        if peers.is_empty() {
            return Err(ConfigError::Missing {
                key: "dLegerPeers",
                reason: WHY,
            });
        }
        let self_id = self.dleger_self_id.as_deref().ok_or(ConfigError::Missing {
            key: "dLegerSelfId",
            reason: WHY,
        })?;
        if dledger_broker_id(self_id).is_none() {
            return Err(ConfigError::Invalid {
                key: "dLegerSelfId",
                value: self_id.to_owned(),
                reason: "expected a letter followed by digits, e.g. n0".to_owned(),
            });
        }
        let ids = || peers.iter().map(|p| p.id.as_str()).collect::<Vec<_>>().join(", ");
        if !peers.iter().any(|p| p.id == self_id) {
            return Err(ConfigError::Invalid {
                key: "dLegerSelfId",
                value: self_id.to_owned(),
                reason: format!("not one of the dLegerPeers ids ({})", ids()),
            });
        }
        let self_peer = peers.iter().find(|p| p.id == self_id);
        if let Some(port) = self_peer
            .and_then(|p| p.addr.rsplit_once(':'))
            .map(|(_, port)| port)
        {
            if self.listen_port != 0 && port.parse::<u16>() == Ok(self.listen_port) {
                return Err(ConfigError::Invalid {
                    key: "dLegerPeers",
                    value: self.dleger_peers.clone().unwrap_or_default(),
                    reason: format!(
                        "the address of {self_id} uses port {port}, which is listenPort; the DLedger \
                         port must differ from the remoting port"
                    ),
                });
            }
        }
        if let Some(preferred) = self.preferred_leader_id.as_deref() {
            if !peers.iter().any(|p| p.id == preferred.trim()) {
                return Err(ConfigError::Invalid {
                    key: "preferredLeaderId",
                    value: preferred.to_owned(),
                    reason: format!("not one of the dLegerPeers ids ({})", ids()),
                });
            }
        }
        if peers.len() < 3 {
            warnings.push(ConfigWarning::FewDLedgerPeers { count: peers.len() });
        }
        if self.dleger_group.is_none() {
            self.dleger_group = Some(self.broker_name.clone());
        }
        if self.dleger_heartbeat_interval_ms == 0
            || self.dleger_heartbeat_interval_ms >= self.dleger_election_timeout_min_ms
        {
            return Err(ConfigError::Invalid {
                key: "dLegerHeartBeatTimeIntervalMs",
                value: self.dleger_heartbeat_interval_ms.to_string(),
                reason: format!(
                    "must be > 0 and below dLegerElectionTimeoutMinMs ({})",
                    self.dleger_election_timeout_min_ms
                ),
            });
        }
        if self.dleger_election_timeout_min_ms >= self.dleger_election_timeout_max_ms {
            return Err(ConfigError::Invalid {
                key: "dLegerElectionTimeoutMaxMs",
                value: self.dleger_election_timeout_max_ms.to_string(),
                reason: format!(
                    "must be above dLegerElectionTimeoutMinMs ({})",
                    self.dleger_election_timeout_min_ms
                ),
            });
        }
        if self.broker_id != 0 && self.broker_id != -1 {
            warnings.push(ConfigWarning::BrokerIdOverridden {
                configured: self.broker_id,
                effective: -1,
                reason: "DLedger nodes register with -1 until their role is known",
            });
        }
        self.broker_id = -1;
        Ok(())
    }

    /// The DLedger peers; empty if dLegerPeers is unset. Call after `validate` for a checked list.
    ///
    /// # Errors
    /// As [`parse_peers`].
    pub fn peers(&self) -> Result<Vec<Peer>, ConfigError> {
        self.dleger_peers.as_deref().map_or(Ok(Vec::new()), parse_peers)
    }

    /// This node's entry in dLegerPeers, if dLegerSelfId names one.
    pub fn self_peer(&self) -> Option<Peer> {
        let self_id = self.dleger_self_id.as_deref()?;
        self.peers().ok()?.into_iter().find(|p| p.id == self_id)
    }

    /// The address clients reach this broker at: `brokerIP1:listenPort`.
    pub fn broker_addr(&self) -> String {
        format!("{}:{}", self.broker_ip1, self.listen_port)
    }

    /// The address slaves reach this master's HA service at: `brokerIP2:haListenPort`.
    pub fn ha_server_addr(&self) -> String {
        format!("{}:{}", self.broker_ip2, self.ha_listen_port)
    }

    /// The commit-log directory: storePathCommitLog, else `<storePathRootDir>/commitlog`.
    pub fn commit_log_dir(&self) -> PathBuf {
        match &self.store_path_commit_log {
            Some(dir) => PathBuf::from(dir),
            None => Path::new(&self.store_path_root_dir).join("commitlog"),
        }
    }

    /// The DLedger data directory: storePathDLedgerCommitLog, else
    /// `<storePathRootDir>/dledger-<selfId>/data`. `None` if neither is known.
    pub fn dledger_data_dir(&self) -> Option<PathBuf> {
        if let Some(dir) = &self.store_path_dledger_commit_log {
            return Some(PathBuf::from(dir));
        }
        let self_id = self.dleger_self_id.as_deref()?;
        Some(
            Path::new(&self.store_path_root_dir)
                .join(format!("dledger-{self_id}"))
                .join("data"),
        )
    }

    /// The name-server addresses, split on `;`; empty if none is configured.
    pub fn namesrv_addrs(&self) -> Vec<String> {
        self.namesrv_addr
            .as_deref()
            .map(split_namesrv_addr)
            .unwrap_or_default()
    }
}
