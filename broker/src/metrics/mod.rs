//! Prometheus metrics (`metricsExporterType=PROM`): the HTTP exporter both servers use and the
//! counters kept on the request paths.
//!
//! Why it is split this way: the counters that must be counted as things happen (messages in and
//! out, request latency) are atomics updated at most once per request, in
//! [`broker_counters::BrokerCounters`] and [`rpc::RpcLatency`]; everything else (consumer lag,
//! disk, the DLedger group's state) is read at scrape time by the server that owns the state
//! (`broker/metrics.rs`, `namesrv/metrics.rs`) into a [`Gauges`] set built for that one scrape.
//! This module knows neither the broker nor the name server, so both can use it.
//!
//! Names and labels follow Java RocketMQ 5 (`rocketmq_*`, common labels `cluster`, `node_type`,
//! `node_id`) where a metric exists there; ours are named `rocketmq_dledger_*` and
//! `rocketmq_namesrv_*`.

pub mod broker_counters;
pub mod rpc;

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use prometheus::core::Collector;
use prometheus::proto::MetricFamily;
use prometheus::{GaugeVec, Opts, TextEncoder};

/// Java's `LABEL_CLUSTER_NAME`.
pub const LABEL_CLUSTER: &str = "cluster";
/// Java's `LABEL_NODE_TYPE`.
pub const LABEL_NODE_TYPE: &str = "node_type";
/// Java's `LABEL_NODE_ID` (the broker name on a broker).
pub const LABEL_NODE_ID: &str = "node_id";
/// Java's `LABEL_TOPIC`.
pub const LABEL_TOPIC: &str = "topic";
/// Java's `LABEL_CONSUMER_GROUP`.
pub const LABEL_CONSUMER_GROUP: &str = "consumer_group";
/// Java's `LABEL_IS_SYSTEM`.
pub const LABEL_IS_SYSTEM: &str = "is_system";
/// Java's `LABEL_IS_RETRY`.
pub const LABEL_IS_RETRY: &str = "is_retry";
/// Java's `LABEL_MESSAGE_TYPE`.
pub const LABEL_MESSAGE_TYPE: &str = "message_type";
/// Java's `LABEL_PROCESSOR`.
pub const LABEL_PROCESSOR: &str = "processor";

/// Why a metric could not be registered or encoded (a programming error in a name or label set,
/// reported instead of panicking).
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    /// The prometheus crate refused a metric or an encoding.
    #[error("metrics: {0}")]
    Prometheus(#[from] prometheus::Error),
}

/// The labels every series of one server carries: Java's `cluster`, `node_type` and `node_id`.
#[derive(Debug, Clone)]
pub struct CommonLabels(pub HashMap<String, String>);

impl CommonLabels {
    /// The common labels of a node.
    pub fn new(cluster: &str, node_type: &str, node_id: &str) -> Self {
        let mut m = HashMap::new();
        m.insert(LABEL_CLUSTER.to_owned(), cluster.to_owned());
        m.insert(LABEL_NODE_TYPE.to_owned(), node_type.to_owned());
        m.insert(LABEL_NODE_ID.to_owned(), node_id.to_owned());
        Self(m)
    }
}

/// Gauges filled at scrape time: one family per name, made on first use.
#[derive(Debug)]
pub struct Gauges {
    common: CommonLabels,
    families: Vec<(String, GaugeVec)>,
}

impl Gauges {
    /// An empty set whose series all carry `common`.
    pub fn new(common: &CommonLabels) -> Self {
        Self {
            common: common.clone(),
            families: Vec::new(),
        }
    }

    /// Sets the series `name{labels}` to `value` (creating the family with `help` on first use;
    /// a family's label names are those of its first series).
    ///
    /// # Errors
    /// A name or label set the prometheus crate refuses.
    pub fn set(
        &mut self,
        name: &str,
        help: &str,
        labels: &[(&str, &str)],
        value: f64,
    ) -> Result<(), MetricsError> {
        let idx = match self.families.iter().position(|(n, _)| n == name) {
            Some(i) => i,
            None => {
                let names: Vec<&str> = labels.iter().map(|(k, _)| *k).collect();
                let opts = Opts::new(name, help).const_labels(self.common.0.clone());
                self.families
                    .push((name.to_owned(), GaugeVec::new(opts, &names)?));
                self.families.len() - 1
            }
        };
        let values: Vec<&str> = labels.iter().map(|(_, v)| *v).collect();
        self.families[idx]
            .1
            .get_metric_with_label_values(&values)?
            .set(value);
        Ok(())
    }

    /// The families collected so far.
    pub fn collect(&self) -> Vec<MetricFamily> {
        self.families.iter().flat_map(|(_, g)| g.collect()).collect()
    }
}

/// Encodes families in the Prometheus text format (0.0.4).
///
/// # Errors
/// An invalid family (a programming error).
pub fn encode(families: &[MetricFamily]) -> Result<String, MetricsError> {
    // A vector with no series yet (no request seen) is left out: the encoder refuses it.
    let families: Vec<MetricFamily> = families
        .iter()
        .filter(|f| !f.get_metric().is_empty())
        .cloned()
        .collect();
    let mut out = String::new();
    TextEncoder::new().encode_utf8(&families, &mut out)?;
    Ok(out)
}

/// What the exporter calls on each scrape: the whole text page, or an error.
pub type Render = Arc<dyn Fn() -> Result<String, MetricsError> + Send + Sync>;

/// Serves `GET /metrics` on `listener` until `shutdown` completes; any other path answers 404.
/// `render` runs on a blocking thread: a scrape walks offsets and files and must not hold a
/// runtime worker that is serving sends.
pub async fn serve(
    listener: tokio::net::TcpListener,
    render: Render,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    use axum::http::{header, StatusCode};
    use axum::response::IntoResponse;
    let app = axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let render = render.clone();
            async move {
                match tokio::task::spawn_blocking(move || render()).await {
                    Ok(Ok(text)) => (
                        StatusCode::OK,
                        [(header::CONTENT_TYPE, prometheus::TEXT_FORMAT)],
                        text,
                    )
                        .into_response(),
                    Ok(Err(e)) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
                    Err(e) => {
                        (StatusCode::INTERNAL_SERVER_ERROR, format!("scrape failed: {e}")).into_response()
                    }
                }
            }
        }),
    );
    if let Err(e) = axum::serve(listener, app).with_graceful_shutdown(shutdown).await {
        tracing::warn!("metrics exporter stopped: {e}");
    }
}

/// Binds the exporter's address (`host:port`, port 0 picks one).
///
/// # Errors
/// The address cannot be bound.
pub async fn bind(host: &str, port: u16) -> std::io::Result<tokio::net::TcpListener> {
    let host = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_owned()
    };
    tokio::net::TcpListener::bind(format!("{host}:{port}")).await
}
