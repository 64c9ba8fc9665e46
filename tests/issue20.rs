//! Issue 20, "what a new operator stumbles over": each item that needs a broker, through the real
//! `mqadmin` binary against the real `mqnamesrv` and an in-process broker (the fast-try and
//! shutdownBroker items are in `fast_try.rs`, verify-commitlog's in `verify_commitlog.rs`).

use std::io::BufRead;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::admin_commands::{admin, admin_until, InProcessBroker};
use crate::util::{mqadmin, Namesrv};

/// A name server and one registered broker.
fn cluster() -> (Namesrv, InProcessBroker) {
    let ns = Namesrv::start();
    let broker = InProcessBroker::start(&ns.addr);
    admin_until(&ns.addr, &["clusterList"], |out| out.contains(&broker.addr));
    (ns, broker)
}

/// Item 3: a body over the broker's maxMessageSize (4 MiB by default) is refused at once, before
/// it is allocated, naming the limit; a normal run reports no error.
#[test]
fn issue20_benchmark_refuses_a_body_over_max_message_size() {
    let (ns, _broker) = cluster();
    for size in ["1000000000", "4194305"] {
        let started = Instant::now();
        let r = admin(
            &ns.addr,
            &["benchmark", "producer", "-s", size, "--count", "1", "-w", "1"],
        );
        assert_eq!(r.code, Some(1), "{r:?}");
        assert!(
            r.stderr.contains(&format!(
                "a body of {size} bytes is larger than maxMessageSize 4194304"
            )),
            "{r:?}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{:?}",
            started.elapsed()
        );
    }
    let r = admin(
        &ns.addr,
        &[
            "--output",
            "json",
            "benchmark",
            "producer",
            "-s",
            "100000",
            "--count",
            "1",
            "-w",
            "1",
        ],
    );
    assert_eq!(r.code, Some(0), "{r:?}");
    let report: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(report["sent"], 1, "{report}");
    assert_eq!(report["lastError"], serde_json::Value::Null, "{report}");
    assert_eq!(report["interrupted"], false, "{report}");
}

/// Item 15: Ctrl-C ends `benchmark producer` with the summary of what was measured.
#[test]
fn issue20_benchmark_producer_prints_its_summary_on_ctrl_c() {
    let (ns, _broker) = cluster();
    let mut child = mqadmin()
        .args([
            "-n",
            &ns.addr,
            "benchmark",
            "producer",
            "-w",
            "1",
            "--duration",
            "120",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut all = String::new();
        for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line.clone());
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    // Wait for a second with acknowledged sends.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let line = rx.recv_timeout(Duration::from_secs(60)).expect("a progress line");
        if line.starts_with("Send TPS: ") && !line.starts_with("Send TPS: 0 ") {
            break;
        }
        assert!(Instant::now() < deadline, "no message was acknowledged");
    }
    // SAFETY: kill(2) with SIGINT on the child this test started.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    let stderr = reader.join().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stderr.contains("interrupted after"), "{stderr}");
    let row: Vec<&str> = stdout
        .lines()
        .nth(1)
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    assert!(stdout.trim_start().starts_with("SENT"), "{stdout}");
    assert!(
        row.first()
            .and_then(|n| n.parse::<u64>().ok())
            .is_some_and(|n| n > 0),
        "{stdout}"
    );
}

