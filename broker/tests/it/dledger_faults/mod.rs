//! DLedger fault tests with real `mqbroker` and `mqnamesrv` processes (the cluster and its clients
//! are in [`crate::dledger_cluster`]), by theme:
//!
//! - [`crashes`]: `kill -9` of the leader during continuous sending, of a random node while
//!   producers and consumers run, of a follower that then catches up.
//! - [`partitions`]: a SIGSTOPped (cut off) leader, and a leader partitioned from its followers
//!   (by TCP proxies, or by the kernel in network namespaces), which cannot acknowledge.
//! - [`full_disk`]: a full disk on a follower, on the leader, and for the leader's consume queues.
//! - [`upgrade`]: the upgrade from a classic commitlog (spec §6.3).
//! - [`two_groups`]: two groups in one cluster (in-process, to save CPU).
//! - [`leadership`]: a SIGTERM of the leader hands over, a SIGSTOPped follower causes no
//!   election, a rolling restart under load.
//!
//! Environment: `MQ_FAULT_SEED=<u64>` replays the victims of the random-kill test (each run
//! prints its seed); `MQ_REQUIRE_ROOT_VARIANTS=1` makes the network-namespace partition test fail,
//! saying why, where namespaces cannot be made, instead of running with proxies. Tests with
//! variants print the one they ran (`variant: ...`).

mod crashes;
mod full_disk;
mod leadership;
mod metadata;
mod partitions;
mod two_groups;
mod upgrade;
