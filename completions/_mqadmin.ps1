
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'mqadmin' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'mqadmin'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'mqadmin' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--namesrvAddr', '--namesrvAddr', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data written to stdout')
            [CompletionResult]::new('--access-key', '--access-key', [CompletionResultType]::ParameterName, 'ACL account: sign every request with this access key (brokers with aclEnable=true)')
            [CompletionResult]::new('--secret-key', '--secret-key', [CompletionResultType]::ParameterName, 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('clusterList', 'clusterList', [CompletionResultType]::ParameterValue, 'List clusters, broker groups and each broker''s runtime statistics')
            [CompletionResult]::new('updateTopic', 'updateTopic', [CompletionResultType]::ParameterValue, 'Create or update a topic on a broker or on every master of a cluster')
            [CompletionResult]::new('deleteTopic', 'deleteTopic', [CompletionResultType]::ParameterValue, 'Delete a topic from a cluster''s masters and from the name servers')
            [CompletionResult]::new('topicList', 'topicList', [CompletionResultType]::ParameterValue, 'List the topics the name server knows')
            [CompletionResult]::new('topicRoute', 'topicRoute', [CompletionResultType]::ParameterValue, 'Print a topic''s route (broker groups and queues)')
            [CompletionResult]::new('topicStatus', 'topicStatus', [CompletionResultType]::ParameterValue, 'Print the min and max offset of each queue of a topic')
            [CompletionResult]::new('brokerStatus', 'brokerStatus', [CompletionResultType]::ParameterValue, 'Print a broker''s runtime statistics')
            [CompletionResult]::new('getBrokerConfig', 'getBrokerConfig', [CompletionResultType]::ParameterValue, 'Print a broker''s effective configuration')
            [CompletionResult]::new('sendMessage', 'sendMessage', [CompletionResultType]::ParameterValue, 'Send one message')
            [CompletionResult]::new('consumeMessage', 'consumeMessage', [CompletionResultType]::ParameterValue, 'Read messages of a topic without committing offsets')
            [CompletionResult]::new('queryMsgById', 'queryMsgById', [CompletionResultType]::ParameterValue, 'Print the message an offset message id names')
            [CompletionResult]::new('queryMsgByKey', 'queryMsgByKey', [CompletionResultType]::ParameterValue, 'Print the messages of a topic that have a key (from the brokers'' key index)')
            [CompletionResult]::new('queryMsgByUniqueKey', 'queryMsgByUniqueKey', [CompletionResultType]::ParameterValue, 'Print the messages a client message id (UNIQ_KEY) names')
            [CompletionResult]::new('wipeWritePerm', 'wipeWritePerm', [CompletionResultType]::ParameterValue, 'Stop producers writing to a broker group (on every name server)')
            [CompletionResult]::new('addWritePerm', 'addWritePerm', [CompletionResultType]::ParameterValue, 'Let producers write to a broker group again (on every name server)')
            [CompletionResult]::new('resetOffsetByTime', 'resetOffsetByTime', [CompletionResultType]::ParameterValue, 'Move a group''s offsets on a topic to the first message at or after a time')
            [CompletionResult]::new('consumerProgress', 'consumerProgress', [CompletionResultType]::ParameterValue, 'Print a consumer group''s progress per queue, or every group''s summary')
            [CompletionResult]::new('consumerConnection', 'consumerConnection', [CompletionResultType]::ParameterValue, 'Print a consumer group''s live clients, subscriptions and consume mode')
            [CompletionResult]::new('consumerStatus', 'consumerStatus', [CompletionResultType]::ParameterValue, 'Save each client''s running info; check the group''s subscriptions and queues')
            [CompletionResult]::new('producerConnection', 'producerConnection', [CompletionResultType]::ParameterValue, 'Print a producer group''s live clients')
            [CompletionResult]::new('updateSubGroup', 'updateSubGroup', [CompletionResultType]::ParameterValue, 'Create or update a consumer group''s settings on a broker or a cluster')
            [CompletionResult]::new('deleteSubGroup', 'deleteSubGroup', [CompletionResultType]::ParameterValue, 'Delete a consumer group''s settings from a broker or a cluster')
            [CompletionResult]::new('verify-commitlog', 'verify-commitlog', [CompletionResultType]::ParameterValue, 'Check a master''s newest commitlog files against its slave before an upgrade')
            [CompletionResult]::new('gen-config', 'gen-config', [CompletionResultType]::ParameterValue, 'Write the broker configs of a DLedger group, from scratch or from a config')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script to stdout')
            [CompletionResult]::new('fast-try', 'fast-try', [CompletionResultType]::ParameterValue, 'Run a local name server and 3-node DLedger group (start|stop|status|...)')
            [CompletionResult]::new('upgrade-group', 'upgrade-group', [CompletionResultType]::ParameterValue, 'Migrate a local Master/Slave broker group to a three-node DLedger group')
            [CompletionResult]::new('shutdownBroker', 'shutdownBroker', [CompletionResultType]::ParameterValue, 'Stop the mqbroker of a config file (SIGTERM, then wait for its store lock)')
            [CompletionResult]::new('startBroker', 'startBroker', [CompletionResultType]::ParameterValue, 'Start mqbroker with a config file, detached (here or through its node agent)')
            [CompletionResult]::new('benchmark', 'benchmark', [CompletionResultType]::ParameterValue, 'Measure throughput, latency and failover time (producer|consumer|failover)')
            [CompletionResult]::new('dledger-status', 'dledger-status', [CompletionResultType]::ParameterValue, 'Print each node''s replication state (Raft role, term, indexes, lag)')
            [CompletionResult]::new('cluster-health', 'cluster-health', [CompletionResultType]::ParameterValue, 'Check one leader per group, followers keeping up, every node answering')
            [CompletionResult]::new('transfer-leader', 'transfer-leader', [CompletionResultType]::ParameterValue, 'Move a DLedger group''s leadership to another up-to-date member')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mqadmin;clusterList' {
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Repeat every SECONDS seconds until interrupted (Ctrl-C)')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Repeat every SECONDS seconds until interrupted (Ctrl-C)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Show only this cluster (an unknown name prints only the header and exits 1)')
            [CompletionResult]::new('--clusterName', '--clusterName', [CompletionResultType]::ParameterName, 'Show only this cluster (an unknown name prints only the header and exits 1)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Table layout to imitate: RocketMQ 4.x or 5.x `mqadmin`')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--namesrvAddr', '--namesrvAddr', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data written to stdout')
            [CompletionResult]::new('--access-key', '--access-key', [CompletionResultType]::ParameterName, 'ACL account: sign every request with this access key (brokers with aclEnable=true)')
            [CompletionResult]::new('--secret-key', '--secret-key', [CompletionResultType]::ParameterName, 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Print message totals for yesterday and today instead of TPS and load')
            [CompletionResult]::new('--moreStats', '--moreStats', [CompletionResultType]::ParameterName, 'Print message totals for yesterday and today instead of TPS and load')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mqadmin;updateTopic' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Topic name')
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'Topic name')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Create the topic on this broker address (IP:PORT, as Java''s updateTopic -b; sendMessage''s -b is a broker name, as Java''s)')
            [CompletionResult]::new('--brokerAddr', '--brokerAddr', [CompletionResultType]::ParameterName, 'Create the topic on this broker address (IP:PORT, as Java''s updateTopic -b; sendMessage''s -b is a broker name, as Java''s)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Create the topic on every master of this cluster')
            [CompletionResult]::new('--clusterName', '--clusterName', [CompletionResultType]::ParameterName, 'Create the topic on every master of this cluster')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'Read queues (1 to 1024)')
            [CompletionResult]::new('--readQueueNums', '--readQueueNums', [CompletionResultType]::ParameterName, 'Read queues (1 to 1024)')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Write queues (1 to 1024)')
            [CompletionResult]::new('--writeQueueNums', '--writeQueueNums', [CompletionResultType]::ParameterName, 'Write queues (1 to 1024)')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Permission, as Java: 2 write, 4 read, 6 read and write (nothing else is accepted)')
            [CompletionResult]::new('--perm', '--perm', [CompletionResultType]::ParameterName, 'Permission, as Java: 2 write, 4 read, 6 read and write (nothing else is accepted)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Whether the topic is ordered')
            [CompletionResult]::new('--order', '--order', [CompletionResultType]::ParameterName, 'Whether the topic is ordered')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--namesrvAddr', '--namesrvAddr', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data written to stdout')
            [CompletionResult]::new('--access-key', '--access-key', [CompletionResultType]::ParameterName, 'ACL account: sign every request with this access key (brokers with aclEnable=true)')
            [CompletionResult]::new('--secret-key', '--secret-key', [CompletionResultType]::ParameterName, 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mqadmin;deleteTopic' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Topic name')
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'Topic name')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Cluster whose masters drop the topic')
            [CompletionResult]::new('--clusterName', '--clusterName', [CompletionResultType]::ParameterName, 'Cluster whose masters drop the topic')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--namesrvAddr', '--namesrvAddr', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data written to stdout')
            [CompletionResult]::new('--access-key', '--access-key', [CompletionResultType]::ParameterName, 'ACL account: sign every request with this access key (brokers with aclEnable=true)')
            [CompletionResult]::new('--secret-key', '--secret-key', [CompletionResultType]::ParameterName, 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mqadmin;topicList' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--namesrvAddr', '--namesrvAddr', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data written to stdout')
            [CompletionResult]::new('--access-key', '--access-key', [CompletionResultType]::ParameterName, 'ACL account: sign every request with this access key (brokers with aclEnable=true)')
            [CompletionResult]::new('--secret-key', '--secret-key', [CompletionResultType]::ParameterName, 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Also print each topic''s cluster (Java''s cluster model)')
            [CompletionResult]::new('--clusterModel', '--clusterModel', [CompletionResultType]::ParameterName, 'Also print each topic''s cluster (Java''s cluster model)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mqadmin;topicRoute' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Topic name')
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'Topic name')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--namesrvAddr', '--namesrvAddr', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data written to stdout')
            [CompletionResult]::new('--access-key', '--access-key', [CompletionResultType]::ParameterName, 'ACL account: sign every request with this access key (brokers with aclEnable=true)')
            [CompletionResult]::new('--secret-key', '--secret-key', [CompletionResultType]::ParameterName, 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mqadmin;topicStatus' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Topic name')
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'Topic name')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--namesrvAddr', '--namesrvAddr', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data written to stdout')
            [CompletionResult]::new('--access-key', '--access-key', [CompletionResultType]::ParameterName, 'ACL account: sign every request with this access key (brokers with aclEnable=true)')
            [CompletionResult]::new('--secret-key', '--secret-key', [CompletionResultType]::ParameterName, 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mqadmin;brokerStatus' {
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Broker address')
            [CompletionResult]::new('--brokerAddr', '--brokerAddr', [CompletionResultType]::ParameterName, 'Broker address')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Every broker of this cluster')
            [CompletionResult]::new('--clusterName', '--clusterName', [CompletionResultType]::ParameterName, 'Every broker of this cluster')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--namesrvAddr', '--namesrvAddr', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data written to stdout')
            [CompletionResult]::new('--access-key', '--access-key', [CompletionResultType]::ParameterName, 'ACL account: sign every request with this access key (brokers with aclEnable=true)')
            [CompletionResult]::new('--secret-key', '--secret-key', [CompletionResultType]::ParameterName, 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mqadmin;getBrokerConfig' {
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Broker address')
            [CompletionResult]::new('--brokerAddr', '--brokerAddr', [CompletionResultType]::ParameterName, 'Broker address')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Every broker of this cluster')
            [CompletionResult]::new('--clusterName', '--clusterName', [CompletionResultType]::ParameterName, 'Every broker of this cluster')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--namesrvAddr', '--namesrvAddr', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data written to stdout')
            [CompletionResult]::new('--access-key', '--access-key', [CompletionResultType]::ParameterName, 'ACL account: sign every request with this access key (brokers with aclEnable=true)')
            [CompletionResult]::new('--secret-key', '--secret-key', [CompletionResultType]::ParameterName, 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mqadmin;sendMessage' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Topic name')
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'Topic name')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Message body (UTF-8)')
            [CompletionResult]::new('--body', '--body', [CompletionResultType]::ParameterName, 'Message body (UTF-8)')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Message keys (the KEYS property)')
            [CompletionResult]::new('--keys', '--keys', [CompletionResultType]::ParameterName, 'Message keys (the KEYS property)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Message tag (the TAGS property)')
            [CompletionResult]::new('--tags', '--tags', [CompletionResultType]::ParameterName, 'Message tag (the TAGS property)')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Send to this broker group only: a broker name, as Java''s sendMessage -b (updateTopic''s -b is an address, as Java''s)')
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Send to this broker group only: a broker name, as Java''s sendMessage -b (updateTopic''s -b is an address, as Java''s)')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Send to this queue id only')
            [CompletionResult]::new('--qid', '--qid', [CompletionResultType]::ParameterName, 'Send to this queue id only')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--namesrvAddr', '--namesrvAddr', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data written to stdout')
            [CompletionResult]::new('--access-key', '--access-key', [CompletionResultType]::ParameterName, 'ACL account: sign every request with this access key (brokers with aclEnable=true)')
            [CompletionResult]::new('--secret-key', '--secret-key', [CompletionResultType]::ParameterName, 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mqadmin;consumeMessage' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Topic name')
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'Topic name')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Read this broker group only: a broker name, as Java''s consumeMessage -b')
            [CompletionResult]::new('--brokerName', '--brokerName', [CompletionResultType]::ParameterName, 'Read this broker group only: a broker name, as Java''s consumeMessage -b')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Read this queue id only')
            [CompletionResult]::new('--queueId', '--queueId', [CompletionResultType]::ParameterName, 'Read this queue id only')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Start at this offset in each queue (default: the queue''s min offset)')
            [CompletionResult]::new('--offset', '--offset', [CompletionResultType]::ParameterName, 'Start at this offset in each queue (default: the queue''s min offset)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Stop after this many messages (at least 1)')
            [CompletionResult]::new('--messageNumber', '--messageNumber', [CompletionResultType]::ParameterName, 'Stop after this many messages (at least 1)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Tag expression, e.g. `TagA || TagB` (Java''s consumeMessage -s is a begin timestamp)')
            [CompletionResult]::new('--subExpression', '--subExpression', [CompletionResultType]::ParameterName, 'Tag expression, e.g. `TagA || TagB` (Java''s consumeMessage -s is a begin timestamp)')
            [CompletionResult]::new('-g', '-g', [CompletionResultType]::ParameterName, 'Consumer group named in the pull requests (no offset is committed)')
            [CompletionResult]::new('--consumerGroup', '--consumerGroup', [CompletionResultType]::ParameterName, 'Consumer group named in the pull requests (no offset is committed)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--namesrvAddr', '--namesrvAddr', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data written to stdout')
            [CompletionResult]::new('--access-key', '--access-key', [CompletionResultType]::ParameterName, 'ACL account: sign every request with this access key (brokers with aclEnable=true)')
            [CompletionResult]::new('--secret-key', '--secret-key', [CompletionResultType]::ParameterName, 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mqadmin;queryMsgById' {
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Offset message id (32 hex digits), as printed by consumeMessage and on sendMessage''s stderr (not the unique key sendMessage prints as #MsgId: the brokers cannot look keys up yet)')
            [CompletionResult]::new('--msgId', '--msgId', [CompletionResultType]::ParameterName, 'Offset message id (32 hex digits), as printed by consumeMessage and on sendMessage''s stderr (not the unique key sendMessage prints as #MsgId: the brokers cannot look keys up yet)')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Write the body to DIR/<MSGID> instead of printing it (Java''s queryMsgById -d is a client id)')
            [CompletionResult]::new('--bodyDir', '--bodyDir', [CompletionResultType]::ParameterName, 'Write the body to DIR/<MSGID> instead of printing it (Java''s queryMsgById -d is a client id)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--namesrvAddr', '--namesrvAddr', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data written to stdout')
            [CompletionResult]::new('--access-key', '--access-key', [CompletionResultType]::ParameterName, 'ACL account: sign every request with this access key (brokers with aclEnable=true)')
            [CompletionResult]::new('--secret-key', '--secret-key', [CompletionResultType]::ParameterName, 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mqadmin;queryMsgByKey' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Topic name')
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'Topic name')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Message key: one of the space-separated KEYS of a message')
            [CompletionResult]::new('--msgKey', '--msgKey', [CompletionResultType]::ParameterName, 'Message key: one of the space-separated KEYS of a message')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--namesrvAddr', '--namesrvAddr', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data written to stdout')
            [CompletionResult]::new('--access-key', '--access-key', [CompletionResultType]::ParameterName, 'ACL account: sign every request with this access key (brokers with aclEnable=true)')
            [CompletionResult]::new('--secret-key', '--secret-key', [CompletionResultType]::ParameterName, 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mqadmin;queryMsgByUniqueKey' {
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Client message id (UNIQ_KEY, 32 hex digits)')
            [CompletionResult]::new('--msgId', '--msgId', [CompletionResultType]::ParameterName, 'Client message id (UNIQ_KEY, 32 hex digits)')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Topic of the message')
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'Topic of the message')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--namesrvAddr', '--namesrvAddr', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data written to stdout')
            [CompletionResult]::new('--access-key', '--access-key', [CompletionResultType]::ParameterName, 'ACL account: sign every request with this access key (brokers with aclEnable=true)')
            [CompletionResult]::new('--secret-key', '--secret-key', [CompletionResultType]::ParameterName, 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mqadmin;wipeWritePerm' {
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Broker group name (brokerName)')
            [CompletionResult]::new('--brokerName', '--brokerName', [CompletionResultType]::ParameterName, 'Broker group name (brokerName)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--namesrvAddr', '--namesrvAddr', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data written to stdout')
            [CompletionResult]::new('--access-key', '--access-key', [CompletionResultType]::ParameterName, 'ACL account: sign every request with this access key (brokers with aclEnable=true)')
            [CompletionResult]::new('--secret-key', '--secret-key', [CompletionResultType]::ParameterName, 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mqadmin;addWritePerm' {
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Broker group name (brokerName)')
            [CompletionResult]::new('--brokerName', '--brokerName', [CompletionResultType]::ParameterName, 'Broker group name (brokerName)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--namesrvAddr', '--namesrvAddr', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data written to stdout')
            [CompletionResult]::new('--access-key', '--access-key', [CompletionResultType]::ParameterName, 'ACL account: sign every request with this access key (brokers with aclEnable=true)')
            [CompletionResult]::new('--secret-key', '--secret-key', [CompletionResultType]::ParameterName, 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mqadmin;resetOffsetByTime' {
            [CompletionResult]::new('-g', '-g', [CompletionResultType]::ParameterName, 'Consumer group')
            [CompletionResult]::new('--group', '--group', [CompletionResultType]::ParameterName, 'Consumer group')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Topic')
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'Topic')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'now, milliseconds since the epoch, or yyyy-MM-dd#HH:mm:ss:SSS (local time)')
            [CompletionResult]::new('--timestamp', '--timestamp', [CompletionResultType]::ParameterName, 'now, milliseconds since the epoch, or yyyy-MM-dd#HH:mm:ss:SSS (local time)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Also move offsets forward; false only rolls back [default: true]')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Also move offsets forward; false only rolls back [default: true]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--namesrvAddr', '--namesrvAddr', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data written to stdout')
            [CompletionResult]::new('--access-key', '--access-key', [CompletionResultType]::ParameterName, 'ACL account: sign every request with this access key (brokers with aclEnable=true)')
            [CompletionResult]::new('--secret-key', '--secret-key', [CompletionResultType]::ParameterName, 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The live consumers are C++ clients: the broker sends them their offset-table shape')
            [CompletionResult]::new('--cplus', '--cplus', [CompletionResultType]::ParameterName, 'The live consumers are C++ clients: the broker sends them their offset-table shape')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mqadmin;consumerProgress' {
            [CompletionResult]::new('-g', '-g', [CompletionResultType]::ParameterName, 'Consumer group; without it, one summary line per group')
            [CompletionResult]::new('--groupName', '--groupName', [CompletionResultType]::ParameterName, 'Consumer group; without it, one summary line per group')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'true: ask each live client which queues it holds and print a #Client IP column')
            [CompletionResult]::new('--showClientIP', '--showClientIP', [CompletionResultType]::ParameterName, 'true: ask each live client which queues it holds and print a #Client IP column')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--namesrvAddr', '--namesrvAddr', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data written to stdout')
            [CompletionResult]::new('--access-key', '--access-key', [CompletionResultType]::ParameterName, 'ACL account: sign every request with this access key (brokers with aclEnable=true)')
            [CompletionResult]::new('--secret-key', '--secret-key', [CompletionResultType]::ParameterName, 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mqadmin;consumerConnection' {
            [CompletionResult]::new('-g', '-g', [CompletionResultType]::ParameterName, 'Consumer group')
            [CompletionResult]::new('--consumerGroup', '--consumerGroup', [CompletionResultType]::ParameterName, 'Consumer group')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--namesrvAddr', '--namesrvAddr', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data written to stdout')
            [CompletionResult]::new('--access-key', '--access-key', [CompletionResultType]::ParameterName, 'ACL account: sign every request with this access key (brokers with aclEnable=true)')
            [CompletionResult]::new('--secret-key', '--secret-key', [CompletionResultType]::ParameterName, 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mqadmin;consumerStatus' {
            [CompletionResult]::new('-g', '-g', [CompletionResultType]::ParameterName, 'Consumer group')
            [CompletionResult]::new('--consumerGroup', '--consumerGroup', [CompletionResultType]::ParameterName, 'Consumer group')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Print this client''s running info only (no files, no analysis)')
            [CompletionResult]::new('--clientId', '--clientId', [CompletionResultType]::ParameterName, 'Print this client''s running info only (no files, no analysis)')
            [CompletionResult]::new('--status-dir', '--status-dir', [CompletionResultType]::ParameterName, 'Directory of the per-client files, written as DIR/<now in ms>/<client id>')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--namesrvAddr', '--namesrvAddr', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data written to stdout')
            [CompletionResult]::new('--access-key', '--access-key', [CompletionResultType]::ParameterName, 'ACL account: sign every request with this access key (brokers with aclEnable=true)')
            [CompletionResult]::new('--secret-key', '--secret-key', [CompletionResultType]::ParameterName, 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Ask the clients for a thread dump (jstack) and include it')
            [CompletionResult]::new('--jstack', '--jstack', [CompletionResultType]::ParameterName, 'Ask the clients for a thread dump (jstack) and include it')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mqadmin;producerConnection' {
            [CompletionResult]::new('-g', '-g', [CompletionResultType]::ParameterName, 'Producer group')
            [CompletionResult]::new('--producerGroup', '--producerGroup', [CompletionResultType]::ParameterName, 'Producer group')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'A topic the group sends to (its brokers are asked)')
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'A topic the group sends to (its brokers are asked)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--namesrvAddr', '--namesrvAddr', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data written to stdout')
            [CompletionResult]::new('--access-key', '--access-key', [CompletionResultType]::ParameterName, 'ACL account: sign every request with this access key (brokers with aclEnable=true)')
            [CompletionResult]::new('--secret-key', '--secret-key', [CompletionResultType]::ParameterName, 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mqadmin;updateSubGroup' {
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Broker address')
            [CompletionResult]::new('--brokerAddr', '--brokerAddr', [CompletionResultType]::ParameterName, 'Broker address')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Every master of this cluster')
            [CompletionResult]::new('--clusterName', '--clusterName', [CompletionResultType]::ParameterName, 'Every master of this cluster')
            [CompletionResult]::new('-g', '-g', [CompletionResultType]::ParameterName, 'Consumer group')
            [CompletionResult]::new('--groupName', '--groupName', [CompletionResultType]::ParameterName, 'Consumer group')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Whether the group may consume [default: true]')
            [CompletionResult]::new('--consumeEnable', '--consumeEnable', [CompletionResultType]::ParameterName, 'Whether the group may consume [default: true]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Whether a new consumer starts from the queue''s min offset [default: false]')
            [CompletionResult]::new('--consumeFromMinEnable', '--consumeFromMinEnable', [CompletionResultType]::ParameterName, 'Whether a new consumer starts from the queue''s min offset [default: false]')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Whether broadcast consumption is allowed [default: false]')
            [CompletionResult]::new('--consumeBroadcastEnable', '--consumeBroadcastEnable', [CompletionResultType]::ParameterName, 'Whether broadcast consumption is allowed [default: false]')
            [CompletionResult]::new('--retryQueueNums', '--retryQueueNums', [CompletionResultType]::ParameterName, 'Queues of the group''s retry topic [default: 1]')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'Redeliveries before a message goes to the dead-letter topic [default: 16]')
            [CompletionResult]::new('--retryMaxTimes', '--retryMaxTimes', [CompletionResultType]::ParameterName, 'Redeliveries before a message goes to the dead-letter topic [default: 16]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Broker id to consume from [default: 0]')
            [CompletionResult]::new('--brokerId', '--brokerId', [CompletionResultType]::ParameterName, 'Broker id to consume from [default: 0]')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Broker id to consume from when consumption is slow [default: 1]')
            [CompletionResult]::new('--whichBrokerWhenConsumeSlowly', '--whichBrokerWhenConsumeSlowly', [CompletionResultType]::ParameterName, 'Broker id to consume from when consumption is slow [default: 1]')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Whether clients are told when the group''s members change [default: true]')
            [CompletionResult]::new('--notifyConsumerIdsChanged', '--notifyConsumerIdsChanged', [CompletionResultType]::ParameterName, 'Whether clients are told when the group''s members change [default: true]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--namesrvAddr', '--namesrvAddr', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data written to stdout')
            [CompletionResult]::new('--access-key', '--access-key', [CompletionResultType]::ParameterName, 'ACL account: sign every request with this access key (brokers with aclEnable=true)')
            [CompletionResult]::new('--secret-key', '--secret-key', [CompletionResultType]::ParameterName, 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mqadmin;deleteSubGroup' {
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Broker address')
            [CompletionResult]::new('--brokerAddr', '--brokerAddr', [CompletionResultType]::ParameterName, 'Broker address')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Every master of this cluster (then the group''s %RETRY% and %DLQ% topics are deleted too)')
            [CompletionResult]::new('--clusterName', '--clusterName', [CompletionResultType]::ParameterName, 'Every master of this cluster (then the group''s %RETRY% and %DLQ% topics are deleted too)')
            [CompletionResult]::new('-g', '-g', [CompletionResultType]::ParameterName, 'Consumer group')
            [CompletionResult]::new('--groupName', '--groupName', [CompletionResultType]::ParameterName, 'Consumer group')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'Also remove the group''s committed offsets [default: false]')
            [CompletionResult]::new('--removeOffset', '--removeOffset', [CompletionResultType]::ParameterName, 'Also remove the group''s committed offsets [default: false]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--namesrvAddr', '--namesrvAddr', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data written to stdout')
            [CompletionResult]::new('--access-key', '--access-key', [CompletionResultType]::ParameterName, 'ACL account: sign every request with this access key (brokers with aclEnable=true)')
            [CompletionResult]::new('--secret-key', '--secret-key', [CompletionResultType]::ParameterName, 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mqadmin;verify-commitlog' {
            [CompletionResult]::new('--master', '--master', [CompletionResultType]::ParameterName, 'The master: a broker config file, `dir:/path/to/commitlog` or `agent://HOST:PORT/BROKER`')
            [CompletionResult]::new('--slave', '--slave', [CompletionResultType]::ParameterName, 'The slave: a broker config file, `dir:/path/to/commitlog` or `agent://HOST:PORT/BROKER`')
            [CompletionResult]::new('--third', '--third', [CompletionResultType]::ParameterName, 'A third node to compare with the master as well')
            [CompletionResult]::new('--last', '--last', [CompletionResultType]::ParameterName, 'How many of the master''s newest files to compare')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'File holding the node agents'' token [default: $MQADMIN_AGENT_TOKEN, as mqagent''s]')
            [CompletionResult]::new('--agent-ca', '--agent-ca', [CompletionResultType]::ParameterName, 'Reach agents over TLS; their certificates must chain to this CA (PEM) and name the host')
            [CompletionResult]::new('--agent-fingerprint', '--agent-fingerprint', [CompletionResultType]::ParameterName, 'Reach agents over TLS; accept a certificate whose SHA-256 is HEX (repeatable)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--namesrvAddr', '--namesrvAddr', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data written to stdout')
            [CompletionResult]::new('--access-key', '--access-key', [CompletionResultType]::ParameterName, 'ACL account: sign every request with this access key (brokers with aclEnable=true)')
            [CompletionResult]::new('--secret-key', '--secret-key', [CompletionResultType]::ParameterName, 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)')
            [CompletionResult]::new('--allow-running', '--allow-running', [CompletionResultType]::ParameterName, 'Read stores whose broker is still running (the newest file may change while it is read)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mqadmin;gen-config' {
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Derive the configs from this Master/Slave broker config (keeps its other keys)')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The cluster name (brokerClusterName); with --from, overrides the source''s')
            [CompletionResult]::new('--group', '--group', [CompletionResultType]::ParameterName, 'The broker group name (brokerName and dLegerGroup); with --from, overrides the source''s')
            [CompletionResult]::new('--peers', '--peers', [CompletionResultType]::ParameterName, 'The DLedger peers, `id-host:port;…` (e.g. `n0-127.0.0.1:40911;n1-127.0.0.1:40912;…`)')
            [CompletionResult]::new('--store-root', '--store-root', [CompletionResultType]::ParameterName, 'The directory holding every node''s store root (`<DIR>/node00`, …)')
            [CompletionResult]::new('--namesrv', '--namesrv', [CompletionResultType]::ParameterName, 'The name servers (namesrvAddr); with --from, overrides the source''s [default: -n]')
            [CompletionResult]::new('--listen-ports', '--listen-ports', [CompletionResultType]::ParameterName, 'Each node''s listenPort, comma-separated, one per peer [default: 30911,30921,30931,…]')
            [CompletionResult]::new('--out-dir', '--out-dir', [CompletionResultType]::ParameterName, 'Where to write broker-<id>.conf')
            [CompletionResult]::new('--peer-token-file', '--peer-token-file', [CompletionResultType]::ParameterName, 'Name this DLedger peer token file in every config (dLegerPeerTokenFile); created (mode 0600, a random token) if missing. Copy it to every node''s host')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--namesrvAddr', '--namesrvAddr', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data written to stdout')
            [CompletionResult]::new('--access-key', '--access-key', [CompletionResultType]::ParameterName, 'ACL account: sign every request with this access key (brokers with aclEnable=true)')
            [CompletionResult]::new('--secret-key', '--secret-key', [CompletionResultType]::ParameterName, 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the files to stdout instead of writing them')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Overwrite existing files')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mqadmin;completions' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--namesrvAddr', '--namesrvAddr', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data written to stdout')
            [CompletionResult]::new('--access-key', '--access-key', [CompletionResultType]::ParameterName, 'ACL account: sign every request with this access key (brokers with aclEnable=true)')
            [CompletionResult]::new('--secret-key', '--secret-key', [CompletionResultType]::ParameterName, 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mqadmin;fast-try' {
            [CompletionResult]::new('--conf-dir', '--conf-dir', [CompletionResultType]::ParameterName, 'Directory with broker-n0.conf, broker-n1.conf and broker-n2.conf')
            [CompletionResult]::new('--store-root', '--store-root', [CompletionResultType]::ParameterName, 'Put the stores (node00..node02), logs and state under DIR instead of the configs'' paths')
            [CompletionResult]::new('--namesrv-port', '--namesrv-port', [CompletionResultType]::ParameterName, 'Name server port')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a leader (start) or for a graceful stop (stop)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--namesrvAddr', '--namesrvAddr', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data written to stdout')
            [CompletionResult]::new('--access-key', '--access-key', [CompletionResultType]::ParameterName, 'ACL account: sign every request with this access key (brokers with aclEnable=true)')
            [CompletionResult]::new('--secret-key', '--secret-key', [CompletionResultType]::ParameterName, 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mqadmin;upgrade-group' {
            [CompletionResult]::new('--master', '--master', [CompletionResultType]::ParameterName, 'The master''s broker config, or `agent://HOST:PORT/BROKER`')
            [CompletionResult]::new('--slave', '--slave', [CompletionResultType]::ParameterName, 'The slave''s broker config (without one, pass --third twice: both are seeded from the master)')
            [CompletionResult]::new('--third', '--third', [CompletionResultType]::ParameterName, 'A new node''s broker config (its store root must hold no commitlog)')
            [CompletionResult]::new('--peers', '--peers', [CompletionResultType]::ParameterName, 'The DLedger peers, `n0-host:port;n1-host:port;n2-host:port` [default: listenPort + 10000]')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'The state file [default: <store root of the last --third>/upgrade-group.json]')
            [CompletionResult]::new('--last', '--last', [CompletionResultType]::ParameterName, 'How many of the master''s newest commitlog files are compared with the slave')
            [CompletionResult]::new('--throttle', '--throttle', [CompletionResultType]::ParameterName, 'Limit the copy to this many MB/s (a positive number)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a broker to stop, and for the new group to elect a leader')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'File holding the node agents'' token [default: $MQADMIN_AGENT_TOKEN, as mqagent''s]')
            [CompletionResult]::new('--agent-ca', '--agent-ca', [CompletionResultType]::ParameterName, 'Reach agents over TLS; their certificates must chain to this CA (PEM) and name the host')
            [CompletionResult]::new('--agent-fingerprint', '--agent-fingerprint', [CompletionResultType]::ParameterName, 'Reach agents over TLS; accept a certificate whose SHA-256 is HEX (repeatable)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--namesrvAddr', '--namesrvAddr', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data written to stdout')
            [CompletionResult]::new('--access-key', '--access-key', [CompletionResultType]::ParameterName, 'ACL account: sign every request with this access key (brokers with aclEnable=true)')
            [CompletionResult]::new('--secret-key', '--secret-key', [CompletionResultType]::ParameterName, 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan and change nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (required when stdin is not a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (required when stdin is not a terminal)')
            [CompletionResult]::new('--resume', '--resume', [CompletionResultType]::ParameterName, 'Continue an interrupted run from its state file')
            [CompletionResult]::new('--rollback', '--rollback', [CompletionResultType]::ParameterName, 'Undo an upgrade that has not accepted a write yet, and restart the old pair')
            [CompletionResult]::new('--align', '--align', [CompletionResultType]::ParameterName, 'Allow overwriting a divergent slave''s commitlog files from the master')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mqadmin;shutdownBroker' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The broker''s config file (as passed to `mqbroker -c`), or `agent://HOST:PORT/BROKER`')
            [CompletionResult]::new('--configFile', '--configFile', [CompletionResultType]::ParameterName, 'The broker''s config file (as passed to `mqbroker -c`), or `agent://HOST:PORT/BROKER`')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the broker to exit after SIGTERM (an agent then sends SIGKILL)')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'File holding the node agents'' token [default: $MQADMIN_AGENT_TOKEN, as mqagent''s]')
            [CompletionResult]::new('--agent-ca', '--agent-ca', [CompletionResultType]::ParameterName, 'Reach agents over TLS; their certificates must chain to this CA (PEM) and name the host')
            [CompletionResult]::new('--agent-fingerprint', '--agent-fingerprint', [CompletionResultType]::ParameterName, 'Reach agents over TLS; accept a certificate whose SHA-256 is HEX (repeatable)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--namesrvAddr', '--namesrvAddr', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data written to stdout')
            [CompletionResult]::new('--access-key', '--access-key', [CompletionResultType]::ParameterName, 'ACL account: sign every request with this access key (brokers with aclEnable=true)')
            [CompletionResult]::new('--secret-key', '--secret-key', [CompletionResultType]::ParameterName, 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mqadmin;startBroker' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The broker''s config file (as passed to `mqbroker -c`), or `agent://HOST:PORT/BROKER`')
            [CompletionResult]::new('--configFile', '--configFile', [CompletionResultType]::ParameterName, 'The broker''s config file (as passed to `mqbroker -c`), or `agent://HOST:PORT/BROKER`')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the broker to exit after SIGTERM (an agent then sends SIGKILL)')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'File holding the node agents'' token [default: $MQADMIN_AGENT_TOKEN, as mqagent''s]')
            [CompletionResult]::new('--agent-ca', '--agent-ca', [CompletionResultType]::ParameterName, 'Reach agents over TLS; their certificates must chain to this CA (PEM) and name the host')
            [CompletionResult]::new('--agent-fingerprint', '--agent-fingerprint', [CompletionResultType]::ParameterName, 'Reach agents over TLS; accept a certificate whose SHA-256 is HEX (repeatable)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--namesrvAddr', '--namesrvAddr', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data written to stdout')
            [CompletionResult]::new('--access-key', '--access-key', [CompletionResultType]::ParameterName, 'ACL account: sign every request with this access key (brokers with aclEnable=true)')
            [CompletionResult]::new('--secret-key', '--secret-key', [CompletionResultType]::ParameterName, 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mqadmin;benchmark' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--namesrvAddr', '--namesrvAddr', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data written to stdout')
            [CompletionResult]::new('--access-key', '--access-key', [CompletionResultType]::ParameterName, 'ACL account: sign every request with this access key (brokers with aclEnable=true)')
            [CompletionResult]::new('--secret-key', '--secret-key', [CompletionResultType]::ParameterName, 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('producer', 'producer', [CompletionResultType]::ParameterValue, 'Send as fast as THREADS concurrent senders can, printing TPS and latency every second')
            [CompletionResult]::new('consumer', 'consumer', [CompletionResultType]::ParameterValue, 'Pull every queue of a topic, printing TPS every second')
            [CompletionResult]::new('failover', 'failover', [CompletionResultType]::ParameterValue, 'Kill the leader of a fast-try DLedger group repeatedly while sending, and measure recovery')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mqadmin;benchmark;producer' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Topic (created by the broker on first send when autoCreateTopicEnable is on)')
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'Topic (created by the broker on first send when autoCreateTopicEnable is on)')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Concurrent senders')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Concurrent senders')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Body size in bytes')
            [CompletionResult]::new('--size', '--size', [CompletionResultType]::ParameterName, 'Body size in bytes')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'Run for this many seconds [default: 60 unless --count]')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Stop after this many messages')
            [CompletionResult]::new('--batch', '--batch', [CompletionResultType]::ParameterName, 'Send K messages per SEND_BATCH_MESSAGE request')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--namesrvAddr', '--namesrvAddr', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data written to stdout')
            [CompletionResult]::new('--access-key', '--access-key', [CompletionResultType]::ParameterName, 'ACL account: sign every request with this access key (brokers with aclEnable=true)')
            [CompletionResult]::new('--secret-key', '--secret-key', [CompletionResultType]::ParameterName, 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)')
            [CompletionResult]::new('--keys', '--keys', [CompletionResultType]::ParameterName, 'Set a KEYS property on every message')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mqadmin;benchmark;consumer' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Topic')
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'Topic')
            [CompletionResult]::new('-g', '-g', [CompletionResultType]::ParameterName, 'Consumer group named in the pulls (more groups: GROUP-1, GROUP-2, ...)')
            [CompletionResult]::new('--group', '--group', [CompletionResultType]::ParameterName, 'Consumer group named in the pulls (more groups: GROUP-1, GROUP-2, ...)')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'Run for this many seconds')
            [CompletionResult]::new('--groups', '--groups', [CompletionResultType]::ParameterName, 'Consumer groups, each reading every queue')
            [CompletionResult]::new('--commit-interval-ms', '--commit-interval-ms', [CompletionResultType]::ParameterName, 'Commit each group''s offsets (oneway, as Java clients) every MS milliseconds; by default nothing is committed')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--namesrvAddr', '--namesrvAddr', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data written to stdout')
            [CompletionResult]::new('--access-key', '--access-key', [CompletionResultType]::ParameterName, 'ACL account: sign every request with this access key (brokers with aclEnable=true)')
            [CompletionResult]::new('--secret-key', '--secret-key', [CompletionResultType]::ParameterName, 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)')
            [CompletionResult]::new('--from-start', '--from-start', [CompletionResultType]::ParameterName, 'Start at each queue''s min offset instead of its max offset')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mqadmin;benchmark;failover' {
            [CompletionResult]::new('--rounds', '--rounds', [CompletionResultType]::ParameterName, 'Kill/restart rounds')
            [CompletionResult]::new('--store-root', '--store-root', [CompletionResultType]::ParameterName, 'Store root of the fast-try group (where fast-try.json is)')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Topic written during the drill')
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'Topic written during the drill')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Concurrent senders during the drill')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Concurrent senders during the drill')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a new leader or a rejoin before giving up')
            [CompletionResult]::new('--mode', '--mode', [CompletionResultType]::ParameterName, 'The fault of each round')
            [CompletionResult]::new('--stall-ms', '--stall-ms', [CompletionResultType]::ParameterName, 'How long --mode stall-follower keeps the follower stopped, in ms')
            [CompletionResult]::new('--soak-secs', '--soak-secs', [CompletionResultType]::ParameterName, 'How long --mode soak sends, in seconds')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--namesrvAddr', '--namesrvAddr', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data written to stdout')
            [CompletionResult]::new('--access-key', '--access-key', [CompletionResultType]::ParameterName, 'ACL account: sign every request with this access key (brokers with aclEnable=true)')
            [CompletionResult]::new('--secret-key', '--secret-key', [CompletionResultType]::ParameterName, 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mqadmin;benchmark;help' {
            [CompletionResult]::new('producer', 'producer', [CompletionResultType]::ParameterValue, 'Send as fast as THREADS concurrent senders can, printing TPS and latency every second')
            [CompletionResult]::new('consumer', 'consumer', [CompletionResultType]::ParameterValue, 'Pull every queue of a topic, printing TPS every second')
            [CompletionResult]::new('failover', 'failover', [CompletionResultType]::ParameterValue, 'Kill the leader of a fast-try DLedger group repeatedly while sending, and measure recovery')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mqadmin;benchmark;help;producer' {
            break
        }
        'mqadmin;benchmark;help;consumer' {
            break
        }
        'mqadmin;benchmark;help;failover' {
            break
        }
        'mqadmin;benchmark;help;help' {
            break
        }
        'mqadmin;dledger-status' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Only this cluster')
            [CompletionResult]::new('--clusterName', '--clusterName', [CompletionResultType]::ParameterName, 'Only this cluster')
            [CompletionResult]::new('-g', '-g', [CompletionResultType]::ParameterName, 'Only this broker group (brokerName)')
            [CompletionResult]::new('--group', '--group', [CompletionResultType]::ParameterName, 'Only this broker group (brokerName)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--namesrvAddr', '--namesrvAddr', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data written to stdout')
            [CompletionResult]::new('--access-key', '--access-key', [CompletionResultType]::ParameterName, 'ACL account: sign every request with this access key (brokers with aclEnable=true)')
            [CompletionResult]::new('--secret-key', '--secret-key', [CompletionResultType]::ParameterName, 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mqadmin;cluster-health' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Only this cluster')
            [CompletionResult]::new('--clusterName', '--clusterName', [CompletionResultType]::ParameterName, 'Only this cluster')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'Print a fresh verdict every SECONDS until interrupted (Ctrl-C)')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Check every second until healthy, for at most SECONDS')
            [CompletionResult]::new('--max-lag', '--max-lag', [CompletionResultType]::ParameterName, 'Entries a DLedger follower may lack before the group is unhealthy')
            [CompletionResult]::new('--max-lag-bytes', '--max-lag-bytes', [CompletionResultType]::ParameterName, 'Commitlog bytes a slave may lack before the group is unhealthy')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--namesrvAddr', '--namesrvAddr', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data written to stdout')
            [CompletionResult]::new('--access-key', '--access-key', [CompletionResultType]::ParameterName, 'ACL account: sign every request with this access key (brokers with aclEnable=true)')
            [CompletionResult]::new('--secret-key', '--secret-key', [CompletionResultType]::ParameterName, 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mqadmin;transfer-leader' {
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Broker group (brokerName)')
            [CompletionResult]::new('--brokerName', '--brokerName', [CompletionResultType]::ParameterName, 'Broker group (brokerName)')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'The member to lead (its dLegerSelfId, e.g. n1); default: the most up-to-date follower')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--namesrvAddr', '--namesrvAddr', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data written to stdout')
            [CompletionResult]::new('--access-key', '--access-key', [CompletionResultType]::ParameterName, 'ACL account: sign every request with this access key (brokers with aclEnable=true)')
            [CompletionResult]::new('--secret-key', '--secret-key', [CompletionResultType]::ParameterName, 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Only check: print the follower that would take over, move nothing')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mqadmin;help' {
            [CompletionResult]::new('clusterList', 'clusterList', [CompletionResultType]::ParameterValue, 'List clusters, broker groups and each broker''s runtime statistics')
            [CompletionResult]::new('updateTopic', 'updateTopic', [CompletionResultType]::ParameterValue, 'Create or update a topic on a broker or on every master of a cluster')
            [CompletionResult]::new('deleteTopic', 'deleteTopic', [CompletionResultType]::ParameterValue, 'Delete a topic from a cluster''s masters and from the name servers')
            [CompletionResult]::new('topicList', 'topicList', [CompletionResultType]::ParameterValue, 'List the topics the name server knows')
            [CompletionResult]::new('topicRoute', 'topicRoute', [CompletionResultType]::ParameterValue, 'Print a topic''s route (broker groups and queues)')
            [CompletionResult]::new('topicStatus', 'topicStatus', [CompletionResultType]::ParameterValue, 'Print the min and max offset of each queue of a topic')
            [CompletionResult]::new('brokerStatus', 'brokerStatus', [CompletionResultType]::ParameterValue, 'Print a broker''s runtime statistics')
            [CompletionResult]::new('getBrokerConfig', 'getBrokerConfig', [CompletionResultType]::ParameterValue, 'Print a broker''s effective configuration')
            [CompletionResult]::new('sendMessage', 'sendMessage', [CompletionResultType]::ParameterValue, 'Send one message')
            [CompletionResult]::new('consumeMessage', 'consumeMessage', [CompletionResultType]::ParameterValue, 'Read messages of a topic without committing offsets')
            [CompletionResult]::new('queryMsgById', 'queryMsgById', [CompletionResultType]::ParameterValue, 'Print the message an offset message id names')
            [CompletionResult]::new('queryMsgByKey', 'queryMsgByKey', [CompletionResultType]::ParameterValue, 'Print the messages of a topic that have a key (from the brokers'' key index)')
            [CompletionResult]::new('queryMsgByUniqueKey', 'queryMsgByUniqueKey', [CompletionResultType]::ParameterValue, 'Print the messages a client message id (UNIQ_KEY) names')
            [CompletionResult]::new('wipeWritePerm', 'wipeWritePerm', [CompletionResultType]::ParameterValue, 'Stop producers writing to a broker group (on every name server)')
            [CompletionResult]::new('addWritePerm', 'addWritePerm', [CompletionResultType]::ParameterValue, 'Let producers write to a broker group again (on every name server)')
            [CompletionResult]::new('resetOffsetByTime', 'resetOffsetByTime', [CompletionResultType]::ParameterValue, 'Move a group''s offsets on a topic to the first message at or after a time')
            [CompletionResult]::new('consumerProgress', 'consumerProgress', [CompletionResultType]::ParameterValue, 'Print a consumer group''s progress per queue, or every group''s summary')
            [CompletionResult]::new('consumerConnection', 'consumerConnection', [CompletionResultType]::ParameterValue, 'Print a consumer group''s live clients, subscriptions and consume mode')
            [CompletionResult]::new('consumerStatus', 'consumerStatus', [CompletionResultType]::ParameterValue, 'Save each client''s running info; check the group''s subscriptions and queues')
            [CompletionResult]::new('producerConnection', 'producerConnection', [CompletionResultType]::ParameterValue, 'Print a producer group''s live clients')
            [CompletionResult]::new('updateSubGroup', 'updateSubGroup', [CompletionResultType]::ParameterValue, 'Create or update a consumer group''s settings on a broker or a cluster')
            [CompletionResult]::new('deleteSubGroup', 'deleteSubGroup', [CompletionResultType]::ParameterValue, 'Delete a consumer group''s settings from a broker or a cluster')
            [CompletionResult]::new('verify-commitlog', 'verify-commitlog', [CompletionResultType]::ParameterValue, 'Check a master''s newest commitlog files against its slave before an upgrade')
            [CompletionResult]::new('gen-config', 'gen-config', [CompletionResultType]::ParameterValue, 'Write the broker configs of a DLedger group, from scratch or from a config')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script to stdout')
            [CompletionResult]::new('fast-try', 'fast-try', [CompletionResultType]::ParameterValue, 'Run a local name server and 3-node DLedger group (start|stop|status|...)')
            [CompletionResult]::new('upgrade-group', 'upgrade-group', [CompletionResultType]::ParameterValue, 'Migrate a local Master/Slave broker group to a three-node DLedger group')
            [CompletionResult]::new('shutdownBroker', 'shutdownBroker', [CompletionResultType]::ParameterValue, 'Stop the mqbroker of a config file (SIGTERM, then wait for its store lock)')
            [CompletionResult]::new('startBroker', 'startBroker', [CompletionResultType]::ParameterValue, 'Start mqbroker with a config file, detached (here or through its node agent)')
            [CompletionResult]::new('benchmark', 'benchmark', [CompletionResultType]::ParameterValue, 'Measure throughput, latency and failover time (producer|consumer|failover)')
            [CompletionResult]::new('dledger-status', 'dledger-status', [CompletionResultType]::ParameterValue, 'Print each node''s replication state (Raft role, term, indexes, lag)')
            [CompletionResult]::new('cluster-health', 'cluster-health', [CompletionResultType]::ParameterValue, 'Check one leader per group, followers keeping up, every node answering')
            [CompletionResult]::new('transfer-leader', 'transfer-leader', [CompletionResultType]::ParameterValue, 'Move a DLedger group''s leadership to another up-to-date member')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mqadmin;help;clusterList' {
            break
        }
        'mqadmin;help;updateTopic' {
            break
        }
        'mqadmin;help;deleteTopic' {
            break
        }
        'mqadmin;help;topicList' {
            break
        }
        'mqadmin;help;topicRoute' {
            break
        }
        'mqadmin;help;topicStatus' {
            break
        }
        'mqadmin;help;brokerStatus' {
            break
        }
        'mqadmin;help;getBrokerConfig' {
            break
        }
        'mqadmin;help;sendMessage' {
            break
        }
        'mqadmin;help;consumeMessage' {
            break
        }
        'mqadmin;help;queryMsgById' {
            break
        }
        'mqadmin;help;queryMsgByKey' {
            break
        }
        'mqadmin;help;queryMsgByUniqueKey' {
            break
        }
        'mqadmin;help;wipeWritePerm' {
            break
        }
        'mqadmin;help;addWritePerm' {
            break
        }
        'mqadmin;help;resetOffsetByTime' {
            break
        }
        'mqadmin;help;consumerProgress' {
            break
        }
        'mqadmin;help;consumerConnection' {
            break
        }
        'mqadmin;help;consumerStatus' {
            break
        }
        'mqadmin;help;producerConnection' {
            break
        }
        'mqadmin;help;updateSubGroup' {
            break
        }
        'mqadmin;help;deleteSubGroup' {
            break
        }
        'mqadmin;help;verify-commitlog' {
            break
        }
        'mqadmin;help;gen-config' {
            break
        }
        'mqadmin;help;completions' {
            break
        }
        'mqadmin;help;fast-try' {
            break
        }
        'mqadmin;help;upgrade-group' {
            break
        }
        'mqadmin;help;shutdownBroker' {
            break
        }
        'mqadmin;help;startBroker' {
            break
        }
        'mqadmin;help;benchmark' {
            [CompletionResult]::new('producer', 'producer', [CompletionResultType]::ParameterValue, 'Send as fast as THREADS concurrent senders can, printing TPS and latency every second')
            [CompletionResult]::new('consumer', 'consumer', [CompletionResultType]::ParameterValue, 'Pull every queue of a topic, printing TPS every second')
            [CompletionResult]::new('failover', 'failover', [CompletionResultType]::ParameterValue, 'Kill the leader of a fast-try DLedger group repeatedly while sending, and measure recovery')
            break
        }
        'mqadmin;help;benchmark;producer' {
            break
        }
        'mqadmin;help;benchmark;consumer' {
            break
        }
        'mqadmin;help;benchmark;failover' {
            break
        }
        'mqadmin;help;dledger-status' {
            break
        }
        'mqadmin;help;cluster-health' {
            break
        }
        'mqadmin;help;transfer-leader' {
            break
        }
        'mqadmin;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
