//! [`AnyNode`]: a NODE argument opened as a local store or as a broker behind a node agent, with
//! the process control (`shutdownBroker`, `startBroker`, `upgrade-group`'s stop and start steps)
//! done locally or through the agent accordingly.

use std::path::Path;
use std::time::Duration;

use broker::agent::tls::AgentTrust;

use super::error::NodeError;
use super::local::LocalNode;
use super::process::{self, ProcessError, ProcessReport};
use super::remote::{self, RemoteNode};
use super::store::{NodeAdmin, NodeStore};

/// A node on this machine or behind an agent.
#[derive(Debug, Clone)]
pub enum AnyNode {
    /// A broker config file (or `dir:/path`) on this machine.
    Local(LocalNode),
    /// `agent://HOST:PORT/BROKER`.
    Remote(RemoteNode),
}

impl AnyNode {
    /// Opens `spec`: `agent://…` through its agent (with `token`, verified by `trust`), anything
    /// else locally.
    ///
    /// # Errors
    /// [`NodeError::Config`] for a local config that does not load, [`NodeError::Agent`]
    /// for an agent that cannot be asked.
    pub fn open(role: &str, spec: &str, token: Option<&str>, trust: &AgentTrust) -> Result<Self, NodeError> {
        if remote::is_remote(spec) {
            RemoteNode::open(spec, token, trust).map(Self::Remote)
        } else {
            LocalNode::from_spec(role, spec).map(Self::Local)
        }
    }

    /// A boxed read-only handle, for `verify-commitlog`.
    pub fn boxed_store(&self) -> Box<dyn NodeStore> {
        match self {
            Self::Local(n) => Box::new(n.clone()),
            Self::Remote(n) => Box::new(n.clone()),
        }
    }

    /// Whether this node is behind an agent.
    pub fn is_remote(&self) -> bool {
        matches!(self, Self::Remote(_))
    }

    /// Whether the broker of this node runs (a process naming its config, or its store lock).
    ///
    /// # Errors
    /// The agent cannot be asked.
    pub async fn running(&self, config: &Path) -> Result<bool, NodeError> {
        match self {
            Self::Local(_) => Ok(!process::find_broker_pids(config).is_empty()),
            Self::Remote(n) => Ok(n.process().await?.action == "running"),
        }
    }

    /// Stops the broker (idempotent), waiting up to `grace`.
    ///
    /// # Errors
    /// [`ProcessError`].
    pub async fn stop(&self, config: &Path, grace: Duration) -> Result<ProcessReport, ProcessError> {
        match self {
            Self::Local(_) => process::stop_broker(config, grace).await,
            Self::Remote(n) => {
                let info = n.stop(grace).await?;
                Ok(ProcessReport {
                    config: config.to_path_buf(),
                    action: info.action,
                    pids: info.pids,
                    log: None,
                })
            }
        }
    }

    /// Starts the broker (`bin_dir` locates `mqbroker` for a local node; the agent knows its own).
    ///
    /// # Errors
    /// [`ProcessError`].
    pub async fn start(&self, config: &Path, bin_dir: &Path) -> Result<ProcessReport, ProcessError> {
        match self {
            Self::Local(_) => process::start_broker(config, bin_dir).await,
            Self::Remote(n) => {
                let info = n.start().await?;
                Ok(ProcessReport {
                    config: config.to_path_buf(),
                    action: info.action,
                    pids: info.pids,
                    log: info.log,
                })
            }
        }
    }
}

impl std::ops::Deref for AnyNode {
    type Target = dyn NodeAdmin;

    fn deref(&self) -> &Self::Target {
        match self {
            Self::Local(n) => n,
            Self::Remote(n) => n,
        }
    }
}
