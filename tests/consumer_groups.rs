//! Issue 16, the daily consumer-group commands (consumerProgress, consumerConnection,
//! producerConnection, updateSubGroup, deleteSubGroup) through the real `mqadmin` binary against
//! real `mqnamesrv` and `mqbroker` processes: a classic single master and a 3-node DLedger group.
//! Live clients are a remoting connection of the test that sends HEART_BEAT and commits offsets,
//! as a Java client does.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use broker::remoting::body::{ConsumerData, HeartbeatData, ProducerData, SubscriptionData};
use broker::remoting::codes::{request, response};
use broker::remoting::headers::UpdateConsumerOffsetRequestHeader;
use broker::remoting::{RemotingClient, RemotingCommand};
use serde_json::Value;

use crate::util::{broker_proc, closed_addr, free_port, free_port_pair, json, namesrv_proc, run, until, Run};

fn ok(r: &Run) {
    assert_eq!(r.code, Some(0), "{r:?}");
}

/// Exit 1, nothing on stdout, and `what` in the error on stderr.
fn refused(r: &Run, what: &str) {
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(r.stdout.is_empty(), "{r:?}");
    assert!(r.stderr.contains(what), "{r:?}");
}

/// A client as a Java application holds one: a consumer of `group` subscribed to `topic` and a
/// producer of `producer_group`, alive as long as the connection stays open.
struct Client {
    runtime: tokio::runtime::Runtime,
    remoting: RemotingClient,
}

impl Client {
    fn new() -> Self {
        Self {
            runtime: tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap(),
            remoting: RemotingClient::default(),
        }
    }

    fn call(&self, addr: &str, req: RemotingCommand) -> RemotingCommand {
        self.runtime
            .block_on(self.remoting.invoke(addr, req, Duration::from_secs(5)))
            .expect("answered")
    }

    fn heartbeat(&self, addr: &str, group: &str, topic: &str, producer_group: &str) {
        let hb = HeartbeatData {
            client_id: "127.0.0.1@groups-test".into(),
            consumer_data_set: vec![ConsumerData {
                consume_from_where: "CONSUME_FROM_FIRST_OFFSET".into(),
                consume_type: "CONSUME_PASSIVELY".into(),
                group_name: group.into(),
                message_model: "CLUSTERING".into(),
                subscription_data_set: vec![SubscriptionData {
                    topic: topic.into(),
                    sub_string: "*".into(),
                    ..SubscriptionData::default()
                }],
                unit_mode: false,
            }],
            producer_data_set: vec![ProducerData {
                group_name: producer_group.into(),
            }],
        };
        let req = RemotingCommand::request_empty(request::HEART_BEAT).with_body(broker::json::to_vec(&hb));
        assert_eq!(self.call(addr, req).code, response::SUCCESS);
    }

    fn commit(&self, addr: &str, group: &str, topic: &str, queue_id: i32, offset: i64) {
        let header = UpdateConsumerOffsetRequestHeader {
            consumer_group: group.into(),
            topic: topic.into(),
            queue_id,
            commit_offset: offset,
        };
        let req = RemotingCommand::request(request::UPDATE_CONSUMER_OFFSET, &header);
        assert_eq!(self.call(addr, req).code, response::SUCCESS);
    }
}

