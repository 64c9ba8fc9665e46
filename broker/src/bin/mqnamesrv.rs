//! `mqnamesrv`: the RocketMQ name server.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;

use clap::Parser;

/// RocketMQ-compatible name server.
#[derive(Parser, Debug)]
#[command(name = "mqnamesrv", version)]
struct Args {
    /// Address to listen on (overrides listenPort).
    #[arg(long, value_name = "IP:PORT")]
    listen: Option<String>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    broker::signal::init_logging();
    let listen = args.listen.unwrap_or_else(|| "0.0.0.0:9876".to_string());
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
        let local = listener.local_addr().map(|a| a.to_string()).unwrap_or(listen);
        println!("The Name Server boot success. serializeType=JSON, listening on {local}");
        broker::namesrv::run(listener, Default::default(), broker::signal::shutdown_signal()).await;
        ExitCode::SUCCESS
    })
}
