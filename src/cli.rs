//! Command-line definitions: clap derive structs only, no behaviour.
//!
//! Every subcommand's `///` comment is its help text. Java-parity commands keep their Java names
//! (`clusterList`) through an explicit `#[command(name = ...)]`.

use clap::{ArgAction, ArgGroup, Args, Parser, Subcommand, ValueEnum};

use crate::render::OutputFormat;

/// Widest help text: the widest sample table row (clusterList's, 157 columns) fits unwrapped.
pub const HELP_WIDTH: usize = 160;

/// Text appended to the top-level `--help`: the exit-code contract.
const EXIT_CODES_HELP: &str = "\
Exit status:
  0  success
  1  a check failed or the input was wrong (a broker did not answer, an unknown topic, cluster or
     message id, a value a broker would refuse such as updateTopic -p 9)
  2  an error (no name server reachable, a broker failed, bad usage such as a malformed flag)";

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

/// Sample output shown by `mqadmin topicStatus --help`.
const TOPIC_STATUS_EXAMPLE: &str = "\
Reads the topic's route, then asks each broker group's master for its queues' offsets
(GET_TOPIC_STATS_INFO). An unknown topic exits 1.

Example:
  $ mqadmin -n 127.0.0.1:9876 topicStatus -t TopicTest
  #Broker Name                      #QID  #Min Offset           #Max Offset             #Last Updated
  broker-a                          0     0                     6                       2024-05-01 10:00:00,123
  broker-a                          1     0                     0                       ";

/// Sample output shown by `mqadmin sendMessage --help`.
const SEND_MESSAGE_EXAMPLE: &str = "\
Sends to the master (BID 0) of a broker group from the topic's route, on a random writable queue
unless -b/-i choose one. SERVICE_NOT_AVAILABLE or a lost connection (a DLedger group electing a
new leader) re-reads the route and retries, up to 3 attempts. #MsgId is the client id (UNIQ_KEY),
as in Java; `--output json` also gives the broker's offsetMsgId for queryMsgById.

Example:
  $ mqadmin -n 127.0.0.1:9876 sendMessage -t TopicTest -p hello -c TagA -k order-1
  #Broker Name                      #QID  #Send Result            #MsgId
  broker-a                          3     SEND_OK                 7F0000013454EA8FB8EB186B96E50000";
/// Long help of `mqadmin verify-commitlog`: node syntax, verdicts, exit codes and sample output.
const VERIFY_COMMITLOG_HELP: &str = "\
Step 2 of the Master/Slave to DLedger upgrade (stop the brokers, then make sure master and slave
commit logs are identical before copying the master's commitlog/ and config/ to every node).

A NODE is a broker config file (its storePathRootDir/storePathCommitLog locate the store; a
DLedger node's config is refused: its data is a DLedger log), `dir:/path/to/commitlog` (or a plain
directory) for a bare commitlog directory, or `agent://HOST:PORT/BROKER` for a broker served by
the node agent `mqagent` on another machine (token from --token-file or MQADMIN_AGENT_TOKEN); an
agent computes the md5s on its own machine, nothing is downloaded. The newest --last files of the
master and the files of the same names on the other nodes are hashed in parallel (md5). Files are
only read:
nothing on any node is modified. A store whose `lock` file is held by a running broker (or, for a
bare directory, whose files a process holds) is refused unless --allow-running. The same store
given twice is refused.

Verdicts (commitlog files are preallocated and zero-filled; the written length ends at the last
non-zero byte):
  identical     same size and md5
  slave behind  the node holds a prefix of the master's data and zeros after it
  missing       the file exists on one side only
  divergent     different bytes at the same offset; the first one is printed as a global
                commitlog offset

Exit status:
  0  every file is identical: safe to copy and upgrade
  1  not consistent: a node is behind (not consistent yet), missing a file, or divergent; or the
     input was wrong (the same store twice, a DLedger node)
  2  an error: bad config, unreadable file, or a broker still running

Example:
  $ mqadmin verify-commitlog --master conf/broker-a.properties --slave conf/broker-a-s.properties
  FILE                  MASTER SIZE  MASTER MD5                        SLAVE SIZE  SLAVE MD5                         VERDICT
  00000000000000000000  1073741824   9e107d9d372bb6826bd81d3542a419d6  1073741824  9e107d9d372bb6826bd81d3542a419d6  identical
  00000000001073741824  1073741824   e4d909c290d0fb1ca068ffaddf22cbd0  1073741824  1b2f5c1cd1bd1ac9e56d8a8ff1c1a0f4  slave behind by 4096 bytes
  2 files: 1 identical, 1 slave behind";

/// Long help of `mqadmin gen-config`.
const GEN_CONFIG_HELP: &str = "\
Writes broker-<id>.conf for every peer of a DLedger group, ready for `mqbroker -c`.

From scratch: --cluster, --group, --peers, --store-root (and usually --namesrv); the files hold
the keys of Java's sample conf/dledger files (sendMessageThreadPoolNums=16), and
serverWorkerThreads=1 when every peer is on one host (three brokers sharing its cores). Derived from an
existing Master/Slave broker config with --from: every key is kept in its order except brokerId,
brokerRole, haListenPort and haMasterAddress; each node gets its own store root <root>/node0X
(root: --store-root, else the source's storePathRootDir) and its own listenPort (--listen-ports,
else the source's listenPort + 10 per node); the DLedger keys are added.

Exit status:
  0  the files were written (or printed with --dry-run)
  2  an error: bad --peers or --listen-ports, an existing file without --force, or an I/O error

Example:
  $ mqadmin gen-config --cluster RaftCluster --group RaftNode00 --store-root /tmp/rmqstore \\
      --namesrv 127.0.0.1:9876 --peers 'n0-127.0.0.1:40911;n1-127.0.0.1:40912;n2-127.0.0.1:40913' \\
      --out-dir conf/dledger
  FILE                         SELF ID  LISTEN PORT  STORE ROOT
  conf/dledger/broker-n0.conf  n0       30911        /tmp/rmqstore/node00
  conf/dledger/broker-n1.conf  n1       30921        /tmp/rmqstore/node01
  conf/dledger/broker-n2.conf  n2       30931        /tmp/rmqstore/node02";

/// Operator CLI for Apache RocketMQ and RocketMQ-on-DLedger groups.
#[derive(Debug, Parser)]
#[command(name = "mqadmin", version, about, after_help = EXIT_CODES_HELP, max_term_width = HELP_WIDTH)]
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

    /// ACL account: sign every request with this access key (brokers with aclEnable=true)
    #[arg(
        long = "access-key",
        value_name = "KEY",
        global = true,
        env = "ROCKETMQ_ACCESS_KEY",
        hide_env_values = true,
        requires = "secret_key"
    )]
    pub access_key: Option<String>,

    /// The ACL account's secret key (prefer the environment: a flag shows in `ps`)
    #[arg(
        long = "secret-key",
        value_name = "SECRET",
        global = true,
        env = "ROCKETMQ_SECRET_KEY",
        hide_env_values = true,
        requires = "access_key"
    )]
    pub secret_key: Option<String>,
}

