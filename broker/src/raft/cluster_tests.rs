//! In-process 3-node cluster over real HTTP on 127.0.0.1: election, 1000 replicated records,
//! byte-identical DLedger data directories, leader failover, a restarted node catching up, and a
//! follower on a full tmpfs that waits for space, catches up and still shuts down.
//! Listeners are bound on port 0 before the nodes start, so there are no port races.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::StreamExt;
use tempfile::TempDir;

use super::{start_raft_node, LogStoreOptions, NodeId, NoopApplier, RaftNode, RaftNodeConfig, WriteError};
use crate::store::format;

const FILE_SIZE: u64 = 64 * 1024;
const BASE: u64 = 1 << 30; // data starts at an old commitlog's next file boundary (§6.3)
const WAIT: Duration = Duration::from_secs(20);

/// A record shaped like §2.6 (TOTALSIZE, magic v1, …) with a unique body.
fn record(i: u32) -> Bytes {
    let body = format!("message-{i:06}-").repeat(1 + (i % 7) as usize);
    let len = format::record::FIXED_LEN_V4 + body.len() + 1;
    let mut r = vec![0u8; len];
    r[0..4].copy_from_slice(&(len as i32).to_be_bytes());
    r[4..8].copy_from_slice(&format::MESSAGE_MAGIC_CODE_V1.to_be_bytes());
    r[len - body.len() - 1..len - 1].copy_from_slice(body.as_bytes());
    Bytes::from(r)
}

/// Three bound Raft listeners and the peer map (node i -> listener i's address).
fn three_listeners() -> (Vec<std::net::TcpListener>, BTreeMap<NodeId, String>) {
    let listeners: Vec<std::net::TcpListener> = (0..3)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0"))
        .collect();
    let peers = listeners
        .iter()
        .enumerate()
        .map(|(i, l)| (i as NodeId, l.local_addr().expect("addr").to_string()))
        .collect();
    (listeners, peers)
}

async fn start(
    id: NodeId,
    dir: &Path,
    peers: &BTreeMap<NodeId, String>,
    l: std::net::TcpListener,
) -> RaftNode {
    let mut cfg = RaftNodeConfig::new(id, peers.clone(), LogStoreOptions::new(dir, FILE_SIZE, BASE));
    cfg.listener = Some(l);
    start_raft_node(cfg, Arc::new(NoopApplier))
        .await
        .expect("start node")
}

/// Waits until `node` sees a leader other than `not`, and returns it.
async fn leader_seen_by(node: &RaftNode, not: Option<NodeId>) -> NodeId {
    let m = node
        .raft()
        .wait(Some(WAIT))
        .metrics(
            |m| m.current_leader.is_some() && m.current_leader != not,
            "a new leader",
        )
        .await
        .expect("leader elected");
    m.current_leader.expect("leader")
}

/// Waits until every node in `nodes` names the same leader (other than `not`).
async fn agreed_leader(nodes: &[&RaftNode], not: Option<NodeId>) -> NodeId {
    let deadline = Instant::now() + WAIT;
    loop {
        let l = leader_seen_by(nodes[0], not).await;
        let mut all = true;
        for n in &nodes[1..] {
            all &= n
                .raft()
                .wait(Some(Duration::from_secs(2)))
                .metrics(|m| m.current_leader == Some(l), "the same leader")
                .await
                .is_ok();
        }
        if all {
            return l;
        }
        assert!(Instant::now() < deadline, "the nodes never agreed on a leader");
    }
}

fn data_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir.join("data"))
        .expect("data dir")
        .map(|e| {
            let e = e.expect("entry");
            let name = e.file_name().into_string().expect("utf8");
            (name, std::fs::read(e.path()).expect("read"))
        })
        .collect()
}

fn assert_identical(dirs: &[&Path]) {
    let first = data_files(dirs[0]);
    assert!(!first.is_empty());
    for d in &dirs[1..] {
        let other = data_files(d);
        assert_eq!(
            first.keys().collect::<Vec<_>>(),
            other.keys().collect::<Vec<_>>(),
            "same data file names"
        );
        for (name, bytes) in &first {
            assert!(bytes == &other[name], "data file {name} differs between replicas");
        }
    }
}

