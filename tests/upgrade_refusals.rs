//! Issue "Tests that can fail": every refusal of `upgrade-group` before it changes anything (the
//! input checks of the plan and each preflight check of step 1), through the real binary on real
//! configs and stores in a temp dir. Each one must exit 1 (2 for a config file that does not
//! exist: an error, not a refusal, as `upgrade-group --help` documents), say why on stderr, and
//! leave every file as it was: no state file is written.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use md5::{Digest, Md5};

use crate::upgrade_group::{setup_mode, spawn_broker, Env, Mode};
use crate::util::{mqadmin, run_cmd, Run};

/// md5 of every file under `dir` by relative path; files over 64 MiB (sparse test files) by
/// length and modification time instead of content.
fn snapshot(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for e in walkdir::WalkDir::new(dir).into_iter().flatten() {
        if !e.file_type().is_file() {
            continue;
        }
        let rel = e.path().strip_prefix(dir).unwrap().display().to_string();
        let meta = e.metadata().unwrap();
        let value = if meta.len() > 64 << 20 {
            format!("len {} mtime {:?}", meta.len(), meta.modified().unwrap())
        } else {
            hex::encode(Md5::digest(std::fs::read(e.path()).unwrap()))
        };
        out.insert(rel, value);
    }
    out
}

/// The `upgrade-group` command: `-n ns` when given, the NODE flags, `--peers` when given, `extra`.
fn upgrade_cmd(ns: Option<&str>, nodes: &[(&str, &Path)], peers: Option<&str>, extra: &[&str]) -> Command {
    let mut cmd = mqadmin();
    if let Some(ns) = ns {
        cmd.args(["-n", ns]);
    }
    cmd.arg("upgrade-group");
    for (flag, path) in nodes {
        cmd.arg(flag).arg(path);
    }
    if let Some(peers) = peers {
        cmd.args(["--peers", peers]);
    }
    cmd.args(extra).stdin(Stdio::null());
    cmd
}

fn nodes(env: &Env) -> [(&'static str, &Path); 3] {
    [
        ("--master", env.master.as_path()),
        ("--slave", env.slave.as_path()),
        ("--third", env.third.as_path()),
    ]
}

/// The usual command for `env` (its name server and peers) with `extra`.
fn standard(env: &Env, extra: &[&str]) -> Command {
    upgrade_cmd(Some(&env.ns), &nodes(env), Some(&env.peers), extra)
}

/// Runs `cmd`, checks that it exits `code` with every `needle` on stderr, that no file under
/// `dir` changed and that no state file appeared.
fn refused(env: &Env, what: &str, cmd: &mut Command, code: i32, needles: &[&str]) -> Run {
    refused_under(&[env.dir.path()], env, what, cmd, code, needles)
}

fn refused_under(
    dirs: &[&Path],
    env: &Env,
    what: &str,
    cmd: &mut Command,
    code: i32,
    needles: &[&str],
) -> Run {
    let before: Vec<_> = dirs.iter().map(|d| snapshot(d)).collect();
    let r = run_cmd(cmd);
    assert_eq!(r.code, Some(code), "{what}: {r:?}");
    for needle in needles {
        assert!(
            r.stderr.contains(needle),
            "{what}: {needle:?} not on stderr: {r:?}"
        );
    }
    let after: Vec<_> = dirs.iter().map(|d| snapshot(d)).collect();
    assert_eq!(after, before, "{what}: a refused run changed a file");
    assert!(
        !state_file(env).exists(),
        "{what}: a refused run wrote the state file"
    );
    r
}

fn state_file(env: &Env) -> PathBuf {
    env.dir.path().join("third-store/upgrade-group.json")
}

/// Sets (`Some`) or removes (`None`) `key` in a broker config file.
fn set_key(conf: &Path, key: &str, value: Option<&str>) {
    let text = std::fs::read_to_string(conf).unwrap();
    let mut lines: Vec<String> = text
        .lines()
        .filter(|l| l.split('=').next() != Some(key))
        .map(str::to_owned)
        .collect();
    if let Some(v) = value {
        lines.push(format!("{key}={v}"));
    }
    std::fs::write(conf, lines.join("\n") + "\n").unwrap();
}

fn commitlog_dir(env: &Env, node: &str) -> PathBuf {
    env.dir.path().join(format!("{node}-store/commitlog"))
}

const FIRST: &str = "00000000000000000000";

/// The master's and the slave's stores get the same commitlog file (65 536 bytes, data in the
/// first 5 000), as a stopped classic pair leaves them.
fn seed_commitlogs(env: &Env) {
    let mut data = vec![0u8; 65536];
    for (i, b) in data[..5000].iter_mut().enumerate() {
        *b = (i % 251 + 1) as u8;
    }
    for node in ["master", "slave"] {
        let dir = commitlog_dir(env, node);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(FIRST), &data).unwrap();
    }
}

