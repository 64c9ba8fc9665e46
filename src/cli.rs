//! Command-line definitions: clap derive structs only, no behaviour.
//!
//! Every subcommand's `///` comment is its help text. Java-parity commands keep their Java names
//! (`clusterList`) through an explicit `#[command(name = ...)]`.

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::render::OutputFormat;

/// Text appended to the top-level `--help`: the exit-code contract.
const EXIT_CODES_HELP: &str = "\
Exit status:
  0  success
  1  a check failed or the input was wrong (e.g. a broker did not answer)
  2  an error (e.g. no name server reachable, bad usage)";

/// Sample output shown by `mqadmin clusterList --help`.
const CLUSTER_LIST_EXAMPLE: &str = "\
Asks the first reachable name server for the cluster layout (GET_BROKER_CLUSTER_INFO), then every
broker address for its runtime info (GET_BROKER_RUNTIME_INFO), and prints what the Java tool
prints. A DLedger group shows its leader as BID 0 and follower nN as BID N+1. A broker that does
not answer keeps its row with empty values, is named on stderr, and the exit status is 1.

Example (4.x layout, a DLedger group led by n1):
  $ mqadmin clusterList -n 127.0.0.1:9876
  #Cluster Name     #Broker Name            #BID  #Addr                  #Version                #InTPS(LOAD)       #OutTPS(LOAD) #PCWait(ms) #Hour #SPACE
  RaftCluster       RaftNode00              0     192.168.1.10:30921     V4_9_7                   0.00(0,0ms)         0.00(0,0ms)          0 475123.45 0.4300
  RaftCluster       RaftNode00              1     192.168.1.10:30911     V4_9_7                   0.00(0,0ms)         0.00(0,0ms)          0 475123.45 0.4300
  RaftCluster       RaftNode00              3     192.168.1.10:30931     V4_9_7                   0.00(0,0ms)         0.00(0,0ms)          0 475123.45 0.4300";

/// Operator CLI for Apache RocketMQ and RocketMQ-on-DLedger groups.
#[derive(Debug, Parser)]
#[command(name = "mqadmin", version, about, after_help = EXIT_CODES_HELP)]
pub struct Cli {
    /// Options shared by every subcommand.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// The subcommand to run.
    #[command(subcommand)]
    pub command: Commands,
}

/// Options accepted before or after any subcommand.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn
    #[arg(
        short = 'n',
        long = "namesrvAddr",
        value_name = "ADDRS",
        global = true,
        env = "NAMESRV_ADDR",
        hide_env_values = true
    )]
    pub namesrv_addr: Option<String>,

    /// Output format for data written to stdout
    #[arg(long, value_enum, default_value_t = OutputFormat::Table, global = true)]
    pub output: OutputFormat,

    /// Do not print warnings or progress to stderr (errors are still printed)
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

/// Every `mqadmin` subcommand.
#[derive(Debug, Subcommand)]
pub enum Commands {
    /// List clusters, broker groups and each broker's runtime statistics
    #[command(name = "clusterList", after_long_help = CLUSTER_LIST_EXAMPLE)]
    ClusterList(ClusterListArgs),
    /// Print a shell completion script to stdout
    Completions(CompletionsArgs),
    /// Run a name server and a 3-node DLedger group on this machine (start | stop | status)
    #[command(name = "fast-try", after_long_help = FAST_TRY_HELP)]
    FastTry(FastTryArgs),
}

/// Long help of `fast-try`.
const FAST_TRY_HELP: &str = "\
Starts mqnamesrv on 127.0.0.1:9876 and three mqbroker processes from conf/dledger/broker-n0..n2.conf
(ports 30911/30921/30931, DLedger peers 40911-40913, stores /tmp/rmqstore/node00..02), waits until
a leader is registered as BID 0 and prints the cluster list. Every port is checked first: if one is
taken, fast-try names the process that holds it and starts nothing. `stop` sends SIGTERM, then
SIGKILL after --timeout seconds, and is safe to run twice. Failover demo:
  $ mqadmin fast-try start
  $ kill -9 <pid of the BID 0 broker, from `mqadmin fast-try status`>
  $ mqadmin -n 127.0.0.1:9876 clusterList     # another node is BID 0 within about a second";

/// Arguments of `mqadmin fast-try`.
#[derive(Debug, Args)]
pub struct FastTryArgs {
    /// What to do
    #[arg(value_enum)]
    pub action: FastTryAction,
    /// Directory with broker-n0.conf, broker-n1.conf and broker-n2.conf
    #[arg(long, value_name = "DIR", default_value = "conf/dledger")]
    pub conf_dir: std::path::PathBuf,
    /// Put the stores (node00..node02), logs and state under DIR instead of the configs' paths
    #[arg(long, value_name = "DIR")]
    pub store_root: Option<std::path::PathBuf>,
    /// Name server port
    #[arg(long, value_name = "PORT", default_value_t = 9876)]
    pub namesrv_port: u16,
    /// Seconds to wait for a leader (start) or for a graceful stop (stop)
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub timeout: u64,
}

/// `fast-try` actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FastTryAction {
    /// Start the name server and the three brokers
    Start,
    /// Stop everything fast-try started
    Stop,
    /// Show what runs
    Status,
}

/// Arguments of `mqadmin clusterList`.
#[derive(Debug, Args)]
pub struct ClusterListArgs {
    /// Print message totals for yesterday and today instead of TPS and load
    #[arg(short = 'm', long = "moreStats")]
    pub more_stats: bool,

    /// Repeat every SECONDS seconds until interrupted (Ctrl-C)
    #[arg(short = 'i', long = "interval", value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub interval: Option<u64>,

    /// Show only this cluster (an unknown name prints only the header)
    #[arg(short = 'c', long = "clusterName", value_name = "NAME")]
    pub cluster_name: Option<String>,

    /// Table layout to imitate: RocketMQ 4.x or 5.x `mqadmin`
    #[arg(long, value_enum, default_value_t = TableLayout::V4)]
    pub format: TableLayout,
}

/// Which Java `mqadmin` table layout to reproduce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableLayout {
    /// RocketMQ 4.x columns (4.5 to 4.9.8)
    V4,
    /// RocketMQ 5.x columns (5.3.x): adds ack pool, timer progress and ACTIVATED
    V5,
}

/// Arguments of `mqadmin completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to generate completions for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}
