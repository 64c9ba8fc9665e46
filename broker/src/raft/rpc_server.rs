//! Raft RPC server: receives AppendEntries, Vote and InstallSnapshot, the pre-vote
//! (`election`), and the hand-over and purge notices, on the DLedger peer port and hands them
//! to the local openraft node.
//!
//! The transport is RocketMQ remoting (the frame codec, server loop and client the broker
//! already has), as Java's DLedger also speaks remoting between peers; the request codes are
//! ours ([`wire::code`]), since the bodies are openraft's, not DLedger's. It replaced HTTP
//! (axum + reqwest), whose per-request work was a sixth of the leader's CPU under load.
//!
//! Bodies are decoded with `wire` (binary for entries and snapshots, JSON for votes and
//! notices); a SUCCESS answer carries the JSON of openraft's `Result<Response, RaftError>`,
//! which the client turns back into `RPCError::RemoteError`. An undecodable body is answered
//! SYSTEM_ERROR; a Raft node that has stopped answers SERVICE_NOT_AVAILABLE, which the client
//! reports as `Unreachable`.
//!
//! With a DLedger peer token (`peer_auth`), a request without it or with another one is
//! answered NO_PERMISSION before its body is decoded or anything reaches openraft (so it cannot
//! move the term, the leader or the log), and logged at most once per `peer_auth::LOG_EVERY`.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use openraft::error::{Fatal, RaftError};
use openraft::raft::{VoteRequest, VoteResponse};
use serde::Serialize;
use tokio::net::TcpListener;

use super::contact::Contacts;
use super::election::{Election, PreVote};
use super::handover::{self as ho, HandOver, PurgeNotice};
use super::log_store::LogReader;
use super::peer_auth::{PeerToken, RateLimitedLog, REFUSED_REMARK, TOKEN_FIELD};
use super::types::{NodeId, Raft};
use super::wire::{self, code};
use crate::remoting::codes::response;
use crate::remoting::server::{self, ConnContext, RequestHandler, ServerConfig};
use crate::remoting::RemotingCommand;

/// The server's state: the node, and when an AppendEntries (a leader's heartbeat or data) last
/// arrived, for [`stand_for_election`].
pub struct RaftHandler {
    raft: Raft,
    /// Shared with the node's status report.
    contacts: Arc<Contacts>,
    /// When a leader was last heard from; answers pre-votes.
    election: Arc<Election>,
    /// The log's last entry, for pre-votes.
    log: LogReader,
    /// Milliseconds since `started` of the last AppendEntries; 0 before the first.
    last_append: AtomicU64,
    started: Instant,
    /// When set, every request must carry it.
    token: Option<PeerToken>,
    /// Refused requests, logged rate-limited.
    refused: RateLimitedLog,
}

impl RaftHandler {
    /// A handler for `raft`; with `token`, requests without it are refused.
    pub fn new(
        raft: Raft,
        contacts: Arc<Contacts>,
        election: Arc<Election>,
        log: LogReader,
        token: Option<PeerToken>,
    ) -> Self {
        RaftHandler {
            raft,
            contacts,
            election,
            log,
            last_append: AtomicU64::new(0),
            started: Instant::now(),
            token,
            refused: RateLimitedLog::default(),
        }
    }

    /// Checks the request's peer token; the refusal answer if it must not be served.
    fn check_token(&self, ctx: &ConnContext, req: &RemotingCommand) -> Option<RemotingCommand> {
        let token = self.token.as_ref()?;
        let presented = req.ext_fields.get(TOKEN_FIELD).map(String::as_str);
        let why = token.verify(presented).err()?;
        self.refused.note(|held_back| {
            tracing::warn!(
                peer = %ctx.peer,
                code = req.code,
                held_back,
                "DLedger: refused a Raft RPC with {}; it changed nothing (held_back = refusals \
                 not logged since the last line)",
                why.as_str()
            )
        });
        Some(RemotingCommand::response(
            response::NO_PERMISSION,
            Some(REFUSED_REMARK.to_owned()),
        ))
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis())
            .unwrap_or(u64::MAX)
            .max(1)
    }
}

