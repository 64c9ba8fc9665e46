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

/// Reads the runtime info of the target's brokers; stops at the first that fails.
///
/// # Errors
/// Unknown cluster, name-server or broker failures.
pub async fn broker_status(admin: &Admin, target: &BrokerTarget) -> Result<BrokerStatusReport, AdminError> {
    let mut brokers = Vec::new();
    for addr in resolve(admin, target).await? {
        let resp = admin
            .broker(
                &addr,
                "GET_BROKER_RUNTIME_INFO",
                RemotingCommand::request_empty(request::GET_BROKER_RUNTIME_INFO),
            )
            .await?;
        let kv: KvTable = decode_json(&addr, "KVTable", &resp.body)?;
        brokers.push(BrokerStatus {
            addr,
            table: kv.table,
        });
    }
    Ok(BrokerStatusReport { brokers })
}
