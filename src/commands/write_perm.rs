//! `mqadmin wipeWritePerm` and `mqadmin addWritePerm`: Java's one line per name server.

use anyhow::Context;

use super::AdminContext;

use crate::cli::{GlobalArgs, WritePermArgs};
use crate::exit::ExitStatus;
use crate::ops::write_perm::{write_perm, WritePerm, WritePermReport};
use crate::printer::Printer;
use crate::render::{self, OutputFormat};

/// Runs `wipeWritePerm` or `addWritePerm`. A name server that failed is a warning (Java prints
/// `... Failed`) and exit 1, when another took the change.
///
/// # Errors
/// An unknown broker name (exit 1); no name server taking the change.
pub async fn run(
    global: &GlobalArgs,
    args: &WritePermArgs,
    op: WritePerm,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let name = args.broker_name.trim();
    let report = write_perm(&super::admin(global), name, op)
        .await
        .admin_context(|| format!("cannot change the write permission of broker {name}"))?;
    let mut status = ExitStatus::Success;
    let verb = verb(op);
    for r in &report.namesrvs {
        if let Some(e) = &r.error {
            printer.warn(&format!(
                "{verb} write perm of broker[{name}] in name server[{}] Failed: {e}",
                r.namesrv_addr
            ));
            status = ExitStatus::Failure;
        }
    }
    let text = match global.output {
        OutputFormat::Json => render::json(&report)?,
        OutputFormat::Table => render_text(&report, op),
    };
    printer.data(&text).context("failed to write to stdout")?;
    Ok(status)
}

fn verb(op: WritePerm) -> &'static str {
    match op {
        WritePerm::Wipe => "wipe",
        WritePerm::Add => "add",
    }
}

/// Java: `wipe write perm of broker[NAME] in name server[ADDR] OK, COUNT` per name server that
/// took it.
pub fn render_text(r: &WritePermReport, op: WritePerm) -> String {
    r.namesrvs
        .iter()
        .filter_map(|n| {
            n.topic_count.map(|c| {
                format!(
                    "{} write perm of broker[{}] in name server[{}] OK, {c}\n",
                    verb(op),
                    r.broker_name,
                    n.namesrv_addr
                )
            })
        })
        .collect()
}
