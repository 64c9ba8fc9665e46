//! `mqnamesrv`: the RocketMQ name server.
//!
//! Exit codes: 0 after a clean shutdown (SIGTERM/SIGINT) or after `-p`; 2 when the config is
//! invalid or the port cannot be bound.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;
use std::time::Duration;

use broker::config::NamesrvConfig;
use broker::namesrv::NamesrvOptions;
use broker::remoting::server::ServerConfig;
use clap::Parser;

/// mimalloc: glibc's malloc/free was about a third of the DLedger leader's CPU (bench/run.sh).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// RocketMQ-compatible name server.
#[derive(Parser, Debug)]
#[command(
    name = "mqnamesrv",
    version,
    after_help = "Exit codes: 0 clean shutdown, 2 bad config or port in use."
)]
struct Args {
    /// Java properties file (listenPort, brokerChannelExpiredTime, ...).
    #[arg(short = 'c', long = "configFile", value_name = "FILE")]
    config_file: Option<std::path::PathBuf>,
    /// Print every effective config item and exit.
    #[arg(short = 'p', long = "printConfigItem")]
    print_config: bool,
    /// Address to listen on, overriding listenPort (e.g. 127.0.0.1:0 for an ephemeral port).
    #[arg(long, value_name = "IP:PORT")]
    listen: Option<String>,
}

fn load(args: &Args) -> Result<NamesrvConfig, String> {
    let mut cfg = match &args.config_file {
        Some(path) => {
            let (cfg, warnings) = NamesrvConfig::from_properties_file(path).map_err(|e| e.to_string())?;
            for w in warnings {
                eprintln!("warning: {w}");
            }
            cfg
        }
        None => NamesrvConfig::default(),
    };
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
            eprintln!("mqnamesrv: {e}");
            return ExitCode::from(2);
        }
    };
    if args.print_config {
        for (k, v) in cfg.print_all() {
            println!("{k}={v}");
        }
        return ExitCode::SUCCESS;
    }
    broker::signal::init_logging();
    let listen = args
        .listen
        .clone()
        .unwrap_or_else(|| format!("0.0.0.0:{}", cfg.listen_port));
    let options = NamesrvOptions {
        broker_expired: Duration::from_millis(cfg.broker_channel_expired_time),
        scan_interval: Duration::from_millis(cfg.scan_not_active_broker_interval.max(1)),
        server: ServerConfig {
            max_frame: cfg.max_frame_bytes as usize,
            max_connections: cfg.max_connections as usize,
            idle_timeout: Duration::from_secs(cfg.server_channel_max_idle_time_seconds),
            max_in_flight: cfg.max_requests_in_flight_per_connection as usize,
            ..ServerConfig::default()
        },
    };
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("mqnamesrv: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    rt.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(&listen).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("mqnamesrv: cannot listen on {listen}: {e}");
                return ExitCode::from(2);
            }
        };
        let metrics = match cfg.metrics_exporter_type {
            broker::config::MetricsExporterType::Prom => {
                let (host, port) = (
                    cfg.metrics_prom_exporter_host.trim(),
                    cfg.metrics_prom_exporter_port,
                );
                match broker::metrics::bind(host, port).await {
                    Ok(l) => Some(l),
                    Err(e) => {
                        eprintln!("mqnamesrv: cannot bind the metrics exporter on {host}:{port}: {e}");
                        return ExitCode::from(2);
                    }
                }
            }
            broker::config::MetricsExporterType::Disable => None,
        };
        let local = listener.local_addr().map(|a| a.to_string()).unwrap_or(listen);
        println!("The Name Server boot success. serializeType=JSON, listening on {local}");
        broker::namesrv::run_with_metrics(listener, metrics, options, broker::signal::shutdown_signal())
            .await;
        ExitCode::SUCCESS
    })
}
