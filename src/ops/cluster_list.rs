//! `clusterList`: ask a name server for the cluster layout, then ask every broker address for its
//! runtime statistics, concurrently, and compute what the Java tool prints (spec §3.3–§3.7).
//!
//! The Java tool keeps going when a broker does not answer and prints that row with default
//! values; so do we, but the row carries the error so the command can report it and exit 1.

use std::collections::BTreeMap;
use std::time::Duration;

use broker::remoting::body::{ClusterInfo, KvTable};
use broker::remoting::codes::{request, response};
use broker::remoting::{RemotingClient, RemotingCommand};
use serde::Serialize;

use super::java_order::hashmap_order;

/// Default timeout of GET_BROKER_CLUSTER_INFO, as in Java (5 s).
pub const NAMESRV_TIMEOUT: Duration = Duration::from_secs(5);
/// Default timeout of each GET_BROKER_RUNTIME_INFO.
pub const BROKER_TIMEOUT: Duration = Duration::from_secs(3);

/// What to fetch.
#[derive(Debug, Clone)]
pub struct ClusterListOptions {
    /// Name servers, tried in turn until one answers.
    pub namesrv_addrs: Vec<String>,
    /// Only this cluster, if set (5.x `-c`); an unknown name yields no rows.
    pub cluster_name: Option<String>,
    /// Timeout of the cluster-info request. Default: [`NAMESRV_TIMEOUT`].
    pub namesrv_timeout: Duration,
    /// Timeout of each broker runtime-info request. Default: [`BROKER_TIMEOUT`].
    pub broker_timeout: Duration,
}

impl ClusterListOptions {
    /// Options with Java's timeouts for the given `;`-separated name server list.
    pub fn new(namesrv_list: &str) -> Self {
        Self {
            namesrv_addrs: split_namesrv_list(namesrv_list),
            cluster_name: None,
            namesrv_timeout: NAMESRV_TIMEOUT,
            broker_timeout: BROKER_TIMEOUT,
        }
    }
}

/// Splits `a;b;c` into trimmed, non-empty addresses.
pub fn split_namesrv_list(list: &str) -> Vec<String> {
    list.split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Why `clusterList` could not produce a report at all.
#[derive(Debug, thiserror::Error)]
pub enum ClusterListError {
    /// No name server address was configured.
    #[error("no name server address given; pass -n/--namesrvAddr or set NAMESRV_ADDR")]
    NoNamesrv,
    /// Every name server failed; one entry per address.
    #[error("no name server answered GET_BROKER_CLUSTER_INFO: {}", .0.join("; "))]
    NamesrvUnreachable(Vec<String>),
}

/// The result of one `clusterList` pass.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterListReport {
    /// The name server that answered.
    pub namesrv: String,
    /// One row per broker address, in the Java tool's order.
    pub rows: Vec<BrokerRow>,
}

impl ClusterListReport {
    /// Rows whose broker did not answer.
    pub fn failed(&self) -> impl Iterator<Item = &BrokerRow> {
        self.rows.iter().filter(|r| r.error.is_some())
    }
}

