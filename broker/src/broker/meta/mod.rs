//! Metadata changes: the one way a request processor (or a broker task) changes topics,
//! subscription groups, consumer offsets and delay offsets.
//!
//! - Classic mode: a change is applied to the local managers at once (a slave gets them from its
//!   master's config sync).
//! - DLedger mode: the leader proposes the change through the Raft log as a metadata record
//!   ([`record`]), in log order with the messages, and answers once it is committed; every node,
//!   the leader included, applies it when it applies the record ([`apply`]). Consumer offsets are
//!   coalesced first ([`offset_queue`]). A follower refuses every change with
//!   [`MetaError::NotLeader`], naming the leader.

pub mod apply;
pub mod offset_queue;
pub mod record;

use std::sync::atomic::Ordering;
use std::sync::Arc;

use crate::remoting::body::TopicConfig;
use crate::store::config_files::SubscriptionGroupConfig;
use crate::store::error::StoreError;

use self::record::MetaOp;
use super::dledger::Dledger;
use super::put::PutError;
use super::Broker;

/// Why a metadata change was not made.
#[derive(Debug, thiserror::Error)]
pub enum MetaError {
    /// This node is not the leader: the change must be made on the leader, whose broker address
    /// is given when known.
    #[error("this broker is not the DLedger leader{}", leader.as_deref().map(|l| format!("; the leader is {l}")).unwrap_or_default())]
    NotLeader {
        /// The leader's broker address, when known.
        leader: Option<String>,
    },
    /// The disk is full: nothing can be written until space returns.
    #[error("the disk is full; metadata changes are refused until space returns")]
    DiskFull,
    /// The change could not be stored.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How a change is made on this node.
enum Mode<'a> {
    /// Classic mode: apply locally.
    Local,
    /// DLedger leader: propose through the log.
    Leader(&'a Arc<Dledger>),
}

impl Broker {
    /// The leader's broker address as the name server last told it, unless it is this node.
    fn leader_addr(&self) -> Option<String> {
        let me = self.addr();
        self.master_addr
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .filter(|a| *a != me)
    }

    fn not_leader(&self) -> MetaError {
        MetaError::NotLeader {
            leader: self.leader_addr(),
        }
    }

    /// Local in classic mode; the Raft node when this DLedger node leads; else `NotLeader`.
    fn mode(&self) -> Result<Mode<'_>, MetaError> {
        if !self.cfg.enable_dleger_commit_log {
            return Ok(Mode::Local);
        }
        match self.dledger.get() {
            Some(d) if d.disk_full() => Err(MetaError::DiskFull),
            Some(d) if d.writable.load(Ordering::Acquire) => Ok(Mode::Leader(d)),
            _ => Err(self.not_leader()),
        }
    }

    /// Proposes one change and returns once it is committed and applied on this node.
    async fn propose(&self, d: &Dledger, op: MetaOp) -> Result<(), MetaError> {
        match d.put(self, vec![op.to_message(self.store_host)]).await {
            Ok(_) => Ok(()),
            Err(PutError::NotLeader) => Err(self.not_leader()),
            Err(PutError::DiskFull) => Err(MetaError::DiskFull),
            Err(PutError::Store(e)) => Err(MetaError::Store(e)),
        }
    }

    /// The committed offset of a group on a queue, including a leader's commits that are not
    /// applied yet.
    pub fn query_offset(&self, group: &str, topic: &str, queue_id: i32) -> Option<i64> {
        self.dledger
            .get()
            .and_then(|d| d.offset_queue.get(group, topic, queue_id))
            .or_else(|| self.offsets.query(group, topic, queue_id))
    }

    /// Creates or replaces a topic.
    ///
    /// # Errors
    /// [`MetaError::NotLeader`] on a follower, [`MetaError::Store`] when it cannot be stored.
    pub async fn upsert_topic(&self, tc: TopicConfig) -> Result<(), MetaError> {
        match self.mode()? {
            Mode::Local => {
                self.topics.upsert(tc)?;
                self.register_now.notify_one();
                Ok(())
            }
            Mode::Leader(d) => self.propose(d, MetaOp::UpsertTopic { topic: tc }).await,
        }
    }

