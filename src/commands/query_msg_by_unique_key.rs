//! `mqadmin queryMsgByUniqueKey`: Java's `%-20s %s` field listing of the message a client
//! message id (`UNIQ_KEY`, as `sendMessage` prints it) names.

use anyhow::Context;

use super::AdminContext;

use crate::cli::{GlobalArgs, QueryMsgByUniqueKeyArgs};
use crate::exit::ExitStatus;
use crate::ops::query_msg_by_unique_key::{query_msg_by_unique_key, QueryByUniqueKeyReport};
use crate::printer::Printer;
use crate::render::{self, OutputFormat};

/// Runs `queryMsgByUniqueKey`.
///
/// # Errors
/// An unknown topic or no message with the id (exit 1), unreachable servers.
pub async fn run(
    global: &GlobalArgs,
    args: &QueryMsgByUniqueKeyArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let (topic, id) = (args.topic.trim(), args.msg_id.trim());
    let report = query_msg_by_unique_key(&super::admin(global), topic, id)
        .await
        .admin_context(|| format!("cannot query message {id} of topic {topic}"))?;
    let text = match global.output {
        OutputFormat::Json => render::json(&report)?,
        OutputFormat::Table => render_text(&report),
    };
    printer.data(&text).context("failed to write to stdout")?;
    Ok(ExitStatus::Success)
}

/// Java's listing, which starts at `Topic:` (no `OffsetID:` line), with the body inline as
/// `Message Body:` rather than in a file under /tmp; one listing per copy found (Java prints the
/// first only), separated by a blank line.
pub fn render_text(r: &QueryByUniqueKeyReport) -> String {
    r.messages
        .iter()
        .map(|m| {
            super::query_msg_by_id::render_text(m, None)
                .lines()
                .filter(|l| !l.starts_with("OffsetID:"))
                .map(|l| format!("{l}\n"))
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}