/// Every `mqadmin` subcommand.
#[derive(Debug, Subcommand)]
pub enum Commands {
    /// List clusters, broker groups and each broker's runtime statistics
    #[command(name = "clusterList", after_long_help = CLUSTER_LIST_EXAMPLE)]
    ClusterList(ClusterListArgs),
    /// Create or update a topic on a broker or on every master of a cluster
    #[command(name = "updateTopic")]
    UpdateTopic(UpdateTopicArgs),
    /// Delete a topic from a cluster's masters and from the name servers
    #[command(name = "deleteTopic")]
    DeleteTopic(DeleteTopicArgs),
    /// List the topics the name server knows
    #[command(name = "topicList")]
    TopicList(TopicListArgs),
    /// Print a topic's route (broker groups and queues)
    #[command(name = "topicRoute")]
    TopicRoute(TopicArgs),
    /// Print the min and max offset of each queue of a topic
    #[command(name = "topicStatus", after_long_help = TOPIC_STATUS_EXAMPLE)]
    TopicStatus(TopicArgs),
    /// Print a broker's runtime statistics
    #[command(name = "brokerStatus")]
    BrokerStatus(BrokerTargetArgs),
    /// Print a broker's effective configuration
    #[command(name = "getBrokerConfig")]
    GetBrokerConfig(BrokerTargetArgs),
    /// Send one message
    #[command(name = "sendMessage", after_long_help = SEND_MESSAGE_EXAMPLE)]
    SendMessage(SendMessageArgs),
    /// Read messages of a topic without committing offsets
    #[command(name = "consumeMessage")]
    ConsumeMessage(ConsumeMessageArgs),
    /// Print the message an offset message id names
    #[command(name = "queryMsgById")]
    QueryMsgById(QueryMsgByIdArgs),
    /// Print the messages of a topic that have a key (from the brokers' key index)
    #[command(name = "queryMsgByKey")]
    QueryMsgByKey(QueryMsgByKeyArgs),
    /// Print the messages a client message id (UNIQ_KEY) names
    #[command(name = "queryMsgByUniqueKey")]
    QueryMsgByUniqueKey(QueryMsgByUniqueKeyArgs),
    /// Stop producers writing to a broker group (on every name server)
    #[command(name = "wipeWritePerm", after_long_help = WIPE_WRITE_PERM_HELP)]
    WipeWritePerm(WritePermArgs),
    /// Let producers write to a broker group again (on every name server)
    #[command(name = "addWritePerm", after_long_help = ADD_WRITE_PERM_HELP)]
    AddWritePerm(WritePermArgs),
    /// Move a group's offsets on a topic to the first message at or after a time
    #[command(name = "resetOffsetByTime", after_long_help = RESET_OFFSET_BY_TIME_HELP)]
    ResetOffsetByTime(ResetOffsetByTimeArgs),
    /// Print a consumer group's progress per queue, or every group's summary
    #[command(name = "consumerProgress", after_long_help = CONSUMER_PROGRESS_HELP)]
    ConsumerProgress(ConsumerProgressArgs),
    /// Print a consumer group's live clients, subscriptions and consume mode
    #[command(name = "consumerConnection", after_long_help = CONSUMER_CONNECTION_HELP)]
    ConsumerConnection(ConsumerConnectionArgs),
    /// Save each client's running info; check the group's subscriptions and queues
    #[command(name = "consumerStatus", after_long_help = CONSUMER_STATUS_HELP)]
    ConsumerStatus(ConsumerStatusArgs),
    /// Print a producer group's live clients
    #[command(name = "producerConnection", after_long_help = PRODUCER_CONNECTION_HELP)]
    ProducerConnection(ProducerConnectionArgs),
    /// Create or update a consumer group's settings on a broker or a cluster
    #[command(name = "updateSubGroup", after_long_help = UPDATE_SUB_GROUP_HELP)]
    UpdateSubGroup(UpdateSubGroupArgs),
    /// Delete a consumer group's settings from a broker or a cluster
    #[command(name = "deleteSubGroup", after_long_help = DELETE_SUB_GROUP_HELP)]
    DeleteSubGroup(DeleteSubGroupArgs),
    /// Check a master's newest commitlog files against its slave before an upgrade
    #[command(after_long_help = VERIFY_COMMITLOG_HELP)]
    VerifyCommitlog(VerifyCommitlogArgs),
    /// Write the broker configs of a DLedger group, from scratch or from a config
    #[command(after_long_help = GEN_CONFIG_HELP)]
    GenConfig(GenConfigArgs),
    /// Print a shell completion script to stdout
    Completions(CompletionsArgs),
    /// Run a local name server and 3-node DLedger group (start|stop|status|...)
    #[command(name = "fast-try", after_long_help = FAST_TRY_HELP)]
    FastTry(FastTryArgs),
    /// Migrate a local Master/Slave broker group to a three-node DLedger group
    #[command(after_long_help = UPGRADE_GROUP_HELP)]
    UpgradeGroup(UpgradeGroupArgs),
    /// Stop the mqbroker of a config file (SIGTERM, then wait for its store lock)
    #[command(name = "shutdownBroker")]
    ShutdownBroker(LocalBrokerArgs),
    /// Start mqbroker with a config file, detached (here or through its node agent)
    #[command(name = "startBroker")]
    StartBroker(LocalBrokerArgs),
    /// Measure throughput, latency and failover time (producer|consumer|failover)
    #[command(subcommand)]
    Benchmark(BenchmarkCommand),
    /// Print each node's replication state (Raft role, term, indexes, lag)
    #[command(name = "dledger-status", after_long_help = DLEDGER_STATUS_HELP)]
    DledgerStatus(DledgerStatusArgs),
    /// Check one leader per group, followers keeping up, every node answering
    #[command(name = "cluster-health", after_long_help = CLUSTER_HEALTH_HELP)]
    ClusterHealth(ClusterHealthArgs),
    /// Move a DLedger group's leadership to another up-to-date member
    #[command(name = "transfer-leader", after_long_help = TRANSFER_LEADER_HELP)]
    TransferLeader(TransferLeaderArgs),
}

/// `mqadmin benchmark` subcommands.
#[derive(Debug, Subcommand)]
pub enum BenchmarkCommand {
    /// Send as fast as THREADS concurrent senders can, printing TPS and latency every second
    Producer(BenchProducerArgs),
    /// Pull every queue of a topic, printing TPS every second
    Consumer(BenchConsumerArgs),
    /// Kill the leader of a fast-try DLedger group repeatedly while sending, and measure recovery
    #[command(after_long_help = BENCH_FAILOVER_HELP)]
    Failover(BenchFailoverArgs),
}

/// Long help of `benchmark failover`.
const BENCH_FAILOVER_HELP: &str = "\
Needs a running `mqadmin fast-try start` group: only processes recorded in <root>/fast-try.json
are signalled and restarted (same config, the mqbroker next to mqadmin; the new pid is written
back). Each round, by --mode:
  kill            SIGKILL the BID 0 (GET_BROKER_CLUSTER_INFO), time the first send acknowledged
                  by another node and the first name-server view with a new BID 0, restart it
  term            the same with SIGTERM (the leader hands over before it stops)
  rolling         SIGTERM and restart every node once, followers first, each caught up before
                  the next (failed sends and the slowest send are in the producer figures)
  stall-follower  SIGSTOP a follower for --stall-ms, SIGCONT it, wait until it caught up
  soak            no fault: send for --soak-secs
In every mode the name server's BID 0 is polled every 20 ms (leaderChanges) and the leader's
term is read before and after (termIncrements). At the end every queue is read from the leader
and every acknowledged message must be found at its acknowledged queue offset.

Exit status: 0 nothing lost, 1 an acknowledged message is missing, 2 an error.";

