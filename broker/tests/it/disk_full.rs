//! Disk full on a classic broker (issue 7): a real `mqbroker` whose store is on a small tmpfs
//! (where this machine may mount one), or under a file-size limit set on the running process with
//! prlimit(2) (`RLIMIT_FSIZE`: writes past it fail with EFBIG, a real kernel error; works without
//! root). The broker must refuse sends with SERVICE_NOT_AVAILABLE (not hang, crash or corrupt its
//! store), keep serving what it acknowledged, take writes again once space returns, and recover
//! every acknowledged message after a `kill -9`.
//!
//! Each test prints the variant it ran: `variant: tmpfs`, `variant: RLIMIT_FSIZE` (the test of the
//! file-size limit itself), or `variant: RLIMIT_FSIZE fallback` (the tmpfs test where no tmpfs
//! could be mounted: not root, or mounting refused). With `MQ_REQUIRE_ROOT_VARIANTS=1` that
//! fallback is a failure instead, which says why the tmpfs could not be mounted.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use broker::remoting::codes::response;
use broker::remoting::headers::SendMessageResponseHeader;
use broker::remoting::RemotingClient;
use broker::store::message::decode_record;

use crate::util::*;

const TOPIC: &str = "DiskFull";
const QUEUES: i32 = 4;
const BODY: usize = 2048;
/// One commitlog file holds everything, so the cleaner (which runs when the disk is fuller than
/// `diskMaxUsedSpaceRatio`) never has an older file to delete.
const COMMITLOG_FILE: u64 = 8 * 1024 * 1024;

