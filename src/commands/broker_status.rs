//! `mqadmin brokerStatus`: runtime statistics as Java's sorted `key: value` lines.

use anyhow::Context;

use super::AdminContext;

use crate::cli::{BrokerTargetArgs, GlobalArgs};
use crate::exit::ExitStatus;
use crate::ops::broker_status::{broker_status, BrokerStatusReport};
use crate::printer::Printer;
use crate::render::{self, OutputFormat};

/// Runs `brokerStatus`.
///
/// # Errors
/// Unknown cluster (exit 1), unreachable name server or broker.
pub async fn run(
    global: &GlobalArgs,
    args: &BrokerTargetArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let target = super::broker_target(args);
    let report = broker_status(&super::admin(global), &target)
        .await
        .admin_context(|| "cannot read broker runtime info")?;
    let status = super::warn_unreachable(
        printer,
        report
            .brokers
            .iter()
            .map(|b| (b.addr.as_str(), b.error.as_deref())),
    );
    let text = match global.output {
        OutputFormat::Json => render::json(&report)?,
        OutputFormat::Table => render_text(&report, args.cluster_name.is_some()),
    };
    printer.data(&text).context("failed to write to stdout")?;
    Ok(status)
}

/// Java: `%-32s: %s` per key, or `%-24s %-32s: %s` with the address first for `-c`.
pub fn render_text(report: &BrokerStatusReport, with_addr: bool) -> String {
    let mut out = String::new();
    for b in &report.brokers {
        for (k, v) in &b.table {
            if with_addr {
                out.push_str(&format!("{:<24} {:<32}: {}\n", b.addr, k, v));
            } else {
                out.push_str(&format!("{k:<32}: {v}\n"));
            }
        }
    }
    out
}
