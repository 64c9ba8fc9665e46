//! Client ACL as RocketMQ 4.9 does it ("plain ACL", `aclEnable=true`): every request to the
//! broker port must come from a trusted address or be signed by an account of plain_acl.yml
//! whose permissions cover what the request touches. It is checked once, before dispatch
//! ([`crate::broker::processor::BrokerProcessor`]), so no request code can skip it.
//!
//! The order of the checks is Java's `PlainPermissionManager.validate`:
//! 1. an address in `globalWhiteRemoteAddresses` passes;
//! 2. a request without `AccessKey` is refused, and so is an unknown access key;
//! 3. an address in the account's `whiteRemoteAddress` passes (no signature needed, as in Java);
//! 4. the signature ([`crate::remoting::acl_sign`]) must match the account's secret key;
//! 5. a send to the trace topic `RMQ_SYS_TRACE_TOPIC` passes;
//! 6. an admin code ([`resource::ADMIN_CODES`]) needs `admin: true`, and every topic and group
//!    the request touches ([`resource::needed`]) needs its permission, from `topicPerms` /
//!    `groupPerms` or else the account's default (an admin account without any per-resource
//!    permission may touch everything).
//!
//! A refusal answers NO_PERMISSION (16) with the text of Java's `AclException` (Java 4.9 itself
//! answers SYSTEM_ERROR with the exception's class and first stack frame), and is logged at most
//! once per [`crate::raft::peer_auth::LOG_EVERY`] with a count of those held back.
//!
//! A slave's config sync from its master (topics, offsets, groups) goes through the master's
//! check too; the broker signs it with its first admin account ([`Acl::internal_credentials`]).
//!
//! The file is read at start (a file that cannot be read stops the broker: fail closed) and
//! polled every [`RELOAD_EVERY`]; a changed file that reads well replaces the accounts, one that
//! does not is logged and the previous accounts stay.

pub mod address;
pub mod plain;
pub mod resource;

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime};

use crate::raft::peer_auth::RateLimitedLog;
use crate::remoting::acl_sign::{self, Credentials, ACCESS_KEY, SIGNATURE, UNIQUE_MSG_QUERY_FLAG};
use crate::remoting::command::RemotingCommand;

use self::plain::{grants, PlainAcl, PlainAclError};

/// How often plain_acl.yml is checked for changes (Java's file watcher: 500 ms).
pub const RELOAD_EVERY: Duration = Duration::from_secs(1);

/// The message trace topic: a signed send to it needs no permission (as in Java).
pub const TRACE_TOPIC: &str = "RMQ_SYS_TRACE_TOPIC";

/// Where plain_acl.yml is under `rocketmqHome` (Java's default location).
pub const DEFAULT_RELATIVE_PATH: &str = "conf/plain_acl.yml";

/// Why plain_acl.yml could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum AclLoadError {
    /// The file could not be read.
    #[error("cannot read the ACL file `{}`: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file's content is unusable.
    #[error("the ACL file `{}` is unusable: {source}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        #[source]
        source: PlainAclError,
    },
}

/// Why a request was refused; the texts are Java's.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Denied {
    /// No `AccessKey` ext field, from an address not trusted.
    #[error("No accessKey is configured")]
    NoAccessKey,
    /// An access key plain_acl.yml does not have.
    #[error("No acl config for {0}")]
    UnknownAccount(String),
    /// The signature is missing or does not match.
    #[error("Check signature failed for accessKey={0}")]
    BadSignature(String),
    /// An admin code from an account that is not admin.
    #[error("Need admin permission for request code={code}, but accessKey={access_key} is not")]
    NeedAdmin {
        /// The request code.
        code: i32,
        /// The account.
        access_key: String,
    },
    /// A topic or group the account may not use this way (Java says "default" either way).
    #[error("No default permission for {0}")]
    NoPermission(String),
    /// The request cannot be read far enough to know what it touches.
    #[error("{0}")]
    Unreadable(String),
}

/// When and how big the file was when last read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    modified: Option<SystemTime>,
    len: u64,
}

fn stamp(path: &Path) -> Option<Stamp> {
    let m = std::fs::metadata(path).ok()?;
    Some(Stamp {
        modified: m.modified().ok(),
        len: m.len(),
    })
}

/// The broker's ACL: the accounts in force and the file they come from.
pub struct Acl {
    path: PathBuf,
    current: RwLock<Arc<PlainAcl>>,
    stamp: Mutex<Option<Stamp>>,
    refused: RateLimitedLog,
}

impl std::fmt::Debug for Acl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Acl")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

fn read(path: &Path) -> Result<PlainAcl, AclLoadError> {
    let text = std::fs::read_to_string(path).map_err(|source| AclLoadError::Io {
        path: path.to_owned(),
        source,
    })?;
    plain::parse(&text).map_err(|source| AclLoadError::Invalid {
        path: path.to_owned(),
        source,
    })
}

fn log_loaded(path: &Path, acl: &PlainAcl, what: &str) {
    tracing::info!(
        file = %path.display(),
        "ACL {what}: {} account(s), {} trusted address pattern(s)",
        acl.accounts.len(),
        acl.global_white.len()
    );
    for w in &acl.warnings {
        tracing::warn!(file = %path.display(), "ACL file: {w}");
    }
}

