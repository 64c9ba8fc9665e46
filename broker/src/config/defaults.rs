//! Where the defaults of the configs come from when they are not constants: the environment
//! (`ROCKETMQ_HOME`, `NAMESRV_ADDR`, `$HOME`), this host (name, outward IPv4 address, CPU count),
//! and the default values of our own keys that both the broker and the name server use.

use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::sync::OnceLock;

/// A non-blank environment variable.
pub(super) fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|s| !s.trim().is_empty())
}

/// `$HOME`, as Java's `user.home`; `.` if unset.
pub(super) fn home_dir() -> String {
    std::env::var("HOME")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| ".".to_owned())
}

/// Java's default `storePathRootDir`: `$HOME/store`.
pub(super) fn default_store_root() -> String {
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

pub(super) fn cpus() -> u32 {
    std::thread::available_parallelism().map_or(1, |n| u32::try_from(n.get()).unwrap_or(u32::MAX))
}

/// Our default for `dLegerHeartBeatTimeIntervalMs`.
pub const DEFAULT_DLEDGER_HEARTBEAT_INTERVAL_MS: u64 = 100;
/// Our default for `dLegerElectionTimeoutMinMs`.
pub const DEFAULT_DLEDGER_ELECTION_TIMEOUT_MIN_MS: u64 = 200;
/// Our default for `dLegerElectionTimeoutMaxMs`.
pub const DEFAULT_DLEDGER_ELECTION_TIMEOUT_MAX_MS: u64 = 300;
/// Our default for `maxFrameBytes`: 16 MiB, enough for a 4 MiB message plus batch overhead.
pub const DEFAULT_MAX_FRAME_BYTES: u32 = 16 * 1024 * 1024;
/// Our default for `maxConnections`.
pub const DEFAULT_MAX_CONNECTIONS: u32 = 10_000;
/// Our default for `maxRequestsInFlightPerConnection`.
pub const DEFAULT_MAX_REQUESTS_IN_FLIGHT_PER_CONNECTION: u32 = 4096;
/// Java's default for `serverChannelMaxIdleTimeSeconds`.
pub const DEFAULT_SERVER_CHANNEL_MAX_IDLE_TIME_SECONDS: u64 = 120;
