//! Thin subcommands: turn parsed arguments into `ops` options, call `ops`, render the report.

pub mod cluster_list;
pub mod completions;
pub mod gen_config;
pub mod verify_commitlog;
