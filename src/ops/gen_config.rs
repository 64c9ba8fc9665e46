//! `gen-config`: the `broker-<id>.conf` files of a DLedger group (spec §4.1), written from scratch
//! or derived from an existing Master/Slave broker config (spec §6.3, step 4: "add the DLedger
//! properties and start").
//!
//! [`plan`] builds every file's text in memory and checks that it loads and validates as a
//! [`BrokerConfig`]; [`write`] then writes the files, refusing to overwrite any existing one unless
//! asked. The text is produced with [`PropertiesWriter`], so any value round-trips through Java's
//! `Properties.load` and ours.
//!
//! From scratch, the files hold the keys and values of the shipped `conf/dledger/` samples (Apache
//! RocketMQ's `distribution/conf/dledger/` files, plus `serverWorkerThreads=1` when every peer is on
//! one host): the example of `mqadmin gen-config --help` generates exactly their settings.

use std::path::{Path, PathBuf};

use broker::config::{parse_peers, BrokerConfig, ConfigError, Peer};
use broker::properties::{self, PropertiesWriter};
use serde::Serialize;

/// First listenPort of a group generated from scratch, as in the shipped `broker-n0.conf`.
/// Default: `30911`.
pub const DEFAULT_BASE_PORT: u16 = 30911;
/// Distance between the listenPorts of consecutive nodes (each node also uses listenPort - 2 and
/// listenPort + 1). Default: `10`.
pub const PORT_STEP: u16 = 10;

/// sendMessageThreadPoolNums of a group generated from scratch: the value of Apache RocketMQ's
/// `distribution/conf/dledger/broker-n*.conf`, as in the shipped `conf/dledger/` samples.
pub const SEND_MESSAGE_THREADS: &str = "16";
/// serverWorkerThreads of a group generated from scratch whose peers all share one host: the nodes
/// share its CPUs, and one runtime worker each is the faster setting there (the shipped
/// `conf/dledger/` samples, three brokers on 127.0.0.1, measured on 2 cores). Other groups keep the
/// broker's default, the CPU count.
pub const ONE_HOST_WORKER_THREADS: &str = "1";

/// Keys a DLedger node must not carry over from a Master/Slave config: the role and id are decided
/// by elections, and there is no HA service. Their DLedger replacements are added at the end.
const DROPPED_KEYS: &[&str] = &[
    "brokerId",
    "brokerRole",
    "haListenPort",
    "haMasterAddress",
    "storePathDLedgerCommitLog",
    "enableDLegerCommitLog",
    "dLegerGroup",
    "dLegerPeers",
    "dLegerSelfId",
];