/// `topicStatus --output json`: each queue's max offset by queue id.
fn max_offsets(ns: &str, topic: &str) -> Vec<i64> {
    let r = run(&["-n", ns, "topicStatus", "-t", topic, "--output", "json"]);
    ok(&r);
    let v = json(&r);
    let mut out = vec![0; 4];
    for q in v["queues"].as_array().unwrap_or_else(|| panic!("{v}")) {
        let id = q["queueId"].as_u64().unwrap() as usize;
        out[id] = q["maxOffset"].as_i64().unwrap();
    }
    out
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

fn classic_conf(dir: &Path, ns: &str) -> (PathBuf, String) {
    let port = free_port_pair();
    let conf = dir.join("broker-g.conf");
    std::fs::write(
        &conf,
        format!(
            "brokerClusterName=GroupCluster\nbrokerName=broker-g\nbrokerId=0\nbrokerRole=ASYNC_MASTER\n\
             listenPort={port}\nnamesrvAddr={ns}\nbrokerIP1=127.0.0.1\nstorePathRootDir={root}\n\
             storePathCommitLog={root}/commitlog\nmappedFileSizeCommitLog=4194304\n",
            root = dir.join("store").display()
        ),
    )
    .unwrap();
    (conf, format!("127.0.0.1:{port}"))
}

const CONFIG_LINE: &str = "SubscriptionGroupConfig [groupName=GroupG, consumeEnable=true, consumeFromMinEnable=false, consumeBroadcastEnable=false, retryQueueNums=1, retryMaxTimes=3, brokerId=0, whichBrokerWhenConsumeSlowly=1, notifyConsumerIdsChangedEnable=true]\n";

#[test]
fn consumer_group_commands_on_a_classic_broker() {
    let (ns, _ns_proc) = namesrv_proc();
    let dir = tempfile::tempdir().unwrap();
    let (conf, addr) = classic_conf(dir.path(), &ns);
    let _broker = broker_proc(&conf);
    let topic = "GroupTopic";
    until(
        &[
            "-n",
            &ns,
            "updateTopic",
            "-t",
            topic,
            "-c",
            "GroupCluster",
            "-r",
            "4",
            "-w",
            "4",
        ],
        "created",
        |r| r.code == Some(0),
    );

    // updateSubGroup: Java's text, -c and -b, and JSON.
    let r = run(&[
        "-n",
        &ns,
        "updateSubGroup",
        "-c",
        "GroupCluster",
        "-g",
        "GroupG",
        "-r",
        "3",
    ]);
    ok(&r);
    assert_eq!(
        r.stdout,
        format!("create subscription group to {addr} success.\n{CONFIG_LINE}")
    );
    let r = run(&[
        "-n",
        &ns,
        "updateSubGroup",
        "-b",
        &addr,
        "-g",
        "GroupG",
        "-r",
        "3",
        "-s",
        "false",
        "--output",
        "json",
    ]);
    ok(&r);
    let v = json(&r);
    assert_eq!(v["brokers"][0], addr.as_str(), "{v}");
    assert_eq!(v["config"]["consumeEnable"], false, "{v}");
    assert_eq!(v["config"]["retryMaxTimes"], 3, "{v}");
    let r = run(&["-n", &ns, "updateSubGroup", "-c", "NoSuchCluster", "-g", "GroupG"]);
    refused(&r, "cluster NoSuchCluster not found");
    let r = run(&["-n", &ns, "updateSubGroup", "-c", "GroupCluster", "-g", " "]);
    refused(&r, "the group name is blank");
    let r = run(&["-n", &ns, "updateSubGroup", "-g", "GroupG"]);
    assert_eq!(r.code, Some(2), "clap usage error: {r:?}");

    // Nobody is connected yet.
    let r = run(&["-n", &ns, "consumerConnection", "-g", "GroupG"]);
    refused(&r, "consumer group GroupG is not online");
    let r = run(&["-n", &ns, "producerConnection", "-g", "ProdP", "-t", topic]);
    refused(&r, "producer group ProdP is not online");
    let r = run(&[
        "-n",
        &ns,
        "producerConnection",
        "-g",
        "ProdP",
        "-t",
        "NoSuchTopic",
    ]);
    refused(&r, "topic NoSuchTopic not found");
    let r = run(&["-n", &ns, "consumerProgress", "-g", "GroupG"]);
    refused(&r, "consumer group GroupG has no consume stats");

    // A live client: consumer of GroupG on the topic, producer of ProdP.
    let client = Client::new();
    client.heartbeat(&addr, "GroupG", topic, "ProdP");

    // The heartbeat created %RETRY%GroupG with one queue; --retryQueueNums resizes it, as Java.
    let v = json(&run(&[
        "-n",
        &ns,
        "updateSubGroup",
        "-b",
        &addr,
        "-g",
        "GroupG",
        "-r",
        "3",
        "--retryQueueNums",
        "2",
        "--output",
        "json",
    ]));
    assert_eq!(v["retryTopicResized"][0], addr.as_str(), "{v}");
    assert_eq!(v["config"]["retryQueueNums"], 2, "{v}");
    until(
        &["-n", &ns, "topicRoute", "-t", "%RETRY%GroupG", "--output", "json"],
        "resized",
        |r| r.code == Some(0) && json(r)["queueDatas"][0]["writeQueueNums"] == 2,
    );

    let r = run(&["-n", &ns, "consumerConnection", "-g", "GroupG"]);
    ok(&r);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 6, "{}", r.stdout);
    assert!(
        lines[0].starts_with("001  127.0.0.1@groups-test "),
        "{}",
        r.stdout
    );
    assert!(lines[0].contains(" 127.0.0.1:"), "{}", r.stdout);
    assert!(lines[0].ends_with(" JAVA     V4_9_7"), "{}", r.stdout);
    assert_eq!(lines[1], "");
    assert_eq!(
        lines[2],
        format!("Below is subscription:001  Topic: {topic:<40} SubExpression: *")
    );
    assert_eq!(lines[3], "ConsumeType: CONSUME_PASSIVELY");
    assert_eq!(lines[4], "MessageModel: CLUSTERING");
    assert_eq!(lines[5], "ConsumeFromWhere: CONSUME_FROM_FIRST_OFFSET");
    let v = json(&run(&[
        "-n",
        &ns,
        "consumerConnection",
        "-g",
        "GroupG",
        "--output",
        "json",
    ]));
    assert_eq!(v["connections"][0]["clientId"], "127.0.0.1@groups-test", "{v}");
    assert_eq!(v["connections"][0]["versionDesc"], "V4_9_7", "{v}");
    assert_eq!(v["subscriptions"][0]["topic"], topic, "{v}");
    assert_eq!(v["messageModel"], "CLUSTERING", "{v}");

    let r = run(&["-n", &ns, "producerConnection", "-g", "ProdP", "-t", topic]);
    ok(&r);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{}", r.stdout);
    assert!(
        lines[0].starts_with("0001  127.0.0.1@groups-test "),
        "{}",
        r.stdout
    );
    assert!(lines[0].ends_with(" JAVA     V4_9_7"), "{}", r.stdout);
    let v = json(&run(&[
        "-n",
        &ns,
        "producerConnection",
        "-g",
        "ProdP",
        "-t",
        topic,
        "--output",
        "json",
    ]));
    assert_eq!(v["connections"][0]["language"], "JAVA", "{v}");
    assert_eq!(v["brokerAddr"], addr.as_str(), "{v}");

    // Progress: 8 messages, the group committed all of queue 0's and none of the others'.
    send(&ns, topic, 8);
    let max = max_offsets(&ns, topic);
    assert_eq!(max.iter().sum::<i64>(), 8, "{max:?}");
    for (q, m) in max.iter().enumerate() {
        client.commit(&addr, "GroupG", topic, q as i32, if q == 0 { *m } else { 0 });
    }
    let r = run(&["-n", &ns, "consumerProgress", "-g", "GroupG"]);
    ok(&r);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 8, "{}", r.stdout);
    assert_eq!(
        lines[0],
        "#Topic                            #Broker Name                      #QID  #Broker Offset        #Consumer Offset      #Client IP           #Diff                 #LastTime"
    );
    for (q, m) in max.iter().enumerate() {
        let consumed = if q == 0 { *m } else { 0 };
        let row = lines[1 + q];
        let prefix = format!(
            "{topic:<32}  {:<32}  {q:<4}  {m:<20}  {consumed:<20}  {:<20} {:<20}  ",
            "broker-g",
            "NA",
            m - consumed
        );
        assert!(row.starts_with(&prefix), "{row:?}\n{prefix:?}");
        // yyyy-MM-dd HH:mm:ss
        let time = &row[prefix.len()..];
        assert_eq!(time.len(), 19, "{row:?}");
        if q == 0 && *m > 0 {
            assert!(!time.starts_with("1970"), "{row:?}");
        }
    }
    assert_eq!(lines[5], "");
    assert_eq!(lines[6], "Consume TPS: 0.0");
    assert_eq!(lines[7], format!("Diff Total: {}", 8 - max[0]));
    let v = json(&run(&[
        "-n",
        &ns,
        "consumerProgress",
        "-g",
        "GroupG",
        "--output",
        "json",
    ]));
    assert_eq!(v["diffTotal"], 8 - max[0], "{v}");
    assert_eq!(v["queues"].as_array().unwrap().len(), 4, "{v}");
    assert_eq!(v["queues"][0]["brokerName"], "broker-g", "{v}");

    // Every group: GroupG, live, pushing.
    let r = until(&["-n", &ns, "consumerProgress"], "listed GroupG", |r| {
        r.code == Some(0) && r.stdout.contains("GroupG")
    });
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        lines[0],
        "#Group                            #Count  #Version                 #Type  #Model          #TPS     #Diff Total"
    );
    let row = lines.iter().find(|l| l.starts_with("GroupG ")).unwrap();
    assert_eq!(
        *row,
        format!(
            "{:<32}  {:<6}  {:<24} {:<5}  {:<14}  {:<7}  {}",
            "GroupG",
            1,
            "V4_9_7",
            "PUSH",
            "CLUSTERING",
            0,
            8 - max[0]
        )
    );
    let v = json(&run(&["-n", &ns, "consumerProgress", "--output", "json"]));
    let g = v["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group"] == "GroupG")
        .cloned()
        .unwrap_or_else(|| panic!("{v}"));
    assert_eq!(g["count"], 1, "{v}");
    assert_eq!(g["consumeType"], "PUSH", "{v}");

    // queryMsgByUniqueKey: the client id sendMessage reports names the message.
    let sent = json(&run(&[
        "-n",
        &ns,
        "sendMessage",
        "-t",
        topic,
        "-p",
        "unique-body",
        "-k",
        "K1",
        "-c",
        "TagU",
        "--output",
        "json",
    ]));
    let id = sent["msgId"]
        .as_str()
        .unwrap_or_else(|| panic!("{sent}"))
        .to_string();
    // The key index is built behind the commit log: wait for it.
    let r = until(
        &["-n", &ns, "queryMsgByUniqueKey", "-t", topic, "-i", &id],
        "found",
        |r| r.code == Some(0),
    );
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines[0], format!("{:<20} {topic}", "Topic:"), "{}", r.stdout);
    assert_eq!(lines[1], format!("{:<20} [TagU]", "Tags:"), "{}", r.stdout);
    assert_eq!(lines[2], format!("{:<20} [K1]", "Keys:"), "{}", r.stdout);
    assert_eq!(
        lines[3],
        format!("{:<20} {}", "Queue ID:", sent["queueId"]),
        "{}",
        r.stdout
    );
    assert_eq!(
        lines[4],
        format!("{:<20} {}", "Queue Offset:", sent["queueOffset"]),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains(&format!("UNIQ_KEY={id}")), "{}", r.stdout);
    assert_eq!(
        lines.last().copied(),
        Some(format!("{:<20} unique-body", "Message Body:").as_str())
    );
    let v = json(&run(&[
        "-n",
        &ns,
        "queryMsgByUniqueKey",
        "-t",
        topic,
        "-i",
        &id,
        "--output",
        "json",
    ]));
    assert_eq!(v["messages"].as_array().map(Vec::len), Some(1), "{v}");
    assert_eq!(v["messages"][0]["uniqKey"], id.as_str(), "{v}");
    assert_eq!(v["messages"][0]["msgId"], sent["offsetMsgId"], "{v}");
    let r = run(&[
        "-n",
        &ns,
        "queryMsgByUniqueKey",
        "-t",
        topic,
        "-i",
        "0A0000000000000000000000000000FF",
    ]);
    refused(&r, "but no message");
    let r = run(&["-n", &ns, "queryMsgByUniqueKey", "-t", "NoSuchTopic", "-i", &id]);
    refused(&r, "topic NoSuchTopic not found");

    // resetOffsetByTime: now (every max offset), then back to the start by time, then -f false
    // does not move forward.
    let max = max_offsets(&ns, topic);
    let r = run(&[
        "-n",
        &ns,
        "resetOffsetByTime",
        "-g",
        "GroupG",
        "-t",
        topic,
        "-s",
        "now",
    ]);
    ok(&r);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        lines[0],
        format!("rollback consumer offset by specified group[GroupG], topic[{topic}], force[true], timestamp(string)[now], timestamp(long)[-1]")
    );
    assert_eq!(
        lines[1],
        format!("{:<40}  {:<40}  {:<40}", "#brokerName", "#queueId", "#offset")
    );
    assert_eq!(lines.len(), 6, "{}", r.stdout);
    for (q, m) in max.iter().enumerate() {
        assert_eq!(
            lines[2 + q],
            format!("{:<40}  {q:<40}  {m:<40}", "broker-g"),
            "{}",
            r.stdout
        );
    }
    assert!(r.stderr.contains("1 live consumer(s) of GroupG"), "{r:?}");
    let v = json(&run(&[
        "-n",
        &ns,
        "consumerProgress",
        "-g",
        "GroupG",
        "--output",
        "json",
    ]));
    assert_eq!(v["diffTotal"], 0, "{v}");
    for when in ["0", "2000-01-01#00:00:00:000"] {
        let v = json(&run(&[
            "-n",
            &ns,
            "resetOffsetByTime",
            "-g",
            "GroupG",
            "-t",
            topic,
            "-s",
            when,
            "--output",
            "json",
        ]));
        let offsets: Vec<i64> = v["queues"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| q["offset"].as_i64().unwrap())
            .collect();
        assert_eq!(offsets, vec![0; 4], "{when}: {v}");
    }
    let v = json(&run(&[
        "-n",
        &ns,
        "consumerProgress",
        "-g",
        "GroupG",
        "--output",
        "json",
    ]));
    assert_eq!(v["diffTotal"], max.iter().sum::<i64>(), "{v}");
    let v = json(&run(&[
        "-n",
        &ns,
        "resetOffsetByTime",
        "-g",
        "GroupG",
        "-t",
        topic,
        "-s",
        "now",
        "-f",
        "false",
        "--output",
        "json",
    ]));
    assert_eq!(v["force"], false, "{v}");
    assert!(
        v["queues"].as_array().unwrap().iter().all(|q| q["offset"] == 0),
        "{v}"
    );
    let r = run(&[
        "-n",
        &ns,
        "resetOffsetByTime",
        "-g",
        "GroupG",
        "-t",
        topic,
        "-s",
        "yesterday",
    ]);
    refused(&r, "bad timestamp `yesterday`");
    let r = run(&[
        "-n",
        &ns,
        "resetOffsetByTime",
        "-g",
        "GroupG",
        "-t",
        "NoSuchTopic",
        "-s",
        "now",
    ]);
    refused(&r, "topic NoSuchTopic not found");

    // deleteSubGroup -b with removeOffset: the offsets are gone, so is the progress.
    let r = run(&[
        "-n",
        &ns,
        "deleteSubGroup",
        "-b",
        &addr,
        "-g",
        "GroupG",
        "-r",
        "true",
    ]);
    ok(&r);
    assert_eq!(
        r.stdout,
        format!("delete subscription group [GroupG] from broker [{addr}] success.\n")
    );
    let r = run(&["-n", &ns, "consumerProgress", "-g", "GroupG"]);
    refused(&r, "has no consume stats");
    // deleteSubGroup -c: Java's line per master, JSON names the group topics.
    let r = run(&[
        "-n",
        &ns,
        "deleteSubGroup",
        "-c",
        "GroupCluster",
        "-g",
        "GroupG",
        "--output",
        "json",
    ]);
    ok(&r);
    let v = json(&r);
    assert_eq!(v["brokers"][0], addr.as_str(), "{v}");
    assert_eq!(v["cluster"], "GroupCluster", "{v}");
    assert_eq!(v["removeOffset"], false, "{v}");
    let r = run(&["-n", &ns, "deleteSubGroup", "-c", "GroupCluster", "-g", "GroupG"]);
    ok(&r);
    assert_eq!(
        r.stdout,
        format!(
            "delete subscription group [GroupG] from broker [{addr}] in cluster [GroupCluster] success.\n"
        )
    );
    let r = run(&["-n", &ns, "deleteSubGroup", "-c", "NoSuchCluster", "-g", "GroupG"]);
    refused(&r, "cluster NoSuchCluster not found");

    // wipeWritePerm / addWritePerm on every name server of -n: the route's perm follows; a dead
    // name server is a warning and exit 1.
    let perm = |ns: &str| {
        let v = json(&run(&["-n", ns, "topicRoute", "-t", topic, "--output", "json"]));
        v["queueDatas"][0]["perm"]
            .as_i64()
            .unwrap_or_else(|| panic!("{v}"))
    };
    assert_eq!(perm(&ns), 6);
    let r = run(&["-n", &ns, "wipeWritePerm", "-b", "broker-g"]);
    ok(&r);
    let line = |verb: &str, ns: &str, r: &Run| {
        let count = r.stdout.rsplit(", ").next().unwrap().trim().to_string();
        assert!(count.parse::<i32>().unwrap() >= 1, "{r:?}");
        format!("{verb} write perm of broker[broker-g] in name server[{ns}] OK, {count}\n")
    };
    assert_eq!(r.stdout, line("wipe", &ns, &r));
    assert_eq!(perm(&ns), 4, "read-only after the wipe");
    let dead = closed_addr();
    let both = format!("{ns};{dead}");
    let r = run(&["-n", &both, "addWritePerm", "-b", "broker-g"]);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert_eq!(r.stdout, line("add", &ns, &r));
    assert!(r.stderr.contains(&format!("name server[{dead}] Failed")), "{r:?}");
    assert_eq!(perm(&ns), 6, "read-write again");
    let v = json(&run(&[
        "-n",
        &ns,
        "wipeWritePerm",
        "-b",
        "broker-g",
        "--output",
        "json",
    ]));
    assert_eq!(v["operation"], "wipe", "{v}");
    assert_eq!(v["namesrvs"][0]["namesrvAddr"], ns.as_str(), "{v}");
    assert!(v["namesrvs"][0]["topicCount"].as_i64().unwrap() >= 1, "{v}");
    ok(&run(&["-n", &ns, "addWritePerm", "-b", "broker-g"]));
    let r = run(&["-n", &ns, "wipeWritePerm", "-b", "no-such-broker"]);
    refused(&r, "broker no-such-broker is not registered");
}

