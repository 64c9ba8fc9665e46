//! The agent's HTTP handlers (listed in [`super::api`]): a guard that checks the token and logs
//! refusals, then one handler per endpoint. File work runs in `spawn_blocking` or on tokio's
//! async files; data is streamed, never buffered whole.

use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{ConnectInfo, Path as UrlPath, Query, Request, State};
use axum::http::{header, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures::StreamExt;
use md5::{Digest as _, Md5};
use serde::Deserialize;
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

use super::api::{self, Area, BackupInfo, BrokerInfo, FileEntry, FileStat, PortInfo, ProcessInfo};
use super::paths::{self, PathError};
use super::{procs, Agent, BrokerEntry};
use crate::config::BrokerConfig;
use crate::durable;
use crate::store::format::LOCK_FILE;
use crate::store::probe;

type Shared = State<Arc<Agent>>;

/// Bytes per chunk of a streamed download.
const STREAM_CHUNK: usize = 256 * 1024;
/// Read buffer of the md5 computation.
const HASH_BUFFER: usize = 1024 * 1024;
/// Default seconds a stop waits before SIGKILL.
const DEFAULT_STOP_SECS: u64 = 60;

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
        .route("/v1/brokers/{b}", get(info))
        .route("/v1/brokers/{b}/tree", get(tree))
        .route("/v1/brokers/{b}/stat", get(stat))
        .route("/v1/brokers/{b}/md5", get(md5))
        .route("/v1/brokers/{b}/file", get(download).put(upload).delete(remove))
        .route("/v1/brokers/{b}/finish", post(finish))
        .route("/v1/brokers/{b}/rename", post(rename))
        .route("/v1/brokers/{b}/config", get(read_config).put(write_config))
        .route("/v1/brokers/{b}/config/backup", post(backup_config))
        .route("/v1/brokers/{b}/config/restore", post(restore_config))
        .route("/v1/brokers/{b}/process", get(process))
        .route("/v1/brokers/{b}/start", post(start))
        .route("/v1/brokers/{b}/stop", post(stop))
        .route("/v1/ports/{port}", get(port))
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

fn resolve<'a>(agent: &'a Agent, name: &str) -> Result<Resolved<'a>> {
    let entry = agent
        .brokers
        .get(name)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("no broker `{name}` on this agent")))?;
    paths::check_under_roots(agent.roots(), &entry.config)?;
    let (config, _) = BrokerConfig::from_properties_file(&entry.config).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("the config of `{name}` does not load: {e}"),
        )
    })?;
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

async fn info(State(agent): Shared, UrlPath(b): UrlPath<String>) -> Result<Json<BrokerInfo>> {
    let r = resolve(&agent, &b)?;
    let locked = r.locked()?;
    let free_space =
        probe::free_bytes(&r.store_root).map_err(|e| ApiError::io("statvfs", &r.store_root, &e))?;
    Ok(Json(BrokerInfo {
        name: r.name.clone(),
        config: r.entry.config.clone(),
        lock_file: r.lock_file(),
        store_root: r.store_root,
        commitlog_dir: r.commitlog_dir,
        locked,
        free_space,
    }))
}

#[derive(Debug, Deserialize)]
struct AreaPath {
    area: Area,
    #[serde(default)]
    path: String,
}

async fn tree(
    State(agent): Shared,
    UrlPath(b): UrlPath<String>,
    Query(q): Query<AreaPath>,
) -> Result<Json<Vec<FileEntry>>> {
    let r = resolve(&agent, &b)?;
    let base = r.base(q.area).to_path_buf();
    let start = paths::confine(agent.roots(), &base, &q.path, true)?;
    let list = blocking(move || {
        let mut out = Vec::new();
        if std::fs::symlink_metadata(&start).is_err() {
            return Ok(out);
        }
        // Symlinks are not followed and not listed: nothing outside the roots is reachable.
        for entry in walkdir::WalkDir::new(&start).sort_by_file_name() {
            let entry = entry.map_err(|e| {
                let path = e.path().map_or_else(|| start.clone(), Path::to_path_buf);
                ApiError::io("list", &path, &e.into())
            })?;
            if !entry.file_type().is_file() {
                continue;
            }
            let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
            let rel = entry.path().strip_prefix(&base).unwrap_or(entry.path());
            out.push(FileEntry {
                rel: rel.to_string_lossy().into_owned(),
                size,
            });
        }
        Ok(out)
    })
    .await?;
    Ok(Json(list))
}

