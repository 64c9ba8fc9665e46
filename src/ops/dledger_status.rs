//! `dledger-status`: the replication state of every node of each broker group, read with our
//! GET_REPLICA_STATUS (9001) from each address the name server lists.
//!
//! `clusterList` shows which node is BID 0 and nothing behind it. This report adds, per node,
//! what an operator checks before a failover or `upgrade-group`: the Raft role, term and log
//! indexes of a DLedger node with each follower's lag and last contact, or the replicated offset
//! and bytes behind of a Master/Slave pair, and the data files and disk use of both. The lag of
//! a node is computed from its group's leader (or master), which knows what it has replicated.

use std::collections::BTreeMap;
use std::time::Duration;

use broker::remoting::body::ClusterInfo;
use broker::remoting::body_replica::ReplicaStatus;
use broker::remoting::codes::{request, response};
use broker::remoting::RemotingCommand;
use serde::Serialize;

use super::admin::{decode_json, Admin, AdminError};

/// How long one node may take to answer: a stopped node must not hold the report for the
/// default 5 s admin timeout per node (nodes are asked in parallel anyway).
pub const NODE_TIMEOUT: Duration = Duration::from_secs(3);

/// Which groups to report.
#[derive(Debug, Clone, Default)]
pub struct StatusOptions {
    /// Only this cluster; every cluster when `None`.
    pub cluster: Option<String>,
    /// Only this broker group (`brokerName`).
    pub group: Option<String>,
}

/// How a group replicates, as its answering nodes say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum GroupMode {
    /// A DLedger (Raft) commitlog.
    Dledger,
    /// Classic Master/Slave with HA.
    MasterSlave,
    /// No node answered the status request.
    Unknown,
}

/// Why a node has no status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind", content = "message")]
pub enum NodeError {
    /// The node did not answer (stopped, killed, partitioned).
    Unreachable(String),
    /// The node answered REQUEST_CODE_NOT_SUPPORTED (a Java broker, or an older one of ours).
    Unsupported(String),
    /// Any other failure (an error code, a malformed body).
    Failed(String),
}

impl std::fmt::Display for NodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unreachable(m) => write!(f, "unreachable: {m}"),
            Self::Unsupported(m) => write!(f, "does not support GET_REPLICA_STATUS ({m})"),
            Self::Failed(m) => write!(f, "failed: {m}"),
        }
    }
}

/// One node of a group.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeStatus {
    /// The address the name server lists.
    pub addr: String,
    /// The BID it is registered with (0 master/leader).
    pub broker_id: i64,
    /// Its role: `Leader`, `Follower`, `Candidate` (DLedger), `Master`, `Slave`, or `-` when
    /// it did not answer.
    pub role: String,
    /// Entries it lacks compared with its leader (DLedger; 0 on the leader).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lag_entries: Option<u64>,
    /// Commitlog bytes it lacks compared with its leader or master.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lag_bytes: Option<u64>,
    /// Milliseconds since it last heard from its leader or master (followers and slaves).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub millis_since_leader_contact: Option<u64>,
    /// What the node reported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<ReplicaStatus>,
    /// Why it reported nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<NodeError>,
}

/// One broker group.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupStatus {
    /// Cluster name.
    pub cluster: String,
    /// Group (`brokerName`).
    pub broker_name: String,
    /// DLedger or Master/Slave.
    pub mode: GroupMode,
    /// Nodes by registered BID.
    pub nodes: Vec<NodeStatus>,
}

impl GroupStatus {
    /// The node that leads (DLedger) or masters the group, as it says itself.
    pub fn leader(&self) -> Option<&NodeStatus> {
        self.nodes
            .iter()
            .find(|n| n.role == "Leader" || n.role == "Master")
    }
}

/// Every requested group.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DledgerStatusReport {
    /// Groups sorted by cluster and name.
    pub groups: Vec<GroupStatus>,
}

impl DledgerStatusReport {
    /// Nodes that reported nothing, as `(group, node)`.
    pub fn failed(&self) -> impl Iterator<Item = (&GroupStatus, &NodeStatus)> {
        self.groups
            .iter()
            .flat_map(|g| g.nodes.iter().map(move |n| (g, n)))
            .filter(|(_, n)| n.error.is_some())
    }
}

/// One group a layout lists: `(cluster, group, [(bid, addr)])`.
pub type ListedGroup = (String, String, Vec<(i64, String)>);

