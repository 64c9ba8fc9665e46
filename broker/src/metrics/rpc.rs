//! `rocketmq_rpc_latency` (Java 5's remoting metric): a histogram of request handling time in
//! milliseconds by `request_code` and `response_code`, observed once per request.

use prometheus::core::Collector;
use prometheus::proto::MetricFamily;
use prometheus::{HistogramOpts, HistogramVec};

use super::{CommonLabels, MetricsError};

/// Java's `rpcCostTimeBuckets`, in ms.
pub const RPC_LATENCY_BUCKETS_MS: [f64; 9] = [1.0, 3.0, 5.0, 7.0, 10.0, 100.0, 1000.0, 2000.0, 3000.0];

/// The latency histogram of one server.
#[derive(Debug, Clone)]
pub struct RpcLatency {
    hist: HistogramVec,
}

impl RpcLatency {
    /// A histogram whose series carry `common`.
    ///
    /// # Errors
    /// Never with these names (the prometheus crate's checks).
    pub fn new(common: &CommonLabels) -> Result<Self, MetricsError> {
        let opts = HistogramOpts::new("rocketmq_rpc_latency", "Request handling time in milliseconds")
            .const_labels(common.0.clone())
            .buckets(RPC_LATENCY_BUCKETS_MS.to_vec());
        Ok(Self {
            hist: HistogramVec::new(opts, &["protocol_type", "request_code", "response_code"])?,
        })
    }

    /// Records one request (a hashed lookup of the series and two atomic adds).
    pub fn observe(&self, request_code: i32, response_code: Option<i32>, millis: f64) {
        let mut req = itoa_buf();
        let mut resp = itoa_buf();
        let req = fmt_i32(&mut req, request_code);
        let resp = match response_code {
            Some(c) => fmt_i32(&mut resp, c),
            None => "oneway",
        };
        if let Ok(h) = self.hist.get_metric_with_label_values(&["remoting", req, resp]) {
            h.observe(millis);
        }
    }

    /// The histogram's family.
    pub fn collect(&self) -> Vec<MetricFamily> {
        self.hist.collect()
    }
}

fn itoa_buf() -> [u8; 12] {
    [0; 12]
}

/// Formats an `i32` into `buf` without allocating.
fn fmt_i32(buf: &mut [u8; 12], v: i32) -> &str {
    use std::io::Write;
    let mut cur = std::io::Cursor::new(&mut buf[..]);
    let _ = write!(cur, "{v}");
    let n = cur.position() as usize;
    std::str::from_utf8(&buf[..n]).unwrap_or("0")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_codes_without_allocating() {
        let mut b = itoa_buf();
        assert_eq!(fmt_i32(&mut b, -2147483648), "-2147483648");
        let mut b = itoa_buf();
        assert_eq!(fmt_i32(&mut b, 310), "310");
    }
}
