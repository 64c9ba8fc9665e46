//! Broker statistics behind GET_BROKER_RUNTIME_INFO: message counters sampled every second so
//! TPS can be reported over 10, 60 and 600 s windows as Java's `StoreStatsService` does, and the
//! day's totals for `clusterList -m`; and the messages each consumer group pulls from each
//! topic ([`GroupGets`]), behind GET_CONSUME_STATS's `consumeTps`.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

/// Counters updated on the hot paths (atomics only).
#[derive(Debug, Default)]
pub struct Counters {
    /// Messages stored.
    pub put_msgs: AtomicU64,
    /// Bytes stored.
    pub put_bytes: AtomicU64,
    /// Failed puts.
    pub put_failures: AtomicU64,
    /// Messages returned by pulls.
    pub get_found_msgs: AtomicU64,
    /// Pulls that found nothing.
    pub get_miss: AtomicU64,
    /// Pulls served.
    pub get_total: AtomicU64,
    /// Bytes returned by pulls.
    pub get_transferred_msgs: AtomicU64,
    /// Longest put, µs.
    pub put_max_micros: AtomicU64,
    /// Sends waiting in the send path right now.
    pub send_in_flight: AtomicI64,
    /// Pulls held by long polling right now.
    pub pull_in_flight: AtomicI64,
}

#[derive(Debug, Clone, Copy, Default)]
struct Sample {
    at_ms: i64,
    put: u64,
    found: u64,
    miss: u64,
    total: u64,
    transferred: u64,
}

/// Rolling samples (one a second, 10 minutes) and the day boundaries.
#[derive(Debug)]
pub struct Stats {
    /// Hot-path counters.
    pub counters: Counters,
    /// Messages pulled per consumer group and topic.
    pub group_gets: GroupGets,
    samples: Mutex<VecDeque<Sample>>,
    day: Mutex<DayTotals>,
}

/// Sampling period of [`GroupGets`] (Java's `StatsItem.samplingInSeconds`: every 10 s).
const GROUP_SAMPLE_MS: i64 = 10_000;
/// Samples kept: the last minute (Java keeps 7 for its minute window).
const GROUP_SAMPLES: usize = 7;

/// Messages each consumer group pulled from each topic, as Java's `BrokerStatsManager` counts
/// GROUP_GET_NUMS on every pull that found messages, sampled every 10 s; the rate over the last
/// minute is the group's consume TPS (GET_CONSUME_STATS). Java divides by the span between its
/// oldest and newest samples; we divide by the span from the oldest sample to now, so a group
/// that just started consuming shows a rate within a second rather than after 10 s. A group
/// that pulled nothing for a whole minute is forgotten (its rate is 0 either way).
#[derive(Debug, Default)]
pub struct GroupGets {
    /// group -> topic -> item (nested so the pull path looks up without allocating).
    items: RwLock<HashMap<String, HashMap<String, Arc<GroupGetItem>>>>,
}

#[derive(Debug)]
struct GroupGetItem {
    count: AtomicU64,
    /// `(at_ms, count)`, oldest first.
    samples: Mutex<VecDeque<(i64, u64)>>,
}

impl GroupGetItem {
    /// Whether the count did not change over a whole window of samples.
    fn idle(&self) -> bool {
        let count = self.count.load(Ordering::Relaxed);
        let q = self.samples.lock().unwrap_or_else(|p| p.into_inner());
        q.len() == GROUP_SAMPLES && q.iter().all(|(_, c)| *c == count)
    }
}

impl GroupGets {
    /// Counts `n` messages `group` pulled from `topic` (a pull that found messages).
    pub fn record(&self, topic: &str, group: &str, n: u64, now_ms: i64) {
        let items = self.items.read().unwrap_or_else(|p| p.into_inner());
        if let Some(item) = items.get(group).and_then(|t| t.get(topic)) {
            item.count.fetch_add(n, Ordering::Relaxed);
            return;
        }
        drop(items);
        let mut items = self.items.write().unwrap_or_else(|p| p.into_inner());
        let item = items
            .entry(group.to_string())
            .or_default()
            .entry(topic.to_string())
            .or_insert_with(|| {
                Arc::new(GroupGetItem {
                    count: AtomicU64::new(0),
                    samples: Mutex::new(VecDeque::from([(now_ms, 0)])),
                })
            });
        item.count.fetch_add(n, Ordering::Relaxed);
    }

