//! What every admin command shares: the name-server list tried in turn, broker calls that check
//! the response code, route and cluster look-ups, and one error type whose variants say whether
//! the input was wrong (exit 1) or something failed (exit 2).

use std::time::Duration;

use broker::remoting::acl_sign::Credentials;
use broker::remoting::body::{ClusterInfo, TopicRouteData};
use broker::remoting::client::ClientConfig;
use broker::remoting::codes::{request, response};
use broker::remoting::custom_header::CommandHeader;
use broker::remoting::headers::{
    GetRouteInfoRequestHeader, OffsetResponseHeader, PullMessageRequestHeader, PullMessageResponseHeader,
    QueueRequestHeader,
};
use broker::remoting::{RemotingClient, RemotingCommand, RemotingError};
use broker::store::message::{decode_records, DecodedMessage};

use super::cluster_list::split_namesrv_list;

/// Default timeout of one request, as the Java admin tool (`timeoutMillis` 5 s).
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// Why an admin operation failed.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// No name server address was configured.
    #[error("no name server address given; pass -n/--namesrvAddr or set NAMESRV_ADDR")]
    NoNamesrv,
    /// Every name server failed; one entry per address.
    #[error("no name server answered {what}: {}", .failures.join("; "))]
    NamesrvUnreachable {
        /// The request that was tried.
        what: &'static str,
        /// One message per name server.
        failures: Vec<String>,
    },
    /// The name servers know no route for the topic.
    #[error("topic {0} not found")]
    TopicNotFound(String),
    /// The cluster is not registered with the name server.
    #[error("cluster {0} not found")]
    ClusterNotFound(String),
    /// The input names something that does not exist or cannot be used (a bad message id, a
    /// broker name that does not serve the topic, ...).
    #[error("{0}")]
    Invalid(String),
    /// A request could not be sent or answered.
    #[error(transparent)]
    Remoting(#[from] RemotingError),
    /// A server answered with an error code.
    #[error("{addr} answered {what} with code {code}: {remark}")]
    Refused {
        /// Server address.
        addr: String,
        /// The request.
        what: &'static str,
        /// Response code.
        code: i32,
        /// Response remark.
        remark: String,
    },
    /// A response body could not be decoded.
    #[error("{addr} sent a malformed {what} body: {reason}")]
    BadBody {
        /// Server address.
        addr: String,
        /// The body type.
        what: &'static str,
        /// Decoder message.
        reason: String,
    },
}

impl AdminError {
    /// Whether the error means "the input was wrong / the thing does not exist" (exit 1) rather
    /// than an unexpected failure (exit 2).
    pub fn is_failure(&self) -> bool {
        matches!(
            self,
            Self::TopicNotFound(_) | Self::ClusterNotFound(_) | Self::Invalid(_)
        )
    }
}

/// The ACL account every request of this process is signed with, set once at start.
static CREDENTIALS: std::sync::OnceLock<Credentials> = std::sync::OnceLock::new();

/// Signs every request this process sends from now on with `credentials` (`--access-key` and
/// `--secret-key`); the first call wins.
pub fn set_credentials(credentials: Credentials) {
    let _ = CREDENTIALS.set(credentials);
}

/// The remoting client every command uses: it signs each request when credentials are set,
/// so every command works against brokers with ACL.
pub fn client() -> RemotingClient {
    RemotingClient::new(ClientConfig {
        credentials: CREDENTIALS.get().cloned(),
        ..ClientConfig::default()
    })
}

/// A remoting client plus the name-server list.
#[derive(Clone)]
pub struct Admin {
    /// Shared connections.
    pub client: RemotingClient,
    /// Name servers, tried in turn.
    pub namesrv_addrs: Vec<String>,
    /// Timeout of each request. Default: [`TIMEOUT`].
    pub timeout: Duration,
}

impl Admin {
    /// An admin client for a `;`-separated name-server list.
    pub fn new(namesrv_list: &str) -> Self {
        Self {
            client: client(),
            namesrv_addrs: split_namesrv_list(namesrv_list),
            timeout: TIMEOUT,
        }
    }

    /// Sends `req` to the name servers in turn and returns the first successful answer and the
    /// address that gave it. A `TOPIC_NOT_EXIST` answer is final (the other name servers share
    /// the same brokers).
    ///
    /// # Errors
    /// [`AdminError::NoNamesrv`], [`AdminError::NamesrvUnreachable`], or `Refused` for a
    /// `TOPIC_NOT_EXIST` answer.
    pub async fn namesrv(
        &self,
        what: &'static str,
        req: RemotingCommand,
    ) -> Result<(String, RemotingCommand), AdminError> {
        if self.namesrv_addrs.is_empty() {
            return Err(AdminError::NoNamesrv);
        }
        let mut failures = Vec::new();
        for addr in &self.namesrv_addrs {
            match self.client.invoke(addr, req.clone(), self.timeout).await {
                Ok(resp) if resp.code == response::SUCCESS => return Ok((addr.clone(), resp)),
                Ok(resp) if resp.code == response::TOPIC_NOT_EXIST => {
                    return Err(refused(addr, what, resp));
                }
                Ok(resp) => failures.push(format!(
                    "{addr}: code {} ({})",
                    resp.code,
                    resp.remark.unwrap_or_default()
                )),
                Err(e) => failures.push(format!("{addr}: {e}")),
            }
        }
        Err(AdminError::NamesrvUnreachable { what, failures })
    }

