//! The real `mqnamesrv` and `mqbroker` binaries as separate processes, seen through the real
//! `mqadmin clusterList`, including a `kill -9` of the broker and a restart on the same store.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{closed_addr, run};

/// Kills the child when dropped, so a failing test leaves no process behind.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn sibling_bin(name: &str) -> PathBuf {
    let p = PathBuf::from(env!("CARGO_BIN_EXE_mqadmin")).with_file_name(name);
    assert!(
        p.exists(),
        "{} is missing: run the tests with `cargo test --workspace`",
        p.display()
    );
    p
}

fn spawn(cmd: &mut Command) -> Proc {
    Proc(
        cmd.stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn server"),
    )
}

/// Polls `clusterList` until `pred` holds on its stdout (bounded).
fn wait_for_cluster_list(ns: &str, pred: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let r = run(&["-n", ns, "clusterList"]);
        if r.code == Some(0) && pred(&r.stdout) {
            return r.stdout;
        }
        assert!(
            Instant::now() < deadline,
            "clusterList never matched; last: {r:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn cluster_list_shows_a_real_broker_and_survives_kill_9() {
    let ns_addr = closed_addr();
    let _ns = spawn(Command::new(sibling_bin("mqnamesrv")).args(["--listen", &ns_addr]));
    let dir = tempfile::tempdir().unwrap();
    // Two consecutive free ports are needed (listenPort and the HA port listenPort + 1).
    let port = loop {
        let a = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let p = a.local_addr().unwrap().port();
        if p < 65535 && std::net::TcpListener::bind(("0.0.0.0", p + 1)).is_ok() {
            break p;
        }
    };
    let conf = dir.path().join("broker.conf");
    std::fs::write(
        &conf,
        format!(
            "brokerClusterName = RealCluster\nbrokerName=broker-real\nlistenPort={port}\nnamesrvAddr={ns_addr}\n\
             brokerIP1=127.0.0.1\nbrokerIP2=127.0.0.1\nstorePathRootDir={}\nmappedFileSizeCommitLog=1048576\n",
            dir.path().join("store").display()
        ),
    )
    .unwrap();
    let broker_addr = format!("127.0.0.1:{port}");
    let mut broker = spawn(Command::new(sibling_bin("mqbroker")).arg("-c").arg(&conf));
    let out = wait_for_cluster_list(&ns_addr, |s| s.contains(&broker_addr));
    let row = out
        .lines()
        .find(|l| l.contains(&broker_addr))
        .unwrap()
        .to_string();
    assert!(
        row.starts_with("RealCluster       broker-real             0     "),
        "{row}"
    );
    assert!(row.contains("V4_9_7"), "{row}");
    assert!(
        out.starts_with("#Cluster Name     #Broker Name            #BID  #Addr"),
        "{out}"
    );

    // kill -9, then a restart on the same store recovers and registers again.
    broker.0.kill().unwrap();
    broker.0.wait().unwrap();
    assert!(
        dir.path().join("store/abort").exists(),
        "abort marker left by the crash"
    );
    drop(broker);
    let _broker = spawn(Command::new(sibling_bin("mqbroker")).arg("-c").arg(&conf));
    wait_for_cluster_list(&ns_addr, |s| s.contains(&broker_addr) && s.contains("V4_9_7"));

    // A second broker on the same store is refused with exit code 2.
    let second = Command::new(sibling_bin("mqbroker"))
        .arg("-c")
        .arg(&conf)
        .output()
        .unwrap();
    assert_eq!(second.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&second.stderr).contains("listen")
            || String::from_utf8_lossy(&second.stderr).contains("Lock failed")
    );
}
