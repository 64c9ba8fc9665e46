//! Issue 16: GET_REPLICA_STATUS (9001) of a real 3-node DLedger group when a follower is cut off
//! by a network partition (TCP proxies between the Raft ports): the follower still answers
//! clients, so only the contact times and the leader's replication progress can tell. Its last
//! contact with the leader and the leader's last ack from it grow, its lag grows with writes;
//! after healing both are fresh again and it has caught up.

use std::time::Duration;

use broker::remoting::body_replica::{FollowerProgress, ReplicaStatus};
use broker::remoting::codes::{request, response};
use broker::remoting::{RemotingClient, RemotingCommand};

use crate::dledger_cluster::*;
use crate::util::wait_until;

async fn status(c: &RemotingClient, addr: &str) -> ReplicaStatus {
    let r = c
        .invoke(
            addr,
            RemotingCommand::request_empty(request::GET_REPLICA_STATUS),
            Duration::from_secs(5),
        )
        .await
        .expect("GET_REPLICA_STATUS answered");
    assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);
    broker::json::from_slice(&r.body).expect("a ReplicaStatus body")
}

/// The leader's progress of `node_id`; `None` when `leader` does not lead (any more).
fn progress(leader: &ReplicaStatus, node_id: u64) -> Option<FollowerProgress> {
    let raft = leader.raft.as_ref()?;
    raft.followers.iter().find(|f| f.node_id == node_id).cloned()
}

/// Waits until the three nodes agree on one leader in one term, which has heard from both
/// followers (elections right after start may still move it), and returns its address.
async fn settled_leader(g: &Group, c: &RemotingClient) -> String {
    let found = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    wait_until(Duration::from_secs(60), "one leader all agree on", || {
        let (c, addrs, found) = (c.clone(), g.addrs(), found.clone());
        async move {
            let mut all = Vec::new();
            for a in &addrs {
                all.push((a.clone(), status(&c, a).await));
            }
            let Some((addr, l)) = all
                .iter()
                .find(|(_, s)| s.raft.as_ref().is_some_and(|r| r.state == "Leader"))
            else {
                return false;
            };
            let lr = l.raft.as_ref().unwrap();
            let agreed = all.iter().all(|(_, s)| {
                s.raft
                    .as_ref()
                    .is_some_and(|r| r.term == lr.term && r.leader_id == Some(lr.node_id))
            });
            let acked = lr.followers.len() == 2 && lr.followers.iter().all(|f| f.millis_since_ack.is_some());
            if agreed && acked && l.broker_id == 0 {
                *found.lock().unwrap() = addr.clone();
                true
            } else {
                false
            }
        }
    })
    .await;
    let addr = found.lock().unwrap().clone();
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partitioned_follower_shows_in_contact_times_and_lag() {
    let g = Group::fresh_partitionable(128 * 1024, Net::Proxied).await;
    let c = RemotingClient::default();
    g.create_topic(&c).await;
    let leader = settled_leader(&g, &c).await;
    let l = status(&c, &leader).await;
    let lr = l.raft.as_ref().expect("raft status");
    assert_eq!((lr.state.as_str(), l.broker_id), ("Leader", 0), "{l:?}");
    assert_eq!(lr.members.len(), 3, "{l:?}");
    assert_eq!(lr.followers.len(), 2, "{l:?}");
    assert!(
        l.ha.is_none() && l.data_files >= 1 && l.disk_used_ratio.is_some(),
        "{l:?}"
    );
    assert_eq!(
        l.first_data_file.as_deref(),
        Some("00000000000000000000"),
        "{l:?}"
    );
    let f_idx = (g.index_of(&leader) + 1) % 3;
    let f_addr = g.nodes[f_idx].addr.clone();
    let f = status(&c, &f_addr).await;
    let fr = f.raft.as_ref().expect("raft status");
    assert_eq!(fr.state, "Follower", "{f:?}");
    assert_eq!(fr.node_id, f_idx as u64, "{f:?}");
    assert_eq!(fr.self_id, format!("n{f_idx}"), "{f:?}");
    assert_eq!(fr.term, lr.term, "{f:?} vs {l:?}");
    assert_eq!(fr.leader_id, Some(lr.node_id), "{f:?}");
    assert!(
        fr.millis_since_leader_contact.is_some_and(|ms| ms < 5_000),
        "{f:?}"
    );
    let p = progress(&l, f_idx as u64).expect("the leader's progress of the follower");
    assert!(p.millis_since_ack.is_some_and(|ms| ms < 5_000), "{l:?}");

    // Cut: it keeps answering, but hears nothing from the leader, which hears nothing from it.
    g.partition(f_idx, true);
    for i in 0..5 {
        send_retrying(&c, &g.ns.addr, GROUP, TOPIC, 0, &format!("cut{i}"), 16).await;
    }
    wait_until(Duration::from_secs(30), "the cut shows on both sides", || {
        let (c, leader, f_addr) = (c.clone(), leader.clone(), f_addr.clone());
        async move {
            let l = status(&c, &leader).await;
            let f = status(&c, &f_addr).await;
            let Some(p) = progress(&l, f_idx as u64) else {
                return false;
            };
            let silent = f
                .raft
                .as_ref()
                .and_then(|r| r.millis_since_leader_contact)
                .is_some_and(|ms| ms > 2_000);
            silent && p.millis_since_ack.is_some_and(|ms| ms > 2_000) && p.lag_entries >= 5
        }
    })
    .await;
    let (l, f) = (status(&c, &leader).await, status(&c, &f_addr).await);
    let (lr, fr) = (l.raft.as_ref().unwrap(), f.raft.as_ref().unwrap());
    assert!(lr.last_log_index > fr.last_log_index, "{l:?} vs {f:?}");
    assert!(l.commitlog_max_offset > f.commitlog_max_offset, "{l:?} vs {f:?}");
    assert!(
        lr.committed_index >= lr.last_log_index.map(|i| i.saturating_sub(1)),
        "{l:?}"
    );

    // Healed: fresh contact, caught up.
    g.partition(f_idx, false);
    wait_until(Duration::from_secs(30), "the follower catches up", || {
        let (c, leader, f_addr) = (c.clone(), leader.clone(), f_addr.clone());
        async move {
            let l = status(&c, &leader).await;
            let f = status(&c, &f_addr).await;
            let Some(p) = progress(&l, f_idx as u64) else {
                return false;
            };
            let fresh = f
                .raft
                .as_ref()
                .and_then(|r| r.millis_since_leader_contact)
                .is_some_and(|ms| ms < 2_000);
            fresh
                && p.lag_entries == 0
                && p.millis_since_ack.is_some_and(|ms| ms < 2_000)
                && f.commitlog_max_offset == l.commitlog_max_offset
                && f.raft.as_ref().unwrap().applied_index == l.raft.as_ref().unwrap().applied_index
        }
    })
    .await;
}
