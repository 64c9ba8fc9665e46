//! `benchmark producer | consumer | failover`: load generators modelled on RocketMQ's
//! `benchmark/producer.sh` and `consumer.sh`, plus a failover drill for a fast-try DLedger group.
//!
//! Nothing here prints: progress goes through a [`TickSink`] (one [`Tick`] per second) and every
//! run returns a `Serialize` report. Latencies are kept in a fixed log-linear [`Histogram`] of
//! microseconds (bounded memory, about 3 % relative error).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use broker::remoting::body::{now_millis, perm, TopicRouteData};
use broker::remoting::codes::{request, response};
use broker::remoting::headers::{
    OffsetResponseHeader, PullMessageRequestHeader, PullMessageResponseHeader, QueueRequestHeader,
    SendMessageRequestHeaderV2, SendMessageResponseHeader,
};
use broker::remoting::RemotingCommand;
use broker::store::format::property;
use broker::store::message::{decode_records, encode_batch, encode_properties, BatchEntry};
use serde::Serialize;

use super::admin::{request_with, Admin, AdminError};
use super::fast_try::{self, FastTryState, ProcessInfo};
use super::send_message::{new_uniq_id, send_status};

/// Producer group of the benchmark, as Java's `benchmark_producer`.
pub const BENCH_PRODUCER_GROUP: &str = "benchmark_producer";
/// How long one message may keep being retried (through a failover) before it counts as failed.
pub const SEND_DEADLINE: Duration = Duration::from_secs(30);
/// Pause between retries of one message.
pub const RETRY_PAUSE: Duration = Duration::from_millis(20);

// ---------------------------------------------------------------------------------------------
// Histogram

/// Sub-buckets per power of two (2^5 = 32: about 3 % relative error).
const SUB_BITS: u32 = 5;
const SUB: u64 = 1 << SUB_BITS;
/// Values below this are exact.
const LINEAR: u64 = 2 * SUB;
/// Enough buckets for any u32 microsecond value.
const BUCKETS: usize = (LINEAR + (32 - SUB_BITS as u64 - 1) * SUB) as usize;

/// A log-linear histogram of microsecond latencies with a fixed number of buckets.
#[derive(Debug, Clone)]
pub struct Histogram {
    counts: Vec<u64>,
    total: u64,
    max: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Self {
            counts: vec![0; BUCKETS],
            total: 0,
            max: 0,
        }
    }
}

fn bucket_of(v: u64) -> usize {
    let v = v.min(u64::from(u32::MAX));
    if v < LINEAR {
        return v as usize;
    }
    let exp = 63 - u64::from(v.leading_zeros()); // >= SUB_BITS + 1
    let shift = exp - u64::from(SUB_BITS);
    let mantissa = v >> shift; // SUB..2*SUB
    (LINEAR + (exp - u64::from(SUB_BITS) - 1) * SUB + (mantissa - SUB)) as usize
}

/// The highest value that falls into bucket `i`.
fn bucket_high(i: usize) -> u64 {
    let i = i as u64;
    if i < LINEAR {
        return i;
    }
    let exp = (i - LINEAR) / SUB + u64::from(SUB_BITS) + 1;
    let mantissa = (i - LINEAR) % SUB + SUB;
    let shift = exp - u64::from(SUB_BITS);
    ((mantissa + 1) << shift) - 1
}

impl Histogram {
    /// Records one value (µs).
    pub fn record(&mut self, micros: u64) {
        self.counts[bucket_of(micros)] += 1;
        self.total += 1;
        self.max = self.max.max(micros);
    }

    /// Adds another histogram.
    pub fn merge(&mut self, other: &Histogram) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.total += other.total;
        self.max = self.max.max(other.max);
    }

    /// Values recorded.
    pub fn len(&self) -> u64 {
        self.total
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// The value at quantile `q` (0..=1), as the upper bound of its bucket (never above max).
    pub fn quantile(&self, q: f64) -> u64 {
        if self.total == 0 {
            return 0;
        }
        let rank = ((q * self.total as f64).ceil() as u64).clamp(1, self.total);
        let mut seen = 0;
        for (i, c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return bucket_high(i).min(self.max);
            }
        }
        self.max
    }

    /// The largest value recorded.
    pub fn max(&self) -> u64 {
        self.max
    }
}

