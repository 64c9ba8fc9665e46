//! The broker's JSON files under `<root>/config/`, read and written the way Java does.
//!
//! Java persists with `.tmp` / `.bak` files (spec §4.5) and reads fastjson output that may carry
//! unquoted integer map keys; [`load`] and [`persist`] implement both once for every file. The data
//! structs here are plain; the broker wraps them in its managers.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{de::DeserializeOwned, Deserialize, Serialize};

use super::error::{io_err, Result, StoreError};
use super::format::config_file;
use crate::remoting::body::DataVersion;
use crate::{durable, json};

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Atomically replaces `path` with `bytes`: write `<f>.tmp` and fsync it, move the old `<f>` to
/// `<f>.bak`, rename `.tmp` to `<f>`, fsync the directory.
///
/// # Errors
/// [`StoreError::Io`].
pub fn persist_bytes(path: &Path, bytes: &[u8]) -> Result<()> {
    let options = durable::Options {
        backup_suffix: Some(config_file::BAK_SUFFIX),
        create_dir: true,
        ..durable::Options::default()
    };
    Ok(durable::write_atomic_with(path, bytes, options)?)
}

/// Serialises `value` with tab indentation and [`persist_bytes`] it.
///
/// # Errors
/// [`StoreError::Io`].
pub fn persist<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    persist_bytes(path, &json::to_pretty_tabs(value))
}

/// Loads `path`, falling back to `<f>.bak` when the main file is missing, empty or unparseable.
/// `Ok(None)` when neither exists.
///
/// # Errors
/// [`StoreError::Json`] when a file exists but neither parses; [`StoreError::Io`] on read errors.
pub fn load<T: DeserializeOwned>(path: &Path) -> Result<Option<T>> {
    let main = read_optional(path)?;
    let main_err = match main.as_deref() {
        Some(b) if !b.iter().all(u8::is_ascii_whitespace) => match json::from_slice(b) {
            Ok(v) => return Ok(Some(v)),
            Err(e) => Some(e),
        },
        _ => None,
    };
    let bak = with_suffix(path, config_file::BAK_SUFFIX);
    match read_optional(&bak)? {
        Some(b) if !b.iter().all(u8::is_ascii_whitespace) => {
            json::from_slice(&b).map(Some).map_err(|source| StoreError::Json {
                path: if main_err.is_some() {
                    path.to_owned()
                } else {
                    bak.clone()
                },
                source: main_err.unwrap_or(source),
            })
        }
        _ => match main_err {
            Some(source) => Err(StoreError::Json {
                path: path.to_owned(),
                source,
            }),
            None => Ok(None),
        },
    }
}

fn read_optional(path: &Path) -> Result<Option<Vec<u8>>> {
    match std::fs::read(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_err("read", path)(e)),
    }
}

/// `config/consumerOffset.json`: committed offsets per `topic@group` and queue.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConsumerOffsets {
    /// `"<topic>@<group>"` → queueId → next offset to consume.
    pub offset_table: BTreeMap<String, BTreeMap<i32, i64>>,
    /// Version stamp written by 5.x and other implementations; kept when present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_version: Option<DataVersion>,
}

impl ConsumerOffsets {
    /// Path under a store root.
    pub fn path(root: &Path) -> PathBuf {
        root.join(super::format::CONFIG_DIR)
            .join(config_file::CONSUMER_OFFSET)
    }
    /// Loads from a store root (empty when absent).
    ///
    /// # Errors
    /// See [`load`].
    pub fn load(root: &Path) -> Result<Self> {
        Ok(load(&Self::path(root))?.unwrap_or_default())
    }
    /// Persists under a store root.
    ///
    /// # Errors
    /// See [`persist`].
    pub fn persist(&self, root: &Path) -> Result<()> {
        persist(&Self::path(root), self)
    }
    /// Committed offset of a group on a queue.
    pub fn get(&self, topic: &str, group: &str, queue_id: i32) -> Option<i64> {
        self.offset_table
            .get(&format!("{topic}@{group}"))?
            .get(&queue_id)
            .copied()
    }
}

/// `config/delayOffset.json`: progress of each delay level's schedule queue.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DelayOffsets {
    /// Delay level → offset in `SCHEDULE_TOPIC_XXXX` queue `level - 1`.
    pub offset_table: BTreeMap<i32, i64>,
    /// Version stamp, if the writer added one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_version: Option<DataVersion>,
}

impl DelayOffsets {
    /// Path under a store root.
    pub fn path(root: &Path) -> PathBuf {
        root.join(super::format::CONFIG_DIR)
            .join(config_file::DELAY_OFFSET)
    }
    /// Loads from a store root (empty when absent).
    ///
    /// # Errors
    /// See [`load`].
    pub fn load(root: &Path) -> Result<Self> {
        Ok(load(&Self::path(root))?.unwrap_or_default())
    }
    /// Persists under a store root.
    ///
    /// # Errors
    /// See [`persist`].
    pub fn persist(&self, root: &Path) -> Result<()> {
        persist(&Self::path(root), self)
    }
}

fn yes() -> bool {
    true
}
fn sixteen() -> i32 {
    16
}
fn one() -> i32 {
    1
}
fn one_i64() -> i64 {
    1
}

