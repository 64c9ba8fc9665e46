//! `mqadmin clusterList`: run [`ops::cluster_list`](crate::ops::cluster_list) and print the
//! Java-compatible table (4.x, 4.x `-m`, 5.x) or JSON.
//!
//! The text renderers reproduce Java's `printf` formats exactly (spec §3.4–§3.6), including how
//! Java prints its defaults: a broker that did not answer shows empty strings, a key missing from
//! an answer shows `null` (5.x ack pool values: `N`).

use anyhow::Context;

use crate::cli::{ClusterListArgs, GlobalArgs, TableLayout};
use crate::exit::ExitStatus;
use crate::javafmt::{fixed, fixed_width};
use crate::ops::cluster_list::{cluster_list, BrokerRow, ClusterListOptions, ClusterListReport};
use crate::printer::Printer;
use crate::render::{self, OutputFormat};

/// Runs `clusterList`, once or every `--interval` seconds until Ctrl-C.
///
/// # Errors
/// No name server reachable, or stdout closed.
pub async fn run(
    global: &GlobalArgs,
    args: &ClusterListArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let mut options = ClusterListOptions::new(global.namesrv_addr.as_deref().unwrap_or(""));
    options.cluster_name = args.cluster_name.clone();
    let client = crate::ops::admin::client();
    let mut status = ExitStatus::Success;
    // One Ctrl-C listener for the whole loop, so an interrupt during a fetch is not lost. It is
    // only polled (and so only installed) with --interval; a single pass keeps the default
    // Ctrl-C behaviour.
    let repeat = args.interval.is_some();
    let interrupted = tokio::signal::ctrl_c();
    tokio::pin!(interrupted);
    loop {
        let report = tokio::select! {
            report = cluster_list(&client, &options) => report.context("cannot list clusters")?,
            _ = &mut interrupted, if repeat => break,
        };
        for row in report.failed() {
            printer.warn(&format!(
                "broker {} ({}/{} id {}) is unreachable: {}",
                row.addr,
                row.cluster,
                row.broker_name,
                row.broker_id,
                row.error.as_deref().unwrap_or_default()
            ));
            status = status.max(ExitStatus::Failure);
        }
        if let Some(name) = args.cluster_name.as_deref().filter(|_| report.rows.is_empty()) {
            // Java prints only the header; the README's contract says an unknown cluster is 1.
            printer.warn(&format!("cluster {name} not found"));
            status = status.max(ExitStatus::Failure);
        }
        let text = if repeat && global.output == OutputFormat::Json {
            // JSON Lines: one array per pass, which a JSON parser reads line by line (back-to-back
            // pretty arrays were no JSON document at all).
            let mut line = serde_json::to_string(&report.rows).context("failed to encode JSON")?;
            line.push('\n');
            line
        } else {
            render(&report, args.more_stats, args.format, global.output)?
        };
        printer.data(&text).context("failed to write to stdout")?;
        let Some(seconds) = args.interval else { break };
        tokio::select! {
            () = tokio::time::sleep(std::time::Duration::from_secs(seconds)) => {}
            _ = &mut interrupted => break,
        }
    }
    Ok(status)
}

/// Renders a report in the requested format.
///
/// # Errors
/// JSON serialisation errors.
pub fn render(
    report: &ClusterListReport,
    more_stats: bool,
    layout: TableLayout,
    output: OutputFormat,
) -> anyhow::Result<String> {
    Ok(match (output, more_stats, layout) {
        (OutputFormat::Json, _, _) => render::json(&report.rows).context("failed to encode JSON")?,
        (OutputFormat::Table, true, _) => render_more_stats(&report.rows),
        (OutputFormat::Table, false, TableLayout::V4) => render_v4(&report.rows),
        (OutputFormat::Table, false, TableLayout::V5) => render_v5(&report.rows),
    })
}

/// How Java prints a string it read from the KVTable: its initial `""` when the broker did not
/// answer, `null` when the key was missing.
fn java_str<'a>(row: &BrokerRow, value: &'a Option<String>, missing: &'a str) -> &'a str {
    match value {
        Some(v) => v,
        None if row.error.is_some() => "",
        None => missing,
    }
}

/// 4.x: `"%-16s  %-22s  %-4s  %-22s %-16s %19s %19s %10s %5s %6s%n"`.
fn v4_line(c: [&str; 10]) -> String {
    format!(
        "{:<16}  {:<22}  {:<4}  {:<22} {:<16} {:>19} {:>19} {:>10} {:>5} {:>6}\n",
        c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9]
    )
}

