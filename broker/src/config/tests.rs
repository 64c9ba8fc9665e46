//! Unit tests of the configs: parsing, warnings, validation and its located errors, printing, and
//! the conf/ files we ship.

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

use super::*;
use crate::properties;

fn load(text: &str) -> Result<(BrokerConfig, Vec<ConfigWarning>), ConfigError> {
    let props = properties::parse(text).unwrap();
    BrokerConfig::from_properties(&props, Some(Path::new("broker.conf")))
}

fn loaded(text: &str) -> BrokerConfig {
    let (config, warnings) = load(text).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    config
}

#[test]
fn defaults_match_java() {
    let c = BrokerConfig::default();
    assert_eq!(c.broker_cluster_name, "DefaultCluster");
    assert_eq!(c.listen_port, 10911);
    assert_eq!(c.mapped_file_size_commit_log, 1_073_741_824);
    assert_eq!(c.mapped_file_size_consume_queue, 6_000_000);
    assert_eq!(c.broker_role, BrokerRole::AsyncMaster);
    assert_eq!(c.flush_disk_type, FlushDiskType::AsyncFlush);
    assert_eq!(c.delete_when, "04");
    assert!(c.store_path_root_dir.ends_with("/store"));
    assert_eq!(
        c.commit_log_dir(),
        Path::new(&c.store_path_root_dir).join("commitlog")
    );
    assert!(!c.broker_ip1.is_empty() && c.broker_ip1.parse::<Ipv4Addr>().is_ok());
    assert_eq!(NamesrvConfig::default().listen_port, 9876);
}

#[test]
fn invalid_value_names_file_line_key_and_value() {
    let err = load("# c\nbrokerName=x\nlistenPort=abc\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "broker.conf:3: invalid value for listenPort: \"abc\" (expected an integer from 0 to 65535)"
    );
    let err = load("brokerRole=BOSS").unwrap_err();
    assert_eq!(
        err.to_string(),
        "broker.conf:1: invalid value for brokerRole: \"BOSS\" (expected ASYNC_MASTER, SYNC_MASTER or SLAVE)"
    );
    assert!(load("autoCreateTopicEnable=yes").is_err());
    assert!(load("brokerId=1.5").is_err());
    let err = BrokerConfig::default().set("brokerId", "x").unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid value for brokerId: \"x\" (expected an integer)"
    );
}

#[test]
fn lenient_where_harmless() {
    let c = loaded("autoCreateTopicEnable = FALSE\nlistenPort=30911\nbrokerRole=slave\nbrokerId=2");
    assert!(!c.auto_create_topic_enable);
    assert_eq!(c.listen_port, 30911);
    assert_eq!(c.broker_role, BrokerRole::Slave);
    // Numbers tolerate the trailing whitespace Java would keep.
    assert_eq!(loaded("listenPort=30911  ").listen_port, 30911);
}

#[test]
fn warnings_for_unknown_duplicate_and_trailing_space() {
    let (c, w) = load("brokername=x\nbrokerName=a\nbrokerName=b \nlistenPort=1").unwrap();
    assert_eq!(c.broker_name, "b ");
    let at = |line| Location {
        file: Some(PathBuf::from("broker.conf")),
        line,
    };
    assert_eq!(
        w,
        vec![
            ConfigWarning::UnknownKey {
                location: at(1),
                key: "brokername".into()
            },
            ConfigWarning::DuplicateKey {
                location: at(3),
                key: "brokerName".into(),
                first_line: 2
            },
            ConfigWarning::TrailingWhitespace {
                location: at(3),
                key: "brokerName".into()
            },
        ]
    );
    assert_eq!(
        w[0].to_string(),
        "broker.conf:1: unknown key brokername (ignored)"
    );
}

