//! Issue 7 ("Faults"): `upgrade-group` interrupted at every step. mqadmin is crashed right after
//! each of the seven steps (the `MQADMIN_FAILPOINT` test hook aborts it like `kill -9`) and the
//! migration is then finished with `--resume` or undone with `--rollback`; separately, the node
//! agent of the third node is SIGKILLed while the copy step streams files to it, restarted, and
//! `--resume` finishes. Every case checks that the old master's commitlog files keep their md5
//! until the new group takes a write.
//! An upload to an agent broken mid-file (a proxy cuts the connection) must continue from the
//! length the agent holds, not from the start of the file. A rollback whose old slave's
//! commitlog differs from the master's after align is refused.

use std::collections::BTreeMap;
use std::process::Stdio;
use std::time::{Duration, Instant};

use broker::remoting::RemotingClient;

use crate::upgrade_group::{
    addr, check_old_data_on_leader, md5_tree, populate, pull_all, same, setup_mode, spawn_broker,
    try_pull_all, upgrade, upgrade_cmd, wait_group, write_and_check_replicated, Env, Mode, STEPS,
};
use crate::util::{run_cmd, soak};

/// How an interrupted migration is finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Finish {
    Resume,
    Rollback,
}

/// md5 of every file of the old master's commitlog directory.
fn master_commitlog(env: &Env) -> BTreeMap<String, String> {
    md5_tree(&env.dir.path().join("master-store/commitlog"))
}

