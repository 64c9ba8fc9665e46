//! `benchmark producer | consumer | failover`: load generators modelled on RocketMQ's
//! `benchmark/producer.sh` and `consumer.sh`, plus a failover drill for a fast-try DLedger group.
//!
//! Nothing here prints: progress goes through a [`TickSink`] (one [`Tick`] per second) and every
//! run returns a `Serialize` report. Latencies are kept in a fixed log-linear [`Histogram`] of
//! microseconds (bounded memory, about 3 % relative error).
//!
//! This module holds what the command sees (options, reports, the three entry points); each run
//! lives in its own file: [`producer`](self::producer) (senders with retries through failovers),
//! [`consumer`](self::consumer) (one puller per queue), [`failover`](self::failover) (kill and
//! restart the leader under load, then check every acknowledged message), and
//! [`histogram`](self::histogram) for the latency figures.

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use super::admin::{Admin, AdminError};
use super::fast_try;

mod consumer;
mod failover;
mod histogram;
mod producer;

pub use histogram::{Histogram, Latency};
pub use producer::Ack;

/// Producer group of the benchmark, as Java's `benchmark_producer`.
pub const BENCH_PRODUCER_GROUP: &str = "benchmark_producer";
/// How long one message may keep being retried (through a failover) before it counts as failed.
pub const SEND_DEADLINE: Duration = Duration::from_secs(30);
/// Pause between retries of one message.
pub const RETRY_PAUSE: Duration = Duration::from_millis(20);

// ---------------------------------------------------------------------------------------------
// Progress

/// One second of a benchmark.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tick {
    /// Messages acknowledged (producer) or received (consumer) in this second, per second.
    pub tps: u64,
    /// Largest latency of the second (producer), ms.
    pub max_rt_ms: f64,
    /// Average latency of the second (producer), ms.
    pub avg_rt_ms: f64,
    /// Attempts that failed to reach the broker, total so far.
    pub send_failed: u64,
    /// Attempts the broker refused, total so far.
    pub response_failed: u64,
    /// Why the latest failed attempt failed (issue 20 item 3: the reason was only in the broker's
    /// log), once anything failed.
    pub last_error: Option<String>,
}

/// Receives one [`Tick`] per second.
pub trait TickSink: Send + Sync {
    /// Called once a second.
    fn tick(&self, tick: &Tick);
}

// ---------------------------------------------------------------------------------------------
// Producer

/// How long a run lasts.
#[derive(Debug, Clone, Copy)]
pub enum Limit {
    /// Seconds.
    Duration(Duration),
    /// Messages in total.
    Count(u64),
}

/// What `benchmark producer` sends.
#[derive(Debug, Clone)]
pub struct ProducerOptions {
    /// Topic.
    pub topic: String,
    /// Concurrent senders. Default: 64.
    pub threads: usize,
    /// Body size in bytes. Default: 128.
    pub size: usize,
    /// When to stop.
    pub limit: Limit,
    /// Messages per SEND_BATCH_MESSAGE; `None` sends one message per SEND_MESSAGE_V2.
    pub batch: Option<usize>,
    /// Set a KEYS property on every message.
    pub keys: bool,
}

/// What a producer run did.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProducerReport {
    /// Topic.
    pub topic: String,
    /// Senders.
    pub threads: usize,
    /// Body size.
    pub size: usize,
    /// Messages acknowledged.
    pub sent: u64,
    /// Attempts that did not reach the broker or got no answer.
    pub send_failed: u64,
    /// Attempts the broker answered with an error code.
    pub response_failed: u64,
    /// Messages given up after [`SEND_DEADLINE`].
    pub gave_up: u64,
    /// Wall time, seconds.
    pub elapsed_s: f64,
    /// Acknowledged messages per second.
    pub tps: f64,
    /// Per-request latency (including retries).
    pub latency: Latency,
    /// Why the latest failed attempt failed, if any did.
    pub last_error: Option<String>,
    /// Whether the run was cut short by Ctrl-C (the figures are those measured until then).
    pub interrupted: bool,
}

/// Runs the producer benchmark.
///
/// # Errors
/// No route and no master, or a send refused with a code that is not retried.
pub async fn producer(
    admin: &Admin,
    options: &ProducerOptions,
    sink: &dyn TickSink,
    interrupted: &(dyn Fn() -> bool + Sync),
) -> Result<ProducerReport, AdminError> {
    check_body_size(admin, options).await?;
    producer::run_producer(producer::new_producer(admin, options, false), sink, interrupted).await
}

