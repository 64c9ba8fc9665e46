//! `mqadmin benchmark producer | consumer | failover`: per-second lines on stderr (as Java's
//! `benchmark/producer.sh`), a summary table or JSON on stdout.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;

use super::AdminContext;

use crate::cli::{BenchFailoverMode, BenchmarkCommand, GlobalArgs};
use crate::exit::ExitStatus;
use crate::ops::benchmark::{self, Limit, Tick, TickSink};
use crate::printer::Printer;
use crate::render::{self, OutputFormat};

/// Default producer run length when neither --duration nor --count is given.
const DEFAULT_DURATION: Duration = Duration::from_secs(60);

struct ProducerLines<'a>(&'a Printer);

impl TickSink for ProducerLines<'_> {
    fn tick(&self, t: &Tick) {
        self.0.info(&format!(
            "Send TPS: {} Max RT(ms): {:.0} Average RT(ms): {:.3} Send Failed: {} Response Failed: {}{}",
            t.tps,
            t.max_rt_ms,
            t.avg_rt_ms,
            t.send_failed,
            t.response_failed,
            last_error(t)
        ));
    }
}

/// `; last error: …` once an attempt failed, so the reason is on the operator's screen and not
/// only in the broker's log.
fn last_error(t: &Tick) -> String {
    t.last_error
        .as_deref()
        .map(|e| format!(" (last error: {e})"))
        .unwrap_or_default()
}

struct ConsumerLines<'a>(&'a Printer);

impl TickSink for ConsumerLines<'_> {
    fn tick(&self, t: &Tick) {
        self.0.info(&format!(
            "Consume TPS: {} Pull Failed: {}{}",
            t.tps,
            t.send_failed,
            last_error(t)
        ));
    }
}

struct FailoverLines<'a>(&'a Printer);

impl TickSink for FailoverLines<'_> {
    fn tick(&self, t: &Tick) {
        self.0.info(&format!(
            "round {}: first ack after {:.0} ms, new BID 0 after {:.0} ms",
            t.tps, t.max_rt_ms, t.avg_rt_ms
        ));
    }
}

fn bin_dir() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe().context("cannot locate the mqadmin executable")?;
    Ok(exe.parent().map(PathBuf::from).unwrap_or_default())
}

/// Runs a benchmark subcommand on its own multi-threaded runtime.
///
/// # Errors
/// Unreachable name server or brokers, a failover step that timed out.
pub fn run(global: &GlobalArgs, cmd: &BenchmarkCommand, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("failed to start the tokio runtime")?;
    runtime.block_on(run_async(global, cmd, printer))
}

