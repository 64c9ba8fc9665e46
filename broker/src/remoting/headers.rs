//! The custom headers of every request code we send or serve (spec §2.1), declared with
//! `command_header!` (in [`super::custom_header`]): `T` fields are `@CFNotNull`, `Option<T>` are optional.

use super::custom_header::command_header;

command_header! {
    /// REGISTER_BROKER (103) request.
    pub struct RegisterBrokerRequestHeader {
        broker_name: String = "brokerName",
        broker_addr: String = "brokerAddr",
        cluster_name: String = "clusterName",
        ha_server_addr: String = "haServerAddr",
        broker_id: i64 = "brokerId",
        compressed: Option<bool> = "compressed",
        body_crc32: Option<i32> = "bodyCrc32",
    }
}

command_header! {
    /// REGISTER_BROKER (103) response: the live master, for brokerId != 0.
    pub struct RegisterBrokerResponseHeader {
        ha_server_addr: Option<String> = "haServerAddr",
        master_addr: Option<String> = "masterAddr",
    }
}

command_header! {
    /// UNREGISTER_BROKER (104) request.
    pub struct UnregisterBrokerRequestHeader {
        broker_name: String = "brokerName",
        broker_addr: String = "brokerAddr",
        cluster_name: String = "clusterName",
        broker_id: i64 = "brokerId",
    }
}

command_header! {
    /// GET_ROUTEINFO_BY_TOPIC (105) request.
    pub struct GetRouteInfoRequestHeader {
        topic: String = "topic",
        accept_standard_json_only: Option<bool> = "acceptStandardJsonOnly",
    }
}

command_header! {
    /// SEND_MESSAGE (10) and SEND_BATCH_MESSAGE request, long field names.
    pub struct SendMessageRequestHeader {
        producer_group: String = "producerGroup",
        topic: String = "topic",
        default_topic: String = "defaultTopic",
        default_topic_queue_nums: i32 = "defaultTopicQueueNums",
        queue_id: i32 = "queueId",
        sys_flag: i32 = "sysFlag",
        born_timestamp: i64 = "bornTimestamp",
        flag: i32 = "flag",
        properties: Option<String> = "properties",
        reconsume_times: Option<i32> = "reconsumeTimes",
        unit_mode: Option<bool> = "unitMode",
        batch: Option<bool> = "batch",
        max_reconsume_times: Option<i32> = "maxReconsumeTimes",
    }
}

command_header! {
    /// SEND_MESSAGE_V2 (310) and SEND_BATCH_MESSAGE (320): one-letter field names.
    pub struct SendMessageRequestHeaderV2 {
        a: String = "a",
        b: String = "b",
        c: String = "c",
        d: i32 = "d",
        e: i32 = "e",
        f: i32 = "f",
        g: i64 = "g",
        h: i32 = "h",
        i: Option<String> = "i",
        j: Option<i32> = "j",
        k: Option<bool> = "k",
        l: Option<i32> = "l",
        m: Option<bool> = "m",
        n: Option<String> = "n",
    }
}

impl SendMessageRequestHeaderV2 {
    /// Converts to the long-name header.
    pub fn into_v1(self) -> SendMessageRequestHeader {
        SendMessageRequestHeader {
            producer_group: self.a,
            topic: self.b,
            default_topic: self.c,
            default_topic_queue_nums: self.d,
            queue_id: self.e,
            sys_flag: self.f,
            born_timestamp: self.g,
            flag: self.h,
            properties: self.i,
            reconsume_times: self.j,
            unit_mode: self.k,
            batch: self.m,
            max_reconsume_times: self.l,
        }
    }

    /// Converts from the long-name header.
    pub fn from_v1(v: &SendMessageRequestHeader) -> Self {
        Self {
            a: v.producer_group.clone(),
            b: v.topic.clone(),
            c: v.default_topic.clone(),
            d: v.default_topic_queue_nums,
            e: v.queue_id,
            f: v.sys_flag,
            g: v.born_timestamp,
            h: v.flag,
            i: v.properties.clone(),
            j: v.reconsume_times,
            k: v.unit_mode,
            l: v.max_reconsume_times,
            m: v.batch,
            n: None,
        }
    }
}

command_header! {
    /// Send response.
    pub struct SendMessageResponseHeader {
        msg_id: String = "msgId",
        queue_id: i32 = "queueId",
        queue_offset: i64 = "queueOffset",
        transaction_id: Option<String> = "transactionId",
        msg_region: Option<String> = "MSG_REGION",
        trace_on: Option<String> = "TRACE_ON",
    }
}

