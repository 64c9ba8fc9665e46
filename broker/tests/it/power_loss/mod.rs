//! Power loss: what SYNC_FLUSH and ASYNC_FLUSH promise when the machine loses power, not just
//! the process. Each store lives on a [`lossy_fs::Disk`], a FUSE file system (served by a
//! process of its own) that keeps only what was fsynced/fdatasynced when it "loses power": the
//! broker is killed (`kill -9`), its disk rolled back to the last sync, and the broker restarted
//! on it.
//!
//! - the file system itself: a synced write survives, an unsynced one (written or mapped) not;
//! - classic store, SYNC_FLUSH: every acknowledged send is there after each power cut;
//! - DLedger group, SYNC_FLUSH: the same when a majority, then the whole group, loses power;
//! - DLedger group, ASYNC_FLUSH: an acknowledged send (replicated to a majority) survives the
//!   power loss of a minority (the leader), which does lose unsynced data of its own, and the
//!   node that lost power catches up and serves every acknowledged message again (it used to
//!   come back with its applied index on disk beyond its data, purge its log up to it and
//!   answer MESSAGE_WAS_REMOVING from queue offset 0).
//!
//! Mounting needs root and `/dev/fuse` (CI runs as root); without them these tests fail and say so.

// Figures go to stderr (shown with --nocapture) for the CI log.
#![allow(clippy::print_stderr)]

mod lossy_fs;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use broker::remoting::codes::response;
use broker::remoting::headers::SendMessageResponseHeader;
use broker::remoting::RemotingClient;

use crate::dledger_cluster::{check_group, wait_bid0_among, Group, NamesrvProc, Net, Senders};
use crate::util::*;
use lossy_fs::{Disk, Loss};

/// Mounts a [`Disk`] at `<base>/<name>`; fails the test, saying what it needs, when it cannot.
fn disk(base: &Path, name: &str) -> (Disk, PathBuf) {
    let at = base.join(name);
    std::fs::create_dir_all(&at).unwrap();
    let d = Disk::mount(&at, SERVER_ENTRY).unwrap_or_else(|e| {
        panic!(
            "mounting the power-loss file system at {} failed: {e} \
             (it needs root and /dev/fuse; CI runs as root)",
            at.display()
        )
    });
    (d, at)
}

/// The test that, started with [`lossy_fs::SERVE_ENV`] set, serves a [`Disk`] instead.
const SERVER_ENTRY: &str = "power_loss::the_lossy_disk_keeps_exactly_what_was_synced";

/// Checks the instrument itself: a synced write survives a power loss, an unsynced one (by
/// pwrite or through a shared map) does not, and msync reaches the file system as a sync.
#[test]
fn the_lossy_disk_keeps_exactly_what_was_synced() {
    use std::os::unix::fs::FileExt;
    // This binary started as a file system server (see `lossy_fs`): serve until told to stop.
    if let Some(at) = std::env::var_os(lossy_fs::SERVE_ENV) {
        lossy_fs::serve(Path::new(&at));
        return;
    }
    let base = tempfile::tempdir().unwrap();
    let (mut d, at) = disk(base.path(), "disk");
    let open = |name: &str| {
        std::fs::File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(at.join(name))
            .unwrap()
    };
    let f = open("written");
    f.write_all_at(b"synced", 0).unwrap();
    f.sync_data().unwrap();
    f.write_all_at(b"lost", 6).unwrap();
    let m = open("mapped");
    m.set_len(8192).unwrap();
    // SAFETY: a file of ours, 8 KiB long while mapped.
    let mut map = unsafe { memmap2::MmapMut::map_mut(&m) }.unwrap();
    map[..4].copy_from_slice(b"kept");
    map.flush().unwrap(); // msync(MS_SYNC)
    map[4096..4100].copy_from_slice(b"gone");
    drop(map);
    let n = open("never-synced");
    n.write_all_at(b"x", 0).unwrap();
    drop((f, m, n));
    let loss = d.lose_power();
    let stats = d.stats();
    assert!(stats.fsyncs >= 2, "{stats:?}");
    assert_eq!(std::fs::read(at.join("written")).unwrap(), b"synced");
    let mapped = std::fs::read(at.join("mapped")).unwrap();
    assert_eq!(mapped.len(), 8192);
    assert_eq!(&mapped[..4], b"kept", "msync made it durable");
    assert_eq!(&mapped[4096..4100], &[0; 4], "never synced");
    assert_eq!(std::fs::read(at.join("never-synced")).unwrap(), b"");
    assert!(
        stats.cache_writes > 0,
        "mapped pages reached the file system as write-backs: {stats:?}"
    );
    assert_eq!(loss.pages_in("written"), 1, "{loss:?}");
    assert_eq!(loss.pages_in("never-synced"), 1, "{loss:?}");
    assert_eq!(loss.pages_in("mapped"), 1, "{loss:?}");
}

