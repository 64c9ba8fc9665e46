//! The everyday commands (updateTopic, topicList, topicRoute, sendMessage, topicStatus,
//! consumeMessage, queryMsgById, queryMsgByKey, brokerStatus, getBrokerConfig, deleteTopic) through the real
//! `mqadmin` binary, against the real `mqnamesrv` binary and a real broker running in the test
//! process on 127.0.0.1:0.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, Once};
use std::time::{Duration, Instant};

use broker::broker::BrokerError;
use broker::config::{BrokerConfig, BrokerRole};
use tokio::sync::oneshot;

use crate::util::{closed_addr, run, Namesrv, Run};

pub const CLUSTER: &str = "AdminCluster";
const BROKER: &str = "broker-admin";

/// Panics on the threads of in-process brokers' runtimes: (thread name, panic text).
static BROKER_PANICS: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());

/// Records every panic on a thread named `in-process-broker-N` (then reports it as before).
/// Tokio catches a task's panic, so without this a panic in a task the broker spawns (a
/// connection, its registration loop, a blocking store call) would go unnoticed.
fn record_broker_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let thread = std::thread::current();
            if let Some(name) = thread.name().filter(|n| n.starts_with("in-process-broker-")) {
                BROKER_PANICS
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push((name.to_owned(), info.to_string()));
            }
            previous(info);
        }));
    });
}

/// A broker served by its own runtime; dropping it stops the broker and then the runtime, and
/// fails the test if the broker panicked (in any of its tasks), returned an error, or did not
/// stop.
pub(crate) struct InProcessBroker {
    pub(crate) addr: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<Result<(), BrokerError>>>,
    runtime: Option<tokio::runtime::Runtime>,
    /// The name of every thread of `runtime`.
    threads: String,
    _dir: tempfile::TempDir,
}

impl InProcessBroker {
    pub(crate) fn start(namesrv: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        record_broker_panics();
        let threads = format!("in-process-broker-{}", NEXT.fetch_add(1, Ordering::Relaxed));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name(threads.clone())
            .enable_all()
            .build()
            .expect("tokio runtime");
        let dir = tempfile::tempdir().expect("temp dir");
        let cfg = BrokerConfig {
            broker_cluster_name: CLUSTER.into(),
            broker_name: BROKER.into(),
            broker_ip1: "127.0.0.1".into(),
            broker_ip2: "127.0.0.1".into(),
            namesrv_addr: Some(namesrv.into()),
            store_path_root_dir: dir.path().display().to_string(),
            store_path_commit_log: None,
            mapped_file_size_commit_log: 1024 * 1024,
            broker_role: BrokerRole::AsyncMaster,
            broker_id: 0,
            listen_port: 0,
            ..BrokerConfig::default()
        };
        let (stop, stopped) = oneshot::channel();
        let (addr, task) = runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let ha = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let b = broker::broker::open(
                cfg,
                listener.local_addr().unwrap(),
                Some(ha.local_addr().unwrap()),
            )
            .expect("broker opens");
            let addr = b.addr();
            let task = tokio::spawn(broker::broker::run(b, listener, Some(ha), async {
                let _ = stopped.await;
            }));
            (addr, task)
        });
        Self {
            addr,
            stop: Some(stop),
            task: Some(task),
            runtime: Some(runtime),
            threads,
            _dir: dir,
        }
    }

    /// Stops the broker and its runtime; what went wrong in it, if anything.
    fn shut_down(&mut self) -> Vec<String> {
        let mut problems = Vec::new();
        let (Some(stop), Some(task), Some(runtime)) =
            (self.stop.take(), self.task.take(), self.runtime.take())
        else {
            return problems;
        };
        let _ = stop.send(());
        match runtime.block_on(async { tokio::time::timeout(Duration::from_secs(10), task).await }) {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(e))) => problems.push(format!("broker::broker::run failed: {e}")),
            Ok(Err(e)) => problems.push(format!("the broker task failed: {e}")),
            Err(_) => problems.push("the broker did not stop within 10 s".to_owned()),
        }
        runtime.shutdown_timeout(Duration::from_secs(10));
        problems.extend(
            BROKER_PANICS
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
                .filter(|(thread, _)| *thread == self.threads)
                .map(|(thread, panic)| format!("{thread}: {panic}")),
        );
        problems
    }
}

