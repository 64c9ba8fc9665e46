//! Issue 13: metadata changes (topics, subscription groups, consumer offsets) go through the
//! Raft log, so a `kill -9` of the leader right after they were answered loses none of them.

use std::time::Duration;

use broker::json;
use broker::remoting::body::{TopicConfigSerializeWrapper, TopicRouteData};
use broker::remoting::codes::{request, response};
use broker::remoting::command::RemotingCommand;
use broker::remoting::headers::{
    DeleteSubscriptionGroupRequestHeader, DeleteTopicRequestHeader, GetRouteInfoRequestHeader,
};
use broker::remoting::RemotingClient;
use broker::store::config_files::{ConsumerOffsets, SubscriptionGroupConfig, SubscriptionGroups};

use crate::dledger_cluster::{wait_bid0_among, wait_follower, Group};
use crate::util::{
    create_topic_request, invoke, pull_queue, query_offset, send_request, update_offset_request, wait_until,
};

const QUEUES: i32 = 8;
const CONSUMER: &str = "metaConsumer";

async fn route(c: &RemotingClient, ns: &str, topic: &str) -> Option<TopicRouteData> {
    let req = RemotingCommand::request(
        request::GET_ROUTEINFO_BY_TOPIC,
        &GetRouteInfoRequestHeader {
            topic: topic.into(),
            accept_standard_json_only: None,
        },
    );
    let r = c.invoke(ns, req, Duration::from_secs(2)).await.ok()?;
    (r.code == response::SUCCESS)
        .then(|| json::from_slice(&r.body).ok())
        .flatten()
}

async fn topics(c: &RemotingClient, addr: &str) -> TopicConfigSerializeWrapper {
    let r = invoke(
        c,
        addr,
        RemotingCommand::request_empty(request::GET_ALL_TOPIC_CONFIG),
    )
    .await;
    assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);
    json::from_slice(&r.body).unwrap()
}

async fn groups(c: &RemotingClient, addr: &str) -> SubscriptionGroups {
    let req = RemotingCommand::request_empty(request::GET_ALL_SUBSCRIPTIONGROUP_CONFIG);
    let r = invoke(c, addr, req).await;
    assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);
    json::from_slice(&r.body).unwrap()
}

async fn offsets(c: &RemotingClient, addr: &str) -> ConsumerOffsets {
    let req = RemotingCommand::request_empty(request::GET_ALL_CONSUMER_OFFSET);
    let r = invoke(c, addr, req).await;
    assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);
    json::from_slice(&r.body).unwrap()
}

fn group_request(name: &str) -> RemotingCommand {
    let mut g = SubscriptionGroupConfig::new(name);
    g.retry_max_times = 7;
    RemotingCommand::request_empty(request::UPDATE_AND_CREATE_SUBSCRIPTIONGROUP).with_body(json::to_vec(&g))
}

