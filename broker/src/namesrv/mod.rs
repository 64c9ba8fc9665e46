//! The name server (`mqnamesrv`): brokers register their addresses and topics here, clients and
//! `mqadmin` ask it for routes and for the cluster view.

pub mod metrics;
pub mod processor;
pub mod route_info;

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::net::TcpListener;

use crate::remoting::server::{self, ServerConfig};
pub use processor::NamesrvProcessor;

/// Run-time options of the name server.
#[derive(Debug, Clone)]
pub struct NamesrvOptions {
    /// Brokers silent for longer are removed (Java `BROKER_CHANNEL_EXPIRED_TIME`). Default: 120 s.
    pub broker_expired: Duration,
    /// How often silent brokers are looked for. Default: 10 s.
    pub scan_interval: Duration,
    /// Frame and connection limits.
    pub server: ServerConfig,
}

impl Default for NamesrvOptions {
    fn default() -> Self {
        Self {
            broker_expired: Duration::from_secs(120),
            scan_interval: Duration::from_secs(10),
            server: ServerConfig::default(),
        }
    }
}

/// Serves the name server protocol on `listener` until `shutdown` completes.
pub async fn run(listener: TcpListener, options: NamesrvOptions, shutdown: impl Future<Output = ()>) {
    run_with_metrics(listener, None, options, shutdown).await;
}

/// [`run`], and with `metrics` (an already bound listener, `metricsExporterType=PROM`) the
/// Prometheus exporter ([`metrics`]) on it.
pub async fn run_with_metrics(
    listener: TcpListener,
    metrics: Option<TcpListener>,
    options: NamesrvOptions,
    shutdown: impl Future<Output = ()>,
) {
    let mut processor = NamesrvProcessor::default();
    let mut exporter = None;
    if let Some(m) = metrics {
        let node_id = listener.local_addr().map(|a| a.to_string()).unwrap_or_default();
        let common = metrics::common_labels(&node_id);
        match crate::metrics::rpc::RpcLatency::new(&common) {
            Ok(rpc) => {
                processor.rpc = Some(rpc.clone());
                let routes = processor.routes.clone();
                let render: crate::metrics::Render =
                    Arc::new(move || metrics::render(&common, &rpc, &routes));
                exporter = Some(tokio::spawn(crate::metrics::serve(
                    m,
                    render,
                    std::future::pending(),
                )));
            }
            Err(e) => tracing::error!("metrics exporter not started: {e}"),
        }
    }
    let processor = Arc::new(processor);
    let routes = processor.routes.clone();
    let (expiry, interval) = (options.broker_expired, options.scan_interval);
    let scanner = tokio::spawn(async move {
        let mut tick = tokio::time::interval(interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let dead = routes
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .expire(Instant::now(), expiry);
            for addr in dead {
                tracing::warn!(%addr, "broker expired: no registration for {} s", expiry.as_secs());
            }
        }
    });
    server::run(listener, processor, options.server, shutdown).await;
    scanner.abort();
    if let Some(e) = exporter {
        e.abort();
    }
}
