//! `mqadmin transfer-leader`: moves a DLedger group's leadership, one line on stdout.

use anyhow::Context;

use super::AdminContext;

use crate::cli::{GlobalArgs, TransferLeaderArgs};
use crate::exit::ExitStatus;
use crate::ops::transfer_leader::{transfer_leader, TransferOptions, TransferReport};
use crate::printer::Printer;
use crate::render::{self, OutputFormat};

/// Runs `transfer-leader`.
///
/// # Errors
/// An unknown group, a refused target (exit 1); no name server or leader reachable (exit 2).
pub async fn run(
    global: &GlobalArgs,
    args: &TransferLeaderArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let opts = TransferOptions {
        broker_name: args.broker_name.clone(),
        to: args.to.as_ref().map(|t| t.trim().to_owned()),
        dry_run: args.dry_run,
    };
    if !opts.dry_run {
        printer.info(&format!(
            "moving the leadership of {} ...",
            opts.broker_name.trim()
        ));
    }
    let report = transfer_leader(&super::admin(global), &opts)
        .await
        .admin_context(|| format!("cannot move the leadership of {}", opts.broker_name.trim()))?;
    let text = match global.output {
        OutputFormat::Json => render::json(&report)?,
        OutputFormat::Table => render_text(&report),
    };
    printer.data(&text).context("failed to write to stdout")?;
    if !report.dry_run && report.to_addr.is_none() {
        printer.warn("the new leader has not registered as BID 0 with the name server within 10 s");
        return Ok(ExitStatus::Failure);
    }
    Ok(ExitStatus::Success)
}

/// `leadership of G moved from n0 (ADDR) to n1 (ADDR)`, or the dry run's choice.
pub fn render_text(r: &TransferReport) -> String {
    if r.dry_run {
        return format!(
            "dry run: {} would move the leadership of {} to {}\n",
            r.from, r.broker_name, r.to
        );
    }
    format!(
        "leadership of {} moved from {} ({}) to {} ({})\n",
        r.broker_name,
        r.from,
        r.from_addr,
        r.to,
        r.to_addr.as_deref().unwrap_or("not registered yet")
    )
}