impl Acl {
    /// Reads `path`.
    ///
    /// # Errors
    /// A missing, unreadable or invalid file.
    pub fn load(path: &Path) -> Result<Self, AclLoadError> {
        let before = stamp(path);
        let acl = read(path)?;
        log_loaded(path, &acl, "loaded");
        Ok(Self {
            path: path.to_owned(),
            current: RwLock::new(Arc::new(acl)),
            stamp: Mutex::new(before),
            refused: RateLimitedLog::default(),
        })
    }

    /// The file the accounts come from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The accounts in force.
    pub fn snapshot(&self) -> Arc<PlainAcl> {
        self.current.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The account this broker signs its own requests to other brokers with (a slave's config
    /// sync from its master, whose ACL would otherwise refuse it): the first admin account by
    /// access key, as loaded at start; `None` without one. Java 4.9 signs nothing there, so its
    /// slaves need their address in `globalWhiteRemoteAddresses`.
    pub fn internal_credentials(&self) -> Option<Credentials> {
        let acl = self.snapshot();
        let mut admins: Vec<&plain::Account> = acl.accounts.values().filter(|a| a.admin).collect();
        admins.sort_by(|a, b| a.access_key.cmp(&b.access_key));
        admins.first().map(|a| Credentials {
            access_key: a.access_key.clone(),
            secret_key: a.secret_key.clone(),
            security_token: None,
        })
    }

    /// Re-reads the file if its size or modification time changed since it was last read:
    /// `None` when unchanged, else whether the new content was taken (an unusable file is
    /// logged and the previous accounts stay).
    pub fn reload_if_changed(&self) -> Option<Result<(), AclLoadError>> {
        let now = stamp(&self.path);
        {
            let mut last = self.stamp.lock().unwrap_or_else(|p| p.into_inner());
            if *last == now {
                return None;
            }
            *last = now;
        }
        Some(match read(&self.path) {
            Ok(acl) => {
                log_loaded(&self.path, &acl, "reloaded");
                *self.current.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(acl);
                Ok(())
            }
            Err(e) => {
                tracing::error!("ACL not reloaded, the previous accounts stay in force: {e}");
                Err(e)
            }
        })
    }

    /// Polls the file every [`RELOAD_EVERY`] for as long as the task runs.
    pub async fn watch(self: Arc<Self>) {
        loop {
            tokio::time::sleep(RELOAD_EVERY).await;
            let acl = self.clone();
            // Reading a file is blocking I/O.
            let _ = tokio::task::spawn_blocking(move || acl.reload_if_changed()).await;
        }
    }

    /// Checks one request from `remote`; a refusal is logged (rate-limited).
    ///
    /// # Errors
    /// Why it is refused.
    pub fn check(&self, remote: IpAddr, req: &RemotingCommand) -> Result<(), Denied> {
        let result = check(&self.snapshot(), remote, req);
        if let Err(e) = &result {
            self.refused.note(|held_back| {
                tracing::warn!(
                    %remote,
                    code = req.code,
                    held_back,
                    "ACL refused a request (NO_PERMISSION): {e}"
                );
            });
        }
        result
    }
}

/// The check itself, over one version of the accounts (see the module doc for the order).
///
/// # Errors
/// Why `req` is refused.
pub fn check(acl: &PlainAcl, remote: IpAddr, req: &RemotingCommand) -> Result<(), Denied> {
    // Java works out what the request touches first, so an unreadable one is refused even
    // from a trusted address.
    let needed = resource::needed(req).map_err(Denied::Unreadable)?;
    if acl.global_white.iter().any(|p| p.matches(remote)) {
        return Ok(());
    }
    let access_key = req.ext_fields.get(ACCESS_KEY).ok_or(Denied::NoAccessKey)?;
    let account = acl
        .accounts
        .get(access_key)
        .ok_or_else(|| Denied::UnknownAccount(access_key.clone()))?;
    if account.white.matches(remote) {
        return Ok(());
    }
    let bad_signature = || Denied::BadSignature(access_key.clone());
    let given = req.ext_fields.get(SIGNATURE).ok_or_else(bad_signature)?;
    let signed =
        |skip: &[&str]| acl_sign::verify(&req.ext_fields, &req.body, skip, &account.secret_key, given);
    if !(signed(&[])
        || req.ext_fields.contains_key(UNIQUE_MSG_QUERY_FLAG) && signed(&[UNIQUE_MSG_QUERY_FLAG]))
    {
        return Err(bad_signature());
    }
    if needed
        .iter()
        .any(|(r, p)| r == TRACE_TOPIC && *p == plain::perm::PUB)
    {
        return Ok(());
    }
    if resource::needs_admin(req.code) && !account.admin {
        return Err(Denied::NeedAdmin {
            code: req.code,
            access_key: access_key.clone(),
        });
    }
    if account.admin && account.perms.is_empty() {
        return Ok(());
    }
    for (r, p) in &needed {
        let owned = account.perms.get(r).copied().unwrap_or(if resource::is_group(r) {
            account.default_group_perm
        } else {
            account.default_topic_perm
        });
        if !grants(*p, owned) {
            return Err(Denied::NoPermission(resource::describe(r)));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