/// The bytes of every file of the old master's commitlog directory.
fn master_commitlog_bytes(env: &Env) -> BTreeMap<String, Vec<u8>> {
    let dir = env.dir.path().join("master-store/commitlog");
    std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            (name, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

/// Checks the master's commitlog against its bytes from before the migration once the new group
/// runs: byte-identical, except that the first DLedger start closes the last old file with an
/// 8-byte blank (remaining size, `0xCBD43194`) where its data ended (spec §6.3, step 2), in zeros
/// that no record used.
fn check_master_commitlog_sealed(env: &Env, before: &BTreeMap<String, Vec<u8>>, what: &str) {
    let now = master_commitlog_bytes(env);
    assert_eq!(
        now.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>(),
        "{what}: the master's commitlog file names"
    );
    let mut sealed = 0;
    for (name, old) in before {
        let new = &now[name];
        assert_eq!(new.len(), old.len(), "{what}: size of {name}");
        if new == old {
            continue;
        }
        // The blank goes where the old data ended (the first byte of the blank's size may be 0).
        let at = old.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
        let mut blank = ((old.len() - at) as i32).to_be_bytes().to_vec();
        blank.extend_from_slice(&0xCBD4_3194_u32.to_be_bytes());
        assert!(
            new[..at] == old[..at]
                && new.get(at..at + 8) == Some(&blank[..])
                && new[at + 8..].iter().all(|b| *b == 0),
            "{what}: {name} changed, and not only by the DLedger seal blank at {at}: now {:?}",
            &new[at..(at + 16).min(new.len())]
        );
        sealed += 1;
    }
    assert!(sealed <= 1, "{what}: {sealed} files changed");
}

/// The steps recorded in the state file on the third node's store.
fn recorded_steps(env: &Env) -> Vec<String> {
    let path = env.dir.path().join("third-store/upgrade-group.json");
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("state file {}: {e}", path.display()));
    let state: serde_json::Value = serde_json::from_str(&text).unwrap();
    state["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["step"].as_str().unwrap().to_owned())
        .collect()
}

fn configs(env: &Env) -> Vec<Vec<u8>> {
    [&env.master, &env.slave, &env.third]
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect()
}

/// A populated classic pair (master and slave running, the slave caught up): the environment,
/// the messages sent, the configs' bytes and the master's commitlog md5s.
struct Populated {
    env: Env,
    sent: BTreeMap<(i32, i64), Vec<u8>>,
    configs: Vec<Vec<u8>>,
    commitlog: BTreeMap<String, String>,
    commitlog_bytes: BTreeMap<String, Vec<u8>>,
    /// The test's own children; mqadmin stops them (SIGTERM), dropping reaps them.
    _old_pair: [crate::upgrade_group::Proc; 2],
}

async fn populated(mode: Mode, c: &RemotingClient, messages: usize) -> Populated {
    let env = setup_mode(mode);
    let configs = configs(&env);
    let old_pair = [spawn_broker(&env.master), spawn_broker(&env.slave)];
    let mut sent = BTreeMap::new();
    populate(&env, c, messages, &mut sent).await;
    let commitlog = master_commitlog(&env);
    assert!(!commitlog.is_empty(), "the master has commitlog files");
    let commitlog_bytes = master_commitlog_bytes(&env);
    Populated {
        env,
        sent,
        configs,
        commitlog,
        commitlog_bytes,
        _old_pair: old_pair,
    }
}

/// After `--rollback`: the three configs are the original bytes, the old master is BID 0 with its
/// slave, and both serve every old message at its old offset.
async fn check_rolled_back(p: &Populated, c: &RemotingClient) {
    let env = &p.env;
    for ((path, now), orig) in [&env.master, &env.slave, &env.third]
        .iter()
        .zip(configs(env))
        .zip(&p.configs)
    {
        assert_eq!(&now, orig, "{} restored byte for byte", path.display());
    }
    let members = wait_group(&env.ns, 2, Some(&addr(env.ports[0]))).await;
    assert_eq!(members[&1], addr(env.ports[1]), "the old slave is BID 1");
    same(
        &pull_all(c, &addr(env.ports[0])).await,
        &p.sent,
        "every old message on the old master after the rollback",
    );
    // A restarted slave serves the topic once it has copied the master's topic configs (every
    // 10 s, as Java's slave does).
    let deadline = Instant::now() + Duration::from_secs(60);
    let on_slave = loop {
        match try_pull_all(c, &addr(env.ports[1])).await {
            Ok(got) => break got,
            Err(e) => assert!(Instant::now() < deadline, "the old slave: {e}"),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    same(
        &on_slave,
        &p.sent,
        "every old message on the old slave after the rollback",
    );
}

/// One case: crash mqadmin at `failpoint`, check the state file, finish with `finish`, check.
async fn crash_then_finish(failpoint: &str, recorded: &[&str], finish: Finish) {
    let started = Instant::now();
    let c = RemotingClient::default();
    let p = populated(Mode::Local, &c, 200).await;
    let env = &p.env;
    let r = run_cmd(upgrade_cmd(env, &["--yes"]).env("MQADMIN_FAILPOINT", failpoint));
    assert_eq!(r.code, None, "{failpoint}: mqadmin must die by a signal: {r:?}");
    assert_eq!(
        recorded_steps(env),
        recorded,
        "{failpoint}: the state file records the finished steps"
    );
    if recorded.contains(&"start") {
        // The new group runs: n0 sealed the old log.
        check_master_commitlog_sealed(env, &p.commitlog_bytes, &format!("{failpoint}: after the crash"));
    } else {
        assert_eq!(
            master_commitlog(env),
            p.commitlog,
            "{failpoint}: the crash left the master's commitlog unchanged"
        );
    }
    match finish {
        Finish::Resume => {
            let r = upgrade(env, &["--yes", "--resume"]);
            assert_eq!(r.code, Some(0), "{failpoint} then --resume: {r:?}");
            check_old_data_on_leader(env, &c, &p.sent).await;
            check_master_commitlog_sealed(
                env,
                &p.commitlog_bytes,
                &format!("{failpoint} then --resume, before new writes"),
            );
            write_and_check_replicated(env, &c, &p.sent).await;
        }
        Finish::Rollback => {
            let r = upgrade(env, &["--yes", "--rollback"]);
            assert_eq!(r.code, Some(0), "{failpoint} then --rollback: {r:?}");
            assert_eq!(
                r.stdout.contains("removed the DLedger seal blank"),
                recorded.contains(&"start"),
                "{failpoint} then --rollback: the seal blank is removed once the group started: {r:?}"
            );
            check_rolled_back(&p, &c).await;
            assert_eq!(
                master_commitlog(env),
                p.commitlog,
                "{failpoint} then --rollback: the master's commitlog"
            );
        }
    }
    #[allow(clippy::print_stderr)] // per-case timing, shown with --nocapture
    {
        eprintln!("{failpoint} + {finish:?}: {:?}", started.elapsed());
    }
}

/// Issue 7: mqadmin crashed after each of the 7 steps. In CI the outcome alternates (a rollback
/// after preflight, a resume after stop-old, …) so every step is crashed once and both outcomes
/// are seen after early and late steps; `SOAK=1` runs every step with both outcomes, plus a
/// crash in the middle of the copy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrade_crashed_after_every_step_resumes_or_rolls_back() {
    let mut cases = Vec::new();
    for (k, step) in STEPS.iter().enumerate() {
        let recorded = &STEPS[..=k];
        let point = format!("after:{step}");
        if soak() {
            cases.push((point.clone(), recorded, Finish::Resume));
            cases.push((point, recorded, Finish::Rollback));
        } else {
            let finish = if k % 2 == 0 {
                Finish::Rollback
            } else {
                Finish::Resume
            };
            cases.push((point, recorded, finish));
        }
    }
    if soak() {
        for finish in [Finish::Resume, Finish::Rollback] {
            cases.push(("during:copy".into(), &STEPS[..4], finish));
        }
    }
    for (point, recorded, finish) in cases {
        crash_then_finish(&point, recorded, finish).await;
    }
}

/// Issue 19: `--rollback` checks the old slave's commitlog too, not only the master's (the README
/// promises both back byte for byte). After align the slave's newest files are copies of the
/// master's; one byte changed in the newest makes the rollback refuse (exit 1), name the file and
/// leave the configs, the DLedger data and the state file as they are; with the byte put back
/// the same rollback succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollback_refuses_when_the_slave_commitlog_differs_from_the_master() {
    let c = RemotingClient::default();
    let p = populated(Mode::Local, &c, 200).await;
    let env = &p.env;
    let r = run_cmd(upgrade_cmd(env, &["--yes"]).env("MQADMIN_FAILPOINT", "after:align"));
    assert_eq!(r.code, None, "mqadmin must die by a signal: {r:?}");
    assert_eq!(recorded_steps(env), STEPS[..4]);
    let slave_dir = env.dir.path().join("slave-store/commitlog");
    let newest = p.commitlog.keys().next_back().unwrap().clone();
    let path = slave_dir.join(&newest);
    let original = std::fs::read(&path).unwrap();
    let mut changed = original.clone();
    changed[20] ^= 0xff; // inside the first record of the file
    std::fs::write(&path, &changed).unwrap();
    let configs_before = configs(env);
    let state = env.dir.path().join("third-store/upgrade-group.json");
    let state_before = std::fs::read(&state).unwrap();

    let r = upgrade(env, &["--yes", "--rollback"]);
    assert_eq!(r.code, Some(1), "{r:?}");
    let want = format!("n1: commitlog file {newest} differs from the master's");
    assert!(
        r.stderr.contains("rollback refused") && r.stderr.contains(&want),
        "the refusal names the slave's file: {r:?}"
    );
    assert_eq!(
        configs(env),
        configs_before,
        "a refused rollback restored no config"
    );
    assert_eq!(
        std::fs::read(&state).unwrap(),
        state_before,
        "the state file is kept"
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        changed,
        "the slave's file is left as found"
    );
    assert_eq!(master_commitlog(env), p.commitlog, "the master's commitlog");

    std::fs::write(&path, &original).unwrap();
    let r = upgrade(env, &["--yes", "--rollback"]);
    assert_eq!(r.code, Some(0), "with the slave's byte back: {r:?}");
    assert!(
        r.stdout.contains("n1: the newest") && r.stdout.contains("have the master's md5"),
        "{r:?}"
    );
    check_rolled_back(&p, &c).await;
}

/// Issue 7, through node agents: the third node's agent is SIGKILLed while the copy step streams
/// the master's commitlog to it (throttled so the copy lasts seconds; the kill waits until the
/// first file has appeared on the third node). mqadmin must fail with exit 2, name the cause and
/// suggest `--resume`, with align recorded as the last finished step; the agent is restarted on
/// the same address with the same token and roots, and `--resume` completes the migration.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agent_killed_during_the_copy_then_resume_completes() {
    let c = RemotingClient::default();
    let mut p = populated(Mode::Agents, &c, 300).await;
    let third_commitlog = p.env.dir.path().join("third-store/commitlog");
    let child = upgrade_cmd(&p.env, &["--yes", "--throttle", "0.05"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let copied = std::fs::read_dir(&third_commitlog)
            .map(|d| d.flatten().any(|e| e.metadata().is_ok_and(|m| m.len() > 0)))
            .unwrap_or(false);
        if copied {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the copy to the third node never started"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let agent_addr = p.env.agents[2].addr.clone();
    p.env.agents[2].kill_9();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&agent_addr) && stderr.contains("--resume"),
        "the error names the agent and the way on: {stderr}"
    );
    #[allow(clippy::print_stderr)] // what mqadmin said, shown with --nocapture
    {
        eprintln!("mqadmin after the agent's kill -9: {}", stderr.trim());
    }
    // The third node's agent copies during the pre-copy, while the old pair serves, and again
    // during the copy step; on a busy machine this test may first see the third node's files
    // only once the copy step runs, so the kill lands in either: the state file says which.
    let recorded = recorded_steps(&p.env);
    assert!(
        recorded == STEPS[..1] || recorded == STEPS[..4],
        "the kill lands in the pre-copy (after preflight) or in the copy (after align): {recorded:?}"
    );
    assert_eq!(
        master_commitlog(&p.env),
        p.commitlog,
        "the master's commitlog after the failed copy"
    );

    // The same agent comes back (same address, token and roots) and --resume finishes.
    let store = p.env.dir.path().join("third-store");
    let conf_dir = p.env.dir.path().join("third-conf");
    p.env.agents[2] = crate::agent::AgentProc::start_on(
        &agent_addr,
        &[store.as_path(), conf_dir.as_path()],
        &[("third", p.env.third.as_path())],
    );
    let r = upgrade(&p.env, &["--yes", "--resume", "--output", "json"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let report: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    // What was recorded is not done again; the step the kill interrupted is.
    for i in 0..recorded.len() {
        assert_eq!(report["steps"][i]["status"], "done earlier", "{report}");
    }
    assert_eq!(report["steps"][recorded.len()]["status"], "done", "{report}");
    check_old_data_on_leader(&p.env, &c, &p.sent).await;
    check_master_commitlog_sealed(&p.env, &p.commitlog_bytes, "before new writes");
    write_and_check_replicated(&p.env, &c, &p.sent).await;
}

/// An HTTP request that went through [`CutProxy`].
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    /// The path, without the query.
    path: String,
    /// The query parameters.
    query: BTreeMap<String, String>,
    /// Its Content-Length.
    len: usize,
    /// How many body bytes reached the agent.
    forwarded: usize,
}

/// A TCP proxy in front of a node agent that reads the HTTP/1.1 requests going through it (to
/// record them) and breaks one upload: the first `PUT` that `cut` selects gets only `keep` bytes
/// of its body through; once `landed` (the file on the agent's disk) holds them, both
/// connections are closed, as a network failure mid-upload would leave them.
struct CutProxy {
    addr: String,
    seen: std::sync::Arc<std::sync::Mutex<Vec<Seen>>>,
}

impl CutProxy {
    fn start(upstream: String, cut: fn(&Seen) -> bool, keep: usize, landed: std::path::PathBuf) -> Self {
        use std::sync::atomic::{AtomicBool, Ordering};
        use std::sync::{Arc, Mutex};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let done = Arc::new(AtomicBool::new(false));
        let seen2 = Arc::clone(&seen);
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { break };
                let Ok(up) = std::net::TcpStream::connect(&upstream) else {
                    continue;
                };
                let (mut up_read, mut client_write) = (up.try_clone().unwrap(), client.try_clone().unwrap());
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut up_read, &mut client_write);
                    let _ = client_write.shutdown(std::net::Shutdown::Both);
                });
                let (seen, done, landed) = (Arc::clone(&seen2), Arc::clone(&done), landed.clone());
                std::thread::spawn(move || {
                    let stop = |client: &std::net::TcpStream, up: &std::net::TcpStream| {
                        let _ = client.shutdown(std::net::Shutdown::Both);
                        let _ = up.shutdown(std::net::Shutdown::Both);
                    };
                    let mut reader = std::io::BufReader::new(client.try_clone().unwrap());
                    let mut up_write = up;
                    loop {
                        let Some(head) = read_head(&mut reader) else {
                            return stop(&client, &up_write);
                        };
                        let mut seen_req = parse_head(&head);
                        let cut_now = !done.load(Ordering::SeqCst) && cut(&seen_req) && seen_req.len > keep;
                        let n = if cut_now { keep } else { seen_req.len };
                        use std::io::{Read, Write};
                        if up_write.write_all(&head).is_err()
                            || std::io::copy(&mut (&mut reader).take(n as u64), &mut up_write).ok()
                                != Some(n as u64)
                        {
                            return stop(&client, &up_write);
                        }
                        seen_req.forwarded = n;
                        seen.lock().unwrap().push(seen_req);
                        if cut_now {
                            done.store(true, Ordering::SeqCst);
                            let deadline = Instant::now() + Duration::from_secs(30);
                            while std::fs::metadata(&landed).map_or(0, |m| m.len()) < keep as u64 {
                                assert!(
                                    Instant::now() < deadline,
                                    "the agent never wrote the {keep} bytes it got"
                                );
                                std::thread::sleep(Duration::from_millis(5));
                            }
                            return stop(&client, &up_write);
                        }
                    }
                });
            }
        });
        Self { addr, seen }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// The request line and headers up to the blank line, or `None` at the end of the connection.
