//! The metadata record: one metadata change as a RocketMQ message record of the reserved topic
//! [`META_TOPIC`], so that it travels through the Raft log in order with the messages and the
//! data files stay what they are (see `store::format::dledger::META_TOPIC`).
//!
//! The body is one JSON object whose `op` names the change:
//!
//! | `op` | fields | change |
//! |---|---|---|
//! | `upsertTopic` | `topic`: a `TopicConfig` as in `topics.json` | create or replace a topic |
//! | `deleteTopic` | `topic`: name | delete a topic and its consumer offsets |
//! | `upsertGroup` | `group`: a `SubscriptionGroupConfig` as in `subscriptionGroup.json` | create or replace a group |
//! | `deleteGroup` | `group`: name, `removeOffsets` | delete a group's settings (and offsets) |
//! | `offsets` | `offsets`: `[{group, topic, queueId, offset}]` | commit consumer offsets |
//! | `delayOffsets` | `offsets`: `[{level, offset}]` | record delay-level progress |
//!
//! A record of the reserved topic whose body is not such an object is corruption: applying it
//! fails with [`MetaRecordError`], never a panic.

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

use crate::remoting::body::TopicConfig;
use crate::store::config_files::SubscriptionGroupConfig;
use crate::store::format::dledger::META_TOPIC;
use crate::store::message::MessageToStore;

/// One committed consumer offset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OffsetEntry {
    /// Consumer group.
    pub group: String,
    /// Topic.
    pub topic: String,
    /// Queue.
    pub queue_id: i32,
    /// The next offset to consume.
    pub offset: i64,
}

/// One delay level's progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelayOffsetEntry {
    /// Delay level, from 1.
    pub level: i32,
    /// The next offset of its schedule queue to deliver.
    pub offset: i64,
}

/// One metadata change (module docs). A list rather than a map where the keys are numbers:
/// the tagged form cannot read number keys back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum MetaOp {
    /// Create or replace a topic.
    UpsertTopic {
        /// The topic's config.
        topic: TopicConfig,
    },
    /// Delete a topic and its consumer offsets.
    DeleteTopic {
        /// The topic's name.
        topic: String,
    },
    /// Create or replace a subscription group.
    UpsertGroup {
        /// The group's settings.
        group: SubscriptionGroupConfig,
    },
    /// Delete a subscription group's settings (and its consumer offsets when asked).
    DeleteGroup {
        /// The group's name.
        group: String,
        /// Also remove the group's consumer offsets.
        #[serde(default)]
        remove_offsets: bool,
    },
    /// Commit consumer offsets.
    Offsets {
        /// The offsets, at most one per group and queue.
        offsets: Vec<OffsetEntry>,
    },
    /// Record delay-level progress.
    DelayOffsets {
        /// Levels and their offsets in `SCHEDULE_TOPIC_XXXX` queue `level - 1`.
        offsets: Vec<DelayOffsetEntry>,
    },
}

/// A record of the metadata topic that does not hold a change.
#[derive(Debug, thiserror::Error)]
#[error("corrupt metadata record at {pos}: {reason}")]
pub struct MetaRecordError {
    /// The record's position (PHYSICALOFFSET).
    pub pos: u64,
    /// What is wrong.
    pub reason: String,
}

impl MetaOp {
    /// The message to store for this change, from this broker.
    pub fn to_message(&self, store_host: SocketAddr) -> MessageToStore {
        let body = serde_json::to_vec(self).unwrap_or_default();
        let now = crate::remoting::body::now_millis();
        MessageToStore {
            topic: META_TOPIC.to_owned(),
            queue_id: 0,
            flag: 0,
            sys_flag: 0,
            born_timestamp: now,
            born_host: store_host,
            store_host,
            reconsume_times: 0,
            prepared_transaction_offset: 0,
            body,
            properties: String::new(),
            tags_code: 0,
        }
    }

    /// Decodes the body of a metadata record at `pos`.
    ///
    /// # Errors
    /// [`MetaRecordError`] when the body is not a change.
    pub fn from_body(pos: u64, body: &[u8]) -> Result<Self, MetaRecordError> {
        serde_json::from_slice(body).map_err(|e| MetaRecordError {
            pos,
            reason: e.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::message::RecordView;

    #[test]
    fn changes_round_trip_through_a_record() {
        let host: SocketAddr = "127.0.0.1:10911".parse().unwrap();
        let ops = [
            MetaOp::UpsertTopic {
                topic: TopicConfig::new("T1", 8),
            },
            MetaOp::DeleteTopic { topic: "T1".into() },
            MetaOp::UpsertGroup {
                group: SubscriptionGroupConfig::new("g"),
            },
            MetaOp::DeleteGroup {
                group: "g".into(),
                remove_offsets: true,
            },
            MetaOp::Offsets {
                offsets: vec![OffsetEntry {
                    group: "g".into(),
                    topic: "T1".into(),
                    queue_id: 3,
                    offset: 17,
                }],
            },
            MetaOp::DelayOffsets {
                offsets: vec![DelayOffsetEntry { level: 1, offset: 5 }],
            },
        ];
        for op in ops {
            let m = op.to_message(host);
            let mut buf = Vec::new();
            m.encode_into(&mut buf, 4, 1000, 1);
            let view = RecordView::parse(&buf).unwrap();
            assert_eq!(view.topic(), META_TOPIC);
            assert_eq!(MetaOp::from_body(1000, view.body).unwrap(), op);
        }
        let json = serde_json::to_string(&MetaOp::DeleteTopic { topic: "T".into() }).unwrap();
        assert_eq!(json, r#"{"op":"deleteTopic","topic":"T"}"#);
    }

    #[test]
    fn a_body_that_is_not_a_change_is_corruption() {
        for bad in [
            &b""[..],
            b"{",
            b"{\"op\":\"launch\"}",
            b"{\"op\":\"deleteTopic\"}",
            b"\xff",
        ] {
            let e = MetaOp::from_body(77, bad).unwrap_err();
            assert_eq!(e.pos, 77);
            assert!(e.to_string().starts_with("corrupt metadata record at 77"), "{e}");
        }
    }
}