#[allow(clippy::print_stderr)] // the figures are the point of this test's output
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_nodes_replicate_and_fail_over() {
    let dirs: Vec<TempDir> = (0..3).map(|_| TempDir::new().expect("tempdir")).collect();
    let (listeners, peers) = three_listeners();

    let t0 = Instant::now();
    let mut nodes: Vec<Option<RaftNode>> = Vec::new();
    for (i, l) in listeners.into_iter().enumerate() {
        nodes.push(Some(start(i as NodeId, dirs[i].path(), &peers, l).await));
    }
    let all: Vec<&RaftNode> = nodes.iter().flatten().collect();
    let leader_id = agreed_leader(&all, None).await;
    let election = t0.elapsed();
    let leader = nodes[leader_id as usize].as_ref().expect("leader");
    assert!(leader.is_leader());

    // A follower refuses writes with a leader hint (the broker answers SERVICE_NOT_AVAILABLE).
    let follower = nodes
        .iter()
        .flatten()
        .find(|n| n.id() != leader_id)
        .expect("follower");
    match follower.client_write(record(0)).await {
        Err(WriteError::NotLeader {
            leader_id: Some(l),
            leader_addr: Some(a),
        }) => {
            assert_eq!(l, leader_id);
            assert_eq!(a, peers[&leader_id]);
        }
        other => panic!("expected NotLeader, got {other:?}"),
    }

    // 1000 records through the leader, 32 in flight.
    let t1 = Instant::now();
    let results: Vec<_> = futures::stream::iter(0..1000u32)
        .map(|i| async move { (i, leader.client_write(record(i)).await) })
        .buffer_unordered(32)
        .collect()
        .await;
    let write_1000 = t1.elapsed();
    let mut last_index = 0;
    let mut positions = std::collections::BTreeSet::new();
    for (i, r) in &results {
        let r = r.as_ref().expect("write");
        last_index = last_index.max(r.index);
        assert!(positions.insert(r.pos), "unique positions");
        let body = leader.log().read_body_at(r.pos).expect("read back");
        let mut expect = record(*i).to_vec();
        // §6.2: the log store wrote PHYSICALOFFSET = entry pos + 48.
        expect[28..36].copy_from_slice(&r.pos.to_be_bytes());
        assert_eq!(&body[..], &expect[..]);
    }
    assert!(*positions.first().expect("pos") > BASE);

    // Every replica applies everything, and the data files are byte-identical.
    for n in nodes.iter().flatten() {
        n.wait_applied(last_index, WAIT).await.expect("applied");
    }
    for n in nodes.iter().flatten() {
        // What the broker's dispatcher would feed to consume queues: the committed records.
        assert_eq!(n.log().min_pos(), BASE);
        let committed = n.log().scan_committed(BASE, usize::MAX).expect("scan");
        let records = committed
            .iter()
            .filter(|e| e.loc.kind == super::log_store::EntryKind::Record)
            .count();
        assert_eq!(records, 1000, "node {}", n.id());
    }
    let paths: Vec<&Path> = dirs.iter().map(|d| d.path()).collect();
    assert_identical(&paths);
    assert!(data_files(paths[0]).contains_key(&format::offset_to_file_name(BASE)));
    assert!(data_files(paths[0]).len() > 1, "rolled over data files");
    leader.ensure_linearizable().await.expect("linearizable");

    // Stop the leader; the other two elect a new one and accept writes.
    let old = nodes[leader_id as usize].take().expect("leader");
    let t2 = Instant::now();
    old.shutdown().await.expect("shutdown");
    let shutdown_took = t2.elapsed();
    drop(old);
    let survivors: Vec<&RaftNode> = nodes.iter().flatten().collect();
    let new_leader_id = agreed_leader(&survivors, Some(leader_id)).await;
    let failover = t2.elapsed();
    assert_ne!(new_leader_id, leader_id);
    let new_leader = nodes[new_leader_id as usize].as_ref().expect("new leader");
    let t3 = Instant::now();
    let mut resumed = None;
    // The survivor may see the new leader before the new leader has committed its blank entry.
    while t3.elapsed() < WAIT {
        match new_leader.client_write(record(5000)).await {
            Ok(r) => {
                resumed = Some(r);
                break;
            }
            Err(WriteError::NotLeader { .. }) => {
                tokio::task::yield_now().await;
                leader_seen_by(new_leader, Some(leader_id)).await;
            }
            Err(e) => panic!("write after failover: {e}"),
        }
    }
    let first_after = resumed.expect("writes resume after failover");
    let write_resumed = t2.elapsed();
    assert!(first_after.index > last_index);
    let mut last = first_after;
    for i in 5001..5100 {
        last = new_leader.client_write(record(i)).await.expect("write");
    }

    // The old leader restarts from its files and catches up to byte-identical data.
    let l = std::net::TcpListener::bind(&peers[&leader_id]).expect("rebind old port");
    let restarted = start(leader_id, dirs[leader_id as usize].path(), &peers, l).await;
    nodes[leader_id as usize] = Some(restarted);
    for n in nodes.iter().flatten() {
        n.wait_applied(last.index, WAIT)
            .await
            .expect("applied after restart");
    }
    assert_identical(&paths);

    // Retention: purging a prefix deletes whole data files below it on that node.
    let new_leader = nodes[new_leader_id as usize].as_ref().expect("new leader");
    let files_before = data_files(paths[new_leader_id as usize]).len();
    let min_before = new_leader.log().min_pos();
    new_leader.purge_upto(last_index, WAIT).await.expect("purge");
    new_leader
        .raft()
        .wait(Some(WAIT))
        .metrics(|m| m.purged.is_some_and(|p| p.index >= last_index), "purged")
        .await
        .expect("purge done");
    assert!(new_leader.log().min_pos() > min_before);
    assert!(data_files(paths[new_leader_id as usize]).len() < files_before);
    new_leader
        .client_write(record(6000))
        .await
        .expect("write after purge");

    eprintln!(
        "raft cluster figures: election {election:?}; 1000 replicated writes (32 in flight) {write_1000:?}; \
         failover to a new leader {failover:?} after starting to stop the leader (its shutdown took {shutdown_took:?}); \
         first write accepted {write_resumed:?} after it"
    );
    for n in nodes.iter().flatten() {
        n.shutdown().await.expect("shutdown");
    }
}

