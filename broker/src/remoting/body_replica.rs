//! Body of our GET_REPLICA_STATUS (`codes::request::GET_REPLICA_STATUS`, not a Java code): one
//! broker's view of its replication, for `mqadmin dledger-status` and `cluster-health`.
//!
//! Java's admin tools show which node is BID 0 and nothing of the Raft group or the HA link
//! behind it; this body carries what an operator checks before a failover or an upgrade: role,
//! term and log indexes of a DLedger node (from openraft's metrics and the log store), the HA
//! offsets of a Master/Slave pair, and the data files and disk use of either store. Times are
//! "milliseconds ago" as measured by the broker, so clock skew between hosts does not matter.
//! Every field but the identity has a default, so an older or newer broker's body still reads.

use serde::{Deserialize, Serialize};

/// One broker's replication status.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplicaStatus {
    /// `brokerClusterName`.
    #[serde(default)]
    pub cluster_name: String,
    /// `brokerName` (the group).
    #[serde(default)]
    pub broker_name: String,
    /// `brokerIP1:listenPort`.
    #[serde(default)]
    pub broker_addr: String,
    /// The BID the broker registers with now (0 master or DLedger leader).
    #[serde(default)]
    pub broker_id: i64,
    /// `brokerRole` from the config: ASYNC_MASTER, SYNC_MASTER or SLAVE (ignored in DLedger mode).
    #[serde(default)]
    pub broker_role: String,
    /// First offset held in the commitlog (DLedger: in the data files).
    #[serde(default)]
    pub commitlog_min_offset: u64,
    /// End of the commitlog (DLedger: end of the last committed entry).
    #[serde(default)]
    pub commitlog_max_offset: u64,
    /// Name of the oldest commitlog or DLedger data file, if any.
    #[serde(default)]
    pub first_data_file: Option<String>,
    /// Name of the newest commitlog or DLedger data file, if any.
    #[serde(default)]
    pub last_data_file: Option<String>,
    /// Number of data files.
    #[serde(default)]
    pub data_files: usize,
    /// Used fraction (0..1) of the disk holding the data files; `None` when unknown.
    #[serde(default)]
    pub disk_used_ratio: Option<f64>,
    /// `diskMaxUsedSpaceRatio` (percent): above it the broker deletes files or refuses writes.
    #[serde(default)]
    pub disk_max_used_space_ratio: u32,
    /// DLedger mode: the Raft node; `None` for a Master/Slave broker.
    #[serde(default)]
    pub raft: Option<RaftStatus>,
    /// Master/Slave mode: the HA link; `None` in DLedger mode.
    #[serde(default)]
    pub ha: Option<HaStatus>,
}

/// A DLedger node's Raft state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RaftStatus {
    /// `dLegerSelfId`, e.g. `n1`.
    #[serde(default)]
    pub self_id: String,
    /// Raft node id (the digits of the self id).
    #[serde(default)]
    pub node_id: u64,
    /// `Leader`, `Follower`, `Candidate`, `Learner` or `Shutdown`.
    #[serde(default)]
    pub state: String,
    /// Current term.
    #[serde(default)]
    pub term: u64,
    /// The leader this node knows of, by node id.
    #[serde(default)]
    pub leader_id: Option<u64>,
    /// Index of the last entry in this node's log.
    #[serde(default)]
    pub last_log_index: Option<u64>,
    /// Index of the last entry this node knows committed.
    #[serde(default)]
    pub committed_index: Option<u64>,
    /// Index of the last entry applied (dispatched to the consume queues).
    #[serde(default)]
    pub applied_index: Option<u64>,
    /// Index of the last entry purged from the log (retention), if any.
    #[serde(default)]
    pub purged_index: Option<u64>,
    /// Follower: milliseconds since the last AppendEntries from a leader.
    #[serde(default)]
    pub millis_since_leader_contact: Option<u64>,
    /// Leader: milliseconds since a quorum last acknowledged it (openraft).
    #[serde(default)]
    pub millis_since_quorum_ack: Option<u64>,
    /// Whether a write waits for disk space (the node acknowledges nothing meanwhile).
    #[serde(default)]
    pub disk_full: bool,
    /// Every voter of the group (from the membership this node holds).
    #[serde(default)]
    pub members: Vec<RaftMember>,
    /// Leader only: the replication progress of each other member.
    #[serde(default)]
    pub followers: Vec<FollowerProgress>,
}

/// One voter of a DLedger group.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RaftMember {
    /// Raft node id.
    #[serde(default)]
    pub node_id: u64,
    /// Self id from `dLegerPeers` (`n` and the digits when the peer is not configured here).
    #[serde(default)]
    pub self_id: String,
    /// Raft (DLedger peer) address.
    #[serde(default)]
    pub raft_addr: String,
}

/// What a leader knows of one follower.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FollowerProgress {
    /// Raft node id.
    #[serde(default)]
    pub node_id: u64,
    /// Self id, as in [`RaftMember::self_id`].
    #[serde(default)]
    pub self_id: String,
    /// Index of the last entry known replicated to it.
    #[serde(default)]
    pub matched_index: Option<u64>,
    /// Entries it lacks: the leader's last log index minus `matched_index`.
    #[serde(default)]
    pub lag_entries: u64,
    /// Milliseconds since it last answered an AppendEntries; `None` if it never did.
    #[serde(default)]
    pub millis_since_ack: Option<u64>,
}

/// The HA link of a Master/Slave broker.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HaStatus {
    /// Master: slaves connected now.
    #[serde(default)]
    pub slave_connections: usize,
    /// Master: highest commitlog offset a slave has confirmed.
    #[serde(default)]
    pub slave_acked_offset: u64,
    /// Master: bytes the slave lacks (max offset minus confirmed offset), when a slave is connected.
    #[serde(default)]
    pub slave_behind_bytes: Option<u64>,
    /// Master: milliseconds since a slave last reported its offset.
    #[serde(default)]
    pub millis_since_slave_report: Option<u64>,
    /// Slave: the master's HA address it replicates from, if known.
    #[serde(default)]
    pub master_ha_addr: Option<String>,
    /// Slave: milliseconds since the last frame from the master.
    #[serde(default)]
    pub millis_since_master_contact: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_partial_body() {
        let s: ReplicaStatus =
            crate::json::from_slice(br#"{"brokerName":"b","raft":{"selfId":"n1","term":3},"newField":1}"#)
                .unwrap();
        assert_eq!(s.broker_name, "b");
        let raft = s.raft.unwrap();
        assert_eq!((raft.self_id.as_str(), raft.term), ("n1", 3));
        assert!(s.ha.is_none());
    }

    #[test]
    fn round_trips() {
        let s = ReplicaStatus {
            broker_name: "g".into(),
            ha: Some(HaStatus {
                slave_connections: 1,
                slave_behind_bytes: Some(7),
                ..Default::default()
            }),
            ..Default::default()
        };
        let back: ReplicaStatus = crate::json::from_slice(&crate::json::to_vec(&s)).unwrap();
        assert_eq!(back, s);
    }
}

/// Body of a successful TRANSFER_LEADERSHIP (`codes::request::TRANSFER_LEADERSHIP`, ours).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransferLeadership {
    /// `dLegerSelfId` form of the node that led (the one asked).
    #[serde(default)]
    pub from: String,
    /// The node that leads now (or would, with `dryRun`).
    #[serde(default)]
    pub to: String,
    /// True when nothing was moved: the checks passed and `to` was chosen.
    #[serde(default)]
    pub dry_run: bool,
}