    /// Sends `req` to every name server (for changes such as DELETE_TOPIC_IN_NAMESRV) and
    /// returns one result per address.
    ///
    /// # Errors
    /// [`AdminError::NoNamesrv`].
    pub async fn every_namesrv(
        &self,
        what: &'static str,
        req: RemotingCommand,
    ) -> Result<Vec<(String, Result<(), AdminError>)>, AdminError> {
        if self.namesrv_addrs.is_empty() {
            return Err(AdminError::NoNamesrv);
        }
        let mut out = Vec::new();
        for addr in &self.namesrv_addrs {
            let r = self.broker(addr, what, req.clone()).await.map(|_| ());
            out.push((addr.clone(), r));
        }
        Ok(out)
    }

    /// Sends `req` to one server and requires a SUCCESS answer.
    ///
    /// # Errors
    /// `Remoting` when not answered, `Refused` on an error code.
    pub async fn broker(
        &self,
        addr: &str,
        what: &'static str,
        req: RemotingCommand,
    ) -> Result<RemotingCommand, AdminError> {
        self.broker_within(addr, what, req, self.timeout).await
    }

    /// [`Admin::broker`] with its own timeout, for requests the broker relays to a client.
    ///
    /// # Errors
    /// `Remoting` when not answered, `Refused` on an error code.
    pub async fn broker_within(
        &self,
        addr: &str,
        what: &'static str,
        req: RemotingCommand,
        timeout: Duration,
    ) -> Result<RemotingCommand, AdminError> {
        let resp = self.client.invoke(addr, req, timeout).await?;
        if resp.code != response::SUCCESS {
            return Err(refused(addr, what, resp));
        }
        Ok(resp)
    }

    /// UPDATE_CONSUMER_OFFSET, oneway (as Java's clients commit): `offset` is the next offset
    /// `group` consumes on the queue.
    ///
    /// # Errors
    /// `Remoting` when it cannot be sent.
    pub async fn commit_offset_oneway(
        &self,
        addr: &str,
        group: &str,
        topic: &str,
        queue_id: i32,
        offset: i64,
    ) -> Result<(), AdminError> {
        let header = broker::remoting::headers::UpdateConsumerOffsetRequestHeader {
            consumer_group: group.to_string(),
            topic: topic.to_string(),
            queue_id,
            commit_offset: offset,
        };
        let req = request_with(request::UPDATE_CONSUMER_OFFSET, &header);
        self.client.invoke_oneway(addr, req, self.timeout).await?;
        Ok(())
    }

    /// GET_MIN_OFFSET or GET_MAX_OFFSET (`code`) of one queue on the broker at `addr`.
    ///
    /// # Errors
    /// `Remoting`, `Refused`, or `BadBody` when the answer has no offset.
    pub async fn queue_offset(
        &self,
        addr: &str,
        code: i32,
        topic: &str,
        queue_id: i32,
    ) -> Result<i64, AdminError> {
        let what = if code == request::GET_MIN_OFFSET {
            "GET_MIN_OFFSET"
        } else {
            "GET_MAX_OFFSET"
        };
        let header = QueueRequestHeader {
            topic: topic.to_string(),
            queue_id,
        };
        let resp = self.broker(addr, what, request_with(code, &header)).await?;
        resp.decode_header::<OffsetResponseHeader>()
            .map(|h| h.offset)
            .map_err(|e| AdminError::BadBody {
                addr: addr.to_string(),
                what,
                reason: e.to_string(),
            })
    }

    /// One PULL_MESSAGE to the broker at `addr`: the records found and the offset to pull from
    /// next (the broker's `nextBeginOffset`, or the request's own offset when the answer has
    /// none). The answers that mean "nothing (matching) here" (PULL_NOT_FOUND,
    /// PULL_RETRY_IMMEDIATELY, PULL_OFFSET_MOVED) are an empty list.
    ///
    /// # Errors
    /// `Remoting`, `Refused` on any other code, `BadBody` for records that do not decode.
    pub async fn pull(
        &self,
        addr: &str,
        header: &PullMessageRequestHeader,
    ) -> Result<(Vec<DecodedMessage>, i64), AdminError> {
        // A long-polling pull (SUSPEND flag) may be held by the broker for its suspend timeout.
        let hold = Duration::from_millis(header.suspend_timeout_millis.max(0) as u64);
        let resp = self
            .client
            .invoke(
                addr,
                request_with(request::PULL_MESSAGE, header),
                self.timeout + hold,
            )
            .await?;
        let next = resp
            .decode_header::<PullMessageResponseHeader>()
            .map(|h| h.next_begin_offset)
            .unwrap_or(header.queue_offset);
        match resp.code {
            response::SUCCESS => {
                let records = decode_records(&resp.body).map_err(|e| AdminError::BadBody {
                    addr: addr.to_string(),
                    what: "PULL_MESSAGE",
                    reason: e.to_string(),
                })?;
                Ok((records, next))
            }
            response::PULL_NOT_FOUND | response::PULL_RETRY_IMMEDIATELY | response::PULL_OFFSET_MOVED => {
                Ok((Vec::new(), next))
            }
            _ => Err(refused(addr, "PULL_MESSAGE", resp)),
        }
    }