    /// Deletes a topic and its consumer offsets; returns whether it existed.
    ///
    /// # Errors
    /// As [`Broker::upsert_topic`].
    pub async fn delete_topic(&self, topic: &str) -> Result<bool, MetaError> {
        match self.mode()? {
            Mode::Local => {
                let existed = self.topics.delete(topic)?;
                self.offsets.remove_topic(topic);
                self.register_now.notify_one();
                Ok(existed)
            }
            Mode::Leader(d) => {
                let existed = self.topics.get(topic).is_some();
                d.offset_queue.remove_topic(topic);
                let op = MetaOp::DeleteTopic {
                    topic: topic.to_owned(),
                };
                self.propose(d, op).await?;
                Ok(existed)
            }
        }
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
        if let Some(tc) = self.topics.get(topic) {
            return Ok(Some((tc, false)));
        }
        match self.mode()? {
            Mode::Local => {
                let r = self
                    .topics
                    .get_or_create_for_send(topic, default_topic, queue_nums, auto_create)?;
                if r.as_ref().is_some_and(|(_, created)| *created) {
                    self.register_now.notify_one();
                }
                Ok(r)
            }
            // Committed before the send's record is proposed, so it precedes it in the log.
            Mode::Leader(d) => match self
                .topics
                .auto_config(topic, default_topic, queue_nums, auto_create)
            {
                Some(tc) => {
                    self.propose(d, MetaOp::UpsertTopic { topic: tc.clone() }).await?;
                    Ok(Some((self.topics.get(topic).unwrap_or(tc), true)))
                }
                None => Ok(None),
            },
        }
    }

    /// Creates or replaces a subscription group's settings.
    ///
    /// # Errors
    /// As [`Broker::upsert_topic`].
    pub async fn upsert_group(&self, g: SubscriptionGroupConfig) -> Result<(), MetaError> {
        match self.mode()? {
            Mode::Local => Ok(self.groups.upsert_config(g)?),
            Mode::Leader(d) => self.propose(d, MetaOp::UpsertGroup { group: g }).await,
        }
    }

    /// Deletes a subscription group's settings, and its consumer offsets when `remove_offsets`;
    /// returns whether the settings existed.
    ///
    /// # Errors
    /// As [`Broker::upsert_topic`].
    pub async fn delete_group(&self, group: &str, remove_offsets: bool) -> Result<bool, MetaError> {
        match self.mode()? {
            Mode::Local => {
                let existed = self.groups.delete_config(group)?;
                if remove_offsets {
                    self.offsets.remove_group(group);
                }
                Ok(existed)
            }
            Mode::Leader(d) => {
                let existed = self.groups.config(group).is_some();
                if remove_offsets {
                    d.offset_queue.remove_group(group);
                }
                let op = MetaOp::DeleteGroup {
                    group: group.to_owned(),
                    remove_offsets,
                };
                self.propose(d, op).await?;
                Ok(existed)
            }
        }
    }

    /// The settings of a consumer group, auto-created with Java's defaults when `auto_create`.
    /// A DLedger follower does not create it: it answers with the defaults, and the leader
    /// creates it when the group reaches it.
    ///
    /// # Errors
    /// As [`Broker::upsert_topic`]; never `NotLeader`.
    pub async fn group_for_consume(
        &self,
        group: &str,
        auto_create: bool,
    ) -> Result<Option<SubscriptionGroupConfig>, MetaError> {
        if let Some(g) = self.groups.config(group) {
            return Ok(Some(g));
        }
        if !auto_create {
            return Ok(None);
        }
        match self.mode() {
            Ok(Mode::Local) => Ok(self.groups.find_or_create(group, auto_create)?),
            Ok(Mode::Leader(d)) => {
                let g = SubscriptionGroupConfig::new(group);
                self.propose(d, MetaOp::UpsertGroup { group: g.clone() }).await?;
                Ok(Some(self.groups.config(group).unwrap_or(g)))
            }
            Err(MetaError::Store(e)) => Err(MetaError::Store(e)),
            Err(_) => Ok(Some(SubscriptionGroupConfig::new(group))),
        }
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
        match self.mode()? {
            Mode::Local => {
                self.offsets.commit(group, topic, queue_id, offset);
                Ok(())
            }
            Mode::Leader(d) => match d.offset_queue.push(group, topic, queue_id, offset, wait) {
                Some(rx) => match rx.await {
                    Ok(true) => Ok(()),
                    _ => Err(self.not_leader()),
                },
                None => Ok(()),
            },
        }
    }

    /// Records the progress of a delay level's schedule queue (`config/delayOffset.json`).
    ///
    /// # Errors
    /// As [`Broker::upsert_topic`].
    pub async fn set_delay_offset(&self, level: i32, offset: i64) -> Result<(), MetaError> {
        match self.mode()? {
            Mode::Local => {
                self.offsets.set_delay(level, offset);
                Ok(())
            }
            Mode::Leader(d) => {
                let op = MetaOp::DelayOffsets {
                    offsets: vec![record::DelayOffsetEntry { level, offset }],
                };
                self.propose(d, op).await
            }
        }
    }
}
