//! Helpers: start a name server and brokers in-process, send and pull through the real client.
//!
//! Root-only variants: where a test has a variant that needs root (a tmpfs for a full disk,
//! network namespaces for a partition), it prints which variant ran (`variant: ...`). When that
//! variant cannot run here (not root, mounting or namespaces refused), the test falls back to the
//! unprivileged one, unless `MQ_REQUIRE_ROOT_VARIANTS=1` is set: then it fails and says why
//! ([`root_variant_unavailable`]).

use std::time::Duration;

use broker::config::{BrokerConfig, BrokerRole};
use broker::remoting::codes::request;
use broker::remoting::headers::{
    PullMessageRequestHeader, SendMessageRequestHeader, SendMessageRequestHeaderV2,
};
use broker::remoting::{RemotingClient, RemotingCommand};
use broker::store::message::encode_properties;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub const T: Duration = Duration::from_secs(10);

/// A server task with a stop switch.
#[derive(Debug)]
pub struct Running {
    pub addr: String,
    /// An in-process broker's state (`None` for a name server); weak, so a stopped broker's store
    /// is closed for a restart on the same directory.
    pub broker: Option<std::sync::Weak<broker::broker::Broker>>,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    pub async fn stop(mut self) {
        let _ = self.stop.take().expect("stop once").send(());
        tokio::time::timeout(T, self.task)
            .await
            .expect("server stops in time")
            .expect("server task");
    }
}

pub async fn start_namesrv() -> Running {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let (tx, rx) = oneshot::channel();
    let task = tokio::spawn(broker::namesrv::run(listener, Default::default(), async {
        let _ = rx.await;
    }));
    Running {
        addr,
        broker: None,
        stop: Some(tx),
        task,
    }
}

pub fn broker_config(
    root: &std::path::Path,
    name: &str,
    namesrv: &str,
    role: BrokerRole,
    id: i64,
) -> BrokerConfig {
    BrokerConfig {
        broker_name: name.into(),
        broker_ip1: "127.0.0.1".into(),
        broker_ip2: "127.0.0.1".into(),
        namesrv_addr: Some(namesrv.into()),
        store_path_root_dir: root.display().to_string(),
        store_path_commit_log: None,
        mapped_file_size_commit_log: 1024 * 1024,
        broker_role: role,
        broker_id: id,
        listen_port: 0,
        ..BrokerConfig::default()
    }
}

pub async fn start_broker(cfg: BrokerConfig) -> Result<Running, broker::broker::BrokerError> {
    start_broker_with(cfg, None).await
}

/// Starts a broker; a DLedger node gets its Raft RPC listener passed in (bound by the test).
pub async fn start_broker_with(
    cfg: BrokerConfig,
    raft_listener: Option<std::net::TcpListener>,
) -> Result<Running, broker::broker::BrokerError> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let ha = if cfg.broker_role == BrokerRole::Slave || cfg.enable_dleger_commit_log {
        None
    } else {
        Some(TcpListener::bind("127.0.0.1:0").await?)
    };
    let ha_addr = ha.as_ref().map(|l| l.local_addr().unwrap());
    let b = broker::broker::open(cfg, listener.local_addr()?, ha_addr)?;
    *b.raft_listener.lock().unwrap() = raft_listener;
    let addr = b.addr();
    let weak = std::sync::Arc::downgrade(&b);
    let (tx, rx) = oneshot::channel();
    let task = tokio::spawn(async move {
        broker::broker::run(b, listener, ha, async {
            let _ = rx.await;
        })
        .await
        .expect("broker runs");
    });
    Ok(Running {
        addr,
        broker: Some(weak),
        stop: Some(tx),
        task,
    })
}

pub fn send_request(topic: &str, queue_id: i32, body: Vec<u8>, tags: &str, keys: &str) -> RemotingCommand {
    let h = SendMessageRequestHeader {
        producer_group: "pg".into(),
        topic: topic.into(),
        default_topic: "TBW102".into(),
        default_topic_queue_nums: 4,
        queue_id,
        sys_flag: 0,
        born_timestamp: 1,
        flag: 0,
        properties: Some(encode_properties([
            ("TAGS", tags),
            ("KEYS", keys),
            ("WAIT", "true"),
        ])),
        reconsume_times: Some(0),
        unit_mode: Some(false),
        batch: Some(false),
        max_reconsume_times: None,
    };
    RemotingCommand::request(request::SEND_MESSAGE_V2, &SendMessageRequestHeaderV2::from_v1(&h))
        .with_body(body)
}

