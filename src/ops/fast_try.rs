//! `fast-try`: run a name server and a three-node DLedger group on this machine, the way Apache
//! RocketMQ's `bin/dledger/fast-try.sh` does, but checked: ports are verified free first (naming
//! the process that holds one), the start waits until a leader is registered, `stop` is graceful
//! with a forced fallback and safe to run twice, and `status` says what runs.
//!
//! The processes are our `mqnamesrv` and `mqbroker` binaries, found next to `mqadmin`. Their pids
//! are kept in `<store root>/fast-try.json` so `stop` only ever signals processes it started;
//! `stop` and `status` find that file from any directory, `start-node` brings one killed process
//! back from its config copy, and everything binds and advertises 127.0.0.1 only.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use broker::config::BrokerConfig;
use serde::{Deserialize, Serialize};

/// File under the store root that records what `start` launched.
pub const STATE_FILE: &str = "fast-try.json";
/// Node config files of a DLedger group, as shipped in `conf/dledger/`.
pub const NODE_CONFIGS: [&str; 3] = ["broker-n0.conf", "broker-n1.conf", "broker-n2.conf"];

/// Why fast-try could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum FastTryError {
    /// A config file is missing or invalid.
    #[error("config {path}: {reason}")]
    Config {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A port is already taken; nothing was started.
    #[error("port {port} ({what}) is already in use{}; nothing was started", owner.as_ref().map(|o| format!(" by {o}")).unwrap_or_default())]
    PortInUse {
        /// The port.
        port: u16,
        /// Which of our servers needs it.
        what: String,
        /// `pid N: command line` of the owner, when it can be found.
        owner: Option<String>,
    },
    /// `start` while a previous fast-try still runs (pids, names of the stopped nodes); nothing
    /// was touched.
    #[error("fast-try is already running (pids {0:?}); nothing was changed; run `mqadmin fast-try stop` first{hint}",
        hint = start_node_hint(.1))]
    AlreadyRunning(Vec<u32>, Vec<String>),
    /// `start-node` of a name the state file does not hold.
    #[error("fast-try has no node {0}; its nodes are {1}")]
    UnknownNode(String, String),
    /// `start-node` of a node that runs.
    #[error("{0} is already running (pid {1})")]
    NodeRunning(String, u32),
    /// `start-node` while fast-try is not running.
    #[error("fast-try is not running ({0} not found); start it with: mqadmin fast-try start")]
    NotRunning(PathBuf),
    /// A binary is missing next to mqadmin.
    #[error("{0} not found next to mqadmin; build with `cargo build --release --workspace --bins`")]
    MissingBinary(PathBuf),
    /// I/O error.
    #[error("{context}: {source}")]
    Io {
        /// What we were doing.
        context: String,
        /// Cause.
        source: std::io::Error,
    },
    /// No leader was registered in time.
    #[error("no DLedger leader registered within {0} s; see the logs under {1}")]
    NoLeader(u64, PathBuf),
}

fn start_node_hint(missing: &[String]) -> String {
    match missing.first() {
        None => String::new(),
        Some(first) => format!(
            ", or bring back {} with `mqadmin fast-try start-node {first}`",
            missing.join(", ")
        ),
    }
}

/// Replaces the state file that `stop`, `status` and the failover drill read, safely
/// ([`broker::durable::write_atomic`]): a crash while it is written must not lose the pids.
///
/// # Errors
/// The step of the replacement that failed.
pub fn write_state(root: &Path, state: &FastTryState) -> Result<(), broker::durable::WriteError> {
    let bytes = serde_json::to_vec_pretty(state).unwrap_or_default();
    broker::durable::write_atomic(&root.join(STATE_FILE), &bytes)
}

fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> FastTryError {
    let context = context.into();
    move |source| FastTryError::Io { context, source }
}

/// What `start` needs.
#[derive(Debug, Clone)]
pub struct FastTryOptions {
    /// Directory holding `broker-n0.conf`..`broker-n2.conf`. Default: `conf/dledger`.
    pub conf_dir: PathBuf,
    /// Replaces `storePathRootDir` of every node with `<root>/node0N` when set.
    pub store_root: Option<PathBuf>,
    /// Name server listen port. Default: 9876.
    pub namesrv_port: u16,
    /// Where our binaries are. Default: the directory of the running `mqadmin`.
    pub bin_dir: PathBuf,
    /// How long to wait for a leader. Default: 30 s.
    pub leader_timeout: Duration,
}