#[test]
fn old_commitlog_size_spelling() {
    let (c, w) = load("mapedFileSizeCommitLog=1\nmappedFileSizeCommitLog=2").unwrap();
    assert_eq!(c.mapped_file_size_commit_log, 2);
    assert!(
        matches!(&w[..], [ConfigWarning::DuplicateKey { first_line: 1, .. }]),
        "{w:?}"
    );
    assert_eq!(
        loaded("mapedFileSizeCommitLog=1024").mapped_file_size_commit_log,
        1024
    );
    assert_eq!(
        loaded("mappedFileSizeCommitLog=2048").mapped_file_size_commit_log,
        2048
    );
}

#[test]
fn role_adjustments() {
    let mut c = loaded("brokerRole=SLAVE\nbrokerId=0");
    assert_eq!(
        c.validate().unwrap_err().to_string(),
        "broker.conf:2: Slave's brokerId must be > 0 (brokerId=0)"
    );
    let mut c = loaded("brokerRole=SYNC_MASTER\nbrokerId=3\nlistenPort=20911\nhaListenPort=5");
    let w = c.validate().unwrap();
    assert_eq!(c.broker_id, 0);
    assert_eq!(c.ha_listen_port, 20912);
    assert_eq!(w.len(), 2, "{w:?}");
    let mut c = loaded("brokerIP1=10.0.0.1\nbrokerIP2=10.0.0.2\nmappedFileSizeConsumeQueue=101");
    assert!(c.validate().unwrap().is_empty());
    assert_eq!(c.broker_addr(), "10.0.0.1:10911");
    assert_eq!(c.ha_server_addr(), "10.0.0.2:10912");
    assert_eq!(c.mapped_file_size_consume_queue, 120);
    assert!(loaded("listenPort=65535").validate().is_err());
    assert!(loaded("namesrvAddr=a:1;nope").validate().is_err());
    assert!(loaded("deleteWhen=04;25").validate().is_err());
    assert_eq!(
        loaded("namesrvAddr=a:1; b:2;").namesrv_addrs(),
        vec!["a:1", "b:2"]
    );
}

const DLEDGER: &str = "brokerName=RaftNode00\nenableDLegerCommitLog=true\nstorePathRootDir=/r\n\
    dLegerPeers=n0-127.0.0.1:40911;n1-127.0.0.1:40912;n2-127.0.0.1:40913\ndLegerSelfId=n1\n";

#[test]
fn dledger_mode() {
    let mut c = loaded(DLEDGER);
    assert!(c.validate().unwrap().is_empty());
    assert_eq!(c.broker_id, -1);
    assert_eq!(c.dleger_group.as_deref(), Some("RaftNode00"));
    assert_eq!(c.peers().unwrap().len(), 3);
    assert_eq!(
        c.self_peer(),
        Some(Peer {
            id: "n1".into(),
            addr: "127.0.0.1:40912".into()
        })
    );
    assert_eq!(c.dledger_data_dir(), Some(PathBuf::from("/r/dledger-n1/data")));
    assert_eq!(dledger_broker_id("n0"), Some(1));
    assert_eq!(dledger_broker_id("n2"), Some(3));
    assert_eq!(dledger_broker_id("x"), None);
    assert_eq!(dledger_broker_id("0n"), None);
    let important = c.print_important();
    assert!(important.contains(&("brokerId".to_owned(), "-1".to_owned())));
}