/// Latency summary in milliseconds.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Latency {
    /// Median.
    pub p50_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// 99.9th percentile.
    pub p999_ms: f64,
    /// Maximum.
    pub max_ms: f64,
}

impl Latency {
    fn of(h: &Histogram) -> Self {
        let ms = |us: u64| us as f64 / 1000.0;
        Self {
            p50_ms: ms(h.quantile(0.50)),
            p99_ms: ms(h.quantile(0.99)),
            p999_ms: ms(h.quantile(0.999)),
            max_ms: ms(h.max()),
        }
    }
}

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
}

/// One acknowledged message.
#[derive(Debug, Clone)]
pub struct Ack {
    /// Client id (UNIQ_KEY).
    pub uniq: String,
    /// Queue id.
    pub queue_id: i32,
    /// Queue offset.
    pub queue_offset: i64,
    /// Broker that acknowledged.
    pub addr: String,
    /// When the acknowledgement arrived.
    pub at: Instant,
}

#[derive(Default)]
struct Counters {
    sent: AtomicU64,
    send_failed: AtomicU64,
    response_failed: AtomicU64,
    gave_up: AtomicU64,
    second_count: AtomicU64,
    second_sum_us: AtomicU64,
    second_max_us: AtomicU64,
    issued: AtomicU64,
}

/// Shared state of a running producer.
struct Producer {
    admin: Admin,
    options: ProducerOptions,
    body: Vec<u8>,
    /// (broker name, master address, queue id) choices, refreshed on failures.
    targets: RwLock<Vec<(String, String, i32)>>,
    counters: Counters,
    hist: Mutex<Histogram>,
    stop: AtomicBool,
    /// Filled when acknowledgements are recorded (failover).
    acks: Option<Mutex<Vec<Ack>>>,
}

/// The (broker name, BID 0 address, queue id) write targets of a route.
pub fn write_targets(route: &TopicRouteData) -> Vec<(String, String, i32)> {
    let mut out = Vec::new();
    for qd in &route.queue_datas {
        if qd.perm & perm::WRITE == 0 {
            continue;
        }
        let Some(addr) = route
            .broker_datas
            .iter()
            .find(|bd| bd.broker_name == qd.broker_name)
            .and_then(|bd| bd.broker_addrs.get(&0))
        else {
            continue;
        };
        for q in 0..qd.write_queue_nums {
            out.push((qd.broker_name.clone(), addr.clone(), q));
        }
    }
    out
}

enum Attempt {
    Ok(SendMessageResponseHeader),
    Retry,
    Fatal(AdminError),
}

