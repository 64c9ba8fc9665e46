//! JSON bodies of the remoting protocol (spec §2.3), with fields declared in alphabetical order so
//! that our output has fastjson's key order. Read with [`crate::json::from_slice`], which accepts
//! fastjson's unquoted integer keys; written as standard JSON.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};

use serde::{Deserialize, Serialize};

use crate::json::{self, JsonError};

/// Permission bits of a topic.
pub mod perm {
    /// Topic config may be inherited (TBW102).
    pub const INHERIT: i32 = 1;
    /// Writable.
    pub const WRITE: i32 = 2;
    /// Readable.
    pub const READ: i32 = 4;
    /// Priority.
    pub const PRIORITY: i32 = 8;
    /// Renders like Java's `PermName.perm2String`: `RWX`-style with `-` for missing bits.
    pub fn to_string(perm: i32) -> String {
        let mut s = String::from("---");
        if perm & READ != 0 {
            s.replace_range(0..1, "R");
        }
        if perm & WRITE != 0 {
            s.replace_range(1..2, "W");
        }
        if perm & INHERIT != 0 {
            s.replace_range(2..3, "X");
        }
        s
    }
}

/// `dataVersion`: the version stamp of a broker's topic set (`topics.json`, register and
/// topic-config bodies) and of its other config tables (`subscriptionGroup.json`,
/// `consumerOffset.json` as 5.x writes it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataVersion {
    /// Bumped on every change.
    #[serde(default, deserialize_with = "json::lenient::i64_from_any")]
    pub counter: i64,
    /// 5.x only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_version: Option<i64>,
    /// Epoch ms of the last change.
    #[serde(default, deserialize_with = "json::lenient::i64_from_any")]
    pub timestamp: i64,
}

impl DataVersion {
    /// A fresh version stamped now.
    pub fn now() -> Self {
        Self {
            counter: 0,
            state_version: None,
            timestamp: now_millis(),
        }
    }
    /// Records a change.
    pub fn next(&mut self) {
        self.counter += 1;
        self.timestamp = now_millis();
    }
    /// Records a change: one applied from the Raft log carries its `version` (the same counter
    /// and timestamp on every node); a local change (`None`) bumps the counter.
    pub fn record_change(&mut self, version: Option<DataVersion>) {
        match version {
            Some(v) => {
                self.counter = v.counter;
                self.timestamp = v.timestamp;
            }
            None => self.next(),
        }
    }
}

/// Milliseconds since the epoch.
pub fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn default_filter_type() -> String {
    "SINGLE_TAG".into()
}

/// One topic's configuration on a broker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TopicConfig {
    /// Ordered topic.
    #[serde(default)]
    pub order: bool,
    /// Permission bits.
    #[serde(default = "default_perm")]
    pub perm: i32,
    /// Read queues.
    #[serde(default)]
    pub read_queue_nums: i32,
    /// `SINGLE_TAG` or `MULTI_TAG`.
    #[serde(default = "default_filter_type")]
    pub topic_filter_type: String,
    /// Name.
    #[serde(default)]
    pub topic_name: String,
    /// System flag.
    #[serde(default, alias = "topicSynFlag")]
    pub topic_sys_flag: i32,
    /// Write queues.
    #[serde(default)]
    pub write_queue_nums: i32,
}

fn default_perm() -> i32 {
    perm::READ | perm::WRITE
}

impl TopicConfig {
    /// Java's `TopicConfig.toString()`, which Java puts in remarks (e.g. an illegal queue id):
    /// `TopicConfig [topicName=T, readQueueNums=8, writeQueueNums=8, perm=RW-, ...]`.
    pub fn java_display(&self) -> String {
        format!(
            "TopicConfig [topicName={}, readQueueNums={}, writeQueueNums={}, perm={}, topicFilterType={}, topicSysFlag={}, order={}]",
            self.topic_name,
            self.read_queue_nums,
            self.write_queue_nums,
            perm::to_string(self.perm),
            self.topic_filter_type,
            self.topic_sys_flag,
            self.order
        )
    }

    /// A topic with `queues` read and write queues and perm RW.
    pub fn new(name: &str, queues: i32) -> Self {
        Self {
            order: false,
            perm: default_perm(),
            read_queue_nums: queues,
            topic_filter_type: default_filter_type(),
            topic_name: name.to_string(),
            topic_sys_flag: 0,
            write_queue_nums: queues,
        }
    }
}

