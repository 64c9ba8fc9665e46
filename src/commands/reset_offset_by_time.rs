//! `mqadmin resetOffsetByTime`: Java 4.9.7's rollback line and table: `#brokerName #queueId
//! #offset` when the live consumers were told, Java's older six-column table when the offsets
//! were committed because no consumer was online.

use anyhow::Context;

use super::AdminContext;

use crate::cli::{GlobalArgs, ResetOffsetByTimeArgs};
use crate::exit::ExitStatus;
use crate::javafmt::{front, left, parse_java_date};
use crate::ops::admin::AdminError;
use crate::ops::reset_offset_by_time::{
    reset_offset_by_time, ResetOffsetOptions, ResetOffsetReport, ResetPath,
};
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

/// Runs `resetOffsetByTime`; says on stderr which way the offsets were reset.
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
        cplus: args.cplus,
    };
    let report = reset_offset_by_time(&admin, &options)
        .await
        .admin_context(|| format!("cannot reset the offsets of group {group} on topic {topic}"))?;
    printer.warn(&match report.path {
        ResetPath::Consumers => format!(
            "the brokers pushed the offsets to the live consumers of {group}, which commit them \
             (a client that ignores RESET_CONSUMER_CLIENT_OFFSET keeps its own)"
        ),
        ResetPath::Committed => format!("no consumer of {group} is online: the offsets were committed"),
    });
    let text = match global.output {
        OutputFormat::Json => render::json(&report)?,
        OutputFormat::Table => render_text(&report, args.timestamp.trim()),
    };
    printer.data(&text).context("failed to write to stdout")?;
    Ok(ExitStatus::Success)
}

/// Java's text: the rollback line, then `%-40s  %-40d  %-40d` per queue when the consumers were
/// told; when the offsets were committed, Java's older line and `%-20s  %-20d ...` table with
/// the broker, consumer, timestamp and reset offsets (Java pads the last column too; trailing
/// blanks are kept).
pub fn render_text(r: &ResetOffsetReport, timestamp_text: &str) -> String {
    if r.path == ResetPath::Committed {
        return render_committed(r, timestamp_text);
    }
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

fn render_committed(r: &ResetOffsetReport, timestamp_text: &str) -> String {
    let mut out = format!(
        "rollback consumer offset by specified consumerGroup[{}], topic[{}], force[{}], timestamp(string)[{}], timestamp(long)[{}]\n",
        r.group, r.topic, r.force, timestamp_text, r.timestamp
    );
    let cols = [
        "#brokerName",
        "#queueId",
        "#brokerOffset",
        "#consumerOffset",
        "#timestampOffset",
        "#rollbackOffset",
    ];
    out.push_str(&cols.map(|c| left(c, 20)).join("  "));
    out.push('\n');
    for q in &r.queues {
        let n = |v: Option<i64>| left(&v.unwrap_or(0).to_string(), 20);
        out.push_str(&format!(
            "{}  {}  {}  {}  {}  {}\n",
            left(front(&q.broker_name, 32), 20),
            left(&q.queue_id.to_string(), 20),
            n(q.broker_offset),
            n(q.consumer_offset),
            n(q.timestamp_offset),
            left(&q.offset.to_string(), 20)
        ));
    }
    out
}
