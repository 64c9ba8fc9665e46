//! `upgrade-group`, `shutdownBroker` and `startBroker` against real `mqnamesrv` and `mqbroker`
//! processes in temp dirs: a classic ASYNC_MASTER + SLAVE pair becomes a three-node DLedger
//! group (with a lagging slave completed from the master), is rolled back (the old master's and
//! slave's commitlogs back byte for byte), upgraded again and takes new writes; `--dry-run`
//! changes no byte; a divergent slave is refused.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use broker::remoting::codes::{request, response};
use broker::remoting::headers::{
    CreateTopicRequestHeader, OffsetResponseHeader, PullMessageRequestHeader,
    QueryConsumerOffsetRequestHeader, QueryMessageRequestHeader, QueueRequestHeader,
    SendMessageRequestHeader, SendMessageRequestHeaderV2, UpdateConsumerOffsetRequestHeader,
};
use broker::remoting::{RemotingClient, RemotingCommand};
use broker::store::message::{decode_records, encode_properties};
use md5::{Digest, Md5};

use crate::util::{closed_addr, mqadmin, run_cmd, Run};

pub(crate) const TOPIC: &str = "UpTopic";
pub(crate) const QUEUES: i32 = 4;
const GROUP: &str = "up-consumers";
const T: Duration = Duration::from_secs(10);

/// The steps, as `upgrade-group` names them in its plan, state file and failpoints.
pub(crate) const STEPS: [&str; 8] = [
    "preflight",
    "pre-copy",
    "stop-old",
    "align",
    "copy",
    "configure",
    "start",
    "check",
];

/// Kills the child when dropped.
pub(crate) struct Proc(pub(crate) Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// SIGKILLs every process whose command line mentions the temp dir (the detached brokers that
/// mqadmin starts), so a failing test leaves nothing behind.
pub(crate) struct KillUnder(pub(crate) String);

impl Drop for KillUnder {
    fn drop(&mut self) {
        for pid in pids_mentioning(&self.0) {
            // SAFETY: kill(2) on processes started by this test (their command line names our temp dir).
            unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
        }
    }
}

pub(crate) fn pids_mentioning(text: &str) -> Vec<u32> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let cmd = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
        let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
        // `<dir>/` so a longer sibling temp dir name never matches.
        if cmd.contains("mqbroker") && cmd.contains(&format!("{text}/")) {
            out.push(pid);
        }
    }
    out
}

fn sibling_bin(name: &str) -> PathBuf {
    let p = PathBuf::from(env!("CARGO_BIN_EXE_mqadmin")).with_file_name(name);
    assert!(
        p.exists(),
        "{} is missing: run `cargo build -p broker --bins` first",
        p.display()
    );
    p
}

/// A free port `p` with `p + 1` free too (see [`crate::ports`]).
pub(crate) fn free_port() -> u16 {
    crate::ports::free_ports(2)
}

/// How mqadmin reaches the nodes: by their config files, or through one node agent per node (each
/// confined to that node's config and store directories, standing for three machines).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Local,
    Agents,
    /// Agents serving TLS with certificates of a test CA; mqadmin trusts them by `--agent-ca`.
    AgentsTls,
}

pub struct Env {
    pub(crate) dir: tempfile::TempDir,
    /// Agents (and their logs), when `Mode::Agents`.
    pub(crate) agents: Vec<crate::agent::AgentProc>,
    /// The NODE arguments of master, slave and third.
    pub(crate) specs: [String; 3],
    token_file: PathBuf,
    /// mqadmin's flags for the agents' TLS (`--agent-ca FILE`), when `Mode::AgentsTls`.
    pub(crate) agent_trust: Vec<std::ffi::OsString>,
    _ns: Proc,
    _guard: KillUnder,
    pub(crate) ns: String,
    pub(crate) master: PathBuf,
    pub(crate) slave: PathBuf,
    pub(crate) third: PathBuf,
    pub(crate) ports: [u16; 3],
    pub(crate) peers: String,
}

pub(crate) fn write_conf(path: &Path, props: &[(&str, String)]) {
    let text: String = props.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
    std::fs::write(path, text).unwrap();
}

fn setup() -> Env {
    setup_mode(Mode::Local)
}

