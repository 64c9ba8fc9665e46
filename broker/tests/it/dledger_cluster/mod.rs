//! A DLedger cluster of real processes for the fault tests (`dledger_faults`): three `mqbroker`
//! processes of group [`GROUP`] (cluster `RaftCluster`) and an `mqnamesrv` process, each in its
//! own temp dir, which a test can kill (`kill -9`), stop (SIGSTOP), restart, cut off from its
//! peers, or starve of disk space, while clients keep sending and reading through the name
//! server as RocketMQ clients do.
//!
//! A test usually starts with [`Group::sending`] (a fresh group, topic [`TOPIC`] with [`QUEUES`]
//! queues, [`Senders`] that follow BID 0 through failovers), does something to `g.nodes[i]` (a
//! [`crate::util::BrokerProc`]), waits with [`wait_bid0_among`] / [`wait_follower`], then stops
//! the senders and hands what was acknowledged to [`check_group`]: every acknowledged message
//! exactly once at its position on every node, and byte-identical data files.
//!
//! - [`process`]: the name server process, network namespaces for kernel-level partitions.
//! - [`group`]: starting the group ([`Group`], [`Net`]) and what the name server says of it.
//! - [`client`]: senders ([`send_retrying`], [`Senders`]) and whole-topic pulls ([`pull_topic`]).
//! - [`consumer`]: a consumer that follows BID 0 and may commit its offsets ([`Consumer`]).
//! - [`checks`]: the end-of-test checks of served messages and of the nodes' data files.
//!
//! Root-only variants: the kernel-level partition ([`Net::Netns`]) needs root (network
//! namespaces). A test that wants it and cannot have it prints `variant: proxy` and runs with TCP
//! proxies instead, unless `MQ_REQUIRE_ROOT_VARIANTS=1` is set: then it fails and says why the
//! namespaces could not be made. Every partition test prints the variant it ran
//! (`variant: netns` / `variant: proxy`).

use std::time::Duration;

pub mod checks;
pub mod client;
pub mod consumer;
pub mod group;
pub mod process;

pub use checks::*;
pub use client::*;
pub use consumer::*;
pub use group::*;
pub use process::*;

/// The DLedger group (and broker name) of the three nodes.
pub const GROUP: &str = "RaftNode00";
/// The topic the senders and consumers use.
pub const TOPIC: &str = "Faults";
pub const QUEUES: i32 = 4;
/// Client timeout of a send: a cut-off leader must not keep a sender waiting longer.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(3);
