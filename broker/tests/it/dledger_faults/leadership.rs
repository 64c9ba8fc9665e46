//! Leadership without needless elections, and planned leader changes: a SIGTERM of the leader
//! hands leadership to an up-to-date follower before the broker stops, while sends go on; a
//! follower stopped with SIGSTOP for a second and continued does not depose the leader (its
//! pre-vote is refused; openraft alone would have campaigned in a higher term); the same for a
//! whole rolling restart of the three nodes.

use std::time::Duration;

use broker::json;
use broker::remoting::body_replica::{RaftStatus, ReplicaStatus};
use broker::remoting::codes::{request, response};
use broker::remoting::{RemotingClient, RemotingCommand};

use crate::dledger_cluster::*;
use crate::util::{all_threads, wait_until};

/// Node `addr`'s Raft status, if it answers.
async fn raft_status(c: &RemotingClient, addr: &str) -> Option<RaftStatus> {
    let req = RemotingCommand::request_empty(request::GET_REPLICA_STATUS);
    let r = c.invoke(addr, req, Duration::from_secs(3)).await.ok()?;
    if r.code != response::SUCCESS {
        return None;
    }
    json::from_slice::<ReplicaStatus>(&r.body).ok()?.raft
}

/// SIGTERMs node `idx` (without blocking the runtime) and waits for it to exit; returns its
/// stderr.
async fn terminate(g: &mut Group, idx: usize) -> String {
    // SAFETY: kill(2) on the pid of a child we own and have not reaped.
    unsafe { libc::kill(g.nodes[idx].pid() as libc::pid_t, libc::SIGTERM) };
    let st = g.nodes[idx]
        .wait_exit(Duration::from_secs(60))
        .await
        .unwrap_or_else(|| panic!("n{idx} ignored SIGTERM: {}", g.nodes[idx].stderr()));
    assert!(st.success(), "n{idx} exited with {st}: {}", g.nodes[idx].stderr());
    g.nodes[idx].stderr()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_of_the_leader_hands_over_while_sends_go_on() {
    let (mut g, c, senders) = Group::sending(256 * 1024, 4).await;
    for round in 0..2 {
        senders.wait_count((round + 1) * 150).await;
        let old = g.leader(&c).await;
        let idx = g.index_of(&old);
        let before = raft_status(&c, &old).await.expect("the leader answers");
        let log = terminate(&mut g, idx).await;
        assert!(
            log.contains("leadership handed over before stopping"),
            "n{idx} stopped without handing over: {log}"
        );
        let others: Vec<String> = g.addrs().into_iter().filter(|a| *a != old).collect();
        let (new, took) = wait_bid0_among(&c, &g.ns.addr, &others).await;
        let new_idx = g.index_of(&new);
        let after = raft_status(&c, &new).await.expect("the new leader answers");
        eprintln!("round {round}: SIGTERM of leader n{idx}: new BID 0 n{new_idx} after {took:?}");
        // The hand-over, not an election after a lease: the new leader is the one the old
        // leader named in its log, in the next term (a hand-over takes exactly one campaign).
        assert!(
            log.contains(&format!("to={new_idx}")),
            "n{idx} handed over to another node than n{new_idx}: {log}"
        );
        assert_eq!(after.state, "Leader");
        assert_eq!(after.term, before.term + 1, "{before:?} -> {after:?}");
        // Sends go on at the new leader.
        let n = senders.count();
        senders.wait_count(n + 100).await;
        g.nodes[idx].restart();
        g.nodes[idx].wait_ready().await;
        wait_follower(&c, &g.ns.addr, &old, idx as i64 + 1).await;
    }
    let acked = senders.finish().await;
    check_group(&g, &c, &acked).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follower_stopped_for_a_second_causes_no_election() {
    let (g, c, senders) = Group::sending(256 * 1024, 2).await;
    senders.wait_count(100).await;
    let leader = g.leader(&c).await;
    let term = raft_status(&c, &leader).await.expect("leader status").term;
    let idx = (g.index_of(&leader) + 1) % 3;
    let follower = g.nodes[idx].addr.clone();
    let pid = g.nodes[idx].pid() as libc::pid_t;
    // SAFETY: kill(2) on the pid of a child we own and have not reaped.
    unsafe { libc::kill(pid, libc::SIGSTOP) };
    wait_until(
        Duration::from_secs(10),
        "every thread of the follower stopped",
        || async move { all_threads(pid as u32, |st| st == 'T') },
    )
    .await;
    // The stop itself is the fault under test: a second, three leases, while sends go on.
    let n = senders.count();
    tokio::time::sleep(Duration::from_secs(1)).await;
    // SAFETY: as above.
    unsafe { libc::kill(pid, libc::SIGCONT) };
    // The follower wakes up, finds it has not heard from a leader for a second, asks for a
    // pre-vote (refused) and catches up with what was sent meanwhile.
    let target = raft_status(&c, &leader)
        .await
        .expect("leader status")
        .last_log_index;
    wait_until(Duration::from_secs(60), "the follower caught up", || {
        let (c, follower) = (c.clone(), follower.clone());
        async move {
            raft_status(&c, &follower)
                .await
                .is_some_and(|s| s.applied_index >= target)
        }
    })
    .await;
    senders.wait_count(n + 100).await;
    for a in g.addrs() {
        let s = raft_status(&c, &a).await.expect("status");
        assert_eq!(s.term, term, "{a} moved to another term: {s:?}");
        assert_eq!(
            s.leader_id,
            Some(g.index_of(&leader) as u64),
            "{a} follows another leader: {s:?}"
        );
    }
    assert_eq!(g.leader(&c).await, leader);
    let acked = senders.finish().await;
    check_group(&g, &c, &acked).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rolling_restart_under_load_loses_and_fails_nothing() {
    let (mut g, c, senders) = Group::sending(256 * 1024, 4).await;
    senders.wait_count(100).await;
    // Followers first, the leader last, each back and caught up before the next.
    let leader = g.index_of(&g.leader(&c).await);
    let order: Vec<usize> = (1..=3).map(|k| (leader + k) % 3).collect();
    for idx in order {
        let addr = g.nodes[idx].addr.clone();
        terminate(&mut g, idx).await;
        let n = senders.count();
        senders.wait_count(n + 50).await;
        g.nodes[idx].restart();
        g.nodes[idx].wait_ready().await;
        let (c2, ns) = (c.clone(), g.ns.addr.clone());
        wait_until(Duration::from_secs(60), "the node registered again", || {
            let (c, ns, addr) = (c2.clone(), ns.clone(), addr.clone());
            async move { bids(&c, &ns, GROUP).await.values().any(|a| *a == addr) }
        })
        .await;
        let l = g.leader(&c).await;
        let last = raft_status(&c, &l).await.and_then(|s| s.last_log_index);
        wait_until(Duration::from_secs(60), "the node caught up", || {
            let (c, addr) = (c.clone(), addr.clone());
            async move {
                raft_status(&c, &addr)
                    .await
                    .is_some_and(|s| s.applied_index >= last)
            }
        })
        .await;
    }
    let n = senders.count();
    senders.wait_count(n + 50).await;
    let acked = senders.finish().await;
    check_group(&g, &c, &acked).await;
}