impl RequestHandler for RaftHandler {
    async fn handle(&self, ctx: &ConnContext, req: RemotingCommand) -> Option<RemotingCommand> {
        // First, before the body is decoded or the leader-contact time is touched.
        if let Some(refusal) = self.check_token(ctx, &req) {
            return Some(refusal);
        }
        Some(match req.code {
            code::APPEND => {
                self.last_append.store(self.now_ms(), Ordering::Relaxed);
                self.contacts.on_leader_append();
                self.election.heard();
                match wire::decode_append(req.body) {
                    Ok(r) => reply(self.raft.append_entries(r).await),
                    Err(e) => bad_request(e),
                }
            }
            code::VOTE => match serde_json::from_slice::<VoteRequest<NodeId>>(&req.body) {
                Ok(r) => {
                    let res = self.raft.vote(r.clone()).await;
                    if let Ok(resp) = &res {
                        if resp.vote_granted {
                            // Give the candidate we voted for a timeout to win.
                            self.election.heard();
                        }
                        stand_for_election(self, &r, resp).await;
                    }
                    reply(res)
                }
                Err(e) => bad_request(e),
            },
            code::SNAPSHOT => match wire::decode_snapshot(req.body) {
                Ok(r) => reply(self.raft.install_snapshot(r).await),
                Err(e) => bad_request(e),
            },
            code::PREVOTE => match serde_json::from_slice::<PreVote>(&req.body) {
                Ok(r) => {
                    let answer = self.election.answer(&self.raft, &self.log, &r);
                    match serde_json::to_vec(&answer) {
                        Ok(body) => RemotingCommand::response(response::SUCCESS, None).with_body(body),
                        Err(e) => RemotingCommand::response(response::SYSTEM_ERROR, Some(e.to_string())),
                    }
                }
                Err(e) => bad_request(e),
            },
            code::HANDOVER => match serde_json::from_slice::<HandOver>(&req.body) {
                Ok(notice) => {
                    ho::on_notice(self.raft.clone(), self.election.clone(), notice);
                    RemotingCommand::response(response::SUCCESS, None)
                }
                Err(e) => bad_request(e),
            },
            code::PURGE => match serde_json::from_slice::<PurgeNotice>(&req.body) {
                Ok(notice) => {
                    ho::on_purge(self.raft.clone(), notice);
                    RemotingCommand::response(response::SUCCESS, None)
                }
                Err(e) => bad_request(e),
            },
            other => server::not_supported(other),
        })
    }
}

/// Serves the Raft RPCs on `listener` until `shutdown` completes; with `token`, only to peers
/// that present it.
pub async fn serve(
    listener: TcpListener,
    raft: Raft,
    contacts: Arc<Contacts>,
    election: Arc<Election>,
    log: LogReader,
    token: Option<PeerToken>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let config = ServerConfig {
        max_frame: wire::MAX_FRAME_BYTES,
        // Peers keep their connections open; shutdown cuts them after a moment.
        shutdown_grace: Duration::from_millis(200),
        ..ServerConfig::default()
    };
    server::run(
        listener,
        Arc::new(RaftHandler::new(raft, contacts, election, log, token)),
        config,
        shutdown,
    )
    .await;
}

fn reply<T: Serialize, E: Serialize + std::error::Error>(
    res: Result<T, RaftError<NodeId, E>>,
) -> RemotingCommand {
    if let Err(RaftError::Fatal(f)) = &res {
        let code = match f {
            Fatal::Stopped => response::SERVICE_NOT_AVAILABLE,
            _ => response::SYSTEM_ERROR,
        };
        return RemotingCommand::response(code, Some(f.to_string()));
    }
    match serde_json::to_vec(&res) {
        Ok(body) => RemotingCommand::response(response::SUCCESS, None).with_body(body),
        Err(e) => RemotingCommand::response(response::SYSTEM_ERROR, Some(e.to_string())),
    }
}

fn bad_request(e: impl std::fmt::Display) -> RemotingCommand {
    RemotingCommand::response(response::SYSTEM_ERROR, Some(format!("bad Raft RPC body: {e}")))
}

/// The stand-in for a pre-vote, which openraft 0.9 lacks. A candidate whose log is shorter than
/// ours cannot win, and openraft rejects it without taking its term, so our own later campaign
/// runs in a term the candidate already voted itself into and fails too; under load, when the
/// followers' logs differ, a failover took several election rounds (up to 3.6 s). So when we
/// reject a candidate for its log, no leader has reached us for a lease (the leader is gone:
/// openraft itself would start an election soon), and its term is above ours, we campaign at
/// once, in the term after the candidate's, which it will grant.
async fn stand_for_election(rpc: &RaftHandler, req: &VoteRequest<NodeId>, resp: &VoteResponse<NodeId>) {
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