/// One process fast-try runs.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProcessInfo {
    /// `namesrv`, `n0`, `n1`, `n2`.
    pub name: String,
    /// Process id.
    pub pid: u32,
    /// Ports it listens on.
    pub ports: Vec<u16>,
    /// Its log file.
    pub log: PathBuf,
    /// Config file (brokers).
    pub config: Option<PathBuf>,
    /// Whether it is alive (filled by `status`).
    #[serde(default)]
    pub alive: bool,
}

/// What runs (the content of the state file).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FastTryState {
    /// Name server address for clients.
    pub namesrv_addr: String,
    /// Where logs and the state file live.
    pub root: PathBuf,
    /// The processes.
    pub processes: Vec<ProcessInfo>,
}

/// Where the shipped configs (`conf/dledger/broker-n*.conf`) put the stores, logs and state file.
pub const DEFAULT_ROOT: &str = "/tmp/rmqstore";

/// Where `stop` and `status` look for the state file: `--store-root` when given, else the root the
/// configs of `conf_dir` name when they can be read, else the first of `$TMPDIR/rmqstore` and
/// [`DEFAULT_ROOT`] that holds a state file. Issue 20 item 1: a relative `--conf-dir` (the default,
/// `conf/dledger`) does not exist outside the repository, yet the running group must still be
/// found and stopped from any directory.
pub fn existing_state_root(store_root: Option<&Path>, conf_dir: &Path) -> PathBuf {
    if let Ok(root) = state_root(store_root, conf_dir) {
        return root;
    }
    let candidates = [std::env::temp_dir().join("rmqstore"), PathBuf::from(DEFAULT_ROOT)];
    candidates
        .iter()
        .find(|c| c.join(STATE_FILE).exists())
        .unwrap_or(&candidates[1])
        .clone()
}

/// The store root and state file location for a conf dir (and optional override).
///
/// # Errors
/// Node 0's config cannot be read (only without `options_store_root`).
pub fn state_root(options_store_root: Option<&Path>, conf_dir: &Path) -> Result<PathBuf, FastTryError> {
    if let Some(r) = options_store_root {
        return Ok(r.to_path_buf());
    }
    // The parent of node 0's storePathRootDir (/tmp/rmqstore for the shipped configs).
    let (cfg, _) = load_node(&conf_dir.join(NODE_CONFIGS[0]))?;
    Ok(Path::new(&cfg.store_path_root_dir)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("/tmp")))
}

fn load_node(path: &Path) -> Result<(BrokerConfig, Vec<String>), FastTryError> {
    let bad = |reason: String| FastTryError::Config {
        path: path.to_path_buf(),
        reason,
    };
    let (mut cfg, warnings) = BrokerConfig::from_properties_file(path).map_err(|e| bad(e.to_string()))?;
    let mut notes: Vec<String> = warnings.iter().map(ToString::to_string).collect();
    notes.extend(
        cfg.validate()
            .map_err(|e| bad(e.to_string()))?
            .iter()
            .map(ToString::to_string),
    );
    if !cfg.enable_dleger_commit_log {
        return Err(bad("enableDLegerCommitLog is not true".into()));
    }
    Ok((cfg, notes))
}

/// Finds which process listens on a TCP port, from `/proc` (Linux); `None` elsewhere or when the
/// owner is another user's process we cannot inspect.
pub fn port_owner(port: u16) -> Option<String> {
    let (pid, cmd) = port_owner_pid(port)?;
    Some(format!("pid {pid}: {cmd}"))
}

/// The pid and command line of the process listening on a TCP port (see [`port_owner`]).
pub fn port_owner_pid(port: u16) -> Option<(u32, String)> {
    let mut inodes = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            if cols.len() < 10 || cols[3] != "0A" {
                continue; // not LISTEN
            }
            let local_port = cols[1]
                .rsplit(':')
                .next()
                .and_then(|p| u16::from_str_radix(p, 16).ok());
            if local_port == Some(port) {
                inodes.push(format!("socket:[{}]", cols[9]));
            }
        }
    }
    if inodes.is_empty() {
        return None;
    }
    for proc_entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Ok(pid) = proc_entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(fds) = std::fs::read_dir(proc_entry.path().join("fd")) else {
            continue;
        };
        for fd in fds.flatten() {
            if let Ok(target) = std::fs::read_link(fd.path()) {
                if inodes.iter().any(|i| target.to_string_lossy() == *i) {
                    let cmd = std::fs::read(proc_entry.path().join("cmdline")).unwrap_or_default();
                    let cmd = String::from_utf8_lossy(&cmd)
                        .replace('\0', " ")
                        .trim()
                        .to_string();
                    return Some((pid, cmd));
                }
            }
        }
    }
    None
}

