//! Serving: [`run`] starts the broker's background tasks (registration, statistics, offset
//! persistence, retention, replication or the DLedger node), builds the request processor, serves
//! until shutdown (a DLedger leader first hands its leadership over), then unregisters and closes
//! the store. It is the only place that builds the
//! processor, so nothing below the processors depends on them.

use std::future::Future;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;

use crate::remoting::body::now_millis;
use crate::remoting::server::{self, ServerConfig};

use super::processor::BrokerProcessor;
use super::{dledger, ha, Broker, BrokerError};

/// Runs a broker on `listener` until `shutdown` completes: registration, periodic tasks and the
/// request server; then unregisters, persists offsets and closes the store.
///
/// # Errors
/// Start-up failures.
pub async fn run(
    broker: Arc<Broker>,
    listener: TcpListener,
    ha_listener: Option<TcpListener>,
    shutdown: impl Future<Output = ()>,
) -> Result<(), BrokerError> {
    let server_cfg = ServerConfig {
        max_frame: broker.cfg.max_frame_bytes as usize,
        max_connections: broker.cfg.max_connections as usize,
        idle_timeout: Duration::from_secs(broker.cfg.server_channel_max_idle_time_seconds),
        max_in_flight: broker.cfg.max_requests_in_flight_per_connection as usize,
        ..ServerConfig::default()
    };
    let mut tasks = tokio::task::JoinSet::new();
    // Registration: at start, every registerNameServerPeriod, and on demand.
    {
        let b = broker.clone();
        tasks.spawn(async move {
            let period = Duration::from_millis(b.cfg.register_name_server_period.clamp(10_000, 60_000));
            loop {
                // A DLedger node registers once it knows its role (Java starts it with BID -1).
                if b.broker_id.load(Ordering::Acquire) == -1 {
                    b.register_now.notified().await;
                    continue;
                }
                b.register_all().await;
                tokio::select! {
                    _ = tokio::time::sleep(period) => {}
                    _ = b.register_now.notified() => {}
                }
            }
        });
    }
    // Statistics sampling, offset persistence and expired-file deletion.
    {
        let b = broker.clone();
        tasks.spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            let mut n: u64 = 0;
            loop {
                tick.tick().await;
                n += 1;
                b.stats.tick(now_millis());
                if n % 5 == 0 {
                    if let Err(e) = b.offsets.persist_if_dirty() {
                        tracing::error!("persisting consumer offsets failed: {e}");
                    }
                }
                if n % 10 == 0 {
                    let store = b.store.clone();
                    let _ = tokio::task::spawn_blocking(move || {
                        store.clean_expired_files(std::time::SystemTime::now())
                    })
                    .await;
                }
            }
        });
    }
    tasks.spawn(super::schedule::run(broker.clone()));
    if let Some(acl) = &broker.acl {
        tasks.spawn(acl.clone().watch());
    }
    super::metrics::start(&broker, &mut tasks).await?;
    if broker.cfg.enable_dleger_commit_log {
        // Metadata reaches the followers through the Raft log (`meta`), not a config sync.
        dledger::start(&broker).await?;
    } else if broker.is_slave() {
        tasks.spawn(ha::run_slave(broker.clone()));
    } else if let Some(l) = ha_listener {
        tasks.spawn(ha::run_master(broker.clone(), l));
    }
    // Transaction check-back; it acts only while this broker is the master or leader.
    tasks.spawn(super::transaction::run_checks(broker.clone()));
    let handler = Arc::new(BrokerProcessor {
        broker: broker.clone(),
    });
    // A DLedger node that stops on a fatal error stops the broker.
    let mut raft_failure = None;
    let until = async {
        let failed = async {
            match broker.dledger.get() {
                Some(d) => d.stopped().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = shutdown => {
                // A planned stop of the DLedger leader: hand leadership over first, while this
                // server still answers (sends are refused during the hand-over, and clients
                // retry at the new leader), instead of leaving the group to wait a lease.
                if let Some(d) = broker.dledger.get() {
                    d.step_down_for_shutdown().await;
                }
            }
            e = failed => {
                tracing::error!(error = %e, "the DLedger node stopped; stopping the broker");
                raft_failure = Some(e);
            }
        }
    };
    server::run(listener, handler, server_cfg, until).await;
    tasks.abort_all();
    broker.unregister_all().await;
    if let Err(e) = broker.offsets.persist_if_dirty() {
        tracing::error!("persisting consumer offsets failed: {e}");
    }
    if let Some(d) = broker.dledger.get() {
        if let Err(e) = d.node.shutdown().await {
            tracing::warn!("DLedger node shutdown: {e}");
        }
    }
    broker.store.shutdown()?;
    match raft_failure {
        Some(e) => Err(BrokerError::RaftStopped(e)),
        None => Ok(()),
    }
}
