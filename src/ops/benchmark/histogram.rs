//! The latency histogram of the benchmarks: a fixed log-linear set of microsecond buckets, so a
//! run of any length keeps bounded memory and still reports p50/p99/p999 within about 3 %.

use serde::Serialize;

/// Sub-buckets per power of two (2^5 = 32: about 3 % relative error).
const SUB_BITS: u32 = 5;
const SUB: u64 = 1 << SUB_BITS;
/// Values below this are exact.
const LINEAR: u64 = 2 * SUB;
/// Enough buckets for any u32 microsecond value.
const BUCKETS: usize = (LINEAR + (32 - SUB_BITS as u64 - 1) * SUB) as usize;

/// A log-linear histogram of microsecond latencies with a fixed number of buckets.
#[derive(Debug, Clone)]
pub struct Histogram {
    counts: Vec<u64>,
    total: u64,
    max: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Self {
            counts: vec![0; BUCKETS],
            total: 0,
            max: 0,
        }
    }
}

fn bucket_of(v: u64) -> usize {
    let v = v.min(u64::from(u32::MAX));
    if v < LINEAR {
        return v as usize;
    }
    let exp = 63 - u64::from(v.leading_zeros()); // >= SUB_BITS + 1
    let shift = exp - u64::from(SUB_BITS);
    let mantissa = v >> shift; // SUB..2*SUB
    (LINEAR + (exp - u64::from(SUB_BITS) - 1) * SUB + (mantissa - SUB)) as usize
}

/// The highest value that falls into bucket `i`.
fn bucket_high(i: usize) -> u64 {
    let i = i as u64;
    if i < LINEAR {
        return i;
    }
    let exp = (i - LINEAR) / SUB + u64::from(SUB_BITS) + 1;
    let mantissa = (i - LINEAR) % SUB + SUB;
    let shift = exp - u64::from(SUB_BITS);
    ((mantissa + 1) << shift) - 1
}

impl Histogram {
    /// Records one value (µs).
    pub fn record(&mut self, micros: u64) {
        self.counts[bucket_of(micros)] += 1;
        self.total += 1;
        self.max = self.max.max(micros);
    }

    /// Adds another histogram.
    pub fn merge(&mut self, other: &Histogram) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.total += other.total;
        self.max = self.max.max(other.max);
    }

    /// Values recorded.
    pub fn len(&self) -> u64 {
        self.total
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// The value at quantile `q` (0..=1), as the upper bound of its bucket (never above max).
    pub fn quantile(&self, q: f64) -> u64 {
        if self.total == 0 {
            return 0;
        }
        let rank = ((q * self.total as f64).ceil() as u64).clamp(1, self.total);
        let mut seen = 0;
        for (i, c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return bucket_high(i).min(self.max);
            }
        }
        self.max
    }

    /// The largest value recorded.
    pub fn max(&self) -> u64 {
        self.max
    }
}

/// Latency summary in milliseconds.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Latency {
    /// Median.
    pub p50_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// 99.9th percentile.
    pub p999_ms: f64,
    /// Maximum.
    pub max_ms: f64,
}

impl Latency {
    pub(super) fn of(h: &Histogram) -> Self {
        let ms = |us: u64| us as f64 / 1000.0;
        Self {
            p50_ms: ms(h.quantile(0.50)),
            p99_ms: ms(h.quantile(0.99)),
            p999_ms: ms(h.quantile(0.999)),
            max_ms: ms(h.max()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_monotonic_and_tight() {
        let mut last = 0;
        for v in [
            0u64,
            1,
            63,
            64,
            65,
            127,
            128,
            1000,
            20_000,
            1_000_000,
            u64::from(u32::MAX),
        ] {
            let b = bucket_of(v);
            assert!(b < BUCKETS, "{v}");
            assert!(b >= last);
            last = b;
            let high = bucket_high(b);
            assert!(high >= v, "{v} -> {high}");
            assert!((high - v) as f64 <= v as f64 * 0.04 + 1.0, "{v} -> {high}");
        }
    }

    #[test]
    fn histogram_quantiles() {
        let mut h = Histogram::default();
        for v in 1..=1000u64 {
            h.record(v * 10);
        }
        assert_eq!(h.len(), 1000);
        let p50 = h.quantile(0.5);
        assert!((4900..=5200).contains(&p50), "{p50}");
        assert_eq!(h.quantile(1.0), 10_000);
        assert_eq!(h.max(), 10_000);
        let mut other = Histogram::default();
        other.record(50_000);
        h.merge(&other);
        assert_eq!(h.max(), 50_000);
    }
}
