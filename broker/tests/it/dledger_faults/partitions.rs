//! A leader cut off from its followers cannot acknowledge: stopped by SIGSTOP, or partitioned
//! (TCP proxies, or blackhole routes between network namespaces) while its process keeps running.
//!
//! The partition tests print the variant they ran (`variant: proxy` / `variant: netns`). The
//! network-namespace test needs root; where namespaces cannot be made it runs with proxies,
//! unless `MQ_REQUIRE_ROOT_VARIANTS=1` is set: then it fails and says why.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use broker::remoting::codes::response;
use broker::remoting::{RemotingClient, RemotingCommand, RemotingError};

use crate::dledger_cluster::*;
use crate::util::{all_threads, root_variant_unavailable, send_request, wait_until};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cut_off_leader_cannot_acknowledge() {
    let (g, c, senders) = Group::sending(128 * 1024, 2).await;
    senders.wait_count(100).await;
    let mut acked = senders.finish().await;

    let old = g.leader(&c).await;
    let idx = g.index_of(&old);
    let pid = g.nodes[idx].pid() as libc::pid_t;
    // SAFETY: kill(2) on the pid of a child we own and have not reaped.
    unsafe { libc::kill(pid, libc::SIGSTOP) };
    let stopped = Instant::now();
    // kill(2) returns before every thread has stopped: on a loaded machine the leader could
    // still take (and commit) a write sent right now. Wait until all its threads are stopped.
    wait_until(
        Duration::from_secs(10),
        "every thread of the leader stopped",
        || async move { all_threads(pid as u32, |st| st == 'T') },
    )
    .await;
    // Several writes reach the stopped leader's socket; it reads them only after SIGCONT, when it
    // may still append them to its own log before it learns of the new term.
    let lost: Vec<Vec<u8>> = (0..5)
        .map(|i| format!("lost-while-cut-off-{i}").into_bytes())
        .collect();
    let attempts = spawn_sends(&c, &old, &lost);
    for a in attempts {
        let r = a.await.unwrap();
        assert!(
            r.as_ref().map_or(true, |r| r.code != response::SUCCESS),
            "a cut-off leader acknowledged a write: {r:?}"
        );
        // The write reached the stopped process (the kernel took the connection and the bytes):
        // the client waited for an answer, so the check below that no node serves it means
        // something. A refused connection would have left nothing to check.
        assert!(
            matches!(r, Err(RemotingError::Timeout { .. })),
            "the write did not reach the stopped leader: {r:?}"
        );
    }
    // The name server still holds the stopped process's connection: look for one of the others.
    let others: Vec<String> = g.addrs().into_iter().filter(|a| *a != old).collect();
    let (new, waited) = wait_bid0_among(&c, &g.ns.addr, &others).await;
    eprintln!(
        "SIGSTOP of leader n{idx}: new BID 0 {new} {:?} after the stop \
         ({waited:?} of it after the failed send returned)",
        stopped.elapsed()
    );
    for i in 0..50 {
        let tag = format!("after-stop-{i}");
        let (a, _, _) = send_retrying(&c, &g.ns.addr, GROUP, TOPIC, i % QUEUES, &tag, 0).await;
        acked.push(a);
    }
    // SAFETY: as above.
    unsafe { libc::kill(pid, libc::SIGCONT) };
    wait_follower(&c, &g.ns.addr, &old, idx as i64 + 1).await;
    check_group(&g, &c, &acked).await;
    for a in g.addrs() {
        let got = pull_topic(&c, &a, TOPIC).await.unwrap();
        assert!(
            !got.values().any(|b| lost.contains(b)),
            "{a} serves a write the cut-off leader never committed"
        );
    }
}

/// Sends every one of `bodies` to `addr` at once, body `i` to queue `i % QUEUES`, each with the
/// client's send timeout; the tasks yield each send's outcome.
fn spawn_sends(
    c: &RemotingClient,
    addr: &str,
    bodies: &[Vec<u8>],
) -> Vec<tokio::task::JoinHandle<Result<RemotingCommand, broker::remoting::client::RemotingError>>> {
    bodies
        .iter()
        .enumerate()
        .map(|(i, body)| {
            let (c, addr, body) = (c.clone(), addr.to_string(), body.clone());
            tokio::spawn(async move {
                let req = send_request(TOPIC, i as i32 % QUEUES, body, "t", "");
                c.invoke(&addr, req, SEND_TIMEOUT).await
            })
        })
        .collect()
}

