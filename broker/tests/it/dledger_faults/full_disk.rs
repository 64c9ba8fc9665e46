//! A full disk on a DLedger node (`RLIMIT_FSIZE` set on the running process): on a follower, on the
//! leader, and for the leader's consume queues only.
//!
//! These need no root and have no root-only variant (a tmpfs full disk is covered on a classic
//! broker by `disk_full.rs`, which `MQ_REQUIRE_ROOT_VARIANTS=1` concerns); each still prints the
//! variant it ran, `variant: RLIMIT_FSIZE`, as every disk-full test does.

use std::time::{Duration, Instant};

use broker::remoting::codes::response;
use broker::remoting::RemotingClient;

use crate::dledger_cluster::*;
use crate::util::{fsize_limit, invoke, send_request, set_fsize_limit, wait_until};

/// The log line of a DLedger node that starts waiting for disk space (`raft::space`).
const WAITING_FOR_SPACE: &str = "disk full: waiting for space";
/// The log line of a DLedger node whose waiting write went through.
const SPACE_IS_BACK: &str = "disk space is back";

/// Sends `body` to `addr`, whose disk is full: asserts SERVICE_NOT_AVAILABLE with a remark about
/// the full disk, and returns how long the answer took and the remark.
async fn refused_for_a_full_disk(c: &RemotingClient, addr: &str, body: &[u8]) -> (Duration, String) {
    let asked = Instant::now();
    let r = invoke(c, addr, send_request(TOPIC, 0, body.to_vec(), "t", "")).await;
    let answered = asked.elapsed();
    assert_eq!(r.code, response::SERVICE_NOT_AVAILABLE, "{:?}", r.remark);
    assert!(
        r.remark
            .as_deref()
            .is_some_and(|m| m.contains("disk") && m.contains("full")),
        "remark: {:?}",
        r.remark
    );
    (answered, r.remark.unwrap_or_default())
}

/// Disk full on a DLedger follower, by a file-size limit (`RLIMIT_FSIZE`, set on the running
/// process with prlimit; its log writes then fail with EFBIG): the leader and the other follower
/// keep acknowledging, the follower process stays up and waits for space instead of stopping its
/// Raft core; once the limit is raised it catches up by itself (no restart), and the replicas end
/// identical with every acknowledged message once. Then its disk fills again and a SIGTERM still
/// stops it (the wait ends at shutdown).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follower_with_a_full_disk_does_not_stop_the_group() {
    eprintln!("variant: RLIMIT_FSIZE");
    let (mut g, c, senders) = Group::sending(128 * 1024, 2).await;
    senders.wait_count(100).await;
    let leader = g.leader(&c).await;
    let idx = (g.index_of(&leader) + 1) % 3;
    let pid = g.nodes[idx].pid() as libc::pid_t;
    let hard = fsize_limit(pid).rlim_max;
    // 32 KiB: below the follower's 128 KiB data files and 6 MB consume-queue files, so its next
    // writes past that point fail.
    set_fsize_limit(pid, 32 * 1024, hard);
    let full_at = senders.count();
    let waited = wait_log_line(&g, idx, WAITING_FOR_SPACE, 1).await;
    senders.wait_count(full_at + 300).await;
    assert!(
        g.nodes[idx].is_running(),
        "the follower died: {}",
        g.nodes[idx].stderr()
    );
    let behind = pull_topic(&c, &g.nodes[idx].addr, TOPIC)
        .await
        .map_or(0, |m| m.len());
    set_fsize_limit(pid, hard, hard);
    let freed = Instant::now();
    senders.wait_count(full_at + 350).await;
    let acked = senders.finish().await;
    let addr = g.nodes[idx].addr.clone();
    wait_serves(&c, &addr, &acked).await;
    let caught_up = freed.elapsed();
    assert!(
        g.nodes[idx].stderr().contains(SPACE_IS_BACK),
        "the follower never logged that its write went through"
    );
    assert!(g.nodes[idx].is_running(), "the follower restarted or died");
    wait_follower(&c, &g.ns.addr, &addr, idx as i64 + 1).await;
    check_group(&g, &c, &acked).await;

    // Full again, with writes flowing: SIGTERM must not hang on the waiting write.
    let waits = g.nodes[idx].stderr().matches(WAITING_FOR_SPACE).count();
    set_fsize_limit(pid, 32 * 1024, hard);
    let senders = Senders::start(&c, &g.ns.addr, 2);
    wait_log_line(&g, idx, WAITING_FOR_SPACE, waits + 1).await;
    let stopping = Instant::now();
    let status = g.nodes[idx].terminate();
    let stopped = stopping.elapsed();
    senders.finish().await;
    eprintln!(
        "follower n{idx} limited to 32 KiB files after {full_at} acknowledged: waiting for space \
         after {waited:?}; the group acknowledged 300 more meanwhile (the follower served {behind} \
         messages then); limit raised: caught up without a restart in {caught_up:?}; {} \
         acknowledged in all, replicas identical; full again: SIGTERM stopped it in {stopped:?} \
         ({status})",
        acked.len()
    );
}