/// The groups the options select from a cluster layout.
///
/// # Errors
/// [`AdminError::ClusterNotFound`], or [`AdminError::Invalid`] for an unknown group.
pub fn select_groups(info: &ClusterInfo, opts: &StatusOptions) -> Result<Vec<ListedGroup>, AdminError> {
    if let Some(c) = &opts.cluster {
        if !info.cluster_addr_table.contains_key(c) {
            return Err(AdminError::ClusterNotFound(c.clone()));
        }
    }
    let mut out = Vec::new();
    for (cluster, names) in &info.cluster_addr_table {
        if opts.cluster.as_ref().is_some_and(|c| c != cluster) {
            continue;
        }
        for name in names {
            if opts.group.as_ref().is_some_and(|g| g != name) {
                continue;
            }
            let addrs = info
                .broker_addr_table
                .get(name)
                .map(|d| d.broker_addrs.iter().map(|(id, a)| (*id, a.clone())).collect())
                .unwrap_or_default();
            out.push((cluster.clone(), name.clone(), addrs));
        }
    }
    if let Some(g) = &opts.group {
        if out.is_empty() {
            return Err(AdminError::Invalid(format!("broker group {g} not found")));
        }
    }
    Ok(out)
}

/// Asks one broker for its replication status.
///
/// # Errors
/// [`NodeError`] saying whether it was unreachable, does not know the request, or failed.
pub async fn replica_status(admin: &Admin, addr: &str) -> Result<ReplicaStatus, NodeError> {
    let req = RemotingCommand::request_empty(request::GET_REPLICA_STATUS);
    let resp = admin
        .client
        .invoke(addr, req, NODE_TIMEOUT)
        .await
        .map_err(|e| NodeError::Unreachable(e.to_string()))?;
    match resp.code {
        response::SUCCESS => {
            decode_json(addr, "ReplicaStatus", &resp.body).map_err(|e| NodeError::Failed(e.to_string()))
        }
        response::REQUEST_CODE_NOT_SUPPORTED => Err(NodeError::Unsupported(
            resp.remark.unwrap_or_else(|| "code 3".into()),
        )),
        code => Err(NodeError::Failed(format!(
            "code {code}: {}",
            resp.remark.unwrap_or_default()
        ))),
    }
}

/// Reads the status of every node of the selected groups (in parallel) and works out each
/// node's role and lag.
///
/// # Errors
/// No name server answered, an unknown cluster or group.
pub async fn dledger_status(admin: &Admin, opts: &StatusOptions) -> Result<DledgerStatusReport, AdminError> {
    let info = admin.cluster_info().await?;
    status_of_layout(admin, &info, opts).await
}

/// [`dledger_status`] for a layout already read from a name server.
///
/// # Errors
/// An unknown cluster or group.
pub async fn status_of_layout(
    admin: &Admin,
    info: &ClusterInfo,
    opts: &StatusOptions,
) -> Result<DledgerStatusReport, AdminError> {
    let selected = select_groups(info, opts)?;
    let calls = selected.iter().flat_map(|(_, _, addrs)| {
        addrs
            .iter()
            .map(|(_, addr)| async move { (addr.clone(), replica_status(admin, addr).await) })
    });
    let mut answers: BTreeMap<String, Result<ReplicaStatus, NodeError>> =
        futures::future::join_all(calls).await.into_iter().collect();
    let groups = selected
        .into_iter()
        .map(|(cluster, broker_name, addrs)| {
            let nodes = addrs
                .into_iter()
                .map(|(broker_id, addr)| {
                    let answer = answers
                        .remove(&addr)
                        .unwrap_or_else(|| Err(NodeError::Failed("listed twice".into())));
                    node_status(addr, broker_id, answer)
                })
                .collect();
            let mut g = GroupStatus {
                cluster,
                broker_name,
                mode: GroupMode::Unknown,
                nodes,
            };
            fill_lag(&mut g);
            g
        })
        .collect();
    Ok(DledgerStatusReport { groups })
}

fn node_status(addr: String, broker_id: i64, answer: Result<ReplicaStatus, NodeError>) -> NodeStatus {
    let (status, error) = match answer {
        Ok(s) => (Some(s), None),
        Err(e) => (None, Some(e)),
    };
    let role = match &status {
        Some(ReplicaStatus { raft: Some(r), .. }) => r.state.clone(),
        Some(s) if s.broker_role == "SLAVE" => "Slave".into(),
        Some(_) => "Master".into(),
        None => "-".into(),
    };
    let millis_since_leader_contact = status.as_ref().and_then(|s| match (&s.raft, &s.ha) {
        (Some(r), _) => r.millis_since_leader_contact,
        (None, Some(h)) => h.millis_since_master_contact,
        _ => None,
    });
    NodeStatus {
        addr,
        broker_id,
        role,
        lag_entries: None,
        lag_bytes: None,
        millis_since_leader_contact,
        status,
        error,
    }
}

