//! Issue 16 "seeing the Raft group": `dledger-status` and `cluster-health` against real
//! `mqnamesrv`/`mqbroker` processes: a 3-node DLedger group whose follower is SIGSTOPped
//! (unreachable, its lag grows on the leader, health exit 1) and continued (healthy again within
//! `--wait`), a Master/Slave pair whose slave is killed and restarted, a classic single broker,
//! a server that does not know GET_REPLICA_STATUS, and no name server at all.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::{
    broker_proc, closed_addr, free_port_pair, json, namesrv_proc, run, start_dledger_group, until, Namesrv,
};

/// The nodes of the only group of a `dledger-status --output json` report.
fn nodes(report: &Value) -> Vec<Value> {
    let groups = report["groups"].as_array().expect("groups");
    assert_eq!(groups.len(), 1, "{report}");
    groups[0]["nodes"].as_array().expect("nodes").clone()
}

fn create_topic(ns: &str, cluster: &str, topic: &str) {
    until(
        &["-n", ns, "updateTopic", "-t", topic, "-c", cluster],
        "created",
        |r| r.code == Some(0),
    );
}

fn send(ns: &str, topic: &str, n: usize) {
    for i in 0..n {
        let body = format!("m{i}");
        let r = until(
            &["-n", ns, "sendMessage", "-t", topic, "-p", &body],
            "sent",
            |r| r.code == Some(0),
        );
        assert!(r.stdout.contains("SEND_OK"), "{r:?}");
    }
}

