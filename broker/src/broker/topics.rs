//! The broker's topics (`config/topics.json`): the default system topics, auto-creation from
//! TBW102, and the data version the name server uses to notice changes.

use std::path::PathBuf;
use std::sync::Mutex;

use crate::config::BrokerConfig;
use crate::remoting::body::{perm, DataVersion, TopicConfig, TopicConfigSerializeWrapper};
use crate::store::config_files;
use crate::store::error::StoreError;

/// The topic used as the template for auto-created topics.
pub const AUTO_CREATE_TOPIC_KEY: &str = "TBW102";
/// Prefix of consumer groups' retry topics.
pub const RETRY_GROUP_TOPIC_PREFIX: &str = "%RETRY%";
/// Prefix of consumer groups' dead-letter topics.
pub const DLQ_GROUP_TOPIC_PREFIX: &str = "%DLQ%";
/// The topic delayed messages wait in, one queue per delay level.
pub const SCHEDULE_TOPIC: &str = "SCHEDULE_TOPIC_XXXX";
/// The topic transactional half messages wait in.
pub const TRANS_HALF_TOPIC: &str = "RMQ_SYS_TRANS_HALF_TOPIC";
/// The topic that records commits and rollbacks of half messages.
pub const TRANS_OP_HALF_TOPIC: &str = "RMQ_SYS_TRANS_OP_HALF_TOPIC";
/// Queues of a dead-letter topic (Java's `DLQ_NUMS_PER_GROUP`).
pub const DLQ_NUMS_PER_GROUP: i32 = 1;

/// `topicSysFlag` bit of a unit-mode subscriber's topics (Java's `TopicSysFlag` "unit sub").
const FLAG_UNIT_SUB: i32 = 0x2;

/// A group's retry topic as Java 4.9 creates it on HEART_BEAT or CONSUMER_SEND_MSG_BACK
/// (`createTopicInSendMessageBackMethod`): `retryQueueNums` queues, perm RW, the unit-sub flag
/// for a unit-mode consumer.
pub fn retry_topic_config(group: &str, queues: i32, unit_mode: bool) -> TopicConfig {
    let mut tc = TopicConfig::new(&format!("{RETRY_GROUP_TOPIC_PREFIX}{group}"), queues);
    tc.perm = perm::READ | perm::WRITE;
    tc.topic_sys_flag = if unit_mode { FLAG_UNIT_SUB } else { 0 };
    tc
}

/// A group's dead-letter topic as Java 4.9.4+ creates it when a message runs out of retries:
/// one queue, perm RW (4.9.0–4.9.3 created it write-only, so reading a DLQ needed a perm
/// update first; we announce V4_9_7).
pub fn dlq_topic_config(group: &str) -> TopicConfig {
    let mut tc = TopicConfig::new(&format!("{DLQ_GROUP_TOPIC_PREFIX}{group}"), DLQ_NUMS_PER_GROUP);
    tc.perm = perm::READ | perm::WRITE;
    tc
}

/// The transaction topics ([`TRANS_HALF_TOPIC`], [`TRANS_OP_HALF_TOPIC`]) as Java 4.9 creates
/// them on first use (`TransactionalMessageBridge.selectTopicConfig`): one queue, perm RW.
pub fn trans_topic_config(name: &str) -> TopicConfig {
    let mut tc = TopicConfig::new(name, 1);
    tc.perm = perm::READ | perm::WRITE;
    tc
}

/// Topics clients may not create or delete.
pub const SYSTEM_TOPICS: &[&str] = &[
    "SELF_TEST_TOPIC",
    AUTO_CREATE_TOPIC_KEY,
    "BenchmarkTest",
    "OFFSET_MOVED_EVENT",
    "SCHEDULE_TOPIC_XXXX",
    "RMQ_SYS_TRANS_HALF_TOPIC",
    "RMQ_SYS_TRACE_TOPIC",
    "RMQ_SYS_TRANS_OP_HALF_TOPIC",
    crate::store::format::dledger::META_TOPIC,
    "TRANS_CHECK_MAX_TIME_TOPIC",
];

