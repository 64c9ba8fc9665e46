//! `mqadmin sendMessage`: send one message and print Java's result table.

use anyhow::Context;

use super::AdminContext;

use crate::cli::{GlobalArgs, SendMessageArgs};
use crate::exit::ExitStatus;
use crate::javafmt::front;
use crate::ops::send_message::{send_message, SendMessageOptions, SendMessageReport};
use crate::printer::Printer;
use crate::render::{self, OutputFormat};

/// Runs `sendMessage`.
///
/// # Errors
/// Unknown topic (exit 1), no matching queue (exit 1), or a send that failed every attempt.
pub async fn run(
    global: &GlobalArgs,
    args: &SendMessageArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let options = SendMessageOptions {
        topic: args.topic.clone(),
        body: args.body.clone().into_bytes(),
        keys: args.keys.clone(),
        tags: args.tags.clone(),
        broker_name: args.broker.clone(),
        queue_id: args.qid,
    };
    let report = send_message(&super::admin(global), &options)
        .await
        .admin_context(|| format!("cannot send a message to topic {}", args.topic))?;
    if report.attempts > 1 {
        printer.warn(&format!("sent after {} attempts", report.attempts));
    }
    let text = match global.output {
        OutputFormat::Json => render::json(&report)?,
        OutputFormat::Table => render_table(&report),
    };
    printer.data(&text).context("failed to write to stdout")?;
    // #MsgId is the unique key, as in Java; queryMsgById needs the offset id (issue 20 item 8).
    printer.info(&format!(
        "offset message id (for queryMsgById -i): {}",
        report.offset_msg_id
    ));
    Ok(ExitStatus::Success)
}

/// Java: `%-32s  %-4s  %-20s    %s` with `#Broker Name #QID #Send Result #MsgId` (the client id).
pub fn render_table(r: &SendMessageReport) -> String {
    format!(
        "{:<32}  {:<4}  {:<20}    {}\n{:<32}  {:<4}  {:<20}    {}\n",
        "#Broker Name",
        "#QID",
        "#Send Result",
        "#MsgId",
        front(&r.broker_name, 32),
        r.queue_id,
        r.send_status,
        r.msg_id
    )
}
