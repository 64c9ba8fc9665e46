//! The plain_acl.yml parser (`broker::acl::plain::parse`) and the remote-address patterns
//! (`AddressPattern::parse`) on arbitrary text.
//!
//! Checks: no panic; every account of a parsed file has an access key and a secret key longer
//! than 6 characters; every pattern that parses can be matched against IPv4 and IPv6 addresses.
#![no_main]

use std::net::IpAddr;

use broker::broker::acl::address::AddressPattern;
use broker::broker::acl::plain::{parse, MIN_KEY_LENGTH};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let addrs: [IpAddr; 3] = [
        "127.0.0.1".parse().expect("v4"),
        "10.10.103.7".parse().expect("v4"),
        "fe80::1:abcd".parse().expect("v6"),
    ];
    for line in text.lines() {
        if let Ok(p) = AddressPattern::parse(line) {
            for a in addrs {
                let _ = p.matches(a);
            }
        }
    }
    let Ok(acl) = parse(&text) else {
        return;
    };
    for (key, a) in &acl.accounts {
        assert_eq!(key, &a.access_key);
        assert!(a.access_key.chars().count() > MIN_KEY_LENGTH);
        assert!(a.secret_key.chars().count() > MIN_KEY_LENGTH);
        for addr in addrs {
            let _ = a.white.matches(addr);
        }
    }
    for p in &acl.global_white {
        for addr in addrs {
            let _ = p.matches(addr);
        }
    }
});