/// One broker address with the statistics `clusterList` shows.
///
/// `None` means the key was absent (or the broker unreachable); the table renderers print these
/// the way Java prints its defaults, JSON prints `null`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BrokerRow {
    /// Cluster name.
    pub cluster: String,
    /// Broker (group) name.
    pub broker_name: String,
    /// Broker id: 0 = master / DLedger leader.
    pub broker_id: i64,
    /// Broker address as registered.
    pub addr: String,
    /// `brokerVersionDesc`, e.g. `V4_9_7`.
    pub version: Option<String>,
    /// First window (10 s) of `putTps`; 0 when absent.
    pub in_tps: f64,
    /// First window of `getTransferedTps` (5.x: `getTransferredTps`); 0 when absent.
    pub out_tps: f64,
    /// `sendThreadPoolQueueSize`.
    pub send_queue_size: Option<String>,
    /// `sendThreadPoolQueueHeadWaitTimeMills`.
    pub send_queue_wait_ms: Option<String>,
    /// `pullThreadPoolQueueSize`.
    pub pull_queue_size: Option<String>,
    /// `pullThreadPoolQueueHeadWaitTimeMills`.
    pub pull_queue_wait_ms: Option<String>,
    /// `ackThreadPoolQueueSize` (5.x brokers).
    pub ack_queue_size: Option<String>,
    /// `ackThreadPoolQueueHeadWaitTimeMills` (5.x brokers).
    pub ack_queue_wait_ms: Option<String>,
    /// `pageCacheLockTimeMills`: time spent in the put lock right now.
    pub pc_wait_ms: Option<String>,
    /// Hours since the earliest stored message (huge for an empty store, which reports -1, as
    /// Java prints it).
    pub hours: f64,
    /// Whether the broker reported an earliest message (`hours` is `null` in JSON otherwise).
    pub has_earliest: bool,
    /// `commitLogDiskRatio`: used fraction of the commit-log disk.
    pub space: f64,
    /// `timerReadBehind` (5.x).
    pub timer_read_behind: i64,
    /// `timerOffsetBehind` (5.x).
    pub timer_offset_behind: i64,
    /// `timerCongestNum` (5.x).
    pub timer_congest_num: i64,
    /// `timerEnqueueTps` (5.x).
    pub timer_enqueue_tps: f32,
    /// `timerDequeueTps` (5.x).
    pub timer_dequeue_tps: f32,
    /// `brokerActive` (5.x); false when absent.
    pub activated: bool,
    /// Messages put yesterday (`-m`).
    pub in_total_yest: i64,
    /// Messages got yesterday (`-m`).
    pub out_total_yest: i64,
    /// Messages put today so far (`-m`).
    pub in_total_today: i64,
    /// Messages got today so far (`-m`).
    pub out_total_today: i64,
    /// Why the broker's runtime info could not be read; `None` when it answered.
    pub error: Option<String>,
}

/// The JSON form of a [`BrokerRow`] (issue 20 item 11): counters are numbers, not the strings the
/// broker's KV table holds, and a broker that did not answer has `null` statistics beside its
/// `error` instead of zeros that look measured.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BrokerRowJson<'a> {
    cluster: &'a str,
    broker_name: &'a str,
    broker_id: i64,
    addr: &'a str,
    version: Option<&'a str>,
    in_tps: Option<f64>,
    out_tps: Option<f64>,
    send_queue_size: Option<i64>,
    send_queue_wait_ms: Option<i64>,
    pull_queue_size: Option<i64>,
    pull_queue_wait_ms: Option<i64>,
    ack_queue_size: Option<i64>,
    ack_queue_wait_ms: Option<i64>,
    pc_wait_ms: Option<i64>,
    hours: Option<f64>,
    space: Option<f64>,
    timer_read_behind: Option<i64>,
    timer_offset_behind: Option<i64>,
    timer_congest_num: Option<i64>,
    timer_enqueue_tps: Option<f32>,
    timer_dequeue_tps: Option<f32>,
    activated: Option<bool>,
    in_total_yest: Option<i64>,
    out_total_yest: Option<i64>,
    in_total_today: Option<i64>,
    out_total_today: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

impl Serialize for BrokerRow {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let up = self.error.is_none();
        let num = |v: &Option<String>| v.as_deref().and_then(|v| v.trim().parse::<i64>().ok());
        fn measured<T>(up: bool, v: T) -> Option<T> {
            up.then_some(v)
        }
        BrokerRowJson {
            cluster: &self.cluster,
            broker_name: &self.broker_name,
            broker_id: self.broker_id,
            addr: &self.addr,
            version: self.version.as_deref(),
            in_tps: measured(up, self.in_tps),
            out_tps: measured(up, self.out_tps),
            send_queue_size: num(&self.send_queue_size),
            send_queue_wait_ms: num(&self.send_queue_wait_ms),
            pull_queue_size: num(&self.pull_queue_size),
            pull_queue_wait_ms: num(&self.pull_queue_wait_ms),
            ack_queue_size: num(&self.ack_queue_size),
            ack_queue_wait_ms: num(&self.ack_queue_wait_ms),
            pc_wait_ms: num(&self.pc_wait_ms),
            hours: measured(up && self.has_earliest, self.hours),
            space: measured(up, self.space),
            timer_read_behind: measured(up, self.timer_read_behind),
            timer_offset_behind: measured(up, self.timer_offset_behind),
            timer_congest_num: measured(up, self.timer_congest_num),
            timer_enqueue_tps: measured(up, self.timer_enqueue_tps),
            timer_dequeue_tps: measured(up, self.timer_dequeue_tps),
            activated: measured(up, self.activated),
            in_total_yest: measured(up, self.in_total_yest),
            out_total_yest: measured(up, self.out_total_yest),
            in_total_today: measured(up, self.in_total_today),
            out_total_today: measured(up, self.out_total_today),
            error: self.error.as_deref(),
        }
        .serialize(serializer)
    }
}