/// A tmpfs mounted by the test; unmounted (lazily, even while busy) when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    /// Mounts a tmpfs of `size` on `dir`; why not when the machine does not allow it (not root,
    /// no `mount`, mounting refused).
    fn mount(dir: &Path, size: &str) -> Result<Self, String> {
        std::fs::create_dir_all(dir).unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("`mount` could not run: {e}"))?;
        if out.status.success() {
            Ok(Self(dir.to_path_buf()))
        } else {
            Err(format!(
                "`mount -t tmpfs` failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// How the disk fills up, and how space comes back.
enum Space {
    /// A tmpfs with a filler file the test deletes.
    Tmpfs { _mount: Tmpfs, filler: PathBuf },
    /// A soft `RLIMIT_FSIZE` on the broker process, raised back to the hard limit.
    FileSizeLimit { pid: libc::pid_t, hard: libc::rlim_t },
}

impl Space {
    fn free(&self) {
        match self {
            Space::Tmpfs { filler, .. } => std::fs::remove_file(filler).unwrap(),
            Space::FileSizeLimit { pid, hard } => set_fsize_limit(*pid, *hard, *hard),
        }
    }
}

/// What the test sent: acknowledged bodies by (queue, offset), and refused bodies.
#[derive(Default)]
struct Sent {
    acked: BTreeMap<(i32, i64), Vec<u8>>,
    refused: Vec<Vec<u8>>,
    /// Past the end of the last acknowledged record in the commitlog (its msgId offset + 4 KiB).
    end: u64,
}

impl Sent {
    /// Sends one message; SUCCESS and SERVICE_NOT_AVAILABLE are recorded, anything else (another
    /// code, no answer within 10 s) fails the test. Returns whether it was acknowledged.
    async fn send(&mut self, c: &RemotingClient, addr: &str, q: i32, tag: &str) -> bool {
        let mut body = format!("{tag}|").into_bytes();
        body.resize(BODY, b'x');
        let r = invoke(c, addr, send_request(TOPIC, q, body.clone(), "t", "")).await;
        match r.code {
            response::SUCCESS => {
                let h: SendMessageResponseHeader = r.decode_header().unwrap();
                assert_eq!(h.queue_id, q);
                self.end = self.end.max(msg_id_offset(&h.msg_id) as u64 + 4096);
                let fresh = self.acked.insert((q, h.queue_offset), body).is_none();
                assert!(
                    fresh,
                    "{tag}: queue offset {q}@{} acknowledged twice",
                    h.queue_offset
                );
                true
            }
            response::SERVICE_NOT_AVAILABLE => {
                let remark = r.remark.unwrap_or_default();
                assert!(remark.contains("disk is full"), "{tag}: remark {remark:?}");
                self.refused.push(body);
                false
            }
            code => panic!("{tag}: unexpected answer {code} {:?}", r.remark),
        }
    }

    /// Pulls every queue (offsets continuous, body CRCs checked by `pull_queue`): each acknowledged
    /// body is at its acknowledged position; any other record is a refused body (a refused put
    /// whose record reached the commitlog), never anything else. Returns how many refused bodies
    /// are served.
    async fn check_served(&self, c: &RemotingClient, addr: &str) -> usize {
        let refused: HashSet<&[u8]> = self.refused.iter().map(Vec::as_slice).collect();
        let mut served = HashSet::new();
        let mut refused_served = 0;
        for q in 0..QUEUES {
            for m in pull_queue(c, addr, TOPIC, q).await {
                assert!(
                    served.insert(m.body.clone()),
                    "{q}@{}: body served twice",
                    m.queue_offset
                );
                match self.acked.get(&(q, m.queue_offset)) {
                    Some(b) => assert_eq!(*b, m.body, "{q}@{}: not the acknowledged body", m.queue_offset),
                    None => {
                        assert!(
                            refused.contains(m.body.as_slice()),
                            "{q}@{}: a record that was never sent",
                            m.queue_offset
                        );
                        refused_served += 1;
                    }
                }
            }
        }
        let missing = self.acked.len() - self.acked.values().filter(|b| served.contains(*b)).count();
        assert_eq!(missing, 0, "acknowledged messages not served");
        refused_served
    }
}

/// Walks the commitlog files record by record (every record's CRC checked) and checks that no
/// two records claim the same queue position. Returns the number of records.
fn check_commitlog(store: &Path) -> usize {
    let dir = store.join("commitlog");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    let mut positions = HashSet::new();
    for f in &names {
        let bytes = std::fs::read(f).unwrap();
        let mut pos = 0;
        while pos + 8 <= bytes.len() {
            let Ok(m) = decode_record(&bytes[pos..]) else {
                break; // end of the written part (zeros) or the end-of-file blank
            };
            assert!(m.crc_ok(), "{}@{pos}: body CRC", f.display());
            let fresh = positions.insert((m.topic.clone(), m.queue_id, m.queue_offset));
            assert!(
                fresh,
                "{}@{pos}: a second record for {} {}@{}",
                f.display(),
                m.topic,
                m.queue_id,
                m.queue_offset
            );
            pos += m.store_size as usize;
        }
        // Past the written part there must be nothing but zeros (or a blank's padding).
        if bytes.get(pos + 4..pos + 8) != Some(&(0xCBD43194u32 as i32).to_be_bytes()[..]) {
            assert!(
                bytes[pos..].iter().all(|&b| b == 0),
                "{}: bytes after the last record at {pos}",
                f.display()
            );
        }
    }
    positions.len()
}

/// Sends until the broker takes a write again (bounded), then `n` more that must all succeed.
async fn sends_succeed_again(
    sent: &mut Sent,
    c: &RemotingClient,
    addr: &str,
    tag: &str,
    n: usize,
) -> Duration {
    let started = Instant::now();
    let mut i = 0;
    while !sent.send(c, addr, 3, &format!("{tag}-first{i}")).await {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "writes still refused 30 s after space returned"
        );
        i += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let took = started.elapsed();
    for i in 0..n {
        let q = i as i32 % QUEUES;
        assert!(
            sent.send(c, addr, q, &format!("{tag}-{i}")).await,
            "{tag}-{i} refused"
        );
    }
    took
}

async fn disk_full_round(use_tmpfs: bool) {
    let ns = start_namesrv().await;
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let mount = if use_tmpfs {
        match Tmpfs::mount(&store, "3m") {
            Ok(m) => {
                eprintln!("variant: tmpfs");
                Some(m)
            }
            Err(why) => {
                root_variant_unavailable("tmpfs", "RLIMIT_FSIZE fallback", &why);
                None
            }
        }
    } else {
        eprintln!("variant: RLIMIT_FSIZE");
        None
    };
    let filler = store.join("filler");
    if mount.is_some() {
        // Leaves about 1 MiB of the 3 MiB for the store.
        std::fs::write(&filler, vec![7u8; 2 << 20]).unwrap();
    }
    std::fs::create_dir_all(&store).unwrap();
    let port = free_port_pair();
    let mut props = base_props("DiskFull", port, &ns.addr, &store);
    props.retain(|(k, _)| *k != "mappedFileSizeCommitLog");
    props.push(("mappedFileSizeCommitLog", COMMITLOG_FILE.to_string()));
    let conf = write_broker_conf(dir.path(), "broker.conf", &props);
    let mut b = BrokerProc::spawn(&conf, port);
    b.wait_ready().await;
    let c = RemotingClient::default();
    create_topic_on(&c, &b.addr, TOPIC, QUEUES).await;

    // Some acknowledged messages before the disk fills. Queue 3 is left empty: its consume
    // queue file does not exist yet.
    let mut sent = Sent::default();
    for i in 0..60 {
        assert!(sent.send(&c, &b.addr, i % 3, &format!("before-{i}")).await);
    }
    let pid = b.pid() as libc::pid_t;
    let space = match mount {
        Some(m) => Space::Tmpfs {
            _mount: m,
            filler: filler.clone(),
        },
        None => {
            // The store's files are preallocated longer than this (8 MiB commitlog, 6 MB consume
            // queues): writes past it fail with EFBIG.
            let hard = fsize_limit(pid).rlim_max;
            set_fsize_limit(pid, (sent.end + (256 << 10)) as libc::rlim_t, hard);
            Space::FileSizeLimit { pid, hard }
        }
    };
    let variant = match space {
        Space::Tmpfs { .. } => "tmpfs of 3 MiB with a 2 MiB filler",
        Space::FileSizeLimit { .. } => "RLIMIT_FSIZE on the broker process",
    };
    eprintln!("disk full: variant {variant}");

    // Fill the disk.
    let mut full = false;
    let mut slowest_refusal = Duration::ZERO;
    for i in 0..4000 {
        let started = Instant::now();
        if !sent.send(&c, &b.addr, i % 3, &format!("fill-{i}")).await {
            slowest_refusal = started.elapsed();
            full = true;
            break;
        }
    }
    assert!(full, "4000 sends of {BODY} B never filled the disk");
    let acked_when_full = sent.acked.len();
    // While the disk stays full every put is refused, quickly, and the broker keeps running.
    for i in 0..20 {
        let started = Instant::now();
        assert!(
            !sent.send(&c, &b.addr, i % QUEUES, &format!("full-{i}")).await,
            "full-{i} acknowledged on a full disk"
        );
        slowest_refusal = slowest_refusal.max(started.elapsed());
    }
    assert!(b.is_running(), "the broker died on a full disk: {}", b.stderr());
    let served_refused = sent.check_served(&c, &b.addr).await;
    assert_eq!(
        served_refused, 0,
        "a refused put is served while the disk is full"
    );

    let mut new_queue_refused = false;
    if let Space::FileSizeLimit { pid, hard } = space {
        // Room for records again, but not for creating queue 3's (6 MB) consume-queue file: the
        // commitlog write of this put succeeds and its dispatch fails. The put is refused; its
        // record stays in the commitlog and must not give its queue offset away.
        set_fsize_limit(pid, (sent.end + (512 << 10)) as libc::rlim_t, hard);
        new_queue_refused = !sent.send(&c, &b.addr, 3, "new-queue").await;
        assert!(
            new_queue_refused,
            "a put whose consume queue cannot be written was acknowledged"
        );
        // Nothing else is written while that record cannot be dispatched.
        assert!(!sent.send(&c, &b.addr, 0, "after-new-queue").await);
    }

    space.free();
    let resumed = sends_succeed_again(&mut sent, &c, &b.addr, "after", 40).await;
    let served_refused = sent.check_served(&c, &b.addr).await;
    if new_queue_refused {
        // Dispatched once space returned: the refused record holds queue 3's offset 0, and the
        // first acknowledged message there came after it.
        assert!(
            !sent.acked.contains_key(&(3, 0)),
            "queue 3 offset 0 given away twice"
        );
        assert!(served_refused >= 1, "the refused record never reached its queue");
    }
    check_commitlog(&store);

    // A crash now: recovery keeps every acknowledged message and nothing torn.
    b.kill9();
    b.restart();
    b.wait_ready().await;
    sent.check_served(&c, &b.addr).await;
    for i in 0..10 {
        assert!(
            sent.send(&c, &b.addr, i % QUEUES, &format!("restarted-{i}"))
                .await
        );
    }
    sent.check_served(&c, &b.addr).await;
    b.kill9();
    let records = check_commitlog(&store);
    assert!(!b.stderr().contains("panicked"), "{}", b.stderr());
    eprintln!(
        "disk full ({variant}): {acked_when_full} acknowledged ({} KiB) until the first refusal; \
         {} refused, slowest refusal {slowest_refusal:?}; first acknowledged send {resumed:?} after \
         space returned; {} acknowledged in all, {records} records in the commitlog after kill -9 \
         and restart ({served_refused} refused puts served: their records were written before a \
         consume-queue write failed)",
        acked_when_full * BODY / 1024,
        sent.refused.len(),
        sent.acked.len(),
    );
    drop(space);
    ns.stop().await;
}

/// A classic broker on a 3 MiB tmpfs (the file-size-limit variant where mounting is not allowed,
/// a failure under `MQ_REQUIRE_ROOT_VARIANTS=1`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disk_full_refuses_sends_and_recovers_when_space_returns() {
    disk_full_round(true).await;
}

/// The same under `RLIMIT_FSIZE` (no root needed), which also fails a consume-queue file creation
/// after the commitlog write of the same put succeeded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_size_limit_refuses_sends_and_recovers_when_raised() {
    disk_full_round(false).await;
}
