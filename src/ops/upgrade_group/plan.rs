//! Step 1 and the plan: load the nodes and the state file, run the read-only preflight checks,
//! and describe every step (what `--dry-run` prints, and what a run reports as done).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use broker::agent::tls::AgentTrust;
use broker::config::{parse_peers, BrokerConfig};
use serde::Serialize;

use super::precopy::MasterFiles;
use super::state::{read_state, NodeRole, StateAt, Step, UpgradeState};
use super::{Node, Result, Upgrade, UpgradeError, UpgradeOptions, PEER_PORT_OFFSET, STATE_FILE};
use crate::ops::node::{AnyNode, Area, NodeError};

/// One node of the new group.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
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
    /// How long it ran, in ms (done steps only).
    #[serde(rename = "durationMs", skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
}

/// The plan (with `--dry-run`) or what was done.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
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
    /// The downtime: expected (plan) or caused (after a run that got the new group serving).
    pub downtime: DowntimeLine,
    /// What the operator should know before going on (an agent reached over plain HTTP across
    /// the network).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// The two phases in bytes, and the downtime expected or measured.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DowntimeLine {
    /// Bytes to copy (plan) or copied (run) while the old pair serves.
    pub bytes_before: u64,
    /// Bytes to copy (plan) or copied (run) while the group is down.
    pub bytes_during: u64,
    /// Expected downtime in ms, from the bytes to copy during it (plan only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_ms: Option<u64>,
    /// Downtime caused, in ms: from stopping the old master to the first send the new group
    /// acknowledged, or to its leader registering (see `until`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measured_ms: Option<u64>,
    /// What ended the measured downtime: `first acknowledged send` or `leader registered`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
}

/// Disk rate assumed by the plan's expected downtime (copy and md5), MB/s. Default: `200`.
pub const PLAN_COPY_MB_PER_S: u64 = 200;
/// Stop, start and election time assumed by the plan's expected downtime, ms. Default: `4000`.
pub const PLAN_RESTART_MS: u64 = 4000;