/// The 4.x table (spec §3.4).
pub fn render_v4(rows: &[BrokerRow]) -> String {
    let mut out = v4_line([
        "#Cluster Name",
        "#Broker Name",
        "#BID",
        "#Addr",
        "#Version",
        "#InTPS(LOAD)",
        "#OutTPS(LOAD)",
        "#PCWait(ms)",
        "#Hour",
        "#SPACE",
    ]);
    for row in rows {
        let s = |v| java_str(row, v, "null");
        let tps_in = format!(
            "{}({},{}ms)",
            fixed_width(row.in_tps, 9, 2),
            s(&row.send_queue_size),
            s(&row.send_queue_wait_ms)
        );
        let tps_out = format!(
            "{}({},{}ms)",
            fixed_width(row.out_tps, 9, 2),
            s(&row.pull_queue_size),
            s(&row.pull_queue_wait_ms)
        );
        out.push_str(&v4_line([
            &row.cluster,
            &row.broker_name,
            &row.broker_id.to_string(),
            &row.addr,
            s(&row.version),
            &tps_in,
            &tps_out,
            s(&row.pc_wait_ms),
            &fixed_width(row.hours, 2, 2),
            &fixed(row.space, 4),
        ]));
    }
    out
}

/// The 5.x (5.3) table (spec §3.6).
pub fn render_v5(rows: &[BrokerRow]) -> String {
    let mut out = format!(
        "{:<22}  {:<22}  {:<4}  {:<22} {:<16}  {:>16}  {:>30}  {:<22}  {:<11}  {:<12}  {:<8}  {:<10}\n",
        "#Cluster Name",
        "#Broker Name",
        "#BID",
        "#Addr",
        "#Version",
        "#InTPS(LOAD)",
        "#OutTPS(LOAD)",
        "#Timer(Progress)",
        "#PCWait(ms)",
        "#Hour",
        "#SPACE",
        "#ACTIVATED"
    );
    for row in rows {
        let s = |v| java_str(row, v, "null");
        let n = |v| java_str(row, v, "N");
        let tps_in = format!(
            "{}({},{}ms)",
            fixed_width(row.in_tps, 9, 2),
            s(&row.send_queue_size),
            s(&row.send_queue_wait_ms)
        );
        let tps_out = format!(
            "{}({},{}ms|{},{}ms)",
            fixed_width(row.out_tps, 9, 2),
            s(&row.pull_queue_size),
            s(&row.pull_queue_wait_ms),
            n(&row.ack_queue_size),
            n(&row.ack_queue_wait_ms)
        );
        // Java: `timerCongestNum / 10000.0f` is float arithmetic, widened to double to format.
        let congest = f64::from(row.timer_congest_num as f32 / 10000.0f32);
        let timer = format!(
            "{}-{}({}w, {}, {})",
            row.timer_read_behind,
            row.timer_offset_behind,
            fixed(congest, 1),
            fixed(f64::from(row.timer_enqueue_tps), 1),
            fixed(f64::from(row.timer_dequeue_tps), 1)
        );
        out.push_str(&format!(
            "{:<22}  {:<22}  {:<4}  {:<22} {:<16}  {:>16}  {:>30}  {:<22}  {:>11}  {:<12}  {:<8}  {:>10}\n",
            row.cluster,
            row.broker_name,
            row.broker_id,
            row.addr,
            s(&row.version),
            tps_in,
            tps_out,
            timer,
            s(&row.pc_wait_ms),
            fixed_width(row.hours, 2, 2),
            fixed(row.space, 4),
            row.activated
        ));
    }
    out
}

/// The `-m` table, same in 4.x and 5.x (spec §3.5).
pub fn render_more_stats(rows: &[BrokerRow]) -> String {
    let mut out = format!(
        "{:<16}  {:<32} {:>14} {:>14} {:>14} {:>14}\n",
        "#Cluster Name", "#Broker Name", "#InTotalYest", "#OutTotalYest", "#InTotalToday", "#OutTotalToday"
    );
    for row in rows {
        out.push_str(&format!(
            "{:<16}  {:<32} {:>14} {:>14} {:>14} {:>14}\n",
            row.cluster,
            row.broker_name,
            row.in_total_yest,
            row.out_total_yest,
            row.in_total_today,
            row.out_total_today
        ));
    }
    out
}