fn read_head(reader: &mut impl std::io::BufRead) -> Option<Vec<u8>> {
    let mut head = Vec::new();
    loop {
        let mut line = Vec::new();
        if reader.read_until(b'\n', &mut line).ok()? == 0 {
            return None;
        }
        head.extend_from_slice(&line);
        if line == b"\r\n" {
            return Some(head);
        }
    }
}

fn parse_head(head: &[u8]) -> Seen {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.lines();
    let mut first = lines.next().unwrap_or_default().split(' ');
    let method = first.next().unwrap_or_default().to_owned();
    let target = first.next().unwrap_or_default();
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let query = query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let mut len = 0;
    for line in lines {
        let (name, value) = line.split_once(':').unwrap_or((line, ""));
        assert!(
            !name.eq_ignore_ascii_case("transfer-encoding"),
            "the proxy only reads Content-Length bodies: {text}"
        );
        if name.eq_ignore_ascii_case("content-length") {
            len = value.trim().parse().unwrap();
        }
    }
    Seen {
        method,
        path: path.to_owned(),
        query,
        len,
        forwarded: 0,
    }
}

/// Issue "Tests that can fail": an upload from this machine to the third node's agent is broken
/// mid-file (the
/// connection is cut after 20 000 bytes of the first commitlog file, once the agent has written
/// them). mqadmin must ask the agent how much arrived and send only the rest, from that length:
/// the proxy sees exactly two uploads of the file, the second at offset 20 000 with the remaining
/// bytes, and the copy on the third node is byte-identical to the master's file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agent_upload_cut_mid_file_resumes_from_the_agents_length() {
    const FIRST: &str = "00000000000000000000";
    const KEEP: usize = 20_000;
    let c = RemotingClient::default();
    let mut p = populated(Mode::Agents, &c, 300).await;
    let landed = p.env.dir.path().join("third-store/commitlog").join(FIRST);
    let proxy = CutProxy::start(
        p.env.agents[2].addr.clone(),
        |s| {
            s.method == "PUT"
                && s.path == "/v1/brokers/third/file"
                && s.query.get("area").map(String::as_str) == Some("commit_log")
                && s.query.get("path").map(String::as_str) == Some(FIRST)
        },
        KEEP,
        landed.clone(),
    );
    p.env.specs[2] = format!("agent://{}/third", proxy.addr);
    // Master and slave by their config files: the copy to the third node is uploaded by mqadmin
    // (between two agents the third's agent would pull it from the master's instead).
    p.env.specs[0] = p.env.master.display().to_string();
    p.env.specs[1] = p.env.slave.display().to_string();
    // Stop right after the copy step, before any broker touches the copied files.
    let r = run_cmd(upgrade_cmd(&p.env, &["--yes"]).env("MQADMIN_FAILPOINT", "after:copy"));
    assert_eq!(r.code, None, "stopped by the test hook after the copy: {r:?}");
    assert_eq!(recorded_steps(&p.env), &STEPS[..5]);

    let seen = proxy.seen();
    let of_file: Vec<&Seen> = seen
        .iter()
        .filter(|s| s.query.get("path").map(String::as_str) == Some(FIRST) && s.path.ends_with("/file"))
        .collect();
    let puts: Vec<&&Seen> = of_file.iter().filter(|s| s.method == "PUT").collect();
    assert_eq!(puts.len(), 2, "one broken upload, one resumed: {of_file:#?}");
    let (broken, resumed) = (puts[0], puts[1]);
    assert_eq!(broken.query["offset"], "0", "{broken:?}");
    assert_eq!(broken.forwarded, KEEP, "{broken:?}");
    let size = broken.len;
    assert!(size > KEEP, "{broken:?}");
    // The second upload starts where the agent's file ended and carries only the rest.
    assert_eq!(resumed.query["offset"], KEEP.to_string(), "{resumed:?}");
    assert_eq!(resumed.len, size - KEEP, "{resumed:?}");
    assert_eq!(resumed.forwarded, resumed.len, "{resumed:?}");
    assert!(
        seen.iter().any(|s| s.method == "GET"
            && s.path.ends_with("/stat")
            && s.query.get("path").map(String::as_str) == Some(FIRST)),
        "mqadmin asked the agent for the file's length: {seen:#?}"
    );
    // The result: every commitlog file of the third node is the master's, byte for byte.
    let master = p.env.dir.path().join("master-store/commitlog");
    assert_eq!(
        std::fs::read(&landed).unwrap(),
        std::fs::read(master.join(FIRST)).unwrap(),
        "the resumed file"
    );
    assert_eq!(
        md5_tree(&p.env.dir.path().join("third-store/commitlog")),
        master_commitlog(&p.env),
        "the third node's commitlog"
    );
}

