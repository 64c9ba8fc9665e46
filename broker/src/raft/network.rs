//! Raft RPC client: openraft's [`RaftNetworkFactory`]/[`RaftNetwork`] over HTTP with reqwest.
//!
//! Each peer gets its own `reqwest::Client` (its own connection pool) with a connect timeout;
//! every request also carries openraft's hard TTL as its timeout. A failure to connect is
//! reported as [`Unreachable`], so openraft backs off instead of spinning on a dead peer; other
//! transport failures are [`NetworkError`]s, which openraft retries at once. Bodies: see `wire`.

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

use super::types::{NodeId, TypeConfig};
use super::wire;

/// URL path of the AppendEntries RPC.
pub const PATH_APPEND: &str = "/raft/append";
/// URL path of the Vote RPC.
pub const PATH_VOTE: &str = "/raft/vote";
/// URL path of the InstallSnapshot RPC.
pub const PATH_SNAPSHOT: &str = "/raft/snapshot";

type RpcError<E = openraft::error::Infallible> = RPCError<NodeId, BasicNode, RaftError<NodeId, E>>;

/// Creates one [`PeerClient`] per target node.
#[derive(Debug, Clone)]
pub struct NetworkFactory {
    connect_timeout: Duration,
}

impl NetworkFactory {
    /// A factory whose clients give up connecting after `connect_timeout`.
    pub fn new(connect_timeout: Duration) -> Self {
        Self { connect_timeout }
    }
}

impl RaftNetworkFactory<TypeConfig> for NetworkFactory {
    type Network = PeerClient;

    async fn new_client(&mut self, target: NodeId, node: &BasicNode) -> PeerClient {
        let client = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .tcp_nodelay(true)
            .build()
            .map_err(|e| {
                tracing::error!(target, error = %e, "cannot build an HTTP client for a Raft peer");
                e
            })
            .ok();
        PeerClient {
            target,
            base: format!("http://{}", node.addr),
            client,
        }
    }
}

/// The RPC client of one peer.
#[derive(Debug)]
pub struct PeerClient {
    target: NodeId,
    base: String,
    client: Option<reqwest::Client>,
}

/// A transport failure that is not a refusal by the remote Raft.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct TransportError(String);

impl PeerClient {
    async fn post<R, E>(&self, path: &str, body: Bytes, option: &RPCOption) -> Result<R, RpcError<E>>
    where
        R: DeserializeOwned,
        E: std::error::Error + DeserializeOwned,
    {
        let Some(client) = &self.client else {
            let e = TransportError("no HTTP client".into());
            return Err(RPCError::Unreachable(Unreachable::new(&e)));
        };
        let resp = client
            .post(format!("{}{path}", self.base))
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .timeout(option.hard_ttl())
            .body(body)
            .send()
            .await
            .map_err(|e| {
                if e.is_connect() {
                    RPCError::Unreachable(Unreachable::new(&e))
                } else {
                    RPCError::Network(NetworkError::new(&e))
                }
            })?;
        let status = resp.status();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| RPCError::Network(NetworkError::new(&e)))?;
        if !status.is_success() {
            let e = TransportError(format!(
                "{path}: HTTP {status}: {}",
                String::from_utf8_lossy(&bytes[..bytes.len().min(200)])
            ));
            // 503: the peer is up but its Raft node is not (starting or stopping).
            return Err(if status == reqwest::StatusCode::SERVICE_UNAVAILABLE {
                RPCError::Unreachable(Unreachable::new(&e))
            } else {
                RPCError::Network(NetworkError::new(&e))
            });
        }
        let res: Result<R, RaftError<NodeId, E>> = serde_json::from_slice(&bytes).map_err(|e| {
            RPCError::Network(NetworkError::new(&TransportError(format!(
                "{path}: bad response: {e}"
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
        self.post(PATH_APPEND, body, &option).await
    }

    async fn install_snapshot(
        &mut self,
        rpc: InstallSnapshotRequest<TypeConfig>,
        option: RPCOption,
    ) -> Result<InstallSnapshotResponse<NodeId>, RpcError<InstallSnapshotError>> {
        let body = wire::encode_snapshot(&rpc).map_err(encode_error)?;
        self.post(PATH_SNAPSHOT, body, &option).await
    }

    async fn vote(
        &mut self,
        rpc: VoteRequest<NodeId>,
        option: RPCOption,
    ) -> Result<VoteResponse<NodeId>, RpcError> {
        let body = serde_json::to_vec(&rpc).map_err(|e| RPCError::Network(NetworkError::new(&e)))?;
        self.post(PATH_VOTE, Bytes::from(body), &option).await
    }
}
