//! `upgrade-group`: migrate a local Master/Slave broker group to a three-node RocketMQ-on-DLedger
//! group, following the manual procedure of spec §6.3 but checked and resumable:
//!
//! 1. **preflight**: configs parse, the new nodes' stores hold no commitlog, enough free space
//!    for the copy, the DLedger peer ports are free, the master's store is readable;
//! 2. **stop-old**: SIGTERM the old brokers and wait until their store locks are free; then
//!    record what every queue and consumer offset of the master holds (from its files);
//! 3. **align**: compare the newest commitlog files of master and slave (verify-commitlog);
//!    complete a slave that is only behind, overwrite a divergent one only with `--align`; the
//!    master is never written;
//! 4. **copy**: copy the master's `commitlog/`, `config/`, `consumequeue/` and `checkpoint` to
//!    each new node (md5-verified per file), and its `config/`, `consumequeue/` and `checkpoint`
//!    to the slave;
//! 5. **configure**: back up each config to `<config>.bak-<timestamp>` and rewrite it in place
//!    as a DLedger node (`n0` = master, `n1` = slave, `n2` = third);
//! 6. **start**: start the three brokers and wait until the name server shows a BID 0 and two
//!    followers for the group;
//! 7. **check**: every old queue still has its max offset and its first and last message are
//!    readable from the leader, and every consumer offset is unchanged.
//!
//! Each finished step is recorded in a state file (`<third store root>/upgrade-group.json` by
//! default) so `--resume` continues after an interruption, and `rollback` can undo the upgrade
//! as long as the new group has not accepted a write.
//!
//! Every store access goes through [`NodeAdmin`] and every broker stop/start through
//! [`AnyNode`], so a NODE may be a local config file or `agent://HOST:PORT/BROKER` (a node agent
//! on another machine, [`super::node::remote`]); the state file then lives in the last node's
//! store root on its machine, read and written through its agent. Nothing here prints: progress
//! goes to an [`UpgradeReporter`].
//!
//! **Test hook.** With `MQADMIN_FAILPOINT=after:<step>` (a step name such as `after:copy`) the
//! process aborts right after that step is recorded in the state file; with
//! `MQADMIN_FAILPOINT=during:copy` it aborts once the first file of the copy step is copied.
//! `std::process::abort()` runs no clean-up, like `kill -9`: the fault tests use it to crash
//! mqadmin at an exact point and then check `--resume` and `--rollback`.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use broker::config::{parse_peers, BrokerConfig};
use broker::remoting::body::KvTable;
use broker::remoting::codes::{request, response};
use broker::remoting::headers::{
    OffsetResponseHeader, PullMessageRequestHeader, QueryConsumerOffsetRequestHeader, QueueRequestHeader,
};
use broker::remoting::RemotingCommand;
use broker::store::format::file_name_to_offset;
use broker::store::message::decode_records;
use serde::{Deserialize, Serialize};

use super::admin::{decode_json, request_with, Admin, AdminError};
use super::broker_process::ProcessError;
use super::fastjson::{self, Value};
use super::gen_config::{self, GenConfigError};
use super::node::{AnyNode, Area, NodeAdmin, NodeError};
use super::verify_commitlog::{self, Role, Verdict, VerifyError, VerifyOptions};

/// Default state file name, under the (first) third node's store root.
pub const STATE_FILE: &str = "upgrade-group.json";
/// Default distance from a node's listenPort to its DLedger peer port, as in the shipped
/// `broker-n0.conf` (listenPort 30911, peer 40911). Default: `10000`.
pub const PEER_PORT_OFFSET: u16 = 10000;
/// Copy chunk size (one download and one upload per chunk between two agents).
const CHUNK: u64 = 4 * 1024 * 1024;
/// Size of a consume-queue entry (spec §5.2).
const CQ_UNIT: u64 = 20;
/// Consumer group used for the read checks of step 7 (pulls never commit offsets).
pub const CHECK_GROUP: &str = "mqadmin_upgrade_check";

/// Why the upgrade stopped. [`UpgradeError::is_refusal`] separates "refused" (exit 1) from errors.
#[derive(Debug, thiserror::Error)]
pub enum UpgradeError {
    /// The input is inconsistent or the state does not allow the request.
    #[error("{0}")]
    Refused(String),
    /// A preflight check failed; nothing was changed.
    #[error("preflight failed; nothing was changed:\n  - {}", .0.join("\n  - "))]
    Preflight(Vec<String>),
    /// The slave's commitlog diverges from the master's and `--align` was not given.
    #[error(
        "the slave's commitlog diverges from the master's ({0}); nothing was changed. Pass --align to \
         overwrite the slave's files from the master"
    )]
    Divergent(String),
    /// Rollback is not allowed any more.
    #[error("rollback refused: {0}")]
    RollbackRefused(String),
    /// The new group came up but a check failed.
    #[error("post-upgrade check failed:\n  - {}", .0.join("\n  - "))]
    CheckFailed(Vec<String>),
    /// Waiting for the new group timed out.
    #[error("{0}")]
    Timeout(String),
    /// A store operation failed.
    #[error(transparent)]
    Node(#[from] NodeError),
    /// Comparing the master's and the slave's commitlogs could not run.
    #[error(transparent)]
    Verify(#[from] VerifyError),
    /// Stopping or starting a broker failed.
    #[error(transparent)]
    Process(Box<ProcessError>),
    /// Deriving a DLedger config failed.
    #[error(transparent)]
    Config(Box<GenConfigError>),
    /// Talking to the name server or a broker failed.
    #[error(transparent)]
    Admin(#[from] AdminError),
    /// The state file could not be read or written.
    #[error("failed to {action} the state file `{}`", path.display())]
    State {
        /// What we were doing.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

impl UpgradeError {
    /// Whether this is a refusal (exit 1) rather than an error (exit 2).
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            Self::Refused(_) | Self::Preflight(_) | Self::Divergent(_) | Self::RollbackRefused(_)
        )
    }
}

impl From<ProcessError> for UpgradeError {
    fn from(e: ProcessError) -> Self {
        Self::Process(Box::new(e))
    }
}

impl From<GenConfigError> for UpgradeError {
    fn from(e: GenConfigError) -> Self {
        Self::Config(Box::new(e))
    }
}

type Result<T, E = UpgradeError> = std::result::Result<T, E>;

/// The steps, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    /// Read-only checks.
    Preflight,
    /// Stop the old brokers.
    StopOld,
    /// Make the slave's commitlog equal to the master's.
    Align,
    /// Copy the master's store to the new node(s).
    Copy,
    /// Back up and rewrite the configs.
    Configure,
    /// Start the new group.
    Start,
    /// Check offsets and messages.
    Check,
}

impl Step {
    /// Every step, in order.
    pub const ALL: [Step; 7] = [
        Step::Preflight,
        Step::StopOld,
        Step::Align,
        Step::Copy,
        Step::Configure,
        Step::Start,
        Step::Check,
    ];

    /// The step's kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Preflight => "preflight",
            Self::StopOld => "stop-old",
            Self::Align => "align",
            Self::Copy => "copy",
            Self::Configure => "configure",
            Self::Start => "start",
            Self::Check => "check",
        }
    }
}

/// The part a node plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeRole {
    /// The old master; becomes `n0`.
    Master,
    /// The old slave; becomes `n1`.
    Slave,
    /// A new node seeded from the master.
    Third,
}