pub fn pull_request(
    group: &str,
    topic: &str,
    queue_id: i32,
    offset: i64,
    max: i32,
    sub: &str,
    suspend_ms: i64,
) -> RemotingCommand {
    let flags = 0x4 | if suspend_ms > 0 { 0x2 } else { 0 };
    let h = PullMessageRequestHeader {
        consumer_group: group.into(),
        topic: topic.into(),
        queue_id,
        queue_offset: offset,
        max_msg_nums: max,
        sys_flag: flags,
        commit_offset: 0,
        suspend_timeout_millis: suspend_ms,
        subscription: Some(sub.into()),
        sub_version: 0,
        expression_type: Some("TAG".into()),
        max_msg_bytes: None,
    };
    RemotingCommand::request(request::PULL_MESSAGE, &h)
}

pub async fn invoke(c: &RemotingClient, addr: &str, req: RemotingCommand) -> RemotingCommand {
    c.invoke(addr, req, T).await.expect("call succeeds")
}

// ---------------------------------------------------------------------------------------------
// Real `mqbroker` processes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use broker::remoting::codes::response;
use broker::remoting::headers::{
    CreateTopicRequestHeader, OffsetResponseHeader, QueryConsumerOffsetRequestHeader,
    UpdateConsumerOffsetRequestHeader, ViewMessageRequestHeader,
};
use broker::store::message::{decode_records, DecodedMessage};

/// Whether the long variants run (`SOAK=1`).
pub fn soak() -> bool {
    std::env::var("SOAK").is_ok_and(|v| v == "1")
}

/// A port `p` with `p + 1` also free (listenPort and the HA port), never handed out twice in
/// this process (see `ports`).
pub fn free_port_pair() -> u16 {
    crate::ports::free_ports(2)
}

/// Writes a broker properties file in `dir` and returns its path.
pub fn write_broker_conf(dir: &Path, file: &str, props: &[(&str, String)]) -> PathBuf {
    let mut text = String::new();
    for (k, v) in props {
        text.push_str(&format!("{k}={v}\n"));
    }
    let path = dir.join(file);
    std::fs::write(&path, text).unwrap();
    path
}

/// The usual properties of a test broker process: 127.0.0.1, 1 MiB commitlog files.
pub fn base_props(name: &str, port: u16, namesrv: &str, store: &Path) -> Vec<(&'static str, String)> {
    vec![
        ("brokerClusterName", "DefaultCluster".into()),
        ("brokerName", name.into()),
        ("listenPort", port.to_string()),
        ("namesrvAddr", namesrv.into()),
        ("brokerIP1", "127.0.0.1".into()),
        ("brokerIP2", "127.0.0.1".into()),
        ("storePathRootDir", store.display().to_string()),
        ("mappedFileSizeCommitLog", "1048576".into()),
    ]
}

/// A running `mqbroker` process; killed (SIGKILL) when dropped.
#[derive(Debug)]
pub struct BrokerProc {
    child: Option<Child>,
    pub addr: String,
    conf: PathBuf,
    stderr: PathBuf,
    netns: Option<String>,
}

impl BrokerProc {
    /// Starts `mqbroker -c conf` listening on `127.0.0.1:port`; stderr goes to `<conf>.stderr`.
    pub fn spawn(conf: &Path, port: u16) -> Self {
        Self::spawn_at(conf, format!("127.0.0.1:{port}"), None)
    }

    /// Starts `mqbroker -c conf` (listening on `addr`), inside network namespace `netns` when
    /// given (`ip netns exec`, which execs the broker: the pid is the broker's).
    pub fn spawn_at(conf: &Path, addr: String, netns: Option<&str>) -> Self {
        let stderr = PathBuf::from(format!("{}.stderr.{}", conf.display(), rand_suffix()));
        let mut cmd = match netns {
            Some(ns) => {
                let mut c = Command::new("ip");
                c.args(["netns", "exec", ns, env!("CARGO_BIN_EXE_mqbroker")]);
                c
            }
            None => Command::new(env!("CARGO_BIN_EXE_mqbroker")),
        };
        let child = cmd
            .arg("-c")
            .arg(conf)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .expect("spawn mqbroker");
        Self {
            child: Some(child),
            addr,
            conf: conf.to_path_buf(),
            stderr,
            netns: netns.map(str::to_string),
        }
    }