/// Three rounds: on the leader, create a topic of 8 queues, send one message to each queue,
/// commit offset 1 for each queue, create a subscription group, delete the previous round's
/// topic and group; then `kill -9` the leader at once. The new leader must have all of it.
/// Once quiet, the three nodes hold the same topics, groups and offsets.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_changes_survive_an_immediate_leader_kill_9() {
    let mut g = Group::fresh(256 * 1024).await;
    let c = RemotingClient::default();
    for round in 0..3 {
        let topic = format!("Meta{round}");
        let group = format!("metaGroup{round}");
        let leader = g.leader(&c).await;
        let r = invoke(&c, &leader, create_topic_request(&topic, QUEUES)).await;
        assert_eq!(r.code, response::SUCCESS, "create: {:?}", r.remark);
        for q in 0..QUEUES {
            let r = invoke(
                &c,
                &leader,
                send_request(&topic, q, format!("m{q}").into_bytes(), "", ""),
            )
            .await;
            assert_eq!(r.code, response::SUCCESS, "send to queue {q}: {:?}", r.remark);
        }
        for q in 0..QUEUES {
            let r = invoke(&c, &leader, update_offset_request(CONSUMER, &topic, q, 1)).await;
            assert_eq!(r.code, response::SUCCESS, "commit on queue {q}: {:?}", r.remark);
        }
        let r = invoke(&c, &leader, group_request(&group)).await;
        assert_eq!(r.code, response::SUCCESS, "group: {:?}", r.remark);
        if round > 0 {
            let old = format!("Meta{}", round - 1);
            let req = RemotingCommand::request(
                request::DELETE_TOPIC_IN_BROKER,
                &DeleteTopicRequestHeader { topic: old.clone() },
            );
            assert_eq!(invoke(&c, &leader, req).await.code, response::SUCCESS);
            let req = RemotingCommand::request(
                request::DELETE_SUBSCRIPTIONGROUP,
                &DeleteSubscriptionGroupRequestHeader {
                    group_name: format!("metaGroup{}", round - 1),
                    remove_offset: Some(false),
                },
            );
            assert_eq!(invoke(&c, &leader, req).await.code, response::SUCCESS);
        }
        let idx = g.index_of(&leader);
        g.nodes[idx].kill9();
        let others: Vec<String> = g.addrs().into_iter().filter(|a| *a != leader).collect();
        let (new, took) = wait_bid0_among(&c, &g.ns.addr, &others).await;
        eprintln!(
            "round {round}: kill -9 of leader n{idx} right after the changes; new BID 0 {new} after {took:?}"
        );
        wait_until(
            Duration::from_secs(30),
            "the new leader's route of the topic",
            || {
                let (c, ns, topic, new) = (c.clone(), g.ns.addr.clone(), topic.clone(), new.clone());
                async move {
                    route(&c, &ns, &topic).await.is_some_and(|r| {
                        r.broker_datas
                            .iter()
                            .any(|b| b.broker_addrs.get(&0) == Some(&new))
                    })
                }
            },
        )
        .await;
        let rt = route(&c, &g.ns.addr, &topic).await.unwrap();
        assert!(
            rt.queue_datas
                .iter()
                .all(|q| q.write_queue_nums == QUEUES && q.read_queue_nums == QUEUES),
            "round {round}: the route lost queues: {:?}",
            rt.queue_datas
        );
        for q in 0..QUEUES {
            let got = pull_queue(&c, &new, &topic, q).await;
            assert_eq!(got.len(), 1, "round {round}: queue {q} on the new leader");
            assert_eq!(got[0].queue_offset, 0);
            assert_eq!(got[0].body, format!("m{q}").into_bytes());
            assert_eq!(
                query_offset(&c, &new, CONSUMER, &topic, q).await,
                Some(1),
                "round {round}: committed offset of queue {q} on the new leader"
            );
        }
        let gs = groups(&c, &new).await;
        let created = gs.subscription_group_table.get(&group);
        assert_eq!(
            created.map(|g| g.retry_max_times),
            Some(7),
            "round {round}: group {group}"
        );
        if round > 0 {
            let old = format!("Meta{}", round - 1);
            assert!(
                !topics(&c, &new).await.topic_config_table.contains_key(&old),
                "round {round}: deleted topic {old} came back"
            );
            assert!(
                !gs.subscription_group_table
                    .contains_key(&format!("metaGroup{}", round - 1)),
                "round {round}: deleted group came back"
            );
        }
        g.nodes[idx].restart();
        g.nodes[idx].wait_ready().await;
        wait_follower(&c, &g.ns.addr, &leader, idx as i64 + 1).await;
    }
    // A follower refuses changes, naming the leader once it knows it.
    let leader = g.leader(&c).await;
    let follower = g.addrs().into_iter().find(|a| *a != leader).unwrap();
    let r = invoke(&c, &follower, create_topic_request("NotHere", 4)).await;
    assert_eq!(r.code, response::SERVICE_NOT_AVAILABLE, "{:?}", r.remark);
    assert!(r.remark.unwrap_or_default().contains("not the DLedger leader"));
    // The follower learns the new leader's address from the name server within a few seconds.
    let named = format!("the leader is {leader}");
    wait_until(Duration::from_secs(15), "the refusal names the leader", || {
        let (c, follower, named) = (c.clone(), follower.clone(), named.clone());
        async move {
            let r = invoke(&c, &follower, create_topic_request("NotHere", 4)).await;
            r.code == response::SERVICE_NOT_AVAILABLE && r.remark.is_some_and(|m| m.ends_with(&named))
        }
    })
    .await;
    let r = invoke(&c, &follower, update_offset_request(CONSUMER, "Meta2", 0, 5)).await;
    assert_eq!(r.code, response::SERVICE_NOT_AVAILABLE, "{:?}", r.remark);
    // Once quiet, every node holds the same metadata.
    wait_until(
        Duration::from_secs(30),
        "the three nodes agree on the metadata",
        || {
            let (c, addrs) = (c.clone(), g.addrs());
            async move {
                let mut views = Vec::new();
                for a in &addrs {
                    views.push((
                        topics(&c, a).await.topic_config_table,
                        groups(&c, a).await.subscription_group_table,
                        offsets(&c, a).await.offset_table,
                    ));
                }
                views.windows(2).all(|w| w[0] == w[1])
            }
        },
    )
    .await;
    let t = topics(&c, &leader).await;
    assert!(t.topic_config_table.contains_key("Meta2") && !t.topic_config_table.contains_key("Meta1"));
    assert!(
        !t.topic_config_table
            .contains_key(broker::store::format::dledger::META_TOPIC),
        "the metadata topic is listed"
    );
}