/// A message acknowledged with SUCCESS: where the broker said it stored it.
#[derive(Debug, Clone, Copy)]
struct At {
    queue: i32,
    offset: i64,
}

/// Sends from `n` connections to `addr` until `stop`; records every acknowledged id. A refused or
/// failed send (the broker was killed) ends that sender.
fn start_senders(
    addr: &str,
    round: usize,
    n: usize,
    stop: &Arc<AtomicBool>,
    acked: &Arc<Mutex<HashMap<String, At>>>,
) -> Vec<tokio::task::JoinHandle<()>> {
    (0..n)
        .map(|s| {
            let (c, addr, acked, stop) = (
                RemotingClient::default(),
                addr.to_string(),
                acked.clone(),
                stop.clone(),
            );
            tokio::spawn(async move {
                let mut i = 0usize;
                while !stop.load(Ordering::Relaxed) {
                    let id = format!("r{round}-s{s}-{i}");
                    let mut body = id.clone().into_bytes();
                    body.push(b'|');
                    body.resize(body.len() + [1, 100, 900, 3000][i % 4], b'.');
                    let q = (i % 4) as i32;
                    i += 1;
                    let req = send_request("PowerLoss", q, body, "", &id);
                    match c.invoke(&addr, req, Duration::from_secs(10)).await {
                        Ok(r) if r.code == response::SUCCESS => {
                            let h = r.decode_header::<SendMessageResponseHeader>().unwrap();
                            let at = At {
                                queue: h.queue_id,
                                offset: h.queue_offset,
                            };
                            acked.lock().unwrap().insert(id, at);
                        }
                        _ => return,
                    }
                }
            })
        })
        .collect()
}

