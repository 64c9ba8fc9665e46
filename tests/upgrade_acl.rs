//! Issue 18: `upgrade-group` of a Master/Slave pair with client ACL gives a DLedger group that
//! is just as closed: every node keeps `aclEnable`, the new node gets a copy of the master's
//! plain_acl.yml, the upgrade itself signs its requests (`ROCKETMQ_ACCESS_KEY` and
//! `ROCKETMQ_SECRET_KEY`), and afterwards every member refuses unsigned requests. The old slave
//! copies its master's config with a signed request (an unsigned one would be refused).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use broker::remoting::acl_sign::Credentials;
use broker::remoting::client::ClientConfig;
use broker::remoting::codes::{request, response};
use broker::remoting::{RemotingClient, RemotingCommand};

use crate::upgrade_group::{
    check_old_data_on_leader, populate, setup_mode, spawn_broker, upgrade_cmd, wait_group, Env, Mode,
};
use crate::util::run_cmd;

const ACL_FILE: &str = "\
accounts:
  - accessKey: adminKey1
    secretKey: admin-secret-1
    admin: true
";

/// A client signing its requests with [`ACL_FILE`]'s admin account.
fn signed_client() -> RemotingClient {
    RemotingClient::new(ClientConfig {
        credentials: Some(Credentials {
            access_key: "adminKey1".into(),
            secret_key: "admin-secret-1".into(),
            security_token: None,
        }),
        ..ClientConfig::default()
    })
}

/// `upgrade-group --yes`, signing with [`ACL_FILE`]'s admin account.
fn signed_upgrade_cmd(env: &Env) -> std::process::Command {
    let mut cmd = upgrade_cmd(env, &["--yes"]);
    cmd.env("ROCKETMQ_ACCESS_KEY", "adminKey1")
        .env("ROCKETMQ_SECRET_KEY", "admin-secret-1");
    cmd
}

fn append(conf: &Path, lines: &str) {
    let mut f = std::fs::OpenOptions::new().append(true).open(conf).unwrap();
    f.write_all(lines.as_bytes()).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrade_group_keeps_acl_and_copies_plain_acl_to_the_new_node_issue_18() {
    let env = setup_mode(Mode::Local);
    // The old pair's installation has conf/plain_acl.yml; the new node's has none yet.
    let home_old = env.dir.path().join("home-old");
    let home_new = env.dir.path().join("home-new");
    std::fs::create_dir_all(home_old.join("conf")).unwrap();
    std::fs::write(home_old.join("conf/plain_acl.yml"), ACL_FILE).unwrap();
    for (conf, home) in [
        (&env.master, &home_old),
        (&env.slave, &home_old),
        (&env.third, &home_new),
    ] {
        append(
            conf,
            &format!("aclEnable=true\nrocketmqHome={}\n", home.display()),
        );
    }
    let _master = spawn_broker(&env.master);
    let _slave = spawn_broker(&env.slave);
    let admin = signed_client();
    let mut sent = BTreeMap::new();
    // This waits until the slave has the topic and the messages: its signed config sync works.
    populate(&env, &admin, 40, &mut sent).await;

    let r = run_cmd(&mut signed_upgrade_cmd(&env));
    assert_eq!(r.code, Some(0), "{r:?}");
    let copied = home_new.join("conf/plain_acl.yml");
    assert_eq!(std::fs::read_to_string(&copied).unwrap(), ACL_FILE);
    assert!(r.stdout.contains(&format!("to {}", copied.display())), "{r:?}");
    for conf in [&env.master, &env.slave, &env.third] {
        let text = std::fs::read_to_string(conf).unwrap();
        assert!(
            text.contains("aclEnable=true") && text.contains("dLegerSelfId="),
            "{text}"
        );
    }

    check_old_data_on_leader(&env, &admin, &sent).await;
    let open = RemotingClient::default();
    for addr in wait_group(&env.ns, 3, None).await.values() {
        for req in [
            RemotingCommand::request_empty(request::GET_ALL_TOPIC_CONFIG),
            RemotingCommand::request_empty(request::GET_BROKER_RUNTIME_INFO),
        ] {
            let r = open
                .invoke(addr, req, std::time::Duration::from_secs(10))
                .await
                .unwrap();
            assert_eq!(r.code, response::NO_PERMISSION, "{addr}: {:?}", r.remark);
            assert_eq!(r.remark.as_deref(), Some("No accessKey is configured"));
        }
    }
}

/// Issue 18 through node agents serving TLS (mqadmin trusts them by `--agent-ca`; the third
/// node's agent pulls the store from the master's over TLS too): the new node behind its agent
/// gets the master's plain_acl.yml through the agent, starts with ACL on, and the new group
/// refuses unsigned requests.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrade_through_tls_agents_sends_plain_acl_to_the_new_node_issue_18() {
    let env = setup_mode(Mode::AgentsTls);
    // Each machine's installation lies under its agent's roots; the new one has no ACL file.
    let home = |name: &str| env.dir.path().join(format!("{name}-conf/home"));
    for name in ["master", "slave"] {
        std::fs::create_dir_all(home(name).join("conf")).unwrap();
        std::fs::write(home(name).join("conf/plain_acl.yml"), ACL_FILE).unwrap();
    }
    for (conf, name) in [
        (&env.master, "master"),
        (&env.slave, "slave"),
        (&env.third, "third"),
    ] {
        append(
            conf,
            &format!("aclEnable=true\nrocketmqHome={}\n", home(name).display()),
        );
    }
    let _master = spawn_broker(&env.master);
    let _slave = spawn_broker(&env.slave);
    let admin = signed_client();
    let mut sent = BTreeMap::new();
    populate(&env, &admin, 40, &mut sent).await;

    let r = run_cmd(&mut signed_upgrade_cmd(&env));
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(
        !r.stdout.contains("warning:"),
        "TLS agents on loopback: no warning: {r:?}"
    );
    let copied = home("third").join("conf/plain_acl.yml");
    assert_eq!(std::fs::read_to_string(&copied).unwrap(), ACL_FILE);
    assert!(r.stdout.contains("through its agent"), "{r:?}");
    for a in &env.agents {
        let log = a.log_text();
        assert!(!log.contains("TLS handshake failed"), "{log}");
    }

    check_old_data_on_leader(&env, &admin, &sent).await;
    let open = RemotingClient::default();
    for addr in wait_group(&env.ns, 3, None).await.values() {
        let req = RemotingCommand::request_empty(request::GET_ALL_TOPIC_CONFIG);
        let r = open
            .invoke(addr, req, std::time::Duration::from_secs(10))
            .await
            .unwrap();
        assert_eq!(r.code, response::NO_PERMISSION, "{addr}: {:?}", r.remark);
    }
}
