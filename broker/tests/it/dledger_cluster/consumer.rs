//! A consumer that follows the group's BID 0 across failovers ([`Consumer`]), keeping its position
//! in memory or committing it to the broker like a RocketMQ push consumer ([`Position`]).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use broker::remoting::codes::response;
use broker::remoting::headers::OffsetResponseHeader;
use broker::remoting::RemotingClient;
use broker::store::message::decode_records;

use super::{bids, Records, GROUP, QUEUES, TOPIC};
use crate::util::{pull_request, query_offset_request, update_offset_request};

/// Where a consumer keeps its position.
#[derive(Debug, Clone)]
pub enum Position {
    /// In memory only: it never rewinds, so it must read every record exactly once.
    InMemory,
    /// Like a RocketMQ push consumer: commits its offsets to BID 0 (UPDATE_CONSUMER_OFFSET)
    /// every `every`, and after a failover (a new BID 0) or a restart resumes from
    /// QUERY_CONSUMER_OFFSET there. A resumed offset behind what was read means redeliveries
    /// (counted); one past it would skip messages (a failure). With `answered`, commits are
    /// two-way, and a resume behind an offset whose commit was answered SUCCESS is a failure
    /// (a committed change was lost); without, they are oneway as Java's.
    Committed {
        group: String,
        every: Duration,
        answered: bool,
    },
}

/// What a committing consumer saw when it resumed from the broker's offsets.
#[derive(Debug, Default)]
pub struct Resumes {
    /// Resumes (a new BID 0, a consumer restart, the first start).
    pub count: usize,
    /// Records re-read because a resumed offset was behind what had been read.
    pub rewound: u64,
    /// Largest time between the first read of a rewound record and the resume.
    pub max_age: Duration,
    /// Resumes and records rewound by cause: "start", "failover", "restart".
    pub by_cause: BTreeMap<&'static str, (usize, u64)>,
}

/// A consumer that follows the group's BID 0 (whoever it is) and reads every queue in offset
/// order from its position, across failovers. Records what it read by (queue, offset) and how
/// many times.
pub struct Consumer {
    stop: Arc<AtomicBool>,
    /// Set to make the consumer start over as after a crash: no final commit, position lost.
    pub restart: Arc<AtomicBool>,
    pub read: Arc<Mutex<Records>>,
    deliveries: Arc<Mutex<BTreeMap<(i32, i64), u32>>>,
    resumes: Arc<Mutex<Resumes>>,
    task: tokio::task::JoinHandle<()>,
}

/// QUERY_CONSUMER_OFFSET of every queue on `addr`; `None` if a query fails. A queue without an
/// offset starts at 0 (the broker answers 0 while message 0 is still stored).
pub async fn committed_offsets(
    c: &RemotingClient,
    addr: &str,
    group: &str,
) -> Option<[i64; QUEUES as usize]> {
    let mut out = [0i64; QUEUES as usize];
    for q in 0..QUEUES {
        let req = query_offset_request(group, TOPIC, q);
        let r = c.invoke(addr, req, Duration::from_secs(2)).await.ok()?;
        if r.code != response::SUCCESS {
            return None;
        }
        out[q as usize] = r.decode_header::<OffsetResponseHeader>().ok()?.offset;
    }
    Some(out)
}

