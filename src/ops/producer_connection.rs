//! `producerConnection`: a producer group's live clients (GET_PRODUCER_CONNECTION_LIST, 204),
//! asked of the masters of the topic's route in broker-name order; the first that knows a live
//! producer of the group answers (Java asks one broker of the route).

use broker::remoting::body_group::ProducerConnection;
use broker::remoting::codes::{request, response};
use broker::remoting::headers::ProducerGroupRequestHeader;
use serde::Serialize;

use super::admin::{decode_json, request_with, route_masters, Admin, AdminError};
use super::consumer_connection::ClientConnection;

/// `producerConnection -g GROUP -t TOPIC`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProducerConnectionReport {
    /// The producer group.
    pub group: String,
    /// The topic whose brokers were asked.
    pub topic: String,
    /// The broker that answered.
    pub broker_addr: String,
    /// Live clients, by client id.
    pub connections: Vec<ClientConnection>,
}

/// The live clients of producer group `group`, from the brokers of `topic`.
///
/// # Errors
/// [`AdminError::TopicNotFound`]; [`AdminError::Invalid`] when no broker knows a live producer
/// of the group (Java: "Not found the producer group connection"); a broker failure when no
/// broker answered.
pub async fn producer_connection(
    admin: &Admin,
    group: &str,
    topic: &str,
) -> Result<ProducerConnectionReport, AdminError> {
    let route = admin.route(topic).await?;
    let header = ProducerGroupRequestHeader {
        producer_group: group.to_string(),
    };
    let mut failure = None;
    for (_, addr) in route_masters(&route) {
        let req = request_with(request::GET_PRODUCER_CONNECTION_LIST, &header);
        match admin.broker(&addr, "GET_PRODUCER_CONNECTION_LIST", req).await {
            Ok(resp) => {
                let pc: ProducerConnection = decode_json(&addr, "ProducerConnection", &resp.body)?;
                if pc.connection_set.is_empty() {
                    continue;
                }
                return Ok(ProducerConnectionReport {
                    group: group.to_string(),
                    topic: topic.to_string(),
                    broker_addr: addr,
                    connections: pc.connection_set.iter().map(ClientConnection::from).collect(),
                });
            }
            // The broker's answer when the group has no live client.
            Err(AdminError::Refused { code, .. }) if code == response::SYSTEM_ERROR => {}
            Err(e) => {
                failure.get_or_insert(e);
            }
        }
    }
    Err(failure.unwrap_or_else(|| {
        AdminError::Invalid(format!(
            "producer group {group} is not online: no broker of topic {topic} knows a live producer of it"
        ))
    }))
}
