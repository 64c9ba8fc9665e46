//! The plain_acl.yml file of RocketMQ 4.x ACL, read as Java 4.9's `PlainPermissionManager`
//! reads it:
//!
//! ```yaml
//! globalWhiteRemoteAddresses:   # hosts trusted without a signature
//!   - 10.10.103.*
//! accounts:
//!   - accessKey: RocketMQ       # more than 6 characters
//!     secretKey: 12345678       # more than 6 characters (numbers are read as text)
//!     whiteRemoteAddress:       # hosts trusted for this account without a signature
//!     admin: false              # admin request codes (create/delete topic or group)
//!     defaultTopicPerm: DENY    # for topics not in topicPerms; unset means DENY
//!     defaultGroupPerm: SUB     # for groups not in groupPerms; unset means DENY
//!     topicPerms: [topicA=DENY, topicB=PUB|SUB, topicC=SUB]
//!     groupPerms: [groupA=DENY, groupB=PUB|SUB, groupC=SUB]
//! ```
//!
//! A permission is `DENY`, `PUB`, `SUB`, `PUB|SUB` or `SUB|PUB`; Java reads any other word as
//! DENY, and so do we (with a warning). A group is kept under its retry topic `%RETRY%<group>`,
//! as Java keys it. Other keys (`dataVersion`) are ignored. Unlike Java, which logs a bad file and
//! then serves with no validator at all (every client allowed), a file that cannot be read is an
//! error: the broker does not start, and a reload keeps the previous accounts.

use std::collections::HashMap;

use serde_norway::Value;

use super::address::{AddressError, AddressPattern};
use crate::broker::topics::RETRY_GROUP_TOPIC_PREFIX;

/// Permission bits, Java's `Permission` values.
pub mod perm {
    /// Refused, whatever else is set.
    pub const DENY: u8 = 1;
    /// Publish.
    pub const PUB: u8 = 1 << 2;
    /// Subscribe.
    pub const SUB: u8 = 1 << 3;
}

/// Access keys and secret keys must be longer than this (Java's `ACCESS_KEY_MIN_LENGTH`).
pub const MIN_KEY_LENGTH: usize = 6;

/// Why plain_acl.yml cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PlainAclError {
    /// Not YAML.
    #[error("not valid YAML: {0}")]
    Yaml(String),
    /// The document is not a mapping of the keys above.
    #[error("the top level must be a mapping with `accounts` and `globalWhiteRemoteAddresses`")]
    NotAMapping,
    /// A key holds the wrong kind of value.
    #[error("`{key}` must be {expected}")]
    Shape {
        /// The key.
        key: String,
        /// What it must be.
        expected: &'static str,
    },
    /// An account is unusable.
    #[error("account {index} ({access_key:?}): {reason}")]
    Account {
        /// Its position in `accounts`, from 1.
        index: usize,
        /// Its access key as written.
        access_key: String,
        /// What is wrong.
        reason: String,
    },
    /// A remote-address pattern is unusable.
    #[error(transparent)]
    Address(#[from] AddressError),
}

/// One account.
#[derive(Clone, PartialEq, Eq)]
pub struct Account {
    /// The account name.
    pub access_key: String,
    /// The signing secret.
    pub secret_key: String,
    /// Hosts trusted for this account without a signature.
    pub white: AddressPattern,
    /// May send the admin request codes.
    pub admin: bool,
    /// Permission on a topic not in `perms`.
    pub default_topic_perm: u8,
    /// Permission on a group not in `perms`.
    pub default_group_perm: u8,
    /// Permissions by topic, and by group under `%RETRY%<group>`.
    pub perms: HashMap<String, u8>,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("access_key", &self.access_key)
            .field("admin", &self.admin)
            .finish_non_exhaustive()
    }
}

/// The whole file.
#[derive(Debug, Clone, Default)]
pub struct PlainAcl {
    /// Hosts trusted without a signature.
    pub global_white: Vec<AddressPattern>,
    /// Accounts by access key.
    pub accounts: HashMap<String, Account>,
    /// Things Java accepts but that are probably mistakes (an unknown permission word, an access
    /// key given twice), for the log.
    pub warnings: Vec<String>,
}

