//! `mqadmin upgrade-group`: plan, confirm, apply (or roll back) a Master/Slave → DLedger upgrade
//! of local or agent-served nodes; the work is in [`crate::ops::upgrade_group`].

use std::io::IsTerminal;
use std::time::Duration;

use anyhow::Context;

use crate::cli::{GlobalArgs, UpgradeGroupArgs};
use crate::exit::ExitStatus;
use crate::ops::upgrade_group::{self, RollbackReport, UpgradeError, UpgradeOptions, UpgradeReport};
use crate::printer::Printer;
use crate::render::{self, OutputFormat};
use crate::reporters::UpgradeProgress;

fn options(global: &GlobalArgs, args: &UpgradeGroupArgs) -> anyhow::Result<UpgradeOptions> {
    let exe = std::env::current_exe().context("cannot locate the mqadmin executable")?;
    Ok(UpgradeOptions {
        master: args.master.clone(),
        slave: args.slave.clone(),
        thirds: args.third.clone(),
        peers: args.peers.clone(),
        namesrv: global.namesrv_addr.clone(),
        state_file: args.state.clone(),
        align: args.align,
        resume: args.resume,
        last: usize::try_from(args.last).unwrap_or(usize::MAX),
        throttle_mb_per_s: args.throttle,
        bin_dir: exe.parent().map(std::path::PathBuf::from).unwrap_or_default(),
        stop_grace: Duration::from_secs(args.timeout),
        group_timeout: Duration::from_secs(args.timeout),
        agent_token: super::agent_token(&args.agent)?,
        agent_trust: super::agent_trust(&args.agent)?,
    })
}

/// Runs the subcommand.
///
/// # Errors
/// Refusals ([`UpgradeError::is_refusal`], exit 1) and failures (exit 2).
pub async fn run(
    global: &GlobalArgs,
    args: &UpgradeGroupArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let options = options(global, args)?;
    if args.rollback {
        confirm(args, printer, "roll back the upgrade and restart the old pair")?;
        let report = upgrade_group::rollback(options).await?;
        let text = match global.output {
            OutputFormat::Json => render::json(&report).context("failed to encode JSON")?,
            OutputFormat::Table => rollback_table(&report),
        };
        printer.data(&text).context("failed to write to stdout")?;
        return Ok(ExitStatus::Success);
    }
    let upgrade = upgrade_group::Upgrade::plan(options)?;
    let plan = upgrade.report(true);
    if args.dry_run {
        let text = render_report(global, &plan)?;
        printer.data(&text).context("failed to write to stdout")?;
        return Ok(if upgrade.preflight().is_empty() {
            ExitStatus::Success
        } else {
            printer.hint("preflight failed: fix the problems above, then run again");
            ExitStatus::Failure
        });
    }
    if !upgrade.preflight().is_empty() {
        return Err(UpgradeError::Preflight(upgrade.preflight().to_vec()).into());
    }
    printer.info(&format!("plan (state file {}):", plan.state_file.display()));
    printer.info(table(&plan).trim_end());
    confirm(args, printer, "stop the old brokers and upgrade the group")?;
    let progress = UpgradeProgress::new(printer);
    let report = upgrade.apply(&progress).await.inspect_err(|e| {
        if !e.is_refusal() {
            printer.hint("fix the cause, then continue with --resume (or undo with --rollback)");
        }
    })?;
    let text = render_report(global, &report)?;
    printer.data(&text).context("failed to write to stdout")?;
    Ok(ExitStatus::Success)
}

/// Asks on the terminal unless `--yes`; refuses (exit 1) without a terminal.
fn confirm(args: &UpgradeGroupArgs, printer: &Printer, what: &str) -> anyhow::Result<()> {
    if args.yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(UpgradeError::Refused(format!(
            "refusing to {what} without confirmation: stdin is not a terminal; pass --yes"
        ))
        .into());
    }
    printer.info(&format!("{what}? [y/N] "));
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .context("failed to read the answer")?;
    if matches!(answer.trim(), "y" | "Y" | "yes") {
        Ok(())
    } else {
        Err(UpgradeError::Refused("not confirmed; nothing was changed".into()).into())
    }
}

fn render_report(global: &GlobalArgs, report: &UpgradeReport) -> anyhow::Result<String> {
    Ok(match global.output {
        OutputFormat::Json => render::json(report).context("failed to encode JSON")?,
        OutputFormat::Table => table(report),
    })
}

/// Nodes, then steps, as borderless tables.
pub fn table(report: &UpgradeReport) -> String {
    let nodes = render::table(
        &["id", "role", "config", "store root", "addr", "dledger peer"],
        report.nodes.iter().map(|n| {
            vec![
                n.self_id.clone(),
                format!("{:?}", n.role).to_lowercase(),
                n.config.display().to_string(),
                n.store_root.display().to_string(),
                n.addr.clone(),
                n.peer.clone(),
            ]
        }),
    );
    let steps = render::table(
        &["#", "step", "status", "detail"],
        report.steps.iter().map(|s| {
            vec![
                s.number.to_string(),
                s.step.as_str().to_owned(),
                s.status.clone(),
                s.detail.clone(),
            ]
        }),
    );
    let mut text = format!("{nodes}\n{steps}");
    if let Some(leader) = &report.leader {
        text.push_str(&format!("\nleader: {leader}\n"));
    }
    let d = &report.downtime;
    let mb = |b: u64| format!("{:.1} MB", b as f64 / 1e6);
    match (d.measured_ms, d.expected_ms) {
        (Some(ms), _) => text.push_str(&format!(
            "downtime: {:.2} s (stop of the old master to {}); copied {} before it, {} during it\n",
            ms as f64 / 1000.0,
            d.until.as_deref().unwrap_or("?"),
            mb(d.bytes_before),
            mb(d.bytes_during)
        )),
        (None, Some(ms)) => text.push_str(&format!(
            "phases: {} copied while the old pair serves, {} during the downtime; expected downtime \
             about {:.0} s\n",
            mb(d.bytes_before),
            mb(d.bytes_during),
            ms as f64 / 1000.0
        )),
        (None, None) => {}
    }
    for w in &report.warnings {
        text.push_str(&format!("warning: {w}\n"));
    }
    text
}

fn rollback_table(report: &RollbackReport) -> String {
    render::table(&["action"], report.actions.iter().map(|a| vec![a.clone()]))
}
