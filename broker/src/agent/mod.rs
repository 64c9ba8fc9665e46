//! `mqagent`, the node agent: a small HTTP service that runs on each machine of a broker group and
//! offers `mqadmin` exactly what a migration needs from a node it cannot reach through the file
//! system: the inventory of a store, md5 of file ranges computed where the file is, ranged and
//! resumable download and upload, the broker config file (read, replace, back up, restore), and
//! start/stop/status of the broker processes of the registered configs.
//!
//! It is meant to be safe to leave running: it binds to loopback unless told otherwise (the
//! binary's `--allow-remote`), it serves TLS when given a certificate ([`tls`]), every request must carry `Authorization: Bearer <token>` (compared
//! in constant time), every path is confined to the `--root` directories ([`paths`]), and it runs
//! no program but the configured start/stop commands ([`procs`]). Refusals are answered 401/403
//! and logged with the peer's address.
//!
//! The endpoints are listed in [`api`]; [`routes`] implements them; [`client`] builds the HTTP
//! client that talks to an agent (used by `mqadmin` and by an agent pulling from another), with
//! the trust settings of [`tls`].

pub mod api;
pub mod client;
pub mod paths;
pub mod procs;
mod routes;
pub mod tls;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use md5::{Digest as _, Md5};

/// Default listen address: loopback only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:10990";

/// One broker the agent manages.
#[derive(Debug, Clone)]
pub struct BrokerEntry {
    /// Its config file (must lie under a root); its store paths come from it at each request.
    pub config: PathBuf,
    /// For an Apache RocketMQ broker: the command line that starts it (program and arguments,
    /// run without a shell). Default: none, `<mqbroker> -c <config>` is run.
    pub start_cmd: Option<Vec<String>>,
    /// For an Apache RocketMQ broker: the command line that stops it. Default: none, our
    /// `mqbroker` naming the config is sent SIGTERM (SIGKILL after the timeout).
    pub stop_cmd: Option<Vec<String>>,
}

/// What the agent serves.
#[derive(Debug, Clone)]
pub struct AgentOptions {
    /// The bearer token every request must carry. Must not be empty.
    pub token: String,
    /// Directories every path must stay under (store roots, config directories).
    pub roots: Vec<PathBuf>,
    /// The brokers, by the name requests use.
    pub brokers: BTreeMap<String, BrokerEntry>,
    /// The `mqbroker` binary started for our brokers. Default (binary): next to `mqagent`.
    pub mqbroker: PathBuf,
    /// Serve HTTPS with this configuration ([`tls::server_config`]); `None`: plain HTTP.
    pub tls: Option<Arc<rustls::ServerConfig>>,
}

/// Why the agent cannot start.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// No token, or an empty one.
    #[error("the token is empty; give one with --token-file or MQADMIN_AGENT_TOKEN")]
    EmptyToken,
    /// No root directory.
    #[error("no --root directory: the agent would serve nothing")]
    NoRoots,
    /// A root directory does not exist.
    #[error("the root `{}` cannot be resolved", path.display())]
    Root {
        /// The root.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A broker's config file is not under a root.
    #[error("the config `{}` of broker `{name}` is not under a --root: {source}", config.display())]
    ConfigOutside {
        /// The broker.
        name: String,
        /// Its config.
        config: PathBuf,
        /// Why.
        source: paths::PathError,
    },
    /// Serving failed.
    #[error("the HTTP server failed")]
    Serve(#[source] std::io::Error),
}

/// The agent's shared state.
pub(crate) struct Agent {
    token_md5: [u8; 16],
    roots: Vec<PathBuf>,
    brokers: BTreeMap<String, BrokerEntry>,
    mqbroker: PathBuf,
}

impl Agent {
    fn new(options: AgentOptions) -> Result<Self, AgentError> {
        if options.token.trim().is_empty() {
            return Err(AgentError::EmptyToken);
        }
        if options.roots.is_empty() {
            return Err(AgentError::NoRoots);
        }
        let roots = options
            .roots
            .iter()
            .map(|r| {
                std::fs::canonicalize(r).map_err(|source| AgentError::Root {
                    path: r.clone(),
                    source,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut brokers = BTreeMap::new();
        for (name, mut entry) in options.brokers {
            let absolute = std::path::absolute(&entry.config).unwrap_or_else(|_| entry.config.clone());
            paths::check_under_roots(&roots, &absolute).map_err(|source| AgentError::ConfigOutside {
                name: name.clone(),
                config: entry.config.clone(),
                source,
            })?;
            entry.config = absolute;
            brokers.insert(name, entry);
        }
        Ok(Self {
            token_md5: Md5::digest(options.token.trim().as_bytes()).into(),
            roots,
            brokers,
            mqbroker: options.mqbroker,
        })
    }

    /// Compares a presented token with ours in constant time: both are hashed first, so neither
    /// the content nor the length of ours shows in the timing.
    fn token_matches(&self, presented: &str) -> bool {
        let got: [u8; 16] = Md5::digest(presented.as_bytes()).into();
        constant_time_eq(&got, &self.token_md5)
    }

    fn roots(&self) -> &[PathBuf] {
        &self.roots
    }

    fn mqbroker(&self) -> &Path {
        &self.mqbroker
    }
}

/// `a == b` in time that depends only on the lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Serves the agent on `listener` until `shutdown` completes.
///
/// # Errors
/// [`AgentError`] for bad options (empty token, a missing root, a config outside the roots) or
/// a failing server.
pub async fn run(
    listener: tokio::net::TcpListener,
    options: AgentOptions,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), AgentError> {
    let tls = options.tls.clone();
    let agent = Arc::new(Agent::new(options)?);
    let app = routes::router(agent).into_make_service_with_connect_info::<SocketAddr>();
    match tls {
        None => axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await
            .map_err(AgentError::Serve),
        Some(config) => {
            // `tap_io` (doing nothing) gives the TLS listener axum's peer-address connect info.
            let listener = axum::serve::ListenerExt::tap_io(
                tls::TlsListener::new(listener, config).map_err(AgentError::Serve)?,
                |_| {},
            );
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
                .map_err(AgentError::Serve)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_eq_compares_bytes() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