#[test]
fn dledger_errors_and_warnings() {
    let bad = |extra: &str| {
        let (mut c, _duplicate_key_warnings) = load(&format!("{DLEDGER}{extra}")).unwrap();
        c.validate().unwrap_err().to_string()
    };
    assert!(bad("dLegerSelfId=n7").contains("not one of the dLegerPeers ids (n0, n1, n2)"));
    assert!(bad("dLegerSelfId=node1").contains("letter followed by digits"));
    assert!(bad("dLegerPeers=n0-a:1;n0-b:2;n1-c:3").contains("appears more than once"));
    assert!(bad("dLegerPeers=n0a:1;n1-b:2").contains("not id-host:port"));
    assert!(bad("dLegerPeers=n1-b").contains("not host:port"));
    assert!(bad("dLegerPeers=").contains("dLegerPeers must be set"));
    assert!(bad("preferredLeaderId=n9").contains("preferredLeaderId"));
    assert!(bad("dLegerHeartbeatIntervalMs=300").contains("dLegerHeartBeatTimeIntervalMs"));
    assert!(bad("dLegerHeartBeatTimeIntervalMs=300").contains("dLegerHeartBeatTimeIntervalMs"));
    assert!(bad("dLegerElectionTimeoutMaxMs=200").contains("dLegerElectionTimeoutMaxMs"));
    let (mut c, _) = load(&format!("{DLEDGER}dLegerPeers=n1-127.0.0.1:1;\n")).unwrap();
    assert_eq!(
        c.validate().unwrap(),
        vec![ConfigWarning::FewDLedgerPeers { count: 1 }]
    );
    // The id is the text before the first '-'.
    assert_eq!(parse_peers("n0-my-host:1").unwrap()[0].addr, "my-host:1");
}

/// Issue 7: an error found by `validate` names the file, the line and the key, whatever the
/// key (a value, a conflicting peer list, a self id outside the peers, a missing key).
#[test]
fn validate_errors_name_file_line_and_key() {
    let bad = |extra: &str| {
        let (mut c, _) = load(&format!("{DLEDGER}{extra}")).unwrap();
        c.validate().unwrap_err().to_string()
    };
    // DLEDGER is 5 lines, so `extra` starts on line 6.
    assert_eq!(
        bad("dLegerSelfId=n7\n"),
        "broker.conf:6: invalid dLegerSelfId \"n7\": not one of the dLegerPeers ids (n0, n1, n2)"
    );
    assert!(bad("# x\ndLegerPeers=n0-a:1;n0-b:2;n1-c:3\n")
        .starts_with("broker.conf:7: invalid dLegerPeers \"n0-a:1;n0-b:2;n1-c:3\": peer id \"n0\""));
    assert!(bad("dLegerPeers=n0-a:1;n1-a:1;n2-c:3\n").starts_with("broker.conf:6: invalid dLegerPeers"));
    assert!(bad("listenPort=40912\n").starts_with("broker.conf:4: invalid dLegerPeers"));
    assert!(bad("listenPort=40912\n").contains("the DLedger port must differ"));
    assert_eq!(
        bad("dLegerPeers=\n"),
        "broker.conf:6: dLegerPeers must be set when enableDLegerCommitLog=true"
    );
    assert!(bad("deleteWhen=25\n").starts_with("broker.conf:6: invalid deleteWhen \"25\""));
    assert!(bad("serverChannelMaxIdleTimeSeconds=0\n")
        .starts_with("broker.conf:6: invalid serverChannelMaxIdleTimeSeconds \"0\": must be > 0"));
    assert!(bad("serverWorkerThreads=0\n")
        .starts_with("broker.conf:6: invalid serverWorkerThreads \"0\": must be > 0"));
    // A missing key is located at the entry that requires it.
    let (mut c, _) = load("brokerName=a\nenableDLegerCommitLog=true\n").unwrap();
    assert_eq!(
        c.validate().unwrap_err().to_string(),
        "broker.conf:2: dLegerPeers must be set when enableDLegerCommitLog=true"
    );
    let (mut c, _) = load("brokerRole=SLAVE\n\nbrokerId=0\n").unwrap();
    assert_eq!(
        c.validate().unwrap_err().to_string(),
        "broker.conf:3: Slave's brokerId must be > 0 (brokerId=0)"
    );
    // A value overridden on the command line is not blamed on the file.
    let (mut c, _) = load("namesrvAddr=a:1\n").unwrap();
    c.set("namesrvAddr", "nope").unwrap();
    assert_eq!(
        c.validate().unwrap_err().to_string(),
        "invalid namesrvAddr \"nope\": \"nope\" is not host:port"
    );
    let props = properties::parse("maxConnections=0").unwrap();
    let (mut n, _) = NamesrvConfig::from_properties(&props, Some(Path::new("ns.conf"))).unwrap();
    assert!(n
        .validate()
        .unwrap_err()
        .to_string()
        .starts_with("ns.conf:1: invalid maxConnections"));
}

