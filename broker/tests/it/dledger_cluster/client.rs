//! Clients of the group: sends that follow BID 0 through failovers like a RocketMQ producer
//! ([`send_retrying`] for one message, [`Senders`] for a continuous stream), and whole-topic
//! pulls ([`pull_topic`]).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use broker::remoting::codes::response;
use broker::remoting::headers::SendMessageResponseHeader;
use broker::remoting::RemotingClient;
use broker::store::message::decode_records;

use super::{bids, GROUP, QUEUES, SEND_TIMEOUT, TOPIC};
use crate::util::{invoke, pull_request, send_request, soak};

/// Message bodies by (queue, offset).
pub type Records = BTreeMap<(i32, i64), Vec<u8>>;

/// An acknowledged send: the body and the queue position the broker answered.
#[derive(Debug, Clone)]
pub struct Acked {
    pub queue: i32,
    pub offset: i64,
    pub body: Vec<u8>,
}

/// Sends one message like a RocketMQ producer: to `group`'s BID 0 as the name server has it; on
/// SERVICE_NOT_AVAILABLE (a leader change, which a loaded machine can cause at any moment) it asks
/// the name server again and retries with a new body (`<tag>.a<attempt>|` + `pad` bytes), since
/// a refused attempt may still have been committed. Returns the acknowledged message, the
/// response header and how many attempts were refused.
pub async fn send_retrying(
    c: &RemotingClient,
    ns: &str,
    group: &str,
    topic: &str,
    queue: i32,
    tag: &str,
    pad: usize,
) -> (Acked, SendMessageResponseHeader, usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut refused = 0;
    loop {
        let Some(addr) = bids(c, ns, group).await.get(&0).cloned() else {
            assert!(Instant::now() < deadline, "{group} has no BID 0");
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        };
        let mut body = format!("{tag}.a{refused}|").into_bytes();
        body.resize(body.len() + pad, b'p');
        let r = invoke(c, &addr, send_request(topic, queue, body.clone(), "t", "")).await;
        if r.code == response::SUCCESS {
            let h: SendMessageResponseHeader = r.decode_header().unwrap();
            assert_eq!(h.queue_id, queue);
            let acked = Acked {
                queue,
                offset: h.queue_offset,
                body,
            };
            return (acked, h, refused);
        }
        assert_eq!(
            r.code,
            response::SERVICE_NOT_AVAILABLE,
            "{tag} to {addr}: {:?}",
            r.remark
        );
        assert!(Instant::now() < deadline, "{tag} never accepted: {:?}", r.remark);
        refused += 1;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Pulls the whole topic from `addr` (SUBSCRIPTION flag, `*`): bodies by (queue, offset). `None`
/// when the node cannot serve it (yet), e.g. TOPIC_NOT_EXIST before its config sync.
pub async fn pull_topic(c: &RemotingClient, addr: &str, topic: &str) -> Option<Records> {
    let mut out = BTreeMap::new();
    for q in 0..QUEUES {
        let mut offset = 0i64;
        loop {
            let req = pull_request("checker", topic, q, offset, 32, "*", 0);
            let r = c.invoke(addr, req, Duration::from_secs(5)).await.ok()?;
            if r.code != response::SUCCESS {
                if r.code == response::PULL_NOT_FOUND {
                    break;
                }
                return None;
            }
            for m in decode_records(&r.body).unwrap() {
                assert_eq!(
                    (m.queue_id, m.queue_offset),
                    (q, offset),
                    "{addr}: continuous offsets"
                );
                assert!(m.crc_ok(), "{addr}: {topic}/{q}@{offset} body CRC");
                out.insert((q, offset), m.body);
                offset += 1;
            }
        }
    }
    Some(out)
}

/// Concurrent senders that follow BID 0 through failovers.
pub struct Senders {
    stop: Arc<AtomicBool>,
    acked: Arc<Mutex<Vec<Acked>>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Senders {
    /// `n` senders; message `i` goes to queue `i % 4`. Each retry of a message carries a new body
    /// (`m<i>.a<attempt>`): an attempt whose answer was lost may still have been committed, and
    /// only acknowledged bodies must appear exactly once.
    pub fn start(c: &RemotingClient, ns: &str, n: usize) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let acked = Arc::new(Mutex::new(Vec::new()));
        let next = Arc::new(AtomicUsize::new(0));
        let tasks = (0..n)
            .map(|_| {
                let (c, ns, stop, acked, next) = (
                    c.clone(),
                    ns.to_string(),
                    stop.clone(),
                    acked.clone(),
                    next.clone(),
                );
                tokio::spawn(async move {
                    let mut leader: Option<String> = None;
                    while !stop.load(Ordering::Relaxed) {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let q = (i % QUEUES as usize) as i32;
                        let mut attempt = 0;
                        while !stop.load(Ordering::Relaxed) {
                            let Some(addr) = leader.clone() else {
                                leader = bids(&c, &ns, GROUP).await.get(&0).cloned();
                                tokio::time::sleep(Duration::from_millis(20)).await;
                                continue;
                            };
                            let mut body = format!("m{i}.a{attempt}|").into_bytes();
                            body.resize(body.len() + [10, 300, 1200][i % 3], b'p');
                            let req = send_request(TOPIC, q, body.clone(), "t", "");
                            attempt += 1;
                            match c.invoke(&addr, req, SEND_TIMEOUT).await {
                                Ok(r) if r.code == response::SUCCESS => {
                                    let h: SendMessageResponseHeader = r.decode_header().unwrap();
                                    assert_eq!(h.queue_id, q);
                                    acked.lock().unwrap().push(Acked {
                                        queue: q,
                                        offset: h.queue_offset,
                                        body,
                                    });
                                    // The CI variant paces senders: the check pulls everything
                                    // from three nodes, and restarts take seconds in debug.
                                    if !soak() {
                                        tokio::time::sleep(Duration::from_millis(40)).await;
                                    }
                                    break;
                                }
                                Ok(r) => assert!(
                                    [response::SERVICE_NOT_AVAILABLE, response::SYSTEM_BUSY]
                                        .contains(&r.code),
                                    "send m{i} to {addr}: {} {:?}",
                                    r.code,
                                    r.remark
                                ),
                                Err(_) => {}
                            }
                            // Not the leader (any more) or unreachable: ask the name server again.
                            leader = None;
                        }
                    }
                })
            })
            .collect();
        Self { stop, acked, tasks }
    }

    pub fn count(&self) -> usize {
        self.acked.lock().unwrap().len()
    }

    pub async fn wait_count(&self, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.count() < n {
            assert!(
                Instant::now() < deadline,
                "only {} of {n} sends acknowledged",
                self.count()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub async fn finish(self) -> Vec<Acked> {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.tasks {
            t.await.expect("sender task");
        }
        Arc::try_unwrap(self.acked).unwrap().into_inner().unwrap()
    }
}
