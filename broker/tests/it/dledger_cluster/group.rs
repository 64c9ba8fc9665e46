//! The group of three DLedger `mqbroker` processes ([`Group`]) and what the name server says
//! of it: which node is BID 0 (the leader), which are registered as followers.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use broker::json;
use broker::remoting::body::ClusterInfo;
use broker::remoting::codes::{request, response};
use broker::remoting::{RemotingClient, RemotingCommand};

use super::{pull_topic, NamesrvProc, NetnsLab, Senders, GROUP, QUEUES, TOPIC};
use crate::util::{
    base_props, create_topic_request, free_port_pair, invoke, wait_until, write_broker_conf, BrokerProc,
    Proxy,
};

/// How the nodes of a [`Group`] reach each other's Raft ports.
pub enum Net {
    /// Directly on 127.0.0.1.
    Loopback,
    /// Through a [`Proxy`] per node and peer (node `i`'s `dLegerPeers` name its own proxies).
    Proxied,
    /// Each node in its own network namespace.
    Netns(NetnsLab),
}

/// Three real DLedger `mqbroker` processes of group RaftNode00 and a real name server.
pub struct Group {
    // Field order: the brokers are killed before the name server and the temp dir go.
    /// Node `i` (`dLegerSelfId` `n<i>`, follower BID `i + 1`).
    pub nodes: Vec<BrokerProc>,
    /// With [`Net::Netns`]: removed after the brokers are killed.
    netns: Option<NetnsLab>,
    /// With [`Net::Proxied`]: `(i, j, proxy)`, node `i` reaching node `j`'s Raft port.
    pub proxies: Vec<(usize, usize, Proxy)>,
    /// Node `i`'s store root (its DLedger files are in `dledger-n<i>/` there).
    pub roots: Vec<PathBuf>,
    pub ns: NamesrvProc,
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
    pub async fn start(
        ns: NamesrvProc,
        dir: tempfile::TempDir,
        roots: Vec<PathBuf>,
        port0: Option<u16>,
        file_size: u64,
        net: Net,
    ) -> Self {
        Self::start_with(ns, dir, roots, port0, file_size, net, &[]).await
    }

    /// As [`Group::start`], with `extra` config keys in every node's file.
    pub async fn start_with(
        ns: NamesrvProc,
        dir: tempfile::TempDir,
        roots: Vec<PathBuf>,
        port0: Option<u16>,
        file_size: u64,
        net: Net,
        extra: &[(&'static str, String)],
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
            props.extend(extra.iter().cloned());
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

    pub async fn fresh(file_size: u64) -> Self {
        let ns = NamesrvProc::spawn().await;
        let dir = tempfile::tempdir().unwrap();
        let roots = (0..3).map(|i| dir.path().join(format!("store-n{i}"))).collect();
        Self::start(ns, dir, roots, None, file_size, Net::Loopback).await
    }

    /// As [`Group::fresh`], with `extra` config keys in every node's file.
    pub async fn fresh_with(file_size: u64, extra: &[(&'static str, String)]) -> Self {
        let ns = NamesrvProc::spawn().await;
        let dir = tempfile::tempdir().unwrap();
        let roots = (0..3).map(|i| dir.path().join(format!("store-n{i}"))).collect();
        Self::start_with(ns, dir, roots, None, file_size, Net::Loopback, extra).await
    }

    /// As [`Group::fresh`], with the Raft traffic between nodes through proxies, or each node in
    /// a network namespace of its own ([`Net::Netns`], the name server on the bridge).
    pub async fn fresh_partitionable(file_size: u64, net: Net) -> Self {
        let ns = match &net {
            Net::Netns(lab) => NamesrvProc::spawn_on(&lab.bridge_ip()).await,
            _ => NamesrvProc::spawn().await,
        };
        let dir = tempfile::tempdir().unwrap();
        let roots = (0..3).map(|i| dir.path().join(format!("store-n{i}"))).collect();
        Self::start(ns, dir, roots, None, file_size, net).await
    }

    /// Cuts (`true`) or heals the network between node `idx` and both others, both directions.
    pub fn partition(&self, idx: usize, cut: bool) {
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

    pub fn addrs(&self) -> Vec<String> {
        self.nodes.iter().map(|n| n.addr.clone()).collect()
    }

    pub fn index_of(&self, addr: &str) -> usize {
        self.nodes
            .iter()
            .position(|n| n.addr == addr)
            .expect("a node of the group")
    }

    pub async fn leader(&self, c: &RemotingClient) -> String {
        wait_bid0_among(c, &self.ns.addr, &self.addrs()).await.0
    }

    /// A fresh group with the topic created and `senders` [`Senders`] running: the start of
    /// most fault tests.
    pub async fn sending(file_size: u64, senders: usize) -> (Self, RemotingClient, Senders) {
        let g = Self::fresh(file_size).await;
        let c = RemotingClient::default();
        g.create_topic(&c).await;
        let s = Senders::start(&c, &g.ns.addr, senders);
        (g, c, s)
    }

    /// Creates the topic on the leader and waits until every node serves it (the leader answers
    /// once a majority has it; the last follower may apply it a moment later).
    /// A leader that loses its lease on a loaded machine answers SERVICE_NOT_AVAILABLE: ask the
    /// name server again and retry, as a client would.
    pub async fn create_topic(&self, c: &RemotingClient) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let leader = self.leader(c).await;
            let r = invoke(c, &leader, create_topic_request(TOPIC, QUEUES)).await;
            if r.code == 0 {
                break;
            }
            assert_eq!(r.code, response::SERVICE_NOT_AVAILABLE, "{:?}", r.remark);
            assert!(Instant::now() < deadline, "{TOPIC} never created: {:?}", r.remark);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        for a in self.addrs() {
            wait_until(Duration::from_secs(30), &format!("{a} knows {TOPIC}"), || {
                let (c, a) = (c.clone(), a.clone());
                async move { pull_topic(&c, &a, TOPIC).await.is_some() }
            })
            .await;
        }
    }
}

pub async fn cluster_info(c: &RemotingClient, ns: &str) -> Option<ClusterInfo> {
    let req = RemotingCommand::request_empty(request::GET_BROKER_CLUSTER_INFO);
    let r = c.invoke(ns, req, Duration::from_secs(3)).await.ok()?;
    json::from_slice(&r.body).ok()
}

/// The group's BID → address table as the name server sees it (empty when unknown).
pub async fn bids(c: &RemotingClient, ns: &str, group: &str) -> BTreeMap<i64, String> {
    cluster_info(c, ns)
        .await
        .and_then(|ci| ci.broker_addr_table.get(group).map(|bd| bd.broker_addrs.clone()))
        .unwrap_or_default()
}

/// Waits until one of `candidates` is registered as BID 0; returns it and the time it took.
pub async fn wait_bid0_among(c: &RemotingClient, ns: &str, candidates: &[String]) -> (String, Duration) {
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

/// Waits until `addr` is registered with its follower BID (and is not BID 0).
pub async fn wait_follower(c: &RemotingClient, ns: &str, addr: &str, bid: i64) {
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

/// Waits until node `i`'s stderr holds `line` `n` times or more; returns how long it took.
pub async fn wait_log_line(g: &Group, i: usize, line: &str, n: usize) -> Duration {
    let started = Instant::now();
    wait_until(Duration::from_secs(60), &format!("n{i} logs {line:?}"), || {
        let found = g.nodes[i].stderr().matches(line).count() >= n;
        async move { found }
    })
    .await;
    started.elapsed()
}
