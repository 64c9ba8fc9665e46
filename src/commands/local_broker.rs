//! `mqadmin shutdownBroker` / `startBroker`: stop or start the local `mqbroker` of a config file.

use std::time::Duration;

use anyhow::Context;

use crate::cli::{GlobalArgs, LocalBrokerArgs};
use crate::exit::ExitStatus;
use crate::ops::broker_process::{self, ProcessReport};
use crate::printer::Printer;
use crate::render::{self, OutputFormat};

fn render_one(global: &GlobalArgs, report: &ProcessReport, printer: &Printer) -> anyhow::Result<()> {
    let text = match global.output {
        OutputFormat::Json => render::json(report).context("failed to encode JSON")?,
        OutputFormat::Table => render::table(
            &["config", "action", "pids"],
            [vec![
                report.config.display().to_string(),
                report.action.clone(),
                format!("{:?}", report.pids),
            ]],
        ),
    };
    printer.data(&text).context("failed to write to stdout")
}

/// `shutdownBroker -c FILE`: SIGTERM, wait for exit and the store lock; success if not running.
///
/// # Errors
/// The broker did not stop in time, or its config does not load.
pub async fn shutdown(
    global: &GlobalArgs,
    args: &LocalBrokerArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let report = broker_process::stop_broker(&args.config, Duration::from_secs(args.timeout)).await?;
    if report.pids.is_empty() {
        printer.hint(&format!(
            "no mqbroker runs with this config; start it with `mqadmin startBroker -c {}`",
            args.config.display()
        ));
    }
    render_one(global, &report, printer)?;
    Ok(ExitStatus::Success)
}

/// `startBroker -c FILE`: start `mqbroker -c FILE` detached.
///
/// # Errors
/// Already running, missing binary, or an early exit.
pub async fn start(
    global: &GlobalArgs,
    args: &LocalBrokerArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let exe = std::env::current_exe().context("cannot locate the mqadmin executable")?;
    let bin_dir = exe.parent().map(std::path::PathBuf::from).unwrap_or_default();
    let report = broker_process::start_broker(&args.config, &bin_dir).await?;
    render_one(global, &report, printer)?;
    Ok(ExitStatus::Success)
}