/// A broker address to query, in display order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerSlot {
    /// Cluster name.
    pub cluster: String,
    /// Broker (group) name.
    pub broker_name: String,
    /// Broker id.
    pub broker_id: i64,
    /// Address.
    pub addr: String,
}

/// The rows Java would print, in its order: clusters in Java `HashMap` order (of the JSON key
/// order, which fastjson sorts), broker names sorted, broker ids ascending. Broker names listed
/// in a cluster but missing from `brokerAddrTable` are skipped, as in Java.
pub fn broker_slots(info: &ClusterInfo, only_cluster: Option<&str>) -> Vec<BrokerSlot> {
    let clusters: Vec<&str> = match only_cluster {
        Some(name) => vec![name],
        None => hashmap_order(info.cluster_addr_table.keys().map(String::as_str)),
    };
    let mut slots = Vec::new();
    for cluster in clusters {
        let Some(names) = info.cluster_addr_table.get(cluster) else {
            continue;
        };
        // `names` is a BTreeSet: sorted like Java's TreeSet for ASCII names.
        for name in names {
            let Some(data) = info.broker_addr_table.get(name) else {
                continue;
            };
            for (id, addr) in &data.broker_addrs {
                slots.push(BrokerSlot {
                    cluster: cluster.to_string(),
                    broker_name: name.clone(),
                    broker_id: *id,
                    addr: addr.clone(),
                });
            }
        }
    }
    slots
}

/// Builds a row from a broker's runtime info (or the error that prevented reading it), with the
/// same arithmetic as Java. `now_millis` is the current time, for the hours column.
pub fn build_row(slot: &BrokerSlot, runtime: Result<&KvTable, String>, now_millis: i64) -> BrokerRow {
    let mut row = BrokerRow {
        cluster: slot.cluster.clone(),
        broker_name: slot.broker_name.clone(),
        broker_id: slot.broker_id,
        addr: slot.addr.clone(),
        ..BrokerRow::default()
    };
    let table = match runtime {
        Ok(kv) => &kv.table,
        Err(error) => {
            row.error = Some(error);
            return row;
        }
    };
    let get = |key: &str| table.get(key).cloned();
    row.version = get("brokerVersionDesc");
    row.in_tps = first_tps(table.get("putTps"));
    row.out_tps = first_tps(
        table
            .get("getTransferedTps")
            .or_else(|| table.get("getTransferredTps")),
    );
    row.send_queue_size = get("sendThreadPoolQueueSize");
    row.send_queue_wait_ms = get("sendThreadPoolQueueHeadWaitTimeMills");
    row.pull_queue_size = get("pullThreadPoolQueueSize");
    row.pull_queue_wait_ms = get("pullThreadPoolQueueHeadWaitTimeMills");
    row.ack_queue_size = get("ackThreadPoolQueueSize");
    row.ack_queue_wait_ms = get("ackThreadPoolQueueHeadWaitTimeMills");
    row.pc_wait_ms = get("pageCacheLockTimeMills");
    if let Some(earliest) = parse::<i64>(table, "earliestMessageTimeStamp") {
        row.hours = (now_millis - earliest) as f64 / 3_600_000.0;
        row.has_earliest = earliest > 0;
    }
    row.space = parse::<f64>(table, "commitLogDiskRatio").unwrap_or(0.0);
    row.timer_read_behind = parse(table, "timerReadBehind").unwrap_or(0);
    row.timer_offset_behind = parse(table, "timerOffsetBehind").unwrap_or(0);
    row.timer_congest_num = parse(table, "timerCongestNum").unwrap_or(0);
    row.timer_enqueue_tps = parse(table, "timerEnqueueTps").unwrap_or(0.0);
    row.timer_dequeue_tps = parse(table, "timerDequeueTps").unwrap_or(0.0);
    row.activated = table
        .get("brokerActive")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let totals = [
        "msgPutTotalYesterdayMorning",
        "msgPutTotalTodayMorning",
        "msgPutTotalTodayNow",
        "msgGetTotalYesterdayMorning",
        "msgGetTotalTodayMorning",
        "msgGetTotalTodayNow",
    ]
    .map(|k| parse::<i64>(table, k));
    if let [Some(put_y), Some(put_m), Some(put_n), Some(get_y), Some(get_m), Some(get_n)] = totals {
        row.in_total_yest = put_m - put_y;
        row.out_total_yest = get_m - get_y;
        row.in_total_today = put_n - put_m;
        row.out_total_today = get_n - get_m;
    }
    row
}

