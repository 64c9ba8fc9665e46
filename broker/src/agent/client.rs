//! The one place an HTTP client for talking to a node agent is built: `mqadmin`'s remote nodes
//! use it, and so does an agent pulling a file from another agent. Whatever the agents' transport
//! needs (timeouts today; certificates when the agents speak TLS) is set here once.

use std::time::Duration;

/// How long connecting to an agent may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A client for agent requests, each bounded by `timeout`.
///
/// # Errors
/// The client cannot be built (TLS backend initialisation).
pub fn http_client(timeout: Duration) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(CONNECT_TIMEOUT)
        .build()
}
