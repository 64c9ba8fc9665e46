//! Remote-address patterns of plain_acl.yml (`globalWhiteRemoteAddresses` and an account's
//! `whiteRemoteAddress`), read as Java 4.9's `RemoteAddressStrategyFactory` reads them:
//!
//! - empty: matches nothing; `*`, `*.*.*.*` or `*:*:*:*:*:*:*:*`: matches every address;
//! - `192.168.1.{1,2,3}` (a set in the last part) or `10.0.0.1,10.0.0.2` (a list): those hosts;
//! - `192.168.1.*`, `192.168.*` or `192.168.1.10-20`: the first `*` or `a-b` part is a range
//!   of that part after a fixed prefix; the parts after it are not looked at (as in Java);
//! - IPv6 the same way, with hexadecimal parts (`fe80::1:*`, `2001:db8::10-ff`);
//! - anything else: one address.

use std::collections::HashSet;
use std::net::{IpAddr, Ipv6Addr};

/// A pattern that cannot be read; the message names it.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid remote address pattern {pattern:?}: {reason}")]
pub struct AddressError {
    /// The pattern as written.
    pub pattern: String,
    /// What is wrong.
    pub reason: &'static str,
}

/// One parsed pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddressPattern {
    /// Empty: no address matches.
    Nothing,
    /// `*`: every address matches.
    Any,
    /// A set or list of hosts.
    Hosts(HashSet<IpAddr>),
    /// A range of one part after a fixed prefix of parts.
    Range {
        /// The fixed leading parts (IPv4 octets or IPv6 segments).
        prefix: Vec<u16>,
        /// Whether the parts are IPv6 segments.
        v6: bool,
        /// Smallest value of the part after the prefix.
        start: u16,
        /// Largest value of that part.
        end: u16,
    },
}

impl AddressPattern {
    /// Parses a pattern.
    ///
    /// # Errors
    /// A pattern that is none of the forms above.
    pub fn parse(raw: &str) -> Result<Self, AddressError> {
        let s = raw.trim();
        let err = |reason| AddressError {
            pattern: raw.to_string(),
            reason,
        };
        if s.is_empty() {
            return Ok(Self::Nothing);
        }
        if matches!(s, "*" | "*.*.*.*" | "*:*:*:*:*:*:*:*") {
            return Ok(Self::Any);
        }
        if let Some(open) = s.strip_suffix('}') {
            let (head, set) = open
                .rsplit_once('{')
                .ok_or_else(|| err("a `}` without its `{`"))?;
            if !(head.ends_with('.') || head.ends_with(':')) {
                return Err(err("the `{...}` set must be the last part"));
            }
            let hosts = set
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(|p| {
                    parse_ip(&format!("{head}{p}")).ok_or_else(|| err("a host of the set is not an address"))
                })
                .collect::<Result<HashSet<_>, _>>()?;
            return Ok(Self::Hosts(hosts));
        }
        if s.contains(',') {
            let hosts = s
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(|p| parse_ip(p).ok_or_else(|| err("an entry of the list is not an address")))
                .collect::<Result<HashSet<_>, _>>()?;
            return Ok(Self::Hosts(hosts));
        }
        if s.contains('*') || s.contains('-') {
            return if s.contains(':') {
                parse_v6_range(s).ok_or_else(|| err("not an IPv6 range such as fe80::1:* or fe80::1:10-ff"))
            } else {
                parse_v4_range(s).ok_or_else(|| err("not an IPv4 range such as 10.0.0.* or 10.0.0.1-20"))
            };
        }
        parse_ip(s)
            .map(|ip| Self::Hosts(HashSet::from([ip])))
            .ok_or_else(|| err("not an IP address"))
    }

    /// Whether `addr` matches.
    pub fn matches(&self, addr: IpAddr) -> bool {
        let addr = addr.to_canonical();
        match self {
            Self::Nothing => false,
            Self::Any => true,
            Self::Hosts(hosts) => hosts.contains(&addr),
            Self::Range {
                prefix,
                v6,
                start,
                end,
            } => {
                let parts: Vec<u16> = match (addr, v6) {
                    (IpAddr::V4(a), false) => a.octets().iter().map(|&o| u16::from(o)).collect(),
                    (IpAddr::V6(a), true) => a.segments().to_vec(),
                    _ => return false,
                };
                parts.starts_with(prefix)
                    && parts
                        .get(prefix.len())
                        .is_some_and(|p| (*start..=*end).contains(p))
            }
        }
    }
}

