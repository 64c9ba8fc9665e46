//! Typed broker and name-server configuration, read from Java-style properties files.
//!
//! Operators bring their existing `broker.conf`, `2m-2s-*` and `dledger/broker-n*.conf` files, so
//! the keys, their exact spelling (including DLedger's `dLegerGroup`) and their defaults follow
//! Apache RocketMQ 4.x. Where Java silently ignores a bad value or an unknown key, we return a
//! [`ConfigError`] or a [`ConfigWarning`] naming the file, line and key instead. The library never
//! prints: callers decide what to do with warnings.
//!
//! The flow mirrors `BrokerStartup`: load the file ([`BrokerConfig::from_properties_file`]), apply
//! command-line overrides ([`BrokerConfig::set`]), then [`BrokerConfig::validate`], which also makes
//! the adjustments Java makes at start-up (brokerId forced by role or DLedger mode, haListenPort
//! forced to listenPort + 1).

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::properties::{self, Property};
use crate::store::format::CQ_UNIT_SIZE;
/// When the commit log is flushed to disk (`flushDiskType`): the store's own type, so that the
/// broker config and the store agree on one enum and the store needs no broker config.
pub use crate::store::FlushDiskType;

/// Where a configuration value came from: a file (if known) and a 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file as the caller named it; `None` for text parsed from memory.
    pub file: Option<PathBuf>,
    /// The 1-based line of the entry.
    pub line: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.file {
            Some(file) => write!(f, "{}:{}", file.display(), self.line),
            None => write!(f, "line {}", self.line),
        }
    }
}

/// A configuration problem that stops the server from starting.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The config file could not be read.
    #[error("failed to read config file `{}`", path.display())]
    Io {
        /// The file we tried to read.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid properties text (only a malformed `\uXXXX` escape does this).
    #[error("{location}: {message}")]
    Syntax {
        /// Where the bad entry starts.
        location: Location,
        /// What is wrong.
        message: String,
    },
    /// A value does not parse as its key's type. `location` is `None` for command-line overrides.
    #[error(
        "{}invalid value for {key}: {value:?} (expected {expected})",
        prefix(location)
    )]
    InvalidValue {
        /// Where the entry is, if it came from a file.
        location: Option<Location>,
        /// The key, as written.
        key: String,
        /// The value, as written.
        value: String,
        /// What the key accepts, e.g. "an integer".
        expected: &'static str,
    },
    /// Values that parse but are not acceptable, alone or together (found by `validate`).
    #[error("invalid {key} {value:?}: {reason}")]
    Invalid {
        /// The key at fault.
        key: &'static str,
        /// Its value, rendered as in `print_all`.
        value: String,
        /// Why it is rejected.
        reason: String,
    },
    /// A key that the chosen mode requires is not set.
    #[error("{key} must be set {reason}")]
    Missing {
        /// The missing key.
        key: &'static str,
        /// When it is required, e.g. "when enableDLegerCommitLog=true".
        reason: &'static str,
    },
    /// An error found by `validate`, with the file and line of the key it names (the key, or for
    /// a missing key the entry that requires it).
    #[error("{location}: {source}")]
    Located {
        /// The entry at fault.
        location: Location,
        /// What is wrong with it.
        #[source]
        source: Box<ConfigError>,
    },
    /// A SLAVE with brokerId <= 0; Java prints the same text and exits -3.
    #[error("Slave's brokerId must be > 0 (brokerId={broker_id})")]
    SlaveBrokerId {
        /// The configured brokerId.
        broker_id: i64,
    },
}

fn prefix(location: &Option<Location>) -> String {
    location.as_ref().map(|l| format!("{l}: ")).unwrap_or_default()
}

/// Something suspicious in a configuration that does not stop the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigWarning {
    /// A key this server does not know; Java ignores it silently, often hiding a typo.
    UnknownKey {
        /// Where it is.
        location: Location,
        /// The key, as written.
        key: String,
    },
    /// A key set more than once; the last value wins, as in Java.
    DuplicateKey {
        /// Where the later (winning) entry is.
        location: Location,
        /// The key.
        key: String,
        /// The line of the earlier entry.
        first_line: usize,
    },
    /// A text value ends in whitespace, which Java (and we) keep as part of the value.
    TrailingWhitespace {
        /// Where it is.
        location: Location,
        /// The key.
        key: String,
    },
    /// A configured haListenPort that is replaced by listenPort + 1, as RocketMQ 4.x does.
    HaListenPortOverridden {
        /// The configured value.
        configured: u16,
        /// The value used.
        effective: u16,
    },
    /// A configured brokerId that the role or DLedger mode replaces.
    BrokerIdOverridden {
        /// The configured value.
        configured: i64,
        /// The value used.
        effective: i64,
        /// Why, e.g. "masters always use brokerId 0".
        reason: &'static str,
    },
    /// A DLedger group with fewer than 3 peers cannot survive the loss of any node.
    FewDLedgerPeers {
        /// The number of peers configured.
        count: usize,
    },
}

impl fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownKey { location, key } => write!(f, "{location}: unknown key {key} (ignored)"),
            Self::DuplicateKey {
                location,
                key,
                first_line,
            } => {
                write!(
                    f,
                    "{location}: {key} is also set on line {first_line}; this later value wins"
                )
            }
            Self::TrailingWhitespace { location, key } => {
                write!(
                    f,
                    "{location}: the value of {key} ends in whitespace, which is kept"
                )
            }
            Self::HaListenPortOverridden {
                configured,
                effective,
            } => write!(
                f,
                "haListenPort={configured} is ignored; it is always listenPort + 1 = {effective}"
            ),
            Self::BrokerIdOverridden {
                configured,
                effective,
                reason,
            } => {
                write!(
                    f,
                    "brokerId={configured} is ignored and set to {effective}: {reason}"
                )
            }
            Self::FewDLedgerPeers { count } => write!(
                f,
                "dLegerPeers has only {count} peer(s); at least 3 are needed to survive a node failure"
            ),
        }
    }
}

/// Where each key of a config was read from, so that `validate` can name the file and line of
/// the entry at fault. It is bookkeeping, not configuration: it never makes two configs unequal.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    file: Option<PathBuf>,
    /// The line of the winning entry of each key (current spelling).
    lines: std::collections::HashMap<&'static str, usize>,
}

impl PartialEq for Origin {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Origin {
    /// The location of `key`'s entry, if it came from a file or text.
    pub fn location(&self, key: &str) -> Option<Location> {
        self.lines.get(key).map(|&line| Location {
            file: self.file.clone(),
            line,
        })
    }

    /// Attaches the location of the key `error` names; a missing DLedger key is located at the
    /// `enableDLegerCommitLog` entry that requires it. Other errors are returned unchanged.
    pub fn locate(&self, error: ConfigError) -> ConfigError {
        let location = match &error {
            ConfigError::Invalid { key, .. } => self.location(key),
            ConfigError::Missing { key, .. } => self
                .location(key)
                .or_else(|| self.location("enableDLegerCommitLog")),
            ConfigError::SlaveBrokerId { .. } => {
                self.location("brokerId").or_else(|| self.location("brokerRole"))
            }
            _ => None,
        };
        match location {
            Some(location) => ConfigError::Located {
                location,
                source: Box::new(error),
            },
            None => error,
        }
    }
}

/// The replication role of a Master/Slave broker (`brokerRole`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BrokerRole {
    /// Master that acknowledges a send before slaves have it.
    AsyncMaster,
    /// Master that acknowledges a send only after a slave has it.
    SyncMaster,
    /// Read-only replica of a master.
    Slave,
}

impl BrokerRole {
    /// The Java enum name, as written in config files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AsyncMaster => "ASYNC_MASTER",
            Self::SyncMaster => "SYNC_MASTER",
            Self::Slave => "SLAVE",
        }
    }
}

/// How a field type is read from and printed to a properties value.
trait ConfigValue: Sized {
    /// What the value must look like, for error messages.
    const EXPECTED: &'static str;
    /// Free text, kept verbatim (so trailing whitespace is worth a warning).
    const IS_TEXT: bool = false;
    fn parse_value(raw: &str) -> Option<Self>;
    fn render(&self) -> String;
}

