//! Raft RPC server: receives AppendEntries, Vote and InstallSnapshot over HTTP (axum) on the
//! DLedger peer port and hands them to the local openraft node.
//!
//! Bodies are decoded with `wire` (binary for entries and snapshots, JSON for votes); the answer
//! is the JSON of openraft's `Result<Response, RaftError>`, which the client turns back into
//! `RPCError::RemoteError`. An undecodable body is a 400; a Raft node that has stopped answers
//! 503, which the client reports as `Unreachable`.

use std::future::Future;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use openraft::error::{Fatal, RaftError};
use openraft::raft::{VoteRequest, VoteResponse};
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
    let state = Rpc {
        raft,
        last_append: Arc::new(AtomicU64::new(0)),
        started: Instant::now(),
    };
    Router::new()
        .route(PATH_APPEND, post(append))
        .route(PATH_VOTE, post(vote))
        .route(PATH_SNAPSHOT, post(snapshot))
        .route(PATH_HANDOVER, post(handover))
        .route(PATH_PURGE, post(purge))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

/// The server's state: the node, and when an AppendEntries (a leader's heartbeat or data) last
/// arrived, for [`stand_for_election`].
#[derive(Clone)]
struct Rpc {
    raft: Raft,
    /// Milliseconds since `started` of the last AppendEntries; 0 before the first.
    last_append: Arc<AtomicU64>,
    started: Instant,
}

impl Rpc {
    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis())
            .unwrap_or(u64::MAX)
            .max(1)
    }
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

async fn append(State(rpc): State<Rpc>, body: Bytes) -> Response {
    rpc.last_append.store(rpc.now_ms(), Ordering::Relaxed);
    match wire::decode_append(body) {
        Ok(req) => reply(rpc.raft.append_entries(req).await),
        Err(e) => bad_request(e),
    }
}

async fn vote(State(rpc): State<Rpc>, body: Bytes) -> Response {
    let req: VoteRequest<NodeId> = match serde_json::from_slice(&body) {
        Ok(req) => req,
        Err(e) => return bad_request(e),
    };
    let res = rpc.raft.vote(req.clone()).await;
    if let Ok(resp) = &res {
        stand_for_election(&rpc, &req, resp).await;
    }
    reply(res)
}

/// The stand-in for a pre-vote, which openraft 0.9 lacks. A candidate whose log is shorter than
/// ours cannot win, and openraft rejects it without taking its term, so our own later campaign
/// runs in a term the candidate already voted itself into and fails too; under load, when the
/// followers' logs differ, a failover took several election rounds (up to 3.6 s). So when we
/// reject a candidate for its log, no leader has reached us for a lease (the leader is gone:
/// openraft itself would start an election soon), and its term is above ours, we campaign at
/// once, in the term after the candidate's, which it will grant.
async fn stand_for_election(rpc: &Rpc, req: &VoteRequest<NodeId>, resp: &VoteResponse<NodeId>) {
    if resp.vote_granted || resp.last_log_id <= req.last_log_id {
        return;
    }
    let lease = rpc.raft.config().election_timeout_max;
    let last = rpc.last_append.load(Ordering::Relaxed);
    if last != 0 && rpc.now_ms().saturating_sub(last) < lease {
        return;
    }
    let (term, state) = {
        let m = rpc.raft.metrics();
        let m = m.borrow();
        (m.current_term, m.state)
    };
    let target = req.vote.leader_id().term + 1;
    if state == openraft::ServerState::Leader || target <= term || target - term > MAX_TERM_STEPS {
        return;
    }
    tracing::info!(
        candidate_term = req.vote.leader_id().term,
        target,
        "DLedger: a candidate with a shorter log asked for a vote; standing for election"
    );
    for _ in term..target {
        if rpc.raft.trigger().elect().await.is_err() {
            return;
        }
    }
}

/// Largest term jump [`stand_for_election`] makes (one `elect` per term).
const MAX_TERM_STEPS: u64 = 3;

async fn handover(State(rpc): State<Rpc>, body: Bytes) -> Response {
    match serde_json::from_slice::<HandOver>(&body) {
        Ok(notice) => {
            ho::on_notice(rpc.raft, notice);
            StatusCode::ACCEPTED.into_response()
        }
        Err(e) => bad_request(e),
    }
}

async fn purge(State(rpc): State<Rpc>, body: Bytes) -> Response {
    match serde_json::from_slice::<PurgeNotice>(&body) {
        Ok(notice) => {
            ho::on_purge(rpc.raft, notice);
            StatusCode::ACCEPTED.into_response()
        }
        Err(e) => bad_request(e),
    }
}

async fn snapshot(State(rpc): State<Rpc>, body: Bytes) -> Response {
    match wire::decode_snapshot(body) {
        Ok(req) => reply(rpc.raft.install_snapshot(req).await),
        Err(e) => bad_request(e),
    }
}