/// Arguments of `benchmark producer`.
#[derive(Debug, Args)]
pub struct BenchProducerArgs {
    /// Topic (created by the broker on first send when autoCreateTopicEnable is on)
    #[arg(
        short = 't',
        long = "topic",
        value_name = "TOPIC",
        default_value = "BenchmarkTest"
    )]
    pub topic: String,
    /// Concurrent senders
    #[arg(short = 'w', long = "threads", value_name = "N", default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..), allow_negative_numbers = true)]
    pub threads: u32,
    /// Body size in bytes
    #[arg(
        short = 's',
        long = "size",
        value_name = "BYTES",
        default_value_t = 128,
        allow_negative_numbers = true
    )]
    pub size: usize,
    /// Run for this many seconds [default: 60 unless --count]
    #[arg(
        long,
        value_name = "SECONDS",
        conflicts_with = "count",
        allow_negative_numbers = true
    )]
    pub duration: Option<u64>,
    /// Stop after this many messages
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub count: Option<u64>,
    /// Send K messages per SEND_BATCH_MESSAGE request
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u32).range(1..), allow_negative_numbers = true)]
    pub batch: Option<u32>,
    /// Set a KEYS property on every message
    #[arg(long)]
    pub keys: bool,
}

/// Arguments of `benchmark consumer`.
#[derive(Debug, Args)]
pub struct BenchConsumerArgs {
    /// Topic
    #[arg(
        short = 't',
        long = "topic",
        value_name = "TOPIC",
        default_value = "BenchmarkTest"
    )]
    pub topic: String,
    /// Consumer group named in the pulls (more groups: GROUP-1, GROUP-2, ...)
    #[arg(
        short = 'g',
        long = "group",
        value_name = "GROUP",
        default_value = "benchmark_consumer"
    )]
    pub group: String,
    /// Run for this many seconds
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 60,
        allow_negative_numbers = true
    )]
    pub duration: u64,
    /// Start at each queue's min offset instead of its max offset
    #[arg(long)]
    pub from_start: bool,
    /// Consumer groups, each reading every queue
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=1024), allow_negative_numbers = true)]
    pub groups: u16,
    /// Commit each group's offsets (oneway, as Java clients) every MS milliseconds; by default
    /// nothing is committed
    #[arg(long, value_name = "MS", value_parser = clap::value_parser!(u64).range(1..), allow_negative_numbers = true)]
    pub commit_interval_ms: Option<u64>,
}

/// Arguments of `benchmark failover`.
#[derive(Debug, Args)]
pub struct BenchFailoverArgs {
    /// Kill/restart rounds
    #[arg(long, value_name = "R", default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..), allow_negative_numbers = true)]
    pub rounds: u32,
    /// Store root of the fast-try group (where fast-try.json is)
    #[arg(long, value_name = "DIR", default_value = "/tmp/rmqstore")]
    pub store_root: std::path::PathBuf,
    /// Topic written during the drill
    #[arg(
        short = 't',
        long = "topic",
        value_name = "TOPIC",
        default_value = "BenchmarkFailover"
    )]
    pub topic: String,
    /// Concurrent senders during the drill
    #[arg(short = 'w', long = "threads", value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..), allow_negative_numbers = true)]
    pub threads: u32,
    /// Seconds to wait for a new leader or a rejoin before giving up
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 30,
        allow_negative_numbers = true
    )]
    pub timeout: u64,
    /// The fault of each round
    #[arg(long, value_enum, default_value_t = BenchFailoverMode::Kill)]
    pub mode: BenchFailoverMode,
    /// How long --mode stall-follower keeps the follower stopped, in ms
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    pub stall_ms: u64,
    /// How long --mode soak sends, in seconds
    #[arg(long, value_name = "SECONDS", default_value_t = 600)]
    pub soak_secs: u64,
}

/// `benchmark failover --mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BenchFailoverMode {
    /// SIGKILL the leader, then restart it
    Kill,
    /// SIGTERM the leader (a planned restart: it hands over first), then restart it
    Term,
    /// Restart every node once, followers first, each with SIGTERM, waiting until it caught up
    Rolling,
    /// SIGSTOP a follower for --stall-ms, then SIGCONT it (must cause no election)
    StallFollower,
    /// No fault: send for --soak-secs, counting leader changes and term increments
    Soak,
}

/// Long help of `upgrade-group`.
const UPGRADE_GROUP_HELP: &str = "\
A NODE is a broker config file on this machine, or `agent://HOST:PORT/BROKER` for a broker served
by the node agent `mqagent` on its machine (`mqagent --broker BROKER=CONFIG`; token from
--token-file or MQADMIN_AGENT_TOKEN). Agents stop and start their brokers and compute md5s
locally; between two agents the destination's agent pulls each file from the source's (resumed
after a broken download), between this machine and an agent copies go through mqadmin in 4 MiB
chunks (resumed after a broken upload); every copy is md5-verified. With a remote last node the
state file is upgrade-group.json in its store root, on its machine. The new group is n0 = the
master, n1 = the slave (or the first --third), n2 = the (last) --third, whose store root must hold
no commitlog. The downtime covers steps 3 to 7 only, so it does not grow with the store.
Steps (printed as a plan first; each is recorded in the state file, so --resume continues):
  1 preflight   configs parse, new stores empty, free disk space, DLedger peer ports free
  2 pre-copy    while the old pair serves: the commitlog, consume-queue and index files that are
                never written again -> new node(s) (and older commitlog files -> a slave lacking
                them), md5-verified, three files at once; each file recorded as it is done
  3 stop-old    SIGTERM the old brokers (found by their -c config in /proc), wait for the lock
  4 align       compare the newest commitlog files; complete a lagging slave from the master;
                a divergent slave is refused unless --align (the master is never written)
  5 copy        what pre-copy did not copy or what changed since (newest files, config/,
                checkpoint) -> new node(s); consume queues, index -> the slave; md5-verified
  6 configure   back up each config to <config>.bak-<unix time>, rewrite it for DLedger
  7 start       start the three brokers, wait for one BID 0 and two followers
  8 check       every old queue's messages up to its old max offset (first and last readable)
                and consumer offsets; what producers and consumers did since is accepted
The report gives the downtime (SIGTERM of the old master to the first send the new group
acknowledged, or to its leader registering when nothing was sent) and the bytes copied before
and during it; the plan gives both phases' bytes and the expected downtime.
Default --peers: n<i>-<brokerIP1>:<listenPort + 10000> (30911 -> 40911, as in conf/dledger).
--rollback (before the new group accepted a write) stops the new brokers, restores the configs,
removes the copied store and restarts the old pair.
Exit status: 0 done, 1 refused (preflight failed, divergent slave without --align, rollback not
allowed, interrupted run without --resume), 2 error.";

/// Long help of `fast-try`.
const FAST_TRY_HELP: &str = "\
Starts mqnamesrv on 127.0.0.1:9876 and three mqbroker processes from conf/dledger/broker-n0..n2.conf
(ports 30911/30921/30931, DLedger peers 40911-40913, stores /tmp/rmqstore/node00..02), all bound to
and advertising 127.0.0.1 only (the demo has no authentication; copies of the configs with
brokerIP1 and bindAddress set are in <store root>/fast-try-conf), waits until
a leader is registered as BID 0 and prints the cluster list. Every port is checked first: if one is
taken, fast-try names the process that holds it and starts nothing. `stop` sends SIGTERM, then
SIGKILL after --timeout seconds, and is safe to run twice. `stop` and `status` work from any
directory: they read the state file (<store root>/fast-try.json; /tmp/rmqstore when the configs
cannot be read). Failover demo:
  $ mqadmin fast-try start
  $ kill -9 <pid of the BID 0 broker, from `mqadmin fast-try status`>
  $ mqadmin -n 127.0.0.1:9876 clusterList     # another node is BID 0 within about a second
  $ mqadmin fast-try start-node n1            # bring the killed node back (tracked by stop)";

