//! The broker crate's single integration-test binary: real servers in-process on 127.0.0.1 with
#![allow(clippy::print_stderr)] // tests report measured figures (failover time) on stderr
//! ephemeral ports, real files in temp dirs.

mod broker;
mod dledger;
mod protocol;
mod util;
