//! `mqadmin consumerStatus` through the real binary against a real `mqnamesrv` and `mqbroker`,
//! with the push consumers of `consumer_groups` (real remoting connections that heartbeat and
//! answer GET_CONSUMER_RUNNING_INFO): the per-client files, the subscription and rebalance
//! verdicts, one client's running info, JSON, and the failures.

use crate::admin_commands::{admin, ok};
use crate::consumer_groups::{classic_conf, create_topic, Client, ConsumerSpec, TestConsumer};
use crate::util::{broker_proc, closed_addr, json, namesrv_proc, run, until, Run};

const TOPIC: &str = "StatusTopic";

fn consumer(client: &Client, addr: &str, id: &str, group: &str, sub: &str, queues: &[i32]) -> TestConsumer {
    client.consumer_as(
        addr,
        &ConsumerSpec {
            client_id: id,
            group,
            topic: TOPIC,
            sub_string: sub,
            broker_name: "broker-g",
            queues,
            jstack: "\"main\" prio=5 RUNNABLE",
        },
    )
}

fn queue(q: i32) -> String {
    format!("MessageQueue [topic={TOPIC}, brokerName=broker-g, queueId={q}]")
}

fn code(r: &Run, code: i32) {
    assert_eq!(r.code, Some(code), "{r:?}");
}

/// `mqadmin -n NS consumerStatus -g GROUP --status-dir DIR extra…`.
fn status(ns: &str, group: &str, dir: &str, extra: &[&str]) -> Run {
    let mut args = vec!["consumerStatus", "-g", group, "--status-dir", dir];
    args.extend_from_slice(extra);
    admin(ns, &args)
}