/// A metadata record whose body is not a change (written here through the leader's own write
/// path, as a bug or a foreign writer could) stops the node's Raft core with a corruption error
/// naming the record, and the broker with it: in-process `run` returns the error, and a real
/// `mqbroker` on the same store exits with code 3 at recovery saying why. Never a panic.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_metadata_record_stops_the_broker_with_an_error() {
    use broker::broker::BrokerError;
    use broker::config::{BrokerConfig, BrokerRole};
    use broker::store::format::dledger::META_TOPIC;
    use broker::store::message::MessageToStore;

    use crate::util::{
        base_props, broker_config, dledger_peers, free_port_pair, raft_listeners, start_namesrv,
        write_broker_conf, BrokerProc,
    };

    let ns = start_namesrv().await;
    let dir = tempfile::tempdir().unwrap();
    let listeners = raft_listeners(1);
    let peers = dledger_peers(&listeners);
    let mut cfg = BrokerConfig {
        broker_cluster_name: "RaftCluster".into(),
        enable_dleger_commit_log: true,
        dleger_group: Some("Corrupt".into()),
        dleger_peers: Some(peers.clone()),
        dleger_self_id: Some("n0".into()),
        ..broker_config(dir.path(), "Corrupt", &ns.addr, BrokerRole::AsyncMaster, 0)
    };
    cfg.validate().expect("valid DLedger config");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let b = broker::broker::open(cfg, listener.local_addr().unwrap(), None).unwrap();
    *b.raft_listener.lock().unwrap() = Some(listeners[0].try_clone().unwrap());
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let run = tokio::spawn(broker::broker::run(b.clone(), listener, None, async {
        let _ = stop_rx.await;
    }));
    wait_until(Duration::from_secs(30), "the single node leads", || {
        let b = b.clone();
        async move {
            b.dledger
                .get()
                .is_some_and(|d| d.writable.load(std::sync::atomic::Ordering::Acquire))
        }
    })
    .await;
    let d = b.dledger.get().unwrap().clone();
    let host = b.store_host;
    let bad = MessageToStore {
        topic: META_TOPIC.into(),
        queue_id: 0,
        flag: 0,
        sys_flag: 0,
        born_timestamp: 1,
        born_host: host,
        store_host: host,
        reconsume_times: 0,
        prepared_transaction_offset: 0,
        body: b"{\"op\":\"launchMissiles\"}".to_vec(),
        properties: String::new(),
        tags_code: 0,
    };
    assert!(
        d.put(&b, vec![bad]).await.is_err(),
        "a corrupt record is never applied"
    );
    drop(d);
    let result = tokio::time::timeout(Duration::from_secs(30), run)
        .await
        .expect("the broker stops on its own")
        .expect("no panic");
    drop(stop_tx);
    match result {
        Err(BrokerError::RaftStopped(e)) => {
            assert!(e.contains("corrupt metadata record at"), "{e}")
        }
        other => panic!("expected the Raft node's error, got {other:?}"),
    }
    drop(b);
    // Recovery re-applies the record: a real mqbroker on the same store says why and exits 3.
    let port = free_port_pair();
    let raft_port = listeners[0].local_addr().unwrap().port();
    drop(listeners);
    let mut props = base_props("Corrupt", port, &ns.addr, dir.path());
    props.retain(|(k, _)| *k != "brokerClusterName");
    props.extend([
        ("brokerClusterName", "RaftCluster".to_string()),
        ("enableDLegerCommitLog", "true".into()),
        ("dLegerGroup", "Corrupt".into()),
        ("dLegerPeers", format!("n0-127.0.0.1:{raft_port}")),
        ("dLegerSelfId", "n0".into()),
    ]);
    let conf = write_broker_conf(dir.path(), "corrupt.conf", &props);
    let mut p = BrokerProc::spawn(&conf, port);
    let status = p.wait_exit(Duration::from_secs(60)).await;
    let stderr = p.stderr();
    assert_eq!(status.and_then(|s| s.code()), Some(3), "{stderr}");
    assert!(stderr.contains("corrupt metadata record at"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    ns.stop().await;
}
