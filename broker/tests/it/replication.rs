//! Master/Slave with real processes: a SYNC_MASTER and a SLAVE converge to byte-identical commitlog
//! files, stay so across a `kill -9` of the slave, and the slave's consume queues serve the messages.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use broker::remoting::codes::{request, response};
use broker::remoting::headers::UpdateConsumerOffsetRequestHeader;
use broker::remoting::{RemotingClient, RemotingCommand};

use crate::util::*;

/// Sends `count` messages with ids `from..from + count` by 16 concurrent senders; every answer must
/// be one of `accept`.
async fn produce(c: &RemotingClient, addr: &str, from: usize, count: usize, accept: &'static [i32]) {
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(from));
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let (c, addr, next) = (c.clone(), addr.to_string(), next.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= from + count {
                    return;
                }
                let mut body = format!("m{i}|").into_bytes();
                body.resize(body.len() + [5, 200, 1500, 6000][i % 4], b'r');
                let r = invoke(
                    &c,
                    &addr,
                    send_request("Repl", (i % 4) as i32, body, "t", &format!("k{i}")),
                )
                .await;
                assert!(accept.contains(&r.code), "send m{i}: {} {:?}", r.code, r.remark);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}

async fn wait_identical_commitlogs(master: &Path, slave: &Path, what: &str) {
    wait_until(Duration::from_secs(60), what, || {
        let same = slave.exists() && md5_dir(master) == md5_dir(slave);
        async move { same }
    })
    .await;
}

/// Bodies of the whole topic, by (queue, offset).
async fn pull_topic(c: &RemotingClient, addr: &str) -> BTreeMap<(i32, i64), Vec<u8>> {
    let mut out = BTreeMap::new();
    for q in 0..4 {
        for m in pull_queue(c, addr, "Repl", q).await {
            out.insert((q, m.queue_offset), m.body);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_master_and_slave_processes_converge_across_a_slave_kill_9() {
    let ns = start_namesrv().await;
    let dir = tempfile::tempdir().unwrap();
    let (mstore, sstore) = (dir.path().join("master"), dir.path().join("slave"));
    let (mport, sport) = (free_port_pair(), free_port_pair());
    let mut mprops = base_props("broker-r", mport, &ns.addr, &mstore);
    mprops.push(("brokerRole", "SYNC_MASTER".into()));
    mprops.push(("brokerId", "0".into()));
    let mut sprops = base_props("broker-r", sport, &ns.addr, &sstore);
    sprops.push(("brokerRole", "SLAVE".into()));
    sprops.push(("brokerId", "1".into()));
    sprops.push(("slaveReadEnable", "true".into()));
    let mconf = write_broker_conf(dir.path(), "master.conf", &mprops);
    let sconf = write_broker_conf(dir.path(), "slave.conf", &sprops);
    let mut master = BrokerProc::spawn(&mconf, mport);
    master.wait_ready().await;
    let c = RemotingClient::default();
    create_topic_on(&c, &master.addr, "Repl", 4).await;
    let mut slave = BrokerProc::spawn(&sconf, sport);
    slave.wait_ready().await;

    // Once the slave is attached, a SYNC_MASTER answers SUCCESS.
    let started = Instant::now();
    let mut sent = 0;
    loop {
        let r = invoke(
            &c,
            &master.addr,
            send_request("Repl", 0, b"probe|".to_vec(), "", ""),
        )
        .await;
        sent += 1;
        if r.code == response::SUCCESS {
            break;
        }
        assert!(
            [response::SLAVE_NOT_AVAILABLE, response::FLUSH_SLAVE_TIMEOUT].contains(&r.code),
            "{} {:?}",
            r.code,
            r.remark
        );
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "slave never attached"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let n = if soak() { 10_000 } else { 1_500 };
    produce(&c, &master.addr, 0, n, &[response::SUCCESS]).await;
    let (mlog, slog) = (mstore.join("commitlog"), sstore.join("commitlog"));
    wait_identical_commitlogs(&mlog, &slog, "slave commitlog identical to the master's").await;
    assert!(
        md5_dir(&mlog).len() >= 2,
        "the test spans several commitlog files"
    );

    // The slave dies hard; the master keeps storing, answering 11 or 12 until it is back.
    slave.kill9();
    produce(
        &c,
        &master.addr,
        n,
        n / 2,
        // Never SUCCESS: no slave can have confirmed these.
        &[response::SLAVE_NOT_AVAILABLE, response::FLUSH_SLAVE_TIMEOUT],
    )
    .await;
    slave.restart();
    slave.wait_ready().await;
    wait_identical_commitlogs(&mlog, &slog, "restarted slave catches up").await;

    // The slave's consume queues serve what the master serves (topics arrive by config sync).
    let want = pull_topic(&c, &master.addr).await;
    assert_eq!(want.len(), sent + n + n / 2);
    let c2 = RemotingClient::default();
    let saddr = slave.addr.clone();
    wait_until(Duration::from_secs(40), "slave serves the topic", || {
        let (c2, saddr) = (c2.clone(), saddr.clone());
        async move {
            let r = invoke(&c2, &saddr, pull_request("checker", "Repl", 0, 0, 1, "*", 0)).await;
            r.code == response::SUCCESS
        }
    })
    .await;
    let got = pull_topic(&c2, &slave.addr).await;
    assert_eq!(got.len(), want.len());
    assert!(got == want, "slave serves the same bodies at the same positions");

    // Back in sync: the SYNC_MASTER acknowledges with SUCCESS again.
    produce(&c, &master.addr, n + n / 2, 50, &[response::SUCCESS]).await;
    // Consumer offsets committed on the master reach the slave with the config sync.
    let upd = RemotingCommand::request(
        request::UPDATE_CONSUMER_OFFSET,
        &UpdateConsumerOffsetRequestHeader {
            consumer_group: "billing".into(),
            topic: "Repl".into(),
            queue_id: 1,
            commit_offset: 42,
        },
    );
    assert_eq!(invoke(&c, &master.addr, upd).await.code, 0);
    wait_until(
        Duration::from_secs(40),
        "consumer offset synced to the slave",
        || {
            let (c2, saddr) = (c2.clone(), saddr.clone());
            async move { query_offset(&c2, &saddr, "billing", "Repl", 1).await == Some(42) }
        },
    )
    .await;

    // The master dies hard and comes back on its store; the slave reattaches and converges.
    master.kill9();
    master.restart();
    master.wait_ready().await;
    let c = RemotingClient::default();
    let started = Instant::now();
    loop {
        let r = invoke(
            &c,
            &master.addr,
            send_request("Repl", 2, b"probe|".to_vec(), "", ""),
        )
        .await;
        if r.code == response::SUCCESS {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "slave never reattached: {}",
            r.code
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    produce(&c, &master.addr, 2 * n, 200, &[response::SUCCESS]).await;
    wait_identical_commitlogs(&mlog, &slog, "slave converges after a master kill -9").await;
    slave.terminate();
    master.terminate();
    ns.stop().await;
}
