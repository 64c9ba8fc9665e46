//! Argument parsing, help text and the exit-code contract, through the real binary.

use clap::CommandFactory;
use mqadmin::cli::Cli;

use crate::util::{closed_addr, mqadmin, run, run_cmd};

#[test]
fn clap_definitions_are_consistent() {
    Cli::command().debug_assert();
}

#[test]
fn help_documents_exit_codes_and_commands() {
    let out = run(&["--help"]);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(out.stdout.contains("clusterList"), "{}", out.stdout);
    assert!(out.stdout.contains("completions"), "{}", out.stdout);
    assert!(out.stdout.contains("Exit status:"), "{}", out.stdout);
    assert!(out.stdout.contains("1  a check failed"), "{}", out.stdout);
    assert!(out.stdout.contains("2  an error"), "{}", out.stdout);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
}

#[test]
fn cluster_list_help_shows_java_flags() {
    let out = run(&["clusterList", "--help"]);
    assert_eq!(out.code, Some(0), "{out:?}");
    for flag in [
        "--moreStats",
        "--interval",
        "--clusterName",
        "--format",
        "--namesrvAddr",
    ] {
        assert!(out.stdout.contains(flag), "missing {flag}: {}", out.stdout);
    }
}

#[test]
fn unknown_subcommand_is_usage_error() {
    let out = run(&["noSuchCommand"]);
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(out.stdout.is_empty());
    assert!(!out.stderr.is_empty());
}

#[test]
fn missing_name_server_is_error_2() {
    let out = run(&["clusterList"]);
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(out.stderr.contains("NAMESRV_ADDR"), "{}", out.stderr);
}

#[test]
fn unreachable_name_servers_are_tried_in_turn_then_error_2() {
    let (a, b) = (closed_addr(), closed_addr());
    let out = run(&["clusterList", "-n", &format!("{a};{b}")]);
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(out.stderr.starts_with("error: "), "{}", out.stderr);
    assert!(
        out.stderr.contains(&a) && out.stderr.contains(&b),
        "{}",
        out.stderr
    );
    assert_eq!(
        out.stderr.matches("error:").count(),
        1,
        "error printed once: {}",
        out.stderr
    );
}

#[test]
fn name_server_from_environment() {
    let a = closed_addr();
    let out = run_cmd(mqadmin().env("NAMESRV_ADDR", &a).arg("clusterList"));
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(out.stderr.contains(&a), "{}", out.stderr);
}

#[test]
fn interval_must_be_positive() {
    let out = run(&["clusterList", "-n", "127.0.0.1:9876", "-i", "0"]);
    assert_eq!(out.code, Some(2), "{out:?}");
}

