//! The one place an HTTP client for talking to a node agent is built: `mqadmin`'s remote nodes
//! use it, and so does an agent pulling a file from another agent. Whatever the agents' transport
//! needs (timeouts; the TLS trust of [`AgentTrust`]) is set here once.

use std::time::Duration;

use super::tls::{AgentTrust, TlsError};

/// How long connecting to an agent may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Why no client could be built.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The trust settings do not make a TLS configuration.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// The HTTP client cannot be built.
    #[error("cannot build the HTTP client: {0}")]
    Http(#[from] reqwest::Error),
}

/// A client for agent requests, each bounded by `timeout`, verifying agents by `trust` (with
/// [`AgentTrust::Plain`] it can only speak plain HTTP: an `https://` URL fails to connect).
///
/// # Errors
/// [`ClientError`]: bad trust settings, or the client cannot be built.
pub fn http_client(timeout: Duration, trust: &AgentTrust) -> Result<reqwest::Client, ClientError> {
    let mut builder = reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(CONNECT_TIMEOUT);
    if let Some(config) = trust.client_config()? {
        builder = builder.use_preconfigured_tls(config).https_only(true);
    }
    Ok(builder.build()?)
}