    /// The process id (for signals such as SIGSTOP/SIGCONT).
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// The process's stderr so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// Waits until the broker answers requests (bounded), failing with its stderr if it exits.
    pub async fn wait_ready(&mut self) {
        let c = RemotingClient::default();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(st) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("mqbroker exited early ({st}): {}", self.stderr());
            }
            let req = RemotingCommand::request_empty(request::GET_BROKER_RUNTIME_INFO);
            if c.invoke(&self.addr, req, Duration::from_secs(2)).await.is_ok() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "mqbroker never answered: {}",
                self.stderr()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Whether the process is still running (not exited, not killed by a signal).
    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| c.try_wait().unwrap().is_none())
    }

    /// Waits for the process to exit on its own (polled, bounded by `limit`); `None` if it
    /// still runs then (it is killed when dropped).
    pub async fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(st) = self.child.as_mut()?.try_wait().unwrap() {
                self.child = None;
                return Some(st);
            }
            if Instant::now() > deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// `kill -9`, then reaps the process.
    pub fn kill9(&mut self) {
        let mut c = self.child.take().expect("running");
        c.kill().unwrap();
        c.wait().unwrap();
    }

    /// SIGTERM (graceful stop); returns the exit status once it has exited (bounded).
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let mut c = self.child.take().expect("running");
        // SAFETY: kill(2) on the pid of our own unreaped child.
        unsafe {
            libc::kill(c.id() as libc::pid_t, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(st) = c.try_wait().unwrap() {
                return st;
            }
            if Instant::now() > deadline {
                let _ = c.kill();
                panic!("mqbroker ignored SIGTERM for 30 s: {}", self.stderr());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Starts the same config again (after a kill or stop).
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "stop it first");
        let fresh = Self::spawn_at(&self.conf, self.addr.clone(), self.netns.as_deref());
        *self = fresh;
    }
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

impl Drop for BrokerProc {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Polls an async condition until it holds, failing with `what` after `limit`.
pub async fn wait_until<F, Fut>(limit: Duration, what: &str, mut cond: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    while !cond().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub fn create_topic_request(topic: &str, queues: i32) -> RemotingCommand {
    RemotingCommand::request(
        request::UPDATE_AND_CREATE_TOPIC,
        &CreateTopicRequestHeader {
            topic: topic.into(),
            default_topic: "TBW102".into(),
            read_queue_nums: queues,
            write_queue_nums: queues,
            perm: 6,
            topic_filter_type: "SINGLE_TAG".into(),
            topic_sys_flag: Some(0),
            order: false,
        },
    )
}

/// Creates `topic` with `queues` read and write queues on the broker at `addr`, asserting that
/// the broker accepted it.
pub async fn create_topic_on(c: &RemotingClient, addr: &str, topic: &str, queues: i32) {
    let r = invoke(c, addr, create_topic_request(topic, queues)).await;
    assert_eq!(
        r.code,
        response::SUCCESS,
        "creating {topic} on {addr}: {:?}",
        r.remark
    );
}

/// Pulls a whole queue from offset 0 (SUBSCRIPTION flag, `*`), checking offset continuity.
pub async fn pull_queue(c: &RemotingClient, addr: &str, topic: &str, q: i32) -> Vec<DecodedMessage> {
    let mut out = Vec::new();
    let mut offset = 0i64;
    loop {
        let r = invoke(c, addr, pull_request("checker", topic, q, offset, 32, "*", 0)).await;
        if r.code == response::PULL_NOT_FOUND {
            return out;
        }
        assert_eq!(
            r.code,
            response::SUCCESS,
            "pull {topic}/{q}@{offset}: {:?}",
            r.remark
        );
        for m in decode_records(&r.body).unwrap() {
            assert_eq!(m.queue_offset, offset, "{topic}/{q}: offsets must be continuous");
            assert_eq!(m.queue_id, q);
            assert!(m.crc_ok(), "{topic}/{q}@{offset}: body CRC");
            offset += 1;
            out.push(m);
        }
        let next: i64 = r.ext_fields["nextBeginOffset"].parse().unwrap();
        assert_eq!(next, offset, "nextBeginOffset");
    }
}

/// QUERY_CONSUMER_OFFSET for one queue.
pub fn query_offset_request(group: &str, topic: &str, q: i32) -> RemotingCommand {
    RemotingCommand::request(
        request::QUERY_CONSUMER_OFFSET,
        &QueryConsumerOffsetRequestHeader {
            consumer_group: group.into(),
            topic: topic.into(),
            queue_id: q,
            set_zero_if_not_found: None,
        },
    )
}

/// QUERY_CONSUMER_OFFSET; `None` when the broker answers anything but SUCCESS.
pub async fn query_offset(c: &RemotingClient, addr: &str, group: &str, topic: &str, q: i32) -> Option<i64> {
    let r = invoke(c, addr, query_offset_request(group, topic, q)).await;
    (r.code == response::SUCCESS).then(|| r.decode_header::<OffsetResponseHeader>().unwrap().offset)
}

/// UPDATE_CONSUMER_OFFSET for one queue (sent oneway by Java clients; callers choose).
pub fn update_offset_request(group: &str, topic: &str, q: i32, offset: i64) -> RemotingCommand {
    RemotingCommand::request(
        request::UPDATE_CONSUMER_OFFSET,
        &UpdateConsumerOffsetRequestHeader {
            consumer_group: group.into(),
            topic: topic.into(),
            queue_id: q,
            commit_offset: offset,
        },
    )
}

/// md5 of every file in a directory, by name.
pub fn md5_dir(dir: &Path) -> BTreeMap<String, String> {
    use md5::{Digest, Md5};
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let bytes = std::fs::read(e.path()).unwrap();
        out.insert(
            e.file_name().to_string_lossy().into_owned(),
            hex::encode(Md5::digest(&bytes)),
        );
    }
    out
}

/// The commitlog offset in an offset msgId (its last 16 hex digits).
pub fn msg_id_offset(msg_id: &str) -> i64 {
    i64::from_str_radix(&msg_id[msg_id.len() - 16..], 16).unwrap()
}

/// VIEW_MESSAGE_BY_ID of an offset msgId on `addr`: the message stored there (asserts SUCCESS).
pub async fn view_by_msg_id(c: &RemotingClient, addr: &str, msg_id: &str) -> DecodedMessage {
    let req = RemotingCommand::request(
        request::VIEW_MESSAGE_BY_ID,
        &ViewMessageRequestHeader {
            offset: msg_id_offset(msg_id),
        },
    );
    let r = invoke(c, addr, req).await;
    assert_eq!(r.code, response::SUCCESS, "{addr}: view {msg_id}: {:?}", r.remark);
    decode_records(&r.body).unwrap().remove(0)
}

use std::sync::Arc;

/// A TCP proxy to `target` that a test can cut and heal: a network partition between the
/// processes on either side. While cut, nothing passes in either direction and new connections
/// are accepted but not forwarded; bytes already sent wait (as TCP would retransmit them) and flow
/// again after [`Proxy::heal`]. Stops when dropped.
#[derive(Debug)]
pub struct Proxy {
    pub addr: String,
    cut: Arc<tokio::sync::watch::Sender<bool>>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    pub async fn start(target: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let cut = Arc::new(tokio::sync::watch::Sender::new(false));
        let cut2 = cut.clone();
        let task = tokio::spawn(async move {
            let mut conns = tokio::task::JoinSet::new();
            while let Ok((inbound, _)) = listener.accept().await {
                let (cut, target) = (cut2.clone(), target.clone());
                conns.spawn(async move {
                    let _ = cut.subscribe().wait_for(|c| !*c).await;
                    let Ok(outbound) = tokio::net::TcpStream::connect(&target).await else {
                        return;
                    };
                    let (ri, wi) = inbound.into_split();
                    let (ro, wo) = outbound.into_split();
                    tokio::join!(pipe(ri, wo, &cut), pipe(ro, wi, &cut));
                });
                while conns.try_join_next().is_some() {}
            }
        });
        Self { addr, cut, task }
    }

    /// Partitions: nothing passes until [`Proxy::heal`].
    pub fn cut(&self) {
        self.cut.send_replace(true);
    }

    pub fn heal(&self) {
        self.cut.send_replace(false);
    }
}

/// Copies `from` to `to`, holding each chunk while the proxy is cut.
async fn pipe(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    cut: &tokio::sync::watch::Sender<bool>,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut rx = cut.subscribe();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        if rx.wait_for(|c| !*c).await.is_err() {
            return;
        }
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => {
                let _ = to.shutdown().await;
                return;
            }
            Ok(n) => n,
        };
        if rx.wait_for(|c| !*c).await.is_err() || to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Raft RPC listeners bound up front (kept open and handed to each node, so no port is reused).
pub fn raft_listeners(n: usize) -> Vec<std::net::TcpListener> {
    (0..n)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap())
        .collect()
}

/// `dLegerPeers` for nodes n0, n1, ... listening on `listeners`.
pub fn dledger_peers(listeners: &[std::net::TcpListener]) -> String {
    listeners
        .iter()
        .enumerate()
        .map(|(i, l)| format!("n{i}-{}", l.local_addr().unwrap()))
        .collect::<Vec<_>>()
        .join(";")
}

/// The `RLIMIT_FSIZE` of process `pid` (a child of the test).
pub fn fsize_limit(pid: libc::pid_t) -> libc::rlimit {
    let mut old = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: prlimit(2) on our own child, reading into a valid struct.
    let rc = unsafe { libc::prlimit(pid, libc::RLIMIT_FSIZE, std::ptr::null(), &mut old) };
    assert_eq!(rc, 0, "prlimit: {}", std::io::Error::last_os_error());
    old
}

/// Sets the `RLIMIT_FSIZE` of process `pid` (a child of the test): writes past `soft` bytes of a
/// file then fail with EFBIG (brokers ignore SIGXFSZ).
pub fn set_fsize_limit(pid: libc::pid_t, soft: libc::rlim_t, hard: libc::rlim_t) {
    let new = libc::rlimit {
        rlim_cur: soft,
        rlim_max: hard,
    };
    // SAFETY: prlimit(2) on our own child with a valid struct.
    let rc = unsafe { libc::prlimit(pid, libc::RLIMIT_FSIZE, &new, std::ptr::null_mut()) };
    assert_eq!(rc, 0, "prlimit: {}", std::io::Error::last_os_error());
}

/// Whether `MQ_REQUIRE_ROOT_VARIANTS=1`: a root-only variant that cannot run fails its test
/// instead of falling back (see the module comment).
pub fn require_root_variants() -> bool {
    std::env::var("MQ_REQUIRE_ROOT_VARIANTS").is_ok_and(|v| v == "1")
}

/// Called when the root-only variant `wanted` of a test cannot run (`why`): fails the test under
/// `MQ_REQUIRE_ROOT_VARIANTS=1`, otherwise prints that the `fallback` variant runs instead.
pub fn root_variant_unavailable(wanted: &str, fallback: &str, why: &str) {
    assert!(
        !require_root_variants(),
        "MQ_REQUIRE_ROOT_VARIANTS=1 but the {wanted} variant cannot run here: {why}"
    );
    eprintln!("variant: {fallback} ({wanted} unavailable: {why})");
}

/// Whether every thread of process `pid` (a child of the test) is in a state `pred` accepts,
/// read from `/proc/<pid>/task/*/stat` (`R` running or runnable, `S` sleeping, `T` stopped...);
/// false when the process is gone.
pub fn all_threads(pid: u32, pred: impl Fn(char) -> bool) -> bool {
    std::fs::read_dir(format!("/proc/{pid}/task")).is_ok_and(|tasks| {
        tasks.flatten().all(|t| {
            std::fs::read_to_string(t.path().join("stat"))
                .ok()
                .and_then(|s| s.rsplit_once(") ").and_then(|(_, rest)| rest.chars().next()))
                .is_none_or(&pred)
        })
    })
}

/// Resident memory of process `pid` in KiB, from `/proc/<pid>/status`.
pub fn rss_kib_of(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/<pid>/status")
}
