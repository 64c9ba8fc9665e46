//! `mqadmin getBrokerConfig`: the effective configuration as Java's `%-50s=  %s` lines.

use super::AdminContext;

use crate::cli::{BrokerTargetArgs, GlobalArgs};
use crate::exit::ExitStatus;
use crate::ops::get_broker_config::{get_broker_config, BrokerConfigReport};
use crate::printer::Printer;

/// Runs `getBrokerConfig`.
///
/// # Errors
/// Unknown cluster (exit 1), unreachable name server or broker.
pub async fn run(
    global: &GlobalArgs,
    args: &BrokerTargetArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let target = super::broker_target(args);
    let report = get_broker_config(&super::admin(global), &target)
        .await
        .admin_context(|| "cannot read broker config")?;
    let brokers = report
        .brokers
        .iter()
        .map(|b| (b.addr.as_str(), b.error.as_deref()));
    super::print_brokers_report(global, printer, &report, brokers, render_text)
}

/// Java: with `-c`, a `============Master: ADDR============` (or
/// `============My Master: M=====Slave: ADDR============`) header per broker; then
/// `%-50s=  %s` per key (sorted here; Java's `Properties` order is a hash order) and a blank line.
pub fn render_text(report: &BrokerConfigReport) -> String {
    let mut out = String::new();
    for b in &report.brokers {
        match (b.broker_id, &b.master_addr) {
            (None, _) => {}
            (Some(0), _) => out.push_str(&format!("============Master: {}============\n", b.addr)),
            (Some(_), master) => out.push_str(&format!(
                "============My Master: {}=====Slave: {}============\n",
                master.as_deref().unwrap_or(""),
                b.addr
            )),
        }
        for (k, v) in &b.config {
            out.push_str(&format!("{k:<50}=  {v}\n"));
        }
        out.push('\n');
    }
    out
}