async fn stat(
    State(agent): Shared,
    UrlPath(b): UrlPath<String>,
    Query(q): Query<AreaPath>,
) -> Result<Json<FileStat>> {
    let r = resolve(&agent, &b)?;
    let path = paths::confine(agent.roots(), r.base(q.area), &q.path, false)?;
    let meta = tokio::fs::metadata(&path)
        .await
        .map_err(|e| ApiError::io("stat", &path, &e))?;
    Ok(Json(FileStat { size: meta.len() }))
}

#[derive(Debug, Deserialize)]
struct RangeQuery {
    area: Area,
    path: String,
    #[serde(default)]
    start: u64,
    end: Option<u64>,
}

fn digest_range(path: &Path, start: u64, end: u64) -> std::io::Result<api::Digest> {
    let mut file = std::fs::File::open(path)?;
    file.seek(SeekFrom::Start(start))?;
    let mut reader = file.take(end.saturating_sub(start));
    let mut hasher = Md5::new();
    let mut buf = vec![0u8; HASH_BUFFER];
    let (mut pos, mut first_nonzero, mut data_end) = (start, None, None);
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let chunk = &buf[..n];
        hasher.update(chunk);
        if first_nonzero.is_none() {
            first_nonzero = probe::first_nonzero_index(chunk).map(|i| pos + i as u64);
        }
        if let Some(i) = probe::last_nonzero_index(chunk) {
            data_end = Some(pos + i as u64 + 1);
        }
        pos += n as u64;
    }
    Ok(api::Digest {
        md5: hex::encode(hasher.finalize()),
        len: pos - start,
        first_nonzero,
        data_end,
    })
}

async fn md5(
    State(agent): Shared,
    UrlPath(b): UrlPath<String>,
    Query(q): Query<RangeQuery>,
) -> Result<Json<api::Digest>> {
    let r = resolve(&agent, &b)?;
    let path = paths::confine(agent.roots(), r.base(q.area), &q.path, false)?;
    let end = q.end.unwrap_or(u64::MAX);
    let digest =
        blocking(move || digest_range(&path, q.start, end).map_err(|e| ApiError::io("hash", &path, &e)))
            .await?;
    Ok(Json(digest))
}

async fn download(
    State(agent): Shared,
    UrlPath(b): UrlPath<String>,
    Query(q): Query<RangeQuery>,
) -> Result<Response> {
    let r = resolve(&agent, &b)?;
    let path = paths::confine(agent.roots(), r.base(q.area), &q.path, false)?;
    let mut file = tokio::fs::File::open(&path)
        .await
        .map_err(|e| ApiError::io("open", &path, &e))?;
    let size = file
        .metadata()
        .await
        .map_err(|e| ApiError::io("stat", &path, &e))?
        .len();
    let start = q.start.min(size);
    let len = q.end.unwrap_or(u64::MAX).min(size).saturating_sub(start);
    file.seek(SeekFrom::Start(start))
        .await
        .map_err(|e| ApiError::io("seek in", &path, &e))?;
    let stream = futures::stream::unfold((file, len), |(mut file, remaining)| async move {
        if remaining == 0 {
            return None;
        }
        let want = usize::try_from(remaining).map_or(STREAM_CHUNK, |r| r.min(STREAM_CHUNK));
        let mut buf = vec![0u8; want];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((
                    Ok::<_, std::io::Error>(bytes::Bytes::from(buf)),
                    (file, remaining - n as u64),
                ))
            }
            Err(e) => Some((Err(e), (file, 0))),
        }
    });
    Ok((
        [(header::CONTENT_LENGTH, len.to_string())],
        Body::from_stream(stream),
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
struct UploadQuery {
    area: Area,
    path: String,
    #[serde(default)]
    offset: u64,
}

async fn upload(
    State(agent): Shared,
    UrlPath(b): UrlPath<String>,
    Query(q): Query<UploadQuery>,
    body: Body,
) -> Result<Json<FileStat>> {
    let r = resolve(&agent, &b)?;
    let path = paths::confine(agent.roots(), r.base(q.area), &q.path, false)?;
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(|e| ApiError::io("create directory", dir, &e))?;
    }
    let mut file = tokio::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .await
        .map_err(|e| ApiError::io("open for writing", &path, &e))?;
    file.seek(SeekFrom::Start(q.offset))
        .await
        .map_err(|e| ApiError::io("seek in", &path, &e))?;
    // Whatever arrived before a broken connection stays written: the client asks `stat` and
    // continues from there.
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, format!("upload interrupted: {e}")))?;
        file.write_all(&chunk)
            .await
            .map_err(|e| ApiError::io("write", &path, &e))?;
    }
    file.flush().await.map_err(|e| ApiError::io("write", &path, &e))?;
    let size = file
        .metadata()
        .await
        .map_err(|e| ApiError::io("stat", &path, &e))?
        .len();
    Ok(Json(FileStat { size }))
}

