//! `mqadmin consumerStatus`: Java's per-client running-info dump of a consumer group, with the
//! subscription and queue-allocation verdicts.

use anyhow::Context;

use super::AdminContext;

use crate::cli::{ConsumerStatusArgs, GlobalArgs};
use crate::exit::ExitStatus;
use crate::javafmt::left;
use crate::ops::consumer_status::{
    consumer_status, format_running_info, ConsumerStatus, GroupStatus, StatusOptions,
};
use crate::printer::Printer;
use crate::render::{self, OutputFormat};

/// Runs `consumerStatus`.
///
/// # Errors
/// No live consumer of the group or an unknown `-i` client (exit 1), unreachable servers.
pub async fn run(
    global: &GlobalArgs,
    args: &ConsumerStatusArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let group = args.group.trim();
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    let opts = StatusOptions {
        group: group.to_string(),
        client_id: args.client_id.as_deref().map(str::trim).map(str::to_string),
        jstack: args.jstack,
        dir: args.status_dir.clone(),
        now_ms,
    };
    let status = consumer_status(&super::admin(global), &opts)
        .await
        .admin_context(|| format!("cannot read the status of consumer group {group}"))?;
    let mut exit = ExitStatus::Success;
    if let ConsumerStatus::Group(g) = &status {
        for c in &g.clients {
            if let Some(e) = &c.file_error {
                printer.warn(&format!("cannot write the running info of {}: {e}", c.client_id));
            }
        }
        for f in &g.unanswered {
            printer.warn(&format!("client {} did not answer: {}", f.client_id, f.error));
        }
        if !g.unanswered.is_empty() || !g.same_subscription || !g.rebalance_ok {
            exit = ExitStatus::Failure;
        }
    }
    let text = match (global.output, &status) {
        (OutputFormat::Json, _) => render::json(&status)?,
        (OutputFormat::Table, ConsumerStatus::Client(c)) => format_running_info(&c.running_info),
        (OutputFormat::Table, ConsumerStatus::Group(g)) => render_group(g),
    };
    printer.data(&text).context("failed to write to stdout")?;
    Ok(exit)
}

/// Java's text: `%03d  %-40s %-20s %s` per client (index, id, version, file), then the
/// subscription verdict, and when the subscriptions agree the rebalance verdict (with one line
/// per misallocated queue) and the process-queue findings.
pub fn render_group(g: &GroupStatus) -> String {
    let mut out = String::new();
    for (i, c) in g.clients.iter().enumerate() {
        let file = c
            .file
            .as_ref()
            .map_or_else(|| "(not written)".to_string(), |p| p.display().to_string());
        out.push_str(&format!(
            "{:03}  {} {} {file}\n",
            i + 1,
            left(&c.client_id, 40),
            left(&c.version_desc, 20)
        ));
    }
    if g.clients.is_empty() {
        return out;
    }
    if !g.same_subscription {
        out.push_str("\n\nWARN: Different subscription in the same group of consumer!!!\n");
        return out;
    }
    out.push_str("\n\nSame subscription in the same group of consumer");
    out.push_str(&format!(
        "\n\nRebalance {}\n",
        if g.rebalance_ok { "OK" } else { "Failed" }
    ));
    for p in &g.rebalance_problems {
        out.push_str(&format!("{p}\n"));
    }
    for w in &g.process_queue_warnings {
        out.push_str(&format!("{w}\n"));
    }
    out
}
