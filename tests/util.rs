//! Helpers shared by the integration tests: running the real `mqadmin` binary and picking ports.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The finished `mqadmin` process.
#[derive(Debug)]
pub struct Run {
    /// Exit code (`None` if killed by a signal).
    pub code: Option<i32>,
    /// stdout, as UTF-8.
    pub stdout: String,
    /// stderr, as UTF-8.
    pub stderr: String,
}

/// A `Command` for the `mqadmin` binary under test, with a clean `NAMESRV_ADDR`.
pub fn mqadmin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mqadmin"));
    cmd.env_remove("NAMESRV_ADDR");
    cmd
}

/// Runs `mqadmin` with `args` and collects its output.
pub fn run(args: &[&str]) -> Run {
    run_cmd(mqadmin().args(args))
}

/// Runs a prepared command and collects its output.
pub fn run_cmd(cmd: &mut Command) -> Run {
    let out = cmd.output().expect("failed to start mqadmin");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

/// A local address nothing listens on (see [`crate::ports`]).
pub fn closed_addr() -> String {
    format!("127.0.0.1:{}", crate::ports::free_ports(1))
}

/// The real `mqnamesrv` binary running on a free loopback port, plus a
/// remoting client that registers brokers with it. The client's connection stays open for the
/// life of the value, because the name server forgets a broker when its connection closes.
pub struct Namesrv {
    /// `ip:port` the name server listens on.
    pub addr: String,
    runtime: tokio::runtime::Runtime,
    client: broker::remoting::RemotingClient,
    child: std::process::Child,
}

impl Namesrv {
    /// Starts the real `mqnamesrv` binary on a free loopback port and waits until it accepts.
    pub fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime");
        let addr = closed_addr();
        let bin = std::path::PathBuf::from(env!("CARGO_BIN_EXE_mqadmin")).with_file_name("mqnamesrv");
        assert!(
            bin.exists(),
            "{} is missing: run the tests with `cargo test --workspace`",
            bin.display()
        );
        let child = std::process::Command::new(bin)
            .args(["--listen", &addr])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn mqnamesrv");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while std::net::TcpStream::connect(&addr).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "mqnamesrv did not start listening on {addr}"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        Self {
            addr,
            runtime,
            client: broker::remoting::RemotingClient::default(),
            child,
        }
    }

    /// Registers `broker_addr` as id `broker_id` of `cluster`/`broker_name`, waiting for the
    /// name server's answer so the change is visible to the next request.
    pub fn register(&self, cluster: &str, broker_name: &str, broker_id: i64, broker_addr: &str) {
        use broker::remoting::body::{RegisterBrokerBody, TopicConfig};
        use broker::remoting::codes::{request, response};
        use broker::remoting::headers::RegisterBrokerRequestHeader;
        use broker::remoting::RemotingCommand;

        let mut body = RegisterBrokerBody::default();
        body.topic_config_serialize_wrapper
            .topic_config_table
            .insert("TopicTest".into(), TopicConfig::new("TopicTest", 4));
        let header = RegisterBrokerRequestHeader {
            broker_name: broker_name.into(),
            broker_addr: broker_addr.into(),
            cluster_name: cluster.into(),
            ha_server_addr: broker_addr.into(),
            broker_id,
            compressed: Some(false),
            body_crc32: None,
        };
        let req = RemotingCommand::request(request::REGISTER_BROKER, &header)
            .with_body(broker::json::to_vec(&body));
        let resp = self
            .runtime
            .block_on(
                self.client
                    .invoke(&self.addr, req, std::time::Duration::from_secs(5)),
            )
            .expect("REGISTER_BROKER answered");
        assert_eq!(resp.code, response::SUCCESS, "register failed: {:?}", resp.remark);
    }
}

