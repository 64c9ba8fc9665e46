//! The DLedger peer token: a shared secret that every Raft RPC between the nodes of a group
//! carries, so that a host that merely reaches a peer port cannot vote, append or install a
//! snapshot (issue 18).
//!
//! Without it, anything that can open a TCP connection to a DLedger port can send a Vote with
//! a huge term (every node steps down: an outage) or an AppendEntries that overwrites the log.
//! With `dLegerPeerTokenFile` set, the client puts the token in every request's ext fields
//! ([`TOKEN_FIELD`]) and the server refuses, before decoding the body or touching openraft, any
//! request that lacks it or carries another one: NO_PERMISSION with [`REFUSED_REMARK`], logged
//! at most once per [`LOG_EVERY`] with a count of the refusals not logged.
//!
//! Why per request rather than a per-connection handshake: the remoting server handles the
//! requests of a connection concurrently, so a handshake frame would race the first RPCs unless
//! the generic server learned about authentication; a field of ~80 bytes in the binary header
//! and one constant-time comparison cost nothing next to an AppendEntries body, and every RPC is
//! checked on its own, whatever connection it came on.
//!
//! Limits: the token travels in clear text (there is no TLS on the peer port), so it keeps out
//! hosts that can connect but not read the traffic between the nodes. Nodes without a token
//! send none and check none, as before; a node with one refuses every peer without it.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use subtle::ConstantTimeEq;

/// The ext field that carries the token in each Raft RPC request.
pub const TOKEN_FIELD: &str = "dLegerPeerToken";

/// The remark of the NO_PERMISSION answer to a request without the right token.
pub const REFUSED_REMARK: &str = "DLedger peer token missing or wrong: this node only serves Raft \
                                  RPCs from peers with the same dLegerPeerTokenFile";

/// Shortest token accepted, in bytes: `gen-config --peer-token-file` writes 64 hex digits.
pub const MIN_TOKEN_BYTES: usize = 16;

/// Refusals are logged at most this often (per server or client), so that a flood of forged
/// RPCs cannot flood the log.
pub const LOG_EVERY: Duration = Duration::from_secs(10);

/// Why the token file cannot be used; each stops the broker.
#[derive(Debug, thiserror::Error)]
pub enum PeerTokenError {
    /// The file could not be read.
    #[error("cannot read dLegerPeerTokenFile `{}`", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// Other users can read or write the file, so the secret is not one.
    #[error(
        "dLegerPeerTokenFile `{}` is accessible to every user (mode {mode:o}); run `chmod 600` on it",
        path.display()
    )]
    WorldAccessible {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The file holds no token, or one too short to be a secret.
    #[error(
        "dLegerPeerTokenFile `{}` holds {len} byte(s) of token; at least {MIN_TOKEN_BYTES} are needed \
         (`mqadmin gen-config --peer-token-file` writes one)",
        path.display()
    )]
    TooShort {
        /// The file.
        path: PathBuf,
        /// The token's length after trimming whitespace.
        len: usize,
    },
}

/// The shared secret of a DLedger group. Its `Debug` never shows it.
#[derive(Clone)]
pub struct PeerToken(Arc<str>);

impl std::fmt::Debug for PeerToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PeerToken(<redacted>)")
    }
}

impl PeerToken {
    /// Reads the token from `path`: the file's text without surrounding whitespace.
    ///
    /// # Errors
    /// [`PeerTokenError`]: unreadable, readable or writable by every user, or shorter than
    /// [`MIN_TOKEN_BYTES`].
    pub fn load(path: &Path) -> Result<Self, PeerTokenError> {
        let io = |source| PeerTokenError::Io {
            path: path.to_owned(),
            source,
        };
        let meta = std::fs::metadata(path).map_err(io)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o006 != 0 {
                return Err(PeerTokenError::WorldAccessible {
                    path: path.to_owned(),
                    mode,
                });
            }
        }
        #[cfg(not(unix))]
        let _ = meta;
        let text = std::fs::read_to_string(path).map_err(io)?;
        let token = text.trim();
        if token.len() < MIN_TOKEN_BYTES {
            return Err(PeerTokenError::TooShort {
                path: path.to_owned(),
                len: token.len(),
            });
        }
        Ok(Self(Arc::from(token)))
    }

    /// A token from memory (tests, and `gen-config` before it writes the file).
    pub fn from_secret(secret: &str) -> Self {
        Self(Arc::from(secret))
    }

    /// The token, to put in a request.
    pub fn secret(&self) -> &str {
        &self.0
    }

    /// Checks what a request presented, in constant time (in the token's content; a length
    /// mismatch fails at once, which tells an attacker only the length).
    pub fn verify(&self, presented: Option<&str>) -> Result<(), Refusal> {
        let presented = presented.ok_or(Refusal::Missing)?;
        if bool::from(self.0.as_bytes().ct_eq(presented.as_bytes())) {
            Ok(())
        } else {
            Err(Refusal::Wrong)
        }
    }
}

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The request carried no token.
    Missing,
    /// The request carried another token.
    Wrong,
}

