//! Request and response codes of the RocketMQ remoting protocol (spec §1.6, §2).
//!
//! Codes are plain `i32` constants grouped in modules rather than enums: a server must be able to
//! receive any code a newer client sends and answer REQUEST_CODE_NOT_SUPPORTED, so the wire value
//! is the source of truth and names exist for readability.

/// Request codes we send or serve.
pub mod request {
    pub const SEND_MESSAGE: i32 = 10;
    pub const PULL_MESSAGE: i32 = 11;
    pub const QUERY_MESSAGE: i32 = 12;
    pub const QUERY_CONSUMER_OFFSET: i32 = 14;
    pub const UPDATE_CONSUMER_OFFSET: i32 = 15;
    pub const UPDATE_AND_CREATE_TOPIC: i32 = 17;
    pub const GET_ALL_TOPIC_CONFIG: i32 = 21;
    pub const UPDATE_BROKER_CONFIG: i32 = 25;
    pub const GET_BROKER_CONFIG: i32 = 26;
    pub const GET_BROKER_RUNTIME_INFO: i32 = 28;
    pub const SEARCH_OFFSET_BY_TIMESTAMP: i32 = 29;
    pub const GET_MAX_OFFSET: i32 = 30;
    pub const GET_MIN_OFFSET: i32 = 31;
    pub const GET_EARLIEST_MSG_STORETIME: i32 = 32;
    pub const VIEW_MESSAGE_BY_ID: i32 = 33;
    pub const HEART_BEAT: i32 = 34;
    pub const UNREGISTER_CLIENT: i32 = 35;
    pub const CONSUMER_SEND_MSG_BACK: i32 = 36;
    pub const END_TRANSACTION: i32 = 37;
    pub const GET_CONSUMER_LIST_BY_GROUP: i32 = 38;
    pub const LOCK_BATCH_MQ: i32 = 41;
    pub const UNLOCK_BATCH_MQ: i32 = 42;
    pub const CHECK_TRANSACTION_STATE: i32 = 39;
    pub const GET_ALL_CONSUMER_OFFSET: i32 = 43;
    pub const GET_ALL_DELAY_OFFSET: i32 = 45;
    pub const GET_KV_CONFIG: i32 = 101;
    pub const REGISTER_BROKER: i32 = 103;
    pub const UNREGISTER_BROKER: i32 = 104;
    pub const GET_ROUTEINFO_BY_TOPIC: i32 = 105;
    pub const GET_BROKER_CLUSTER_INFO: i32 = 106;
    pub const UPDATE_AND_CREATE_SUBSCRIPTIONGROUP: i32 = 200;
    pub const GET_ALL_SUBSCRIPTIONGROUP_CONFIG: i32 = 201;
    pub const DELETE_SUBSCRIPTIONGROUP: i32 = 207;
    pub const GET_TOPIC_STATS_INFO: i32 = 202;
    pub const GET_CONSUMER_CONNECTION_LIST: i32 = 203;
    /// Name server: clear the write bit of every queue of a broker name in the routes.
    pub const WIPE_WRITE_PERM_OF_BROKER: i32 = 205;
    pub const GET_PRODUCER_CONNECTION_LIST: i32 = 204;
    pub const GET_ALL_TOPIC_LIST_FROM_NAMESERVER: i32 = 206;
    pub const GET_CONSUME_STATS: i32 = 208;
    pub const DELETE_TOPIC_IN_BROKER: i32 = 215;
    /// Broker to client, oneway: move the group's offsets of a topic to these (body
    /// `ResetOffsetBody`); sent to every live consumer by INVOKE_BROKER_TO_RESET_OFFSET.
    pub const RESET_CONSUMER_CLIENT_OFFSET: i32 = 220;
    /// Admin to broker: compute a group's offsets of a topic for a time and push them to the
    /// group's live consumers (Java's `resetOffsetByTime`).
    pub const INVOKE_BROKER_TO_RESET_OFFSET: i32 = 222;
    pub const DELETE_TOPIC_IN_NAMESRV: i32 = 216;
    pub const GET_TOPICS_BY_CLUSTER: i32 = 224;
    pub const QUERY_TOPIC_CONSUME_BY_WHO: i32 = 300;
    /// Admin to broker, relayed by the broker to one consumer client: the client's
    /// `ConsumerRunningInfo` (its queues, subscriptions, properties).
    pub const GET_CONSUMER_RUNNING_INFO: i32 = 307;
    pub const SEND_MESSAGE_V2: i32 = 310;
    pub const UPDATE_NAMESRV_CONFIG: i32 = 318;
    pub const SEND_BATCH_MESSAGE: i32 = 320;
    pub const QUERY_DATA_VERSION: i32 = 322;
    /// Name server: give every queue of a broker name read and write permission again (4.9's
    /// code; 5.x moved it to 356).
    pub const ADD_WRITE_PERM_OF_BROKER: i32 = 327;
    /// Ours, not Java's: a broker's replication status (DLedger Raft state or Master/Slave HA
    /// offsets, data files, disk use) as a JSON `body_replica::ReplicaStatus`, for
    /// `mqadmin dledger-status` and `cluster-health`. Java's codes stop below 2000 (5.x:
    /// 9xx HA, 10xx controller); a Java broker answers REQUEST_CODE_NOT_SUPPORTED.
    pub const GET_REPLICA_STATUS: i32 = 9001;
    /// Ours, not Java's: asks a DLedger leader to hand its leadership to another member
    /// (ext field `targetId` = `nX`, optional: the most up-to-date follower; `dryRun` = `true`
    /// only checks). Answered SUCCESS with a JSON `body_replica::TransferLeadership` once the
    /// other node leads, SERVICE_NOT_AVAILABLE on a node that does not lead, SYSTEM_ERROR
    /// naming the reason when the target is down or behind. For `mqadmin transfer-leader`.
    pub const TRANSFER_LEADERSHIP: i32 = 9002;
}