/// `maxMessageSize` of a broker that does not say (Java's broker and `DefaultMQProducer`): 4 MiB.
pub const DEFAULT_MAX_MESSAGE_SIZE: u64 = 4 * 1024 * 1024;

/// Refuses, before a body is allocated, a body (or batch) larger than the smallest
/// `maxMessageSize` of the cluster's masters, as Java's producer refuses one over its own
/// `maxMessageSize` (issue 20 item 3: `-s 1000000000` never finished and took gigabytes, and a
/// frame over 16 MiB was only reported in the broker's log). A master whose config cannot be read
/// counts as [`DEFAULT_MAX_MESSAGE_SIZE`].
///
/// # Errors
/// [`AdminError::Invalid`] for a body too large; name-server failures.
pub async fn check_body_size(admin: &Admin, options: &ProducerOptions) -> Result<(), AdminError> {
    let total = (options.size as u64).saturating_mul(options.batch.unwrap_or(1) as u64);
    if total <= 1024 {
        return Ok(());
    }
    let info = admin.cluster_info().await?;
    let mut limit: Option<(u64, String)> = None;
    for bd in info.broker_addr_table.values() {
        let Some(addr) = bd.broker_addrs.get(&0) else {
            continue;
        };
        let max = super::get_broker_config::get_broker_config(
            admin,
            &super::broker_status::BrokerTarget::Addr(addr.clone()),
        )
        .await
        .ok()
        .and_then(|r| {
            r.brokers
                .first()
                .and_then(|b| b.config.get("maxMessageSize").and_then(|v| v.trim().parse().ok()))
        })
        .unwrap_or(DEFAULT_MAX_MESSAGE_SIZE);
        if limit.as_ref().is_none_or(|(m, _)| max < *m) {
            limit = Some((max, format!("{} ({addr})", bd.broker_name)));
        }
    }
    let (max, who) = limit.unwrap_or((DEFAULT_MAX_MESSAGE_SIZE, "the default".into()));
    if total > max {
        let what = match options.batch {
            Some(k) => format!("a batch of {k} bodies of {} bytes ({total} bytes)", options.size),
            None => format!("a body of {total} bytes"),
        };
        return Err(AdminError::Invalid(format!(
            "{what} is larger than maxMessageSize {max} of broker {who}: the broker would refuse every send; use a smaller -s/--size"
        )));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Consumer

/// What `benchmark consumer` reads.
#[derive(Debug, Clone)]
pub struct ConsumerOptions {
    /// Topic.
    pub topic: String,
    /// Consumer group named in the pulls.
    pub group: String,
    /// How long to run.
    pub duration: Duration,
    /// Start at each queue's min offset instead of its max offset.
    pub from_start: bool,
    /// Consumer groups, each reading every queue (`group`, then `group-1`, `group-2`, ...).
    pub groups: usize,
    /// Commit each group's offset of each queue this often (UPDATE_CONSUMER_OFFSET, oneway as
    /// Java's clients commit); never when `None`.
    pub commit_interval: Option<Duration>,
}

/// What a consumer run did.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsumerReport {
    /// Topic.
    pub topic: String,
    /// Queues pulled.
    pub queues: usize,
    /// Messages received.
    pub received: u64,
    /// Wall time, seconds.
    pub elapsed_s: f64,
    /// Messages per second.
    pub tps: f64,
    /// Pulls that failed.
    pub pull_failed: u64,
    /// Consumer groups that read.
    pub groups: usize,
    /// Offset commits sent (oneway).
    pub offset_commits: u64,
    /// Why the latest failed pull failed, if any did.
    pub last_error: Option<String>,
}

/// Runs the consumer benchmark: one puller per queue.
///
/// # Errors
/// Unknown topic or an unreadable queue offset.
pub async fn consumer(
    admin: &Admin,
    options: &ConsumerOptions,
    sink: &dyn TickSink,
) -> Result<ConsumerReport, AdminError> {
    consumer::run(admin, options, sink).await
}

// ---------------------------------------------------------------------------------------------
// Failover

/// Which fault each round of `benchmark failover` injects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailoverMode {
    /// SIGKILL the leader, restart it.
    Kill,
    /// SIGTERM the leader (a planned restart: it hands over first), restart it.
    Term,
    /// Restart every node once, followers first, each with SIGTERM, waiting until it caught up.
    Rolling,
    /// SIGSTOP a follower for `--stall-ms`, then SIGCONT it: must cause no election.
    StallFollower,
    /// No fault: load for `--soak-secs`, counting leader changes and term increments.
    Soak,
}

