//! A broker as a process: what it is (`info`: paths, lock, free space), whether it runs, start,
//! stop, and whether a port is free. This is the only place the agent runs a program, and it runs
//! only the configured start/stop commands (or our `mqbroker -c <config>` and SIGTERM): start
//! and stop refuse any parameter or body that could carry a command, so an attempt is answered
//! 400 and logged rather than ignored.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use axum::extract::{Path as UrlPath, Query, State};
use axum::http::StatusCode;
use axum::Json;

use super::{resolve, ApiError, Resolved, Result, Shared};
use crate::agent::api::{BrokerInfo, PortInfo, ProcessInfo};
use crate::agent::procs;
use crate::store::probe;

/// Default seconds a stop waits before SIGKILL.
const DEFAULT_STOP_SECS: u64 = 60;

pub(super) async fn info(State(agent): Shared, UrlPath(b): UrlPath<String>) -> Result<Json<BrokerInfo>> {
    let r = resolve(&agent, &b)?;
    let locked = r.locked()?;
    let free_space =
        probe::free_bytes(&r.store_root).map_err(|e| ApiError::io("statvfs", &r.store_root, &e))?;
    Ok(Json(BrokerInfo {
        name: r.name.clone(),
        config: r.entry.config.clone(),
        lock_file: r.lock_file(),
        store_root: r.store_root,
        commitlog_dir: r.commitlog_dir,
        locked,
        free_space,
    }))
}

fn status_of(r: &Resolved<'_>, action: Option<&str>) -> Result<ProcessInfo> {
    let pids = if r.foreign() {
        Vec::new()
    } else {
        procs::find_broker_pids(&r.entry.config)
    };
    let locked = r.locked()?;
    let running = !pids.is_empty() || locked;
    Ok(ProcessInfo {
        action: action
            .unwrap_or(if running { "running" } else { "not running" })
            .to_owned(),
        pids,
        locked,
        log: None,
    })
}

pub(super) async fn process(State(agent): Shared, UrlPath(b): UrlPath<String>) -> Result<Json<ProcessInfo>> {
    let r = resolve(&agent, &b)?;
    Ok(Json(status_of(&r, None)?))
}

/// Start and stop take no parameter but the timeout: a request that tries to pass anything else
/// (a command, arguments) is refused, so it shows up in the log.
fn refuse_extra(params: &BTreeMap<String, String>, allowed: &[&str]) -> Result<()> {
    match params.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("unknown parameter `{k}`: the agent runs only the configured start/stop commands"),
        )),
        None => Ok(()),
    }
}

pub(super) async fn start(
    State(agent): Shared,
    UrlPath(b): UrlPath<String>,
    Query(params): Query<BTreeMap<String, String>>,
    body: String,
) -> Result<Json<ProcessInfo>> {
    refuse_extra(&params, &[])?;
    if !body.trim().is_empty() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "start takes no body: the agent runs only the configured start command",
        ));
    }
    let r = resolve(&agent, &b)?;
    let current = status_of(&r, None)?;
    if current.action == "running" {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            format!("the broker `{b}` is already running (pids {:?})", current.pids),
        ));
    }
    let log = r.store_root.join(procs::BROKER_LOG);
    let (program, args) = match &r.entry.start_cmd {
        Some(cmd) => match cmd.split_first() {
            Some((p, a)) => (PathBuf::from(p), a.to_vec()),
            None => {
                return Err(ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "empty start command",
                ))
            }
        },
        None => {
            if !agent.mqbroker().exists() {
                return Err(ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!(
                        "{} not found; start mqagent with --mqbroker PATH",
                        agent.mqbroker().display()
                    ),
                ));
            }
            (
                agent.mqbroker().to_path_buf(),
                vec!["-c".to_owned(), r.entry.config.display().to_string()],
            )
        }
    };
    tracing::info!(broker = %b, program = %program.display(), ?args, "starting");
    let pid =
        procs::spawn_detached(&program, &args, &log).map_err(|e| ApiError::io("start", &program, &e))?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    if r.entry.start_cmd.is_none() && !procs::alive(pid) {
        return Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("mqbroker for `{b}` exited at start-up; see `{}`", log.display()),
        ));
    }
    Ok(Json(ProcessInfo {
        action: "started".into(),
        pids: vec![pid],
        locked: r.locked()?,
        log: Some(log),
    }))
}

pub(super) async fn stop(
    State(agent): Shared,
    UrlPath(b): UrlPath<String>,
    Query(params): Query<BTreeMap<String, String>>,
) -> Result<Json<ProcessInfo>> {
    refuse_extra(&params, &["timeout_secs"])?;
    let secs = match params.get("timeout_secs") {
        Some(s) => s.parse::<u64>().map_err(|_| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("timeout_secs `{s}` is not a number"),
            )
        })?,
        None => DEFAULT_STOP_SECS,
    };
    let timeout = Duration::from_secs(secs);
    let r = resolve(&agent, &b)?;
    let before = status_of(&r, None)?;
    if before.action == "not running" {
        return Ok(Json(before));
    }
    let mut action = "stopped";
    match &r.entry.stop_cmd {
        Some(cmd) => {
            tracing::info!(broker = %b, ?cmd, "stopping with the configured command");
            procs::run_to_end(cmd, &r.store_root.join(procs::BROKER_LOG), timeout)
                .await
                .map_err(|e| {
                    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, format!("stop command: {e}"))
                })?;
        }
        None => {
            tracing::info!(broker = %b, pids = ?before.pids, "stopping with SIGTERM");
            if procs::terminate(&before.pids, timeout).await {
                action = "killed";
            }
        }
    }
    // The lock goes with the process; a short wait covers a reaping delay.
    let deadline = Instant::now() + timeout.max(Duration::from_secs(5));
    while r.locked()? {
        if Instant::now() > deadline {
            return Err(ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("the store lock `{}` is still held", r.lock_file().display()),
            ));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(Json(ProcessInfo {
        action: action.into(),
        pids: before.pids,
        locked: false,
        log: None,
    }))
}

pub(super) async fn port(UrlPath(port): UrlPath<u16>) -> Json<PortInfo> {
    let free = std::net::TcpListener::bind(("0.0.0.0", port)).is_ok();
    Json(PortInfo { port, free })
}
