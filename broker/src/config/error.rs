//! What can go wrong with a configuration, and where: [`ConfigError`] stops a server from starting,
//! [`ConfigWarning`] does not, and both name the file and line through [`Location`]. [`Origin`]
//! remembers where each key was read so that errors found later, by `validate`, can be located too.
//!
//! These types are shared by the broker and name-server configs and by the loader, so they live
//! apart from all three.

use std::fmt;
use std::path::PathBuf;

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
    /// A key that turns on a security feature this server does not serve yet (ACL, TLS): starting
    /// would leave it open to every client while the operator believes it is protected.
    #[error(
        "{location}: {key}={value} turns on {feature}, which is not supported yet; starting would \
         leave the broker open to every client, so it refuses to start (remove the key or set \
         {key}={off})",
        feature = super::security::feature(key)
    )]
    UnservedSecurity {
        /// Where the entry is.
        location: Location,
        /// The key.
        key: &'static str,
        /// The value, as written.
        value: String,
        /// The value that leaves the feature off.
        off: &'static str,
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
    /// The file the keys were read from; `None` for text parsed from memory.
    pub(super) file: Option<PathBuf>,
    /// The line of the winning entry of each key (current spelling).
    pub(super) lines: std::collections::HashMap<&'static str, usize>,
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

/// Refuses the first of `values` (key, value) that is 0: [`ConfigError::Invalid`], "must be > 0".
pub(crate) fn require_positive(values: &[(&'static str, u64)]) -> Result<(), ConfigError> {
    match values.iter().find(|(_, value)| *value == 0) {
        Some(&(key, _)) => Err(ConfigError::Invalid {
            key,
            value: "0".to_owned(),
            reason: "must be > 0".to_owned(),
        }),
        None => Ok(()),
    }
}