/// Topics a client may not send to (Java's `TopicValidator.NOT_ALLOWED_SEND_TOPIC_SET`): only
/// the broker writes them (delayed messages, transactions).
pub const NOT_ALLOWED_SEND_TOPICS: &[&str] = &[
    "SCHEDULE_TOPIC_XXXX",
    "RMQ_SYS_TRANS_HALF_TOPIC",
    "RMQ_SYS_TRANS_OP_HALF_TOPIC",
    "TRANS_CHECK_MAX_TIME_TOPIC",
    "SELF_TEST_TOPIC",
    "OFFSET_MOVED_EVENT",
    // Ours: metadata records are written by the broker alone (`meta`).
    crate::store::format::dledger::META_TOPIC,
];

/// Validates a topic name as Java's `TopicValidator`: 1..=127 chars of `[%|a-zA-Z0-9_-]`.
pub fn validate_topic(topic: &str) -> Result<(), String> {
    if topic.trim().is_empty() {
        return Err("The specified topic is blank.".into());
    }
    if topic.len() > 127 {
        return Err("The specified topic is longer than topic max length 127.".into());
    }
    if !topic
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'%' || b == b'|' || b == b'_' || b == b'-')
    {
        return Err(format!(
            "The specified topic[{topic}] contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$"
        ));
    }
    Ok(())
}

/// Topics of this broker, persisted on every change.
#[derive(Debug)]
pub struct TopicManager {
    path: PathBuf,
    inner: Mutex<TopicConfigSerializeWrapper>,
}