    /// Takes a sample of every item whose last one is 10 s old; forgets items that did not
    /// change over the whole window. Called once a second.
    pub fn sample(&self, now_ms: i64) {
        let mut any_idle = false;
        for topics in self.items.read().unwrap_or_else(|p| p.into_inner()).values() {
            for item in topics.values() {
                let count = item.count.load(Ordering::Relaxed);
                {
                    let mut q = item.samples.lock().unwrap_or_else(|p| p.into_inner());
                    if q.back().is_none_or(|(at, _)| now_ms - at >= GROUP_SAMPLE_MS) {
                        q.push_back((now_ms, count));
                        while q.len() > GROUP_SAMPLES {
                            q.pop_front();
                        }
                    }
                }
                any_idle |= item.idle();
            }
        }
        if any_idle {
            // Checked again under the write lock: a pull may have counted since.
            let mut items = self.items.write().unwrap_or_else(|p| p.into_inner());
            for topics in items.values_mut() {
                topics.retain(|_, item| !item.idle());
            }
            items.retain(|_, topics| !topics.is_empty());
        }
    }

    /// Messages per second `group` pulled from `topic` over the last minute (0 if none).
    pub fn tps(&self, topic: &str, group: &str, now_ms: i64) -> f64 {
        let items = self.items.read().unwrap_or_else(|p| p.into_inner());
        let Some(item) = items.get(group).and_then(|t| t.get(topic)) else {
            return 0.0;
        };
        let count = item.count.load(Ordering::Relaxed);
        let q = item.samples.lock().unwrap_or_else(|p| p.into_inner());
        let Some((at, first)) = q.front().copied() else {
            return 0.0;
        };
        let millis = (now_ms - at).max(1000) as f64;
        count.saturating_sub(first) as f64 * 1000.0 / millis
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct DayTotals {
    day: i64,
    put_today_morning: u64,
    put_yesterday_morning: u64,
    get_today_morning: u64,
    get_yesterday_morning: u64,
}

const DAY_MS: i64 = 86_400_000;

impl Default for Stats {
    fn default() -> Self {
        Self {
            counters: Counters::default(),
            group_gets: GroupGets::default(),
            samples: Mutex::new(VecDeque::with_capacity(602)),
            day: Mutex::default(),
        }
    }
}

/// Java's `String.valueOf(double)` for the values we print: `0.0`, `12.5`, `3.3333333333333335`.
pub fn java_double(v: f64) -> String {
    if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e7 {
        format!("{v:.1}")
    } else {
        format!("{v}")
    }
}

impl Stats {
    fn now_sample(&self, now_ms: i64) -> Sample {
        let c = &self.counters;
        Sample {
            at_ms: now_ms,
            put: c.put_msgs.load(Ordering::Relaxed),
            found: c.get_found_msgs.load(Ordering::Relaxed),
            miss: c.get_miss.load(Ordering::Relaxed),
            total: c.get_total.load(Ordering::Relaxed),
            transferred: c.get_transferred_msgs.load(Ordering::Relaxed),
        }
    }

    /// Takes a sample; called once a second.
    pub fn tick(&self, now_ms: i64) {
        self.group_gets.sample(now_ms);
        let s = self.now_sample(now_ms);
        let mut q = self.samples.lock().unwrap_or_else(|p| p.into_inner());
        q.push_back(s);
        while q.len() > 601 {
            q.pop_front();
        }
        let mut d = self.day.lock().unwrap_or_else(|p| p.into_inner());
        let day = now_ms.div_euclid(DAY_MS);
        if d.day != day {
            d.put_yesterday_morning = if d.day == 0 { s.put } else { d.put_today_morning };
            d.get_yesterday_morning = if d.day == 0 { s.found } else { d.get_today_morning };
            d.put_today_morning = s.put;
            d.get_today_morning = s.found;
            d.day = day;
        }
    }

    /// TPS of one counter over 10, 60 and 600 s, as `"a b c"`; a window without enough samples
    /// is empty, as in Java.
    fn tps(&self, now_ms: i64, pick: fn(&Sample) -> u64) -> String {
        let q = self.samples.lock().unwrap_or_else(|p| p.into_inner());
        let now = self.now_sample(now_ms);
        let mut parts = Vec::with_capacity(3);
        for window in [10usize, 60, 600] {
            let text = if q.len() > window {
                let old = q[q.len() - 1 - window];
                let secs = ((now.at_ms - old.at_ms) as f64 / 1000.0).max(0.001);
                java_double((pick(&now) - pick(&old)) as f64 / secs)
            } else if let Some(first) = q.front() {
                // Fewer samples than the window: rate since the first sample (better than blank
                // for a freshly started broker, and what an operator expects to see).
                let secs = ((now.at_ms - first.at_ms) as f64 / 1000.0).max(1.0);
                java_double((pick(&now) - pick(first)) as f64 / secs)
            } else {
                String::new()
            };
            parts.push(text);
        }
        parts.join(" ")
    }

    /// The TPS, totals and size entries of the runtime info KVTable.
    pub fn runtime_entries(&self, now_ms: i64) -> Vec<(&'static str, String)> {
        let c = &self.counters;
        let d = *self.day.lock().unwrap_or_else(|p| p.into_inner());
        let put = c.put_msgs.load(Ordering::Relaxed);
        let found = c.get_found_msgs.load(Ordering::Relaxed);
        let transferred = self.tps(now_ms, |s| s.transferred);
        let bytes = c.put_bytes.load(Ordering::Relaxed);
        vec![
            ("putTps", self.tps(now_ms, |s| s.put)),
            ("getFoundTps", self.tps(now_ms, |s| s.found)),
            ("getMissTps", self.tps(now_ms, |s| s.miss)),
            ("getTotalTps", self.tps(now_ms, |s| s.total)),
            ("getTransferedTps", transferred.clone()),
            ("getTransferredTps", transferred),
            ("msgPutTotalYesterdayMorning", d.put_yesterday_morning.to_string()),
            ("msgPutTotalTodayMorning", d.put_today_morning.to_string()),
            ("msgPutTotalTodayNow", put.to_string()),
            ("msgGetTotalYesterdayMorning", d.get_yesterday_morning.to_string()),
            ("msgGetTotalTodayMorning", d.get_today_morning.to_string()),
            ("msgGetTotalTodayNow", found.to_string()),
            ("putMessageTimesTotal", put.to_string()),
            ("putMessageSizeTotal", bytes.to_string()),
            (
                "putMessageFailedTimes",
                c.put_failures.load(Ordering::Relaxed).to_string(),
            ),
            (
                "putMessageAverageSize",
                java_double(if put == 0 { 0.0 } else { bytes as f64 / put as f64 }),
            ),
            (
                "putMessageEntireTimeMax",
                (c.put_max_micros.load(Ordering::Relaxed) / 1000).to_string(),
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tps_over_windows() {
        let s = Stats::default();
        for i in 0..=10 {
            s.counters.put_msgs.store(i * 100, Ordering::Relaxed);
            s.tick(1_000_000 + i as i64 * 1000);
        }
        let e = s.runtime_entries(1_010_000);
        let put = &e.iter().find(|(k, _)| *k == "putTps").unwrap().1;
        assert_eq!(put.split(' ').next(), Some("100.0"));
        assert_eq!(java_double(0.0), "0.0");
        assert_eq!(java_double(12.5), "12.5");
    }

    #[test]
    fn group_tps_over_the_last_minute_then_forgotten() {
        let g = GroupGets::default();
        let t0 = 1_000_000;
        assert_eq!(g.tps("T", "G", t0), 0.0);
        g.record("T", "G", 50, t0);
        // Within the first second the span counts as one second.
        assert_eq!(g.tps("T", "G", t0 + 200), 50.0);
        g.record("T", "G", 50, t0 + 5_000);
        assert_eq!(g.tps("T", "G", t0 + 10_000), 10.0);
        assert_eq!(g.tps("T", "Other", t0 + 10_000), 0.0);
        // A minute of silence: the rate falls to 0 and the item is dropped.
        for s in 1..=8 {
            g.sample(t0 + s * GROUP_SAMPLE_MS);
        }
        assert_eq!(g.tps("T", "G", t0 + 80_000), 0.0);
        assert!(g.items.read().unwrap().is_empty());
    }
}
