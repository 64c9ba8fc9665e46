//! Issue 18: the node agent over TLS (`mqagent --tls-cert/--tls-key`), with real `mqagent` and
//! `mqadmin` processes on 127.0.0.1 and certificates the tests make (rcgen) in temp dirs.
//! `verify-commitlog` works through TLS agents verified by a CA file or by pinned fingerprints;
//! a certificate from another CA, or one whose fingerprint is not pinned, is refused in the
//! handshake; a raw TLS listener standing for an impostor agent proves that with a wrong pin no
//! HTTP byte (so no token) reaches the server, while with the right pin the token does arrive
//! (the recorder works); `mqagent` warns about `--allow-remote` without TLS and refuses a key
//! that does not match its certificate.

use std::ffi::OsString;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use tokio::io::AsyncReadExt;

use crate::agent::{node_with, Node, TOKEN};
use crate::util::run_cmd;

/// A test CA that signs agent certificates, all as PEM files in one directory.
pub struct Pki {
    dir: PathBuf,
    ca: rcgen::Certificate,
    ca_key: rcgen::KeyPair,
    issued: usize,
}

/// An agent's certificate and key files and the certificate's SHA-256 fingerprint.
pub struct AgentCert {
    pub cert: PathBuf,
    pub key: PathBuf,
    pub fingerprint: String,
}

impl AgentCert {
    /// The `mqagent` flags that serve TLS with this certificate.
    pub fn args(&self) -> Vec<OsString> {
        vec![
            "--tls-cert".into(),
            self.cert.clone().into(),
            "--tls-key".into(),
            self.key.clone().into(),
        ]
    }
}

fn agent_params(name: &str) -> rcgen::CertificateParams {
    let mut params =
        rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, format!("mqagent {name}"));
    params
}

fn write_cert(dir: &Path, name: &str, cert: &rcgen::Certificate, key: &rcgen::KeyPair) -> AgentCert {
    let (cert_path, key_path) = (dir.join(format!("{name}.crt")), dir.join(format!("{name}.key")));
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, key.serialize_pem()).unwrap();
    AgentCert {
        cert: cert_path,
        key: key_path,
        fingerprint: broker::agent::tls::fingerprint(cert.der()),
    }
}

impl Pki {
    /// A new CA whose files go to `dir` (created).
    pub fn new(dir: &Path) -> Self {
        std::fs::create_dir_all(dir).unwrap();
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "mqagent test CA");
        let ca = params.self_signed(&ca_key).unwrap();
        std::fs::write(dir.join("ca.crt"), ca.pem()).unwrap();
        Self {
            dir: dir.to_path_buf(),
            ca,
            ca_key,
            issued: 0,
        }
    }

    /// The CA certificate (what `--agent-ca` names).
    pub fn ca_file(&self) -> PathBuf {
        self.dir.join("ca.crt")
    }

    /// A certificate for an agent on 127.0.0.1 / localhost signed by this CA.
    pub fn issue(&mut self, name: &str) -> AgentCert {
        self.issued += 1;
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = agent_params(name)
            .signed_by(&key, &self.ca, &self.ca_key)
            .unwrap();
        write_cert(&self.dir, &format!("{name}-{}", self.issued), &cert, &key)
    }
}

/// A self-signed agent certificate (trusted by its fingerprint only).
fn self_signed(dir: &Path, name: &str) -> AgentCert {
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = agent_params(name).self_signed(&key).unwrap();
    write_cert(dir, name, &cert, &key)
}

/// One broker `b` behind a TLS agent: `<dir>/root` holds `broker.conf` and `store/`.
fn tls_node(cert: &AgentCert) -> Node {
    node_with(&cert.args())
}

/// `mqadmin verify-commitlog` of master `a` and slave `b` with the trust flags `trust`.
fn verify(a: &str, b: &str, token: &Path, trust: &[&str]) -> crate::util::Run {
    let mut cmd = crate::util::mqadmin();
    cmd.args(["verify-commitlog", "--master", a, "--slave", b])
        .arg("--token-file")
        .arg(token)
        .args(trust);
    run_cmd(&mut cmd)
}

