//! `pull`: this agent fetches a byte range of a file from another agent's `file` endpoint and
//! writes it into its own broker's store. It is how `upgrade-group` copies a store between two
//! machines without the bytes passing through `mqadmin`: one network hop instead of two, and the
//! md5 of the received bytes is computed while they are written, so the source is read once.
//!
//! A download broken mid-way is resumed from the position reached (the md5 continues over the
//! rest), up to [`PULL_ATTEMPTS`] times. The source is named by its agent's base URL and broker
//! name; the request is made with the bearer token this request carried (every agent of a group
//! shares it), so the pull can read nothing the caller could not read itself. An `https://`
//! source is verified with the trust the request's body carries ([`AgentTrust`], JSON; set by
//! `mqadmin` from its own `--agent-ca`/`--agent-fingerprint`), so no agent needs trust flags.

use std::io::SeekFrom;
use std::time::{Duration, Instant};

use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use futures::StreamExt;
use md5::{Digest as _, Md5};
use serde::Deserialize;
use tokio::io::{AsyncSeekExt, AsyncWriteExt};

use super::{resolve, ApiError, Result, Shared};
use crate::agent::api::{Area, Pulled};
use crate::agent::tls::AgentTrust;
use crate::agent::{client, paths};
use crate::store::probe;

/// How many times a broken download is resumed before the pull fails.
pub const PULL_ATTEMPTS: u32 = 3;
/// Timeout of one download request (a whole 1 GiB commitlog file at a slow link).
const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(3600);

#[derive(Debug, Deserialize)]
pub(super) struct PullQuery {
    area: Area,
    path: String,
    #[serde(default)]
    start: u64,
    end: u64,
    /// The file's length once pulled (zero-extended, as preallocated commitlog files are).
    len: u64,
    /// The source agent's base URL, `http://HOST:PORT`.
    source: String,
    /// The broker name on the source agent.
    source_broker: String,
    /// The file's path in the same area on the source. Default: `path`.
    source_path: Option<String>,
    /// Bytes per second. Default: unlimited.
    rate: Option<u64>,
}

/// Only `http(s)://host[:port]`: the pull may fetch another agent's file endpoint and nothing else.
fn source_base(source: &str) -> Result<String> {
    let bad = || {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("bad source `{source}`: want http://HOST:PORT"),
        )
    };
    let url = reqwest::Url::parse(source).map_err(|_| bad())?;
    if !matches!(url.scheme(), "http" | "https")
        || url.host_str().is_none()
        || !matches!(url.path(), "" | "/")
        || url.query().is_some()
        || !url.username().is_empty()
    {
        return Err(bad());
    }
    Ok(source.trim_end_matches('/').to_owned())
}

pub(super) async fn pull(
    State(agent): Shared,
    UrlPath(b): UrlPath<String>,
    Query(q): Query<PullQuery>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<Pulled>> {
    let trust = AgentTrust::from_body(&body)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, format!("bad trust settings: {e}")))?;
    let r = resolve(&agent, &b)?;
    let path = paths::confine(agent.roots(), r.base(q.area), &q.path, false)?;
    let base = source_base(&q.source)?;
    if q.source_broker.is_empty() || q.source_broker.contains('/') {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "bad source_broker"));
    }
    let auth = headers
        .get(header::AUTHORIZATION)
        .cloned()
        .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "missing token"))?;
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
    let http = client::http_client(DOWNLOAD_TIMEOUT, &trust)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, format!("HTTP client: {e}")))?;
    let url = format!("{base}/v1/brokers/{}/file", q.source_broker);
    let mut hasher = Md5::new();
    let mut pos = q.start;
    let mut resumed = 0;
    let started = Instant::now();
    let failed = |what: String| ApiError::new(StatusCode::BAD_GATEWAY, what);
    while pos < q.end {
        let attempt = async {
            let resp = http
                .get(&url)
                .header(header::AUTHORIZATION, auth.clone())
                .query(&[
                    ("area", q.area.as_str().to_owned()),
                    ("path", q.source_path.clone().unwrap_or_else(|| q.path.clone())),
                    ("start", pos.to_string()),
                    ("end", q.end.to_string()),
                ])
                .send()
                .await
                .map_err(|e| format!("download from {base}: {e}"))?;
            let status = resp.status();
            if !status.is_success() {
                let text = resp.text().await.unwrap_or_default();
                // A refusal of the source is final: resuming would be refused the same way.
                return Err(format!("!{status} from {base}: {text}"));
            }
            let mut stream = resp.bytes_stream();
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|e| format!("download from {base} broken at {pos}: {e}"))?;
                hasher.update(&chunk);
                // Preallocated files are mostly zeros: those stay holes, set_len extends with them.
                if probe::first_nonzero_index(&chunk).is_some() {
                    file.seek(SeekFrom::Start(pos))
                        .await
                        .map_err(|e| format!("!seek: {e}"))?;
                    file.write_all(&chunk).await.map_err(|e| format!("!write: {e}"))?;
                }
                pos += chunk.len() as u64;
                if let Some(rate) = q.rate.filter(|r| *r > 0) {
                    let due = Duration::from_secs_f64((pos - q.start) as f64 / rate as f64);
                    if let Some(wait) = due.checked_sub(started.elapsed()) {
                        tokio::time::sleep(wait).await;
                    }
                }
            }
            Ok::<(), String>(())
        };
        match attempt.await {
            // The source sent all it has (it may end before `end`).
            Ok(_) => break,
            Err(e) if e.starts_with('!') => return Err(failed(e[1..].to_owned())),
            Err(e) if resumed + 1 >= PULL_ATTEMPTS => return Err(failed(e)),
            Err(e) => {
                resumed += 1;
                tracing::warn!(%e, pos, "pull interrupted; resuming from the position reached");
            }
        }
    }
    file.flush().await.map_err(|e| ApiError::io("write", &path, &e))?;
    file.set_len(q.len.max(pos))
        .await
        .map_err(|e| ApiError::io("resize", &path, &e))?;
    file.sync_all()
        .await
        .map_err(|e| ApiError::io("flush", &path, &e))?;
    Ok(Json(Pulled {
        md5: hex::encode(hasher.finalize()),
        len: pos - q.start,
        resumed,
    }))
}