fn check_port(port: u16, what: &str) -> Result<(), FastTryError> {
    match std::net::TcpListener::bind(("0.0.0.0", port)) {
        Ok(_) => Ok(()),
        Err(_) => Err(FastTryError::PortInUse {
            port,
            what: what.to_string(),
            owner: port_owner(port),
        }),
    }
}

pub use broker::agent::procs::alive;

/// Reads the state file, with liveness filled in.
pub fn status(root: &Path) -> Result<Option<FastTryState>, FastTryError> {
    let path = root.join(STATE_FILE);
    let Ok(bytes) = std::fs::read(&path) else {
        return Ok(None);
    };
    let mut st: FastTryState = serde_json::from_slice(&bytes).map_err(|e| FastTryError::Config {
        path: path.clone(),
        reason: e.to_string(),
    })?;
    let mut adopted = false;
    for p in &mut st.processes {
        p.alive = alive(p.pid);
        if !p.alive {
            // A node brought back by hand (`startBroker`, `mqbroker -c`) listens on the recorded
            // port under a new pid: track that one, so `stop` stops it too.
            let binary = if p.name == "namesrv" {
                "mqnamesrv"
            } else {
                "mqbroker"
            };
            if let Some((pid, cmd)) = p.ports.first().and_then(|port| port_owner_pid(*port)) {
                if cmd.contains(binary) {
                    p.pid = pid;
                    p.alive = true;
                    adopted = true;
                }
            }
        }
    }
    if adopted {
        // Best effort: the next reader re-adopts it anyway.
        let _ = write_state(root, &st);
    }
    Ok(Some(st))
}

/// The prepared configs and the ports each process needs.
#[derive(Debug)]
struct Plan {
    root: PathBuf,
    nodes: Vec<(String, PathBuf, Vec<u16>)>,
}

fn plan(o: &FastTryOptions) -> Result<Plan, FastTryError> {
    let root = state_root(o.store_root.as_deref(), &o.conf_dir)?;
    let gen_dir = root.join("fast-try-conf");
    std::fs::create_dir_all(&gen_dir).map_err(io(format!("create {}", gen_dir.display())))?;
    let mut nodes = Vec::new();
    for (i, name) in NODE_CONFIGS.iter().enumerate() {
        let src = o.conf_dir.join(name);
        let (cfg, _) = load_node(&src)?;
        let mut text = std::fs::read_to_string(&src).map_err(io(format!("read {}", src.display())))?;
        text.push_str(&format!(
            "\n# added by mqadmin fast-try: on loopback only\nnamesrvAddr=127.0.0.1:{}\nbrokerIP1=127.0.0.1\nbindAddress=127.0.0.1\n",
            o.namesrv_port
        ));
        if let Some(r) = &o.store_root {
            let node_root = r.join(format!("node0{i}"));
            text.push_str(&format!(
                "storePathRootDir={}\nstorePathCommitLog={}\n",
                node_root.display(),
                node_root.join("commitlog").display()
            ));
        }
        let dst = gen_dir.join(name);
        broker::durable::write_atomic(&dst, text.as_bytes())
            .map_err(|e| io(format!("write {}", dst.display()))(e.source))?;
        let peer_port = cfg
            .self_peer()
            .and_then(|p| p.addr.rsplit_once(':').and_then(|(_, port)| port.parse().ok()))
            .unwrap_or(0);
        let self_id = cfg.dleger_self_id.clone().unwrap_or_else(|| format!("n{i}"));
        nodes.push((self_id, dst, vec![cfg.listen_port, peer_port]));
    }
    Ok(Plan { root, nodes })
}

