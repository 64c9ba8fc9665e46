//! The single integration test binary (one link step): `mod`s below group tests by area.

mod acl;
mod admin_commands;
mod agent;
mod agent_tls;
mod cli;
mod cluster_health;
mod cluster_list;
mod completions;
mod consumer_groups;
mod consumer_status;
mod fast_try;
mod gen_config;
mod issue20;
mod ports;
mod real_cluster;
mod transfer_leader;
mod upgrade_acl;
mod upgrade_faults;
mod upgrade_group;
mod upgrade_refusals;
mod upgrade_traffic;
mod util;
mod verify_commitlog;
