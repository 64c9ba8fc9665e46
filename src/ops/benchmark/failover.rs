//! The failover drill behind `benchmark failover`: under producer load, kill the fast-try
//! group's leader, time the first acknowledgement elsewhere and the new BID 0, restart the node,
//! and finally read every queue back to count acknowledged messages that were lost or moved.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use broker::remoting::codes::request;
use broker::store::format::property;

use super::consumer::pull;
use super::producer::{new_producer, run_producer};
use super::{
    FailoverError, FailoverOptions, FailoverReport, FailoverRound, Limit, ProducerOptions, ProducerReport,
    Tick, TickSink,
};
use crate::ops::admin::{Admin, AdminError};
use crate::ops::fast_try::{self, FastTryState, ProcessInfo};
use crate::ops::route::{master_queues, MasterQueue, QueueSelection, Side};

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

/// Runs the failover drill against a fast-try group.
pub(super) async fn run(
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
            // The drill, not the operator, stops this producer: not an interruption.
            let stop = move || stop_flag.load(Ordering::Relaxed);
            run_producer(p, &Quiet, &stop).await.map(|r| ProducerReport {
                interrupted: false,
                ..r
            })
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
    for MasterQueue {
        addr, queue_id: q, ..
    } in master_queues(&route, &QueueSelection::all(Side::Read))
    {
        let mut offset = admin
            .queue_offset(&addr, request::GET_MIN_OFFSET, &options.topic, q)
            .await?;
        let max = admin
            .queue_offset(&addr, request::GET_MAX_OFFSET, &options.topic, q)
            .await?;
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
    fn median_of_even_and_odd() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(median(&[]), 0.0);
    }
}
