//! Issue "Tests that can fail": `mqadmin fast-try start|status|stop` (what the README's first
//! command, `bin/dledger/fast-try.sh start`, runs) and `startBroker`/`shutdownBroker`, through the
//! real binaries. fast-try gets the shipped `conf/dledger` configs with free ports in place of the
//! fixed 30911.. / 40911.. (and `--namesrv-port` instead of 9876), and `--store-root` in a temp
//! dir, so it runs beside the other tests without taking a port they use.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::upgrade_group::{free_port, write_conf, KillUnder};
use crate::util::{closed_addr, mqadmin, run, run_cmd, Namesrv, Run};

/// Whether `pid` runs (exists and is not a zombie).
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        !stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z'))
    })
}

fn cmdline(pid: u32) -> String {
    let bytes = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    String::from_utf8_lossy(&bytes).replace('\0', " ")
}

/// SIGKILLs, when dropped, every process fast-try recorded in its state file (or that the test
/// saw in it), should the test fail before `stop`.
struct KillFastTry {
    state: PathBuf,
    seen: Vec<u32>,
}

impl KillFastTry {
    fn pids_in_state(&self) -> Vec<u32> {
        let Ok(text) = std::fs::read_to_string(&self.state) else {
            return Vec::new();
        };
        let state: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        state["processes"]
            .as_array()
            .map(|ps| {
                ps.iter()
                    .filter_map(|p| p["pid"].as_u64().map(|pid| pid as u32))
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Drop for KillFastTry {
    fn drop(&mut self) {
        let mut pids = self.pids_in_state();
        pids.extend(&self.seen);
        for pid in pids {
            let cmd = cmdline(pid);
            if alive(pid) && (cmd.contains("mqbroker") || cmd.contains("mqnamesrv")) {
                // SAFETY: kill(2) on a mqbroker/mqnamesrv that this test's fast-try started.
                unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
            }
        }
    }
}

/// The shipped `conf/dledger/broker-n{0,1,2}.conf` with `listenPort` and `dLegerPeers` moved to
/// `ports` and `peer_ports`; everything else as shipped.
fn shipped_configs_on(dir: &Path, ports: [u16; 3], peer_ports: [u16; 3]) {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("conf/dledger");
    let peers = (0..3)
        .map(|i| format!("n{i}-127.0.0.1:{}", peer_ports[i]))
        .collect::<Vec<_>>()
        .join(";");
    for (i, port) in ports.iter().enumerate() {
        let name = format!("broker-n{i}.conf");
        let text = std::fs::read_to_string(shipped.join(&name)).unwrap();
        assert!(
            text.contains("listenPort=") && text.contains("dLegerPeers="),
            "{text}"
        );
        let text: String = text
            .lines()
            .map(|l| {
                if l.starts_with("listenPort=") {
                    format!("listenPort={port}\n")
                } else if l.starts_with("dLegerPeers=") {
                    format!("dLegerPeers={peers}\n")
                } else {
                    format!("{l}\n")
                }
            })
            .collect();
        std::fs::write(dir.join(name), text).unwrap();
    }
}

/// clusterList rows (JSON) of the shipped group `RaftNode00`.
fn group_rows(ns: &str) -> Vec<serde_json::Value> {
    let r = run(&["-n", ns, "clusterList", "--output", "json"]);
    if r.code != Some(0) {
        return Vec::new();
    }
    let rows: Vec<serde_json::Value> = serde_json::from_str(&r.stdout).unwrap_or_default();
    rows.into_iter()
        .filter(|row| row["brokerName"] == "RaftNode00")
        .collect()
}

/// Retries `args` until it exits 0 (a young leader may still refuse writes, a route may still be
/// on its way), for up to 60 s.
fn until_ok(args: &[&str]) -> Run {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let r = run(args);
        if r.code == Some(0) {
            return r;
        }
        assert!(Instant::now() < deadline, "{args:?} never succeeded: {r:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn fast_try_starts_a_dledger_group_reports_it_and_stops_twice() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("conf");
    let root = dir.path().join("store");
    std::fs::create_dir_all(&conf).unwrap();
    let ports = [free_port(), free_port(), free_port()];
    let peer_ports = [free_port(), free_port(), free_port()];
    let ns_port = free_port();
    let ns = format!("127.0.0.1:{ns_port}");
    shipped_configs_on(&conf, ports, peer_ports);
    let mut guard = KillFastTry {
        state: root.join("fast-try.json"),
        seen: Vec::new(),
    };
    let fast_try = |action: &str, extra: &[&str]| {
        let mut cmd = mqadmin();
        cmd.args(extra).args(["fast-try", action]);
        cmd.arg("--conf-dir").arg(&conf).arg("--store-root").arg(&root);
        cmd.args(["--namesrv-port", &ns_port.to_string(), "--timeout", "60"]);
        run_cmd(&mut cmd)
    };

    // Nothing runs yet: status says so and how to start.
    let r = fast_try("status", &[]);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(
        r.stderr
            .contains("fast-try is not running; start it with: mqadmin fast-try start"),
        "{r:?}"
    );

    // start: returns once a leader is registered, printing the cluster list.
    let r = fast_try("start", &[]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(r.stdout.starts_with("#Cluster Name"), "{r:?}");
    assert!(
        r.stdout.lines().any(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            cols.len() > 3 && cols[0] == "RaftCluster" && cols[1] == "RaftNode00" && cols[2] == "0"
        }),
        "a BID 0 row: {}",
        r.stdout
    );
    assert!(r.stderr.contains("stop with: mqadmin fast-try stop"), "{r:?}");

    // status: the four processes, each with a live pid of the right binary and its ports.
    let r = fast_try("status", &["--output", "json"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let state: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(state["namesrvAddr"], ns.as_str());
    let procs = state["processes"].as_array().unwrap();
    let names: Vec<&str> = procs.iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["namesrv", "n0", "n1", "n2"]);
    let mut pids = Vec::new();
    for (i, p) in procs.iter().enumerate() {
        let pid = p["pid"].as_u64().unwrap() as u32;
        guard.seen.push(pid);
        pids.push(pid);
        assert_eq!(p["alive"], true, "{p}");
        assert!(alive(pid), "{p}");
        let bin = if i == 0 { "mqnamesrv" } else { "mqbroker" };
        assert!(cmdline(pid).contains(bin), "{pid}: {}", cmdline(pid));
        let want: Vec<u16> = if i == 0 {
            vec![ns_port]
        } else {
            vec![ports[i - 1], peer_ports[i - 1]]
        };
        let got: Vec<u16> = p["ports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as u16)
            .collect();
        assert_eq!(got, want, "{p}");
    }
    let r = fast_try("status", &[]);
    assert_eq!(r.code, Some(0), "{r:?}");
    for (name, pid) in names.iter().zip(&pids) {
        assert!(
            r.stdout.lines().any(|l| {
                let cols: Vec<&str> = l.split_whitespace().collect();
                cols.len() > 2 && cols[0] == *name && cols[1] == pid.to_string() && cols[2] == "running"
            }),
            "{name} (pid {pid}) running: {}",
            r.stdout
        );
    }

    // The group: one BID 0 and two followers, on our three ports.
    let deadline = Instant::now() + Duration::from_secs(60);
    let rows = loop {
        let rows = group_rows(&ns);
        let ids: BTreeSet<i64> = rows.iter().filter_map(|r| r["brokerId"].as_i64()).collect();
        if rows.len() == 3
            && ids.len() == 3
            && ids.contains(&0)
            && rows.iter().all(|r| r.get("error").is_none())
        {
            break rows;
        }
        assert!(
            Instant::now() < deadline,
            "never one leader and two followers: {rows:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    let addr_ports: BTreeSet<u16> = rows
        .iter()
        .map(|r| {
            r["addr"]
                .as_str()
                .unwrap()
                .rsplit(':')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    assert_eq!(addr_ports, ports.into_iter().collect(), "{rows:?}");

    // A message goes in.
    until_ok(&[
        "-n",
        &ns,
        "updateTopic",
        "-t",
        "FastTryTopic",
        "-c",
        "RaftCluster",
    ]);
    let r = until_ok(&[
        "-n",
        &ns,
        "sendMessage",
        "-t",
        "FastTryTopic",
        "-p",
        "hello fast-try",
    ]);
    assert!(
        r.stdout.contains("SEND_OK") && r.stdout.contains("RaftNode00"),
        "{r:?}"
    );

    // stop: every process stopped (gracefully), none left.
    let r = fast_try("stop", &[]);
    assert_eq!(r.code, Some(0), "{r:?}");
    for (name, pid) in names.iter().zip(&pids) {
        assert!(r.stderr.contains(&format!("stopped {name} (pid {pid})")), "{r:?}");
        assert!(!alive(*pid), "{name} (pid {pid}) still runs after stop");
    }
    assert!(!guard.state.exists(), "the state file is removed");
    let r = fast_try("status", &[]);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(r.stderr.contains("not running"), "{r:?}");

    // A second stop is fine and says what to do next.
    let r = fast_try("stop", &[]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(
        r.stderr
            .contains("fast-try is not running; start it with: mqadmin fast-try start"),
        "{r:?}"
    );
}

#[test]
fn start_broker_serves_then_shutdown_broker_stops_it() {
    let ns = Namesrv::start();
    let dir = tempfile::tempdir().unwrap();
    let _guard = KillUnder(dir.path().display().to_string());
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let store = dir.path().join("store");
    let conf = dir.path().join("broker.conf");
    write_conf(
        &conf,
        &[
            ("brokerClusterName", "ProcCluster".into()),
            ("brokerName", "broker-proc".into()),
            ("listenPort", port.to_string()),
            ("namesrvAddr", ns.addr.clone()),
            ("brokerIP1", "127.0.0.1".into()),
            ("storePathRootDir", store.display().to_string()),
            ("mappedFileSizeCommitLog", "65536".into()),
        ],
    );
    let broker = |cmd: &str, extra: &[&str]| {
        let mut c = mqadmin();
        c.args(["--output", "json", cmd, "-c"]).arg(&conf).args(extra);
        run_cmd(&mut c)
    };

    let r = broker("startBroker", &[]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let report: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(report["action"], "started", "{report}");
    let pid = report["pids"][0].as_u64().unwrap() as u32;
    assert!(
        alive(pid) && cmdline(pid).contains("mqbroker"),
        "{pid}: {}",
        cmdline(pid)
    );
    assert!(
        store.join("mqbroker.log").exists(),
        "its log is in the store root"
    );

    // It serves: registered with the name server, and takes a message.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let r = run(&["-n", &ns.addr, "clusterList", "--output", "json"]);
        let rows: Vec<serde_json::Value> = serde_json::from_str(&r.stdout).unwrap_or_default();
        if rows.iter().any(|row| {
            row["brokerName"] == "broker-proc" && row["addr"] == addr.as_str() && row.get("error").is_none()
        }) {
            break;
        }
        assert!(Instant::now() < deadline, "the broker never registered: {r:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
    until_ok(&["-n", &ns.addr, "updateTopic", "-t", "ProcTopic", "-b", &addr]);
    let r = until_ok(&["-n", &ns.addr, "sendMessage", "-t", "ProcTopic", "-p", "hello"]);
    assert!(r.stdout.contains("SEND_OK"), "{r:?}");

    // A second start is refused, naming the running pid; nothing else is started.
    let r = broker("startBroker", &[]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(
        r.stderr.contains("already running") && r.stderr.contains(&pid.to_string()),
        "{r:?}"
    );
    assert_eq!(mqadmin::ops::node::process::find_broker_pids(&conf), vec![pid]);

    // shutdownBroker: the process is gone when it returns, the port closed.
    let r = broker("shutdownBroker", &["--timeout", "30"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let report: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(report["action"], "stopped", "{report}");
    assert_eq!(report["pids"][0].as_u64(), Some(u64::from(pid)), "{report}");
    assert!(
        !alive(pid),
        "mqbroker (pid {pid}) still runs after shutdownBroker"
    );
    assert!(
        std::net::TcpStream::connect(&addr).is_err(),
        "{addr} still accepts"
    );
    assert!(mqadmin::ops::node::process::find_broker_pids(&conf).is_empty());

    // Again: nothing to stop, success, and the way to start it.
    let r = broker("shutdownBroker", &[]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let report: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(report["action"], "not running", "{report}");
    assert!(
        r.stderr.contains("start it with `mqadmin startBroker -c"),
        "{r:?}"
    );
}

/// Whether something listens on `port` bound to 127.0.0.1 only (from `/proc/net/tcp`).
fn listens_on_loopback_only(port: u16) -> bool {
    let text = std::fs::read_to_string("/proc/net/tcp").unwrap_or_default();
    let mut binds = text.lines().skip(1).filter_map(|l| {
        let cols: Vec<&str> = l.split_whitespace().collect();
        let (ip, p) = cols.get(1)?.split_once(':')?;
        (cols.get(3) == Some(&"0A") && u16::from_str_radix(p, 16).ok() == Some(port)).then(|| ip.to_string())
    });
    binds.next().is_some_and(|ip| ip == "0100007F")
}

/// Issue 20 items 1, 4, 5 and 12: `stop`/`status` work from `/` (from the state file, the configs
/// being unreadable there), a second `start` refuses before rewriting the running nodes' config
/// copies, a killed node comes back with `start-node` and is stopped by `stop`, and the name
/// server listens on loopback with the brokers advertising 127.0.0.1.
#[test]
fn issue20_fast_try_works_from_anywhere_and_brings_back_a_killed_node() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("conf");
    // The configs' own store root (no --store-root), under $TMPDIR/rmqstore as /tmp/rmqstore is.
    let root = dir.path().join("rmqstore");
    std::fs::create_dir_all(&conf).unwrap();
    let ports = [free_port(), free_port(), free_port()];
    let peer_ports = [free_port(), free_port(), free_port()];
    let ns_port = free_port();
    let ns = format!("127.0.0.1:{ns_port}");
    shipped_configs_on(&conf, ports, peer_ports);
    for i in 0..3 {
        let path = conf.join(format!("broker-n{i}.conf"));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("/tmp/rmqstore/"), "{text}");
        std::fs::write(&path, text.replace("/tmp/rmqstore", &root.display().to_string())).unwrap();
    }
    let mut guard = KillFastTry {
        state: root.join("fast-try.json"),
        seen: Vec::new(),
    };
    // From `/`, with only TMPDIR saying where the default store root is.
    let from_root = |args: &[&str]| {
        let mut cmd = mqadmin();
        cmd.current_dir("/").env("TMPDIR", dir.path()).args(args);
        run_cmd(&mut cmd)
    };
    let start = || {
        let mut cmd = mqadmin();
        cmd.current_dir("/").env("TMPDIR", dir.path());
        cmd.args(["fast-try", "start", "--conf-dir"]).arg(&conf);
        cmd.args(["--namesrv-port", &ns_port.to_string(), "--timeout", "60"]);
        run_cmd(&mut cmd)
    };
    let r = start();
    assert_eq!(r.code, Some(0), "{r:?}");
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&guard.state).unwrap()).unwrap();
    guard.seen.extend(
        state["processes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["pid"].as_u64().unwrap() as u32),
    );
    assert!(
        listens_on_loopback_only(ns_port),
        "the name server binds 127.0.0.1"
    );
    for port in ports.iter().chain(&peer_ports) {
        assert!(listens_on_loopback_only(*port), "a broker binds 127.0.0.1:{port}");
    }
    let rows = group_rows(&ns);
    assert!(!rows.is_empty(), "no rows");
    for row in &rows {
        assert!(
            row["addr"].as_str().unwrap().starts_with("127.0.0.1:"),
            "brokers advertise 127.0.0.1: {row}"
        );
    }

    // A second start refuses and leaves the running nodes' config copies as they are.
    let copy = root.join("fast-try-conf/broker-n0.conf");
    let before = std::fs::read(&copy).unwrap();
    let mut src = std::fs::read_to_string(conf.join("broker-n0.conf")).unwrap();
    src.push_str("sendMessageThreadPoolNums=4\n");
    std::fs::write(conf.join("broker-n0.conf"), src).unwrap();
    let r = start();
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(
        r.stderr.contains("already running") && r.stderr.contains("nothing was changed"),
        "{r:?}"
    );
    assert_eq!(
        std::fs::read(&copy).unwrap(),
        before,
        "the config copy was rewritten"
    );

    // status from `/` (conf/dledger does not exist there).
    let r = from_root(&["fast-try", "status", "--output", "json"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let st: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let n1 = st["processes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "n1")
        .unwrap()
        .clone();
    let old_pid = n1["pid"].as_u64().unwrap() as u32;

    // Kill n1: status names it and says how to bring it back; start-node does.
    // SAFETY: kill(2) on the mqbroker this test's fast-try started.
    unsafe { libc::kill(old_pid as libc::pid_t, libc::SIGKILL) };
    let deadline = Instant::now() + Duration::from_secs(10);
    while alive(old_pid) {
        assert!(Instant::now() < deadline, "n1 survived SIGKILL");
        std::thread::sleep(Duration::from_millis(20));
    }
    let r = from_root(&["fast-try", "status"]);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(
        r.stderr
            .contains("n1 is stopped; bring it back with: mqadmin fast-try start-node n1"),
        "{r:?}"
    );
    let r = from_root(&["fast-try", "start-node", "n1", "--timeout", "60"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(r.stderr.contains("started n1 (pid"), "{r:?}");
    let r = from_root(&["fast-try", "start-node", "n1"]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stderr.contains("n1 is already running"), "{r:?}");
    let r = from_root(&["fast-try", "start-node", "n7"]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stderr.contains("no node n7"), "{r:?}");
    let r = from_root(&["fast-try", "status", "--output", "json"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let st: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let pids: Vec<u32> = st["processes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["pid"].as_u64().unwrap() as u32)
        .collect();
    guard.seen.extend(&pids);
    assert!(!pids.contains(&old_pid), "{pids:?}");

    // n2 killed and brought back by hand (startBroker with its config copy): status finds it on
    // its port and tracks the new pid, so stop stops it too.
    let n2_pid = pids[3];
    // SAFETY: kill(2) on the mqbroker this test's fast-try started.
    unsafe { libc::kill(n2_pid as libc::pid_t, libc::SIGKILL) };
    let deadline = Instant::now() + Duration::from_secs(10);
    while alive(n2_pid) {
        assert!(Instant::now() < deadline, "n2 survived SIGKILL");
        std::thread::sleep(Duration::from_millis(20));
    }
    let copy = root.join("fast-try-conf/broker-n2.conf");
    let r = run_cmd(
        mqadmin()
            .args(["--output", "json", "startBroker", "-c"])
            .arg(&copy),
    );
    assert_eq!(r.code, Some(0), "{r:?}");
    let by_hand = serde_json::from_str::<serde_json::Value>(&r.stdout).unwrap()["pids"][0]
        .as_u64()
        .unwrap() as u32;
    guard.seen.push(by_hand);
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", ports[2])).is_err() {
        assert!(Instant::now() < deadline, "n2 never listened again");
        std::thread::sleep(Duration::from_millis(50));
    }
    let r = from_root(&["fast-try", "status", "--output", "json"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let st: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(st["processes"][3]["name"], "n2");
    assert_eq!(
        st["processes"][3]["pid"].as_u64(),
        Some(u64::from(by_hand)),
        "{st}"
    );
    let pids: Vec<u32> = st["processes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["pid"].as_u64().unwrap() as u32)
        .collect();

    // stop from `/` stops all four, the restarted nodes included.
    let r = from_root(&["fast-try", "stop"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    for pid in &pids {
        assert!(r.stderr.contains(&format!("(pid {pid})")), "{r:?}");
        assert!(!alive(*pid), "pid {pid} still runs after stop");
    }
    assert!(!guard.state.exists());
}

/// Issue 20 item 2: `shutdownBroker -c` a config no running mqbroker was started with, while
/// another broker holds that store's lock (a fast-try node and its shipped config), fails at once
/// naming the holder; with the right config it says at once what it waits for.
#[test]
fn issue20_shutdown_broker_names_the_lock_holder_and_says_what_it_waits_for() {
    let ns = Namesrv::start();
    let dir = tempfile::tempdir().unwrap();
    let _guard = KillUnder(dir.path().display().to_string());
    let port = free_port();
    let store = dir.path().join("store");
    let conf = dir.path().join("broker.conf");
    let entries = [
        ("brokerClusterName", "ProcCluster".to_string()),
        ("brokerName", "broker-lock".into()),
        ("listenPort", port.to_string()),
        ("namesrvAddr", ns.addr.clone()),
        ("brokerIP1", "127.0.0.1".into()),
        ("storePathRootDir", store.display().to_string()),
        ("mappedFileSizeCommitLog", "65536".into()),
    ];
    write_conf(&conf, &entries);
    // The same store under another config file: no mqbroker runs with it.
    let other = dir.path().join("copy-of-broker.conf");
    write_conf(&other, &entries);
    let r = run_cmd(mqadmin().arg("startBroker").arg("-c").arg(&conf));
    assert_eq!(r.code, Some(0), "{r:?}");
    let pid = mqadmin::ops::node::process::find_broker_pids(&conf)[0];
    let deadline = Instant::now() + Duration::from_secs(30);
    while !store.join("lock").exists() || std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the broker never took its lock");
        std::thread::sleep(Duration::from_millis(50));
    }

    let started = Instant::now();
    let r = run_cmd(
        mqadmin()
            .arg("shutdownBroker")
            .arg("-c")
            .arg(&other)
            .args(["--timeout", "60"]),
    );
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "it waited: {:?}",
        started.elapsed()
    );
    assert!(
        r.stderr.contains(&format!("is held by pid {pid}: ")) && r.stderr.contains("mqbroker"),
        "{r:?}"
    );
    assert!(alive(pid), "the other broker was not touched");

    let r = run_cmd(mqadmin().arg("shutdownBroker").arg("-c").arg(&conf));
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(
        r.stderr.contains(&format!(
            "sent SIGTERM to mqbroker (pid {pid}); waiting up to 60 s"
        )),
        "{r:?}"
    );
    assert!(!alive(pid));
}

/// Issue 20 item 18: `startBroker` on a taken port prints the broker's last error line, not only
/// where its log is.
#[test]
fn issue20_start_broker_on_a_taken_port_prints_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let _guard = KillUnder(dir.path().display().to_string());
    let taken = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let conf = dir.path().join("broker.conf");
    write_conf(
        &conf,
        &[
            ("brokerClusterName", "ProcCluster".into()),
            ("brokerName", "broker-taken".into()),
            ("listenPort", port.to_string()),
            ("namesrvAddr", closed_addr()),
            ("brokerIP1", "127.0.0.1".into()),
            ("storePathRootDir", dir.path().join("store").display().to_string()),
            ("mappedFileSizeCommitLog", "65536".into()),
        ],
    );
    let r = run_cmd(mqadmin().arg("startBroker").arg("-c").arg(&conf));
    assert_eq!(r.code, Some(2), "{r:?}");
    let line = r.stderr.lines().next().unwrap_or_default();
    assert!(line.contains("exited at start-up: "), "{r:?}");
    assert!(
        line.to_lowercase().contains("address") || line.contains(&port.to_string()),
        "{r:?}"
    );
    drop(taken);
}
