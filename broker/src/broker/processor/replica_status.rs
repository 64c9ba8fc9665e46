//! GET_REPLICA_STATUS (ours, 9001): the broker's replication status for `mqadmin
//! dledger-status` and `cluster-health`. A DLedger node reports openraft's metrics, its log
//! store's committed index and the last contacts ([`crate::raft::contact`]); a Master/Slave
//! broker its HA offsets ([`crate::broker::ha`]); both their data files and disk use.

use std::path::Path;
use std::sync::atomic::Ordering;

use crate::broker::dledger::Dledger;
use crate::broker::Broker;
use crate::json;
use crate::remoting::body::now_millis;
use crate::remoting::body_replica::{FollowerProgress, HaStatus, RaftMember, RaftStatus, ReplicaStatus};
use crate::remoting::command::RemotingCommand;
use crate::store::disk_usage_ratio;
use crate::store::format;

use super::Reply;

/// GET_REPLICA_STATUS.
pub fn replica_status(b: &Broker) -> Reply {
    let dledger = b.dledger.get();
    let data_dir = match dledger {
        Some(_) => b.cfg.dledger_data_dir().unwrap_or_else(|| b.cfg.commit_log_dir()),
        None => b.cfg.commit_log_dir(),
    };
    let (first, last, count) = data_files(&data_dir);
    let status = ReplicaStatus {
        cluster_name: b.cfg.broker_cluster_name.clone(),
        broker_name: b.cfg.broker_name.clone(),
        broker_addr: b.addr(),
        broker_id: b.broker_id.load(Ordering::Acquire),
        broker_role: b.cfg.broker_role.as_str().to_owned(),
        commitlog_min_offset: b.store.commitlog_min_offset(),
        commitlog_max_offset: b.store.commitlog_max_offset(),
        first_data_file: first.map(format::offset_to_file_name),
        last_data_file: last.map(format::offset_to_file_name),
        data_files: count,
        disk_used_ratio: disk_usage_ratio(&data_dir),
        disk_max_used_space_ratio: b.cfg.disk_max_used_space_ratio,
        raft: dledger.map(|d| raft_status(b, d)),
        ha: dledger.is_none().then(|| ha_status(b)),
    };
    Ok(RemotingCommand::success().with_body(json::to_vec(&status)))
}

/// The first and last data file starts in `dir`, and how many there are.
fn data_files(dir: &Path) -> (Option<u64>, Option<u64>, usize) {
    let starts: Vec<u64> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter_map(|e| format::path_to_offset(&e.path()))
        .collect();
    (
        starts.iter().min().copied(),
        starts.iter().max().copied(),
        starts.len(),
    )
}

fn ago(now: u64, then: Option<u64>) -> Option<u64> {
    then.map(|t| now.saturating_sub(t))
}

fn raft_status(b: &Broker, d: &Dledger) -> RaftStatus {
    let self_ids: std::collections::BTreeMap<u64, String> = b
        .cfg
        .dleger_peers
        .as_deref()
        .and_then(|p| crate::config::parse_peers(p).ok())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| crate::raft::node_id_from_self_id(&p.id).map(|n| (n, p.id)))
        .collect();
    let self_id_of = |id: u64| self_ids.get(&id).cloned().unwrap_or_else(|| format!("n{id}"));
    let m = d.node.metrics().borrow().clone();
    let contacts = d.node.contacts();
    let now = crate::raft::contact::now_ms();
    let last = m.last_log_index;
    let members = m
        .membership_config
        .membership()
        .nodes()
        .filter(|(id, _)| m.membership_config.membership().voter_ids().any(|v| v == **id))
        .map(|(id, n)| RaftMember {
            node_id: *id,
            self_id: self_id_of(*id),
            raft_addr: n.addr.clone(),
        })
        .collect();
    let followers = m
        .replication
        .as_ref()
        .map(|r| {
            r.iter()
                .filter(|(id, _)| **id != m.id)
                .map(|(id, matched)| {
                    let matched = matched.map(|l| l.index);
                    FollowerProgress {
                        node_id: *id,
                        self_id: self_id_of(*id),
                        matched_index: matched,
                        lag_entries: match (last, matched) {
                            (Some(l), Some(mi)) => l.saturating_sub(mi),
                            (Some(l), None) => l + 1,
                            _ => 0,
                        },
                        millis_since_ack: ago(now, contacts.ack_ms(*id)),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let leader = m.state == openraft::ServerState::Leader;
    RaftStatus {
        self_id: self_id_of(m.id),
        node_id: m.id,
        state: format!("{:?}", m.state),
        term: m.current_term,
        leader_id: m.current_leader,
        last_log_index: last,
        committed_index: d.node.log().committed().map(|l| l.index),
        applied_index: m.last_applied.map(|l| l.index),
        purged_index: m.purged.map(|l| l.index),
        millis_since_leader_contact: if leader {
            None
        } else {
            ago(now, contacts.leader_append_ms())
        },
        millis_since_quorum_ack: m.millis_since_quorum_ack,
        disk_full: d.node.disk_full(),
        members,
        followers,
    }
}

fn ha_status(b: &Broker) -> HaStatus {
    let now = u64::try_from(now_millis()).unwrap_or(0);
    let since = |ms: i64| (ms > 0).then(|| now.saturating_sub(u64::try_from(ms).unwrap_or(0)));
    let slaves = b.ha.slaves.load(Ordering::Acquire);
    let acked = *b.ha.slave_acked.borrow();
    let master = !b.is_slave();
    HaStatus {
        slave_connections: if master { slaves } else { 0 },
        slave_acked_offset: if master { acked } else { 0 },
        slave_behind_bytes: (master && slaves > 0)
            .then(|| b.store.commitlog_max_offset().saturating_sub(acked)),
        millis_since_slave_report: if master {
            since(b.ha.last_slave_report_ms.load(Ordering::Relaxed))
        } else {
            None
        },
        master_ha_addr: if master {
            None
        } else {
            b.cfg.ha_master_address.clone().or_else(|| {
                b.ha.master_ha_addr
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .clone()
            })
        },
        millis_since_master_contact: if master {
            None
        } else {
            since(b.ha.last_master_frame_ms.load(Ordering::Relaxed))
        },
    }
}