/// What to upgrade and how.
#[derive(Debug, Clone)]
pub struct UpgradeOptions {
    /// The master's broker config.
    pub master: PathBuf,
    /// The slave's broker config; without it, two `thirds` are needed.
    pub slave: Option<PathBuf>,
    /// The new node(s): one with a slave, two without.
    pub thirds: Vec<PathBuf>,
    /// `dLegerPeers`. Default: `n<i>-<brokerIP1>:<listenPort + 10000>`.
    pub peers: Option<String>,
    /// Name server list. Default: the master's `namesrvAddr`.
    pub namesrv: Option<String>,
    /// The state file. Default: `<first third's store root>/upgrade-group.json`.
    pub state_file: Option<PathBuf>,
    /// Allow overwriting a divergent slave from the master. Default: `false`.
    pub align: bool,
    /// Continue an interrupted run. Default: `false`.
    pub resume: bool,
    /// How many newest commitlog files are compared. Default: `2`.
    pub last: usize,
    /// Copy rate limit in MB/s. Default: none.
    pub throttle_mb_per_s: Option<f64>,
    /// Where `mqbroker` is.
    pub bin_dir: PathBuf,
    /// How long a broker may take to exit after SIGTERM. Default: 60 s.
    pub stop_grace: Duration,
    /// How long to wait for the new group to register a leader and two followers, and for the
    /// old pair after a rollback. Default: 90 s.
    pub group_timeout: Duration,
    /// The bearer token of the node agents (`agent://` nodes). Default: none.
    pub agent_token: Option<String>,
}

/// A finished step, as recorded in the state file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StepRecord {
    /// The step.
    pub step: Step,
    /// What it did.
    pub detail: String,
    /// When it finished (Unix seconds).
    pub finished_at: u64,
}

/// A config backup.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Backup {
    /// The config file.
    pub config: PathBuf,
    /// Its backup.
    pub backup: PathBuf,
}

/// A queue's max offset in the old master's store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueOffset {
    /// Topic.
    pub topic: String,
    /// Queue id.
    pub queue_id: i32,
    /// The first logical offset of the first consume-queue file (0 unless files were deleted).
    #[serde(default)]
    pub min_offset: i64,
    /// One past the last consume-queue entry.
    pub max_offset: i64,
}

/// A committed consumer offset in the old master's `config/consumerOffset.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsumerOffset {
    /// Topic.
    pub topic: String,
    /// Consumer group.
    pub group: String,
    /// Queue id.
    pub queue_id: i32,
    /// Offset.
    pub offset: i64,
}

/// The end of the old master's data in its last commitlog file. A DLedger node's first start
/// seals that file with an 8-byte blank at this position (spec §6.3, step 2), on the master and
/// on every copy; a rollback removes the blank so the old pair gets its files back byte for byte.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitLogEnd {
    /// The last commitlog file's name.
    pub file: String,
    /// Its size.
    pub size: u64,
    /// The position just after its last non-zero byte (where the seal blank goes).
    pub end: u64,
}

/// The state file: who is who, what is done, and what the old store held.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpgradeState {
    /// The master's config.
    pub master: PathBuf,
    /// The slave's config.
    pub slave: Option<PathBuf>,
    /// The new nodes' configs.
    pub thirds: Vec<PathBuf>,
    /// brokerClusterName.
    pub cluster: String,
    /// brokerName = dLegerGroup.
    pub group: String,
    /// dLegerPeers.
    pub peers: String,
    /// Name servers.
    pub namesrv: String,
    /// Finished steps.
    pub steps: Vec<StepRecord>,
    /// Config backups made by `configure`.
    pub backups: Vec<Backup>,
    /// Queue max offsets of the old master (recorded by `stop-old`).
    pub queues: Vec<QueueOffset>,
    /// Consumer offsets of the old master (recorded by `stop-old`).
    pub consumer_offsets: Vec<ConsumerOffset>,
    /// Where the old master's commitlog data ended (recorded by `stop-old`).
    #[serde(default)]
    pub commitlog_end: Option<CommitLogEnd>,
    /// The leader found by `start`.
    pub leader: Option<String>,
    /// Set by a finished rollback; a new run may then start afresh.
    pub rolled_back: bool,
}

impl UpgradeState {
    fn done(&self, step: Step) -> Option<&StepRecord> {
        self.steps.iter().find(|r| r.step == step)
    }
}

/// One node of the new group.
#[derive(Debug, Clone, Serialize)]
pub struct NodeLine {
    /// `n0`, `n1`, `n2`.
    pub self_id: String,
    /// What it was.
    pub role: NodeRole,
    /// Its config file.
    pub config: PathBuf,
    /// Its store root.
    pub store_root: PathBuf,
    /// Its broker address (brokerIP1:listenPort).
    pub addr: String,
    /// Its DLedger peer address.
    pub peer: String,
}

/// One step in the plan or the report.
#[derive(Debug, Clone, Serialize)]
pub struct StepLine {
    /// 1-based.
    pub number: usize,
    /// The step.
    pub step: Step,
    /// `planned`, `done`, `done earlier` or `skipped`.
    pub status: String,
    /// What it will do or did.
    pub detail: String,
}

/// The plan (with `--dry-run`) or what was done.
#[derive(Debug, Clone, Serialize)]
pub struct UpgradeReport {
    /// Whether anything was changed.
    pub dry_run: bool,
    /// The state file.
    pub state_file: PathBuf,
    /// The DLedger group.
    pub group: String,
    /// dLegerPeers.
    pub peers: String,
    /// The nodes.
    pub nodes: Vec<NodeLine>,
    /// The steps.
    pub steps: Vec<StepLine>,
    /// The leader's address once the group runs.
    pub leader: Option<String>,
}

/// Progress of a run. Called from the thread running the upgrade.
pub trait UpgradeReporter: Sync {
    /// Step `number` starts.
    fn on_step(&self, number: usize, step: Step, detail: &str);
    /// A copy of `bytes` bytes starts.
    fn on_copy_start(&self, what: &str, bytes: u64);
    /// `bytes` more bytes were copied.
    fn on_copy_bytes(&self, bytes: u64);
    /// The copy is over.
    fn on_copy_done(&self);
}

/// A reporter that ignores everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoReporter;

impl UpgradeReporter for NoReporter {
    fn on_step(&self, _: usize, _: Step, _: &str) {}
    fn on_copy_start(&self, _: &str, _: u64) {}
    fn on_copy_bytes(&self, _: u64) {}
    fn on_copy_done(&self) {}
}

/// A loaded node.
struct Node {
    role: NodeRole,
    self_id: String,
    config_path: PathBuf,
    config: BrokerConfig,
    store: AnyNode,
}

impl Node {
    fn addr(&self) -> String {
        format!("{}:{}", self.config.broker_ip1, self.config.listen_port)
    }
}

/// Everything a run needs: nodes, state, paths.
pub struct Upgrade {
    options: UpgradeOptions,
    nodes: Vec<Node>,
    state_at: StateAt,
    state_file: PathBuf,
    state: UpgradeState,
    preflight: Vec<String>,
}

/// Environment variable of the test hook described in the module header.
pub const FAILPOINT_ENV: &str = "MQADMIN_FAILPOINT";