#[test]
fn closed_stdout_is_not_an_error() {
    use std::process::Stdio;
    let mut child = mqadmin()
        .args(["completions", "zsh"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn cluster_list_long_help_shows_sample_output() {
    let out = run(&["clusterList", "--help"]);
    assert!(out
        .stdout
        .contains("RaftCluster       RaftNode00              0     192.168.1.10:30921"));
}

#[test]
fn everyday_commands_have_java_names_and_flags() {
    for (cmd, flags) in [
        (
            "updateTopic",
            &[
                "--topic",
                "--brokerAddr",
                "--clusterName",
                "--readQueueNums",
                "--writeQueueNums",
                "--perm",
                "--order",
            ][..],
        ),
        ("deleteTopic", &["--topic", "--clusterName"][..]),
        ("topicList", &["--clusterModel"][..]),
        ("topicRoute", &["--topic"][..]),
        ("topicStatus", &["--topic"][..]),
        ("brokerStatus", &["--brokerAddr", "--clusterName"][..]),
        ("getBrokerConfig", &["--brokerAddr", "--clusterName"][..]),
        (
            "sendMessage",
            &["--topic", "--body", "--keys", "--tags", "--broker", "--qid"][..],
        ),
        (
            "consumeMessage",
            &[
                "--topic",
                "--brokerName",
                "--queueId",
                "--offset",
                "--messageNumber",
                "--subExpression",
                "--consumerGroup",
            ][..],
        ),
        ("queryMsgById", &["--msgId", "--bodyDir"][..]),
        ("queryMsgByKey", &["--topic", "--msgKey"][..]),
    ] {
        let out = run(&[cmd, "--help"]);
        assert_eq!(out.code, Some(0), "{cmd}: {out:?}");
        for flag in flags.iter().chain(&["--namesrvAddr", "--output"]) {
            assert!(out.stdout.contains(flag), "{cmd} lacks {flag}: {}", out.stdout);
        }
    }
    let top = run(&["--help"]);
    for cmd in [
        "updateTopic",
        "deleteTopic",
        "topicList",
        "topicRoute",
        "topicStatus",
        "brokerStatus",
        "getBrokerConfig",
        "sendMessage",
        "consumeMessage",
        "queryMsgById",
        "queryMsgByKey",
    ] {
        assert!(top.stdout.contains(cmd), "{cmd} missing from --help");
    }
}

#[test]
fn broker_target_needs_exactly_one_of_b_and_c() {
    for args in [
        &["brokerStatus"][..],
        &["getBrokerConfig", "-b", "a:1", "-c", "C"][..],
        &["updateTopic", "-t", "T"][..],
    ] {
        let out = run(args);
        assert_eq!(out.code, Some(2), "{args:?}: {out:?}");
        assert!(out.stdout.is_empty());
    }
}

/// Issue 20 item 17: sample tables keep one row per line (piped, clap cut them at 100 columns),
/// the command list stays narrow, `-b` says which of Java's two meanings it has, and the agent
/// token has one variable name in mqadmin and mqagent.
#[test]
fn issue20_help_tables_flags_and_token_name_read_consistently() {
    let r = run(&["clusterList", "--help"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let rows: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.starts_with("  RaftCluster"))
        .collect();
    assert_eq!(rows.len(), 3, "{}", r.stdout);
    assert!(rows.iter().all(|l| l.trim_end().ends_with("0.4300")), "{rows:#?}");
    for cmd in [
        &["verify-commitlog", "--help"][..],
        &["topicStatus", "--help"][..],
    ] {
        let r = run(cmd);
        assert_eq!(r.code, Some(0), "{r:?}");
        assert!(r.stdout.lines().all(|l| l.len() <= 160), "{cmd:?}: {}", r.stdout);
    }
    let r = run(&["verify-commitlog", "--help"]);
    assert!(
        r.stdout.lines().any(|l| l.starts_with("  00000000001073741824")
            && l.trim_end().ends_with("slave behind by 4096 bytes")),
        "{}",
        r.stdout
    );

    let r = run(&["--help"]);
    let listed: Vec<&str> = r
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .take_while(|l| !l.is_empty())
        .collect();
    assert!(listed.len() > 10, "{}", r.stdout);
    assert!(listed.iter().all(|l| l.len() <= 100), "{listed:#?}");

    let r = run(&["sendMessage", "--help"]);
    assert!(
        r.stdout.contains("a broker name, as Java's sendMessage -b"),
        "{}",
        r.stdout
    );
    let r = run(&["updateTopic", "--help"]);
    assert!(r.stdout.contains("as Java's updateTopic -b"), "{}", r.stdout);

    let agent = std::path::PathBuf::from(env!("CARGO_BIN_EXE_mqadmin")).with_file_name("mqagent");
    let out = std::process::Command::new(agent).arg("--help").output().unwrap();
    let agent_help = String::from_utf8(out.stdout).unwrap();
    for help in [agent_help, run(&["verify-commitlog", "--help"]).stdout] {
        assert!(help.contains("MQADMIN_AGENT_TOKEN"), "{help}");
        assert!(!help.contains("MQAGENT_TOKEN"), "{help}");
    }
}

/// Issue 20 item 16: a negative number is a bad value of its flag, named, not an "unexpected
/// argument '-1'".
#[test]
fn issue20_negative_numbers_name_their_flag() {
    for (args, flag) in [
        (
            &["sendMessage", "-t", "T", "-p", "x", "-i", "-1"][..],
            "'--qid <QUEUE_ID>'",
        ),
        (
            &["consumeMessage", "-t", "T", "-i", "-2"][..],
            "'--queueId <QUEUE_ID>'",
        ),
        (
            &["shutdownBroker", "-c", "x.conf", "--timeout", "-1"][..],
            "'--timeout <SECS>'",
        ),
        (&["benchmark", "producer", "-w", "-3"][..], "'--threads <N>'"),
        (&["clusterList", "-i", "-5"][..], "'--interval <SECONDS>'"),
        (
            &["fast-try", "status", "--namesrv-port", "-9"][..],
            "'--namesrv-port <PORT>'",
        ),
    ] {
        let r = run(args);
        assert_eq!(r.code, Some(2), "{args:?}: {r:?}");
        assert!(r.stderr.contains("invalid value '-"), "{args:?}: {r:?}");
        assert!(r.stderr.contains(flag), "{args:?}: {r:?}");
        assert!(!r.stderr.contains("unexpected argument"), "{args:?}: {r:?}");
    }
}