/// A setup whose plan passes preflight (checked with `--dry-run`), no broker running.
fn ready() -> Env {
    let env = setup_mode(Mode::Local);
    seed_commitlogs(&env);
    let r = run_cmd(&mut standard(&env, &["--dry-run", "--output", "json"]));
    assert_eq!(r.code, Some(0), "the baseline passes preflight: {r:?}");
    let plan: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(plan["steps"][0]["status"], "planned", "{plan}");
    env
}

const PREFLIGHT: &str = "preflight failed; nothing was changed";

#[test]
fn upgrade_group_input_refusals_exit_1_and_change_nothing() {
    let env = ready();
    let third2 = env.dir.path().join("third-conf/third2.conf");
    std::fs::copy(&env.third, &third2).unwrap();

    // Inconsistent input: a slave and two thirds, or neither a slave nor a second third.
    let mut four = nodes(&env).to_vec();
    four.push(("--third", third2.as_path()));
    refused(
        &env,
        "slave and two thirds",
        &mut upgrade_cmd(Some(&env.ns), &four, Some(&env.peers), &["--yes"]),
        1,
        &["a DLedger group has three nodes", "got 2 --third"],
    );
    refused(
        &env,
        "no slave and one third",
        &mut upgrade_cmd(
            Some(&env.ns),
            &[("--master", &env.master), ("--third", &env.third)],
            Some(&env.peers),
            &["--yes"],
        ),
        1,
        &["a DLedger group has three nodes", "got 1 --third"],
    );

    // --resume with nothing to resume.
    refused(
        &env,
        "--resume without a state file",
        &mut standard(&env, &["--yes", "--resume"]),
        1,
        &["nothing to resume: no state file"],
    );

    // No name server: neither -n nor namesrvAddr in the master's config.
    set_key(&env.master, "namesrvAddr", None);
    refused(
        &env,
        "no name server",
        &mut upgrade_cmd(None, &nodes(&env), Some(&env.peers), &["--yes"]),
        1,
        &["no name server", "namesrvAddr"],
    );
    set_key(&env.master, "namesrvAddr", Some(&env.ns));

    // Issue 18: aclEnable on some nodes only would leave one node of the new group open.
    let acl = env.dir.path().join("plain_acl.yml");
    std::fs::write(
        &acl,
        "accounts:\n  - accessKey: adminKey1\n    secretKey: admin-secret-1\n    admin: true\n",
    )
    .unwrap();
    let acl_arg = acl.display().to_string();
    set_key(&env.slave, "aclEnable", Some("true"));
    set_key(&env.slave, "plainAclFile", Some(&acl_arg));
    refused(
        &env,
        "aclEnable=true on the slave only",
        &mut standard(&env, &["--yes"]),
        1,
        &[PREFLIGHT, "aclEnable differs", "n0: false", "n1: true"],
    );
    // On every node, with a file the broker would refuse: refused with the broker's reason.
    for conf in [&env.master, &env.third] {
        set_key(conf, "aclEnable", Some("true"));
        set_key(conf, "plainAclFile", Some(&acl_arg));
    }
    std::fs::write(
        &acl,
        "accounts:\n  - accessKey: short\n    secretKey: admin-secret-1\n",
    )
    .unwrap();
    refused(
        &env,
        "an unusable ACL file",
        &mut standard(&env, &["--yes"]),
        1,
        &[PREFLIGHT, "plain_acl.yml", "longer than 6 characters"],
    );
    // A usable file on every node passes preflight.
    std::fs::write(
        &acl,
        "accounts:\n  - accessKey: adminKey1\n    secretKey: admin-secret-1\n    admin: true\n",
    )
    .unwrap();
    let r = run_cmd(&mut standard(&env, &["--dry-run"]));
    assert_eq!(r.code, Some(0), "ACL on every node passes preflight: {r:?}");
    for conf in [&env.master, &env.slave, &env.third] {
        set_key(conf, "aclEnable", None);
        set_key(conf, "plainAclFile", None);
    }

    // Issue 18: a peer token named by one config only would split the new group.
    let token = env.dir.path().join("peer.token");
    std::fs::write(&token, "0123456789abcdef0123456789abcdef\n").unwrap();
    std::fs::set_permissions(&token, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let token_arg = token.display().to_string();
    set_key(&env.master, "dLegerPeerTokenFile", Some(&token_arg));
    refused(
        &env,
        "peer token on the master only",
        &mut standard(&env, &["--yes"]),
        1,
        &[PREFLIGHT, "different dLegerPeerTokenFile values", "n1: none"],
    );
    set_key(&env.slave, "dLegerPeerTokenFile", Some(&token_arg));
    set_key(&env.third, "dLegerPeerTokenFile", Some(&token_arg));
    let r = run_cmd(&mut standard(&env, &["--dry-run"]));
    assert_eq!(
        r.code,
        Some(0),
        "the same token everywhere passes preflight: {r:?}"
    );
    std::fs::set_permissions(&token, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    refused(
        &env,
        "world-readable peer token",
        &mut standard(&env, &["--yes"]),
        1,
        &[PREFLIGHT, "chmod 600"],
    );
    for conf in [&env.master, &env.slave, &env.third] {
        set_key(conf, "dLegerPeerTokenFile", None);
    }

    // The default peers would be listenPort + 10000: no port for a listenPort of 60000.
    let old_port = env.ports[0].to_string();
    set_key(&env.master, "listenPort", Some("60000"));
    refused(
        &env,
        "listenPort + 10000 overflows",
        &mut upgrade_cmd(Some(&env.ns), &nodes(&env), None, &["--yes"]),
        1,
        &["listenPort 60000 + 10000 does not fit a port; pass --peers"],
    );
    set_key(&env.master, "listenPort", Some(&old_port));

    // A config file that does not exist: an error (exit 2) naming the node and the file.
    let missing = env.dir.path().join("third-conf/missing.conf");
    let r = refused(
        &env,
        "missing config file",
        &mut upgrade_cmd(
            Some(&env.ns),
            &[
                ("--master", &env.master),
                ("--slave", &env.slave),
                ("--third", &missing),
            ],
            Some(&env.peers),
            &["--yes"],
        ),
        2,
        &["cannot load the broker config of the n2 node", "missing.conf"],
    );
    assert!(r.stdout.is_empty(), "{r:?}");

    // A run interrupted after preflight (the test hook aborts it like kill -9) leaves a state
    // file: a fresh run is refused, and so is --resume for other nodes.
    let state = env.dir.path().join("state.json");
    let state_arg = state.display().to_string();
    let r = run_cmd(
        standard(&env, &["--yes", "--state", &state_arg]).env("MQADMIN_FAILPOINT", "after:preflight"),
    );
    assert_eq!(r.code, None, "killed by the test hook: {r:?}");
    assert!(state.exists());
    refused(
        &env,
        "a fresh run after an interrupted one",
        &mut standard(&env, &["--yes", "--state", &state_arg]),
        1,
        &[
            "a previous run stopped after step preflight",
            "--resume",
            "--rollback",
        ],
    );
    refused(
        &env,
        "--resume for other nodes",
        &mut upgrade_cmd(
            Some(&env.ns),
            &[
                ("--master", &env.master),
                ("--slave", &env.slave),
                ("--third", &third2),
            ],
            Some(&env.peers),
            &["--yes", "--resume", "--state", &state_arg],
        ),
        1,
        &["is for other nodes"],
    );
}

#[test]
fn upgrade_group_preflight_refusals_exit_1_and_change_nothing() {
    let env = ready();

    // The slave belongs to another broker group.
    set_key(&env.slave, "brokerName", Some("broker-other"));
    refused(
        &env,
        "brokerName mismatch",
        &mut standard(&env, &["--yes"]),
        1,
        &[
            PREFLIGHT,
            "the slave's brokerName \"broker-other\" differs from the master's \"broker-up\"",
        ],
    );
    // --dry-run shows the same problem in the plan and exits 1 too.
    let r = refused(
        &env,
        "brokerName mismatch, --dry-run",
        &mut standard(&env, &["--dry-run", "--output", "json"]),
        1,
        &["preflight failed: fix the problems above"],
    );
    let plan: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(plan["steps"][0]["status"], "failed", "{plan}");
    assert!(
        plan["steps"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("broker-other"),
        "{plan}"
    );
    set_key(&env.slave, "brokerName", Some("broker-up"));

    // The new node's config points at the master's store.
    let master_root = env.dir.path().join("master-store").display().to_string();
    let third_root = env.dir.path().join("third-store").display().to_string();
    set_key(&env.third, "storePathRootDir", Some(&master_root));
    refused(
        &env,
        "third shares the master's store",
        &mut standard(&env, &["--yes"]),
        1,
        &[PREFLIGHT, "shares the master's store root"],
    );
    set_key(&env.third, "storePathRootDir", Some(&third_root));

    // The master's commitlog directory is missing, then empty.
    let master_cl = commitlog_dir(&env, "master");
    let aside = env.dir.path().join("aside");
    std::fs::rename(&master_cl, &aside).unwrap();
    refused(
        &env,
        "master without a commitlog directory",
        &mut standard(&env, &["--yes"]),
        1,
        &[
            PREFLIGHT,
            &format!(
                "the master's store is not readable: failed to list `{}`",
                master_cl.display()
            ),
        ],
    );
    std::fs::create_dir(&master_cl).unwrap();
    refused(
        &env,
        "master with an empty commitlog directory",
        &mut standard(&env, &["--yes"]),
        1,
        &[PREFLIGHT, "the master's commitlog", "holds no file"],
    );
    std::fs::remove_dir(&master_cl).unwrap();
    std::fs::rename(&aside, &master_cl).unwrap();

    // The new node's store already holds a commitlog.
    let third_cl = commitlog_dir(&env, "third");
    std::fs::create_dir_all(&third_cl).unwrap();
    std::fs::copy(master_cl.join(FIRST), third_cl.join(FIRST)).unwrap();
    refused(
        &env,
        "third not empty",
        &mut standard(&env, &["--yes"]),
        1,
        &[PREFLIGHT, "already has a commitlog", "it must start empty"],
    );
    std::fs::remove_file(third_cl.join(FIRST)).unwrap();

    // Not enough space on the new node for the copy: a sparse 1 TiB commitlog file on the master.
    let big = master_cl.join("00000000000000065536");
    std::fs::File::create(&big).unwrap().set_len(1 << 40).unwrap();
    refused(
        &env,
        "no space for the copy",
        &mut standard(&env, &["--yes"]),
        1,
        &[PREFLIGHT, "bytes free, the copy needs"],
    );
    std::fs::remove_file(&big).unwrap();

    // A DLedger peer port (n1's) is taken.
    let peer_port: u16 = env
        .peers
        .split(';')
        .nth(1)
        .and_then(|p| p.rsplit(':').next())
        .unwrap()
        .parse()
        .unwrap();
    let held = std::net::TcpListener::bind(("0.0.0.0", peer_port)).unwrap();
    refused(
        &env,
        "peer port in use",
        &mut standard(&env, &["--yes"]),
        1,
        &[
            PREFLIGHT,
            &format!("DLedger peer port {peer_port} of n1 is in use"),
        ],
    );
    drop(held);

    // The new node's listenPort is taken.
    let held = std::net::TcpListener::bind(("0.0.0.0", env.ports[2])).unwrap();
    refused(
        &env,
        "third's listenPort in use",
        &mut standard(&env, &["--yes"]),
        1,
        &[PREFLIGHT, &format!("listenPort {} of the new node", env.ports[2])],
    );
    drop(held);

    // Peers not named n0, n1, n2 in order, and a peer without a port.
    let parts: Vec<&str> = env.peers.split(';').collect();
    let swapped = format!("n1-{};n0-{};{}", &parts[0][3..], &parts[1][3..], parts[2]);
    refused(
        &env,
        "peers out of order",
        &mut upgrade_cmd(Some(&env.ns), &nodes(&env), Some(&swapped), &["--yes"]),
        1,
        &[PREFLIGHT, "dLegerPeers must name n0, n1 and n2 in that order"],
    );
    let no_port = format!("n0-127.0.0.1;{};{}", parts[1], parts[2]);
    refused(
        &env,
        "peer without a port",
        &mut upgrade_cmd(Some(&env.ns), &nodes(&env), Some(&no_port), &["--yes"]),
        1,
        &[PREFLIGHT, "\"127.0.0.1\" is not host:port"],
    );

    // After all that, the untouched setup still passes.
    let r = run_cmd(&mut standard(&env, &["--dry-run"]));
    assert_eq!(r.code, Some(0), "{r:?}");
}

/// A real `mqbroker` already runs on the new node's store (it holds the store lock and its
/// listenPort): refused, and neither the old nodes' files nor the configs change.
#[test]
fn upgrade_group_refuses_a_new_node_whose_broker_runs() {
    let env = ready();
    let third_root = env.dir.path().join("third-store");
    let _broker = spawn_broker(&env.third);
    let lock = third_root.join("lock");
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", env.ports[2])).is_err() || !lock.exists() {
        assert!(Instant::now() < deadline, "the third's broker never listened");
        std::thread::sleep(Duration::from_millis(50));
    }
    let untouched: Vec<PathBuf> = [
        "master-store",
        "slave-store",
        "master-conf",
        "slave-conf",
        "third-conf",
    ]
    .iter()
    .map(|d| env.dir.path().join(d))
    .collect();
    let dirs: Vec<&Path> = untouched.iter().map(PathBuf::as_path).collect();
    refused_under(
        &dirs,
        &env,
        "a broker runs on the new node's store",
        &mut standard(&env, &["--yes"]),
        1,
        &[
            PREFLIGHT,
            "a broker is running on the new node's store",
            &format!("listenPort {} of the new node", env.ports[2]),
        ],
    );
}
