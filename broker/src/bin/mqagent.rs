//! `mqagent`: the node agent `mqadmin` talks to for brokers on other machines (see
//! [`broker::agent`]). Parses flags, reads the token (and the TLS certificate), binds, prints the
//! bound address on stdout and serves until SIGINT/SIGTERM.
//!
//! Exit codes: 0 after a clean shutdown; 2 for bad flags, a missing token or root, a config
//! outside the roots, an unusable certificate or key, or an address that cannot be bound.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use broker::agent::{tls, AgentOptions, BrokerEntry, DEFAULT_LISTEN};
use clap::Parser;

/// mimalloc: glibc's malloc/free was about a third of the DLedger leader's CPU (bench/run.sh).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const AFTER_HELP: &str = "\
Example, on each machine of the group (one agent can serve several brokers):
  echo \"$(openssl rand -hex 16)\" > /etc/mqagent.token; chmod 600 /etc/mqagent.token
  mqagent --token-file /etc/mqagent.token --root /data/rocketmq --root /etc/rocketmq \\
          --broker broker-a=/etc/rocketmq/broker-a.properties
then, from the operator's machine (through an SSH tunnel, or with --allow-remote):
  MQADMIN_AGENT_TOKEN=... mqadmin verify-commitlog --master agent://host1:10990/broker-a ...

Across a network, serve TLS and have mqadmin verify the agent by a CA or a pinned fingerprint:
  mqagent --listen 0.0.0.0:10990 --allow-remote --tls-cert host1.crt --tls-key host1.key ...
  mqadmin verify-commitlog --agent-ca ca.crt ...            (or --agent-fingerprint SHA256-HEX)
The second stdout line is `tls-fingerprint <sha256 hex>` of the certificate (what to pin).

Every request needs `Authorization: Bearer <token>`. Paths are confined to the --root
directories (no `..`, no absolute paths, no symlink out of a root). The agent runs no program but
`<mqbroker> -c <config>` or the --start-cmd/--stop-cmd given here; refusals are logged (stderr).
The first stdout line is `listening <ip:port>`.

Exit codes: 0 clean shutdown (SIGINT/SIGTERM), 2 bad flags, missing token, root or config, an
unusable certificate or key, or an address that cannot be bound.";

/// Node agent: serves a machine's broker stores and processes to mqadmin over HTTP.
#[derive(Parser, Debug)]
#[command(name = "mqagent", version, after_help = AFTER_HELP)]
struct Args {
    /// Address to listen on (a non-loopback address needs --allow-remote)
    #[arg(long, value_name = "IP:PORT", default_value = DEFAULT_LISTEN)]
    listen: String,
    /// Allow listening on a non-loopback address (serve TLS there: --tls-cert/--tls-key)
    #[arg(long)]
    allow_remote: bool,
    /// Serve HTTPS with this certificate chain (PEM, the agent's certificate first)
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM: PKCS#8, PKCS#1 or SEC1)
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// File holding the bearer token [default: $MQADMIN_AGENT_TOKEN, the variable mqadmin reads]
    #[arg(long, value_name = "FILE")]
    token_file: Option<PathBuf>,
    /// A directory every served path must stay under (store roots, config directories); repeat
    #[arg(long = "root", value_name = "DIR", required = true)]
    roots: Vec<PathBuf>,
    /// A broker served under NAME, by its config file (under a --root); repeat
    #[arg(long = "broker", value_name = "NAME=CONFIG")]
    brokers: Vec<String>,
    /// For an Apache RocketMQ broker NAME: the command line that starts it (split on spaces, no shell)
    #[arg(long = "start-cmd", value_name = "NAME=COMMAND")]
    start_cmds: Vec<String>,
    /// For an Apache RocketMQ broker NAME: the command line that stops it (split on spaces, no shell)
    #[arg(long = "stop-cmd", value_name = "NAME=COMMAND")]
    stop_cmds: Vec<String>,
    /// The mqbroker binary to start for our brokers [default: next to mqagent]
    #[arg(long, value_name = "PATH")]
    mqbroker: Option<PathBuf>,
}

/// The token's environment variable, the same name `mqadmin` reads.
const TOKEN_ENV: &str = "MQADMIN_AGENT_TOKEN";
/// Its former name, still read (with a warning).
const OLD_TOKEN_ENV: &str = "MQAGENT_TOKEN";

