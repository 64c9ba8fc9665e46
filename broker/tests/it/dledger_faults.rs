//! DLedger fault tests with real `mqbroker` and `mqnamesrv` processes: `kill -9` of the leader
//! during continuous sending, a killed follower catching up, a SIGSTOPped (cut off) leader that
//! cannot acknowledge, a full disk on a follower and on the leader, the upgrade from a classic
//! commitlog (spec §6.3), and two groups in one cluster (in-process, to save CPU).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use broker::config::{BrokerConfig, BrokerRole};
use broker::json;
use broker::remoting::body::{ClusterInfo, TopicRouteData};
use broker::remoting::codes::{request, response};
use broker::remoting::headers::{
    GetRouteInfoRequestHeader, OffsetResponseHeader, QueryConsumerOffsetRequestHeader,
    SendMessageResponseHeader, UpdateConsumerOffsetRequestHeader,
};
use broker::remoting::{RemotingClient, RemotingCommand};
use broker::store::message::decode_records;

use crate::util::*;

const GROUP: &str = "RaftNode00";
const TOPIC: &str = "Faults";
const QUEUES: i32 = 4;
/// Client timeout of a send: a cut-off leader must not keep a sender waiting longer.
const SEND_TIMEOUT: Duration = Duration::from_secs(3);

/// A real `mqnamesrv` process; killed when dropped.
struct NamesrvProc {
    child: Child,
    addr: String,
}

impl NamesrvProc {
    async fn spawn() -> Self {
        Self::spawn_on("127.0.0.1").await
    }

    /// Listens on `ip` (the bridge address when brokers run in network namespaces).
    async fn spawn_on(ip: &str) -> Self {
        let port = free_port_pair();
        let addr = format!("{ip}:{port}");
        let child = Command::new(env!("CARGO_BIN_EXE_mqnamesrv"))
            .arg("--listen")
            .arg(&addr)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn mqnamesrv");
        let ns = Self { child, addr };
        let c = RemotingClient::default();
        wait_until(Duration::from_secs(30), "mqnamesrv answers", || {
            let (c, addr) = (c.clone(), ns.addr.clone());
            async move { cluster_info(&c, &addr).await.is_some() }
        })
        .await;
        ns
    }
}

impl Drop for NamesrvProc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn cluster_info(c: &RemotingClient, ns: &str) -> Option<ClusterInfo> {
    let req = RemotingCommand::request_empty(request::GET_BROKER_CLUSTER_INFO);
    let r = c.invoke(ns, req, Duration::from_secs(3)).await.ok()?;
    json::from_slice(&r.body).ok()
}

/// The group's BID → address table as the name server sees it (empty when unknown).
async fn bids(c: &RemotingClient, ns: &str, group: &str) -> BTreeMap<i64, String> {
    cluster_info(c, ns)
        .await
        .and_then(|ci| ci.broker_addr_table.get(group).map(|bd| bd.broker_addrs.clone()))
        .unwrap_or_default()
}

