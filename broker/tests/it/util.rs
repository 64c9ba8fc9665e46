//! Helpers: start a name server and brokers in-process, send and pull through the real client.

use std::time::Duration;

use broker::config::{BrokerConfig, BrokerRole};
use broker::remoting::codes::request;
use broker::remoting::headers::{
    PullMessageRequestHeader, SendMessageRequestHeader, SendMessageRequestHeaderV2,
};
use broker::remoting::{RemotingClient, RemotingCommand};
use broker::store::message::encode_properties;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub const T: Duration = Duration::from_secs(10);

/// A server task with a stop switch.
#[derive(Debug)]
pub struct Running {
    pub addr: String,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    pub async fn stop(mut self) {
        let _ = self.stop.take().expect("stop once").send(());
        tokio::time::timeout(T, self.task)
            .await
            .expect("server stops in time")
            .expect("server task");
    }
}

pub async fn start_namesrv() -> Running {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let (tx, rx) = oneshot::channel();
    let task = tokio::spawn(broker::namesrv::run(listener, Default::default(), async {
        let _ = rx.await;
    }));
    Running {
        addr,
        stop: Some(tx),
        task,
    }
}

pub fn broker_config(
    root: &std::path::Path,
    name: &str,
    namesrv: &str,
    role: BrokerRole,
    id: i64,
) -> BrokerConfig {
    BrokerConfig {
        broker_name: name.into(),
        broker_ip1: "127.0.0.1".into(),
        broker_ip2: "127.0.0.1".into(),
        namesrv_addr: Some(namesrv.into()),
        store_path_root_dir: root.display().to_string(),
        store_path_commit_log: None,
        mapped_file_size_commit_log: 1024 * 1024,
        broker_role: role,
        broker_id: id,
        listen_port: 0,
        ..BrokerConfig::default()
    }
}

pub async fn start_broker(cfg: BrokerConfig) -> Result<Running, broker::controller::BrokerError> {
    start_broker_with(cfg, None).await
}

/// Starts a broker; a DLedger node gets its Raft RPC listener passed in (bound by the test).
pub async fn start_broker_with(
    cfg: BrokerConfig,
    raft_listener: Option<std::net::TcpListener>,
) -> Result<Running, broker::controller::BrokerError> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let ha = if cfg.broker_role == BrokerRole::Slave || cfg.enable_dleger_commit_log {
        None
    } else {
        Some(TcpListener::bind("127.0.0.1:0").await?)
    };
    let ha_addr = ha.as_ref().map(|l| l.local_addr().unwrap());
    let b = broker::controller::open(cfg, listener.local_addr()?, ha_addr)?;
    *b.raft_listener.lock().unwrap() = raft_listener;
    let addr = b.addr();
    let (tx, rx) = oneshot::channel();
    let task = tokio::spawn(async move {
        broker::controller::run(b, listener, ha, async {
            let _ = rx.await;
        })
        .await
        .expect("broker runs");
    });
    Ok(Running {
        addr,
        stop: Some(tx),
        task,
    })
}

pub fn send_request(topic: &str, queue_id: i32, body: Vec<u8>, tags: &str, keys: &str) -> RemotingCommand {
    let h = SendMessageRequestHeader {
        producer_group: "pg".into(),
        topic: topic.into(),
        default_topic: "TBW102".into(),
        default_topic_queue_nums: 4,
        queue_id,
        sys_flag: 0,
        born_timestamp: 1,
        flag: 0,
        properties: Some(encode_properties([
            ("TAGS", tags),
            ("KEYS", keys),
            ("WAIT", "true"),
        ])),
        reconsume_times: Some(0),
        unit_mode: Some(false),
        batch: Some(false),
        max_reconsume_times: None,
    };
    RemotingCommand::request(request::SEND_MESSAGE_V2, &SendMessageRequestHeaderV2::from_v1(&h))
        .with_body(body)
}

pub fn pull_request(
    group: &str,
    topic: &str,
    queue_id: i32,
    offset: i64,
    max: i32,
    sub: &str,
    suspend_ms: i64,
) -> RemotingCommand {
    let flags = 0x4 | if suspend_ms > 0 { 0x2 } else { 0 };
    let h = PullMessageRequestHeader {
        consumer_group: group.into(),
        topic: topic.into(),
        queue_id,
        queue_offset: offset,
        max_msg_nums: max,
        sys_flag: flags,
        commit_offset: 0,
        suspend_timeout_millis: suspend_ms,
        subscription: Some(sub.into()),
        sub_version: 0,
        expression_type: Some("TAG".into()),
        max_msg_bytes: None,
    };
    RemotingCommand::request(request::PULL_MESSAGE, &h)
}

pub async fn invoke(c: &RemotingClient, addr: &str, req: RemotingCommand) -> RemotingCommand {
    c.invoke(addr, req, T).await.expect("call succeeds")
}