#[test]
fn print_order_and_nulls() {
    let c = loaded("namesrvAddr=\nbrokerName=b");
    let all = c.print_all();
    assert_eq!(all.len(), BrokerConfig::KEYS.len());
    assert_eq!(all[1], ("namesrvAddr".to_owned(), String::new()));
    let keys: Vec<_> = all.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, BrokerConfig::KEYS);
    let important = c.print_important();
    assert!(important.len() < all.len() && important.iter().any(|(k, _)| k == "brokerName"));
    assert!(!important.iter().any(|(k, _)| k == "messageDelayLevel"));
}

#[test]
fn print_all_round_trips_through_a_file() {
    let mut original = loaded(DLEDGER);
    original.validate().unwrap();
    let mut w = properties::PropertiesWriter::with_separator(" = ");
    for (k, v) in original.print_all() {
        w.entry(&k, &v);
    }
    let props = properties::parse(&w.finish()).unwrap();
    let (mut copy, warnings) = BrokerConfig::from_properties(&props, None).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    copy.validate().unwrap();
    assert_eq!(copy, original);
}

#[test]
fn never_panics_on_random_values() {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};
    let values = [
        "",
        " ",
        "0",
        "-1",
        "1",
        "65535",
        "65536",
        "99999999999999999999",
        "true",
        "x",
        "n0",
        "n",
        "n99999999999999999999",
        "a:1",
        "a-b:1",
        ";",
        "n0-a:1;n1-b:2;n2-c:3",
        "SLAVE",
        "SYNC_MASTER",
        "\u{FFFD}",
    ];
    let mut rng = StdRng::seed_from_u64(3);
    for _ in 0..3000 {
        let mut c = BrokerConfig::default();
        for _ in 0..rng.gen_range(0..12) {
            let key = BrokerConfig::KEYS[rng.gen_range(0..BrokerConfig::KEYS.len())];
            let _ = c.set(key, values[rng.gen_range(0..values.len())]);
        }
        if c.validate().is_ok() {
            let _ = (c.peers(), c.self_peer(), c.dledger_data_dir(), c.namesrv_addrs());
        }
    }
}

#[test]
fn shipped_conf_files_load_and_validate() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../conf");
    let mut count = 0;
    for entry in walkdir::WalkDir::new(&root) {
        let entry = entry.unwrap();
        if !entry.file_type().is_file() {
            continue;
        }
        let path = entry.path();
        // `conf/grafana/` holds dashboards, not configs (checked by `broker/tests/it/metrics.rs`).
        if path.extension() == Some("json".as_ref()) {
            continue;
        }
        count += 1;
        let warnings = if path.file_name() == Some("namesrv.conf".as_ref()) {
            let (mut c, mut w) = NamesrvConfig::from_properties_file(path).unwrap();
            w.extend(c.validate().unwrap());
            w
        } else {
            let (mut c, mut w) = BrokerConfig::from_properties_file(path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            w.extend(c.validate().unwrap_or_else(|e| panic!("{}: {e}", path.display())));
            w
        };
        assert!(warnings.is_empty(), "{}: {warnings:?}", path.display());
    }
    assert!(count >= 15, "found only {count} files under {}", root.display());

    let (n1, _) = BrokerConfig::from_properties_file(root.join("dledger/broker-n1.conf")).unwrap();
    assert_eq!(n1.broker_cluster_name, "RaftCluster");
    assert_eq!(n1.listen_port, 30921);
    assert_eq!(n1.send_message_thread_pool_nums, 16);
    assert_eq!(n1.server_worker_threads, 1);
    assert_eq!(n1.self_peer().unwrap().addr, "127.0.0.1:40912");
}