/// A TCP proxy in front of the master's node agent that lets the first download of commitlog
/// file `file` (`GET …/file?area=commit_log&path=<file>`) through for `keep` bytes of its
/// response only, then closes both connections; it records the `start` of every download of
/// that file. Only the first request of each connection is read (a pulling agent opens a new
/// connection for each download, and after a cut).
struct PullCutProxy {
    addr: String,
    starts: std::sync::Arc<std::sync::Mutex<Vec<u64>>>,
}

impl PullCutProxy {
    fn start(upstream: String, file: &'static str, keep: u64) -> Self {
        use std::io::{Read, Write};
        use std::sync::atomic::{AtomicBool, Ordering};
        use std::sync::{Arc, Mutex};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let starts = Arc::new(Mutex::new(Vec::new()));
        let starts2 = Arc::clone(&starts);
        let done = Arc::new(AtomicBool::new(false));
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { break };
                let Ok(mut up) = std::net::TcpStream::connect(&upstream) else {
                    continue;
                };
                let (starts, done) = (Arc::clone(&starts2), Arc::clone(&done));
                std::thread::spawn(move || {
                    let mut reader = std::io::BufReader::new(client.try_clone().unwrap());
                    let Some(head) = read_head(&mut reader) else {
                        return;
                    };
                    let seen = parse_head(&head);
                    let download = seen.method == "GET"
                        && seen.path.ends_with("/file")
                        && seen.query.get("area").map(String::as_str) == Some("commit_log")
                        && seen.query.get("path").map(String::as_str) == Some(file);
                    if download {
                        starts.lock().unwrap().push(seen.query["start"].parse().unwrap());
                    }
                    let limit = if download && !done.swap(true, Ordering::SeqCst) {
                        keep
                    } else {
                        u64::MAX
                    };
                    let (mut up_read, mut client_write) =
                        (up.try_clone().unwrap(), client.try_clone().unwrap());
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut (&mut up_read).take(limit), &mut client_write);
                        let _ = client_write.shutdown(std::net::Shutdown::Both);
                        let _ = up_read.shutdown(std::net::Shutdown::Both);
                    });
                    if up.write_all(&head).is_ok() {
                        let _ = std::io::copy(&mut reader, &mut up);
                    }
                    let _ = up.shutdown(std::net::Shutdown::Both);
                });
            }
        });
        Self { addr, starts }
    }

    fn starts(&self) -> Vec<u64> {
        self.starts.lock().unwrap().clone()
    }
}