#[test]
fn verify_commitlog_through_tls_agents_by_ca_and_by_fingerprint() {
    let pki_dir = tempfile::tempdir().unwrap();
    let mut pki = Pki::new(pki_dir.path());
    let (ca, cb) = (pki.issue("a"), pki.issue("b"));
    let (a, b) = (tls_node(&ca), tls_node(&cb));
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
    let (na, nb) = (a.agent.node("b"), b.agent.node("b"));
    let ca_file = pki.ca_file().display().to_string();

    let r = verify(&na, &nb, token.path(), &["--agent-ca", &ca_file]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(r.stdout.contains("identical"), "{r:?}");

    // Pinned: both agents' fingerprints, one in colon form as openssl prints it.
    let colons = hex::decode(&cb.fingerprint)
        .unwrap()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":");
    let pins = format!("{},{colons}", ca.fingerprint);
    let r = verify(&na, &nb, token.path(), &["--agent-fingerprint", &pins]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(r.stdout.contains("identical"), "{r:?}");
    // A divergence is still found over TLS.
    data[50_000] ^= 0xFF;
    std::fs::write(b.root.join("store/commitlog/00000000000000000000"), &data).unwrap();
    let r = verify(&na, &nb, token.path(), &["--agent-ca", &ca_file]);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(r.stdout.contains("50000"), "{r:?}");

    // Only one agent pinned: the other is refused in the handshake, exit 2.
    let r = verify(&na, &nb, token.path(), &["--agent-fingerprint", &ca.fingerprint]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(
        r.stderr.contains(&cb.fingerprint) && r.stderr.contains("not pinned"),
        "{r:?}"
    );
    // Another CA: refused (unknown issuer), exit 2, and the agent logs the failed handshake.
    let other_dir = tempfile::tempdir().unwrap();
    let other = Pki::new(other_dir.path());
    let other_ca = other.ca_file().display().to_string();
    let r = verify(&na, &nb, token.path(), &["--agent-ca", &other_ca]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stderr.contains("certificate"), "{r:?}");
    // Both trusts at once make no sense: refused by the parser.
    let r = verify(
        &na,
        &nb,
        token.path(),
        &["--agent-ca", &ca_file, "--agent-fingerprint", &ca.fingerprint],
    );
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stderr.contains("cannot be used with"), "{r:?}");
    // No trust: mqadmin speaks plain HTTP, the agent refuses the handshake; the error says why.
    let r = verify(&na, &nb, token.path(), &[]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stderr.contains("seems to serve TLS"), "{r:?}");
    // A malformed pin: a clear error before any connection.
    let r = verify(&na, &nb, token.path(), &["--agent-fingerprint", "abc"]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stderr.contains("bad fingerprint `abc`"), "{r:?}");
}

/// What the impostor listener saw: finished and failed handshakes, and the bytes received
/// after a finished one.
#[derive(Default)]
struct Seen {
    handshakes_ok: usize,
    handshakes_failed: usize,
    plaintext: Vec<u8>,
}

/// A TLS listener that completes handshakes with `cert`, then records what the client sends up
/// to the end of the HTTP request head and closes. Signals `done` after each connection ends.
async fn impostor(cert: &AgentCert) -> (String, Arc<Mutex<Seen>>, tokio::sync::mpsc::UnboundedReceiver<()>) {
    let config = broker::agent::tls::server_config(&cert.cert, &cert.key).expect("the impostor's TLS config");
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let record = seen.clone();
    tokio::spawn(async move {
        loop {
            let (tcp, _) = listener.accept().await.unwrap();
            let (acceptor, record, tx) = (acceptor.clone(), record.clone(), tx.clone());
            tokio::spawn(async move {
                match acceptor.accept(tcp).await {
                    Ok(mut tls) => {
                        record.lock().unwrap().handshakes_ok += 1;
                        let mut buf = [0u8; 4096];
                        loop {
                            let n = tls.read(&mut buf).await.unwrap_or(0);
                            let mut seen = record.lock().unwrap();
                            seen.plaintext.extend_from_slice(&buf[..n]);
                            if n == 0 || seen.plaintext.windows(4).any(|w| w == b"\r\n\r\n") {
                                break;
                            }
                        }
                    }
                    Err(_) => record.lock().unwrap().handshakes_failed += 1,
                }
                let _ = tx.send(());
            });
        }
    });
    (addr, seen, rx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_fingerprint_is_refused_in_the_handshake_before_the_token_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let impostor_cert = self_signed(dir.path(), "impostor");
    let expected = self_signed(dir.path(), "expected");
    let (addr, seen, mut ended) = impostor(&impostor_cert).await;
    let token = dir.path().join("token");
    std::fs::write(&token, TOKEN).unwrap();
    let node = format!("agent://{addr}/b");
    let run = |pin: String| {
        let (node, token) = (node.clone(), token.clone());
        tokio::task::spawn_blocking(move || verify(&node, &node, &token, &["--agent-fingerprint", &pin]))
    };

    // mqadmin pins the expected agent's certificate; the impostor's is refused.
    let r = run(expected.fingerprint.clone()).await.unwrap();
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(
        r.stderr.contains("not pinned") && r.stderr.contains(&impostor_cert.fingerprint),
        "{r:?}"
    );
    ended.recv().await.expect("the impostor saw the connection end");
    {
        let seen = seen.lock().unwrap();
        assert_eq!(seen.handshakes_ok, 0, "no handshake completed");
        assert!(seen.handshakes_failed >= 1);
        assert!(seen.plaintext.is_empty(), "no HTTP byte arrived");
    }

    // Control: pinning the impostor's certificate, the handshake completes and the request,
    // token included, reaches it; so the empty record above means nothing was sent.
    let r = run(impostor_cert.fingerprint.clone()).await.unwrap();
    assert_eq!(r.code, Some(2), "the impostor answers nothing: {r:?}");
    ended.recv().await.expect("the impostor saw the connection end");
    let seen = seen.lock().unwrap();
    assert_eq!(seen.handshakes_ok, 1);
    let text = String::from_utf8_lossy(&seen.plaintext);
    assert!(
        text.contains(&format!("Bearer {TOKEN}")),
        "the request with the token arrived once pinned: {text}"
    );
}

/// Starts `mqagent` with `args` and returns its first `n` stdout lines and its stderr so far;
/// it is killed afterwards.
fn agent_start_lines(root: &Path, args: &[OsString], n: usize) -> (Vec<String>, String) {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_mqadmin")).with_file_name("mqagent");
    let log = root.join("agent.log");
    let mut child = Command::new(bin)
        .env("MQADMIN_AGENT_TOKEN", TOKEN)
        .arg("--root")
        .arg(root)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut lines = Vec::new();
    for _ in 0..n {
        let mut line = String::new();
        if out.read_line(&mut line).unwrap() == 0 {
            break;
        }
        lines.push(line.trim().to_owned());
    }
    let _ = child.kill();
    let _ = child.wait();
    (lines, std::fs::read_to_string(&log).unwrap())
}

#[test]
fn mqagent_warns_about_remote_plain_http_and_refuses_a_mismatched_key() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    let cert = self_signed(&root, "agent");

    // --allow-remote without TLS: served, with a warning in the log.
    let remote: Vec<OsString> = ["--listen", "0.0.0.0:0", "--allow-remote"]
        .map(OsString::from)
        .to_vec();
    let (lines, log) = agent_start_lines(&root, &remote, 1);
    assert!(lines[0].starts_with("listening 0.0.0.0:"), "{lines:?} {log}");
    assert!(log.contains("--allow-remote without TLS"), "{log}");

    // With TLS: no warning, and the second line gives the fingerprint to pin.
    let mut with_tls = remote.clone();
    with_tls.extend(cert.args());
    let (lines, log) = agent_start_lines(&root, &with_tls, 2);
    assert!(lines[0].starts_with("listening "), "{lines:?} {log}");
    assert_eq!(lines[1], format!("tls-fingerprint {}", cert.fingerprint));
    assert!(!log.contains("without TLS"), "{log}");

    // A key that is not the certificate's, a missing file, a lone --tls-cert: exit 2.
    let other = self_signed(&root, "other");
    let run = |args: Vec<OsString>| {
        run_cmd(
            Command::new(PathBuf::from(env!("CARGO_BIN_EXE_mqadmin")).with_file_name("mqagent"))
                .env("MQADMIN_AGENT_TOKEN", TOKEN)
                .arg("--root")
                .arg(&root)
                .args(args),
        )
    };
    let r = run(vec![
        "--tls-cert".into(),
        cert.cert.clone().into(),
        "--tls-key".into(),
        other.key.clone().into(),
    ]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stderr.contains("TLS configuration"), "{r:?}");
    let r = run(vec![
        "--tls-cert".into(),
        root.join("missing.crt").into(),
        "--tls-key".into(),
        cert.key.clone().into(),
    ]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(
        r.stderr.contains("cannot read") && r.stderr.contains("missing.crt"),
        "{r:?}"
    );
    let r = run(vec!["--tls-cert".into(), cert.cert.clone().into()]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stderr.contains("--tls-key"), "{r:?}");
}