/// Aborts the process (no clean-up, as `kill -9`) when [`FAILPOINT_ENV`] equals `point`; a test
/// hook, a no-op otherwise.
fn failpoint(point: &str) {
    if std::env::var_os(FAILPOINT_ENV).is_some_and(|v| v == point) {
        std::process::abort();
    }
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn load_node(role: NodeRole, self_id: String, path: &Path, token: Option<&str>) -> Result<Node> {
    let spec = path.to_string_lossy();
    let store = AnyNode::open(&self_id, &spec, token)?;
    let config_error = |source| {
        UpgradeError::Node(NodeError::Config {
            role: format!("{role:?}").to_lowercase(),
            source,
        })
    };
    let config = match &store {
        AnyNode::Local(_) => BrokerConfig::from_properties_file(path).map_err(config_error)?.0,
        AnyNode::Remote(remote) => {
            let text = store.read_config()?;
            let props = broker::properties::parse(&text).map_err(|e| {
                config_error(broker::config::ConfigError::Syntax {
                    location: broker::config::Location {
                        file: Some(remote.remote_config().to_path_buf()),
                        line: e.line,
                    },
                    message: e.message,
                })
            })?;
            BrokerConfig::from_properties(&props, Some(remote.remote_config()))
                .map_err(config_error)?
                .0
        }
    };
    Ok(Node {
        role,
        self_id,
        config_path: path.to_path_buf(),
        config,
        store,
    })
}

fn default_peers(nodes: &[Node]) -> Result<String> {
    let mut parts = Vec::new();
    for n in nodes {
        let port = n
            .config
            .listen_port
            .checked_add(PEER_PORT_OFFSET)
            .ok_or_else(|| {
                UpgradeError::Refused(format!(
                    "listenPort {} + {PEER_PORT_OFFSET} does not fit a port; pass --peers",
                    n.config.listen_port
                ))
            })?;
        parts.push(format!("{}-{}:{port}", n.self_id, n.config.broker_ip1));
    }
    Ok(parts.join(";"))
}

/// Where the state file lives: a local file, or `upgrade-group.json` in the store root of a node
/// behind an agent (index into the nodes).
#[derive(Debug, Clone, Copy)]
enum StateAt {
    Local,
    Node(usize),
}

fn state_err(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> UpgradeError {
    let path = path.to_path_buf();
    move |source| UpgradeError::State { action, path, source }
}

fn read_state(at: StateAt, nodes: &[Node], path: &Path) -> Result<Option<UpgradeState>> {
    let bytes = match at {
        StateAt::Local => match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(state_err("read", path)(source)),
        },
        StateAt::Node(i) => {
            let store = &nodes[i].store;
            if !store
                .list_tree(Area::Root, STATE_FILE)?
                .iter()
                .any(|f| f.rel == STATE_FILE)
            {
                return Ok(None);
            }
            store.read_file(Area::Root, STATE_FILE, 0..u64::MAX)?
        }
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| state_err("parse", path)(std::io::Error::other(e)))
}

impl Upgrade {
    /// Loads the nodes and the state file and runs the read-only preflight checks (their failures
    /// are kept for [`Upgrade::report`] and make [`Upgrade::apply`] refuse).
    ///
    /// # Errors
    /// Unloadable configs, a bad node count, an unreadable state file, or a state that does not
    /// allow this run (an interrupted run without `--resume`, `--resume` without a state).
    pub fn plan(options: UpgradeOptions) -> Result<Self> {
        let want_thirds = if options.slave.is_some() { 1 } else { 2 };
        if options.thirds.len() != want_thirds {
            return Err(UpgradeError::Refused(format!(
                "a DLedger group has three nodes: pass --master, --slave and one --third, or --master \
                 and two --third (got {} --third)",
                options.thirds.len()
            )));
        }
        let token = options.agent_token.as_deref();
        let mut nodes = vec![load_node(NodeRole::Master, "n0".into(), &options.master, token)?];
        if let Some(slave) = &options.slave {
            nodes.push(load_node(NodeRole::Slave, "n1".into(), slave, token)?);
        }
        for third in &options.thirds {
            let id = format!("n{}", nodes.len());
            nodes.push(load_node(NodeRole::Third, id, third, token)?);
        }
        let last = &nodes[nodes.len() - 1];
        let (state_at, state_file) = match &options.state_file {
            Some(path) => (StateAt::Local, path.clone()),
            None if last.store.is_remote() => (
                StateAt::Node(nodes.len() - 1),
                PathBuf::from(format!("{}:{}", last.config_path.display(), STATE_FILE)),
            ),
            None => (StateAt::Local, last.store.store_root().join(STATE_FILE)),
        };
        let existing = read_state(state_at, &nodes, &state_file)?.filter(|s| !s.rolled_back);
        let state = match (existing, options.resume) {
            (Some(mut s), true) => {
                if s.master != options.master || s.slave != options.slave || s.thirds != options.thirds {
                    return Err(UpgradeError::Refused(format!(
                        "the state file `{}` is for other nodes",
                        state_file.display()
                    )));
                }
                // The name server may have moved (or been mistyped) since the interrupted run.
                if let Some(ns) = &options.namesrv {
                    s.namesrv.clone_from(ns);
                }
                s
            }
            (None, true) => {
                return Err(UpgradeError::Refused(format!(
                    "nothing to resume: no state file `{}`",
                    state_file.display()
                )))
            }
            (Some(s), false) if s.done(Step::Check).is_some() => {
                return Err(UpgradeError::Refused(format!(
                    "this group was already upgraded (state file `{}`)",
                    state_file.display()
                )))
            }
            (Some(s), false) if !s.steps.is_empty() => {
                return Err(UpgradeError::Refused(format!(
                    "a previous run stopped after step {}; pass --resume to continue or --rollback to undo \
                     (state file `{}`)",
                    s.steps.last().map_or("?", |r| r.step.as_str()),
                    state_file.display()
                )))
            }
            _ => {
                let master = &nodes[0].config;
                let namesrv = options
                    .namesrv
                    .clone()
                    .or_else(|| master.namesrv_addr.clone())
                    .ok_or_else(|| {
                        UpgradeError::Refused(
                            "no name server: pass -n/--namesrvAddr or set namesrvAddr in the master's config"
                                .into(),
                        )
                    })?;
                let peers = match &options.peers {
                    Some(p) => p.clone(),
                    None => default_peers(&nodes)?,
                };
                UpgradeState {
                    master: options.master.clone(),
                    slave: options.slave.clone(),
                    thirds: options.thirds.clone(),
                    cluster: master.broker_cluster_name.clone(),
                    group: master.broker_name.clone(),
                    peers,
                    namesrv,
                    ..UpgradeState::default()
                }
            }
        };
        let mut upgrade = Self {
            options,
            nodes,
            state_at,
            state_file,
            state,
            preflight: Vec::new(),
        };
        if upgrade.state.done(Step::Preflight).is_none() {
            upgrade.preflight = upgrade.preflight_problems()?;
        }
        Ok(upgrade)
    }

    /// Problems found by the read-only checks of step 1.
    fn preflight_problems(&self) -> Result<Vec<String>> {
        let mut problems = Vec::new();
        let peers = match parse_peers(&self.state.peers) {
            Ok(p) => p,
            Err(e) => {
                problems.push(e.to_string());
                Vec::new()
            }
        };
        if !peers.is_empty() {
            let ids: Vec<&str> = peers.iter().map(|p| p.id.as_str()).collect();
            if ids != ["n0", "n1", "n2"] {
                problems.push(format!(
                    "dLegerPeers must name n0, n1 and n2 in that order, not {ids:?}"
                ));
            }
        }
        for (i, p) in peers.iter().enumerate() {
            let port = p
                .addr
                .rsplit_once(':')
                .and_then(|(_, port)| port.parse::<u16>().ok());
            // Each peer port is checked on the machine of the node that will listen on it.
            let node = self.nodes.get(i).unwrap_or(&self.nodes[0]);
            match port {
                Some(port) if !node.store.port_free(port)? => problems.push(format!(
                    "DLedger peer port {port} of {} is in use{}",
                    p.id,
                    (!node.store.is_remote())
                        .then(|| super::fast_try::port_owner(port))
                        .flatten()
                        .map(|o| format!(" by {o}"))
                        .unwrap_or_default()
                )),
                Some(_) => {}
                None => problems.push(format!("peer {} has no port: {:?}", p.id, p.addr)),
            }
        }
        let master = &self.nodes[0];
        for n in &self.nodes[1..] {
            if n.store.store_root() == master.store.store_root() {
                problems.push(format!(
                    "{} shares the master's store root",
                    n.config_path.display()
                ));
            }
        }
        if let Some(slave) = self.nodes.iter().find(|n| n.role == NodeRole::Slave) {
            if slave.config.broker_name != master.config.broker_name {
                problems.push(format!(
                    "the slave's brokerName {:?} differs from the master's {:?}",
                    slave.config.broker_name, master.config.broker_name
                ));
            }
        }
        let master_files = match master.store.list_files() {
            Ok(f) if f.is_empty() => {
                problems.push(format!(
                    "the master's commitlog `{}` holds no file",
                    master.store.commitlog_dir().display()
                ));
                Vec::new()
            }
            Ok(f) => f,
            Err(e) => {
                problems.push(format!("the master's store is not readable: {e}"));
                Vec::new()
            }
        };
        if let Some(last) = master_files.last() {
            if let Err(e) = master.store.read_range(&last.name, 0..4096) {
                problems.push(format!("the master's store is not readable: {e}"));
            }
        }
        let mut copy_bytes: u64 = master_files.iter().map(|f| f.size).sum();
        for sub in ["config", "consumequeue"] {
            copy_bytes += master
                .store
                .list_tree(Area::Root, sub)?
                .iter()
                .map(|f| f.size)
                .sum::<u64>();
        }
        for n in self.nodes.iter().filter(|n| n.role == NodeRole::Third) {
            match n.store.list_files() {
                Ok(files) if !files.is_empty() => problems.push(format!(
                    "the new node {} already has a commitlog in `{}`; it must start empty",
                    n.config_path.display(),
                    n.store.commitlog_dir().display()
                )),
                _ => {}
            }
            if let Some(lock) = n.store.lock_state()? {
                if lock.locked {
                    problems.push(format!(
                        "a broker is running on the new node's store `{}`",
                        lock.path.display()
                    ));
                }
            }
            if !n.store.port_free(n.config.listen_port)? {
                problems.push(format!(
                    "listenPort {} of the new node {} is in use",
                    n.config.listen_port,
                    n.config_path.display()
                ));
            }
            let free = n.store.free_space()?;
            if free < copy_bytes {
                problems.push(format!(
                    "the new node's store `{}` has {free} bytes free, the copy needs {copy_bytes}",
                    n.store.store_root().display()
                ));
            }
        }
        Ok(problems)
    }

    /// The plan: every step with what it will do (or did, when resuming).
    pub fn report(&self, dry_run: bool) -> UpgradeReport {
        let peers: BTreeMap<String, String> = parse_peers(&self.state.peers)
            .map(|ps| ps.into_iter().map(|p| (p.id, p.addr)).collect())
            .unwrap_or_default();
        let nodes = self
            .nodes
            .iter()
            .map(|n| NodeLine {
                self_id: n.self_id.clone(),
                role: n.role,
                config: n.config_path.clone(),
                store_root: n.store.store_root().to_path_buf(),
                addr: n.addr(),
                peer: peers.get(&n.self_id).cloned().unwrap_or_default(),
            })
            .collect();
        let steps = Step::ALL
            .iter()
            .enumerate()
            .map(|(i, step)| match self.state.done(*step) {
                Some(r) => StepLine {
                    number: i + 1,
                    step: *step,
                    status: "done earlier".into(),
                    detail: r.detail.clone(),
                },
                None => StepLine {
                    number: i + 1,
                    step: *step,
                    status: if *step == Step::Preflight && !self.preflight.is_empty() {
                        "failed".into()
                    } else {
                        "planned".into()
                    },
                    detail: self.describe(*step),
                },
            })
            .collect();
        UpgradeReport {
            dry_run,
            state_file: self.state_file.clone(),
            group: self.state.group.clone(),
            peers: self.state.peers.clone(),
            nodes,
            steps,
            leader: self.state.leader.clone(),
        }
    }

    /// The preflight problems (empty when the checks passed or ran in an earlier run).
    pub fn preflight(&self) -> &[String] {
        &self.preflight
    }

    fn describe(&self, step: Step) -> String {
        let master = &self.nodes[0];
        let thirds: Vec<String> = self
            .nodes
            .iter()
            .filter(|n| n.role == NodeRole::Third)
            .map(|n| n.store.store_root().display().to_string())
            .collect();
        match step {
            Step::Preflight if self.preflight.is_empty() => {
                "configs parse, new stores empty, disk space, peer ports free, master readable: ok".into()
            }
            Step::Preflight => self.preflight.join("; "),
            Step::StopOld => format!(
                "SIGTERM the mqbroker of {}{}, wait for the store locks",
                master.config_path.display(),
                self.slave()
                    .map(|s| format!(" and {}", s.config_path.display()))
                    .unwrap_or_default()
            ),
            Step::Align => match self.slave() {
                Some(_) => format!(
                    "compare the last {} commitlog files; complete a lagging slave from the master{}",
                    self.options.last,
                    if self.options.align {
                        ", overwrite divergent files (--align)"
                    } else {
                        "; refuse if divergent"
                    }
                ),
                None => "no slave: nothing to align".into(),
            },
            Step::Copy => format!(
                "copy commitlog/, config/, consumequeue/ and checkpoint of the master to {}{}",
                thirds.join(" and "),
                if self.slave().is_some() {
                    "; config/, consumequeue/ and checkpoint to the slave"
                } else {
                    ""
                }
            ),
            Step::Configure => format!(
                "back up each config to <config>.bak-<time>, write DLedger configs (group {}, peers {})",
                self.state.group, self.state.peers
            ),
            Step::Start => format!(
                "start 3 mqbroker, wait for one BID 0 and two followers at {}",
                self.state.namesrv
            ),
            Step::Check => {
                "every old queue keeps its max offset and its first/last message; consumer offsets unchanged"
                    .into()
            }
        }
    }

    fn slave(&self) -> Option<&Node> {
        self.nodes.iter().find(|n| n.role == NodeRole::Slave)
    }

    fn save(&self) -> Result<()> {
        let bytes = serde_json::to_vec_pretty(&self.state)
            .map_err(|e| state_err("encode", &self.state_file)(std::io::Error::other(e)))?;
        match self.state_at {
            StateAt::Local => {
                let err = |action| state_err(action, &self.state_file);
                if let Some(dir) = self.state_file.parent() {
                    std::fs::create_dir_all(dir).map_err(err("create the directory of"))?;
                }
                let tmp = PathBuf::from(format!("{}.tmp", self.state_file.display()));
                std::fs::write(&tmp, bytes).map_err(err("write"))?;
                std::fs::rename(&tmp, &self.state_file).map_err(err("replace"))
            }
            StateAt::Node(i) => {
                let store = &self.nodes[i].store;
                let tmp = format!("{STATE_FILE}.tmp");
                store.remove(Area::Root, &tmp)?;
                store.write_file(Area::Root, &tmp, 0, &bytes)?;
                store.finish_file(Area::Root, &tmp, bytes.len() as u64)?;
                store.rename_file(Area::Root, &tmp, STATE_FILE)?;
                Ok(())
            }
        }
    }

    fn forget_state(&self) {
        match self.state_at {
            StateAt::Local => {
                let _ = std::fs::remove_file(&self.state_file);
            }
            StateAt::Node(i) => {
                let _ = self.nodes[i].store.remove(Area::Root, STATE_FILE);
            }
        }
    }

    /// Runs every step not done yet, saving the state after each.
    ///
    /// # Errors
    /// [`UpgradeError::Preflight`] (nothing changed), [`UpgradeError::Divergent`] (nothing
    /// changed), and failures of the steps; the state file then says where to resume.
    pub async fn apply(mut self, reporter: &dyn UpgradeReporter) -> Result<UpgradeReport> {
        if !self.preflight.is_empty() {
            return Err(UpgradeError::Preflight(self.preflight.clone()));
        }
        let mut ran = Vec::new();
        for (i, step) in Step::ALL.iter().enumerate() {
            if self.state.done(*step).is_some() {
                continue;
            }
            reporter.on_step(i + 1, *step, &self.describe(*step));
            let detail = match step {
                Step::Preflight => self.describe(Step::Preflight),
                Step::StopOld => self.stop_old().await?,
                Step::Align => match self.align(reporter) {
                    Ok(detail) => detail,
                    Err(e @ UpgradeError::Divergent(_)) => {
                        // Nothing was written yet (stopping the old brokers changed no file), so
                        // forget this run: the next one, with --align, starts afresh.
                        self.forget_state();
                        return Err(e);
                    }
                    Err(e) => return Err(e),
                },
                Step::Copy => self.copy(reporter)?,
                Step::Configure => self.configure()?,
                Step::Start => self.start().await?,
                Step::Check => self.check().await?,
            };
            self.state.steps.push(StepRecord {
                step: *step,
                detail,
                finished_at: now_secs(),
            });
            self.save()?;
            failpoint(&format!("after:{}", step.as_str()));
            ran.push(*step);
        }
        let mut report = self.report(false);
        for line in &mut report.steps {
            if ran.contains(&line.step) {
                line.status = "done".into();
            }
        }
        Ok(report)
    }

    async fn stop_old(&mut self) -> Result<String> {
        let mut said = Vec::new();
        for n in self.nodes.iter().filter(|n| n.role != NodeRole::Third) {
            let r = n.store.stop(&n.config_path, self.options.stop_grace).await?;
            said.push(format!("{} {}", n.self_id, r.action));
        }
        let master = &self.nodes[0].store;
        if let Some(last) = master.list_files()?.pop() {
            let digest = master.digest_file(Area::CommitLog, &last.name, 0..u64::MAX)?;
            self.state.commitlog_end = Some(CommitLogEnd {
                file: last.name,
                size: last.size,
                end: digest.data_end.unwrap_or(0),
            });
        }
        self.state.queues = queue_offsets(&**master)?;
        self.state.consumer_offsets = consumer_offsets(&**master)?;
        Ok(format!(
            "{}; recorded {} queues and {} consumer offsets",
            said.join(", "),
            self.state.queues.len(),
            self.state.consumer_offsets.len()
        ))
    }

    fn align(&mut self, reporter: &dyn UpgradeReporter) -> Result<String> {
        let Some(slave) = self.slave() else {
            return Ok("skipped: no slave".into());
        };
        let master = &self.nodes[0];
        let verify = verify_commitlog::verify_commitlog(
            &VerifyOptions {
                nodes: vec![
                    (Role::Master, master.store.boxed_store()),
                    (Role::Slave, slave.store.boxed_store()),
                ],
                last: self.options.last,
                allow_running: false,
            },
            &verify_commitlog::NoReporter,
        )?;
        let bad: Vec<String> = verify
            .files
            .iter()
            .filter(|f| {
                f.verdict == Verdict::Divergent
                    || (f.verdict == Verdict::Missing && f.copies.first().is_some_and(Option::is_none))
            })
            .map(|f| match f.comparisons.first().and_then(|c| c.first_difference) {
                Some(at) => format!("{} differs at offset {at}", f.name),
                None => format!("{} exists on the slave only", f.name),
            })
            .collect();
        if !bad.is_empty() && !self.options.align {
            return Err(UpgradeError::Divergent(bad.join(", ")));
        }
        let (mut completed, mut overwritten, mut identical, mut moved) = (0, 0, 0, 0);
        let stamp = now_secs();
        for f in &verify.files {
            let master_copy = f.copies.first().cloned().flatten();
            let slave_copy = f.copies.get(1).cloned().flatten();
            match (f.verdict, master_copy, slave_copy) {
                (Verdict::Identical, _, _) => identical += 1,
                (Verdict::SlaveBehind, Some(m), Some(s)) => {
                    copy_file(
                        &*master.store,
                        &*slave.store,
                        Area::CommitLog,
                        &f.name,
                        s.written..m.size,
                        self.options.throttle_mb_per_s,
                        reporter,
                    )?;
                    completed += 1;
                }
                (_, Some(m), None) => {
                    copy_file(
                        &*master.store,
                        &*slave.store,
                        Area::CommitLog,
                        &f.name,
                        0..m.size,
                        self.options.throttle_mb_per_s,
                        reporter,
                    )?;
                    completed += 1;
                }
                (_, Some(m), Some(_)) => {
                    slave.store.remove(Area::CommitLog, &f.name)?;
                    copy_file(
                        &*master.store,
                        &*slave.store,
                        Area::CommitLog,
                        &f.name,
                        0..m.size,
                        self.options.throttle_mb_per_s,
                        reporter,
                    )?;
                    overwritten += 1;
                }
                (_, None, Some(_)) => {
                    slave.store.rename_file(
                        Area::CommitLog,
                        &f.name,
                        &format!("{}.divergent-{stamp}", f.name),
                    )?;
                    moved += 1;
                }
                (_, None, None) => {}
            }
        }
        // Older master files the slave never had (a slave that attached late starts at the master's
        // then-newest file): every node must hold the same old commitlog, so copy them too.
        let compared: Vec<&str> = verify.files.iter().map(|f| f.name.as_str()).collect();
        let on_slave: Vec<String> = slave.store.list_files()?.into_iter().map(|f| f.name).collect();
        let mut filled = 0;
        for f in master.store.list_files()? {
            if compared.contains(&f.name.as_str()) || on_slave.contains(&f.name) {
                continue;
            }
            copy_file(
                &*master.store,
                &*slave.store,
                Area::CommitLog,
                &f.name,
                0..f.size,
                self.options.throttle_mb_per_s,
                reporter,
            )?;
            filled += 1;
        }
        Ok(format!(
            "{identical} identical, {completed} completed from the master, {overwritten} overwritten, \
             {moved} slave-only moved aside, {filled} older file(s) the slave lacked copied"
        ))
    }

    fn copy(&mut self, reporter: &dyn UpgradeReporter) -> Result<String> {
        let master = &self.nodes[0];
        let mut commitlog = Vec::new();
        for f in master.store.list_files()? {
            commitlog.push((Area::CommitLog, f.name, f.size));
        }
        let mut store = Vec::new();
        for sub in ["config", "consumequeue"] {
            for f in master.store.list_tree(Area::Root, sub)? {
                store.push((Area::Root, f.rel, f.size));
            }
        }
        if let Some(f) = master
            .store
            .list_tree(Area::Root, "checkpoint")?
            .into_iter()
            .find(|f| f.rel == "checkpoint")
        {
            store.push((Area::Root, f.rel, f.size));
        }
        let mut said = Vec::new();
        for n in self.nodes.iter().filter(|n| n.role != NodeRole::Master) {
            let files: Vec<&(Area, String, u64)> = match n.role {
                NodeRole::Third => commitlog.iter().chain(store.iter()).collect(),
                _ => store.iter().collect(),
            };
            // A resumed copy starts over: files are small next to a failed half-copy's doubt.
            n.store.remove(Area::Root, "consumequeue")?;
            if n.role == NodeRole::Third {
                for f in &commitlog {
                    n.store.remove(Area::CommitLog, &f.1)?;
                }
            }
            let bytes: u64 = files.iter().map(|f| f.2).sum();
            reporter.on_copy_start(&format!("copy to {}", n.self_id), bytes);
            for (area, rel, size) in files {
                n.store.remove(*area, rel)?;
                copy_file(
                    &*master.store,
                    &*n.store,
                    *area,
                    rel,
                    0..*size,
                    self.options.throttle_mb_per_s,
                    reporter,
                )?;
                failpoint("during:copy");
            }
            reporter.on_copy_done();
            said.push(format!(
                "{} files ({bytes} bytes) to {}",
                files_len(n.role, &commitlog, &store),
                n.self_id
            ));
        }
        Ok(format!("copied and md5-verified {}", said.join(", ")))
    }

    fn configure(&mut self) -> Result<String> {
        let stamp = now_secs();
        for n in &self.nodes {
            if !self.state.backups.iter().any(|b| b.config == n.config_path) {
                let backup = n.store.backup_config(&format!(".bak-{stamp}"))?;
                self.state.backups.push(Backup {
                    config: n.config_path.clone(),
                    backup,
                });
                self.save()?;
            }
            let backup = self
                .state
                .backups
                .iter()
                .find(|b| b.config == n.config_path)
                .map(|b| b.backup.clone())
                .unwrap_or_default();
            let old = n.store.read_config_backup(&backup)?;
            let text = gen_config::derive_node_text(
                &n.config_path.display().to_string(),
                &old,
                &self.state.cluster,
                &self.state.group,
                &self.state.peers,
                &n.self_id,
            )?;
            n.store.write_config(&text)?;
        }
        Ok(format!(
            "backed up and rewrote {} configs (backups *.bak-{stamp})",
            self.nodes.len()
        ))
    }

    async fn start(&mut self) -> Result<String> {
        let mut pids = Vec::new();
        for n in &self.nodes {
            if !n.store.running(&n.config_path).await? {
                let r = n.store.start(&n.config_path, &self.options.bin_dir).await?;
                pids.extend(r.pids);
            }
        }
        let admin = Admin::new(&self.state.namesrv);
        let leader = wait_for_group(&admin, &self.state.group, 3, None, self.options.group_timeout).await?;
        self.state.leader = Some(leader.clone());
        Ok(format!(
            "started pids {pids:?}; leader {leader} and two followers registered"
        ))
    }

    async fn check(&mut self) -> Result<String> {
        let admin = Admin::new(&self.state.namesrv);
        let deadline = Instant::now() + self.options.group_timeout;
        // The leader serves reads once it has replayed the old log, and leadership may still
        // move right after the election: re-resolve BID 0 and retry until the deadline.
        let leader = loop {
            let leader =
                wait_for_group(&admin, &self.state.group, 3, None, self.options.group_timeout).await?;
            self.state.leader = Some(leader.clone());
            let problems = check_offsets(&admin, &leader, &self.state).await;
            if problems.is_empty() {
                break leader;
            }
            if Instant::now() > deadline {
                return Err(UpgradeError::CheckFailed(problems));
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        };
        Ok(format!(
            "{} queues (max offset, first and last message) and {} consumer offsets match on {leader}",
            self.state.queues.len(),
            self.state.consumer_offsets.len()
        ))
    }
}

fn files_len(role: NodeRole, commitlog: &[(Area, String, u64)], store: &[(Area, String, u64)]) -> usize {
    match role {
        NodeRole::Third => commitlog.len() + store.len(),
        _ => store.len(),
    }
}

/// Copies `range` of a file from `src` to `dst` in chunks (all-zero chunks are not written: the
/// destination is extended with zeros instead, as commitlog files are preallocated), sets the
/// destination's length to the source's, and checks that the md5 of both whole files match.
fn copy_file(
    src: &dyn NodeAdmin,
    dst: &dyn NodeAdmin,
    area: Area,
    rel: &str,
    range: Range<u64>,
    throttle_mb_per_s: Option<f64>,
    reporter: &dyn UpgradeReporter,
) -> Result<()> {
    let started = Instant::now();
    let mut pos = range.start;
    let mut copied = 0u64;
    let mut size = range.start;
    while pos < range.end {
        let end = (pos + CHUNK).min(range.end);
        let data = src.read_file(area, rel, pos..end)?;
        if data.is_empty() {
            break;
        }
        if data.iter().any(|b| *b != 0) {
            dst.write_file(area, rel, pos, &data)?;
        }
        pos += data.len() as u64;
        size = pos;
        copied += data.len() as u64;
        reporter.on_copy_bytes(data.len() as u64);
        if let Some(rate) = throttle_mb_per_s.filter(|r| *r > 0.0) {
            let due = Duration::from_secs_f64(copied as f64 / (rate * 1_000_000.0));
            if let Some(wait) = due.checked_sub(started.elapsed()) {
                std::thread::sleep(wait);
            }
        }
    }
    dst.finish_file(area, rel, size)?;
    let a = src.digest_file(area, rel, 0..u64::MAX)?;
    let b = dst.digest_file(area, rel, 0..u64::MAX)?;
    if a.md5 != b.md5 || a.len != b.len {
        return Err(UpgradeError::Node(NodeError::Io {
            action: "verify the copy of",
            path: PathBuf::from(rel),
            source: std::io::Error::other(format!(
                "md5 differs after copying to {}: {} vs {}",
                dst.name(),
                hex::encode(a.md5),
                hex::encode(b.md5)
            )),
        }));
    }
    Ok(())
}

/// Every queue's max offset, from the consume-queue files of a stopped store: the last file's
/// start plus its written entries.
fn queue_offsets(node: &dyn NodeAdmin) -> Result<Vec<QueueOffset>> {
    // (first file start, last file start, last file path) per queue.
    let mut files: BTreeMap<(String, i32), (u64, u64, String)> = BTreeMap::new();
    for f in node.list_tree(Area::Root, "consumequeue")? {
        let parts: Vec<&str> = f.rel.split('/').collect();
        let [_, topic, queue, name] = parts[..] else {
            continue;
        };
        let (Ok(queue), Some(start)) = (queue.parse::<i32>(), file_name_to_offset(name)) else {
            continue;
        };
        let entry = files
            .entry((topic.to_owned(), queue))
            .or_insert((start, start, f.rel.clone()));
        entry.0 = entry.0.min(start);
        if start >= entry.1 {
            entry.1 = start;
            entry.2 = f.rel.clone();
        }
    }
    let mut out = Vec::new();
    for ((topic, queue_id), (first, last, rel)) in files {
        let digest = node.digest_file(Area::Root, &rel, 0..u64::MAX)?;
        let units = digest.data_end.map_or(0, |end| end.div_ceil(CQ_UNIT));
        out.push(QueueOffset {
            topic,
            queue_id,
            min_offset: (first / CQ_UNIT) as i64,
            max_offset: (last / CQ_UNIT + units) as i64,
        });
    }
    Ok(out)
}

/// The consumer offsets of `config/consumerOffset.json` (fastjson text with integer keys).
fn consumer_offsets(node: &dyn NodeAdmin) -> Result<Vec<ConsumerOffset>> {
    let files = node.list_tree(Area::Root, "config")?;
    if !files.iter().any(|f| f.rel == "config/consumerOffset.json") {
        return Ok(Vec::new());
    }
    let bytes = node.read_file(Area::Root, "config/consumerOffset.json", 0..u64::MAX)?;
    let text = String::from_utf8_lossy(&bytes);
    let value = fastjson::parse(&text).map_err(|e| {
        UpgradeError::Refused(format!(
            "the master's config/consumerOffset.json does not parse: {e}"
        ))
    })?;
    let mut out = Vec::new();
    if let Some(Value::Object(table)) = value.get("offsetTable") {
        for (key, queues) in table {
            let Some(key) = key_text(key) else { continue };
            let Some((topic, group)) = key.split_once('@') else {
                continue;
            };
            let Value::Object(queues) = queues else { continue };
            for (q, off) in queues {
                let (Some(q), Some(off)) = (key_text(q).and_then(|q| q.parse().ok()), off.as_i64()) else {
                    continue;
                };
                out.push(ConsumerOffset {
                    topic: topic.to_owned(),
                    group: group.to_owned(),
                    queue_id: q,
                    offset: off,
                });
            }
        }
    }
    Ok(out)
}

fn key_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) | Value::Number(s) => Some(s.clone()),
        _ => None,
    }
}

