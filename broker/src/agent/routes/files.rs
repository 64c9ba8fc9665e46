//! The store's files: listing, size, md5 of a range, ranged download, resumable upload, removal,
//! the final length of an upload, rename. Every path is relative to an [`Area`] of a resolved
//! broker and confined to the roots before it is touched. Kept apart from the config and process
//! endpoints because these are the ones that move data: downloads are streamed in chunks, uploads
//! written as they arrive, and md5 is computed where the file is so that `mqadmin` compares
//! ranges without transferring them.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use axum::body::Body;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures::StreamExt;
use md5::{Digest as _, Md5};
use serde::Deserialize;
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

use super::{blocking, resolve, ApiError, Result, Shared};
use crate::agent::api::{self, Area, FileEntry, FileStat};
use crate::agent::paths;
use crate::store::probe;

/// Bytes per chunk of a streamed download.
const STREAM_CHUNK: usize = 256 * 1024;
/// Read buffer of the md5 computation.
const HASH_BUFFER: usize = 1024 * 1024;

/// A file's modification time in nanoseconds since the Unix epoch.
pub(crate) fn mtime_ns(meta: &std::fs::Metadata) -> Option<u64> {
    let t = meta.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
    u64::try_from(t.as_nanos()).ok()
}

#[derive(Debug, Deserialize)]
pub(super) struct AreaPath {
    area: Area,
    #[serde(default)]
    path: String,
}

pub(super) async fn tree(
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
            let meta = entry.metadata().ok();
            let rel = entry.path().strip_prefix(&base).unwrap_or(entry.path());
            out.push(FileEntry {
                rel: rel.to_string_lossy().into_owned(),
                size: meta.as_ref().map_or(0, std::fs::Metadata::len),
                mtime_ns: meta.as_ref().and_then(mtime_ns),
            });
        }
        Ok(out)
    })
    .await?;
    Ok(Json(list))
}

pub(super) async fn stat(
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
pub(super) struct RangeQuery {
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

pub(super) async fn md5(
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

pub(super) async fn download(
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
pub(super) struct UploadQuery {
    area: Area,
    path: String,
    #[serde(default)]
    offset: u64,
}

pub(super) async fn upload(
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

pub(super) async fn remove(
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
pub(super) struct FinishQuery {
    area: Area,
    path: String,
    len: u64,
}

pub(super) async fn finish(
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
pub(super) struct RenameQuery {
    area: Area,
    from: String,
    to: String,
}

pub(super) async fn rename(
    State(agent): Shared,
    UrlPath(b): UrlPath<String>,
    Query(q): Query<RenameQuery>,
) -> Result<StatusCode> {
    let r = resolve(&agent, &b)?;
    let from = paths::confine(agent.roots(), r.base(q.area), &q.from, false)?;
    let to = paths::confine(agent.roots(), r.base(q.area), &q.to, false)?;
    if let Some(dir) = to.parent() {
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(|e| ApiError::io("create directory", dir, &e))?;
    }
    tokio::fs::rename(&from, &to)
        .await
        .map_err(|e| ApiError::io("rename", &from, &e))?;
    Ok(StatusCode::NO_CONTENT)
}
