//! `mqadmin fast-try start|stop|status`: a local name server and three-node DLedger group.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;

use crate::cli::{FastTryAction, FastTryArgs, GlobalArgs};
use crate::exit::ExitStatus;
use crate::ops::fast_try::{self, FastTryOptions};
use crate::printer::Printer;
use crate::render::{self, OutputFormat};

fn bin_dir() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe().context("cannot locate the mqadmin executable")?;
    Ok(exe.parent().map(PathBuf::from).unwrap_or_default())
}

/// Runs the subcommand.
///
/// # Errors
/// Start failures (port in use, missing binary, no leader) and unreadable state.
pub async fn run(global: &GlobalArgs, args: &FastTryArgs, printer: &Printer) -> anyhow::Result<ExitStatus> {
    if args.node.is_some() && args.action != FastTryAction::StartNode {
        anyhow::bail!("a NODE is only taken by `fast-try start-node`");
    }
    // stop, status and start-node read the state file, found from any directory.
    let root = fast_try::existing_state_root(args.store_root.as_deref(), &args.conf_dir);
    match args.action {
        FastTryAction::StartNode => {
            let name = args.node.as_deref().unwrap_or_default();
            printer.info(&format!(
                "starting {name} from {}",
                root.join(fast_try::STATE_FILE).display()
            ));
            let p = fast_try::start_node(&root, name, &bin_dir()?, Duration::from_secs(args.timeout)).await?;
            printer.info(&format!(
                "started {} (pid {}) on port {}; log {}",
                p.name,
                p.pid,
                p.ports.first().copied().unwrap_or_default(),
                p.log.display()
            ));
            Ok(ExitStatus::Success)
        }
        FastTryAction::Start => {
            if !args.conf_dir.is_dir() {
                anyhow::bail!(
                    "no config directory `{}` here; run from the repository root or pass --conf-dir DIR",
                    args.conf_dir.display()
                );
            }
            let options = FastTryOptions {
                conf_dir: args.conf_dir.clone(),
                store_root: args.store_root.clone(),
                namesrv_port: args.namesrv_port,
                bin_dir: bin_dir()?,
                leader_timeout: Duration::from_secs(args.timeout),
            };
            let state = fast_try::start(&options).await?;
            printer.info(&format!(
                "started name server {} and DLedger nodes; logs in {}",
                state.namesrv_addr,
                state.root.display()
            ));
            let report = crate::ops::cluster_list::cluster_list(
                &crate::ops::admin::client(),
                &crate::ops::cluster_list::ClusterListOptions::new(&state.namesrv_addr),
            )
            .await?;
            let text = crate::commands::cluster_list::render(
                &report,
                false,
                crate::cli::TableLayout::V4,
                global.output,
            )?;
            printer.data(&text)?;
            printer.info("stop with: mqadmin fast-try stop");
            Ok(ExitStatus::Success)
        }
        FastTryAction::Stop => {
            let report = fast_try::stop(&root, Duration::from_secs(args.timeout)).await?;
            if !report.was_running {
                printer.info("fast-try is not running; start it with: mqadmin fast-try start");
            } else {
                for s in &report.stopped {
                    printer.info(&format!("stopped {s}"));
                }
                for k in &report.killed {
                    printer.info(&format!("killed {k} (did not stop within {} s)", args.timeout));
                }
            }
            Ok(ExitStatus::Success)
        }
        FastTryAction::Status => {
            let Some(st) = fast_try::status(&root)? else {
                printer.info("fast-try is not running; start it with: mqadmin fast-try start");
                return Ok(ExitStatus::Failure);
            };
            match global.output {
                OutputFormat::Json => printer.data(&render::json(&st)?)?,
                OutputFormat::Table => {
                    let rows = st.processes.iter().map(|p| {
                        vec![
                            p.name.clone(),
                            p.pid.to_string(),
                            if p.alive {
                                "running".into()
                            } else {
                                "stopped".into()
                            },
                            p.ports.iter().map(u16::to_string).collect::<Vec<_>>().join(","),
                            p.log.display().to_string(),
                        ]
                    });
                    printer.data(&render::table(&["PROCESS", "PID", "STATE", "PORTS", "LOG"], rows))?;
                }
            }
            for p in st.processes.iter().filter(|p| !p.alive) {
                printer.info(&format!(
                    "{} is stopped; bring it back with: mqadmin fast-try start-node {}",
                    p.name, p.name
                ));
            }
            let all = st.processes.iter().all(|p| p.alive);
            Ok(if all {
                ExitStatus::Success
            } else {
                ExitStatus::Failure
            })
        }
    }
}
