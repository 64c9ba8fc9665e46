//! `kill -9` of DLedger nodes: the leader during continuous sending, a random node while producers
//! and consumers run, a follower that restarts and catches up (also from its positions
//! checkpoint, with a torn tail after it).

use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::dledger_cluster::*;
use crate::util::{soak, wait_until};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leader_kill_9_during_continuous_sending() {
    let (rounds, per_round) = if soak() { (20, 2000) } else { (5, 150) };
    let (mut g, c, senders) = Group::sending(256 * 1024, 4).await;
    for round in 0..rounds {
        senders.wait_count((round + 1) * per_round).await;
        let old = g.leader(&c).await;
        let idx = g.index_of(&old);
        g.nodes[idx].kill9();
        let others: Vec<String> = g.addrs().into_iter().filter(|a| *a != old).collect();
        let (new, took) = wait_bid0_among(&c, &g.ns.addr, &others).await;
        eprintln!("round {round}: kill -9 of leader n{idx} ({old}): new BID 0 {new} after {took:?}");
        g.nodes[idx].restart();
        g.nodes[idx].wait_ready().await;
        wait_follower(&c, &g.ns.addr, &old, idx as i64 + 1).await;
    }
    // Writes go on after the last restart.
    senders.wait_count(rounds * per_round + 50).await;
    let acked = senders.finish().await;
    eprintln!("{} messages acknowledged over {rounds} leader kills", acked.len());
    check_group(&g, &c, &acked).await;
}

