//! `sendMessage`: look up the route, pick a writable queue on a broker group's master, and send
//! with SEND_MESSAGE_V2 (310). A SERVICE_NOT_AVAILABLE answer or a connection failure (a DLedger
//! group electing a new leader, a master restarting) re-reads the route and tries again, up to
//! [`MAX_ATTEMPTS`] times, as the Java producer retries against a fresh route.

use std::sync::atomic::{AtomicU16, Ordering};
use std::time::Duration;

use broker::remoting::body::{now_millis, TopicRouteData};
use broker::remoting::codes::{request, response};
use broker::remoting::headers::{SendMessageRequestHeaderV2, SendMessageResponseHeader};
use broker::remoting::RemotingCommand;
use broker::store::format::property;
use broker::store::message::encode_properties;
use rand::Rng;
use serde::Serialize;

use super::admin::{Admin, AdminError};
use super::route::{master_queues, MasterQueue, QueueSelection, Side};

/// Attempts before giving up.
pub const MAX_ATTEMPTS: usize = 3;
/// Pause before a retry, doubled each time (a DLedger election takes a few seconds).
pub const RETRY_BACKOFF: Duration = Duration::from_millis(1000);
/// Producer group announced in the request.
pub const PRODUCER_GROUP: &str = "TOOLS_PRODUCER";

/// What to send.
#[derive(Debug, Clone, Default)]
pub struct SendMessageOptions {
    /// Topic.
    pub topic: String,
    /// Body.
    pub body: Vec<u8>,
    /// `KEYS` property.
    pub keys: Option<String>,
    /// `TAGS` property.
    pub tags: Option<String>,
    /// Only this broker group.
    pub broker_name: Option<String>,
    /// Only this queue id.
    pub queue_id: Option<i32>,
}

/// The outcome of a send.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SendMessageReport {
    /// Broker group that stored the message.
    pub broker_name: String,
    /// Broker address that stored it.
    pub broker_addr: String,
    /// Queue id.
    pub queue_id: i32,
    /// Queue offset.
    pub queue_offset: i64,
    /// `SEND_OK`, `FLUSH_DISK_TIMEOUT`, `FLUSH_SLAVE_TIMEOUT` or `SLAVE_NOT_AVAILABLE`.
    pub send_status: String,
    /// The client message id (`UNIQ_KEY`), what Java prints as `MsgId`.
    pub msg_id: String,
    /// The broker's offset message id, accepted by `queryMsgById`.
    pub offset_msg_id: String,
    /// Attempts it took.
    pub attempts: usize,
}

/// Java's `SendStatus` for a send response code, `None` for a failure.
pub fn send_status(code: i32) -> Option<&'static str> {
    match code {
        response::SUCCESS => Some("SEND_OK"),
        response::FLUSH_DISK_TIMEOUT => Some("FLUSH_DISK_TIMEOUT"),
        response::FLUSH_SLAVE_TIMEOUT => Some("FLUSH_SLAVE_TIMEOUT"),
        response::SLAVE_NOT_AVAILABLE => Some("SLAVE_NOT_AVAILABLE"),
        _ => None,
    }
}

/// A new client message id: 32 upper-case hex digits, like Java's `MessageClientIDSetter`
/// (host, process id, a random part, milliseconds, a counter).
pub fn new_uniq_id() -> String {
    static COUNTER: AtomicU16 = AtomicU16::new(0);
    let mut raw = [0u8; 16];
    raw[..4].copy_from_slice(&[127, 0, 0, 1]);
    raw[4..6].copy_from_slice(&(std::process::id() as u16).to_be_bytes());
    raw[6..10].copy_from_slice(&rand::thread_rng().gen::<u32>().to_be_bytes());
    raw[10..14].copy_from_slice(&(now_millis() as u32).to_be_bytes());
    raw[14..].copy_from_slice(&COUNTER.fetch_add(1, Ordering::Relaxed).to_be_bytes());
    hex::encode_upper(raw)
}

/// The queues on a master that a route offers for sending, narrowed by the options' filters.
///
/// # Errors
/// [`AdminError::Invalid`] when nothing matches the filters.
pub fn candidates(
    route: &TopicRouteData,
    options: &SendMessageOptions,
) -> Result<Vec<MasterQueue>, AdminError> {
    let selection = QueueSelection {
        broker_name: options.broker_name.as_deref(),
        queue_id: options.queue_id,
        ..QueueSelection::all(Side::Write)
    };
    let out = master_queues(route, &selection);
    if out.is_empty() {
        return Err(AdminError::Invalid(format!(
            "no writable queue of topic {} on a master{}{}",
            options.topic,
            options
                .broker_name
                .as_ref()
                .map(|b| format!(" of broker {b}"))
                .unwrap_or_default(),
            options
                .queue_id
                .map(|q| format!(" with queue id {q}"))
                .unwrap_or_default()
        )));
    }
    Ok(out)
}