/// Issue 17: between two agents the third node's agent pulls each file from the master's agent
/// (the bytes do not pass through mqadmin). A download cut mid-file is resumed by the pulling
/// agent from the position it reached: the master's agent sees a second download of the file
/// starting past 0 (and within what was let through), mqadmin succeeds, and the third node's
/// commitlog is the master's byte for byte.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agent_pull_cut_mid_file_resumes_from_the_position_reached() {
    const FIRST: &str = "00000000000000000000";
    const KEEP: u64 = 30_000;
    let c = RemotingClient::default();
    let mut p = populated(Mode::Agents, &c, 300).await;
    let proxy = PullCutProxy::start(p.env.agents[0].addr.clone(), FIRST, KEEP);
    p.env.specs[0] = format!("agent://{}/master", proxy.addr);
    // Stop right after the copy step, before any broker touches the copied files.
    let r = run_cmd(upgrade_cmd(&p.env, &["--yes"]).env("MQADMIN_FAILPOINT", "after:copy"));
    assert_eq!(r.code, None, "stopped by the test hook after the copy: {r:?}");
    assert_eq!(recorded_steps(&p.env), &STEPS[..5]);
    let starts = proxy.starts();
    assert!(
        starts.len() >= 2 && starts[0] == 0 && starts[1] > 0 && starts[1] < KEEP,
        "one cut download, one resumed past 0: {starts:?}"
    );
    assert_eq!(
        md5_tree(&p.env.dir.path().join("third-store/commitlog")),
        master_commitlog(&p.env),
        "the third node's commitlog"
    );
}
