//! Raft RPC client: openraft's [`RaftNetworkFactory`]/[`RaftNetwork`] over RocketMQ remoting.
//!
//! One [`RemotingClient`] serves every peer (one connection per address, many requests in
//! flight matched by opaque, reconnect after a broken connection); every request carries
//! openraft's hard TTL as its timeout. A failure to connect, or a peer whose Raft node is not
//! running (SERVICE_NOT_AVAILABLE), is reported as [`Unreachable`], so openraft backs off
//! instead of spinning on a dead peer; other transport failures are [`NetworkError`]s, which
//! openraft retries at once. Bodies and request codes: see `wire`; the server: `rpc_server`.
//!
//! With a DLedger peer token (`peer_auth`), every request carries it; a peer that refuses it
//! (NO_PERMISSION) is reported as [`Unreachable`] too, and logged (rate-limited) with the
//! reason, since retrying at once cannot help.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use openraft::error::{InstallSnapshotError, NetworkError, RPCError, RaftError, RemoteError, Unreachable};
use openraft::network::{RPCOption, RaftNetwork, RaftNetworkFactory};
use openraft::raft::{
    AppendEntriesRequest, AppendEntriesResponse, InstallSnapshotRequest, InstallSnapshotResponse,
    VoteRequest, VoteResponse,
};
use openraft::BasicNode;
use serde::de::DeserializeOwned;

use super::contact::Contacts;
use super::peer_auth::{PeerToken, RateLimitedLog, TOKEN_FIELD};
use super::types::{NodeId, TypeConfig};
use super::wire::{self, code};
use crate::remoting::client::{ClientConfig, RemotingError};
use crate::remoting::codes::response;
use crate::remoting::command::SerializeType;
use crate::remoting::{RemotingClient, RemotingCommand};

type RpcError<E = openraft::error::Infallible> = RPCError<NodeId, BasicNode, RaftError<NodeId, E>>;

/// Creates one [`PeerClient`] per target node, all sharing one remoting client.
#[derive(Clone)]
pub struct NetworkFactory {
    client: RemotingClient,
    contacts: Arc<Contacts>,
    /// Sent with every RPC when set.
    token: Option<PeerToken>,
    /// Peers refusing our token, logged at most once per `peer_auth::LOG_EVERY`.
    refused: Arc<RateLimitedLog>,
}

impl std::fmt::Debug for NetworkFactory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NetworkFactory").finish_non_exhaustive()
    }
}

impl NetworkFactory {
    /// A factory whose clients give up connecting after `connect_timeout`.
    /// Answered AppendEntries are recorded in `contacts`; `token` goes with every RPC.
    pub fn new(connect_timeout: Duration, contacts: Arc<Contacts>, token: Option<PeerToken>) -> Self {
        Self {
            contacts,
            token,
            refused: Arc::default(),
            client: RemotingClient::new(ClientConfig {
                connect_timeout,
                max_frame: wire::MAX_FRAME_BYTES,
                ..ClientConfig::default()
            }),
        }
    }
}

impl RaftNetworkFactory<TypeConfig> for NetworkFactory {
    type Network = PeerClient;

    async fn new_client(&mut self, target: NodeId, node: &BasicNode) -> PeerClient {
        PeerClient {
            target,
            addr: node.addr.clone(),
            client: self.client.clone(),
            contacts: self.contacts.clone(),
            token: self.token.clone(),
            refused: self.refused.clone(),
        }
    }
}

/// The RPC client of one peer.
pub struct PeerClient {
    target: NodeId,
    addr: String,
    client: RemotingClient,
    contacts: Arc<Contacts>,
    token: Option<PeerToken>,
    refused: Arc<RateLimitedLog>,
}

/// A transport failure that is not a refusal by the remote Raft.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct TransportError(String);