/// One consumer group's settings (`SubscriptionGroupConfig`), with Java's defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionGroupConfig {
    /// Group name.
    pub group_name: String,
    /// Whether the group may consume. Default: true.
    #[serde(default = "yes")]
    pub consume_enable: bool,
    /// Start from the minimum offset for new groups. Default: true.
    #[serde(default = "yes")]
    pub consume_from_min_enable: bool,
    /// Broadcast consumption allowed. Default: true.
    #[serde(default = "yes")]
    pub consume_broadcast_enable: bool,
    /// Retry queues of `%RETRY%<group>`. Default: 1.
    #[serde(default = "one")]
    pub retry_queue_nums: i32,
    /// Maximum redeliveries before the DLQ. Default: 16.
    #[serde(default = "sixteen")]
    pub retry_max_times: i32,
    /// Preferred broker id. Default: 0.
    #[serde(default)]
    pub broker_id: i64,
    /// Broker to use when consumption is slow. Default: 1.
    #[serde(default = "one_i64")]
    pub which_broker_when_consume_slowly: i64,
    /// Push NOTIFY_CONSUMER_IDS_CHANGED. Default: true.
    #[serde(default = "yes")]
    pub notify_consumer_ids_changed_enable: bool,
    /// Fields written by other versions (kept so a rewrite does not lose them).
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

impl SubscriptionGroupConfig {
    /// A group with Java's default settings.
    pub fn new(group_name: impl Into<String>) -> Self {
        Self {
            group_name: group_name.into(),
            consume_enable: true,
            consume_from_min_enable: true,
            consume_broadcast_enable: true,
            retry_queue_nums: 1,
            retry_max_times: 16,
            broker_id: 0,
            which_broker_when_consume_slowly: 1,
            notify_consumer_ids_changed_enable: true,
            extra: BTreeMap::new(),
        }
    }
}

/// `config/subscriptionGroup.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SubscriptionGroups {
    /// Group name → settings.
    pub subscription_group_table: BTreeMap<String, SubscriptionGroupConfig>,
    /// Version stamp.
    pub data_version: DataVersion,
}

impl SubscriptionGroups {
    /// Path under a store root.
    pub fn path(root: &Path) -> PathBuf {
        root.join(super::format::CONFIG_DIR)
            .join(config_file::SUBSCRIPTION_GROUP)
    }
    /// Loads from a store root (empty when absent).
    ///
    /// # Errors
    /// See [`load`].
    pub fn load(root: &Path) -> Result<Self> {
        Ok(load(&Self::path(root))?.unwrap_or_default())
    }
    /// Persists under a store root.
    ///
    /// # Errors
    /// See [`persist`].
    pub fn persist(&self, root: &Path) -> Result<()> {
        persist(&Self::path(root), self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fastjson_unquoted_keys_and_writes_bak() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let p = ConsumerOffsets::path(root);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, b"{\"offsetTable\":{\"t@g\":{0:12,1:7}}}").unwrap();
        let mut o = ConsumerOffsets::load(root).unwrap();
        assert_eq!(o.get("t", "g", 1), Some(7));
        o.offset_table.get_mut("t@g").unwrap().insert(1, 8);
        o.persist(root).unwrap();
        assert!(root.join("config/consumerOffset.json.bak").exists());
        assert!(!root.join("config/consumerOffset.json.tmp").exists());
        assert_eq!(ConsumerOffsets::load(root).unwrap().get("t", "g", 1), Some(8));
        // A corrupt main file falls back to the backup (the previous version).
        std::fs::write(&p, b"{garbage").unwrap();
        assert_eq!(ConsumerOffsets::load(root).unwrap().get("t", "g", 1), Some(7));
        // Missing main file also falls back.
        std::fs::remove_file(&p).unwrap();
        assert_eq!(ConsumerOffsets::load(root).unwrap().get("t", "g", 0), Some(12));
    }

    #[test]
    fn delay_and_subscription_files_parse() {
        let d: DelayOffsets = json::from_slice(b"{\"offsetTable\":{1:0,3:17}}").unwrap();
        assert_eq!(d.offset_table[&3], 17);
        let s: SubscriptionGroups = json::from_slice(
            br#"{"dataVersion":{"counter":2,"timestamp":5},"subscriptionGroupTable":{"g":{"brokerId":0,
            "consumeBroadcastEnable":true,"consumeEnable":false,"consumeFromMinEnable":true,"groupName":"g",
            "notifyConsumerIdsChangedEnable":true,"retryMaxTimes":16,"retryQueueNums":1,
            "whichBrokerWhenConsumeSlowly":1,"groupSysFlag":0}}}"#,
        )
        .unwrap();
        let g = &s.subscription_group_table["g"];
        assert!(!g.consume_enable);
        assert_eq!(g.extra["groupSysFlag"], 0);
        let dir = tempfile::tempdir().unwrap();
        s.persist(dir.path()).unwrap();
        assert_eq!(SubscriptionGroups::load(dir.path()).unwrap(), s);
        assert!(load::<DelayOffsets>(&dir.path().join("nope.json"))
            .unwrap()
            .is_none());
    }
}
