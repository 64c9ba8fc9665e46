//! `mqadmin transfer-leader` against a real 3-node DLedger group (`mqnamesrv` + three
//! `mqbroker` processes): a dry run names a follower and moves nothing; a transfer to a chosen
//! follower makes it the leader and BID 0, and sends go on; a transfer to a killed node is
//! refused (exit 1, "is down"); a bad target id and an unknown group are refused too.

use serde_json::Value;

use crate::util::{json, namesrv_proc, run, start_dledger_group, until};

/// The nodes of the group from `dledger-status --output json`: (self id, role, address).
fn roles(ns: &str) -> Vec<(String, String, String)> {
    let r = run(&["-n", ns, "dledger-status", "--output", "json"]);
    let report = json(&r);
    report["groups"][0]["nodes"]
        .as_array()
        .map(|nodes| {
            nodes
                .iter()
                .map(|n: &Value| {
                    (
                        n["status"]["raft"]["selfId"].as_str().unwrap_or("").to_owned(),
                        n["role"].as_str().unwrap_or("").to_owned(),
                        n["addr"].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn leader(ns: &str) -> (String, String) {
    let r = until(&["-n", ns, "cluster-health", "--wait", "90"], "healthy", |r| {
        r.code == Some(0)
    });
    assert!(r.stdout.ends_with("healthy\n"), "{r:?}");
    let all = roles(ns);
    let l = all
        .iter()
        .find(|(_, role, _)| role == "Leader")
        .unwrap_or_else(|| panic!("no leader: {all:?}"));
    (l.0.clone(), l.2.clone())
}

#[test]
fn transfer_leader_moves_and_refuses_a_down_target() {
    let (ns, _ns_proc) = namesrv_proc();
    let dir = tempfile::tempdir().unwrap();
    let (mut procs, _) = start_dledger_group(dir.path(), &ns, "RaftCluster", "RaftNode00");
    let (old, old_addr) = leader(&ns);
    until(
        &["-n", &ns, "updateTopic", "-t", "Moving", "-c", "RaftCluster"],
        "topic created",
        |r| r.code == Some(0),
    );

    // A dry run names a follower and changes nothing.
    let r = run(&[
        "-n",
        &ns,
        "transfer-leader",
        "-b",
        "RaftNode00",
        "--dry-run",
        "--output",
        "json",
    ]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let dry = json(&r);
    assert_eq!(dry["dryRun"], true, "{r:?}");
    assert_eq!(dry["from"], old.as_str(), "{r:?}");
    assert_ne!(dry["to"], old.as_str(), "{r:?}");
    assert_eq!(leader(&ns).0, old);

    // To a chosen follower.
    let target = ["n0", "n1", "n2"]
        .into_iter()
        .find(|n| *n != old)
        .unwrap()
        .to_owned();
    let r = run(&["-n", &ns, "transfer-leader", "-b", "RaftNode00", "--to", &target]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(
        r.stdout.starts_with(&format!(
            "leadership of RaftNode00 moved from {old} ({old_addr}) to {target} ("
        )),
        "{r:?}"
    );
    let (now, now_addr) = leader(&ns);
    assert_eq!(now, target);
    assert!(r.stdout.contains(&now_addr), "{r:?}");
    let r = until(
        &["-n", &ns, "sendMessage", "-t", "Moving", "-p", "after the move"],
        "sent",
        |r| r.code == Some(0),
    );
    assert!(r.stdout.contains("SEND_OK"), "{r:?}");

    // A killed follower is refused as down, and the leader stays.
    let victim = ["n0", "n1", "n2"]
        .into_iter()
        .find(|n| *n != target)
        .unwrap()
        .to_owned();
    let vi: usize = victim[1..].parse().unwrap();
    drop(procs[vi].take());
    let r = until(
        &["-n", &ns, "transfer-leader", "-b", "RaftNode00", "--to", &victim],
        "refused as down",
        |r| r.code == Some(1) && r.stderr.contains("is down"),
    );
    assert!(r.stderr.contains(&format!("{victim} is down")), "{r:?}");
    assert!(r.stdout.is_empty(), "{r:?}");
    assert_eq!(leader_of_two(&ns), target);

    // Input errors.
    let r = run(&["-n", &ns, "transfer-leader", "-b", "RaftNode00", "--to", "node1"]);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(r.stderr.contains("not a dLegerSelfId"), "{r:?}");
    let r = run(&["-n", &ns, "transfer-leader", "-b", "NoSuchGroup"]);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(r.stderr.contains("broker group NoSuchGroup not found"), "{r:?}");
}

/// The leader's self id once one of the two remaining nodes leads.
fn leader_of_two(ns: &str) -> String {
    let r = until(
        &["-n", ns, "dledger-status", "--output", "json"],
        "a leader",
        |r| r.stdout.contains("\"Leader\""),
    );
    let _ = r;
    roles(ns)
        .into_iter()
        .find(|(_, role, _)| role == "Leader")
        .map(|(id, _, _)| id)
        .expect("a leader")
}
