//! The broker's Prometheus exporter (`metricsExporterType=PROM`): binds
//! `metricsPromExporterHost` (default `brokerIP1`, as Java) and `metricsPromExporterPort`, and
//! answers each scrape with the hot-path counters ([`crate::metrics::broker_counters`]) and the
//! gauges read from the broker's state at that moment:
//!
//! - Java 5's: `rocketmq_processor_watermark` (sends and long-polled pulls in flight),
//!   `rocketmq_broker_permission`, `rocketmq_topic_number`, `rocketmq_consumer_group_number`,
//!   `rocketmq_consumer_lag_messages` (per topic and group: queue max offsets minus committed
//!   offsets), `rocketmq_storage_size`, `rocketmq_storage_dispatch_behind_bytes`,
//!   `rocketmq_storage_flush_behind_bytes`.
//! - Ours: `rocketmq_storage_disk_used_ratio`, and for a DLedger group `rocketmq_dledger_role`,
//!   `rocketmq_dledger_term`, `rocketmq_dledger_leader_id`, `rocketmq_dledger_last_log_index`,
//!   `rocketmq_dledger_committed_index`, `rocketmq_dledger_applied_index`,
//!   `rocketmq_dledger_leader_changes_total` and, on the leader,
//!   `rocketmq_dledger_replication_lag_entries{peer}`.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};

use prometheus::core::Collector;
use prometheus::{IntCounter, Opts};

use crate::metrics::broker_counters::{bool_str, is_system_topic};
use crate::metrics::{
    self, Gauges, MetricsError, LABEL_CONSUMER_GROUP, LABEL_IS_RETRY, LABEL_IS_SYSTEM, LABEL_PROCESSOR,
    LABEL_TOPIC,
};

use super::{Broker, BrokerError};

/// Starts the exporter when the broker keeps metrics: binds its port, records the bound address
/// in [`Broker::metrics_addr`] and spawns the server into `tasks` (aborted at shutdown).
///
/// # Errors
/// [`BrokerError::Config`] when the address cannot be bound.
pub async fn start(b: &Arc<Broker>, tasks: &mut tokio::task::JoinSet<()>) -> Result<(), BrokerError> {
    if b.metrics.is_none() {
        return Ok(());
    }
    let host = match b.cfg.metrics_prom_exporter_host.trim() {
        "" => b.cfg.broker_ip1.clone(),
        h => h.to_owned(),
    };
    let port = b.cfg.metrics_prom_exporter_port;
    let listener = metrics::bind(&host, port).await.map_err(|e| {
        BrokerError::Config(format!("cannot bind the metrics exporter on {host}:{port}: {e}"))
    })?;
    let addr = listener.local_addr()?;
    let _ = b.metrics_addr.set(addr);
    tracing::info!(%addr, "Prometheus exporter: GET /metrics");
    let weak = Arc::downgrade(b);
    let render: metrics::Render = Arc::new(move || render(&weak));
    tasks.spawn(metrics::serve(listener, render, std::future::pending()));
    Ok(())
}

/// One scrape's page.
fn render(b: &Weak<Broker>) -> Result<String, MetricsError> {
    let Some(b) = b.upgrade() else {
        return Ok(String::new());
    };
    let Some(counters) = b.metrics.as_ref() else {
        return Ok(String::new());
    };
    let mut families = counters.collect();
    let mut g = Gauges::new(counters.common());
    gauges(&b, &mut g)?;
    families.extend(g.collect());
    if let Some(d) = b.dledger.get() {
        let c = IntCounter::with_opts(
            Opts::new(
                "rocketmq_dledger_leader_changes_total",
                "Times this node saw the DLedger group's leader change",
            )
            .const_labels(counters.common().0.clone()),
        )?;
        c.inc_by(d.leader_changes.load(Ordering::Relaxed));
        families.extend(c.collect());
    }
    metrics::encode(&families)
}

fn gauges(b: &Broker, g: &mut Gauges) -> Result<(), MetricsError> {
    let c = &b.stats.counters;
    let watermark = "Requests waiting in a processor";
    g.set(
        "rocketmq_processor_watermark",
        watermark,
        &[(LABEL_PROCESSOR, "send")],
        c.send_in_flight.load(Ordering::Relaxed) as f64,
    )?;
    g.set(
        "rocketmq_processor_watermark",
        watermark,
        &[(LABEL_PROCESSOR, "pull")],
        c.pull_in_flight.load(Ordering::Relaxed) as f64,
    )?;
    g.set(
        "rocketmq_broker_permission",
        "The broker's permission (brokerPermission: 2 read, 4 write)",
        &[],
        f64::from(b.cfg.broker_permission),
    )?;
    g.set(
        "rocketmq_topic_number",
        "Topics",
        &[],
        b.topics.snapshot().topic_config_table.len() as f64,
    )?;
    g.set(
        "rocketmq_consumer_group_number",
        "Subscription groups",
        &[],
        b.groups.all_configs().subscription_group_table.len() as f64,
    )?;
    consumer_lag(b, g)?;
    storage(b, g)?;
    if let Some(d) = b.dledger.get() {
        dledger(d, g)?;
    }
    Ok(())
}