command_header! {
    /// PULL_MESSAGE (11) request.
    pub struct PullMessageRequestHeader {
        consumer_group: String = "consumerGroup",
        topic: String = "topic",
        queue_id: i32 = "queueId",
        queue_offset: i64 = "queueOffset",
        max_msg_nums: i32 = "maxMsgNums",
        sys_flag: i32 = "sysFlag",
        commit_offset: i64 = "commitOffset",
        suspend_timeout_millis: i64 = "suspendTimeoutMillis",
        subscription: Option<String> = "subscription",
        sub_version: i64 = "subVersion",
        expression_type: Option<String> = "expressionType",
        max_msg_bytes: Option<i32> = "maxMsgBytes",
    }
}

impl PullMessageRequestHeader {
    /// A one-off pull as a tool makes it (not a consumer): it carries its subscription (`TAG`
    /// expression), commits no offset and is not held for long polling.
    pub fn one_off(
        consumer_group: &str,
        topic: &str,
        queue_id: i32,
        queue_offset: i64,
        max_msg_nums: i32,
        subscription: &str,
    ) -> Self {
        Self {
            consumer_group: consumer_group.to_owned(),
            topic: topic.to_owned(),
            queue_id,
            queue_offset,
            max_msg_nums,
            sys_flag: crate::remoting::codes::pull_flag::SUBSCRIPTION,
            commit_offset: 0,
            suspend_timeout_millis: 0,
            subscription: Some(subscription.to_owned()),
            sub_version: 0,
            expression_type: Some("TAG".into()),
            max_msg_bytes: None,
        }
    }
}

command_header! {
    /// PULL_MESSAGE response.
    pub struct PullMessageResponseHeader {
        suggest_which_broker_id: i64 = "suggestWhichBrokerId",
        next_begin_offset: i64 = "nextBeginOffset",
        min_offset: i64 = "minOffset",
        max_offset: i64 = "maxOffset",
    }
}

command_header! {
    /// QUERY_CONSUMER_OFFSET (14) request.
    pub struct QueryConsumerOffsetRequestHeader {
        consumer_group: String = "consumerGroup",
        topic: String = "topic",
        queue_id: i32 = "queueId",
        set_zero_if_not_found: Option<bool> = "setZeroIfNotFound",
    }
}

command_header! {
    /// Responses carrying one offset (14, 30, 31, 29).
    pub struct OffsetResponseHeader {
        offset: i64 = "offset",
    }
}

command_header! {
    /// UPDATE_CONSUMER_OFFSET (15) request.
    pub struct UpdateConsumerOffsetRequestHeader {
        consumer_group: String = "consumerGroup",
        topic: String = "topic",
        queue_id: i32 = "queueId",
        commit_offset: i64 = "commitOffset",
    }
}

command_header! {
    /// GET_MAX_OFFSET (30), GET_MIN_OFFSET (31), GET_EARLIEST_MSG_STORETIME (32) request.
    pub struct QueueRequestHeader {
        topic: String = "topic",
        queue_id: i32 = "queueId",
    }
}

command_header! {
    /// GET_EARLIEST_MSG_STORETIME response.
    pub struct TimestampResponseHeader {
        timestamp: i64 = "timestamp",
    }
}

command_header! {
    /// SEARCH_OFFSET_BY_TIMESTAMP (29) request.
    pub struct SearchOffsetRequestHeader {
        topic: String = "topic",
        queue_id: i32 = "queueId",
        timestamp: i64 = "timestamp",
    }
}

command_header! {
    /// QUERY_MESSAGE (12) request: messages of `topic` with `key`, stored within the time range.
    pub struct QueryMessageRequestHeader {
        topic: String = "topic",
        key: String = "key",
        max_num: i32 = "maxNum",
        begin_timestamp: i64 = "beginTimestamp",
        end_timestamp: i64 = "endTimestamp",
    }
}

command_header! {
    /// QUERY_MESSAGE (12) response: where the broker's key index stands.
    pub struct QueryMessageResponseHeader {
        index_last_update_timestamp: i64 = "indexLastUpdateTimestamp",
        index_last_update_phyoffset: i64 = "indexLastUpdatePhyoffset",
    }
}

command_header! {
    /// VIEW_MESSAGE_BY_ID (33) request.
    pub struct ViewMessageRequestHeader {
        offset: i64 = "offset",
    }
}

command_header! {
    /// CONSUMER_SEND_MSG_BACK (36) request: a message a consumer failed to consume, by its
    /// commitlog offset.
    pub struct ConsumerSendMsgBackRequestHeader {
        offset: i64 = "offset",
        group: String = "group",
        delay_level: i32 = "delayLevel",
        origin_msg_id: Option<String> = "originMsgId",
        origin_topic: Option<String> = "originTopic",
        unit_mode: Option<bool> = "unitMode",
        max_reconsume_times: Option<i32> = "maxReconsumeTimes",
    }
}

