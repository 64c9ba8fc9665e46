//! Library code behind the subcommands. Nothing here parses arguments or prints; every read
//! operation returns a `Serialize` report.

pub mod admin;
pub mod benchmark;
pub mod broker_status;
pub mod cluster_health;
pub mod cluster_list;
pub mod consume_message;
pub mod consumer_connection;
pub mod consumer_progress;
pub mod consumer_running_info;
pub mod delete_sub_group;
pub mod delete_topic;
pub mod dledger_status;
pub mod fast_try;
pub mod fastjson;
pub mod gen_config;
pub mod get_broker_config;
pub mod java_order;
pub mod message;
pub mod node;
pub mod producer_connection;
pub mod query_msg_by_id;
pub mod query_msg_by_key;
pub mod query_msg_by_unique_key;
pub mod reset_offset_by_time;
pub mod route;
pub mod send_message;
pub mod topic_list;
pub mod topic_route;
pub mod topic_status;
pub mod transfer_leader;
pub mod update_sub_group;
pub mod update_topic;
pub mod upgrade_group;
pub mod verify_commitlog;
pub mod write_perm;