#[test]
fn consumer_status_of_live_groups() {
    let (ns, _ns_proc) = namesrv_proc();
    let dir = tempfile::tempdir().unwrap();
    let (conf, addr) = classic_conf(dir.path(), &ns);
    let _broker = broker_proc(&conf);
    create_topic(&ns, TOPIC, "GroupCluster", "4");
    // The allocation check reads the topic's route from the name server.
    until(&["-n", &ns, "topicRoute", "-t", TOPIC], "routed", |r| {
        r.code == Some(0)
    });

    // No live consumer: the project's input-failure exit, as consumerConnection.
    let r = admin(&ns, &["consumerStatus", "-g", "StatusNone"]);
    code(&r, 1);
    assert!(r.stdout.is_empty(), "{r:?}");
    assert!(
        r.stderr.contains("consumer group StatusNone is not online"),
        "{r:?}"
    );
    // No name server: an error.
    let r = run(&["-n", &closed_addr(), "consumerStatus", "-g", "StatusNone"]);
    code(&r, 2);

    let client = Client::new();
    // Two clients, same subscription, splitting the four queues.
    let (a, b) = ("127.0.0.1@status-a", "127.0.0.1@status-b");
    let _ca = consumer(&client, &addr, a, "StatusSame", "*", &[0, 1]);
    let _cb = consumer(&client, &addr, b, "StatusSame", "*", &[2, 3]);
    let files = dir.path().join("status");
    let files_arg = files.to_str().unwrap();
    let r = status(&ns, "StatusSame", files_arg, &[]);
    ok(&r);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 7, "{r:?}");
    let runs: Vec<_> = std::fs::read_dir(&files)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(runs.len(), 1, "one directory per run: {runs:?}");
    for (i, id) in [a, b].iter().enumerate() {
        let file = runs[0].join(id);
        assert!(lines[i].starts_with(&format!("{:03}  {id:<40} ", i + 1)), "{r:?}");
        assert!(lines[i].ends_with(&format!(" {}", file.display())), "{r:?}");
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            text.starts_with("#Consumer Properties#\nPROP_CONSUME_TYPE"),
            "{text}"
        );
        assert!(!text.contains("#Consumer jstack#"), "not asked: {text}");
    }
    assert_eq!(
        lines[2..],
        [
            "",
            "",
            "Same subscription in the same group of consumer",
            "",
            "Rebalance OK"
        ],
        "{r:?}"
    );

    // JSON: the same facts.
    let r = status(&ns, "StatusSame", files_arg, &["--output", "json"]);
    ok(&r);
    let v = json(&r);
    assert_eq!(v["group"], "StatusSame", "{v}");
    assert_eq!(v["sameSubscription"], true, "{v}");
    assert_eq!(v["rebalanceOk"], true, "{v}");
    assert_eq!(v["rebalanceProblems"].as_array().unwrap().len(), 0, "{v}");
    assert_eq!(v["clients"][1]["clientId"], b, "{v}");
    let file = v["clients"][1]["file"].as_str().unwrap();
    assert!(std::path::Path::new(file).is_file(), "{v}");
    let pq = &v["clients"][1]["runningInfo"]["processQueues"][0];
    assert_eq!(pq["queue"]["queueId"], 2, "{v}");
    assert_eq!(pq["commitOffset"], 12, "{v}");

    // One client: Java's running-info text, the thread dump only with -s.
    let r = admin(&ns, &["consumerStatus", "-g", "StatusSame", "-i", a]);
    ok(&r);
    let head = format!(
        "#Consumer Properties#\n{:<40}: CONSUME_PASSIVELY\n{:<40}: 20\n\n\n#Consumer Subscription#\n\
         001 Topic: {TOPIC:<40} ClassFilter: false    SubExpression: *\n\n\n#Consumer Offset#\n\
         {:<32}  {:<32}  #QID  #Consumer Offset    \n{TOPIC:<32}  {:<32}  0     10                  \n\
         {TOPIC:<32}  {:<32}  1     11                  \n",
        "PROP_CONSUME_TYPE", "PROP_THREADPOOL_CORE_SIZE", "#Topic", "#Broker Name", "broker-g", "broker-g"
    );
    assert!(r.stdout.starts_with(&head), "{}\n---\n{head}", r.stdout);
    let rt = format!(
        "#Consumer RT&TPS#\n{:<32}  {:>14} {:>14} {:>14} {:>14} {:>18} {:>25}\n\
         {TOPIC:<32}  {:>14} {:>14} {:>14} {:>14} {:>18} {:>25}\n",
        "#Topic",
        "#Pull RT",
        "#Pull TPS",
        "#Consume RT",
        "#ConsumeOK TPS",
        "#ConsumeFailed TPS",
        "#ConsumeFailedMsgsInHour",
        "1.50",
        "2.25",
        "0.13",
        "3.00",
        "0.00",
        "4"
    );
    assert!(r.stdout.ends_with(&rt), "{}\n---\n{rt}", r.stdout);
    assert!(
        r.stdout.contains(&format!(
            "{TOPIC:<32}  {:<32}  1     ProcessQueueInfo [commitOffset=11, ",
            "broker-g"
        )),
        "{r:?}"
    );
    let r = admin(&ns, &["consumerStatus", "-g", "StatusSame", "-i", a, "-s"]);
    ok(&r);
    assert!(
        r.stdout
            .ends_with("\n\n#Consumer jstack#\n\"main\" prio=5 RUNNABLE"),
        "{r:?}"
    );
    let r = admin(
        &ns,
        &["consumerStatus", "-g", "StatusSame", "-i", b, "--output", "json"],
    );
    ok(&r);
    let v = json(&r);
    assert_eq!(v["runningInfo"]["clientId"], b, "{v}");
    assert_eq!(v["runningInfo"]["subscriptions"][0]["topic"], TOPIC, "{v}");
    assert_eq!(v["runningInfo"]["jstack"], serde_json::Value::Null, "{v}");
    let r = admin(
        &ns,
        &["consumerStatus", "-g", "StatusSame", "-i", "127.0.0.1@nobody"],
    );
    code(&r, 1);
    assert!(
        r.stderr
            .contains("client 127.0.0.1@nobody is not a live consumer of group StatusSame"),
        "{r:?}"
    );

    // A directory that cannot be made (a file is in the way): warned, not fatal.
    let blocker = dir.path().join("blocker");
    std::fs::write(&blocker, "").unwrap();
    let r = status(&ns, "StatusSame", blocker.to_str().unwrap(), &[]);
    ok(&r);
    assert!(r.stdout.contains(&format!("001  {a:<40} ")), "{r:?}");
    assert!(r.stdout.contains(" (not written)\n"), "{r:?}");
    assert!(r.stdout.ends_with("Rebalance OK\n"), "{r:?}");
    assert!(
        r.stderr
            .contains(&format!("cannot write the running info of {a}")),
        "{r:?}"
    );

    // A queue held by two clients and one by none.
    let _cc = consumer(&client, &addr, "127.0.0.1@status-c", "StatusBad", "*", &[0, 1, 2]);
    let _cd = consumer(&client, &addr, "127.0.0.1@status-d", "StatusBad", "*", &[2]);
    let r = status(&ns, "StatusBad", files_arg, &[]);
    code(&r, 1);
    let tail = format!(
        "\n\nSame subscription in the same group of consumer\n\nRebalance Failed\n\
         {} is held by 2 clients: 127.0.0.1@status-c, 127.0.0.1@status-d\n{} is held by no client\n",
        queue(2),
        queue(3)
    );
    assert!(r.stdout.ends_with(&tail), "{r:?}");
    let v = json(&status(&ns, "StatusBad", files_arg, &["--output", "json"]));
    assert_eq!(v["rebalanceOk"], false, "{v}");
    assert_eq!(v["rebalanceProblems"][0]["problem"], "shared", "{v}");
    assert_eq!(v["rebalanceProblems"][1]["problem"], "unheld", "{v}");
    assert_eq!(v["rebalanceProblems"][1]["queue"]["queueId"], 3, "{v}");

    // Different subscriptions: Java's warning, no rebalance verdict.
    let _ce = consumer(&client, &addr, "127.0.0.1@status-e", "StatusDiff", "*", &[0, 1]);
    let _cf = consumer(
        &client,
        &addr,
        "127.0.0.1@status-f",
        "StatusDiff",
        "TagA",
        &[2, 3],
    );
    let r = status(&ns, "StatusDiff", files_arg, &[]);
    code(&r, 1);
    assert!(
        r.stdout
            .ends_with("\n\nWARN: Different subscription in the same group of consumer!!!\n"),
        "{r:?}"
    );
    assert!(!r.stdout.contains("Rebalance"), "{r:?}");
}
