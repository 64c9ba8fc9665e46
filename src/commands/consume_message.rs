//! `mqadmin consumeMessage`: print the messages read, one readable block each, or JSON.

use anyhow::Context;

use super::AdminContext;

use crate::cli::{ConsumeMessageArgs, GlobalArgs};
use crate::exit::ExitStatus;
use crate::javafmt::human_millis;
use crate::ops::consume_message::{consume_message, ConsumeMessageOptions};
use crate::ops::message::MessageView;
use crate::printer::Printer;
use crate::render::{self, OutputFormat};

/// Runs `consumeMessage`.
///
/// # Errors
/// Unknown topic (exit 1), unreachable name server or broker.
pub async fn run(
    global: &GlobalArgs,
    args: &ConsumeMessageArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let options = ConsumeMessageOptions {
        topic: args.topic.clone(),
        broker_name: args.broker_name.clone(),
        queue_id: args.queue_id,
        offset: args.offset,
        count: args.count as usize,
        subscription: args.sub_expression.clone(),
        group: args.consumer_group.clone(),
    };
    let report = consume_message(&super::admin(global), &options)
        .await
        .admin_context(|| format!("cannot read messages of topic {}", args.topic))?;
    let text = match global.output {
        OutputFormat::Json => render::json(&report)?,
        OutputFormat::Table => report
            .messages
            .iter()
            .map(render_block)
            .collect::<Vec<_>>()
            .join("\n"),
    };
    printer.data(&text).context("failed to write to stdout")?;
    printer.info(&read_summary(&report, &args.sub_expression));
    Ok(ExitStatus::Success)
}

/// What was read, on stderr: with no message, each queue's offsets, so "nothing" has a reason.
fn read_summary(report: &crate::ops::consume_message::ConsumeMessageReport, tags: &str) -> String {
    let n = report.messages.len();
    let mut line = format!(
        "{n} message{} read from {} queue{}",
        if n == 1 { "" } else { "s" },
        report.queues.len(),
        if report.queues.len() == 1 { "" } else { "s" }
    );
    if n == 0 {
        let queues: Vec<String> = report
            .queues
            .iter()
            .map(|q| {
                format!(
                    "{} queue {}: min offset {}, max offset {}, read from {}",
                    q.broker_name, q.queue_id, q.min_offset, q.max_offset, q.start_offset
                )
            })
            .collect();
        line.push_str(&format!(" (tag expression `{tags}`); {}", queues.join("; ")));
    }
    line
}

/// One message as `Name: value` lines.
pub fn render_block(m: &MessageView) -> String {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let mut out = String::new();
    for (k, v) in [
        ("MsgId", m.msg_id.clone()),
        ("Topic", m.topic.clone()),
        ("Broker Name", m.broker_name.clone()),
        ("Queue ID", m.queue_id.to_string()),
        ("Queue Offset", m.queue_offset.to_string()),
        ("Keys", opt(&m.keys)),
        ("Tags", opt(&m.tags)),
        ("Store Timestamp", human_millis(m.store_timestamp)),
        ("Body", m.body_text()),
    ] {
        // No padding after an empty value: no trailing blanks.
        if v.is_empty() {
            out.push_str(&format!("{k}:\n"));
        } else {
            out.push_str(&format!("{:<16} {}\n", format!("{k}:"), v));
        }
    }
    out
}