async fn run_async(
    global: &GlobalArgs,
    cmd: &BenchmarkCommand,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    match cmd {
        BenchmarkCommand::Producer(a) => {
            let options = benchmark::ProducerOptions {
                topic: a.topic.clone(),
                threads: a.threads as usize,
                size: a.size,
                limit: match (a.duration, a.count) {
                    (_, Some(n)) => Limit::Count(n),
                    (Some(s), None) => Limit::Duration(Duration::from_secs(s)),
                    (None, None) => Limit::Duration(DEFAULT_DURATION),
                },
                batch: a.batch.map(|b| b as usize),
                keys: a.keys,
            };
            // Ctrl-C ends the run early and still prints the summary of what was measured.
            let interrupted = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
            let flag = interrupted.clone();
            let watcher = tokio::spawn(async move {
                if tokio::signal::ctrl_c().await.is_ok() {
                    flag.store(true, std::sync::atomic::Ordering::Relaxed);
                }
            });
            let stop = move || interrupted.load(std::sync::atomic::Ordering::Relaxed);
            let r = benchmark::producer(&super::admin(global), &options, &ProducerLines(printer), &stop)
                .await
                .admin_context(|| format!("benchmark producer on topic {} failed", a.topic));
            watcher.abort();
            let r = r?;
            if r.interrupted {
                printer.info(&format!(
                    "interrupted after {:.1} s: the summary covers what was measured until then",
                    r.elapsed_s
                ));
            }
            if let Some(e) = &r.last_error {
                printer.warn(&format!(
                    "{} attempts failed to send, {} were refused; last error: {e}",
                    r.send_failed, r.response_failed
                ));
            }
            let text = match global.output {
                OutputFormat::Json => render::json(&r)?,
                OutputFormat::Table => render::table(
                    &[
                        "sent",
                        "send failed",
                        "response failed",
                        "gave up",
                        "tps",
                        "p50 ms",
                        "p99 ms",
                        "p999 ms",
                        "max ms",
                    ],
                    [vec![
                        r.sent.to_string(),
                        r.send_failed.to_string(),
                        r.response_failed.to_string(),
                        r.gave_up.to_string(),
                        format!("{:.0}", r.tps),
                        format!("{:.2}", r.latency.p50_ms),
                        format!("{:.2}", r.latency.p99_ms),
                        format!("{:.2}", r.latency.p999_ms),
                        format!("{:.2}", r.latency.max_ms),
                    ]],
                ),
            };
            printer.data(&text).context("failed to write to stdout")?;
            Ok(if r.gave_up > 0 {
                ExitStatus::Failure
            } else {
                ExitStatus::Success
            })
        }
        BenchmarkCommand::Consumer(a) => {
            let options = benchmark::ConsumerOptions {
                topic: a.topic.clone(),
                group: a.group.clone(),
                duration: Duration::from_secs(a.duration),
                from_start: a.from_start,
                groups: usize::from(a.groups),
                commit_interval: a.commit_interval_ms.map(Duration::from_millis),
            };
            let r = benchmark::consumer(&super::admin(global), &options, &ConsumerLines(printer))
                .await
                .admin_context(|| format!("benchmark consumer on topic {} failed", a.topic))?;
            if let Some(e) = &r.last_error {
                printer.warn(&format!("{} pulls failed; last error: {e}", r.pull_failed));
            }
            let text = match global.output {
                OutputFormat::Json => render::json(&r)?,
                OutputFormat::Table => render::table(
                    &["queues", "received", "tps", "pull failed"],
                    [vec![
                        r.queues.to_string(),
                        r.received.to_string(),
                        format!("{:.0}", r.tps),
                        r.pull_failed.to_string(),
                    ]],
                ),
            };
            printer.data(&text).context("failed to write to stdout")?;
            Ok(ExitStatus::Success)
        }
        BenchmarkCommand::Failover(a) => {
            let options = benchmark::FailoverOptions {
                store_root: a.store_root.clone(),
                rounds: a.rounds as usize,
                topic: a.topic.clone(),
                threads: a.threads as usize,
                bin_dir: bin_dir()?,
                timeout: Duration::from_secs(a.timeout),
                mode: match a.mode {
                    BenchFailoverMode::Kill => benchmark::FailoverMode::Kill,
                    BenchFailoverMode::Term => benchmark::FailoverMode::Term,
                    BenchFailoverMode::Rolling => benchmark::FailoverMode::Rolling,
                    BenchFailoverMode::StallFollower => benchmark::FailoverMode::StallFollower,
                    BenchFailoverMode::Soak => benchmark::FailoverMode::Soak,
                },
                stall: Duration::from_millis(a.stall_ms),
                soak: Duration::from_secs(a.soak_secs),
            };
            let r = benchmark::failover(&options, &FailoverLines(printer)).await?;
            if let Some(e) = &r.producer.last_error {
                printer.warn(&format!(
                    "{} sends failed to reach a broker, {} were refused; last error: {e}",
                    r.producer.send_failed, r.producer.response_failed
                ));
            }
            let text = match global.output {
                OutputFormat::Json => render::json(&r)?,
                OutputFormat::Table => {
                    let ms = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{v:.0}"));
                    let mut t = render::table(
                        &[
                            "round",
                            "node",
                            "leader",
                            "new leader",
                            "first ack ms",
                            "new bid0 ms",
                            "rejoin ms",
                            "term",
                        ],
                        r.rounds.iter().enumerate().map(|(i, x)| {
                            vec![
                                (i + 1).to_string(),
                                format!("{} ({})", x.killed, x.killed_addr),
                                if x.was_leader { "yes" } else { "no" }.to_owned(),
                                x.new_leader.clone(),
                                ms(x.first_ack_ms),
                                ms(x.new_bid0_ms),
                                format!("{:.0}", x.rejoin_ms),
                                format!("{} -> {}", x.term_before, x.term_after),
                            ]
                        }),
                    );
                    t.push_str(&format!(
                        "mode {}: first ack median {:.0} / p90 {:.0} / max {:.0} ms; new BID 0 median {:.0} / \
                         p90 {:.0} / max {:.0} ms\n\
                         leader changes {}, term increments {}; acknowledged {}, lost {}, misplaced {}; \
                         sends failed after retries {}, slowest send {:.0} ms\n",
                        r.mode,
                        r.median_first_ack_ms,
                        r.p90_first_ack_ms,
                        r.max_first_ack_ms,
                        r.median_new_bid0_ms,
                        r.p90_new_bid0_ms,
                        r.max_new_bid0_ms,
                        r.leader_changes,
                        r.term_increments,
                        r.acknowledged,
                        r.lost,
                        r.misplaced,
                        r.producer.gave_up,
                        r.producer.latency.max_ms,
                    ));
                    t
                }
            };
            for l in &r.lost_samples {
                printer.warn(&format!("lost: {l}"));
            }
            printer.data(&text).context("failed to write to stdout")?;
            Ok(if r.lost > 0 || r.misplaced > 0 {
                ExitStatus::Failure
            } else {
                ExitStatus::Success
            })
        }
    }
}
