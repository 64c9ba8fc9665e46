//! A broker's config file: read it (or one of its backups), replace it, back it up, restore a
//! backup. These endpoints reach the registered config path, not a store area, and never load
//! the config, so they still work on one that does not load.
//! Kept together because they share the two rules a rollback relies on: a backup is only ever
//! `<config>.bak…` next to the config ([`backup_path`]), and every write is atomic
//! ([`replace_config`]), so a crash leaves the old file or the new one, never a torn one.

use std::path::{Path, PathBuf};

use axum::extract::{Path as UrlPath, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;

use super::{blocking, entry, ApiError, Result, Shared};
use crate::agent::api::BackupInfo;
use crate::agent::paths::{self, PathError};
use crate::agent::Agent;
use crate::durable;

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
pub(super) struct BackupQuery {
    backup: Option<String>,
}

pub(super) async fn read_config(
    State(agent): Shared,
    UrlPath(b): UrlPath<String>,
    Query(q): Query<BackupQuery>,
) -> Result<String> {
    let entry = entry(&agent, &b)?;
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

pub(super) async fn write_config(
    State(agent): Shared,
    UrlPath(b): UrlPath<String>,
    text: String,
) -> Result<StatusCode> {
    let entry = entry(&agent, &b)?;
    paths::check_under_roots(agent.roots(), &entry.config)?;
    replace_config(&entry.config, &text).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
pub(super) struct SuffixQuery {
    suffix: String,
}

pub(super) async fn backup_config(
    State(agent): Shared,
    UrlPath(b): UrlPath<String>,
    Query(q): Query<SuffixQuery>,
) -> Result<Json<BackupInfo>> {
    let entry = entry(&agent, &b)?;
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
pub(super) struct RestoreQuery {
    backup: String,
}

pub(super) async fn restore_config(
    State(agent): Shared,
    UrlPath(b): UrlPath<String>,
    Query(q): Query<RestoreQuery>,
) -> Result<StatusCode> {
    let entry = entry(&agent, &b)?;
    let backup = backup_path(&agent, &entry.config, &q.backup)?;
    let text = tokio::fs::read_to_string(&backup)
        .await
        .map_err(|e| ApiError::io("read", &backup, &e))?;
    replace_config(&entry.config, &text).await?;
    Ok(StatusCode::NO_CONTENT)
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