/// Starts the name server and the three brokers and waits until a leader is registered.
///
/// # Errors
/// A port in use (nothing is started), missing binaries or configs, no leader in time.
pub async fn start(o: &FastTryOptions) -> Result<FastTryState, FastTryError> {
    // Before `plan` rewrites the config copies the running nodes were started from (issue 20
    // item 4: a node restarted from them would come back with other settings).
    let root = state_root(o.store_root.as_deref(), &o.conf_dir)?;
    if let Some(st) = status(&root)? {
        let running: Vec<u32> = st.processes.iter().filter(|p| p.alive).map(|p| p.pid).collect();
        if !running.is_empty() {
            let missing: Vec<String> = st
                .processes
                .iter()
                .filter(|p| !p.alive)
                .map(|p| p.name.clone())
                .collect();
            return Err(FastTryError::AlreadyRunning(running, missing));
        }
    }
    let p = plan(o)?;
    check_port(o.namesrv_port, "name server")?;
    for (id, _, ports) in &p.nodes {
        check_port(ports[0], &format!("broker {id} listenPort"))?;
        check_port(ports[1], &format!("broker {id} DLedger peer port"))?;
    }
    let namesrv_bin = o.bin_dir.join("mqnamesrv");
    let broker_bin = o.bin_dir.join("mqbroker");
    for b in [&namesrv_bin, &broker_bin] {
        if !b.exists() {
            return Err(FastTryError::MissingBinary(b.clone()));
        }
    }
    let mut state = FastTryState {
        namesrv_addr: format!("127.0.0.1:{}", o.namesrv_port),
        root: p.root.clone(),
        processes: Vec::new(),
    };
    let spawn = |cmd: &mut Command, log: &Path| -> Result<u32, FastTryError> {
        let out = std::fs::File::create(log).map_err(io(format!("create {}", log.display())))?;
        let err = out.try_clone().map_err(io("dup log file"))?;
        use std::os::unix::process::CommandExt;
        let child = cmd
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .process_group(0)
            .spawn()
            .map_err(io(format!("start {:?}", cmd.get_program())))?;
        Ok(child.id())
    };
    let log = p.root.join("namesrv.log");
    let pid = spawn(
        Command::new(&namesrv_bin).args(["--listen", &format!("127.0.0.1:{}", o.namesrv_port)]),
        &log,
    )?;
    state.processes.push(ProcessInfo {
        name: "namesrv".into(),
        pid,
        ports: vec![o.namesrv_port],
        log,
        config: None,
        alive: true,
    });
    for (id, conf, ports) in &p.nodes {
        let log = p.root.join(format!("broker-{id}.log"));
        let pid = spawn(Command::new(&broker_bin).arg("-c").arg(conf), &log)?;
        state.processes.push(ProcessInfo {
            name: id.clone(),
            pid,
            ports: ports.clone(),
            log,
            config: Some(conf.clone()),
            alive: true,
        });
    }
    write_state(&p.root, &state).map_err(|e| FastTryError::Io {
        context: format!("write {}", p.root.join(STATE_FILE).display()),
        source: e.source,
    })?;

    // Wait until the name server shows a BID 0 for the group.
    let client = super::admin::client();
    let opts = super::cluster_list::ClusterListOptions::new(&state.namesrv_addr);
    let deadline = Instant::now() + o.leader_timeout;
    loop {
        if let Ok((_, info)) = super::cluster_list::fetch_cluster_info(&client, &opts).await {
            if info
                .broker_addr_table
                .values()
                .any(|bd| bd.broker_addrs.contains_key(&0))
            {
                return Ok(state);
            }
        }
        if Instant::now() > deadline {
            return Err(FastTryError::NoLeader(o.leader_timeout.as_secs(), p.root));
        }
        for proc_info in &state.processes {
            if !alive(proc_info.pid) {
                return Err(FastTryError::Io {
                    context: format!(
                        "{} (pid {}) exited; see {}",
                        proc_info.name,
                        proc_info.pid,
                        proc_info.log.display()
                    ),
                    source: std::io::Error::other("process exited"),
                });
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// What `stop` did.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StopReport {
    /// Processes stopped with SIGTERM.
    pub stopped: Vec<String>,
    /// Processes that needed SIGKILL.
    pub killed: Vec<String>,
    /// Whether anything was running.
    pub was_running: bool,
}

/// Stops every process of the state file: SIGTERM, then SIGKILL after `grace`. Brokers first,
/// then the name server (so brokers can unregister). Safe when nothing runs.
///
/// # Errors
/// An unreadable state file.
pub async fn stop(root: &Path, grace: Duration) -> Result<StopReport, FastTryError> {
    let mut report = StopReport::default();
    let Some(st) = status(root)? else {
        return Ok(report);
    };
    let order: Vec<&ProcessInfo> = st
        .processes
        .iter()
        .filter(|p| p.name != "namesrv")
        .chain(st.processes.iter().filter(|p| p.name == "namesrv"))
        .collect();
    for p in order {
        if !alive(p.pid) {
            continue;
        }
        report.was_running = true;
        // SAFETY: signalling a pid we started (recorded in our state file).
        unsafe { libc::kill(p.pid as i32, libc::SIGTERM) };
        let deadline = Instant::now() + grace;
        while alive(p.pid) && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        if alive(p.pid) {
            // SAFETY: as above.
            unsafe { libc::kill(p.pid as i32, libc::SIGKILL) };
            report.killed.push(format!("{} (pid {})", p.name, p.pid));
        } else {
            report.stopped.push(format!("{} (pid {})", p.name, p.pid));
        }
    }
    let _ = std::fs::remove_file(root.join(STATE_FILE));
    Ok(report)
}

/// Starts one recorded process again (`mqadmin fast-try start-node n1`), from the config copy it
/// was started with, appending to its log, records its new pid and waits until it accepts
/// connections on its first port. Issue 20 item 5: the failover demo kills a node, and a node
/// brought back any other way is unknown to `status` and `stop`.
///
/// # Errors
/// No state file, an unknown name, the node already runs, a port in use, the binary missing, the
/// process exiting or not listening within `timeout`.
pub async fn start_node(
    root: &Path,
    name: &str,
    bin_dir: &Path,
    timeout: Duration,
) -> Result<ProcessInfo, FastTryError> {
    let Some(mut st) = status(root)? else {
        return Err(FastTryError::NotRunning(root.join(STATE_FILE)));
    };
    let names = st
        .processes
        .iter()
        .map(|p| p.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let Some(p) = st.processes.iter_mut().find(|p| p.name == name) else {
        return Err(FastTryError::UnknownNode(name.to_string(), names));
    };
    if p.alive {
        return Err(FastTryError::NodeRunning(p.name.clone(), p.pid));
    }
    for (i, port) in p.ports.iter().enumerate() {
        let what = match (p.name.as_str(), i) {
            ("namesrv", _) => "name server".to_string(),
            (_, 0) => format!("broker {} listenPort", p.name),
            _ => format!("broker {} DLedger peer port", p.name),
        };
        check_port(*port, &what)?;
    }
    let mut cmd = if p.name == "namesrv" {
        let mut c = Command::new(bin_dir.join("mqnamesrv"));
        c.args([
            "--listen",
            &format!("127.0.0.1:{}", p.ports.first().copied().unwrap_or(9876)),
        ]);
        c
    } else {
        let Some(conf) = &p.config else {
            return Err(FastTryError::Config {
                path: root.join(STATE_FILE),
                reason: format!("{} has no recorded config", p.name),
            });
        };
        let mut c = Command::new(bin_dir.join("mqbroker"));
        c.arg("-c").arg(conf);
        c
    };
    let program = PathBuf::from(cmd.get_program());
    if !program.exists() {
        return Err(FastTryError::MissingBinary(program));
    }
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&p.log)
        .map_err(io(format!("open {}", p.log.display())))?;
    let err = log.try_clone().map_err(io("dup log file"))?;
    use std::os::unix::process::CommandExt;
    let child = cmd
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(err)
        .process_group(0)
        .spawn()
        .map_err(io(format!("start {}", program.display())))?;
    p.pid = child.id();
    p.alive = true;
    let started = p.clone();
    write_state(root, &st).map_err(|e| FastTryError::Io {
        context: format!("write {}", root.join(STATE_FILE).display()),
        source: e.source,
    })?;
    let port = started.ports.first().copied().unwrap_or(0);
    let deadline = Instant::now() + timeout;
    loop {
        if !alive(started.pid) {
            return Err(FastTryError::Io {
                context: format!(
                    "{} (pid {}) exited; see {}",
                    started.name,
                    started.pid,
                    started.log.display()
                ),
                source: std::io::Error::other("process exited"),
            });
        }
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return Ok(started);
        }
        if Instant::now() > deadline {
            return Err(FastTryError::Io {
                context: format!(
                    "{} (pid {}) did not listen on {port} within {} s; see {}",
                    started.name,
                    started.pid,
                    timeout.as_secs(),
                    started.log.display()
                ),
                source: std::io::Error::from(std::io::ErrorKind::TimedOut),
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
