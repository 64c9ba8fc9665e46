//! `mqbroker -c FILE`: the RocketMQ-compatible broker.
//!
//! Exit codes: 0 after a clean shutdown (SIGTERM/SIGINT) or after `-p`/`-m`; 2 when the config is
//! invalid, a port cannot be bound, or the store cannot be opened (for example because another
//! broker holds its lock); 3 when the DLedger node stopped on a fatal error (for example a corrupt
//! record in its log).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;

use broker::config::BrokerConfig;
use clap::Parser;

/// mimalloc: glibc's malloc/free was about a third of the DLedger leader's CPU (bench/run.sh).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// RocketMQ-compatible broker (classic store, Master/Slave).
#[derive(Parser, Debug)]
#[command(
    name = "mqbroker",
    version,
    after_help = "Exit codes: 0 clean shutdown, 2 bad config, port in use or store locked, \
                  3 the DLedger node stopped on a fatal error (e.g. a corrupt record in its log)."
)]
struct Args {
    /// Java properties file with the broker config.
    #[arg(short = 'c', long = "configFile", value_name = "FILE")]
    config_file: Option<std::path::PathBuf>,
    /// Print every effective config item and exit.
    #[arg(short = 'p', long = "printConfigItem")]
    print_config: bool,
    /// Print the important config items and exit.
    #[arg(short = 'm', long = "printImportantConfig")]
    print_important: bool,
    /// Name server address list (`a:9876;b:9876`), overriding namesrvAddr.
    #[arg(short = 'n', long = "namesrvAddr")]
    namesrv: Option<String>,
}

fn load(args: &Args) -> Result<BrokerConfig, String> {
    let mut cfg = match &args.config_file {
        Some(path) => {
            let (cfg, warnings) = BrokerConfig::from_properties_file(path).map_err(|e| e.to_string())?;
            for w in warnings {
                eprintln!("warning: {w}");
            }
            cfg
        }
        None => BrokerConfig::default(),
    };
    if let Some(n) = &args.namesrv {
        cfg.set("namesrvAddr", n).map_err(|e| e.to_string())?;
    }
    for w in cfg.validate().map_err(|e| e.to_string())? {
        eprintln!("warning: {w}");
    }
    Ok(cfg)
}

fn main() -> ExitCode {
    let args = Args::parse();
    let cfg = match load(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("mqbroker: {e}");
            return ExitCode::from(2);
        }
    };
    if args.print_config || args.print_important {
        let items = if args.print_config {
            cfg.print_all()
        } else {
            cfg.print_important()
        };
        for (k, v) in items {
            println!("{k}={v}");
        }
        return ExitCode::SUCCESS;
    }
    broker::signal::init_logging();
    broker::signal::ignore_file_size_signal();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cfg.server_worker_threads as usize)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("mqbroker: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    rt.block_on(async move {
        match broker::run_broker(cfg, broker::signal::shutdown_signal()).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e @ broker::broker::BrokerError::RaftStopped(_)) => {
                eprintln!("mqbroker: {e}");
                ExitCode::from(3)
            }
            Err(e) => {
                eprintln!("mqbroker: {e}");
                ExitCode::from(2)
            }
        }
    })
}