fn load_node(
    role: NodeRole,
    self_id: String,
    path: &Path,
    token: Option<&str>,
    trust: &AgentTrust,
) -> Result<Node> {
    let spec = path.to_string_lossy();
    let role_name = format!("{role:?}").to_lowercase();
    let config_error = |source| match source {
        // Issue 18: the new group's broker would refuse to start on it (fail closed), so refuse
        // before changing anything, with the broker's own reason.
        e @ broker::config::ConfigError::UnservedSecurity { .. } => {
            UpgradeError::Preflight(vec![format!("{role_name} config: {e}")])
        }
        source => UpgradeError::Node(NodeError::Config {
            role: role_name.clone(),
            source,
        }),
    };
    let store = AnyNode::open(&self_id, &spec, token, trust).map_err(|e| match e {
        NodeError::Config {
            source: source @ broker::config::ConfigError::UnservedSecurity { .. },
            ..
        } => config_error(source),
        e => UpgradeError::Node(e),
    })?;
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
        let (token, trust) = (options.agent_token.as_deref(), &options.agent_trust);
        let mut nodes = vec![load_node(
            NodeRole::Master,
            "n0".into(),
            &options.master,
            token,
            trust,
        )?];
        if let Some(slave) = &options.slave {
            nodes.push(load_node(NodeRole::Slave, "n1".into(), slave, token, trust)?);
        }
        for third in &options.thirds {
            let id = format!("n{}", nodes.len());
            nodes.push(load_node(NodeRole::Third, id, third, token, trust)?);
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
                        .then(|| crate::ops::fast_try::port_owner(port))
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
        // Issue 18: every derived config keeps its dLegerPeerTokenFile; nodes with and without
        // one (or with different ones) would refuse each other's Raft RPCs, and a local token
        // file the broker would refuse stops the new group from starting.
        let tokens: Vec<Option<&str>> = self
            .nodes
            .iter()
            .map(|n| n.config.dleger_peer_token_file.as_deref())
            .collect();
        if tokens.iter().any(|t| *t != tokens[0]) {
            problems.push(format!(
                "the configs name different dLegerPeerTokenFile values ({}); every node needs the same \
                 token, or none",
                self.nodes
                    .iter()
                    .zip(&tokens)
                    .map(|(n, t)| format!("{}: {}", n.self_id, t.unwrap_or("none")))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        for (n, t) in self.nodes.iter().zip(&tokens) {
            if let (Some(t), false) = (t, n.store.is_remote()) {
                if let Err(e) = broker::raft::peer_auth::PeerToken::load(Path::new(t)) {
                    problems.push(format!("{}: {e}", n.self_id));
                }
            }
        }
        problems.extend(super::acl::preflight_problems(&self.nodes));
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
        for sub in ["config", "consumequeue", "index"] {
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
                    duration_ms: Some(r.duration_ms),
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
                    duration_ms: None,
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
            downtime: self.downtime_line(),
            warnings: super::transport::warnings(&self.nodes),
        }
    }

    /// Bytes of the two copy phases for every node that gets a copy: (before, during).
    fn phase_bytes(&self) -> (u64, u64) {
        let Ok(files) = MasterFiles::list(&*self.nodes[0].store) else {
            return (0, 0);
        };
        self.nodes
            .iter()
            .filter(|n| n.role != NodeRole::Master)
            .map(|n| files.split_bytes(n.role == NodeRole::Third))
            .fold((0, 0), |(a, b), (x, y)| (a + x, b + y))
    }

    /// The plan's expectation, or what the run measured once the new group served.
    fn downtime_line(&self) -> DowntimeLine {
        let d = &self.state.downtime;
        if let (Some(stop), Some(serving)) = (d.stopped_at_ms, d.serving_at_ms) {
            return DowntimeLine {
                bytes_before: d.bytes_before,
                bytes_during: d.bytes_during,
                expected_ms: None,
                measured_ms: Some(serving.saturating_sub(stop)),
                until: Some(
                    if d.saw_send {
                        "first acknowledged send"
                    } else {
                        "leader registered"
                    }
                    .into(),
                ),
            };
        }
        let (before, during) = self.phase_bytes();
        // The align step reads the newest file of master and slave once more (the older files it
        // compares are hashed during the pre-copy).
        let newest = self.nodes[0]
            .store
            .list_files()
            .ok()
            .and_then(|f| f.last().map(|f| f.size))
            .unwrap_or(0);
        let hashed = if self.slave().is_some() { 2 * newest } else { 0 };
        // Each copied byte is read, written and read back for its md5.
        let work = 2 * during + hashed;
        DowntimeLine {
            bytes_before: before,
            bytes_during: during,
            expected_ms: Some(PLAN_RESTART_MS + work / (PLAN_COPY_MB_PER_S * 1000)),
            measured_ms: None,
            until: None,
        }
    }

    /// The preflight problems (empty when the checks passed or ran in an earlier run).
    pub fn preflight(&self) -> &[String] {
        &self.preflight
    }

    pub(super) fn describe(&self, step: Step) -> String {
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
            Step::PreCopy => {
                let (before, _) = self.phase_bytes();
                format!(
                    "while the old pair serves: copy the commitlog, consume-queue and index files that \
                     are never written again ({before} bytes) to {}{}, md5-verified; on this machine \
                     also the newest ones as they are now",
                    thirds.join(" and "),
                    if self.slave().is_some() {
                        "; older commitlog files the slave lacks to it"
                    } else {
                        ""
                    }
                )
            }
            Step::StopOld => format!(
                "downtime starts: SIGTERM the mqbroker of {}{}, wait for the store locks",
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
            Step::Copy => {
                let (_, during) = self.phase_bytes();
                format!(
                    "copy what pre-copy did not or what changed since ({during} bytes: the newest \
                     files, config/, checkpoint; of a copy made while written only the blocks that \
                     differ) to {}{}, md5-verified; remove copies of files the master deleted",
                    thirds.join(" and "),
                    if self.slave().is_some() {
                        "; config/, consumequeue/, index/ and checkpoint to the slave"
                    } else {
                        ""
                    }
                )
            }
            Step::Configure => format!(
                "back up each config to <config>.bak-<time>, write DLedger configs (group {}, peers {})",
                self.state.group, self.state.peers
            ),
            Step::Start => format!(
                "start 3 mqbroker, wait for one BID 0 and two followers at {}",
                self.state.namesrv
            ),
            Step::Check => "every old queue keeps its messages up to its old max offset (first and last \
                            readable), consumer offsets at least the old ones; later sends accepted"
                .into(),
        }
    }

    pub(super) fn slave(&self) -> Option<&Node> {
        self.nodes.iter().find(|n| n.role == NodeRole::Slave)
    }
}