/// Sends one Raft RPC request `code` with `body` (and `token`, if any) to `addr` and returns the
/// SUCCESS answer's body.
///
/// # Errors
/// [`CallError::Unreachable`] when connecting fails or the peer's Raft node is not running,
/// [`CallError::TokenRefused`] when the peer refuses our peer token (or its absence),
/// [`CallError::Network`] for other failures and refusals.
pub async fn call(
    client: &RemotingClient,
    addr: &str,
    code: i32,
    body: Bytes,
    timeout: Duration,
    token: Option<&PeerToken>,
) -> Result<Bytes, CallError> {
    let mut req = RemotingCommand::request_empty(code).with_body(body);
    if let Some(token) = token {
        req.ext_fields
            .insert(TOKEN_FIELD.to_owned(), token.secret().to_owned());
    }
    // The binary header: no JSON to write and parse per RPC.
    req.serialize_type = SerializeType::RocketMq;
    let resp = client.invoke(addr, req, timeout).await.map_err(|e| match e {
        RemotingError::Connect { .. } => CallError::Unreachable(e.to_string()),
        other => CallError::Network(other.to_string()),
    })?;
    match resp.code {
        response::SUCCESS => Ok(resp.body),
        c => {
            let text = format!("{addr} answered code {c}: {}", resp.remark.unwrap_or_default());
            Err(if c == response::SERVICE_NOT_AVAILABLE {
                CallError::Unreachable(text)
            } else if c == response::NO_PERMISSION {
                CallError::TokenRefused(text)
            } else {
                CallError::Network(text)
            })
        }
    }
}

/// Why a Raft RPC got no answer from the remote Raft node.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// The peer cannot be reached, or its Raft node is not running: back off.
    #[error("{0}")]
    Unreachable(String),
    /// Another transport failure: retry.
    #[error("{0}")]
    Network(String),
    /// The peer refused our DLedger peer token (or its absence): back off, and tell the
    /// operator, since only a config change helps.
    #[error("{0}")]
    TokenRefused(String),
}

impl PeerClient {
    async fn post<R, E>(&self, code: i32, body: Bytes, option: &RPCOption) -> Result<R, RpcError<E>>
    where
        R: DeserializeOwned,
        E: std::error::Error + DeserializeOwned,
    {
        let bytes = call(
            &self.client,
            &self.addr,
            code,
            body,
            option.hard_ttl(),
            self.token.as_ref(),
        )
        .await
        .map_err(|e| match e {
            CallError::Unreachable(_) => RPCError::Unreachable(Unreachable::new(&e)),
            CallError::TokenRefused(_) => {
                self.refused.note(|held_back| {
                    tracing::error!(
                        peer = %self.addr,
                        held_back,
                        "DLedger: the peer refused our Raft RPCs: {e}; every node of the group needs \
                         dLegerPeerTokenFile naming the same token (this node {})",
                        if self.token.is_some() { "sends one" } else { "sends none" }
                    )
                });
                RPCError::Unreachable(Unreachable::new(&e))
            }
            CallError::Network(_) => RPCError::Network(NetworkError::new(&e)),
        })?;
        let res: Result<R, RaftError<NodeId, E>> = serde_json::from_slice(&bytes).map_err(|e| {
            RPCError::Network(NetworkError::new(&TransportError(format!(
                "Raft RPC {code}: bad response: {e}"
            ))))
        })?;
        res.map_err(|e| RPCError::RemoteError(RemoteError::new(self.target, e)))
    }
}

fn encode_error<E: std::error::Error>(e: wire::WireError) -> RpcError<E> {
    RPCError::Network(NetworkError::new(&e))
}

impl RaftNetwork<TypeConfig> for PeerClient {
    async fn append_entries(
        &mut self,
        rpc: AppendEntriesRequest<TypeConfig>,
        option: RPCOption,
    ) -> Result<AppendEntriesResponse<NodeId>, RpcError> {
        let body = wire::encode_append(&rpc).map_err(encode_error)?;
        let res = self.post(code::APPEND, body, &option).await;
        if res.is_ok() {
            self.contacts.on_ack(self.target);
        }
        res
    }

    async fn install_snapshot(
        &mut self,
        rpc: InstallSnapshotRequest<TypeConfig>,
        option: RPCOption,
    ) -> Result<InstallSnapshotResponse<NodeId>, RpcError<InstallSnapshotError>> {
        let body = wire::encode_snapshot(&rpc).map_err(encode_error)?;
        self.post(code::SNAPSHOT, body, &option).await
    }

    async fn vote(
        &mut self,
        rpc: VoteRequest<NodeId>,
        option: RPCOption,
    ) -> Result<VoteResponse<NodeId>, RpcError> {
        let body = serde_json::to_vec(&rpc).map_err(|e| RPCError::Network(NetworkError::new(&e)))?;
        self.post(code::VOTE, Bytes::from(body), &option).await
    }
}