/// Sends `bodies` to `addr` at once (queue `i % 4`), each with the client's send timeout; returns
/// how many were refused with an answer and how many got none, failing if any was acknowledged.
async fn sends_not_acknowledged(c: &RemotingClient, addr: &str, bodies: &[Vec<u8>]) -> (usize, usize) {
    not_acknowledged(spawn_sends(c, addr, bodies)).await
}

/// Waits for every send: how many were refused with an answer and how many got none, failing if
/// any was acknowledged.
async fn not_acknowledged(
    attempts: Vec<tokio::task::JoinHandle<Result<RemotingCommand, RemotingError>>>,
) -> (usize, usize) {
    let (mut refused, mut unanswered) = (0, 0);
    for a in attempts {
        match a.await.unwrap() {
            Ok(r) => {
                assert_ne!(
                    r.code,
                    response::SUCCESS,
                    "a partitioned leader acknowledged a write"
                );
                refused += 1;
            }
            Err(_) => unanswered += 1,
        }
    }
    (refused, unanswered)
}

/// Sends to the cut-off leader `addr` from now on, one write every 20 ms (body
/// `<prefix>-<i>|`, queue `i % QUEUES`), until it refuses one (no majority for a lease: it takes
/// no more) or 100 have gone: writes keep arriving for as long as it takes them (not a handful
/// at one instant that a loaded machine may deliver too late), and each one it takes is appended
/// to its log. Returns the bodies and, once every send is answered or timed out, how many were
/// refused and how many got no answer, failing if any was acknowledged.
async fn send_until_refused(c: &RemotingClient, addr: &str, prefix: &str) -> (Vec<Vec<u8>>, usize, usize) {
    let refused_seen = Arc::new(AtomicBool::new(false));
    let mut bodies = Vec::new();
    let mut attempts = Vec::new();
    let mut pace = tokio::time::interval(Duration::from_millis(20));
    while bodies.len() < 100 && !refused_seen.load(Ordering::Acquire) {
        pace.tick().await;
        let i = bodies.len();
        let body = format!("{prefix}-{i:03}|").into_bytes();
        let (c, addr, seen, b) = (c.clone(), addr.to_string(), refused_seen.clone(), body.clone());
        attempts.push(tokio::spawn(async move {
            let req = send_request(TOPIC, i as i32 % QUEUES, b, "t", "");
            let r = c.invoke(&addr, req, SEND_TIMEOUT).await;
            if r.as_ref().is_ok_and(|r| r.code != response::SUCCESS) {
                seen.store(true, Ordering::Release);
            }
            r
        }));
        bodies.push(body);
    }
    let (refused, unanswered) = not_acknowledged(attempts).await;
    (bodies, refused, unanswered)
}

/// Issue 7: a real network partition. Each node reaches its peers' Raft ports through TCP proxies
/// of its own; the test cuts the leader's links to both followers (both directions) while the
/// leader process keeps running and keeps talking to clients and the name server. Writes sent to
/// it are never acknowledged; the majority elects a new BID 0 and takes writes; after healing,
/// the old leader follows, and the entries it appended but never committed are gone from every
/// node's log files.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn network_partition_of_the_leader_cannot_acknowledge() {
    eprintln!("variant: proxy");
    partition_round(
        Group::fresh_partitionable(128 * 1024, Net::Proxied).await,
        "proxies",
    )
    .await;
}

/// The same partition done by the kernel: each node in its own network namespace, blackhole
/// routes between the leader and the others. Where namespaces cannot be made (not root), it says
/// so and runs the proxy variant instead, or fails under `MQ_REQUIRE_ROOT_VARIANTS=1`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn network_namespace_partition_of_the_leader_cannot_acknowledge() {
    let (net, how) = match NetnsLab::create() {
        Ok(lab) => {
            eprintln!("variant: netns");
            (Net::Netns(lab), "network namespaces")
        }
        Err(why) => {
            root_variant_unavailable("netns", "proxy", &why);
            (Net::Proxied, "proxies (no network namespaces here)")
        }
    };
    partition_round(Group::fresh_partitionable(128 * 1024, net).await, how).await;
}