/// Disk full on the DLedger LEADER (`RLIMIT_FSIZE` as above): its append waits for space, which
/// stalls its Raft core, so the followers elect a new leader; the old leader's process stays up,
/// registers with its follower BID and refuses sends at once with a "disk is full" remark. Sends
/// through the name server go on to the new leader, none acknowledged is lost. Once the limit is
/// raised, the old leader's write goes through, it sees the new term, steps down, drops what it
/// never committed and catches up; the replicas end identical.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leader_with_a_full_disk_is_replaced_and_rejoins() {
    eprintln!("variant: RLIMIT_FSIZE");
    let (mut g, c, senders) = Group::sending(128 * 1024, 2).await;
    senders.wait_count(100).await;
    let old = g.leader(&c).await;
    let idx = g.index_of(&old);
    let pid = g.nodes[idx].pid() as libc::pid_t;
    let hard = fsize_limit(pid).rlim_max;
    set_fsize_limit(pid, 32 * 1024, hard);
    let full_at = senders.count();
    let waited = wait_log_line(&g, idx, WAITING_FOR_SPACE, 1).await;
    let full = Instant::now();
    let others: Vec<String> = g.addrs().into_iter().filter(|a| *a != old).collect();
    let (new, elected) = wait_bid0_among(&c, &g.ns.addr, &others).await;
    senders.wait_count(full_at + 200).await;
    let resumed = full.elapsed();
    assert!(
        g.nodes[idx].is_running(),
        "the old leader died: {}",
        g.nodes[idx].stderr()
    );
    wait_follower(&c, &g.ns.addr, &old, idx as i64 + 1).await;
    // A send to the old leader is refused at once, saying why.
    let (answered, remark) = refused_for_a_full_disk(&c, &old, b"to-a-full-disk").await;
    assert!(answered < SEND_TIMEOUT, "the refusal took {answered:?}");

    set_fsize_limit(pid, hard, hard);
    let freed = Instant::now();
    wait_log_line(&g, idx, SPACE_IS_BACK, 1).await;
    senders.wait_count(full_at + 250).await;
    let acked = senders.finish().await;
    wait_serves(&c, &old, &acked).await;
    let caught_up = freed.elapsed();
    assert!(g.nodes[idx].is_running(), "the old leader restarted or died");
    wait_follower(&c, &g.ns.addr, &old, idx as i64 + 1).await;
    check_group(&g, &c, &acked).await;
    for a in g.addrs() {
        let got = pull_topic(&c, &a, TOPIC).await.unwrap();
        assert!(
            !got.values().any(|b| b.as_slice() == b"to-a-full-disk"),
            "{a} serves the refused send"
        );
    }
    // What the old leader wrote but never committed is gone: its log ends where the others' do.
    wait_until(
        Duration::from_secs(30),
        "the three logs end at the same position",
        || {
            let ends: Vec<(usize, usize)> = (0..3).map(|i| last_data_file_end(&g.roots[i], i)).collect();
            async move { ends.iter().all(|e| *e == ends[0]) }
        },
    )
    .await;
    eprintln!(
        "leader n{idx} limited to 32 KiB files after {full_at} acknowledged: waiting for space \
         after {waited:?}; new BID 0 {new} {elected:?} after that; 200 more acknowledged \
         {resumed:?} after it; a send to the old leader refused in {answered:?} ({:?}); limit \
         raised: rejoined as follower and caught up without a restart in {caught_up:?}; {} \
         acknowledged in all, replicas identical",
        remark,
        acked.len()
    );
}

/// Disk full for the leader's consume queues only: `RLIMIT_FSIZE` of 1 MiB on the leader before
/// the topic exists, so its 128 KiB log files still fit but a 6 MB consume-queue file cannot be
/// created. The log write and the commit succeed; applying waits for space (openraft's core keeps
/// running), so the leader refuses sends with a "disk … is full" remark and stops sending
/// heartbeats: the others elect a new leader that takes the sends. Once the limit is raised the
/// old leader dispatches what it could not, rejoins as follower and serves every message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leader_whose_consume_queue_cannot_grow_steps_aside() {
    eprintln!("variant: RLIMIT_FSIZE");
    let mut g = Group::fresh(128 * 1024).await;
    let c = RemotingClient::default();
    let old = g.leader(&c).await;
    let idx = g.index_of(&old);
    let pid = g.nodes[idx].pid() as libc::pid_t;
    let hard = fsize_limit(pid).rlim_max;
    // The topic first: its creation is a record too, whose consume queue would not fit.
    g.create_topic(&c).await;
    set_fsize_limit(pid, 1 << 20, hard);
    let (answered, _) = refused_for_a_full_disk(&c, &old, b"first|").await;
    let others: Vec<String> = g.addrs().into_iter().filter(|a| *a != old).collect();
    let (new, elected) = wait_bid0_among(&c, &g.ns.addr, &others).await;
    let senders = Senders::start(&c, &g.ns.addr, 2);
    senders.wait_count(100).await;
    assert!(
        g.nodes[idx].is_running(),
        "the old leader died: {}",
        g.nodes[idx].stderr()
    );
    wait_follower(&c, &g.ns.addr, &old, idx as i64 + 1).await;
    set_fsize_limit(pid, hard, hard);
    let freed = Instant::now();
    wait_log_line(&g, idx, SPACE_IS_BACK, 1).await;
    senders.wait_count(150).await;
    let acked = senders.finish().await;
    wait_serves(&c, &old, &acked).await;
    let caught_up = freed.elapsed();
    assert!(g.nodes[idx].is_running(), "the old leader restarted or died");
    check_group(&g, &c, &acked).await;
    eprintln!(
        "leader n{idx} limited to 1 MiB files (its consume queue cannot be created): a send \
         refused in {answered:?}; new BID 0 {new} {elected:?} after that; limit raised: caught \
         up without a restart in {caught_up:?}; {} acknowledged, replicas identical",
        acked.len()
    );
}
