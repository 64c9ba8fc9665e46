//! `cluster-health`: one verdict on a cluster, with every problem named, for people and scripts
//! (after `fast-try start` or `upgrade-group`, wait until it says healthy).
//!
//! Healthy means: every name server answers and they list the same brokers; every listed node
//! answers GET_REPLICA_STATUS; each group has exactly one BID 0, which is the one leader all its
//! DLedger nodes agree on in the same term (or the master of a Master/Slave pair); every member
//! of a DLedger group is registered; followers and slaves are within the lag bounds and in
//! contact with their leader; no disk is above `diskMaxUsedSpaceRatio`. The checks are pure
//! functions of the reports ([`problems`]), so they are tested without a cluster.

use std::collections::{BTreeMap, BTreeSet};

use broker::remoting::body::ClusterInfo;
use broker::remoting::codes::request;
use broker::remoting::RemotingCommand;
use serde::Serialize;

use super::admin::{decode_json, Admin, AdminError};
use super::dledger_status::{status_of_layout, DledgerStatusReport, GroupMode, GroupStatus, StatusOptions};

/// Default of `--max-lag`: entries a DLedger follower may lack.
pub const DEFAULT_MAX_LAG_ENTRIES: u64 = 1000;
/// Default of `--max-lag-bytes`: commitlog bytes a slave may lack.
pub const DEFAULT_MAX_LAG_BYTES: u64 = 64 * 1024 * 1024;
/// A follower or slave that has not heard from its leader for this long is out of contact
/// (leaders heartbeat every few hundred ms, a Master/Slave master every 5 s).
pub const MAX_SILENCE_MS: u64 = 15_000;

/// What to check.
#[derive(Debug, Clone)]
pub struct HealthOptions {
    /// Only this cluster; every cluster when `None`.
    pub cluster: Option<String>,
    /// Entries a DLedger follower may lack. Default: [`DEFAULT_MAX_LAG_ENTRIES`].
    pub max_lag_entries: u64,
    /// Bytes a slave may lack. Default: [`DEFAULT_MAX_LAG_BYTES`].
    pub max_lag_bytes: u64,
}

impl Default for HealthOptions {
    fn default() -> Self {
        Self {
            cluster: None,
            max_lag_entries: DEFAULT_MAX_LAG_ENTRIES,
            max_lag_bytes: DEFAULT_MAX_LAG_BYTES,
        }
    }
}

/// One name server's answer.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NamesrvHealth {
    /// Address.
    pub addr: String,
    /// Why it did not answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The verdict.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HealthReport {
    /// No problem found.
    pub healthy: bool,
    /// Every problem, one sentence each.
    pub problems: Vec<String>,
    /// Each name server.
    pub namesrvs: Vec<NamesrvHealth>,
    /// The status of every group checked.
    pub groups: Vec<GroupStatus>,
}

/// Checks the cluster once.
///
/// # Errors
/// [`AdminError::NoNamesrv`], [`AdminError::NamesrvUnreachable`] when no name server answers,
/// [`AdminError::ClusterNotFound`].
pub async fn cluster_health(admin: &Admin, opts: &HealthOptions) -> Result<HealthReport, AdminError> {
    if admin.namesrv_addrs.is_empty() {
        return Err(AdminError::NoNamesrv);
    }
    let calls = admin.namesrv_addrs.iter().map(|addr| async move {
        let req = RemotingCommand::request_empty(request::GET_BROKER_CLUSTER_INFO);
        let info = admin
            .broker(addr, "GET_BROKER_CLUSTER_INFO", req)
            .await
            .and_then(|r| decode_json::<ClusterInfo>(addr, "ClusterInfo", &r.body));
        (addr.clone(), info)
    });
    let answers = futures::future::join_all(calls).await;
    let mut namesrvs = Vec::new();
    let mut layouts = Vec::new();
    let mut failures = Vec::new();
    for (addr, info) in answers {
        match info {
            Ok(info) => {
                namesrvs.push(NamesrvHealth {
                    addr: addr.clone(),
                    error: None,
                });
                layouts.push((addr, info));
            }
            Err(e) => {
                failures.push(format!("{addr}: {e}"));
                namesrvs.push(NamesrvHealth {
                    addr,
                    error: Some(e.to_string()),
                });
            }
        }
    }
    let Some((_, first)) = layouts.first() else {
        return Err(AdminError::NamesrvUnreachable {
            what: "GET_BROKER_CLUSTER_INFO",
            failures,
        });
    };
    let status_opts = StatusOptions {
        cluster: opts.cluster.clone(),
        group: None,
    };
    let status = status_of_layout(admin, first, &status_opts).await?;
    let mut all = namesrv_problems(&namesrvs, &layouts, opts.cluster.as_deref());
    all.extend(problems(&status, opts));
    Ok(HealthReport {
        healthy: all.is_empty(),
        problems: all,
        namesrvs,
        groups: status.groups,
    })
}