/// Why no configs could be generated.
#[derive(Debug, thiserror::Error)]
pub enum GenConfigError {
    /// `--peers` does not parse, or names an invalid self id.
    #[error("invalid --peers")]
    Peers(#[source] ConfigError),
    /// A peer id is not a letter followed by digits (`n0`).
    #[error("invalid peer id {0:?}: expected a letter followed by digits, e.g. n0")]
    PeerId(String),
    /// The wrong number of listen ports.
    #[error("--listen-ports has {ports} port(s) for {peers} peer(s)")]
    PortCount {
        /// Ports given.
        ports: usize,
        /// Peers given.
        peers: usize,
    },
    /// A derived listenPort would not fit in 16 bits.
    #[error("listenPort {base} + {step} per node overflows; pass --listen-ports")]
    PortOverflow {
        /// The first port.
        base: u16,
        /// The step.
        step: u16,
    },
    /// The source config could not be read or parsed.
    #[error("cannot load the source config `{}`", path.display())]
    Source {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: ConfigError,
    },
    /// A generated file does not load or validate (a bug, or an invalid value in the source).
    #[error("the generated {file} is not a valid broker config")]
    Invalid {
        /// The file name.
        file: String,
        /// The underlying error.
        #[source]
        source: ConfigError,
    },
    /// The existing `--peer-token-file` cannot be used as a token.
    #[error(transparent)]
    PeerToken(broker::raft::peer_auth::PeerTokenError),
    /// Files exist and `force` is off.
    #[error("refusing to overwrite {}; pass --force to replace them", list(.0))]
    Exists(Vec<PathBuf>),
    /// Writing failed.
    #[error("failed to {action} `{}`", path.display())]
    Io {
        /// What we were doing.
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

fn list(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| format!("`{}`", p.display()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What to generate.
#[derive(Debug, Clone, Default)]
pub struct GenConfigOptions {
    /// Derive from this Master/Slave broker config. Default: none (from scratch).
    pub from: Option<PathBuf>,
    /// brokerClusterName; required from scratch. Default: the source's.
    pub cluster: Option<String>,
    /// brokerName and dLegerGroup; required from scratch. Default: the source's brokerName.
    pub group: Option<String>,
    /// dLegerPeers text, `id-host:port;…`.
    pub peers: String,
    /// Directory of the node store roots; required from scratch. Default: the source's
    /// storePathRootDir.
    pub store_root: Option<String>,
    /// namesrvAddr. Default: the source's, else omitted.
    pub namesrv: Option<String>,
    /// One listenPort per peer. Default: `30911 + 10 i` from scratch, the source's listenPort
    /// `+ 10 i` when derived.
    pub listen_ports: Vec<u16>,
    /// Where the files go.
    pub out_dir: PathBuf,
    /// The DLedger peer token file every config names (`dLegerPeerTokenFile`); [`write`]
    /// creates it with a random token when missing. Default: none (a source config's own
    /// `dLegerPeerTokenFile`, if any, is kept).
    pub peer_token_file: Option<PathBuf>,
}

/// One generated file.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GeneratedFile {
    /// Where it is (or would be) written.
    pub path: PathBuf,
    /// The node's dLegerSelfId.
    pub self_id: String,
    /// The node's listenPort.
    pub listen_port: u16,
    /// The node's storePathRootDir.
    pub store_root: String,
    /// The file's text.
    pub text: String,
}

/// The files of one group, in peer order.
#[derive(Debug, Clone, Serialize)]
pub struct GenConfigReport {
    /// The DLedger group (brokerName).
    pub group: String,
    /// Whether the files were written (false for a dry run).
    pub written: bool,
    /// One per peer.
    pub files: Vec<GeneratedFile>,
    /// The peer token file the configs name, when `--peer-token-file` was given.
    pub peer_token_file: Option<PathBuf>,
    /// Whether [`write`] created it (false when it existed, or for a dry run).
    pub peer_token_created: bool,
}

/// The source's entries in file order; a repeated key keeps its first position and last value, as
/// Java keeps the last value.
fn source_entries(path: &Path) -> Result<(Vec<(String, String)>, BrokerConfig), GenConfigError> {
    let source_err = |source| GenConfigError::Source {
        path: path.to_owned(),
        source,
    };
    let bytes = std::fs::read(path).map_err(|e| {
        source_err(ConfigError::Io {
            path: path.to_owned(),
            source: e,
        })
    })?;
    let props = properties::parse_bytes(&bytes).map_err(|e| {
        source_err(ConfigError::Syntax {
            location: broker::config::Location {
                file: Some(path.to_owned()),
                line: e.line,
            },
            message: e.message,
        })
    })?;
    let (config, _) = BrokerConfig::from_properties(&props, Some(path)).map_err(source_err)?;
    let mut entries: Vec<(String, String)> = Vec::new();
    for p in props {
        match entries.iter_mut().find(|(k, _)| *k == p.key) {
            Some(entry) => entry.1 = p.value,
            None => entries.push((p.key, p.value)),
        }
    }
    Ok((entries, config))
}

/// Builds every node's file in memory and checks that each loads and validates.
///
/// # Errors
/// Bad peers or ports, an unreadable source, or a generated file that does not validate.
pub fn plan(options: &GenConfigOptions) -> Result<GenConfigReport, GenConfigError> {
    let peers: Vec<Peer> = parse_peers(&options.peers).map_err(GenConfigError::Peers)?;
    if peers.is_empty() {
        return Err(GenConfigError::Peers(ConfigError::Missing {
            key: "dLegerPeers",
            reason: "gen-config needs at least one peer",
        }));
    }
    if let Some(bad) = peers
        .iter()
        .find(|p| broker::config::dledger_broker_id(&p.id).is_none())
    {
        return Err(GenConfigError::PeerId(bad.id.clone()));
    }
    let (source, source_config) = match &options.from {
        Some(path) => {
            let (entries, config) = source_entries(path)?;
            (entries, Some(config))
        }
        None => (Vec::new(), None),
    };
    let cluster = options
        .cluster
        .clone()
        .or_else(|| source_config.as_ref().map(|c| c.broker_cluster_name.clone()))
        .unwrap_or_else(|| "DefaultCluster".to_owned());
    let group = options
        .group
        .clone()
        .or_else(|| source_config.as_ref().map(|c| c.broker_name.clone()))
        .unwrap_or_else(broker::config::local_host_name);
    let root = options
        .store_root
        .clone()
        .or_else(|| source_config.as_ref().map(|c| c.store_path_root_dir.clone()))
        .unwrap_or_else(|| BrokerConfig::default().store_path_root_dir);
    let root = root.trim_end_matches('/').to_owned();
    let namesrv = options
        .namesrv
        .clone()
        .or_else(|| source_config.as_ref().and_then(|c| c.namesrv_addr.clone()));
    let ports = listen_ports(options, source_config.as_ref(), peers.len())?;
    let host = |p: &Peer| {
        p.addr
            .rsplit_once(':')
            .map_or(p.addr.clone(), |(h, _)| h.to_owned())
    };
    let one_host = peers.iter().all(|p| host(p) == host(&peers[0]));
    // Absolute: every node reads it from its own working directory.
    let token_file = match &options.peer_token_file {
        Some(p) if p.is_relative() => Some(
            std::env::current_dir()
                .map_err(|source| GenConfigError::Io {
                    action: "resolve the current directory for",
                    path: p.clone(),
                    source,
                })?
                .join(p),
        ),
        other => other.clone(),
    };

    let mut files = Vec::with_capacity(peers.len());
    for (i, (peer, port)) in peers.iter().zip(ports).enumerate() {
        let node_root = format!("{root}/node{i:02}");
        let replacements: [(&str, Option<String>); 6] = [
            ("brokerClusterName", Some(cluster.clone())),
            ("brokerName", Some(group.clone())),
            ("listenPort", Some(port.to_string())),
            ("namesrvAddr", namesrv.clone()),
            ("storePathRootDir", Some(node_root.clone())),
            ("storePathCommitLog", Some(format!("{node_root}/commitlog"))),
        ];
        let mut w = PropertiesWriter::new();
        match &options.from {
            Some(path) => w.comment(&format!(
                "Generated by mqadmin gen-config from {}: node {} of DLedger group {group}.",
                path.display(),
                peer.id
            )),
            None => w.comment(&format!(
                "Generated by mqadmin gen-config: node {} of DLedger group {group}.",
                peer.id
            )),
        };
        w.blank_line();
        let mut written: Vec<&str> = Vec::new();
        for (key, value) in &source {
            if DROPPED_KEYS.contains(&key.as_str()) {
                continue;
            }
            match replacements.iter().find(|(k, _)| k == key) {
                Some((k, Some(new))) => {
                    w.entry(k, new);
                    written.push(k);
                }
                _ => {
                    w.entry(key, value);
                }
            }
        }
        for (key, value) in &replacements {
            if let (false, Some(value)) = (written.contains(key), value) {
                w.entry(key, value);
            }
        }
        w.entry("enableDLegerCommitLog", "true")
            .entry("dLegerGroup", &group)
            .entry("dLegerPeers", &options.peers)
            .entry("dLegerSelfId", &peer.id);
        if let Some(token) = &token_file {
            w.entry("dLegerPeerTokenFile", &token.display().to_string());
        }
        if options.from.is_none() {
            // From scratch: the tuning of the shipped samples (a derived config keeps its own).
            w.entry("sendMessageThreadPoolNums", SEND_MESSAGE_THREADS);
            if one_host {
                w.entry("serverWorkerThreads", ONE_HOST_WORKER_THREADS);
            }
        }
        let text = w.finish();
        let name = format!("broker-{}.conf", peer.id);
        check(&name, &text)?;
        files.push(GeneratedFile {
            path: options.out_dir.join(&name),
            self_id: peer.id.clone(),
            listen_port: port,
            store_root: node_root,
            text,
        });
    }
    Ok(GenConfigReport {
        group,
        written: false,
        files,
        peer_token_file: token_file,
        peer_token_created: false,
    })
}

/// The DLedger config of one node of an upgraded group, derived *in place* from that node's own
/// Master/Slave config text: every key is kept in order (its listenPort, store paths and tuning
/// stay as they were) except the dropped role keys; brokerClusterName and brokerName are set to
/// the group's, and the DLedger keys are appended. Used by `upgrade-group`, where each node keeps
/// its own file.
///
/// # Errors
/// [`GenConfigError::Source`] if `source_text` does not parse, [`GenConfigError::Invalid`] if the
/// result does not validate.
pub fn derive_node_text(
    source_name: &str,
    source_text: &str,
    cluster: &str,
    group: &str,
    peers: &str,
    self_id: &str,
) -> Result<String, GenConfigError> {
    let props = properties::parse(source_text).map_err(|e| GenConfigError::Source {
        path: PathBuf::from(source_name),
        source: ConfigError::Syntax {
            location: broker::config::Location {
                file: Some(PathBuf::from(source_name)),
                line: e.line,
            },
            message: e.message,
        },
    })?;
    let mut entries: Vec<(String, String)> = Vec::new();
    for p in props {
        match entries.iter_mut().find(|(k, _)| *k == p.key) {
            Some(entry) => entry.1 = p.value,
            None => entries.push((p.key, p.value)),
        }
    }
    let mut w = PropertiesWriter::new();
    w.comment(&format!(
        "Upgraded to DLedger by mqadmin upgrade-group: node {self_id} of group {group} (was {source_name})."
    ));
    w.blank_line();
    let mut seen = (false, false);
    for (key, value) in &entries {
        match key.as_str() {
            k if DROPPED_KEYS.contains(&k) => {}
            "brokerClusterName" => {
                w.entry(key, cluster);
                seen.0 = true;
            }
            "brokerName" => {
                w.entry(key, group);
                seen.1 = true;
            }
            _ => {
                w.entry(key, value);
            }
        }
    }
    if !seen.0 {
        w.entry("brokerClusterName", cluster);
    }
    if !seen.1 {
        w.entry("brokerName", group);
    }
    w.entry("enableDLegerCommitLog", "true")
        .entry("dLegerGroup", group)
        .entry("dLegerPeers", peers)
        .entry("dLegerSelfId", self_id);
    let text = w.finish();
    check(source_name, &text)?;
    Ok(text)
}

fn listen_ports(
    options: &GenConfigOptions,
    source: Option<&BrokerConfig>,
    peers: usize,
) -> Result<Vec<u16>, GenConfigError> {
    if !options.listen_ports.is_empty() {
        if options.listen_ports.len() != peers {
            return Err(GenConfigError::PortCount {
                ports: options.listen_ports.len(),
                peers,
            });
        }
        return Ok(options.listen_ports.clone());
    }
    let base = source.map_or(DEFAULT_BASE_PORT, |c| c.listen_port);
    (0..peers)
        .map(|i| {
            u16::try_from(i)
                .ok()
                .and_then(|i| i.checked_mul(PORT_STEP))
                .and_then(|off| base.checked_add(off))
                .ok_or(GenConfigError::PortOverflow {
                    base,
                    step: PORT_STEP,
                })
        })
        .collect()
}

/// Loads `text` as `mqbroker -c` would and validates it.
fn check(name: &str, text: &str) -> Result<(), GenConfigError> {
    let invalid = |source| GenConfigError::Invalid {
        file: name.to_owned(),
        source,
    };
    let props = properties::parse(text).map_err(|e| {
        invalid(ConfigError::Syntax {
            location: broker::config::Location {
                file: None,
                line: e.line,
            },
            message: e.message,
        })
    })?;
    let (mut config, _) = BrokerConfig::from_properties(&props, None).map_err(invalid)?;
    config.validate().map_err(invalid)?;
    Ok(())
}

/// Writes the planned files, creating the output directory. Nothing is written if any file exists
/// and `force` is off.
///
/// # Errors
/// [`GenConfigError::Exists`] or [`GenConfigError::Io`].
pub fn write(report: &mut GenConfigReport, force: bool) -> Result<(), GenConfigError> {
    if !force {
        let existing: Vec<PathBuf> = report
            .files
            .iter()
            .filter(|f| f.path.exists())
            .map(|f| f.path.clone())
            .collect();
        if !existing.is_empty() {
            return Err(GenConfigError::Exists(existing));
        }
    }
    for file in &report.files {
        if let Some(dir) = file.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| GenConfigError::Io {
                action: "create directory",
                path: dir.to_owned(),
                source,
            })?;
        }
        let mut open = std::fs::OpenOptions::new();
        open.write(true);
        if force {
            open.create(true).truncate(true);
        } else {
            // Closes the race between the check above and this write.
            open.create_new(true);
        }
        let io = |action| {
            let path = file.path.clone();
            move |source| GenConfigError::Io { action, path, source }
        };
        let mut f = open.open(&file.path).map_err(io("create"))?;
        std::io::Write::write_all(&mut f, file.text.as_bytes()).map_err(io("write"))?;
    }
    if let Some(path) = &report.peer_token_file {
        report.peer_token_created = ensure_peer_token(path)?;
    }
    report.written = true;
    Ok(())
}

/// Creates the peer token file with 32 random bytes as hex and mode 0600, unless it exists and
/// holds a usable token. Returns whether it was created.
fn ensure_peer_token(path: &Path) -> Result<bool, GenConfigError> {
    let io = |action| {
        let path = path.to_owned();
        move |source| GenConfigError::Io { action, path, source }
    };
    if path.exists() {
        broker::raft::peer_auth::PeerToken::load(path).map_err(GenConfigError::PeerToken)?;
        return Ok(false);
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io("create directory"))?;
    }
    let mut secret = [0u8; 32];
    rand::Rng::fill(&mut rand::thread_rng(), &mut secret);
    let mut open = std::fs::OpenOptions::new();
    open.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut open, 0o600);
    let mut f = open.open(path).map_err(io("create"))?;
    std::io::Write::write_all(&mut f, format!("{}\n", hex::encode(secret)).as_bytes())
        .map_err(io("write"))?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derive_node_text_keeps_the_node_keys_and_drops_the_role() {
        let source = "# master\nbrokerClusterName=Old\nbrokerName=broker-a\nbrokerId=0\n\
                      brokerRole=ASYNC_MASTER\nlistenPort=10911\nstorePathRootDir=/data/a\n\
                      deleteWhen=04\n";
        let text = derive_node_text("a.conf", source, "C", "broker-a", "n0-h:1;n1-h:2;n2-h:3", "n1").unwrap();
        let props = properties::parse(&text).unwrap();
        let get = |k: &str| props.iter().rev().find(|p| p.key == k).map(|p| p.value.clone());
        assert_eq!(get("listenPort").as_deref(), Some("10911"));
        assert_eq!(get("storePathRootDir").as_deref(), Some("/data/a"));
        assert_eq!(get("deleteWhen").as_deref(), Some("04"));
        assert_eq!(get("brokerClusterName").as_deref(), Some("C"));
        assert_eq!(get("dLegerSelfId").as_deref(), Some("n1"));
        assert_eq!(get("dLegerGroup").as_deref(), Some("broker-a"));
        assert_eq!(get("enableDLegerCommitLog").as_deref(), Some("true"));
        assert_eq!(get("brokerId"), None);
        assert_eq!(get("brokerRole"), None);
    }
}