impl ConfigValue for String {
    const EXPECTED: &'static str = "text";
    const IS_TEXT: bool = true;
    fn parse_value(raw: &str) -> Option<Self> {
        Some(raw.to_owned())
    }
    fn render(&self) -> String {
        self.clone()
    }
}

/// Empty means unset (Java's null); printed as an empty value.
impl ConfigValue for Option<String> {
    const EXPECTED: &'static str = "text";
    const IS_TEXT: bool = true;
    fn parse_value(raw: &str) -> Option<Self> {
        Some(if raw.trim().is_empty() {
            None
        } else {
            Some(raw.to_owned())
        })
    }
    fn render(&self) -> String {
        self.clone().unwrap_or_default()
    }
}

/// Stricter than Java's `Boolean.parseBoolean`, which reads any typo as false.
impl ConfigValue for bool {
    const EXPECTED: &'static str = "true or false";
    fn parse_value(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        if raw.eq_ignore_ascii_case("true") {
            Some(true)
        } else if raw.eq_ignore_ascii_case("false") {
            Some(false)
        } else {
            None
        }
    }
    fn render(&self) -> String {
        self.to_string()
    }
}

macro_rules! int_value {
    ($($ty:ty => $expected:literal),* $(,)?) => {$(
        impl ConfigValue for $ty {
            const EXPECTED: &'static str = $expected;
            fn parse_value(raw: &str) -> Option<Self> {
                raw.trim().parse().ok()
            }
            fn render(&self) -> String {
                self.to_string()
            }
        }
    )*};
}

int_value! {
    i32 => "an integer",
    i64 => "an integer",
    u16 => "an integer from 0 to 65535",
    u32 => "a non-negative integer",
    u64 => "a non-negative integer",
}

impl ConfigValue for BrokerRole {
    const EXPECTED: &'static str = "ASYNC_MASTER, SYNC_MASTER or SLAVE";
    fn parse_value(raw: &str) -> Option<Self> {
        [Self::AsyncMaster, Self::SyncMaster, Self::Slave]
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(raw.trim()))
    }
    fn render(&self) -> String {
        self.as_str().to_owned()
    }
}

impl ConfigValue for FlushDiskType {
    const EXPECTED: &'static str = "ASYNC_FLUSH or SYNC_FLUSH";
    fn parse_value(raw: &str) -> Option<Self> {
        [Self::AsyncFlush, Self::SyncFlush]
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(raw.trim()))
    }
    fn render(&self) -> String {
        self.as_str().to_owned()
    }
}

/// Result of setting one key: unknown key, or a parse failure with what was expected.
enum SetOutcome {
    /// Set; carries the current spelling of the key, so old spellings count as duplicates.
    Set(&'static str),
    Unknown,
    Invalid(&'static str),
}

/// What the generic loader needs from a config struct.
trait ConfigFields: Default {
    fn set_raw(&mut self, key: &str, raw: &str) -> SetOutcome;
    /// Whether the key holds free text (for the trailing-whitespace warning).
    fn is_text(key: &str) -> bool;
}

fn set_field<T: ConfigValue>(key: &'static str, field: &mut T, raw: &str) -> SetOutcome {
    match T::parse_value(raw) {
        Some(v) => {
            *field = v;
            SetOutcome::Set(key)
        }
        None => SetOutcome::Invalid(T::EXPECTED),
    }
}

/// Declares a config struct once: fields with docs, property key (plus old spellings), default,
/// and whether `-m` prints it. Generates the struct, `Default`, key lookup and the printers, so the
/// declaration order is the print order.
macro_rules! config_struct {
    (
        $(#[$smeta:meta])*
        pub struct $name:ident {
            $(
                $(#[doc = $doc:literal])*
                #[key = $key:literal $(, alias = $alias:literal)* $(, important = $imp:literal)?]
                $field:ident : $ty:ty = $default:expr,
            )*
        }
    ) => {
        $(#[$smeta])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name {
            $(
                $(#[doc = $doc])*
                pub $field: $ty,
            )*
            /// Where each key was read from (not a config key); errors of `validate` use it to
            /// name the file and line. Default: empty.
            pub origin: Origin,
        }

        impl Default for $name {
            fn default() -> Self {
                Self { $($field: $default,)* origin: Origin::default() }
            }
        }

        impl ConfigFields for $name {
            fn set_raw(&mut self, key: &str, raw: &str) -> SetOutcome {
                match key {
                    $($key $(| $alias)* => set_field($key, &mut self.$field, raw),)*
                    _ => SetOutcome::Unknown,
                }
            }
            fn is_text(key: &str) -> bool {
                match key {
                    $($key $(| $alias)* => <$ty as ConfigValue>::IS_TEXT,)*
                    _ => false,
                }
            }
        }

        impl $name {
            /// Every property key this struct accepts (current spellings), in declaration order.
            pub const KEYS: &'static [&'static str] = &[$($key),*];

            /// Every field as `(key, value)` in declaration order, like Java's `-p`; an unset
            /// value is printed empty, as Java prints null.
            pub fn print_all(&self) -> Vec<(String, String)> {
                vec![$(($key.to_owned(), ConfigValue::render(&self.$field)),)*]
            }

            /// The fields Java (4.9) marks `@ImportantField`, plus `listenPort`, as `(key, value)`
            /// in declaration order, like Java's `-m`.
            pub fn print_important(&self) -> Vec<(String, String)> {
                let mut out = Vec::new();
                $(
                    if false $(|| $imp)? {
                        out.push(($key.to_owned(), ConfigValue::render(&self.$field)));
                    }
                )*
                out
            }

            /// Loads a properties file on top of the defaults. Does not call `validate`, so that
            /// command-line overrides can be applied first.
            ///
            /// # Errors
            /// [`ConfigError::Io`] if the file cannot be read, [`ConfigError::Syntax`] for a
            /// malformed escape, [`ConfigError::InvalidValue`] for a value of the wrong type.
            pub fn from_properties_file(
                path: impl AsRef<Path>,
            ) -> Result<(Self, Vec<ConfigWarning>), ConfigError> {
                let path = path.as_ref();
                let bytes = std::fs::read(path)
                    .map_err(|source| ConfigError::Io { path: path.to_owned(), source })?;
                let props = properties::parse_bytes(&bytes).map_err(|e| ConfigError::Syntax {
                    location: Location { file: Some(path.to_owned()), line: e.line },
                    message: e.message,
                })?;
                Self::from_properties(&props, Some(path))
            }

            /// Builds a config from parsed properties on top of the defaults; `file` only names
            /// the source in errors and warnings. Does not call `validate`.
            ///
            /// # Errors
            /// [`ConfigError::InvalidValue`] for a value of the wrong type.
            pub fn from_properties(
                props: &[Property],
                file: Option<&Path>,
            ) -> Result<(Self, Vec<ConfigWarning>), ConfigError> {
                let mut config = Self::default();
                let (warnings, lines) = apply_properties(&mut config, props, file)?;
                config.origin = Origin { file: file.map(Path::to_owned), lines };
                Ok((config, warnings))
            }

            /// Sets one key from text, as a command-line override would (e.g. `-n`). Returns
            /// `false` if the key is unknown (nothing changes).
            ///
            /// # Errors
            /// [`ConfigError::InvalidValue`] (without a location) if the value does not parse.
            pub fn set(&mut self, key: &str, value: &str) -> Result<bool, ConfigError> {
                match self.set_raw(key, value) {
                    SetOutcome::Set(canonical) => {
                        // The value no longer comes from the file.
                        self.origin.lines.remove(canonical);
                        Ok(true)
                    }
                    SetOutcome::Unknown => Ok(false),
                    SetOutcome::Invalid(expected) => Err(ConfigError::InvalidValue {
                        location: None,
                        key: key.to_owned(),
                        value: value.to_owned(),
                        expected,
                    }),
                }
            }
        }
    };
}

/// The warnings, and the line of the winning entry of each key (by current spelling).
type Applied = (Vec<ConfigWarning>, std::collections::HashMap<&'static str, usize>);

fn apply_properties<C: ConfigFields>(
    config: &mut C,
    props: &[Property],
    file: Option<&Path>,
) -> Result<Applied, ConfigError> {
    let mut warnings = Vec::new();
    let mut seen: std::collections::HashMap<&'static str, usize> = std::collections::HashMap::new();
    for p in props {
        let location = Location {
            file: file.map(Path::to_owned),
            line: p.line,
        };
        let canonical = match config.set_raw(&p.key, &p.value) {
            SetOutcome::Set(canonical) => canonical,
            SetOutcome::Unknown => {
                warnings.push(ConfigWarning::UnknownKey {
                    location,
                    key: p.key.clone(),
                });
                continue;
            }
            SetOutcome::Invalid(expected) => {
                return Err(ConfigError::InvalidValue {
                    location: Some(location),
                    key: p.key.clone(),
                    value: p.value.clone(),
                    expected,
                })
            }
        };
        if let Some(first_line) = seen.insert(canonical, p.line) {
            warnings.push(ConfigWarning::DuplicateKey {
                location: location.clone(),
                key: p.key.clone(),
                first_line,
            });
        }
        if C::is_text(&p.key) && p.value.ends_with(|c: char| c.is_whitespace()) {
            warnings.push(ConfigWarning::TrailingWhitespace {
                location,
                key: p.key.clone(),
            });
        }
    }
    Ok((warnings, seen))
}

/// A non-blank environment variable.
fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|s| !s.trim().is_empty())
}

/// `$HOME`, as Java's `user.home`; `.` if unset.
fn home_dir() -> String {
    std::env::var("HOME")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| ".".to_owned())
}

fn default_store_root() -> String {
    format!("{}/store", home_dir())
}

/// This host's name, as Java's `InetAddress.getLocalHost().getHostName()`; `DEFAULT_BROKER`
/// (Java's fallback) if it cannot be read.
pub fn local_host_name() -> String {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| {
        let mut buf = [0u8; 256];
        // SAFETY: gethostname writes at most buf.len() bytes into buf, which we own.
        let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
        let len = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
        match std::str::from_utf8(&buf[..len]) {
            Ok(name) if rc == 0 && !name.is_empty() => name.to_owned(),
            _ => "DEFAULT_BROKER".to_owned(),
        }
    })
    .clone()
}

/// The local non-loopback IPv4 address that routes outwards, or `127.0.0.1`.
///
/// Connecting a UDP socket sends nothing; it only makes the kernel pick a source address. The
/// target is in TEST-NET-1 (RFC 5737), so no real host is ever involved.
pub fn local_ipv4() -> String {
    static IP: OnceLock<String> = OnceLock::new();
    IP.get_or_init(|| {
        let probe = || -> std::io::Result<SocketAddr> {
            let socket = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0))?;
            socket.connect((Ipv4Addr::new(192, 0, 2, 1), 9))?;
            socket.local_addr()
        };
        match probe() {
            Ok(SocketAddr::V4(a)) if !a.ip().is_loopback() && !a.ip().is_unspecified() => a.ip().to_string(),
            _ => Ipv4Addr::LOCALHOST.to_string(),
        }
    })
    .clone()
}

