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
    /// The store stays locked although no process of ours holds it (or none with this config
    /// runs at all: then this is returned at once instead of after the grace period).
    #[error("the store lock `{}` is held by {}, not by a mqbroker started with -c `{}`; stop that process (a fast-try node: `mqadmin fast-try stop`)",
        lock.display(), holder.as_deref().unwrap_or("another process (not found in /proc)"), config.display())]
    Locked {
        /// The lock file.
        lock: PathBuf,
        /// `pid N: command line` of the process holding it, when found.
        holder: Option<String>,
        /// The config we were asked to stop.
        config: PathBuf,
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
    #[error("mqbroker for `{}` exited at start-up{}; see `{}`", config.display(),
        last_error.as_deref().map(|l| format!(": {l}")).unwrap_or_default(), log.display())]
    ExitedEarly {
        /// Its config.
        config: PathBuf,
        /// Its log.
        log: PathBuf,
        /// The last error line it wrote to the log in this start (issue 20 item 18: the reason,
        /// e.g. a port in use, was only in the log).
        last_error: Option<String>,
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

/// The process holding `lock` open, as `pid N: command line`, found through `/proc/*/fd`
/// (Linux; `None` elsewhere or when it is another user's process).
pub fn lock_holder(lock: &Path) -> Option<String> {
    let want = std::fs::canonicalize(lock).ok()?;
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if pid == std::process::id() {
            continue;
        }
        let Ok(fds) = std::fs::read_dir(entry.path().join("fd")) else {
            continue;
        };
        if fds
            .flatten()
            .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|t| t == want))
        {
            let cmd = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
            let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
            return Some(format!("pid {pid}: {}", cmd.trim()));
        }
    }
    None
}

/// Stops the broker of `config` with SIGTERM and waits (up to `grace`) until it has exited and
/// its store lock is free. Nothing to do (and success) if it is not running.
///
/// # Errors
/// [`ProcessError::StillRunning`] after `grace`, [`ProcessError::Locked`] if the store stays
/// locked.
pub async fn stop_broker(config: &Path, grace: Duration) -> Result<ProcessReport, ProcessError> {
    stop_broker_reporting(config, grace, &mut |_| {}).await
}

/// [`stop_broker`], telling `progress` at once what it waits for (issue 20 item 2: a silent
/// minute, then a lock error). When no `mqbroker -c <config>` runs but the store is locked, it
/// fails at once, naming the process that holds the lock.
///
/// # Errors
/// As [`stop_broker`].
pub async fn stop_broker_reporting(
    config: &Path,
    grace: Duration,
    progress: &mut (dyn FnMut(String) + Send),
) -> Result<ProcessReport, ProcessError> {
    let node = lock_of(config)?;
    let pids = find_broker_pids(config);
    if pids.is_empty() {
        if let Some(state) = node.lock_state()?.filter(|s| s.locked) {
            return Err(ProcessError::Locked {
                holder: lock_holder(&state.path),
                lock: state.path,
                config: config.to_path_buf(),
            });
        }
    }
    for pid in &pids {
        // SAFETY: kill(2) with SIGTERM on a pid whose command line names this broker config.
        unsafe { libc::kill(*pid as libc::pid_t, libc::SIGTERM) };
        progress(format!(
            "sent SIGTERM to mqbroker (pid {pid}); waiting up to {} s for it to exit and release its store lock",
            grace.as_secs()
        ));
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
                    return Err(ProcessError::Locked {
                        holder: lock_holder(&state.path),
                        lock: state.path,
                        config: config.to_path_buf(),
                    });
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

/// The last line written to `log` after byte `from` that reads like an error (`error`, `panic`,
/// `failed`), else the last non-empty one; `None` when nothing was written.
pub fn last_error_line(log: &Path, from: u64) -> Option<String> {
    use std::io::{Read, Seek};
    let mut file = std::fs::File::open(log).ok()?;
    file.seek(std::io::SeekFrom::Start(from)).ok()?;
    let mut bytes = Vec::new();
    // A start-up failure writes a few lines; 64 KiB is plenty and bounds the read.
    file.take(64 * 1024).read_to_end(&mut bytes).ok()?;
    let text = String::from_utf8_lossy(&bytes);
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let erring = |l: &&&str| {
        let l = l.to_ascii_lowercase();
        l.contains("error") || l.contains("panic") || l.contains("failed")
    };
    lines
        .iter()
        .rev()
        .find(erring)
        .or(lines.last())
        .map(|l| l.to_string())
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
    let log_start = std::fs::metadata(&log).map(|m| m.len()).unwrap_or(0);
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
            last_error: last_error_line(&log, log_start),
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