async fn partition_round(g: Group, how: &str) {
    let c = RemotingClient::default();
    g.create_topic(&c).await;
    let senders = Senders::start(&c, &g.ns.addr, 2);
    senders.wait_count(100).await;
    let mut acked = senders.finish().await;

    let old = g.leader(&c).await;
    let idx = g.index_of(&old);
    g.partition(idx, true);
    // Sent from the cut on until the old leader refuses one: until its lease runs out it still
    // believes it leads and appends these to its log, but cannot commit them.
    let others: Vec<String> = g.addrs().into_iter().filter(|a| *a != old).collect();
    let ((appended, refused_early, unanswered), (new, elected)) = tokio::join!(
        send_until_refused(&c, &old, "lost-in-partition"),
        wait_bid0_among(&c, &g.ns.addr, &others)
    );
    // Later writes to the old leader: refused (it has not reached a majority for a lease).
    let late: Vec<Vec<u8>> = (0..5)
        .map(|i| format!("late-in-partition-{i}|").into_bytes())
        .collect();
    let started = Instant::now();
    let (refused_late, _) = sends_not_acknowledged(&c, &old, &late).await;
    let late_took = started.elapsed();
    assert_eq!(
        refused_late,
        late.len(),
        "a leader cut off for over a lease answers writes with a refusal"
    );
    for i in 0..50 {
        let tag = format!("majority-{i}");
        let (a, _, _) = send_retrying(&c, &g.ns.addr, GROUP, TOPIC, i % QUEUES, &tag, 0).await;
        acked.push(a);
    }
    let minority = pull_topic(&c, &old, TOPIC)
        .await
        .expect("the old leader serves reads");
    assert!(
        !minority
            .values()
            .any(|b| appended.contains(b) || late.contains(b)),
        "the partitioned leader serves a write it never committed"
    );
    let in_old_log = appended
        .iter()
        .filter(|b| data_files_contain(&g.roots[idx], idx, &b[..b.len() - 1]))
        .count();
    // Without one, the "never served" and "truncated" checks below would hold trivially.
    assert!(
        in_old_log > 0,
        "no write reached the cut-off leader's log: {} sent from the cut until its first \
         refusal, {refused_early} refused, {unanswered} unanswered",
        appended.len()
    );
    g.partition(idx, false);
    let healed = Instant::now();
    wait_serves(&c, &old, &acked).await;
    let rejoined = healed.elapsed();
    wait_follower(&c, &g.ns.addr, &old, idx as i64 + 1).await;
    check_group(&g, &c, &acked).await;
    let lost: Vec<&Vec<u8>> = appended.iter().chain(&late).collect();
    for a in g.addrs() {
        let got = pull_topic(&c, &a, TOPIC).await.unwrap();
        assert!(
            !got.values().any(|b| lost.contains(&b)),
            "{a} serves a write the partitioned leader never committed"
        );
    }
    // Truncated, not just hidden: no node's files hold those bytes any more, and the old
    // leader's log ends where the others' do.
    for (i, root) in g.roots.iter().enumerate() {
        for b in &lost {
            assert!(
                !data_files_contain(root, i, &b[..b.len() - 1]),
                "n{i}'s data files still hold {:?}",
                String::from_utf8_lossy(b)
            );
        }
    }
    eprintln!(
        "network partition ({how}) of leader n{idx}: {} early sends, {refused_early} refused and \
         {unanswered} unanswered (timeout {SEND_TIMEOUT:?}); new BID 0 {new} {elected:?} after the cut; \
         5 later sends to the old leader refused in \
         {late_took:?} ({refused_late} with an answer); {in_old_log} of the early sends were in \
         the old leader's log before healing, none after; it served the majority's writes {:?} \
         after healing; {} acknowledged messages intact on all three",
        appended.len(),
        rejoined,
        acked.len()
    );
}