fn cpus() -> u32 {
    std::thread::available_parallelism().map_or(1, |n| u32::try_from(n.get()).unwrap_or(u32::MAX))
}

/// Our default for `dLegerHeartbeatIntervalMs`.
pub const DEFAULT_DLEDGER_HEARTBEAT_INTERVAL_MS: u64 = 100;
/// Our default for `dLegerElectionTimeoutMinMs`.
pub const DEFAULT_DLEDGER_ELECTION_TIMEOUT_MIN_MS: u64 = 300;
/// Our default for `dLegerElectionTimeoutMaxMs`.
pub const DEFAULT_DLEDGER_ELECTION_TIMEOUT_MAX_MS: u64 = 600;
/// Our default for `maxFrameBytes`: 16 MiB, enough for a 4 MiB message plus batch overhead.
pub const DEFAULT_MAX_FRAME_BYTES: u32 = 16 * 1024 * 1024;
/// Our default for `maxConnections`.
pub const DEFAULT_MAX_CONNECTIONS: u32 = 10_000;
/// Our default for `maxRequestsInFlightPerConnection`.
pub const DEFAULT_MAX_REQUESTS_IN_FLIGHT_PER_CONNECTION: u32 = 4096;
/// Java's default for `serverChannelMaxIdleTimeSeconds`.
pub const DEFAULT_SERVER_CHANNEL_MAX_IDLE_TIME_SECONDS: u64 = 120;

