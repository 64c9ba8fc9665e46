//! `mqadmin consumerProgress`: Java's per-queue progress table of one consumer group, or its
//! one-line-per-group summary.

use anyhow::Context;

use super::AdminContext;

use crate::cli::{ConsumerProgressArgs, GlobalArgs};
use crate::exit::ExitStatus;
use crate::javafmt::{front, human_millis, left};
use crate::ops::consumer_progress::{
    all_groups_progress, consumer_progress, AllGroupsProgress, GroupProgress,
};
use crate::printer::Printer;
use crate::render::{self, OutputFormat};

/// Runs `consumerProgress`.
///
/// # Errors
/// A group without offsets anywhere (exit 1), unreachable servers.
pub async fn run(
    global: &GlobalArgs,
    args: &ConsumerProgressArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let admin = super::admin(global);
    let text = match args.group.as_deref().map(str::trim) {
        Some(group) => {
            let report = consumer_progress(&admin, group)
                .await
                .admin_context(|| format!("cannot read the progress of consumer group {group}"))?;
            match global.output {
                OutputFormat::Json => render::json(&report)?,
                OutputFormat::Table => render_group(&report),
            }
        }
        None => {
            let report = all_groups_progress(&admin)
                .await
                .admin_context(|| "cannot list the consumer groups")?;
            match global.output {
                OutputFormat::Json => render::json(&report)?,
                OutputFormat::Table => render_all(&report),
            }
        }
    };
    printer.data(&text).context("failed to write to stdout")?;
    Ok(ExitStatus::Success)
}

/// Java's `Double.toString` for the values a TPS takes (`0.0`, `12.5`).
fn java_double(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e7 {
        format!("{v:.1}")
    } else {
        format!("{v}")
    }
}

/// Java's table: `%-32s  %-32s  %-4d  %-20d  %-20d  %-20s %-20d  %s`, a blank line, the TPS and
/// the diff total. `#Client IP` is `NA` (the broker does not say which client holds a queue) and
/// `#LastTime` is `yyyy-MM-dd HH:mm:ss` in local time.
pub fn render_group(r: &GroupProgress) -> String {
    let mut out = format!(
        "{}  {}  {}  {}  {}  {} {}  {}\n",
        left("#Topic", 32),
        left("#Broker Name", 32),
        left("#QID", 4),
        left("#Broker Offset", 20),
        left("#Consumer Offset", 20),
        left("#Client IP", 20),
        left("#Diff", 20),
        "#LastTime"
    );
    for q in &r.queues {
        let last = human_millis(q.last_timestamp);
        out.push_str(&format!(
            "{}  {}  {}  {}  {}  {} {}  {}\n",
            left(front(&q.topic, 32), 32),
            left(front(&q.broker_name, 32), 32),
            left(&q.queue_id.to_string(), 4),
            left(&q.broker_offset.to_string(), 20),
            left(&q.consumer_offset.to_string(), 20),
            left("NA", 20),
            left(&q.diff.to_string(), 20),
            front(&last, 19)
        ));
    }
    out.push('\n');
    out.push_str(&format!("Consume TPS: {}\n", java_double(r.consume_tps)));
    out.push_str(&format!("Diff Total: {}\n", r.diff_total));
    out
}

/// Java's summary: `%-32s  %-6d  %-24s %-5s  %-14s  %-7d  %d`; an offline group's version is
/// `OFFLINE` and its type and model are blank.
pub fn render_all(r: &AllGroupsProgress) -> String {
    let mut out = format!(
        "{}  {}  {} {}  {}  {}  {}\n",
        left("#Group", 32),
        left("#Count", 6),
        left("#Version", 24),
        left("#Type", 5),
        left("#Model", 14),
        left("#TPS", 7),
        "#Diff Total"
    );
    for g in &r.groups {
        let version = if g.count > 0 {
            g.version.clone().unwrap_or_default()
        } else {
            "OFFLINE".to_string()
        };
        out.push_str(&format!(
            "{}  {}  {} {}  {}  {}  {}\n",
            left(front(&g.group, 32), 32),
            left(&g.count.to_string(), 6),
            left(&version, 24),
            left(g.consume_type.as_deref().unwrap_or(""), 5),
            left(g.message_model.as_deref().unwrap_or(""), 14),
            left(&g.consume_tps.to_string(), 7),
            g.diff_total
        ));
    }
    out
}