/// What `benchmark failover` does.
#[derive(Debug, Clone)]
pub struct FailoverOptions {
    /// Store root of the fast-try group (holds `fast-try.json`).
    pub store_root: PathBuf,
    /// Kill/restart rounds. Default: 3.
    pub rounds: usize,
    /// Topic written during the drill.
    pub topic: String,
    /// Senders during the drill.
    pub threads: usize,
    /// Where `mqbroker` is.
    pub bin_dir: PathBuf,
    /// How long to wait for a new leader, or for a restarted node to rejoin.
    pub timeout: Duration,
    /// The fault of each round.
    pub mode: FailoverMode,
    /// How long a follower stays stopped (`StallFollower`).
    pub stall: Duration,
    /// How long the load runs (`Soak`).
    pub soak: Duration,
}

/// One kill/restart round (in `rolling` mode: one node's restart).
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FailoverRound {
    /// Killed (stopped, stalled) node (`n0`..`n2`).
    pub killed: String,
    /// Its listen address.
    pub killed_addr: String,
    /// Whether it was the leader.
    pub was_leader: bool,
    /// Signal -> first send acknowledged by another node, ms (leader rounds only).
    pub first_ack_ms: Option<f64>,
    /// Signal -> the name server shows another node as BID 0, ms (leader rounds only).
    pub new_bid0_ms: Option<f64>,
    /// The BID 0 address after the round.
    pub new_leader: String,
    /// Restart -> the node is registered again, ms.
    pub rejoin_ms: f64,
    /// The leader's term before and after the round.
    pub term_before: u64,
    /// See `term_before`.
    pub term_after: u64,
}

/// The failover drill's outcome.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FailoverReport {
    /// The fault injected.
    pub mode: String,
    /// Rounds.
    pub rounds: Vec<FailoverRound>,
    /// Median of `first_ack_ms`.
    pub median_first_ack_ms: f64,
    /// 90th percentile of `first_ack_ms`.
    pub p90_first_ack_ms: f64,
    /// Max of `first_ack_ms`.
    pub max_first_ack_ms: f64,
    /// Median of `new_bid0_ms`.
    pub median_new_bid0_ms: f64,
    /// 90th percentile of `new_bid0_ms`.
    pub p90_new_bid0_ms: f64,
    /// Max of `new_bid0_ms`.
    pub max_new_bid0_ms: f64,
    /// Times the name server's BID 0 moved to another address during the drill (polled every
    /// 20 ms).
    pub leader_changes: u64,
    /// The leader's term at the end minus at the start.
    pub term_increments: u64,
    /// Messages acknowledged during the drill.
    pub acknowledged: u64,
    /// Acknowledged messages not found when reading every queue afterwards (must be 0).
    pub lost: u64,
    /// Up to 10 of the lost messages: id, acknowledging broker, position, what is there.
    pub lost_samples: Vec<String>,
    /// Acknowledged messages found at another queue offset than the one acknowledged.
    pub misplaced: u64,
    /// The producer during the drill (`gaveUp`: sends that failed after the client's retries;
    /// `latency.maxMs`: the slowest send, retries included).
    pub producer: ProducerReport,
}

/// Why the drill failed.
#[derive(Debug, thiserror::Error)]
pub enum FailoverError {
    /// No fast-try state.
    #[error("no fast-try group recorded under {0} (run `mqadmin fast-try start --store-root {0}` first)")]
    NotRunning(PathBuf),
    /// fast-try state problems.
    #[error(transparent)]
    FastTry(#[from] fast_try::FastTryError),
    /// Admin calls.
    #[error(transparent)]
    Admin(#[from] AdminError),
    /// Something did not happen in time.
    #[error("{0}")]
    Timeout(String),
    /// I/O.
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
}

/// Runs the failover drill against a fast-try group.
///
/// # Errors
/// No fast-try state, no leader in time, a restart that fails.
pub async fn failover(
    options: &FailoverOptions,
    sink: &dyn TickSink,
) -> Result<FailoverReport, FailoverError> {
    failover::run(options, sink).await
}