/// Response codes.
pub mod response {
    pub const SUCCESS: i32 = 0;
    pub const SYSTEM_ERROR: i32 = 1;
    pub const SYSTEM_BUSY: i32 = 2;
    pub const REQUEST_CODE_NOT_SUPPORTED: i32 = 3;
    pub const FLUSH_DISK_TIMEOUT: i32 = 10;
    pub const SLAVE_NOT_AVAILABLE: i32 = 11;
    pub const FLUSH_SLAVE_TIMEOUT: i32 = 12;
    pub const MESSAGE_ILLEGAL: i32 = 13;
    pub const SERVICE_NOT_AVAILABLE: i32 = 14;
    pub const VERSION_NOT_SUPPORTED: i32 = 15;
    pub const NO_PERMISSION: i32 = 16;
    pub const TOPIC_NOT_EXIST: i32 = 17;
    pub const TOPIC_EXIST_ALREADY: i32 = 18;
    pub const PULL_NOT_FOUND: i32 = 19;
    pub const PULL_RETRY_IMMEDIATELY: i32 = 20;
    pub const PULL_OFFSET_MOVED: i32 = 21;
    pub const QUERY_NOT_FOUND: i32 = 22;
    pub const SUBSCRIPTION_PARSE_FAILED: i32 = 23;
    pub const SUBSCRIPTION_NOT_EXIST: i32 = 24;
    pub const SUBSCRIPTION_NOT_LATEST: i32 = 25;
    pub const SUBSCRIPTION_GROUP_NOT_EXIST: i32 = 26;
    pub const CONSUMER_NOT_ONLINE: i32 = 206;
    /// A client the broker relayed a request to did not answer in time.
    pub const CONSUME_MSG_TIMEOUT: i32 = 207;
}

/// PullSysFlag bits of PULL_MESSAGE's `sysFlag`.
pub mod pull_flag {
    /// The request carries an offset to commit.
    pub const COMMIT_OFFSET: i32 = 0x1;
    /// The request may be held (long polling).
    pub const SUSPEND: i32 = 0x2;
    /// The request carries its subscription.
    pub const SUBSCRIPTION: i32 = 0x4;
}

/// `language` codes (spec §1.2).
pub const LANGUAGES: [&str; 14] = [
    "JAVA", "CPP", "DOTNET", "PYTHON", "DELPHI", "ERLANG", "RUBY", "OTHER", "HTTP", "GO", "PHP", "OMS",
    "RUST", "JS",
];
/// We announce ourselves as JAVA: older Java servers reject unknown language names.
pub const LANGUAGE_JAVA: u8 = 0;
/// Code for languages we do not know.
pub const LANGUAGE_OTHER: u8 = 7;

/// `version` ordinal we send: V4_9_7 (spec §1.5). Sent as >= 401 so name servers answer routes in
/// standard JSON.
pub const VERSION_V4_9_7: i32 = 407;
/// Name of that version, reported as `brokerVersionDesc`.
pub const VERSION_DESC: &str = "V4_9_7";

/// Remark suffix Java appends to not-found errors.
pub const FAQ_SUFFIX: &str = "\nSee http://rocketmq.apache.org/docs/faq/ for further details.";

/// Flag bit: the command is a response.
pub const FLAG_RESPONSE: i32 = 1;
/// Flag bit: the request is oneway (no response is sent).
pub const FLAG_ONEWAY: i32 = 2;