config_struct! {
    /// Everything `mqbroker` reads from its `-c` file: Java's BrokerConfig, NettyServerConfig and
    /// MessageStoreConfig keys in one struct, plus a few keys of our own (marked as such).
    pub struct BrokerConfig {
        /// The RocketMQ installation directory; unused by this broker and accepted so that Java
        /// configs load without warnings. Default: the `ROCKETMQ_HOME` environment variable.
        #[key = "rocketmqHome"]
        rocketmq_home: Option<String> = env_var("ROCKETMQ_HOME"),
        /// Name-server addresses separated by `;`. Default: the `NAMESRV_ADDR` environment variable,
        /// else unset.
        #[key = "namesrvAddr", important = true]
        namesrv_addr: Option<String> = env_var("NAMESRV_ADDR"),
        /// The IP this broker registers for clients (`brokerAddr = brokerIP1:listenPort`).
        /// Default: the local non-loopback IPv4 address, else `127.0.0.1`.
        #[key = "brokerIP1", important = true]
        broker_ip1: String = local_ipv4(),
        /// The IP slaves use to reach this master's HA port. Default: as brokerIP1.
        #[key = "brokerIP2"]
        broker_ip2: String = local_ipv4(),
        /// The broker group name, shared by a master and its slaves (or a DLedger group).
        /// Default: the host name.
        #[key = "brokerName", important = true]
        broker_name: String = local_host_name(),
        /// The cluster the broker group belongs to. Default: `DefaultCluster`.
        #[key = "brokerClusterName", important = true]
        broker_cluster_name: String = "DefaultCluster".to_owned(),
        /// 0 for a master, > 0 for a slave; forced by `validate` (masters 0, DLedger -1).
        /// Default: `0`.
        #[key = "brokerId", important = true]
        broker_id: i64 = 0,
        /// Permission bits advertised to the name server (4 read, 2 write). Default: `6`.
        #[key = "brokerPermission"]
        broker_permission: i32 = 6,
        /// Queues per topic when a topic is auto-created. Default: `8`.
        #[key = "defaultTopicQueueNums"]
        default_topic_queue_nums: i32 = 8,
        /// Create a topic on first send instead of rejecting it. Default: `true`.
        #[key = "autoCreateTopicEnable", important = true]
        auto_create_topic_enable: bool = true,
        /// Create a subscription group on first use. Default: `true`.
        #[key = "autoCreateSubscriptionGroup", important = true]
        auto_create_subscription_group: bool = true,
        /// Create the message-trace system topic. Default: `false`.
        #[key = "traceTopicEnable", important = true]
        trace_topic_enable: bool = false,
        /// Threads for send requests (RocketMQ 4.x defaults to 1, 5.x to min(CPUs, 4)).
        /// Default: min(CPUs, 4).
        #[key = "sendMessageThreadPoolNums"]
        send_message_thread_pool_nums: u32 = cpus().min(4),
        /// Threads for pull requests. Default: 16 + 2 × CPUs.
        #[key = "pullMessageThreadPoolNums"]
        pull_message_thread_pool_nums: u32 = 16 + 2 * cpus(),
        /// Hold pull requests until messages arrive instead of returning empty. Default: `true`.
        #[key = "longPollingEnable"]
        long_polling_enable: bool = true,
        /// How long a pull is held when long polling is off, in ms. Default: `1000`.
        #[key = "shortPollingTimeMills"]
        short_polling_time_mills: u64 = 1000,
        /// Let consumers read from a slave when the master lags. Default: `false`.
        #[key = "slaveReadEnable"]
        slave_read_enable: bool = false,
        /// How often to re-register with every name server, in ms. Default: `30000`.
        #[key = "registerNameServerPeriod"]
        register_name_server_period: u64 = 30_000,
        /// Timeout of one register request, in ms. Default: `6000`.
        #[key = "registerBrokerTimeoutMills"]
        register_broker_timeout_mills: u64 = 6000,
        /// Register with the full topic list even when nothing changed. Default: `true`.
        #[key = "forceRegister"]
        force_register: bool = true,
        /// The remoting port for clients (the fast port is listenPort − 2). Default: `10911`.
        #[key = "listenPort", important = true]
        listen_port: u16 = 10911,
        /// The root of the store directory. Default: `~/store`.
        #[key = "storePathRootDir", important = true]
        store_path_root_dir: String = default_store_root(),
        /// The commit-log directory; see [`BrokerConfig::commit_log_dir`]. RocketMQ 4.x pins the
        /// default to `~/store/commitlog` whatever the root; 5.x follows the root, as we do.
        /// Default: unset, meaning `<storePathRootDir>/commitlog`.
        #[key = "storePathCommitLog", important = true]
        store_path_commit_log: Option<String> = None,
        /// Size of each commit-log file in bytes (spelled `mapedFileSizeCommitLog` up to 4.5.x).
        /// Default: `1073741824` (1 GiB).
        #[key = "mappedFileSizeCommitLog", alias = "mapedFileSizeCommitLog"]
        mapped_file_size_commit_log: u64 = 1024 * 1024 * 1024,
        /// Size of each consume-queue file in bytes, rounded up to a multiple of 20 by
        /// `validate`. Default: `6000000`.
        #[key = "mappedFileSizeConsumeQueue"]
        mapped_file_size_consume_queue: u64 = 300_000 * CQ_UNIT_SIZE as u64,
        /// Background flush interval of the commit log, in ms. Default: `500`.
        #[key = "flushIntervalCommitLog", important = true]
        flush_interval_commit_log: u64 = 500,
        /// Hours to keep commit-log files. Default: `72`.
        #[key = "fileReservedTime", important = true]
        file_reserved_time: u32 = 72,
        /// Hours of the day (`;`-separated, two digits) when expired files are deleted.
        /// Default: `04`.
        #[key = "deleteWhen", important = true]
        delete_when: String = "04".to_owned(),
        /// How often expired store files are looked for, in ms. Default: `10000`.
        #[key = "cleanResourceInterval"]
        clean_resource_interval: u64 = 10_000,
        /// Disk usage percentage above which old files are deleted early. Default: `75`.
        #[key = "diskMaxUsedSpaceRatio"]
        disk_max_used_space_ratio: u32 = 75,
        /// Largest message body accepted, in bytes. Default: `4194304` (4 MiB).
        #[key = "maxMessageSize"]
        max_message_size: u32 = 4 * 1024 * 1024,
        /// Master/Slave role. Default: `ASYNC_MASTER`.
        #[key = "brokerRole", important = true]
        broker_role: BrokerRole = BrokerRole::AsyncMaster,
        /// When the commit log is flushed. Default: `ASYNC_FLUSH`.
        #[key = "flushDiskType", important = true]
        flush_disk_type: FlushDiskType = FlushDiskType::AsyncFlush,
        /// How long a SYNC_FLUSH send waits for the flush, in ms. Default: `5000`.
        #[key = "syncFlushTimeout"]
        sync_flush_timeout: u64 = 5000,
        /// Delay levels for scheduled messages. Default:
        /// `1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h`.
        #[key = "messageDelayLevel"]
        message_delay_level: String = "1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h".to_owned(),
        /// The master's HA port; `validate` forces it to listenPort + 1 as RocketMQ 4.x does.
        /// Default: `10912`.
        #[key = "haListenPort"]
        ha_listen_port: u16 = 10912,
        /// How often a slave reports its offset to the master, in ms. Default: `5000`.
        #[key = "haSendHeartbeatInterval"]
        ha_send_heartbeat_interval: u64 = 5000,
        /// Largest chunk the master sends a slave at once, in bytes. Default: `32768`.
        #[key = "haTransferBatchSize"]
        ha_transfer_batch_size: u32 = 32 * 1024,
        /// The master's HA address for a slave; normally learned from the name server.
        /// Default: unset.
        #[key = "haMasterAddress", important = true]
        ha_master_address: Option<String> = None,
        /// How far a slave may lag before SYNC_MASTER sends fail, in bytes. Default: `268435456`.
        #[key = "haSlaveFallbehindMax"]
        ha_slave_fallbehind_max: u64 = 256 * 1024 * 1024,
        /// Replicate the commit log with DLedger (Raft) instead of Master/Slave. Default: `false`.
        #[key = "enableDLegerCommitLog"]
        enable_dleger_commit_log: bool = false,
        /// The DLedger group name; `validate` sets it to brokerName if unset. Default: unset.
        #[key = "dLegerGroup"]
        dleger_group: Option<String> = None,
        /// The DLedger peers, `id-host:port;…`. Default: unset.
        #[key = "dLegerPeers"]
        dleger_peers: Option<String> = None,
        /// This node's id in dLegerPeers: a letter followed by digits, e.g. `n0`. Default: unset.
        #[key = "dLegerSelfId"]
        dleger_self_id: Option<String> = None,
        /// The peer that should hold leadership once it has caught up. Default: unset.
        #[key = "preferredLeaderId"]
        preferred_leader_id: Option<String> = None,
        /// Pipeline appends to followers in batches. Default: `false`.
        #[key = "enableBatchPush"]
        enable_batch_push: bool = false,
        /// The DLedger data directory; see [`BrokerConfig::dledger_data_dir`]. Default: unset,
        /// meaning `<storePathRootDir>/dledger-<selfId>/data`.
        #[key = "storePathDLedgerCommitLog"]
        store_path_dledger_commit_log: Option<String> = None,
        /// Ours, not Java's: how often the DLedger leader sends heartbeats, in ms (Java DLedger
        /// uses 2000; we aim for failover under 2 s). Default: `100`.
        #[key = "dLegerHeartbeatIntervalMs"]
        dleger_heartbeat_interval_ms: u64 = DEFAULT_DLEDGER_HEARTBEAT_INTERVAL_MS,
        /// Ours: the lower bound of the randomised election timeout, in ms. Default: `300`.
        #[key = "dLegerElectionTimeoutMinMs"]
        dleger_election_timeout_min_ms: u64 = DEFAULT_DLEDGER_ELECTION_TIMEOUT_MIN_MS,
        /// Ours: the upper bound of the randomised election timeout, in ms. Default: `600`.
        #[key = "dLegerElectionTimeoutMaxMs"]
        dleger_election_timeout_max_ms: u64 = DEFAULT_DLEDGER_ELECTION_TIMEOUT_MAX_MS,
        /// Ours: the largest remoting frame accepted, in bytes. Default: `16777216` (16 MiB).
        #[key = "maxFrameBytes"]
        max_frame_bytes: u32 = DEFAULT_MAX_FRAME_BYTES,
        /// Ours: the most client connections served at once. Default: `10000`.
        #[key = "maxConnections"]
        max_connections: u32 = DEFAULT_MAX_CONNECTIONS,
        /// Ours: requests handled at once on one connection; further ones are answered
        /// SYSTEM_BUSY (oneway ones dropped) until some finish, as Java's full processor queues
        /// do. Default: `4096`.
        #[key = "maxRequestsInFlightPerConnection"]
        max_requests_in_flight_per_connection: u32 = DEFAULT_MAX_REQUESTS_IN_FLIGHT_PER_CONNECTION,
        /// Java's NettyServerConfig key: a connection that completes no request frame for this
        /// long is closed, so a stalled or slow-loris client cannot hold a connection slot for
        /// ever. Default: `120`.
        #[key = "serverChannelMaxIdleTimeSeconds"]
        server_channel_max_idle_time_seconds: u64 = DEFAULT_SERVER_CHANNEL_MAX_IDLE_TIME_SECONDS,
        /// Java's NettyServerConfig key for the threads that handle requests; here the worker
        /// threads of the broker's runtime, which run every request, the store and the Raft
        /// node. Set it below the core count when several brokers share a host (the
        /// `conf/dledger` samples run three on one machine and use 1: more runnable threads than
        /// cores only adds wake-ups and migrations). Default: the number of CPUs.
        #[key = "serverWorkerThreads"]
        server_worker_threads: u32 = cpus(),
    }
}

