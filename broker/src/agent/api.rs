//! The agent's wire types: the JSON bodies of its answers and the names of its query parameters,
//! shared by the server ([`super::routes`]) and `mqadmin`'s remote node so both sides agree on
//! one definition. Data (file ranges, config text) travels as raw bytes, never as JSON.
//!
//! Endpoints (every one needs `Authorization: Bearer <token>`; `{b}` is a broker name given to
//! the agent with `--broker NAME=CONFIG`; `area` is `commit_log` or `root`; `path` is relative to
//! the area):
//!
//! | method | path | answer |
//! |---|---|---|
//! | GET | `/v1/brokers/{b}` | [`BrokerInfo`] |
//! | GET | `/v1/brokers/{b}/tree?area&path` | `[`[`FileEntry`]`]` (regular files, recursively) |
//! | GET | `/v1/brokers/{b}/stat?area&path` | [`FileStat`] (404 if missing) |
//! | GET | `/v1/brokers/{b}/md5?area&path&start&end` | [`Digest`], computed on the agent |
//! | GET | `/v1/brokers/{b}/file?area&path&start&end` | the bytes, streamed |
//! | PUT | `/v1/brokers/{b}/file?area&path&offset` | body written at `offset`; [`FileStat`] |
//! | DELETE | `/v1/brokers/{b}/file?area&path` | file or tree removed (missing is fine) |
//! | POST | `/v1/brokers/{b}/finish?area&path&len` | length set (zero-extended), fsync |
//! | POST | `/v1/brokers/{b}/rename?area&from&to` | renamed within the area (directories created) |
//! | POST | `/v1/brokers/{b}/pull?area&path&start&end&len&source&source_broker[&source_path&rate]` | [`Pulled`]: the range fetched from another agent's `file` endpoint, written here; body: the [`AgentTrust`](super::tls::AgentTrust) for an `https://` source (JSON, empty for plain) |
//! | GET | `/v1/brokers/{b}/config[?backup=PATH]` | the config (or a backup's) text |
//! | PUT | `/v1/brokers/{b}/config` | config replaced (`durable::write_atomic`: temp file, fsync, rename, directory fsync) |
//! | POST | `/v1/brokers/{b}/config/backup?suffix` | [`BackupInfo`] (`<config><suffix>`) |
//! | POST | `/v1/brokers/{b}/config/restore?backup=PATH` | the backup put back |
//! | GET | `/v1/brokers/{b}/acl` | the text of the plain_acl.yml the config names (404 if missing) |
//! | PUT | `/v1/brokers/{b}/acl` | that file written (must parse as the broker parses it; directory created; atomic) |
//! | GET | `/v1/brokers/{b}/process` | [`ProcessInfo`] |
//! | POST | `/v1/brokers/{b}/start` | [`ProcessInfo`]: the configured start only |
//! | POST | `/v1/brokers/{b}/stop?timeout_secs` | [`ProcessInfo`]: the configured stop only |
//! | GET | `/v1/ports/{port}` | [`PortInfo`]: can this machine bind it |

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Where a relative path lives in a broker's store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    /// The commitlog directory (`storePathCommitLog`, else `<storePathRootDir>/commitlog`).
    CommitLog,
    /// The store root (`storePathRootDir`).
    Root,
}

impl Area {
    /// The query-string form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CommitLog => "commit_log",
            Self::Root => "root",
        }
    }
}

/// A broker the agent serves, as its config says now.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BrokerInfo {
    /// The name given with `--broker NAME=CONFIG`.
    pub name: String,
    /// The config file on the agent's machine.
    pub config: PathBuf,
    /// `storePathRootDir`.
    pub store_root: PathBuf,
    /// The commitlog directory.
    pub commitlog_dir: PathBuf,
    /// The store's `lock` file.
    pub lock_file: PathBuf,
    /// Whether a running broker holds the lock.
    pub locked: bool,
    /// Bytes free for an unprivileged user on the store's file system.
    pub free_space: u64,
}

/// A regular file under an area.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Path relative to the area, `/`-separated.
    pub rel: String,
    /// Size in bytes.
    pub size: u64,
    /// Last modification time in nanoseconds since the Unix epoch (what tells `upgrade-group`
    /// that a file it copied ahead of the downtime was written since).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mtime_ns: Option<u64>,
}

/// The size of one file (what a resumed upload continues from).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileStat {
    /// Size in bytes.
    pub size: u64,
}

/// The md5 of a byte range and where its non-zero data starts and ends (commitlog files are
/// preallocated with zeros, so this gives the written length without a download).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Digest {
    /// md5 of the bytes read, lower-case hex.
    pub md5: String,
    /// Number of bytes hashed (the range clamped to the file size).
    pub len: u64,
    /// File position of the first non-zero byte in the range.
    pub first_nonzero: Option<u64>,
    /// File position just after the last non-zero byte in the range.
    pub data_end: Option<u64>,
}

/// What a `pull` wrote: the md5 of the bytes it received (hashed as they were written, so the
/// source was read once) and how many there were.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pulled {
    /// md5 of the received range, lower-case hex.
    pub md5: String,
    /// Bytes received.
    pub len: u64,
    /// How many times the download was resumed after a broken connection.
    pub resumed: u32,
}

/// Where a config backup was written.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BackupInfo {
    /// The backup's path on the agent's machine.
    pub backup: PathBuf,
}

/// A broker's process state, and what a start or stop did.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProcessInfo {
    /// `running`, `not running`, `started`, `stopped`, `killed`.
    pub action: String,
    /// The pids involved (our `mqbroker` processes naming this config with `-c`).
    pub pids: Vec<u32>,
    /// Whether the store lock is held after the action.
    pub locked: bool,
    /// The log file a start appends to.
    pub log: Option<PathBuf>,
}

/// Whether a TCP port can be bound on the agent's machine.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct PortInfo {
    /// The port.
    pub port: u16,
    /// Whether `0.0.0.0:port` could be bound.
    pub free: bool,
}

/// The body of every error answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: String,
}