async fn remove(
    State(agent): Shared,
    UrlPath(b): UrlPath<String>,
    Query(q): Query<AreaPath>,
) -> Result<StatusCode> {
    let r = resolve(&agent, &b)?;
    let path = paths::confine(agent.roots(), r.base(q.area), &q.path, false)?;
    blocking(move || {
        let result = match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_dir() => std::fs::remove_dir_all(&path),
            Ok(_) => std::fs::remove_file(&path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        };
        result.map_err(|e| ApiError::io("remove", &path, &e))
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
struct FinishQuery {
    area: Area,
    path: String,
    len: u64,
}

async fn finish(
    State(agent): Shared,
    UrlPath(b): UrlPath<String>,
    Query(q): Query<FinishQuery>,
) -> Result<Json<FileStat>> {
    let r = resolve(&agent, &b)?;
    let path = paths::confine(agent.roots(), r.base(q.area), &q.path, false)?;
    blocking(move || {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| ApiError::io("create directory", dir, &e))?;
        }
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| ApiError::io("open for writing", &path, &e))?;
        file.set_len(q.len)
            .map_err(|e| ApiError::io("resize", &path, &e))?;
        file.sync_all().map_err(|e| ApiError::io("flush", &path, &e))?;
        Ok(Json(FileStat { size: q.len }))
    })
    .await
}

#[derive(Debug, Deserialize)]
struct RenameQuery {
    area: Area,
    from: String,
    to: String,
}

async fn rename(
    State(agent): Shared,
    UrlPath(b): UrlPath<String>,
    Query(q): Query<RenameQuery>,
) -> Result<StatusCode> {
    let r = resolve(&agent, &b)?;
    let from = paths::confine(agent.roots(), r.base(q.area), &q.from, false)?;
    let to = paths::confine(agent.roots(), r.base(q.area), &q.to, false)?;
    tokio::fs::rename(&from, &to)
        .await
        .map_err(|e| ApiError::io("rename", &from, &e))?;
    Ok(StatusCode::NO_CONTENT)
}

/// A backup of `config` must be `<config><suffix>` next to it, the suffix starting with `.bak`.
fn backup_path(agent: &Agent, config: &Path, backup: &str) -> Result<PathBuf> {
    let name = config
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let given = Path::new(backup);
    let suffix = given
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .and_then(|n| n.strip_prefix(&name).map(str::to_owned))
        .unwrap_or_default();
    let path = config.with_file_name(format!("{name}{suffix}"));
    if !suffix.starts_with(".bak")
        || (given.is_absolute() && given != path)
        || given.components().count() > 1 && !given.is_absolute()
    {
        return Err(PathError::Outside(given.to_path_buf()).into());
    }
    paths::check_under_roots(agent.roots(), &path)?;
    Ok(path)
}

#[derive(Debug, Deserialize)]
struct BackupQuery {
    backup: Option<String>,
}

async fn read_config(
    State(agent): Shared,
    UrlPath(b): UrlPath<String>,
    Query(q): Query<BackupQuery>,
) -> Result<String> {
    let entry = agent
        .brokers
        .get(&b)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("no broker `{b}` on this agent")))?;
    let path = match &q.backup {
        Some(backup) => backup_path(&agent, &entry.config, backup)?,
        None => entry.config.clone(),
    };
    paths::check_under_roots(agent.roots(), &path)?;
    tokio::fs::read_to_string(&path)
        .await
        .map_err(|e| ApiError::io("read", &path, &e))
}