/// Issue 7's fault round: `kill -9` of a random node (leader or follower) while producers send
/// and two consumers read, several rounds. One keeps its position in memory and must read every
/// acknowledged message exactly once at its position. The other behaves like a push consumer:
/// it commits its offsets to BID 0 every 500 ms and resumes from the committed offsets after a
/// failover and after its own crash-restarts (every other round); its oneway commits reach the
/// followers through the Raft log (coalesced for 100 ms), so a failover may rewind it by the
/// last ones (redeliveries, counted and bounded) but must never move it past what the group
/// consumed. A third consumer commits two-way: no resume may go behind an answered commit.
/// Afterwards a fresh consumer of a second group reads every acknowledged message exactly once,
/// and the replicas agree.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_node_kill_9_while_producing_and_consuming() {
    let (rounds, per_round) = if soak() { (20, 1000) } else { (4, 100) };
    let (mut g, c, senders) = Group::sending(256 * 1024, 4).await;
    let consumer = Consumer::start(&c, &g.ns.addr, Position::InMemory);
    let committed = |group: &str| Position::Committed {
        group: group.into(),
        every: Duration::from_millis(500),
        answered: false,
    };
    let pushing = Consumer::start(&c, &g.ns.addr, committed("push"));
    // The same with two-way commits: no resume may rewind past an answered commit.
    let answered = Consumer::start(
        &c,
        &g.ns.addr,
        Position::Committed {
            group: "answered".into(),
            every: Duration::from_millis(500),
            answered: true,
        },
    );
    let seed = fault_seed();
    for round in 0..rounds {
        senders.wait_count((round + 1) * per_round).await;
        // Round 0 always takes the leader, so both kinds of victim are covered in every run.
        let idx = if round == 0 {
            g.index_of(&g.leader(&c).await)
        } else {
            ((seed >> (round * 2)) % 3) as usize
        };
        let victim = g.nodes[idx].addr.clone();
        let was_leader = bids(&c, &g.ns.addr, GROUP).await.get(&0) == Some(&victim);
        g.nodes[idx].kill9();
        if was_leader {
            let others: Vec<String> = g.addrs().into_iter().filter(|a| *a != victim).collect();
            let (new, took) = wait_bid0_among(&c, &g.ns.addr, &others).await;
            eprintln!("round {round}: kill -9 of leader n{idx}: new BID 0 {new} after {took:?}");
        } else {
            eprintln!("round {round}: kill -9 of follower n{idx}");
        }
        if round % 2 == 1 {
            pushing.restart.store(true, Ordering::Relaxed);
        }
        g.nodes[idx].restart();
        g.nodes[idx].wait_ready().await;
        wait_follower(&c, &g.ns.addr, &victim, idx as i64 + 1).await;
    }
    senders.wait_count(rounds * per_round + 50).await;
    let acked = senders.finish().await;
    check_group(&g, &c, &acked).await;
    // Both consumers catch up with everything acknowledged, each message in place.
    let keys: Vec<(i32, i64)> = acked.iter().map(|a| (a.queue, a.offset)).collect();
    consumer.wait_has(&keys, "the in-memory consumer").await;
    pushing.wait_has(&keys, "the committing consumer").await;
    answered
        .wait_has(&keys, "the consumer with answered commits")
        .await;
    // Its last commit reaches the leader: the committed offsets end where it stopped reading.
    let leader = g.leader(&c).await;
    let ends = {
        let r = pushing.read.lock().unwrap();
        let mut ends = [0i64; QUEUES as usize];
        for (q, o) in r.keys() {
            ends[*q as usize] = ends[*q as usize].max(o + 1);
        }
        ends
    };
    wait_until(
        Duration::from_secs(30),
        "the committed offsets reach the leader",
        || {
            let (c, leader) = (c.clone(), leader.clone());
            async move { committed_offsets(&c, &leader, "push").await == Some(ends) }
        },
    )
    .await;
    let (read, _, _) = consumer.finish().await;
    check_acked(&read, &acked).unwrap_or_else(|e| panic!("consumer: {e}"));
    eprintln!(
        "{} acknowledged over {rounds} random kills; the consumer read {} records, each once \
         ({} more than acknowledged: retried attempts whose answer was lost)",
        acked.len(),
        read.len(),
        read.len() - acked.len()
    );
    let (answered_read, answered_deliveries, answered_resumes) = answered.finish().await;
    check_acked(&answered_read, &acked).unwrap_or_else(|e| panic!("answered consumer: {e}"));
    let answered_delivered: u64 = answered_deliveries.values().map(|n| u64::from(*n)).sum();
    eprintln!(
        "consumer with answered commits: {} records, {} redelivered ({} rewound over {} \
         resumes, by cause {:?}; oldest rewound record first read {:?} before its resume); no \
         resume went behind an answered commit",
        answered_deliveries.len(),
        answered_delivered - answered_deliveries.len() as u64,
        answered_resumes.rewound,
        answered_resumes.count,
        answered_resumes.by_cause,
        answered_resumes.max_age
    );
    let (pushed, deliveries, resumes) = pushing.finish().await;
    check_acked(&pushed, &acked).unwrap_or_else(|e| panic!("committing consumer: {e}"));
    let delivered: u64 = deliveries.values().map(|n| u64::from(*n)).sum();
    let redelivered = delivered - deliveries.len() as u64;
    eprintln!(
        "committing consumer: {} records, {delivered} deliveries, {redelivered} redelivered \
         ({} rewound over {} resumes, (resumes, rewound) by cause {:?}; oldest rewound record \
         first read {:?} before its resume)",
        deliveries.len(),
        resumes.rewound,
        resumes.count,
        resumes.by_cause,
        resumes.max_age
    );
    // Every redelivery comes from a resume (a resume interrupted by the next re-reads less than
    // it rewound).
    assert!(
        redelivered <= resumes.rewound,
        "{redelivered} redeliveries but only {} rewound",
        resumes.rewound
    );
    // Bounded: a resume re-reads only what the group read shortly before, not the whole topic
    // (the commit interval, the 2 s offset sync, the failover and a loaded machine's delays).
    assert!(
        resumes.max_age < Duration::from_secs(20),
        "a resume went back {:?}",
        resumes.max_age
    );
    // A second group, started after the cluster settled, reads everything exactly once.
    let fresh = Consumer::start(&c, &g.ns.addr, committed("fresh"));
    fresh.wait_has(&keys, "the second group's consumer").await;
    let (fresh_read, fresh_deliveries, _) = fresh.finish().await;
    check_acked(&fresh_read, &acked).unwrap_or_else(|e| panic!("second group: {e}"));
    assert!(
        fresh_deliveries.values().all(|n| *n == 1),
        "the second group read a record twice"
    );
    eprintln!("second group: {} records, each delivered once", fresh_read.len());
}

/// The environment variable that replays a run's choice of victims.
const SEED_VAR: &str = "MQ_FAULT_SEED";

