//! RocketMQ-compatible servers in Rust: the remoting protocol, the name server, the broker with its
//! Apache-RocketMQ-compatible store, and the DLedger-mode commitlog replicated with openraft.
//!
//! The binaries `mqnamesrv` and `mqbroker` are thin wrappers over this library; `mqadmin` uses the
//! remoting client and the on-disk format definitions from here so that there is one implementation
//! of each wire and disk format.

pub mod config;
pub mod json;
pub mod namesrv;
pub mod properties;
pub mod raft;
pub mod remoting;
pub mod signal;
pub mod store;
