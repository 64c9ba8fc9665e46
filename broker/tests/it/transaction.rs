//! Transactions (issue 14), Java 4.9 semantics on real brokers: a half message is invisible in
//! its real topic until END_TRANSACTION commits it, a rolled-back one never appears, an
//! unanswered one is checked back over the producer's own connection (CHECK_TRANSACTION_STATE)
//! and committed by the answer; bad END_TRANSACTION input gets Java's codes and remarks and the
//! connection survives; in DLedger mode a half message sent to a leader that is then killed
//! (`kill -9`) is committed on the new leader.

use std::time::{Duration, Instant};

use broker::config::BrokerRole;
use broker::json;
use broker::remoting::body::{HeartbeatData, ProducerData};
use broker::remoting::codes::{request, response};
use broker::remoting::headers::{
    CheckTransactionStateRequestHeader, EndTransactionRequestHeader, SendMessageRequestHeader,
    SendMessageRequestHeaderV2, SendMessageResponseHeader,
};
use broker::remoting::{RemotingClient, RemotingCommand};
use broker::store::format::{sys_flag, transaction as tx};
use broker::store::message::{
    decode_properties, decode_record, decode_records, encode_properties, DecodedMessage,
};

use crate::dledger_cluster::{data_files_contain, pull_topic, wait_bid0_among, Group, TOPIC};
use crate::raw_conn::RawConn;
use crate::util::*;

const COMMIT: i32 = 8;
const ROLLBACK: i32 = 12;

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// A half message send as a Java `TransactionMQProducer` makes it.
fn half_request(topic: &str, queue_id: i32, body: &[u8], group: &str, uniq: &str) -> RemotingCommand {
    let h = SendMessageRequestHeader {
        producer_group: group.into(),
        topic: topic.into(),
        default_topic: "TBW102".into(),
        default_topic_queue_nums: 4,
        queue_id,
        sys_flag: sys_flag::TRANSACTION_PREPARED,
        born_timestamp: now_ms(),
        flag: 0,
        properties: Some(encode_properties([
            ("TRAN_MSG", "true"),
            ("PGROUP", group),
            ("UNIQ_KEY", uniq),
            ("TAGS", "tx"),
            ("WAIT", "true"),
        ])),
        reconsume_times: Some(0),
        unit_mode: Some(false),
        batch: Some(false),
        max_reconsume_times: None,
    };
    RemotingCommand::request(request::SEND_MESSAGE_V2, &SendMessageRequestHeaderV2::from_v1(&h))
        .with_body(body.to_vec())
}

/// `req` (a SEND_MESSAGE_V2) with one more property.
fn with_property(req: RemotingCommand, key: &str, value: &str) -> RemotingCommand {
    let mut h: SendMessageRequestHeaderV2 = req.decode_header().unwrap();
    let mut props = decode_properties(h.i.as_deref().unwrap_or(""));
    props.insert(key.into(), value.into());
    h.i = Some(encode_properties(
        props.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    ));
    req.with_header(&h)
}

fn end_request(
    group: &str,
    table_offset: i64,
    commit_log_offset: i64,
    how: i32,
    from_check: bool,
    uniq: &str,
) -> RemotingCommand {
    RemotingCommand::request(
        request::END_TRANSACTION,
        &EndTransactionRequestHeader {
            producer_group: group.into(),
            tran_state_table_offset: table_offset,
            commit_log_offset,
            commit_or_rollback: how,
            from_transaction_check: Some(from_check),
            msg_id: uniq.into(),
            transaction_id: Some(uniq.into()),
        },
    )
}

/// END_TRANSACTION for a half message as the producer has it from the send's answer.
fn end_for(group: &str, sent: &SendMessageResponseHeader, how: i32, uniq: &str) -> RemotingCommand {
    end_request(
        group,
        sent.queue_offset,
        msg_id_offset(&sent.msg_id),
        how,
        false,
        uniq,
    )
}