impl Refusal {
    /// For the log.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Missing => "no peer token",
            Self::Wrong => "a wrong peer token",
        }
    }
}

/// Lets one log line through per [`LOG_EVERY`] and counts the ones held back.
#[derive(Debug)]
pub struct RateLimitedLog {
    started: Instant,
    /// Milliseconds since `started` of the last line logged, plus one; 0 before the first.
    last: AtomicU64,
    suppressed: AtomicU64,
}

impl Default for RateLimitedLog {
    fn default() -> Self {
        Self {
            started: Instant::now(),
            last: AtomicU64::new(0),
            suppressed: AtomicU64::new(0),
        }
    }
}

impl RateLimitedLog {
    /// Calls `log` with the number of events held back since the last line, if a line is due;
    /// otherwise counts this event as held back.
    pub fn note(&self, log: impl FnOnce(u64)) {
        let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX) + 1;
        let last = self.last.load(Ordering::Relaxed);
        let every = u64::try_from(LOG_EVERY.as_millis()).unwrap_or(u64::MAX);
        let due = last == 0 || now.saturating_sub(last) >= every;
        if due
            && self
                .last
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            log(self.suppressed.swap(0, Ordering::Relaxed));
        } else {
            self.suppressed.fetch_add(1, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, text: &str, mode: u32) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join(format!("token-{mode:o}"));
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        path
    }

    #[test]
    fn load_refuses_short_and_world_readable_tokens() {
        let dir = tempfile::tempdir().unwrap();
        let good = "0123456789abcdef0123";
        let t = PeerToken::load(&write(dir.path(), &format!("  {good}\n"), 0o600)).unwrap();
        assert_eq!(t.secret(), good);
        assert!(!format!("{t:?}").contains(good));
        assert!(PeerToken::load(&write(dir.path(), good, 0o640)).is_ok());
        match PeerToken::load(&write(dir.path(), good, 0o644)) {
            Err(PeerTokenError::WorldAccessible { mode, .. }) => assert_eq!(mode, 0o644),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            PeerToken::load(&write(dir.path(), good, 0o602)),
            Err(PeerTokenError::WorldAccessible { .. })
        ));
        let empty = dir.path().join("empty");
        std::fs::write(&empty, "\n").unwrap();
        std::fs::set_permissions(&empty, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
        match PeerToken::load(&empty) {
            Err(e @ PeerTokenError::TooShort { len: 0, .. }) => {
                assert!(e.to_string().contains("gen-config --peer-token-file"), "{e}")
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            PeerToken::load(&dir.path().join("missing")),
            Err(PeerTokenError::Io { .. })
        ));
    }

    #[test]
    fn verify_tells_missing_from_wrong() {
        let t = PeerToken::from_secret("0123456789abcdef");
        assert_eq!(t.verify(Some("0123456789abcdef")), Ok(()));
        assert_eq!(t.verify(None), Err(Refusal::Missing));
        assert_eq!(t.verify(Some("0123456789abcdeX")), Err(Refusal::Wrong));
        assert_eq!(t.verify(Some("0123456789abcdef0")), Err(Refusal::Wrong));
        assert_eq!(t.verify(Some("")), Err(Refusal::Wrong));
    }

    #[test]
    fn rate_limited_log_lets_one_line_through_and_counts_the_rest() {
        let log = RateLimitedLog::default();
        let mut lines = Vec::new();
        for _ in 0..5 {
            log.note(|held| lines.push(held));
        }
        assert_eq!(lines, vec![0]);
        assert_eq!(log.suppressed.load(Ordering::Relaxed), 4);
    }
}