impl Drop for Namesrv {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether the long variants run (`SOAK=1`), as in the broker's test binary.
pub fn soak() -> bool {
    std::env::var("SOAK").is_ok_and(|v| v == "1")
}

/// A server process of a test: killed (and continued, in case it was stopped) when dropped.
pub struct Proc(pub Child);

impl Proc {
    /// Sends `sig` to the process.
    pub fn signal(&self, sig: libc::c_int) {
        // SAFETY: kill(2) on a child this test spawned and has not reaped.
        let rc = unsafe { libc::kill(self.0.id() as libc::pid_t, sig) };
        assert_eq!(rc, 0, "kill({}, {sig})", self.0.id());
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A binary built beside `mqadmin` (`mqnamesrv`, `mqbroker`, `mqagent`).
pub fn sibling_bin(name: &str) -> PathBuf {
    let p = PathBuf::from(env!("CARGO_BIN_EXE_mqadmin")).with_file_name(name);
    assert!(
        p.exists(),
        "{} is missing: run the tests with `cargo test --workspace`",
        p.display()
    );
    p
}

/// Starts the real `mqnamesrv` on a free loopback port; returns its address and process.
pub fn namesrv_proc() -> (String, Proc) {
    let addr = closed_addr();
    let child = Command::new(sibling_bin("mqnamesrv"))
        .args(["--listen", &addr])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn mqnamesrv");
    (addr, Proc(child))
}

/// Starts `mqbroker -c conf`, its stderr in `conf` with the extension `log`.
pub fn broker_proc(conf: &Path) -> Proc {
    let log = std::fs::File::create(conf.with_extension("log")).unwrap();
    Proc(
        Command::new(sibling_bin("mqbroker"))
            .arg("-c")
            .arg(conf)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn mqbroker"),
    )
}

/// Writes the configs of a three-node DLedger group `group` of cluster `cluster` into `dir`
/// (`broker-n{i}.conf`, stores under `node{i}`, logs beside the configs) and starts its three
/// brokers: `Some` each, so that a test can stop one (`None`) and start it again from its
/// config. Returns them with their addresses (`127.0.0.1:port`), in node order.
pub fn start_dledger_group(
    dir: &Path,
    ns: &str,
    cluster: &str,
    group: &str,
) -> (Vec<Option<Proc>>, Vec<String>) {
    let ports: Vec<u16> = (0..3).map(|_| free_port_pair()).collect();
    let peers = (0..3)
        .map(|i| format!("n{i}-127.0.0.1:{}", free_port()))
        .collect::<Vec<_>>()
        .join(";");
    let mut procs = Vec::new();
    for (i, port) in ports.iter().enumerate() {
        let conf = dir.join(format!("broker-n{i}.conf"));
        let root = dir.join(format!("node{i}"));
        std::fs::write(
            &conf,
            format!(
                "brokerClusterName={cluster}\nbrokerName={group}\nlistenPort={port}\nnamesrvAddr={ns}\n\
                 brokerIP1=127.0.0.1\nstorePathRootDir={root}\nstorePathCommitLog={root}/commitlog\n\
                 enableDLegerCommitLog=true\ndLegerGroup={group}\ndLegerPeers={peers}\ndLegerSelfId=n{i}\n\
                 serverWorkerThreads=1\nmappedFileSizeCommitLog=4194304\n",
                root = root.display()
            ),
        )
        .unwrap();
        procs.push(Some(broker_proc(&conf)));
    }
    let addrs = ports.iter().map(|p| format!("127.0.0.1:{p}")).collect();
    (procs, addrs)
}

/// A port p with p + 1 free as well (listenPort and the HA port listenPort + 1).
pub fn free_port_pair() -> u16 {
    crate::ports::free_ports(2)
}

/// A free loopback port (see [`crate::ports`]).
pub fn free_port() -> u16 {
    crate::ports::free_ports(1)
}

/// Runs `mqadmin args` until `pred` holds (60 s at most), returning that run.
pub fn until(args: &[&str], what: &str, pred: impl Fn(&Run) -> bool) -> Run {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let r = run(args);
        if pred(&r) {
            return r;
        }
        assert!(Instant::now() < deadline, "never {what}: {args:?}; last: {r:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A run's stdout as JSON.
pub fn json(r: &Run) -> serde_json::Value {
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {r:?}"))
}
