//! The producer run behind `benchmark producer` and the load of `benchmark failover`: senders
//! that share a route, retry each message through a leader change until [`SEND_DEADLINE`], and
//! can record every acknowledgement so the failover drill can look for lost messages.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use broker::remoting::body::now_millis;
use broker::remoting::codes::{request, response};
use broker::remoting::headers::{SendMessageRequestHeaderV2, SendMessageResponseHeader};
use broker::remoting::RemotingCommand;
use broker::store::format::property;
use broker::store::message::{encode_batch, encode_properties, BatchEntry};

use super::{
    Histogram, Latency, Limit, ProducerOptions, ProducerReport, Tick, TickSink, BENCH_PRODUCER_GROUP,
    RETRY_PAUSE, SEND_DEADLINE,
};
use crate::ops::admin::{Admin, AdminError};
use crate::ops::route::{master_queues, MasterQueue, QueueSelection, Side};
use crate::ops::send_message::{new_uniq_id, send_status};

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
pub(super) struct Producer {
    admin: Admin,
    options: ProducerOptions,
    body: Vec<u8>,
    /// Queues to send to, refreshed on failures.
    targets: RwLock<Vec<MasterQueue>>,
    counters: Counters,
    hist: Mutex<Histogram>,
    stop: AtomicBool,
    /// Filled when acknowledgements are recorded (failover).
    pub(super) acks: Option<Mutex<Vec<Ack>>>,
    /// Why the latest failed attempt failed.
    last_error: Mutex<Option<String>>,
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
                let t = master_queues(&route, &QueueSelection::all(Side::Write));
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
                    .flat_map(|(n, a)| {
                        (0..4).map(move |queue_id| MasterQueue {
                            broker_name: n.clone(),
                            addr: a.clone(),
                            queue_id,
                        })
                    })
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

    fn pick(&self, n: u64) -> Option<MasterQueue> {
        let t = self.targets.read().expect("targets poisoned");
        if t.is_empty() {
            return None;
        }
        Some(t[(n % t.len() as u64) as usize].clone())
    }

    async fn attempt(&self, target: &MasterQueue, props: &str, uniqs: &[String]) -> Attempt {
        let MasterQueue {
            broker_name,
            addr,
            queue_id,
        } = target;
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
                *self.last_error.lock().expect("last_error poisoned") = Some(format!("send to {addr}: {e}"));
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
                *self.last_error.lock().expect("last_error poisoned") = Some(format!(
                    "{addr} answered code {}: {}",
                    resp.code,
                    resp.remark.as_deref().unwrap_or("")
                ));
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
                                addr: target.addr.clone(),
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

pub(super) async fn run_producer(
    p: Arc<Producer>,
    sink: &dyn TickSink,
    until: &(dyn Fn() -> bool + Sync),
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
    let mut interrupted = false;
    loop {
        let all_done = tasks.iter().all(|t| t.is_finished());
        if until() {
            interrupted = true;
            break;
        }
        if all_done {
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
                    last_error: p.last_error.lock().expect("last_error poisoned").clone(),
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
        last_error: p.last_error.lock().expect("last_error poisoned").clone(),
        interrupted,
    })
}

pub(super) fn new_producer(admin: &Admin, options: &ProducerOptions, record_acks: bool) -> Arc<Producer> {
    Arc::new(Producer {
        admin: admin.clone(),
        options: options.clone(),
        body: (0..options.size).map(|i| b'a' + (i % 26) as u8).collect(),
        targets: RwLock::new(Vec::new()),
        counters: Counters::default(),
        hist: Mutex::new(Histogram::default()),
        stop: AtomicBool::new(false),
        acks: record_acks.then(|| Mutex::new(Vec::new())),
        last_error: Mutex::new(None),
    })
}
