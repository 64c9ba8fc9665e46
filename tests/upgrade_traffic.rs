//! Issue 17: `upgrade-group` of a pair that keeps serving. Real `mqnamesrv`/`mqbroker` processes
//! in temp dirs; a producer task sends to whoever is BID 0 (re-asking the name server after a
//! failed send, as a client retries) while `mqadmin` runs:
//! - producers sending through the whole upgrade: exit 0, a measured downtime in the report, and
//!   every acknowledged message readable at its offset on the new group;
//! - writes while the old pair is being pre-copied, then the upgrade: every message at its
//!   offset, consumer offsets kept, keys found on every member (the index was copied too);
//! - `kill -9` of `mqadmin` in the middle of the pre-copy, then `--resume`: the files copied
//!   before the kill are not copied again, and the group is upgraded;
//! - a master file that changed after its pre-copy is copied again; retention deleting
//!   pre-copied files before the downtime removes their copies;
//! - the newest files, copied while the old master wrote them, get during the downtime only what
//!   differs: the tail written since and a block of the prefix changed on purpose.

use std::collections::BTreeMap;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use broker::remoting::codes::response;
use broker::remoting::RemotingClient;

use crate::upgrade_group::{
    addr, check_keys_on_every_member, check_old_data_on_leader, keyed_req, md5_tree, populate, pull_all,
    setup_mode, spawn_broker, upgrade, upgrade_cmd, wait_group, wait_ready, write_and_check_replicated, Env,
    Mode, Proc, QUEUES, STEPS,
};
use crate::util::run_cmd;

type Sent = Arc<Mutex<BTreeMap<(i32, i64), Vec<u8>>>>;

/// A producer on the test's runtime: one send every few ms to BID 0 of the group, recording each
/// acknowledged message by (queue, offset). A refused or failed send is retried at the BID 0 the
/// name server shows then (a timed-out send may have been stored: it is simply not counted).
struct Producer {
    stop: Arc<AtomicBool>,
    sent: Sent,
    task: tokio::task::JoinHandle<()>,
}

