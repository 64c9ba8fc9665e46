//! The node agent `mqagent` as a real process on 127.0.0.1 with temp-dir roots: it refuses a
//! missing or wrong token (401), paths outside its roots (`..`, absolute, symlink escape: 403)
//! for read, write and md5, and any attempt to run another command, logging each refusal; an
//! upload resumes from the length already written; and `verify-commitlog` compares two agents'
//! files by md5s computed on the agents.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use md5::{Digest, Md5};

use crate::util::run_cmd;

/// The token the test agents accept.
pub const TOKEN: &str = "test-token-5e1f";

/// A running `mqagent`; killed when dropped. Its stderr (the log) goes to a file.
pub struct AgentProc {
    /// `127.0.0.1:port`.
    pub addr: String,
    /// The agent's log.
    pub log: PathBuf,
    _log_dir: tempfile::TempDir,
    child: Child,
}

impl AgentProc {
    /// Starts `mqagent` listening on `listen` (an agent restarted after a crash keeps its
    /// address, since NODE arguments and upgrade state files name it).
    pub fn start_on(listen: &str, roots: &[&Path], brokers: &[(&str, &Path)]) -> Self {
        Self::start_with(listen, roots, brokers, &[])
    }

    /// [`AgentProc::start_on`] with more flags (`--tls-cert`, `--tls-key`, ...).
    pub fn start_with(
        listen: &str,
        roots: &[&Path],
        brokers: &[(&str, &Path)],
        extra: &[std::ffi::OsString],
    ) -> Self {
        let bin = PathBuf::from(env!("CARGO_BIN_EXE_mqadmin")).with_file_name("mqagent");
        assert!(
            bin.exists(),
            "{} is missing: run `cargo build -p broker --bins`",
            bin.display()
        );
        let log_dir = tempfile::tempdir().unwrap();
        let log = log_dir.path().join("mqagent.log");
        let mut cmd = Command::new(bin);
        cmd.args(["--listen", listen]).env("MQADMIN_AGENT_TOKEN", TOKEN);
        for r in roots {
            cmd.arg("--root").arg(r);
        }
        for (name, conf) in brokers {
            cmd.arg("--broker").arg(format!("{name}={}", conf.display()));
        }
        cmd.args(extra);
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .strip_prefix("listening ")
            .unwrap_or_else(|| {
                panic!(
                    "mqagent did not start: {line:?} {}",
                    std::fs::read_to_string(&log).unwrap()
                )
            })
            .trim()
            .to_owned();
        Self {
            addr,
            log,
            _log_dir: log_dir,
            child,
        }
    }

    /// The NODE argument of broker `name` on this agent.
    pub fn node(&self, name: &str) -> String {
        format!("agent://{}/{name}", self.addr)
    }

    /// SIGKILLs the agent (a crash: no clean-up) and reaps it.
    pub fn kill_9(&mut self) {
        self.child.kill().expect("SIGKILL mqagent");
        let _ = self.child.wait();
    }

    fn url(&self, tail: &str) -> String {
        format!("http://{}{tail}", self.addr)
    }

