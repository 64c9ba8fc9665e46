//! `mqadmin topicStatus`: Java's per-queue offset table.

use anyhow::Context;

use super::AdminContext;

use crate::cli::{GlobalArgs, TopicArgs};
use crate::exit::ExitStatus;
use crate::javafmt::{front, human_millis};
use crate::ops::topic_status::{topic_status, TopicStatusReport};
use crate::printer::Printer;
use crate::render::{self, OutputFormat};

/// Runs `topicStatus`.
///
/// # Errors
/// Unknown topic (exit 1), unreachable name server or broker.
pub async fn run(global: &GlobalArgs, args: &TopicArgs, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let report = topic_status(&super::admin(global), &args.topic)
        .await
        .admin_context(|| format!("cannot read the status of topic {}", args.topic))?;
    let text = match global.output {
        OutputFormat::Json => render::json(&report)?,
        OutputFormat::Table => render_table(&report),
    };
    printer.data(&text).context("failed to write to stdout")?;
    Ok(ExitStatus::Success)
}

/// Java: header `%-32s  %-4s  %-20s  %-20s    %s`, rows `%-32s  %-4d  %-20d  %-20d    %s`.
pub fn render_table(report: &TopicStatusReport) -> String {
    let mut out = format!(
        "{:<32}  {:<4}  {:<20}  {:<20}    {}\n",
        "#Broker Name", "#QID", "#Min Offset", "#Max Offset", "#Last Updated"
    );
    for q in &report.queues {
        let last = if q.last_update_timestamp > 0 {
            human_millis(q.last_update_timestamp)
        } else {
            String::new()
        };
        out.push_str(&format!(
            "{:<32}  {:<4}  {:<20}  {:<20}    {}\n",
            front(&q.broker_name, 32),
            q.queue_id,
            q.min_offset,
            q.max_offset,
            last
        ));
    }
    out
}
