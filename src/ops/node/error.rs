//! [`NodeError`]: why a node could not be opened, read or written. One error type for every
//! node, local or behind an agent, so that `verify-commitlog`, `upgrade-group` and the process
//! control report a failed store access the same way.

use std::path::{Path, PathBuf};

use broker::config::ConfigError;

/// A node operation failed (as opposed to finding a difference, which callers report).
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// A file or directory could not be read.
    #[error("failed to {action} `{}`", path.display())]
    Io {
        /// What we were doing (`open`, `read`, `list`, …).
        action: &'static str,
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A node's broker config could not be loaded.
    #[error("cannot load the broker config of the {role} node")]
    Config {
        /// `master`, `slave` or `third`.
        role: String,
        /// The underlying error.
        #[source]
        source: ConfigError,
    },
    /// A node agent refused or failed a request (or could not be reached).
    #[error("node `{node}`: {what} failed: {message}")]
    Agent {
        /// The node as the operator named it (`agent://host:port/broker`).
        node: String,
        /// The request (`md5 of commit_log/00000000000000000000`, …).
        what: String,
        /// The agent's answer or the transport error.
        message: String,
    },
}

/// Maps an I/O error on `path` to [`NodeError::Io`] with `action`.
pub(super) fn io_err(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> NodeError {
    let path = path.to_owned();
    move |source| NodeError::Io { action, path, source }
}