/// Arguments of `mqadmin fast-try`.
#[derive(Debug, Args)]
pub struct FastTryArgs {
    /// What to do
    #[arg(value_enum)]
    pub action: FastTryAction,
    /// The node to bring back (start-node only): n0, n1, n2 or namesrv
    #[arg(value_name = "NODE", required_if_eq("action", "start-node"))]
    pub node: Option<String>,
    /// Directory with broker-n0.conf, broker-n1.conf and broker-n2.conf
    #[arg(long, value_name = "DIR", default_value = "conf/dledger")]
    pub conf_dir: std::path::PathBuf,
    /// Put the stores (node00..node02), logs and state under DIR instead of the configs' paths
    #[arg(long, value_name = "DIR")]
    pub store_root: Option<std::path::PathBuf>,
    /// Name server port
    #[arg(
        long,
        value_name = "PORT",
        default_value_t = 9876,
        allow_negative_numbers = true
    )]
    pub namesrv_port: u16,
    /// Seconds to wait for a leader (start) or for a graceful stop (stop)
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 30,
        allow_negative_numbers = true
    )]
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
    /// Start a stopped node of the running group again (after the failover demo)
    StartNode,
}

/// Arguments of `mqadmin updateTopic`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("target").required(true).args(["broker_addr", "cluster_name"])))]
pub struct UpdateTopicArgs {
    /// Topic name
    #[arg(short = 't', long = "topic", value_name = "TOPIC")]
    pub topic: String,

    /// Create the topic on this broker address (IP:PORT, as Java's updateTopic -b; sendMessage's
    /// -b is a broker name, as Java's)
    #[arg(short = 'b', long = "brokerAddr", value_name = "ADDR")]
    pub broker_addr: Option<String>,

    /// Create the topic on every master of this cluster
    #[arg(short = 'c', long = "clusterName", value_name = "NAME")]
    pub cluster_name: Option<String>,

    /// Read queues (1 to 1024)
    #[arg(
        short = 'r',
        long = "readQueueNums",
        value_name = "N",
        default_value_t = 8,
        allow_negative_numbers = true
    )]
    pub read_queue_nums: i32,

    /// Write queues (1 to 1024)
    #[arg(
        short = 'w',
        long = "writeQueueNums",
        value_name = "N",
        default_value_t = 8,
        allow_negative_numbers = true
    )]
    pub write_queue_nums: i32,

    /// Permission, as Java: 2 write, 4 read, 6 read and write (nothing else is accepted)
    #[arg(
        short = 'p',
        long = "perm",
        value_name = "PERM",
        default_value_t = 6,
        allow_negative_numbers = true
    )]
    pub perm: i32,

    /// Whether the topic is ordered
    #[arg(short = 'o', long = "order", value_name = "BOOL", default_value_t = false, action = ArgAction::Set)]
    pub order: bool,
}

/// Arguments of `mqadmin deleteTopic`.
#[derive(Debug, Args)]
pub struct DeleteTopicArgs {
    /// Topic name
    #[arg(short = 't', long = "topic", value_name = "TOPIC")]
    pub topic: String,

    /// Cluster whose masters drop the topic
    #[arg(short = 'c', long = "clusterName", value_name = "NAME")]
    pub cluster_name: String,
}

/// Arguments of `mqadmin topicList`.
#[derive(Debug, Args)]
pub struct TopicListArgs {
    /// Also print each topic's cluster (Java's cluster model)
    #[arg(short = 'c', long = "clusterModel")]
    pub cluster_model: bool,
}

/// Arguments of commands that take only a topic.
#[derive(Debug, Args)]
pub struct TopicArgs {
    /// Topic name
    #[arg(short = 't', long = "topic", value_name = "TOPIC")]
    pub topic: String,
}

/// Arguments of commands that address one broker or a whole cluster.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("target").required(true).args(["broker_addr", "cluster_name"])))]
pub struct BrokerTargetArgs {
    /// Broker address
    #[arg(short = 'b', long = "brokerAddr", value_name = "ADDR")]
    pub broker_addr: Option<String>,

    /// Every broker of this cluster
    #[arg(short = 'c', long = "clusterName", value_name = "NAME")]
    pub cluster_name: Option<String>,
}

/// Arguments of `mqadmin sendMessage`.
#[derive(Debug, Args)]
pub struct SendMessageArgs {
    /// Topic name
    #[arg(short = 't', long = "topic", value_name = "TOPIC")]
    pub topic: String,

    /// Message body (UTF-8)
    #[arg(short = 'p', long = "body", value_name = "BODY")]
    pub body: String,

    /// Message keys (the KEYS property)
    #[arg(short = 'k', long = "keys", value_name = "KEYS")]
    pub keys: Option<String>,

    /// Message tag (the TAGS property)
    #[arg(short = 'c', long = "tags", value_name = "TAGS")]
    pub tags: Option<String>,

    /// Send to this broker group only: a broker name, as Java's sendMessage -b (updateTopic's -b
    /// is an address, as Java's)
    #[arg(short = 'b', long = "broker", value_name = "BROKER_NAME")]
    pub broker: Option<String>,

    /// Send to this queue id only
    #[arg(short = 'i', long = "qid", value_name = "QUEUE_ID", allow_negative_numbers = true, value_parser = clap::value_parser!(i32).range(0..))]
    pub qid: Option<i32>,
}

/// Arguments of `mqadmin consumeMessage`.
#[derive(Debug, Args)]
pub struct ConsumeMessageArgs {
    /// Topic name
    #[arg(short = 't', long = "topic", value_name = "TOPIC")]
    pub topic: String,

    /// Read this broker group only: a broker name, as Java's consumeMessage -b
    #[arg(short = 'b', long = "brokerName", value_name = "BROKER_NAME")]
    pub broker_name: Option<String>,

    /// Read this queue id only
    #[arg(short = 'i', long = "queueId", value_name = "QUEUE_ID", allow_negative_numbers = true, value_parser = clap::value_parser!(i32).range(0..))]
    pub queue_id: Option<i32>,

    /// Start at this offset in each queue (default: the queue's min offset)
    #[arg(short = 'o', long = "offset", value_name = "OFFSET", allow_negative_numbers = true, value_parser = clap::value_parser!(i64).range(0..))]
    pub offset: Option<i64>,

    /// Stop after this many messages (at least 1)
    #[arg(
        short = 'c',
        long = "messageNumber",
        value_name = "COUNT",
        default_value_t = 128,
        value_parser = clap::value_parser!(u32).range(1..),
        allow_negative_numbers = true
    )]
    pub count: u32,

    /// Tag expression, e.g. `TagA || TagB` (Java's consumeMessage -s is a begin timestamp)
    #[arg(
        short = 's',
        long = "subExpression",
        value_name = "TAG_EXPR",
        default_value = "*"
    )]
    pub sub_expression: String,

    /// Consumer group named in the pull requests (no offset is committed)
    #[arg(
        short = 'g',
        long = "consumerGroup",
        value_name = "GROUP",
        default_value = "TOOLS_CONSUMER"
    )]
    pub consumer_group: String,
}

/// Arguments of `mqadmin queryMsgById`.
#[derive(Debug, Args)]
pub struct QueryMsgByIdArgs {
    /// Offset message id (32 hex digits), as printed by consumeMessage and on sendMessage's stderr
    /// (not the unique key sendMessage prints as #MsgId: the brokers cannot look keys up yet)
    #[arg(short = 'i', long = "msgId", value_name = "MSGID")]
    pub msg_id: String,

