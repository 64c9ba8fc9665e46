//! Issue 16, the daily consumer-group commands (consumerProgress, consumerConnection,
//! producerConnection, updateSubGroup, deleteSubGroup, resetOffsetByTime, queryMsgByKey,
//! wipeWritePerm/addWritePerm) through the real `mqadmin` binary against real `mqnamesrv` and
//! `mqbroker` processes: a classic single master, a Master/Slave pair and a 3-node DLedger group.
//! Live clients are remoting connections of the test that behave towards the broker as a Java
//! client does: a producer that heartbeats, and a push consumer ([`TestConsumer`]) that
//! heartbeats, answers GET_CONSUMER_RUNNING_INFO with the queues it holds and commits the offsets
//! a RESET_CONSUMER_CLIENT_OFFSET gives it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use broker::remoting::body::{ConsumerData, HeartbeatData, ProducerData, SubscriptionData};
use broker::remoting::body_group::MessageQueue;
use broker::remoting::codes::{request, response, FLAG_RESPONSE};
use broker::remoting::connection::FrameReader;
use broker::remoting::frame;
use broker::remoting::headers::UpdateConsumerOffsetRequestHeader;
use broker::remoting::{RemotingClient, RemotingCommand};
use bytes::BytesMut;
use serde_json::Value;
use tokio::io::AsyncWriteExt;

use crate::admin_commands::{admin, ok};
use crate::util::{
    broker_proc, closed_addr, free_port_pair, json, namesrv_proc, start_dledger_group, until, Run,
};

/// Runs `mqadmin -n NS args… --output json` and parses its stdout.
fn admin_json(ns: &str, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend(["--output", "json"]);
    json(&admin(ns, &all))
}

/// Creates `topic` with `queues` read and write queues on the masters of `cluster`, retrying
/// until they have registered.
pub(crate) fn create_topic(ns: &str, topic: &str, cluster: &str, queues: &str) {
    let args = [
        "-n",
        ns,
        "updateTopic",
        "-t",
        topic,
        "-c",
        cluster,
        "-r",
        queues,
        "-w",
        queues,
    ];
    until(&args, "created", |r| r.code == Some(0));
}

/// Exit 1, nothing on stdout, and `what` in the error on stderr.
fn refused(r: &Run, what: &str) {
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(r.stdout.is_empty(), "{r:?}");
    assert!(r.stderr.contains(what), "{r:?}");
}

/// A client as a Java application holds one: a consumer of `group` subscribed to `topic` and a
/// producer of `producer_group`, alive as long as the connection stays open.
pub(crate) struct Client {
    runtime: tokio::runtime::Runtime,
    remoting: RemotingClient,
}

/// Who a [`TestConsumer`] is and what it reports: its client id, its subscription of `topic`
/// (`sub_string`), the queues of `broker_name` it holds with the commit offset each reports, and
/// the thread dump it sends when asked for one.
pub(crate) struct ConsumerSpec<'a> {
    pub client_id: &'a str,
    pub group: &'a str,
    pub topic: &'a str,
    pub sub_string: &'a str,
    pub broker_name: &'a str,
    pub queues: &'a [i32],
    pub jstack: &'a str,
}

