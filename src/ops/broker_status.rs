//! `brokerStatus`: GET_BROKER_RUNTIME_INFO (28) of one broker or of every broker of a cluster.

use std::collections::BTreeMap;

use broker::remoting::body::KvTable;
use broker::remoting::codes::request;
use broker::remoting::RemotingCommand;
use serde::Serialize;

use super::admin::{decode_json, Admin, AdminError};

/// One broker's runtime statistics.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BrokerStatus {
    /// Address.
    pub addr: String,
    /// Keys and values, sorted by key.
    pub table: BTreeMap<String, String>,
    /// Why the broker could not be read (cluster mode only; Java goes on to the next broker).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Statistics of each requested broker.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BrokerStatusReport {
    /// One entry per broker, in request order.
    pub brokers: Vec<BrokerStatus>,
}

/// Which brokers to ask.
#[derive(Debug, Clone)]
pub enum BrokerTarget {
    /// One address.
    Addr(String),
    /// Every address (masters and slaves) of a cluster.
    Cluster(String),
}

/// The addresses a target stands for: the address itself, or a cluster's addresses sorted by
/// broker name and id.
///
/// # Errors
/// Unknown cluster or name-server failures.
pub async fn resolve(admin: &Admin, target: &BrokerTarget) -> Result<Vec<String>, AdminError> {
    Ok(match target {
        BrokerTarget::Addr(a) => vec![a.clone()],
        BrokerTarget::Cluster(c) => admin
            .cluster_addrs(c)
            .await?
            .into_iter()
            .map(|(_, _, a)| a)
            .collect(),
    })
}

/// Reads the runtime info of the target's brokers. For one address a failure is the error; for
/// a cluster, as in Java, a broker that fails is recorded and the others are still read.
///
/// # Errors
/// Unknown cluster, name-server failures, or the one broker failing.
pub async fn broker_status(admin: &Admin, target: &BrokerTarget) -> Result<BrokerStatusReport, AdminError> {
    let mut brokers = Vec::new();
    for addr in resolve(admin, target).await? {
        match runtime_info(admin, &addr).await {
            Ok(table) => brokers.push(BrokerStatus {
                addr,
                table,
                error: None,
            }),
            Err(e) if matches!(target, BrokerTarget::Cluster(_)) => brokers.push(BrokerStatus {
                addr,
                table: BTreeMap::new(),
                error: Some(e.to_string()),
            }),
            Err(e) => return Err(e),
        }
    }
    Ok(BrokerStatusReport { brokers })
}

async fn runtime_info(admin: &Admin, addr: &str) -> Result<BTreeMap<String, String>, AdminError> {
    let resp = admin
        .broker(
            addr,
            "GET_BROKER_RUNTIME_INFO",
            RemotingCommand::request_empty(request::GET_BROKER_RUNTIME_INFO),
        )
        .await?;
    let kv: KvTable = decode_json(addr, "KVTable", &resp.body)?;
    Ok(kv.table)
}
