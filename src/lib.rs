//! `mqadmin`: an operator CLI for Apache RocketMQ and RocketMQ-on-DLedger.
//!
//! Layout: [`cli`] holds the clap definitions, [`commands`] are thin adapters from arguments to
//! [`ops`] (library code that never prints) and back to [`render`]ed output via [`printer`].

pub mod cli;
pub mod commands;
pub mod exit;
pub mod javafmt;
pub mod ops;
pub mod printer;
pub mod render;
pub mod reporters;

use anyhow::Context;

use crate::cli::{Cli, Commands};
use crate::exit::ExitStatus;
use crate::printer::Printer;

/// Runs one parsed command line and returns how it ended.
///
/// # Errors
/// Unexpected failures (unreachable name server, I/O errors); the caller prints the chain and exits 2.
pub fn run(cli: Cli) -> anyhow::Result<ExitStatus> {
    let printer = Printer::new(cli.global.quiet);
    if let (Some(access_key), Some(secret_key)) = (&cli.global.access_key, &cli.global.secret_key) {
        ops::admin::set_credentials(broker::remoting::acl_sign::Credentials {
            access_key: access_key.clone(),
            secret_key: secret_key.clone(),
            security_token: None,
        });
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("failed to start the tokio runtime")?;
    match cli.command {
        Commands::ClusterList(args) => {
            runtime.block_on(commands::cluster_list::run(&cli.global, &args, &printer))
        }
        Commands::UpdateTopic(args) => {
            runtime.block_on(commands::update_topic::run(&cli.global, &args, &printer))
        }
        Commands::DeleteTopic(args) => {
            runtime.block_on(commands::delete_topic::run(&cli.global, &args, &printer))
        }
        Commands::TopicList(args) => {
            runtime.block_on(commands::topic_list::run(&cli.global, &args, &printer))
        }
        Commands::TopicRoute(args) => {
            runtime.block_on(commands::topic_route::run(&cli.global, &args, &printer))
        }
        Commands::TopicStatus(args) => {
            runtime.block_on(commands::topic_status::run(&cli.global, &args, &printer))
        }
        Commands::BrokerStatus(args) => {
            runtime.block_on(commands::broker_status::run(&cli.global, &args, &printer))
        }
        Commands::GetBrokerConfig(args) => {
            runtime.block_on(commands::get_broker_config::run(&cli.global, &args, &printer))
        }
        Commands::SendMessage(args) => {
            runtime.block_on(commands::send_message::run(&cli.global, &args, &printer))
        }
        Commands::ConsumeMessage(args) => {
            runtime.block_on(commands::consume_message::run(&cli.global, &args, &printer))
        }
        Commands::QueryMsgById(args) => {
            runtime.block_on(commands::query_msg_by_id::run(&cli.global, &args, &printer))
        }
        Commands::QueryMsgByKey(args) => {
            runtime.block_on(commands::query_msg_by_key::run(&cli.global, &args, &printer))
        }
        Commands::QueryMsgByUniqueKey(args) => runtime.block_on(commands::query_msg_by_unique_key::run(
            &cli.global,
            &args,
            &printer,
        )),
        Commands::WipeWritePerm(args) => runtime.block_on(commands::write_perm::run(
            &cli.global,
            &args,
            ops::write_perm::WritePerm::Wipe,
            &printer,
        )),
        Commands::AddWritePerm(args) => runtime.block_on(commands::write_perm::run(
            &cli.global,
            &args,
            ops::write_perm::WritePerm::Add,
            &printer,
        )),
        Commands::ResetOffsetByTime(args) => {
            runtime.block_on(commands::reset_offset_by_time::run(&cli.global, &args, &printer))
        }
        Commands::ConsumerProgress(args) => {
            runtime.block_on(commands::consumer_progress::run(&cli.global, &args, &printer))
        }
        Commands::ConsumerConnection(args) => {
            runtime.block_on(commands::consumer_connection::run(&cli.global, &args, &printer))
        }
        Commands::ConsumerStatus(args) => {
            runtime.block_on(commands::consumer_status::run(&cli.global, &args, &printer))
        }
        Commands::ProducerConnection(args) => {
            runtime.block_on(commands::producer_connection::run(&cli.global, &args, &printer))
        }
        Commands::UpdateSubGroup(args) => {
            runtime.block_on(commands::update_sub_group::run(&cli.global, &args, &printer))
        }
        Commands::DeleteSubGroup(args) => {
            runtime.block_on(commands::delete_sub_group::run(&cli.global, &args, &printer))
        }
        Commands::VerifyCommitlog(args) => commands::verify_commitlog::run(&cli.global, &args, &printer),
        Commands::GenConfig(args) => commands::gen_config::run(&cli.global, &args, &printer),
        Commands::Completions(args) => commands::completions::run(&args, &printer),
        Commands::Benchmark(cmd) => commands::benchmark::run(&cli.global, &cmd, &printer),
        Commands::FastTry(args) => runtime.block_on(commands::fast_try::run(&cli.global, &args, &printer)),
        Commands::UpgradeGroup(args) => {
            runtime.block_on(commands::upgrade_group::run(&cli.global, &args, &printer))
        }
        Commands::ShutdownBroker(args) => {
            runtime.block_on(commands::local_broker::shutdown(&cli.global, &args, &printer))
        }
        Commands::DledgerStatus(args) => {
            runtime.block_on(commands::dledger_status::run(&cli.global, &args, &printer))
        }
        Commands::ClusterHealth(args) => {
            runtime.block_on(commands::cluster_health::run(&cli.global, &args, &printer))
        }
        Commands::TransferLeader(args) => {
            runtime.block_on(commands::transfer_leader::run(&cli.global, &args, &printer))
        }
        Commands::StartBroker(args) => {
            runtime.block_on(commands::local_broker::start(&cli.global, &args, &printer))
        }
    }
}