/// The brokers a layout lists, as `group -> {bid -> addr}`, for one cluster or all.
fn listed(info: &ClusterInfo, cluster: Option<&str>) -> BTreeMap<String, BTreeMap<i64, String>> {
    info.cluster_addr_table
        .iter()
        .filter(|(c, _)| cluster.is_none_or(|want| want == c.as_str()))
        .flat_map(|(_, names)| names.iter())
        .map(|name| {
            let addrs = info
                .broker_addr_table
                .get(name)
                .map(|d| d.broker_addrs.clone())
                .unwrap_or_default();
            (name.clone(), addrs)
        })
        .collect()
}

/// Name servers that do not answer, and name servers whose broker lists differ from the first's.
pub fn namesrv_problems(
    namesrvs: &[NamesrvHealth],
    layouts: &[(String, ClusterInfo)],
    cluster: Option<&str>,
) -> Vec<String> {
    let mut out: Vec<String> = namesrvs
        .iter()
        .filter_map(|n| {
            n.error
                .as_ref()
                .map(|e| format!("name server {} does not answer: {e}", n.addr))
        })
        .collect();
    let Some((first_addr, first)) = layouts.first() else {
        return out;
    };
    let reference = listed(first, cluster);
    for (addr, info) in &layouts[1..] {
        let other = listed(info, cluster);
        let names: BTreeSet<&String> = reference.keys().chain(other.keys()).collect();
        for name in names {
            let (a, b) = (reference.get(name), other.get(name));
            if a != b {
                out.push(format!(
                    "name servers disagree on {name}: {first_addr} lists {}, {addr} lists {}",
                    describe(a),
                    describe(b)
                ));
            }
        }
    }
    out
}

