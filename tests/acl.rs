//! Issue 18: `mqadmin` against a broker with `aclEnable=true`: without credentials its requests
//! are refused (NO_PERMISSION, Java's text on stderr), with `--access-key`/`--secret-key` or
//! `ROCKETMQ_ACCESS_KEY`/`ROCKETMQ_SECRET_KEY` every command signs its requests and is served
//! per the account's permissions.

use std::path::Path;

use crate::util::{broker_proc, free_port_pair, mqadmin, namesrv_proc, run, run_cmd, until, Run};

const ACL_FILE: &str = "\
accounts:
  - accessKey: adminKey1
    secretKey: admin-secret-1
    admin: true
  - accessKey: producer1
    secretKey: producer-secret
    defaultTopicPerm: DENY
    defaultGroupPerm: DENY
    topicPerms: [AclTopic=PUB]
";

fn acl_conf(dir: &Path, ns: &str) -> std::path::PathBuf {
    let port = free_port_pair();
    let acl = dir.join("plain_acl.yml");
    std::fs::write(&acl, ACL_FILE).unwrap();
    let conf = dir.join("broker-acl.conf");
    std::fs::write(
        &conf,
        format!(
            "brokerClusterName=AclCluster\nbrokerName=broker-acl\nbrokerId=0\nlistenPort={port}\n\
             namesrvAddr={ns}\nbrokerIP1=127.0.0.1\nstorePathRootDir={root}\n\
             mappedFileSizeCommitLog=4194304\naclEnable=true\nplainAclFile={acl}\n",
            root = dir.join("store").display(),
            acl = acl.display()
        ),
    )
    .unwrap();
    conf
}

fn as_account(access_key: &str, secret_key: &str, args: &[&str]) -> Run {
    run_cmd(
        mqadmin()
            .env("ROCKETMQ_ACCESS_KEY", access_key)
            .env("ROCKETMQ_SECRET_KEY", secret_key)
            .args(args),
    )
}

#[test]
fn mqadmin_signs_its_requests_for_an_acl_broker_issue_18() {
    let (ns, _ns_proc) = namesrv_proc();
    let dir = tempfile::tempdir().unwrap();
    let _broker = broker_proc(&acl_conf(dir.path(), &ns));
    let create = ["-n", &ns, "updateTopic", "-t", "AclTopic", "-c", "AclCluster"];

    // Signed with flags, as the admin account: served (once the broker has registered).
    let mut signed = vec!["--access-key", "adminKey1", "--secret-key", "admin-secret-1"];
    signed.extend(create);
    until(&signed, "topic created with a signed request", |r| {
        r.code == Some(0)
    });

    // Unsigned, wrongly signed, not admin: refused with Java's reason.
    let r = run(&create);
    assert_ne!(r.code, Some(0), "{r:?}");
    assert!(r.stderr.contains("No accessKey is configured"), "{r:?}");
    let r = as_account("adminKey1", "not-the-secret", &create);
    assert_ne!(r.code, Some(0), "{r:?}");
    assert!(
        r.stderr
            .contains("Check signature failed for accessKey=adminKey1"),
        "{r:?}"
    );
    let r = as_account("producer1", "producer-secret", &create);
    assert_ne!(r.code, Some(0), "{r:?}");
    assert!(r.stderr.contains("Need admin permission"), "{r:?}");

    // The environment works like the flags: the producer may send to AclTopic, not elsewhere.
    let send = ["-n", &ns, "sendMessage", "-t", "AclTopic", "-p", "signed hello"];
    let r = as_account("producer1", "producer-secret", &send);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(r.stdout.contains("SEND_OK"), "{r:?}");
    let r = run(&send);
    assert_ne!(r.code, Some(0), "{r:?}");
    assert!(r.stderr.contains("No accessKey"), "{r:?}");

    // Read commands sign too.
    let r = as_account(
        "adminKey1",
        "admin-secret-1",
        &["-n", &ns, "topicStatus", "-t", "AclTopic"],
    );
    assert_eq!(r.code, Some(0), "{r:?}");
    let r = as_account(
        "adminKey1",
        "admin-secret-1",
        &["-n", &ns, "consumeMessage", "-t", "AclTopic"],
    );
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(r.stdout.contains("signed hello"), "{r:?}");
    let r = as_account("adminKey1", "admin-secret-1", &["-n", &ns, "clusterList"]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(r.stdout.contains("broker-acl"), "{r:?}");
    let r = run(&["-n", &ns, "clusterList"]);
    assert_eq!(
        r.code,
        Some(1),
        "the broker refuses an unsigned runtime-info request: {r:?}"
    );

    // A key without its secret is a usage error.
    let r = run(&["--access-key", "adminKey1", "-n", &ns, "topicList"]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stderr.contains("--secret-key"), "{r:?}");
}
