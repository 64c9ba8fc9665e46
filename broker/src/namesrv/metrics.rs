//! The name server's Prometheus exporter (ours: Java 5's name server has none), enabled by the
//! broker's key names in the name server's config (`metricsExporterType=PROM`,
//! `metricsPromExporterHost`, `metricsPromExporterPort`, default 5558). A scrape answers
//! `rocketmq_rpc_latency` (counted per request by the processor), and reads from the route
//! tables `rocketmq_namesrv_brokers` (registered broker addresses, by cluster) and
//! `rocketmq_namesrv_topics`.

use std::sync::{Arc, Mutex};

use crate::metrics::rpc::RpcLatency;
use crate::metrics::{self, CommonLabels, Gauges, MetricsError, LABEL_CLUSTER};

use super::route_info::RouteInfo;

/// The common labels of a name server: `node_type="nameserver"` and its address as `node_id`.
pub fn common_labels(node_id: &str) -> CommonLabels {
    let mut c = CommonLabels::new("", "nameserver", node_id);
    c.0.remove(LABEL_CLUSTER);
    c
}

/// One scrape's page.
///
/// # Errors
/// An invalid metric (a programming error).
pub fn render(
    common: &CommonLabels,
    rpc: &RpcLatency,
    routes: &Arc<Mutex<RouteInfo>>,
) -> Result<String, MetricsError> {
    let (clusters, topics) = {
        let r = routes.lock().unwrap_or_else(|p| p.into_inner());
        (r.cluster_info(), r.topic_list().topic_list.len())
    };
    let mut g = Gauges::new(common);
    let mut per_cluster: std::collections::BTreeMap<String, usize> = clusters
        .cluster_addr_table
        .keys()
        .map(|c| (c.clone(), 0))
        .collect();
    for bd in clusters.broker_addr_table.values() {
        *per_cluster.entry(bd.cluster.clone()).or_default() += bd.broker_addrs.len();
    }
    for (cluster, n) in per_cluster {
        g.set(
            "rocketmq_namesrv_brokers",
            "Broker addresses registered, by cluster",
            &[(LABEL_CLUSTER, &cluster)],
            n as f64,
        )?;
    }
    g.set(
        "rocketmq_namesrv_topics",
        "Topics with routes",
        &[],
        topics as f64,
    )?;
    let mut families = rpc.collect();
    families.extend(g.collect());
    metrics::encode(&families)
}