impl Consumer {
    pub fn start(c: &RemotingClient, ns: &str, position: Position) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let restart = Arc::new(AtomicBool::new(false));
        let read = Arc::new(Mutex::new(BTreeMap::new()));
        let deliveries = Arc::new(Mutex::new(BTreeMap::new()));
        let resumes = Arc::new(Mutex::new(Resumes::default()));
        let (c, ns, stop2, restart2, got, times, seen) = (
            c.clone(),
            ns.to_string(),
            stop.clone(),
            restart.clone(),
            read.clone(),
            deliveries.clone(),
            resumes.clone(),
        );
        let task = tokio::spawn(async move {
            let pull_group = match &position {
                Position::InMemory => "audit".to_string(),
                Position::Committed { group, .. } => group.clone(),
            };
            let mut next = [0i64; QUEUES as usize];
            // One past the highest offset read per queue: the group has consumed [0, high).
            let mut high = [0i64; QUEUES as usize];
            let mut first_read: HashMap<(i32, i64), Instant> = HashMap::new();
            let mut following: Option<String> = None;
            let mut last_commit = Instant::now();
            // Per queue, the offset of the last commit answered SUCCESS.
            let mut acked = [0i64; QUEUES as usize];
            while !stop2.load(Ordering::Relaxed) {
                let Some(addr) = bids(&c, &ns, GROUP).await.get(&0).cloned() else {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                };
                if let Position::Committed {
                    group,
                    every,
                    answered,
                } = &position
                {
                    let mut cause = if following.is_none() { "start" } else { "failover" };
                    if restart2.swap(false, Ordering::Relaxed) {
                        following = None; // a crash: what was read since the last commit is re-read
                        cause = "restart";
                    }
                    if following.as_deref() != Some(addr.as_str()) {
                        let Some(offsets) = committed_offsets(&c, &addr, group).await else {
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            continue;
                        };
                        let mut r = seen.lock().unwrap();
                        r.count += 1;
                        let before = r.rewound;
                        for q in 0..QUEUES as usize {
                            let o = offsets[q];
                            assert!(
                                (0..=high[q]).contains(&o),
                                "{addr}: committed offset {o} of {group} on queue {q} is past what \
                                 the group consumed (0..{}): messages would be skipped",
                                high[q]
                            );
                            assert!(
                                o >= acked[q],
                                "{addr} ({cause}): committed offset {o} of {group} on queue {q} is \
                                 behind {}, whose commit was answered SUCCESS",
                                acked[q]
                            );
                            if o < high[q] {
                                r.rewound += (high[q] - o) as u64;
                                let age = first_read[&(q as i32, o)].elapsed();
                                r.max_age = r.max_age.max(age);
                            }
                            next[q] = o;
                        }
                        let rewound = r.rewound - before;
                        let entry = r.by_cause.entry(cause).or_default();
                        entry.0 += 1;
                        entry.1 += rewound;
                        following = Some(addr.clone());
                    }
                    if last_commit.elapsed() >= *every {
                        for q in 0..QUEUES {
                            let qi = q as usize;
                            let up = update_offset_request(group, TOPIC, q, next[qi]);
                            if !*answered {
                                let _ = c.invoke_oneway(&addr, up, Duration::from_secs(1)).await;
                            } else if let Ok(r) = c.invoke(&addr, up, Duration::from_secs(2)).await {
                                if r.code == response::SUCCESS {
                                    acked[qi] = next[qi];
                                }
                            }
                        }
                        last_commit = Instant::now();
                    }
                }
                let mut progressed = false;
                for q in 0..QUEUES {
                    let qi = q as usize;
                    let req = pull_request(&pull_group, TOPIC, q, next[qi], 32, "*", 0);
                    let Ok(r) = c.invoke(&addr, req, Duration::from_secs(2)).await else {
                        break; // the node died: ask the name server again
                    };
                    if r.code != response::SUCCESS {
                        continue;
                    }
                    for m in decode_records(&r.body).unwrap() {
                        assert_eq!(
                            (m.queue_id, m.queue_offset),
                            (q, next[qi]),
                            "{addr}: offsets in order"
                        );
                        let key = (q, m.queue_offset);
                        let n = {
                            let mut t = times.lock().unwrap();
                            let n = t.entry(key).or_insert(0);
                            *n += 1;
                            *n
                        };
                        let mut g = got.lock().unwrap();
                        match g.get(&key) {
                            Some(b) => assert_eq!(*b, m.body, "{addr}: {key:?} changed"),
                            None => {
                                g.insert(key, m.body);
                                first_read.insert(key, Instant::now());
                            }
                        }
                        if matches!(position, Position::InMemory) {
                            assert_eq!(n, 1, "{key:?} read twice");
                        }
                        next[qi] += 1;
                        high[qi] = high[qi].max(next[qi]);
                        progressed = true;
                    }
                }
                if !progressed {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        });
        Self {
            stop,
            restart,
            read,
            deliveries,
            resumes,
            task,
        }
    }

    pub fn has(&self, keys: &[(i32, i64)]) -> bool {
        let r = self.read.lock().unwrap();
        keys.iter().all(|k| r.contains_key(k))
    }

    /// Waits (60 s at most) until the consumer has read every one of `keys`.
    pub async fn wait_has(&self, keys: &[(i32, i64)], who: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !self.has(keys) {
            assert!(!self.task.is_finished(), "{who} stopped: see its panic above");
            assert!(
                Instant::now() < deadline,
                "{who} did not read everything acknowledged"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Stops the consumer; returns the records read, how many times each was delivered, and the
    /// resumes.
    pub async fn finish(self) -> (Records, BTreeMap<(i32, i64), u32>, Resumes) {
        self.stop.store(true, Ordering::Relaxed);
        self.task.await.expect("consumer task");
        fn take<T>(m: Arc<Mutex<T>>) -> T {
            Arc::try_unwrap(m).ok().expect("task ended").into_inner().unwrap()
        }
        (take(self.read), take(self.deliveries), take(self.resumes))
    }
}
