//! `mqadmin consumerProgress`: Java 4.9.7's per-queue progress table of one consumer group
//! (with `-s true`, the client holding each queue), or its one-line-per-group summary.

use anyhow::Context;

use super::AdminContext;

use crate::cli::{ConsumerProgressArgs, GlobalArgs};
use crate::exit::ExitStatus;
use crate::javafmt::{fixed, front, human_millis, left};
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
    // Java: `-s` is true only when its value is "true", in any case.
    let show_client_ip = args
        .show_client_ip
        .as_deref()
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let text = match args.group.as_deref().map(str::trim) {
        Some(group) => {
            let report = consumer_progress(&admin, group, show_client_ip)
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

/// Java 4.9.7's table: `%-64s  %-32s  %-4d  %-20d  %-20d  %-20d  %s` per queue (with `-s
/// true`, `%-20s ` of the client IP, `N/A` when no client reported the queue, before the diff),
/// a blank line, `Consume TPS: %.2f` and the diff total. `#LastTime` is `yyyy-MM-dd HH:mm:ss`
/// in local time, `N/A` when nothing was consumed.
pub fn render_group(r: &GroupProgress) -> String {
    let ip_header = if r.show_client_ip {
        format!("{} ", left("#Client IP", 20))
    } else {
        String::new()
    };
    let mut out = format!(
        "{}  {}  {}  {}  {}  {ip_header}{}  {}\n",
        left("#Topic", 64),
        left("#Broker Name", 32),
        left("#QID", 4),
        left("#Broker Offset", 20),
        left("#Consumer Offset", 20),
        left("#Diff", 20),
        "#LastTime"
    );
    for q in &r.queues {
        let last = if q.last_timestamp == 0 {
            "N/A".to_string()
        } else {
            front(&human_millis(q.last_timestamp), 19).to_string()
        };
        let ip = if r.show_client_ip {
            format!("{} ", left(q.client_ip.as_deref().unwrap_or("N/A"), 20))
        } else {
            String::new()
        };
        out.push_str(&format!(
            "{}  {}  {}  {}  {}  {ip}{}  {}\n",
            left(front(&q.topic, 64), 64),
            left(front(&q.broker_name, 32), 32),
            left(&q.queue_id.to_string(), 4),
            left(&q.broker_offset.to_string(), 20),
            left(&q.consumer_offset.to_string(), 20),
            left(&q.diff.to_string(), 20),
            last
        ));
    }
    out.push('\n');
    out.push_str(&format!("Consume TPS: {}\n", fixed(r.consume_tps, 2)));
    out.push_str(&format!("Diff Total: {}\n", r.diff_total));
    out
}

/// Java 4.9.7's summary: `%-64s  %-6d  %-24s %-5s  %-14s  %-7d  %d`; an offline group's version is
/// `OFFLINE` and its type and model are blank.
pub fn render_all(r: &AllGroupsProgress) -> String {
    let mut out = format!(
        "{}  {}  {} {}  {}  {}  {}\n",
        left("#Group", 64),
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
            left(front(&g.group, 64), 64),
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
