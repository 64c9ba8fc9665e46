//! The failover drill behind `benchmark failover`: under producer load, inject one fault per
//! round (kill -9 of the leader, a SIGTERM of the leader, a rolling restart of every node, a
//! follower stopped for a moment) or none (a soak), time the first acknowledgement elsewhere and
//! the new BID 0, restart the node, count BID 0 moves and term increments, and finally read
//! every queue back to count acknowledged messages that were lost or moved.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use broker::remoting::codes::request;
use broker::store::format::property;

use super::consumer::pull;
use super::producer::{new_producer, run_producer};
use super::{
    FailoverError, FailoverMode, FailoverOptions, FailoverReport, FailoverRound, Limit, ProducerOptions,
    ProducerReport, Tick, TickSink,
};
use crate::ops::admin::{Admin, AdminError};
use crate::ops::dledger_status::replica_status;
use crate::ops::fast_try::{self, FastTryState, ProcessInfo};
use crate::ops::route::{master_queues, MasterQueue, QueueSelection, Side};

/// How long the read-back waits for the node it reads to hold every acknowledged offset.
const READ_BACK_WAIT: Duration = Duration::from_secs(10);

/// The `q` quantile (0..=1) of `v`, nearest rank; 0 for no values.
fn quantile(v: &[f64], q: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let rank = ((q * s.len() as f64).ceil() as usize).clamp(1, s.len());
    s[rank - 1]
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

/// The Raft term and last log index `addr` reports.
async fn term_at(admin: &Admin, addr: &str) -> Option<(u64, Option<u64>, Option<u64>)> {
    let raft = replica_status(admin, addr).await.ok()?.raft?;
    Some((raft.term, raft.last_log_index, raft.applied_index))
}

fn save_state(root: &Path, st: &FastTryState) -> Result<(), FailoverError> {
    let mut st = st.clone();
    for p in &mut st.processes {
        p.alive = true;
    }
    fast_try::write_state(root, &st).map_err(|e| {
        let path = root.join(fast_try::STATE_FILE);
        FailoverError::Io(format!("write {}", path.display()), e.source)
    })
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

fn signal(pid: u32, sig: libc::c_int) {
    // SAFETY: signalling a pid recorded in our own fast-try state file.
    unsafe { libc::kill(pid as i32, sig) };
}

/// The drill's state shared by its rounds.
struct Drill<'a> {
    options: &'a FailoverOptions,
    admin: Admin,
    state: FastTryState,
    producer: Arc<super::producer::Producer>,
}

impl Drill<'_> {
    /// Index in the fast-try state of the broker listening at `addr`.
    fn index_of(&self, addr: &str) -> Result<usize, FailoverError> {
        let port = port_of(addr);
        self.state
            .processes
            .iter()
            .position(|pi| pi.name != "namesrv" && pi.ports.first().copied() == port)
            .ok_or_else(|| FailoverError::Timeout(format!("{addr} is not a process of this fast-try group")))
    }

    fn addr_of(&self, idx: usize) -> String {
        let port = self.state.processes[idx].ports.first().copied().unwrap_or(0);
        format!("127.0.0.1:{port}")
    }

    async fn leader(&self) -> Result<String, FailoverError> {
        wait_for(self.options.timeout, "a BID 0 registration", || async {
            layout(&self.admin).await.ok().and_then(|(l, _)| l)
        })
        .await
    }

    async fn term(&self) -> u64 {
        match self.leader().await {
            Ok(l) => term_at(&self.admin, &l).await.map_or(0, |t| t.0),
            Err(_) => 0,
        }
    }

    /// Stops node `idx` with `sig` (waiting for it to exit), and when it led, times the new
    /// BID 0 and the first acknowledgement by another node.
    async fn stop(
        &mut self,
        idx: usize,
        sig: libc::c_int,
        was_leader: bool,
    ) -> Result<FailoverRound, FailoverError> {
        let victim = self.state.processes[idx].clone();
        let addr = self.addr_of(idx);
        let term_before = self.term().await;
        signal(victim.pid, sig);
        let at = Instant::now();
        let (mut first_ack_ms, mut new_bid0_ms) = (None, None);
        if was_leader {
            let new_leader = wait_for(self.options.timeout, "a new BID 0", || async {
                layout(&self.admin)
                    .await
                    .ok()
                    .and_then(|(l, _)| l)
                    .filter(|l| *l != addr)
            })
            .await?;
            let _ = new_leader;
            new_bid0_ms = Some(at.elapsed().as_secs_f64() * 1000.0);
            let first = wait_for(self.options.timeout, "an acknowledged send", || async {
                let acks = self.producer.acks.as_ref()?.lock().expect("acks poisoned");
                acks.iter()
                    .rev()
                    .take_while(|a| a.at > at)
                    .filter(|a| a.addr != addr)
                    .map(|a| a.at)
                    .min()
            })
            .await?;
            first_ack_ms = Some(first.duration_since(at).as_secs_f64() * 1000.0);
        }
        wait_for(self.options.timeout, "the stopped node's exit", || async {
            (!fast_try::alive(victim.pid)).then_some(())
        })
        .await?;
        let pid = restart(&self.options.bin_dir, &victim)?;
        self.state.processes[idx].pid = pid;
        save_state(&self.options.store_root, &self.state)?;
        let restarted = Instant::now();
        self.wait_caught_up(&addr).await?;
        let rejoin_ms = restarted.elapsed().as_secs_f64() * 1000.0;
        Ok(FailoverRound {
            killed: victim.name.clone(),
            killed_addr: addr,
            was_leader,
            first_ack_ms,
            new_bid0_ms,
            new_leader: self.leader().await?,
            rejoin_ms,
            term_before,
            term_after: self.term().await,
        })
    }

    /// Waits until `addr` is registered again and has applied what the leader had.
    async fn wait_caught_up(&self, addr: &str) -> Result<(), FailoverError> {
        wait_for(
            self.options.timeout,
            "the restarted node's registration",
            || async {
                layout(&self.admin)
                    .await
                    .ok()
                    .filter(|(l, all)| l.is_some() && all.iter().any(|a| a == addr))
            },
        )
        .await?;
        let leader = self.leader().await?;
        let target = term_at(&self.admin, &leader).await.and_then(|t| t.1);
        wait_for(self.options.timeout, "the restarted node catching up", || async {
            term_at(&self.admin, addr)
                .await
                .filter(|t| t.2 >= target)
                .map(|_| ())
        })
        .await
    }

    /// SIGSTOPs follower `idx` for the stall, then continues it and waits until it caught up.
    async fn stall(&mut self, idx: usize) -> Result<FailoverRound, FailoverError> {
        let victim = self.state.processes[idx].clone();
        let addr = self.addr_of(idx);
        let leader = self.leader().await?;
        let term_before = self.term().await;
        signal(victim.pid, libc::SIGSTOP);
        tokio::time::sleep(self.options.stall).await;
        signal(victim.pid, libc::SIGCONT);
        let resumed = Instant::now();
        self.wait_caught_up(&addr).await?;
        let rejoin_ms = resumed.elapsed().as_secs_f64() * 1000.0;
        let _ = leader;
        Ok(FailoverRound {
            killed: victim.name.clone(),
            killed_addr: addr,
            was_leader: false,
            first_ack_ms: None,
            new_bid0_ms: None,
            new_leader: self.leader().await?,
            rejoin_ms,
            term_before,
            term_after: self.term().await,
        })
    }

    async fn rounds(&mut self, sink: &dyn TickSink) -> Result<Vec<FailoverRound>, FailoverError> {
        let mut rounds = Vec::new();
        // Let the producer warm up.
        tokio::time::sleep(Duration::from_secs(1)).await;
        if self.options.mode == FailoverMode::Soak {
            tokio::time::sleep(self.options.soak).await;
            return Ok(rounds);
        }
        for _ in 0..self.options.rounds {
            let leader = self.leader().await?;
            let li = self.index_of(&leader)?;
            let brokers: Vec<usize> = (0..self.state.processes.len())
                .filter(|i| self.state.processes[*i].name != "namesrv")
                .collect();
            let follower = brokers.iter().copied().find(|i| *i != li).unwrap_or(li);
            let batch = match self.options.mode {
                FailoverMode::Kill => vec![self.stop(li, libc::SIGKILL, true).await?],
                FailoverMode::Term => vec![self.stop(li, libc::SIGTERM, true).await?],
                FailoverMode::StallFollower => vec![self.stall(follower).await?],
                FailoverMode::Rolling => {
                    let mut v = Vec::new();
                    for i in brokers.iter().copied().filter(|i| *i != li) {
                        v.push(self.stop(i, libc::SIGTERM, false).await?);
                    }
                    v.push(self.stop(li, libc::SIGTERM, true).await?);
                    v
                }
                FailoverMode::Soak => Vec::new(),
            };
            for r in batch {
                sink.tick(&Tick {
                    tps: rounds.len() as u64 + 1,
                    max_rt_ms: r.first_ack_ms.unwrap_or(0.0),
                    avg_rt_ms: r.new_bid0_ms.unwrap_or(0.0),
                    ..Tick::default()
                });
                rounds.push(r);
            }
            // Let the restarted node settle before the next round.
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        Ok(rounds)
    }
}

/// Polls the name server's BID 0 every 20 ms until `stop`, counting moves to another address.
async fn watch_bid0(admin: Admin, stop: Arc<AtomicBool>, changes: Arc<AtomicU64>) {
    let mut last: Option<String> = None;
    while !stop.load(Ordering::Relaxed) {
        if let Ok((Some(l), _)) = layout(&admin).await {
            if last.as_ref().is_some_and(|p| *p != l) {
                changes.fetch_add(1, Ordering::Relaxed);
            }
            last = Some(l);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Runs the failover drill against a fast-try group.
pub(super) async fn run(
    options: &FailoverOptions,
    sink: &dyn TickSink,
) -> Result<FailoverReport, FailoverError> {
    let root = options.store_root.clone();
    let state = fast_try::status(&root)?.ok_or_else(|| FailoverError::NotRunning(root.clone()))?;
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
            // The drill, not the operator, stops this producer: not an interruption.
            let stop = move || stop_flag.load(Ordering::Relaxed);
            run_producer(p, &Quiet, &stop).await.map(|r| ProducerReport {
                interrupted: false,
                ..r
            })
        }
    };
    let producer_task = tokio::spawn(run);
    let watch_stop = Arc::new(AtomicBool::new(false));
    let changes = Arc::new(AtomicU64::new(0));
    let watcher = tokio::spawn(watch_bid0(admin.clone(), watch_stop.clone(), changes.clone()));
    let mut drill = Drill {
        options,
        admin: admin.clone(),
        state,
        producer: p.clone(),
    };
    let term_start = drill.term().await;
    let rounds = drill.rounds(sink).await;
    let term_end = drill.term().await;
    watch_stop.store(true, Ordering::Relaxed);
    let _ = watcher.await;
    stop_flag.store(true, Ordering::Relaxed);
    let producer_report = producer_task
        .await
        .map_err(|e| FailoverError::Timeout(format!("producer task failed: {e}")))??;
    let rounds = rounds?;

    // Read every queue from the leader and compare with what was acknowledged.
    let acks = std::mem::take(&mut *p.acks.as_ref().expect("acks").lock().expect("acks poisoned"));
    let route = admin.route(&options.topic).await?;
    // Per queue, the end the acknowledgements promise. The node read back (BID 0 in the route)
    // may still be applying the last committed entries, or be a follower the name server has not
    // yet replaced: wait, within a bound, until it has them, so a slow reader is not counted as
    // a loss; what is still missing after the bound is reported.
    let mut promised: HashMap<i32, i64> = HashMap::new();
    for a in &acks {
        let end = promised.entry(a.queue_id).or_insert(0);
        *end = (*end).max(a.queue_offset + 1);
    }
    let mut found: HashMap<String, (i32, i64)> = HashMap::new();
    for MasterQueue {
        addr, queue_id: q, ..
    } in master_queues(&route, &QueueSelection::all(Side::Read))
    {
        let mut offset = admin
            .queue_offset(&addr, request::GET_MIN_OFFSET, &options.topic, q)
            .await?;
        let want = promised.get(&q).copied().unwrap_or(0);
        let caught_up = Instant::now() + READ_BACK_WAIT;
        let max = loop {
            let max = admin
                .queue_offset(&addr, request::GET_MAX_OFFSET, &options.topic, q)
                .await?;
            if max >= want || Instant::now() >= caught_up {
                break max;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
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
    let by_position: HashMap<(i32, i64), &String> = found.iter().map(|(u, p)| (*p, u)).collect();
    let mut lost_samples = Vec::new();
    for a in &acks {
        if !seen.insert(&a.uniq) {
            continue;
        }
        match found.get(&a.uniq) {
            None => {
                lost += 1;
                if lost_samples.len() < 10 {
                    lost_samples.push(format!(
                        "{} acknowledged by {} at queue {} offset {} (found there: {})",
                        a.uniq,
                        a.addr,
                        a.queue_id,
                        a.queue_offset,
                        by_position
                            .get(&(a.queue_id, a.queue_offset))
                            .map_or("nothing", |u| u.as_str())
                    ));
                }
            }
            Some(&(q, o)) if (q, o) != (a.queue_id, a.queue_offset) => misplaced += 1,
            Some(_) => {}
        }
    }
    let first: Vec<f64> = rounds.iter().filter_map(|r| r.first_ack_ms).collect();
    let bid0: Vec<f64> = rounds.iter().filter_map(|r| r.new_bid0_ms).collect();
    Ok(FailoverReport {
        mode: format!("{:?}", options.mode),
        median_first_ack_ms: median(&first),
        p90_first_ack_ms: quantile(&first, 0.9),
        max_first_ack_ms: first.iter().copied().fold(0.0, f64::max),
        median_new_bid0_ms: median(&bid0),
        p90_new_bid0_ms: quantile(&bid0, 0.9),
        max_new_bid0_ms: bid0.iter().copied().fold(0.0, f64::max),
        leader_changes: changes.load(Ordering::Relaxed),
        term_increments: term_end.saturating_sub(term_start),
        rounds,
        acknowledged: acks.len() as u64,
        lost,
        lost_samples,
        misplaced,
        producer: producer_report,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_even_and_odd() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(median(&[]), 0.0);
    }

    #[test]
    fn quantiles_by_nearest_rank() {
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(quantile(&v, 0.9), 9.0);
        assert_eq!(quantile(&v, 1.0), 10.0);
        assert_eq!(quantile(&[5.0], 0.9), 5.0);
        assert_eq!(quantile(&[], 0.9), 0.0);
    }
}