/// Sets the group's mode and each node's lag from its leader's (or master's) report.
fn fill_lag(g: &mut GroupStatus) {
    let answered: Vec<&ReplicaStatus> = g.nodes.iter().filter_map(|n| n.status.as_ref()).collect();
    g.mode = if answered.iter().any(|s| s.raft.is_some()) {
        GroupMode::Dledger
    } else if answered.is_empty() {
        GroupMode::Unknown
    } else {
        GroupMode::MasterSlave
    };
    let Some(leader) = g.leader().and_then(|n| n.status.clone()) else {
        return;
    };
    for n in &mut g.nodes {
        let Some(s) = &n.status else {
            // A follower that does not answer: its leader still knows its lag. Followers
            // register as BID = node id + 1 (spec §3.7).
            if let Some(lr) = &leader.raft {
                n.lag_entries = lr
                    .followers
                    .iter()
                    .find(|f| n.broker_id > 0 && i64::try_from(f.node_id + 1) == Ok(n.broker_id))
                    .map(|f| f.lag_entries);
            }
            continue;
        };
        if n.role == "Leader" || n.role == "Master" {
            n.lag_entries = leader.raft.as_ref().map(|_| 0);
            n.lag_bytes = Some(0);
            continue;
        }
        n.lag_bytes = Some(leader.commitlog_max_offset.saturating_sub(s.commitlog_max_offset));
        if let (Some(lr), Some(r)) = (&leader.raft, &s.raft) {
            n.lag_entries = lr
                .followers
                .iter()
                .find(|f| f.node_id == r.node_id)
                .map(|f| f.lag_entries);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use broker::remoting::body::BrokerData;
    use broker::remoting::body_replica::{FollowerProgress, RaftStatus};

    fn layout() -> ClusterInfo {
        let mut info = ClusterInfo::default();
        info.cluster_addr_table
            .insert("C".into(), ["g1".to_string(), "g2".to_string()].into());
        for g in ["g1", "g2"] {
            info.broker_addr_table.insert(
                g.into(),
                BrokerData {
                    broker_addrs: [(0, format!("{g}:1")), (1, format!("{g}:2"))].into(),
                    broker_name: g.into(),
                    cluster: "C".into(),
                    ..Default::default()
                },
            );
        }
        info
    }

    #[test]
    fn selects_groups() {
        let info = layout();
        assert_eq!(select_groups(&info, &StatusOptions::default()).unwrap().len(), 2);
        let one = StatusOptions {
            cluster: Some("C".into()),
            group: Some("g2".into()),
        };
        let sel = select_groups(&info, &one).unwrap();
        assert_eq!(sel[0].1, "g2");
        assert_eq!(sel[0].2, vec![(0, "g2:1".to_string()), (1, "g2:2".to_string())]);
        let unknown = StatusOptions {
            cluster: Some("X".into()),
            group: None,
        };
        assert!(matches!(
            select_groups(&info, &unknown),
            Err(AdminError::ClusterNotFound(_))
        ));
        let no_group = StatusOptions {
            cluster: None,
            group: Some("nope".into()),
        };
        assert!(matches!(
            select_groups(&info, &no_group),
            Err(AdminError::Invalid(_))
        ));
    }

    #[test]
    fn lag_comes_from_the_leader() {
        let raft = |id, state: &str, followers| RaftStatus {
            node_id: id,
            state: state.into(),
            followers,
            ..Default::default()
        };
        let leader = ReplicaStatus {
            commitlog_max_offset: 1000,
            raft: Some(raft(
                0,
                "Leader",
                vec![FollowerProgress {
                    node_id: 1,
                    lag_entries: 7,
                    ..Default::default()
                }],
            )),
            ..Default::default()
        };
        let follower = ReplicaStatus {
            commitlog_max_offset: 400,
            raft: Some(raft(1, "Follower", vec![])),
            ..Default::default()
        };
        let mut g = GroupStatus {
            cluster: "C".into(),
            broker_name: "g".into(),
            mode: GroupMode::Unknown,
            nodes: vec![
                node_status("a".into(), 0, Ok(leader)),
                node_status("b".into(), 2, Ok(follower)),
                node_status("c".into(), 3, Err(NodeError::Unreachable("timeout".into()))),
            ],
        };
        fill_lag(&mut g);
        assert_eq!(g.mode, GroupMode::Dledger);
        assert_eq!((g.nodes[0].lag_entries, g.nodes[0].lag_bytes), (Some(0), Some(0)));
        assert_eq!(
            (g.nodes[1].lag_entries, g.nodes[1].lag_bytes),
            (Some(7), Some(600))
        );
        assert_eq!(g.nodes[2].role, "-");
        assert_eq!(g.nodes[2].lag_bytes, None);
        // BID 3 is node 2, which the leader does not list here.
        assert_eq!(g.nodes[2].lag_entries, None);
    }
}
