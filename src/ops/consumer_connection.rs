//! `consumerConnection`: a consumer group's live clients and subscriptions
//! (GET_CONSUMER_CONNECTION_LIST, 203), asked of the masters (a slave while the master is down)
//! serving the group's retry topic in broker-name order, the first that knows a live client answering (Java asks one broker of the
//! route: every broker the clients heartbeat to knows them all).

use std::collections::BTreeMap;

use broker::remoting::body::SubscriptionData;
use broker::remoting::body_group::{Connection, ConsumerConnection};
use broker::remoting::codes::{request, response};
use broker::remoting::headers::ConsumerGroupRequestHeader;
use serde::Serialize;

use super::admin::{decode_json, request_with, Admin, AdminError};

/// The prefix of a group's retry topic (Java's `MixAll.RETRY_GROUP_TOPIC_PREFIX`).
pub const RETRY_GROUP_TOPIC_PREFIX: &str = "%RETRY%";

/// One live client, as the connection listings print it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientConnection {
    /// `ip@instance`.
    pub client_id: String,
    /// `ip:port` of its connection to the broker that answered.
    pub client_addr: String,
    /// `JAVA`, `CPP`, ...
    pub language: String,
    /// Version ordinal as the client sent it.
    pub version: i32,
    /// The version's name (`V4_9_7`), as Java's `MQVersion.getVersionDesc`.
    pub version_desc: String,
}

impl From<&Connection> for ClientConnection {
    fn from(c: &Connection) -> Self {
        Self {
            client_id: c.client_id.clone(),
            client_addr: c.client_addr.clone(),
            language: c.language.clone(),
            version: c.version,
            version_desc: version_desc(c.version),
        }
    }
}

/// One subscription of the group.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    /// Topic.
    pub topic: String,
    /// Tag expression (`*`, `TagA || TagB`) or SQL92.
    pub sub_expression: String,
    /// `TAG` or `SQL92`.
    pub expression_type: String,
}

impl From<&SubscriptionData> for Subscription {
    fn from(s: &SubscriptionData) -> Self {
        Self {
            topic: s.topic.clone(),
            sub_expression: s.sub_string.clone(),
            expression_type: s.expression_type.clone(),
        }
    }
}

/// `consumerConnection -g GROUP`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsumerConnectionReport {
    /// The group.
    pub group: String,
    /// The broker that answered.
    pub broker_addr: String,
    /// Live clients, by client id.
    pub connections: Vec<ClientConnection>,
    /// Subscriptions by topic.
    pub subscriptions: Vec<Subscription>,
    /// `CONSUME_PASSIVELY` (push) / `CONSUME_ACTIVELY` (pull).
    pub consume_type: Option<String>,
    /// `CLUSTERING` / `BROADCASTING`.
    pub message_model: Option<String>,
    /// `CONSUME_FROM_LAST_OFFSET`, ...
    pub consume_from_where: Option<String>,
}

/// Java's `MQVersion.getVersionDesc`: the name of a version ordinal (`407` is `V4_9_7`). The
/// 4.x and 5.x releases each have a `_SNAPSHOT` ordinal before them; other ordinals are printed
/// as numbers.
pub fn version_desc(v: i32) -> String {
    /// Ordinal of `V4_0_0_SNAPSHOT`; 4.x.y is `V4_0_0_SNAPSHOT + 2 * (10x + y) + 1`.
    const V4_BASE: i32 = 212;
    /// Ordinal of `V5_0_0_SNAPSHOT`.
    const V5_BASE: i32 = 412;
    let (major, base) = match v {
        _ if (V4_BASE..V5_BASE).contains(&v) => (4, V4_BASE),
        _ if (V5_BASE..V5_BASE + 200).contains(&v) => (5, V5_BASE),
        _ => return v.to_string(),
    };
    let n = (v - base) / 2;
    let snapshot = if (v - base) % 2 == 0 { "_SNAPSHOT" } else { "" };
    format!("V{major}_{}_{}{snapshot}", n / 10, n % 10)
}

