//! Raft RPC server: receives AppendEntries, Vote and InstallSnapshot over HTTP (axum) on the
//! DLedger peer port and hands them to the local openraft node.
//!
//! Bodies are decoded with `wire` (binary for entries and snapshots, JSON for votes); the answer
//! is the JSON of openraft's `Result<Response, RaftError>`, which the client turns back into
//! `RPCError::RemoteError`. An undecodable body is a 400; a Raft node that has stopped answers
//! 503, which the client reports as `Unreachable`.

use std::future::Future;
use std::io;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use openraft::error::{Fatal, RaftError};
use serde::Serialize;
use tokio::net::TcpListener;

use super::handover::{self as ho, HandOver, PurgeNotice, PATH_HANDOVER, PATH_PURGE};
use super::network::{PATH_APPEND, PATH_SNAPSHOT, PATH_VOTE};
use super::types::{NodeId, Raft};
use super::wire;

/// Largest accepted RPC body. An AppendEntries batch holds at most `max_payload_entries`
/// records of at most a few MiB each.
pub const MAX_BODY_BYTES: usize = 256 * 1024 * 1024;

/// The routes of the Raft RPC server.
pub fn router(raft: Raft) -> Router {
    Router::new()
        .route(PATH_APPEND, post(append))
        .route(PATH_VOTE, post(vote))
        .route(PATH_SNAPSHOT, post(snapshot))
        .route(PATH_HANDOVER, post(handover))
        .route(PATH_PURGE, post(purge))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(raft)
}

/// Serves the Raft RPCs on `listener` until `shutdown` completes.
///
/// # Errors
/// I/O errors of the listener.
pub async fn serve(
    listener: TcpListener,
    raft: Raft,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    // Small AppendEntries responses must not wait for Nagle + delayed ACK (~40 ms a round).
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, router(raft))
        .with_graceful_shutdown(shutdown)
        .await
}

fn reply<T: Serialize, E: Serialize + std::error::Error>(res: Result<T, RaftError<NodeId, E>>) -> Response {
    if let Err(RaftError::Fatal(f)) = &res {
        let status = match f {
            Fatal::Stopped => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        return (status, f.to_string()).into_response();
    }
    match serde_json::to_vec(&res) {
        Ok(body) => ([(axum::http::header::CONTENT_TYPE, "application/json")], body).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

fn bad_request(e: impl std::fmt::Display) -> Response {
    (StatusCode::BAD_REQUEST, e.to_string()).into_response()
}

async fn append(State(raft): State<Raft>, body: Bytes) -> Response {
    match wire::decode_append(body) {
        Ok(req) => reply(raft.append_entries(req).await),
        Err(e) => bad_request(e),
    }
}

async fn vote(State(raft): State<Raft>, body: Bytes) -> Response {
    match serde_json::from_slice(&body) {
        Ok(req) => reply(raft.vote(req).await),
        Err(e) => bad_request(e),
    }
}

async fn handover(State(raft): State<Raft>, body: Bytes) -> Response {
    match serde_json::from_slice::<HandOver>(&body) {
        Ok(notice) => {
            ho::on_notice(raft, notice);
            StatusCode::ACCEPTED.into_response()
        }
        Err(e) => bad_request(e),
    }
}

async fn purge(State(raft): State<Raft>, body: Bytes) -> Response {
    match serde_json::from_slice::<PurgeNotice>(&body) {
        Ok(notice) => {
            ho::on_purge(raft, notice);
            StatusCode::ACCEPTED.into_response()
        }
        Err(e) => bad_request(e),
    }
}

async fn snapshot(State(raft): State<Raft>, body: Bytes) -> Response {
    match wire::decode_snapshot(body) {
        Ok(req) => reply(raft.install_snapshot(req).await),
        Err(e) => bad_request(e),
    }
}
