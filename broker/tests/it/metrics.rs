//! The Prometheus exporter (`metricsExporterType=PROM`, issue 16): a classic broker and its name
//! server, and a 3-node DLedger group, each with the exporter on an ephemeral port. After sends
//! and pulls, `/metrics` is scraped over HTTP and parsed with a Prometheus text parser
//! (`prometheus-parse`); the counters must match what was sent and pulled, and the DLedger nodes
//! must agree on one leader and one term, and on a new leader after the old one stops. Also: a
//! bad path answers 404, and a disabled exporter binds no port.

use std::net::SocketAddr;
use std::time::Duration;

use broker::config::{BrokerRole, MetricsExporterType};
use broker::remoting::codes::{request, response};
use broker::remoting::RemotingClient;
use prometheus_parse::{Sample, Scrape, Value};

use crate::util::*;

/// GETs `path` from an exporter; returns the status and body.
async fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let r = reqwest::get(format!("http://{addr}{path}"))
        .await
        .expect("exporter answers");
    let status = r.status().as_u16();
    (status, r.text().await.expect("body"))
}

/// Scrapes `/metrics` and parses it.
async fn scrape(addr: SocketAddr) -> Scrape {
    let (status, text) = get(addr, "/metrics").await;
    assert_eq!(status, 200, "{text}");
    Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).expect("valid Prometheus text")
}

/// The samples of `name` whose labels include `labels`.
fn find<'a>(s: &'a Scrape, name: &str, labels: &[(&str, &str)]) -> Vec<&'a Sample> {
    s.samples
        .iter()
        .filter(|x| x.metric == name && labels.iter().all(|(k, v)| x.labels.get(k) == Some(*v)))
        .collect()
}

/// The value of the one sample of `name` with `labels` (a histogram's count).
fn value(s: &Scrape, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let found = find(s, name, labels);
    assert!(found.len() <= 1, "{name} {labels:?}: several series {found:?}");
    found.first().map(|x| match &x.value {
        Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => *v,
        Value::Histogram(b) => b.iter().map(|c| c.count).fold(0.0, f64::max),
        Value::Summary(_) => f64::NAN,
    })
}

/// The metric names the Grafana dashboard (`conf/grafana/rocketmq-group.json`) queries, with
/// histogram suffixes taken off.
fn dashboard_metrics() -> std::collections::BTreeSet<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../conf/grafana/rocketmq-group.json");
    let dash: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).expect("dashboard JSON");
    let mut names = std::collections::BTreeSet::new();
    for panel in dash["panels"].as_array().unwrap() {
        for t in panel["targets"].as_array().into_iter().flatten() {
            let expr = t["expr"].as_str().unwrap();
            let mut rest = expr;
            while let Some(i) = rest.find("rocketmq_") {
                let tail = &rest[i..];
                let end = tail
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(tail.len());
                names.insert(base_name(&tail[..end]).to_owned());
                rest = &tail[end..];
            }
        }
    }
    assert!(names.len() > 10, "{names:?}");
    names
}

fn base_name(n: &str) -> &str {
    ["_bucket", "_count", "_sum"]
        .iter()
        .fold(n, |n, s| n.strip_suffix(s).unwrap_or(n))
}

/// Asserts the dashboard's metrics of one kind (DLedger's or the others) are all exported.
fn assert_dashboard_names(scrapes: &[&Scrape], dledger: bool) {
    let exported: std::collections::BTreeSet<&str> = scrapes
        .iter()
        .flat_map(|s| s.samples.iter().map(|x| base_name(&x.metric)))
        .collect();
    for name in dashboard_metrics() {
        if name.starts_with("rocketmq_dledger_") == dledger {
            assert!(
                exported.contains(name.as_str()),
                "the dashboard queries {name}, which is not exported"
            );
        }
    }
}