/// Replaces a broker's config with [`durable::write_atomic`] (temp file fsynced, renamed, the
/// directory fsynced), so that a crash leaves the old config or the new one, never a torn or
/// empty file. Failures keep their answers: a step on `<config>.tmp` is "failed to write", the
/// rename "failed to replace `<config>`"; only the directory fsync is new and names itself.
async fn replace_config(config: &Path, text: &str) -> Result<()> {
    let config = config.to_path_buf();
    let bytes = text.as_bytes().to_vec();
    blocking(move || {
        durable::write_atomic(&config, &bytes).map_err(|e| match e.action {
            "rename" => ApiError::io("replace", &config, &e.source),
            "create" | "write" | "fsync" => ApiError::io("write", &e.path, &e.source),
            action => ApiError::io(action, &e.path, &e.source),
        })
    })
    .await
}

async fn write_config(State(agent): Shared, UrlPath(b): UrlPath<String>, text: String) -> Result<StatusCode> {
    let entry = agent
        .brokers
        .get(&b)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("no broker `{b}` on this agent")))?;
    paths::check_under_roots(agent.roots(), &entry.config)?;
    replace_config(&entry.config, &text).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
struct SuffixQuery {
    suffix: String,
}

async fn backup_config(
    State(agent): Shared,
    UrlPath(b): UrlPath<String>,
    Query(q): Query<SuffixQuery>,
) -> Result<Json<BackupInfo>> {
    let entry = agent
        .brokers
        .get(&b)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("no broker `{b}` on this agent")))?;
    let name = entry
        .config
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let backup = backup_path(&agent, &entry.config, &format!("{name}{}", q.suffix))?;
    if q.suffix.contains('/') {
        return Err(PathError::Parent(q.suffix).into());
    }
    // Rollback relies on this copy: written as safely as the config itself.
    let (config, to) = (entry.config.clone(), backup.clone());
    blocking(move || {
        let bytes = std::fs::read(&config).map_err(|e| ApiError::io("back up", &config, &e))?;
        durable::write_atomic(&to, &bytes).map_err(|e| ApiError::io("back up", &e.path, &e.source))
    })
    .await?;
    Ok(Json(BackupInfo { backup }))
}

#[derive(Debug, Deserialize)]
struct RestoreQuery {
    backup: String,
}

async fn restore_config(
    State(agent): Shared,
    UrlPath(b): UrlPath<String>,
    Query(q): Query<RestoreQuery>,
) -> Result<StatusCode> {
    let entry = agent
        .brokers
        .get(&b)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("no broker `{b}` on this agent")))?;
    let backup = backup_path(&agent, &entry.config, &q.backup)?;
    let text = tokio::fs::read_to_string(&backup)
        .await
        .map_err(|e| ApiError::io("read", &backup, &e))?;
    replace_config(&entry.config, &text).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn status_of(r: &Resolved<'_>, action: Option<&str>) -> Result<ProcessInfo> {
    let pids = if r.foreign() {
        Vec::new()
    } else {
        procs::find_broker_pids(&r.entry.config)
    };
    let locked = r.locked()?;
    let running = !pids.is_empty() || locked;
    Ok(ProcessInfo {
        action: action
            .unwrap_or(if running { "running" } else { "not running" })
            .to_owned(),
        pids,
        locked,
        log: None,
    })
}

async fn process(State(agent): Shared, UrlPath(b): UrlPath<String>) -> Result<Json<ProcessInfo>> {
    let r = resolve(&agent, &b)?;
    Ok(Json(status_of(&r, None)?))
}

/// Start and stop take no parameter but the timeout: a request that tries to pass anything else
/// (a command, arguments) is refused, so it shows up in the log.
fn refuse_extra(params: &BTreeMap<String, String>, allowed: &[&str]) -> Result<()> {
    match params.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("unknown parameter `{k}`: the agent runs only the configured start/stop commands"),
        )),
        None => Ok(()),
    }
}