impl RawConn {
    async fn heartbeat_producer(&mut self, group: &str) {
        let hb = HeartbeatData {
            client_id: "127.0.0.1@tx-test".into(),
            consumer_data_set: Vec::new(),
            producer_data_set: vec![ProducerData {
                group_name: group.into(),
            }],
        };
        let r = self
            .call(RemotingCommand::request_empty(request::HEART_BEAT).with_body(json::to_vec(&hb)))
            .await;
        assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);
    }

    async fn send(&mut self, req: RemotingCommand) -> SendMessageResponseHeader {
        let r = self.call(req).await;
        assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);
        r.decode_header().unwrap()
    }
}

/// A queue of an in-process broker read from its store: the op queue has no topic config (as
/// in Java), so PULL_MESSAGE answers TOPIC_NOT_EXIST for it.
fn store_queue(b: &Running, topic: &str, q: i32) -> Vec<DecodedMessage> {
    let broker = b.broker.as_ref().unwrap().upgrade().expect("broker running");
    let r = broker.store.get_messages(topic, q, 0, 1000, 0, |_| true).unwrap();
    decode_records(&r.messages).unwrap()
}

fn bodies(msgs: &[DecodedMessage]) -> Vec<Vec<u8>> {
    msgs.iter().map(|m| m.body.clone()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn committed_visible_rolled_back_never_unanswered_checked_back() {
    let ns = start_namesrv().await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = broker_config(dir.path(), "tx-a", &ns.addr, BrokerRole::AsyncMaster, 0);
    cfg.transaction_time_out = 1000;
    cfg.transaction_check_interval = 300;
    let b = start_broker(cfg).await.unwrap();
    let c = RemotingClient::default();
    create_topic_on(&c, &b.addr, "TxOrders", 2).await;
    let mut p = RawConn::connect(&b.addr).await;
    p.heartbeat_producer("PG_TX").await;

    let a = p.send(half_request("TxOrders", 1, b"a", "PG_TX", "UNIQ-A")).await;
    let rb = p.send(half_request("TxOrders", 1, b"b", "PG_TX", "UNIQ-B")).await;
    let cc = p.send(half_request("TxOrders", 0, b"c", "PG_TX", "UNIQ-C")).await;
    // The answer names the real queue, the half queue's offset and the half message's msgId.
    assert_eq!((a.queue_id, rb.queue_id, cc.queue_id), (1, 1, 0));
    assert_eq!((a.queue_offset, rb.queue_offset, cc.queue_offset), (0, 1, 2));
    let half = view_by_msg_id(&c, &b.addr, &a.msg_id).await;
    assert_eq!(
        (half.topic.as_str(), half.queue_id, half.queue_offset),
        (tx::HALF_TOPIC, 0, 0)
    );
    assert_eq!(
        half.sys_flag & sys_flag::TRANSACTION_MASK,
        0,
        "the half message is stored NOT_TYPE"
    );
    assert_eq!(half.properties["REAL_TOPIC"], "TxOrders");
    assert_eq!(half.properties["REAL_QID"], "1");
    // Invisible in the real topic before the commit.
    assert!(pull_queue(&c, &b.addr, "TxOrders", 0).await.is_empty());
    assert!(pull_queue(&c, &b.addr, "TxOrders", 1).await.is_empty());

    // A: committed (two-way here; Java clients send it oneway). B: rolled back, oneway.
    let r = p.call(end_for("PG_TX", &a, COMMIT, "UNIQ-A")).await;
    assert_eq!((r.code, r.remark.as_deref()), (response::SUCCESS, None));
    p.oneway(end_for("PG_TX", &rb, ROLLBACK, "UNIQ-B")).await;
    wait_until(T, "two op records", || {
        let n = store_queue(&b, tx::OP_TOPIC, 0).len();
        async move { n == 2 }
    })
    .await;
    let ops = store_queue(&b, tx::OP_TOPIC, 0);
    assert_eq!(bodies(&ops), vec![b"0".to_vec(), b"1".to_vec()]);
    assert!(ops.iter().all(|o| o.tags() == Some("d")));
    let q1 = pull_queue(&c, &b.addr, "TxOrders", 1).await;
    assert_eq!(bodies(&q1), vec![b"a".to_vec()], "A visible, B never");
    let committed = &q1[0];
    assert_eq!(
        committed.sys_flag & sys_flag::TRANSACTION_MASK,
        sys_flag::TRANSACTION_COMMIT
    );
    assert_eq!(committed.prepared_transaction_offset, msg_id_offset(&a.msg_id));
    assert_eq!(committed.properties["UNIQ_KEY"], "UNIQ-A");
    assert_eq!(
        committed.properties["REAL_TOPIC"], "TxOrders",
        "kept on the record, as Java"
    );

    // C: unanswered, so the broker asks this connection once it is older than transactionTimeOut.
    let check = p.next_request(Duration::from_secs(20)).await;
    assert_eq!(check.code, request::CHECK_TRANSACTION_STATE);
    assert!(check.is_oneway());
    let h: CheckTransactionStateRequestHeader = check.decode_header().unwrap();
    assert_eq!(h.msg_id.as_deref(), Some("UNIQ-C"));
    assert_eq!(h.transaction_id.as_deref(), Some("UNIQ-C"));
    assert!(
        h.tran_state_table_offset >= 3,
        "the check names the re-put copy: {h:?}"
    );
    assert!(h
        .offset_msg_id
        .as_deref()
        .is_some_and(|id| msg_id_offset(id) == h.commit_log_offset));
    let m = decode_record(&check.body).unwrap();
    assert_eq!(
        (m.topic.as_str(), m.queue_id, m.body.as_slice()),
        ("TxOrders", 0, &b"c"[..])
    );
    assert_eq!(m.properties[tx::CHECK_TIMES], "1");
    assert_eq!(m.properties["PGROUP"], "PG_TX");
    assert!(
        pull_queue(&c, &b.addr, "TxOrders", 0).await.is_empty(),
        "C invisible before its commit"
    );
    // The producer answers as a Java client does: oneway, fromTransactionCheck.
    p.oneway(end_request(
        "PG_TX",
        h.tran_state_table_offset,
        h.commit_log_offset,
        COMMIT,
        true,
        "UNIQ-C",
    ))
    .await;
    wait_until(T, "C visible after the checked-back commit", || {
        let (c, addr) = (c.clone(), b.addr.clone());
        async move { bodies(&pull_queue(&c, &addr, "TxOrders", 0).await) == vec![b"c".to_vec()] }
    })
    .await;
    // The check-back progress (group CID_RMQ_SYS_TRANS) moves past every resolved half message.
    wait_until(T, "half and op progress", || {
        let (c, addr) = (c.clone(), b.addr.clone());
        async move {
            let half = query_offset(&c, &addr, tx::CHECK_GROUP, tx::HALF_TOPIC, 0).await;
            let op = query_offset(&c, &addr, tx::CHECK_GROUP, tx::OP_TOPIC, 0).await;
            half.is_some_and(|o| o >= 4) && op.is_some_and(|o| o >= 3)
        }
    })
    .await;
    // Every check that arrived was about C (A and B were resolved before they were due).
    for extra in std::mem::take(&mut p.requests) {
        let h: CheckTransactionStateRequestHeader = extra.decode_header().unwrap();
        assert_eq!(h.msg_id.as_deref(), Some("UNIQ-C"));
    }
    assert_eq!(
        bodies(&pull_queue(&c, &b.addr, "TxOrders", 1).await),
        vec![b"a".to_vec()]
    );
    b.stop().await;
    ns.stop().await;
}

/// A half message nobody answers is asked about `transactionCheckMax` times, then moved to
/// `TRANS_CHECK_MAX_TIME_TOPIC` (Java 4.9) and never visible in its real topic.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unanswered_half_message_moves_to_check_max_time_topic() {
    let ns = start_namesrv().await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = broker_config(dir.path(), "tx-max", &ns.addr, BrokerRole::AsyncMaster, 0);
    cfg.transaction_time_out = 500;
    cfg.transaction_check_interval = 200;
    cfg.transaction_check_max = 2;
    let b = start_broker(cfg).await.unwrap();
    let c = RemotingClient::default();
    create_topic_on(&c, &b.addr, "TxMax", 1).await;
    let mut p = RawConn::connect(&b.addr).await;
    p.heartbeat_producer("PG_MAX").await;
    p.send(half_request("TxMax", 0, b"never", "PG_MAX", "UNIQ-MAX"))
        .await;
    for n in 1..=2 {
        let check = p.next_request(Duration::from_secs(20)).await;
        let m = decode_record(&check.body).unwrap();
        assert_eq!(m.properties[tx::CHECK_TIMES], n.to_string());
    }
    wait_until(
        Duration::from_secs(20),
        "the half message in TRANS_CHECK_MAX_TIME_TOPIC",
        || {
            let (c, addr) = (c.clone(), b.addr.clone());
            async move {
                invoke(
                    &c,
                    &addr,
                    pull_request("checker", tx::CHECK_MAX_TIME_TOPIC, 0, 0, 32, "*", 0),
                )
                .await
                .code
                    == response::SUCCESS
            }
        },
    )
    .await;
    let moved = pull_queue(&c, &b.addr, tx::CHECK_MAX_TIME_TOPIC, 0).await;
    assert_eq!(bodies(&moved), vec![b"never".to_vec()]);
    assert_eq!(moved[0].properties[tx::CHECK_TIMES], "2");
    assert_eq!(moved[0].properties["REAL_TOPIC"], "TxMax");
    // The scan moved past the original and both copies; the message never reached its topic.
    wait_until(T, "half progress past the copies", || {
        let (c, addr) = (c.clone(), b.addr.clone());
        async move {
            query_offset(&c, &addr, tx::CHECK_GROUP, tx::HALF_TOPIC, 0)
                .await
                .is_some_and(|o| o >= 3)
        }
    })
    .await;
    assert!(pull_queue(&c, &b.addr, "TxMax", 0).await.is_empty());
    b.stop().await;
    ns.stop().await;
}

/// `CHECK_IMMUNITY_TIME_IN_SECONDS` (a producer's `checkImmunityTimeInSeconds`): the half
/// message is not checked before that age; while immune, each pass puts an immune copy back
/// that names the original's offset.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn immune_half_messages_are_not_checked_before_their_immunity_ends() {
    let ns = start_namesrv().await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = broker_config(dir.path(), "tx-imm", &ns.addr, BrokerRole::AsyncMaster, 0);
    cfg.transaction_time_out = 200;
    cfg.transaction_check_interval = 200;
    let b = start_broker(cfg).await.unwrap();
    let c = RemotingClient::default();
    create_topic_on(&c, &b.addr, "TxImm", 1).await;
    let mut p = RawConn::connect(&b.addr).await;
    p.heartbeat_producer("PG_IMM").await;
    let immune = |body: &[u8], uniq: &str| {
        with_property(
            half_request("TxImm", 0, body, "PG_IMM", uniq),
            tx::CHECK_IMMUNITY_TIME,
            "3",
        )
    };
    let sent_at = Instant::now();
    let first = p.send(immune(b"first", "UNIQ-I1")).await;
    let second = p.send(immune(b"second", "UNIQ-I2")).await;
    assert_eq!((first.queue_offset, second.queue_offset), (0, 1));
    // A pass puts immune copies of both back, naming the originals' offsets.
    wait_until(T, "immune copies", || {
        let n = store_queue(&b, tx::HALF_TOPIC, 0).len();
        async move { n >= 4 }
    })
    .await;
    let copies = store_queue(&b, tx::HALF_TOPIC, 0);
    assert_eq!(copies[2].properties[tx::PREPARED_QUEUE_OFFSET], "0");
    assert_eq!(copies[3].properties[tx::PREPARED_QUEUE_OFFSET], "1");
    assert!(
        !copies[2].properties.contains_key(tx::CHECK_TIMES),
        "not checked while immune"
    );
    // The producer commits the first with the offsets of its send.
    let r = p.call(end_for("PG_IMM", &first, COMMIT, "UNIQ-I1")).await;
    assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);
    // Nothing is checked before the immunity ends. Java 4.9 counts an op record of a half offset
    // the scan has passed as done without matching it to the immune copies that name it, so the
    // first's copy may be asked about too: this producer knows it committed and says rollback.
    let h = loop {
        let check = p.next_request(Duration::from_secs(20)).await;
        let elapsed = sent_at.elapsed();
        assert!(elapsed >= Duration::from_secs(3), "checked after {elapsed:?}");
        let h: CheckTransactionStateRequestHeader = check.decode_header().unwrap();
        if h.msg_id.as_deref() == Some("UNIQ-I2") {
            break h;
        }
        assert_eq!(h.msg_id.as_deref(), Some("UNIQ-I1"));
        let end = end_request(
            "PG_IMM",
            h.tran_state_table_offset,
            h.commit_log_offset,
            ROLLBACK,
            true,
            "UNIQ-I1",
        );
        p.oneway(end).await;
    };
    let end = end_request(
        "PG_IMM",
        h.tran_state_table_offset,
        h.commit_log_offset,
        COMMIT,
        true,
        "UNIQ-I2",
    );
    p.oneway(end).await;
    wait_until(T, "both committed", || {
        let (c, addr) = (c.clone(), b.addr.clone());
        async move { pull_queue(&c, &addr, "TxImm", 0).await.len() == 2 }
    })
    .await;
    assert_eq!(
        bodies(&pull_queue(&c, &b.addr, "TxImm", 0).await),
        vec![b"first".to_vec(), b"second".to_vec()]
    );
    b.stop().await;
    ns.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_end_transaction_gets_java_remarks_and_connection_survives() {
    let ns = start_namesrv().await;
    let dir = tempfile::tempdir().unwrap();
    let b = start_broker(broker_config(
        dir.path(),
        "tx-bad",
        &ns.addr,
        BrokerRole::AsyncMaster,
        0,
    ))
    .await
    .unwrap();
    let c = RemotingClient::default();
    create_topic_on(&c, &b.addr, "TxBad", 1).await;
    let mut p = RawConn::connect(&b.addr).await;
    let plain = p.send(send_request("TxBad", 0, b"plain".to_vec(), "", "")).await;
    let half = p.send(half_request("TxBad", 0, b"h", "PG_BAD", "UNIQ-H")).await;
    let half_off = msg_id_offset(&half.msg_id);

    // Only the broker writes the transaction topics.
    for topic in [tx::HALF_TOPIC, tx::OP_TOPIC, tx::CHECK_MAX_TIME_TOPIC] {
        let r = p.call(send_request(topic, 0, b"forged".to_vec(), "", "")).await;
        assert_eq!(r.code, response::NO_PERMISSION);
        assert_eq!(
            r.remark.as_deref(),
            Some(format!("Sending message to topic[{topic}] is forbidden.").as_str())
        );
    }

    let not_found = "Find prepared transaction message failed";
    for (req, remark) in [
        (end_request("PG_BAD", 0, 1 << 40, COMMIT, false, "x"), not_found),
        (end_request("PG_BAD", 0, -5, ROLLBACK, false, "x"), not_found),
        (
            end_request("PG_BAD", 0, half_off + 3, COMMIT, false, "x"),
            not_found,
        ),
        (end_for("PG_BAD", &plain, COMMIT, "x"), not_found),
        (
            end_request("OTHER", half.queue_offset, half_off, COMMIT, false, "x"),
            "The producer group wrong",
        ),
        (
            end_request("PG_BAD", half.queue_offset + 7, half_off, ROLLBACK, false, "x"),
            "The transaction state table offset wrong",
        ),
        (
            end_request("PG_BAD", half.queue_offset, half_off, 5, false, "x"),
            "commitOrRollback field wrong",
        ),
    ] {
        let r = p.call(req).await;
        assert_eq!(
            (r.code, r.remark.as_deref()),
            (response::SYSTEM_ERROR, Some(remark))
        );
    }
    let mut missing = end_request("PG_BAD", 0, half_off, COMMIT, false, "x");
    missing.ext_fields.remove("producerGroup");
    assert_eq!(p.call(missing).await.code, response::SYSTEM_ERROR);
    // A pending (0) resolution gets no answer at all, as in Java.
    let r = c
        .invoke(
            &b.addr,
            end_for("PG_BAD", &half, 0, "UNIQ-H"),
            Duration::from_millis(500),
        )
        .await;
    assert!(r.is_err(), "no answer to a pending END_TRANSACTION: {r:?}");

    // The connection still serves, and the half message is still there to commit.
    let r = p.call(end_for("PG_BAD", &half, COMMIT, "UNIQ-H")).await;
    assert_eq!(r.code, response::SUCCESS, "{:?}", r.remark);
    assert_eq!(
        bodies(&pull_queue(&c, &b.addr, "TxBad", 0).await),
        vec![b"plain".to_vec(), b"h".to_vec()]
    );
    let op = store_queue(&b, tx::OP_TOPIC, 0);
    assert_eq!(bodies(&op), vec![half.queue_offset.to_string().into_bytes()]);

    // A broker with rejectTransactionMessage refuses half messages only.
    let dir2 = tempfile::tempdir().unwrap();
    let mut cfg = broker_config(dir2.path(), "tx-reject", &ns.addr, BrokerRole::AsyncMaster, 0);
    cfg.reject_transaction_message = true;
    let rej = start_broker(cfg).await.unwrap();
    let r = invoke(&c, &rej.addr, half_request("TxBad", 0, b"h", "PG_BAD", "UNIQ-R")).await;
    assert_eq!(r.code, response::NO_PERMISSION);
    assert_eq!(
        r.remark.as_deref(),
        Some("the broker[127.0.0.1] sending transaction message is forbidden")
    );
    assert_eq!(
        invoke(&c, &rej.addr, send_request("TxBad", 0, b"ok".to_vec(), "", ""))
            .await
            .code,
        0
    );

    // A slave refuses END_TRANSACTION.
    let dir3 = tempfile::tempdir().unwrap();
    let slave = start_broker(broker_config(
        dir3.path(),
        "tx-slave",
        &ns.addr,
        BrokerRole::Slave,
        1,
    ))
    .await
    .unwrap();
    let r = invoke(&c, &slave.addr, end_for("PG_BAD", &half, COMMIT, "UNIQ-H")).await;
    assert_eq!(r.code, response::SLAVE_NOT_AVAILABLE);

    slave.stop().await;
    rej.stop().await;
    b.stop().await;
    ns.stop().await;
}

