//! The real `mqnamesrv` and `mqbroker` binaries as separate processes, seen through the real
//! `mqadmin clusterList`, including a `kill -9` of the broker and a restart on the same store.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{closed_addr, free_port_pair, run, sibling_bin, Proc};

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
    let port = free_port_pair();
    let conf = write_conf(dir.path(), "broker.conf", port, &ns_addr);
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

    // A second broker on the same store is refused with exit code 2 by the store's lock, which
    // the restarted broker holds again. It listens on ports of its own: mqbroker binds its ports
    // before it opens the store, so with the first broker's listenPort it would stop at the port
    // and never reach the lock (that case is checked below).
    let lock = dir.path().join("store/lock");
    let other = write_conf(dir.path(), "second.conf", free_port_pair(), &ns_addr);
    let (code, stderr) = run_to_exit(&other, &dir.path().join("second.stderr"));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "mqbroker: Lock failed, MQ already started: `{}` is locked",
            lock.display()
        )),
        "{stderr}"
    );

    // The same config file again: refused at its listenPort, before the store is touched.
    let (code, stderr) = run_to_exit(&conf, &dir.path().join("same.stderr"));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("mqbroker: cannot listen on 0.0.0.0:{port}: ")),
        "{stderr}"
    );
    assert!(!stderr.contains("Lock failed"), "{stderr}");

    // Neither attempt disturbed the running broker: it is still registered, with its version.
    wait_for_cluster_list(&ns_addr, |s| s.contains(&broker_addr) && s.contains("V4_9_7"));
}

/// Runs `mqbroker -c conf` (stderr to the file `stderr`) and returns its exit code and stderr;
/// fails if it is still running after 20 s, as a broker that was not refused would be.
fn run_to_exit(conf: &Path, stderr: &Path) -> (Option<i32>, String) {
    let mut child = Proc(
        Command::new(sibling_bin("mqbroker"))
            .arg("-c")
            .arg(conf)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(stderr).unwrap())
            .spawn()
            .expect("spawn mqbroker"),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "mqbroker -c {} is still running: {}",
            conf.display(),
            std::fs::read_to_string(stderr).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    (status.code(), std::fs::read_to_string(stderr).unwrap())
}

/// Writes the broker config `name` in `dir`: broker-real of RealCluster on `port`, its store in
/// `dir/store`.
fn write_conf(dir: &Path, name: &str, port: u16, ns_addr: &str) -> PathBuf {
    let conf = dir.join(name);
    std::fs::write(
        &conf,
        format!(
            "brokerClusterName = RealCluster\nbrokerName=broker-real\nlistenPort={port}\nnamesrvAddr={ns_addr}\n\
             brokerIP1=127.0.0.1\nbrokerIP2=127.0.0.1\nstorePathRootDir={}\nmappedFileSizeCommitLog=1048576\n",
            dir.join("store").display()
        ),
    )
    .unwrap();
    conf
}
