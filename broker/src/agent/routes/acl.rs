//! The broker's client ACL file (plain_acl.yml): read it, or write it where the broker's config
//! says the broker will look (`plainAclFile`, else `<rocketmqHome>/conf/plain_acl.yml`, with
//! `rocketmqHome` defaulting to this agent's `ROCKETMQ_HOME`, which the brokers it starts
//! inherit). `upgrade-group` uses it to give a new node behind an agent the master's file: an
//! `aclEnable=true` broker without its file refuses to start (fails closed).
//!
//! Kept apart from the store and config endpoints because of its own rules: the path comes from
//! the config (not from the request) and must lie under a root, and a file is written only if
//! it parses as the broker would parse it, atomically, so the broker never loads a torn or
//! invalid ACL.

use std::path::PathBuf;

use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;

use super::{blocking, entry_and_config, ApiError, Result, Shared};
use crate::agent::{paths, Agent};
use crate::broker::acl::plain;
use crate::durable;

/// The ACL file broker `name`'s config names, checked against the roots.
fn acl_path(agent: &Agent, name: &str) -> Result<PathBuf> {
    let (_, config) = entry_and_config(agent, name)?;
    let path = config.plain_acl_path().ok_or_else(|| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "the config of `{name}` names no ACL file (set plainAclFile, or rocketmqHome, or \
                 start the agent with ROCKETMQ_HOME)"
            ),
        )
    })?;
    if !path.is_absolute() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "the ACL file `{}` of `{name}` is not an absolute path",
                path.display()
            ),
        ));
    }
    paths::check_under_roots(agent.roots(), &path)?;
    Ok(path)
}

pub(super) async fn read_acl(State(agent): Shared, UrlPath(b): UrlPath<String>) -> Result<String> {
    let path = acl_path(&agent, &b)?;
    tokio::fs::read_to_string(&path)
        .await
        .map_err(|e| ApiError::io("read", &path, &e))
}

pub(super) async fn write_acl(
    State(agent): Shared,
    UrlPath(b): UrlPath<String>,
    text: String,
) -> Result<StatusCode> {
    let path = acl_path(&agent, &b)?;
    plain::parse(&text).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("refused: the broker would not load this ACL file: {e}"),
        )
    })?;
    blocking(move || {
        let options = durable::Options {
            create_dir: true,
            ..durable::Options::default()
        };
        durable::write_atomic_with(&path, text.as_bytes(), options)
            .map_err(|e| ApiError::io("write", &e.path, &e.source))
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
