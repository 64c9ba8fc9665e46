//! The only processes the agent ever runs or signals: the `mqbroker` of a registered config
//! (started as `<mqbroker> -c <config>`, stopped with SIGTERM, then SIGKILL after the timeout),
//! or, for an Apache RocketMQ broker, the start and stop command lines given on the agent's own
//! command line. No request can supply a command line: there is no such parameter anywhere.
//!
//! Our brokers are found by their command line (`/proc/<pid>/cmdline` names `mqbroker` and has
//! `-c <config>`), so brokers started before the agent (or by hand) are managed too.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The log file, under the store root, that a start appends the broker's output to.
pub const BROKER_LOG: &str = "mqbroker.log";

/// `path` canonicalized, or as given when that fails (a missing file).
pub fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Whether `pid` is a live process (a zombie counts as gone).
pub fn alive(pid: u32) -> bool {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    if stat.is_empty() {
        // SAFETY: kill with signal 0 only checks for existence and permission.
        return unsafe { libc::kill(pid as libc::pid_t, 0) } == 0;
    }
    // Field 3 is the state; `Z` is a zombie (exited, not yet reaped).
    !stat
        .rsplit(')')
        .next()
        .is_some_and(|rest| rest.trim_start().starts_with('Z'))
}

/// The pids of `mqbroker` processes whose command line names `config` after `-c` (or
/// `--configFile`), comparing canonical paths. Linux only; elsewhere the list is empty.
pub fn find_broker_pids(config: &Path) -> Vec<u32> {
    let want = canonical(config);
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut pids = Vec::new();
    for entry in dir.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let args: Vec<String> = cmdline
            .split(|b| *b == 0)
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        if !args.first().is_some_and(|a| a.contains("mqbroker")) {
            continue;
        }
        let cwd = std::fs::read_link(entry.path().join("cwd")).unwrap_or_default();
        let names_it = args
            .windows(2)
            .any(|w| (w[0] == "-c" || w[0] == "--configFile") && canonical(&cwd.join(&w[1])) == want);
        if names_it && alive(pid) {
            pids.push(pid);
        }
    }
    pids
}

fn open_log(log: &Path) -> std::io::Result<(Stdio, Stdio)> {
    if let Some(dir) = log.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let out = std::fs::OpenOptions::new().create(true).append(true).open(log)?;
    let err = out.try_clone()?;
    Ok((out.into(), err.into()))
}

/// Spawns `program args…` detached (own process group, stdin closed, output appended to `log`)
/// and reaps it in the background. Returns its pid.
///
/// # Errors
/// The log cannot be opened or the program cannot be started.
pub fn spawn_detached(program: &Path, args: &[String], log: &Path) -> std::io::Result<u32> {
    use std::os::unix::process::CommandExt;
    let (out, err) = open_log(log)?;
    let child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .process_group(0)
        .spawn()?;
    let pid = child.id();
    std::thread::spawn(move || {
        let mut child = child;
        let _ = child.wait();
    });
    Ok(pid)
}

/// Runs a configured stop command to completion (at most `timeout`, then it is killed), output
/// appended to `log`.
///
/// # Errors
/// It cannot be started, fails, or outlives `timeout`.
pub async fn run_to_end(cmd: &[String], log: &Path, timeout: Duration) -> std::io::Result<()> {
    let Some((program, args)) = cmd.split_first() else {
        return Err(std::io::Error::other("empty command line"));
    };
    let (out, err) = open_log(log)?;
    let mut child = tokio::process::Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .kill_on_drop(true)
        .spawn()?;
    match tokio::time::timeout(timeout, child.wait()).await {
        Ok(status) => {
            let status = status?;
            if status.success() {
                Ok(())
            } else {
                Err(std::io::Error::other(format!("`{program}` exited with {status}")))
            }
        }
        Err(_) => Err(std::io::Error::other(format!(
            "`{program}` did not finish within {} s",
            timeout.as_secs()
        ))),
    }
}

/// Sends SIGTERM to `pids`, waits up to `timeout` for them to exit, then SIGKILLs the rest.
/// Returns whether any had to be killed.
pub async fn terminate(pids: &[u32], timeout: Duration) -> bool {
    for pid in pids {
        // SAFETY: kill(2) with SIGTERM on a pid whose command line names a registered config.
        unsafe { libc::kill(*pid as libc::pid_t, libc::SIGTERM) };
    }
    let deadline = Instant::now() + timeout;
    while pids.iter().any(|p| alive(*p)) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut killed = false;
    for pid in pids.iter().filter(|p| alive(**p)) {
        // SAFETY: as above; the broker ignored SIGTERM for the whole timeout.
        unsafe { libc::kill(*pid as libc::pid_t, libc::SIGKILL) };
        killed = true;
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while pids.iter().any(|p| alive(*p)) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    killed
}