config_struct! {
    /// Everything `mqnamesrv` reads from its `-c` file.
    pub struct NamesrvConfig {
        /// The RocketMQ installation directory; unused, accepted for Java configs. Default: the
        /// `ROCKETMQ_HOME` environment variable.
        #[key = "rocketmqHome"]
        rocketmq_home: Option<String> = env_var("ROCKETMQ_HOME"),
        /// The port brokers and clients connect to. Default: `9876`.
        #[key = "listenPort", important = true]
        listen_port: u16 = 9876,
        /// Where the KV config is persisted. Default: `~/namesrv/kvConfig.json`.
        #[key = "kvConfigPath"]
        kv_config_path: String = format!("{}/namesrv/kvConfig.json", home_dir()),
        /// Return ORDER_TOPIC_CONFIG entries with routes. Default: `false`.
        #[key = "orderMessageEnable"]
        order_message_enable: bool = false,
        /// A broker not heard from for this long is removed, in ms (a constant in Java).
        /// Default: `120000`.
        #[key = "brokerChannelExpiredTime"]
        broker_channel_expired_time: u64 = 120_000,
        /// How often expired brokers are looked for, in ms. Default: `10000`.
        #[key = "scanNotActiveBrokerInterval"]
        scan_not_active_broker_interval: u64 = 10_000,
        /// Ours: the largest remoting frame accepted, in bytes. Default: `16777216` (16 MiB).
        #[key = "maxFrameBytes"]
        max_frame_bytes: u32 = DEFAULT_MAX_FRAME_BYTES,
        /// Ours: the most connections served at once. Default: `10000`.
        #[key = "maxConnections"]
        max_connections: u32 = DEFAULT_MAX_CONNECTIONS,
        /// Ours: requests handled at once on one connection; further ones are answered
        /// SYSTEM_BUSY (oneway ones dropped). Default: `4096`.
        #[key = "maxRequestsInFlightPerConnection"]
        max_requests_in_flight_per_connection: u32 = DEFAULT_MAX_REQUESTS_IN_FLIGHT_PER_CONNECTION,
        /// Java's NettyServerConfig key: a connection that completes no request frame for this
        /// long is closed. Default: `120`.
        #[key = "serverChannelMaxIdleTimeSeconds"]
        server_channel_max_idle_time_seconds: u64 = DEFAULT_SERVER_CHANNEL_MAX_IDLE_TIME_SECONDS,
    }
}

/// One member of a DLedger group, from `dLegerPeers`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    /// The peer id, e.g. `n0`.
    pub id: String,
    /// Its DLedger address, `host:port`.
    pub addr: String,
}

/// Parses `id-host:port;…`: the id is the text before the first `-`. Empty entries (such as
/// after a trailing `;`) are skipped.
///
/// # Errors
/// [`ConfigError::Invalid`] for an entry without `-`, with an empty id, or without a
/// `host:port` address, and for a repeated id or address.
pub fn parse_peers(text: &str) -> Result<Vec<Peer>, ConfigError> {
    let bad = |reason: String| ConfigError::Invalid {
        key: "dLegerPeers",
        value: text.to_owned(),
        reason,
    };
    let mut peers: Vec<Peer> = Vec::new();
    for entry in text.split(';').map(str::trim).filter(|e| !e.is_empty()) {
        let Some((id, addr)) = entry.split_once('-') else {
            return Err(bad(format!("entry {entry:?} is not id-host:port")));
        };
        if id.is_empty() {
            return Err(bad(format!("entry {entry:?} has an empty id")));
        }
        if !is_host_port(addr) {
            return Err(bad(format!("entry {entry:?}: {addr:?} is not host:port")));
        }
        if peers.iter().any(|p| p.id == id) {
            return Err(bad(format!("peer id {id:?} appears more than once")));
        }
        if peers.iter().any(|p| p.addr == addr) {
            return Err(bad(format!("address {addr:?} appears more than once")));
        }
        peers.push(Peer {
            id: id.to_owned(),
            addr: addr.to_owned(),
        });
    }
    Ok(peers)
}

fn is_host_port(addr: &str) -> bool {
    match addr.rsplit_once(':') {
        Some((host, port)) => !host.is_empty() && port.parse::<u16>().is_ok(),
        None => false,
    }
}

/// Whether `id` is a letter followed by one or more digits, the form RocketMQ derives a brokerId
/// from.
fn is_self_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && !chars.as_str().is_empty()
        && chars.all(|c| c.is_ascii_digit())
}

/// The brokerId a DLedger node registers with when it is not the leader: the digits after the
/// first character, plus one (`n0` → 1, `n2` → 3), as RocketMQ's `DLedgerRoleChangeHandler`.
/// `None` if `self_id` is not a letter followed by digits.
pub fn dledger_broker_id(self_id: &str) -> Option<i64> {
    if !is_self_id(self_id) {
        return None;
    }
    self_id[1..].parse::<i64>().ok()?.checked_add(1)
}