fn split_pair(flag: &str, text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.is_empty() && !value.is_empty() => {
            Ok((name.to_owned(), value.to_owned()))
        }
        _ => Err(format!("{flag} wants NAME=VALUE, got `{text}`")),
    }
}

fn options(args: &Args) -> Result<AgentOptions, String> {
    let token = match &args.token_file {
        Some(path) => {
            std::fs::read_to_string(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?
        }
        // One name for the token on both sides (issue 20 item 17); the old MQAGENT_TOKEN still
        // works, with a warning.
        None => match std::env::var(TOKEN_ENV) {
            Ok(t) => t,
            Err(_) => match std::env::var(OLD_TOKEN_ENV) {
                Ok(t) => {
                    eprintln!("warning: {OLD_TOKEN_ENV} is deprecated; set {TOKEN_ENV} instead");
                    t
                }
                Err(_) => return Err(format!("no token: pass --token-file FILE or set {TOKEN_ENV}")),
            },
        },
    };
    let mut brokers = BTreeMap::new();
    for b in &args.brokers {
        let (name, config) = split_pair("--broker", b)?;
        brokers.insert(
            name,
            BrokerEntry {
                config: PathBuf::from(config),
                start_cmd: None,
                stop_cmd: None,
            },
        );
    }
    for (flag, list, is_start) in [
        ("--start-cmd", &args.start_cmds, true),
        ("--stop-cmd", &args.stop_cmds, false),
    ] {
        for c in list {
            let (name, cmd) = split_pair(flag, c)?;
            let entry = brokers
                .get_mut(&name)
                .ok_or_else(|| format!("{flag} names `{name}`, which no --broker registers"))?;
            let words: Vec<String> = cmd.split_whitespace().map(str::to_owned).collect();
            if is_start {
                entry.start_cmd = Some(words);
            } else {
                entry.stop_cmd = Some(words);
            }
        }
    }
    let mqbroker = match &args.mqbroker {
        Some(p) => p.clone(),
        None => std::env::current_exe()
            .map_err(|e| format!("cannot locate mqagent: {e}"))?
            .with_file_name("mqbroker"),
    };
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(tls::server_config(cert, key).map_err(|e| e.to_string())?),
        _ => None,
    };
    Ok(AgentOptions {
        token,
        roots: args.roots.clone(),
        brokers,
        mqbroker,
        tls,
    })
}

fn main() -> ExitCode {
    let args = Args::parse();
    broker::signal::init_logging();
    let options = match options(&args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("mqagent: {e}");
            return ExitCode::from(2);
        }
    };
    let addr: std::net::SocketAddr = match args.listen.parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("mqagent: --listen `{}`: {e}", args.listen);
            return ExitCode::from(2);
        }
    };
    if !addr.ip().is_loopback() {
        if !args.allow_remote {
            eprintln!("mqagent: {addr} is not a loopback address; pass --allow-remote to listen on it");
            return ExitCode::from(2);
        }
        tracing::warn!(%addr, "listening on a non-loopback address: anyone who can reach it and holds the token controls these brokers");
        if options.tls.is_none() {
            tracing::warn!(%addr, "--allow-remote without TLS: the token and the store's bytes cross the network in clear text; pass --tls-cert and --tls-key");
        }
    }
    let fingerprint = match &args.tls_cert {
        Some(cert) => match tls::file_fingerprint(cert) {
            Ok(f) => Some(f),
            Err(e) => {
                eprintln!("mqagent: {e}");
                return ExitCode::from(2);
            }
        },
        None => None,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("mqagent: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let result = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        let bound = listener.local_addr().map_err(|e| e.to_string())?;
        let mut out = std::io::stdout();
        let _ = writeln!(out, "listening {bound}");
        if let Some(f) = &fingerprint {
            let _ = writeln!(out, "tls-fingerprint {f}");
        }
        let _ = out.flush();
        tracing::info!(%bound, brokers = ?args.brokers, tls = fingerprint.is_some(), "mqagent serving");
        broker::agent::run(listener, options, broker::signal::shutdown_signal())
            .await
            .map_err(|e| e.to_string())
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mqagent: {e}");
            ExitCode::from(2)
        }
    }
}