impl Producer {
    async fn refresh_route(&self) -> Result<(), AdminError> {
        match self.admin.route(&self.options.topic).await {
            Ok(route) => {
                let t = write_targets(&route);
                if !t.is_empty() {
                    *self.targets.write().expect("targets poisoned") = t;
                }
                Ok(())
            }
            // A topic that does not exist yet is created by the broker on the first send
            // (autoCreateTopicEnable): fall back to any master of the cluster.
            Err(AdminError::TopicNotFound(_)) => {
                let info = self.admin.cluster_info().await?;
                let t: Vec<_> = info
                    .broker_addr_table
                    .values()
                    .filter_map(|bd| {
                        bd.broker_addrs
                            .get(&0)
                            .map(|a| (bd.broker_name.clone(), a.clone()))
                    })
                    .flat_map(|(n, a)| (0..4).map(move |q| (n.clone(), a.clone(), q)))
                    .collect();
                if t.is_empty() {
                    return Err(AdminError::Invalid("no master (BID 0) is registered".into()));
                }
                *self.targets.write().expect("targets poisoned") = t;
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    fn pick(&self, n: u64) -> Option<(String, String, i32)> {
        let t = self.targets.read().expect("targets poisoned");
        if t.is_empty() {
            return None;
        }
        Some(t[(n % t.len() as u64) as usize].clone())
    }

    async fn attempt(&self, target: &(String, String, i32), props: &str, uniqs: &[String]) -> Attempt {
        let (broker_name, addr, queue_id) = target;
        let batch = self.options.batch.is_some();
        let header = SendMessageRequestHeaderV2 {
            a: BENCH_PRODUCER_GROUP.into(),
            b: self.options.topic.clone(),
            c: "TBW102".into(),
            d: 8,
            e: *queue_id,
            f: 0,
            g: now_millis(),
            h: 0,
            i: if batch { None } else { Some(props.to_string()) },
            j: Some(0),
            k: Some(false),
            l: None,
            m: Some(batch),
            n: Some(broker_name.clone()),
        };
        let req = if batch {
            let props: Vec<String> = uniqs.iter().map(|u| batch_props(u, self.options.keys)).collect();
            let entries: Vec<BatchEntry<'_>> = props
                .iter()
                .map(|p| BatchEntry {
                    flag: 0,
                    body: &self.body,
                    properties: p,
                })
                .collect();
            RemotingCommand::request(request::SEND_BATCH_MESSAGE, &header).with_body(encode_batch(&entries))
        } else {
            RemotingCommand::request(request::SEND_MESSAGE_V2, &header).with_body(self.body.clone())
        };
        match self.admin.client.invoke(addr, req, self.admin.timeout).await {
            Err(e) => {
                tracing::debug!("send to {addr} failed: {e}");
                self.counters.send_failed.fetch_add(1, Ordering::Relaxed);
                Attempt::Retry
            }
            Ok(resp) if send_status(resp.code).is_some() => match resp.decode_header() {
                Ok(h) => Attempt::Ok(h),
                Err(e) => Attempt::Fatal(AdminError::BadBody {
                    addr: addr.clone(),
                    what: "SendMessageResponseHeader",
                    reason: e.to_string(),
                }),
            },
            Ok(resp) => {
                self.counters.response_failed.fetch_add(1, Ordering::Relaxed);
                if resp.code == response::SERVICE_NOT_AVAILABLE || resp.code == response::SYSTEM_BUSY {
                    Attempt::Retry
                } else {
                    Attempt::Fatal(AdminError::Refused {
                        addr: addr.clone(),
                        what: "SEND_MESSAGE_V2",
                        code: resp.code,
                        remark: resp.remark.unwrap_or_default(),
                    })
                }
            }
        }
    }

    /// Sends one message (or batch) until acknowledged, retrying through failovers.
    async fn send_one(&self, n: u64) -> Result<(), AdminError> {
        let per = self.options.batch.unwrap_or(1);
        let uniqs: Vec<String> = (0..per).map(|_| new_uniq_id()).collect();
        let props = batch_props(&uniqs[0], self.options.keys);
        let start = Instant::now();
        let mut target = match self.pick(n) {
            Some(t) => t,
            None => {
                self.refresh_route().await?;
                self.pick(n)
                    .ok_or_else(|| AdminError::Invalid("no writable queue".into()))?
            }
        };
        loop {
            match self.attempt(&target, &props, &uniqs).await {
                Attempt::Ok(h) => {
                    let us = start.elapsed().as_micros() as u64;
                    let c = &self.counters;
                    c.sent.fetch_add(per as u64, Ordering::Relaxed);
                    c.second_count.fetch_add(per as u64, Ordering::Relaxed);
                    c.second_sum_us.fetch_add(us, Ordering::Relaxed);
                    c.second_max_us.fetch_max(us, Ordering::Relaxed);
                    self.hist.lock().expect("histogram poisoned").record(us);
                    if let Some(acks) = &self.acks {
                        let at = Instant::now();
                        let mut acks = acks.lock().expect("acks poisoned");
                        for (i, u) in uniqs.iter().enumerate() {
                            acks.push(Ack {
                                uniq: u.clone(),
                                queue_id: h.queue_id,
                                queue_offset: h.queue_offset + i as i64,
                                addr: target.1.clone(),
                                at,
                            });
                        }
                    }
                    return Ok(());
                }
                Attempt::Fatal(e) => return Err(e),
                Attempt::Retry => {
                    if start.elapsed() > SEND_DEADLINE || self.stop.load(Ordering::Relaxed) {
                        self.counters.gave_up.fetch_add(per as u64, Ordering::Relaxed);
                        return Ok(());
                    }
                    tokio::time::sleep(RETRY_PAUSE).await;
                    let _ = self.refresh_route().await;
                    if let Some(t) = self.pick(n) {
                        target = t;
                    }
                }
            }
        }
    }
}

fn batch_props(uniq: &str, keys: bool) -> String {
    let mut props: Vec<(&str, &str)> = Vec::with_capacity(3);
    if keys {
        props.push((property::KEYS, uniq));
    }
    props.push((property::UNIQ_KEY, uniq));
    props.push((property::WAIT, "true"));
    encode_properties(props)
}

async fn run_producer(
    p: Arc<Producer>,
    sink: &dyn TickSink,
    until: impl Fn() -> bool,
) -> Result<ProducerReport, AdminError> {
    p.refresh_route().await?;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..p.options.threads.max(1) {
        let p = p.clone();
        tasks.push(tokio::spawn(async move {
            loop {
                if p.stop.load(Ordering::Relaxed) {
                    return Ok(());
                }
                let n = p.counters.issued.fetch_add(1, Ordering::Relaxed);
                if let Limit::Count(max) = p.options.limit {
                    if n * p.options.batch.unwrap_or(1) as u64 >= max {
                        return Ok(());
                    }
                }
                p.send_one(n).await?;
            }
        }));
    }
    let mut ticker = tokio::time::interval(Duration::from_secs(1));
    ticker.tick().await;
    let mut fatal = None;
    loop {
        let all_done = tasks.iter().all(|t| t.is_finished());
        if until() || all_done {
            break;
        }
        if let Limit::Duration(d) = p.options.limit {
            if started.elapsed() >= d {
                break;
            }
        }
        tokio::select! {
            _ = ticker.tick() => {
                let c = &p.counters;
                let count = c.second_count.swap(0, Ordering::Relaxed);
                let sum = c.second_sum_us.swap(0, Ordering::Relaxed);
                let max = c.second_max_us.swap(0, Ordering::Relaxed);
                let reqs = if let Some(b) = p.options.batch { count / b as u64 } else { count };
                sink.tick(&Tick {
                    tps: count,
                    max_rt_ms: max as f64 / 1000.0,
                    avg_rt_ms: if reqs == 0 { 0.0 } else { sum as f64 / reqs as f64 / 1000.0 },
                    send_failed: c.send_failed.load(Ordering::Relaxed),
                    response_failed: c.response_failed.load(Ordering::Relaxed),
                });
            }
            _ = tokio::time::sleep(Duration::from_millis(50)) => {}
        }
    }
    p.stop.store(true, Ordering::Relaxed);
    let elapsed = started.elapsed();
    for t in tasks {
        if let Ok(Err(e)) = t.await {
            fatal.get_or_insert(e);
        }
    }
    if let Some(e) = fatal {
        if p.counters.sent.load(Ordering::Relaxed) == 0 {
            return Err(e);
        }
        tracing::warn!("a sender stopped: {e}");
    }
    let c = &p.counters;
    let sent = c.sent.load(Ordering::Relaxed);
    let hist = p.hist.lock().expect("histogram poisoned").clone();
    Ok(ProducerReport {
        topic: p.options.topic.clone(),
        threads: p.options.threads,
        size: p.options.size,
        sent,
        send_failed: c.send_failed.load(Ordering::Relaxed),
        response_failed: c.response_failed.load(Ordering::Relaxed),
        gave_up: c.gave_up.load(Ordering::Relaxed),
        elapsed_s: elapsed.as_secs_f64(),
        tps: sent as f64 / elapsed.as_secs_f64().max(1e-9),
        latency: Latency::of(&hist),
    })
}

fn new_producer(admin: &Admin, options: &ProducerOptions, record_acks: bool) -> Arc<Producer> {
    Arc::new(Producer {
        admin: admin.clone(),
        options: options.clone(),
        body: (0..options.size).map(|i| b'a' + (i % 26) as u8).collect(),
        targets: RwLock::new(Vec::new()),
        counters: Counters::default(),
        hist: Mutex::new(Histogram::default()),
        stop: AtomicBool::new(false),
        acks: record_acks.then(|| Mutex::new(Vec::new())),
    })
}

/// Runs the producer benchmark.
///
/// # Errors
/// No route and no master, or a send refused with a code that is not retried.
pub async fn producer(
    admin: &Admin,
    options: &ProducerOptions,
    sink: &dyn TickSink,
) -> Result<ProducerReport, AdminError> {
    run_producer(new_producer(admin, options, false), sink, || false).await
}

// ---------------------------------------------------------------------------------------------
// Consumer

/// What `benchmark consumer` reads.
#[derive(Debug, Clone)]
pub struct ConsumerOptions {
    /// Topic.
    pub topic: String,
    /// Consumer group named in the pulls (no offset is committed).
    pub group: String,
    /// How long to run.
    pub duration: Duration,
    /// Start at each queue's min offset instead of its max offset.
    pub from_start: bool,
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
}

/// Pulls `max` messages of one queue from `offset`; returns (messages, next offset).
async fn pull(
    admin: &Admin,
    addr: &str,
    topic: &str,
    group: &str,
    queue_id: i32,
    offset: i64,
    max: i32,
) -> Result<(Vec<broker::store::message::DecodedMessage>, i64), AdminError> {
    let header = PullMessageRequestHeader {
        consumer_group: group.to_string(),
        topic: topic.to_string(),
        queue_id,
        queue_offset: offset,
        max_msg_nums: max,
        sys_flag: 0x4,
        commit_offset: 0,
        suspend_timeout_millis: 0,
        subscription: Some("*".into()),
        sub_version: 0,
        expression_type: Some("TAG".into()),
        max_msg_bytes: None,
    };
    let resp = admin
        .client
        .invoke(addr, request_with(request::PULL_MESSAGE, &header), admin.timeout)
        .await?;
    let next = resp
        .decode_header::<PullMessageResponseHeader>()
        .map(|h| h.next_begin_offset)
        .unwrap_or(offset);
    match resp.code {
        response::SUCCESS => {
            let records = decode_records(&resp.body).map_err(|e| AdminError::BadBody {
                addr: addr.to_string(),
                what: "PULL_MESSAGE",
                reason: e.to_string(),
            })?;
            Ok((records, next))
        }
        response::PULL_NOT_FOUND | response::PULL_RETRY_IMMEDIATELY | response::PULL_OFFSET_MOVED => {
            Ok((Vec::new(), next))
        }
        code => Err(AdminError::Refused {
            addr: addr.to_string(),
            what: "PULL_MESSAGE",
            code,
            remark: resp.remark.unwrap_or_default(),
        }),
    }
}

async fn queue_offset(
    admin: &Admin,
    addr: &str,
    code: i32,
    topic: &str,
    queue_id: i32,
) -> Result<i64, AdminError> {
    let header = QueueRequestHeader {
        topic: topic.to_string(),
        queue_id,
    };
    let resp = admin
        .broker(addr, "GET_MAX_OFFSET", request_with(code, &header))
        .await?;
    resp.decode_header::<OffsetResponseHeader>()
        .map(|h| h.offset)
        .map_err(|e| AdminError::BadBody {
            addr: addr.to_string(),
            what: "OffsetResponseHeader",
            reason: e.to_string(),
        })
}

/// The (broker address, queue id) read targets of a route (BID 0 of each group).
fn read_targets(route: &TopicRouteData) -> Vec<(String, i32)> {
    let mut out = Vec::new();
    for qd in &route.queue_datas {
        if let Some(addr) = route
            .broker_datas
            .iter()
            .find(|bd| bd.broker_name == qd.broker_name)
            .and_then(|bd| bd.broker_addrs.get(&0))
        {
            for q in 0..qd.read_queue_nums {
                out.push((addr.clone(), q));
            }
        }
    }
    out
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
    let route = admin.route(&options.topic).await?;
    let queues = read_targets(&route);
    let received = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (addr, q) in queues.clone() {
        let code = if options.from_start {
            request::GET_MIN_OFFSET
        } else {
            request::GET_MAX_OFFSET
        };
        let mut offset = queue_offset(admin, &addr, code, &options.topic, q).await?;
        let (admin, received, failed, stop, o) = (
            admin.clone(),
            received.clone(),
            failed.clone(),
            stop.clone(),
            options.clone(),
        );
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                match pull(&admin, &addr, &o.topic, &o.group, q, offset, 32).await {
                    Ok((msgs, next)) => {
                        received.fetch_add(msgs.len() as u64, Ordering::Relaxed);
                        if msgs.is_empty() {
                            tokio::time::sleep(Duration::from_millis(10)).await;
                        }
                        offset = next.max(offset);
                    }
                    Err(_) => {
                        failed.fetch_add(1, Ordering::Relaxed);
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
            ..Tick::default()
        });
        last = now;
    }
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        let _ = t.await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let received = received.load(Ordering::Relaxed);
    Ok(ConsumerReport {
        topic: options.topic.clone(),
        queues: queues.len(),
        received,
        elapsed_s: elapsed,
        tps: received as f64 / elapsed.max(1e-9),
        pull_failed: failed.load(Ordering::Relaxed),
    })
}

// ---------------------------------------------------------------------------------------------
// Failover

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
}

/// One kill/restart round.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FailoverRound {
    /// Killed node (`n0`..`n2`).
    pub killed: String,
    /// Its listen address.
    pub killed_addr: String,
    /// Kill -> first send acknowledged by another node, ms.
    pub first_ack_ms: f64,
    /// Kill -> the name server shows another node as BID 0, ms.
    pub new_bid0_ms: f64,
    /// The new BID 0 address.
    pub new_leader: String,
    /// Restart -> the node is registered again, ms.
    pub rejoin_ms: f64,
}

/// The failover drill's outcome.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FailoverReport {
    /// Rounds.
    pub rounds: Vec<FailoverRound>,
    /// Median of `first_ack_ms`.
    pub median_first_ack_ms: f64,
    /// Max of `first_ack_ms`.
    pub max_first_ack_ms: f64,
    /// Median of `new_bid0_ms`.
    pub median_new_bid0_ms: f64,
    /// Max of `new_bid0_ms`.
    pub max_new_bid0_ms: f64,
    /// Messages acknowledged during the drill.
    pub acknowledged: u64,
    /// Acknowledged messages not found when reading every queue afterwards (must be 0).
    pub lost: u64,
    /// Acknowledged messages found at another queue offset than the one acknowledged.
    pub misplaced: u64,
    /// The producer during the drill.
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

fn median(v: &[f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let m = s.len() / 2;
    if s.len() % 2 == 1 {
        s[m]
    } else {
        (s[m - 1] + s[m]) / 2.0
    }
}

fn port_of(addr: &str) -> Option<u16> {
    addr.rsplit_once(':').and_then(|(_, p)| p.parse().ok())
}

/// The BID 0 address and all registered addresses of the (single) DLedger group.
async fn layout(admin: &Admin) -> Result<(Option<String>, Vec<String>), AdminError> {
    let info = admin.cluster_info().await?;
    let mut leader = None;
    let mut all = Vec::new();
    for bd in info.broker_addr_table.values() {
        for (id, a) in &bd.broker_addrs {
            if *id == 0 {
                leader = Some(a.clone());
            }
            all.push(a.clone());
        }
    }
    Ok((leader, all))
}

fn save_state(root: &Path, st: &FastTryState) -> Result<(), FailoverError> {
    let mut st = st.clone();
    for p in &mut st.processes {
        p.alive = true;
    }
    let path = root.join(fast_try::STATE_FILE);
    let bytes = serde_json::to_vec_pretty(&st).unwrap_or_default();
    std::fs::write(&path, bytes).map_err(|e| FailoverError::Io(format!("write {}", path.display()), e))
}

fn restart(bin_dir: &Path, p: &ProcessInfo) -> Result<u32, FailoverError> {
    use std::os::unix::process::CommandExt;
    let conf = p
        .config
        .as_ref()
        .ok_or_else(|| FailoverError::Timeout(format!("{} has no recorded config", p.name)))?;
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&p.log)
        .map_err(|e| FailoverError::Io(format!("open {}", p.log.display()), e))?;
    let err = log
        .try_clone()
        .map_err(|e| FailoverError::Io("dup log file".into(), e))?;
    let child = std::process::Command::new(bin_dir.join("mqbroker"))
        .arg("-c")
        .arg(conf)
        .stdin(std::process::Stdio::null())
        .stdout(log)
        .stderr(err)
        .process_group(0)
        .spawn()
        .map_err(|e| FailoverError::Io("start mqbroker".into(), e))?;
    Ok(child.id())
}

async fn wait_for<T, F, Fut>(timeout: Duration, what: &str, mut probe: F) -> Result<T, FailoverError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = probe().await {
            return Ok(v);
        }
        if Instant::now() > deadline {
            return Err(FailoverError::Timeout(format!(
                "{what} did not happen within {} s",
                timeout.as_secs()
            )));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Runs the failover drill against a fast-try group.
///
/// # Errors
/// No fast-try state, no leader in time, a restart that fails.
pub async fn failover(
    options: &FailoverOptions,
    sink: &dyn TickSink,
) -> Result<FailoverReport, FailoverError> {
    let root = options.store_root.clone();
    let mut state = fast_try::status(&root)?.ok_or_else(|| FailoverError::NotRunning(root.clone()))?;
    let mut admin = Admin::new(&state.namesrv_addr);
    admin.timeout = Duration::from_secs(3);
    let producer_options = ProducerOptions {
        topic: options.topic.clone(),
        threads: options.threads,
        size: 128,
        limit: Limit::Duration(Duration::from_secs(24 * 3600)),
        batch: None,
        keys: false,
    };
    let p = new_producer(&admin, &producer_options, true);
    let stop_flag = Arc::new(AtomicBool::new(false));
    let run = {
        let p = p.clone();
        let stop_flag = stop_flag.clone();
        async move {
            struct Quiet;
            impl TickSink for Quiet {
                fn tick(&self, _: &Tick) {}
            }
            run_producer(p, &Quiet, move || stop_flag.load(Ordering::Relaxed)).await
        }
    };
    let producer_task = tokio::spawn(run);
    let drill = async {
        let mut rounds = Vec::new();
        // Let the producer warm up.
        tokio::time::sleep(Duration::from_secs(1)).await;
        for _ in 0..options.rounds {
            let leader = wait_for(options.timeout, "a BID 0 registration", || async {
                layout(&admin).await.ok().and_then(|(l, _)| l)
            })
            .await?;
            let port = port_of(&leader);
            let idx = state
                .processes
                .iter()
                .position(|pi| pi.name != "namesrv" && pi.ports.first().copied() == port)
                .ok_or_else(|| {
                    FailoverError::Timeout(format!(
                        "the leader {leader} is not a process of this fast-try group"
                    ))
                })?;
            let victim = state.processes[idx].clone();
            // SAFETY: signalling a pid recorded in our own fast-try state file.
            unsafe { libc::kill(victim.pid as i32, libc::SIGKILL) };
            let killed_at = Instant::now();
            while fast_try::alive(victim.pid) && killed_at.elapsed() < Duration::from_secs(5) {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            let acks = p.acks.as_ref().expect("acks are recorded");
            let new_leader = wait_for(options.timeout, "a new BID 0", || async {
                layout(&admin)
                    .await
                    .ok()
                    .and_then(|(l, _)| l)
                    .filter(|l| *l != leader)
            })
            .await?;
            let new_bid0_ms = killed_at.elapsed().as_secs_f64() * 1000.0;
            let first_ack = wait_for(options.timeout, "an acknowledged send", || async {
                let acks = acks.lock().expect("acks poisoned");
                acks.iter()
                    .rev()
                    .take_while(|a| a.at > killed_at)
                    .filter(|a| a.addr != leader)
                    .map(|a| a.at)
                    .min()
            })
            .await?;
            let first_ack_ms = first_ack.duration_since(killed_at).as_secs_f64() * 1000.0;
            let pid = restart(&options.bin_dir, &victim)?;
            state.processes[idx].pid = pid;
            save_state(&root, &state)?;
            let restarted = Instant::now();
            wait_for(options.timeout, "the restarted node's registration", || async {
                layout(&admin)
                    .await
                    .ok()
                    .filter(|(l, all)| l.is_some() && all.contains(&leader))
            })
            .await?;
            let rejoin_ms = restarted.elapsed().as_secs_f64() * 1000.0;
            let round = FailoverRound {
                killed: victim.name.clone(),
                killed_addr: leader.clone(),
                first_ack_ms,
                new_bid0_ms,
                new_leader,
                rejoin_ms,
            };
            sink.tick(&Tick {
                tps: rounds.len() as u64 + 1,
                max_rt_ms: first_ack_ms,
                avg_rt_ms: new_bid0_ms,
                ..Tick::default()
            });
            rounds.push(round);
            // Let the restarted node catch up before the next kill.
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
        Ok::<_, FailoverError>(rounds)
    };
    let rounds = drill.await;
    stop_flag.store(true, Ordering::Relaxed);
    let producer_report = producer_task
        .await
        .map_err(|e| FailoverError::Timeout(format!("producer task failed: {e}")))??;
    let rounds = rounds?;

    // Read every queue from the leader and compare with what was acknowledged.
    let acks = std::mem::take(&mut *p.acks.as_ref().expect("acks").lock().expect("acks poisoned"));
    let route = admin.route(&options.topic).await?;
    let mut found: HashMap<String, (i32, i64)> = HashMap::new();
    for (addr, q) in read_targets(&route) {
        let mut offset = queue_offset(&admin, &addr, request::GET_MIN_OFFSET, &options.topic, q).await?;
        let max = queue_offset(&admin, &addr, request::GET_MAX_OFFSET, &options.topic, q).await?;
        while offset < max {
            let (msgs, next) = pull(
                &admin,
                &addr,
                &options.topic,
                "benchmark_failover_check",
                q,
                offset,
                32,
            )
            .await?;
            for m in msgs {
                if let Some(u) = m.properties.get(property::UNIQ_KEY) {
                    found.insert(u.clone(), (m.queue_id, m.queue_offset));
                }
            }
            if next <= offset {
                break;
            }
            offset = next;
        }
    }
    let mut lost = 0;
    let mut misplaced = 0;
    let mut seen = HashSet::new();
    for a in &acks {
        if !seen.insert(&a.uniq) {
            continue;
        }
        match found.get(&a.uniq) {
            None => lost += 1,
            Some(&(q, o)) if (q, o) != (a.queue_id, a.queue_offset) => misplaced += 1,
            Some(_) => {}
        }
    }
    let first: Vec<f64> = rounds.iter().map(|r| r.first_ack_ms).collect();
    let bid0: Vec<f64> = rounds.iter().map(|r| r.new_bid0_ms).collect();
    Ok(FailoverReport {
        median_first_ack_ms: median(&first),
        max_first_ack_ms: first.iter().copied().fold(0.0, f64::max),
        median_new_bid0_ms: median(&bid0),
        max_new_bid0_ms: bid0.iter().copied().fold(0.0, f64::max),
        rounds,
        acknowledged: acks.len() as u64,
        lost,
        misplaced,
        producer: producer_report,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_monotonic_and_tight() {
        let mut last = 0;
        for v in [
            0u64,
            1,
            63,
            64,
            65,
            127,
            128,
            1000,
            20_000,
            1_000_000,
            u64::from(u32::MAX),
        ] {
            let b = bucket_of(v);
            assert!(b < BUCKETS, "{v}");
            assert!(b >= last);
            last = b;
            let high = bucket_high(b);
            assert!(high >= v, "{v} -> {high}");
            assert!((high - v) as f64 <= v as f64 * 0.04 + 1.0, "{v} -> {high}");
        }
    }

    #[test]
    fn histogram_quantiles() {
        let mut h = Histogram::default();
        for v in 1..=1000u64 {
            h.record(v * 10);
        }
        assert_eq!(h.len(), 1000);
        let p50 = h.quantile(0.5);
        assert!((4900..=5200).contains(&p50), "{p50}");
        assert_eq!(h.quantile(1.0), 10_000);
        assert_eq!(h.max(), 10_000);
        let mut other = Histogram::default();
        other.record(50_000);
        h.merge(&other);
        assert_eq!(h.max(), 50_000);
    }

    #[test]
    fn median_of_even_and_odd() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(median(&[]), 0.0);
    }
}
