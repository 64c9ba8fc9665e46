//! `mqadmin shutdownBroker` / `startBroker`: stop or start the `mqbroker` of a config file on this
//! machine, or of an `agent://HOST:PORT/BROKER` node through its agent.

use std::time::Duration;

use anyhow::Context;

use crate::cli::{GlobalArgs, LocalBrokerArgs};
use crate::exit::ExitStatus;
use crate::ops::node::process::{self, ProcessReport};
use crate::ops::node::remote;
use crate::ops::node::AnyNode;
use crate::printer::Printer;
use crate::render::{self, OutputFormat};

/// The node agent's handle when `-c` names an `agent://` node.
fn open_remote(args: &LocalBrokerArgs) -> anyhow::Result<Option<AnyNode>> {
    let spec = args.config.to_string_lossy();
    if !remote::is_remote(&spec) {
        return Ok(None);
    }
    let token = super::agent_token(&args.agent)?;
    let trust = super::agent_trust(&args.agent)?;
    Ok(Some(AnyNode::open("broker", &spec, token.as_deref(), &trust)?))
}

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
    let grace = Duration::from_secs(args.timeout);
    let report = match open_remote(args)? {
        Some(node) => node.stop(&args.config, grace).await?,
        None => process::stop_broker_reporting(&args.config, grace, &mut |line| printer.info(&line)).await?,
    };
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
    let report = match open_remote(args)? {
        Some(node) => node.start(&args.config, &bin_dir).await?,
        None => process::start_broker(&args.config, &bin_dir).await?,
    };
    render_one(global, &report, printer)?;
    Ok(ExitStatus::Success)
}
