//! `mqadmin resetOffsetByTime`: Java's rollback line and `#brokerName #queueId #offset` table.

use anyhow::Context;

use super::AdminContext;

use crate::cli::{GlobalArgs, ResetOffsetByTimeArgs};
use crate::exit::ExitStatus;
use crate::javafmt::{front, left, parse_java_date};
use crate::ops::admin::AdminError;
use crate::ops::reset_offset_by_time::{reset_offset_by_time, ResetOffsetOptions, ResetOffsetReport};
use crate::printer::Printer;
use crate::render::{self, OutputFormat};

/// `now`, ms since the epoch, or `yyyy-MM-dd#HH:mm:ss:SSS` (local time), as Java reads `-s`.
///
/// # Errors
/// [`AdminError::Invalid`] for anything else.
pub fn parse_timestamp(s: &str) -> Result<Option<i64>, AdminError> {
    let s = s.trim();
    if s == "now" {
        return Ok(None);
    }
    if let Ok(ms) = s.parse::<i64>() {
        return Ok(Some(ms));
    }
    parse_java_date(s).map(Some).ok_or_else(|| {
        AdminError::Invalid(format!(
            "bad timestamp `{s}`: expected now, milliseconds since the epoch or yyyy-MM-dd#HH:mm:ss:SSS"
        ))
    })
}

/// Runs `resetOffsetByTime`; warns that live consumers keep their own offsets.
///
/// # Errors
/// A bad timestamp or unknown topic (exit 1); a broker refusing or not answering.
pub async fn run(
    global: &GlobalArgs,
    args: &ResetOffsetByTimeArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let (group, topic) = (args.group.trim(), args.topic.trim());
    let timestamp = parse_timestamp(&args.timestamp)?;
    let admin = super::admin(global);
    let options = ResetOffsetOptions {
        group: group.to_string(),
        topic: topic.to_string(),
        timestamp,
        force: args.force.unwrap_or(true),
    };
    let report = reset_offset_by_time(&admin, &options)
        .await
        .admin_context(|| format!("cannot reset the offsets of group {group} on topic {topic}"))?;
    if let Ok(c) = crate::ops::consumer_connection::consumer_connection(&admin, group).await {
        printer.warn(&format!(
            "{} live consumer(s) of {group} keep their own offsets and will overwrite these: restart them to pick the reset up",
            c.connections.len()
        ));
    }
    let text = match global.output {
        OutputFormat::Json => render::json(&report)?,
        OutputFormat::Table => render_text(&report, args.timestamp.trim()),
    };
    printer.data(&text).context("failed to write to stdout")?;
    Ok(ExitStatus::Success)
}

/// Java's text: the rollback line, then `%-40s  %-40d  %-40d` per queue (Java pads the last
/// column too; trailing blanks are kept).
pub fn render_text(r: &ResetOffsetReport, timestamp_text: &str) -> String {
    let mut out = format!(
        "rollback consumer offset by specified group[{}], topic[{}], force[{}], timestamp(string)[{}], timestamp(long)[{}]\n",
        r.group, r.topic, r.force, timestamp_text, r.timestamp
    );
    out.push_str(&format!(
        "{}  {}  {}\n",
        left("#brokerName", 40),
        left("#queueId", 40),
        left("#offset", 40)
    ));
    for q in &r.queues {
        out.push_str(&format!(
            "{}  {}  {}\n",
            left(front(&q.broker_name, 32), 40),
            left(&q.queue_id.to_string(), 40),
            left(&q.offset.to_string(), 40)
        ));
    }
    out
}