/// Sends one message, retrying against a fresh route on SERVICE_NOT_AVAILABLE and connection
/// errors.
///
/// # Errors
/// Unknown topic, no matching queue, a refusal, or the last failure after [`MAX_ATTEMPTS`].
pub async fn send_message(
    admin: &Admin,
    options: &SendMessageOptions,
) -> Result<SendMessageReport, AdminError> {
    if options.body.is_empty() {
        // As Java's producer (Validators.checkMessage): "the message body length is zero".
        return Err(AdminError::Invalid(
            "the message body is empty (-p ''): Java's producer refuses it too (\"the message body length is zero\")".into(),
        ));
    }
    let uniq = new_uniq_id();
    let mut props: Vec<(&str, &str)> = Vec::new();
    if let Some(k) = &options.keys {
        props.push((property::KEYS, k));
    }
    if let Some(t) = &options.tags {
        props.push((property::TAGS, t));
    }
    props.push((property::UNIQ_KEY, &uniq));
    props.push((property::WAIT, "true"));
    let properties = encode_properties(props);
    let mut backoff = RETRY_BACKOFF;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let result = try_once(admin, options, &properties).await;
        let retryable = match &result {
            Ok(_) => false,
            Err(AdminError::Remoting(_)) => true,
            Err(AdminError::Refused { code, .. }) => *code == response::SERVICE_NOT_AVAILABLE,
            Err(_) => false,
        };
        if !retryable || attempt >= MAX_ATTEMPTS {
            return result.map(|(broker_name, broker_addr, h, status)| SendMessageReport {
                broker_name,
                broker_addr,
                queue_id: h.queue_id,
                queue_offset: h.queue_offset,
                send_status: status.to_string(),
                msg_id: uniq.clone(),
                offset_msg_id: h.msg_id,
                attempts: attempt,
            });
        }
        tracing::debug!("send attempt {attempt} failed, retrying: {:?}", result.err());
        tokio::time::sleep(backoff).await;
        backoff *= 2;
    }
}

async fn try_once(
    admin: &Admin,
    options: &SendMessageOptions,
    properties: &str,
) -> Result<(String, String, SendMessageResponseHeader, &'static str), AdminError> {
    let route = admin.route(&options.topic).await?;
    let choices = candidates(&route, options)?;
    let MasterQueue {
        broker_name,
        addr,
        queue_id,
    } = choices[rand::thread_rng().gen_range(0..choices.len())].clone();
    let header = SendMessageRequestHeaderV2 {
        a: PRODUCER_GROUP.into(),
        b: options.topic.clone(),
        c: "TBW102".into(),
        d: 4,
        e: queue_id,
        f: 0,
        g: now_millis(),
        h: 0,
        i: Some(properties.to_string()),
        j: Some(0),
        k: Some(false),
        l: None,
        m: Some(false),
        n: Some(broker_name.clone()),
    };
    let req = RemotingCommand::request(request::SEND_MESSAGE_V2, &header).with_body(options.body.clone());
    let resp = admin.client.invoke(&addr, req, admin.timeout).await?;
    let Some(status) = send_status(resp.code) else {
        return Err(AdminError::Refused {
            addr,
            what: "SEND_MESSAGE_V2",
            code: resp.code,
            remark: resp.remark.unwrap_or_default(),
        });
    };
    let h: SendMessageResponseHeader = resp.decode_header().map_err(|e| AdminError::BadBody {
        addr: addr.clone(),
        what: "SendMessageResponseHeader",
        reason: e.to_string(),
    })?;
    Ok((broker_name, addr, h, status))
}

#[cfg(test)]
mod tests {
    use super::*;
    use broker::remoting::body::{BrokerData, QueueData};

    #[test]
    fn uniq_ids_are_32_hex_and_distinct() {
        let (a, b) = (new_uniq_id(), new_uniq_id());
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn candidates_follow_filters() {
        let route = TopicRouteData {
            broker_datas: vec![
                BrokerData {
                    broker_addrs: [(0, "a:1".to_string())].into(),
                    broker_name: "a".into(),
                    cluster: "c".into(),
                    ..Default::default()
                },
                BrokerData {
                    broker_addrs: [(1, "b:1".to_string())].into(),
                    broker_name: "b".into(),
                    cluster: "c".into(),
                    ..Default::default()
                },
            ],
            queue_datas: ["a", "b"]
                .map(|n| QueueData {
                    broker_name: n.into(),
                    perm: 6,
                    read_queue_nums: 2,
                    write_queue_nums: 2,
                    topic_sys_flag: 0,
                })
                .to_vec(),
            ..Default::default()
        };
        let mut o = SendMessageOptions {
            topic: "t".into(),
            ..Default::default()
        };
        // b has no master: skipped.
        assert_eq!(candidates(&route, &o).unwrap().len(), 2);
        o.queue_id = Some(1);
        assert_eq!(
            candidates(&route, &o).unwrap(),
            vec![MasterQueue {
                broker_name: "a".into(),
                addr: "a:1".into(),
                queue_id: 1
            }]
        );
        o.broker_name = Some("b".into());
        assert!(matches!(candidates(&route, &o), Err(AdminError::Invalid(_))));
    }
}
