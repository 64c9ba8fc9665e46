//! What admin tools ask about groups and their clients: GET_CONSUMER_CONNECTION_LIST (203),
//! GET_PRODUCER_CONNECTION_LIST (204), GET_CONSUME_STATS (208) and QUERY_TOPIC_CONSUME_BY_WHO
//! (300), answered from the live clients heartbeats registered ([`crate::broker::groups`]), the
//! committed offsets and the store, with Java 4.9's bodies and error answers.

use std::collections::BTreeSet;

use crate::broker::Broker;
use crate::json;
use crate::remoting::body_group::{ConsumeStats, GroupList, MessageQueue, OffsetWrapper};
use crate::remoting::codes::response;
use crate::remoting::command::RemotingCommand;
use crate::remoting::headers::{
    ConsumerGroupRequestHeader, GetConsumeStatsRequestHeader, ProducerGroupRequestHeader, TopicRequestHeader,
};
use crate::store::message::decode_record;

use super::{decode, error, Reply};

/// GET_CONSUMER_CONNECTION_LIST: CONSUMER_NOT_ONLINE when no consumer of the group is alive.
pub fn consumer_connection_list(b: &Broker, req: &RemotingCommand) -> Reply {
    let h: ConsumerGroupRequestHeader = decode(req)?;
    match b.groups.consumer_connection(&h.consumer_group) {
        Some(c) => Ok(RemotingCommand::success().with_body(json::to_vec(&c))),
        None => Err(error(
            response::CONSUMER_NOT_ONLINE,
            format!("the consumer group[{}] not online", h.consumer_group),
        )),
    }
}

/// GET_PRODUCER_CONNECTION_LIST: SYSTEM_ERROR when the producer group has no live client.
pub fn producer_connection_list(b: &Broker, req: &RemotingCommand) -> Reply {
    let h: ProducerGroupRequestHeader = decode(req)?;
    match b.groups.producer_connection(&h.producer_group) {
        Some(c) => Ok(RemotingCommand::success().with_body(json::to_vec(&c))),
        None => Err(error(
            response::SYSTEM_ERROR,
            format!("the producer group[{}] not exist", h.producer_group),
        )),
    }
}

/// `(topic, group)` pairs of the committed offsets (keys `topic@group`; keys with another
/// number of `@` are skipped, as Java's split does).
fn offset_pairs(b: &Broker) -> Vec<(String, String)> {
    b.offsets
        .all()
        .offset_table
        .keys()
        .filter_map(|k| {
            let mut parts = k.split('@');
            let (t, g) = (parts.next()?, parts.next()?);
            parts.next().is_none().then(|| (t.to_string(), g.to_string()))
        })
        .collect()
}

/// Store time of the message at a queue offset, if it is still in the store.
fn store_time_at(b: &Broker, topic: &str, queue_id: i32, offset: i64) -> Option<i64> {
    let r = b
        .store
        .get_messages(topic, queue_id, offset, 1, 1 << 20, |_| true)
        .ok()?;
    decode_record(&r.messages)
        .ok()
        .filter(|m| m.queue_offset == offset)
        .map(|m| m.store_timestamp)
}

/// GET_CONSUME_STATS: per read queue of each topic (the header's, or every topic the group has
/// offsets for) the max offset, the committed offset and the store time of the last consumed
/// message. Topics the group's live consumers do not subscribe to are left out when they
/// subscribe to any. `consumeTps` sums, over those topics, the messages per second the group
/// pulled in the last minute ([`crate::broker::stats::GroupGets`]), as Java's broker does.
pub fn consume_stats(b: &Broker, req: &RemotingCommand) -> Reply {
    let h: GetConsumeStatsRequestHeader = decode(req)?;
    let group = h.consumer_group;
    let topics: BTreeSet<String> = match h.topic.filter(|t| !t.trim().is_empty()) {
        Some(t) => BTreeSet::from([t]),
        None => offset_pairs(b)
            .into_iter()
            .filter(|(_, g)| *g == group)
            .map(|(t, _)| t)
            .collect(),
    };
    let mut stats = ConsumeStats::default();
    let now = crate::remoting::body::now_millis();
    for topic in topics {
        let Some(tc) = b.topics.get(&topic) else {
            tracing::warn!(topic, "consume stats: topic config does not exist");
            continue;
        };
        if b.groups.subscription(&group, &topic).is_none() && b.groups.subscription_count(&group) > 0 {
            continue;
        }
        stats.consume_tps += b.stats.group_gets.tps(&topic, &group, now);
        for queue_id in 0..tc.read_queue_nums {
            let broker_offset = b.store.max_offset_in_queue(&topic, queue_id).max(0);
            let consumer_offset = b.offsets.query(&group, &topic, queue_id).unwrap_or(-1).max(0);
            let last_timestamp = match consumer_offset - 1 {
                o if o >= 0 => store_time_at(b, &topic, queue_id, o)
                    .filter(|t| *t > 0)
                    .unwrap_or(0),
                _ => 0,
            };
            let mq = MessageQueue {
                broker_name: b.cfg.broker_name.clone(),
                queue_id,
                topic: topic.clone(),
            };
            stats.offset_table.insert(
                mq,
                OffsetWrapper {
                    broker_offset,
                    consumer_offset,
                    last_timestamp,
                    pull_offset: consumer_offset,
                },
            );
        }
    }
    Ok(RemotingCommand::success().with_body(stats.to_fastjson()))
}

/// QUERY_TOPIC_CONSUME_BY_WHO: groups with a live consumer subscribed to the topic, and groups
/// with committed offsets on it.
pub fn topic_consume_by_who(b: &Broker, req: &RemotingCommand) -> Reply {
    let h: TopicRequestHeader = decode(req)?;
    let mut groups: BTreeSet<String> = b.groups.groups_consuming(&h.topic).into_iter().collect();
    groups.extend(
        offset_pairs(b)
            .into_iter()
            .filter(|(t, _)| *t == h.topic)
            .map(|(_, g)| g),
    );
    Ok(RemotingCommand::success().with_body(json::to_vec(&GroupList { group_list: groups })))
}