pub fn setup_mode(mode: Mode) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let ns = closed_addr();
    let ns_proc = Proc(
        Command::new(sibling_bin("mqnamesrv"))
            .args(["--listen", &ns])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let ports = [free_port(), free_port(), free_port()];
    let peer_ports = [free_port(), free_port(), free_port()];
    let mut confs = Vec::new();
    for (i, (name, extra)) in [
        ("master", vec![("brokerId", "0"), ("brokerRole", "ASYNC_MASTER")]),
        ("slave", vec![("brokerId", "1"), ("brokerRole", "SLAVE")]),
        ("third", vec![]),
    ]
    .into_iter()
    .enumerate()
    {
        let store = dir.path().join(format!("{name}-store"));
        let mut props = vec![
            ("brokerClusterName", "UpCluster".to_string()),
            ("brokerName", "broker-up".into()),
            ("listenPort", ports[i].to_string()),
            ("namesrvAddr", ns.clone()),
            ("brokerIP1", "127.0.0.1".into()),
            ("brokerIP2", "127.0.0.1".into()),
            ("storePathRootDir", store.display().to_string()),
            ("mappedFileSizeCommitLog", "65536".into()),
            ("mappedFileSizeConsumeQueue", "6000".into()),
            ("flushDiskType", "ASYNC_FLUSH".into()),
            // Small index files (the default is 420 MB, mostly holes) that roll over every 400
            // messages, so the upgrade copies several, sealed and newest.
            ("maxHashSlotNum", "100".into()),
            ("maxIndexNum", "400".into()),
        ];
        props.extend(extra.into_iter().map(|(k, v)| (k, v.to_string())));
        let conf_dir = dir.path().join(format!("{name}-conf"));
        std::fs::create_dir_all(&conf_dir).unwrap();
        std::fs::create_dir_all(&store).unwrap();
        let conf = conf_dir.join(format!("{name}.conf"));
        write_conf(&conf, &props);
        confs.push(conf);
    }
    let peers = (0..3)
        .map(|i| format!("n{i}-127.0.0.1:{}", peer_ports[i]))
        .collect::<Vec<_>>()
        .join(";");
    let guard = KillUnder(dir.path().display().to_string());
    let token_file = dir.path().join("agent.token");
    let mut agents = Vec::new();
    let mut agent_trust = Vec::new();
    let specs: [String; 3] = match mode {
        Mode::Local => [0, 1, 2].map(|i| confs[i].display().to_string()),
        Mode::Agents | Mode::AgentsTls => {
            std::fs::write(&token_file, crate::agent::TOKEN).unwrap();
            let mut pki =
                (mode == Mode::AgentsTls).then(|| crate::agent_tls::Pki::new(&dir.path().join("pki")));
            if let Some(pki) = &pki {
                agent_trust = vec!["--agent-ca".into(), pki.ca_file().into()];
            }
            for (i, name) in ["master", "slave", "third"].iter().enumerate() {
                let store = dir.path().join(format!("{name}-store"));
                let conf_dir = dir.path().join(format!("{name}-conf"));
                let tls = pki.as_mut().map(|p| p.issue(name).args()).unwrap_or_default();
                agents.push(crate::agent::AgentProc::start_with(
                    "127.0.0.1:0",
                    &[store.as_path(), conf_dir.as_path()],
                    &[(name, confs[i].as_path())],
                    &tls,
                ));
            }
            [0, 1, 2].map(|i| agents[i].node(["master", "slave", "third"][i]))
        }
    };
    Env {
        agents,
        specs,
        token_file,
        agent_trust,
        _ns: ns_proc,
        _guard: guard,
        ns,
        master: confs[0].clone(),
        slave: confs[1].clone(),
        third: confs[2].clone(),
        ports,
        peers,
        dir,
    }
}

pub(crate) fn addr(port: u16) -> String {
    format!("127.0.0.1:{port}")
}