/// Items 8 and 14: sendMessage prints the offset id queryMsgById takes; the unique key it prints
/// as #MsgId gets an explanation (exit 1), not "impossible offset"; an empty body is refused as
/// Java refuses it; consumeMessage says what it read when it read nothing, and `-c 0` is refused
/// naming the flag.
#[test]
fn issue20_message_ids_empty_body_and_empty_reads() {
    let (ns, broker) = cluster();
    let ns = ns.addr.clone();
    admin_until(
        &ns,
        &[
            "updateTopic",
            "-t",
            "Issue20Topic",
            "-b",
            &broker.addr,
            "-r",
            "1",
            "-w",
            "1",
        ],
        |_| true,
    );
    let r = admin_until(
        &ns,
        &["sendMessage", "-t", "Issue20Topic", "-p", "hello issue 20"],
        |_| true,
    );
    let uniq = r
        .stdout
        .lines()
        .nth(1)
        .unwrap()
        .split_whitespace()
        .last()
        .unwrap()
        .to_string();
    let offset_id = r
        .stderr
        .lines()
        .find_map(|l| l.strip_prefix("offset message id (for queryMsgById -i): "))
        .unwrap_or_else(|| panic!("no offset id on stderr: {r:?}"))
        .to_string();
    assert_ne!(uniq, offset_id);
    let q = admin(&ns, &["queryMsgById", "-i", &offset_id]);
    assert_eq!(q.code, Some(0), "{q:?}");
    assert!(q.stdout.contains("hello issue 20"), "{q:?}");
    let q = admin(&ns, &["queryMsgById", "-i", &uniq]);
    assert_eq!(q.code, Some(1), "{q:?}");
    assert!(q.stderr.contains("looks like a unique key"), "{q:?}");
    assert!(!q.stderr.contains("impossible offset"), "{q:?}");

    let r = admin(&ns, &["sendMessage", "-t", "Issue20Topic", "-p", ""]);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(r.stderr.contains("the message body is empty"), "{r:?}");

    for args in [
        &["consumeMessage", "-t", "Issue20Topic", "-o", "999999"][..],
        &["consumeMessage", "-t", "Issue20Topic", "-s", "NoSuchTag"][..],
    ] {
        let r = admin(&ns, args);
        assert_eq!(r.code, Some(0), "{r:?}");
        assert!(r.stdout.trim().is_empty(), "{r:?}");
        assert!(
            r.stderr.contains("0 messages read from 1 queue")
                && r.stderr
                    .contains("broker-admin queue 0: min offset 0, max offset 1"),
            "{r:?}"
        );
    }
    let r = admin(&ns, &["consumeMessage", "-t", "Issue20Topic"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(r.stderr.contains("1 message read from 1 queue"), "{r:?}");
    let r = admin(&ns, &["consumeMessage", "-t", "Issue20Topic", "-c", "0"]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stderr.contains("--messageNumber"), "{r:?}");
}

/// Items 9, 10, 16 and part of 11: wrong input exits 1 naming the flag before any broker sees it
/// (queue counts, topic names, Java's three perms, a negative count); an unknown cluster or topic
/// exits 1; bad numbers name their flag; `clusterList -i --output json` prints JSON Lines.
#[test]
fn issue20_exit_codes_perms_numbers_and_json_lines() {
    let (ns_handle, broker) = cluster();
    let ns = ns_handle.addr.clone();
    let cases: [(&[&str], &str); 6] = [
        (
            &["-r", "0"],
            "-r/--readQueueNums must be between 1 and 1024 (got 0)",
        ),
        (
            &["-w", "1000000000"],
            "-w/--writeQueueNums must be between 1 and 1024 (got 1000000000)",
        ),
        (
            &["-r", "-1"],
            "-r/--readQueueNums must be between 1 and 1024 (got -1)",
        ),
        (
            &["-p", "9"],
            "-p/--perm must be 2 (write), 4 (read) or 6 (read and write)",
        ),
        (
            &["-p", "1"],
            "-p/--perm must be 2 (write), 4 (read) or 6 (read and write)",
        ),
        (
            &["-t", "bad topic!"],
            "-t/--topic: The specified topic[bad topic!] contains illegal characters",
        ),
    ];
    for (extra, message) in cases {
        let topic = if extra[0] == "-t" { extra[1] } else { "Issue20Bad" };
        let mut args = vec!["updateTopic", "-t", topic, "-b", &broker.addr];
        if extra[0] != "-t" {
            args.extend_from_slice(extra);
        }
        let r = admin(&ns, &args);
        assert_eq!(r.code, Some(1), "{extra:?}: {r:?}");
        assert!(r.stderr.contains(message), "{extra:?}: {r:?}");
        assert!(r.stdout.is_empty(), "{r:?}");
    }
    let r = admin(&ns, &["topicRoute", "-t", "Issue20Bad"]);
    assert_eq!(r.code, Some(1), "nothing was created: {r:?}");
    for perm in ["2", "4", "6"] {
        let topic = format!("Issue20Perm{perm}");
        let r = admin(
            &ns,
            &["updateTopic", "-t", &topic, "-b", &broker.addr, "-p", perm],
        );
        assert_eq!(r.code, Some(0), "{r:?}");
    }

    let r = admin(&ns, &["deleteTopic", "-t", "NoSuchTopic", "-c", "AdminCluster"]);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(r.stderr.contains("topic NoSuchTopic not found"), "{r:?}");
    let r = admin(&ns, &["clusterList", "-c", "NoSuchCluster"]);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(r.stderr.contains("cluster NoSuchCluster not found"), "{r:?}");
    assert!(
        r.stdout.starts_with("#Cluster Name"),
        "Java's header is kept: {r:?}"
    );

    let r = admin(&ns, &["consumeMessage", "-t", "Issue20Perm6", "-o", "-5"]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stderr.contains("--offset"), "{r:?}");
    for value in ["0", "nan", "-3"] {
        let r = admin(
            &ns,
            &[
                "upgrade-group",
                "--master",
                "a",
                "--third",
                "b",
                "--third",
                "c",
                "--throttle",
                value,
            ],
        );
        assert_eq!(r.code, Some(2), "{r:?}");
        assert!(
            r.stderr
                .contains(&format!("invalid value '{value}' for '--throttle")),
            "{r:?}"
        );
    }

    // clusterList -i with JSON: one array per line.
    let mut child = mqadmin()
        .args(["-n", &ns, "clusterList", "-i", "1", "--output", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    for _ in 0..2 {
        let line = lines.next().expect("a line").unwrap();
        let rows: Vec<serde_json::Value> =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
        let row = rows
            .iter()
            .find(|r| r["addr"] == broker.addr.as_str())
            .expect(&line);
        // Numbers are numbers (the KV table's strings were printed as strings).
        assert!(row["sendQueueSize"].is_i64() && row["pcWaitMs"].is_i64(), "{row}");
        assert!(row["inTps"].is_f64(), "{row}");
    }
    child.kill().unwrap();
    child.wait().unwrap();
    // A broker that does not answer: null statistics beside the error, not zeros.
    let dead = crate::util::closed_addr();
    ns_handle.register("AdminCluster", "broker-dead", 0, &dead);
    let r = admin(&ns, &["clusterList", "--output", "json"]);
    assert_eq!(r.code, Some(1), "{r:?}");
    let rows: Vec<serde_json::Value> = serde_json::from_str(&r.stdout).unwrap();
    let row = rows.iter().find(|r| r["addr"] == dead.as_str()).expect(&r.stdout);
    assert!(row["error"].is_string(), "{row}");
    for key in ["inTps", "outTps", "hours", "space", "sendQueueSize"] {
        assert!(row[key].is_null(), "{key}: {row}");
    }
}

/// `benchmark consumer` long-polls (the broker holds a pull that finds nothing): messages sent
/// while every puller is held are all read, by each group, with no failed pull (the client's
/// timeout covers the hold).
#[test]
fn benchmark_consumer_long_polls_and_reads_what_arrives() {
    let (ns, _broker) = cluster();
    let r = admin(
        &ns.addr,
        &[
            "updateTopic",
            "-t",
            "LongPoll",
            "-c",
            crate::admin_commands::CLUSTER,
            "-r",
            "2",
            "-w",
            "2",
        ],
    );
    assert_eq!(r.code, Some(0), "{r:?}");
    admin_until(&ns.addr, &["topicRoute", "-t", "LongPoll"], |out| {
        out.contains("queueDatas")
    });
    let mut consumer = mqadmin()
        .args([
            "-n",
            &ns.addr,
            "--output",
            "json",
            "benchmark",
            "consumer",
            "-t",
            "LongPoll",
            "-g",
            "lp",
            "--groups",
            "2",
            "--from-start",
            "--duration",
            "8",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The first per-second line: the pullers are running, and held (nothing was sent yet).
    let mut stderr = std::io::BufReader::new(consumer.stderr.take().unwrap());
    let mut first = String::new();
    stderr.read_line(&mut first).unwrap();
    assert!(first.contains("TPS"), "{first}");
    let r = admin(
        &ns.addr,
        &[
            "benchmark",
            "producer",
            "-t",
            "LongPoll",
            "-s",
            "64",
            "--count",
            "50",
            "-w",
            "1",
        ],
    );
    assert_eq!(r.code, Some(0), "{r:?}");
    let out = consumer.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["received"], 100, "{report}");
    assert_eq!(report["pullFailed"], 0, "{report}");
}
