//! The agent's HTTP handlers (listed in [`super::api`]): a guard that checks the token and logs
//! refusals, then one handler per endpoint. File work runs in `spawn_blocking` or on tokio's
//! async files; data is streamed, never buffered whole.
//!
//! This module holds what every endpoint shares: the router, the token guard, the answer to an
//! unknown endpoint, the error answer, and the resolution of a broker name to its store paths
//! (checked against the roots at each request). The handlers live by what they touch, so that
//! the rules of each kind of access sit together: [`files`] the store's files, [`config`] the
//! broker config file and its backups, [`acl`] the broker's plain_acl.yml, [`process`] the broker process and the port probe, [`pull`] a copy fetched from another agent.

mod acl;
mod config;
mod files;
mod process;
mod pull;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

use super::api::{self, Area};
use super::paths::{self, PathError};
use super::{Agent, BrokerEntry};
use crate::config::BrokerConfig;
use crate::store::format::LOCK_FILE;
use crate::store::probe;

type Shared = State<Arc<Agent>>;

/// An error answer: a status and a message (as [`api::ErrorBody`]).
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    fn io(what: &str, path: &Path, e: &std::io::Error) -> Self {
        let status = if e.kind() == std::io::ErrorKind::NotFound {
            StatusCode::NOT_FOUND
        } else {
            StatusCode::INTERNAL_SERVER_ERROR
        };
        Self::new(status, format!("failed to {what} `{}`: {e}", path.display()))
    }
}

impl From<PathError> for ApiError {
    fn from(e: PathError) -> Self {
        Self::new(StatusCode::FORBIDDEN, e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(api::ErrorBody { error: self.message })).into_response()
    }
}

type Result<T, E = ApiError> = std::result::Result<T, E>;

pub(crate) fn router(agent: Arc<Agent>) -> Router {
    Router::new()
        .route("/v1/brokers/{b}", get(process::info))
        .route("/v1/brokers/{b}/tree", get(files::tree))
        .route("/v1/brokers/{b}/stat", get(files::stat))
        .route("/v1/brokers/{b}/md5", get(files::md5))
        .route(
            "/v1/brokers/{b}/file",
            get(files::download).put(files::upload).delete(files::remove),
        )
        .route("/v1/brokers/{b}/finish", post(files::finish))
        .route("/v1/brokers/{b}/rename", post(files::rename))
        .route("/v1/brokers/{b}/pull", post(pull::pull))
        .route(
            "/v1/brokers/{b}/config",
            get(config::read_config).put(config::write_config),
        )
        .route("/v1/brokers/{b}/config/backup", post(config::backup_config))
        .route("/v1/brokers/{b}/acl", get(acl::read_acl).put(acl::write_acl))
        .route("/v1/brokers/{b}/config/restore", post(config::restore_config))
        .route("/v1/brokers/{b}/process", get(process::process))
        .route("/v1/brokers/{b}/start", post(process::start))
        .route("/v1/brokers/{b}/stop", post(process::stop))
        .route("/v1/ports/{port}", get(process::port))
        .fallback(unknown)
        .layer(middleware::from_fn_with_state(agent.clone(), guard))
        .with_state(agent)
}

/// Refuses requests without the right bearer token (401) and logs every refusal with the peer.
async fn guard(
    State(agent): Shared,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
    next: Next,
) -> Response {
    let ok = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| agent.token_matches(t.trim()));
    let (method, uri) = (req.method().clone(), req.uri().clone());
    if !ok {
        tracing::warn!(%peer, %method, %uri, "refused: missing or wrong token");
        return ApiError::new(StatusCode::UNAUTHORIZED, "missing or wrong token").into_response();
    }
    let resp = next.run(req).await;
    match resp.status() {
        StatusCode::FORBIDDEN => {
            tracing::warn!(%peer, %method, %uri, "refused: path outside the agent's roots")
        }
        StatusCode::BAD_REQUEST => tracing::warn!(%peer, %method, %uri, "refused: bad request"),
        _ => tracing::debug!(%peer, %method, %uri, status = %resp.status(), "served"),
    }
    resp
}

async fn unknown(ConnectInfo(peer): ConnectInfo<SocketAddr>, method: Method, uri: Uri) -> ApiError {
    tracing::warn!(
        %peer, %method, %uri,
        "refused: no such endpoint (the agent runs only the configured start/stop commands)"
    );
    ApiError::new(
        StatusCode::NOT_FOUND,
        format!("no endpoint {method} {}", uri.path()),
    )
}

/// A registered broker with its store paths as its config says now (checked against the roots:
/// a rewritten config cannot move the store out of them).
struct Resolved<'a> {
    name: String,
    entry: &'a BrokerEntry,
    store_root: PathBuf,
    commitlog_dir: PathBuf,
}

impl Resolved<'_> {
    fn base(&self, area: Area) -> &Path {
        match area {
            Area::CommitLog => &self.commitlog_dir,
            Area::Root => &self.store_root,
        }
    }

    fn lock_file(&self) -> PathBuf {
        self.store_root.join(LOCK_FILE)
    }

    fn locked(&self) -> Result<bool> {
        let lock = self.lock_file();
        probe::lock_file_held(&lock).map_err(|e| ApiError::io("probe the lock", &lock, &e))
    }

    fn foreign(&self) -> bool {
        self.entry.start_cmd.is_some() || self.entry.stop_cmd.is_some()
    }
}

/// The registered broker `name`, without loading its config: the config endpoints use this, so
/// they answer for a config that does not load.
fn entry<'a>(agent: &'a Agent, name: &str) -> Result<&'a BrokerEntry> {
    agent
        .brokers
        .get(name)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("no broker `{name}` on this agent")))
}

/// The registered broker `name` and its config, which must lie under a root and load.
fn entry_and_config<'a>(agent: &'a Agent, name: &str) -> Result<(&'a BrokerEntry, BrokerConfig)> {
    let entry = entry(agent, name)?;
    paths::check_under_roots(agent.roots(), &entry.config)?;
    let (config, _) = BrokerConfig::from_properties_file(&entry.config).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("the config of `{name}` does not load: {e}"),
        )
    })?;
    Ok((entry, config))
}

fn resolve<'a>(agent: &'a Agent, name: &str) -> Result<Resolved<'a>> {
    let (entry, config) = entry_and_config(agent, name)?;
    let store_root = PathBuf::from(&config.store_path_root_dir);
    let commitlog_dir = config.commit_log_dir();
    paths::check_under_roots(agent.roots(), &store_root)?;
    paths::check_under_roots(agent.roots(), &commitlog_dir)?;
    Ok(Resolved {
        name: name.to_owned(),
        entry,
        store_root,
        commitlog_dir,
    })
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, format!("worker failed: {e}")))?
}
