//! Metadata changes: the one way a request processor (or a broker task) changes topics,
//! subscription groups, consumer offsets and delay offsets.
//!
//! Every processor goes through these methods instead of the managers' setters, so that in
//! DLedger mode a change can be proposed through the Raft log and applied on every node in log
//! order with the messages, and answered once committed. In classic mode a change is applied to
//! the local managers at once (a slave gets them from its master's config sync).

use crate::remoting::body::TopicConfig;
use crate::store::config_files::SubscriptionGroupConfig;
use crate::store::error::StoreError;

use super::Broker;

/// Why a metadata change was not made.
#[derive(Debug, thiserror::Error)]
pub enum MetaError {
    /// This node is not the leader (or a slave): the change must be made on the leader/master,
    /// whose broker address is given when known.
    #[error("this broker is not the leader{}", leader.as_deref().map(|l| format!("; the leader is {l}")).unwrap_or_default())]
    NotLeader {
        /// The leader's (master's) broker address, when known.
        leader: Option<String>,
    },
    /// The change could not be stored.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Broker {
    /// Creates or replaces a topic.
    ///
    /// # Errors
    /// [`MetaError::NotLeader`] on a follower, [`MetaError::Store`] when it cannot be stored.
    pub async fn upsert_topic(&self, tc: TopicConfig) -> Result<(), MetaError> {
        self.topics.upsert(tc)?;
        self.register_now.notify_one();
        Ok(())
    }

    /// Deletes a topic and its consumer offsets; returns whether it existed.
    ///
    /// # Errors
    /// As [`Broker::upsert_topic`].
    pub async fn delete_topic(&self, topic: &str) -> Result<bool, MetaError> {
        let existed = self.topics.delete(topic)?;
        self.offsets.remove_topic(topic);
        self.register_now.notify_one();
        Ok(existed)
    }

    /// The topic config for a send, auto-creating it from `default_topic` as Java does; `None`
    /// when it does not exist and may not be created. The bool says whether it was created.
    ///
    /// # Errors
    /// As [`Broker::upsert_topic`].
    pub async fn topic_for_send(
        &self,
        topic: &str,
        default_topic: &str,
        queue_nums: i32,
        auto_create: bool,
    ) -> Result<Option<(TopicConfig, bool)>, MetaError> {
        let r = self
            .topics
            .get_or_create_for_send(topic, default_topic, queue_nums, auto_create)?;
        if r.as_ref().is_some_and(|(_, created)| *created) {
            self.register_now.notify_one();
        }
        Ok(r)
    }

    /// Creates or replaces a subscription group's settings.
    ///
    /// # Errors
    /// As [`Broker::upsert_topic`].
    pub async fn upsert_group(&self, g: SubscriptionGroupConfig) -> Result<(), MetaError> {
        self.groups.upsert_config(g)?;
        Ok(())
    }

    /// Deletes a subscription group's settings; returns whether they existed.
    ///
    /// # Errors
    /// As [`Broker::upsert_topic`].
    pub async fn delete_group(&self, group: &str) -> Result<bool, MetaError> {
        Ok(self.groups.delete_config(group)?)
    }

    /// The settings of a consumer group, auto-created with Java's defaults when `auto_create`.
    ///
    /// # Errors
    /// As [`Broker::upsert_topic`].
    pub async fn group_for_consume(
        &self,
        group: &str,
        auto_create: bool,
    ) -> Result<Option<SubscriptionGroupConfig>, MetaError> {
        Ok(self.groups.find_or_create(group, auto_create)?)
    }

    /// Commits a consumer offset. With `wait`, returns once the offset is durable in the
    /// group (committed through the Raft log in DLedger mode); without, it may be coalesced
    /// with later commits of the same queue (oneway requests, offsets carried by pulls).
    ///
    /// # Errors
    /// As [`Broker::upsert_topic`].
    pub async fn commit_offset(
        &self,
        group: &str,
        topic: &str,
        queue_id: i32,
        offset: i64,
        wait: bool,
    ) -> Result<(), MetaError> {
        let _ = wait;
        self.offsets.commit(group, topic, queue_id, offset);
        Ok(())
    }

    /// Records the progress of a delay level's schedule queue (`config/delayOffset.json`).
    ///
    /// # Errors
    /// As [`Broker::upsert_topic`].
    pub async fn set_delay_offset(&self, level: i32, offset: i64) -> Result<(), MetaError> {
        self.offsets.set_delay(level, offset);
        Ok(())
    }
}