impl TopicManager {
    /// Loads `topics.json` (if any) and adds the default topics Java creates (spec §2.7).
    ///
    /// # Errors
    /// When the file exists but neither it nor its backup parses, or it cannot be written.
    pub fn load(cfg: &BrokerConfig) -> Result<Self, StoreError> {
        let path = PathBuf::from(&cfg.store_path_root_dir)
            .join(crate::store::format::CONFIG_DIR)
            .join(crate::store::format::config_file::TOPICS);
        let mut table: TopicConfigSerializeWrapper = config_files::load(&path)?.unwrap_or_default();
        if table.data_version.timestamp == 0 {
            table.data_version = DataVersion::now();
        }
        let mut defaults = vec![TopicConfig::new("SELF_TEST_TOPIC", 1)];
        if cfg.auto_create_topic_enable {
            let mut t = TopicConfig::new(AUTO_CREATE_TOPIC_KEY, cfg.default_topic_queue_nums);
            t.perm = perm::INHERIT | perm::READ | perm::WRITE;
            defaults.push(t);
        }
        defaults.push(TopicConfig::new("BenchmarkTest", 1024));
        let mut c = TopicConfig::new(&cfg.broker_cluster_name, 16);
        c.perm = perm::INHERIT | perm::READ | perm::WRITE;
        defaults.push(c);
        let mut b = TopicConfig::new(&cfg.broker_name, 1);
        b.perm = perm::INHERIT | perm::READ | perm::WRITE;
        defaults.push(b);
        defaults.push(TopicConfig::new("OFFSET_MOVED_EVENT", 1));
        defaults.push(TopicConfig::new("SCHEDULE_TOPIC_XXXX", 18));
        defaults.push(TopicConfig::new(
            &format!("{}_REPLY_TOPIC", cfg.broker_cluster_name),
            1,
        ));
        if cfg.trace_topic_enable {
            defaults.push(TopicConfig::new("RMQ_SYS_TRACE_TOPIC", 1));
        }
        for t in defaults {
            table.topic_config_table.entry(t.topic_name.clone()).or_insert(t);
        }
        let me = Self {
            path,
            inner: Mutex::new(table),
        };
        me.persist()?;
        Ok(me)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, TopicConfigSerializeWrapper> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn persist(&self) -> Result<(), StoreError> {
        let snapshot = self.lock().clone();
        config_files::persist(&self.path, &snapshot)
    }

    /// One topic's config.
    pub fn get(&self, topic: &str) -> Option<TopicConfig> {
        self.lock().topic_config_table.get(topic).cloned()
    }

    /// A copy of every topic with the data version.
    pub fn snapshot(&self) -> TopicConfigSerializeWrapper {
        self.lock().clone()
    }

    /// Creates or replaces a topic; bumps the data version and persists.
    ///
    /// # Errors
    /// When `topics.json` cannot be written.
    pub fn upsert(&self, tc: TopicConfig) -> Result<(), StoreError> {
        self.upsert_at(tc, None)
    }

    /// [`TopicManager::upsert`] with the data version set to `version` instead of bumped: a
    /// change applied from the Raft log carries the same version on every node.
    ///
    /// # Errors
    /// When `topics.json` cannot be written.
    pub fn upsert_at(&self, tc: TopicConfig, version: Option<DataVersion>) -> Result<(), StoreError> {
        {
            let mut t = self.lock();
            t.topic_config_table.insert(tc.topic_name.clone(), tc);
            t.data_version.record_change(version);
        }
        self.persist()
    }

    /// Deletes a topic; returns whether it existed.
    ///
    /// # Errors
    /// When `topics.json` cannot be written.
    pub fn delete(&self, topic: &str) -> Result<bool, StoreError> {
        self.delete_at(topic, None)
    }

    /// [`TopicManager::delete`] with the data version of a change applied from the Raft log.
    ///
    /// # Errors
    /// When `topics.json` cannot be written.
    pub fn delete_at(&self, topic: &str, version: Option<DataVersion>) -> Result<bool, StoreError> {
        let existed = {
            let mut t = self.lock();
            let existed = t.topic_config_table.remove(topic).is_some();
            if existed {
                t.data_version.record_change(version);
            }
            existed
        };
        if existed {
            self.persist()?;
        }
        Ok(existed)
    }

    /// Replaces every topic with a master's (slave config sync).
    ///
    /// # Errors
    /// When `topics.json` cannot be written.
    pub fn replace_all(&self, from_master: TopicConfigSerializeWrapper) -> Result<bool, StoreError> {
        let changed = {
            let mut t = self.lock();
            let changed = t.topic_config_table != from_master.topic_config_table;
            if changed {
                *t = from_master;
            }
            changed
        };
        if changed {
            self.persist()?;
        }
        Ok(changed)
    }

    /// The topic config for a send, auto-creating it from `default_topic` as Java does
    /// (`createTopicInSendMessageMethod`). `Ok(None)` means the topic does not exist and may not be
    /// created.
    ///
    /// # Errors
    /// When `topics.json` cannot be written.
    pub fn get_or_create_for_send(
        &self,
        topic: &str,
        default_topic: &str,
        queue_nums: i32,
        auto_create: bool,
    ) -> Result<Option<(TopicConfig, bool)>, StoreError> {
        if let Some(tc) = self.get(topic) {
            return Ok(Some((tc, false)));
        }
        match self.auto_config(topic, default_topic, queue_nums, auto_create) {
            Some(tc) => {
                self.upsert(tc.clone())?;
                Ok(Some((tc, true)))
            }
            None => Ok(None),
        }
    }

    /// The config a send auto-creates for the missing `topic` (Java's
    /// `createTopicInSendMessageMethod`), or `None` when it may not be created. Changes nothing.
    pub fn auto_config(
        &self,
        topic: &str,
        default_topic: &str,
        queue_nums: i32,
        auto_create: bool,
    ) -> Option<TopicConfig> {
        if let Some(def) = self.get(default_topic).filter(|_| auto_create) {
            if def.perm & perm::INHERIT == 0 {
                None
            } else {
                let q = queue_nums.min(def.write_queue_nums).max(1);
                let mut tc = TopicConfig::new(topic, q);
                tc.perm = def.perm & !perm::INHERIT;
                tc.topic_sys_flag = 0;
                Some(tc)
            }
        } else if topic.starts_with(RETRY_GROUP_TOPIC_PREFIX) {
            Some(TopicConfig::new(topic, 1))
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_topics_have_java_4_9_7_perms() {
        let r = retry_topic_config("g", 1, false);
        assert_eq!(
            (r.topic_name.as_str(), r.perm, r.write_queue_nums),
            ("%RETRY%g", 6, 1)
        );
        assert_eq!(retry_topic_config("g", 2, true).topic_sys_flag, FLAG_UNIT_SUB);
        let d = dlq_topic_config("g");
        assert_eq!(
            (d.topic_name.as_str(), d.perm, d.read_queue_nums),
            ("%DLQ%g", 6, 1)
        );
        for t in [TRANS_HALF_TOPIC, TRANS_OP_HALF_TOPIC] {
            let tc = trans_topic_config(t);
            assert_eq!((tc.perm, tc.read_queue_nums, tc.write_queue_nums), (6, 1, 1));
        }
    }
}
