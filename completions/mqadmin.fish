# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_mqadmin_global_optspecs
    string join \n n/namesrvAddr= output= q/quiet access-key= secret-key= h/help V/version
end

function __fish_mqadmin_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_mqadmin_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_mqadmin_using_subcommand
    set -l cmd (__fish_mqadmin_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c mqadmin -n "__fish_mqadmin_needs_command" -s n -l namesrvAddr -d 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn' -r
complete -c mqadmin -n "__fish_mqadmin_needs_command" -l output -d 'Output format for data written to stdout' -r -f -a "table\t'Human-readable text (for Java-parity commands: exactly what the Java tool prints)'
json\t'Pretty-printed JSON with stable field names'"
complete -c mqadmin -n "__fish_mqadmin_needs_command" -l access-key -d 'ACL account: sign every request with this access key (brokers with aclEnable=true)' -r
complete -c mqadmin -n "__fish_mqadmin_needs_command" -l secret-key -d 'The ACL account\'s secret key (prefer the environment: a flag shows in `ps`)' -r
complete -c mqadmin -n "__fish_mqadmin_needs_command" -s q -l quiet -d 'Do not print warnings or progress to stderr (errors are still printed)'
complete -c mqadmin -n "__fish_mqadmin_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mqadmin -n "__fish_mqadmin_needs_command" -s V -l version -d 'Print version'
complete -c mqadmin -n "__fish_mqadmin_needs_command" -f -a "clusterList" -d 'List clusters, broker groups and each broker\'s runtime statistics'
complete -c mqadmin -n "__fish_mqadmin_needs_command" -f -a "updateTopic" -d 'Create or update a topic on a broker or on every master of a cluster'
complete -c mqadmin -n "__fish_mqadmin_needs_command" -f -a "deleteTopic" -d 'Delete a topic from a cluster\'s masters and from the name servers'
complete -c mqadmin -n "__fish_mqadmin_needs_command" -f -a "topicList" -d 'List the topics the name server knows'
complete -c mqadmin -n "__fish_mqadmin_needs_command" -f -a "topicRoute" -d 'Print a topic\'s route (broker groups and queues)'
complete -c mqadmin -n "__fish_mqadmin_needs_command" -f -a "topicStatus" -d 'Print the min and max offset of each queue of a topic'
complete -c mqadmin -n "__fish_mqadmin_needs_command" -f -a "brokerStatus" -d 'Print a broker\'s runtime statistics'
complete -c mqadmin -n "__fish_mqadmin_needs_command" -f -a "getBrokerConfig" -d 'Print a broker\'s effective configuration'
complete -c mqadmin -n "__fish_mqadmin_needs_command" -f -a "sendMessage" -d 'Send one message'
complete -c mqadmin -n "__fish_mqadmin_needs_command" -f -a "consumeMessage" -d 'Read messages of a topic without committing offsets'
complete -c mqadmin -n "__fish_mqadmin_needs_command" -f -a "queryMsgById" -d 'Print the message an offset message id names'
complete -c mqadmin -n "__fish_mqadmin_needs_command" -f -a "queryMsgByKey" -d 'Print the messages of a topic that have a key (from the brokers\' key index)'
complete -c mqadmin -n "__fish_mqadmin_needs_command" -f -a "queryMsgByUniqueKey" -d 'Print the messages a client message id (UNIQ_KEY) names'
complete -c mqadmin -n "__fish_mqadmin_needs_command" -f -a "wipeWritePerm" -d 'Stop producers writing to a broker group (on every name server)'
complete -c mqadmin -n "__fish_mqadmin_needs_command" -f -a "addWritePerm" -d 'Let producers write to a broker group again (on every name server)'
complete -c mqadmin -n "__fish_mqadmin_needs_command" -f -a "resetOffsetByTime" -d 'Move a group\'s offsets on a topic to the first message at or after a time'
complete -c mqadmin -n "__fish_mqadmin_needs_command" -f -a "consumerProgress" -d 'Print a consumer group\'s progress per queue, or every group\'s summary'
complete -c mqadmin -n "__fish_mqadmin_needs_command" -f -a "consumerConnection" -d 'Print a consumer group\'s live clients, subscriptions and consume mode'
complete -c mqadmin -n "__fish_mqadmin_needs_command" -f -a "consumerStatus" -d 'Save each client\'s running info; check the group\'s subscriptions and queues'
complete -c mqadmin -n "__fish_mqadmin_needs_command" -f -a "producerConnection" -d 'Print a producer group\'s live clients'
complete -c mqadmin -n "__fish_mqadmin_needs_command" -f -a "updateSubGroup" -d 'Create or update a consumer group\'s settings on a broker or a cluster'
complete -c mqadmin -n "__fish_mqadmin_needs_command" -f -a "deleteSubGroup" -d 'Delete a consumer group\'s settings from a broker or a cluster'
complete -c mqadmin -n "__fish_mqadmin_needs_command" -f -a "verify-commitlog" -d 'Check a master\'s newest commitlog files against its slave before an upgrade'
complete -c mqadmin -n "__fish_mqadmin_needs_command" -f -a "gen-config" -d 'Write the broker configs of a DLedger group, from scratch or from a config'
complete -c mqadmin -n "__fish_mqadmin_needs_command" -f -a "completions" -d 'Print a shell completion script to stdout'
complete -c mqadmin -n "__fish_mqadmin_needs_command" -f -a "fast-try" -d 'Run a local name server and 3-node DLedger group (start|stop|status|...)'
complete -c mqadmin -n "__fish_mqadmin_needs_command" -f -a "upgrade-group" -d 'Migrate a local Master/Slave broker group to a three-node DLedger group'
complete -c mqadmin -n "__fish_mqadmin_needs_command" -f -a "shutdownBroker" -d 'Stop the mqbroker of a config file (SIGTERM, then wait for its store lock)'
complete -c mqadmin -n "__fish_mqadmin_needs_command" -f -a "startBroker" -d 'Start mqbroker with a config file, detached (here or through its node agent)'
complete -c mqadmin -n "__fish_mqadmin_needs_command" -f -a "benchmark" -d 'Measure throughput, latency and failover time (producer|consumer|failover)'
complete -c mqadmin -n "__fish_mqadmin_needs_command" -f -a "dledger-status" -d 'Print each node\'s replication state (Raft role, term, indexes, lag)'
complete -c mqadmin -n "__fish_mqadmin_needs_command" -f -a "cluster-health" -d 'Check one leader per group, followers keeping up, every node answering'
complete -c mqadmin -n "__fish_mqadmin_needs_command" -f -a "transfer-leader" -d 'Move a DLedger group\'s leadership to another up-to-date member'
complete -c mqadmin -n "__fish_mqadmin_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand clusterList" -s i -l interval -d 'Repeat every SECONDS seconds until interrupted (Ctrl-C)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand clusterList" -s c -l clusterName -d 'Show only this cluster (an unknown name prints only the header and exits 1)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand clusterList" -l format -d 'Table layout to imitate: RocketMQ 4.x or 5.x `mqadmin`' -r -f -a "v4\t'RocketMQ 4.x columns (4.5 to 4.9.8)'
v5\t'RocketMQ 5.x columns (5.3.x): adds ack pool, timer progress and ACTIVATED'"
complete -c mqadmin -n "__fish_mqadmin_using_subcommand clusterList" -s n -l namesrvAddr -d 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand clusterList" -l output -d 'Output format for data written to stdout' -r -f -a "table\t'Human-readable text (for Java-parity commands: exactly what the Java tool prints)'
json\t'Pretty-printed JSON with stable field names'"
complete -c mqadmin -n "__fish_mqadmin_using_subcommand clusterList" -l access-key -d 'ACL account: sign every request with this access key (brokers with aclEnable=true)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand clusterList" -l secret-key -d 'The ACL account\'s secret key (prefer the environment: a flag shows in `ps`)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand clusterList" -s m -l moreStats -d 'Print message totals for yesterday and today instead of TPS and load'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand clusterList" -s q -l quiet -d 'Do not print warnings or progress to stderr (errors are still printed)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand clusterList" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand updateTopic" -s t -l topic -d 'Topic name' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand updateTopic" -s b -l brokerAddr -d 'Create the topic on this broker address (IP:PORT, as Java\'s updateTopic -b; sendMessage\'s -b is a broker name, as Java\'s)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand updateTopic" -s c -l clusterName -d 'Create the topic on every master of this cluster' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand updateTopic" -s r -l readQueueNums -d 'Read queues (1 to 1024)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand updateTopic" -s w -l writeQueueNums -d 'Write queues (1 to 1024)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand updateTopic" -s p -l perm -d 'Permission, as Java: 2 write, 4 read, 6 read and write (nothing else is accepted)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand updateTopic" -s o -l order -d 'Whether the topic is ordered' -r -f -a "true\t''
false\t''"
complete -c mqadmin -n "__fish_mqadmin_using_subcommand updateTopic" -s n -l namesrvAddr -d 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand updateTopic" -l output -d 'Output format for data written to stdout' -r -f -a "table\t'Human-readable text (for Java-parity commands: exactly what the Java tool prints)'
json\t'Pretty-printed JSON with stable field names'"
complete -c mqadmin -n "__fish_mqadmin_using_subcommand updateTopic" -l access-key -d 'ACL account: sign every request with this access key (brokers with aclEnable=true)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand updateTopic" -l secret-key -d 'The ACL account\'s secret key (prefer the environment: a flag shows in `ps`)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand updateTopic" -s q -l quiet -d 'Do not print warnings or progress to stderr (errors are still printed)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand updateTopic" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand deleteTopic" -s t -l topic -d 'Topic name' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand deleteTopic" -s c -l clusterName -d 'Cluster whose masters drop the topic' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand deleteTopic" -s n -l namesrvAddr -d 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand deleteTopic" -l output -d 'Output format for data written to stdout' -r -f -a "table\t'Human-readable text (for Java-parity commands: exactly what the Java tool prints)'
json\t'Pretty-printed JSON with stable field names'"
complete -c mqadmin -n "__fish_mqadmin_using_subcommand deleteTopic" -l access-key -d 'ACL account: sign every request with this access key (brokers with aclEnable=true)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand deleteTopic" -l secret-key -d 'The ACL account\'s secret key (prefer the environment: a flag shows in `ps`)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand deleteTopic" -s q -l quiet -d 'Do not print warnings or progress to stderr (errors are still printed)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand deleteTopic" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand topicList" -s n -l namesrvAddr -d 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand topicList" -l output -d 'Output format for data written to stdout' -r -f -a "table\t'Human-readable text (for Java-parity commands: exactly what the Java tool prints)'
json\t'Pretty-printed JSON with stable field names'"
complete -c mqadmin -n "__fish_mqadmin_using_subcommand topicList" -l access-key -d 'ACL account: sign every request with this access key (brokers with aclEnable=true)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand topicList" -l secret-key -d 'The ACL account\'s secret key (prefer the environment: a flag shows in `ps`)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand topicList" -s c -l clusterModel -d 'Also print each topic\'s cluster (Java\'s cluster model)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand topicList" -s q -l quiet -d 'Do not print warnings or progress to stderr (errors are still printed)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand topicList" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand topicRoute" -s t -l topic -d 'Topic name' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand topicRoute" -s n -l namesrvAddr -d 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand topicRoute" -l output -d 'Output format for data written to stdout' -r -f -a "table\t'Human-readable text (for Java-parity commands: exactly what the Java tool prints)'
json\t'Pretty-printed JSON with stable field names'"
complete -c mqadmin -n "__fish_mqadmin_using_subcommand topicRoute" -l access-key -d 'ACL account: sign every request with this access key (brokers with aclEnable=true)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand topicRoute" -l secret-key -d 'The ACL account\'s secret key (prefer the environment: a flag shows in `ps`)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand topicRoute" -s q -l quiet -d 'Do not print warnings or progress to stderr (errors are still printed)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand topicRoute" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand topicStatus" -s t -l topic -d 'Topic name' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand topicStatus" -s n -l namesrvAddr -d 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand topicStatus" -l output -d 'Output format for data written to stdout' -r -f -a "table\t'Human-readable text (for Java-parity commands: exactly what the Java tool prints)'
json\t'Pretty-printed JSON with stable field names'"
complete -c mqadmin -n "__fish_mqadmin_using_subcommand topicStatus" -l access-key -d 'ACL account: sign every request with this access key (brokers with aclEnable=true)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand topicStatus" -l secret-key -d 'The ACL account\'s secret key (prefer the environment: a flag shows in `ps`)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand topicStatus" -s q -l quiet -d 'Do not print warnings or progress to stderr (errors are still printed)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand topicStatus" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand brokerStatus" -s b -l brokerAddr -d 'Broker address' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand brokerStatus" -s c -l clusterName -d 'Every broker of this cluster' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand brokerStatus" -s n -l namesrvAddr -d 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand brokerStatus" -l output -d 'Output format for data written to stdout' -r -f -a "table\t'Human-readable text (for Java-parity commands: exactly what the Java tool prints)'
json\t'Pretty-printed JSON with stable field names'"
complete -c mqadmin -n "__fish_mqadmin_using_subcommand brokerStatus" -l access-key -d 'ACL account: sign every request with this access key (brokers with aclEnable=true)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand brokerStatus" -l secret-key -d 'The ACL account\'s secret key (prefer the environment: a flag shows in `ps`)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand brokerStatus" -s q -l quiet -d 'Do not print warnings or progress to stderr (errors are still printed)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand brokerStatus" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand getBrokerConfig" -s b -l brokerAddr -d 'Broker address' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand getBrokerConfig" -s c -l clusterName -d 'Every broker of this cluster' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand getBrokerConfig" -s n -l namesrvAddr -d 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand getBrokerConfig" -l output -d 'Output format for data written to stdout' -r -f -a "table\t'Human-readable text (for Java-parity commands: exactly what the Java tool prints)'
json\t'Pretty-printed JSON with stable field names'"
complete -c mqadmin -n "__fish_mqadmin_using_subcommand getBrokerConfig" -l access-key -d 'ACL account: sign every request with this access key (brokers with aclEnable=true)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand getBrokerConfig" -l secret-key -d 'The ACL account\'s secret key (prefer the environment: a flag shows in `ps`)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand getBrokerConfig" -s q -l quiet -d 'Do not print warnings or progress to stderr (errors are still printed)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand getBrokerConfig" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand sendMessage" -s t -l topic -d 'Topic name' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand sendMessage" -s p -l body -d 'Message body (UTF-8)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand sendMessage" -s k -l keys -d 'Message keys (the KEYS property)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand sendMessage" -s c -l tags -d 'Message tag (the TAGS property)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand sendMessage" -s b -l broker -d 'Send to this broker group only: a broker name, as Java\'s sendMessage -b (updateTopic\'s -b is an address, as Java\'s)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand sendMessage" -s i -l qid -d 'Send to this queue id only' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand sendMessage" -s n -l namesrvAddr -d 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand sendMessage" -l output -d 'Output format for data written to stdout' -r -f -a "table\t'Human-readable text (for Java-parity commands: exactly what the Java tool prints)'
json\t'Pretty-printed JSON with stable field names'"
complete -c mqadmin -n "__fish_mqadmin_using_subcommand sendMessage" -l access-key -d 'ACL account: sign every request with this access key (brokers with aclEnable=true)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand sendMessage" -l secret-key -d 'The ACL account\'s secret key (prefer the environment: a flag shows in `ps`)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand sendMessage" -s q -l quiet -d 'Do not print warnings or progress to stderr (errors are still printed)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand sendMessage" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand consumeMessage" -s t -l topic -d 'Topic name' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand consumeMessage" -s b -l brokerName -d 'Read this broker group only: a broker name, as Java\'s consumeMessage -b' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand consumeMessage" -s i -l queueId -d 'Read this queue id only' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand consumeMessage" -s o -l offset -d 'Start at this offset in each queue (default: the queue\'s min offset)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand consumeMessage" -s c -l messageNumber -d 'Stop after this many messages (at least 1)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand consumeMessage" -s s -l subExpression -d 'Tag expression, e.g. `TagA || TagB` (Java\'s consumeMessage -s is a begin timestamp)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand consumeMessage" -s g -l consumerGroup -d 'Consumer group named in the pull requests (no offset is committed)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand consumeMessage" -s n -l namesrvAddr -d 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand consumeMessage" -l output -d 'Output format for data written to stdout' -r -f -a "table\t'Human-readable text (for Java-parity commands: exactly what the Java tool prints)'
json\t'Pretty-printed JSON with stable field names'"
complete -c mqadmin -n "__fish_mqadmin_using_subcommand consumeMessage" -l access-key -d 'ACL account: sign every request with this access key (brokers with aclEnable=true)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand consumeMessage" -l secret-key -d 'The ACL account\'s secret key (prefer the environment: a flag shows in `ps`)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand consumeMessage" -s q -l quiet -d 'Do not print warnings or progress to stderr (errors are still printed)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand consumeMessage" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand queryMsgById" -s i -l msgId -d 'Offset message id (32 hex digits), as printed by consumeMessage and on sendMessage\'s stderr (not the unique key sendMessage prints as #MsgId: the brokers cannot look keys up yet)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand queryMsgById" -s d -l bodyDir -d 'Write the body to DIR/<MSGID> instead of printing it (Java\'s queryMsgById -d is a client id)' -r -F
complete -c mqadmin -n "__fish_mqadmin_using_subcommand queryMsgById" -s n -l namesrvAddr -d 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand queryMsgById" -l output -d 'Output format for data written to stdout' -r -f -a "table\t'Human-readable text (for Java-parity commands: exactly what the Java tool prints)'
json\t'Pretty-printed JSON with stable field names'"
complete -c mqadmin -n "__fish_mqadmin_using_subcommand queryMsgById" -l access-key -d 'ACL account: sign every request with this access key (brokers with aclEnable=true)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand queryMsgById" -l secret-key -d 'The ACL account\'s secret key (prefer the environment: a flag shows in `ps`)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand queryMsgById" -s q -l quiet -d 'Do not print warnings or progress to stderr (errors are still printed)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand queryMsgById" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand queryMsgByKey" -s t -l topic -d 'Topic name' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand queryMsgByKey" -s k -l msgKey -d 'Message key: one of the space-separated KEYS of a message' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand queryMsgByKey" -s n -l namesrvAddr -d 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand queryMsgByKey" -l output -d 'Output format for data written to stdout' -r -f -a "table\t'Human-readable text (for Java-parity commands: exactly what the Java tool prints)'
json\t'Pretty-printed JSON with stable field names'"
complete -c mqadmin -n "__fish_mqadmin_using_subcommand queryMsgByKey" -l access-key -d 'ACL account: sign every request with this access key (brokers with aclEnable=true)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand queryMsgByKey" -l secret-key -d 'The ACL account\'s secret key (prefer the environment: a flag shows in `ps`)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand queryMsgByKey" -s q -l quiet -d 'Do not print warnings or progress to stderr (errors are still printed)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand queryMsgByKey" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand queryMsgByUniqueKey" -s i -l msgId -d 'Client message id (UNIQ_KEY, 32 hex digits)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand queryMsgByUniqueKey" -s t -l topic -d 'Topic of the message' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand queryMsgByUniqueKey" -s n -l namesrvAddr -d 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand queryMsgByUniqueKey" -l output -d 'Output format for data written to stdout' -r -f -a "table\t'Human-readable text (for Java-parity commands: exactly what the Java tool prints)'
json\t'Pretty-printed JSON with stable field names'"
complete -c mqadmin -n "__fish_mqadmin_using_subcommand queryMsgByUniqueKey" -l access-key -d 'ACL account: sign every request with this access key (brokers with aclEnable=true)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand queryMsgByUniqueKey" -l secret-key -d 'The ACL account\'s secret key (prefer the environment: a flag shows in `ps`)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand queryMsgByUniqueKey" -s q -l quiet -d 'Do not print warnings or progress to stderr (errors are still printed)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand queryMsgByUniqueKey" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand wipeWritePerm" -s b -l brokerName -d 'Broker group name (brokerName)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand wipeWritePerm" -s n -l namesrvAddr -d 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand wipeWritePerm" -l output -d 'Output format for data written to stdout' -r -f -a "table\t'Human-readable text (for Java-parity commands: exactly what the Java tool prints)'
json\t'Pretty-printed JSON with stable field names'"
complete -c mqadmin -n "__fish_mqadmin_using_subcommand wipeWritePerm" -l access-key -d 'ACL account: sign every request with this access key (brokers with aclEnable=true)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand wipeWritePerm" -l secret-key -d 'The ACL account\'s secret key (prefer the environment: a flag shows in `ps`)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand wipeWritePerm" -s q -l quiet -d 'Do not print warnings or progress to stderr (errors are still printed)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand wipeWritePerm" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand addWritePerm" -s b -l brokerName -d 'Broker group name (brokerName)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand addWritePerm" -s n -l namesrvAddr -d 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand addWritePerm" -l output -d 'Output format for data written to stdout' -r -f -a "table\t'Human-readable text (for Java-parity commands: exactly what the Java tool prints)'
json\t'Pretty-printed JSON with stable field names'"
complete -c mqadmin -n "__fish_mqadmin_using_subcommand addWritePerm" -l access-key -d 'ACL account: sign every request with this access key (brokers with aclEnable=true)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand addWritePerm" -l secret-key -d 'The ACL account\'s secret key (prefer the environment: a flag shows in `ps`)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand addWritePerm" -s q -l quiet -d 'Do not print warnings or progress to stderr (errors are still printed)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand addWritePerm" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand resetOffsetByTime" -s g -l group -d 'Consumer group' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand resetOffsetByTime" -s t -l topic -d 'Topic' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand resetOffsetByTime" -s s -l timestamp -d 'now, milliseconds since the epoch, or yyyy-MM-dd#HH:mm:ss:SSS (local time)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand resetOffsetByTime" -s f -l force -d 'Also move offsets forward; false only rolls back [default: true]' -r -f -a "true\t''
false\t''"
complete -c mqadmin -n "__fish_mqadmin_using_subcommand resetOffsetByTime" -s n -l namesrvAddr -d 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand resetOffsetByTime" -l output -d 'Output format for data written to stdout' -r -f -a "table\t'Human-readable text (for Java-parity commands: exactly what the Java tool prints)'
json\t'Pretty-printed JSON with stable field names'"
complete -c mqadmin -n "__fish_mqadmin_using_subcommand resetOffsetByTime" -l access-key -d 'ACL account: sign every request with this access key (brokers with aclEnable=true)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand resetOffsetByTime" -l secret-key -d 'The ACL account\'s secret key (prefer the environment: a flag shows in `ps`)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand resetOffsetByTime" -s c -l cplus -d 'The live consumers are C++ clients: the broker sends them their offset-table shape'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand resetOffsetByTime" -s q -l quiet -d 'Do not print warnings or progress to stderr (errors are still printed)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand resetOffsetByTime" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand consumerProgress" -s g -l groupName -d 'Consumer group; without it, one summary line per group' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand consumerProgress" -s s -l showClientIP -d 'true: ask each live client which queues it holds and print a #Client IP column' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand consumerProgress" -s n -l namesrvAddr -d 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand consumerProgress" -l output -d 'Output format for data written to stdout' -r -f -a "table\t'Human-readable text (for Java-parity commands: exactly what the Java tool prints)'
json\t'Pretty-printed JSON with stable field names'"
complete -c mqadmin -n "__fish_mqadmin_using_subcommand consumerProgress" -l access-key -d 'ACL account: sign every request with this access key (brokers with aclEnable=true)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand consumerProgress" -l secret-key -d 'The ACL account\'s secret key (prefer the environment: a flag shows in `ps`)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand consumerProgress" -s q -l quiet -d 'Do not print warnings or progress to stderr (errors are still printed)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand consumerProgress" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand consumerConnection" -s g -l consumerGroup -d 'Consumer group' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand consumerConnection" -s n -l namesrvAddr -d 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand consumerConnection" -l output -d 'Output format for data written to stdout' -r -f -a "table\t'Human-readable text (for Java-parity commands: exactly what the Java tool prints)'
json\t'Pretty-printed JSON with stable field names'"
complete -c mqadmin -n "__fish_mqadmin_using_subcommand consumerConnection" -l access-key -d 'ACL account: sign every request with this access key (brokers with aclEnable=true)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand consumerConnection" -l secret-key -d 'The ACL account\'s secret key (prefer the environment: a flag shows in `ps`)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand consumerConnection" -s q -l quiet -d 'Do not print warnings or progress to stderr (errors are still printed)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand consumerConnection" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand consumerStatus" -s g -l consumerGroup -d 'Consumer group' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand consumerStatus" -s i -l clientId -d 'Print this client\'s running info only (no files, no analysis)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand consumerStatus" -l status-dir -d 'Directory of the per-client files, written as DIR/<now in ms>/<client id>' -r -F
complete -c mqadmin -n "__fish_mqadmin_using_subcommand consumerStatus" -s n -l namesrvAddr -d 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand consumerStatus" -l output -d 'Output format for data written to stdout' -r -f -a "table\t'Human-readable text (for Java-parity commands: exactly what the Java tool prints)'
json\t'Pretty-printed JSON with stable field names'"
complete -c mqadmin -n "__fish_mqadmin_using_subcommand consumerStatus" -l access-key -d 'ACL account: sign every request with this access key (brokers with aclEnable=true)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand consumerStatus" -l secret-key -d 'The ACL account\'s secret key (prefer the environment: a flag shows in `ps`)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand consumerStatus" -s s -l jstack -d 'Ask the clients for a thread dump (jstack) and include it'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand consumerStatus" -s q -l quiet -d 'Do not print warnings or progress to stderr (errors are still printed)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand consumerStatus" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand producerConnection" -s g -l producerGroup -d 'Producer group' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand producerConnection" -s t -l topic -d 'A topic the group sends to (its brokers are asked)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand producerConnection" -s n -l namesrvAddr -d 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand producerConnection" -l output -d 'Output format for data written to stdout' -r -f -a "table\t'Human-readable text (for Java-parity commands: exactly what the Java tool prints)'
json\t'Pretty-printed JSON with stable field names'"
complete -c mqadmin -n "__fish_mqadmin_using_subcommand producerConnection" -l access-key -d 'ACL account: sign every request with this access key (brokers with aclEnable=true)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand producerConnection" -l secret-key -d 'The ACL account\'s secret key (prefer the environment: a flag shows in `ps`)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand producerConnection" -s q -l quiet -d 'Do not print warnings or progress to stderr (errors are still printed)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand producerConnection" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand updateSubGroup" -s b -l brokerAddr -d 'Broker address' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand updateSubGroup" -s c -l clusterName -d 'Every master of this cluster' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand updateSubGroup" -s g -l groupName -d 'Consumer group' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand updateSubGroup" -s s -l consumeEnable -d 'Whether the group may consume [default: true]' -r -f -a "true\t''
false\t''"
complete -c mqadmin -n "__fish_mqadmin_using_subcommand updateSubGroup" -s m -l consumeFromMinEnable -d 'Whether a new consumer starts from the queue\'s min offset [default: false]' -r -f -a "true\t''
false\t''"
complete -c mqadmin -n "__fish_mqadmin_using_subcommand updateSubGroup" -s d -l consumeBroadcastEnable -d 'Whether broadcast consumption is allowed [default: false]' -r -f -a "true\t''
false\t''"
complete -c mqadmin -n "__fish_mqadmin_using_subcommand updateSubGroup" -l retryQueueNums -d 'Queues of the group\'s retry topic [default: 1]' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand updateSubGroup" -s r -l retryMaxTimes -d 'Redeliveries before a message goes to the dead-letter topic [default: 16]' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand updateSubGroup" -s i -l brokerId -d 'Broker id to consume from [default: 0]' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand updateSubGroup" -s w -l whichBrokerWhenConsumeSlowly -d 'Broker id to consume from when consumption is slow [default: 1]' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand updateSubGroup" -s a -l notifyConsumerIdsChanged -d 'Whether clients are told when the group\'s members change [default: true]' -r -f -a "true\t''
false\t''"
complete -c mqadmin -n "__fish_mqadmin_using_subcommand updateSubGroup" -s n -l namesrvAddr -d 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand updateSubGroup" -l output -d 'Output format for data written to stdout' -r -f -a "table\t'Human-readable text (for Java-parity commands: exactly what the Java tool prints)'
json\t'Pretty-printed JSON with stable field names'"
complete -c mqadmin -n "__fish_mqadmin_using_subcommand updateSubGroup" -l access-key -d 'ACL account: sign every request with this access key (brokers with aclEnable=true)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand updateSubGroup" -l secret-key -d 'The ACL account\'s secret key (prefer the environment: a flag shows in `ps`)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand updateSubGroup" -s q -l quiet -d 'Do not print warnings or progress to stderr (errors are still printed)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand updateSubGroup" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand deleteSubGroup" -s b -l brokerAddr -d 'Broker address' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand deleteSubGroup" -s c -l clusterName -d 'Every master of this cluster (then the group\'s %RETRY% and %DLQ% topics are deleted too)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand deleteSubGroup" -s g -l groupName -d 'Consumer group' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand deleteSubGroup" -s r -l removeOffset -d 'Also remove the group\'s committed offsets [default: false]' -r -f -a "true\t''
false\t''"
complete -c mqadmin -n "__fish_mqadmin_using_subcommand deleteSubGroup" -s n -l namesrvAddr -d 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand deleteSubGroup" -l output -d 'Output format for data written to stdout' -r -f -a "table\t'Human-readable text (for Java-parity commands: exactly what the Java tool prints)'
json\t'Pretty-printed JSON with stable field names'"
complete -c mqadmin -n "__fish_mqadmin_using_subcommand deleteSubGroup" -l access-key -d 'ACL account: sign every request with this access key (brokers with aclEnable=true)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand deleteSubGroup" -l secret-key -d 'The ACL account\'s secret key (prefer the environment: a flag shows in `ps`)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand deleteSubGroup" -s q -l quiet -d 'Do not print warnings or progress to stderr (errors are still printed)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand deleteSubGroup" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand verify-commitlog" -l master -d 'The master: a broker config file, `dir:/path/to/commitlog` or `agent://HOST:PORT/BROKER`' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand verify-commitlog" -l slave -d 'The slave: a broker config file, `dir:/path/to/commitlog` or `agent://HOST:PORT/BROKER`' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand verify-commitlog" -l third -d 'A third node to compare with the master as well' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand verify-commitlog" -l last -d 'How many of the master\'s newest files to compare' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand verify-commitlog" -l token-file -d 'File holding the node agents\' token [default: $MQADMIN_AGENT_TOKEN, as mqagent\'s]' -r -F
complete -c mqadmin -n "__fish_mqadmin_using_subcommand verify-commitlog" -l agent-ca -d 'Reach agents over TLS; their certificates must chain to this CA (PEM) and name the host' -r -F
complete -c mqadmin -n "__fish_mqadmin_using_subcommand verify-commitlog" -l agent-fingerprint -d 'Reach agents over TLS; accept a certificate whose SHA-256 is HEX (repeatable)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand verify-commitlog" -s n -l namesrvAddr -d 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand verify-commitlog" -l output -d 'Output format for data written to stdout' -r -f -a "table\t'Human-readable text (for Java-parity commands: exactly what the Java tool prints)'
json\t'Pretty-printed JSON with stable field names'"
complete -c mqadmin -n "__fish_mqadmin_using_subcommand verify-commitlog" -l access-key -d 'ACL account: sign every request with this access key (brokers with aclEnable=true)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand verify-commitlog" -l secret-key -d 'The ACL account\'s secret key (prefer the environment: a flag shows in `ps`)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand verify-commitlog" -l allow-running -d 'Read stores whose broker is still running (the newest file may change while it is read)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand verify-commitlog" -s q -l quiet -d 'Do not print warnings or progress to stderr (errors are still printed)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand verify-commitlog" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand gen-config" -l from -d 'Derive the configs from this Master/Slave broker config (keeps its other keys)' -r -F
complete -c mqadmin -n "__fish_mqadmin_using_subcommand gen-config" -l cluster -d 'The cluster name (brokerClusterName); with --from, overrides the source\'s' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand gen-config" -l group -d 'The broker group name (brokerName and dLegerGroup); with --from, overrides the source\'s' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand gen-config" -l peers -d 'The DLedger peers, `id-host:port;…` (e.g. `n0-127.0.0.1:40911;n1-127.0.0.1:40912;…`)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand gen-config" -l store-root -d 'The directory holding every node\'s store root (`<DIR>/node00`, …)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand gen-config" -l namesrv -d 'The name servers (namesrvAddr); with --from, overrides the source\'s [default: -n]' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand gen-config" -l listen-ports -d 'Each node\'s listenPort, comma-separated, one per peer [default: 30911,30921,30931,…]' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand gen-config" -l out-dir -d 'Where to write broker-<id>.conf' -r -F
complete -c mqadmin -n "__fish_mqadmin_using_subcommand gen-config" -l peer-token-file -d 'Name this DLedger peer token file in every config (dLegerPeerTokenFile); created (mode 0600, a random token) if missing. Copy it to every node\'s host' -r -F
complete -c mqadmin -n "__fish_mqadmin_using_subcommand gen-config" -s n -l namesrvAddr -d 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand gen-config" -l output -d 'Output format for data written to stdout' -r -f -a "table\t'Human-readable text (for Java-parity commands: exactly what the Java tool prints)'
json\t'Pretty-printed JSON with stable field names'"
complete -c mqadmin -n "__fish_mqadmin_using_subcommand gen-config" -l access-key -d 'ACL account: sign every request with this access key (brokers with aclEnable=true)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand gen-config" -l secret-key -d 'The ACL account\'s secret key (prefer the environment: a flag shows in `ps`)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand gen-config" -l dry-run -d 'Print the files to stdout instead of writing them'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand gen-config" -l force -d 'Overwrite existing files'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand gen-config" -s q -l quiet -d 'Do not print warnings or progress to stderr (errors are still printed)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand gen-config" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand completions" -s n -l namesrvAddr -d 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand completions" -l output -d 'Output format for data written to stdout' -r -f -a "table\t'Human-readable text (for Java-parity commands: exactly what the Java tool prints)'
json\t'Pretty-printed JSON with stable field names'"
complete -c mqadmin -n "__fish_mqadmin_using_subcommand completions" -l access-key -d 'ACL account: sign every request with this access key (brokers with aclEnable=true)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand completions" -l secret-key -d 'The ACL account\'s secret key (prefer the environment: a flag shows in `ps`)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand completions" -s q -l quiet -d 'Do not print warnings or progress to stderr (errors are still printed)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand fast-try" -l conf-dir -d 'Directory with broker-n0.conf, broker-n1.conf and broker-n2.conf' -r -F
complete -c mqadmin -n "__fish_mqadmin_using_subcommand fast-try" -l store-root -d 'Put the stores (node00..node02), logs and state under DIR instead of the configs\' paths' -r -F
complete -c mqadmin -n "__fish_mqadmin_using_subcommand fast-try" -l namesrv-port -d 'Name server port' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand fast-try" -l timeout -d 'Seconds to wait for a leader (start) or for a graceful stop (stop)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand fast-try" -s n -l namesrvAddr -d 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand fast-try" -l output -d 'Output format for data written to stdout' -r -f -a "table\t'Human-readable text (for Java-parity commands: exactly what the Java tool prints)'
json\t'Pretty-printed JSON with stable field names'"
complete -c mqadmin -n "__fish_mqadmin_using_subcommand fast-try" -l access-key -d 'ACL account: sign every request with this access key (brokers with aclEnable=true)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand fast-try" -l secret-key -d 'The ACL account\'s secret key (prefer the environment: a flag shows in `ps`)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand fast-try" -s q -l quiet -d 'Do not print warnings or progress to stderr (errors are still printed)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand fast-try" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand upgrade-group" -l master -d 'The master\'s broker config, or `agent://HOST:PORT/BROKER`' -r -F
complete -c mqadmin -n "__fish_mqadmin_using_subcommand upgrade-group" -l slave -d 'The slave\'s broker config (without one, pass --third twice: both are seeded from the master)' -r -F
complete -c mqadmin -n "__fish_mqadmin_using_subcommand upgrade-group" -l third -d 'A new node\'s broker config (its store root must hold no commitlog)' -r -F
complete -c mqadmin -n "__fish_mqadmin_using_subcommand upgrade-group" -l peers -d 'The DLedger peers, `n0-host:port;n1-host:port;n2-host:port` [default: listenPort + 10000]' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand upgrade-group" -l state -d 'The state file [default: <store root of the last --third>/upgrade-group.json]' -r -F
complete -c mqadmin -n "__fish_mqadmin_using_subcommand upgrade-group" -l last -d 'How many of the master\'s newest commitlog files are compared with the slave' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand upgrade-group" -l throttle -d 'Limit the copy to this many MB/s (a positive number)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand upgrade-group" -l timeout -d 'Seconds to wait for a broker to stop, and for the new group to elect a leader' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand upgrade-group" -l token-file -d 'File holding the node agents\' token [default: $MQADMIN_AGENT_TOKEN, as mqagent\'s]' -r -F
complete -c mqadmin -n "__fish_mqadmin_using_subcommand upgrade-group" -l agent-ca -d 'Reach agents over TLS; their certificates must chain to this CA (PEM) and name the host' -r -F
complete -c mqadmin -n "__fish_mqadmin_using_subcommand upgrade-group" -l agent-fingerprint -d 'Reach agents over TLS; accept a certificate whose SHA-256 is HEX (repeatable)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand upgrade-group" -s n -l namesrvAddr -d 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand upgrade-group" -l output -d 'Output format for data written to stdout' -r -f -a "table\t'Human-readable text (for Java-parity commands: exactly what the Java tool prints)'
json\t'Pretty-printed JSON with stable field names'"
complete -c mqadmin -n "__fish_mqadmin_using_subcommand upgrade-group" -l access-key -d 'ACL account: sign every request with this access key (brokers with aclEnable=true)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand upgrade-group" -l secret-key -d 'The ACL account\'s secret key (prefer the environment: a flag shows in `ps`)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand upgrade-group" -l dry-run -d 'Print the plan and change nothing'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand upgrade-group" -s y -l yes -d 'Do not ask for confirmation (required when stdin is not a terminal)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand upgrade-group" -l resume -d 'Continue an interrupted run from its state file'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand upgrade-group" -l rollback -d 'Undo an upgrade that has not accepted a write yet, and restart the old pair'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand upgrade-group" -l align -d 'Allow overwriting a divergent slave\'s commitlog files from the master'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand upgrade-group" -s q -l quiet -d 'Do not print warnings or progress to stderr (errors are still printed)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand upgrade-group" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand shutdownBroker" -s c -l configFile -d 'The broker\'s config file (as passed to `mqbroker -c`), or `agent://HOST:PORT/BROKER`' -r -F
complete -c mqadmin -n "__fish_mqadmin_using_subcommand shutdownBroker" -l timeout -d 'Seconds to wait for the broker to exit after SIGTERM (an agent then sends SIGKILL)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand shutdownBroker" -l token-file -d 'File holding the node agents\' token [default: $MQADMIN_AGENT_TOKEN, as mqagent\'s]' -r -F
complete -c mqadmin -n "__fish_mqadmin_using_subcommand shutdownBroker" -l agent-ca -d 'Reach agents over TLS; their certificates must chain to this CA (PEM) and name the host' -r -F
complete -c mqadmin -n "__fish_mqadmin_using_subcommand shutdownBroker" -l agent-fingerprint -d 'Reach agents over TLS; accept a certificate whose SHA-256 is HEX (repeatable)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand shutdownBroker" -s n -l namesrvAddr -d 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand shutdownBroker" -l output -d 'Output format for data written to stdout' -r -f -a "table\t'Human-readable text (for Java-parity commands: exactly what the Java tool prints)'
json\t'Pretty-printed JSON with stable field names'"
complete -c mqadmin -n "__fish_mqadmin_using_subcommand shutdownBroker" -l access-key -d 'ACL account: sign every request with this access key (brokers with aclEnable=true)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand shutdownBroker" -l secret-key -d 'The ACL account\'s secret key (prefer the environment: a flag shows in `ps`)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand shutdownBroker" -s q -l quiet -d 'Do not print warnings or progress to stderr (errors are still printed)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand shutdownBroker" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand startBroker" -s c -l configFile -d 'The broker\'s config file (as passed to `mqbroker -c`), or `agent://HOST:PORT/BROKER`' -r -F
complete -c mqadmin -n "__fish_mqadmin_using_subcommand startBroker" -l timeout -d 'Seconds to wait for the broker to exit after SIGTERM (an agent then sends SIGKILL)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand startBroker" -l token-file -d 'File holding the node agents\' token [default: $MQADMIN_AGENT_TOKEN, as mqagent\'s]' -r -F
complete -c mqadmin -n "__fish_mqadmin_using_subcommand startBroker" -l agent-ca -d 'Reach agents over TLS; their certificates must chain to this CA (PEM) and name the host' -r -F
complete -c mqadmin -n "__fish_mqadmin_using_subcommand startBroker" -l agent-fingerprint -d 'Reach agents over TLS; accept a certificate whose SHA-256 is HEX (repeatable)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand startBroker" -s n -l namesrvAddr -d 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand startBroker" -l output -d 'Output format for data written to stdout' -r -f -a "table\t'Human-readable text (for Java-parity commands: exactly what the Java tool prints)'
json\t'Pretty-printed JSON with stable field names'"
complete -c mqadmin -n "__fish_mqadmin_using_subcommand startBroker" -l access-key -d 'ACL account: sign every request with this access key (brokers with aclEnable=true)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand startBroker" -l secret-key -d 'The ACL account\'s secret key (prefer the environment: a flag shows in `ps`)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand startBroker" -s q -l quiet -d 'Do not print warnings or progress to stderr (errors are still printed)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand startBroker" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and not __fish_seen_subcommand_from producer consumer failover help" -s n -l namesrvAddr -d 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and not __fish_seen_subcommand_from producer consumer failover help" -l output -d 'Output format for data written to stdout' -r -f -a "table\t'Human-readable text (for Java-parity commands: exactly what the Java tool prints)'
json\t'Pretty-printed JSON with stable field names'"
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and not __fish_seen_subcommand_from producer consumer failover help" -l access-key -d 'ACL account: sign every request with this access key (brokers with aclEnable=true)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and not __fish_seen_subcommand_from producer consumer failover help" -l secret-key -d 'The ACL account\'s secret key (prefer the environment: a flag shows in `ps`)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and not __fish_seen_subcommand_from producer consumer failover help" -s q -l quiet -d 'Do not print warnings or progress to stderr (errors are still printed)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and not __fish_seen_subcommand_from producer consumer failover help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and not __fish_seen_subcommand_from producer consumer failover help" -f -a "producer" -d 'Send as fast as THREADS concurrent senders can, printing TPS and latency every second'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and not __fish_seen_subcommand_from producer consumer failover help" -f -a "consumer" -d 'Pull every queue of a topic, printing TPS every second'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and not __fish_seen_subcommand_from producer consumer failover help" -f -a "failover" -d 'Kill the leader of a fast-try DLedger group repeatedly while sending, and measure recovery'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and not __fish_seen_subcommand_from producer consumer failover help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and __fish_seen_subcommand_from producer" -s t -l topic -d 'Topic (created by the broker on first send when autoCreateTopicEnable is on)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and __fish_seen_subcommand_from producer" -s w -l threads -d 'Concurrent senders' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and __fish_seen_subcommand_from producer" -s s -l size -d 'Body size in bytes' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and __fish_seen_subcommand_from producer" -l duration -d 'Run for this many seconds [default: 60 unless --count]' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and __fish_seen_subcommand_from producer" -l count -d 'Stop after this many messages' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and __fish_seen_subcommand_from producer" -l batch -d 'Send K messages per SEND_BATCH_MESSAGE request' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and __fish_seen_subcommand_from producer" -s n -l namesrvAddr -d 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and __fish_seen_subcommand_from producer" -l output -d 'Output format for data written to stdout' -r -f -a "table\t'Human-readable text (for Java-parity commands: exactly what the Java tool prints)'
json\t'Pretty-printed JSON with stable field names'"
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and __fish_seen_subcommand_from producer" -l access-key -d 'ACL account: sign every request with this access key (brokers with aclEnable=true)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and __fish_seen_subcommand_from producer" -l secret-key -d 'The ACL account\'s secret key (prefer the environment: a flag shows in `ps`)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and __fish_seen_subcommand_from producer" -l keys -d 'Set a KEYS property on every message'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and __fish_seen_subcommand_from producer" -s q -l quiet -d 'Do not print warnings or progress to stderr (errors are still printed)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and __fish_seen_subcommand_from producer" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and __fish_seen_subcommand_from consumer" -s t -l topic -d 'Topic' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and __fish_seen_subcommand_from consumer" -s g -l group -d 'Consumer group named in the pulls (more groups: GROUP-1, GROUP-2, ...)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and __fish_seen_subcommand_from consumer" -l duration -d 'Run for this many seconds' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and __fish_seen_subcommand_from consumer" -l groups -d 'Consumer groups, each reading every queue' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and __fish_seen_subcommand_from consumer" -l commit-interval-ms -d 'Commit each group\'s offsets (oneway, as Java clients) every MS milliseconds; by default nothing is committed' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and __fish_seen_subcommand_from consumer" -s n -l namesrvAddr -d 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and __fish_seen_subcommand_from consumer" -l output -d 'Output format for data written to stdout' -r -f -a "table\t'Human-readable text (for Java-parity commands: exactly what the Java tool prints)'
json\t'Pretty-printed JSON with stable field names'"
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and __fish_seen_subcommand_from consumer" -l access-key -d 'ACL account: sign every request with this access key (brokers with aclEnable=true)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and __fish_seen_subcommand_from consumer" -l secret-key -d 'The ACL account\'s secret key (prefer the environment: a flag shows in `ps`)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and __fish_seen_subcommand_from consumer" -l from-start -d 'Start at each queue\'s min offset instead of its max offset'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and __fish_seen_subcommand_from consumer" -s q -l quiet -d 'Do not print warnings or progress to stderr (errors are still printed)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and __fish_seen_subcommand_from consumer" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and __fish_seen_subcommand_from failover" -l rounds -d 'Kill/restart rounds' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and __fish_seen_subcommand_from failover" -l store-root -d 'Store root of the fast-try group (where fast-try.json is)' -r -F
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and __fish_seen_subcommand_from failover" -s t -l topic -d 'Topic written during the drill' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and __fish_seen_subcommand_from failover" -s w -l threads -d 'Concurrent senders during the drill' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and __fish_seen_subcommand_from failover" -l timeout -d 'Seconds to wait for a new leader or a rejoin before giving up' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and __fish_seen_subcommand_from failover" -l mode -d 'The fault of each round' -r -f -a "kill\t'SIGKILL the leader, then restart it'
term\t'SIGTERM the leader (a planned restart: it hands over first), then restart it'
rolling\t'Restart every node once, followers first, each with SIGTERM, waiting until it caught up'
stall-follower\t'SIGSTOP a follower for --stall-ms, then SIGCONT it (must cause no election)'
soak\t'No fault: send for --soak-secs, counting leader changes and term increments'"
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and __fish_seen_subcommand_from failover" -l stall-ms -d 'How long --mode stall-follower keeps the follower stopped, in ms' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and __fish_seen_subcommand_from failover" -l soak-secs -d 'How long --mode soak sends, in seconds' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and __fish_seen_subcommand_from failover" -s n -l namesrvAddr -d 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and __fish_seen_subcommand_from failover" -l output -d 'Output format for data written to stdout' -r -f -a "table\t'Human-readable text (for Java-parity commands: exactly what the Java tool prints)'
json\t'Pretty-printed JSON with stable field names'"
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and __fish_seen_subcommand_from failover" -l access-key -d 'ACL account: sign every request with this access key (brokers with aclEnable=true)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and __fish_seen_subcommand_from failover" -l secret-key -d 'The ACL account\'s secret key (prefer the environment: a flag shows in `ps`)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and __fish_seen_subcommand_from failover" -s q -l quiet -d 'Do not print warnings or progress to stderr (errors are still printed)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and __fish_seen_subcommand_from failover" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and __fish_seen_subcommand_from help" -f -a "producer" -d 'Send as fast as THREADS concurrent senders can, printing TPS and latency every second'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and __fish_seen_subcommand_from help" -f -a "consumer" -d 'Pull every queue of a topic, printing TPS every second'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and __fish_seen_subcommand_from help" -f -a "failover" -d 'Kill the leader of a fast-try DLedger group repeatedly while sending, and measure recovery'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand benchmark; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand dledger-status" -s c -l clusterName -d 'Only this cluster' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand dledger-status" -s g -l group -d 'Only this broker group (brokerName)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand dledger-status" -s n -l namesrvAddr -d 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand dledger-status" -l output -d 'Output format for data written to stdout' -r -f -a "table\t'Human-readable text (for Java-parity commands: exactly what the Java tool prints)'
json\t'Pretty-printed JSON with stable field names'"
complete -c mqadmin -n "__fish_mqadmin_using_subcommand dledger-status" -l access-key -d 'ACL account: sign every request with this access key (brokers with aclEnable=true)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand dledger-status" -l secret-key -d 'The ACL account\'s secret key (prefer the environment: a flag shows in `ps`)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand dledger-status" -s q -l quiet -d 'Do not print warnings or progress to stderr (errors are still printed)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand dledger-status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand cluster-health" -s c -l clusterName -d 'Only this cluster' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand cluster-health" -l watch -d 'Print a fresh verdict every SECONDS until interrupted (Ctrl-C)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand cluster-health" -l wait -d 'Check every second until healthy, for at most SECONDS' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand cluster-health" -l max-lag -d 'Entries a DLedger follower may lack before the group is unhealthy' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand cluster-health" -l max-lag-bytes -d 'Commitlog bytes a slave may lack before the group is unhealthy' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand cluster-health" -s n -l namesrvAddr -d 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand cluster-health" -l output -d 'Output format for data written to stdout' -r -f -a "table\t'Human-readable text (for Java-parity commands: exactly what the Java tool prints)'
json\t'Pretty-printed JSON with stable field names'"
complete -c mqadmin -n "__fish_mqadmin_using_subcommand cluster-health" -l access-key -d 'ACL account: sign every request with this access key (brokers with aclEnable=true)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand cluster-health" -l secret-key -d 'The ACL account\'s secret key (prefer the environment: a flag shows in `ps`)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand cluster-health" -s q -l quiet -d 'Do not print warnings or progress to stderr (errors are still printed)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand cluster-health" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand transfer-leader" -s b -l brokerName -d 'Broker group (brokerName)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand transfer-leader" -l to -d 'The member to lead (its dLegerSelfId, e.g. n1); default: the most up-to-date follower' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand transfer-leader" -s n -l namesrvAddr -d 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand transfer-leader" -l output -d 'Output format for data written to stdout' -r -f -a "table\t'Human-readable text (for Java-parity commands: exactly what the Java tool prints)'
json\t'Pretty-printed JSON with stable field names'"
complete -c mqadmin -n "__fish_mqadmin_using_subcommand transfer-leader" -l access-key -d 'ACL account: sign every request with this access key (brokers with aclEnable=true)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand transfer-leader" -l secret-key -d 'The ACL account\'s secret key (prefer the environment: a flag shows in `ps`)' -r
complete -c mqadmin -n "__fish_mqadmin_using_subcommand transfer-leader" -l dry-run -d 'Only check: print the follower that would take over, move nothing'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand transfer-leader" -s q -l quiet -d 'Do not print warnings or progress to stderr (errors are still printed)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand transfer-leader" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand help; and not __fish_seen_subcommand_from clusterList updateTopic deleteTopic topicList topicRoute topicStatus brokerStatus getBrokerConfig sendMessage consumeMessage queryMsgById queryMsgByKey queryMsgByUniqueKey wipeWritePerm addWritePerm resetOffsetByTime consumerProgress consumerConnection consumerStatus producerConnection updateSubGroup deleteSubGroup verify-commitlog gen-config completions fast-try upgrade-group shutdownBroker startBroker benchmark dledger-status cluster-health transfer-leader help" -f -a "clusterList" -d 'List clusters, broker groups and each broker\'s runtime statistics'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand help; and not __fish_seen_subcommand_from clusterList updateTopic deleteTopic topicList topicRoute topicStatus brokerStatus getBrokerConfig sendMessage consumeMessage queryMsgById queryMsgByKey queryMsgByUniqueKey wipeWritePerm addWritePerm resetOffsetByTime consumerProgress consumerConnection consumerStatus producerConnection updateSubGroup deleteSubGroup verify-commitlog gen-config completions fast-try upgrade-group shutdownBroker startBroker benchmark dledger-status cluster-health transfer-leader help" -f -a "updateTopic" -d 'Create or update a topic on a broker or on every master of a cluster'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand help; and not __fish_seen_subcommand_from clusterList updateTopic deleteTopic topicList topicRoute topicStatus brokerStatus getBrokerConfig sendMessage consumeMessage queryMsgById queryMsgByKey queryMsgByUniqueKey wipeWritePerm addWritePerm resetOffsetByTime consumerProgress consumerConnection consumerStatus producerConnection updateSubGroup deleteSubGroup verify-commitlog gen-config completions fast-try upgrade-group shutdownBroker startBroker benchmark dledger-status cluster-health transfer-leader help" -f -a "deleteTopic" -d 'Delete a topic from a cluster\'s masters and from the name servers'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand help; and not __fish_seen_subcommand_from clusterList updateTopic deleteTopic topicList topicRoute topicStatus brokerStatus getBrokerConfig sendMessage consumeMessage queryMsgById queryMsgByKey queryMsgByUniqueKey wipeWritePerm addWritePerm resetOffsetByTime consumerProgress consumerConnection consumerStatus producerConnection updateSubGroup deleteSubGroup verify-commitlog gen-config completions fast-try upgrade-group shutdownBroker startBroker benchmark dledger-status cluster-health transfer-leader help" -f -a "topicList" -d 'List the topics the name server knows'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand help; and not __fish_seen_subcommand_from clusterList updateTopic deleteTopic topicList topicRoute topicStatus brokerStatus getBrokerConfig sendMessage consumeMessage queryMsgById queryMsgByKey queryMsgByUniqueKey wipeWritePerm addWritePerm resetOffsetByTime consumerProgress consumerConnection consumerStatus producerConnection updateSubGroup deleteSubGroup verify-commitlog gen-config completions fast-try upgrade-group shutdownBroker startBroker benchmark dledger-status cluster-health transfer-leader help" -f -a "topicRoute" -d 'Print a topic\'s route (broker groups and queues)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand help; and not __fish_seen_subcommand_from clusterList updateTopic deleteTopic topicList topicRoute topicStatus brokerStatus getBrokerConfig sendMessage consumeMessage queryMsgById queryMsgByKey queryMsgByUniqueKey wipeWritePerm addWritePerm resetOffsetByTime consumerProgress consumerConnection consumerStatus producerConnection updateSubGroup deleteSubGroup verify-commitlog gen-config completions fast-try upgrade-group shutdownBroker startBroker benchmark dledger-status cluster-health transfer-leader help" -f -a "topicStatus" -d 'Print the min and max offset of each queue of a topic'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand help; and not __fish_seen_subcommand_from clusterList updateTopic deleteTopic topicList topicRoute topicStatus brokerStatus getBrokerConfig sendMessage consumeMessage queryMsgById queryMsgByKey queryMsgByUniqueKey wipeWritePerm addWritePerm resetOffsetByTime consumerProgress consumerConnection consumerStatus producerConnection updateSubGroup deleteSubGroup verify-commitlog gen-config completions fast-try upgrade-group shutdownBroker startBroker benchmark dledger-status cluster-health transfer-leader help" -f -a "brokerStatus" -d 'Print a broker\'s runtime statistics'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand help; and not __fish_seen_subcommand_from clusterList updateTopic deleteTopic topicList topicRoute topicStatus brokerStatus getBrokerConfig sendMessage consumeMessage queryMsgById queryMsgByKey queryMsgByUniqueKey wipeWritePerm addWritePerm resetOffsetByTime consumerProgress consumerConnection consumerStatus producerConnection updateSubGroup deleteSubGroup verify-commitlog gen-config completions fast-try upgrade-group shutdownBroker startBroker benchmark dledger-status cluster-health transfer-leader help" -f -a "getBrokerConfig" -d 'Print a broker\'s effective configuration'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand help; and not __fish_seen_subcommand_from clusterList updateTopic deleteTopic topicList topicRoute topicStatus brokerStatus getBrokerConfig sendMessage consumeMessage queryMsgById queryMsgByKey queryMsgByUniqueKey wipeWritePerm addWritePerm resetOffsetByTime consumerProgress consumerConnection consumerStatus producerConnection updateSubGroup deleteSubGroup verify-commitlog gen-config completions fast-try upgrade-group shutdownBroker startBroker benchmark dledger-status cluster-health transfer-leader help" -f -a "sendMessage" -d 'Send one message'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand help; and not __fish_seen_subcommand_from clusterList updateTopic deleteTopic topicList topicRoute topicStatus brokerStatus getBrokerConfig sendMessage consumeMessage queryMsgById queryMsgByKey queryMsgByUniqueKey wipeWritePerm addWritePerm resetOffsetByTime consumerProgress consumerConnection consumerStatus producerConnection updateSubGroup deleteSubGroup verify-commitlog gen-config completions fast-try upgrade-group shutdownBroker startBroker benchmark dledger-status cluster-health transfer-leader help" -f -a "consumeMessage" -d 'Read messages of a topic without committing offsets'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand help; and not __fish_seen_subcommand_from clusterList updateTopic deleteTopic topicList topicRoute topicStatus brokerStatus getBrokerConfig sendMessage consumeMessage queryMsgById queryMsgByKey queryMsgByUniqueKey wipeWritePerm addWritePerm resetOffsetByTime consumerProgress consumerConnection consumerStatus producerConnection updateSubGroup deleteSubGroup verify-commitlog gen-config completions fast-try upgrade-group shutdownBroker startBroker benchmark dledger-status cluster-health transfer-leader help" -f -a "queryMsgById" -d 'Print the message an offset message id names'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand help; and not __fish_seen_subcommand_from clusterList updateTopic deleteTopic topicList topicRoute topicStatus brokerStatus getBrokerConfig sendMessage consumeMessage queryMsgById queryMsgByKey queryMsgByUniqueKey wipeWritePerm addWritePerm resetOffsetByTime consumerProgress consumerConnection consumerStatus producerConnection updateSubGroup deleteSubGroup verify-commitlog gen-config completions fast-try upgrade-group shutdownBroker startBroker benchmark dledger-status cluster-health transfer-leader help" -f -a "queryMsgByKey" -d 'Print the messages of a topic that have a key (from the brokers\' key index)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand help; and not __fish_seen_subcommand_from clusterList updateTopic deleteTopic topicList topicRoute topicStatus brokerStatus getBrokerConfig sendMessage consumeMessage queryMsgById queryMsgByKey queryMsgByUniqueKey wipeWritePerm addWritePerm resetOffsetByTime consumerProgress consumerConnection consumerStatus producerConnection updateSubGroup deleteSubGroup verify-commitlog gen-config completions fast-try upgrade-group shutdownBroker startBroker benchmark dledger-status cluster-health transfer-leader help" -f -a "queryMsgByUniqueKey" -d 'Print the messages a client message id (UNIQ_KEY) names'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand help; and not __fish_seen_subcommand_from clusterList updateTopic deleteTopic topicList topicRoute topicStatus brokerStatus getBrokerConfig sendMessage consumeMessage queryMsgById queryMsgByKey queryMsgByUniqueKey wipeWritePerm addWritePerm resetOffsetByTime consumerProgress consumerConnection consumerStatus producerConnection updateSubGroup deleteSubGroup verify-commitlog gen-config completions fast-try upgrade-group shutdownBroker startBroker benchmark dledger-status cluster-health transfer-leader help" -f -a "wipeWritePerm" -d 'Stop producers writing to a broker group (on every name server)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand help; and not __fish_seen_subcommand_from clusterList updateTopic deleteTopic topicList topicRoute topicStatus brokerStatus getBrokerConfig sendMessage consumeMessage queryMsgById queryMsgByKey queryMsgByUniqueKey wipeWritePerm addWritePerm resetOffsetByTime consumerProgress consumerConnection consumerStatus producerConnection updateSubGroup deleteSubGroup verify-commitlog gen-config completions fast-try upgrade-group shutdownBroker startBroker benchmark dledger-status cluster-health transfer-leader help" -f -a "addWritePerm" -d 'Let producers write to a broker group again (on every name server)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand help; and not __fish_seen_subcommand_from clusterList updateTopic deleteTopic topicList topicRoute topicStatus brokerStatus getBrokerConfig sendMessage consumeMessage queryMsgById queryMsgByKey queryMsgByUniqueKey wipeWritePerm addWritePerm resetOffsetByTime consumerProgress consumerConnection consumerStatus producerConnection updateSubGroup deleteSubGroup verify-commitlog gen-config completions fast-try upgrade-group shutdownBroker startBroker benchmark dledger-status cluster-health transfer-leader help" -f -a "resetOffsetByTime" -d 'Move a group\'s offsets on a topic to the first message at or after a time'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand help; and not __fish_seen_subcommand_from clusterList updateTopic deleteTopic topicList topicRoute topicStatus brokerStatus getBrokerConfig sendMessage consumeMessage queryMsgById queryMsgByKey queryMsgByUniqueKey wipeWritePerm addWritePerm resetOffsetByTime consumerProgress consumerConnection consumerStatus producerConnection updateSubGroup deleteSubGroup verify-commitlog gen-config completions fast-try upgrade-group shutdownBroker startBroker benchmark dledger-status cluster-health transfer-leader help" -f -a "consumerProgress" -d 'Print a consumer group\'s progress per queue, or every group\'s summary'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand help; and not __fish_seen_subcommand_from clusterList updateTopic deleteTopic topicList topicRoute topicStatus brokerStatus getBrokerConfig sendMessage consumeMessage queryMsgById queryMsgByKey queryMsgByUniqueKey wipeWritePerm addWritePerm resetOffsetByTime consumerProgress consumerConnection consumerStatus producerConnection updateSubGroup deleteSubGroup verify-commitlog gen-config completions fast-try upgrade-group shutdownBroker startBroker benchmark dledger-status cluster-health transfer-leader help" -f -a "consumerConnection" -d 'Print a consumer group\'s live clients, subscriptions and consume mode'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand help; and not __fish_seen_subcommand_from clusterList updateTopic deleteTopic topicList topicRoute topicStatus brokerStatus getBrokerConfig sendMessage consumeMessage queryMsgById queryMsgByKey queryMsgByUniqueKey wipeWritePerm addWritePerm resetOffsetByTime consumerProgress consumerConnection consumerStatus producerConnection updateSubGroup deleteSubGroup verify-commitlog gen-config completions fast-try upgrade-group shutdownBroker startBroker benchmark dledger-status cluster-health transfer-leader help" -f -a "consumerStatus" -d 'Save each client\'s running info; check the group\'s subscriptions and queues'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand help; and not __fish_seen_subcommand_from clusterList updateTopic deleteTopic topicList topicRoute topicStatus brokerStatus getBrokerConfig sendMessage consumeMessage queryMsgById queryMsgByKey queryMsgByUniqueKey wipeWritePerm addWritePerm resetOffsetByTime consumerProgress consumerConnection consumerStatus producerConnection updateSubGroup deleteSubGroup verify-commitlog gen-config completions fast-try upgrade-group shutdownBroker startBroker benchmark dledger-status cluster-health transfer-leader help" -f -a "producerConnection" -d 'Print a producer group\'s live clients'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand help; and not __fish_seen_subcommand_from clusterList updateTopic deleteTopic topicList topicRoute topicStatus brokerStatus getBrokerConfig sendMessage consumeMessage queryMsgById queryMsgByKey queryMsgByUniqueKey wipeWritePerm addWritePerm resetOffsetByTime consumerProgress consumerConnection consumerStatus producerConnection updateSubGroup deleteSubGroup verify-commitlog gen-config completions fast-try upgrade-group shutdownBroker startBroker benchmark dledger-status cluster-health transfer-leader help" -f -a "updateSubGroup" -d 'Create or update a consumer group\'s settings on a broker or a cluster'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand help; and not __fish_seen_subcommand_from clusterList updateTopic deleteTopic topicList topicRoute topicStatus brokerStatus getBrokerConfig sendMessage consumeMessage queryMsgById queryMsgByKey queryMsgByUniqueKey wipeWritePerm addWritePerm resetOffsetByTime consumerProgress consumerConnection consumerStatus producerConnection updateSubGroup deleteSubGroup verify-commitlog gen-config completions fast-try upgrade-group shutdownBroker startBroker benchmark dledger-status cluster-health transfer-leader help" -f -a "deleteSubGroup" -d 'Delete a consumer group\'s settings from a broker or a cluster'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand help; and not __fish_seen_subcommand_from clusterList updateTopic deleteTopic topicList topicRoute topicStatus brokerStatus getBrokerConfig sendMessage consumeMessage queryMsgById queryMsgByKey queryMsgByUniqueKey wipeWritePerm addWritePerm resetOffsetByTime consumerProgress consumerConnection consumerStatus producerConnection updateSubGroup deleteSubGroup verify-commitlog gen-config completions fast-try upgrade-group shutdownBroker startBroker benchmark dledger-status cluster-health transfer-leader help" -f -a "verify-commitlog" -d 'Check a master\'s newest commitlog files against its slave before an upgrade'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand help; and not __fish_seen_subcommand_from clusterList updateTopic deleteTopic topicList topicRoute topicStatus brokerStatus getBrokerConfig sendMessage consumeMessage queryMsgById queryMsgByKey queryMsgByUniqueKey wipeWritePerm addWritePerm resetOffsetByTime consumerProgress consumerConnection consumerStatus producerConnection updateSubGroup deleteSubGroup verify-commitlog gen-config completions fast-try upgrade-group shutdownBroker startBroker benchmark dledger-status cluster-health transfer-leader help" -f -a "gen-config" -d 'Write the broker configs of a DLedger group, from scratch or from a config'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand help; and not __fish_seen_subcommand_from clusterList updateTopic deleteTopic topicList topicRoute topicStatus brokerStatus getBrokerConfig sendMessage consumeMessage queryMsgById queryMsgByKey queryMsgByUniqueKey wipeWritePerm addWritePerm resetOffsetByTime consumerProgress consumerConnection consumerStatus producerConnection updateSubGroup deleteSubGroup verify-commitlog gen-config completions fast-try upgrade-group shutdownBroker startBroker benchmark dledger-status cluster-health transfer-leader help" -f -a "completions" -d 'Print a shell completion script to stdout'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand help; and not __fish_seen_subcommand_from clusterList updateTopic deleteTopic topicList topicRoute topicStatus brokerStatus getBrokerConfig sendMessage consumeMessage queryMsgById queryMsgByKey queryMsgByUniqueKey wipeWritePerm addWritePerm resetOffsetByTime consumerProgress consumerConnection consumerStatus producerConnection updateSubGroup deleteSubGroup verify-commitlog gen-config completions fast-try upgrade-group shutdownBroker startBroker benchmark dledger-status cluster-health transfer-leader help" -f -a "fast-try" -d 'Run a local name server and 3-node DLedger group (start|stop|status|...)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand help; and not __fish_seen_subcommand_from clusterList updateTopic deleteTopic topicList topicRoute topicStatus brokerStatus getBrokerConfig sendMessage consumeMessage queryMsgById queryMsgByKey queryMsgByUniqueKey wipeWritePerm addWritePerm resetOffsetByTime consumerProgress consumerConnection consumerStatus producerConnection updateSubGroup deleteSubGroup verify-commitlog gen-config completions fast-try upgrade-group shutdownBroker startBroker benchmark dledger-status cluster-health transfer-leader help" -f -a "upgrade-group" -d 'Migrate a local Master/Slave broker group to a three-node DLedger group'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand help; and not __fish_seen_subcommand_from clusterList updateTopic deleteTopic topicList topicRoute topicStatus brokerStatus getBrokerConfig sendMessage consumeMessage queryMsgById queryMsgByKey queryMsgByUniqueKey wipeWritePerm addWritePerm resetOffsetByTime consumerProgress consumerConnection consumerStatus producerConnection updateSubGroup deleteSubGroup verify-commitlog gen-config completions fast-try upgrade-group shutdownBroker startBroker benchmark dledger-status cluster-health transfer-leader help" -f -a "shutdownBroker" -d 'Stop the mqbroker of a config file (SIGTERM, then wait for its store lock)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand help; and not __fish_seen_subcommand_from clusterList updateTopic deleteTopic topicList topicRoute topicStatus brokerStatus getBrokerConfig sendMessage consumeMessage queryMsgById queryMsgByKey queryMsgByUniqueKey wipeWritePerm addWritePerm resetOffsetByTime consumerProgress consumerConnection consumerStatus producerConnection updateSubGroup deleteSubGroup verify-commitlog gen-config completions fast-try upgrade-group shutdownBroker startBroker benchmark dledger-status cluster-health transfer-leader help" -f -a "startBroker" -d 'Start mqbroker with a config file, detached (here or through its node agent)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand help; and not __fish_seen_subcommand_from clusterList updateTopic deleteTopic topicList topicRoute topicStatus brokerStatus getBrokerConfig sendMessage consumeMessage queryMsgById queryMsgByKey queryMsgByUniqueKey wipeWritePerm addWritePerm resetOffsetByTime consumerProgress consumerConnection consumerStatus producerConnection updateSubGroup deleteSubGroup verify-commitlog gen-config completions fast-try upgrade-group shutdownBroker startBroker benchmark dledger-status cluster-health transfer-leader help" -f -a "benchmark" -d 'Measure throughput, latency and failover time (producer|consumer|failover)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand help; and not __fish_seen_subcommand_from clusterList updateTopic deleteTopic topicList topicRoute topicStatus brokerStatus getBrokerConfig sendMessage consumeMessage queryMsgById queryMsgByKey queryMsgByUniqueKey wipeWritePerm addWritePerm resetOffsetByTime consumerProgress consumerConnection consumerStatus producerConnection updateSubGroup deleteSubGroup verify-commitlog gen-config completions fast-try upgrade-group shutdownBroker startBroker benchmark dledger-status cluster-health transfer-leader help" -f -a "dledger-status" -d 'Print each node\'s replication state (Raft role, term, indexes, lag)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand help; and not __fish_seen_subcommand_from clusterList updateTopic deleteTopic topicList topicRoute topicStatus brokerStatus getBrokerConfig sendMessage consumeMessage queryMsgById queryMsgByKey queryMsgByUniqueKey wipeWritePerm addWritePerm resetOffsetByTime consumerProgress consumerConnection consumerStatus producerConnection updateSubGroup deleteSubGroup verify-commitlog gen-config completions fast-try upgrade-group shutdownBroker startBroker benchmark dledger-status cluster-health transfer-leader help" -f -a "cluster-health" -d 'Check one leader per group, followers keeping up, every node answering'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand help; and not __fish_seen_subcommand_from clusterList updateTopic deleteTopic topicList topicRoute topicStatus brokerStatus getBrokerConfig sendMessage consumeMessage queryMsgById queryMsgByKey queryMsgByUniqueKey wipeWritePerm addWritePerm resetOffsetByTime consumerProgress consumerConnection consumerStatus producerConnection updateSubGroup deleteSubGroup verify-commitlog gen-config completions fast-try upgrade-group shutdownBroker startBroker benchmark dledger-status cluster-health transfer-leader help" -f -a "transfer-leader" -d 'Move a DLedger group\'s leadership to another up-to-date member'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand help; and not __fish_seen_subcommand_from clusterList updateTopic deleteTopic topicList topicRoute topicStatus brokerStatus getBrokerConfig sendMessage consumeMessage queryMsgById queryMsgByKey queryMsgByUniqueKey wipeWritePerm addWritePerm resetOffsetByTime consumerProgress consumerConnection consumerStatus producerConnection updateSubGroup deleteSubGroup verify-commitlog gen-config completions fast-try upgrade-group shutdownBroker startBroker benchmark dledger-status cluster-health transfer-leader help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand help; and __fish_seen_subcommand_from benchmark" -f -a "producer" -d 'Send as fast as THREADS concurrent senders can, printing TPS and latency every second'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand help; and __fish_seen_subcommand_from benchmark" -f -a "consumer" -d 'Pull every queue of a topic, printing TPS every second'
complete -c mqadmin -n "__fish_mqadmin_using_subcommand help; and __fish_seen_subcommand_from benchmark" -f -a "failover" -d 'Kill the leader of a fast-try DLedger group repeatedly while sending, and measure recovery'
