//! The address lists inside config values: DLedger's `dLegerPeers` (`id-host:port;…`), the
//! brokerId RocketMQ derives from a self id such as `n1`, and the `;`-separated `namesrvAddr`.
//! `mqadmin` parses peers with the same functions (gen-config, upgrade-group), so they are public
//! and independent of a loaded config.

use super::error::ConfigError;

/// One member of a DLedger group, from `dLegerPeers`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    /// The peer id, e.g. `n0`.
    pub id: String,
    /// Its DLedger address, `host:port`.
    pub addr: String,
}

/// Parses `id-host:port;…`: the id is the text before the first `-`. Empty entries (such as
/// after a trailing `;`) are skipped.
///
/// # Errors
/// [`ConfigError::Invalid`] for an entry without `-`, with an empty id, or without a
/// `host:port` address, and for a repeated id or address.
pub fn parse_peers(text: &str) -> Result<Vec<Peer>, ConfigError> {
    let bad = |reason: String| ConfigError::Invalid {
        key: "dLegerPeers",
        value: text.to_owned(),
        reason,
    };
    let mut peers: Vec<Peer> = Vec::new();
    for entry in text.split(';').map(str::trim).filter(|e| !e.is_empty()) {
        let Some((id, addr)) = entry.split_once('-') else {
            return Err(bad(format!("entry {entry:?} is not id-host:port")));
        };
        if id.is_empty() {
            return Err(bad(format!("entry {entry:?} has an empty id")));
        }
        if !is_host_port(addr) {
            return Err(bad(format!("entry {entry:?}: {addr:?} is not host:port")));
        }
        if peers.iter().any(|p| p.id == id) {
            return Err(bad(format!("peer id {id:?} appears more than once")));
        }
        if peers.iter().any(|p| p.addr == addr) {
            return Err(bad(format!("address {addr:?} appears more than once")));
        }
        peers.push(Peer {
            id: id.to_owned(),
            addr: addr.to_owned(),
        });
    }
    Ok(peers)
}

pub(super) fn is_host_port(addr: &str) -> bool {
    match addr.rsplit_once(':') {
        Some((host, port)) => !host.is_empty() && port.parse::<u16>().is_ok(),
        None => false,
    }
}

/// Whether `id` is a letter followed by one or more digits, the form RocketMQ derives a brokerId
/// from.
fn is_self_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && !chars.as_str().is_empty()
        && chars.all(|c| c.is_ascii_digit())
}

/// The brokerId a DLedger node registers with when it is not the leader: the digits after the
/// first character, plus one (`n0` → 1, `n2` → 3), as RocketMQ's `DLedgerRoleChangeHandler`.
/// `None` if `self_id` is not a letter followed by digits.
pub fn dledger_broker_id(self_id: &str) -> Option<i64> {
    if !is_self_id(self_id) {
        return None;
    }
    self_id[1..].parse::<i64>().ok()?.checked_add(1)
}

/// Splits a `;`-separated name-server list, dropping empty entries.
pub fn split_namesrv_addr(list: &str) -> Vec<String> {
    list.split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}