#[test]
fn rebalance_lock_max_live_time_is_a_key() {
    // Java's default for `rocketmq.broker.rebalance.lockMaxLiveTime`.
    assert_eq!(BrokerConfig::default().rebalance_lock_max_live_time, 60_000);
    assert_eq!(
        loaded("rebalanceLockMaxLiveTime=1500").rebalance_lock_max_live_time,
        1500
    );
    assert!(load("rebalanceLockMaxLiveTime=-1").is_err());
}

#[test]
fn metrics_exporter_keys() {
    let (mut c, _) = load("metricsExporterType=PROM\nmetricsPromExporterPort=0\n").unwrap();
    c.validate().unwrap();
    assert_eq!(c.metrics_exporter_type, MetricsExporterType::Prom);
    assert_eq!(c.metrics_prom_exporter_host, "", "empty means brokerIP1");
    let (c, _) = load("").unwrap();
    assert_eq!(c.metrics_exporter_type, MetricsExporterType::Disable);
    assert_eq!(c.metrics_prom_exporter_port, 5557);
    assert!(
        load("metricsExporterType=OTLP_GRPC\n").is_err(),
        "an exporter we do not serve is refused"
    );
    let (mut c, _) =
        load("metricsExporterType=PROM\nlistenPort=10911\nmetricsPromExporterPort=10911\n").unwrap();
    assert!(c
        .validate()
        .unwrap_err()
        .to_string()
        .contains("invalid metricsPromExporterPort \"10911\""));
    let props = properties::parse("metricsExporterType=prom\nmetricsPromExporterPort=9876").unwrap();
    let (mut n, _) = NamesrvConfig::from_properties(&props, None).unwrap();
    assert!(n.validate().is_err(), "the name server's port is taken");
    let (n, _) = NamesrvConfig::from_properties(&properties::parse("").unwrap(), None).unwrap();
    assert_eq!(n.metrics_prom_exporter_port, 5558);
}

/// Issue 18: a key that turns on a security feature we do not serve stops the broker (fail
/// closed) instead of being "unknown (ignored)"; the value that leaves it off is accepted silently.
/// `aclEnable` is served now: a plain boolean, strictly parsed (a typo is an error, not "off").
#[test]
fn security_keys_fail_closed_issue_18() {
    assert!(loaded("aclEnable=true\n").acl_enable);
    assert!(loaded("aclEnable = TRUE\n").acl_enable);
    assert!(matches!(
        load("aclEnable=yes\n"),
        Err(ConfigError::InvalidValue { key, .. }) if key == "aclEnable"
    ));
    let c = loaded("rocketmqHome=/opt/rmq\naclEnable=true\n");
    assert_eq!(c.plain_acl_path(), Some("/opt/rmq/conf/plain_acl.yml".into()));
    let c = loaded("rocketmqHome=/opt/rmq\nplainAclFile=/etc/acl.yml\n");
    assert_eq!(c.plain_acl_path(), Some("/etc/acl.yml".into()));
    for line in [
        "useTLS=true",
        "tls.enable=true",
        "tls.server.mode=enforcing",
        "tls.server.mode=permissive",
        "authenticationEnabled=true",
        "authorizationEnabled=true",
    ] {
        let key = line.split('=').next().unwrap();
        match load(&format!("{line}\n")) {
            Err(ConfigError::UnservedSecurity { key: k, .. }) => assert_eq!(k, key),
            other => panic!("{line}: {other:?}"),
        }
    }
    // Off values: no error and no "unknown key" warning.
    let c = loaded("aclEnable=false\nuseTLS=false\ntls.server.mode=disabled\nauthenticationEnabled=False\n");
    assert_eq!(c, BrokerConfig::default());
}