/// A tmpfs mounted on `<dir>/mnt` for one test; unmounted (lazily) when dropped.
struct Tmpfs(std::path::PathBuf);

impl Tmpfs {
    /// `None` when this machine does not allow mounting (not root).
    fn mount(dir: &Path, size: &str) -> Option<Self> {
        let mnt = dir.join("mnt");
        std::fs::create_dir_all(&mnt).expect("mkdir");
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&mnt)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(Self(mnt))
    }

    /// Fills the file system with `<mnt>/filler` until a write fails with ENOSPC.
    fn fill(&self) {
        use std::io::Write as _;
        let mut f = std::fs::File::create(self.0.join("filler")).expect("filler");
        let chunk = vec![b'f'; 4096];
        loop {
            match f.write_all(&chunk) {
                Ok(()) => {}
                Err(e) if e.raw_os_error() == Some(libc::ENOSPC) => return,
                Err(e) => panic!("filling the tmpfs: {e}"),
            }
        }
    }

    fn free(&self) {
        std::fs::remove_file(self.0.join("filler")).expect("remove filler");
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
    }
}

/// Writes records through `leader` until `node` reports a write waiting for space; returns the
/// last written index.
async fn write_until_disk_full(leader: &RaftNode, node: &RaftNode, from: u32) -> u64 {
    let deadline = Instant::now() + WAIT;
    let mut i = from;
    let mut last = 0;
    while !node.disk_full() {
        assert!(
            Instant::now() < deadline,
            "node {} never ran out of space",
            node.id()
        );
        last = leader.client_write(record(i)).await.expect("write").index;
        i += 1;
    }
    last
}