/// DLedger: the leader acknowledges two half messages and is killed (`kill -9`) before the
/// producer resolves them. The new leader has both from the Raft log: the producer commits the
/// first there, and the new leader checks the second back over the producer's connection to it;
/// the answer commits it. Neither is visible before its commit, each exactly once after.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dledger_commit_and_check_back_on_new_leader_after_kill9() {
    let extra = [
        ("transactionTimeOut", "1000".to_string()),
        ("transactionCheckInterval", "300".to_string()),
    ];
    let mut g = Group::fresh_with(128 * 1024, &extra).await;
    let c = RemotingClient::default();
    g.create_topic(&c).await;
    let leader = g.leader(&c).await;
    let mut p = RawConn::connect(&leader).await;
    p.heartbeat_producer("PG_DL").await;
    let first = p
        .send(half_request(TOPIC, 2, b"dl-commit", "PG_DL", "UNIQ-DL1"))
        .await;
    let second = p
        .send(half_request(TOPIC, 1, b"dl-checked", "PG_DL", "UNIQ-DL2"))
        .await;
    let idx = g.index_of(&leader);
    g.nodes[idx].kill9();
    drop(p);

    let count = |recs: &crate::dledger_cluster::Records, body: &[u8]| {
        recs.values().filter(|b| b.as_slice() == body).count()
    };
    let others: Vec<String> = g.addrs().into_iter().filter(|a| *a != leader).collect();
    for a in &others {
        let recs = pull_topic(&c, a, TOPIC).await.expect("topic served");
        assert_eq!(
            count(&recs, b"dl-commit") + count(&recs, b"dl-checked"),
            0,
            "{a} shows a half message"
        );
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    let new_leader = loop {
        let (addr, _) = wait_bid0_among(&c, &g.ns.addr, &others).await;
        let r = invoke(&c, &addr, end_for("PG_DL", &first, COMMIT, "UNIQ-DL1")).await;
        if r.code == response::SUCCESS {
            break addr;
        }
        // A new leader still applying its log is not writable yet, as for sends.
        assert!(
            [response::SERVICE_NOT_AVAILABLE, response::SLAVE_NOT_AVAILABLE].contains(&r.code),
            "{addr}: {} {:?}",
            r.code,
            r.remark
        );
        assert!(Instant::now() < deadline, "no leader committed: {:?}", r.remark);
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let recs = pull_topic(&c, &new_leader, TOPIC).await.expect("topic served");
    assert_eq!(count(&recs, b"dl-commit"), 1, "committed exactly once");
    assert!(recs
        .iter()
        .any(|((q, _), b)| *q == 2 && b.as_slice() == b"dl-commit"));
    assert_eq!(count(&recs, b"dl-checked"), 0);

    // The second: the new leader asks the producer, which now heartbeats to it.
    let mut p = RawConn::connect(&new_leader).await;
    p.heartbeat_producer("PG_DL").await;
    // A pass of the new leader that ran before the first commit may have re-put the first half
    // message too, and asks about that copy: this producer knows it is committed and answers
    // rollback (a Java producer answering commit would commit it twice, as in Java).
    let h = loop {
        let check = p.next_request(Duration::from_secs(30)).await;
        assert_eq!(check.code, request::CHECK_TRANSACTION_STATE);
        let h: CheckTransactionStateRequestHeader = check.decode_header().unwrap();
        if h.msg_id.as_deref() == Some("UNIQ-DL2") {
            break h;
        }
        assert_eq!(h.msg_id.as_deref(), Some("UNIQ-DL1"));
        let end = end_request(
            "PG_DL",
            h.tran_state_table_offset,
            h.commit_log_offset,
            ROLLBACK,
            true,
            "UNIQ-DL1",
        );
        p.oneway(end).await;
    };
    assert_ne!(
        h.commit_log_offset,
        msg_id_offset(&second.msg_id),
        "the check names the re-put copy"
    );
    p.oneway(end_request(
        "PG_DL",
        h.tran_state_table_offset,
        h.commit_log_offset,
        COMMIT,
        true,
        "UNIQ-DL2",
    ))
    .await;
    wait_until(
        Duration::from_secs(30),
        "the checked-back message visible",
        || {
            let (c, a) = (c.clone(), new_leader.clone());
            async move {
                pull_topic(&c, &a, TOPIC)
                    .await
                    .is_some_and(|r| count(&r, b"dl-checked") == 1)
            }
        },
    )
    .await;
    // The surviving follower applies the same commits.
    let follower = others.iter().find(|a| **a != new_leader).unwrap().clone();
    wait_until(
        Duration::from_secs(30),
        "the follower serves both commits",
        || {
            let (c, a) = (c.clone(), follower.clone());
            async move {
                pull_topic(&c, &a, TOPIC)
                    .await
                    .is_some_and(|r| count(&r, b"dl-commit") == 1 && count(&r, b"dl-checked") == 1)
            }
        },
    )
    .await;
    // The op records are in the new leader's Raft log (the op topic has no config to pull with).
    let i = g.index_of(&new_leader);
    assert!(data_files_contain(&g.roots[i], i, tx::OP_TOPIC.as_bytes()));
}