/// Reads a permission word as Java does: unknown words are DENY (`known` is false then).
pub fn parse_perm(word: &str) -> (u8, bool) {
    match word.trim() {
        "PUB" => (perm::PUB, true),
        "SUB" => (perm::SUB, true),
        "PUB|SUB" | "SUB|PUB" => (perm::PUB | perm::SUB, true),
        "DENY" => (perm::DENY, true),
        _ => (perm::DENY, false),
    }
}

/// Whether `owned` grants `needed` (Java's `Permission.checkPermission`; DENY wins).
pub fn grants(needed: u8, owned: u8) -> bool {
    owned & perm::DENY == 0 && needed & owned != 0
}

/// A scalar as text (numbers and booleans too, as Java's loader converts them); `None` for null.
fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn get<'a>(map: &'a serde_norway::Mapping, key: &str) -> Option<&'a Value> {
    map.get(key).filter(|v| !v.is_null())
}

fn list_of_text(v: Option<&Value>, key: &str) -> Result<Vec<String>, PlainAclError> {
    match v {
        None => Ok(Vec::new()),
        Some(Value::Sequence(items)) => items
            .iter()
            .filter(|i| !i.is_null())
            .map(|i| {
                text(i).ok_or_else(|| PlainAclError::Shape {
                    key: key.to_string(),
                    expected: "a list of text",
                })
            })
            .collect(),
        Some(_) => Err(PlainAclError::Shape {
            key: key.to_string(),
            expected: "a list",
        }),
    }
}

/// Parses the file's text.
///
/// # Errors
/// See [`PlainAclError`].
pub fn parse(yaml: &str) -> Result<PlainAcl, PlainAclError> {
    let doc: Value = serde_norway::from_str(yaml).map_err(|e| PlainAclError::Yaml(e.to_string()))?;
    let mut acl = PlainAcl::default();
    let map = match &doc {
        Value::Null => {
            acl.warnings
                .push("the file is empty: every request without a trusted address is refused".into());
            return Ok(acl);
        }
        Value::Mapping(m) => m,
        _ => return Err(PlainAclError::NotAMapping),
    };
    for p in list_of_text(
        get(map, "globalWhiteRemoteAddresses"),
        "globalWhiteRemoteAddresses",
    )? {
        acl.global_white.push(AddressPattern::parse(&p)?);
    }
    let accounts = match get(map, "accounts") {
        None => &Vec::new(),
        Some(Value::Sequence(a)) => a,
        Some(_) => {
            return Err(PlainAclError::Shape {
                key: "accounts".into(),
                expected: "a list of accounts",
            })
        }
    };
    for (i, a) in accounts.iter().enumerate() {
        let account = parse_account(i + 1, a, &mut acl.warnings)?;
        if let Some(old) = acl.accounts.insert(account.access_key.clone(), account) {
            acl.warnings.push(format!(
                "accessKey {:?} is given more than once: the last one counts",
                old.access_key
            ));
        }
    }
    Ok(acl)
}