async fn start(
    State(agent): Shared,
    UrlPath(b): UrlPath<String>,
    Query(params): Query<BTreeMap<String, String>>,
    body: String,
) -> Result<Json<ProcessInfo>> {
    refuse_extra(&params, &[])?;
    if !body.trim().is_empty() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "start takes no body: the agent runs only the configured start command",
        ));
    }
    let r = resolve(&agent, &b)?;
    let current = status_of(&r, None)?;
    if current.action == "running" {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            format!("the broker `{b}` is already running (pids {:?})", current.pids),
        ));
    }
    let log = r.store_root.join(procs::BROKER_LOG);
    let (program, args) = match &r.entry.start_cmd {
        Some(cmd) => match cmd.split_first() {
            Some((p, a)) => (PathBuf::from(p), a.to_vec()),
            None => {
                return Err(ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "empty start command",
                ))
            }
        },
        None => {
            if !agent.mqbroker().exists() {
                return Err(ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!(
                        "{} not found; start mqagent with --mqbroker PATH",
                        agent.mqbroker().display()
                    ),
                ));
            }
            (
                agent.mqbroker().to_path_buf(),
                vec!["-c".to_owned(), r.entry.config.display().to_string()],
            )
        }
    };
    tracing::info!(broker = %b, program = %program.display(), ?args, "starting");
    let pid =
        procs::spawn_detached(&program, &args, &log).map_err(|e| ApiError::io("start", &program, &e))?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    if r.entry.start_cmd.is_none() && !procs::alive(pid) {
        return Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("mqbroker for `{b}` exited at start-up; see `{}`", log.display()),
        ));
    }
    Ok(Json(ProcessInfo {
        action: "started".into(),
        pids: vec![pid],
        locked: r.locked()?,
        log: Some(log),
    }))
}

async fn stop(
    State(agent): Shared,
    UrlPath(b): UrlPath<String>,
    Query(params): Query<BTreeMap<String, String>>,
) -> Result<Json<ProcessInfo>> {
    refuse_extra(&params, &["timeout_secs"])?;
    let secs = match params.get("timeout_secs") {
        Some(s) => s.parse::<u64>().map_err(|_| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("timeout_secs `{s}` is not a number"),
            )
        })?,
        None => DEFAULT_STOP_SECS,
    };
    let timeout = Duration::from_secs(secs);
    let r = resolve(&agent, &b)?;
    let before = status_of(&r, None)?;
    if before.action == "not running" {
        return Ok(Json(before));
    }
    let mut action = "stopped";
    match &r.entry.stop_cmd {
        Some(cmd) => {
            tracing::info!(broker = %b, ?cmd, "stopping with the configured command");
            procs::run_to_end(cmd, &r.store_root.join(procs::BROKER_LOG), timeout)
                .await
                .map_err(|e| {
                    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, format!("stop command: {e}"))
                })?;
        }
        None => {
            tracing::info!(broker = %b, pids = ?before.pids, "stopping with SIGTERM");
            if procs::terminate(&before.pids, timeout).await {
                action = "killed";
            }
        }
    }
    // The lock goes with the process; a short wait covers a reaping delay.
    let deadline = Instant::now() + timeout.max(Duration::from_secs(5));
    while r.locked()? {
        if Instant::now() > deadline {
            return Err(ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("the store lock `{}` is still held", r.lock_file().display()),
            ));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(Json(ProcessInfo {
        action: action.into(),
        pids: before.pids,
        locked: false,
        log: None,
    }))
}

async fn port(UrlPath(port): UrlPath<u16>) -> Json<PortInfo> {
    let free = std::net::TcpListener::bind(("0.0.0.0", port)).is_ok();
    Json(PortInfo { port, free })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn replace_config_swaps_the_file_and_keeps_its_error_answers() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("broker.conf");
        std::fs::write(&config, "old=1\n").unwrap();
        replace_config(&config, "new=2\n").await.unwrap();
        assert_eq!(std::fs::read_to_string(&config).unwrap(), "new=2\n");
        assert!(!dir.path().join("broker.conf.tmp").exists());

        let missing = dir.path().join("gone").join("broker.conf");
        let e = replace_config(&missing, "x=1\n").await.unwrap_err();
        assert_eq!(e.status, StatusCode::NOT_FOUND);
        let tmp = dir.path().join("gone").join("broker.conf.tmp");
        assert!(
            e.message
                .starts_with(&format!("failed to write `{}`: ", tmp.display())),
            "{}",
            e.message
        );
    }
}