    /// Write the body to DIR/<MSGID> instead of printing it (Java's queryMsgById -d is a client id)
    #[arg(short = 'd', long = "bodyDir", value_name = "DIR")]
    pub body_dir: Option<std::path::PathBuf>,
}

/// Arguments of `mqadmin queryMsgByKey`.
#[derive(Debug, Args)]
pub struct QueryMsgByKeyArgs {
    /// Topic name
    #[arg(short = 't', long = "topic", value_name = "TOPIC")]
    pub topic: String,

    /// Message key: one of the space-separated KEYS of a message
    #[arg(short = 'k', long = "msgKey", value_name = "KEY")]
    pub msg_key: String,
}

/// Arguments of `mqadmin queryMsgByUniqueKey`.
#[derive(Debug, Args)]
pub struct QueryMsgByUniqueKeyArgs {
    /// Client message id (UNIQ_KEY, 32 hex digits)
    #[arg(short = 'i', long = "msgId", value_name = "MSGID")]
    pub msg_id: String,

    /// Topic of the message
    #[arg(short = 't', long = "topic", value_name = "TOPIC")]
    pub topic: String,
}

/// Arguments of `mqadmin wipeWritePerm` and `mqadmin addWritePerm`.
#[derive(Debug, Args)]
pub struct WritePermArgs {
    /// Broker group name (brokerName)
    #[arg(short = 'b', long = "brokerName", value_name = "NAME")]
    pub broker_name: String,
}

/// Arguments of `mqadmin resetOffsetByTime`.
#[derive(Debug, Args)]
pub struct ResetOffsetByTimeArgs {
    /// Consumer group
    #[arg(short = 'g', long = "group", value_name = "GROUP")]
    pub group: String,

    /// Topic
    #[arg(short = 't', long = "topic", value_name = "TOPIC")]
    pub topic: String,

    /// now, milliseconds since the epoch, or yyyy-MM-dd#HH:mm:ss:SSS (local time)
    #[arg(short = 's', long = "timestamp", value_name = "TIME")]
    pub timestamp: String,

    /// Also move offsets forward; false only rolls back [default: true]
    #[arg(short = 'f', long = "force", value_name = "BOOL")]
    pub force: Option<bool>,

    /// The live consumers are C++ clients: the broker sends them their offset-table shape
    #[arg(short = 'c', long = "cplus")]
    pub cplus: bool,
}

/// Arguments of `mqadmin consumerProgress`.
#[derive(Debug, Args)]
pub struct ConsumerProgressArgs {
    /// Consumer group; without it, one summary line per group
    #[arg(short = 'g', long = "groupName", value_name = "GROUP")]
    pub group: Option<String>,

    /// true: ask each live client which queues it holds and print a #Client IP column
    #[arg(short = 's', long = "showClientIP", value_name = "BOOL")]
    pub show_client_ip: Option<String>,
}

/// Arguments of `mqadmin consumerConnection`.
#[derive(Debug, Args)]
pub struct ConsumerConnectionArgs {
    /// Consumer group
    #[arg(short = 'g', long = "consumerGroup", value_name = "GROUP")]
    pub group: String,
}

/// Arguments of `mqadmin consumerStatus`.
#[derive(Debug, Args)]
pub struct ConsumerStatusArgs {
    /// Consumer group
    #[arg(short = 'g', long = "consumerGroup", value_name = "GROUP")]
    pub group: String,

    /// Print this client's running info only (no files, no analysis)
    #[arg(short = 'i', long = "clientId", value_name = "CLIENT_ID")]
    pub client_id: Option<String>,

    /// Ask the clients for a thread dump (jstack) and include it
    #[arg(short = 's', long = "jstack")]
    pub jstack: bool,

    /// Directory of the per-client files, written as DIR/<now in ms>/<client id>
    #[arg(long = "status-dir", value_name = "DIR", default_value = ".")]
    pub status_dir: std::path::PathBuf,
}

/// Arguments of `mqadmin producerConnection`.
#[derive(Debug, Args)]
pub struct ProducerConnectionArgs {
    /// Producer group
    #[arg(short = 'g', long = "producerGroup", value_name = "GROUP")]
    pub group: String,

    /// A topic the group sends to (its brokers are asked)
    #[arg(short = 't', long = "topic", value_name = "TOPIC")]
    pub topic: String,
}

/// Arguments of `mqadmin updateSubGroup` (Java's flags; `-q` is the global `--quiet`, so the
/// retry queue count is `--retryQueueNums` only).
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("target").required(true).args(["broker_addr", "cluster_name"])))]
pub struct UpdateSubGroupArgs {
    /// Broker address
    #[arg(short = 'b', long = "brokerAddr", value_name = "ADDR")]
    pub broker_addr: Option<String>,

    /// Every master of this cluster
    #[arg(short = 'c', long = "clusterName", value_name = "NAME")]
    pub cluster_name: Option<String>,

    /// Consumer group
    #[arg(short = 'g', long = "groupName", value_name = "GROUP")]
    pub group: String,

    /// Whether the group may consume [default: true]
    #[arg(short = 's', long = "consumeEnable", value_name = "BOOL")]
    pub consume_enable: Option<bool>,

    /// Whether a new consumer starts from the queue's min offset [default: false]
    #[arg(short = 'm', long = "consumeFromMinEnable", value_name = "BOOL")]
    pub consume_from_min_enable: Option<bool>,

    /// Whether broadcast consumption is allowed [default: false]
    #[arg(short = 'd', long = "consumeBroadcastEnable", value_name = "BOOL")]
    pub consume_broadcast_enable: Option<bool>,

    /// Queues of the group's retry topic [default: 1]
    #[arg(long = "retryQueueNums", value_name = "N")]
    pub retry_queue_nums: Option<i32>,

    /// Redeliveries before a message goes to the dead-letter topic [default: 16]
    #[arg(short = 'r', long = "retryMaxTimes", value_name = "N")]
    pub retry_max_times: Option<i32>,

    /// Broker id to consume from [default: 0]
    #[arg(short = 'i', long = "brokerId", value_name = "ID")]
    pub broker_id: Option<i64>,

    /// Broker id to consume from when consumption is slow [default: 1]
    #[arg(short = 'w', long = "whichBrokerWhenConsumeSlowly", value_name = "ID")]
    pub which_broker_when_consume_slowly: Option<i64>,

    /// Whether clients are told when the group's members change [default: true]
    #[arg(short = 'a', long = "notifyConsumerIdsChanged", value_name = "BOOL")]
    pub notify_consumer_ids_changed: Option<bool>,
}

/// Arguments of `mqadmin deleteSubGroup`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("target").required(true).args(["broker_addr", "cluster_name"])))]
pub struct DeleteSubGroupArgs {
    /// Broker address
    #[arg(short = 'b', long = "brokerAddr", value_name = "ADDR")]
    pub broker_addr: Option<String>,

    /// Every master of this cluster (then the group's %RETRY% and %DLQ% topics are deleted too)
    #[arg(short = 'c', long = "clusterName", value_name = "NAME")]
    pub cluster_name: Option<String>,

    /// Consumer group
    #[arg(short = 'g', long = "groupName", value_name = "GROUP")]
    pub group: String,

    /// Also remove the group's committed offsets [default: false]
    #[arg(short = 'r', long = "removeOffset", value_name = "BOOL")]
    pub remove_offset: Option<bool>,
}

