//! `mqadmin brokerStatus`: runtime statistics as Java's sorted `key: value` lines.

use super::AdminContext;

use crate::cli::{BrokerTargetArgs, GlobalArgs};
use crate::exit::ExitStatus;
use crate::ops::broker_status::{broker_status, BrokerStatusReport};
use crate::printer::Printer;

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
    let brokers = report
        .brokers
        .iter()
        .map(|b| (b.addr.as_str(), b.error.as_deref()));
    super::print_brokers_report(global, printer, &report, brokers, |r| {
        render_text(r, args.cluster_name.is_some())
    })
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