fn parse_ip(s: &str) -> Option<IpAddr> {
    s.trim().parse::<IpAddr>().ok().map(|ip| ip.to_canonical())
}

/// `a.b.*`, `a.b.c.x-y`: the first part (after the first) that is `*` or a range.
fn parse_v4_range(s: &str) -> Option<AddressPattern> {
    let parts: Vec<&str> = s.split('.').map(str::trim).collect();
    if parts.len() > 4 {
        return None;
    }
    let at = (1..parts.len()).find(|&i| parts[i] == "*" || parts[i].contains('-'))?;
    let prefix = parts[..at]
        .iter()
        .map(|p| p.parse::<u8>().ok().map(u16::from))
        .collect::<Option<Vec<u16>>>()?;
    let (start, end) = part_range(parts[at], 10, 255)?;
    Some(AddressPattern::Range {
        prefix,
        v6: false,
        start,
        end,
    })
}

/// `fe80::1:*`, `2001:db8::10-ff:*`: the first segment that is `*` or a range, located by
/// counting the segments after it from the end of the address.
fn parse_v6_range(s: &str) -> Option<AddressPattern> {
    let parts: Vec<&str> = s.split(':').collect();
    let at = (1..parts.len()).find(|&i| parts[i].trim() == "*" || parts[i].contains('-'))?;
    let (start, end) = part_range(parts[at].trim(), 16, 0xffff)?;
    // Zero every wildcard to read the prefix (which may use `::`) as an address.
    let zeroed: Vec<&str> = parts
        .iter()
        .map(|p| {
            if p.trim() == "*" || p.contains('-') {
                "0"
            } else {
                p
            }
        })
        .collect();
    let addr: Ipv6Addr = zeroed.join(":").parse().ok()?;
    let index = 8usize.checked_sub(parts.len() - at)?;
    Some(AddressPattern::Range {
        prefix: addr.segments()[..index].to_vec(),
        v6: true,
        start,
        end,
    })
}

/// `*` (the whole part) or `a-b` with `a <= b <= max`.
fn part_range(part: &str, radix: u32, max: u32) -> Option<(u16, u16)> {
    if part == "*" {
        return Some((0, max as u16));
    }
    let (a, b) = part.split_once('-')?;
    let a = u32::from_str_radix(a.trim(), radix).ok()?;
    let b = u32::from_str_radix(b.trim(), radix).ok()?;
    (a <= b && b <= max).then_some((a as u16, b as u16))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, a: &str) -> bool {
        AddressPattern::parse(p).unwrap().matches(a.parse().unwrap())
    }

    #[test]
    fn java_forms_match_as_in_java() {
        assert!(!m("", "10.0.0.1"));
        assert!(m("*", "10.0.0.1") && m("*.*.*.*", "::1"));
        assert!(m("192.168.0.*", "192.168.0.77") && !m("192.168.0.*", "192.168.1.77"));
        assert!(m("192.168.*", "192.168.9.1") && !m("192.168.*", "192.169.9.1"));
        assert!(m("192.168.1.10-20", "192.168.1.15") && !m("192.168.1.10-20", "192.168.1.21"));
        assert!(m("192.168.1.{1,2,3}", "192.168.1.2") && !m("192.168.1.{1,2,3}", "192.168.1.4"));
        assert!(m("10.0.0.1,10.0.0.2", "10.0.0.2") && !m("10.0.0.1,10.0.0.2", "10.0.0.3"));
        assert!(m("127.0.0.1", "127.0.0.1") && !m("127.0.0.1", "127.0.0.2"));
        // An IPv4 client seen on a dual-stack socket.
        assert!(m("127.0.0.1", "::ffff:127.0.0.1"));
        assert!(m("fe80::1:*", "fe80::1:abcd") && !m("fe80::1:*", "fe80::2:abcd"));
        assert!(m("2001:db8::10-ff", "2001:db8::20") && !m("2001:db8::10-ff", "2001:db8::1:20"));
        assert!(m("::1", "::1") && !m("::1", "127.0.0.1"));
    }

    #[test]
    fn bad_patterns_are_errors() {
        for p in [
            "10.0.0.300",
            "10.0.0.5-1",
            "*.1.2.3",
            "10.0.0.{1,x}",
            "a.b.c.d",
            "10.0.0.1-2-3",
            "1.2.3.4.5.*",
        ] {
            assert!(AddressPattern::parse(p).is_err(), "{p}");
        }
    }
}