impl Drop for InProcessBroker {
    fn drop(&mut self) {
        let problems = self.shut_down();
        if problems.is_empty() {
            return;
        }
        let report = format!("in-process broker {}:\n{}", self.addr, problems.join("\n"));
        if std::thread::panicking() {
            // The test is failing already; a second panic would abort the process.
            #[allow(clippy::print_stderr)]
            {
                eprintln!("{report}");
            }
        } else {
            panic!("{report}");
        }
    }
}

/// Runs `mqadmin -n NS args…`.
pub(crate) fn admin(ns: &str, args: &[&str]) -> Run {
    let mut all = vec!["-n", ns];
    all.extend_from_slice(args);
    run(&all)
}

/// Runs until `pred` holds on a successful run's stdout (registration is asynchronous).
pub(crate) fn admin_until(ns: &str, args: &[&str], pred: impl Fn(&str) -> bool) -> Run {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let r = admin(ns, args);
        if r.code == Some(0) && pred(&r.stdout) {
            return r;
        }
        assert!(Instant::now() < deadline, "{args:?} never matched; last: {r:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

pub(crate) fn ok(r: &Run) {
    assert_eq!(r.code, Some(0), "{r:?}");
}

#[test]
fn topic_lifecycle_through_every_command() {
    let ns = Namesrv::start();
    let ns = ns_addr(&ns);
    let broker = InProcessBroker::start(&ns);
    admin_until(&ns, &["clusterList"], |s| s.contains(&broker.addr));
    let topic = "AdminTopic";

    // updateTopic -c: every master of the cluster; Java's text.
    let r = admin(
        &ns,
        &["updateTopic", "-t", topic, "-c", CLUSTER, "-r", "4", "-w", "4"],
    );
    ok(&r);
    assert_eq!(
        r.stdout,
        format!(
            "create topic to {} success.\nTopicConfig [topicName={topic}, readQueueNums=4, writeQueueNums=4, perm=RW-, topicFilterType=SINGLE_TAG, topicSysFlag=0, order=false]\n",
            broker.addr
        )
    );
    // updateTopic -b with JSON output.
    let r = admin(
        &ns,
        &[
            "updateTopic",
            "-t",
            topic,
            "-b",
            &broker.addr,
            "-r",
            "4",
            "-w",
            "4",
            "--output",
            "json",
        ],
    );
    ok(&r);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["brokers"][0], broker.addr.as_str());
    assert_eq!(v["topicConfig"]["writeQueueNums"], 4);

    // topicList: one topic per line, sorted.
    let r = admin_until(&ns, &["topicList"], |s| s.lines().any(|l| l == topic));
    let lines: Vec<&str> = r.stdout.lines().collect();
    let mut sorted = lines.clone();
    sorted.sort();
    assert_eq!(lines, sorted);
    let r = admin(&ns, &["topicList", "-c"]);
    ok(&r);
    assert!(r.stdout.starts_with("#Cluster Name"), "{}", r.stdout);
    assert!(
        r.stdout
            .lines()
            .any(|l| l.starts_with(CLUSTER) && l.contains(topic)),
        "{}",
        r.stdout
    );

    // topicRoute: pretty JSON naming the broker; --output json is the same data.
    let r = admin(&ns, &["topicRoute", "-t", topic]);
    ok(&r);
    let table: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(r.stdout.contains("\n\t\"brokerDatas\""), "{}", r.stdout);
    assert_eq!(table["brokerDatas"][0]["brokerAddrs"]["0"], broker.addr.as_str());
    assert_eq!(table["queueDatas"][0]["brokerName"], BROKER);
    let r = admin(&ns, &["topicRoute", "-t", topic, "--output", "json"]);
    ok(&r);
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(json, table);

    // sendMessage x10 with keys and tags.
    for i in 0..10 {
        let (body, key, tag) = (format!("body-{i}"), format!("key-{i}"), format!("Tag{}", i % 2));
        let r = admin(
            &ns,
            &["sendMessage", "-t", topic, "-p", &body, "-k", &key, "-c", &tag],
        );
        ok(&r);
        let lines: Vec<&str> = r.stdout.lines().collect();
        assert_eq!(lines.len(), 2, "{}", r.stdout);
        assert_eq!(
            lines[0],
            format!(
                "{:<32}  {:<4}  {:<20}    #MsgId",
                "#Broker Name", "#QID", "#Send Result"
            )
        );
        let cols: Vec<&str> = lines[1].split_whitespace().collect();
        assert_eq!(cols[0], BROKER);
        assert!(cols[1].parse::<i32>().unwrap() < 4);
        assert_eq!(cols[2], "SEND_OK");
        assert_eq!(cols[3].len(), 32, "{}", lines[1]);
    }
    // queryMsgByKey: Java's listing, found through the broker's key index.
    let r = admin(&ns, &["queryMsgByKey", "-t", topic, "-k", "key-3"]);
    ok(&r);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", r.stdout);
    assert_eq!(
        lines[0],
        format!("{:<50} {:>4} {:>40}", "#Message ID", "#QID", "#Offset")
    );
    let cols: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(cols.len(), 3, "{}", lines[1]);
    assert!(cols[1].parse::<i32>().unwrap() < 4);
    let r = admin(
        &ns,
        &["queryMsgByKey", "-t", topic, "-k", "key-3", "--output", "json"],
    );
    ok(&r);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let found = v["messages"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{}", r.stdout);
    assert_eq!(found[0]["body"], "body-3");
    assert_eq!(found[0]["uniqKey"].as_str(), Some(cols[0]));
    // No message with that key: exit 1, Java's words on stderr.
    let r = admin(&ns, &["queryMsgByKey", "-t", topic, "-k", "no-such-key"]);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(r.stderr.contains("but no message"), "{r:?}");
    assert!(r.stdout.is_empty());

    // An explicit queue, JSON output with the offset id.
    let r = admin(
        &ns,
        &[
            "sendMessage",
            "-t",
            topic,
            "-p",
            "pinned",
            "-b",
            BROKER,
            "-i",
            "2",
            "--output",
            "json",
        ],
    );
    ok(&r);
    let sent: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(sent["queueId"], 2);
    assert_eq!(sent["sendStatus"], "SEND_OK");
    let pinned_id = sent["offsetMsgId"].as_str().unwrap().to_string();

    // topicStatus: Java's table; max offsets sum to the 11 messages.
    let r = admin(&ns, &["topicStatus", "-t", topic]);
    ok(&r);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        lines[0],
        format!(
            "{:<32}  {:<4}  {:<20}  {:<20}    #Last Updated",
            "#Broker Name", "#QID", "#Min Offset", "#Max Offset"
        )
    );
    assert_eq!(lines.len(), 5, "{}", r.stdout);
    let mut total = 0;
    for (qid, line) in lines[1..].iter().enumerate() {
        let cols: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(cols[0], BROKER);
        assert_eq!(cols[1], qid.to_string());
        let (min, max): (i64, i64) = (cols[2].parse().unwrap(), cols[3].parse().unwrap());
        // Our broker reports -1 as the min offset of a queue never written to (Java: 0).
        assert_eq!(min, if max > 0 { 0 } else { min.min(0) }, "{line}");
        total += max;
        // The last-updated column is a local time exactly when the queue holds messages.
        assert_eq!(cols.len() == 6, max > 0, "{line}");
    }
    assert_eq!(total, 11);

    // consumeMessage: every message, from the beginning, readable blocks.
    let r = admin(&ns, &["consumeMessage", "-t", topic]);
    ok(&r);
    for i in 0..10 {
        assert!(
            r.stdout.contains(&format!("Body:            body-{i}\n")),
            "{}",
            r.stdout
        );
        assert!(
            r.stdout.contains(&format!("Keys:            key-{i}\n")),
            "{}",
            r.stdout
        );
    }
    assert_eq!(r.stdout.matches("MsgId:").count(), 11);
    // JSON, filtered by tag.
    let r = admin(
        &ns,
        &["consumeMessage", "-t", topic, "-s", "Tag1", "--output", "json"],
    );
    ok(&r);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let msgs = v["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 5, "{}", r.stdout);
    let mut bodies: Vec<String> = msgs
        .iter()
        .map(|m| {
            assert_eq!(m["tags"], "Tag1");
            assert_eq!(m["topic"], topic);
            let body = m["body"].as_str().unwrap().to_string();
            assert_eq!(m["keys"].as_str().unwrap(), body.replace("body", "key"));
            body
        })
        .collect();
    bodies.sort();
    assert_eq!(bodies, ["body-1", "body-3", "body-5", "body-7", "body-9"]);
    // A count limit and a single queue.
    let r = admin(
        &ns,
        &["consumeMessage", "-t", topic, "-c", "3", "--output", "json"],
    );
    ok(&r);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["messages"].as_array().unwrap().len(), 3);
    let r = admin(
        &ns,
        &["consumeMessage", "-t", topic, "-i", "2", "--output", "json"],
    );
    ok(&r);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let q2 = v["messages"].as_array().unwrap();
    assert!(q2.iter().all(|m| m["queueId"] == 2));
    assert!(
        q2.iter().any(|m| m["msgId"] == pinned_id.as_str()),
        "{}",
        r.stdout
    );

    // queryMsgById with an id consumeMessage printed.
    let id = msgs[0]["msgId"].as_str().unwrap();
    let r = admin(&ns, &["queryMsgById", "-i", id]);
    ok(&r);
    let field = |name: &str| -> String {
        r.stdout
            .lines()
            .find(|l| l.starts_with(&format!("{name:<20} ")))
            .unwrap_or_else(|| panic!("no {name} in {}", r.stdout))[21..]
            .to_string()
    };
    assert_eq!(field("OffsetID:"), id);
    assert_eq!(field("Topic:"), topic);
    assert_eq!(field("Tags:"), "[Tag1]");
    assert_eq!(field("Keys:"), format!("[{}]", msgs[0]["keys"].as_str().unwrap()));
    assert_eq!(field("Message Body:"), msgs[0]["body"].as_str().unwrap());
    assert_eq!(field("Store Host:"), broker.addr);
    assert!(
        field("Properties:").contains("CLUSTER=AdminCluster"),
        "{}",
        r.stdout
    );
    // ... and the body to a file.
    let dir = tempfile::tempdir().unwrap();
    let r = admin(
        &ns,
        &[
            "queryMsgById",
            "-i",
            &pinned_id,
            "-d",
            dir.path().to_str().unwrap(),
        ],
    );
    ok(&r);
    assert_eq!(std::fs::read(dir.path().join(&pinned_id)).unwrap(), b"pinned");
    assert!(r.stdout.contains("Message Body Path:"), "{}", r.stdout);

    // brokerStatus and getBrokerConfig.
    let r = admin(&ns, &["brokerStatus", "-b", &broker.addr]);
    ok(&r);
    let line = r
        .stdout
        .lines()
        .find(|l| l.starts_with("msgPutTotalTodayNow "))
        .unwrap_or_else(|| panic!("{}", r.stdout));
    assert_eq!(line, format!("{:<32}: 11", "msgPutTotalTodayNow"));
    let keys: Vec<&str> = r.stdout.lines().map(|l| l[..32].trim_end()).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    let r = admin(&ns, &["brokerStatus", "-c", CLUSTER]);
    ok(&r);
    assert!(
        r.stdout.lines().all(|l| l.starts_with(&broker.addr)),
        "{}",
        r.stdout
    );
    let r = admin(&ns, &["getBrokerConfig", "-b", &broker.addr]);
    ok(&r);
    assert!(
        r.stdout.contains(&format!("{:<50}=  {BROKER}\n", "brokerName")),
        "{}",
        r.stdout
    );
    let r = admin(&ns, &["getBrokerConfig", "-c", CLUSTER, "--output", "json"]);
    ok(&r);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["brokers"][0]["config"]["brokerClusterName"], CLUSTER);

    // deleteTopic, then the topic is gone from the name server and its route.
    let r = admin(&ns, &["deleteTopic", "-t", topic, "-c", CLUSTER]);
    ok(&r);
    assert_eq!(
        r.stdout,
        format!(
            "delete topic [{topic}] from cluster [{CLUSTER}] success.\ndelete topic [{topic}] from NameServer success.\n"
        )
    );
    admin_until(&ns, &["topicList"], |s| !s.lines().any(|l| l == topic));
    let r = admin(&ns, &["topicRoute", "-t", topic]);
    assert_eq!(r.code, Some(1), "{r:?}");
    // A well-formed id at an offset that holds no message: exit 1.
    let missing = broker::store::format::create_message_id(
        [127, 0, 0, 1],
        u32::from(broker.addr.rsplit(':').next().unwrap().parse::<u16>().unwrap()),
        900_000,
    );
    let r = admin(&ns, &["queryMsgById", "-i", &missing]);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(r.stderr.contains("not found"), "{r:?}");
    // The broker no longer has it either: a registration it makes after the delete does not bring
    // it back. A topic created on the broker alone (`updateTopic -b`) reaches the name server only
    // with such a registration, which carries the broker's whole topic list.
    let marker = "AdminTopicAfterDelete";
    ok(&admin(&ns, &["updateTopic", "-t", marker, "-b", &broker.addr]));
    let r = admin_until(&ns, &["topicList"], |s| s.lines().any(|l| l == marker));
    assert!(!r.stdout.lines().any(|l| l == topic), "{}", r.stdout);
}