/// A follower whose store is on a full tmpfs (real ENOSPC from the kernel): its append waits for
/// space while the other two keep committing; freeing space lets it catch up with no restart
/// and byte-identical files; filled again, `shutdown` ends the wait instead of hanging.
#[allow(clippy::print_stderr)]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn follower_on_a_full_tmpfs_waits_catches_up_and_shuts_down() {
    let dirs: Vec<TempDir> = (0..3).map(|_| TempDir::new().expect("tempdir")).collect();
    let mounts: Option<Vec<Tmpfs>> = dirs.iter().map(|d| Tmpfs::mount(d.path(), "2m")).collect();
    let Some(mounts) = mounts else {
        eprintln!("cannot mount a tmpfs here (not root?): the full-disk case is covered by the RLIMIT_FSIZE integration tests");
        return;
    };
    let (listeners, peers) = three_listeners();
    let mut nodes = Vec::new();
    for (i, l) in listeners.into_iter().enumerate() {
        nodes.push(start(i as NodeId, &mounts[i].0, &peers, l).await);
    }
    let all: Vec<&RaftNode> = nodes.iter().collect();
    let leader_id = agreed_leader(&all, None).await;
    let leader = &nodes[leader_id as usize];
    for i in 0..50 {
        leader.client_write(record(i)).await.expect("write");
    }
    let f = (leader_id as usize + 1) % 3;
    let follower = &nodes[f];

    mounts[f].fill();
    let t0 = Instant::now();
    let mut last = write_until_disk_full(leader, follower, 100).await;
    let noticed = t0.elapsed();
    // The other two still commit, and the waiting follower has not stopped its Raft core.
    for i in 1000..1100 {
        last = leader
            .client_write(record(i))
            .await
            .expect("write while full")
            .index;
    }
    assert!(follower.disk_full());
    assert!(follower.raft().metrics().borrow().running_state.is_ok());
    assert!(follower.log().max_pos() < leader.log().max_pos());

    mounts[f].free();
    let t1 = Instant::now();
    follower.wait_applied(last, WAIT).await.expect("caught up");
    let caught_up = t1.elapsed();
    assert!(!follower.disk_full());
    let paths: Vec<&Path> = mounts.iter().map(|m| m.0.as_path()).collect();
    assert_identical(&paths);

    mounts[f].fill();
    write_until_disk_full(leader, follower, 2000).await;
    let t2 = Instant::now();
    tokio::time::timeout(WAIT, follower.shutdown())
        .await
        .expect("shutdown does not hang on a full disk")
        .expect("shutdown");
    let stopped = t2.elapsed();
    assert!(!follower.disk_full(), "the wait ended");
    eprintln!(
        "full tmpfs on follower {f}: waiting after {noticed:?}; caught up {caught_up:?} after \
         space returned; full again: shutdown took {stopped:?}"
    );
    for (i, n) in nodes.iter().enumerate() {
        if i != f {
            n.shutdown().await.expect("shutdown");
        }
    }
}

/// The leader's batcher: records proposed at once share Raft entries, each comes back with its
/// own position (the record stored there is that record), entries never exceed the byte
/// budget, every replica's files are identical, and `proposed_all` waits for what is queued.
#[allow(clippy::print_stderr)] // the batch count is worth seeing
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn batcher_shares_entries_and_returns_each_position() {
    use super::batch::Batcher;
    let dirs: Vec<TempDir> = (0..3).map(|_| TempDir::new().expect("tempdir")).collect();
    let (listeners, peers) = three_listeners();
    let mut nodes = Vec::new();
    for (i, l) in listeners.into_iter().enumerate() {
        nodes.push(start(i as NodeId, dirs[i].path(), &peers, l).await);
    }
    let all: Vec<&RaftNode> = nodes.iter().collect();
    let leader_id = agreed_leader(&all, None).await;
    let leader = &nodes[leader_id as usize];
    let before = leader.raft().metrics().borrow().last_log_index.unwrap_or(0);

    const BUDGET: usize = 2048;
    let batcher = Batcher::start(leader.raft().clone(), BUDGET);
    let records: Vec<Bytes> = (0..300).map(record).collect();
    // Queued without awaiting in between, as concurrent sends queue them.
    let pending: Vec<_> = records.iter().map(|r| batcher.propose(r.clone())).collect();
    batcher.proposed_all().await;
    let mut positions = Vec::new();
    for rx in pending {
        positions.push(rx.await.expect("answered").expect("committed"));
    }
    for (r, pos) in records.iter().zip(&positions) {
        let stored = leader.log().read_body_at(*pos).expect("record at its position");
        // Equal but for PHYSICALOFFSET, which the log store set to the position.
        assert_eq!(stored.len(), r.len());
        let at = format::record::PHYSICAL_OFFSET;
        assert_eq!(&stored[..at], &r[..at]);
        assert_eq!(&stored[at + 8..], &r[at + 8..]);
        assert_eq!(&stored[at..at + 8], &pos.to_be_bytes());
    }
    let entries = leader.raft().metrics().borrow().last_log_index.expect("entries") - before;
    assert!(
        entries < 300,
        "300 records in {entries} Raft entries: no batching"
    );
    let biggest = (before + 1..=before + entries)
        .filter_map(|i| leader.log().location(i))
        .map(|l| l.size as usize - 48 * l.count as usize)
        .max()
        .expect("entries");
    assert!(biggest <= BUDGET, "an entry holds {biggest} record bytes");
    eprintln!("300 records in {entries} Raft entries");

    // Followers end up with the same bytes.
    for n in &nodes {
        n.raft()
            .wait(Some(WAIT))
            .applied_index_at_least(Some(before + entries), "replicated")
            .await
            .expect("replicated");
    }
    let paths: Vec<&Path> = dirs.iter().map(TempDir::path).collect();
    drop(batcher);
    for n in nodes {
        n.shutdown().await.expect("shutdown");
    }
    assert_identical(&paths);
}
