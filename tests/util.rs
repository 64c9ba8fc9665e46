//! Helpers shared by the integration tests: running the real `mqadmin` binary and picking ports.

use std::process::Command;

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

/// A local address nothing listens on: bind port 0, note the port, close the listener.
pub fn closed_addr() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local addr").to_string();
    drop(listener);
    addr
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