/// Arguments of `mqadmin verify-commitlog`.
#[derive(Debug, Args)]
pub struct VerifyCommitlogArgs {
    /// The master: a broker config file, `dir:/path/to/commitlog` or `agent://HOST:PORT/BROKER`
    #[arg(long, value_name = "NODE")]
    pub master: String,

    /// The slave: a broker config file, `dir:/path/to/commitlog` or `agent://HOST:PORT/BROKER`
    #[arg(long, value_name = "NODE")]
    pub slave: String,

    /// A third node to compare with the master as well
    #[arg(long, value_name = "NODE")]
    pub third: Option<String>,

    /// How many of the master's newest files to compare
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..), allow_negative_numbers = true)]
    pub last: u64,

    /// Read stores whose broker is still running (the newest file may change while it is read)
    #[arg(long)]
    pub allow_running: bool,

    #[command(flatten)]
    pub agent: AgentArgs,
}

/// How `mqadmin` authenticates to node agents (`agent://` nodes).
#[derive(Debug, Args)]
pub struct AgentArgs {
    /// File holding the node agents' token [default: $MQADMIN_AGENT_TOKEN, as mqagent's]
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<std::path::PathBuf>,

    /// Reach agents over TLS; their certificates must chain to this CA (PEM) and name the host
    #[arg(
        long,
        value_name = "FILE",
        env = "MQADMIN_AGENT_CA",
        conflicts_with = "agent_fingerprint"
    )]
    pub agent_ca: Option<std::path::PathBuf>,

    /// Reach agents over TLS; accept a certificate whose SHA-256 is HEX (repeatable)
    #[arg(
        long,
        value_name = "HEX",
        env = "MQADMIN_AGENT_FINGERPRINT",
        value_delimiter = ','
    )]
    pub agent_fingerprint: Vec<String>,
}

/// Arguments of `mqadmin gen-config`.
#[derive(Debug, Args)]
pub struct GenConfigArgs {
    /// Derive the configs from this Master/Slave broker config (keeps its other keys)
    #[arg(long, value_name = "FILE")]
    pub from: Option<std::path::PathBuf>,

    /// The cluster name (brokerClusterName); with --from, overrides the source's
    #[arg(long, value_name = "NAME", required_unless_present = "from")]
    pub cluster: Option<String>,

    /// The broker group name (brokerName and dLegerGroup); with --from, overrides the source's
    #[arg(long, value_name = "NAME", required_unless_present = "from")]
    pub group: Option<String>,

    /// The DLedger peers, `id-host:port;…` (e.g. `n0-127.0.0.1:40911;n1-127.0.0.1:40912;…`)
    #[arg(long, value_name = "PEERS")]
    pub peers: String,

    /// The directory holding every node's store root (`<DIR>/node00`, …)
    #[arg(long, value_name = "DIR", required_unless_present = "from")]
    pub store_root: Option<String>,

    /// The name servers (namesrvAddr); with --from, overrides the source's [default: -n]
    #[arg(long, value_name = "ADDRS")]
    pub namesrv: Option<String>,

    /// Each node's listenPort, comma-separated, one per peer [default: 30911,30921,30931,…]
    #[arg(long, value_name = "PORTS", value_delimiter = ',')]
    pub listen_ports: Vec<u16>,

    /// Where to write broker-<id>.conf
    #[arg(long, value_name = "DIR")]
    pub out_dir: std::path::PathBuf,

    /// Print the files to stdout instead of writing them
    #[arg(long)]
    pub dry_run: bool,

    /// Overwrite existing files
    #[arg(long)]
    pub force: bool,

    /// Name this DLedger peer token file in every config (dLegerPeerTokenFile); created (mode
    /// 0600, a random token) if missing. Copy it to every node's host
    #[arg(long, value_name = "PATH")]
    pub peer_token_file: Option<std::path::PathBuf>,
}

/// Arguments of `mqadmin clusterList`.
#[derive(Debug, Args)]
pub struct ClusterListArgs {
    /// Print message totals for yesterday and today instead of TPS and load
    #[arg(short = 'm', long = "moreStats")]
    pub more_stats: bool,

    /// Repeat every SECONDS seconds until interrupted (Ctrl-C)
    #[arg(short = 'i', long = "interval", value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..), allow_negative_numbers = true)]
    pub interval: Option<u64>,

    /// Show only this cluster (an unknown name prints only the header and exits 1)
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

/// Arguments of `mqadmin upgrade-group`.
#[derive(Debug, Args)]
pub struct UpgradeGroupArgs {
    /// The master's broker config, or `agent://HOST:PORT/BROKER`
    #[arg(long, value_name = "NODE")]
    pub master: std::path::PathBuf,

    /// The slave's broker config (without one, pass --third twice: both are seeded from the
    /// master)
    #[arg(long, value_name = "NODE")]
    pub slave: Option<std::path::PathBuf>,

    /// A new node's broker config (its store root must hold no commitlog)
    #[arg(long, value_name = "NODE", required = true)]
    pub third: Vec<std::path::PathBuf>,

    /// The DLedger peers, `n0-host:port;n1-host:port;n2-host:port` [default: listenPort + 10000]
    #[arg(long, value_name = "PEERS")]
    pub peers: Option<String>,

    /// Print the plan and change nothing
    #[arg(long, conflicts_with_all = ["resume", "rollback"])]
    pub dry_run: bool,

    /// Do not ask for confirmation (required when stdin is not a terminal)
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// Continue an interrupted run from its state file
    #[arg(long)]
    pub resume: bool,

    /// Undo an upgrade that has not accepted a write yet, and restart the old pair
    #[arg(long, conflicts_with = "resume")]
    pub rollback: bool,

    /// Allow overwriting a divergent slave's commitlog files from the master
    #[arg(long)]
    pub align: bool,

    /// The state file [default: <store root of the last --third>/upgrade-group.json]
    #[arg(long, value_name = "FILE")]
    pub state: Option<std::path::PathBuf>,

    /// How many of the master's newest commitlog files are compared with the slave
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..), allow_negative_numbers = true)]
    pub last: u64,

    /// Limit the copy to this many MB/s (a positive number)
    #[arg(long, value_name = "MB_PER_S", allow_negative_numbers = true, value_parser = positive_number)]
    pub throttle: Option<f64>,

    /// Seconds to wait for a broker to stop, and for the new group to elect a leader
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = 90,
        allow_negative_numbers = true
    )]
    pub timeout: u64,

    #[command(flatten)]
    pub agent: AgentArgs,
}

/// A finite number above zero (`--throttle 0`, `nan` and `inf` were accepted; issue 20 item 16).
fn positive_number(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        Ok(_) => Err("must be a number above 0".to_owned()),
        Err(e) => Err(format!("not a number: {e}")),
    }
}

/// Arguments of `mqadmin shutdownBroker` and `startBroker`.
#[derive(Debug, Args)]
pub struct LocalBrokerArgs {
    /// The broker's config file (as passed to `mqbroker -c`), or `agent://HOST:PORT/BROKER`
    #[arg(short = 'c', long = "configFile", value_name = "FILE")]
    pub config: std::path::PathBuf,

    /// Seconds to wait for the broker to exit after SIGTERM (an agent then sends SIGKILL)
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = 60,
        allow_negative_numbers = true
    )]
    pub timeout: u64,

    #[command(flatten)]
    pub agent: AgentArgs,
}