    /// The cluster layout from the first name server that answers.
    ///
    /// # Errors
    /// As [`Admin::namesrv`], or a malformed body.
    pub async fn cluster_info(&self) -> Result<ClusterInfo, AdminError> {
        let req = RemotingCommand::request_empty(request::GET_BROKER_CLUSTER_INFO);
        let (addr, resp) = self.namesrv("GET_BROKER_CLUSTER_INFO", req).await?;
        decode_json(&addr, "ClusterInfo", &resp.body)
    }

    /// The master (broker id 0) addresses of a cluster, sorted by broker name, as
    /// `(broker name, address)`.
    ///
    /// # Errors
    /// [`AdminError::ClusterNotFound`] when the cluster is unknown, or as [`Admin::cluster_info`].
    pub async fn cluster_masters(&self, cluster: &str) -> Result<Vec<(String, String)>, AdminError> {
        Ok(self
            .cluster_addrs(cluster)
            .await?
            .into_iter()
            .filter(|(_, id, _)| *id == 0)
            .map(|(name, _, addr)| (name, addr))
            .collect())
    }

    /// Every broker address of a cluster as `(broker name, broker id, address)`, sorted by name
    /// then id.
    ///
    /// # Errors
    /// As [`Admin::cluster_masters`].
    pub async fn cluster_addrs(&self, cluster: &str) -> Result<Vec<(String, i64, String)>, AdminError> {
        let info = self.cluster_info().await?;
        let names = info
            .cluster_addr_table
            .get(cluster)
            .ok_or_else(|| AdminError::ClusterNotFound(cluster.to_string()))?;
        let mut out = Vec::new();
        for name in names {
            if let Some(data) = info.broker_addr_table.get(name) {
                for (id, addr) in &data.broker_addrs {
                    out.push((name.clone(), *id, addr.clone()));
                }
            }
        }
        Ok(out)
    }

    /// A topic's route.
    ///
    /// # Errors
    /// [`AdminError::TopicNotFound`] when no name server knows it, else as [`Admin::namesrv`].
    pub async fn route(&self, topic: &str) -> Result<TopicRouteData, AdminError> {
        let header = GetRouteInfoRequestHeader {
            topic: topic.to_string(),
            accept_standard_json_only: Some(true),
        };
        let req = RemotingCommand::request(request::GET_ROUTEINFO_BY_TOPIC, &header);
        match self.namesrv("GET_ROUTEINFO_BY_TOPIC", req).await {
            Ok((addr, resp)) => decode_json(&addr, "TopicRouteData", &resp.body),
            Err(AdminError::Refused { code, .. }) if code == response::TOPIC_NOT_EXIST => {
                Err(AdminError::TopicNotFound(topic.to_string()))
            }
            Err(e) => Err(e),
        }
    }
}

/// A request with a typed header.
pub fn request_with(code: i32, header: &impl CommandHeader) -> RemotingCommand {
    RemotingCommand::request(code, header)
}

fn refused(addr: &str, what: &'static str, resp: RemotingCommand) -> AdminError {
    AdminError::Refused {
        addr: addr.to_string(),
        what,
        code: resp.code,
        remark: resp.remark.unwrap_or_default(),
    }
}

/// Decodes a fastjson body.
///
/// # Errors
/// [`AdminError::BadBody`].
pub fn decode_json<T: serde::de::DeserializeOwned>(
    addr: &str,
    what: &'static str,
    body: &[u8],
) -> Result<T, AdminError> {
    broker::json::from_slice(body).map_err(|e| AdminError::BadBody {
        addr: addr.to_string(),
        what,
        reason: e.to_string(),
    })
}

/// The master (id 0) address of each broker group of a route, as `(broker name, address)`,
/// sorted by name; groups without a master are left out.
pub fn route_masters(route: &TopicRouteData) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = route
        .broker_datas
        .iter()
        .filter_map(|bd| {
            bd.broker_addrs
                .get(&0)
                .map(|a| (bd.broker_name.clone(), a.clone()))
        })
        .collect();
    out.sort();
    out
}
