//! RocketMQ-compatible servers in Rust: the remoting protocol, the name server, the broker with its
//! Apache-RocketMQ-compatible store, and the DLedger-mode commitlog replicated with openraft.
//!
//! The binaries `mqnamesrv` and `mqbroker` are thin wrappers over this library; `mqadmin` uses the
//! remoting client and the on-disk format definitions from here so that there is one implementation
//! of each wire and disk format.
//!
//! Where things are, top down (each module only imports the ones below it):
//! - [`broker`]: the broker. `broker/mod.rs` holds its state and `open`, `run.rs` serves it,
//!   `processor/` answers each request code, `put.rs` is the write path (typed `PutError`),
//!   `dledger.rs` and `ha.rs` the two ways a commitlog is replicated.
//! - [`namesrv`]: the name server. [`agent`]: the node agent `mqagent` (HTTP) for remote upgrades.
//! - [`raft`]: the DLedger-mode Raft group on openraft: `log_store/` (DLedger's data and index
//!   files), `state_machine.rs`, `network.rs` and `rpc_server.rs`, `batch.rs`.
//! - [`store`]: the classic store, byte-compatible with Java's; every on-disk fact is a constant
//!   in `store/format.rs`.
//! - [`remoting`]: the wire: `frame.rs` (codec), `command.rs`, `custom_header.rs` and
//!   `headers.rs` (typed `extFields`), `body.rs` (JSON bodies), `server.rs`, `client.rs`.
//! - [`metrics`]: the Prometheus exporter and the hot-path counters (`metricsExporterType=PROM`).
//! - [`config`] (Java properties into typed config), [`properties`], [`json`], [`durable`]
//!   (safe file replacement), [`signal`].

pub mod agent;
pub mod broker;
pub mod config;
pub mod durable;
pub mod json;
pub mod metrics;
pub mod namesrv;
pub mod properties;
pub mod raft;
pub mod remoting;
pub mod signal;
pub mod store;

/// Binds the broker's ports, opens its store, prints the Java boot line and serves until
/// `shutdown` completes.
///
/// # Errors
/// A port that cannot be bound, a store that cannot be opened (or is locked by another broker),
/// an unusable `dLegerPeerTokenFile`.
#[allow(clippy::print_stdout)]
pub async fn run_broker(
    cfg: config::BrokerConfig,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), broker::BrokerError> {
    // A DLedger peer token file the Raft node would refuse stops the broker before it binds
    // anything or says "boot success" (the node itself is built later, once the store is open).
    if let (true, Some(path)) = (cfg.enable_dleger_commit_log, &cfg.dleger_peer_token_file) {
        raft::peer_auth::PeerToken::load(std::path::Path::new(path))
            .map_err(|e| broker::BrokerError::Config(e.to_string()))?;
    }
    let listen = format!("{}:{}", cfg.bind_address, cfg.listen_port);
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .map_err(|e| broker::BrokerError::Config(format!("cannot listen on {listen}: {e}")))?;
    let ha_listener = if cfg.broker_role != config::BrokerRole::Slave && !cfg.enable_dleger_commit_log {
        let ha = format!(
            "{}:{}",
            cfg.bind_address,
            if cfg.listen_port == 0 {
                0
            } else {
                cfg.ha_listen_port
            }
        );
        Some(
            tokio::net::TcpListener::bind(&ha)
                .await
                .map_err(|e| broker::BrokerError::Config(format!("cannot listen on HA port {ha}: {e}")))?,
        )
    } else {
        None
    };
    let local = listener.local_addr()?;
    let ha_local = match &ha_listener {
        Some(l) => Some(l.local_addr()?),
        None => None,
    };
    // The DLedger peer port is bound here too, on bindAddress (the Raft node would bind 0.0.0.0).
    let raft_listener = match cfg.self_peer().filter(|_| cfg.enable_dleger_commit_log) {
        Some(peer) => {
            let port = peer.addr.rsplit_once(':').map_or("", |(_, p)| p);
            let bind = format!("{}:{port}", cfg.bind_address);
            Some(std::net::TcpListener::bind(&bind).map_err(|e| {
                broker::BrokerError::Config(format!("cannot listen on DLedger peer port {bind}: {e}"))
            })?)
        }
        None => None,
    };
    let broker = broker::open(cfg, local, ha_local)?;
    if let Some(l) = raft_listener {
        *broker.raft_listener.lock().unwrap_or_else(|p| p.into_inner()) = Some(l);
    }
    println!(
        "The broker[{}, {}] boot success. serializeType=JSON and name server is {}",
        broker.cfg.broker_name,
        broker.addr(),
        broker.cfg.namesrv_addr.clone().unwrap_or_default()
    );
    use std::io::Write;
    let _ = std::io::stdout().flush();
    broker::run(broker, listener, ha_listener, shutdown).await
}