/// `rocketmq_consumer_lag_messages`: for each committed (topic, group), the messages between
/// its committed offsets and the queues' ends.
fn consumer_lag(b: &Broker, g: &mut Gauges) -> Result<(), MetricsError> {
    let mut lag: BTreeMap<(String, String), i64> = BTreeMap::new();
    for (key, queues) in b.offsets.all().offset_table {
        let Some((topic, group)) = key.split_once('@') else {
            continue;
        };
        let behind: i64 = queues
            .iter()
            .map(|(q, committed)| (b.store.max_offset_in_queue(topic, *q) - (*committed).max(0)).max(0))
            .sum();
        *lag.entry((topic.to_owned(), group.to_owned())).or_default() += behind;
    }
    for ((topic, group), n) in lag {
        g.set(
            "rocketmq_consumer_lag_messages",
            "Messages not yet consumed by a group (queue ends minus committed offsets)",
            &[
                (LABEL_TOPIC, &topic),
                (LABEL_CONSUMER_GROUP, &group),
                (LABEL_IS_RETRY, bool_str(topic.starts_with("%RETRY%"))),
                (LABEL_IS_SYSTEM, bool_str(is_system_topic(&topic))),
            ],
            n as f64,
        )?;
    }
    Ok(())
}

fn storage(b: &Broker, g: &mut Gauges) -> Result<(), MetricsError> {
    let labels = [("storage_type", "local"), ("storage_medium", "disk")];
    let max = b.store.commitlog_max_offset();
    g.set(
        "rocketmq_storage_size",
        "Commitlog bytes kept (max minus min offset)",
        &labels,
        max.saturating_sub(b.store.commitlog_min_offset()) as f64,
    )?;
    g.set(
        "rocketmq_storage_dispatch_behind_bytes",
        "Commitlog bytes not yet dispatched to consume queues",
        &labels,
        b.store.dispatch_behind_bytes() as f64,
    )?;
    g.set(
        "rocketmq_storage_flush_behind_bytes",
        "Commitlog bytes not yet flushed to disk",
        &labels,
        max.saturating_sub(b.store.flushed_offset()) as f64,
    )?;
    let dir = match b.dledger.get() {
        Some(_) => b.cfg.dledger_data_dir().unwrap_or_else(|| b.cfg.commit_log_dir()),
        None => b.cfg.commit_log_dir(),
    };
    if let Some(ratio) = crate::store::disk_usage_ratio(&dir) {
        g.set(
            "rocketmq_storage_disk_used_ratio",
            "Used share of the disk holding the commitlog (0 to 1)",
            &labels,
            ratio,
        )?;
    }
    Ok(())
}

fn dledger(d: &super::dledger::Dledger, g: &mut Gauges) -> Result<(), MetricsError> {
    let m = d.node.metrics().borrow().clone();
    let role = format!("{:?}", m.state);
    g.set(
        "rocketmq_dledger_role",
        "1 for this node's Raft role (Leader, Follower, Candidate, Learner)",
        &[("role", &role)],
        1.0,
    )?;
    g.set(
        "rocketmq_dledger_term",
        "The node's current Raft term",
        &[],
        m.current_term as f64,
    )?;
    g.set(
        "rocketmq_dledger_leader_id",
        "The leader's node id as this node knows it (-1: none)",
        &[],
        m.current_leader.map_or(-1.0, |l| l as f64),
    )?;
    let index = |i: Option<u64>| i.map_or(-1.0, |i| i as f64);
    g.set(
        "rocketmq_dledger_last_log_index",
        "The last index in this node's log (-1: empty)",
        &[],
        index(m.last_log_index),
    )?;
    g.set(
        "rocketmq_dledger_committed_index",
        "The last committed index this node knows (-1: none)",
        &[],
        index(d.node.log().committed().map(|l| l.index)),
    )?;
    g.set(
        "rocketmq_dledger_applied_index",
        "The last index applied to this node's store (-1: none)",
        &[],
        index(m.last_applied.map(|l| l.index)),
    )?;
    if let Some(r) = m.replication.as_ref() {
        for (peer, matched) in r.iter().filter(|(id, _)| **id != m.id) {
            let lag = match (m.last_log_index, matched.map(|l| l.index)) {
                (Some(l), Some(mi)) => l.saturating_sub(mi),
                (Some(l), None) => l + 1,
                _ => 0,
            };
            g.set(
                "rocketmq_dledger_replication_lag_entries",
                "Entries the leader has that a peer has not acknowledged (leader only)",
                &[("peer", &format!("n{peer}"))],
                lag as f64,
            )?;
        }
    }
    Ok(())
}