/// Long help of `dledger-status`: what is asked, exit codes and sample output.
/// Long help of `mqadmin wipeWritePerm`.
const WIPE_WRITE_PERM_HELP: &str = "\
Sends WIPE_WRITE_PERM_OF_BROKER to every name server of -n: the routes then show the group's
queues read-only, so producers send elsewhere while consumers drain it (watch consumerProgress).
It lasts until the broker's topic configs change or addWritePerm is run.

Example:
  $ mqadmin -n '10.0.0.1:9876;10.0.0.2:9876' wipeWritePerm -b RaftNode00
  wipe write perm of broker[RaftNode00] in name server[10.0.0.1:9876] OK, 12
  wipe write perm of broker[RaftNode00] in name server[10.0.0.2:9876] OK, 12

Exit status: 0 done; 1 unknown broker name, or a name server failed (warned); 2 none answered.";

/// Long help of `mqadmin addWritePerm`.
const ADD_WRITE_PERM_HELP: &str = "\
Sends ADD_WRITE_PERM_OF_BROKER to every name server of -n: every queue of the group is read-write
again in the routes.

Example:
  $ mqadmin -n 10.0.0.1:9876 addWritePerm -b RaftNode00
  add write perm of broker[RaftNode00] in name server[10.0.0.1:9876] OK, 12

Exit status: 0 done; 1 unknown broker name, or a name server failed (warned); 2 none answered.";

/// Long help of `mqadmin resetOffsetByTime`.
const RESET_OFFSET_BY_TIME_HELP: &str = "\
As Java 4.9.7: asks each master (the DLedger leader) to reset the group on the topic
(INVOKE_BROKER_TO_RESET_OFFSET). The broker finds each queue's offset of the first message
stored at or after the time (now: the max offset) and pushes the table to every live consumer of
the group (RESET_CONSUMER_CLIENT_OFFSET); the consumers drop what they hold of those queues and
commit the new offsets themselves. The broker commits nothing: a client that ignores the push
(the ali-ons JavaScript client does) keeps its offsets, so stop such consumers first.

When no consumer of the group is online, the offsets are committed instead (UPDATE_CONSUMER_OFFSET
per queue, answered once committed, through the Raft log in DLedger mode) and Java's older table
is printed. With -f false a queue only moves back, never forward.

Example:
  $ mqadmin resetOffsetByTime -g OrderConsumers -t Orders -s 2026-12-05#06:00:00:000
  rollback consumer offset by specified group[OrderConsumers], topic[Orders], force[true], timestamp(string)[2026-12-05#06:00:00:000], timestamp(long)[1796450400000]
  #brokerName                               #queueId                                  #offset
  RaftNode00                                0                                         1180
  RaftNode00                                1                                         1175

Exit status: 0 reset; 1 bad timestamp or unknown topic; 2 a broker refused or did not answer.";

/// Long help of `mqadmin consumerProgress`.
const CONSUMER_PROGRESS_HELP: &str = "\
Asks GET_CONSUME_STATS of the master (broker id 0; the leader of a DLedger group; a slave while
the master is down) of every broker group serving the group's retry topic %RETRY%GROUP, and
prints what the Java 4.9.7 tool prints.
Consume TPS is the rate the group pulled messages at over the last minute, summed over brokers.
#LastTime is the store time of the last consumed message (N/A: none). With -s true each live
client is asked, through a broker, which queues it holds (GET_CONSUMER_RUNNING_INFO); a client
that does not answer (some non-Java clients never do; the broker gives up after 10 s) leaves its
queues at N/A. Without -g, one line per group that has a retry topic, with its live clients.

Example:
  $ mqadmin consumerProgress -g OrderConsumers -s true
  #Topic                                                            #Broker Name                      #QID  #Broker Offset        #Consumer Offset      #Client IP           #Diff                 #LastTime
  Orders                                                            RaftNode00                        0     1250                  1200                  10.0.0.7             50                    2026-12-05 06:40:12
  Orders                                                            RaftNode00                        1     1249                  1249                  10.0.0.8             0                     2026-12-05 06:40:13

  Consume TPS: 41.50
  Diff Total: 50

  $ mqadmin consumerProgress
  #Group                                                            #Count  #Version                 #Type  #Model          #TPS     #Diff Total
  OrderConsumers                                                    2       V4_9_7                   PUSH   CLUSTERING      41       50

Exit status: 0 printed; 1 the group has no offsets anywhere; 2 a server did not answer.";

/// Long help of `mqadmin consumerStatus`.
const CONSUMER_STATUS_HELP: &str = "\
Lists the group's live clients (GET_CONSUMER_CONNECTION_LIST), asks each for its running info
(GET_CONSUMER_RUNNING_INFO, relayed by a broker of the group) and writes it, in Java's layout, to
DIR/<now in ms>/<client id>; DIR is --status-dir, by default the current directory, as Java's
command writes there. A file that cannot be written is reported on stderr and does not fail the
command. Then checks the group: the same subscriptions on every client (else a WARN line), and
every readable queue of the subscribed topics held by exactly one client (\"Rebalance OK\", or
\"Rebalance Failed\" and one line per queue held by no client, by several, or not in the route;
broadcasting groups are not checked), and Java's process-queue findings (a queue that cannot be
locked, or cached messages not consumed for a minute). Java compares subscriptions only of push
clients started over two minutes ago and never checks the queues; this always does.

With -i, prints that client's running info (properties, subscriptions, offsets, process queues,
RT and TPS, and with -s the thread dump when the client sent one) and writes no file.

Example:
  $ mqadmin consumerStatus -g OrderConsumers
  001  10.0.0.7@12345                           V4_9_7               ./1733400000000/10.0.0.7@12345
  002  10.0.0.8@12346                           V4_9_7               ./1733400000000/10.0.0.8@12346


  Same subscription in the same group of consumer

  Rebalance OK

Exit status: 0 printed, subscriptions the same and queues allocated (also when a file could not
be written); 1 the subscriptions differ, the allocation is wrong, a client did not answer, no live
consumer of the group, or -i names a client that is not one of its live consumers; 2 a server did not answer.";

/// Long help of `mqadmin consumerConnection`.
const CONSUMER_CONNECTION_HELP: &str = "\
Asks GET_CONSUMER_CONNECTION_LIST of the masters (a slave while the master is down) serving the
group's retry topic.

Example:
  $ mqadmin consumerConnection -g OrderConsumers
  001  10.0.0.7@12345                   10.0.0.7:53122         JAVA     V4_9_7

  Below is subscription:001  Topic: Orders                                   SubExpression: *
  ConsumeType: CONSUME_PASSIVELY
  MessageModel: CLUSTERING
  ConsumeFromWhere: CONSUME_FROM_LAST_OFFSET

Exit status: 0 printed; 1 no live consumer of the group; 2 a server did not answer.";

/// Long help of `mqadmin producerConnection`.
const PRODUCER_CONNECTION_HELP: &str = "\
Asks GET_PRODUCER_CONNECTION_LIST of the masters of the topic's route.

Example:
  $ mqadmin producerConnection -g OrderProducers -t Orders
  0001  10.0.0.7@12345                   10.0.0.7:53120         JAVA     V4_9_7

Exit status: 0 printed; 1 unknown topic or no live producer of the group; 2 a server did not answer.";

/// Long help of `mqadmin updateSubGroup`.
const UPDATE_SUB_GROUP_HELP: &str = "\
Sends UPDATE_AND_CREATE_SUBSCRIPTIONGROUP with the group's whole settings: flags left out take
Java's tool defaults (consumeFromMinEnable and consumeBroadcastEnable false, the rest as
SubscriptionGroupConfig). With -c every master (DLedger leader) is tried; a failing one is reported
on stderr and the others still get the settings.

