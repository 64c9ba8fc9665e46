//! How `mqadmin` reaches the nodes, as the plan reports it (issue 18): an agent reached over
//! plain HTTP on a non-loopback address (`mqagent --allow-remote` without `--tls-cert`) gets the
//! bearer token and the whole store in clear text, so the plan says so, once per such agent.
//! A warning, not a refusal: a private link or a VPN may make it acceptable.

use super::Node;
use crate::ops::node::AnyNode;

/// One warning per node whose agent is reached over plain HTTP across the network.
pub(super) fn warnings(nodes: &[Node]) -> Vec<String> {
    nodes
        .iter()
        .filter_map(|n| match &n.store {
            AnyNode::Remote(r) if r.plain_over_network() => Some(format!(
                "{}: the agent of {} is reached over plain HTTP across the network: its token and \
                 the store's bytes travel in clear text; serve TLS (mqagent --tls-cert/--tls-key) \
                 and pass --agent-ca or --agent-fingerprint",
                n.self_id,
                n.config_path.display()
            )),
            _ => None,
        })
        .collect()
}
