//! `mqadmin producerConnection`: Java's listing of a producer group's clients.

use anyhow::Context;

use super::AdminContext;

use crate::cli::{GlobalArgs, ProducerConnectionArgs};
use crate::exit::ExitStatus;
use crate::javafmt::left;
use crate::ops::producer_connection::{producer_connection, ProducerConnectionReport};
use crate::printer::Printer;
use crate::render::{self, OutputFormat};

/// Runs `producerConnection`.
///
/// # Errors
/// Unknown topic or no live producer of the group (exit 1), unreachable servers.
pub async fn run(
    global: &GlobalArgs,
    args: &ProducerConnectionArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let (group, topic) = (args.group.trim(), args.topic.trim());
    let report = producer_connection(&super::admin(global), group, topic)
        .await
        .admin_context(|| format!("cannot list the connections of producer group {group}"))?;
    let text = match global.output {
        OutputFormat::Json => render::json(&report)?,
        OutputFormat::Table => render_text(&report),
    };
    printer.data(&text).context("failed to write to stdout")?;
    Ok(ExitStatus::Success)
}

/// Java's text: `%04d  %-32s %-22s %-8s %s` per client.
pub fn render_text(r: &ProducerConnectionReport) -> String {
    r.connections
        .iter()
        .enumerate()
        .map(|(i, c)| {
            format!(
                "{:04}  {} {} {} {}\n",
                i + 1,
                left(&c.client_id, 32),
                left(&c.client_addr, 22),
                left(&c.language, 8),
                c.version_desc
            )
        })
        .collect()
}
