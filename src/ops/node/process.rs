//! Local `mqbroker` processes named by their config file: find them (via `/proc/*/cmdline`),
//! stop them gracefully (SIGTERM, as `mqshutdown broker` does, then wait until the store `lock`
//! is free) and start them detached (`mqbroker -c <config>` from next to `mqadmin`, output
//! appended to `<store root>/mqbroker.log`). Used by `shutdownBroker`, `startBroker` and
//! `upgrade-group`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use broker::config::BrokerConfig;
use serde::Serialize;

use super::{LocalNode, NodeStore};
use crate::ops::fast_try::alive;
use broker::agent::procs::canonical;
/// The agent finds brokers and names their log the same way: one implementation for both.
pub use broker::agent::procs::{find_broker_pids, BROKER_LOG};

/// Why a broker could not be stopped or started.
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    /// The config file does not load.
    #[error("cannot load the broker config `{}`", path.display())]
    Config {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: broker::config::ConfigError,
    },
    /// The broker did not exit in time after SIGTERM.
    #[error("mqbroker (pid {pid}) for `{}` did not exit within {secs} s of SIGTERM", config.display())]
    StillRunning {
        /// The process.
        pid: u32,
        /// Its config.
        config: PathBuf,
        /// How long we waited.
        secs: u64,
    },
    /// The store stays locked although no process of ours holds it.
    #[error("the store lock `{}` is still held (another broker uses this store?)", lock.display())]
    Locked {
        /// The lock file.
        lock: PathBuf,
    },
    /// A broker for this config is already running.
    #[error("mqbroker for `{}` is already running (pid {pid})", config.display())]
    AlreadyRunning {
        /// The process.
        pid: u32,
        /// Its config.
        config: PathBuf,
    },
    /// The binary is missing.
    #[error("{} not found next to mqadmin; build it with `cargo build -p broker --bins`", .0.display())]
    MissingBinary(PathBuf),
    /// The broker exited right after being started.
    #[error("mqbroker for `{}` exited at start-up; see `{}`", config.display(), log.display())]
    ExitedEarly {
        /// Its config.
        config: PathBuf,
        /// Its log.
        log: PathBuf,
    },
    /// I/O error.
    #[error("failed to {action} `{}`", path.display())]
    Io {
        /// What we were doing.
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// Probing the lock failed.
    #[error(transparent)]
    Probe(#[from] super::NodeError),
}

/// What `stop` or `start` did to one broker.
#[derive(Debug, Clone, Serialize)]
pub struct ProcessReport {
    /// The config file.
    pub config: PathBuf,
    /// `stopped`, `not running`, `started` or `already running`.
    pub action: String,
    /// The pids involved.
    pub pids: Vec<u32>,
    /// The log file (start only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log: Option<PathBuf>,
}

fn lock_of(config: &Path) -> Result<LocalNode, ProcessError> {
    LocalNode::from_config("broker", config).map_err(ProcessError::from)
}

/// Stops the broker of `config` with SIGTERM and waits (up to `grace`) until it has exited and
/// its store lock is free. Nothing to do (and success) if it is not running.
///
/// # Errors
/// [`ProcessError::StillRunning`] after `grace`, [`ProcessError::Locked`] if the store stays
/// locked.
pub async fn stop_broker(config: &Path, grace: Duration) -> Result<ProcessReport, ProcessError> {
    let node = lock_of(config)?;
    let pids = find_broker_pids(config);
    for pid in &pids {
        // SAFETY: kill(2) with SIGTERM on a pid whose command line names this broker config.
        unsafe { libc::kill(*pid as libc::pid_t, libc::SIGTERM) };
    }
    let deadline = Instant::now() + grace;
    for pid in &pids {
        while alive(*pid) {
            if Instant::now() > deadline {
                return Err(ProcessError::StillRunning {
                    pid: *pid,
                    config: config.to_path_buf(),
                    secs: grace.as_secs(),
                });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    // The lock is released when the process is gone; a short wait covers a reaping delay.
    loop {
        match node.lock_state()? {
            Some(state) if state.locked => {
                if Instant::now() > deadline {
                    return Err(ProcessError::Locked { lock: state.path });
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            _ => break,
        }
    }
    Ok(ProcessReport {
        config: config.to_path_buf(),
        action: if pids.is_empty() { "not running" } else { "stopped" }.into(),
        pids,
        log: None,
    })
}

/// Starts `mqbroker -c config` from `bin_dir`, detached (own process group, stdin closed, output
/// appended to `<store root>/mqbroker.log`), and checks that it is still alive shortly after.
///
/// # Errors
/// [`ProcessError::AlreadyRunning`], [`ProcessError::MissingBinary`],
/// [`ProcessError::ExitedEarly`] or I/O errors.
pub async fn start_broker(config: &Path, bin_dir: &Path) -> Result<ProcessReport, ProcessError> {
    if let Some(pid) = find_broker_pids(config).first() {
        return Err(ProcessError::AlreadyRunning {
            pid: *pid,
            config: config.to_path_buf(),
        });
    }
    let (cfg, _) = BrokerConfig::from_properties_file(config).map_err(|source| ProcessError::Config {
        path: config.to_path_buf(),
        source,
    })?;
    let bin = bin_dir.join("mqbroker");
    if !bin.exists() {
        return Err(ProcessError::MissingBinary(bin));
    }
    let root = PathBuf::from(&cfg.store_path_root_dir);
    std::fs::create_dir_all(&root).map_err(|source| ProcessError::Io {
        action: "create directory",
        path: root.clone(),
        source,
    })?;
    let log = root.join(BROKER_LOG);
    let out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .map_err(|source| ProcessError::Io {
            action: "open",
            path: log.clone(),
            source,
        })?;
    let err = out.try_clone().map_err(|source| ProcessError::Io {
        action: "duplicate the handle of",
        path: log.clone(),
        source,
    })?;
    use std::os::unix::process::CommandExt;
    let child = Command::new(&bin)
        .arg("-c")
        .arg(canonical(config))
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .process_group(0)
        .spawn()
        .map_err(|source| ProcessError::Io {
            action: "start",
            path: bin.clone(),
            source,
        })?;
    let pid = child.id();
    // Reap it in the background so it never lingers as a zombie while mqadmin runs.
    std::thread::spawn(move || {
        let mut child = child;
        let _ = child.wait();
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    if !alive(pid) {
        return Err(ProcessError::ExitedEarly {
            config: config.to_path_buf(),
            log,
        });
    }
    Ok(ProcessReport {
        config: config.to_path_buf(),
        action: "started".into(),
        pids: vec![pid],
        log: Some(log),
    })
}
