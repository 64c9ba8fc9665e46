//! The broker crate's single integration-test binary: real servers in-process on 127.0.0.1 with
//! ephemeral ports, real files in temp dirs.

mod broker;
mod protocol;
mod util;
