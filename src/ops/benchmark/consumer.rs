//! The consumer run behind `benchmark consumer` (one puller per queue, counting messages per
//! second), and the PULL_MESSAGE and queue-offset calls the failover drill reuses to read every
//! queue back.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use broker::remoting::codes::{pull_flag, request};
use broker::remoting::headers::PullMessageRequestHeader;

use super::{ConsumerOptions, ConsumerReport, Tick, TickSink};
use crate::ops::admin::{Admin, AdminError};
use crate::ops::route::{master_queues, MasterQueue, QueueSelection, Side};

/// How long the broker may hold a benchmark pull that finds nothing (long polling, as a Java
/// push consumer pulls): an idle queue costs one request per hold instead of a stream of empty
/// answers, and an arrival answers the held pull at once.
const LONG_POLL: Duration = Duration::from_millis(1_000);

/// Pulls `max` messages of one queue from `offset`; returns (messages, next offset).
pub(super) async fn pull(
    admin: &Admin,
    addr: &str,
    topic: &str,
    group: &str,
    queue_id: i32,
    offset: i64,
    max: i32,
) -> Result<(Vec<broker::store::message::DecodedMessage>, i64), AdminError> {
    let header = PullMessageRequestHeader::one_off(group, topic, queue_id, offset, max, "*");
    admin.pull(addr, &header).await
}

/// As [`pull`], but the broker holds the request up to [`LONG_POLL`] while the queue has nothing
/// past `offset`.
async fn long_pull(
    admin: &Admin,
    addr: &str,
    topic: &str,
    group: &str,
    queue_id: i32,
    offset: i64,
) -> Result<(Vec<broker::store::message::DecodedMessage>, i64), AdminError> {
    let mut header = PullMessageRequestHeader::one_off(group, topic, queue_id, offset, 32, "*");
    header.sys_flag |= pull_flag::SUSPEND;
    header.suspend_timeout_millis = LONG_POLL.as_millis() as i64;
    admin.pull(addr, &header).await
}

/// Runs the consumer benchmark: one puller per queue.
pub(super) async fn run(
    admin: &Admin,
    options: &ConsumerOptions,
    sink: &dyn TickSink,
) -> Result<ConsumerReport, AdminError> {
    let route = admin.route(&options.topic).await?;
    let queues = master_queues(&route, &QueueSelection::all(Side::Read));
    let received = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut tasks = Vec::new();
    let groups: Vec<String> = (0..options.groups.max(1))
        .map(|i| match i {
            0 => options.group.clone(),
            i => format!("{}-{i}", options.group),
        })
        .collect();
    let commits = Arc::new(AtomicU64::new(0));
    let last_error: Arc<std::sync::Mutex<Option<String>>> = Arc::default();
    for (
        group,
        MasterQueue {
            addr, queue_id: q, ..
        },
    ) in groups
        .iter()
        .flat_map(|g| queues.iter().map(move |mq| (g.clone(), mq.clone())))
    {
        let code = if options.from_start {
            request::GET_MIN_OFFSET
        } else {
            request::GET_MAX_OFFSET
        };
        let mut offset = admin.queue_offset(&addr, code, &options.topic, q).await?;
        let (admin, received, failed, stop, o, commits, last_error) = (
            admin.clone(),
            received.clone(),
            failed.clone(),
            stop.clone(),
            options.clone(),
            commits.clone(),
            last_error.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut last_commit = Instant::now();
            while !stop.load(Ordering::Relaxed) {
                if o.commit_interval
                    .is_some_and(|every| last_commit.elapsed() >= every)
                {
                    last_commit = Instant::now();
                    if admin
                        .commit_offset_oneway(&addr, &group, &o.topic, q, offset)
                        .await
                        .is_ok()
                    {
                        commits.fetch_add(1, Ordering::Relaxed);
                    }
                }
                let asked = Instant::now();
                match long_pull(&admin, &addr, &o.topic, &group, q, offset).await {
                    Ok((msgs, next)) => {
                        received.fetch_add(msgs.len() as u64, Ordering::Relaxed);
                        if msgs.is_empty() && asked.elapsed() < Duration::from_millis(5) {
                            // A broker that does not hold pulls: do not spin on it.
                            tokio::time::sleep(Duration::from_millis(10)).await;
                        }
                        offset = next.max(offset);
                    }
                    Err(e) => {
                        failed.fetch_add(1, Ordering::Relaxed);
                        *last_error.lock().expect("last_error poisoned") =
                            Some(format!("pull from {addr}: {e}"));
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
            }
        }));
    }
    let mut ticker = tokio::time::interval(Duration::from_secs(1));
    ticker.tick().await;
    let mut last = 0;
    while started.elapsed() < options.duration {
        ticker.tick().await;
        let now = received.load(Ordering::Relaxed);
        sink.tick(&Tick {
            tps: now - last,
            send_failed: failed.load(Ordering::Relaxed),
            last_error: last_error.lock().expect("last_error poisoned").clone(),
            ..Tick::default()
        });
        last = now;
    }
    stop.store(true, Ordering::Relaxed);
    let elapsed = started.elapsed().as_secs_f64();
    let received = received.load(Ordering::Relaxed);
    // A puller may sit in a held pull for up to LONG_POLL: it is not waited for.
    for t in tasks {
        t.abort();
    }
    let last_error = last_error.lock().expect("last_error poisoned").clone();
    Ok(ConsumerReport {
        topic: options.topic.clone(),
        queues: queues.len(),
        received,
        elapsed_s: elapsed,
        tps: received as f64 / elapsed.max(1e-9),
        pull_failed: failed.load(Ordering::Relaxed),
        groups: groups.len(),
        offset_commits: commits.load(Ordering::Relaxed),
        last_error,
    })
}
