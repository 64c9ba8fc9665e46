//! `getBrokerConfig`: GET_BROKER_CONFIG (26), whose body is Java properties text.

use std::collections::BTreeMap;

use broker::remoting::codes::request;
use broker::remoting::RemotingCommand;
use serde::Serialize;

use super::admin::{Admin, AdminError};
use super::broker_status::BrokerTarget;

/// One broker's configuration.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BrokerConfigEntry {
    /// Address.
    pub addr: String,
    /// Broker name (with `-c`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub broker_name: Option<String>,
    /// Broker id (with `-c`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub broker_id: Option<i64>,
    /// The master's address, for a slave (with `-c`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub master_addr: Option<String>,
    /// Keys and values, sorted by key.
    pub config: BTreeMap<String, String>,
    /// Why the broker could not be read (cluster mode only; Java goes on to the next broker).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Configuration of each requested broker.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BrokerConfigReport {
    /// One entry per broker.
    pub brokers: Vec<BrokerConfigEntry>,
}

/// Reads the configuration of the target's brokers. For one address a failure is the error; for
/// a cluster, as in Java, a broker that fails is recorded and the others are still read.
///
/// # Errors
/// Unknown cluster, name-server failures, or the one broker failing.
pub async fn get_broker_config(
    admin: &Admin,
    target: &BrokerTarget,
) -> Result<BrokerConfigReport, AdminError> {
    let entry = |broker_name, broker_id, master_addr, addr: &str| BrokerConfigEntry {
        addr: addr.to_string(),
        broker_name,
        broker_id,
        master_addr,
        config: BTreeMap::new(),
        error: None,
    };
    let mut brokers: Vec<BrokerConfigEntry> = match target {
        BrokerTarget::Addr(a) => vec![entry(None, None, None, a)],
        BrokerTarget::Cluster(c) => {
            let addrs = admin.cluster_addrs(c).await?;
            addrs
                .iter()
                .map(|(name, id, addr)| {
                    let master = addrs
                        .iter()
                        .find(|(n, i, _)| n == name && *i == 0)
                        .map(|(_, _, a)| a.clone());
                    let master = if *id == 0 { None } else { master };
                    entry(Some(name.clone()), Some(*id), master, addr)
                })
                .collect()
        }
    };
    let cluster = matches!(target, BrokerTarget::Cluster(_));
    for b in &mut brokers {
        let result = admin
            .broker(
                &b.addr,
                "GET_BROKER_CONFIG",
                RemotingCommand::request_empty(request::GET_BROKER_CONFIG),
            )
            .await;
        match result {
            Ok(resp) => b.config = parse_properties(&String::from_utf8_lossy(&resp.body)),
            Err(e) if cluster => b.error = Some(e.to_string()),
            Err(e) => return Err(e),
        }
    }
    Ok(BrokerConfigReport { brokers })
}

/// Parses `key=value` lines (Java `Properties.load` basics: `#`/`!` comments, `=` or `:`
/// separators, surrounding blanks trimmed).
pub fn parse_properties(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with('!'))
        .map(|l| match l.find(['=', ':']) {
            Some(i) => (l[..i].trim().to_string(), l[i + 1..].trim().to_string()),
            None => (l.to_string(), String::new()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn properties() {
        let p = super::parse_properties(
            "# c\nbrokerName=broker-a\nlistenPort = 10911\nnamesrvAddr=a:1;b:2\nempty=\n",
        );
        assert_eq!(p["brokerName"], "broker-a");
        assert_eq!(p["listenPort"], "10911");
        assert_eq!(p["namesrvAddr"], "a:1;b:2");
        assert_eq!(p["empty"], "");
        assert_eq!(p.len(), 4);
    }
}