/// Waits until one of `candidates` is registered as BID 0; returns it and the time it took.
async fn wait_bid0_among(c: &RemotingClient, ns: &str, candidates: &[String]) -> (String, Duration) {
    let started = Instant::now();
    loop {
        if let Some(a) = bids(c, ns, GROUP).await.get(&0) {
            if candidates.contains(a) {
                return (a.clone(), started.elapsed());
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "none of {candidates:?} became BID 0: {:?}",
            bids(c, ns, GROUP).await
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Sends one message like a RocketMQ producer: to `group`'s BID 0 as the name server has it; on
/// SERVICE_NOT_AVAILABLE (a leader change, which a loaded machine can cause at any moment) it asks
/// the name server again and retries with a new body (`<tag>.a<attempt>|` + `pad` bytes), since
/// a refused attempt may still have been committed. Returns the acknowledged message, the
/// response header and how many attempts were refused.
async fn send_retrying(
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

/// Waits until `addr` is registered with its follower BID (and is not BID 0).
async fn wait_follower(c: &RemotingClient, ns: &str, addr: &str, bid: i64) {
    wait_until(
        Duration::from_secs(60),
        &format!("{addr} registered as BID {bid}"),
        || {
            let c = c.clone();
            async move {
                let t = bids(&c, ns, GROUP).await;
                t.get(&bid).map(String::as_str) == Some(addr) && t.get(&0).map(String::as_str) != Some(addr)
            }
        },
    )
    .await;
}

/// Three network namespaces on a bridge, for partitions done by the kernel: namespace `i` has
/// address `node_ip(i)`, the bridge (the test and the name server) `bridge_ip()`. Removed when
/// dropped (the veth pairs go with their namespaces).
struct NetnsLab {
    tag: String,
    subnet: u8,
}

impl NetnsLab {
    /// `None` when this machine does not allow it (not root, no `ip`): the caller says so and
    /// falls back to proxies.
    fn create() -> Option<Self> {
        let pid = std::process::id();
        let lab = Self {
            tag: format!("mq{}", pid % 100_000),
            subnet: (pid % 200) as u8 + 20,
        };
        let br = lab.bridge();
        let mut steps = vec![
            format!("ip link add {br} type bridge"),
            format!("ip addr add {}/24 dev {br}", lab.bridge_ip()),
            format!("ip link set {br} up"),
        ];
        for i in 0..3 {
            let (ns, host, node) = (
                lab.netns(i),
                format!("{}h{i}", lab.tag),
                format!("{}n{i}", lab.tag),
            );
            steps.extend([
                format!("ip netns add {ns}"),
                format!("ip link add {host} type veth peer name {node}"),
                format!("ip link set {host} master {br} up"),
                format!("ip link set {node} netns {ns}"),
                format!("ip netns exec {ns} ip addr add {}/24 dev {node}", lab.node_ip(i)),
                format!("ip netns exec {ns} ip link set {node} up"),
                format!("ip netns exec {ns} ip link set lo up"),
            ]);
        }
        for step in steps {
            if !run_quiet(&step) {
                eprintln!("network namespaces unavailable here (`{step}` failed)");
                return None; // `lab` is dropped: what was created is removed
            }
        }
        Some(lab)
    }

    fn bridge(&self) -> String {
        format!("{}br", self.tag)
    }

    fn netns(&self, i: usize) -> String {
        format!("{}ns{i}", self.tag)
    }

    fn bridge_ip(&self) -> String {
        format!("10.213.{}.1", self.subnet)
    }

    fn node_ip(&self, i: usize) -> String {
        format!("10.213.{}.{}", self.subnet, i + 2)
    }

    /// Blackhole routes between node `idx` and both others (in both namespaces), or removes them.
    fn partition(&self, idx: usize, cut: bool) {
        let verb = if cut { "add" } else { "del" };
        for j in (0..3).filter(|j| *j != idx) {
            for (from, to) in [(idx, j), (j, idx)] {
                let cmd = format!(
                    "ip netns exec {} ip route {verb} blackhole {}/32",
                    self.netns(from),
                    self.node_ip(to)
                );
                assert!(run_quiet(&cmd), "`{cmd}` failed");
            }
        }
    }
}

impl Drop for NetnsLab {
    fn drop(&mut self) {
        for i in 0..3 {
            run_quiet(&format!("ip netns del {}", self.netns(i)));
        }
        run_quiet(&format!("ip link del {}", self.bridge()));
    }
}

/// Runs a command line (split on spaces) with its output discarded; whether it succeeded.
fn run_quiet(line: &str) -> bool {
    let mut words = line.split(' ');
    Command::new(words.next().unwrap())
        .args(words)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// How the nodes of a [`Group`] reach each other's Raft ports.
enum Net {
    /// Directly on 127.0.0.1.
    Loopback,
    /// Through a [`Proxy`] per node and peer (node `i`'s `dLegerPeers` name its own proxies).
    Proxied,
    /// Each node in its own network namespace.
    Netns(NetnsLab),
}

/// Three real DLedger `mqbroker` processes of group RaftNode00 and a real name server.
struct Group {
    // Field order: the brokers are killed before the name server and the temp dir go.
    nodes: Vec<BrokerProc>,
    /// With [`Net::Netns`]: removed after the brokers are killed.
    netns: Option<NetnsLab>,
    /// With [`Group::fresh_proxied`]: `(i, j, proxy)`, node `i` reaching node `j`'s Raft port.
    proxies: Vec<(usize, usize, Proxy)>,
    roots: Vec<PathBuf>,
    ns: NamesrvProc,
    _dir: tempfile::TempDir,
}

fn dledger_props(
    i: usize,
    port: u16,
    ns: &str,
    root: &Path,
    peers: &str,
    file_size: u64,
) -> Vec<(&'static str, String)> {
    let mut p = base_props(GROUP, port, ns, root);
    p.retain(|(k, _)| *k != "brokerClusterName" && *k != "mappedFileSizeCommitLog");
    p.extend([
        ("brokerClusterName", "RaftCluster".to_string()),
        ("mappedFileSizeCommitLog", file_size.to_string()),
        ("enableDLegerCommitLog", "true".into()),
        ("dLegerGroup", GROUP.into()),
        ("dLegerPeers", peers.into()),
        ("dLegerSelfId", format!("n{i}")),
    ]);
    p
}

impl Group {
    /// Starts the three nodes on `roots` (fresh temp dirs when `None`), with `ports[0]` as node 0's
    /// listenPort when given; waits for a BID 0 and three registered members. `net` says how the
    /// nodes reach each other ([`Net`]); with proxies or namespaces the test can partition them.
    async fn start(
        ns: NamesrvProc,
        dir: tempfile::TempDir,
        roots: Vec<PathBuf>,
        port0: Option<u16>,
        file_size: u64,
        net: Net,
    ) -> Self {
        let proxied = matches!(net, Net::Proxied);
        let netns = match net {
            Net::Netns(lab) => Some(lab),
            _ => None,
        };
        let ip = |i: usize| netns.as_ref().map_or("127.0.0.1".to_string(), |l| l.node_ip(i));
        let ports: Vec<u16> = (0..3)
            .map(|i| {
                if i == 0 {
                    port0.unwrap_or_else(free_port_pair)
                } else {
                    free_port_pair()
                }
            })
            .collect();
        let raft_ports: Vec<u16> = (0..3).map(|_| free_port_pair()).collect();
        let mut proxies = Vec::new();
        let mut peers = Vec::new();
        for i in 0..3 {
            let mut addrs = Vec::new();
            for (j, p) in raft_ports.iter().enumerate() {
                let real = format!("{}:{p}", ip(j));
                if proxied && i != j {
                    let proxy = Proxy::start(real).await;
                    addrs.push(format!("n{j}-{}", proxy.addr));
                    proxies.push((i, j, proxy));
                } else {
                    addrs.push(format!("n{j}-{real}"));
                }
            }
            peers.push(addrs.join(";"));
        }
        let mut nodes = Vec::new();
        for i in 0..3 {
            let mut props = dledger_props(i, ports[i], &ns.addr, &roots[i], &peers[i], file_size);
            props.retain(|(k, _)| *k != "brokerIP1" && *k != "brokerIP2");
            props.extend([("brokerIP1", ip(i)), ("brokerIP2", ip(i))]);
            let conf = write_broker_conf(dir.path(), &format!("n{i}.conf"), &props);
            let netns = netns.as_ref().map(|l| l.netns(i));
            nodes.push(BrokerProc::spawn_at(
                &conf,
                format!("{}:{}", ip(i), ports[i]),
                netns.as_deref(),
            ));
        }
        let mut g = Self {
            nodes,
            netns,
            proxies,
            roots,
            ns,
            _dir: dir,
        };
        for n in &mut g.nodes {
            n.wait_ready().await;
        }
        let c = RemotingClient::default();
        wait_until(Duration::from_secs(60), "a BID 0 and three members", || {
            let (c, ns) = (c.clone(), g.ns.addr.clone());
            async move {
                let t = bids(&c, &ns, GROUP).await;
                t.contains_key(&0) && t.len() == 3
            }
        })
        .await;
        g
    }

    async fn fresh(file_size: u64) -> Self {
        let ns = NamesrvProc::spawn().await;
        let dir = tempfile::tempdir().unwrap();
        let roots = (0..3).map(|i| dir.path().join(format!("store-n{i}"))).collect();
        Self::start(ns, dir, roots, None, file_size, Net::Loopback).await
    }

    /// As [`Group::fresh`], with the Raft traffic between nodes through proxies, or each node in
    /// a network namespace of its own ([`Net::Netns`], the name server on the bridge).
    async fn fresh_partitionable(file_size: u64, net: Net) -> Self {
        let ns = match &net {
            Net::Netns(lab) => NamesrvProc::spawn_on(&lab.bridge_ip()).await,
            _ => NamesrvProc::spawn().await,
        };
        let dir = tempfile::tempdir().unwrap();
        let roots = (0..3).map(|i| dir.path().join(format!("store-n{i}"))).collect();
        Self::start(ns, dir, roots, None, file_size, net).await
    }

    /// Cuts (`true`) or heals the network between node `idx` and both others, both directions.
    fn partition(&self, idx: usize, cut: bool) {
        if let Some(lab) = &self.netns {
            lab.partition(idx, cut);
        }
        for (i, j, p) in &self.proxies {
            if *i == idx || *j == idx {
                if cut {
                    p.cut();
                } else {
                    p.heal();
                }
            }
        }
    }

    fn addrs(&self) -> Vec<String> {
        self.nodes.iter().map(|n| n.addr.clone()).collect()
    }

    fn index_of(&self, addr: &str) -> usize {
        self.nodes
            .iter()
            .position(|n| n.addr == addr)
            .expect("a node of the group")
    }

    async fn leader(&self, c: &RemotingClient) -> String {
        wait_bid0_among(c, &self.ns.addr, &self.addrs()).await.0
    }

    /// A fresh group with the topic created and `senders` [`Senders`] running: the start of
    /// most fault tests.
    async fn sending(file_size: u64, senders: usize) -> (Self, RemotingClient, Senders) {
        let g = Self::fresh(file_size).await;
        let c = RemotingClient::default();
        g.create_topic(&c).await;
        let s = Senders::start(&c, &g.ns.addr, senders);
        (g, c, s)
    }

    /// Creates the topic on the leader and waits until every follower has it (2 s config sync).
    async fn create_topic(&self, c: &RemotingClient) {
        let leader = self.leader(c).await;
        assert_eq!(
            invoke(c, &leader, create_topic_request(TOPIC, QUEUES)).await.code,
            0
        );
        for a in self.addrs() {
            wait_until(Duration::from_secs(30), &format!("{a} knows {TOPIC}"), || {
                let (c, a) = (c.clone(), a.clone());
                async move { pull_topic(&c, &a, TOPIC).await.is_some() }
            })
            .await;
        }
    }
}

/// Pulls the whole topic from `addr` (SUBSCRIPTION flag, `*`): bodies by (queue, offset). `None`
/// when the node cannot serve it (yet), e.g. TOPIC_NOT_EXIST before its config sync.
async fn pull_topic(c: &RemotingClient, addr: &str, topic: &str) -> Option<BTreeMap<(i32, i64), Vec<u8>>> {
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

/// An acknowledged send: the body and the queue position the broker answered.
#[derive(Debug, Clone)]
struct Acked {
    queue: i32,
    offset: i64,
    body: Vec<u8>,
}

/// Checks that every acknowledged body is at its acknowledged position and nowhere else.
fn check_acked(got: &BTreeMap<(i32, i64), Vec<u8>>, acked: &[Acked]) -> Result<(), String> {
    let mut counts: HashMap<&[u8], usize> = HashMap::new();
    for b in got.values() {
        *counts.entry(b.as_slice()).or_default() += 1;
    }
    for a in acked {
        match got.get(&(a.queue, a.offset)) {
            Some(b) if *b == a.body => {}
            other => {
                return Err(format!(
                    "{}@{}: expected {:?}, found {:?}",
                    a.queue,
                    a.offset,
                    String::from_utf8_lossy(&a.body[..a.body.len().min(20)]),
                    other.map(|b| String::from_utf8_lossy(&b[..b.len().min(20)]).into_owned())
                ));
            }
        }
        let n = counts.get(a.body.as_slice()).copied().unwrap_or(0);
        if n != 1 {
            return Err(format!(
                "{:?} present {n} times",
                String::from_utf8_lossy(&a.body[..20.min(a.body.len())])
            ));
        }
    }
    Ok(())
}

/// Waits until `addr` serves every acknowledged message exactly once at its position.
async fn wait_serves(c: &RemotingClient, addr: &str, acked: &[Acked]) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let res = match pull_topic(c, addr, TOPIC).await {
            Some(got) => check_acked(&got, acked),
            None => Err("cannot pull yet".into()),
        };
        match res {
            Ok(()) => return,
            Err(e) => assert!(
                Instant::now() < deadline,
                "{addr} does not serve the acknowledged messages: {e}"
            ),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Concurrent senders that follow BID 0 through failovers.
struct Senders {
    stop: Arc<AtomicBool>,
    acked: Arc<Mutex<Vec<Acked>>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Senders {
    /// `n` senders; message `i` goes to queue `i % 4`. Each retry of a message carries a new body
    /// (`m<i>.a<attempt>`): an attempt whose answer was lost may still have been committed, and
    /// only acknowledged bodies must appear exactly once.
    fn start(c: &RemotingClient, ns: &str, n: usize) -> Self {
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

    fn count(&self) -> usize {
        self.acked.lock().unwrap().len()
    }

    async fn wait_count(&self, n: usize) {
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

    async fn finish(self) -> Vec<Acked> {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.tasks {
            t.await.expect("sender task");
        }
        Arc::try_unwrap(self.acked).unwrap().into_inner().unwrap()
    }
}

/// Where the written part of a DLedger data file ends: entries (magic 1, size) follow each other
/// from the file start; an end-of-file blank (magic -1) fills the rest; zeros follow the last entry.
fn written_len(bytes: &[u8]) -> usize {
    let mut pos = 0;
    while pos + 8 <= bytes.len() {
        let magic = i32::from_be_bytes(bytes[pos..pos + 4].try_into().unwrap());
        let size = i32::from_be_bytes(bytes[pos + 4..pos + 8].try_into().unwrap());
        if magic == -1 {
            return bytes.len();
        }
        if magic != 1 || size < 48 || pos + size as usize > bytes.len() {
            break;
        }
        pos += size as usize;
    }
    pos
}

/// Compares the three nodes' `dledger-nX/data/` files. Every file but the last must be identical
/// (md5). The last one is compared up to the shortest written length: a node may already hold
/// entries past what the others have written (appended but not yet replicated or committed),
/// and only the committed range must agree. Returns the compared length of the last file.
/// `skip_membership` leaves out the first entry of a fresh group (the initial membership, which
/// records each node's own view of the peer addresses: proxies differ per node); it must have
/// the same size everywhere, or every later position would differ.
fn compare_data(roots: &[PathBuf], skip_membership: bool) -> Result<usize, String> {
    use md5::{Digest, Md5};
    let dirs: Vec<PathBuf> = (0..roots.len())
        .map(|i| roots[i].join(format!("dledger-n{i}")).join("data"))
        .collect();
    let listing = |d: &Path| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    };
    let names = listing(&dirs[0]);
    for d in &dirs[1..] {
        if listing(d) != names {
            return Err(format!("file lists differ: {names:?} vs {:?}", listing(d)));
        }
    }
    let last = names.last().ok_or("no data files")?;
    for name in &names {
        let contents: Vec<Vec<u8>> = dirs
            .iter()
            .map(|d| std::fs::read(d.join(name)).unwrap())
            .collect();
        let len = if name == last {
            contents.iter().map(|b| written_len(b)).min().unwrap()
        } else {
            contents[0].len()
        };
        let from = if skip_membership && name == &names[0] {
            let sizes: Vec<usize> = contents
                .iter()
                .map(|b| i32::from_be_bytes(b[4..8].try_into().unwrap()) as usize)
                .collect();
            if sizes.iter().any(|s| *s != sizes[0]) {
                return Err(format!("first entries differ in size: {sizes:?}"));
            }
            sizes[0].min(len)
        } else {
            0
        };
        let sums: Vec<String> = contents
            .iter()
            .map(|b| hex::encode(Md5::digest(&b[from..len.min(b.len())])))
            .collect();
        if sums.iter().any(|s| *s != sums[0]) {
            return Err(format!("{name} differs over its first {len} bytes: {sums:?}"));
        }
        if name == last {
            return Ok(len);
        }
    }
    unreachable!()
}

async fn wait_data_identical(roots: &[PathBuf], skip_membership: bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match compare_data(roots, skip_membership) {
            Ok(_) => return,
            Err(e) => assert!(
                Instant::now() < deadline,
                "data files never became identical: {e}"
            ),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Checks leader and followers: every acknowledged message exactly once at its position, and
/// byte-identical data files once the group is quiet.
async fn check_group(g: &Group, c: &RemotingClient, acked: &[Acked]) {
    let leader = g.leader(c).await;
    let got = pull_topic(c, &leader, TOPIC)
        .await
        .expect("leader serves the topic");
    check_acked(&got, acked).unwrap_or_else(|e| panic!("leader {leader}: {e}"));
    for a in g.addrs() {
        wait_serves(c, &a, acked).await;
    }
    wait_data_identical(&g.roots, !g.proxies.is_empty()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leader_kill_9_during_continuous_sending() {
    let (rounds, per_round) = if soak() { (20, 2000) } else { (5, 150) };
    let (mut g, c, senders) = Group::sending(256 * 1024, 4).await;
    for round in 0..rounds {
        senders.wait_count((round + 1) * per_round).await;
        let old = g.leader(&c).await;
        let idx = g.index_of(&old);
        g.nodes[idx].kill9();
        let others: Vec<String> = g.addrs().into_iter().filter(|a| *a != old).collect();
        let (new, took) = wait_bid0_among(&c, &g.ns.addr, &others).await;
        eprintln!("round {round}: kill -9 of leader n{idx} ({old}): new BID 0 {new} after {took:?}");
        g.nodes[idx].restart();
        g.nodes[idx].wait_ready().await;
        wait_follower(&c, &g.ns.addr, &old, idx as i64 + 1).await;
    }
    // Writes go on after the last restart.
    senders.wait_count(rounds * per_round + 50).await;
    let acked = senders.finish().await;
    eprintln!("{} messages acknowledged over {rounds} leader kills", acked.len());
    check_group(&g, &c, &acked).await;
}

/// Message bodies by (queue, offset).
type Records = BTreeMap<(i32, i64), Vec<u8>>;

/// Where a consumer keeps its position.
#[derive(Debug, Clone)]
enum Position {
    /// In memory only: it never rewinds, so it must read every record exactly once.
    InMemory,
    /// Like a RocketMQ push consumer: commits its offsets to BID 0 (UPDATE_CONSUMER_OFFSET,
    /// oneway) every `every`, and after a failover (a new BID 0) or a restart resumes from
    /// QUERY_CONSUMER_OFFSET there. A resumed offset behind what was read means redeliveries
    /// (counted); one past it would skip messages (a failure).
    Committed { group: String, every: Duration },
}

/// What a committing consumer saw when it resumed from the broker's offsets.
#[derive(Debug, Default)]
struct Resumes {
    /// Resumes (a new BID 0, a consumer restart, the first start).
    count: usize,
    /// Records re-read because a resumed offset was behind what had been read.
    rewound: u64,
    /// Largest time between the first read of a rewound record and the resume.
    max_age: Duration,
    /// Resumes and records rewound by cause: "start", "failover", "restart".
    by_cause: BTreeMap<&'static str, (usize, u64)>,
}

/// A consumer that follows the group's BID 0 (whoever it is) and reads every queue in offset
/// order from its position, across failovers. Records what it read by (queue, offset) and how
/// many times.
struct Consumer {
    stop: Arc<AtomicBool>,
    /// Set to make the consumer start over as after a crash: no final commit, position lost.
    restart: Arc<AtomicBool>,
    read: Arc<Mutex<Records>>,
    deliveries: Arc<Mutex<BTreeMap<(i32, i64), u32>>>,
    resumes: Arc<Mutex<Resumes>>,
    task: tokio::task::JoinHandle<()>,
}

/// QUERY_CONSUMER_OFFSET of every queue on `addr`; `None` if a query fails. A queue without an
/// offset starts at 0 (the broker answers 0 while message 0 is still stored).
async fn committed_offsets(c: &RemotingClient, addr: &str, group: &str) -> Option<[i64; QUEUES as usize]> {
    let mut out = [0i64; QUEUES as usize];
    for q in 0..QUEUES {
        let req = RemotingCommand::request(
            request::QUERY_CONSUMER_OFFSET,
            &QueryConsumerOffsetRequestHeader {
                consumer_group: group.into(),
                topic: TOPIC.into(),
                queue_id: q,
                set_zero_if_not_found: None,
            },
        );
        let r = c.invoke(addr, req, Duration::from_secs(2)).await.ok()?;
        if r.code != response::SUCCESS {
            return None;
        }
        out[q as usize] = r.decode_header::<OffsetResponseHeader>().ok()?.offset;
    }
    Some(out)
}

impl Consumer {
    fn start(c: &RemotingClient, ns: &str, position: Position) -> Self {
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
            while !stop2.load(Ordering::Relaxed) {
                let Some(addr) = bids(&c, &ns, GROUP).await.get(&0).cloned() else {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                };
                if let Position::Committed { group, every } = &position {
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
                            let up = update_offset_request(group, TOPIC, q, next[q as usize]);
                            let _ = c.invoke_oneway(&addr, up, Duration::from_secs(1)).await;
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

    fn has(&self, keys: &[(i32, i64)]) -> bool {
        let r = self.read.lock().unwrap();
        keys.iter().all(|k| r.contains_key(k))
    }

    /// Waits (60 s at most) until the consumer has read every one of `keys`.
    async fn wait_has(&self, keys: &[(i32, i64)], who: &str) {
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
    async fn finish(self) -> (Records, BTreeMap<(i32, i64), u32>, Resumes) {
        self.stop.store(true, Ordering::Relaxed);
        self.task.await.expect("consumer task");
        fn take<T>(m: Arc<Mutex<T>>) -> T {
            Arc::try_unwrap(m).ok().expect("task ended").into_inner().unwrap()
        }
        (take(self.read), take(self.deliveries), take(self.resumes))
    }
}

/// Issue 7's fault round: `kill -9` of a random node (leader or follower) while producers send
/// and two consumers read, several rounds. One keeps its position in memory and must read every
/// acknowledged message exactly once at its position. The other behaves like a push consumer:
/// it commits its offsets to BID 0 every 500 ms and resumes from the committed offsets after a
/// failover and after its own crash-restarts (every other round); followers copy offsets from
/// the leader every 2 s, so a failover may rewind it (redeliveries, counted and bounded) but
/// must never move it past what the group consumed. Afterwards a fresh consumer of a second
/// group reads every acknowledged message exactly once, and the replicas agree.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_node_kill_9_while_producing_and_consuming() {
    let (rounds, per_round) = if soak() { (20, 1000) } else { (4, 100) };
    let (mut g, c, senders) = Group::sending(256 * 1024, 4).await;
    let consumer = Consumer::start(&c, &g.ns.addr, Position::InMemory);
    let committed = |group: &str| Position::Committed {
        group: group.into(),
        every: Duration::from_millis(500),
    };
    let pushing = Consumer::start(&c, &g.ns.addr, committed("push"));
    let seed = rand_seed();
    eprintln!("victim seed {seed}");
    for round in 0..rounds {
        senders.wait_count((round + 1) * per_round).await;
        // Round 0 always takes the leader, so both kinds of victim are covered in every run.
        let idx = if round == 0 {
            g.index_of(&g.leader(&c).await)
        } else {
            ((seed >> (round * 2)) % 3) as usize
        };
        let victim = g.nodes[idx].addr.clone();
        let was_leader = bids(&c, &g.ns.addr, GROUP).await.get(&0) == Some(&victim);
        g.nodes[idx].kill9();
        if was_leader {
            let others: Vec<String> = g.addrs().into_iter().filter(|a| *a != victim).collect();
            let (new, took) = wait_bid0_among(&c, &g.ns.addr, &others).await;
            eprintln!("round {round}: kill -9 of leader n{idx}: new BID 0 {new} after {took:?}");
        } else {
            eprintln!("round {round}: kill -9 of follower n{idx}");
        }
        if round % 2 == 1 {
            pushing.restart.store(true, Ordering::Relaxed);
        }
        g.nodes[idx].restart();
        g.nodes[idx].wait_ready().await;
        wait_follower(&c, &g.ns.addr, &victim, idx as i64 + 1).await;
    }
    senders.wait_count(rounds * per_round + 50).await;
    let acked = senders.finish().await;
    check_group(&g, &c, &acked).await;
    // Both consumers catch up with everything acknowledged, each message in place.
    let keys: Vec<(i32, i64)> = acked.iter().map(|a| (a.queue, a.offset)).collect();
    consumer.wait_has(&keys, "the in-memory consumer").await;
    pushing.wait_has(&keys, "the committing consumer").await;
    // Its last commit reaches the leader: the committed offsets end where it stopped reading.
    let leader = g.leader(&c).await;
    let ends = {
        let r = pushing.read.lock().unwrap();
        let mut ends = [0i64; QUEUES as usize];
        for (q, o) in r.keys() {
            ends[*q as usize] = ends[*q as usize].max(o + 1);
        }
        ends
    };
    wait_until(
        Duration::from_secs(30),
        "the committed offsets reach the leader",
        || {
            let (c, leader) = (c.clone(), leader.clone());
            async move { committed_offsets(&c, &leader, "push").await == Some(ends) }
        },
    )
    .await;
    let (read, _, _) = consumer.finish().await;
    check_acked(&read, &acked).unwrap_or_else(|e| panic!("consumer: {e}"));
    eprintln!(
        "{} acknowledged over {rounds} random kills; the consumer read {} records, each once \
         ({} more than acknowledged: retried attempts whose answer was lost)",
        acked.len(),
        read.len(),
        read.len() - acked.len()
    );
    let (pushed, deliveries, resumes) = pushing.finish().await;
    check_acked(&pushed, &acked).unwrap_or_else(|e| panic!("committing consumer: {e}"));
    let delivered: u64 = deliveries.values().map(|n| u64::from(*n)).sum();
    let redelivered = delivered - deliveries.len() as u64;
    eprintln!(
        "committing consumer: {} records, {delivered} deliveries, {redelivered} redelivered \
         ({} rewound over {} resumes, (resumes, rewound) by cause {:?}; oldest rewound record \
         first read {:?} before its resume)",
        deliveries.len(),
        resumes.rewound,
        resumes.count,
        resumes.by_cause,
        resumes.max_age
    );
    // Every redelivery comes from a resume (a resume interrupted by the next re-reads less than
    // it rewound).
    assert!(
        redelivered <= resumes.rewound,
        "{redelivered} redeliveries but only {} rewound",
        resumes.rewound
    );
    // Bounded: a resume re-reads only what the group read shortly before, not the whole topic
    // (the commit interval, the 2 s offset sync, the failover and a loaded machine's delays).
    assert!(
        resumes.max_age < Duration::from_secs(20),
        "a resume went back {:?}",
        resumes.max_age
    );
    // A second group, started after the cluster settled, reads everything exactly once.
    let fresh = Consumer::start(&c, &g.ns.addr, committed("fresh"));
    fresh.wait_has(&keys, "the second group's consumer").await;
    let (fresh_read, fresh_deliveries, _) = fresh.finish().await;
    check_acked(&fresh_read, &acked).unwrap_or_else(|e| panic!("second group: {e}"));
    assert!(
        fresh_deliveries.values().all(|n| *n == 1),
        "the second group read a record twice"
    );
    eprintln!("second group: {} records, each delivered once", fresh_read.len());
}

fn rand_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(7, |d| d.as_nanos() as u64)
        ^ u64::from(std::process::id())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_follower_restarts_and_catches_up() {
    let (mut g, c, senders) = Group::sending(128 * 1024, 4).await;
    senders.wait_count(200).await;
    let leader = g.leader(&c).await;
    let idx = (g.index_of(&leader) + 1) % 3;
    g.nodes[idx].kill9();
    // The two others still form a majority: writes keep being acknowledged.
    senders.wait_count(500).await;
    g.nodes[idx].restart();
    g.nodes[idx].wait_ready().await;
    wait_follower(&c, &g.ns.addr, &g.nodes[idx].addr.clone(), idx as i64 + 1).await;
    senders.wait_count(600).await;
    let acked = senders.finish().await;
    check_group(&g, &c, &acked).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cut_off_leader_cannot_acknowledge() {
    let (g, c, senders) = Group::sending(128 * 1024, 2).await;
    senders.wait_count(100).await;
    let mut acked = senders.finish().await;

    let old = g.leader(&c).await;
    let idx = g.index_of(&old);
    let pid = g.nodes[idx].pid() as libc::pid_t;
    // SAFETY: kill(2) on the pid of a child we own and have not reaped.
    unsafe { libc::kill(pid, libc::SIGSTOP) };
    let stopped = Instant::now();
    // kill(2) returns before every thread has stopped: on a loaded machine the leader could
    // still take (and commit) a write sent right now. Wait until all its threads are stopped.
    wait_until(
        Duration::from_secs(10),
        "every thread of the leader stopped",
        || async move {
            std::fs::read_dir(format!("/proc/{pid}/task"))
                .map(|tasks| {
                    tasks.flatten().all(|t| {
                        std::fs::read_to_string(t.path().join("stat"))
                            .ok()
                            .and_then(|s| s.rsplit_once(") ").map(|(_, rest)| rest.starts_with('T')))
                            .unwrap_or(true)
                    })
                })
                .unwrap_or(false)
        },
    )
    .await;
    // Several writes reach the stopped leader's socket; it reads them only after SIGCONT, when it
    // may still append them to its own log before it learns of the new term.
    let lost: Vec<Vec<u8>> = (0..5)
        .map(|i| format!("lost-while-cut-off-{i}").into_bytes())
        .collect();
    let attempts = spawn_sends(&c, &old, &lost);
    for a in attempts {
        let r = a.await.unwrap();
        assert!(
            r.as_ref().map_or(true, |r| r.code != response::SUCCESS),
            "a cut-off leader acknowledged a write: {r:?}"
        );
    }
    // The name server still holds the stopped process's connection: look for one of the others.
    let others: Vec<String> = g.addrs().into_iter().filter(|a| *a != old).collect();
    let (new, waited) = wait_bid0_among(&c, &g.ns.addr, &others).await;
    eprintln!(
        "SIGSTOP of leader n{idx}: new BID 0 {new} {:?} after the stop \
         ({waited:?} of it after the failed send returned)",
        stopped.elapsed()
    );
    for i in 0..50 {
        let tag = format!("after-stop-{i}");
        let (a, _, _) = send_retrying(&c, &g.ns.addr, GROUP, TOPIC, i % QUEUES, &tag, 0).await;
        acked.push(a);
    }
    // SAFETY: as above.
    unsafe { libc::kill(pid, libc::SIGCONT) };
    wait_follower(&c, &g.ns.addr, &old, idx as i64 + 1).await;
    check_group(&g, &c, &acked).await;
    for a in g.addrs() {
        let got = pull_topic(&c, &a, TOPIC).await.unwrap();
        assert!(
            !got.values().any(|b| lost.contains(b)),
            "{a} serves a write the cut-off leader never committed"
        );
    }
}

/// Sends every one of `bodies` to `addr` at once, body `i` to queue `i % QUEUES`, each with the
/// client's send timeout; the tasks yield each send's outcome.
fn spawn_sends(
    c: &RemotingClient,
    addr: &str,
    bodies: &[Vec<u8>],
) -> Vec<tokio::task::JoinHandle<Result<RemotingCommand, broker::remoting::client::RemotingError>>> {
    bodies
        .iter()
        .enumerate()
        .map(|(i, body)| {
            let (c, addr, body) = (c.clone(), addr.to_string(), body.clone());
            tokio::spawn(async move {
                let req = send_request(TOPIC, i as i32 % QUEUES, body, "t", "");
                c.invoke(&addr, req, SEND_TIMEOUT).await
            })
        })
        .collect()
}

/// Sends `bodies` to `addr` at once (queue `i % 4`), each with the client's send timeout; returns
/// how many were refused with an answer and how many got none, failing if any was acknowledged.
async fn sends_not_acknowledged(c: &RemotingClient, addr: &str, bodies: &[Vec<u8>]) -> (usize, usize) {
    let attempts = spawn_sends(c, addr, bodies);
    let (mut refused, mut unanswered) = (0, 0);
    for a in attempts {
        match a.await.unwrap() {
            Ok(r) => {
                assert_ne!(
                    r.code,
                    response::SUCCESS,
                    "a partitioned leader acknowledged a write"
                );
                refused += 1;
            }
            Err(_) => unanswered += 1,
        }
    }
    (refused, unanswered)
}

/// Whether `needle` occurs anywhere in node `i`'s DLedger data files (also past the written end).
fn data_files_contain(root: &Path, i: usize, needle: &[u8]) -> bool {
    let dir = root.join(format!("dledger-n{i}")).join("data");
    std::fs::read_dir(dir).unwrap().flatten().any(|e| {
        std::fs::read(e.path())
            .unwrap()
            .windows(needle.len())
            .any(|w| w == needle)
    })
}

/// Issue 7: a real network partition. Each node reaches its peers' Raft ports through TCP proxies
/// of its own; the test cuts the leader's links to both followers (both directions) while the
/// leader process keeps running and keeps talking to clients and the name server. Writes sent to
/// it are never acknowledged; the majority elects a new BID 0 and takes writes; after healing,
/// the old leader follows, and the entries it appended but never committed are gone from every
/// node's log files.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn network_partition_of_the_leader_cannot_acknowledge() {
    partition_round(
        Group::fresh_partitionable(128 * 1024, Net::Proxied).await,
        "proxies",
    )
    .await;
}

/// The same partition done by the kernel: each node in its own network namespace, blackhole
/// routes between the leader and the others. Where namespaces cannot be made (not root), it says
/// so and runs the proxy variant instead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn network_namespace_partition_of_the_leader_cannot_acknowledge() {
    let (net, how) = match NetnsLab::create() {
        Some(lab) => (Net::Netns(lab), "network namespaces"),
        None => (Net::Proxied, "proxies (no network namespaces here)"),
    };
    eprintln!("network partition variant: {how}");
    partition_round(Group::fresh_partitionable(128 * 1024, net).await, how).await;
}

async fn partition_round(g: Group, how: &str) {
    let c = RemotingClient::default();
    g.create_topic(&c).await;
    let senders = Senders::start(&c, &g.ns.addr, 2);
    senders.wait_count(100).await;
    let mut acked = senders.finish().await;

    let old = g.leader(&c).await;
    let idx = g.index_of(&old);
    g.partition(idx, true);
    // Sent at once: the old leader still believes it leads and appends these to its log, but
    // cannot commit them.
    let appended: Vec<Vec<u8>> = (0..5)
        .map(|i| format!("lost-in-partition-{i}|").into_bytes())
        .collect();
    let others: Vec<String> = g.addrs().into_iter().filter(|a| *a != old).collect();
    let ((refused_early, unanswered), (new, elected)) = tokio::join!(
        sends_not_acknowledged(&c, &old, &appended),
        wait_bid0_among(&c, &g.ns.addr, &others)
    );
    // Later writes to the old leader: refused (it has not reached a majority for a lease).
    let late: Vec<Vec<u8>> = (0..5)
        .map(|i| format!("late-in-partition-{i}|").into_bytes())
        .collect();
    let started = Instant::now();
    let (refused_late, _) = sends_not_acknowledged(&c, &old, &late).await;
    let late_took = started.elapsed();
    assert_eq!(
        refused_late,
        late.len(),
        "a leader cut off for over a lease answers writes with a refusal"
    );
    for i in 0..50 {
        let tag = format!("majority-{i}");
        let (a, _, _) = send_retrying(&c, &g.ns.addr, GROUP, TOPIC, i % QUEUES, &tag, 0).await;
        acked.push(a);
    }
    let minority = pull_topic(&c, &old, TOPIC)
        .await
        .expect("the old leader serves reads");
    assert!(
        !minority
            .values()
            .any(|b| appended.contains(b) || late.contains(b)),
        "the partitioned leader serves a write it never committed"
    );
    let in_old_log = appended
        .iter()
        .filter(|b| data_files_contain(&g.roots[idx], idx, &b[..b.len() - 1]))
        .count();
    g.partition(idx, false);
    let healed = Instant::now();
    wait_serves(&c, &old, &acked).await;
    let rejoined = healed.elapsed();
    wait_follower(&c, &g.ns.addr, &old, idx as i64 + 1).await;
    check_group(&g, &c, &acked).await;
    let lost: Vec<&Vec<u8>> = appended.iter().chain(&late).collect();
    for a in g.addrs() {
        let got = pull_topic(&c, &a, TOPIC).await.unwrap();
        assert!(
            !got.values().any(|b| lost.contains(&b)),
            "{a} serves a write the partitioned leader never committed"
        );
    }
    // Truncated, not just hidden: no node's files hold those bytes any more, and the old
    // leader's log ends where the others' do.
    for (i, root) in g.roots.iter().enumerate() {
        for b in &lost {
            assert!(
                !data_files_contain(root, i, &b[..b.len() - 1]),
                "n{i}'s data files still hold {:?}",
                String::from_utf8_lossy(b)
            );
        }
    }
    eprintln!(
        "network partition ({how}) of leader n{idx}: {refused_early} early sends refused and {unanswered} \
         unanswered (timeout {SEND_TIMEOUT:?}); new BID 0 {new} {elected:?} after the cut; \
         5 later sends to the old leader refused in \
         {late_took:?} ({refused_late} with an answer); {in_old_log} of the early sends were in \
         the old leader's log before healing, none after; it served the majority's writes {:?} \
         after healing; {} acknowledged messages intact on all three",
        rejoined,
        acked.len()
    );
}

/// The log line of a DLedger node that starts waiting for disk space (`raft::space`).
const WAITING_FOR_SPACE: &str = "disk full: waiting for space";
/// The log line of a DLedger node whose waiting write went through.
const SPACE_IS_BACK: &str = "disk space is back";

/// Waits until node `i`'s stderr holds `line` `n` times or more; returns how long it took.
async fn wait_log_line(g: &Group, i: usize, line: &str, n: usize) -> Duration {
    let started = Instant::now();
    wait_until(Duration::from_secs(60), &format!("n{i} logs {line:?}"), || {
        let found = g.nodes[i].stderr().matches(line).count() >= n;
        async move { found }
    })
    .await;
    started.elapsed()
}

/// Sends `body` to `addr`, whose disk is full: asserts SERVICE_NOT_AVAILABLE with a remark about
/// the full disk, and returns how long the answer took and the remark.
async fn refused_for_a_full_disk(c: &RemotingClient, addr: &str, body: &[u8]) -> (Duration, String) {
    let asked = Instant::now();
    let r = invoke(c, addr, send_request(TOPIC, 0, body.to_vec(), "t", "")).await;
    let answered = asked.elapsed();
    assert_eq!(r.code, response::SERVICE_NOT_AVAILABLE, "{:?}", r.remark);
    assert!(
        r.remark
            .as_deref()
            .is_some_and(|m| m.contains("disk") && m.contains("full")),
        "remark: {:?}",
        r.remark
    );
    (answered, r.remark.unwrap_or_default())
}

/// Disk full on a DLedger follower, by a file-size limit (`RLIMIT_FSIZE`, set on the running
/// process with prlimit; its log writes then fail with EFBIG): the leader and the other follower
/// keep acknowledging, the follower process stays up and waits for space instead of stopping its
/// Raft core; once the limit is raised it catches up by itself (no restart), and the replicas end
/// identical with every acknowledged message once. Then its disk fills again and a SIGTERM still
/// stops it (the wait ends at shutdown).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follower_with_a_full_disk_does_not_stop_the_group() {
    let (mut g, c, senders) = Group::sending(128 * 1024, 2).await;
    senders.wait_count(100).await;
    let leader = g.leader(&c).await;
    let idx = (g.index_of(&leader) + 1) % 3;
    let pid = g.nodes[idx].pid() as libc::pid_t;
    let hard = fsize_limit(pid).rlim_max;
    // 32 KiB: below the follower's 128 KiB data files and 6 MB consume-queue files, so its next
    // writes past that point fail.
    set_fsize_limit(pid, 32 * 1024, hard);
    let full_at = senders.count();
    let waited = wait_log_line(&g, idx, WAITING_FOR_SPACE, 1).await;
    senders.wait_count(full_at + 300).await;
    assert!(
        g.nodes[idx].is_running(),
        "the follower died: {}",
        g.nodes[idx].stderr()
    );
    let behind = pull_topic(&c, &g.nodes[idx].addr, TOPIC)
        .await
        .map_or(0, |m| m.len());
    set_fsize_limit(pid, hard, hard);
    let freed = Instant::now();
    senders.wait_count(full_at + 350).await;
    let acked = senders.finish().await;
    let addr = g.nodes[idx].addr.clone();
    wait_serves(&c, &addr, &acked).await;
    let caught_up = freed.elapsed();
    assert!(
        g.nodes[idx].stderr().contains(SPACE_IS_BACK),
        "the follower never logged that its write went through"
    );
    assert!(g.nodes[idx].is_running(), "the follower restarted or died");
    wait_follower(&c, &g.ns.addr, &addr, idx as i64 + 1).await;
    check_group(&g, &c, &acked).await;

    // Full again, with writes flowing: SIGTERM must not hang on the waiting write.
    let waits = g.nodes[idx].stderr().matches(WAITING_FOR_SPACE).count();
    set_fsize_limit(pid, 32 * 1024, hard);
    let senders = Senders::start(&c, &g.ns.addr, 2);
    wait_log_line(&g, idx, WAITING_FOR_SPACE, waits + 1).await;
    let stopping = Instant::now();
    let status = g.nodes[idx].terminate();
    let stopped = stopping.elapsed();
    senders.finish().await;
    eprintln!(
        "follower n{idx} limited to 32 KiB files after {full_at} acknowledged: waiting for space \
         after {waited:?}; the group acknowledged 300 more meanwhile (the follower served {behind} \
         messages then); limit raised: caught up without a restart in {caught_up:?}; {} \
         acknowledged in all, replicas identical; full again: SIGTERM stopped it in {stopped:?} \
         ({status})",
        acked.len()
    );
}

/// Node `i`'s number of data files and the written length of its last one.
fn last_data_file_end(root: &Path, i: usize) -> (usize, usize) {
    let dir = root.join(format!("dledger-n{i}")).join("data");
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    names.sort();
    let last = names
        .last()
        .map_or(0, |p| written_len(&std::fs::read(p).unwrap()));
    (names.len(), last)
}

/// Disk full on the DLedger LEADER (`RLIMIT_FSIZE` as above): its append waits for space, which
/// stalls its Raft core, so the followers elect a new leader; the old leader's process stays up,
/// registers with its follower BID and refuses sends at once with a "disk is full" remark. Sends
/// through the name server go on to the new leader, none acknowledged is lost. Once the limit is
/// raised, the old leader's write goes through, it sees the new term, steps down, drops what it
/// never committed and catches up; the replicas end identical.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leader_with_a_full_disk_is_replaced_and_rejoins() {
    let (mut g, c, senders) = Group::sending(128 * 1024, 2).await;
    senders.wait_count(100).await;
    let old = g.leader(&c).await;
    let idx = g.index_of(&old);
    let pid = g.nodes[idx].pid() as libc::pid_t;
    let hard = fsize_limit(pid).rlim_max;
    set_fsize_limit(pid, 32 * 1024, hard);
    let full_at = senders.count();
    let waited = wait_log_line(&g, idx, WAITING_FOR_SPACE, 1).await;
    let full = Instant::now();
    let others: Vec<String> = g.addrs().into_iter().filter(|a| *a != old).collect();
    let (new, elected) = wait_bid0_among(&c, &g.ns.addr, &others).await;
    senders.wait_count(full_at + 200).await;
    let resumed = full.elapsed();
    assert!(
        g.nodes[idx].is_running(),
        "the old leader died: {}",
        g.nodes[idx].stderr()
    );
    wait_follower(&c, &g.ns.addr, &old, idx as i64 + 1).await;
    // A send to the old leader is refused at once, saying why.
    let (answered, remark) = refused_for_a_full_disk(&c, &old, b"to-a-full-disk").await;
    assert!(answered < SEND_TIMEOUT, "the refusal took {answered:?}");

    set_fsize_limit(pid, hard, hard);
    let freed = Instant::now();
    wait_log_line(&g, idx, SPACE_IS_BACK, 1).await;
    senders.wait_count(full_at + 250).await;
    let acked = senders.finish().await;
    wait_serves(&c, &old, &acked).await;
    let caught_up = freed.elapsed();
    assert!(g.nodes[idx].is_running(), "the old leader restarted or died");
    wait_follower(&c, &g.ns.addr, &old, idx as i64 + 1).await;
    check_group(&g, &c, &acked).await;
    for a in g.addrs() {
        let got = pull_topic(&c, &a, TOPIC).await.unwrap();
        assert!(
            !got.values().any(|b| b.as_slice() == b"to-a-full-disk"),
            "{a} serves the refused send"
        );
    }
    // What the old leader wrote but never committed is gone: its log ends where the others' do.
    wait_until(
        Duration::from_secs(30),
        "the three logs end at the same position",
        || {
            let ends: Vec<(usize, usize)> = (0..3).map(|i| last_data_file_end(&g.roots[i], i)).collect();
            async move { ends.iter().all(|e| *e == ends[0]) }
        },
    )
    .await;
    eprintln!(
        "leader n{idx} limited to 32 KiB files after {full_at} acknowledged: waiting for space \
         after {waited:?}; new BID 0 {new} {elected:?} after that; 200 more acknowledged \
         {resumed:?} after it; a send to the old leader refused in {answered:?} ({:?}); limit \
         raised: rejoined as follower and caught up without a restart in {caught_up:?}; {} \
         acknowledged in all, replicas identical",
        remark,
        acked.len()
    );
}

/// Disk full for the leader's consume queues only: `RLIMIT_FSIZE` of 1 MiB on the leader before
/// the topic exists, so its 128 KiB log files still fit but a 6 MB consume-queue file cannot be
/// created. The log write and the commit succeed; applying waits for space (openraft's core keeps
/// running), so the leader refuses sends with a "disk … is full" remark and stops sending
/// heartbeats: the others elect a new leader that takes the sends. Once the limit is raised the
/// old leader dispatches what it could not, rejoins as follower and serves every message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leader_whose_consume_queue_cannot_grow_steps_aside() {
    let mut g = Group::fresh(128 * 1024).await;
    let c = RemotingClient::default();
    let old = g.leader(&c).await;
    let idx = g.index_of(&old);
    let pid = g.nodes[idx].pid() as libc::pid_t;
    let hard = fsize_limit(pid).rlim_max;
    set_fsize_limit(pid, 1 << 20, hard);
    g.create_topic(&c).await;
    let (answered, _) = refused_for_a_full_disk(&c, &old, b"first|").await;
    let others: Vec<String> = g.addrs().into_iter().filter(|a| *a != old).collect();
    let (new, elected) = wait_bid0_among(&c, &g.ns.addr, &others).await;
    let senders = Senders::start(&c, &g.ns.addr, 2);
    senders.wait_count(100).await;
    assert!(
        g.nodes[idx].is_running(),
        "the old leader died: {}",
        g.nodes[idx].stderr()
    );
    wait_follower(&c, &g.ns.addr, &old, idx as i64 + 1).await;
    set_fsize_limit(pid, hard, hard);
    let freed = Instant::now();
    wait_log_line(&g, idx, SPACE_IS_BACK, 1).await;
    senders.wait_count(150).await;
    let acked = senders.finish().await;
    wait_serves(&c, &old, &acked).await;
    let caught_up = freed.elapsed();
    assert!(g.nodes[idx].is_running(), "the old leader restarted or died");
    check_group(&g, &c, &acked).await;
    eprintln!(
        "leader n{idx} limited to 1 MiB files (its consume queue cannot be created): a send \
         refused in {answered:?}; new BID 0 {new} {elected:?} after that; limit raised: caught \
         up without a restart in {caught_up:?}; {} acknowledged, replicas identical",
        acked.len()
    );
}

/// Copies a directory tree (the upgrade procedure copies `commitlog/`, `consumequeue/`, `config/`).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn classic_commitlog_upgrades_to_a_dledger_group() {
    const FILE: u64 = 64 * 1024;
    let ns = NamesrvProc::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let roots: Vec<PathBuf> = (0..3).map(|i| dir.path().join(format!("store-n{i}"))).collect();
    let port0 = free_port_pair();
    let c = RemotingClient::default();

    // A classic master with several 64 KiB commitlog files and committed consumer offsets.
    let mut props = base_props(GROUP, port0, &ns.addr, &roots[0]);
    props.retain(|(k, _)| *k != "brokerClusterName" && *k != "mappedFileSizeCommitLog");
    props.extend([
        ("brokerClusterName", "RaftCluster".to_string()),
        ("mappedFileSizeCommitLog", FILE.to_string()),
        ("brokerRole", "ASYNC_MASTER".into()),
        ("brokerId", "0".into()),
    ]);
    let conf = write_broker_conf(dir.path(), "classic.conf", &props);
    let mut classic = BrokerProc::spawn(&conf, port0);
    classic.wait_ready().await;
    assert_eq!(
        invoke(&c, &classic.addr, create_topic_request(TOPIC, QUEUES))
            .await
            .code,
        0
    );
    let mut old = Vec::new();
    let mut old_ids = Vec::new();
    for i in 0..300 {
        let q = i % QUEUES;
        let mut body = format!("old{i}|").into_bytes();
        body.resize(400, b'o');
        let r = invoke(&c, &classic.addr, send_request(TOPIC, q, body.clone(), "t", "")).await;
        assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);
        let h: SendMessageResponseHeader = r.decode_header().unwrap();
        old_ids.push((h.msg_id.clone(), body.clone()));
        old.push(Acked {
            queue: q,
            offset: h.queue_offset,
            body,
        });
    }
    let mut old_end = 0i64;
    let mut next_offset = BTreeMap::new();
    for q in 0..QUEUES {
        let msgs = pull_queue(&c, &classic.addr, TOPIC, q).await;
        next_offset.insert(q, msgs.len() as i64);
        for m in msgs {
            old_end = old_end.max(m.physical_offset + i64::from(m.store_size));
        }
    }
    for q in 0..QUEUES {
        let req = RemotingCommand::request(
            request::UPDATE_CONSUMER_OFFSET,
            &UpdateConsumerOffsetRequestHeader {
                consumer_group: "billing".into(),
                topic: TOPIC.into(),
                queue_id: q,
                commit_offset: 10 + i64::from(q),
            },
        );
        assert_eq!(invoke(&c, &classic.addr, req).await.code, response::SUCCESS);
    }
    assert!(classic.terminate().success(), "{}", classic.stderr());
    let old_files = std::fs::read_dir(roots[0].join("commitlog")).unwrap().count();
    assert!(
        old_files >= 2,
        "several old commitlog files expected, got {old_files}"
    );
    for r in &roots[1..] {
        for sub in ["commitlog", "consumequeue", "config"] {
            copy_tree(&roots[0].join(sub), &r.join(sub));
        }
    }

    // The same stores as a DLedger group; node 0 keeps the classic port (so msgIds match).
    let g = Group::start(ns, dir, roots, Some(port0), FILE, Net::Loopback).await;
    let leader = g.leader(&c).await;
    let ns = g.ns.addr.clone();
    for a in g.addrs() {
        wait_serves(&c, &a, &old).await;
        for (id, body) in old_ids.iter().step_by(7) {
            assert_eq!(&view_by_msg_id(&c, &a, id).await.body, body, "{a}: view {id}");
        }
    }
    for q in 0..QUEUES {
        assert_eq!(
            query_offset(&c, &leader, "billing", TOPIC, q).await,
            Some(10 + i64::from(q)),
            "consumer offset of queue {q} after the upgrade"
        );
    }

    // New messages: above the sealed old commitlog, queue offsets continuing the old ones.
    let divided = (old_end as u64).div_ceil(FILE) * FILE;
    let mut all = old;
    for i in 0..100 {
        let q = i % QUEUES;
        let (acked, h, refused) = send_retrying(&c, &ns, GROUP, TOPIC, q, &format!("new{i}"), 0).await;
        let expect = next_offset.get_mut(&q).unwrap();
        // A refused attempt that was committed after all takes an offset of its own.
        if refused == 0 {
            assert_eq!(
                h.queue_offset, *expect,
                "queue {q} continues after the old messages"
            );
        } else {
            assert!(h.queue_offset >= *expect, "queue {q} went backwards");
        }
        *expect = h.queue_offset + 1;
        let phys = msg_id_offset(&h.msg_id) as u64;
        assert!(
            phys >= divided,
            "new message at {phys}, below dividedCommitlogOffset {divided}"
        );
        all.push(acked);
    }
    check_group(&g, &c, &all).await;
}

async fn cluster_ready(c: &RemotingClient, ns: &str, groups: &[&str]) -> Option<Vec<String>> {
    let ci = cluster_info(c, ns).await?;
    groups
        .iter()
        .map(|g| {
            let bd = ci.broker_addr_table.get(*g)?;
            (bd.broker_addrs.len() == 3).then(|| bd.broker_addrs.get(&0).cloned())?
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_groups_serve_one_topic() {
    const TWO: &str = "TwoGroups";
    let groups = ["RaftNode00", "RaftNode01"];
    let ns = start_namesrv().await;
    let dirs: Vec<tempfile::TempDir> = (0..6).map(|_| tempfile::tempdir().unwrap()).collect();
    let mut nodes = Vec::new();
    for (gi, group) in groups.iter().enumerate() {
        let listeners = raft_listeners(3);
        let peers = dledger_peers(&listeners);
        for (i, l) in listeners.into_iter().enumerate() {
            let mut cfg = broker_config(
                dirs[gi * 3 + i].path(),
                group,
                &ns.addr,
                BrokerRole::AsyncMaster,
                0,
            );
            cfg = BrokerConfig {
                broker_cluster_name: "RaftCluster".into(),
                enable_dleger_commit_log: true,
                dleger_group: Some((*group).into()),
                dleger_peers: Some(peers.clone()),
                dleger_self_id: Some(format!("n{i}")),
                ..cfg
            };
            cfg.validate().expect("valid DLedger config");
            nodes.push(start_broker_with(cfg, Some(l)).await.unwrap());
        }
    }
    let c = RemotingClient::default();
    let mut leaders = Vec::new();
    wait_until(
        Duration::from_secs(30),
        "both groups with a BID 0 and 3 members",
        || {
            let c = c.clone();
            let ns = ns.addr.clone();
            async move { cluster_ready(&c, &ns, &groups).await.is_some() }
        },
    )
    .await;
    leaders.extend(cluster_ready(&c, &ns.addr, &groups).await.unwrap());
    for l in &leaders {
        assert_eq!(invoke(&c, l, create_topic_request(TWO, QUEUES)).await.code, 0);
    }
    wait_until(
        Duration::from_secs(30),
        "the route lists both groups' queues",
        || {
            let c = c.clone();
            let ns = ns.addr.clone();
            async move {
                let req = RemotingCommand::request(
                    request::GET_ROUTEINFO_BY_TOPIC,
                    &GetRouteInfoRequestHeader {
                        topic: TWO.into(),
                        accept_standard_json_only: None,
                    },
                );
                let Ok(r) = c.invoke(&ns, req, Duration::from_secs(3)).await else {
                    return false;
                };
                let Ok(route) = json::from_slice::<TopicRouteData>(&r.body) else {
                    return false;
                };
                groups.iter().all(|g| {
                    route
                        .queue_datas
                        .iter()
                        .any(|q| q.broker_name == *g && q.write_queue_nums == QUEUES)
                        && route
                            .broker_datas
                            .iter()
                            .any(|b| b.broker_name == *g && b.broker_addrs.contains_key(&0))
                })
            }
        },
    )
    .await;

    // 8 queues over the two groups, 25 messages each.
    let mut acked: Vec<Vec<Acked>> = vec![Vec::new(), Vec::new()];
    let mut refused = [0; 2];
    for i in 0..200 {
        let (gi, q) = (i % 2, (i / 2 % QUEUES as usize) as i32);
        let (a, _, r) = send_retrying(&c, &ns.addr, groups[gi], TWO, q, &format!("two{i}"), 0).await;
        acked[gi].push(a);
        refused[gi] += r;
    }
    for (gi, l) in leaders.iter().enumerate() {
        let got = pull_topic(&c, l, TWO).await.expect("leader serves the topic");
        let n = got.len();
        assert!(
            (100..=100 + refused[gi]).contains(&n),
            "{}: {n} records",
            groups[gi]
        );
        check_acked(&got, &acked[gi]).unwrap_or_else(|e| panic!("{}: {e}", groups[gi]));
    }
    for n in nodes {
        n.stop().await;
    }
    ns.stop().await;
}
