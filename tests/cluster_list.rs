//! `clusterList`: byte-exact rendering of the 4.x, 5.x and `-m` tables and JSON from literal
//! ClusterInfo / KVTable inputs, Java's ordering, and (further down) end-to-end runs of the real
//! binary against a real name server.

use broker::remoting::body::{ClusterInfo, KvTable};
use mqadmin::cli::TableLayout;
use mqadmin::commands::cluster_list::{render, render_more_stats, render_v4, render_v5};
use mqadmin::ops::cluster_list::{broker_slots, build_row, BrokerRow, ClusterListReport};
use mqadmin::render::OutputFormat;

/// A fixed "now" so that the hours column is deterministic.
const NOW: i64 = 1_800_000_000_000;

/// The DLedger group of spec §2.3, with fastjson's unquoted integer keys.
const RAFT_CLUSTER_INFO: &str = r#"{"brokerAddrTable":{"RaftNode00":{"brokerAddrs":{0:"192.168.1.10:30921",1:"192.168.1.10:30911",3:"192.168.1.10:30931"},"brokerName":"RaftNode00","cluster":"RaftCluster"}},"clusterAddrTable":{"RaftCluster":["RaftNode00"]}}"#;

const V4_HEADER: &str = "#Cluster Name     #Broker Name            #BID  #Addr                  #Version                #InTPS(LOAD)       #OutTPS(LOAD) #PCWait(ms) #Hour #SPACE\n";