#[test]
fn dledger_follower_stopped_and_continued() {
    let (ns, _ns_proc) = namesrv_proc();
    let dir = tempfile::tempdir().unwrap();
    let (mut procs, _) = start_dledger_group(dir.path(), &ns, "RaftCluster", "RaftNode00");

    // Healthy once a leader is elected and every node is registered.
    let r = run(&["-n", &ns, "cluster-health", "--wait", "90"]);
    let logs = || {
        (0..3)
            .map(|i| std::fs::read_to_string(dir.path().join(format!("broker-n{i}.log"))).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n---\n")
    };
    assert_eq!(r.code, Some(0), "{r:?}\n{}", logs());
    assert!(r.stdout.ends_with("healthy\n"), "{r:?}");
    assert!(
        r.stdout.contains("RaftNode00") && r.stdout.contains("dledger"),
        "{r:?}"
    );
    assert!(r.stdout.contains("3/3"), "{r:?}");
    assert!(!r.stdout.contains("problem:"), "{r:?}");

    let r = run(&[
        "-n",
        &ns,
        "dledger-status",
        "-c",
        "RaftCluster",
        "--output",
        "json",
    ]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let report = json(&r);
    assert_eq!(report["groups"][0]["mode"], "dledger", "{report}");
    let ns_nodes = nodes(&report);
    assert_eq!(ns_nodes.len(), 3, "{report}");
    let leaders: Vec<&Value> = ns_nodes.iter().filter(|n| n["role"] == "Leader").collect();
    assert_eq!(leaders.len(), 1, "{report}");
    let leader = leaders[0];
    assert_eq!(leader["brokerId"], 0, "{report}");
    let term = &leader["status"]["raft"]["term"];
    assert!(term.as_u64().unwrap() >= 1, "{report}");
    for n in &ns_nodes {
        let raft = &n["status"]["raft"];
        assert_eq!(&raft["term"], term, "{report}");
        assert_eq!(raft["members"].as_array().unwrap().len(), 3, "{report}");
        assert!(n["status"]["diskUsedRatio"].as_f64().is_some(), "{report}");
        assert_eq!(n["status"]["firstDataFile"], "00000000000000000000", "{report}");
        if n["role"] == "Follower" {
            assert!(n["brokerId"].as_i64().unwrap() > 0, "{report}");
            assert!(n["millisSinceLeaderContact"].as_u64().is_some(), "{report}");
        }
    }
    assert_eq!(
        leader["status"]["raft"]["followers"].as_array().unwrap().len(),
        2,
        "{report}"
    );

    // The table names every column and every node.
    let r = run(&["-n", &ns, "dledger-status"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let header = r.stdout.lines().next().unwrap();
    for col in [
        "GROUP",
        "SELF",
        "ROLE",
        "TERM",
        "COMMITTED",
        "APPLIED",
        "LAG",
        "CONTACT",
        "FILES",
        "DISK",
    ] {
        assert!(header.contains(col), "{r:?}");
    }
    assert_eq!(r.stdout.lines().count(), 4, "{r:?}");
    assert!(
        r.stdout.contains("Leader") && r.stdout.contains("Follower"),
        "{r:?}"
    );
    assert!(r.stdout.contains("acks n"), "{r:?}");

    // Stop a follower (SIGSTOP): it still is registered but does not answer.
    let follower = ns_nodes.iter().find(|n| n["role"] == "Follower").unwrap();
    let f_addr = follower["addr"].as_str().unwrap().to_string();
    let f_self = follower["status"]["raft"]["selfId"].as_str().unwrap().to_string();
    let f_index: usize = f_self[1..].parse().unwrap();
    create_topic(&ns, "RaftCluster", "TopicTest");
    procs[f_index].as_ref().unwrap().signal(libc::SIGSTOP);
    send(&ns, "TopicTest", 5);

    let r = until(
        &["-n", &ns, "dledger-status", "--output", "json"],
        "lag shown",
        |r| {
            r.code == Some(1)
                && json(r)["groups"][0]["nodes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|n| n["lagEntries"].as_u64().is_some_and(|l| l >= 5))
        },
    );
    assert!(
        r.stderr.contains(&format!("node {f_addr}")) && r.stderr.contains("unreachable"),
        "{r:?}"
    );
    let report = json(&r);
    let stopped = nodes(&report)
        .into_iter()
        .find(|n| n["addr"] == f_addr.as_str())
        .unwrap();
    assert_eq!(stopped["error"]["kind"], "unreachable", "{report}");
    assert_eq!(stopped["role"], "-", "{report}");
    // Its lag is the leader's view of it.
    assert!(stopped["lagEntries"].as_u64().unwrap() >= 5, "{report}");
    let leader = nodes(&report)
        .into_iter()
        .find(|n| n["role"] == "Leader")
        .unwrap();
    let progress = leader["status"]["raft"]["followers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["selfId"] == f_self.as_str())
        .cloned()
        .unwrap();
    assert!(progress["lagEntries"].as_u64().unwrap() >= 5, "{report}");
    let lag_before = progress["lagEntries"].as_u64().unwrap();
    // The table shows the stopped node.
    let r = run(&["-n", &ns, "dledger-status"]);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(
        r.stdout
            .lines()
            .any(|l| l.contains(&f_addr) && l.contains("unreachable")),
        "{r:?}"
    );

    // More writes: its lag grows.
    send(&ns, "TopicTest", 3);
    let r = run(&["-n", &ns, "dledger-status", "--output", "json"]);
    let report = json(&r);
    let leader = nodes(&report)
        .into_iter()
        .find(|n| n["role"] == "Leader")
        .unwrap();
    let lag_after = leader["status"]["raft"]["followers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["selfId"] == f_self.as_str())
        .unwrap()["lagEntries"]
        .as_u64()
        .unwrap();
    assert!(
        lag_after >= lag_before + 3,
        "{lag_before} -> {lag_after}: {report}"
    );

    // Unhealthy: the node does not answer; exit 1 with the problem on its own line, also in JSON.
    let r = run(&["-n", &ns, "cluster-health"]);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(
        r.stdout
            .lines()
            .any(|l| l.starts_with("problem: RaftNode00: node ")
                && l.contains(&f_addr)
                && l.contains("unreachable")),
        "{r:?}"
    );
    assert!(r.stdout.contains("2/3"), "{r:?}");
    assert!(
        r.stdout.lines().last().unwrap().starts_with("unhealthy: "),
        "{r:?}"
    );
    let r = run(&["-n", &ns, "cluster-health", "--output", "json"]);
    assert_eq!(r.code, Some(1), "{r:?}");
    let h = json(&r);
    assert_eq!(h["healthy"], false, "{h}");
    assert!(
        h["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p.as_str().unwrap().contains(&f_addr)),
        "{h}"
    );
    // A lag bound below the follower's lag is a problem of its own.
    let r = run(&["-n", &ns, "cluster-health", "--max-lag", "1"]);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(
        r.stdout.contains(&format!("follower {f_self} is "))
            && r.stdout.contains("entries behind the leader (max 1)"),
        "{r:?}"
    );
    // --wait gives up with exit 1 while it stays stopped.
    let start = Instant::now();
    let r = run(&["-n", &ns, "cluster-health", "--wait", "2"]);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(start.elapsed() < Duration::from_secs(20), "{:?}", start.elapsed());

    // Continued: healthy again within --wait, and the follower catches up.
    procs[f_index].as_ref().unwrap().signal(libc::SIGCONT);
    let r = run(&["-n", &ns, "cluster-health", "--wait", "60"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(
        r.stdout.ends_with("healthy\n") && r.stdout.contains("3/3"),
        "{r:?}"
    );
    until(
        &["-n", &ns, "dledger-status", "--output", "json"],
        "caught up",
        |r| {
            r.code == Some(0)
                && nodes(&json(r))
                    .iter()
                    .all(|n| n["lagEntries"] == 0 && n["lagBytes"] == 0)
        },
    );

    // Killed (-9): it leaves the name server with its connection, but the group's membership
    // still names it; restarted on its store, healthy again within --wait.
    let victim = (f_index + 1) % 3;
    procs[victim] = None;
    let r = until(&["-n", &ns, "cluster-health"], "unhealthy after kill", |r| {
        r.code == Some(1)
            && r.stdout.lines().any(|l| {
                l.starts_with(&format!("problem: RaftNode00: member n{victim} (Raft 127.0.0.1:"))
                    && l.ends_with("is not registered with the name server")
            })
    });
    assert!(r.stdout.contains("2/2"), "{r:?}");
    procs[victim] = Some(broker_proc(&dir.path().join(format!("broker-n{victim}.conf"))));
    let r = run(&["-n", &ns, "cluster-health", "--wait", "60"]);
    assert_eq!(r.code, Some(0), "{r:?}\n{}", logs());
    assert!(r.stdout.contains("3/3"), "{r:?}");
}

fn ms_conf(dir: &Path, name: &str, port: u16, ns: &str, id: i64, role: &str) -> PathBuf {
    let conf = dir.join(name);
    let root = dir.join(format!("store-{id}"));
    std::fs::write(
        &conf,
        format!(
            "brokerClusterName=MsCluster\nbrokerName=broker-a\nbrokerId={id}\nbrokerRole={role}\nlistenPort={port}\n\
             haListenPort={}\nnamesrvAddr={ns}\nbrokerIP1=127.0.0.1\nbrokerIP2=127.0.0.1\nstorePathRootDir={}\n\
             mappedFileSizeCommitLog=1048576\n",
            port + 1,
            root.display()
        ),
    )
    .unwrap();
    conf
}

#[test]
fn master_slave_slave_killed_and_restarted() {
    let (ns, _ns_proc) = namesrv_proc();
    let dir = tempfile::tempdir().unwrap();
    let master_port = free_port_pair();
    let slave_port = free_port_pair();
    let _master = broker_proc(&ms_conf(
        dir.path(),
        "m.conf",
        master_port,
        &ns,
        0,
        "ASYNC_MASTER",
    ));
    let slave_conf = ms_conf(dir.path(), "s.conf", slave_port, &ns, 1, "SLAVE");
    let slave = broker_proc(&slave_conf);

    // An ASYNC_MASTER without a slave yet is healthy: wait until the slave has registered too.
    let r = until(
        &["-n", &ns, "cluster-health", "--wait", "60"],
        "healthy with both nodes registered",
        |r| r.code == Some(0) && r.stdout.contains("2/2"),
    );
    assert!(r.stdout.contains("master-slave"), "{r:?}");
    create_topic(&ns, "MsCluster", "TopicTest");
    send(&ns, "TopicTest", 4);

    // The slave's replicated offset reaches the master's; the master sees its slave.
    let r = until(
        &["-n", &ns, "dledger-status", "-g", "broker-a", "--output", "json"],
        "replicated",
        |r| {
            r.code == Some(0) && {
                let n = nodes(&json(r));
                n.len() == 2
                    && n[1]["lagBytes"] == 0
                    && n[0]["status"]["commitlogMaxOffset"].as_u64() > Some(0)
            }
        },
    );
    let report = json(&r);
    assert_eq!(report["groups"][0]["mode"], "master-slave", "{report}");
    let n = nodes(&report);
    assert_eq!(
        (n[0]["role"].as_str(), n[1]["role"].as_str()),
        (Some("Master"), Some("Slave")),
        "{report}"
    );
    assert_eq!(n[0]["status"]["ha"]["slaveConnections"], 1, "{report}");
    assert_eq!(
        n[0]["status"]["ha"]["slaveAckedOffset"], n[1]["status"]["commitlogMaxOffset"],
        "{report}"
    );
    assert_eq!(n[0]["status"]["ha"]["slaveBehindBytes"], 0, "{report}");
    assert!(
        n[1]["status"]["ha"]["masterHaAddr"].as_str().is_some(),
        "{report}"
    );
    assert!(n[1]["millisSinceLeaderContact"].as_u64().is_some(), "{report}");
    assert!(n[0]["status"].get("raft").is_none_or(Value::is_null), "{report}");
    let r = run(&["-n", &ns, "dledger-status"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(
        r.stdout
            .lines()
            .any(|l| l.contains("Master") && l.contains("slave ")),
        "{r:?}"
    );

    // Killed: it leaves the name server with its connection; the master reports it missing.
    drop(slave);
    send(&ns, "TopicTest", 2);
    let r = until(&["-n", &ns, "cluster-health"], "unhealthy", |r| {
        r.code == Some(1) && r.stdout.contains("has no slave connected (last report ")
    });
    assert!(r.stdout.contains("problem: broker-a: master 127.0.0.1:"), "{r:?}");
    let r = run(&["-n", &ns, "dledger-status", "--output", "json"]);
    let n = nodes(&json(&r));
    assert_eq!(n[0]["status"]["ha"]["slaveConnections"], 0, "{r:?}");
    if let Some(s) = n.get(1) {
        // Still listed for a moment: then it is named as unreachable.
        assert_eq!(s["error"]["kind"], "unreachable", "{r:?}");
        assert_eq!(r.code, Some(1), "{r:?}");
    }

    // Restarted on the same store: healthy within --wait, caught up.
    let _slave = broker_proc(&slave_conf);
    let r = run(&["-n", &ns, "cluster-health", "--wait", "60"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    until(
        &["-n", &ns, "dledger-status", "--output", "json"],
        "caught up",
        |r| r.code == Some(0) && nodes(&json(r))[1]["lagBytes"] == 0,
    );
}

#[test]
fn classic_broker_unsupported_node_and_no_namesrv() {
    let (ns, _ns_proc) = namesrv_proc();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port_pair();
    let _b = broker_proc(&ms_conf(dir.path(), "b.conf", port, &ns, 0, "ASYNC_MASTER"));
    let r = run(&["-n", &ns, "cluster-health", "-c", "MsCluster", "--wait", "60"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(r.stdout.contains("1/1"), "{r:?}");
    let r = run(&["-n", &ns, "dledger-status", "-c", "MsCluster"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(
        r.stdout.contains("Master") && r.stdout.contains("no slave"),
        "{r:?}"
    );

    // --watch prints a fresh verdict every second until interrupted (SIGINT), then exits 0.
    let mut watch = crate::util::mqadmin()
        .args(["-n", &ns, "cluster-health", "-c", "MsCluster", "--watch", "1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn mqadmin --watch");
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(watch.stdout.take().unwrap()));
    let mut verdicts = 0;
    while verdicts < 2 {
        let line = lines.next().expect("more output").expect("UTF-8 line");
        if line == "healthy" || line.starts_with("unhealthy: ") {
            assert_eq!(line, "healthy");
            verdicts += 1;
        }
    }
    // SAFETY: kill(2) on the mqadmin this test spawned and has not reaped.
    assert_eq!(unsafe { libc::kill(watch.id() as libc::pid_t, libc::SIGINT) }, 0);
    let status = watch.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{status:?}");

    // A server that does not know the request (the name server itself, registered as a broker).
    let fake = Namesrv::start();
    fake.register("Other", "java-like", 0, &fake.addr);
    let r = run(&["-n", &fake.addr, "dledger-status"]);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(r.stderr.contains("does not support GET_REPLICA_STATUS"), "{r:?}");
    assert!(r.stdout.lines().any(|l| l.contains("unsupported")), "{r:?}");
    let r = run(&["-n", &fake.addr, "dledger-status", "--output", "json"]);
    assert_eq!(
        json(&r)["groups"][0]["nodes"][0]["error"]["kind"],
        "unsupported",
        "{r:?}"
    );
    let r = run(&["-n", &fake.addr, "cluster-health"]);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(r.stdout.contains("problem: java-like: node "), "{r:?}");

    // Unknown group: exit 1.
    let r = run(&["-n", &ns, "dledger-status", "-g", "nope"]);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(r.stderr.contains("broker group nope not found"), "{r:?}");

    // Unknown cluster: exit 1. No name server: exit 2, for both commands.
    let r = run(&["-n", &ns, "cluster-health", "-c", "Nope"]);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(r.stderr.contains("cluster Nope not found"), "{r:?}");
    let dead = closed_addr();
    let r = run(&["-n", &dead, "cluster-health"]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stdout.is_empty(), "{r:?}");
    let r = run(&["-n", &dead, "dledger-status"]);
    assert_eq!(r.code, Some(2), "{r:?}");

    // Two name servers that disagree: the second one knows no broker.
    let both = format!("{ns};{}", fake.addr);
    let r = run(&["-n", &both, "cluster-health", "-c", "MsCluster"]);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(
        r.stdout.contains("problem: name servers disagree on broker-a"),
        "{r:?}"
    );
}