/// The DLedger leader registers as broker id 0: updateSubGroup -c and consumerProgress ask it
/// only, and the settings and offsets it took are the group's.
#[test]
fn consumer_group_commands_on_a_dledger_group() {
    let (ns, _ns_proc) = namesrv_proc();
    let dir = tempfile::tempdir().unwrap();
    let ports: Vec<u16> = (0..3).map(|_| free_port_pair()).collect();
    let peer_ports: Vec<u16> = (0..3).map(|_| free_port()).collect();
    let peers = (0..3)
        .map(|i| format!("n{i}-127.0.0.1:{}", peer_ports[i]))
        .collect::<Vec<_>>()
        .join(";");
    let mut procs = Vec::new();
    for (i, port) in ports.iter().enumerate() {
        let conf = dir.path().join(format!("broker-n{i}.conf"));
        let root = dir.path().join(format!("node{i}"));
        std::fs::write(
            &conf,
            format!(
                "brokerClusterName=RaftGroups\nbrokerName=RaftG\nlistenPort={port}\nnamesrvAddr={ns}\n\
                 brokerIP1=127.0.0.1\nstorePathRootDir={root}\nstorePathCommitLog={root}/commitlog\n\
                 enableDLegerCommitLog=true\ndLegerGroup=RaftG\ndLegerPeers={peers}\ndLegerSelfId=n{i}\n\
                 serverWorkerThreads=1\nmappedFileSizeCommitLog=4194304\n",
                root = root.display()
            ),
        )
        .unwrap();
        procs.push(broker_proc(&conf));
    }
    let r = run(&["-n", &ns, "cluster-health", "--wait", "90"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let topic = "RaftGroupTopic";
    until(
        &[
            "-n",
            &ns,
            "updateTopic",
            "-t",
            topic,
            "-c",
            "RaftGroups",
            "-r",
            "4",
            "-w",
            "4",
        ],
        "created",
        |r| r.code == Some(0),
    );
    let r = until(
        &[
            "-n",
            &ns,
            "updateSubGroup",
            "-c",
            "RaftGroups",
            "-g",
            "GroupG",
            "-r",
            "3",
        ],
        "updated",
        |r| r.code == Some(0),
    );
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "one master (the leader) only: {r:?}");
    assert!(
        lines[0].starts_with("create subscription group to 127.0.0.1:"),
        "{r:?}"
    );
    assert_eq!(format!("{}\n", lines[1]), CONFIG_LINE);
    let master = lines[0]
        .trim_start_matches("create subscription group to ")
        .trim_end_matches(" success.")
        .to_string();

    // The leader replicated the settings: every node serves them.
    let client = Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    for port in &ports {
        let node = format!("127.0.0.1:{port}");
        loop {
            let req = RemotingCommand::request_empty(request::GET_ALL_SUBSCRIPTIONGROUP_CONFIG);
            let resp = client.call(&node, req);
            let v: Value = serde_json::from_slice(&resp.body).unwrap_or(Value::Null);
            if v["subscriptionGroupTable"]["GroupG"]["retryMaxTimes"] == 3 {
                break;
            }
            assert!(Instant::now() < deadline, "{node} never had GroupG: {v}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    send(&ns, topic, 4);
    let max = max_offsets(&ns, topic);
    client.heartbeat(&master, "GroupG", topic, "ProdP");
    for (q, m) in max.iter().enumerate() {
        client.commit(&master, "GroupG", topic, q as i32, (m - 1).max(0));
    }
    let diff: i64 = max.iter().map(|m| m - (m - 1).max(0)).sum();
    let r = run(&["-n", &ns, "consumerProgress", "-g", "GroupG"]);
    ok(&r);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 8, "{r:?}");
    assert!(
        lines[1].starts_with(&format!("{topic:<32}  {:<32}  0   ", "RaftG")),
        "{r:?}"
    );
    assert_eq!(lines[7], format!("Diff Total: {diff}"), "{r:?}");
    let v = json(&run(&[
        "-n",
        &ns,
        "consumerProgress",
        "-g",
        "GroupG",
        "--output",
        "json",
    ]));
    assert_eq!(v["diffTotal"], diff, "{v}");
    // resetOffsetByTime commits through the leader's Raft log before it answers.
    let r = run(&[
        "-n",
        &ns,
        "resetOffsetByTime",
        "-g",
        "GroupG",
        "-t",
        topic,
        "-s",
        "now",
    ]);
    ok(&r);
    assert_eq!(r.stdout.lines().count(), 6, "{r:?}");
    let v = json(&run(&[
        "-n",
        &ns,
        "consumerProgress",
        "-g",
        "GroupG",
        "--output",
        "json",
    ]));
    assert_eq!(v["diffTotal"], 0, "{v}");
    drop(procs);
}