fn kv(pairs: &[(&str, &str)]) -> KvTable {
    KvTable {
        table: pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

fn cluster_info(json: &str) -> ClusterInfo {
    broker::json::from_slice(json.as_bytes()).expect("valid ClusterInfo")
}

/// An idle 4.9.7 broker as in the spec §3.4 example (hours 475123.45, space 0.43).
fn idle_v497() -> KvTable {
    let earliest = (NOW - 1_710_444_420_000).to_string();
    kv(&[
        ("brokerVersionDesc", "V4_9_7"),
        ("brokerVersion", "407"),
        ("putTps", "0.0 0.0 0.0"),
        ("getTransferedTps", "0.0 0.0 0.0"),
        ("sendThreadPoolQueueSize", "0"),
        ("sendThreadPoolQueueHeadWaitTimeMills", "0"),
        ("pullThreadPoolQueueSize", "0"),
        ("pullThreadPoolQueueHeadWaitTimeMills", "0"),
        ("pageCacheLockTimeMills", "0"),
        ("earliestMessageTimeStamp", &earliest),
        ("commitLogDiskRatio", "0.43"),
    ])
}

/// Rows for the RaftNode00 group with one runtime result per address, in slot order.
fn raft_rows(results: Vec<Result<KvTable, String>>) -> Vec<BrokerRow> {
    let slots = broker_slots(&cluster_info(RAFT_CLUSTER_INFO), None);
    assert_eq!(slots.len(), results.len());
    slots
        .iter()
        .zip(results)
        .map(|(slot, r)| build_row(slot, r.as_ref().map_err(Clone::clone), NOW))
        .collect()
}

#[test]
fn v4_matches_spec_example_byte_for_byte() {
    let rows = raft_rows(vec![Ok(idle_v497()), Ok(idle_v497()), Ok(idle_v497())]);
    let expected = concat!(
        "#Cluster Name     #Broker Name            #BID  #Addr                  #Version                #InTPS(LOAD)       #OutTPS(LOAD) #PCWait(ms) #Hour #SPACE\n",
        "RaftCluster       RaftNode00              0     192.168.1.10:30921     V4_9_7                   0.00(0,0ms)         0.00(0,0ms)          0 475123.45 0.4300\n",
        "RaftCluster       RaftNode00              1     192.168.1.10:30911     V4_9_7                   0.00(0,0ms)         0.00(0,0ms)          0 475123.45 0.4300\n",
        "RaftCluster       RaftNode00              3     192.168.1.10:30931     V4_9_7                   0.00(0,0ms)         0.00(0,0ms)          0 475123.45 0.4300\n",
    );
    assert_eq!(render_v4(&rows), expected);
}

#[test]
fn v4_rounds_half_up_unreachable_defaults_and_missing_keys() {
    let busy = kv(&[
        ("brokerVersionDesc", "V4_9_7"),
        ("putTps", "12.345 1.0 1.0"),
        // 5.x spelling is accepted too.
        ("getTransferredTps", "0.125 0.0 0.0"),
        ("sendThreadPoolQueueSize", "3"),
        ("sendThreadPoolQueueHeadWaitTimeMills", "7"),
        ("pullThreadPoolQueueSize", "1"),
        ("pullThreadPoolQueueHeadWaitTimeMills", "2"),
        ("pageCacheLockTimeMills", "15"),
        ("earliestMessageTimeStamp", &(NOW - 18_000).to_string()),
        ("commitLogDiskRatio", "0.12345"),
    ]);
    let rows = raft_rows(vec![
        Err("connect to 192.168.1.10:30921 failed: Connection refused".into()),
        Ok(busy),
        Ok(kv(&[])),
    ]);
    let sp = |n: usize| " ".repeat(n);
    let expected = format!(
        "{V4_HEADER}\
RaftCluster       RaftNode00              0     192.168.1.10:30921{}0.00(,ms){}0.00(,ms){}0.00 0.0000\n\
RaftCluster       RaftNode00              1     192.168.1.10:30911     V4_9_7{}12.35(3,7ms){}0.13(1,2ms){}15{}0.01 0.1235\n\
RaftCluster       RaftNode00              3     192.168.1.10:30931     null{}0.00(null,nullms){}0.00(null,nullms){}null  0.00 0.0000\n",
        sp(5 + 17 + 10),
        sp(11),
        sp(13),
        sp(18),
        sp(9),
        sp(9),
        sp(2),
        sp(18),
        sp(6),
        sp(7),
    );
    assert_eq!(render_v4(&rows), expected);
    assert_eq!(
        rows[0].error.as_deref(),
        Some("connect to 192.168.1.10:30921 failed: Connection refused")
    );
}

#[test]
fn empty_store_reports_hours_since_epoch() {
    // An empty store reports -1, so Java shows the hours since 1970.
    let rows = raft_rows(vec![
        Ok(kv(&[("earliestMessageTimeStamp", "-1")])),
        Ok(kv(&[])),
        Ok(kv(&[])),
    ]);
    assert_eq!(rows[0].hours, (NOW + 1) as f64 / 3_600_000.0);
    assert!(render_v4(&rows)
        .lines()
        .nth(1)
        .unwrap()
        .contains(" 500000.00 0.0000"));
}

#[test]
fn more_stats_table() {
    let totals = kv(&[
        ("msgPutTotalYesterdayMorning", "100"),
        ("msgPutTotalTodayMorning", "150"),
        ("msgPutTotalTodayNow", "175"),
        ("msgGetTotalYesterdayMorning", "10"),
        ("msgGetTotalTodayMorning", "40"),
        ("msgGetTotalTodayNow", "100"),
    ]);
    // One key missing: all four columns are 0.
    let mut partial = totals.clone();
    partial.table.remove("msgGetTotalTodayNow");
    let rows = raft_rows(vec![Ok(totals), Err("timeout".into()), Ok(partial)]);
    let sp = |n: usize| " ".repeat(n);
    let zero_row = format!(
        "RaftCluster       RaftNode00{}0{}0{}0{}0\n",
        sp(23 + 13),
        sp(14),
        sp(14),
        sp(14)
    );
    let expected = format!(
        "#Cluster Name     #Broker Name{}#InTotalYest  #OutTotalYest  #InTotalToday #OutTotalToday\n\
RaftCluster       RaftNode00{}50{}30{}25{}60\n{zero_row}{zero_row}",
        sp(23),
        sp(23 + 12),
        sp(13),
        sp(13),
        sp(13),
    );
    assert_eq!(render_more_stats(&rows), expected);
}

#[test]
fn v5_table() {
    let v5 = kv(&[
        ("brokerVersionDesc", "V5_3_3"),
        ("putTps", "1.0 1.0 1.0"),
        ("getTransferredTps", "2.5 0.0 0.0"),
        ("sendThreadPoolQueueSize", "0"),
        ("sendThreadPoolQueueHeadWaitTimeMills", "0"),
        ("pullThreadPoolQueueSize", "0"),
        ("pullThreadPoolQueueHeadWaitTimeMills", "0"),
        ("ackThreadPoolQueueSize", "1"),
        ("ackThreadPoolQueueHeadWaitTimeMills", "2"),
        ("pageCacheLockTimeMills", "0"),
        ("timerReadBehind", "5"),
        ("timerOffsetBehind", "6"),
        // 12345 / 10000.0f = 1.2345 -> "1.2"; 0.25f -> "0.3" (HALF_UP); 1.05f is 1.0499999… -> "1.0".
        ("timerCongestNum", "12345"),
        ("timerEnqueueTps", "0.25"),
        ("timerDequeueTps", "1.05"),
        ("brokerActive", "true"),
        ("earliestMessageTimeStamp", &(NOW - 3_600_000).to_string()),
        ("commitLogDiskRatio", "0.5"),
    ]);
    let mut no_ack = v5.clone();
    no_ack.table.remove("ackThreadPoolQueueSize");
    no_ack.table.remove("ackThreadPoolQueueHeadWaitTimeMills");
    no_ack.table.remove("brokerActive");
    let rows = raft_rows(vec![Ok(v5), Err("refused".into()), Ok(no_ack)]);
    let sp = |n: usize| " ".repeat(n);
    let expected = format!(
        "#Cluster Name{}#Broker Name{}#BID  #Addr{}#Version{}#InTPS(LOAD){}#OutTPS(LOAD)  #Timer(Progress){}#PCWait(ms)  #Hour{}#SPACE    #ACTIVATED\n\
RaftCluster{}RaftNode00{}0{}192.168.1.10:30921{}V5_3_3{}1.00(0,0ms){}2.50(0,0ms|1,2ms)  5-6(1.2w, 0.3, 1.0){}0  1.00{}0.5000{}true\n\
RaftCluster{}RaftNode00{}1{}192.168.1.10:30911{}0.00(,ms){}0.00(,ms|,ms)  0-0(0.0w, 0.0, 0.0){}0.00{}0.0000{}false\n\
RaftCluster{}RaftNode00{}3{}192.168.1.10:30931{}V5_3_3{}1.00(0,0ms){}2.50(0,0ms|N,Nms)  5-6(1.2w, 0.3, 1.0){}0  1.00{}0.5000{}false\n",
        sp(11), sp(12), sp(18), sp(14), sp(19), sp(8), sp(9),
        sp(13), sp(14), sp(5), sp(5), sp(17), sp(15), sp(15), sp(10), sp(10),
        sp(13), sp(14), sp(5), sp(5 + 18 + 2 + 5), sp(19), sp(5 + 11 + 2), sp(10), sp(4 + 5),
        sp(13), sp(14), sp(5), sp(5), sp(17), sp(15), sp(15), sp(10), sp(9),
    );
    assert_eq!(render_v5(&rows), expected);
}

#[test]
fn json_rows_have_stable_field_names() {
    let rows = raft_rows(vec![Ok(idle_v497()), Err("refused".into()), Ok(kv(&[]))]);
    let report = ClusterListReport {
        namesrv: "127.0.0.1:9876".into(),
        rows,
    };
    let text = render(&report, false, TableLayout::V4, OutputFormat::Json).unwrap();
    assert!(text.ends_with("]\n"));
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let first = &value[0];
    let expected = serde_json::json!({
        "cluster": "RaftCluster",
        "brokerName": "RaftNode00",
        "brokerId": 0,
        "addr": "192.168.1.10:30921",
        "version": "V4_9_7",
        "inTps": 0.0,
        "outTps": 0.0,
        "sendQueueSize": 0,
        "sendQueueWaitMs": 0,
        "pullQueueSize": 0,
        "pullQueueWaitMs": 0,
        "ackQueueSize": null,
        "ackQueueWaitMs": null,
        "pcWaitMs": 0,
        "hours": 475123.45,
        "space": 0.43,
        "timerReadBehind": 0,
        "timerOffsetBehind": 0,
        "timerCongestNum": 0,
        "timerEnqueueTps": 0.0,
        "timerDequeueTps": 0.0,
        "activated": false,
        "inTotalYest": 0,
        "outTotalYest": 0,
        "inTotalToday": 0,
        "outTotalToday": 0,
    });
    assert_eq!(first, &expected);
    assert_eq!(value[1]["error"], "refused");
    assert_eq!(value[1]["brokerId"], 1);
    // Issue 20 item 11: an unreachable broker's statistics are null beside its error, not zeros.
    for key in [
        "inTps",
        "outTps",
        "hours",
        "space",
        "sendQueueSize",
        "inTotalToday",
        "activated",
    ] {
        assert!(value[1][key].is_null(), "{key}: {}", value[1]);
    }
    assert!(value[2].get("error").is_none());
    // -m and --format do not change the JSON.
    assert_eq!(
        render(&report, true, TableLayout::V5, OutputFormat::Json).unwrap(),
        text
    );
}

#[test]
fn order_follows_java_hashmap_then_sorted_names_then_ids() {
    // Buckets (cap 16): a 1, q 1, RaftCluster 8, ClusterB 9, c1 14, DefaultCluster 15, c2 15.
    let clusters = ["ClusterB", "DefaultCluster", "RaftCluster", "a", "c1", "c2", "q"];
    let mut broker_table = Vec::new();
    let mut cluster_table = Vec::new();
    for c in clusters {
        broker_table.push(format!(
            r#""{c}-b":{{"brokerAddrs":{{3:"h:3",0:"h:0",1:"h:1"}},"brokerName":"{c}-b","cluster":"{c}"}},"{c}-a":{{"brokerAddrs":{{0:"h:9"}},"brokerName":"{c}-a","cluster":"{c}"}}"#
        ));
        cluster_table.push(format!(r#""{c}":["{c}-b","{c}-a","{c}-missing"]"#));
    }
    let json = format!(
        r#"{{"brokerAddrTable":{{{}}},"clusterAddrTable":{{{}}}}}"#,
        broker_table.join(","),
        cluster_table.join(",")
    );
    let slots = broker_slots(&cluster_info(&json), None);
    let mut seen_clusters: Vec<&str> = slots.iter().map(|s| s.cluster.as_str()).collect();
    seen_clusters.dedup();
    assert_eq!(
        seen_clusters,
        ["a", "q", "RaftCluster", "ClusterB", "c1", "DefaultCluster", "c2"]
    );
    let first: Vec<(String, i64)> = slots
        .iter()
        .take(4)
        .map(|s| (s.broker_name.clone(), s.broker_id))
        .collect();
    assert_eq!(
        first,
        [
            ("a-a".to_string(), 0),
            ("a-b".into(), 0),
            ("a-b".into(), 1),
            ("a-b".into(), 3)
        ]
    );
    // Only one cluster with -c; an unknown one gives no rows, so only the header is printed.
    assert!(broker_slots(&cluster_info(&json), Some("q"))
        .iter()
        .all(|s| s.cluster == "q"));
    assert!(broker_slots(&cluster_info(&json), Some("nope")).is_empty());
    assert_eq!(render_v4(&[]), V4_HEADER);
}

// ---------------------------------------------------------------------------------------------
// End to end: the real `mqadmin` binary against a real name server. Registered broker addresses
// are closed local ports, so every row shows Java's defaults for an unreachable broker.

mod e2e {
    use crate::util::{closed_addr, run, Namesrv};

    use super::V4_HEADER;

    /// A 4.x row for an unreachable broker; `addr` must be 15 characters (`127.0.0.1:NNNNN`).
    fn unreachable_v4(cluster_and_name: &str, id: i64, addr: &str) -> String {
        assert_eq!(addr.len(), 15, "ephemeral ports have five digits: {addr}");
        format!(
            "{cluster_and_name}{id}     {addr}{}0.00(,ms){}0.00(,ms){}0.00 0.0000\n",
            " ".repeat(35),
            " ".repeat(11),
            " ".repeat(13)
        )
    }

    const RAFT: &str = "RaftCluster       RaftNode00              ";
    const DEFAULT_A: &str = "DefaultCluster    broker-a                ";

    /// Distinct closed addresses with five-digit ports.
    fn closed_addrs(n: usize) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        while out.len() < n {
            let a = closed_addr();
            if a.len() == 15 && !out.contains(&a) {
                out.push(a);
            }
        }
        out
    }

    #[test]
    fn dledger_group_leader_moves() {
        let ns = Namesrv::start();
        let a = closed_addrs(5);
        let (n0, n1, n2, m, s) = (&a[0], &a[1], &a[2], &a[3], &a[4]);
        // n0 leads: followers n1 -> id 2, n2 -> id 3 (spec §3.7). Registered out of id order.
        ns.register("RaftCluster", "RaftNode00", 3, n2);
        ns.register("RaftCluster", "RaftNode00", 0, n0);
        ns.register("RaftCluster", "RaftNode00", 2, n1);
        // A classic master/slave pair in another cluster; RaftCluster comes first in Java's
        // HashMap order (bucket 8 before 15).
        ns.register("DefaultCluster", "broker-a", 1, s);
        ns.register("DefaultCluster", "broker-a", 0, m);

        let out = run(&["clusterList", "-n", &ns.addr]);
        let expected = [
            V4_HEADER.to_string(),
            unreachable_v4(RAFT, 0, n0),
            unreachable_v4(RAFT, 2, n1),
            unreachable_v4(RAFT, 3, n2),
            unreachable_v4(DEFAULT_A, 0, m),
            unreachable_v4(DEFAULT_A, 1, s),
        ]
        .concat();
        assert_eq!(out.stdout, expected, "stderr: {}", out.stderr);
        assert_eq!(out.code, Some(1), "unreachable brokers fail the check");
        for addr in [n0, n1, n2, m, s] {
            assert!(
                out.stderr.contains(&format!("broker {addr} ")) && out.stderr.contains("unreachable"),
                "{}",
                out.stderr
            );
        }

        // Leadership moves to n1: it registers as id 0, then n0 comes back as follower id 1.
        ns.register("RaftCluster", "RaftNode00", 0, n1);
        ns.register("RaftCluster", "RaftNode00", 1, n0);
        let out = run(&["clusterList", "-n", &ns.addr, "-c", "RaftCluster"]);
        let expected = [
            V4_HEADER.to_string(),
            unreachable_v4(RAFT, 0, n1),
            unreachable_v4(RAFT, 1, n0),
            unreachable_v4(RAFT, 3, n2),
        ]
        .concat();
        assert_eq!(out.stdout, expected, "stderr: {}", out.stderr);
        assert_eq!(out.code, Some(1));
        assert!(
            !out.stderr.contains(m.as_str()),
            "-c queries only that cluster: {}",
            out.stderr
        );
    }

    #[test]
    fn second_name_server_is_used_when_first_is_down() {
        let ns = Namesrv::start();
        let b = closed_addrs(1);
        ns.register("RaftCluster", "RaftNode00", 0, &b[0]);
        let list = format!("{};{}", closed_addr(), ns.addr);
        let out = run(&["clusterList", "-n", &list]);
        assert_eq!(
            out.stdout,
            [V4_HEADER.to_string(), unreachable_v4(RAFT, 0, &b[0])].concat()
        );
        assert_eq!(out.code, Some(1));
    }

    #[test]
    fn json_output_marks_unreachable_brokers() {
        let ns = Namesrv::start();
        let a = closed_addrs(2);
        ns.register("RaftCluster", "RaftNode00", 0, &a[0]);
        ns.register("RaftCluster", "RaftNode00", 2, &a[1]);
        let out = run(&["clusterList", "-n", &ns.addr, "--output", "json"]);
        assert_eq!(out.code, Some(1), "{out:?}");
        let rows: serde_json::Value = serde_json::from_str(&out.stdout).expect("stdout is JSON");
        let rows = rows.as_array().expect("an array of rows");
        assert_eq!(rows.len(), 2);
        for (row, (id, addr)) in rows.iter().zip([(0, &a[0]), (2, &a[1])]) {
            assert_eq!(row["cluster"], "RaftCluster");
            assert_eq!(row["brokerName"], "RaftNode00");
            assert_eq!(row["brokerId"], id);
            assert_eq!(row["addr"], addr.as_str());
            assert_eq!(row["version"], serde_json::Value::Null);
            assert!(
                row["error"].as_str().is_some_and(|e| e.contains(addr.as_str())),
                "{row}"
            );
        }
    }

    /// Issue 20 item 9: Java's header only, and exit 1 as the README says of an unknown cluster.
    #[test]
    fn unknown_cluster_prints_only_header_and_exits_1() {
        let ns = Namesrv::start();
        ns.register("RaftCluster", "RaftNode00", 0, &closed_addrs(1)[0]);
        let out = run(&["clusterList", "-n", &ns.addr, "-c", "NoSuchCluster"]);
        assert_eq!(out.stdout, V4_HEADER);
        assert_eq!(out.code, Some(1), "{out:?}");
        assert_eq!(out.stderr, "warning: cluster NoSuchCluster not found\n");
    }

    #[test]
    fn more_stats_and_v5_for_unreachable_brokers() {
        let ns = Namesrv::start();
        let b = closed_addrs(1);
        ns.register("RaftCluster", "RaftNode00", 0, &b[0]);
        let out = run(&["clusterList", "-n", &ns.addr, "-m"]);
        let sp = |n: usize| " ".repeat(n);
        assert_eq!(
            out.stdout,
            format!(
                "#Cluster Name     #Broker Name{}#InTotalYest  #OutTotalYest  #InTotalToday #OutTotalToday\n\
RaftCluster       RaftNode00{}0{}0{}0{}0\n",
                sp(23),
                sp(23 + 13),
                sp(14),
                sp(14),
                sp(14)
            )
        );
        assert_eq!(out.code, Some(1));

        let out = run(&["clusterList", "-n", &ns.addr, "--format", "v5", "-q"]);
        let mut lines = out.stdout.lines();
        assert!(lines
            .next()
            .unwrap()
            .starts_with(&format!("#Cluster Name{}#Broker Name", sp(11))));
        assert_eq!(
            lines.next().unwrap(),
            format!(
                "RaftCluster{}RaftNode00{}0{}{}{}0.00(,ms){}0.00(,ms|,ms)  0-0(0.0w, 0.0, 0.0){}0.00{}0.0000{}false",
                sp(13),
                sp(14),
                sp(5),
                b[0],
                sp(7 + 1 + 16 + 2 + 2 + 5),
                sp(2 + 12 + 5),
                sp(5 + 11 + 2),
                sp(10),
                sp(9)
            )
        );
        assert_eq!(out.code, Some(1));
        assert!(out.stderr.is_empty(), "-q silences warnings: {}", out.stderr);
    }
}

mod interval {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;

    use crate::util::{mqadmin, Namesrv};

    use super::V4_HEADER;

    #[test]
    fn repeats_until_interrupted() {
        let ns = Namesrv::start();
        let mut child = mqadmin()
            .args(["clusterList", "-n", &ns.addr, "-i", "1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn mqadmin");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        // Two passes printed means the Ctrl-C handler is installed (it is set up before sleeping).
        for _ in 0..2 {
            assert_eq!(format!("{}\n", lines.next().unwrap().unwrap()), V4_HEADER);
        }
        let pid = libc::pid_t::try_from(child.id()).unwrap();
        // SAFETY: sending a signal to our own child process.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(0), "Ctrl-C ends the loop cleanly");
    }
}

#[test]
fn tps_windows_without_samples_count_as_zero() {
    let rows = raft_rows(vec![
        Ok(kv(&[("putTps", "  "), ("getTransferedTps", "")])),
        Ok(kv(&[("putTps", "1.5E3 0 0"), ("getTransferedTps", "x 1 1")])),
        Ok(kv(&[
            ("earliestMessageTimeStamp", "not a number"),
            ("commitLogDiskRatio", "-1"),
        ])),
    ]);
    assert_eq!((rows[0].in_tps, rows[0].out_tps), (0.0, 0.0));
    assert_eq!((rows[1].in_tps, rows[1].out_tps), (1500.0, 0.0));
    assert_eq!((rows[2].hours, rows[2].space), (0.0, -1.0));
    assert!(render_v4(&rows)
        .lines()
        .nth(3)
        .unwrap()
        .ends_with(" 0.00 -1.0000"));
}