/// `topics.json` and the GET_ALL_TOPIC_CONFIG body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TopicConfigSerializeWrapper {
    /// Version of this topic set.
    #[serde(default)]
    pub data_version: DataVersion,
    /// Topics by name.
    #[serde(default)]
    pub topic_config_table: BTreeMap<String, TopicConfig>,
}

/// The `bodyCrc32` of a REGISTER_BROKER request: Java's `UtilAll.crc32`, `CRC32 & 0x7FFFFFFF`.
pub fn register_body_crc32(bytes: &[u8]) -> i32 {
    (crc32fast::hash(bytes) & 0x7FFF_FFFF) as i32
}

/// REGISTER_BROKER body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisterBrokerBody {
    /// Filter servers (unused).
    #[serde(default)]
    pub filter_server_list: Vec<String>,
    /// The broker's topics.
    #[serde(default)]
    pub topic_config_serialize_wrapper: TopicConfigSerializeWrapper,
}

/// Why a REGISTER_BROKER body could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// JSON error.
    #[error(transparent)]
    Json(#[from] JsonError),
    /// Compressed form error.
    #[error("invalid compressed register body: {0}")]
    Compressed(String),
}

impl RegisterBrokerBody {
    /// Decodes the JSON or the compressed form (spec §2.3).
    ///
    /// # Errors
    /// [`BodyError`] when the body is neither.
    pub fn decode(body: &[u8], compressed: bool) -> Result<Self, BodyError> {
        if !compressed {
            return Ok(json::from_slice(body)?);
        }
        let mut raw = Vec::new();
        // Bound the inflated size so a zip bomb cannot exhaust memory.
        flate2::read::ZlibDecoder::new(body)
            .take(64 * 1024 * 1024)
            .read_to_end(&mut raw)
            .map_err(|e| BodyError::Compressed(e.to_string()))?;
        let mut cur = raw.as_slice();
        fn take<'a>(cur: &mut &'a [u8], n: usize) -> Result<&'a [u8], BodyError> {
            if cur.len() < n {
                return Err(BodyError::Compressed("truncated".into()));
            }
            let (h, t) = cur.split_at(n);
            *cur = t;
            Ok(h)
        }
        fn int(cur: &mut &[u8]) -> Result<usize, BodyError> {
            let v = i32::from_be_bytes(take(cur, 4)?.try_into().expect("4"));
            usize::try_from(v).map_err(|_| BodyError::Compressed(format!("negative length {v}")))
        }
        let n = int(&mut cur)?;
        let data_version: DataVersion = json::from_slice(take(&mut cur, n)?)?;
        let count = int(&mut cur)?;
        let mut table = BTreeMap::new();
        for _ in 0..count {
            let n = int(&mut cur)?;
            let text = String::from_utf8_lossy(take(&mut cur, n)?).into_owned();
            let parts: Vec<&str> = text.split(' ').collect();
            if parts.len() < 5 {
                return Err(BodyError::Compressed(format!("bad topic line {text:?}")));
            }
            let num = |s: &str| {
                s.parse::<i32>()
                    .map_err(|_| BodyError::Compressed(format!("bad number {s:?}")))
            };
            let tc = TopicConfig {
                order: false,
                perm: num(parts[3])?,
                read_queue_nums: num(parts[1])?,
                topic_filter_type: parts[4].to_string(),
                topic_name: parts[0].to_string(),
                topic_sys_flag: 0,
                write_queue_nums: num(parts[2])?,
            };
            table.insert(tc.topic_name.clone(), tc);
        }
        let filter_server_list = if cur.len() >= 4 {
            let n = int(&mut cur)?;
            json::from_slice(take(&mut cur, n)?)?
        } else {
            Vec::new()
        };
        Ok(Self {
            filter_server_list,
            topic_config_serialize_wrapper: TopicConfigSerializeWrapper {
                data_version,
                topic_config_table: table,
            },
        })
    }

    /// Encodes the compressed form.
    pub fn encode_compressed(&self) -> Vec<u8> {
        let mut raw = Vec::new();
        let dv = json::to_vec(&self.topic_config_serialize_wrapper.data_version);
        raw.extend_from_slice(&(dv.len() as i32).to_be_bytes());
        raw.extend_from_slice(&dv);
        let t = &self.topic_config_serialize_wrapper.topic_config_table;
        raw.extend_from_slice(&(t.len() as i32).to_be_bytes());
        for tc in t.values() {
            let line = format!(
                "{} {} {} {} {}",
                tc.topic_name, tc.read_queue_nums, tc.write_queue_nums, tc.perm, tc.topic_filter_type
            );
            raw.extend_from_slice(&(line.len() as i32).to_be_bytes());
            raw.extend_from_slice(line.as_bytes());
        }
        let fs = json::to_vec(&self.filter_server_list);
        raw.extend_from_slice(&(fs.len() as i32).to_be_bytes());
        raw.extend_from_slice(&fs);
        let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        let _ = enc.write_all(&raw);
        enc.finish().unwrap_or_default()
    }
}