fn parse_account(index: usize, v: &Value, warnings: &mut Vec<String>) -> Result<Account, PlainAclError> {
    let Value::Mapping(m) = v else {
        return Err(PlainAclError::Shape {
            key: "accounts".into(),
            expected: "a list of mappings",
        });
    };
    let field = |k: &str| get(m, k).and_then(text);
    let access_key = field("accessKey").unwrap_or_default();
    let fail = |reason: String| PlainAclError::Account {
        index,
        access_key: access_key.clone(),
        reason,
    };
    let secret_key = field("secretKey").unwrap_or_default();
    if access_key.chars().count() <= MIN_KEY_LENGTH || secret_key.chars().count() <= MIN_KEY_LENGTH {
        return Err(fail(format!(
            "accessKey and secretKey must be set and longer than {MIN_KEY_LENGTH} characters"
        )));
    }
    let admin = match get(m, "admin") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) if s.trim().eq_ignore_ascii_case("true") => true,
        Some(Value::String(s)) if s.trim().eq_ignore_ascii_case("false") => false,
        Some(_) => return Err(fail("admin must be true or false".into())),
    };
    let mut perm_of = |what: &str, word: Option<String>| match word {
        None => perm::DENY,
        Some(w) => {
            let (p, known) = parse_perm(&w);
            if !known {
                warnings.push(format!(
                    "account {access_key:?}: unknown permission {w:?} for {what} is read as DENY"
                ));
            }
            p
        }
    };
    let default_topic_perm = perm_of("defaultTopicPerm", field("defaultTopicPerm"));
    let default_group_perm = perm_of("defaultGroupPerm", field("defaultGroupPerm"));
    let mut perms = HashMap::new();
    for (key, is_topic) in [("groupPerms", false), ("topicPerms", true)] {
        for entry in list_of_text(get(m, key), key)? {
            let items: Vec<&str> = entry.split('=').filter(|s| !s.is_empty()).collect();
            let [name, word] = items[..] else {
                return Err(fail(format!(
                    "{key} entry {entry:?} is not NAME=PERM (e.g. topicA=PUB|SUB)"
                )));
            };
            let name = name.trim();
            let resource = if is_topic {
                name.to_string()
            } else {
                format!("{RETRY_GROUP_TOPIC_PREFIX}{name}")
            };
            perms.insert(resource, perm_of(name, Some(word.to_string())));
        }
    }
    let white = AddressPattern::parse(&field("whiteRemoteAddress").unwrap_or_default())?;
    Ok(Account {
        access_key,
        secret_key,
        white,
        admin,
        default_topic_perm,
        default_group_perm,
        perms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Java 4.9's sample file, as distributed.
    const SAMPLE: &str = "\
globalWhiteRemoteAddresses:
  - 10.10.103.*
  - 192.168.0.*

accounts:
  - accessKey: RocketMQ
    secretKey: 12345678
    whiteRemoteAddress:
    admin: false
    defaultTopicPerm: DENY
    defaultGroupPerm: SUB
    topicPerms:
      - topicA=DENY
      - topicB=PUB|SUB
      - topicC=SUB
    groupPerms:
      # the group should convert to retry topic
      - groupA=DENY
      - groupB=PUB|SUB
      - groupC=SUB

  - accessKey: rocketmq2
    secretKey: 12345678
    whiteRemoteAddress: 192.168.1.*
    # if it is admin, it could access all resources
    admin: true
";

    #[test]
    fn javas_sample_file_reads_as_java_reads_it() {
        let acl = parse(SAMPLE).unwrap();
        assert_eq!(acl.global_white.len(), 2);
        let a = &acl.accounts["RocketMQ"];
        assert_eq!(a.secret_key, "12345678");
        assert_eq!(a.white, AddressPattern::Nothing);
        assert!(!a.admin);
        assert_eq!(
            (a.default_topic_perm, a.default_group_perm),
            (perm::DENY, perm::SUB)
        );
        assert_eq!(a.perms["topicB"], perm::PUB | perm::SUB);
        assert_eq!(a.perms["%RETRY%groupA"], perm::DENY);
        let b = &acl.accounts["rocketmq2"];
        assert!(b.admin && b.perms.is_empty());
        assert_eq!(b.default_topic_perm, perm::DENY, "unset means DENY");
        assert!(acl.warnings.is_empty(), "{:?}", acl.warnings);
    }

    #[test]
    fn bad_files_are_errors_and_odd_ones_warnings() {
        assert!(matches!(parse("a: [b"), Err(PlainAclError::Yaml(_))));
        assert!(matches!(parse("- 1"), Err(PlainAclError::NotAMapping)));
        let short = "accounts:\n  - accessKey: abc\n    secretKey: 12345678\n";
        assert!(parse(short).unwrap_err().to_string().contains("longer than 6"));
        let bad_perm = "accounts:\n  - accessKey: abcdefg\n    secretKey: 12345678\n    topicPerms: [t]\n";
        assert!(parse(bad_perm).unwrap_err().to_string().contains("NAME=PERM"));
        let bad_addr = "globalWhiteRemoteAddresses: [10.0.0.x]\n";
        assert!(matches!(parse(bad_addr), Err(PlainAclError::Address(_))));
        let odd =
            "accounts:\n  - accessKey: abcdefg\n    secretKey: 12345678\n    defaultTopicPerm: PUBSUB\n";
        let acl = parse(odd).unwrap();
        assert_eq!(acl.accounts["abcdefg"].default_topic_perm, perm::DENY);
        assert!(acl.warnings[0].contains("PUBSUB"), "{:?}", acl.warnings);
        assert!(parse("").unwrap().accounts.is_empty());
    }

    #[test]
    fn permissions_check_as_java_checks_them() {
        assert!(grants(perm::PUB, perm::PUB | perm::SUB));
        assert!(!grants(perm::PUB, perm::SUB));
        assert!(!grants(perm::SUB, perm::SUB | perm::DENY));
    }
}