/// Splits a `;`-separated name-server list, dropping empty entries.
pub fn split_namesrv_addr(list: &str) -> Vec<String> {
    list.split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

impl BrokerConfig {
    /// Checks the configuration and makes the adjustments `BrokerStartup` makes: masters get
    /// brokerId 0, DLedger nodes -1; haListenPort becomes listenPort + 1 (0 if listenPort is 0);
    /// dLegerGroup defaults to brokerName; mappedFileSizeConsumeQueue is rounded up to a multiple
    /// of 20. Returns warnings for problems that do not stop the broker.
    ///
    /// # Errors
    /// [`ConfigError::SlaveBrokerId`] for a SLAVE with brokerId <= 0, [`ConfigError::Missing`] or
    /// [`ConfigError::Invalid`] for bad DLedger settings (including a self address on listenPort),
    /// name-server addresses, ports or sizes. When the key at fault was read from a file, the
    /// error is wrapped in [`ConfigError::Located`] naming the file and line.
    pub fn validate(&mut self) -> Result<Vec<ConfigWarning>, ConfigError> {
        self.check().map_err(|e| self.origin.locate(e))
    }

    fn check(&mut self) -> Result<Vec<ConfigWarning>, ConfigError> {
        let mut warnings = Vec::new();

        match self.broker_role {
            BrokerRole::AsyncMaster | BrokerRole::SyncMaster => {
                if self.broker_id != 0 && !self.enable_dleger_commit_log {
                    warnings.push(ConfigWarning::BrokerIdOverridden {
                        configured: self.broker_id,
                        effective: 0,
                        reason: "a master always uses brokerId 0",
                    });
                }
                self.broker_id = 0;
            }
            BrokerRole::Slave => {
                if self.broker_id <= 0 {
                    return Err(ConfigError::SlaveBrokerId {
                        broker_id: self.broker_id,
                    });
                }
            }
        }

        let effective_ha = if self.listen_port == 0 {
            0
        } else {
            self.listen_port
                .checked_add(1)
                .ok_or_else(|| ConfigError::Invalid {
                    key: "listenPort",
                    value: self.listen_port.to_string(),
                    reason: "the HA port listenPort + 1 must also be a valid port".to_owned(),
                })?
        };
        // 10912 is the default; only a value the operator chose is worth a warning.
        if self.ha_listen_port != effective_ha && self.ha_listen_port != 10912 {
            warnings.push(ConfigWarning::HaListenPortOverridden {
                configured: self.ha_listen_port,
                effective: effective_ha,
            });
        }
        self.ha_listen_port = effective_ha;

        if let Some(list) = &self.namesrv_addr {
            for addr in split_namesrv_addr(list) {
                if !is_host_port(&addr) {
                    return Err(ConfigError::Invalid {
                        key: "namesrvAddr",
                        value: list.clone(),
                        reason: format!("{addr:?} is not host:port"),
                    });
                }
            }
        }

        if let Some(addr) = &self.ha_master_address {
            if !is_host_port(addr.trim()) {
                return Err(ConfigError::Invalid {
                    key: "haMasterAddress",
                    value: addr.clone(),
                    reason: "expected host:port".to_owned(),
                });
            }
        }

        for hour in self.delete_when.split(';') {
            if !hour.trim().parse::<u8>().is_ok_and(|h| h < 24) {
                return Err(ConfigError::Invalid {
                    key: "deleteWhen",
                    value: self.delete_when.clone(),
                    reason: "expected hours of the day (00-23) separated by ';'".to_owned(),
                });
            }
        }

        let positive: [(&'static str, u64); 8] = [
            ("mappedFileSizeCommitLog", self.mapped_file_size_commit_log),
            ("serverWorkerThreads", u64::from(self.server_worker_threads)),
            ("mappedFileSizeConsumeQueue", self.mapped_file_size_consume_queue),
            ("maxMessageSize", u64::from(self.max_message_size)),
            ("maxFrameBytes", u64::from(self.max_frame_bytes)),
            ("maxConnections", u64::from(self.max_connections)),
            (
                "maxRequestsInFlightPerConnection",
                u64::from(self.max_requests_in_flight_per_connection),
            ),
            (
                "serverChannelMaxIdleTimeSeconds",
                self.server_channel_max_idle_time_seconds,
            ),
        ];
        for (key, value) in positive {
            if value == 0 {
                return Err(ConfigError::Invalid {
                    key,
                    value: "0".to_owned(),
                    reason: "must be > 0".to_owned(),
                });
            }
        }
        let unit = CQ_UNIT_SIZE as u64;
        self.mapped_file_size_consume_queue = self.mapped_file_size_consume_queue.div_ceil(unit) * unit;

        if self.enable_dleger_commit_log {
            self.validate_dledger(&mut warnings)?;
        }
        Ok(warnings)
    }

    fn validate_dledger(&mut self, warnings: &mut Vec<ConfigWarning>) -> Result<(), ConfigError> {
        const WHY: &str = "when enableDLegerCommitLog=true";
        let peers = parse_peers(self.dleger_peers.as_deref().ok_or(ConfigError::Missing {
            key: "dLegerPeers",
            reason: WHY,
        })?)?;
        if peers.is_empty() {
            return Err(ConfigError::Missing {
                key: "dLegerPeers",
                reason: WHY,
            });
        }
        let self_id = self.dleger_self_id.as_deref().ok_or(ConfigError::Missing {
            key: "dLegerSelfId",
            reason: WHY,
        })?;
        if dledger_broker_id(self_id).is_none() {
            return Err(ConfigError::Invalid {
                key: "dLegerSelfId",
                value: self_id.to_owned(),
                reason: "expected a letter followed by digits, e.g. n0".to_owned(),
            });
        }
        let ids = || peers.iter().map(|p| p.id.as_str()).collect::<Vec<_>>().join(", ");
        if !peers.iter().any(|p| p.id == self_id) {
            return Err(ConfigError::Invalid {
                key: "dLegerSelfId",
                value: self_id.to_owned(),
                reason: format!("not one of the dLegerPeers ids ({})", ids()),
            });
        }
        let self_peer = peers.iter().find(|p| p.id == self_id);
        if let Some(port) = self_peer
            .and_then(|p| p.addr.rsplit_once(':'))
            .map(|(_, port)| port)
        {
            if self.listen_port != 0 && port.parse::<u16>() == Ok(self.listen_port) {
                return Err(ConfigError::Invalid {
                    key: "dLegerPeers",
                    value: self.dleger_peers.clone().unwrap_or_default(),
                    reason: format!(
                        "the address of {self_id} uses port {port}, which is listenPort; the DLedger \
                         port must differ from the remoting port"
                    ),
                });
            }
        }
        if let Some(preferred) = self.preferred_leader_id.as_deref() {
            if !peers.iter().any(|p| p.id == preferred.trim()) {
                return Err(ConfigError::Invalid {
                    key: "preferredLeaderId",
                    value: preferred.to_owned(),
                    reason: format!("not one of the dLegerPeers ids ({})", ids()),
                });
            }
        }
        if peers.len() < 3 {
            warnings.push(ConfigWarning::FewDLedgerPeers { count: peers.len() });
        }
        if self.dleger_group.is_none() {
            self.dleger_group = Some(self.broker_name.clone());
        }
        if self.dleger_heartbeat_interval_ms == 0
            || self.dleger_heartbeat_interval_ms >= self.dleger_election_timeout_min_ms
        {
            return Err(ConfigError::Invalid {
                key: "dLegerHeartbeatIntervalMs",
                value: self.dleger_heartbeat_interval_ms.to_string(),
                reason: format!(
                    "must be > 0 and below dLegerElectionTimeoutMinMs ({})",
                    self.dleger_election_timeout_min_ms
                ),
            });
        }
        if self.dleger_election_timeout_min_ms > self.dleger_election_timeout_max_ms {
            return Err(ConfigError::Invalid {
                key: "dLegerElectionTimeoutMaxMs",
                value: self.dleger_election_timeout_max_ms.to_string(),
                reason: format!(
                    "must be >= dLegerElectionTimeoutMinMs ({})",
                    self.dleger_election_timeout_min_ms
                ),
            });
        }
        if self.broker_id != 0 && self.broker_id != -1 {
            warnings.push(ConfigWarning::BrokerIdOverridden {
                configured: self.broker_id,
                effective: -1,
                reason: "DLedger nodes register with -1 until their role is known",
            });
        }
        self.broker_id = -1;
        Ok(())
    }

    /// The DLedger peers; empty if dLegerPeers is unset. Call after `validate` for a checked list.
    ///
    /// # Errors
    /// As [`parse_peers`].
    pub fn peers(&self) -> Result<Vec<Peer>, ConfigError> {
        self.dleger_peers.as_deref().map_or(Ok(Vec::new()), parse_peers)
    }

    /// This node's entry in dLegerPeers, if dLegerSelfId names one.
    pub fn self_peer(&self) -> Option<Peer> {
        let self_id = self.dleger_self_id.as_deref()?;
        self.peers().ok()?.into_iter().find(|p| p.id == self_id)
    }

    /// The address clients reach this broker at: `brokerIP1:listenPort`.
    pub fn broker_addr(&self) -> String {
        format!("{}:{}", self.broker_ip1, self.listen_port)
    }

    /// The address slaves reach this master's HA service at: `brokerIP2:haListenPort`.
    pub fn ha_server_addr(&self) -> String {
        format!("{}:{}", self.broker_ip2, self.ha_listen_port)
    }

    /// The commit-log directory: storePathCommitLog, else `<storePathRootDir>/commitlog`.
    pub fn commit_log_dir(&self) -> PathBuf {
        match &self.store_path_commit_log {
            Some(dir) => PathBuf::from(dir),
            None => Path::new(&self.store_path_root_dir).join("commitlog"),
        }
    }

    /// The DLedger data directory: storePathDLedgerCommitLog, else
    /// `<storePathRootDir>/dledger-<selfId>/data`. `None` if neither is known.
    pub fn dledger_data_dir(&self) -> Option<PathBuf> {
        if let Some(dir) = &self.store_path_dledger_commit_log {
            return Some(PathBuf::from(dir));
        }
        let self_id = self.dleger_self_id.as_deref()?;
        Some(
            Path::new(&self.store_path_root_dir)
                .join(format!("dledger-{self_id}"))
                .join("data"),
        )
    }

    /// The name-server addresses, split on `;`; empty if none is configured.
    pub fn namesrv_addrs(&self) -> Vec<String> {
        self.namesrv_addr
            .as_deref()
            .map(split_namesrv_addr)
            .unwrap_or_default()
    }
}

impl NamesrvConfig {
    /// Checks the values.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] for a zero maxFrameBytes, maxConnections, in-flight cap, idle time or
    /// interval, wrapped in [`ConfigError::Located`] when the key was read from a file.
    pub fn validate(&mut self) -> Result<Vec<ConfigWarning>, ConfigError> {
        self.check().map_err(|e| self.origin.locate(e))
    }

    fn check(&self) -> Result<Vec<ConfigWarning>, ConfigError> {
        let positive: [(&'static str, u64); 6] = [
            ("maxFrameBytes", u64::from(self.max_frame_bytes)),
            ("maxConnections", u64::from(self.max_connections)),
            (
                "maxRequestsInFlightPerConnection",
                u64::from(self.max_requests_in_flight_per_connection),
            ),
            (
                "serverChannelMaxIdleTimeSeconds",
                self.server_channel_max_idle_time_seconds,
            ),
            ("brokerChannelExpiredTime", self.broker_channel_expired_time),
            (
                "scanNotActiveBrokerInterval",
                self.scan_not_active_broker_interval,
            ),
        ];
        for (key, value) in positive {
            if value == 0 {
                return Err(ConfigError::Invalid {
                    key,
                    value: "0".to_owned(),
                    reason: "must be > 0".to_owned(),
                });
            }
        }
        Ok(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<(BrokerConfig, Vec<ConfigWarning>), ConfigError> {
        let props = properties::parse(text).unwrap();
        BrokerConfig::from_properties(&props, Some(Path::new("broker.conf")))
    }

    fn loaded(text: &str) -> BrokerConfig {
        let (config, warnings) = load(text).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        config
    }

    #[test]
    fn defaults_match_java() {
        let c = BrokerConfig::default();
        assert_eq!(c.broker_cluster_name, "DefaultCluster");
        assert_eq!(c.listen_port, 10911);
        assert_eq!(c.mapped_file_size_commit_log, 1_073_741_824);
        assert_eq!(c.mapped_file_size_consume_queue, 6_000_000);
        assert_eq!(c.broker_role, BrokerRole::AsyncMaster);
        assert_eq!(c.flush_disk_type, FlushDiskType::AsyncFlush);
        assert_eq!(c.delete_when, "04");
        assert!(c.store_path_root_dir.ends_with("/store"));
        assert_eq!(
            c.commit_log_dir(),
            Path::new(&c.store_path_root_dir).join("commitlog")
        );
        assert!(!c.broker_ip1.is_empty() && c.broker_ip1.parse::<Ipv4Addr>().is_ok());
        assert_eq!(NamesrvConfig::default().listen_port, 9876);
    }

    #[test]
    fn invalid_value_names_file_line_key_and_value() {
        let err = load("# c\nbrokerName=x\nlistenPort=abc\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "broker.conf:3: invalid value for listenPort: \"abc\" (expected an integer from 0 to 65535)"
        );
        let err = load("brokerRole=BOSS").unwrap_err();
        assert_eq!(
            err.to_string(),
            "broker.conf:1: invalid value for brokerRole: \"BOSS\" (expected ASYNC_MASTER, SYNC_MASTER or SLAVE)"
        );
        assert!(load("autoCreateTopicEnable=yes").is_err());
        assert!(load("brokerId=1.5").is_err());
        let err = BrokerConfig::default().set("brokerId", "x").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid value for brokerId: \"x\" (expected an integer)"
        );
    }

    #[test]
    fn lenient_where_harmless() {
        let c = loaded("autoCreateTopicEnable = FALSE\nlistenPort=30911\nbrokerRole=slave\nbrokerId=2");
        assert!(!c.auto_create_topic_enable);
        assert_eq!(c.listen_port, 30911);
        assert_eq!(c.broker_role, BrokerRole::Slave);
        // Numbers tolerate the trailing whitespace Java would keep.
        assert_eq!(loaded("listenPort=30911  ").listen_port, 30911);
    }

    #[test]
    fn warnings_for_unknown_duplicate_and_trailing_space() {
        let (c, w) = load("brokername=x\nbrokerName=a\nbrokerName=b \nlistenPort=1").unwrap();
        assert_eq!(c.broker_name, "b ");
        let at = |line| Location {
            file: Some(PathBuf::from("broker.conf")),
            line,
        };
        assert_eq!(
            w,
            vec![
                ConfigWarning::UnknownKey {
                    location: at(1),
                    key: "brokername".into()
                },
                ConfigWarning::DuplicateKey {
                    location: at(3),
                    key: "brokerName".into(),
                    first_line: 2
                },
                ConfigWarning::TrailingWhitespace {
                    location: at(3),
                    key: "brokerName".into()
                },
            ]
        );
        assert_eq!(
            w[0].to_string(),
            "broker.conf:1: unknown key brokername (ignored)"
        );
    }

    #[test]
    fn old_commitlog_size_spelling() {
        let (c, w) = load("mapedFileSizeCommitLog=1\nmappedFileSizeCommitLog=2").unwrap();
        assert_eq!(c.mapped_file_size_commit_log, 2);
        assert!(
            matches!(&w[..], [ConfigWarning::DuplicateKey { first_line: 1, .. }]),
            "{w:?}"
        );
        assert_eq!(
            loaded("mapedFileSizeCommitLog=1024").mapped_file_size_commit_log,
            1024
        );
        assert_eq!(
            loaded("mappedFileSizeCommitLog=2048").mapped_file_size_commit_log,
            2048
        );
    }

    #[test]
    fn role_adjustments() {
        let mut c = loaded("brokerRole=SLAVE\nbrokerId=0");
        assert_eq!(
            c.validate().unwrap_err().to_string(),
            "broker.conf:2: Slave's brokerId must be > 0 (brokerId=0)"
        );
        let mut c = loaded("brokerRole=SYNC_MASTER\nbrokerId=3\nlistenPort=20911\nhaListenPort=5");
        let w = c.validate().unwrap();
        assert_eq!(c.broker_id, 0);
        assert_eq!(c.ha_listen_port, 20912);
        assert_eq!(w.len(), 2, "{w:?}");
        let mut c = loaded("brokerIP1=10.0.0.1\nbrokerIP2=10.0.0.2\nmappedFileSizeConsumeQueue=101");
        assert!(c.validate().unwrap().is_empty());
        assert_eq!(c.broker_addr(), "10.0.0.1:10911");
        assert_eq!(c.ha_server_addr(), "10.0.0.2:10912");
        assert_eq!(c.mapped_file_size_consume_queue, 120);
        assert!(loaded("listenPort=65535").validate().is_err());
        assert!(loaded("namesrvAddr=a:1;nope").validate().is_err());
        assert!(loaded("deleteWhen=04;25").validate().is_err());
        assert_eq!(
            loaded("namesrvAddr=a:1; b:2;").namesrv_addrs(),
            vec!["a:1", "b:2"]
        );
    }

    const DLEDGER: &str = "brokerName=RaftNode00\nenableDLegerCommitLog=true\nstorePathRootDir=/r\n\
        dLegerPeers=n0-127.0.0.1:40911;n1-127.0.0.1:40912;n2-127.0.0.1:40913\ndLegerSelfId=n1\n";

    #[test]
    fn dledger_mode() {
        let mut c = loaded(DLEDGER);
        assert!(c.validate().unwrap().is_empty());
        assert_eq!(c.broker_id, -1);
        assert_eq!(c.dleger_group.as_deref(), Some("RaftNode00"));
        assert_eq!(c.peers().unwrap().len(), 3);
        assert_eq!(
            c.self_peer(),
            Some(Peer {
                id: "n1".into(),
                addr: "127.0.0.1:40912".into()
            })
        );
        assert_eq!(c.dledger_data_dir(), Some(PathBuf::from("/r/dledger-n1/data")));
        assert_eq!(dledger_broker_id("n0"), Some(1));
        assert_eq!(dledger_broker_id("n2"), Some(3));
        assert_eq!(dledger_broker_id("x"), None);
        assert_eq!(dledger_broker_id("0n"), None);
        let important = c.print_important();
        assert!(important.contains(&("brokerId".to_owned(), "-1".to_owned())));
    }

    #[test]
    fn dledger_errors_and_warnings() {
        let bad = |extra: &str| {
            let (mut c, _duplicate_key_warnings) = load(&format!("{DLEDGER}{extra}")).unwrap();
            c.validate().unwrap_err().to_string()
        };
        assert!(bad("dLegerSelfId=n7").contains("not one of the dLegerPeers ids (n0, n1, n2)"));
        assert!(bad("dLegerSelfId=node1").contains("letter followed by digits"));
        assert!(bad("dLegerPeers=n0-a:1;n0-b:2;n1-c:3").contains("appears more than once"));
        assert!(bad("dLegerPeers=n0a:1;n1-b:2").contains("not id-host:port"));
        assert!(bad("dLegerPeers=n1-b").contains("not host:port"));
        assert!(bad("dLegerPeers=").contains("dLegerPeers must be set"));
        assert!(bad("preferredLeaderId=n9").contains("preferredLeaderId"));
        assert!(bad("dLegerHeartbeatIntervalMs=300").contains("dLegerHeartbeatIntervalMs"));
        assert!(bad("dLegerElectionTimeoutMaxMs=200").contains("dLegerElectionTimeoutMaxMs"));
        let (mut c, _) = load(&format!("{DLEDGER}dLegerPeers=n1-127.0.0.1:1;\n")).unwrap();
        assert_eq!(
            c.validate().unwrap(),
            vec![ConfigWarning::FewDLedgerPeers { count: 1 }]
        );
        // The id is the text before the first '-'.
        assert_eq!(parse_peers("n0-my-host:1").unwrap()[0].addr, "my-host:1");
    }

    /// Issue 7: an error found by `validate` names the file, the line and the key, whatever the
    /// key (a value, a conflicting peer list, a self id outside the peers, a missing key).
    #[test]
    fn validate_errors_name_file_line_and_key() {
        let bad = |extra: &str| {
            let (mut c, _) = load(&format!("{DLEDGER}{extra}")).unwrap();
            c.validate().unwrap_err().to_string()
        };
        // DLEDGER is 5 lines, so `extra` starts on line 6.
        assert_eq!(
            bad("dLegerSelfId=n7\n"),
            "broker.conf:6: invalid dLegerSelfId \"n7\": not one of the dLegerPeers ids (n0, n1, n2)"
        );
        assert!(bad("# x\ndLegerPeers=n0-a:1;n0-b:2;n1-c:3\n")
            .starts_with("broker.conf:7: invalid dLegerPeers \"n0-a:1;n0-b:2;n1-c:3\": peer id \"n0\""));
        assert!(bad("dLegerPeers=n0-a:1;n1-a:1;n2-c:3\n").starts_with("broker.conf:6: invalid dLegerPeers"));
        assert!(bad("listenPort=40912\n").starts_with("broker.conf:4: invalid dLegerPeers"));
        assert!(bad("listenPort=40912\n").contains("the DLedger port must differ"));
        assert_eq!(
            bad("dLegerPeers=\n"),
            "broker.conf:6: dLegerPeers must be set when enableDLegerCommitLog=true"
        );
        assert!(bad("deleteWhen=25\n").starts_with("broker.conf:6: invalid deleteWhen \"25\""));
        assert!(bad("serverChannelMaxIdleTimeSeconds=0\n")
            .starts_with("broker.conf:6: invalid serverChannelMaxIdleTimeSeconds \"0\": must be > 0"));
        assert!(bad("serverWorkerThreads=0\n")
            .starts_with("broker.conf:6: invalid serverWorkerThreads \"0\": must be > 0"));
        // A missing key is located at the entry that requires it.
        let (mut c, _) = load("brokerName=a\nenableDLegerCommitLog=true\n").unwrap();
        assert_eq!(
            c.validate().unwrap_err().to_string(),
            "broker.conf:2: dLegerPeers must be set when enableDLegerCommitLog=true"
        );
        let (mut c, _) = load("brokerRole=SLAVE\n\nbrokerId=0\n").unwrap();
        assert_eq!(
            c.validate().unwrap_err().to_string(),
            "broker.conf:3: Slave's brokerId must be > 0 (brokerId=0)"
        );
        // A value overridden on the command line is not blamed on the file.
        let (mut c, _) = load("namesrvAddr=a:1\n").unwrap();
        c.set("namesrvAddr", "nope").unwrap();
        assert_eq!(
            c.validate().unwrap_err().to_string(),
            "invalid namesrvAddr \"nope\": \"nope\" is not host:port"
        );
        let props = properties::parse("maxConnections=0").unwrap();
        let (mut n, _) = NamesrvConfig::from_properties(&props, Some(Path::new("ns.conf"))).unwrap();
        assert!(n
            .validate()
            .unwrap_err()
            .to_string()
            .starts_with("ns.conf:1: invalid maxConnections"));
    }

    #[test]
    fn print_order_and_nulls() {
        let c = loaded("namesrvAddr=\nbrokerName=b");
        let all = c.print_all();
        assert_eq!(all.len(), BrokerConfig::KEYS.len());
        assert_eq!(all[1], ("namesrvAddr".to_owned(), String::new()));
        let keys: Vec<_> = all.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, BrokerConfig::KEYS);
        let important = c.print_important();
        assert!(important.len() < all.len() && important.iter().any(|(k, _)| k == "brokerName"));
        assert!(!important.iter().any(|(k, _)| k == "messageDelayLevel"));
    }

    #[test]
    fn print_all_round_trips_through_a_file() {
        let mut original = loaded(DLEDGER);
        original.validate().unwrap();
        let mut w = properties::PropertiesWriter::with_separator(" = ");
        for (k, v) in original.print_all() {
            w.entry(&k, &v);
        }
        let props = properties::parse(&w.finish()).unwrap();
        let (mut copy, warnings) = BrokerConfig::from_properties(&props, None).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        copy.validate().unwrap();
        assert_eq!(copy, original);
    }

    #[test]
    fn never_panics_on_random_values() {
        use rand::rngs::StdRng;
        use rand::{Rng, SeedableRng};
        let values = [
            "",
            " ",
            "0",
            "-1",
            "1",
            "65535",
            "65536",
            "99999999999999999999",
            "true",
            "x",
            "n0",
            "n",
            "n99999999999999999999",
            "a:1",
            "a-b:1",
            ";",
            "n0-a:1;n1-b:2;n2-c:3",
            "SLAVE",
            "SYNC_MASTER",
            "\u{FFFD}",
        ];
        let mut rng = StdRng::seed_from_u64(3);
        for _ in 0..3000 {
            let mut c = BrokerConfig::default();
            for _ in 0..rng.gen_range(0..12) {
                let key = BrokerConfig::KEYS[rng.gen_range(0..BrokerConfig::KEYS.len())];
                let _ = c.set(key, values[rng.gen_range(0..values.len())]);
            }
            if c.validate().is_ok() {
                let _ = (c.peers(), c.self_peer(), c.dledger_data_dir(), c.namesrv_addrs());
            }
        }
    }

    #[test]
    fn shipped_conf_files_load_and_validate() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../conf");
        let mut count = 0;
        for entry in walkdir::WalkDir::new(&root) {
            let entry = entry.unwrap();
            if !entry.file_type().is_file() {
                continue;
            }
            let path = entry.path();
            count += 1;
            let warnings = if path.file_name() == Some("namesrv.conf".as_ref()) {
                let (mut c, mut w) = NamesrvConfig::from_properties_file(path).unwrap();
                w.extend(c.validate().unwrap());
                w
            } else {
                let (mut c, mut w) = BrokerConfig::from_properties_file(path)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                w.extend(c.validate().unwrap_or_else(|e| panic!("{}: {e}", path.display())));
                w
            };
            assert!(warnings.is_empty(), "{}: {warnings:?}", path.display());
        }
        assert!(count >= 15, "found only {count} files under {}", root.display());

        let (n1, _) = BrokerConfig::from_properties_file(root.join("dledger/broker-n1.conf")).unwrap();
        assert_eq!(n1.broker_cluster_name, "RaftCluster");
        assert_eq!(n1.listen_port, 30921);
        assert_eq!(n1.send_message_thread_pool_nums, 16);
        assert_eq!(n1.server_worker_threads, 1);
        assert_eq!(n1.self_peer().unwrap().addr, "127.0.0.1:40912");
    }
}