/// A broker group: its cluster, name and addresses by broker id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BrokerData {
    /// Addresses by broker id (0 = master / DLedger leader).
    #[serde(default)]
    pub broker_addrs: BTreeMap<i64, String>,
    /// Broker (group) name.
    #[serde(default)]
    pub broker_name: String,
    /// Cluster name.
    #[serde(default)]
    pub cluster: String,
    /// 5.x field: whether a slave may act as master while the master is down. Always written,
    /// as 5.x does (a primitive `boolean` there): strict 5.x-era clients fail to parse a
    /// `BrokerData` without it, and 4.x fastjson ignores it. True only when the broker said so
    /// at registration (5.x brokers send `enableActingMaster`; ours and 4.x ones do not).
    #[serde(default)]
    pub enable_acting_master: bool,
    /// 5.x field: the broker's zone, from the `__ZONE_NAME` field of its registration. Left out
    /// when unknown, as 5.x's fastjson leaves out a null (5.x clients read it as optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone_name: Option<String>,
}

/// GET_BROKER_CLUSTER_INFO body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterInfo {
    /// Broker groups by name.
    #[serde(default)]
    pub broker_addr_table: BTreeMap<String, BrokerData>,
    /// Broker names by cluster.
    #[serde(default)]
    pub cluster_addr_table: BTreeMap<String, BTreeSet<String>>,
}

/// One broker group's queues of a topic.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueData {
    /// Broker (group) name.
    #[serde(default)]
    pub broker_name: String,
    /// Permission bits.
    #[serde(default)]
    pub perm: i32,
    /// Read queues.
    #[serde(default)]
    pub read_queue_nums: i32,
    /// System flag; spelled `topicSynFlag` before 4.9.0.
    #[serde(default, alias = "topicSynFlag")]
    pub topic_sys_flag: i32,
    /// Write queues.
    #[serde(default)]
    pub write_queue_nums: i32,
}

/// GET_ROUTEINFO_BY_TOPIC body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TopicRouteData {
    /// Broker groups serving the topic.
    #[serde(default)]
    pub broker_datas: Vec<BrokerData>,
    /// Filter servers (unused).
    #[serde(default)]
    pub filter_server_table: BTreeMap<String, Vec<String>>,
    /// Order configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_topic_conf: Option<String>,
    /// Queues per broker group.
    #[serde(default)]
    pub queue_datas: Vec<QueueData>,
}

/// Key-value table (GET_BROKER_RUNTIME_INFO, GET_BROKER_CONFIG's properties text aside).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KvTable {
    /// Entries; every value is a string.
    #[serde(default)]
    pub table: BTreeMap<String, String>,
}

/// GET_ALL_TOPIC_LIST_FROM_NAMESERVER body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TopicList {
    /// Broker address (unused by the name server).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broker_addr: Option<String>,
    /// Topic names.
    #[serde(default)]
    pub topic_list: BTreeSet<String>,
}

/// A consumer's subscription to one topic.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionData {
    /// Class filter (unused).
    #[serde(default)]
    pub class_filter_mode: bool,
    /// Hash codes of the tags.
    #[serde(default)]
    pub code_set: BTreeSet<i32>,
    /// `TAG` or `SQL92`.
    #[serde(default = "default_expression_type")]
    pub expression_type: String,
    /// Expression, e.g. `TagA || TagB` or `*`.
    #[serde(default)]
    pub sub_string: String,
    /// Version (epoch ms when built).
    #[serde(default, deserialize_with = "json::lenient::i64_from_any")]
    pub sub_version: i64,
    /// Tags.
    #[serde(default)]
    pub tags_set: BTreeSet<String>,
    /// Topic.
    #[serde(default)]
    pub topic: String,
}

fn default_expression_type() -> String {
    "TAG".into()
}