fn ns_addr(ns: &Namesrv) -> String {
    ns.addr.clone()
}

#[test]
fn unknown_topic_exits_1_with_a_clear_message() {
    let ns = Namesrv::start();
    for cmd in ["topicRoute", "topicStatus", "consumeMessage"] {
        let r = admin(&ns.addr, &[cmd, "-t", "NoSuchTopic"]);
        assert_eq!(r.code, Some(1), "{cmd}: {r:?}");
        assert!(r.stdout.is_empty(), "{cmd}: {r:?}");
        assert_eq!(r.stderr, "error: topic NoSuchTopic not found\n", "{cmd}");
    }
    let r = admin(&ns.addr, &["sendMessage", "-t", "NoSuchTopic", "-p", "x"]);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert_eq!(r.stderr, "error: topic NoSuchTopic not found\n");
    let r = admin(&ns.addr, &["deleteTopic", "-t", "T", "-c", "NoSuchCluster"]);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert_eq!(r.stderr, "error: cluster NoSuchCluster not found\n");
}

#[test]
fn unreachable_broker_exits_2() {
    let ns = Namesrv::start();
    let dead = closed_addr();
    for args in [
        vec!["brokerStatus", "-b", &dead],
        vec!["getBrokerConfig", "-b", &dead],
        vec!["updateTopic", "-t", "T", "-b", &dead],
    ] {
        let r = admin(&ns.addr, &args);
        assert_eq!(r.code, Some(2), "{args:?}: {r:?}");
        assert!(r.stdout.is_empty(), "{r:?}");
        assert!(r.stderr.starts_with("error: "), "{r:?}");
        assert!(r.stderr.contains(dead.as_str()), "{r:?}");
    }
    // A well-formed message id whose store host is down.
    let id = broker::store::format::create_message_id(
        [127, 0, 0, 1],
        u32::from(dead.rsplit(':').next().unwrap().parse::<u16>().unwrap()),
        0,
    );
    let r = admin(&ns.addr, &["queryMsgById", "-i", &id]);
    assert_eq!(r.code, Some(2), "{r:?}");
}