fn describe(addrs: Option<&BTreeMap<i64, String>>) -> String {
    match addrs {
        None => "nothing".into(),
        Some(m) if m.is_empty() => "no broker".into(),
        Some(m) => m
            .iter()
            .map(|(id, a)| format!("BID {id} {a}"))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// Every problem of the groups' status, one sentence each, prefixed with the group name.
pub fn problems(status: &DledgerStatusReport, opts: &HealthOptions) -> Vec<String> {
    let mut out = Vec::new();
    if status.groups.is_empty() {
        out.push("no broker group is registered".to_string());
    }
    for g in &status.groups {
        let mut p = |text: String| out.push(format!("{}: {text}", g.broker_name));
        for n in &g.nodes {
            if let Some(e) = &n.error {
                p(format!("node {} (BID {}) {e}", n.addr, n.broker_id));
            }
            let Some(s) = &n.status else { continue };
            if let Some(ratio) = s.disk_used_ratio {
                let max = f64::from(s.disk_max_used_space_ratio) / 100.0;
                if s.disk_max_used_space_ratio > 0 && ratio > max {
                    p(format!(
                        "node {} disk is {:.1}% used, above diskMaxUsedSpaceRatio {}%",
                        n.addr,
                        ratio * 100.0,
                        s.disk_max_used_space_ratio
                    ));
                }
            }
            if s.raft.as_ref().is_some_and(|r| r.disk_full) {
                p(format!("node {} waits for disk space (writes refused)", n.addr));
            }
        }
        if !g.nodes.iter().any(|n| n.broker_id == 0) {
            p("no BID 0 registered (no master or leader)".into());
        }
        match g.mode {
            GroupMode::Dledger => dledger_problems(g, opts, &mut p),
            GroupMode::MasterSlave => master_slave_problems(g, opts, &mut p),
            GroupMode::Unknown => {}
        }
    }
    out
}

fn dledger_problems(g: &GroupStatus, opts: &HealthOptions, p: &mut impl FnMut(String)) {
    let rafts: Vec<(&str, &broker::remoting::body_replica::RaftStatus)> = g
        .nodes
        .iter()
        .filter_map(|n| Some((n.addr.as_str(), n.status.as_ref()?.raft.as_ref()?)))
        .collect();
    let leaders: Vec<_> = g.nodes.iter().filter(|n| n.role == "Leader").collect();
    match leaders.len() {
        0 => p("no node is the Raft leader".into()),
        1 => {
            if leaders[0].broker_id != 0 {
                let bid0 = g
                    .nodes
                    .iter()
                    .find(|n| n.broker_id == 0)
                    .map_or("nobody".to_string(), |n| n.addr.clone());
                p(format!(
                    "the Raft leader {} is registered as BID {}, BID 0 is {bid0}",
                    leaders[0].addr, leaders[0].broker_id
                ));
            }
        }
        k => p(format!(
            "{k} nodes say they lead: {}",
            leaders
                .iter()
                .map(|n| n.addr.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
    let terms: BTreeSet<u64> = rafts.iter().map(|(_, r)| r.term).collect();
    if terms.len() > 1 {
        p(format!(
            "nodes are on different terms: {}",
            rafts
                .iter()
                .map(|(_, r)| format!("{}={}", r.self_id, r.term))
                .collect::<Vec<_>>()
                .join(" ")
        ));
    }
    let leader_ids: BTreeSet<Option<u64>> = rafts.iter().map(|(_, r)| r.leader_id).collect();
    if leader_ids.len() > 1 {
        p(format!(
            "nodes disagree on the leader: {}",
            rafts
                .iter()
                .map(|(_, r)| format!(
                    "{}->{}",
                    r.self_id,
                    r.leader_id.map_or("none".into(), |l| format!("n{l}"))
                ))
                .collect::<Vec<_>>()
                .join(" ")
        ));
    }
    // Members nobody registered: the membership of any answering node (the leader's first).
    let leader_raft = leaders.first().and_then(|n| n.status.as_ref()?.raft.as_ref());
    if let Some(members) = leader_raft.or(rafts.first().map(|(_, r)| *r)).map(|r| &r.members) {
        let registered: BTreeSet<u64> = rafts.iter().map(|(_, r)| r.node_id).collect();
        let listed = g.nodes.len();
        for m in members {
            if !registered.contains(&m.node_id) && listed < members.len() {
                p(format!(
                    "member {} (Raft {}) is not registered with the name server",
                    m.self_id, m.raft_addr
                ));
            }
        }
    }
    if let Some(lr) = leader_raft {
        for f in &lr.followers {
            if f.lag_entries > opts.max_lag_entries {
                p(format!(
                    "follower {} is {} entries behind the leader (max {})",
                    f.self_id, f.lag_entries, opts.max_lag_entries
                ));
            }
            match f.millis_since_ack {
                Some(ms) if ms > MAX_SILENCE_MS => p(format!(
                    "follower {} has not answered the leader for {:.1} s",
                    f.self_id,
                    ms as f64 / 1000.0
                )),
                None => p(format!("follower {} has never answered the leader", f.self_id)),
                _ => {}
            }
        }
    }
    for (addr, r) in &rafts {
        if r.state != "Leader" {
            if let Some(ms) = r.millis_since_leader_contact.filter(|ms| *ms > MAX_SILENCE_MS) {
                p(format!(
                    "node {addr} ({}) has not heard from a leader for {:.1} s",
                    r.self_id,
                    ms as f64 / 1000.0
                ));
            }
        }
    }
}

fn master_slave_problems(g: &GroupStatus, opts: &HealthOptions, p: &mut impl FnMut(String)) {
    let masters: Vec<_> = g.nodes.iter().filter(|n| n.role == "Master").collect();
    if masters.len() > 1 {
        p(format!(
            "{} masters: {}",
            masters.len(),
            masters
                .iter()
                .map(|n| n.addr.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let master = masters.first().and_then(|m| m.status.as_ref());
    let master_ha = master.and_then(|s| s.ha.as_ref());
    // A killed slave leaves the name server at once (its connection closes), so the master is
    // the one that knows a slave is missing: a SYNC_MASTER needs one, and an ASYNC_MASTER that
    // had one has lost it.
    if let (Some(s), Some(h)) = (master, master_ha) {
        if h.slave_connections == 0 {
            match h.millis_since_slave_report {
                Some(ms) => p(format!(
                    "master {} has no slave connected (last report {:.1} s ago)",
                    s.broker_addr,
                    ms as f64 / 1000.0
                )),
                None if s.broker_role == "SYNC_MASTER" => p(format!(
                    "SYNC_MASTER {} has no slave connected (sends answer SLAVE_NOT_AVAILABLE)",
                    s.broker_addr
                )),
                None => {}
            }
        }
    }
    for n in g.nodes.iter().filter(|n| n.role == "Slave") {
        if let Some(h) = master_ha {
            if h.slave_connections == 0 {
                p(format!("slave {} is not connected to the master", n.addr));
            }
        }
        if let Some(lag) = n.lag_bytes.filter(|l| *l > opts.max_lag_bytes) {
            p(format!(
                "slave {} is {lag} bytes behind the master (max {})",
                n.addr, opts.max_lag_bytes
            ));
        }
        match n.millis_since_leader_contact {
            Some(ms) if ms > MAX_SILENCE_MS => p(format!(
                "slave {} has not heard from the master for {:.1} s",
                n.addr,
                ms as f64 / 1000.0
            )),
            None if !masters.is_empty() => p(format!("slave {} has never heard from the master", n.addr)),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::dledger_status::NodeStatus;
    use broker::remoting::body_replica::{FollowerProgress, HaStatus, RaftMember, RaftStatus, ReplicaStatus};

    fn raft_node(addr: &str, bid: i64, id: u64, state: &str, term: u64, leader: u64) -> NodeStatus {
        NodeStatus {
            addr: addr.into(),
            broker_id: bid,
            role: state.into(),
            lag_entries: Some(0),
            lag_bytes: Some(0),
            millis_since_leader_contact: None,
            status: Some(ReplicaStatus {
                broker_addr: addr.into(),
                disk_used_ratio: Some(0.5),
                disk_max_used_space_ratio: 75,
                raft: Some(RaftStatus {
                    self_id: format!("n{id}"),
                    node_id: id,
                    state: state.into(),
                    term,
                    leader_id: Some(leader),
                    members: (0..3)
                        .map(|i| RaftMember {
                            node_id: i,
                            self_id: format!("n{i}"),
                            raft_addr: format!("r:{i}"),
                        })
                        .collect(),
                    followers: if state == "Leader" {
                        (0..3)
                            .filter(|i| *i != id)
                            .map(|i| FollowerProgress {
                                node_id: i,
                                self_id: format!("n{i}"),
                                millis_since_ack: Some(10),
                                ..Default::default()
                            })
                            .collect()
                    } else {
                        Vec::new()
                    },
                    ..Default::default()
                }),
                ..Default::default()
            }),
            error: None,
        }
    }

    fn group(nodes: Vec<NodeStatus>, mode: GroupMode) -> DledgerStatusReport {
        DledgerStatusReport {
            groups: vec![GroupStatus {
                cluster: "C".into(),
                broker_name: "g".into(),
                mode,
                nodes,
            }],
        }
    }

    fn healthy_group() -> Vec<NodeStatus> {
        vec![
            raft_node("a", 0, 0, "Leader", 2, 0),
            raft_node("b", 2, 1, "Follower", 2, 0),
            raft_node("c", 3, 2, "Follower", 2, 0),
        ]
    }

    #[test]
    fn a_healthy_group_has_no_problem() {
        let opts = HealthOptions::default();
        assert_eq!(
            problems(&group(healthy_group(), GroupMode::Dledger), &opts),
            Vec::<String>::new()
        );
        assert_eq!(
            problems(&DledgerStatusReport { groups: vec![] }, &opts),
            vec!["no broker group is registered".to_string()]
        );
    }

    #[test]
    fn names_each_raft_problem() {
        let opts = HealthOptions {
            max_lag_entries: 10,
            ..Default::default()
        };
        // Two leaders on different terms, the second with BID 2; a full disk; a lagging follower.
        let mut nodes = healthy_group();
        nodes[1] = raft_node("b", 2, 1, "Leader", 3, 1);
        nodes[2].status.as_mut().unwrap().disk_used_ratio = Some(0.9);
        if let Some(r) = nodes[0].status.as_mut().unwrap().raft.as_mut() {
            r.followers[1].lag_entries = 11;
            r.followers[1].millis_since_ack = Some(MAX_SILENCE_MS + 1);
        }
        let p = problems(&group(nodes, GroupMode::Dledger), &opts);
        let has = |s: &str| p.iter().any(|x| x.contains(s));
        assert!(has("g: 2 nodes say they lead: a, b"), "{p:?}");
        assert!(has("nodes are on different terms: n0=2 n1=3 n2=2"), "{p:?}");
        assert!(has("nodes disagree on the leader"), "{p:?}");
        assert!(
            has("node c disk is 90.0% used, above diskMaxUsedSpaceRatio 75%"),
            "{p:?}"
        );
        assert!(
            has("follower n2 is 11 entries behind the leader (max 10)"),
            "{p:?}"
        );
        assert!(has("follower n2 has not answered the leader for 15.0 s"), "{p:?}");

        // A member that left the name server.
        let mut nodes = healthy_group();
        nodes.pop();
        let p = problems(&group(nodes, GroupMode::Dledger), &opts);
        assert_eq!(
            p,
            vec!["g: member n2 (Raft r:2) is not registered with the name server".to_string()]
        );
    }

    #[test]
    fn a_master_that_lost_its_slave_is_unhealthy() {
        let master = NodeStatus {
            addr: "m".into(),
            broker_id: 0,
            role: "Master".into(),
            lag_entries: None,
            lag_bytes: Some(0),
            millis_since_leader_contact: None,
            status: Some(ReplicaStatus {
                broker_addr: "m".into(),
                broker_role: "ASYNC_MASTER".into(),
                ha: Some(HaStatus {
                    millis_since_slave_report: Some(2_000),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            error: None,
        };
        let p = problems(
            &group(vec![master.clone()], GroupMode::MasterSlave),
            &HealthOptions::default(),
        );
        assert_eq!(
            p,
            vec!["g: master m has no slave connected (last report 2.0 s ago)".to_string()]
        );
        // A master that never had a slave (2m-noslave) is fine.
        let mut alone = master;
        alone.status.as_mut().unwrap().ha = Some(HaStatus::default());
        assert!(problems(
            &group(vec![alone], GroupMode::MasterSlave),
            &HealthOptions::default()
        )
        .is_empty());
    }

    #[test]
    fn name_servers_must_agree() {
        let with = |addrs: &[(i64, &str)]| {
            let mut info = ClusterInfo::default();
            info.cluster_addr_table
                .insert("C".into(), ["g".to_string()].into());
            info.broker_addr_table.insert(
                "g".into(),
                broker::remoting::body::BrokerData {
                    broker_addrs: addrs.iter().map(|(i, a)| (*i, a.to_string())).collect(),
                    broker_name: "g".into(),
                    cluster: "C".into(),
                    ..Default::default()
                },
            );
            info
        };
        let ns = |addr: &str, error: Option<&str>| NamesrvHealth {
            addr: addr.into(),
            error: error.map(Into::into),
        };
        let layouts = vec![
            ("ns1".to_string(), with(&[(0, "a"), (1, "b")])),
            ("ns2".to_string(), with(&[(0, "b")])),
        ];
        let p = namesrv_problems(
            &[ns("ns1", None), ns("ns2", None), ns("ns3", Some("timeout"))],
            &layouts,
            None,
        );
        assert_eq!(
            p,
            vec![
                "name server ns3 does not answer: timeout".to_string(),
                "name servers disagree on g: ns1 lists BID 0 a, BID 1 b, ns2 lists BID 0 b".to_string(),
            ]
        );
        assert!(namesrv_problems(&[], &layouts[..1], Some("C")).is_empty());
    }
}