impl SubscriptionData {
    /// Builds a TAG subscription from an expression (`*`, `a || b`), like Java's
    /// `FilterAPI.buildSubscriptionData`.
    pub fn from_expression(topic: &str, expr: &str) -> Self {
        let mut s = Self {
            topic: topic.to_string(),
            sub_string: expr.to_string(),
            sub_version: now_millis(),
            expression_type: default_expression_type(),
            ..Default::default()
        };
        if expr.trim().is_empty() || expr.trim() == "*" {
            s.sub_string = "*".into();
        } else {
            for tag in expr.split("||").map(str::trim).filter(|t| !t.is_empty()) {
                s.tags_set.insert(tag.to_string());
                s.code_set.insert(crate::store::format::java_string_hash(tag));
            }
        }
        s
    }

    /// Whether a message with this consume-queue tagsCode matches.
    pub fn matches_tags_code(&self, tags_code: i64) -> bool {
        self.sub_string == "*" || self.code_set.is_empty() || self.code_set.contains(&(tags_code as i32))
    }
}

/// One consumer group in a heartbeat.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsumerData {
    /// `CONSUME_FROM_LAST_OFFSET` etc.
    #[serde(default)]
    pub consume_from_where: String,
    /// `CONSUME_ACTIVELY` / `CONSUME_PASSIVELY`.
    #[serde(default)]
    pub consume_type: String,
    /// Group.
    #[serde(default)]
    pub group_name: String,
    /// `CLUSTERING` / `BROADCASTING`.
    #[serde(default)]
    pub message_model: String,
    /// Subscriptions.
    #[serde(default)]
    pub subscription_data_set: Vec<SubscriptionData>,
    /// Unit mode.
    #[serde(default)]
    pub unit_mode: bool,
}

/// One producer group in a heartbeat.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProducerData {
    /// Group.
    #[serde(default)]
    pub group_name: String,
}

/// HEART_BEAT body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HeartbeatData {
    /// `ip@instance`.
    #[serde(default, rename = "clientID")]
    pub client_id: String,
    /// Consumer groups.
    #[serde(default, rename = "consumerDataSet")]
    pub consumer_data_set: Vec<ConsumerData>,
    /// Producer groups.
    #[serde(default, rename = "producerDataSet")]
    pub producer_data_set: Vec<ProducerData>,
}

/// GET_CONSUMER_LIST_BY_GROUP response body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsumerIdList {
    /// Client ids.
    #[serde(default)]
    pub consumer_id_list: Vec<String>,
}

/// Consumer offsets body (GET_ALL_CONSUMER_OFFSET) and `consumerOffset.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsumerOffsetWrapper {
    /// `topic@group` -> queueId -> offset.
    #[serde(default)]
    pub offset_table: BTreeMap<String, BTreeMap<i32, i64>>,
}

/// Delay offsets body (GET_ALL_DELAY_OFFSET) and `delayOffset.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DelayOffsetWrapper {
    /// delay level -> offset.
    #[serde(default)]
    pub offset_table: BTreeMap<i32, i64>,
}

/// Per-queue offsets of a topic (GET_TOPIC_STATS_INFO). Sent with [`TopicStatsTable::to_fastjson`]
/// in Java's shape (a map keyed by `MessageQueue` objects); `mqadmin` reads that and this list form.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TopicStatsTable {
    /// Offsets per queue.
    #[serde(default)]
    pub offset_list: Vec<TopicQueueStats>,
}

impl TopicStatsTable {
    /// The body as Java's broker sends it: fastjson's map keyed by `MessageQueue` objects,
    /// `{"offsetTable":{{"brokerName":..,"queueId":..,"topic":..}:{"lastUpdateTimestamp":..,
    /// "maxOffset":..,"minOffset":..},...}}`. Not standard JSON, but what Java tools parse.
    pub fn to_fastjson(&self) -> Vec<u8> {
        let q = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into());
        let entries: Vec<String> = self
            .offset_list
            .iter()
            .map(|e| {
                format!(
                    "{{\"brokerName\":{},\"queueId\":{},\"topic\":{}}}:{{\"lastUpdateTimestamp\":{},\"maxOffset\":{},\"minOffset\":{}}}",
                    q(&e.broker_name),
                    e.queue_id,
                    q(&e.topic),
                    e.last_update_timestamp,
                    e.max_offset,
                    e.min_offset
                )
            })
            .collect();
        format!("{{\"offsetTable\":{{{}}}}}", entries.join(",")).into_bytes()
    }
}