Example:
  $ mqadmin updateSubGroup -c RaftCluster -g OrderConsumers -r 3
  create subscription group to 10.0.0.1:30911 success.
  SubscriptionGroupConfig [groupName=OrderConsumers, consumeEnable=true, consumeFromMinEnable=false, consumeBroadcastEnable=false, retryQueueNums=1, retryMaxTimes=3, brokerId=0, whichBrokerWhenConsumeSlowly=1, notifyConsumerIdsChangedEnable=true]";

/// Long help of `mqadmin deleteSubGroup`.
const DELETE_SUB_GROUP_HELP: &str = "\
Sends DELETE_SUBSCRIPTIONGROUP (with removeOffset) to the broker, or to every master of the
cluster and then deletes the group's %RETRY% and %DLQ% topics (a topic that was never created is
reported on stderr).

Example:
  $ mqadmin deleteSubGroup -c RaftCluster -g OrderConsumers
  delete subscription group [OrderConsumers] from broker [10.0.0.1:30911] in cluster [RaftCluster] success.";

const DLEDGER_STATUS_HELP: &str = "\
Lists the brokers of each group from the name server, then asks every node for its replication
state with GET_REPLICA_STATUS (request code 9001, ours; a Java broker does not know it). A
DLedger node reports its Raft role, term, last log / committed / applied index and, on the
leader, each follower's matched index and last answer; a Master/Slave pair reports the slave's
confirmed offset. LAG is entries (DLedger) behind the leader, LAG BYTES commitlog bytes behind
the leader or master; CONTACT is how long ago a follower or slave last heard from its leader (on
a leader: how long ago each follower last answered).

Exit status:
  0  every node answered
  1  a node did not answer or does not support the request (named on stderr), or an unknown
     cluster or group
  2  an error (e.g. no name server reachable)

Example:
  $ mqadmin -n 127.0.0.1:9876 dledger-status -g RaftNode00
   GROUP       SELF  ADDR             BID  ROLE         TERM  LAST  COMMITTED  APPLIED  MAX OFFSET  LAG  LAG BYTES  CONTACT              FILES                     DISK
   RaftNode00  n2    127.0.0.1:33911  0    Leader       1     8     8          8        1841        0    0          acks n0 9.6s n1 5ms  00000000000000000000 (1)  17.8%
   RaftNode00  -     127.0.0.1:31911  1    unreachable  -     -     -          -        -           3    -          -                    -                         -
   RaftNode00  n1    127.0.0.1:32911  2    Follower     1     8     8          8        1841        0    0          13ms                 00000000000000000000 (1)  17.8%";

/// Long help of `cluster-health`.
const CLUSTER_HEALTH_HELP: &str = "\
Healthy means: every name server answers and they list the same brokers; every listed node
answers GET_REPLICA_STATUS (9001); each group has exactly one BID 0, which is the one Raft leader
all its nodes agree on, in the same term (or the master of a Master/Slave pair); every member of
a DLedger group is registered; followers are within --max-lag entries (slaves within
--max-lag-bytes) and have heard from their leader within 15 s; no disk is used above
diskMaxUsedSpaceRatio. Each problem is printed on its own line.

--wait SECONDS checks again every second and returns as soon as the cluster is healthy (for
scripts after `fast-try start` or `upgrade-group`); --watch SECONDS prints a fresh verdict every
SECONDS until interrupted.

Exit status:
  0  healthy
  1  unhealthy (with --wait: still unhealthy when the time was up)
  2  an error (e.g. no name server answered)

Example:
  $ mqadmin -n 127.0.0.1:9876 cluster-health
   CLUSTER      GROUP       MODE     NODES  BID 0            LEADER  TERM  MAX LAG
   RaftCluster  RaftNode00  dledger  2/3    127.0.0.1:33911  n2      1     3
  problem: RaftNode00: node 127.0.0.1:31911 (BID 1) unreachable: wait response on the channel <127.0.0.1:31911> timeout, 3000(ms)
  unhealthy: 1 problems";

/// Long help of `transfer-leader`.
const TRANSFER_LEADER_HELP: &str = "\
Asks the group's leader (its BID 0 at the name server) to hand its leadership over, with
TRANSFER_LEADERSHIP (request code 9002, ours; a Java broker does not know it). The leader
refuses a target that is down (it has not answered for a lease, dLegerElectionTimeoutMaxMs) or
behind (it has not caught up within 2 s once the leader stopped taking writes). While it hands
over, the leader refuses sends (SERVICE_NOT_AVAILABLE, about half a second) and clients retry;
nothing acknowledged is lost. Without --to, the most up-to-date follower takes over. A SIGTERM
of the leader (mqadmin shutdownBroker) hands over the same way before the broker stops.

Exit status:
  0  the new leader leads and is BID 0 at the name server
  1  refused (the reason is printed), an unknown group, a group without a leader, or the new
     leader not registered within 10 s
  2  an error (e.g. no name server or leader reachable)

Example:
  $ mqadmin -n 127.0.0.1:9876 transfer-leader -b RaftNode00 --to n1
  leadership of RaftNode00 moved from n0 (127.0.0.1:30911) to n1 (127.0.0.1:31911)
  $ mqadmin -n 127.0.0.1:9876 transfer-leader -b RaftNode00 --to n2
  Error: the leader of RaftNode00 at 127.0.0.1:31911 refused: n2 is down: it has not answered \
the leader for 5012 ms (lease 300 ms)";

/// Arguments of `transfer-leader`.
#[derive(Debug, Args)]
pub struct TransferLeaderArgs {
    /// Broker group (brokerName)
    #[arg(short = 'b', long = "brokerName", value_name = "BROKER_NAME")]
    pub broker_name: String,

    /// The member to lead (its dLegerSelfId, e.g. n1); default: the most up-to-date follower
    #[arg(long = "to", value_name = "SELF_ID")]
    pub to: Option<String>,

    /// Only check: print the follower that would take over, move nothing
    #[arg(long = "dry-run")]
    pub dry_run: bool,
}

/// Arguments of `dledger-status`.
#[derive(Debug, Args)]
pub struct DledgerStatusArgs {
    /// Only this cluster
    #[arg(short = 'c', long = "clusterName", value_name = "NAME")]
    pub cluster_name: Option<String>,

    /// Only this broker group (brokerName)
    #[arg(short = 'g', long = "group", value_name = "BROKER_NAME")]
    pub group: Option<String>,
}

/// Arguments of `cluster-health`.
#[derive(Debug, Args)]
pub struct ClusterHealthArgs {
    /// Only this cluster
    #[arg(short = 'c', long = "clusterName", value_name = "NAME")]
    pub cluster_name: Option<String>,

    /// Print a fresh verdict every SECONDS until interrupted (Ctrl-C)
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..), conflicts_with = "wait")]
    pub watch: Option<u64>,

    /// Check every second until healthy, for at most SECONDS
    #[arg(long, value_name = "SECONDS")]
    pub wait: Option<u64>,

    /// Entries a DLedger follower may lack before the group is unhealthy
    #[arg(long = "max-lag", value_name = "ENTRIES", default_value_t = crate::ops::cluster_health::DEFAULT_MAX_LAG_ENTRIES)]
    pub max_lag: u64,

    /// Commitlog bytes a slave may lack before the group is unhealthy
    #[arg(long = "max-lag-bytes", value_name = "BYTES", default_value_t = crate::ops::cluster_health::DEFAULT_MAX_LAG_BYTES)]
    pub max_lag_bytes: u64,
}
