//! `upgrade-group`: migrate a local Master/Slave broker group to a three-node RocketMQ-on-DLedger
//! group, following the manual procedure of spec §6.3 but checked and resumable:
//!
//! 1. **preflight**: configs parse, the new nodes' stores hold no commitlog, enough free space
//!    for the copy, the DLedger peer ports are free, the master's store is readable;
//! 2. **pre-copy**, while the old pair still serves: copy what the master will never write
//!    again (every commitlog file but the newest, every consume-queue and index file but the
//!    newest of its directory) to each new node, and the older commitlog files a slave lacks to
//!    it, md5-verified; each file is recorded at once (`precopy`). Between stores on this
//!    machine, also copy the files still being written as they are at that moment (live
//!    copies); with a slave, hash the sealed files `align` will compare on both;
//! 3. **stop-old**: SIGTERM the old brokers and wait until their store locks are free; the
//!    downtime starts here. Then record what every queue and consumer offset of the master holds
//!    (from its files);
//! 4. **align**: compare the newest commitlog files of master and slave (verify-commitlog; a
//!    file hashed during the pre-copy whose size and modification time did not move is not read
//!    again);
//!    complete a slave that is only behind, overwrite a divergent one only with `--align`; the
//!    master is never written;
//! 5. **copy**: copy to each new node what pre-copy did not copy or what changed since (the
//!    newest files, `config/`, `checkpoint`; a live copy gets only the blocks that differ from
//!    the master's file), and remove copies of files the master deleted meanwhile; give the
//!    slave the master's `config/`, consume queues, index and `checkpoint` (its pre-copied ones
//!    moved into place). Every file is md5-verified against the master's;
//! 6. **configure**: back up each config to `<config>.bak-<timestamp>` and rewrite it in place
//!    as a DLedger node (`n0` = master, `n1` = slave, `n2` = third);
//! 7. **start**: start the three brokers and wait until the name server shows a BID 0 and two
//!    followers for the group;
//! 8. **check**: every old queue still has at least its old max offset and its first and last
//!    old message are readable from the leader, and every consumer offset is at least the old
//!    one (what producers and consumers did since is accepted). The downtime ends at the first
//!    send the new group acknowledges (or, without traffic, when its leader registered).
//!
//! Each finished step is recorded in a state file (`<third store root>/upgrade-group.json` by
//! default) so `--resume` continues after an interruption, and `rollback` can undo the upgrade
//! as long as the new group has not accepted a write.
//!
//! Every store access goes through [`NodeAdmin`](super::node::NodeAdmin) and every broker stop/start through
//! [`AnyNode`], so a NODE may be a local config file or `agent://HOST:PORT/BROKER` (a node agent
//! on another machine, [`super::node::remote`]); the state file then lives in the last node's
//! store root on its machine, read and written through its agent. Nothing here prints: progress
//! goes to an [`UpgradeReporter`].
//!
//! **Test hook.** With `MQADMIN_FAILPOINT=after:<step>` (a step name such as `after:copy`) the
//! process aborts right after that step is recorded in the state file; with
//! `MQADMIN_FAILPOINT=during:copy` it aborts once the first file of the copy step is copied
//! (`during:pre-copy`: once the first file of the pre-copy is recorded).
//! `std::process::abort()` runs no clean-up, like `kill -9`: the fault tests use it to crash
//! mqadmin at an exact point and then check `--resume` and `--rollback`.
//!
//! The parts, one file each: `acl` (client ACL kept across the upgrade), `state` (the state file
//! and what it records), `plan` (loading the nodes, preflight, the plan), `steps` (applying the
//! steps), `precopy` (the two copy phases), `copy` (md5-verified file copies between nodes,
//! several at once), `offsets` (the queue and consumer offsets read from the old master's
//! files), `check` (the post-upgrade checks against the new leader) and `rollback`.

mod acl;
mod check;
mod copy;
mod offsets;
mod plan;
mod precopy;
mod rollback;
mod state;
mod steps;
mod transport;

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use broker::config::BrokerConfig;

use super::admin::AdminError;
use super::gen_config::GenConfigError;
use super::node::process::ProcessError;
use super::node::{AnyNode, NodeError};
use super::verify_commitlog::VerifyError;

pub use self::plan::{DowntimeLine, NodeLine, StepLine, UpgradeReport};
pub use self::precopy::STAGING;
pub use self::rollback::{rollback, RollbackReport};
use self::state::StateAt;
pub use self::state::{
    Backup, CommitLogEnd, ConsumerOffset, Downtime, Hashed, NodeRole, PreCopied, QueueOffset, Step,
    StepRecord, UpgradeState,
};

/// Default state file name, under the (first) third node's store root.
pub const STATE_FILE: &str = "upgrade-group.json";
/// Default distance from a node's listenPort to its DLedger peer port, as in the shipped
/// `broker-n0.conf` (listenPort 30911, peer 40911). Default: `10000`.
pub const PEER_PORT_OFFSET: u16 = 10000;
/// Consumer group used for the read checks of step 8 (pulls never commit offsets).
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
    /// How the node agents are verified (TLS by CA or pinned fingerprint). Default: plain HTTP.
    pub agent_trust: broker::agent::tls::AgentTrust,
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

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
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
}
