//! Keys that turn on a security feature this server does not serve yet, so that a config that
//! asks for one fails closed instead of starting open.
//!
//! Java reads these keys from the broker's `-c` file (`useTLS` is a NettyClientConfig field
//! that BrokerStartup fills from the same file, and 5.x's `authenticationEnabled` and
//! `authorizationEnabled` come from it too); the `tls.*` names are the
//! system properties Java's TLS setup reads, which operators also put in config files. Before
//! this list, such a key was "unknown (ignored)" and the broker started with every client
//! allowed: an operator who asked for ACL got none, and only a warning said so. Now a value
//! that enables the feature stops the server with [`super::ConfigError::UnservedSecurity`]; the
//! value that disables it (`useTLS=false`) is accepted silently, as it asks for what we do.
//! `aclEnable` left this list when 4.9's plain ACL was implemented ([`crate::broker::acl`]).

/// One security key: its name and the one value that leaves the feature off.
struct SecurityKey {
    key: &'static str,
    off: &'static str,
    feature: &'static str,
}

const KEYS: &[SecurityKey] = &[
    SecurityKey {
        key: "authenticationEnabled",
        off: "false",
        feature: "client authentication",
    },
    SecurityKey {
        key: "authorizationEnabled",
        off: "false",
        feature: "client authorization",
    },
    SecurityKey {
        key: "useTLS",
        off: "false",
        feature: "TLS",
    },
    SecurityKey {
        key: "tls.enable",
        off: "false",
        feature: "TLS",
    },
    SecurityKey {
        key: "tls.server.mode",
        off: "disabled",
        feature: "TLS",
    },
];

/// What a security key's value asks for.
pub(super) enum Security {
    /// The feature stays off: accept the entry silently.
    Off,
    /// The feature is turned on (any value but the off one: fail closed on typos too).
    On {
        /// The key's own spelling.
        key: &'static str,
        /// The value that would turn it off.
        off: &'static str,
    },
}

/// Whether `key` is a security key we do not serve, and if so what `raw` asks for; `None` for
/// every other key.
pub(super) fn check(key: &str, raw: &str) -> Option<Security> {
    let k = KEYS.iter().find(|k| k.key == key)?;
    let value = raw.trim();
    Some(if value.is_empty() || value.eq_ignore_ascii_case(k.off) {
        Security::Off
    } else {
        Security::On {
            key: k.key,
            off: k.off,
        }
    })
}

/// The feature a security key turns on, for the error message; "a security feature" for a key
/// not in the list.
pub(super) fn feature(key: &str) -> &'static str {
    KEYS.iter()
        .find(|k| k.key == key)
        .map_or("a security feature", |k| k.feature)
}