/// The first space-separated window of a TPS value (`"1.5 2.0 3.0"` -> 1.5); 0 when absent,
/// empty (no samples yet) or not a number.
fn first_tps(value: Option<&String>) -> f64 {
    value
        .and_then(|v| v.split(' ').next())
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(0.0)
}

fn parse<T: std::str::FromStr>(table: &BTreeMap<String, String>, key: &str) -> Option<T> {
    table.get(key).and_then(|v| v.trim().parse().ok())
}

/// Asks the name servers in turn for the cluster layout.
///
/// # Errors
/// [`ClusterListError::NoNamesrv`] or [`ClusterListError::NamesrvUnreachable`].
pub async fn fetch_cluster_info(
    client: &RemotingClient,
    options: &ClusterListOptions,
) -> Result<(String, ClusterInfo), ClusterListError> {
    if options.namesrv_addrs.is_empty() {
        return Err(ClusterListError::NoNamesrv);
    }
    let mut failures = Vec::new();
    for addr in &options.namesrv_addrs {
        let request = RemotingCommand::request_empty(request::GET_BROKER_CLUSTER_INFO);
        match client.invoke(addr, request, options.namesrv_timeout).await {
            Ok(resp) if resp.code == response::SUCCESS => {
                match broker::json::from_slice::<ClusterInfo>(&resp.body) {
                    Ok(info) => return Ok((addr.clone(), info)),
                    Err(e) => failures.push(format!("{addr}: bad ClusterInfo body: {e}")),
                }
            }
            Ok(resp) => failures.push(format!(
                "{addr}: response code {} ({})",
                resp.code,
                resp.remark.unwrap_or_default()
            )),
            Err(e) => failures.push(format!("{addr}: {e}")),
        }
    }
    Err(ClusterListError::NamesrvUnreachable(failures))
}

/// Reads one broker's runtime info (GET_BROKER_RUNTIME_INFO), as an error string on failure.
async fn fetch_runtime(client: &RemotingClient, addr: &str, timeout: Duration) -> Result<KvTable, String> {
    let request = RemotingCommand::request_empty(request::GET_BROKER_RUNTIME_INFO);
    let resp = tokio::time::timeout(timeout, client.invoke(addr, request, timeout))
        .await
        .map_err(|_| format!("no answer within {} ms", timeout.as_millis()))?
        .map_err(|e| e.to_string())?;
    if resp.code != response::SUCCESS {
        return Err(format!(
            "response code {} ({})",
            resp.code,
            resp.remark.unwrap_or_default()
        ));
    }
    broker::json::from_slice::<KvTable>(&resp.body).map_err(|e| format!("bad KVTable body: {e}"))
}

/// One full `clusterList` pass: cluster info from the first name server that answers, then the
/// runtime info of every broker address, concurrently.
///
/// # Errors
/// Only when no name server answers; broker failures are recorded in the rows.
pub async fn cluster_list(
    client: &RemotingClient,
    options: &ClusterListOptions,
) -> Result<ClusterListReport, ClusterListError> {
    let (namesrv, info) = fetch_cluster_info(client, options).await?;
    let slots = broker_slots(&info, options.cluster_name.as_deref());
    let results = futures::future::join_all(
        slots
            .iter()
            .map(|slot| fetch_runtime(client, &slot.addr, options.broker_timeout)),
    )
    .await;
    let now = broker::remoting::body::now_millis();
    let rows = slots
        .iter()
        .zip(results)
        .map(|(slot, result)| build_row(slot, result.as_ref().map_err(Clone::clone), now))
        .collect();
    Ok(ClusterListReport { namesrv, rows })
}
