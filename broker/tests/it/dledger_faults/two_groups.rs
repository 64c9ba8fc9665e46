//! Two DLedger groups in one cluster serve one topic (brokers in-process, to save CPU).

use std::time::Duration;

use broker::config::{BrokerConfig, BrokerRole};
use broker::json;
use broker::remoting::body::TopicRouteData;
use broker::remoting::codes::request;
use broker::remoting::headers::GetRouteInfoRequestHeader;
use broker::remoting::{RemotingClient, RemotingCommand};

use crate::dledger_cluster::{check_acked, cluster_info, pull_topic, send_retrying, Acked, QUEUES};
use crate::util::{
    broker_config, create_topic_on, dledger_peers, raft_listeners, start_broker_with, start_namesrv,
    wait_until,
};

async fn cluster_ready(c: &RemotingClient, ns: &str, groups: &[&str]) -> Option<Vec<String>> {
    let ci = cluster_info(c, ns).await?;
    groups
        .iter()
        .map(|g| {
            let bd = ci.broker_addr_table.get(*g)?;
            (bd.broker_addrs.len() == 3).then(|| bd.broker_addrs.get(&0).cloned())?
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_groups_serve_one_topic() {
    const TWO: &str = "TwoGroups";
    let groups = ["RaftNode00", "RaftNode01"];
    let ns = start_namesrv().await;
    let dirs: Vec<tempfile::TempDir> = (0..6).map(|_| tempfile::tempdir().unwrap()).collect();
    let mut nodes = Vec::new();
    for (gi, group) in groups.iter().enumerate() {
        let listeners = raft_listeners(3);
        let peers = dledger_peers(&listeners);
        for (i, l) in listeners.into_iter().enumerate() {
            let mut cfg = broker_config(
                dirs[gi * 3 + i].path(),
                group,
                &ns.addr,
                BrokerRole::AsyncMaster,
                0,
            );
            cfg = BrokerConfig {
                broker_cluster_name: "RaftCluster".into(),
                enable_dleger_commit_log: true,
                dleger_group: Some((*group).into()),
                dleger_peers: Some(peers.clone()),
                dleger_self_id: Some(format!("n{i}")),
                ..cfg
            };
            cfg.validate().expect("valid DLedger config");
            nodes.push(start_broker_with(cfg, Some(l)).await.unwrap());
        }
    }
    let c = RemotingClient::default();
    let mut leaders = Vec::new();
    wait_until(
        Duration::from_secs(30),
        "both groups with a BID 0 and 3 members",
        || {
            let c = c.clone();
            let ns = ns.addr.clone();
            async move { cluster_ready(&c, &ns, &groups).await.is_some() }
        },
    )
    .await;
    leaders.extend(cluster_ready(&c, &ns.addr, &groups).await.unwrap());
    for l in &leaders {
        create_topic_on(&c, l, TWO, QUEUES).await;
    }
    wait_until(
        Duration::from_secs(30),
        "the route lists both groups' queues",
        || {
            let c = c.clone();
            let ns = ns.addr.clone();
            async move {
                let req = RemotingCommand::request(
                    request::GET_ROUTEINFO_BY_TOPIC,
                    &GetRouteInfoRequestHeader {
                        topic: TWO.into(),
                        accept_standard_json_only: None,
                    },
                );
                let Ok(r) = c.invoke(&ns, req, Duration::from_secs(3)).await else {
                    return false;
                };
                let Ok(route) = json::from_slice::<TopicRouteData>(&r.body) else {
                    return false;
                };
                groups.iter().all(|g| {
                    route
                        .queue_datas
                        .iter()
                        .any(|q| q.broker_name == *g && q.write_queue_nums == QUEUES)
                        && route
                            .broker_datas
                            .iter()
                            .any(|b| b.broker_name == *g && b.broker_addrs.contains_key(&0))
                })
            }
        },
    )
    .await;

    // 8 queues over the two groups, 25 messages each.
    let mut acked: Vec<Vec<Acked>> = vec![Vec::new(), Vec::new()];
    let mut refused = [0; 2];
    for i in 0..200 {
        let (gi, q) = (i % 2, (i / 2 % QUEUES as usize) as i32);
        let (a, _, r) = send_retrying(&c, &ns.addr, groups[gi], TWO, q, &format!("two{i}"), 0).await;
        acked[gi].push(a);
        refused[gi] += r;
    }
    for (gi, l) in leaders.iter().enumerate() {
        let got = pull_topic(&c, l, TWO).await.expect("leader serves the topic");
        let n = got.len();
        assert!(
            (100..=100 + refused[gi]).contains(&n),
            "{}: {n} records",
            groups[gi]
        );
        check_acked(&got, &acked[gi]).unwrap_or_else(|e| panic!("{}: {e}", groups[gi]));
    }
    for n in nodes {
        n.stop().await;
    }
    ns.stop().await;
}