#[test]
fn malformed_msg_id_exits_1() {
    for id in ["nothex", "7F000001000074D7", "ZZ000001000074D700000000000008A3"] {
        let r = run(&["-n", "127.0.0.1:1", "queryMsgById", "-i", id]);
        assert_eq!(r.code, Some(1), "{r:?}");
        assert!(r.stderr.contains("is not an offset message id"), "{r:?}");
        assert!(r.stdout.is_empty());
    }
}

#[test]
fn no_name_server_exits_2() {
    let dead = closed_addr();
    let r = run(&["-n", &dead, "topicList"]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stderr.contains(&dead), "{r:?}");
    let r = run(&["topicRoute", "-t", "T"]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stderr.contains("NAMESRV_ADDR"), "{r:?}");
}

/// sendMessage during a failover: the route's master is down at first, and the name server
/// learns the new master while the command backs off; the retry re-reads the route and succeeds.
#[test]
fn send_message_retries_against_a_fresh_route() {
    let ns = Namesrv::start();
    let broker = InProcessBroker::start(&ns.addr);
    admin_until(&ns.addr, &["clusterList"], |s| s.contains(&broker.addr));
    // `register` announces topic TopicTest (4 queues) on group "failover-b" at an address whose
    // listener accepts one connection and drops it, like a master dying mid-request.
    let dying = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    dying.set_nonblocking(true).unwrap();
    ns.register(CLUSTER, "failover-b", 0, &dying.local_addr().unwrap().to_string());
    let child = crate::util::mqadmin()
        .args([
            "-n",
            &ns.addr,
            "sendMessage",
            "-t",
            "TopicTest",
            "-p",
            "after-failover",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match dying.accept() {
            Ok((conn, _)) => {
                drop(conn);
                break;
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                assert!(
                    Instant::now() < deadline,
                    "sendMessage never tried the first master"
                );
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) => panic!("accept: {e}"),
        }
    }
    drop(dying);
    // The "new leader": the group's id 0 now points at the live broker.
    ns.register(CLUSTER, "failover-b", 0, &broker.addr);
    let out = child.wait_with_output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    );
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(
        stdout.lines().nth(1).unwrap().starts_with("failover-b "),
        "{stdout}"
    );
    assert!(stdout.contains("SEND_OK"), "{stdout}");
    assert!(stderr.contains("sent after 2 attempts"), "{stderr}");
}

