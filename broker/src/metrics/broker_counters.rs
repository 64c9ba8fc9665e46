//! The broker's counters updated on the send and pull paths: Java 5's
//! `rocketmq_messages_in_total`, `rocketmq_throughput_in_total`, `rocketmq_message_size`,
//! `rocketmq_messages_out_total` and `rocketmq_throughput_out_total`, and the request latency.
//!
//! A request costs one hashed look-up of its topic's (or topic and group's) series, under a read
//! lock, then a few atomic adds; the series are made once, on a topic's first request.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use prometheus::core::Collector;
use prometheus::proto::MetricFamily;
use prometheus::{Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, Opts};

use super::rpc::RpcLatency;
use super::{
    CommonLabels, MetricsError, LABEL_CONSUMER_GROUP, LABEL_IS_RETRY, LABEL_IS_SYSTEM, LABEL_MESSAGE_TYPE,
    LABEL_TOPIC,
};

/// Java's `messageSizeBuckets`, in bytes: 1 KiB, 4 KiB, 512 KiB, 1, 2 and 4 MiB.
pub const MESSAGE_SIZE_BUCKETS: [f64; 6] = [1024.0, 4096.0, 524_288.0, 1_048_576.0, 2_097_152.0, 4_194_304.0];

/// Java's `TopicMessageType` values, as its `message_type` label spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageType {
    /// A plain message.
    Normal,
    /// A message with a sharding key (ordered).
    Fifo,
    /// A delayed message.
    Delay,
    /// A transactional (half) message.
    Transaction,
}

impl MessageType {
    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::Fifo => "fifo",
            Self::Delay => "delay",
            Self::Transaction => "transaction",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Whether Java counts a topic (or group) as a system one for `is_system`.
pub fn is_system_topic(topic: &str) -> bool {
    topic.starts_with("rmq_sys_")
        || matches!(
            topic,
            "SCHEDULE_TOPIC_XXXX"
                | "TBW102"
                | "SELF_TEST_TOPIC"
                | "OFFSET_MOVED_EVENT"
                | "TRANS_CHECK_MAX_TIME_TOPIC"
        )
}

#[derive(Debug)]
struct InSeries {
    msgs: IntCounter,
    bytes: IntCounter,
    size: Histogram,
}

#[derive(Debug, Default)]
struct TopicIn {
    by_type: [OnceLock<InSeries>; 4],
}

#[derive(Debug)]
struct OutSeries {
    msgs: IntCounter,
    bytes: IntCounter,
}

/// The broker's hot-path counters.
#[derive(Debug)]
pub struct BrokerCounters {
    common: CommonLabels,
    messages_in: IntCounterVec,
    throughput_in: IntCounterVec,
    message_size: HistogramVec,
    messages_out: IntCounterVec,
    throughput_out: IntCounterVec,
    /// `rocketmq_rpc_latency`.
    pub rpc: RpcLatency,
    topics_in: RwLock<HashMap<String, Arc<TopicIn>>>,
    topics_out: RwLock<HashMap<String, HashMap<String, Arc<OutSeries>>>>,
}

impl BrokerCounters {
    /// Counters whose series carry `common`.
    ///
    /// # Errors
    /// Never with these names (the prometheus crate's checks).
    pub fn new(common: CommonLabels) -> Result<Self, MetricsError> {
        let opts = |name: &str, help: &str| Opts::new(name, help).const_labels(common.0.clone());
        let in_labels = [LABEL_TOPIC, LABEL_MESSAGE_TYPE, LABEL_IS_SYSTEM];
        let out_labels = [LABEL_TOPIC, LABEL_CONSUMER_GROUP, LABEL_IS_RETRY, LABEL_IS_SYSTEM];
        Ok(Self {
            messages_in: IntCounterVec::new(
                opts("rocketmq_messages_in_total", "Messages stored"),
                &in_labels,
            )?,
            throughput_in: IntCounterVec::new(
                opts("rocketmq_throughput_in_total", "Message body bytes stored"),
                &in_labels,
            )?,
            message_size: HistogramVec::new(
                HistogramOpts::new(
                    "rocketmq_message_size",
                    "Message body size in bytes (a batch's mean)",
                )
                .const_labels(common.0.clone())
                .buckets(MESSAGE_SIZE_BUCKETS.to_vec()),
                &in_labels,
            )?,
            messages_out: IntCounterVec::new(
                opts("rocketmq_messages_out_total", "Messages returned by pulls"),
                &out_labels,
            )?,
            throughput_out: IntCounterVec::new(
                opts("rocketmq_throughput_out_total", "Bytes returned by pulls"),
                &out_labels,
            )?,
            rpc: RpcLatency::new(&common)?,
            common,
            topics_in: RwLock::default(),
            topics_out: RwLock::default(),
        })
    }