/// One queue's stats.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TopicQueueStats {
    /// Broker name.
    pub broker_name: String,
    /// Last message store time, ms.
    pub last_update_timestamp: i64,
    /// Max (next) offset.
    pub max_offset: i64,
    /// Min offset.
    pub min_offset: i64,
    /// Queue id.
    pub queue_id: i32,
    /// Topic.
    pub topic: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_info_reads_fastjson_keys() {
        let body = br#"{"brokerAddrTable":{"RaftNode00":{"brokerAddrs":{0:"192.168.1.10:30921",1:"192.168.1.10:30911",3:"192.168.1.10:30931"},"brokerName":"RaftNode00","cluster":"RaftCluster"}},"clusterAddrTable":{"RaftCluster":["RaftNode00"]}}"#;
        let ci: ClusterInfo = json::from_slice(body).unwrap();
        let bd = &ci.broker_addr_table["RaftNode00"];
        assert_eq!(bd.broker_addrs[&3], "192.168.1.10:30931");
        assert!(ci.cluster_addr_table["RaftCluster"].contains("RaftNode00"));
        let out = String::from_utf8(json::to_vec(&ci)).unwrap();
        assert!(out.contains(r#""brokerAddrs":{"0":"192.168.1.10:30921""#));
    }

    #[test]
    fn broker_data_carries_5x_fields() {
        let mut bd = BrokerData {
            broker_addrs: BTreeMap::from([(0, "a:1".to_string())]),
            broker_name: "b".into(),
            cluster: "c".into(),
            ..Default::default()
        };
        assert_eq!(
            String::from_utf8(json::to_vec(&bd)).unwrap(),
            r#"{"brokerAddrs":{"0":"a:1"},"brokerName":"b","cluster":"c","enableActingMaster":false}"#
        );
        bd.zone_name = Some("z".into());
        assert!(String::from_utf8(json::to_vec(&bd))
            .unwrap()
            .ends_with(r#""enableActingMaster":false,"zoneName":"z"}"#));
        // 4.x name servers' bodies lack both; they still read.
        let old: BrokerData =
            json::from_slice(br#"{"brokerAddrs":{0:"a:1"},"brokerName":"b","cluster":"c"}"#).unwrap();
        assert!(!old.enable_acting_master && old.zone_name.is_none());
    }

    #[test]
    fn queue_data_accepts_both_spellings() {
        let a: QueueData = json::from_slice(br#"{"brokerName":"b","perm":6,"topicSynFlag":3}"#).unwrap();
        let b: QueueData = json::from_slice(br#"{"brokerName":"b","perm":6,"topicSysFlag":3}"#).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.topic_sys_flag, 3);
    }

    #[test]
    fn topic_config_key_order_matches_fastjson() {
        let t = TopicConfig::new("TopicTest", 8);
        assert_eq!(
            String::from_utf8(json::to_vec(&t)).unwrap(),
            r#"{"order":false,"perm":6,"readQueueNums":8,"topicFilterType":"SINGLE_TAG","topicName":"TopicTest","topicSysFlag":0,"writeQueueNums":8}"#
        );
    }

    #[test]
    fn compressed_register_body_round_trips() {
        let mut body = RegisterBrokerBody::default();
        body.topic_config_serialize_wrapper.data_version.counter = 5;
        for t in ["a", "b"] {
            body.topic_config_serialize_wrapper
                .topic_config_table
                .insert(t.into(), TopicConfig::new(t, 4));
        }
        let enc = body.encode_compressed();
        let dec = RegisterBrokerBody::decode(&enc, true).unwrap();
        assert_eq!(dec, body);
        assert!(RegisterBrokerBody::decode(&enc[..enc.len() / 2], true).is_err());
        assert!(RegisterBrokerBody::decode(b"garbage", true).is_err());
    }

    #[test]
    fn topic_stats_in_java_shape() {
        let t = TopicStatsTable {
            offset_list: vec![TopicQueueStats {
                broker_name: "b".into(),
                last_update_timestamp: 5,
                max_offset: 3,
                min_offset: 0,
                queue_id: 2,
                topic: "T".into(),
            }],
        };
        assert_eq!(
            String::from_utf8(t.to_fastjson()).unwrap(),
            r#"{"offsetTable":{{"brokerName":"b","queueId":2,"topic":"T"}:{"lastUpdateTimestamp":5,"maxOffset":3,"minOffset":0}}}"#
        );
    }

    #[test]
    fn topic_config_reads_as_java_prints_it() {
        assert_eq!(
            TopicConfig::new("T", 8).java_display(),
            "TopicConfig [topicName=T, readQueueNums=8, writeQueueNums=8, perm=RW-, \
             topicFilterType=SINGLE_TAG, topicSysFlag=0, order=false]"
        );
    }

    #[test]
    fn perm_strings() {
        assert_eq!(perm::to_string(6), "RW-");
        assert_eq!(perm::to_string(7), "RWX");
    }
}