impl Producer {
    fn start(env: &Env, tag: &'static str) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let sent: Sent = Arc::default();
        let (ns, first) = (env.ns.clone(), addr(env.ports[0]));
        let (stop2, sent2) = (Arc::clone(&stop), Arc::clone(&sent));
        let task = tokio::spawn(async move {
            let c = RemotingClient::default();
            let admin = mqadmin::ops::admin::Admin::new(&ns);
            let mut target = first;
            let mut i = 0usize;
            while !stop2.load(Ordering::SeqCst) {
                let q = (i % QUEUES as usize) as i32;
                let body = format!("{tag}-{i}-{}", "y".repeat(100)).into_bytes();
                let req = keyed_req(q, body.clone(), &format!("{tag}-{i}"));
                match c.invoke(&target, req, Duration::from_secs(3)).await {
                    Ok(r) if r.code == response::SUCCESS => {
                        let off: i64 = r.ext_fields["queueOffset"].parse().unwrap();
                        sent2.lock().unwrap().insert((q, off), body);
                        i += 1;
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                    _ => {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        if let Ok(info) = admin.cluster_info().await {
                            if let Some(a) = info
                                .broker_addr_table
                                .get("broker-up")
                                .and_then(|bd| bd.broker_addrs.get(&0))
                            {
                                target.clone_from(a);
                            }
                        }
                    }
                }
            }
        });
        Self { stop, sent, task }
    }

    fn acked(&self) -> usize {
        self.sent.lock().unwrap().len()
    }

    /// Waits until `n` more sends than now were acknowledged.
    async fn wait_more(&self, n: usize, what: &str) {
        let want = self.acked() + n;
        let deadline = Instant::now() + Duration::from_secs(120);
        while self.acked() < want {
            assert!(
                Instant::now() < deadline,
                "{what}: the producer never got {n} more acks"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn finish(self) -> BTreeMap<(i32, i64), Vec<u8>> {
        self.stop.store(true, Ordering::SeqCst);
        self.task.await.unwrap();
        Arc::try_unwrap(self.sent).unwrap().into_inner().unwrap()
    }
}

/// Every message of `want` is on `got` at its offset with its body.
fn every_one_at_its_offset(
    got: &BTreeMap<(i32, i64), Vec<u8>>,
    want: &BTreeMap<(i32, i64), Vec<u8>>,
    what: &str,
) {
    let missing: Vec<&(i32, i64)> = want.keys().filter(|k| got.get(k) != want.get(k)).collect();
    assert!(
        missing.is_empty(),
        "{what}: {} of {} messages not at their offset, first {:?}",
        missing.len(),
        want.len(),
        missing.first()
    );
}

fn state_file(env: &Env) -> serde_json::Value {
    let path = env.dir.path().join("third-store/upgrade-group.json");
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(serde_json::Value::Null)
}

/// The steps a state file records as done, in order.
fn done_steps(state: &serde_json::Value) -> Vec<&str> {
    state["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect()
}

/// Runs `upgrade-group` with `extra` on a blocking thread, so the producer keeps running.
async fn upgrade_in_background(env: &Env, extra: &[&str]) -> crate::util::Run {
    let mut cmd = upgrade_cmd(env, extra);
    tokio::task::spawn_blocking(move || run_cmd(&mut cmd))
        .await
        .unwrap()
}

/// Sets up `Mode::Local`, starts the old master and slave, and stores `n` messages on them.
/// Returns the environment, the [master, slave] processes, a client, and the stored messages by
/// (queue, offset).
async fn populated_pair(n: usize) -> (Env, [Proc; 2], RemotingClient, BTreeMap<(i32, i64), Vec<u8>>) {
    let env = setup_mode(Mode::Local);
    let pair = [spawn_broker(&env.master), spawn_broker(&env.slave)];
    let c = RemotingClient::default();
    let mut sent = BTreeMap::new();
    populate(&env, &c, n, &mut sent).await;
    (env, pair, c, sent)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrade_with_producers_sending_throughout_exits_0_and_keeps_every_acknowledged_message() {
    let (env, _pair, c, old) = populated_pair(300).await;
    let producer = Producer::start(&env, "live");
    producer.wait_more(20, "before the upgrade").await;

    let r = upgrade_in_background(&env, &["--yes", "--output", "json"]).await;
    assert_eq!(r.code, Some(0), "the upgrade under traffic: {r:?}");
    let report: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let downtime = &report["downtime"];
    assert!(downtime["measuredMs"].as_u64().is_some(), "{report}");
    assert!(
        downtime["bytesBefore"].as_u64().unwrap() > 0,
        "pre-copied: {report}"
    );
    assert!(downtime["bytesDuring"].as_u64().unwrap() > 0, "{report}");
    assert!(
        report["steps"][7]["detail"]
            .as_str()
            .unwrap()
            .contains("what arrived since is accepted"),
        "{report}"
    );
    // The new group keeps taking the producer's sends.
    producer.wait_more(20, "after the upgrade").await;
    let acked = producer.finish().await;
    let members = wait_group(&env.ns, 3, None).await;
    let on_leader = pull_all(&c, &members[&0]).await;
    every_one_at_its_offset(&on_leader, &old, "the messages sent before the producer started");
    every_one_at_its_offset(&on_leader, &acked, "every acknowledged send");
    assert!(
        acked.keys().any(|k| !old.contains_key(k)),
        "the producer's sends are counted"
    );
    check_consumer_offsets(&env, &c).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pre_copy_while_the_old_pair_takes_writes_then_every_message_and_consumer_offset_is_kept() {
    let (env, _pair, c, mut sent) = populated_pair(600).await;
    let producer = Producer::start(&env, "during");
    producer.wait_more(10, "before the upgrade").await;
    // Throttled, so the pre-copy lasts while the producer writes; the producer stops once the
    // pre-copy is recorded, before the old pair stops.
    let mut cmd = upgrade_cmd(&env, &["--yes", "--output", "json", "--throttle", "0.2"]);
    let child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let state = state_file(&env);
        let steps = state["steps"].as_array().map_or(0, Vec::len);
        if steps >= 2 {
            break;
        }
        assert!(Instant::now() < deadline, "the pre-copy never finished");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let during = producer.finish().await;
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let pre = report["steps"][1]["detail"].as_str().unwrap();
    assert!(
        pre.starts_with("copied and md5-verified ") && !pre.starts_with("copied and md5-verified 0 "),
        "{pre}"
    );
    assert!(!during.is_empty(), "the old pair took writes during the pre-copy");
    sent.extend(during);
    // Every message at its old offset (the acknowledged ones at least), consumer offsets kept.
    let members = wait_group(&env.ns, 3, None).await;
    every_one_at_its_offset(&pull_all(&c, &members[&0]).await, &sent, "on the leader");
    check_consumer_offsets(&env, &c).await;
    // Keys sent before and during the pre-copy are found on every member: the index files came
    // from the master, pre-copied or copied during the downtime.
    check_keys_on_every_member(&env, &c, &sent, &["first-0", "old-7", "old-598", "during-0"]).await;
    new_group_takes_a_send(&env, &c).await;
}

/// The consumer offsets committed before the upgrade (3 + queue id) on the leader.
async fn check_consumer_offsets(env: &Env, c: &RemotingClient) {
    let members = wait_group(&env.ns, 3, None).await;
    for q in 0..QUEUES {
        assert_eq!(
            crate::upgrade_group::query_offset(c, &members[&0], q).await,
            Some(3 + i64::from(q)),
            "the consumer offset of queue {q}"
        );
    }
}

/// A send to the new group is acknowledged.
async fn new_group_takes_a_send(env: &Env, c: &RemotingClient) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let leader = wait_group(&env.ns, 3, None).await[&0].clone();
        let r = c
            .invoke(
                &leader,
                keyed_req(0, b"after".to_vec(), "after-0"),
                Duration::from_secs(10),
            )
            .await;
        if r.is_ok_and(|r| r.code == response::SUCCESS) {
            return;
        }
        assert!(Instant::now() < deadline, "the new group never took a send");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mqadmin_killed_during_the_pre_copy_then_resume_completes() {
    let (env, _pair, c, mut sent) = populated_pair(1000).await;
    // 50 KB/s: each 64 KiB commitlog file takes more than a second.
    let mut child = upgrade_cmd(&env, &["--yes", "--throttle", "0.05"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let state = state_file(&env);
        if state["precopied"].as_array().is_some_and(|p| !p.is_empty()) {
            break;
        }
        assert!(Instant::now() < deadline, "no file was ever pre-copied");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // SAFETY: kill(2) of the mqadmin this test started.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGKILL) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), None, "killed by a signal");
    let state = state_file(&env);
    let steps = done_steps(&state);
    assert_eq!(steps, &STEPS[..1], "only preflight is done: {state}");
    let before = state["precopied"].as_array().unwrap().len();
    assert!(before > 0, "{state}");
    // The old pair still serves: the pre-copy changed nothing of it.
    let r = c
        .invoke(
            &addr(env.ports[0]),
            keyed_req(1, b"still".to_vec(), "still-0"),
            Duration::from_secs(10),
        )
        .await
        .unwrap();
    assert_eq!(r.code, response::SUCCESS, "the old master still takes writes");
    let off: i64 = r.ext_fields["queueOffset"].parse().unwrap();
    sent.insert((1, off), b"still".to_vec());

    let r = upgrade(&env, &["--yes", "--resume", "--output", "json"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let report: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let pre = report["steps"][1]["detail"].as_str().unwrap();
    let earlier: usize = pre
        .split("; ")
        .find_map(|part| part.strip_suffix(" copied by an earlier run"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{pre}"));
    assert!(
        earlier >= before,
        "the files copied before the kill are kept: {pre}"
    );
    check_old_data_on_leader(&env, &c, &sent).await;
    write_and_check_replicated(&env, &c, &sent).await;
}

/// Runs `upgrade-group` until its pre-copy is recorded and aborts it there (as `kill -9`); returns
/// the state file, with the old pair still serving.
fn pre_copy_then_crash(env: &Env) -> serde_json::Value {
    let r = run_cmd(upgrade_cmd(env, &["--yes"]).env("MQADMIN_FAILPOINT", "after:pre-copy"));
    assert_eq!(r.code, None, "aborted after the pre-copy: {r:?}");
    let state = state_file(env);
    let steps = done_steps(&state);
    assert_eq!(steps, &STEPS[..2], "{state}");
    state
}

/// The commitlog files pre-copied to the third node (`n2`), by name.
fn precopied_commitlog(state: &serde_json::Value) -> Vec<String> {
    let mut out: Vec<String> = state["precopied"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["node"] == "n2" && p["area"] == "commit_log")
        .map(|p| p["rel"].as_str().unwrap().to_owned())
        .collect();
    out.sort();
    out
}

fn commitlog_names(store: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(store.join("commitlog"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A master file that changed after its pre-copy (here: rewritten with the same bytes, so its
/// modification time moved, while its copy on the third node went bad) is copied again during
/// the downtime: the third node ends with the master's bytes, not with the pre-copy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_changed_since_its_pre_copy_is_copied_again() {
    let (env, _pair, c, sent) = populated_pair(600).await;
    let state = pre_copy_then_crash(&env);
    let pre = precopied_commitlog(&state);
    let name = pre
        .first()
        .unwrap_or_else(|| panic!("nothing pre-copied: {state}"));
    let on_master = env.dir.path().join("master-store/commitlog").join(name);
    let on_third = env.dir.path().join("third-store/commitlog").join(name);
    let original = std::fs::read(&on_master).unwrap();
    assert_eq!(std::fs::read(&on_third).unwrap(), original, "the pre-copy");
    {
        use std::os::unix::fs::FileExt;
        let copy = std::fs::OpenOptions::new().write(true).open(&on_third).unwrap();
        copy.write_all_at(b"not the master's bytes", 100).unwrap();
        let f = std::fs::OpenOptions::new().write(true).open(&on_master).unwrap();
        f.write_all_at(&original[..4096], 0).unwrap();
        f.set_modified(std::time::SystemTime::now()).unwrap();
    }

    let r = upgrade(&env, &["--yes", "--resume", "--output", "json"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let report: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let copy = report["steps"][4]["detail"].as_str().unwrap();
    let to_third = state["precopied"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["node"] == "n2")
        .count();
    // The changed file is not among the pre-copies kept (others may have changed too: the
    // stop rewrites the newest index file's header).
    let kept: usize = copy
        .split("; ")
        .find(|part| part.contains(" to n2, "))
        .and_then(|part| part.split(", ").nth(1))
        .and_then(|part| part.strip_suffix(" pre-copied kept"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{copy}"));
    assert!(kept < to_third, "{to_third} pre-copied to n2: {copy}");
    assert_eq!(
        std::fs::read(&on_third).unwrap(),
        original,
        "{name} on the third node after the upgrade"
    );
    check_old_data_on_leader(&env, &c, &sent).await;
    new_group_takes_a_send(&env, &c).await;
}

/// SIGTERM to a broker this test started, and wait for it to exit.
fn stop(p: &mut Proc) {
    // SAFETY: kill(2) of a broker this test started.
    unsafe { libc::kill(p.0.id() as libc::pid_t, libc::SIGTERM) };
    p.0.wait().unwrap();
}

/// Retention deletes pre-copied commitlog files on the old pair before the downtime (here: the
/// pair restarted with every file expired, then with its own configs again): the copy step
/// removes their copies from the third node, every node ends with the master's commitlog files,
/// and the checks (made against what the master still held) pass.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_deleting_pre_copied_files_removes_their_copies() {
    let (env, [mut master, mut slave], c, _) = populated_pair(1000).await;
    let state = pre_copy_then_crash(&env);
    let pre = precopied_commitlog(&state);
    assert!(!pre.is_empty(), "{state}");

    let confs = [env.master.clone(), env.slave.clone()];
    let stores = ["master-store", "slave-store"].map(|s| env.dir.path().join(s));
    let texts = confs.clone().map(|p| std::fs::read_to_string(p).unwrap());
    stop(&mut master);
    stop(&mut slave);
    let every_hour: Vec<String> = (0..24).map(|h| format!("{h:02}")).collect();
    for (conf, text) in confs.iter().zip(&texts) {
        let expire = format!("fileReservedTime=0\ndeleteWhen={}\n", every_hour.join(";"));
        std::fs::write(conf, format!("{text}{expire}")).unwrap();
    }
    master = spawn_broker(&env.master);
    slave = spawn_broker(&env.slave);
    let deadline = Instant::now() + Duration::from_secs(120);
    while stores.iter().any(|s| commitlog_names(s).len() > 1) {
        assert!(Instant::now() < deadline, "retention never ran");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop(&mut master);
    stop(&mut slave);
    for (conf, text) in confs.iter().zip(&texts) {
        std::fs::write(conf, text).unwrap();
    }
    let _master = spawn_broker(&env.master);
    let _slave = spawn_broker(&env.slave);
    wait_ready(&c, &addr(env.ports[0])).await;
    wait_ready(&c, &addr(env.ports[1])).await;

    let r = upgrade(&env, &["--yes", "--resume", "--output", "json"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let report: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let copy = report["steps"][4]["detail"].as_str().unwrap();
    let removed: usize = copy
        .split("; ")
        .find(|part| part.contains(" to n2, "))
        .and_then(|part| part.strip_suffix(" removed"))
        .and_then(|part| part.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{copy}"));
    assert!(
        removed >= pre.len(),
        "{} pre-copied commitlog files: {copy}",
        pre.len()
    );
    let on_master = commitlog_names(&stores[0]);
    assert_eq!(commitlog_names(&env.dir.path().join("third-store")), on_master);
    assert_eq!(commitlog_names(&stores[1]), on_master);
    new_group_takes_a_send(&env, &c).await;
}

/// The newest files are copied while the old master writes them (live copies: the newest
/// commitlog file to the third node, the newest consume-queue and index files to the third node
/// and to the slave's staging directory). The pair then takes more writes, and the third node's
/// copy of the newest commitlog file gets a bad block in its prefix (as a prefix that changed
/// since the copy would be). The copy step rewrites only what differs and verifies each copy:
/// the third node's commitlog ends as the master's, and every message is at its offset.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_copied_while_written_get_the_tail_and_a_changed_prefix_during_the_downtime() {
    let (env, _pair, c, mut sent) = populated_pair(600).await;
    let state = pre_copy_then_crash(&env);
    let live = state["liveCopies"].as_array().unwrap();
    let newest = commitlog_names(&env.dir.path().join("master-store"))
        .pop()
        .unwrap();
    assert!(
        live.iter()
            .any(|p| p["node"] == "n2" && p["area"] == "commit_log" && p["rel"] == newest.as_str()),
        "the newest commitlog file {newest} is copied while written: {state}"
    );
    assert!(
        live.iter().any(|p| p["node"] == "n1"
            && p["dstRel"]
                .as_str()
                .is_some_and(|d| d.starts_with("upgrade-staging/consumequeue/"))),
        "the slave's newest consume-queue files are staged: {state}"
    );

    let producer = Producer::start(&env, "after-pre-copy");
    producer.wait_more(40, "after the pre-copy").await;
    sent.extend(producer.finish().await);
    {
        use std::os::unix::fs::FileExt;
        let on_third = env.dir.path().join("third-store/commitlog").join(&newest);
        let copy = std::fs::OpenOptions::new().write(true).open(on_third).unwrap();
        copy.write_all_at(b"not the master's bytes", 100).unwrap();
    }

    let r = upgrade(&env, &["--yes", "--resume", "--output", "json"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let report: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let copy = report["steps"][4]["detail"].as_str().unwrap();
    let synced: usize = copy
        .split("; ")
        .find(|part| part.contains(" to n2, "))
        .and_then(|part| part.split(", ").nth(2))
        .and_then(|part| part.strip_suffix(" copied while written brought up to date"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{copy}"));
    assert!(synced >= 1, "{copy}");
    let rewritten: u64 = copy
        .rsplit("; ")
        .next()
        .and_then(|part| part.strip_suffix(" bytes rewritten in the copies made while written"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{copy}"));
    assert!(rewritten > 0, "{copy}");
    let commitlog = |node: &str| md5_tree(&env.dir.path().join(format!("{node}-store/commitlog")));
    assert_eq!(
        commitlog("third"),
        commitlog("master"),
        "the third node's commitlog after the upgrade"
    );
    let members = wait_group(&env.ns, 3, None).await;
    every_one_at_its_offset(&pull_all(&c, &members[&0]).await, &sent, "on the leader");
    check_keys_on_every_member(
        &env,
        &c,
        &sent,
        &["old-598", "after-pre-copy-0", "after-pre-copy-39"],
    )
    .await;
    new_group_takes_a_send(&env, &c).await;
}