impl Client {
    pub(crate) fn new() -> Self {
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

    /// A producer of `producer_group`, alive while this client lives.
    fn heartbeat_producer(&self, addr: &str, producer_group: &str) {
        let hb = HeartbeatData {
            client_id: CLIENT_ID.into(),
            consumer_data_set: Vec::new(),
            producer_data_set: vec![ProducerData {
                group_name: producer_group.into(),
            }],
        };
        let req = RemotingCommand::request_empty(request::HEART_BEAT).with_body(broker::json::to_vec(&hb));
        assert_eq!(self.call(addr, req).code, response::SUCCESS);
    }

    /// A push consumer of `group` on `topic` holding `queues` of `broker_name`, on its own
    /// connection to `addr` (see [`TestConsumer`]), as the test's [`CLIENT_ID`].
    fn consumer(
        &self,
        addr: &str,
        group: &str,
        topic: &str,
        broker_name: &str,
        queues: &[i32],
    ) -> TestConsumer {
        self.consumer_as(
            addr,
            &ConsumerSpec {
                client_id: CLIENT_ID,
                group,
                topic,
                sub_string: "*",
                broker_name,
                queues,
                jstack: "",
            },
        )
    }

    /// A push consumer as `spec` says, on its own connection to `addr` (see [`TestConsumer`]).
    pub(crate) fn consumer_as(&self, addr: &str, spec: &ConsumerSpec<'_>) -> TestConsumer {
        let ConsumerSpec {
            client_id,
            group,
            topic,
            sub_string,
            broker_name,
            queues,
            jstack,
        } = *spec;
        let stream = self
            .runtime
            .block_on(tokio::net::TcpStream::connect(addr))
            .unwrap();
        let (r, mut w) = stream.into_split();
        let hb = HeartbeatData {
            client_id: client_id.into(),
            consumer_data_set: vec![ConsumerData {
                consume_from_where: "CONSUME_FROM_FIRST_OFFSET".into(),
                consume_type: "CONSUME_PASSIVELY".into(),
                group_name: group.into(),
                message_model: "CLUSTERING".into(),
                subscription_data_set: vec![SubscriptionData {
                    topic: topic.into(),
                    sub_string: sub_string.into(),
                    ..SubscriptionData::default()
                }],
                unit_mode: false,
            }],
            producer_data_set: Vec::new(),
        };
        let mut heartbeat =
            RemotingCommand::request_empty(request::HEART_BEAT).with_body(broker::json::to_vec(&hb));
        heartbeat.opaque = 1;
        // Each held queue reports commit offset 10 + its id, as a Java client's ProcessQueueInfo.
        let held: Vec<String> = queues
            .iter()
            .map(|q| {
                format!(
                    "{{\"brokerName\":\"{broker_name}\",\"queueId\":{q},\"topic\":\"{topic}\"}}:\
                     {{\"commitOffset\":{},\"cachedMsgCount\":0,\"locked\":false,\"droped\":false}}",
                    10 + q
                )
            })
            .collect();
        let running_info = format!(
            "{{\"mqTable\":{{{}}},\"properties\":{{\"PROP_CONSUME_TYPE\":\"CONSUME_PASSIVELY\",\
             \"PROP_THREADPOOL_CORE_SIZE\":20}},\"statusTable\":{{\"{topic}\":{{\"pullRT\":1.5,\
             \"pullTPS\":2.25,\"consumeRT\":0.125,\"consumeOKTPS\":3,\"consumeFailedTPS\":0,\
             \"consumeFailedMsgs\":4}}}},\"subscriptionSet\":[{{\"classFilterMode\":false,\
             \"subString\":\"{sub_string}\",\"topic\":\"{topic}\"}}]",
            held.join(",")
        );
        // As a Java client: the thread dump only when the request asks for it.
        let with_jstack = format!(
            "{running_info},\"jstack\":{}}}",
            serde_json::to_string(jstack).unwrap()
        );
        let running_info = format!("{running_info}}}");
        let resets = Arc::new(Mutex::new(Vec::new()));
        let (registered_tx, registered_rx) = tokio::sync::oneshot::channel();
        let task = {
            let (resets, group) = (resets.clone(), group.to_string());
            self.runtime.spawn(async move {
                if !write_cmd(&mut w, heartbeat).await {
                    return;
                }
                let mut registered = Some(registered_tx);
                let mut reader = FrameReader::new(r, 16 << 20);
                while let Ok(Some(cmd)) = reader.read_command().await {
                    if cmd.is_response() {
                        if cmd.opaque == 1 {
                            if let Some(tx) = registered.take() {
                                let _ = tx.send(cmd.code);
                            }
                        }
                        continue;
                    }
                    match cmd.code {
                        request::GET_CONSUMER_RUNNING_INFO => {
                            let asked = cmd.ext_fields.get("jstackEnable").map(String::as_str);
                            let body = if asked == Some("true") {
                                &with_jstack
                            } else {
                                &running_info
                            };
                            let mut resp = RemotingCommand::response(response::SUCCESS, None)
                                .with_body(body.clone().into_bytes());
                            resp.opaque = cmd.opaque;
                            resp.flag |= FLAG_RESPONSE;
                            if !write_cmd(&mut w, resp).await {
                                return;
                            }
                        }
                        request::RESET_CONSUMER_CLIENT_OFFSET => {
                            let table =
                                mqadmin::ops::reset_offset_by_time::parse_reset_offset_body(&cmd.body)
                                    .expect("a ResetOffsetBody");
                            // As a Java client: commit each new offset, oneway.
                            for (mq, offset) in &table {
                                let header = UpdateConsumerOffsetRequestHeader {
                                    consumer_group: group.clone(),
                                    topic: mq.topic.clone(),
                                    queue_id: mq.queue_id,
                                    commit_offset: *offset,
                                };
                                let mut commit =
                                    RemotingCommand::request(request::UPDATE_CONSUMER_OFFSET, &header);
                                commit.mark_oneway();
                                if !write_cmd(&mut w, commit).await {
                                    return;
                                }
                            }
                            resets.lock().unwrap().push(table);
                        }
                        _ => {}
                    }
                }
            })
        };
        let code = self
            .runtime
            .block_on(async { tokio::time::timeout(Duration::from_secs(10), registered_rx).await })
            .expect("heartbeat answered in time")
            .expect("heartbeat answered");
        assert_eq!(code, response::SUCCESS);
        TestConsumer { task, resets }
    }

    /// One PULL_MESSAGE of `group` (no offset commit), as a push consumer's pull.
    fn pull(&self, addr: &str, group: &str, topic: &str, queue_id: i32) -> RemotingCommand {
        let h = broker::remoting::headers::PullMessageRequestHeader {
            consumer_group: group.into(),
            topic: topic.into(),
            queue_id,
            queue_offset: 0,
            max_msg_nums: 32,
            sys_flag: 0x4,
            commit_offset: 0,
            suspend_timeout_millis: 0,
            subscription: Some("*".into()),
            sub_version: 0,
            expression_type: Some("TAG".into()),
            max_msg_bytes: None,
        };
        self.call(addr, RemotingCommand::request(request::PULL_MESSAGE, &h))
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

/// Writes one frame; false when the connection is gone.
async fn write_cmd(w: &mut tokio::net::tcp::OwnedWriteHalf, cmd: RemotingCommand) -> bool {
    let mut buf = BytesMut::new();
    frame::encode(&cmd, &mut buf);
    w.write_all(&buf).await.is_ok()
}

/// The client id of the test's clients.
const CLIENT_ID: &str = "127.0.0.1@groups-test";

/// A push consumer's connection as a Java client keeps one: it heartbeats once, answers
/// GET_CONSUMER_RUNNING_INFO with the queues it holds (`mqTable`), and on
/// RESET_CONSUMER_CLIENT_OFFSET commits each offset it is given (oneway UPDATE_CONSUMER_OFFSET,
/// as Java's client persists a reset queue) and records the table. Dropping it closes the
/// connection: the broker then forgets the consumer.
pub(crate) struct TestConsumer {
    task: tokio::task::JoinHandle<()>,
    resets: Arc<Mutex<Vec<BTreeMap<MessageQueue, i64>>>>,
}

impl TestConsumer {
    /// The offset tables pushed so far.
    fn resets(&self) -> Vec<BTreeMap<MessageQueue, i64>> {
        self.resets.lock().unwrap().clone()
    }

    /// The offset tables pushed so far, once there are at least `n`: the broker pushes them
    /// oneway before it answers mqadmin, so they may reach this connection after mqadmin exits.
    fn resets_at_least(&self, n: usize) -> Vec<BTreeMap<MessageQueue, i64>> {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            let r = self.resets();
            if r.len() >= n || std::time::Instant::now() >= deadline {
                return r;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for TestConsumer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// `topicStatus --output json`: each queue's max offset by queue id.
fn max_offsets(ns: &str, topic: &str) -> Vec<i64> {
    let r = admin(ns, &["topicStatus", "-t", topic, "--output", "json"]);
    ok(&r);
    let v = json(&r);
    let mut out = vec![0; 4];
    for q in v["queues"].as_array().unwrap_or_else(|| panic!("{v}")) {
        let id = q["queueId"].as_u64().unwrap() as usize;
        out[id] = q["maxOffset"].as_i64().unwrap();
    }
    out
}

/// Sends `n` messages round the topic's `queues` queues, so that the first `n` queues get one
/// (a random queue could leave queue 0, which the tests pull, empty).
fn send(ns: &str, topic: &str, n: usize, queues: usize) {
    for i in 0..n {
        let body = format!("m{i}");
        let qid = (i % queues).to_string();
        let r = until(
            &["-n", ns, "sendMessage", "-t", topic, "-p", &body, "-i", &qid],
            "sent",
            |r| r.code == Some(0),
        );
        assert!(r.stdout.contains("SEND_OK"), "{r:?}");
    }
}

pub(crate) fn classic_conf(dir: &Path, ns: &str) -> (PathBuf, String) {
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
    create_topic(&ns, topic, "GroupCluster", "4");

    // updateSubGroup: Java's text, -c and -b, and JSON.
    let r = admin(
        &ns,
        &["updateSubGroup", "-c", "GroupCluster", "-g", "GroupG", "-r", "3"],
    );
    ok(&r);
    assert_eq!(
        r.stdout,
        format!("create subscription group to {addr} success.\n{CONFIG_LINE}")
    );
    let r = admin(
        &ns,
        &[
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
        ],
    );
    ok(&r);
    let v = json(&r);
    assert_eq!(v["brokers"][0], addr.as_str(), "{v}");
    assert_eq!(v["config"]["consumeEnable"], false, "{v}");
    assert_eq!(v["config"]["retryMaxTimes"], 3, "{v}");
    let r = admin(&ns, &["updateSubGroup", "-c", "NoSuchCluster", "-g", "GroupG"]);
    refused(&r, "cluster NoSuchCluster not found");
    let r = admin(&ns, &["updateSubGroup", "-c", "GroupCluster", "-g", " "]);
    refused(&r, "the group name is blank");
    let r = admin(&ns, &["updateSubGroup", "-g", "GroupG"]);
    assert_eq!(r.code, Some(2), "clap usage error: {r:?}");

    // Nobody is connected yet.
    let r = admin(&ns, &["consumerConnection", "-g", "GroupG"]);
    refused(&r, "consumer group GroupG is not online");
    let r = admin(&ns, &["producerConnection", "-g", "ProdP", "-t", topic]);
    refused(&r, "producer group ProdP is not online");
    let r = admin(&ns, &["producerConnection", "-g", "ProdP", "-t", "NoSuchTopic"]);
    refused(&r, "topic NoSuchTopic not found");
    let r = admin(&ns, &["consumerProgress", "-g", "GroupG"]);
    refused(&r, "consumer group GroupG has no consume stats");

    // A live client: consumer of GroupG on the topic, producer of ProdP.
    let client = Client::new();
    client.heartbeat_producer(&addr, "ProdP");
    // It holds queues 0 to 2 of the topic's 4; nobody reports queue 3.
    let consumer = client.consumer(&addr, "GroupG", topic, "broker-g", &[0, 1, 2]);

    // The heartbeat created %RETRY%GroupG with one queue; --retryQueueNums resizes it, as Java.
    let v = admin_json(
        &ns,
        &[
            "updateSubGroup",
            "-b",
            &addr,
            "-g",
            "GroupG",
            "-r",
            "3",
            "--retryQueueNums",
            "2",
        ],
    );
    assert_eq!(v["retryTopicResized"][0], addr.as_str(), "{v}");
    assert_eq!(v["config"]["retryQueueNums"], 2, "{v}");
    until(
        &["-n", &ns, "topicRoute", "-t", "%RETRY%GroupG", "--output", "json"],
        "resized",
        |r| r.code == Some(0) && json(r)["queueDatas"][0]["writeQueueNums"] == 2,
    );

    let r = admin(&ns, &["consumerConnection", "-g", "GroupG"]);
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
    let v = admin_json(&ns, &["consumerConnection", "-g", "GroupG"]);
    assert_eq!(v["connections"][0]["clientId"], "127.0.0.1@groups-test", "{v}");
    assert_eq!(v["connections"][0]["versionDesc"], "V4_9_7", "{v}");
    assert_eq!(v["subscriptions"][0]["topic"], topic, "{v}");
    assert_eq!(v["messageModel"], "CLUSTERING", "{v}");

    let r = admin(&ns, &["producerConnection", "-g", "ProdP", "-t", topic]);
    ok(&r);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{}", r.stdout);
    assert!(
        lines[0].starts_with("0001  127.0.0.1@groups-test "),
        "{}",
        r.stdout
    );
    assert!(lines[0].ends_with(" JAVA     V4_9_7"), "{}", r.stdout);
    let v = admin_json(&ns, &["producerConnection", "-g", "ProdP", "-t", topic]);
    assert_eq!(v["connections"][0]["language"], "JAVA", "{v}");
    assert_eq!(v["brokerAddr"], addr.as_str(), "{v}");

    // Progress: 8 messages, the group committed all of queue 0's and none of the others'.
    send(&ns, topic, 8, 4);
    let max = max_offsets(&ns, topic);
    assert_eq!(max.iter().sum::<i64>(), 8, "{max:?}");
    for (q, m) in max.iter().enumerate() {
        client.commit(&addr, "GroupG", topic, q as i32, if q == 0 { *m } else { 0 });
    }
    // Java 4.9.7's table: no #Client IP column without -s true, N/A for a queue never consumed.
    let r = admin(&ns, &["consumerProgress", "-g", "GroupG"]);
    ok(&r);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 8, "{}", r.stdout);
    assert_eq!(
        lines[0],
        format!(
            "{:<64}  {:<32}  {:<4}  {:<20}  {:<20}  {:<20}  #LastTime",
            "#Topic", "#Broker Name", "#QID", "#Broker Offset", "#Consumer Offset", "#Diff"
        )
    );
    for (q, m) in max.iter().enumerate() {
        let consumed = if q == 0 { *m } else { 0 };
        let row = lines[1 + q];
        let prefix = format!(
            "{topic:<64}  {:<32}  {q:<4}  {m:<20}  {consumed:<20}  {:<20}  ",
            "broker-g",
            m - consumed
        );
        assert!(row.starts_with(&prefix), "{row:?}\n{prefix:?}");
        let time = &row[prefix.len()..];
        if consumed > 0 {
            // yyyy-MM-dd HH:mm:ss of the last consumed message.
            assert_eq!(time.len(), 19, "{row:?}");
            assert!(!time.starts_with("1970"), "{row:?}");
        } else {
            assert_eq!(time, "N/A", "{row:?}");
        }
    }
    assert_eq!(lines[5], "");
    assert_eq!(lines[6], "Consume TPS: 0.00", "nothing pulled yet");
    assert_eq!(lines[7], format!("Diff Total: {}", 8 - max[0]));

    // The group pulls (as its push consumer would): the TPS is its rate over the last minute.
    let pulled = client.pull(&addr, "GroupG", topic, 0);
    assert_eq!(pulled.code, response::SUCCESS, "{:?}", pulled.remark);
    // -s true: each live client is asked which queues it holds.
    let r = admin(&ns, &["consumerProgress", "-g", "GroupG", "-s", "true"]);
    ok(&r);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 8, "{}", r.stdout);
    assert_eq!(
        lines[0],
        format!(
            "{:<64}  {:<32}  {:<4}  {:<20}  {:<20}  {:<20} {:<20}  #LastTime",
            "#Topic", "#Broker Name", "#QID", "#Broker Offset", "#Consumer Offset", "#Client IP", "#Diff"
        )
    );
    for (q, m) in max.iter().enumerate() {
        let consumed = if q == 0 { *m } else { 0 };
        let ip = if q < 3 { "127.0.0.1" } else { "N/A" };
        let prefix = format!(
            "{topic:<64}  {:<32}  {q:<4}  {m:<20}  {consumed:<20}  {ip:<20} {:<20}  ",
            "broker-g",
            m - consumed
        );
        assert!(
            lines[1 + q].starts_with(&prefix),
            "{:?}\n{prefix:?}",
            lines[1 + q]
        );
    }
    let tps: f64 = lines[6]
        .strip_prefix("Consume TPS: ")
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("{}", r.stdout));
    assert!(tps > 0.0, "{}", r.stdout);
    assert_eq!(lines[6], format!("Consume TPS: {tps:.2}"));
    let v = admin_json(&ns, &["consumerProgress", "-g", "GroupG", "-s", "TRUE"]);
    assert_eq!(v["showClientIp"], true, "{v}");
    assert_eq!(v["queues"][0]["clientIp"], "127.0.0.1", "{v}");
    assert_eq!(v["queues"][3]["clientIp"], Value::Null, "{v}");
    assert!(v["consumeTps"].as_f64().unwrap() > 0.0, "{v}");
    let v = admin_json(&ns, &["consumerProgress", "-g", "GroupG"]);
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
        format!(
            "{:<64}  #Count  #Version                 #Type  #Model          #TPS     #Diff Total",
            "#Group"
        )
    );
    let row = lines.iter().find(|l| l.starts_with("GroupG ")).unwrap();
    let prefix = format!(
        "{:<64}  {:<6}  {:<24} {:<5}  {:<14}  ",
        "GroupG", 1, "V4_9_7", "PUSH", "CLUSTERING"
    );
    assert!(row.starts_with(&prefix), "{row:?}");
    // #TPS: the group's consume TPS truncated to an integer, as Java prints it.
    let rest = &row[prefix.len()..];
    assert!(rest[..7].trim_end().parse::<u64>().is_ok(), "{row:?}");
    assert_eq!(&rest[7..], format!("  {}", 8 - max[0]), "{row:?}");
    let v = admin_json(&ns, &["consumerProgress"]);
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
    let sent = admin_json(
        &ns,
        &[
            "sendMessage",
            "-t",
            topic,
            "-p",
            "unique-body",
            "-k",
            "K1",
            "-c",
            "TagU",
        ],
    );
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
    let v = admin_json(&ns, &["queryMsgByUniqueKey", "-t", topic, "-i", &id]);
    assert_eq!(v["messages"].as_array().map(Vec::len), Some(1), "{v}");
    assert_eq!(v["messages"][0]["uniqKey"], id.as_str(), "{v}");
    assert_eq!(v["messages"][0]["msgId"], sent["offsetMsgId"], "{v}");
    let r = admin(
        &ns,
        &[
            "queryMsgByUniqueKey",
            "-t",
            topic,
            "-i",
            "0A0000000000000000000000000000FF",
        ],
    );
    refused(&r, "but no message");
    let r = admin(&ns, &["queryMsgByUniqueKey", "-t", "NoSuchTopic", "-i", &id]);
    refused(&r, "topic NoSuchTopic not found");

    // resetOffsetByTime with the consumer online: the broker pushes the table to it and it
    // commits the offsets itself. Now (every max offset), back to the start by time, then -f
    // false does not move forward.
    let max = max_offsets(&ns, topic);
    let diff_total = |want: i64| {
        until(
            &["-n", &ns, "consumerProgress", "-g", "GroupG", "--output", "json"],
            &format!("diff total {want}"),
            |r| r.code == Some(0) && json(r)["diffTotal"] == want,
        );
    };
    let r = admin(
        &ns,
        &["resetOffsetByTime", "-g", "GroupG", "-t", topic, "-s", "now"],
    );
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
    assert!(
        r.stderr
            .contains("pushed the offsets to the live consumers of GroupG"),
        "{r:?}"
    );
    let pushed: Vec<i64> = consumer.resets_at_least(1)[0].values().copied().collect();
    assert_eq!(pushed, max, "the table the consumer was given");
    diff_total(0);
    for when in ["0", "2000-01-01#00:00:00:000"] {
        let v = admin_json(
            &ns,
            &["resetOffsetByTime", "-g", "GroupG", "-t", topic, "-s", when],
        );
        assert_eq!(v["path"], "consumers", "{v}");
        let offsets: Vec<i64> = v["queues"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| q["offset"].as_i64().unwrap())
            .collect();
        assert_eq!(offsets, vec![0; 4], "{when}: {v}");
    }
    diff_total(max.iter().sum::<i64>());
    let v = admin_json(
        &ns,
        &[
            "resetOffsetByTime",
            "-g",
            "GroupG",
            "-t",
            topic,
            "-s",
            "now",
            "-f",
            "false",
        ],
    );
    assert_eq!(v["force"], false, "{v}");
    assert!(
        v["queues"].as_array().unwrap().iter().all(|q| q["offset"] == 0),
        "{v}"
    );
    assert_eq!(consumer.resets_at_least(4).len(), 4, "one push per reset");

    // No consumer online: the broker answers CONSUMER_NOT_ONLINE and the offsets are committed
    // with UPDATE_CONSUMER_OFFSET, printed in Java's older table.
    drop(consumer);
    let r = until(
        &[
            "-n",
            &ns,
            "resetOffsetByTime",
            "-g",
            "GroupG",
            "-t",
            topic,
            "-s",
            "now",
        ],
        "committed without consumers",
        |r| r.code == Some(0) && r.stdout.contains("specified consumerGroup["),
    );
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        lines[0],
        format!("rollback consumer offset by specified consumerGroup[GroupG], topic[{topic}], force[true], timestamp(string)[now], timestamp(long)[-1]")
    );
    assert_eq!(
        lines[1],
        format!(
            "{:<20}  {:<20}  {:<20}  {:<20}  {:<20}  {:<20}",
            "#brokerName",
            "#queueId",
            "#brokerOffset",
            "#consumerOffset",
            "#timestampOffset",
            "#rollbackOffset"
        )
    );
    assert_eq!(lines.len(), 6, "{}", r.stdout);
    for (q, m) in max.iter().enumerate() {
        assert_eq!(
            lines[2 + q],
            format!(
                "{:<20}  {q:<20}  {m:<20}  {:<20}  {m:<20}  {m:<20}",
                "broker-g", 0
            ),
            "{}",
            r.stdout
        );
    }
    assert!(r.stderr.contains("no consumer of GroupG is online"), "{r:?}");
    let v = admin_json(&ns, &["consumerProgress", "-g", "GroupG"]);
    assert_eq!(v["diffTotal"], 0, "committed before the command returned: {v}");
    let r = admin(
        &ns,
        &[
            "resetOffsetByTime",
            "-g",
            "GroupG",
            "-t",
            topic,
            "-s",
            "yesterday",
        ],
    );
    refused(&r, "bad timestamp `yesterday`");
    let r = admin(
        &ns,
        &[
            "resetOffsetByTime",
            "-g",
            "GroupG",
            "-t",
            "NoSuchTopic",
            "-s",
            "now",
        ],
    );
    refused(&r, "topic NoSuchTopic not found");

    // deleteSubGroup -b with removeOffset: the offsets are gone, so is the progress.
    let r = admin(
        &ns,
        &["deleteSubGroup", "-b", &addr, "-g", "GroupG", "-r", "true"],
    );
    ok(&r);
    assert_eq!(
        r.stdout,
        format!("delete subscription group [GroupG] from broker [{addr}] success.\n")
    );
    let r = admin(&ns, &["consumerProgress", "-g", "GroupG"]);
    refused(&r, "has no consume stats");
    // deleteSubGroup -c: Java's line per master, JSON names the group topics.
    let r = admin(
        &ns,
        &[
            "deleteSubGroup",
            "-c",
            "GroupCluster",
            "-g",
            "GroupG",
            "--output",
            "json",
        ],
    );
    ok(&r);
    let v = json(&r);
    assert_eq!(v["brokers"][0], addr.as_str(), "{v}");
    assert_eq!(v["cluster"], "GroupCluster", "{v}");
    assert_eq!(v["removeOffset"], false, "{v}");
    let r = admin(&ns, &["deleteSubGroup", "-c", "GroupCluster", "-g", "GroupG"]);
    ok(&r);
    assert_eq!(
        r.stdout,
        format!(
            "delete subscription group [GroupG] from broker [{addr}] in cluster [GroupCluster] success.\n"
        )
    );
    let r = admin(&ns, &["deleteSubGroup", "-c", "NoSuchCluster", "-g", "GroupG"]);
    refused(&r, "cluster NoSuchCluster not found");

    // wipeWritePerm / addWritePerm on every name server of -n: the route's perm follows; a dead
    // name server is a warning and exit 1.
    let perm = |ns: &str| {
        let v = admin_json(ns, &["topicRoute", "-t", topic]);
        v["queueDatas"][0]["perm"]
            .as_i64()
            .unwrap_or_else(|| panic!("{v}"))
    };
    assert_eq!(perm(&ns), 6);
    let r = admin(&ns, &["wipeWritePerm", "-b", "broker-g"]);
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
    let r = admin(&both, &["addWritePerm", "-b", "broker-g"]);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert_eq!(r.stdout, line("add", &ns, &r));
    assert!(r.stderr.contains(&format!("name server[{dead}] Failed")), "{r:?}");
    assert_eq!(perm(&ns), 6, "read-write again");
    let v = admin_json(&ns, &["wipeWritePerm", "-b", "broker-g"]);
    assert_eq!(v["operation"], "wipe", "{v}");
    assert_eq!(v["namesrvs"][0]["namesrvAddr"], ns.as_str(), "{v}");
    assert!(v["namesrvs"][0]["topicCount"].as_i64().unwrap() >= 1, "{v}");
    ok(&admin(&ns, &["addWritePerm", "-b", "broker-g"]));
    let r = admin(&ns, &["wipeWritePerm", "-b", "no-such-broker"]);
    refused(&r, "broker no-such-broker is not registered");
}

/// The DLedger leader registers as broker id 0: updateSubGroup -c and consumerProgress ask it
/// only, and the settings and offsets it took are the group's.
#[test]
fn consumer_group_commands_on_a_dledger_group() {
    let (ns, _ns_proc) = namesrv_proc();
    let dir = tempfile::tempdir().unwrap();
    let (procs, addrs) = start_dledger_group(dir.path(), &ns, "RaftGroups", "RaftG");
    let r = admin(&ns, &["cluster-health", "--wait", "90"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let topic = "RaftGroupTopic";
    create_topic(&ns, topic, "RaftGroups", "4");
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
    for node in &addrs {
        loop {
            let req = RemotingCommand::request_empty(request::GET_ALL_SUBSCRIPTIONGROUP_CONFIG);
            let resp = client.call(node, req);
            let v: Value = serde_json::from_slice(&resp.body).unwrap_or(Value::Null);
            if v["subscriptionGroupTable"]["GroupG"]["retryMaxTimes"] == 3 {
                break;
            }
            assert!(Instant::now() < deadline, "{node} never had GroupG: {v}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    send(&ns, topic, 4, 4);
    let max = max_offsets(&ns, topic);
    client.heartbeat_producer(&master, "ProdP");
    for (q, m) in max.iter().enumerate() {
        client.commit(&master, "GroupG", topic, q as i32, (m - 1).max(0));
    }
    let diff: i64 = max.iter().map(|m| m - (m - 1).max(0)).sum();
    let r = admin(&ns, &["consumerProgress", "-g", "GroupG"]);
    ok(&r);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 8, "{r:?}");
    assert!(
        lines[1].starts_with(&format!("{topic:<64}  {:<32}  0   ", "RaftG")),
        "{r:?}"
    );
    assert_eq!(lines[7], format!("Diff Total: {diff}"), "{r:?}");
    let v = admin_json(&ns, &["consumerProgress", "-g", "GroupG"]);
    assert_eq!(v["diffTotal"], diff, "{v}");
    // No consumer online: resetOffsetByTime commits through the leader's Raft log before the
    // leader answers.
    let r = admin(
        &ns,
        &["resetOffsetByTime", "-g", "GroupG", "-t", topic, "-s", "now"],
    );
    ok(&r);
    assert_eq!(r.stdout.lines().count(), 6, "{r:?}");
    assert!(
        r.stdout
            .starts_with("rollback consumer offset by specified consumerGroup[GroupG]"),
        "{r:?}"
    );
    let v = admin_json(&ns, &["consumerProgress", "-g", "GroupG"]);
    assert_eq!(v["diffTotal"], 0, "{v}");
    drop(procs);
}

fn ms_conf(dir: &Path, name: &str, ns: &str, id: i64, role: &str) -> (PathBuf, String) {
    let port = free_port_pair();
    let conf = dir.join(name);
    let root = dir.join(format!("store-{id}"));
    std::fs::write(
        &conf,
        format!(
            "brokerClusterName=MsGroups\nbrokerName=broker-ms\nbrokerId={id}\nbrokerRole={role}\nlistenPort={port}\n\
             haListenPort={}\nnamesrvAddr={ns}\nbrokerIP1=127.0.0.1\nbrokerIP2=127.0.0.1\nstorePathRootDir={}\n\
             mappedFileSizeCommitLog=4194304\n",
            port + 1,
            root.display()
        ),
    )
    .unwrap();
    (conf, format!("127.0.0.1:{port}"))
}

/// A Master/Slave pair: admin changes go to the master only (updateSubGroup -c, deleteSubGroup
/// -c, resetOffsetByTime) and the slave takes them by its config sync; reads ask the master
/// (consumerProgress, consumerConnection, queryMsgByKey) and, once the master is gone, the
/// slave, as Java's `selectBrokerAddr` does.
#[test]
fn consumer_group_commands_on_a_master_slave_pair() {
    let (ns, _ns_proc) = namesrv_proc();
    let dir = tempfile::tempdir().unwrap();
    let (master_conf, master) = ms_conf(dir.path(), "m.conf", &ns, 0, "ASYNC_MASTER");
    let (slave_conf, slave) = ms_conf(dir.path(), "s.conf", &ns, 1, "SLAVE");
    let master_proc = broker_proc(&master_conf);
    let _slave_proc = broker_proc(&slave_conf);
    until(
        &["-n", &ns, "cluster-health", "--wait", "60"],
        "both nodes registered",
        |r| r.code == Some(0) && r.stdout.contains("2/2"),
    );
    let topic = "MsTopic";
    create_topic(&ns, topic, "MsGroups", "2");

    // updateSubGroup -c: the master only; the slave syncs the group from it.
    let r = admin(
        &ns,
        &["updateSubGroup", "-c", "MsGroups", "-g", "GroupMs", "-r", "3"],
    );
    ok(&r);
    assert_eq!(
        r.stdout.lines().next(),
        Some(format!("create subscription group to {master} success.").as_str()),
        "{r:?}"
    );
    assert_eq!(r.stdout.lines().count(), 2, "{r:?}");
    let client = Client::new();
    let slave_has_group = |want: bool| {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let req = RemotingCommand::request_empty(request::GET_ALL_SUBSCRIPTIONGROUP_CONFIG);
            let v: Value = serde_json::from_slice(&client.call(&slave, req).body).unwrap_or(Value::Null);
            if v["subscriptionGroupTable"]["GroupMs"].is_object() == want {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "slave never synced GroupMs (want {want}): {v}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    };
    slave_has_group(true);

    // A message with a key, a producer and a consumer on the master; offsets committed there.
    until(
        &[
            "-n",
            &ns,
            "sendMessage",
            "-t",
            topic,
            "-p",
            "ms-body",
            "-k",
            "KeyMs",
        ],
        "sent",
        |r| r.code == Some(0),
    );
    send(&ns, topic, 3, 2);
    let max = max_offsets(&ns, topic);
    assert_eq!(max.iter().sum::<i64>(), 4, "{max:?}");
    client.heartbeat_producer(&master, "ProdMs");
    let consumer = client.consumer(&master, "GroupMs", topic, "broker-ms", &[0, 1]);
    client.commit(&master, "GroupMs", topic, 0, max[0]);
    client.commit(&master, "GroupMs", topic, 1, 0);

    // consumerProgress and consumerConnection read the master.
    let r = admin(&ns, &["consumerProgress", "-g", "GroupMs", "-s", "true"]);
    ok(&r);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 6, "{}", r.stdout);
    for (q, m) in max.iter().take(2).enumerate() {
        let consumed = if q == 0 { *m } else { 0 };
        let prefix = format!(
            "{topic:<64}  {:<32}  {q:<4}  {m:<20}  {consumed:<20}  {:<20} {:<20}  ",
            "broker-ms",
            "127.0.0.1",
            m - consumed
        );
        assert!(
            lines[1 + q].starts_with(&prefix),
            "{:?}\n{prefix:?}",
            lines[1 + q]
        );
    }
    assert_eq!(lines[5], format!("Diff Total: {}", max[1]));
    let v = admin_json(&ns, &["consumerConnection", "-g", "GroupMs"]);
    assert_eq!(v["brokerAddr"], master.as_str(), "{v}");
    assert_eq!(v["connections"][0]["clientId"], CLIENT_ID, "{v}");
    let r = admin(&ns, &["consumerConnection", "-g", "GroupMs"]);
    ok(&r);
    assert!(r.stdout.starts_with(&format!("001  {CLIENT_ID} ")), "{r:?}");

    // wipeWritePerm / addWritePerm: one broker name, both nodes' route entry.
    let perm = || {
        let v = admin_json(&ns, &["topicRoute", "-t", topic]);
        v["queueDatas"][0]["perm"]
            .as_i64()
            .unwrap_or_else(|| panic!("{v}"))
    };
    ok(&admin(&ns, &["wipeWritePerm", "-b", "broker-ms"]));
    assert_eq!(perm(), 4);
    ok(&admin(&ns, &["addWritePerm", "-b", "broker-ms"]));
    assert_eq!(perm(), 6);

    // resetOffsetByTime: the master pushes the offsets to the consumer, which commits them there.
    let v = admin_json(
        &ns,
        &["resetOffsetByTime", "-g", "GroupMs", "-t", topic, "-s", "0"],
    );
    assert_eq!(v["path"], "consumers", "{v}");
    assert_eq!(consumer.resets_at_least(1).len(), 1);
    until(
        &["-n", &ns, "consumerProgress", "-g", "GroupMs", "--output", "json"],
        "reset to the start",
        |r| r.code == Some(0) && json(r)["diffTotal"] == 4,
    );

    // deleteSubGroup -c: the master only (Java asks the cluster's masters); the slave syncs the
    // removal (and, in the same pass, the offsets the consumer committed).
    drop(consumer);
    let r = admin(&ns, &["deleteSubGroup", "-c", "MsGroups", "-g", "GroupMs"]);
    ok(&r);
    assert_eq!(
        r.stdout,
        format!(
            "delete subscription group [GroupMs] from broker [{master}] in cluster [MsGroups] success.\n"
        )
    );
    slave_has_group(false);

    // queryMsgByKey reads the master, and the slave once the master is gone; so does
    // consumerProgress, from the offsets the slave synced.
    let one_message = |r: &Run| r.code == Some(0) && r.stdout.lines().count() == 2;
    until(
        &["-n", &ns, "queryMsgByKey", "-t", topic, "-k", "KeyMs"],
        "found on the master",
        one_message,
    );
    master_proc.signal(libc::SIGKILL);
    until(
        &["-n", &ns, "topicRoute", "-t", topic, "--output", "json"],
        "the master out of the route",
        |r| r.code == Some(0) && json(r)["brokerDatas"][0]["brokerAddrs"].get("0").is_none(),
    );
    let r = admin(&ns, &["queryMsgByKey", "-t", topic, "-k", "KeyMs"]);
    assert!(one_message(&r), "found on the slave: {r:?}");
    let v = admin_json(&ns, &["consumerProgress", "-g", "GroupMs"]);
    assert_eq!(v["diffTotal"], 4, "read from the slave: {v}");
    assert_eq!(v["queues"][0]["consumerOffset"], 0, "{v}");
}
