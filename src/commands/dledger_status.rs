//! `mqadmin dledger-status`: each node's replication state as a table or JSON.

use anyhow::Context;

use super::AdminContext;

use crate::cli::{DledgerStatusArgs, GlobalArgs};
use crate::exit::ExitStatus;
use crate::ops::dledger_status::{
    dledger_status, DledgerStatusReport, GroupStatus, NodeError, NodeStatus, StatusOptions,
};
use crate::printer::Printer;
use crate::render::{self, OutputFormat};

/// Runs `dledger-status`.
///
/// # Errors
/// No name server answered (exit 2); an unknown cluster or group (exit 1).
pub async fn run(
    global: &GlobalArgs,
    args: &DledgerStatusArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let opts = StatusOptions {
        cluster: args.cluster_name.clone(),
        group: args.group.clone(),
    };
    let report = dledger_status(&super::admin(global), &opts)
        .await
        .admin_context(|| "cannot read the replication status")?;
    let mut status = ExitStatus::Success;
    for (g, n) in report.failed() {
        if let Some(e) = &n.error {
            printer.warn(&format!(
                "{}: node {} (BID {}) {e}",
                g.broker_name, n.addr, n.broker_id
            ));
            status = ExitStatus::Failure;
        }
    }
    let text = match global.output {
        OutputFormat::Json => render::json(&report)?,
        OutputFormat::Table => render_table(&report),
    };
    printer.data(&text).context("failed to write to stdout")?;
    Ok(status)
}

/// `95ms` below a second, else `1.2s`.
pub fn ago(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms}ms")
    } else {
        format!("{:.1}s", ms as f64 / 1000.0)
    }
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(|| "-".to_string(), |v| v.to_string())
}

fn contact(n: &NodeStatus) -> String {
    let Some(s) = &n.status else { return "-".into() };
    if let Some(r) = &s.raft {
        if r.state == "Leader" {
            let acks: Vec<String> = r
                .followers
                .iter()
                .map(|f| format!("{} {}", f.self_id, f.millis_since_ack.map_or("never".into(), ago)))
                .collect();
            return format!("acks {}", acks.join(" "));
        }
    }
    if let Some(h) = &s.ha {
        if n.role == "Master" {
            return match h.millis_since_slave_report {
                Some(ms) if h.slave_connections > 0 => format!("slave {}", ago(ms)),
                _ => "no slave".into(),
            };
        }
    }
    n.millis_since_leader_contact.map_or("never".into(), ago)
}

fn files(n: &NodeStatus) -> String {
    let Some(s) = &n.status else { return "-".into() };
    match (&s.first_data_file, &s.last_data_file) {
        (Some(f), Some(l)) if f == l => format!("{f} (1)"),
        (Some(f), Some(l)) => format!("{f}..{l} ({})", s.data_files),
        _ => "none".into(),
    }
}

fn row(g: &GroupStatus, n: &NodeStatus) -> Vec<String> {
    let raft = n.status.as_ref().and_then(|s| s.raft.as_ref());
    vec![
        g.broker_name.clone(),
        raft.map_or("-".into(), |r| r.self_id.clone()),
        n.addr.clone(),
        n.broker_id.to_string(),
        match &n.error {
            Some(NodeError::Unsupported(_)) => "unsupported".into(),
            Some(NodeError::Unreachable(_)) => "unreachable".into(),
            Some(NodeError::Failed(_)) => "failed".into(),
            None => n.role.clone(),
        },
        opt(raft.map(|r| r.term)),
        opt(raft.and_then(|r| r.last_log_index)),
        opt(raft.and_then(|r| r.committed_index)),
        opt(raft.and_then(|r| r.applied_index)),
        opt(n.status.as_ref().map(|s| s.commitlog_max_offset)),
        opt(n.lag_entries),
        opt(n.lag_bytes),
        contact(n),
        files(n),
        opt(n
            .status
            .as_ref()
            .and_then(|s| s.disk_used_ratio)
            .map(|r| format!("{:.1}%", r * 100.0))),
    ]
}

/// The borderless table: one row per node.
pub fn render_table(report: &DledgerStatusReport) -> String {
    render::table(
        &[
            "group",
            "self",
            "addr",
            "bid",
            "role",
            "term",
            "last",
            "committed",
            "applied",
            "max offset",
            "lag",
            "lag bytes",
            "contact",
            "files",
            "disk",
        ],
        report
            .groups
            .iter()
            .flat_map(|g| g.nodes.iter().map(move |n| row(g, n))),
    )
}
