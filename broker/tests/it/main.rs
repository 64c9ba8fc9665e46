//! The broker crate's single integration-test binary: real servers in-process on 127.0.0.1 with
//! ephemeral ports, real `mqbroker` processes (`env!("CARGO_BIN_EXE_mqbroker")`), real files in temp
//! dirs. Long variants run with `SOAK=1`.
#![allow(clippy::print_stderr)] // tests report measured figures (failover time) on stderr

mod acl;
mod ali_ons;
mod broker;
mod consumer_admin;
mod delayed;
mod disk_full;
mod dledger;
mod dledger_cluster;
mod dledger_faults;
mod durability;
mod groups;
mod hostile;
mod long_polling;
mod metrics;
#[path = "../../../tests/ports.rs"]
mod ports;
mod power_loss;
mod protocol;
mod query_by_key;
mod raw_conn;
mod replica_status;
mod replication;
mod security;
mod transaction;
mod util;
