//! `mqadmin cluster-health`: one verdict, every problem on its own line; `--wait` until healthy,
//! `--watch` to keep looking.

use std::time::{Duration, Instant};

use anyhow::Context;

use super::AdminContext;

use crate::cli::{ClusterHealthArgs, GlobalArgs};
use crate::exit::ExitStatus;
use crate::ops::cluster_health::{cluster_health, HealthOptions, HealthReport};
use crate::ops::dledger_status::GroupMode;
use crate::printer::Printer;
use crate::render::{self, OutputFormat};

/// How often `--wait` checks again.
const WAIT_STEP: Duration = Duration::from_secs(1);

/// Runs `cluster-health`.
///
/// # Errors
/// No name server answered (exit 2), an unknown cluster (exit 1), stdout closed.
pub async fn run(
    global: &GlobalArgs,
    args: &ClusterHealthArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let admin = super::admin(global);
    if admin.namesrv_addrs.is_empty() {
        // Nothing to wait for.
        return Err(crate::ops::admin::AdminError::NoNamesrv.into());
    }
    let opts = HealthOptions {
        cluster: args.cluster_name.clone(),
        max_lag_entries: args.max_lag,
        max_lag_bytes: args.max_lag_bytes,
    };
    let check = || async {
        cluster_health(&admin, &opts)
            .await
            .admin_context(|| "cannot check the cluster's health")
    };
    if let Some(seconds) = args.wait {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let mut shown = 0;
        loop {
            let report = check().await;
            // No name server may be transient too (a restart): keep waiting, but fail with it last.
            let healthy = report.as_ref().is_ok_and(|r| r.healthy);
            if healthy || Instant::now() >= deadline {
                return print(global, printer, &report?);
            }
            if let Ok(r) = &report {
                if r.problems.len() != shown {
                    shown = r.problems.len();
                    printer.info(&format!("waiting: {} problems, first: {}", shown, r.problems[0]));
                }
            }
            tokio::time::sleep(WAIT_STEP.min(deadline.saturating_duration_since(Instant::now()))).await;
        }
    }
    let Some(seconds) = args.watch else {
        return print(global, printer, &check().await?);
    };
    let interrupted = tokio::signal::ctrl_c();
    tokio::pin!(interrupted);
    let mut status;
    loop {
        let report = tokio::select! {
            r = check() => r?,
            _ = &mut interrupted => return Ok(ExitStatus::Success),
        };
        status = print(global, printer, &report)?;
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(seconds)) => {}
            _ = &mut interrupted => return Ok(status),
        }
    }
}

fn print(global: &GlobalArgs, printer: &Printer, report: &HealthReport) -> anyhow::Result<ExitStatus> {
    let text = match global.output {
        OutputFormat::Json => render::json(report)?,
        OutputFormat::Table => render_text(report),
    };
    printer.data(&text).context("failed to write to stdout")?;
    Ok(if report.healthy {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}

/// One row per group, then one `problem:` line per problem and the verdict.
pub fn render_text(report: &HealthReport) -> String {
    let rows = report.groups.iter().map(|g| {
        let answering = g.nodes.iter().filter(|n| n.status.is_some()).count();
        let leader = g.leader();
        let raft = leader.and_then(|n| n.status.as_ref()?.raft.as_ref());
        let max_lag = g
            .nodes
            .iter()
            .filter_map(|n| match g.mode {
                GroupMode::Dledger => n.lag_entries,
                _ => n.lag_bytes,
            })
            .max();
        vec![
            g.cluster.clone(),
            g.broker_name.clone(),
            match g.mode {
                GroupMode::Dledger => "dledger",
                GroupMode::MasterSlave => "master-slave",
                GroupMode::Unknown => "unknown",
            }
            .to_string(),
            format!("{answering}/{}", g.nodes.len()),
            g.nodes
                .iter()
                .find(|n| n.broker_id == 0)
                .map_or("-".into(), |n| n.addr.clone()),
            raft.map_or_else(
                || {
                    if leader.is_some() {
                        "master".into()
                    } else {
                        "-".into()
                    }
                },
                |r| r.self_id.clone(),
            ),
            raft.map_or("-".into(), |r| r.term.to_string()),
            match (max_lag, g.mode) {
                (Some(l), GroupMode::MasterSlave) => format!("{l} B"),
                (Some(l), _) => l.to_string(),
                (None, _) => "-".into(),
            },
        ]
    });
    let mut text = render::table(
        &[
            "cluster", "group", "mode", "nodes", "bid 0", "leader", "term", "max lag",
        ],
        rows,
    );
    for p in &report.problems {
        text.push_str(&format!("problem: {p}\n"));
    }
    if report.healthy {
        text.push_str("healthy\n");
    } else {
        text.push_str(&format!("unhealthy: {} problems\n", report.problems.len()));
    }
    text
}
