//! Ports for the servers tests start, taken from below the kernel's ephemeral port range.
//!
//! A port found by binding port 0 comes from the ephemeral range, the range the kernel also gives
//! outgoing connections their local port from. Between the moment a test notes such a port and
//! the moment its server binds it (or binds it again after a `kill -9`), a client socket of any
//! test running in parallel may be given that very port, and the server fails with "Address
//! already in use". Ports below the range are never handed to outgoing connections, so only
//! listeners compete for them: each candidate is checked free (bound, then released) and handed
//! out once per process. The root package's test binary and the broker's `it` binary both use
//! this file.

use std::net::TcpListener;
use std::sync::Mutex;

/// The kernel's ephemeral range, Linux's default when it cannot be read.
fn ephemeral_range() -> (u16, u16) {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| {
            let mut it = s.split_whitespace().map(|n| n.parse::<u16>().ok());
            Some((it.next()??, it.next()??))
        })
        .unwrap_or((32768, 60999))
}

/// The first of `n` consecutive free ports, none handed out before in this process.
pub fn free_ports(n: u16) -> u16 {
    static NEXT: Mutex<Option<u16>> = Mutex::new(None);
    let (lo, hi) = ephemeral_range();
    // Below the range when there is room, else above it.
    let (start, end) = if lo >= 12_000 {
        (10_000, lo)
    } else {
        (hi.saturating_add(1), u16::MAX)
    };
    let span = end - start;
    let mut next = NEXT.lock().unwrap_or_else(|p| p.into_inner());
    // Another test process (a second `cargo test`) starts elsewhere in the span.
    let mut p = next.unwrap_or_else(|| start + (std::process::id() % u32::from(span)) as u16);
    for _ in 0..span {
        if p.saturating_add(n) > end {
            p = start;
        }
        let first = p;
        p += n;
        if (first..first + n).all(|port| TcpListener::bind(("0.0.0.0", port)).is_ok()) {
            *next = Some(p);
            return first;
        }
    }
    panic!("no {n} consecutive free ports between {start} and {end}");
}
