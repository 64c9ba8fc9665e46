//! `mqadmin queryMsgByKey`: Java's `#Message ID / #QID / #Offset` listing of the messages that
//! have a key.

use anyhow::Context;

use super::AdminContext;

use crate::cli::{GlobalArgs, QueryMsgByKeyArgs};
use crate::exit::ExitStatus;
use crate::ops::query_msg_by_key::{query_msg_by_key, QueryByKeyReport};
use crate::printer::Printer;
use crate::render::{self, OutputFormat};

/// Runs `queryMsgByKey`.
///
/// # Errors
/// An unknown topic or no message with the key (exit 1), unreachable servers.
pub async fn run(
    global: &GlobalArgs,
    args: &QueryMsgByKeyArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let (topic, key) = (args.topic.trim(), args.msg_key.trim());
    let report = query_msg_by_key(&super::admin(global), topic, key)
        .await
        .admin_context(|| format!("cannot query messages of {topic} by key {key}"))?;
    let text = match global.output {
        OutputFormat::Json => render::json(&report)?,
        OutputFormat::Table => render_text(&report),
    };
    printer.data(&text).context("failed to write to stdout")?;
    Ok(ExitStatus::Success)
}

/// Java's `%-50s %4s %40s` listing; the message id is the client id (`UNIQ_KEY`) when the
/// message has one, else the offset id, as a Java client's `MessageExt.getMsgId()`.
pub fn render_text(r: &QueryByKeyReport) -> String {
    let mut out = format!("{:<50} {:>4} {:>40}\n", "#Message ID", "#QID", "#Offset");
    for m in &r.messages {
        let id = m.uniq_key.as_deref().unwrap_or(&m.msg_id);
        out.push_str(&format!("{id:<50} {:>4} {:>40}\n", m.queue_id, m.queue_offset));
    }
    out
}