/// The broker to read from in one broker group, as Java's `BrokerData.selectBrokerAddr`: the
/// master (broker id 0: the leader in DLedger mode), else (the master is down) a slave; Java
/// picks a random one, we the lowest id.
fn select_broker_addr(bd: &broker::remoting::body::BrokerData) -> Option<(String, String)> {
    bd.broker_addrs
        .get(&0)
        .or_else(|| bd.broker_addrs.values().next())
        .map(|a| (bd.broker_name.clone(), a.clone()))
}

/// The brokers to ask about consumer group `group`, as `(broker name, address)`: one per broker
/// group serving its retry topic, else (no consumer of it ever connected) per broker group the
/// name server knows; the master of each, or a slave while the master is down (Java reads a
/// group's stats, connections and clients the same way; the slave has the offsets it synced
/// from the master).
///
/// # Errors
/// The name servers cannot be asked.
pub async fn group_brokers(admin: &Admin, group: &str) -> Result<Vec<(String, String)>, AdminError> {
    match admin.route(&format!("{RETRY_GROUP_TOPIC_PREFIX}{group}")).await {
        Ok(route) => {
            let mut out: Vec<(String, String)> =
                route.broker_datas.iter().filter_map(select_broker_addr).collect();
            out.sort();
            Ok(out)
        }
        Err(AdminError::TopicNotFound(_)) => {
            let info = admin.cluster_info().await?;
            let mut out: Vec<(String, String)> = info
                .broker_addr_table
                .values()
                .filter_map(select_broker_addr)
                .collect();
            out.sort();
            Ok(out)
        }
        Err(e) => Err(e),
    }
}

/// The live clients of consumer group `group`.
///
/// # Errors
/// [`AdminError::Invalid`] when no broker knows a live client of the group (Java: "Not found
/// the consumer group connection"); a broker failure when no broker answered.
pub async fn consumer_connection(admin: &Admin, group: &str) -> Result<ConsumerConnectionReport, AdminError> {
    let masters = group_brokers(admin, group).await?;
    let header = ConsumerGroupRequestHeader {
        consumer_group: group.to_string(),
    };
    let mut failure = None;
    for (_, addr) in masters {
        let req = request_with(request::GET_CONSUMER_CONNECTION_LIST, &header);
        match admin.broker(&addr, "GET_CONSUMER_CONNECTION_LIST", req).await {
            Ok(resp) => {
                let cc: ConsumerConnection = decode_json(&addr, "ConsumerConnection", &resp.body)?;
                if cc.connection_set.is_empty() {
                    continue;
                }
                return Ok(report(group, &addr, &cc));
            }
            Err(AdminError::Refused { code, .. }) if code == response::CONSUMER_NOT_ONLINE => {}
            Err(e) => {
                failure.get_or_insert(e);
            }
        }
    }
    Err(failure.unwrap_or_else(|| {
        AdminError::Invalid(format!(
            "consumer group {group} is not online: no broker knows a live consumer of it"
        ))
    }))
}

fn report(group: &str, addr: &str, cc: &ConsumerConnection) -> ConsumerConnectionReport {
    let subs: BTreeMap<&String, &SubscriptionData> = cc.subscription_table.iter().collect();
    ConsumerConnectionReport {
        group: group.to_string(),
        broker_addr: addr.to_string(),
        connections: cc.connection_set.iter().map(ClientConnection::from).collect(),
        subscriptions: subs.values().map(|s| Subscription::from(*s)).collect(),
        consume_type: cc.consume_type.clone(),
        message_model: cc.message_model.clone(),
        consume_from_where: cc.consume_from_where.clone(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn version_names() {
        assert_eq!(super::version_desc(407), "V4_9_7");
        assert_eq!(super::version_desc(401), "V4_9_4");
        assert_eq!(super::version_desc(213), "V4_0_0");
        assert_eq!(super::version_desc(412), "V5_0_0_SNAPSHOT");
        assert_eq!(super::version_desc(7), "7");
    }
}