/// A master that stays down: three attempts, then exit 2 naming the address.
#[test]
fn send_message_gives_up_after_three_attempts() {
    let ns = Namesrv::start();
    let dead = closed_addr();
    ns.register(CLUSTER, "gone-b", 0, &dead);
    let started = Instant::now();
    let r = admin(&ns.addr, &["sendMessage", "-t", "TopicTest", "-p", "x"]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stdout.is_empty(), "{r:?}");
    assert!(r.stderr.contains(&dead), "{r:?}");
    // Backoff 1 s + 2 s between the three attempts.
    assert!(
        started.elapsed() >= Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

/// With `-c`, a broker that does not answer is named on stderr and the others still print, as
/// Java goes on to the next broker; the exit status is 1.
#[test]
fn cluster_mode_reports_a_dead_broker_and_goes_on() {
    let ns = Namesrv::start();
    let broker = InProcessBroker::start(&ns.addr);
    admin_until(&ns.addr, &["clusterList"], |s| s.contains(&broker.addr));
    let dead = closed_addr();
    ns.register(CLUSTER, BROKER, 1, &dead);
    let r = admin(&ns.addr, &["brokerStatus", "-c", CLUSTER]);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(r.stdout.lines().all(|l| l.starts_with(&broker.addr)), "{r:?}");
    assert!(r.stdout.contains("msgPutTotalTodayNow"), "{r:?}");
    assert!(
        r.stderr
            .contains(&format!("warning: broker {dead} is unreachable")),
        "{r:?}"
    );
    let r = admin(&ns.addr, &["getBrokerConfig", "-c", CLUSTER]);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(
        r.stdout
            .starts_with(&format!("============Master: {}============\n", broker.addr)),
        "{r:?}"
    );
    assert!(
        r.stdout.contains(&format!(
            "============My Master: {}=====Slave: {dead}============\n",
            broker.addr
        )),
        "{r:?}"
    );
    assert!(r.stderr.contains(&dead), "{r:?}");
}