/// Prints what a power cut discarded: pages per kind of store file.
fn report(what: &str, loss: &Loss) {
    eprintln!(
        "{what}: power cut discarded unsynced pages: commitlog {}, consumequeue {}, DLedger data {}, \
         other {} ({} files)",
        loss.pages_in("/commitlog/"),
        loss.pages_in("/consumequeue/"),
        loss.pages_in("/data/"),
        loss.files.values().sum::<usize>()
            - loss.pages_in("/commitlog/")
            - loss.pages_in("/consumequeue/")
            - loss.pages_in("/data/"),
        loss.files.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_flush_loses_no_acknowledged_message_in_a_power_cut() {
    let rounds = if soak() { 6 } else { 3 };
    let started = Instant::now();
    let base = tempfile::tempdir().unwrap();
    let (mut d, mnt) = disk(base.path(), "disk");
    let ns = start_namesrv().await;
    let store = mnt.join("store");
    let port = free_port_pair();
    let mut props = base_props("broker-a", port, &ns.addr, &store);
    props.retain(|(k, _)| *k != "mappedFileSizeCommitLog");
    props.extend([
        ("flushDiskType", "SYNC_FLUSH".to_string()),
        // Small files, so the rounds cross commitlog and consume-queue file boundaries.
        ("mappedFileSizeCommitLog", "65536".into()),
        ("mappedFileSizeConsumeQueue", "6000".into()),
    ]);
    let conf = write_broker_conf(base.path(), "b.conf", &props);
    let mut b = BrokerProc::spawn(&conf, port);
    b.wait_ready().await;
    let c = RemotingClient::default();
    create_topic_on(&c, &b.addr, "PowerLoss", 4).await;

    let mut acked: HashMap<String, At> = HashMap::new();
    let mut discarded = 0;
    for round in 0..rounds {
        let round_acked: Arc<Mutex<HashMap<String, At>>> = Default::default();
        let stop = Arc::new(AtomicBool::new(false));
        let senders = start_senders(&b.addr, round, 8, &stop, &round_acked);
        wait_until(Duration::from_secs(60), "acknowledged sends", || {
            let n = round_acked.lock().unwrap().len();
            async move { n >= 1000 }
        })
        .await;
        // The power cut: the broker dies with the machine, and the disk keeps what was synced.
        b.kill9();
        stop.store(true, Ordering::Relaxed);
        for s in senders {
            s.await.unwrap();
        }
        let loss = d.lose_power();
        report(&format!("classic SYNC_FLUSH round {round}"), &loss);
        discarded += loss.files.values().sum::<usize>();
        acked.extend(round_acked.lock().unwrap().drain());

        b.restart();
        b.wait_ready().await;
        let mut found: HashMap<String, At> = HashMap::new();
        for q in 0..4 {
            for m in pull_queue(&c, &b.addr, "PowerLoss", q).await {
                let id = String::from_utf8_lossy(m.body.split(|&x| x == b'|').next().unwrap()).into_owned();
                let at = At {
                    queue: q,
                    offset: m.queue_offset,
                };
                let prev = found.insert(id.clone(), at);
                assert!(
                    prev.is_none(),
                    "round {round}: {id} stored twice: {prev:?}, {at:?}"
                );
            }
        }
        let mut lost = Vec::new();
        for (id, a) in &acked {
            match found.get(id) {
                Some(f) => assert_eq!(
                    (f.queue, f.offset),
                    (a.queue, a.offset),
                    "round {round}: {id} acknowledged at {a:?}, found at {f:?}"
                ),
                None => lost.push(id.clone()),
            }
        }
        lost.sort();
        assert!(
            lost.is_empty(),
            "round {round}: {} of {} acknowledged messages lost in the power cut, e.g. {:?}",
            lost.len(),
            acked.len(),
            &lost[..lost.len().min(5)]
        );
        eprintln!(
            "classic SYNC_FLUSH round {round}: {} acknowledged so far, 0 lost, {} stored",
            acked.len(),
            found.len()
        );
    }
    let stats = d.stats();
    eprintln!(
        "classic SYNC_FLUSH power loss: {} acknowledged, 0 lost, {rounds} power cuts in {:?}; \
         file system saw {stats:?}",
        acked.len(),
        started.elapsed()
    );
    // The cuts had something to discard, and the store wrote through its maps (fallocate is
    // called only for mapped files; write-backs of cached pages are mapped writes).
    assert!(discarded > 0, "no power cut discarded anything");
    assert!(stats.fallocates > 0 && stats.cache_writes > 0, "{stats:?}");
    b.terminate();
    ns.stop().await;
}

/// Three nodes, each on a [`Disk`] of its own, with `extra` config keys.
async fn dledger_group(base: &Path, extra: &[(&'static str, String)]) -> (Vec<Disk>, Group) {
    let mut disks = Vec::new();
    let mut roots = Vec::new();
    for i in 0..3 {
        let (d, at) = disk(base, &format!("n{i}"));
        disks.push(d);
        roots.push(at.join("store"));
    }
    let ns = NamesrvProc::spawn().await;
    let conf_dir = tempfile::tempdir().unwrap();
    let g = Group::start_with(ns, conf_dir, roots, None, 256 * 1024, Net::Loopback, extra).await;
    (disks, g)
}

/// Kills `victims` (`kill -9`), cuts their power, restarts them and waits for a BID 0; returns
/// the unsynced DLedger data pages the cut discarded.
async fn power_cut(g: &mut Group, disks: &mut [Disk], victims: &[usize], what: &str) -> usize {
    for &i in victims {
        g.nodes[i].kill9();
    }
    let mut pages = 0;
    for &i in victims {
        let loss = disks[i].lose_power();
        report(&format!("{what}, n{i}"), &loss);
        pages += loss.pages_in("/data/");
    }
    for &i in victims {
        g.nodes[i].restart();
    }
    for &i in victims {
        g.nodes[i].wait_ready().await;
    }
    let c = RemotingClient::default();
    wait_bid0_among(&c, &g.ns.addr, &g.addrs()).await;
    pages
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dledger_sync_flush_loses_no_acknowledged_message_when_a_majority_or_all_lose_power() {
    let started = Instant::now();
    let base = tempfile::tempdir().unwrap();
    let extra = [("flushDiskType", "SYNC_FLUSH".to_string())];
    let (mut disks, mut g) = dledger_group(base.path(), &extra).await;
    let c = RemotingClient::default();
    g.create_topic(&c).await;
    let senders = Senders::start(&c, &g.ns.addr, 4);
    // A majority (the leader and a follower), then the whole group.
    let leader = g.index_of(&g.leader(&c).await);
    let rounds = [vec![leader, (leader + 1) % 3], vec![0, 1, 2]];
    for (round, victims) in rounds.iter().enumerate() {
        senders.wait_count(senders.count() + 150).await;
        let what = format!("DLedger SYNC_FLUSH round {round} (nodes {victims:?})");
        power_cut(&mut g, &mut disks, victims, &what).await;
    }
    senders.wait_count(senders.count() + 50).await;
    let acked = senders.finish().await;
    check_group(&g, &c, &acked).await;
    eprintln!(
        "DLedger SYNC_FLUSH power loss: {} acknowledged, 0 lost, 2 power cuts (2 then 3 nodes) \
         in {:?}",
        acked.len(),
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dledger_async_flush_keeps_what_a_majority_acknowledged_when_a_minority_loses_power() {
    let rounds = if soak() { 6 } else { 3 };
    let started = Instant::now();
    let base = tempfile::tempdir().unwrap();
    // A long interval: the flush thread never syncs the data files before a cut, so each cut
    // takes away what the leader wrote since the state machine last synced them (it does so
    // before it records entries as applied, at most every 500 ms).
    let extra = [("flushIntervalCommitLog", "60000".to_string())];
    let (mut disks, mut g) = dledger_group(base.path(), &extra).await;
    let c = RemotingClient::default();
    g.create_topic(&c).await;
    let senders = Senders::start(&c, &g.ns.addr, 4);
    // Each round the leader of the moment loses power under load: a minority every time.
    let mut pages = 0;
    for round in 0..rounds {
        senders.wait_count(senders.count() + 200).await;
        let leader = g.index_of(&g.leader(&c).await);
        let what = format!("DLedger ASYNC_FLUSH round {round}, the leader n{leader} loses power");
        pages += power_cut(&mut g, &mut disks, &[leader], &what).await;
    }
    // The sends go on for a while after a cut; a cut a few milliseconds after a sync may find
    // nothing unsynced, but not all of them.
    assert!(pages > 0, "the cuts discarded none of the leaders' unsynced data");
    senders.wait_count(senders.count() + 50).await;
    let acked = senders.finish().await;
    // Every node, the three that lost power included, serves every acknowledged message.
    check_group(&g, &c, &acked).await;
    eprintln!(
        "DLedger ASYNC_FLUSH minority power loss: {} acknowledged, 0 lost, {rounds} cuts of the \
         leader, {pages} unsynced data pages discarded, in {:?}",
        acked.len(),
        started.elapsed()
    );
}