/// The seed of the victims: `MQ_FAULT_SEED` when set (a run to replay), else from the clock;
/// printed either way, with how to replay it.
fn fault_seed() -> u64 {
    let (seed, from) = match std::env::var(SEED_VAR) {
        Ok(v) => (
            v.trim()
                .parse()
                .unwrap_or_else(|e| panic!("{SEED_VAR}={v:?} is not a u64: {e}")),
            SEED_VAR,
        ),
        Err(_) => (
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(7, |d| d.as_nanos() as u64)
                ^ u64::from(std::process::id()),
            "the clock",
        ),
    };
    eprintln!(
        "victim seed {seed} (from {from}); replay with {SEED_VAR}={seed} cargo test -p broker \
         --test it random_node_kill_9_while_producing_and_consuming"
    );
    seed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_follower_restarts_and_catches_up() {
    let (mut g, c, senders) = Group::sending(128 * 1024, 4).await;
    senders.wait_count(200).await;
    let leader = g.leader(&c).await;
    let idx = (g.index_of(&leader) + 1) % 3;
    g.nodes[idx].kill9();
    // The two others still form a majority: writes keep being acknowledged.
    senders.wait_count(500).await;
    g.nodes[idx].restart();
    g.nodes[idx].wait_ready().await;
    wait_follower(&c, &g.ns.addr, &g.nodes[idx].addr.clone(), idx as i64 + 1).await;
    senders.wait_count(600).await;
    let acked = senders.finish().await;
    check_group(&g, &c, &acked).await;
}

/// Issue 17: a follower killed while the group takes writes restarts from its positions
/// checkpoint (reading only its last data file and what follows, not the whole log), still cuts
/// a torn tail written after that checkpoint, catches up, and no acknowledged message is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_follower_restarts_from_its_positions_checkpoint_and_cuts_a_torn_tail() {
    const FILE_SIZE: u64 = 64 * 1024;
    let (mut g, c, senders) = Group::sending(FILE_SIZE, 4).await;
    senders.wait_count(200).await;
    let leader = g.leader(&c).await;
    let idx = (g.index_of(&leader) + 1) % 3;
    let node_dir = g.roots[idx].join(format!("dledger-n{idx}"));
    let ckpt = node_dir.join("raft-positions").join("positions.ckpt");
    // The follower's checkpoint covers entries beyond its first data files.
    let end_pos = |text: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix("endPos="))
            .and_then(|v| v.parse::<u64>().ok())
    };
    wait_until(
        Duration::from_secs(60),
        "a positions checkpoint past 3 data files",
        || {
            let past = std::fs::read_to_string(&ckpt)
                .ok()
                .and_then(|t| end_pos(&t))
                .is_some_and(|p| p > 3 * FILE_SIZE);
            async move { past }
        },
    )
    .await;
    g.nodes[idx].kill9();
    let at_kill = end_pos(&std::fs::read_to_string(&ckpt).unwrap()).unwrap();

    // A torn entry after the last one the follower wrote: the first 8 bytes of a header whose
    // rest never reached the disk (a size that does not match its zero body length).
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(node_dir.join("data"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    let (_, written) = last_data_file_end(&g.roots[idx], idx);
    let last = files.last().unwrap();
    let mut data = std::fs::read(last).unwrap();
    assert!(
        written + 8 <= data.len(),
        "an entry always leaves room for a blank"
    );
    data[written..written + 8].copy_from_slice(&[0, 0, 0, 1, 0, 0, 0x10, 0]);
    std::fs::write(last, &data).unwrap();

    g.nodes[idx].restart();
    g.nodes[idx].wait_ready().await;
    let log = g.nodes[idx].stderr();
    assert!(
        log.contains("DLedger log recovered from its positions checkpoint"),
        "restart did not use the checkpoint (ending at {at_kill}): {log}"
    );
    assert!(log.contains("cut a torn tail of the DLedger log"), "{log}");
    wait_follower(&c, &g.ns.addr, &g.nodes[idx].addr.clone(), idx as i64 + 1).await;
    let before = senders.count();
    senders.wait_count(before + 200).await;
    let acked = senders.finish().await;
    check_group(&g, &c, &acked).await;
}