command_header! {
    /// UPDATE_AND_CREATE_TOPIC (17) request.
    pub struct CreateTopicRequestHeader {
        topic: String = "topic",
        default_topic: String = "defaultTopic",
        read_queue_nums: i32 = "readQueueNums",
        write_queue_nums: i32 = "writeQueueNums",
        perm: i32 = "perm",
        topic_filter_type: String = "topicFilterType",
        topic_sys_flag: Option<i32> = "topicSysFlag",
        order: bool = "order",
    }
}

command_header! {
    /// DELETE_TOPIC_IN_BROKER (215), DELETE_TOPIC_IN_NAMESRV (216) request.
    pub struct DeleteTopicRequestHeader {
        topic: String = "topic",
    }
}

command_header! {
    /// DELETE_SUBSCRIPTIONGROUP (207) request.
    pub struct DeleteSubscriptionGroupRequestHeader {
        group_name: String = "groupName",
        remove_offset: Option<bool> = "removeOffset",
    }
}

command_header! {
    /// GET_TOPIC_STATS_INFO (202) request.
    pub struct TopicRequestHeader {
        topic: String = "topic",
    }
}

command_header! {
    /// GET_CONSUMER_LIST_BY_GROUP (38) request.
    pub struct ConsumerGroupRequestHeader {
        consumer_group: String = "consumerGroup",
    }
}

command_header! {
    /// UNREGISTER_CLIENT (35) request.
    pub struct UnregisterClientRequestHeader {
        client_id: String = "clientID",
        producer_group: Option<String> = "producerGroup",
        consumer_group: Option<String> = "consumerGroup",
    }
}

command_header! {
    /// GET_PRODUCER_CONNECTION_LIST (204) request.
    pub struct ProducerGroupRequestHeader {
        producer_group: String = "producerGroup",
    }
}

command_header! {
    /// END_TRANSACTION (37) request: a producer commits (8), rolls back (12) or leaves pending
    /// (0) the half message at `commitLogOffset`; Java clients send it oneway.
    pub struct EndTransactionRequestHeader {
        producer_group: String = "producerGroup",
        tran_state_table_offset: i64 = "tranStateTableOffset",
        commit_log_offset: i64 = "commitLogOffset",
        commit_or_rollback: i32 = "commitOrRollback",
        from_transaction_check: Option<bool> = "fromTransactionCheck",
        msg_id: String = "msgId",
        transaction_id: Option<String> = "transactionId",
    }
}

command_header! {
    /// GET_CONSUME_STATS (208) request: a blank topic means every topic the group has offsets for.
    pub struct GetConsumeStatsRequestHeader {
        consumer_group: String = "consumerGroup",
        topic: Option<String> = "topic",
    }
}

command_header! {
    /// INVOKE_BROKER_TO_RESET_OFFSET (222) request, and (without `isForce`) the header of the
    /// RESET_CONSUMER_CLIENT_OFFSET (220) the broker sends to clients. `timestamp` -1 means now
    /// (every queue's max offset). Java's field is `isForce`, sent under that name.
    pub struct ResetOffsetRequestHeader {
        topic: String = "topic",
        group: String = "group",
        timestamp: i64 = "timestamp",
        is_force: Option<bool> = "isForce",
    }
}

command_header! {
    /// GET_CONSUMER_RUNNING_INFO (307) request: which client of which group to ask, and whether
    /// it should add its thread dump.
    pub struct GetConsumerRunningInfoRequestHeader {
        consumer_group: String = "consumerGroup",
        client_id: String = "clientId",
        jstack_enable: Option<bool> = "jstackEnable",
    }
}

command_header! {
    /// CHECK_TRANSACTION_STATE (39): the broker asks a producer, oneway, about a half message
    /// left unresolved; the producer answers with END_TRANSACTION.
    pub struct CheckTransactionStateRequestHeader {
        tran_state_table_offset: i64 = "tranStateTableOffset",
        commit_log_offset: i64 = "commitLogOffset",
        msg_id: Option<String> = "msgId",
        transaction_id: Option<String> = "transactionId",
        offset_msg_id: Option<String> = "offsetMsgId",
    }
}

command_header! {
    /// WIPE_WRITE_PERM_OF_BROKER (205) and ADD_WRITE_PERM_OF_BROKER (327) request.
    pub struct BrokerNameRequestHeader {
        broker_name: String = "brokerName",
    }
}

command_header! {
    /// WIPE_WRITE_PERM_OF_BROKER (205) response: how many topics the broker name serves.
    pub struct WipeWritePermResponseHeader {
        wipe_topic_count: i32 = "wipeTopicCount",
    }
}

command_header! {
    /// ADD_WRITE_PERM_OF_BROKER (327) response: how many topics the broker name serves.
    pub struct AddWritePermResponseHeader {
        add_topic_count: i32 = "addTopicCount",
    }
}