    /// The common labels.
    pub fn common(&self) -> &CommonLabels {
        &self.common
    }

    /// Counts one stored send request of `msgs` messages and `bytes` body bytes.
    pub fn record_in(&self, topic: &str, kind: MessageType, msgs: u64, bytes: u64) {
        let entry = self
            .topics_in
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(topic)
            .cloned();
        let entry = match entry {
            Some(e) => e,
            None => self
                .topics_in
                .write()
                .unwrap_or_else(|p| p.into_inner())
                .entry(topic.to_owned())
                .or_default()
                .clone(),
        };
        let s = entry.by_type[kind.index()].get_or_init(|| {
            let labels = [topic, kind.as_str(), bool_str(is_system_topic(topic))];
            InSeries {
                msgs: self.messages_in.with_label_values(&labels),
                bytes: self.throughput_in.with_label_values(&labels),
                size: self.message_size.with_label_values(&labels),
            }
        });
        s.msgs.inc_by(msgs);
        s.bytes.inc_by(bytes);
        if let Some(mean) = bytes.checked_div(msgs) {
            s.size.observe(mean as f64);
        }
    }

    /// Counts one pull that returned `msgs` messages of `bytes` bytes.
    pub fn record_out(&self, topic: &str, group: &str, msgs: u64, bytes: u64) {
        let found = self
            .topics_out
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(topic)
            .and_then(|g| g.get(group))
            .cloned();
        let s = match found {
            Some(s) => s,
            None => {
                let labels = [
                    topic,
                    group,
                    bool_str(topic.starts_with("%RETRY%")),
                    bool_str(is_system_topic(topic)),
                ];
                let series = Arc::new(OutSeries {
                    msgs: self.messages_out.with_label_values(&labels),
                    bytes: self.throughput_out.with_label_values(&labels),
                });
                self.topics_out
                    .write()
                    .unwrap_or_else(|p| p.into_inner())
                    .entry(topic.to_owned())
                    .or_default()
                    .entry(group.to_owned())
                    .or_insert(series)
                    .clone()
            }
        };
        s.msgs.inc_by(msgs);
        s.bytes.inc_by(bytes);
    }

    /// Forgets a deleted topic's series, so a scrape does not show it for ever.
    pub fn forget_topic(&self, topic: &str) {
        let system = bool_str(is_system_topic(topic));
        let removed = self
            .topics_in
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(topic);
        if let Some(t) = removed {
            for kind in [
                MessageType::Normal,
                MessageType::Fifo,
                MessageType::Delay,
                MessageType::Transaction,
            ] {
                if t.by_type[kind.index()].get().is_some() {
                    let labels = [topic, kind.as_str(), system];
                    let _ = self.messages_in.remove_label_values(&labels);
                    let _ = self.throughput_in.remove_label_values(&labels);
                    let _ = self.message_size.remove_label_values(&labels);
                }
            }
        }
        let removed = self
            .topics_out
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(topic);
        for group in removed.into_iter().flat_map(|g| g.into_keys()) {
            let labels = [
                topic,
                group.as_str(),
                bool_str(topic.starts_with("%RETRY%")),
                system,
            ];
            let _ = self.messages_out.remove_label_values(&labels);
            let _ = self.throughput_out.remove_label_values(&labels);
        }
    }

    /// Every family.
    pub fn collect(&self) -> Vec<MetricFamily> {
        let mut v = self.messages_in.collect();
        v.extend(self.throughput_in.collect());
        v.extend(self.message_size.collect());
        v.extend(self.messages_out.collect());
        v.extend(self.throughput_out.collect());
        v.extend(self.rpc.collect());
        v
    }
}

/// A label value for a flag.
pub fn bool_str(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_topic_and_type() {
        let c = BrokerCounters::new(CommonLabels::new("c", "broker", "b")).unwrap();
        c.record_in("T", MessageType::Normal, 3, 300);
        c.record_in("T", MessageType::Normal, 1, 100);
        c.record_in("T", MessageType::Delay, 1, 10);
        c.record_out("T", "G", 2, 500);
        let text = super::super::encode(&c.collect()).unwrap();
        assert!(text.contains("rocketmq_messages_in_total{cluster=\"c\",is_system=\"false\",message_type=\"normal\",node_id=\"b\",node_type=\"broker\",topic=\"T\"} 4"), "{text}");
        assert!(text.contains("message_type=\"delay\""), "{text}");
        assert!(text.contains("rocketmq_messages_out_total{"), "{text}");
        c.forget_topic("T");
        c.record_in("U", MessageType::Normal, 1, 1);
        let text = super::super::encode(&c.collect()).unwrap();
        assert!(!text.contains("topic=\"T\""), "{text}");
        assert!(text.contains("topic=\"U\""), "{text}");
    }
}