    /// The agent's log so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for AgentProc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One node: `<dir>/root` holds `broker.conf` and `store/`.
pub(crate) struct Node {
    _dir: tempfile::TempDir,
    pub root: PathBuf,
    pub agent: AgentProc,
}

fn node() -> Node {
    node_with(&[])
}

/// [`node`] with more `mqagent` flags (`--tls-cert`, ...).
pub(crate) fn node_with(extra: &[std::ffi::OsString]) -> Node {
    let dir = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap().join("root");
    std::fs::create_dir_all(root.join("store/commitlog")).unwrap();
    let conf = root.join("broker.conf");
    std::fs::write(
        &conf,
        format!(
            "brokerName=b\nstorePathRootDir={}\n",
            root.join("store").display()
        ),
    )
    .unwrap();
    let agent = AgentProc::start_with("127.0.0.1:0", &[&root], &[("b", &conf)], extra);
    Node {
        _dir: dir,
        root,
        agent,
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

#[tokio::test]
async fn agent_refuses_a_missing_or_wrong_token() {
    let n = node();
    let url = n.agent.url("/v1/brokers/b");
    let r = client().get(&url).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = client().get(&url).bearer_auth("wrong").send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = client().get(&url).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let log = n.agent.log_text();
    assert_eq!(log.matches("missing or wrong token").count(), 2, "{log}");
    assert!(log.contains("peer=127.0.0.1"), "{log}");
}

#[tokio::test]
async fn agent_refuses_paths_outside_its_roots() {
    let n = node();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret"), b"secret").unwrap();
    std::os::unix::fs::symlink(outside.path(), n.root.join("store/escape")).unwrap();
    let secret = outside.path().join("secret");
    let bad = [
        "../../../../../../etc/passwd".to_owned(),
        "commitlog/../../broker.conf".to_owned(),
        secret.display().to_string(),
        "escape/secret".to_owned(),
        "escape/new-file".to_owned(),
    ];
    let c = client();
    for path in &bad {
        let q = [("area", "root"), ("path", path.as_str())];
        for (what, req) in [
            ("read", c.get(n.agent.url("/v1/brokers/b/file")).query(&q)),
            ("md5", c.get(n.agent.url("/v1/brokers/b/md5")).query(&q)),
            (
                "write",
                c.put(n.agent.url("/v1/brokers/b/file")).query(&q).body("pwned"),
            ),
            ("remove", c.delete(n.agent.url("/v1/brokers/b/file")).query(&q)),
        ] {
            let r = req.bearer_auth(TOKEN).send().await.unwrap();
            assert_eq!(r.status(), 403, "{what} {path}");
        }
    }
    assert_eq!(std::fs::read(&secret).unwrap(), b"secret");
    assert!(!outside.path().join("new-file").exists());
    let log = n.agent.log_text();
    assert!(
        log.matches("outside the agent's roots").count() >= bad.len() * 4,
        "{log}"
    );
    // Inside the root all of it works.
    let q = [("area", "root"), ("path", "sub/ok")];
    let r = c
        .put(n.agent.url("/v1/brokers/b/file"))
        .query(&q)
        .body("fine")
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(std::fs::read(n.root.join("store/sub/ok")).unwrap(), b"fine");
}

#[tokio::test]
async fn agent_refuses_to_run_other_commands() {
    let n = node();
    let marker = n.root.join("ran");
    let c = client();
    let cmd = format!("touch {}", marker.display());
    for req in [
        c.post(n.agent.url("/v1/brokers/b/start"))
            .query(&[("cmd", cmd.as_str())]),
        c.post(n.agent.url("/v1/brokers/b/start")).body(cmd.clone()),
        c.post(n.agent.url("/v1/brokers/b/stop"))
            .query(&[("command", cmd.as_str())]),
        c.post(n.agent.url("/v1/exec")).body(cmd.clone()),
        c.post(n.agent.url("/v1/brokers/b/run"))
            .query(&[("cmd", cmd.as_str())]),
    ] {
        let r = req.bearer_auth(TOKEN).send().await.unwrap();
        assert!(r.status() == 400 || r.status() == 404, "{}", r.status());
    }
    assert!(!marker.exists());
    let log = n.agent.log_text();
    assert!(log.matches("refused").count() >= 5, "{log}");
    assert!(log.contains("no such endpoint"), "{log}");
}

#[tokio::test]
async fn agent_upload_resumes_and_md5_matches_after_transfer() {
    let n = node();
    let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    let rel = "commitlog/00000000000000000000";
    let c = client();
    let put = |offset: usize, bytes: Vec<u8>| {
        c.put(n.agent.url("/v1/brokers/b/file"))
            .query(&[("area", "root"), ("path", rel), ("offset", &offset.to_string())])
            .body(bytes)
            .bearer_auth(TOKEN)
            .send()
    };
    // A first upload stops part-way (as a broken connection leaves it).
    assert_eq!(put(0, data[..1_234_567].to_vec()).await.unwrap().status(), 200);
    // The client asks how much arrived and continues from there.
    let stat: serde_json::Value = c
        .get(n.agent.url("/v1/brokers/b/stat"))
        .query(&[("area", "root"), ("path", rel)])
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let have = stat["size"].as_u64().unwrap() as usize;
    assert_eq!(have, 1_234_567);
    assert_eq!(put(have, data[have..].to_vec()).await.unwrap().status(), 200);
    let digest: serde_json::Value = c
        .get(n.agent.url("/v1/brokers/b/md5"))
        .query(&[("area", "commit_log"), ("path", "00000000000000000000")])
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(digest["md5"], hex::encode(Md5::digest(&data)));
    assert_eq!(digest["len"], data.len() as u64);
    let part = c
        .get(n.agent.url("/v1/brokers/b/file"))
        .query(&[
            ("area", "commit_log"),
            ("path", "00000000000000000000"),
            ("start", "1000"),
            ("end", "2000000"),
        ])
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&part[..], &data[1000..2_000_000]);
}

#[test]
fn verify_commitlog_compares_two_agents_by_md5_on_the_agents() {
    let (a, b) = (node(), node());
    let mut data = vec![0u8; 1 << 20];
    data[..70_000]
        .iter_mut()
        .enumerate()
        .for_each(|(i, x)| *x = (i % 200 + 1) as u8);
    for n in [&a, &b] {
        std::fs::write(n.root.join("store/commitlog/00000000000000000000"), &data).unwrap();
    }
    let token = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(token.path(), TOKEN).unwrap();
    let verify = || {
        let mut cmd = crate::util::mqadmin();
        cmd.args([
            "verify-commitlog",
            "--master",
            &a.agent.node("b"),
            "--slave",
            &b.agent.node("b"),
        ]);
        cmd.arg("--token-file").arg(token.path());
        run_cmd(&mut cmd)
    };
    let r = verify();
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(r.stdout.contains("identical"), "{r:?}");
    data[50_000] ^= 0xFF;
    std::fs::write(b.root.join("store/commitlog/00000000000000000000"), &data).unwrap();
    let r = verify();
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(
        r.stdout.contains("divergent") && r.stdout.contains("50000"),
        "{r:?}"
    );
    // Without a token: a clear error, exit 2.
    let r = run_cmd(crate::util::mqadmin().env_remove("MQADMIN_AGENT_TOKEN").args([
        "verify-commitlog",
        "--master",
        &a.agent.node("b"),
        "--slave",
        &b.agent.node("b"),
    ]));
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stderr.contains("token"), "{r:?}");
}

/// Issue 18: the `acl` endpoint reads and writes the plain_acl.yml the broker's config names
/// (`<rocketmqHome>/conf/plain_acl.yml` here), writes only text the broker would load, and
/// refuses a config that puts the file outside the agent's roots.
#[tokio::test]
async fn agent_acl_endpoint_writes_only_a_loadable_file_under_its_roots() {
    let n = node();
    let conf = n.root.join("broker.conf");
    let home = n.root.join("home");
    let text = std::fs::read_to_string(&conf).unwrap();
    std::fs::write(
        &conf,
        format!("{text}aclEnable=true\nrocketmqHome={}\n", home.display()),
    )
    .unwrap();
    let (c, url) = (client(), n.agent.url("/v1/brokers/b/acl"));
    let r = c.get(&url).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(r.status(), 404, "no file yet");
    let r = c
        .put(&url)
        .bearer_auth(TOKEN)
        .body("accounts: [")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("would not load"));
    let file = home.join("conf/plain_acl.yml");
    assert!(!file.exists());
    let acl = "accounts:\n  - accessKey: adminKey1\n    secretKey: admin-secret-1\n    admin: true\n";
    let r = c.put(&url).bearer_auth(TOKEN).body(acl).send().await.unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), acl);
    let r = c.get(&url).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(r.text().await.unwrap(), acl);
    // A config naming a file outside the roots: refused both ways, nothing written there.
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("plain_acl.yml");
    std::fs::write(
        &conf,
        format!("{text}aclEnable=true\nplainAclFile={}\n", target.display()),
    )
    .unwrap();
    let r = c.put(&url).bearer_auth(TOKEN).body(acl).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let r = c.get(&url).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(!target.exists());
    // Without a token: 401, as every endpoint.
    let r = c.put(&url).body(acl).send().await.unwrap();
    assert_eq!(r.status(), 401);
}
