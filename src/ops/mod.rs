//! Library code behind the subcommands. Nothing here parses arguments or prints; every read
//! operation returns a `Serialize` report.

pub mod cluster_list;
pub mod gen_config;
pub mod java_order;
pub mod verify_commitlog;
