//! Applying the Raft log on every node of a DLedger group: each committed record goes to the
//! consume queues, and a metadata record (see [`super::record`]) also changes the node's topics,
//! groups and offsets. This is the only place a DLedger node changes its metadata, so all nodes
//! make the same changes in the same order, the leader included (its requests are answered once
//! the change is applied here).
//!
//! The state machine re-applies the records of its last persist interval after a crash; every
//! change is "set to this value", so applying it again in log order ends in the same state.
//! Consume-queue units, key-index entries, consumer and delay offsets are made durable
//! ([`Applier::persist`]) before the state machine records them as applied; topic and group
//! changes are written when applied.

use std::sync::{Arc, Weak};

use serde::{Deserialize, Serialize};

use crate::raft::state_machine::{AppliedRecord, Applier, ApplierError};
use crate::remoting::body::{DataVersion, TopicConfigSerializeWrapper};
use crate::store::config_files::{ConsumerOffsets, DelayOffsets, SubscriptionGroups};
use crate::store::format::dledger::META_TOPIC;
use crate::store::message::RecordView;
use crate::store::MessageStore;

use super::record::MetaOp;
use crate::broker::Broker;

/// The broker's applier: consume-queue dispatch plus metadata changes.
pub struct BrokerApplier {
    store: Arc<MessageStore>,
    /// Weak: the broker owns the Raft node that owns this applier.
    broker: Weak<Broker>,
}

impl BrokerApplier {
    /// The applier of `broker`.
    pub fn new(broker: &Arc<Broker>) -> Self {
        Self {
            store: broker.store.clone(),
            broker: Arc::downgrade(broker),
        }
    }
}

/// What a snapshot carries for the broker: its whole metadata, in the files' own formats.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct MetaSnapshot {
    topics: TopicConfigSerializeWrapper,
    groups: SubscriptionGroups,
    offsets: ConsumerOffsets,
    delay_offsets: DelayOffsets,
}

/// Whether a record belongs to the metadata topic, read without decoding the whole record.
fn is_meta(view: &RecordView<'_>) -> bool {
    view.topic == META_TOPIC.as_bytes()
}

impl Applier for BrokerApplier {
    fn apply(&self, rec: AppliedRecord<'_>) -> Result<(), ApplierError> {
        let view = self.store.dispatch_external(rec.pos, rec.record)?;
        if !is_meta(&view) {
            return Ok(());
        }
        let op = MetaOp::from_body(rec.pos, view.body)?;
        let Some(b) = self.broker.upgrade() else {
            return Ok(()); // shutting down
        };
        // The same version on every node: the record's index and store time.
        let version = DataVersion {
            counter: rec.index as i64,
            state_version: None,
            timestamp: view.store_timestamp,
        };
        b.apply_meta(op, version)?;
        Ok(())
    }

    fn persist(&self) -> Result<(), ApplierError> {
        // The queue units of the applied records, like the offsets, must survive a power loss
        // once the state machine records those records as applied.
        self.store.sync_dispatched()?;
        if let Some(b) = self.broker.upgrade() {
            b.offsets.persist_if_dirty()?;
        }
        Ok(())
    }

    fn snapshot(&self) -> Result<serde_json::Value, ApplierError> {
        let Some(b) = self.broker.upgrade() else {
            return Ok(serde_json::Value::Null);
        };
        let snap = MetaSnapshot {
            topics: b.topics.snapshot(),
            groups: b.groups.all_configs(),
            offsets: b.offsets.all(),
            delay_offsets: b.offsets.delay(),
        };
        Ok(serde_json::to_value(snap)?)
    }

    fn install(&self, data: &serde_json::Value) -> Result<(), ApplierError> {
        let snap: MetaSnapshot = serde_json::from_value(data.clone())?;
        let Some(b) = self.broker.upgrade() else {
            return Ok(());
        };
        b.topics.replace_all(snap.topics)?;
        b.groups.replace_configs(snap.groups)?;
        b.offsets.replace_all(snap.offsets, Some(snap.delay_offsets));
        b.offsets.persist_if_dirty()?;
        b.register_now.notify_one();
        Ok(())
    }
}

impl Broker {
    /// Applies one committed metadata change to this node.
    ///
    /// # Errors
    /// When a config file cannot be written.
    fn apply_meta(&self, op: MetaOp, version: DataVersion) -> Result<(), crate::store::error::StoreError> {
        match op {
            MetaOp::UpsertTopic { topic } => {
                self.topics.upsert_at(topic, Some(version))?;
                self.register_now.notify_one();
            }
            MetaOp::DeleteTopic { topic } => {
                self.topics.delete_at(&topic, Some(version))?;
                self.offsets.remove_topic(&topic);
                self.register_now.notify_one();
            }
            MetaOp::UpsertGroup { group } => {
                self.groups.upsert_config_at(group, Some(version))?;
            }
            MetaOp::DeleteGroup {
                group,
                remove_offsets,
            } => {
                self.groups.delete_config_at(&group, Some(version))?;
                if remove_offsets {
                    self.offsets.remove_group(&group);
                }
            }
            MetaOp::Offsets { offsets } => {
                for o in offsets {
                    self.offsets.commit(&o.group, &o.topic, o.queue_id, o.offset);
                }
            }
            MetaOp::DelayOffsets { offsets } => {
                for o in offsets {
                    self.offsets.set_delay(o.level, o.offset);
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_snapshots_round_trip() {
        let mut snap = MetaSnapshot::default();
        snap.topics
            .topic_config_table
            .insert("T1".into(), crate::remoting::body::TopicConfig::new("T1", 8));
        snap.offsets
            .offset_table
            .insert("T1@g".into(), [(0, 5), (7, 9)].into());
        snap.delay_offsets.offset_table.insert(3, 11);
        let value = serde_json::to_value(&snap).unwrap();
        let back: MetaSnapshot = serde_json::from_value(value).unwrap();
        assert_eq!(back.topics.topic_config_table, snap.topics.topic_config_table);
        assert_eq!(back.offsets, snap.offsets);
        assert_eq!(back.delay_offsets, snap.delay_offsets);
    }
}