/// The bound exporter address of an in-process broker, once it serves.
async fn exporter_addr(r: &Running) -> SocketAddr {
    let weak = r.broker.clone().expect("a broker");
    let mut addr = None;
    wait_until(T, "the exporter to be bound", || {
        addr = weak.upgrade().and_then(|b| b.metrics_addr.get().copied());
        std::future::ready(addr.is_some())
    })
    .await;
    addr.expect("bound")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn classic_broker_and_name_server_export_what_was_sent_and_pulled() {
    // A name server with its exporter on a listener bound here.
    let ns_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let ns = ns_listener.local_addr().unwrap().to_string();
    let ns_metrics = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let ns_metrics_addr = ns_metrics.local_addr().unwrap();
    let ns_task = tokio::spawn(broker::namesrv::run_with_metrics(
        ns_listener,
        Some(ns_metrics),
        Default::default(),
        std::future::pending(),
    ));

    let dir = tempfile::tempdir().unwrap();
    let mut cfg = broker_config(dir.path(), "broker-m", &ns, BrokerRole::AsyncMaster, 0);
    cfg.broker_cluster_name = "MetricsCluster".into();
    cfg.metrics_exporter_type = MetricsExporterType::Prom;
    cfg.metrics_prom_exporter_port = 0;
    let b = start_broker(cfg).await.unwrap();
    let addr = exporter_addr(&b).await;
    assert_eq!(
        addr.ip().to_string(),
        "127.0.0.1",
        "binds brokerIP1 when the host is empty"
    );

    let c = RemotingClient::default();
    let topic = "MetricsTopic";
    create_topic_on(&c, &b.addr, topic, 1).await;
    const N: usize = 10;
    const M: usize = 4;
    for i in 0..N {
        let r = invoke(
            &c,
            &b.addr,
            send_request(topic, 0, vec![b'x'; 100], "t", &format!("k{i}")),
        )
        .await;
        assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);
    }
    let r = invoke(
        &c,
        &b.addr,
        pull_request("MetricsGroup", topic, 0, 0, M as i32, "*", 0),
    )
    .await;
    assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);
    let r = invoke(
        &c,
        &b.addr,
        update_offset_request("MetricsGroup", topic, 0, M as i64),
    )
    .await;
    assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);

    let s = scrape(addr).await;
    let t = [("topic", topic)];
    assert_eq!(value(&s, "rocketmq_messages_in_total", &t), Some(N as f64));
    assert_eq!(
        value(&s, "rocketmq_throughput_in_total", &t),
        Some((N * 100) as f64)
    );
    assert_eq!(
        value(&s, "rocketmq_message_size", &t),
        Some(N as f64),
        "one observation per send"
    );
    let g = [("topic", topic), ("consumer_group", "MetricsGroup")];
    assert_eq!(value(&s, "rocketmq_messages_out_total", &g), Some(M as f64));
    assert!(value(&s, "rocketmq_throughput_out_total", &g).unwrap() > (M * 100) as f64);
    assert_eq!(
        value(&s, "rocketmq_consumer_lag_messages", &g),
        Some((N - M) as f64)
    );
    assert_eq!(value(&s, "rocketmq_broker_permission", &[]), Some(6.0));
    assert_eq!(
        value(&s, "rocketmq_storage_dispatch_behind_bytes", &[]),
        Some(0.0)
    );
    let sends = [("request_code", "310"), ("response_code", "0")];
    assert_eq!(value(&s, "rocketmq_rpc_latency", &sends), Some(N as f64));
    let sample = &find(&s, "rocketmq_messages_in_total", &t)[0];
    assert_eq!(sample.labels.get("cluster"), Some("MetricsCluster"));
    assert_eq!(sample.labels.get("node_type"), Some("broker"));
    assert_eq!(sample.labels.get("node_id"), Some("broker-m"));
    assert_eq!(sample.labels.get("message_type"), Some("normal"));
    assert_eq!(sample.labels.get("is_system"), Some("false"));

    assert_dashboard_names(&[&s], false);
    let (status, _) = get(addr, "/nope").await;
    assert_eq!(status, 404);

    // A deleted topic's series go with it.
    let delete = broker::remoting::RemotingCommand::request(
        request::DELETE_TOPIC_IN_BROKER,
        &broker::remoting::headers::DeleteTopicRequestHeader { topic: topic.into() },
    );
    assert_eq!(invoke(&c, &b.addr, delete).await.code, response::SUCCESS);
    let s = scrape(addr).await;
    assert!(find(&s, "rocketmq_messages_in_total", &t).is_empty());
    assert!(find(&s, "rocketmq_messages_out_total", &g).is_empty());

    // The name server: one registered broker, and the registrations timed.
    let s = scrape(ns_metrics_addr).await;
    assert_eq!(
        value(&s, "rocketmq_namesrv_brokers", &[("cluster", "MetricsCluster")]),
        Some(1.0)
    );
    let register = request::REGISTER_BROKER.to_string();
    assert!(value(&s, "rocketmq_rpc_latency", &[("request_code", &register)]).unwrap() >= 1.0);
    assert_eq!(
        find(&s, "rocketmq_namesrv_topics", &[])[0]
            .labels
            .get("node_type"),
        Some("nameserver")
    );
    let (status, _) = get(ns_metrics_addr, "/").await;
    assert_eq!(status, 404);

    b.stop().await;
    ns_task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_exporter_binds_no_port() {
    let ns = start_namesrv().await;
    let port = crate::ports::free_ports(1);
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = broker_config(dir.path(), "broker-d", &ns.addr, BrokerRole::AsyncMaster, 0);
    cfg.metrics_prom_exporter_port = port;
    assert_eq!(
        cfg.metrics_exporter_type,
        MetricsExporterType::Disable,
        "the default"
    );
    let b = start_broker(cfg).await.unwrap();
    // The broker serves (so `run` went past where the exporter would start), yet nothing
    // took the port and no counters are kept.
    let c = RemotingClient::default();
    create_topic_on(&c, &b.addr, "T", 1).await;
    let state = b.broker.clone().unwrap().upgrade().unwrap();
    assert!(state.metrics.is_none());
    assert!(state.metrics_addr.get().is_none());
    drop(state);
    std::net::TcpListener::bind(("127.0.0.1", port)).expect("the exporter port is free");
    b.stop().await;
    ns.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dledger_group_exports_one_leader_one_term_and_leader_changes() {
    let ns = start_namesrv().await;
    let (_listeners, _dirs, _cfgs, nodes) = crate::dledger::start_group(&ns.addr, |c| {
        c.metrics_exporter_type = MetricsExporterType::Prom;
        c.metrics_prom_exporter_port = 0;
    })
    .await;
    let nodes: Vec<Running> = nodes.into_iter().map(|n| n.unwrap()).collect();
    let c = RemotingClient::default();
    let (leader, _) = crate::dledger::wait_leader(&c, &ns.addr, None, 3).await;
    let mut exporters = Vec::new();
    for n in &nodes {
        exporters.push((n.addr.clone(), exporter_addr(n).await));
    }
    let topic = "RaftMetrics";
    create_topic_on(&c, &leader, topic, 1).await;
    const N: usize = 8;
    for i in 0..N {
        let r = invoke(
            &c,
            &leader,
            send_request(topic, 0, vec![b'y'; 50], "t", &format!("k{i}")),
        )
        .await;
        assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);
    }
    let r = invoke(&c, &leader, pull_request("RaftGroup", topic, 0, 0, 3, "*", 0)).await;
    assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);

    // Replication settles: every node has applied the leader's last index, and the leader
    // reports both peers caught up.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let scrapes = loop {
        if let Some(all) = settled(&exporters).await {
            break all;
        }
        assert!(std::time::Instant::now() < deadline, "the group did not settle");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let terms: Vec<Option<f64>> = scrapes
        .iter()
        .map(|s| value(s, "rocketmq_dledger_term", &[]))
        .collect();
    assert!(terms[0].is_some_and(|t| t >= 1.0), "{terms:?}");
    assert!(terms.iter().all(|t| *t == terms[0]), "one term: {terms:?}");
    let leader_ids: Vec<Option<f64>> = scrapes
        .iter()
        .map(|s| value(s, "rocketmq_dledger_leader_id", &[]))
        .collect();
    assert!(
        leader_ids
            .iter()
            .all(|l| *l == leader_ids[0] && l.is_some_and(|l| l >= 0.0)),
        "{leader_ids:?}"
    );
    for s in &scrapes {
        assert!(value(s, "rocketmq_dledger_leader_changes_total", &[]).unwrap() >= 1.0);
        assert_eq!(
            value(s, "rocketmq_dledger_committed_index", &[]),
            value(s, "rocketmq_dledger_applied_index", &[])
        );
    }
    let i = exporters
        .iter()
        .position(|(a, _)| *a == leader)
        .expect("the leader is a node");
    let t = [("topic", topic)];
    assert_eq!(
        value(&scrapes[i], "rocketmq_dledger_role", &[("role", "Leader")]),
        Some(1.0)
    );
    assert_eq!(
        value(&scrapes[i], "rocketmq_messages_in_total", &t),
        Some(N as f64)
    );
    assert_eq!(
        value(
            &scrapes[i],
            "rocketmq_messages_out_total",
            &[("topic", topic), ("consumer_group", "RaftGroup")]
        ),
        Some(3.0)
    );
    assert_eq!(
        find(&scrapes[i], "rocketmq_messages_in_total", &t)[0]
            .labels
            .get("cluster"),
        Some("RaftCluster")
    );
    assert_dashboard_names(&scrapes.iter().collect::<Vec<_>>(), true);

    // Stopping the leader: the two others elect one of them in a higher term, and both count
    // the change.
    let old_term = terms[0].unwrap();
    let changes_before: Vec<f64> = scrapes
        .iter()
        .map(|s| value(s, "rocketmq_dledger_leader_changes_total", &[]).unwrap())
        .collect();
    let mut nodes: Vec<Option<Running>> = nodes.into_iter().map(Some).collect();
    nodes[i].take().unwrap().stop().await;
    let survivors: Vec<usize> = (0..3).filter(|j| *j != i).collect();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let mut all = Vec::new();
        for j in &survivors {
            all.push(scrape(exporters[*j].1).await);
        }
        let leaders = all
            .iter()
            .filter(|s| value(s, "rocketmq_dledger_role", &[("role", "Leader")]) == Some(1.0))
            .count();
        let terms: Vec<f64> = all
            .iter()
            .map(|s| value(s, "rocketmq_dledger_term", &[]).unwrap())
            .collect();
        let counted = survivors.iter().zip(&all).all(|(j, s)| {
            value(s, "rocketmq_dledger_leader_changes_total", &[]).unwrap() > changes_before[*j]
        });
        if leaders == 1 && terms[0] == terms[1] && terms[0] > old_term && counted {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no new leader: terms {terms:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for n in nodes.into_iter().flatten() {
        n.stop().await;
    }
    ns.stop().await;
}

/// Scrapes every node; `Some` once the group has settled: one leader, the same applied index
/// everywhere, and the leader reporting both peers caught up.
async fn settled(exporters: &[(String, SocketAddr)]) -> Option<Vec<Scrape>> {
    let mut all = Vec::new();
    for (_, a) in exporters {
        all.push(scrape(*a).await);
    }
    let applied: Vec<Option<f64>> = all
        .iter()
        .map(|s| value(s, "rocketmq_dledger_applied_index", &[]))
        .collect();
    let leaders = all
        .iter()
        .filter(|s| value(s, "rocketmq_dledger_role", &[("role", "Leader")]) == Some(1.0))
        .count();
    let lags: Vec<f64> = all
        .iter()
        .flat_map(|s| find(s, "rocketmq_dledger_replication_lag_entries", &[]))
        .map(|x| match x.value {
            Value::Gauge(v) => v,
            _ => f64::NAN,
        })
        .collect();
    let ok = leaders == 1
        && applied.iter().all(|a| a.is_some() && *a == applied[0])
        && lags.len() == 2
        && lags.iter().all(|l| *l == 0.0);
    ok.then_some(all)
}