/// Polls the name server until `group` has a BID 0 and `members` brokers in all; returns the
/// BID 0 address.
async fn wait_for_group(
    admin: &Admin,
    group: &str,
    members: usize,
    expect_leader: Option<&str>,
    timeout: Duration,
) -> Result<String> {
    let deadline = Instant::now() + timeout;
    loop {
        let last = match admin.cluster_info().await {
            Ok(info) => match info.broker_addr_table.get(group) {
                Some(bd) => {
                    if let Some(leader) = bd.broker_addrs.get(&0) {
                        if bd.broker_addrs.len() >= members && expect_leader.is_none_or(|e| e == leader) {
                            return Ok(leader.clone());
                        }
                    }
                    format!("{group} shows {:?}", bd.broker_addrs)
                }
                None => format!("{group} not registered"),
            },
            Err(e) => e.to_string(),
        };
        if Instant::now() > deadline {
            return Err(UpgradeError::Timeout(format!(
                "group {group} did not show a BID 0 and {} other member(s) within {} s ({last})",
                members - 1,
                timeout.as_secs()
            )));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn offset_of(admin: &Admin, addr: &str, code: i32, topic: &str, queue_id: i32) -> Result<i64, String> {
    let header = QueueRequestHeader {
        topic: topic.to_owned(),
        queue_id,
    };
    let resp = admin
        .broker(addr, "GET_MAX_OFFSET", request_with(code, &header))
        .await
        .map_err(|e| e.to_string())?;
    resp.decode_header::<OffsetResponseHeader>()
        .map(|h| h.offset)
        .map_err(|e| e.to_string())
}

async fn pull_one(admin: &Admin, addr: &str, topic: &str, queue_id: i32, offset: i64) -> Result<(), String> {
    let header = PullMessageRequestHeader {
        consumer_group: CHECK_GROUP.into(),
        topic: topic.to_owned(),
        queue_id,
        queue_offset: offset,
        max_msg_nums: 1,
        sys_flag: 0x4,
        commit_offset: 0,
        suspend_timeout_millis: 0,
        subscription: Some("*".into()),
        sub_version: 0,
        expression_type: Some("TAG".into()),
        max_msg_bytes: None,
    };
    let resp = admin
        .client
        .invoke(addr, request_with(request::PULL_MESSAGE, &header), admin.timeout)
        .await
        .map_err(|e| e.to_string())?;
    if resp.code != response::SUCCESS {
        return Err(format!(
            "code {} ({})",
            resp.code,
            resp.remark.unwrap_or_default()
        ));
    }
    let records = decode_records(&resp.body).map_err(|e| e.to_string())?;
    match records.first() {
        Some(m) if m.queue_offset == offset => Ok(()),
        Some(m) => Err(format!("got queue offset {}", m.queue_offset)),
        None => Err("empty pull body".into()),
    }
}

/// The problems found on the new leader (empty when everything matches).
async fn check_offsets(admin: &Admin, leader: &str, state: &UpgradeState) -> Vec<String> {
    let mut problems = Vec::new();
    for q in &state.queues {
        let what = format!("{}/{}", q.topic, q.queue_id);
        match offset_of(admin, leader, request::GET_MAX_OFFSET, &q.topic, q.queue_id).await {
            Ok(max) if max == q.max_offset => {}
            Ok(max) => {
                problems.push(format!(
                    "{what}: max offset {max}, the old master had {}",
                    q.max_offset
                ));
                continue;
            }
            Err(e) => {
                problems.push(format!("{what}: GET_MAX_OFFSET failed: {e}"));
                continue;
            }
        }
        if q.topic.starts_with("SCHEDULE_TOPIC") || q.max_offset == 0 {
            continue;
        }
        match offset_of(admin, leader, request::GET_MIN_OFFSET, &q.topic, q.queue_id).await {
            Ok(min) if min <= q.min_offset => {}
            Ok(min) => problems.push(format!(
                "{what}: min offset {min}, the old master had {}: older messages are not readable",
                q.min_offset
            )),
            Err(e) => problems.push(format!("{what}: GET_MIN_OFFSET failed: {e}")),
        }
        for offset in [q.min_offset, q.max_offset - 1] {
            if let Err(e) = pull_one(admin, leader, &q.topic, q.queue_id, offset).await {
                problems.push(format!("{what}@{offset}: not readable: {e}"));
            }
        }
    }
    for c in &state.consumer_offsets {
        let header = QueryConsumerOffsetRequestHeader {
            consumer_group: c.group.clone(),
            topic: c.topic.clone(),
            queue_id: c.queue_id,
            set_zero_if_not_found: None,
        };
        let got = admin
            .broker(
                leader,
                "QUERY_CONSUMER_OFFSET",
                request_with(request::QUERY_CONSUMER_OFFSET, &header),
            )
            .await
            .ok()
            .and_then(|r| r.decode_header::<OffsetResponseHeader>().ok())
            .map(|h| h.offset);
        if got != Some(c.offset) {
            problems.push(format!(
                "consumer offset {}@{} queue {}: {got:?}, was {}",
                c.topic, c.group, c.queue_id, c.offset
            ));
        }
    }
    problems
}

/// Counts the RocketMQ record entries (kind 0, spec §6.2 and `store::format::dledger`) in a
/// node's DLedger data files; blank and membership entries, which every new group writes, are
/// not counted. Stops at the first record: one is enough to refuse a rollback.
fn dledger_records(node: &dyn NodeAdmin, self_id: &str) -> Result<u64> {
    use broker::store::format::dledger as dl;
    let data = format!("{}/{}", dl::node_dir_name(self_id), dl::DATA_DIR);
    let mut files = node.list_tree(Area::Root, &data)?;
    files.retain(|f| f.rel.rsplit('/').next().and_then(file_name_to_offset).is_some());
    for f in files {
        let mut pos = 0u64;
        while pos + dl::HEADER_SIZE as u64 <= f.size {
            let h = node.read_file(Area::Root, &f.rel, pos..pos + dl::HEADER_SIZE as u64)?;
            if h.len() < dl::HEADER_SIZE {
                break;
            }
            let int = |at: usize| i32::from_be_bytes([h[at], h[at + 1], h[at + 2], h[at + 3]]);
            match int(dl::MAGIC) {
                dl::ENTRY_MAGIC => {
                    if dl::is_record_kind(int(dl::CHANNEL) >> dl::CHANNEL_KIND_SHIFT) {
                        return Ok(1);
                    }
                    let size = int(dl::SIZE);
                    if size <= 0 {
                        break;
                    }
                    pos += size as u64;
                }
                // A blank ends the file; zeros end the written data.
                _ => break,
            }
        }
    }
    Ok(0)
}

/// Zeroes the 8-byte blank a DLedger node's first start wrote at `seal.end` of the old last
/// commitlog file (spec §6.3), if it is there: the bytes before it were never touched, and the
/// ones after it are still zeros, so the file is then the classic broker's file again. Returns
/// whether a blank was removed.
fn unseal(node: &dyn NodeAdmin, seal: &CommitLogEnd) -> Result<bool> {
    use broker::store::format::{BLANK_MAGIC_CODE, END_FILE_MIN_BLANK_LENGTH};
    let len = END_FILE_MIN_BLANK_LENGTH as u64;
    let Some(remaining) = seal.size.checked_sub(seal.end).filter(|r| *r >= len) else {
        return Ok(false);
    };
    let present = node
        .list_tree(Area::CommitLog, &seal.file)?
        .iter()
        .any(|f| f.rel == seal.file && f.size == seal.size);
    if !present {
        return Ok(false);
    }
    let mut blank = [0u8; END_FILE_MIN_BLANK_LENGTH];
    blank[..4].copy_from_slice(&(remaining as i32).to_be_bytes());
    blank[4..].copy_from_slice(&BLANK_MAGIC_CODE.to_be_bytes());
    let now = node.read_file(Area::CommitLog, &seal.file, seal.end..seal.end + len)?;
    if now != blank {
        return Ok(false);
    }
    node.write_file(
        Area::CommitLog,
        &seal.file,
        seal.end,
        &[0; END_FILE_MIN_BLANK_LENGTH],
    )?;
    node.finish_file(Area::CommitLog, &seal.file, seal.size)?;
    Ok(true)
}

/// What a rollback did.
#[derive(Debug, Clone, Serialize)]
pub struct RollbackReport {
    /// The state file.
    pub state_file: PathBuf,
    /// One line per action.
    pub actions: Vec<String>,
    /// The old master's address once it runs again.
    pub master: Option<String>,
}

/// Undoes an upgrade that has not accepted a write: stops the new brokers, restores the backed-up
/// configs, removes what was copied to the new node(s) and the DLedger data of every node, and
/// starts the old pair again.
///
/// # Errors
/// [`UpgradeError::RollbackRefused`] when there is nothing to roll back or the new group took a
/// write; failures of the actions.
pub async fn rollback(options: UpgradeOptions) -> Result<RollbackReport> {
    let mut up = Upgrade::plan(UpgradeOptions {
        resume: true,
        ..options
    })
    .map_err(|e| match e {
        UpgradeError::Refused(m) => UpgradeError::RollbackRefused(m),
        e => e,
    })?;
    let admin = Admin::new(&up.state.namesrv);
    // A write to the new group would be lost by a rollback: refuse if any running new node
    // counted a put.
    if up.state.done(Step::Configure).is_some() {
        for n in &up.nodes {
            if !n.store.running(&n.config_path).await? {
                continue;
            }
            let req = RemotingCommand::request_empty(request::GET_BROKER_RUNTIME_INFO);
            let addr = n.addr();
            if let Ok(resp) = admin.broker(&addr, "GET_BROKER_RUNTIME_INFO", req).await {
                if let Ok(kv) = decode_json::<KvTable>(&addr, "KVTable", &resp.body) {
                    let puts: i64 = kv
                        .table
                        .get("msgPutTotalTodayNow")
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(0);
                    if puts > 0 {
                        return Err(UpgradeError::RollbackRefused(format!(
                            "{} ({addr}) has accepted {puts} message(s) since the upgrade; they would be lost",
                            n.self_id
                        )));
                    }
                }
            }
        }
    }
    // The same question asked of the disk (works when the new brokers are not running): a
    // RocketMQ record entry in any node's DLedger log means the group took a write.
    for n in &up.nodes {
        let records = dledger_records(&*n.store, &n.self_id)?;
        if records > 0 {
            return Err(UpgradeError::RollbackRefused(format!(
                "the DLedger log of {} holds {records} message record(s) written since the upgrade; \
                 they would be lost",
                n.self_id
            )));
        }
    }
    let mut actions = Vec::new();
    let old_stopped = up.state.done(Step::StopOld).is_some();
    for n in &up.nodes {
        // Before stop-old the old pair still serves untouched: leave it running.
        if n.role != NodeRole::Third && !old_stopped {
            continue;
        }
        let r = n.store.stop(&n.config_path, up.options.stop_grace).await?;
        actions.push(format!("{}: {}", n.self_id, r.action));
    }
    if let Some(seal) = &up.state.commitlog_end {
        for n in up.nodes.iter().filter(|n| n.role != NodeRole::Third) {
            if unseal(&*n.store, seal)? {
                actions.push(format!(
                    "{}: removed the DLedger seal blank at {} of {}",
                    n.self_id, seal.end, seal.file
                ));
            }
        }
    }
    for b in &up.state.backups {
        if let Some(n) = up.nodes.iter().find(|n| n.config_path == b.config) {
            n.store.restore_config(&b.backup)?;
            actions.push(format!(
                "restored {} from {}",
                b.config.display(),
                b.backup.display()
            ));
        }
    }
    for n in &up.nodes {
        n.store.remove(Area::Root, &format!("dledger-{}", n.self_id))?;
        if n.role == NodeRole::Third {
            // `list_tree` (unlike `list_files`) finds nothing, rather than failing, when the copy
            // never created the commitlog directory (a run interrupted before the copy step).
            for f in n.store.list_tree(Area::CommitLog, "")? {
                if !f.rel.contains('/') && file_name_to_offset(&f.rel).is_some() {
                    n.store.remove(Area::CommitLog, &f.rel)?;
                }
            }
            for rel in ["config", "consumequeue", "index", "checkpoint", "abort"] {
                n.store.remove(Area::Root, rel)?;
            }
            actions.push(format!("removed the copied store of {}", n.self_id));
        }
    }
    let mut master = None;
    if old_stopped {
        for n in up.nodes.iter().filter(|n| n.role != NodeRole::Third) {
            let r = n.store.start(&n.config_path, &up.options.bin_dir).await?;
            actions.push(format!("started old {:?} (pid {:?})", n.role, r.pids));
        }
        let members = if up.slave().is_some() { 2 } else { 1 };
        let old_master = up.nodes[0].addr();
        let addr = wait_for_group(
            &admin,
            &up.state.group,
            members,
            Some(&old_master),
            up.options.group_timeout,
        )
        .await?;
        actions.push(format!("old master {addr} registered"));
        master = Some(addr);
    }
    up.state.rolled_back = true;
    up.save()?;
    Ok(RollbackReport {
        state_file: up.state_file.clone(),
        actions,
        master,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_exit_1_and_failures_exit_2() {
        assert!(UpgradeError::Divergent("x".into()).is_refusal());
        assert!(UpgradeError::RollbackRefused("x".into()).is_refusal());
        assert!(UpgradeError::Preflight(vec!["x".into()]).is_refusal());
        assert!(!UpgradeError::Timeout("x".into()).is_refusal());
        assert!(!UpgradeError::CheckFailed(vec!["x".into()]).is_refusal());
    }

    #[test]
    fn steps_are_in_procedure_order() {
        let names: Vec<&str> = Step::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            names,
            [
                "preflight",
                "stop-old",
                "align",
                "copy",
                "configure",
                "start",
                "check"
            ]
        );
    }
}