pub(crate) fn spawn_broker(conf: &Path) -> Proc {
    Proc(
        Command::new(sibling_bin("mqbroker"))
            .arg("-c")
            .arg(conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    )
}

async fn invoke(c: &RemotingClient, addr: &str, req: RemotingCommand) -> RemotingCommand {
    c.invoke(addr, req, T).await.expect("request answered")
}

pub(crate) async fn wait_ready(c: &RemotingClient, addr: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let req = RemotingCommand::request_empty(request::GET_BROKER_RUNTIME_INFO);
        if c.invoke(addr, req, Duration::from_secs(2)).await.is_ok() {
            return;
        }
        assert!(Instant::now() < deadline, "{addr} never answered");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn send_req(queue_id: i32, body: Vec<u8>) -> RemotingCommand {
    keyed_req(queue_id, body, "")
}

/// A send whose `KEYS` property is `keys` (left out when empty), for query by key.
pub(crate) fn keyed_req(queue_id: i32, body: Vec<u8>, keys: &str) -> RemotingCommand {
    let mut props = vec![("WAIT", "true")];
    if !keys.is_empty() {
        props.push(("KEYS", keys));
    }
    let h = SendMessageRequestHeader {
        producer_group: "pg".into(),
        topic: TOPIC.into(),
        default_topic: "TBW102".into(),
        default_topic_queue_nums: QUEUES,
        queue_id,
        sys_flag: 0,
        born_timestamp: 1,
        flag: 0,
        properties: Some(encode_properties(props)),
        reconsume_times: Some(0),
        unit_mode: Some(false),
        batch: Some(false),
        max_reconsume_times: None,
    };
    RemotingCommand::request(request::SEND_MESSAGE_V2, &SendMessageRequestHeaderV2::from_v1(&h))
        .with_body(body)
}

/// Sends `n` messages round-robin over the queues, recording each body by (queue, offset); message
/// `i` has the key `<tag>-<i>`.
async fn produce(
    c: &RemotingClient,
    addr: &str,
    n: usize,
    tag: &str,
    sent: &mut BTreeMap<(i32, i64), Vec<u8>>,
) {
    for i in 0..n {
        let q = (i % QUEUES as usize) as i32;
        let body = format!("{tag}-{i}-{}", "x".repeat(200)).into_bytes();
        let r = invoke(c, addr, keyed_req(q, body.clone(), &format!("{tag}-{i}"))).await;
        assert_eq!(r.code, response::SUCCESS, "send: {:?}", r.remark);
        let off: i64 = r.ext_fields["queueOffset"].parse().unwrap();
        sent.insert((q, off), body);
    }
}

pub(crate) async fn max_offset(c: &RemotingClient, addr: &str, q: i32) -> Option<i64> {
    let req = RemotingCommand::request(
        request::GET_MAX_OFFSET,
        &QueueRequestHeader {
            topic: TOPIC.into(),
            queue_id: q,
        },
    );
    let r = c.invoke(addr, req, T).await.ok()?;
    (r.code == response::SUCCESS).then(|| r.decode_header::<OffsetResponseHeader>().unwrap().offset)
}

pub(crate) async fn query_offset(c: &RemotingClient, addr: &str, q: i32) -> Option<i64> {
    let req = RemotingCommand::request(
        request::QUERY_CONSUMER_OFFSET,
        &QueryConsumerOffsetRequestHeader {
            consumer_group: GROUP.into(),
            topic: TOPIC.into(),
            queue_id: q,
            set_zero_if_not_found: None,
        },
    );
    let r = invoke(c, addr, req).await;
    (r.code == response::SUCCESS).then(|| r.decode_header::<OffsetResponseHeader>().unwrap().offset)
}

/// Every message of every queue, pulled from `addr` from offset 0.
pub(crate) async fn pull_all(c: &RemotingClient, addr: &str) -> BTreeMap<(i32, i64), Vec<u8>> {
    try_pull_all(c, addr).await.unwrap_or_else(|e| panic!("{e}"))
}

/// [`pull_all`], or the first refused pull (e.g. a slave that has not copied the topic yet).
pub(crate) async fn try_pull_all(
    c: &RemotingClient,
    addr: &str,
) -> Result<BTreeMap<(i32, i64), Vec<u8>>, String> {
    let mut out = BTreeMap::new();
    for q in 0..QUEUES {
        let mut offset = 0;
        loop {
            let h = PullMessageRequestHeader::one_off("checker", TOPIC, q, offset, 32, "*");
            let r = invoke(c, addr, RemotingCommand::request(request::PULL_MESSAGE, &h)).await;
            if r.code == response::PULL_NOT_FOUND {
                break;
            }
            if r.code != response::SUCCESS {
                return Err(format!(
                    "pull {q}@{offset} from {addr}: code {} {:?}",
                    r.code, r.remark
                ));
            }
            for m in decode_records(&r.body).unwrap() {
                assert_eq!(m.queue_offset, offset);
                out.insert((q, offset), m.body.to_vec());
                offset += 1;
            }
        }
    }
    Ok(out)
}

/// Compares pulled and sent messages without printing kilobytes of bodies.
pub(crate) fn same(got: &BTreeMap<(i32, i64), Vec<u8>>, want: &BTreeMap<(i32, i64), Vec<u8>>, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: message count");
    let diff = want.iter().find(|(k, v)| got.get(k) != Some(v));
    assert!(
        diff.is_none(),
        "{what}: first difference at {:?}",
        diff.map(|(k, _)| k)
    );
}

/// Creates the topic, produces `n`, commits consumer offsets and waits until the slave has it all.
pub(crate) async fn populate(
    env: &Env,
    c: &RemotingClient,
    n: usize,
    sent: &mut BTreeMap<(i32, i64), Vec<u8>>,
) {
    let maddr = addr(env.ports[0]);
    wait_ready(c, &maddr).await;
    wait_ready(c, &addr(env.ports[1])).await;
    let create = RemotingCommand::request(
        request::UPDATE_AND_CREATE_TOPIC,
        &CreateTopicRequestHeader {
            topic: TOPIC.into(),
            default_topic: "TBW102".into(),
            read_queue_nums: QUEUES,
            write_queue_nums: QUEUES,
            perm: 6,
            topic_filter_type: "SINGLE_TAG".into(),
            topic_sys_flag: Some(0),
            order: false,
        },
    );
    assert_eq!(invoke(c, &maddr, create).await.code, response::SUCCESS);
    // A slave with an empty store starts replicating at the master's last file, as Java's does:
    // let it attach (it has the first message) before the master rolls over to a second file.
    produce(c, &maddr, 1, "first", sent).await;
    wait_slave_caught_up(env, c).await;
    produce(c, &maddr, n - 1, "old", sent).await;
    for q in 0..QUEUES {
        let upd = RemotingCommand::request(
            request::UPDATE_CONSUMER_OFFSET,
            &UpdateConsumerOffsetRequestHeader {
                consumer_group: GROUP.into(),
                topic: TOPIC.into(),
                queue_id: q,
                commit_offset: 3 + i64::from(q),
            },
        );
        assert_eq!(invoke(c, &maddr, upd).await.code, response::SUCCESS);
    }
    wait_slave_caught_up(env, c).await;
}

/// Waits until every queue of the slave reaches the master's max offset.
async fn wait_slave_caught_up(env: &Env, c: &RemotingClient) {
    let maddr = addr(env.ports[0]);
    let deadline = Instant::now() + Duration::from_secs(60);
    for q in 0..QUEUES {
        let want = max_offset(c, &maddr, q).await;
        while max_offset(c, &addr(env.ports[1]), q).await != want {
            assert!(Instant::now() < deadline, "slave never caught up on queue {q}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// `mqadmin shutdownBroker` of node `i`, by config file or through its agent.
fn shutdown(env: &Env, i: usize) -> Run {
    let mut cmd = mqadmin();
    cmd.args(["shutdownBroker", "-c", &env.specs[i], "--timeout", "30"]);
    if !env.agents.is_empty() {
        cmd.arg("--token-file").arg(&env.token_file);
        cmd.args(&env.agent_trust);
    }
    run_cmd(&mut cmd)
}

pub(crate) fn upgrade(env: &Env, extra: &[&str]) -> Run {
    run_cmd(&mut upgrade_cmd(env, extra))
}

/// The `mqadmin upgrade-group` command for `env`'s nodes with `extra` arguments, not yet run.
pub(crate) fn upgrade_cmd(env: &Env, extra: &[&str]) -> Command {
    let mut cmd = mqadmin();
    cmd.arg("-n").arg(&env.ns).arg("upgrade-group");
    cmd.args([
        "--master",
        &env.specs[0],
        "--slave",
        &env.specs[1],
        "--third",
        &env.specs[2],
    ]);
    if !env.agents.is_empty() {
        cmd.arg("--token-file").arg(&env.token_file);
        cmd.args(&env.agent_trust);
    }
    cmd.args(["--peers", &env.peers, "--timeout", "90"]);
    cmd.args(extra);
    cmd.stdin(Stdio::null());
    cmd
}

/// md5 of every file under `dir`, by relative path.
pub(crate) fn md5_tree(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for e in walkdir::WalkDir::new(dir).into_iter().flatten() {
        if e.file_type().is_file() {
            let rel = e.path().strip_prefix(dir).unwrap().display().to_string();
            out.insert(rel, hex::encode(Md5::digest(std::fs::read(e.path()).unwrap())));
        }
    }
    out
}

/// Waits until the name server shows `group` with a BID 0 and `members` brokers; returns them.
pub(crate) async fn wait_group(ns: &str, members: usize, leader: Option<&str>) -> BTreeMap<i64, String> {
    let admin = mqadmin::ops::admin::Admin::new(ns);
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        if let Ok(info) = admin.cluster_info().await {
            if let Some(bd) = info.broker_addr_table.get("broker-up") {
                if bd.broker_addrs.len() == members
                    && bd
                        .broker_addrs
                        .get(&0)
                        .is_some_and(|l| leader.is_none_or(|w| w == l))
                {
                    return bd.broker_addrs.clone();
                }
            }
        }
        assert!(Instant::now() < deadline, "group never showed {members} members");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Waits for a 3-member group and checks that its leader serves every old message at its old
/// offset and kept the consumer offsets (3 + queue id).
pub(crate) async fn check_old_data_on_leader(
    env: &Env,
    c: &RemotingClient,
    sent: &BTreeMap<(i32, i64), Vec<u8>>,
) {
    let members = wait_group(&env.ns, 3, None).await;
    let leader = members[&0].clone();
    same(
        &pull_all(c, &leader).await,
        sent,
        "every old message at its old offset on the leader",
    );
    for q in 0..QUEUES {
        assert_eq!(query_offset(c, &leader, q).await, Some(3 + i64::from(q)));
    }
}

/// Checks that every member of the group finds messages by key (QUERY_MESSAGE): keys sent
/// before the slave attached, while it replicated, and while it was down (`lag`, given to it by
/// align), each exactly once with its body.
pub(crate) async fn check_keys_on_every_member(
    env: &Env,
    c: &RemotingClient,
    sent: &BTreeMap<(i32, i64), Vec<u8>>,
    keys: &[&str],
) {
    let members = wait_group(&env.ns, 3, None).await;
    for key in keys {
        let want: Vec<&Vec<u8>> = sent
            .values()
            .filter(|b| b.starts_with(format!("{key}-").as_bytes()))
            .collect();
        assert_eq!(want.len(), 1, "{key} was sent once");
        for a in members.values() {
            let req = RemotingCommand::request(
                request::QUERY_MESSAGE,
                &QueryMessageRequestHeader {
                    topic: TOPIC.into(),
                    key: (*key).into(),
                    max_num: 32,
                    begin_timestamp: 0,
                    end_timestamp: i64::MAX,
                },
            );
            let r = invoke(c, a, req).await;
            assert_eq!(r.code, response::SUCCESS, "{a}: key {key}: {:?}", r.remark);
            let found = decode_records(&r.body).unwrap();
            assert_eq!(found.len(), 1, "{a}: key {key}");
            assert_eq!(&found[0].body, want[0], "{a}: key {key}");
        }
    }
}

/// Writes 40 messages to whoever is BID 0 (10 per queue) and waits until every member of the
/// group has them on top of the old ones.
pub(crate) async fn write_and_check_replicated(
    env: &Env,
    c: &RemotingClient,
    sent: &BTreeMap<(i32, i64), Vec<u8>>,
) {
    let members = wait_group(&env.ns, 3, None).await;
    let before: Vec<Option<i64>> = (0..QUEUES)
        .map(|q| Some(sent.keys().filter(|(sq, _)| *sq == q).count() as i64))
        .collect();
    // Writes go to whoever is BID 0 now (a young leader may still be catching up: retry).
    for i in 0..40 {
        let q = i % QUEUES;
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let leader = wait_group(&env.ns, 3, None).await[&0].clone();
            let r = invoke(c, &leader, send_req(q, format!("new-{i}").into_bytes())).await;
            if r.code == response::SUCCESS {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "new write never accepted: {:?}",
                r.remark
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    for a in members.values() {
        for q in 0..QUEUES {
            let want = before[q as usize].map(|b| b + 10);
            while max_offset(c, a, q).await != want {
                assert!(
                    Instant::now() < deadline,
                    "{a} never got the new messages of queue {q}"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::print_stderr)] // phase timings, shown with --nocapture
async fn upgrade_completes_a_lagging_slave_rolls_back_and_upgrades_again() {
    let started = Instant::now();
    let env = setup();
    let originals: Vec<Vec<u8>> = [&env.master, &env.slave, &env.third]
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    let master = spawn_broker(&env.master);
    let mut slave = spawn_broker(&env.slave);
    let c = RemotingClient::default();
    let mut sent = BTreeMap::new();
    populate(&env, &c, 400, &mut sent).await;
    // The slave stops; the master takes more: the slave now lags and must be completed.
    let r = run_cmd(mqadmin().arg("shutdownBroker").arg("-c").arg(&env.slave));
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(r.stdout.contains("stopped"), "{r:?}");
    let _ = slave.0.wait();
    produce(&c, &addr(env.ports[0]), 120, "lag", &mut sent).await;
    // The master's commitlog before the upgrade; align makes the lagging slave's the same files.
    let commitlog = |node: &str| md5_tree(&env.dir.path().join(format!("{node}-store/commitlog")));
    let master_commitlog = commitlog("master");
    assert_ne!(commitlog("slave"), master_commitlog, "the slave lags");

    let r = upgrade(&env, &["--yes", "--output", "json"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    drop(master);
    let report: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let align = report["steps"][3]["detail"].as_str().unwrap();
    assert!(!align.starts_with("0 identical, 0 completed"), "{align}");
    assert!(
        !align.contains(" 0 completed"),
        "the lagging slave is completed: {align}"
    );
    check_old_data_on_leader(&env, &c, &sent).await;
    // Key lookups work on every node: the slave and the new node rebuilt their index.
    check_keys_on_every_member(
        &env,
        &c,
        &sent,
        &["first-0", "old-7", "old-398", "lag-0", "lag-119"],
    )
    .await;
    let conf = std::fs::read_to_string(&env.third).unwrap();
    assert!(
        conf.contains("dLegerSelfId=n2") && !conf.contains("brokerRole"),
        "{conf}"
    );
    eprintln!("first upgrade done after {:?}", started.elapsed());

    // Rollback before any write: old configs back, third store gone, old pair serving.
    let r = upgrade(&env, &["--rollback", "--yes"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    for (p, orig) in [&env.master, &env.slave, &env.third].iter().zip(&originals) {
        assert_eq!(&std::fs::read(p).unwrap(), orig, "{} restored", p.display());
    }
    assert!(
        !env.dir.path().join("third-store/commitlog").exists()
            || std::fs::read_dir(env.dir.path().join("third-store/commitlog"))
                .unwrap()
                .next()
                .is_none()
    );
    let members = wait_group(&env.ns, 2, Some(&addr(env.ports[0]))).await;
    assert_eq!(members[&1], addr(env.ports[1]));
    same(
        &pull_all(&c, &addr(env.ports[0])).await,
        &sent,
        "the old master after the rollback",
    );
    // The DLedger start sealed the last old file on n0 and n1: the rollback gave both back their
    // files byte for byte (the slave's as align left them: the master's).
    assert_eq!(
        commitlog("master"),
        master_commitlog,
        "the old master's commitlog after the rollback"
    );
    assert_eq!(
        commitlog("slave"),
        master_commitlog,
        "the old slave's commitlog after the rollback"
    );
    assert!(
        r.stdout.contains("n0: removed the DLedger seal blank")
            && r.stdout.contains("n1: removed the DLedger seal blank"),
        "{r:?}"
    );
    // ... and checked both before restoring the configs.
    assert!(
        r.stdout.contains("n0: 000")
            && r.stdout.contains("n1: 000")
            && r.stdout.contains("as before the upgrade"),
        "{r:?}"
    );
    assert!(
        r.stdout
            .contains("n1: the newest 2 commitlog file(s) have the master's md5"),
        "{r:?}"
    );
    eprintln!("rollback done after {:?}", started.elapsed());

    // Upgrade again (the rolled-back state allows a fresh run), then write to the new group.
    let r = upgrade(&env, &["--yes"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(
        r.stdout.contains("check") && r.stdout.contains("leader:"),
        "{r:?}"
    );
    // A finished upgrade is not run again; the configs stay the DLedger ones.
    let configs: Vec<Vec<u8>> = [&env.master, &env.slave, &env.third]
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    let r = upgrade(&env, &["--yes"]);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(r.stderr.contains("this group was already upgraded"), "{r:?}");
    for (p, before) in [&env.master, &env.slave, &env.third].iter().zip(&configs) {
        assert_eq!(&std::fs::read(p).unwrap(), before, "{}", p.display());
    }
    write_and_check_replicated(&env, &c, &sent).await;
    // The group took writes: rollback is refused.
    let r = upgrade(&env, &["--rollback", "--yes"]);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(r.stderr.contains("rollback refused"), "{r:?}");
    // Also when the new brokers are down: the DLedger logs on disk hold message records.
    for conf in [&env.master, &env.slave, &env.third] {
        let r = run_cmd(mqadmin().arg("shutdownBroker").arg("-c").arg(conf));
        assert_eq!(r.code, Some(0), "{r:?}");
    }
    let r = upgrade(&env, &["--rollback", "--yes"]);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(r.stderr.contains("message record"), "{r:?}");
    eprintln!("test done after {:?}", started.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_changes_nothing_and_a_divergent_slave_is_refused() {
    let env = setup();
    let _master = spawn_broker(&env.master);
    let _slave = spawn_broker(&env.slave);
    let c = RemotingClient::default();
    let mut sent = BTreeMap::new();
    populate(&env, &c, 300, &mut sent).await;
    for conf in [&env.slave, &env.master] {
        let r = run_cmd(mqadmin().arg("shutdownBroker").arg("-c").arg(conf));
        assert_eq!(r.code, Some(0), "{r:?}");
    }
    // Stopping twice is fine.
    let r = run_cmd(mqadmin().arg("shutdownBroker").arg("-c").arg(&env.master));
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(r.stdout.contains("not running"), "{r:?}");

    let before = md5_tree(env.dir.path());
    let r = upgrade(&env, &["--dry-run"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    for step in STEPS {
        assert!(r.stdout.contains(step), "{step} in the plan: {}", r.stdout);
    }
    assert_eq!(md5_tree(env.dir.path()), before, "--dry-run changed a file");

    // Without --yes and without a terminal: refused, nothing changed.
    let r = upgrade(&env, &[]);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert_eq!(md5_tree(env.dir.path()), before);

    // Flip one written byte of the slave's newest commitlog file: divergent.
    let cl = env.dir.path().join("slave-store/commitlog");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&cl)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    let newest = names.last().unwrap();
    let mut bytes = std::fs::read(newest).unwrap();
    bytes[100] ^= 0xFF;
    std::fs::write(newest, &bytes).unwrap();
    let before = md5_tree(env.dir.path());
    let r = upgrade(&env, &["--yes"]);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(
        r.stderr.contains("diverges") && r.stderr.contains("--align"),
        "{r:?}"
    );
    assert_eq!(md5_tree(env.dir.path()), before, "a refused run changed a file");

    // With --align it goes ahead; an unreachable name server interrupts it at the start step
    // (exit 2, state saved), and --resume with the right one finishes it.
    let mut cmd = mqadmin();
    cmd.args(["-n", &closed_addr(), "upgrade-group", "--yes", "--align"]);
    cmd.arg("--master").arg(&env.master);
    cmd.arg("--slave").arg(&env.slave);
    cmd.arg("--third").arg(&env.third);
    cmd.args(["--peers", &env.peers, "--timeout", "3"]);
    let r = run_cmd(cmd.stdin(Stdio::null()));
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stderr.contains("--resume"), "{r:?}");
    let state = std::fs::read_to_string(env.dir.path().join("third-store/upgrade-group.json")).unwrap();
    assert!(
        state.contains("\"configure\"") && !state.contains("\"start\""),
        "{state}"
    );
    assert!(state.contains("1 overwritten"), "{state}");
    // A fresh run is refused while a run is unfinished.
    let r = upgrade(&env, &["--yes"]);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(r.stderr.contains("--resume"), "{r:?}");
    let r = upgrade(&env, &["--yes", "--resume", "--output", "json"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let report: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(report["steps"][5]["status"], "done earlier", "{report}");
    assert_eq!(report["steps"][7]["status"], "done", "{report}");
    let members = wait_group(&env.ns, 3, None).await;
    same(
        &pull_all(&c, &members[&0]).await,
        &sent,
        "every old message on the leader after --align and --resume",
    );
}

/// The NODE index (0 master, 1 slave, 2 third) whose broker listens on `addr`.
fn node_of(env: &Env, addr_: &str) -> usize {
    env.ports
        .iter()
        .position(|p| addr(*p) == addr_)
        .unwrap_or_else(|| panic!("{addr_} is none of {:?}", env.ports))
}

/// Issue 5: `upgrade-group` through three node agents on loopback (three store roots standing for
/// three machines), the same scenario as the local test: a lagging slave is completed, every old
/// message keeps its offset, consumer offsets resume, new writes reach all three; then killing the
/// leader fails over.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrade_through_three_agents_completes_a_lagging_slave_and_fails_over() {
    let env = setup_mode(Mode::Agents);
    assert_eq!(env.agents.len(), 3);
    let master = spawn_broker(&env.master);
    let mut slave = spawn_broker(&env.slave);
    let c = RemotingClient::default();
    let mut sent = BTreeMap::new();
    populate(&env, &c, 200, &mut sent).await;
    // Stopped through its agent: the slave now lags.
    let r = shutdown(&env, 1);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(r.stdout.contains("stopped"), "{r:?}");
    let _ = slave.0.wait();
    produce(&c, &addr(env.ports[0]), 80, "lag", &mut sent).await;

    let r = upgrade(&env, &["--yes", "--output", "json"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    drop(master);
    let report: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let align = report["steps"][3]["detail"].as_str().unwrap();
    assert!(
        !align.contains(" 0 completed"),
        "the lagging slave is completed: {align}"
    );
    assert!(
        env.dir.path().join("third-store/upgrade-group.json").exists(),
        "the state file lives on the third node"
    );
    let conf = std::fs::read_to_string(&env.third).unwrap();
    assert!(
        conf.contains("dLegerSelfId=n2") && !conf.contains("brokerRole"),
        "{conf}"
    );
    check_old_data_on_leader(&env, &c, &sent).await;
    write_and_check_replicated(&env, &c, &sent).await;

    // Kill -9 the leader: another node becomes BID 0 and takes writes.
    let leader = wait_group(&env.ns, 3, None).await[&0].clone();
    let conf_dir = env.dir.path().join(format!(
        "{}-conf",
        ["master", "slave", "third"][node_of(&env, &leader)]
    ));
    let pids = pids_mentioning(&conf_dir.display().to_string());
    assert!(!pids.is_empty(), "no broker process for {leader}");
    for pid in pids {
        // SAFETY: kill(2) on the leader broker this test's agents started.
        unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
    }
    let admin = mqadmin::ops::admin::Admin::new(&env.ns);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let new_leader = admin.cluster_info().await.ok().and_then(|info| {
            info.broker_addr_table
                .get("broker-up")
                .and_then(|bd| bd.broker_addrs.get(&0).cloned())
        });
        if let Some(new_leader) = new_leader.filter(|l| *l != leader) {
            let r = c
                .invoke(&new_leader, send_req(0, b"after-failover".to_vec()), T)
                .await;
            if r.is_ok_and(|r| r.code == response::SUCCESS) {
                break;
            }
        }
        assert!(Instant::now() < deadline, "no failover from {leader}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Issue 5, second case: through the agents a divergent slave is refused, then overwritten from
/// the master with `--align`; every old message is on the new leader.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrade_through_three_agents_aligns_a_divergent_slave() {
    let env = setup_mode(Mode::Agents);
    let _master = spawn_broker(&env.master);
    let _slave = spawn_broker(&env.slave);
    let c = RemotingClient::default();
    let mut sent = BTreeMap::new();
    populate(&env, &c, 150, &mut sent).await;
    for i in [1, 0] {
        let r = shutdown(&env, i);
        assert_eq!(r.code, Some(0), "{r:?}");
    }
    let cl = env.dir.path().join("slave-store/commitlog");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&cl)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    let newest = names.last().unwrap();
    let mut bytes = std::fs::read(newest).unwrap();
    bytes[100] ^= 0xFF;
    std::fs::write(newest, &bytes).unwrap();
    let r = upgrade(&env, &["--yes"]);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(
        r.stderr.contains("diverges") && r.stderr.contains("--align"),
        "{r:?}"
    );
    let r = upgrade(&env, &["--yes", "--align", "--output", "json"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let report: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let align = report["steps"][3]["detail"].as_str().unwrap();
    assert!(align.contains("1 overwritten"), "{align}");
    let members = wait_group(&env.ns, 3, None).await;
    same(
        &pull_all(&c, &members[&0]).await,
        &sent,
        "every old message on the leader after --align",
    );
}
