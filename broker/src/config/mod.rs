//! Typed broker and name-server configuration, read from Java-style properties files.
//!
//! Operators bring their existing `broker.conf`, `2m-2s-*` and `dledger/broker-n*.conf` files, so
//! the keys, their exact spelling (including DLedger's `dLegerGroup`) and their defaults follow
//! Apache RocketMQ 4.x. Where Java silently ignores a bad value or an unknown key, we return a
//! [`ConfigError`] or a [`ConfigWarning`] naming the file, line and key instead. The library never
//! prints: callers decide what to do with warnings.
//!
//! The flow mirrors `BrokerStartup`: load the file ([`BrokerConfig::from_properties_file`]), apply
//! command-line overrides ([`BrokerConfig::set`]), then [`BrokerConfig::validate`], which also makes
//! the adjustments Java makes at start-up (brokerId forced by role or DLedger mode, haListenPort
//! forced to listenPort + 1).
//!
//! One file per part:
//! - `error`: [`ConfigError`], [`ConfigWarning`], [`Location`] and [`Origin`];
//! - `fields`: the properties-to-struct machinery (`config_struct!`, value parsing, the loader);
//! - `broker`: [`BrokerConfig`], [`BrokerRole`] and the broker's validation;
//! - `namesrv`: [`NamesrvConfig`];
//! - `peers`: `dLegerPeers`, self ids and name-server lists;
//! - `security`: keys that turn on security features we do not serve (they stop the server);
//! - `defaults`: defaults read from the environment and the host, and shared default constants.
//!
//! [`FlushDiskType`] is the store's enum, re-exported here because `flushDiskType` is a broker key.
//! The properties text format itself is [`crate::properties`].

mod broker;
mod defaults;
mod error;
mod fields;
mod metrics;
mod namesrv;
mod peers;
mod security;
#[cfg(test)]
mod tests;

/// When the commit log is flushed to disk (`flushDiskType`): the store's own type, so that the
/// broker config and the store agree on one enum and the store needs no broker config.
pub use crate::store::FlushDiskType;
pub use broker::{BrokerConfig, BrokerRole};
pub use defaults::{
    local_host_name, local_ipv4, DEFAULT_DLEDGER_ELECTION_TIMEOUT_MAX_MS,
    DEFAULT_DLEDGER_ELECTION_TIMEOUT_MIN_MS, DEFAULT_DLEDGER_HEARTBEAT_INTERVAL_MS, DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_FRAME_BYTES, DEFAULT_MAX_REQUESTS_IN_FLIGHT_PER_CONNECTION,
    DEFAULT_SERVER_CHANNEL_MAX_IDLE_TIME_SECONDS,
};
pub use error::{ConfigError, ConfigWarning, Location, Origin};
pub use metrics::{MetricsExporterType, DEFAULT_BROKER_PROM_PORT, DEFAULT_NAMESRV_PROM_PORT};
pub use namesrv::NamesrvConfig;
pub use peers::{dledger_broker_id, parse_peers, split_namesrv_addr, Peer};
