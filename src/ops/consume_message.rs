//! `consumeMessage`: read messages with PULL_MESSAGE (11) carrying its own subscription
//! (SUBSCRIPTION flag, no SUSPEND, no COMMIT_OFFSET), queue by queue, from the queue's min offset
//! (or `-o`) until `COUNT` messages or every queue's max offset. Read-only, like Java's pull
//! consumer in `consumeMessage`: no offset is committed.

use broker::remoting::codes::request;
use broker::remoting::headers::PullMessageRequestHeader;
use broker::store::message::{offset_msg_id, DecodedMessage};
use serde::Serialize;

use super::admin::{Admin, AdminError};
use super::message::MessageView;
use super::route::{master_queues, MasterQueue, Order, QueueSelection, Side};

/// Default consumer group, as the Java tools (`MixAll.TOOLS_CONSUMER_GROUP`).
pub const TOOLS_CONSUMER_GROUP: &str = "TOOLS_CONSUMER";
/// Messages asked for per pull.
pub const PULL_BATCH: i32 = 32;

/// What to read.
#[derive(Debug, Clone)]
pub struct ConsumeMessageOptions {
    /// Topic.
    pub topic: String,
    /// Only this broker group.
    pub broker_name: Option<String>,
    /// Only this queue id.
    pub queue_id: Option<i32>,
    /// Start offset in each queue; default: the queue's min offset.
    pub offset: Option<i64>,
    /// Stop after this many messages.
    pub count: usize,
    /// Tag expression (`*`, `TagA || TagB`).
    pub subscription: String,
    /// Consumer group named in the requests.
    pub group: String,
}

/// The messages read.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsumeMessageReport {
    /// Topic.
    pub topic: String,
    /// Messages in queue order.
    pub messages: Vec<MessageView>,
    /// Each queue read: its offsets, so an empty result says why (issue 20 item 14: an offset
    /// past the end or a tag that matches nothing printed nothing at all).
    pub queues: Vec<QueueRead>,
}

/// What was read of one queue.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueRead {
    /// Broker group.
    pub broker_name: String,
    /// Queue id.
    pub queue_id: i32,
    /// The queue's min offset.
    pub min_offset: i64,
    /// The queue's max offset (the next offset to be written).
    pub max_offset: i64,
    /// Where reading started.
    pub start_offset: i64,
    /// Messages taken from it (after the tag filter).
    pub messages: usize,
}

/// Reads the messages.
///
/// # Errors
/// Unknown topic, no queue matching the filters, or broker failures.
pub async fn consume_message(
    admin: &Admin,
    options: &ConsumeMessageOptions,
) -> Result<ConsumeMessageReport, AdminError> {
    let route = admin.route(&options.topic).await?;
    let selection = QueueSelection {
        side: Side::Read,
        order: Order::BrokerName,
        broker_name: options.broker_name.as_deref(),
        queue_id: options.queue_id,
    };
    let queues = master_queues(&route, &selection);
    if queues.is_empty() {
        return Err(AdminError::Invalid(format!(
            "no readable queue of topic {} matches the broker name and queue id given",
            options.topic
        )));
    }
    let mut messages = Vec::new();
    let mut read = Vec::new();
    for MasterQueue {
        broker_name,
        addr,
        queue_id,
    } in queues
    {
        if messages.len() >= options.count {
            break;
        }
        let min = admin
            .queue_offset(&addr, request::GET_MIN_OFFSET, &options.topic, queue_id)
            .await?;
        let max = admin
            .queue_offset(&addr, request::GET_MAX_OFFSET, &options.topic, queue_id)
            .await?;
        let mut offset = options.offset.unwrap_or(min).max(min);
        let before = messages.len();
        let start_offset = offset;
        while offset < max && messages.len() < options.count {
            let want = (options.count - messages.len()).min(PULL_BATCH as usize) as i32;
            let header = PullMessageRequestHeader::one_off(
                &options.group,
                &options.topic,
                queue_id,
                offset,
                want,
                &options.subscription,
            );
            // An empty answer is "nothing (matching) here": move on to the offset the broker
            // suggests.
            let (records, next) = admin.pull(&addr, &header).await?;
            for m in records {
                if messages.len() < options.count {
                    messages.push(MessageView::new(&broker_name, &m));
                }
            }
            if next <= offset {
                break;
            }
            offset = next;
        }
        read.push(QueueRead {
            broker_name: broker_name.clone(),
            queue_id,
            min_offset: min,
            max_offset: max,
            start_offset,
            messages: messages.len() - before,
        });
    }
    Ok(ConsumeMessageReport {
        topic: options.topic.clone(),
        messages,
        queues: read,
    })
}

/// The offset message id of a decoded record.
pub fn msg_id_of(m: &DecodedMessage) -> String {
    offset_msg_id(&m.store_host, m.physical_offset as u64)
}
