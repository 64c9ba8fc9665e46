
use builtin;
use str;

set edit:completion:arg-completer[mqadmin] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'mqadmin'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'mqadmin'= {
            cand -n 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --namesrvAddr 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --output 'Output format for data written to stdout'
            cand --access-key 'ACL account: sign every request with this access key (brokers with aclEnable=true)'
            cand --secret-key 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)'
            cand -q 'Do not print warnings or progress to stderr (errors are still printed)'
            cand --quiet 'Do not print warnings or progress to stderr (errors are still printed)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand clusterList 'List clusters, broker groups and each broker''s runtime statistics'
            cand updateTopic 'Create or update a topic on a broker or on every master of a cluster'
            cand deleteTopic 'Delete a topic from a cluster''s masters and from the name servers'
            cand topicList 'List the topics the name server knows'
            cand topicRoute 'Print a topic''s route (broker groups and queues)'
            cand topicStatus 'Print the min and max offset of each queue of a topic'
            cand brokerStatus 'Print a broker''s runtime statistics'
            cand getBrokerConfig 'Print a broker''s effective configuration'
            cand sendMessage 'Send one message'
            cand consumeMessage 'Read messages of a topic without committing offsets'
            cand queryMsgById 'Print the message an offset message id names'
            cand queryMsgByKey 'Print the messages of a topic that have a key (from the brokers'' key index)'
            cand queryMsgByUniqueKey 'Print the messages a client message id (UNIQ_KEY) names'
            cand wipeWritePerm 'Stop producers writing to a broker group (on every name server)'
            cand addWritePerm 'Let producers write to a broker group again (on every name server)'
            cand resetOffsetByTime 'Move a group''s offsets on a topic to the first message at or after a time'
            cand consumerProgress 'Print a consumer group''s progress per queue, or every group''s summary'
            cand consumerConnection 'Print a consumer group''s live clients, subscriptions and consume mode'
            cand consumerStatus 'Save each client''s running info; check the group''s subscriptions and queues'
            cand producerConnection 'Print a producer group''s live clients'
            cand updateSubGroup 'Create or update a consumer group''s settings on a broker or a cluster'
            cand deleteSubGroup 'Delete a consumer group''s settings from a broker or a cluster'
            cand verify-commitlog 'Check a master''s newest commitlog files against its slave before an upgrade'
            cand gen-config 'Write the broker configs of a DLedger group, from scratch or from a config'
            cand completions 'Print a shell completion script to stdout'
            cand fast-try 'Run a local name server and 3-node DLedger group (start|stop|status|...)'
            cand upgrade-group 'Migrate a local Master/Slave broker group to a three-node DLedger group'
            cand shutdownBroker 'Stop the mqbroker of a config file (SIGTERM, then wait for its store lock)'
            cand startBroker 'Start mqbroker with a config file, detached (here or through its node agent)'
            cand benchmark 'Measure throughput, latency and failover time (producer|consumer|failover)'
            cand dledger-status 'Print each node''s replication state (Raft role, term, indexes, lag)'
            cand cluster-health 'Check one leader per group, followers keeping up, every node answering'
            cand transfer-leader 'Move a DLedger group''s leadership to another up-to-date member'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mqadmin;clusterList'= {
            cand -i 'Repeat every SECONDS seconds until interrupted (Ctrl-C)'
            cand --interval 'Repeat every SECONDS seconds until interrupted (Ctrl-C)'
            cand -c 'Show only this cluster (an unknown name prints only the header and exits 1)'
            cand --clusterName 'Show only this cluster (an unknown name prints only the header and exits 1)'
            cand --format 'Table layout to imitate: RocketMQ 4.x or 5.x `mqadmin`'
            cand -n 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --namesrvAddr 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --output 'Output format for data written to stdout'
            cand --access-key 'ACL account: sign every request with this access key (brokers with aclEnable=true)'
            cand --secret-key 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)'
            cand -m 'Print message totals for yesterday and today instead of TPS and load'
            cand --moreStats 'Print message totals for yesterday and today instead of TPS and load'
            cand -q 'Do not print warnings or progress to stderr (errors are still printed)'
            cand --quiet 'Do not print warnings or progress to stderr (errors are still printed)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mqadmin;updateTopic'= {
            cand -t 'Topic name'
            cand --topic 'Topic name'
            cand -b 'Create the topic on this broker address (IP:PORT, as Java''s updateTopic -b; sendMessage''s -b is a broker name, as Java''s)'
            cand --brokerAddr 'Create the topic on this broker address (IP:PORT, as Java''s updateTopic -b; sendMessage''s -b is a broker name, as Java''s)'
            cand -c 'Create the topic on every master of this cluster'
            cand --clusterName 'Create the topic on every master of this cluster'
            cand -r 'Read queues (1 to 1024)'
            cand --readQueueNums 'Read queues (1 to 1024)'
            cand -w 'Write queues (1 to 1024)'
            cand --writeQueueNums 'Write queues (1 to 1024)'
            cand -p 'Permission, as Java: 2 write, 4 read, 6 read and write (nothing else is accepted)'
            cand --perm 'Permission, as Java: 2 write, 4 read, 6 read and write (nothing else is accepted)'
            cand -o 'Whether the topic is ordered'
            cand --order 'Whether the topic is ordered'
            cand -n 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --namesrvAddr 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --output 'Output format for data written to stdout'
            cand --access-key 'ACL account: sign every request with this access key (brokers with aclEnable=true)'
            cand --secret-key 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)'
            cand -q 'Do not print warnings or progress to stderr (errors are still printed)'
            cand --quiet 'Do not print warnings or progress to stderr (errors are still printed)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mqadmin;deleteTopic'= {
            cand -t 'Topic name'
            cand --topic 'Topic name'
            cand -c 'Cluster whose masters drop the topic'
            cand --clusterName 'Cluster whose masters drop the topic'
            cand -n 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --namesrvAddr 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --output 'Output format for data written to stdout'
            cand --access-key 'ACL account: sign every request with this access key (brokers with aclEnable=true)'
            cand --secret-key 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)'
            cand -q 'Do not print warnings or progress to stderr (errors are still printed)'
            cand --quiet 'Do not print warnings or progress to stderr (errors are still printed)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mqadmin;topicList'= {
            cand -n 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --namesrvAddr 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --output 'Output format for data written to stdout'
            cand --access-key 'ACL account: sign every request with this access key (brokers with aclEnable=true)'
            cand --secret-key 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)'
            cand -c 'Also print each topic''s cluster (Java''s cluster model)'
            cand --clusterModel 'Also print each topic''s cluster (Java''s cluster model)'
            cand -q 'Do not print warnings or progress to stderr (errors are still printed)'
            cand --quiet 'Do not print warnings or progress to stderr (errors are still printed)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mqadmin;topicRoute'= {
            cand -t 'Topic name'
            cand --topic 'Topic name'
            cand -n 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --namesrvAddr 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --output 'Output format for data written to stdout'
            cand --access-key 'ACL account: sign every request with this access key (brokers with aclEnable=true)'
            cand --secret-key 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)'
            cand -q 'Do not print warnings or progress to stderr (errors are still printed)'
            cand --quiet 'Do not print warnings or progress to stderr (errors are still printed)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mqadmin;topicStatus'= {
            cand -t 'Topic name'
            cand --topic 'Topic name'
            cand -n 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --namesrvAddr 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --output 'Output format for data written to stdout'
            cand --access-key 'ACL account: sign every request with this access key (brokers with aclEnable=true)'
            cand --secret-key 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)'
            cand -q 'Do not print warnings or progress to stderr (errors are still printed)'
            cand --quiet 'Do not print warnings or progress to stderr (errors are still printed)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mqadmin;brokerStatus'= {
            cand -b 'Broker address'
            cand --brokerAddr 'Broker address'
            cand -c 'Every broker of this cluster'
            cand --clusterName 'Every broker of this cluster'
            cand -n 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --namesrvAddr 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --output 'Output format for data written to stdout'
            cand --access-key 'ACL account: sign every request with this access key (brokers with aclEnable=true)'
            cand --secret-key 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)'
            cand -q 'Do not print warnings or progress to stderr (errors are still printed)'
            cand --quiet 'Do not print warnings or progress to stderr (errors are still printed)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mqadmin;getBrokerConfig'= {
            cand -b 'Broker address'
            cand --brokerAddr 'Broker address'
            cand -c 'Every broker of this cluster'
            cand --clusterName 'Every broker of this cluster'
            cand -n 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --namesrvAddr 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --output 'Output format for data written to stdout'
            cand --access-key 'ACL account: sign every request with this access key (brokers with aclEnable=true)'
            cand --secret-key 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)'
            cand -q 'Do not print warnings or progress to stderr (errors are still printed)'
            cand --quiet 'Do not print warnings or progress to stderr (errors are still printed)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mqadmin;sendMessage'= {
            cand -t 'Topic name'
            cand --topic 'Topic name'
            cand -p 'Message body (UTF-8)'
            cand --body 'Message body (UTF-8)'
            cand -k 'Message keys (the KEYS property)'
            cand --keys 'Message keys (the KEYS property)'
            cand -c 'Message tag (the TAGS property)'
            cand --tags 'Message tag (the TAGS property)'
            cand -b 'Send to this broker group only: a broker name, as Java''s sendMessage -b (updateTopic''s -b is an address, as Java''s)'
            cand --broker 'Send to this broker group only: a broker name, as Java''s sendMessage -b (updateTopic''s -b is an address, as Java''s)'
            cand -i 'Send to this queue id only'
            cand --qid 'Send to this queue id only'
            cand -n 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --namesrvAddr 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --output 'Output format for data written to stdout'
            cand --access-key 'ACL account: sign every request with this access key (brokers with aclEnable=true)'
            cand --secret-key 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)'
            cand -q 'Do not print warnings or progress to stderr (errors are still printed)'
            cand --quiet 'Do not print warnings or progress to stderr (errors are still printed)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mqadmin;consumeMessage'= {
            cand -t 'Topic name'
            cand --topic 'Topic name'
            cand -b 'Read this broker group only: a broker name, as Java''s consumeMessage -b'
            cand --brokerName 'Read this broker group only: a broker name, as Java''s consumeMessage -b'
            cand -i 'Read this queue id only'
            cand --queueId 'Read this queue id only'
            cand -o 'Start at this offset in each queue (default: the queue''s min offset)'
            cand --offset 'Start at this offset in each queue (default: the queue''s min offset)'
            cand -c 'Stop after this many messages (at least 1)'
            cand --messageNumber 'Stop after this many messages (at least 1)'
            cand -s 'Tag expression, e.g. `TagA || TagB` (Java''s consumeMessage -s is a begin timestamp)'
            cand --subExpression 'Tag expression, e.g. `TagA || TagB` (Java''s consumeMessage -s is a begin timestamp)'
            cand -g 'Consumer group named in the pull requests (no offset is committed)'
            cand --consumerGroup 'Consumer group named in the pull requests (no offset is committed)'
            cand -n 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --namesrvAddr 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --output 'Output format for data written to stdout'
            cand --access-key 'ACL account: sign every request with this access key (brokers with aclEnable=true)'
            cand --secret-key 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)'
            cand -q 'Do not print warnings or progress to stderr (errors are still printed)'
            cand --quiet 'Do not print warnings or progress to stderr (errors are still printed)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mqadmin;queryMsgById'= {
            cand -i 'Offset message id (32 hex digits), as printed by consumeMessage and on sendMessage''s stderr (not the unique key sendMessage prints as #MsgId: the brokers cannot look keys up yet)'
            cand --msgId 'Offset message id (32 hex digits), as printed by consumeMessage and on sendMessage''s stderr (not the unique key sendMessage prints as #MsgId: the brokers cannot look keys up yet)'
            cand -d 'Write the body to DIR/<MSGID> instead of printing it (Java''s queryMsgById -d is a client id)'
            cand --bodyDir 'Write the body to DIR/<MSGID> instead of printing it (Java''s queryMsgById -d is a client id)'
            cand -n 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --namesrvAddr 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --output 'Output format for data written to stdout'
            cand --access-key 'ACL account: sign every request with this access key (brokers with aclEnable=true)'
            cand --secret-key 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)'
            cand -q 'Do not print warnings or progress to stderr (errors are still printed)'
            cand --quiet 'Do not print warnings or progress to stderr (errors are still printed)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mqadmin;queryMsgByKey'= {
            cand -t 'Topic name'
            cand --topic 'Topic name'
            cand -k 'Message key: one of the space-separated KEYS of a message'
            cand --msgKey 'Message key: one of the space-separated KEYS of a message'
            cand -n 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --namesrvAddr 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --output 'Output format for data written to stdout'
            cand --access-key 'ACL account: sign every request with this access key (brokers with aclEnable=true)'
            cand --secret-key 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)'
            cand -q 'Do not print warnings or progress to stderr (errors are still printed)'
            cand --quiet 'Do not print warnings or progress to stderr (errors are still printed)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mqadmin;queryMsgByUniqueKey'= {
            cand -i 'Client message id (UNIQ_KEY, 32 hex digits)'
            cand --msgId 'Client message id (UNIQ_KEY, 32 hex digits)'
            cand -t 'Topic of the message'
            cand --topic 'Topic of the message'
            cand -n 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --namesrvAddr 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --output 'Output format for data written to stdout'
            cand --access-key 'ACL account: sign every request with this access key (brokers with aclEnable=true)'
            cand --secret-key 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)'
            cand -q 'Do not print warnings or progress to stderr (errors are still printed)'
            cand --quiet 'Do not print warnings or progress to stderr (errors are still printed)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mqadmin;wipeWritePerm'= {
            cand -b 'Broker group name (brokerName)'
            cand --brokerName 'Broker group name (brokerName)'
            cand -n 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --namesrvAddr 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --output 'Output format for data written to stdout'
            cand --access-key 'ACL account: sign every request with this access key (brokers with aclEnable=true)'
            cand --secret-key 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)'
            cand -q 'Do not print warnings or progress to stderr (errors are still printed)'
            cand --quiet 'Do not print warnings or progress to stderr (errors are still printed)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mqadmin;addWritePerm'= {
            cand -b 'Broker group name (brokerName)'
            cand --brokerName 'Broker group name (brokerName)'
            cand -n 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --namesrvAddr 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --output 'Output format for data written to stdout'
            cand --access-key 'ACL account: sign every request with this access key (brokers with aclEnable=true)'
            cand --secret-key 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)'
            cand -q 'Do not print warnings or progress to stderr (errors are still printed)'
            cand --quiet 'Do not print warnings or progress to stderr (errors are still printed)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mqadmin;resetOffsetByTime'= {
            cand -g 'Consumer group'
            cand --group 'Consumer group'
            cand -t 'Topic'
            cand --topic 'Topic'
            cand -s 'now, milliseconds since the epoch, or yyyy-MM-dd#HH:mm:ss:SSS (local time)'
            cand --timestamp 'now, milliseconds since the epoch, or yyyy-MM-dd#HH:mm:ss:SSS (local time)'
            cand -f 'Also move offsets forward; false only rolls back [default: true]'
            cand --force 'Also move offsets forward; false only rolls back [default: true]'
            cand -n 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --namesrvAddr 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --output 'Output format for data written to stdout'
            cand --access-key 'ACL account: sign every request with this access key (brokers with aclEnable=true)'
            cand --secret-key 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)'
            cand -c 'The live consumers are C++ clients: the broker sends them their offset-table shape'
            cand --cplus 'The live consumers are C++ clients: the broker sends them their offset-table shape'
            cand -q 'Do not print warnings or progress to stderr (errors are still printed)'
            cand --quiet 'Do not print warnings or progress to stderr (errors are still printed)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mqadmin;consumerProgress'= {
            cand -g 'Consumer group; without it, one summary line per group'
            cand --groupName 'Consumer group; without it, one summary line per group'
            cand -s 'true: ask each live client which queues it holds and print a #Client IP column'
            cand --showClientIP 'true: ask each live client which queues it holds and print a #Client IP column'
            cand -n 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --namesrvAddr 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --output 'Output format for data written to stdout'
            cand --access-key 'ACL account: sign every request with this access key (brokers with aclEnable=true)'
            cand --secret-key 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)'
            cand -q 'Do not print warnings or progress to stderr (errors are still printed)'
            cand --quiet 'Do not print warnings or progress to stderr (errors are still printed)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mqadmin;consumerConnection'= {
            cand -g 'Consumer group'
            cand --consumerGroup 'Consumer group'
            cand -n 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --namesrvAddr 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --output 'Output format for data written to stdout'
            cand --access-key 'ACL account: sign every request with this access key (brokers with aclEnable=true)'
            cand --secret-key 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)'
            cand -q 'Do not print warnings or progress to stderr (errors are still printed)'
            cand --quiet 'Do not print warnings or progress to stderr (errors are still printed)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mqadmin;consumerStatus'= {
            cand -g 'Consumer group'
            cand --consumerGroup 'Consumer group'
            cand -i 'Print this client''s running info only (no files, no analysis)'
            cand --clientId 'Print this client''s running info only (no files, no analysis)'
            cand --status-dir 'Directory of the per-client files, written as DIR/<now in ms>/<client id>'
            cand -n 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --namesrvAddr 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --output 'Output format for data written to stdout'
            cand --access-key 'ACL account: sign every request with this access key (brokers with aclEnable=true)'
            cand --secret-key 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)'
            cand -s 'Ask the clients for a thread dump (jstack) and include it'
            cand --jstack 'Ask the clients for a thread dump (jstack) and include it'
            cand -q 'Do not print warnings or progress to stderr (errors are still printed)'
            cand --quiet 'Do not print warnings or progress to stderr (errors are still printed)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mqadmin;producerConnection'= {
            cand -g 'Producer group'
            cand --producerGroup 'Producer group'
            cand -t 'A topic the group sends to (its brokers are asked)'
            cand --topic 'A topic the group sends to (its brokers are asked)'
            cand -n 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --namesrvAddr 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --output 'Output format for data written to stdout'
            cand --access-key 'ACL account: sign every request with this access key (brokers with aclEnable=true)'
            cand --secret-key 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)'
            cand -q 'Do not print warnings or progress to stderr (errors are still printed)'
            cand --quiet 'Do not print warnings or progress to stderr (errors are still printed)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mqadmin;updateSubGroup'= {
            cand -b 'Broker address'
            cand --brokerAddr 'Broker address'
            cand -c 'Every master of this cluster'
            cand --clusterName 'Every master of this cluster'
            cand -g 'Consumer group'
            cand --groupName 'Consumer group'
            cand -s 'Whether the group may consume [default: true]'
            cand --consumeEnable 'Whether the group may consume [default: true]'
            cand -m 'Whether a new consumer starts from the queue''s min offset [default: false]'
            cand --consumeFromMinEnable 'Whether a new consumer starts from the queue''s min offset [default: false]'
            cand -d 'Whether broadcast consumption is allowed [default: false]'
            cand --consumeBroadcastEnable 'Whether broadcast consumption is allowed [default: false]'
            cand --retryQueueNums 'Queues of the group''s retry topic [default: 1]'
            cand -r 'Redeliveries before a message goes to the dead-letter topic [default: 16]'
            cand --retryMaxTimes 'Redeliveries before a message goes to the dead-letter topic [default: 16]'
            cand -i 'Broker id to consume from [default: 0]'
            cand --brokerId 'Broker id to consume from [default: 0]'
            cand -w 'Broker id to consume from when consumption is slow [default: 1]'
            cand --whichBrokerWhenConsumeSlowly 'Broker id to consume from when consumption is slow [default: 1]'
            cand -a 'Whether clients are told when the group''s members change [default: true]'
            cand --notifyConsumerIdsChanged 'Whether clients are told when the group''s members change [default: true]'
            cand -n 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --namesrvAddr 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --output 'Output format for data written to stdout'
            cand --access-key 'ACL account: sign every request with this access key (brokers with aclEnable=true)'
            cand --secret-key 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)'
            cand -q 'Do not print warnings or progress to stderr (errors are still printed)'
            cand --quiet 'Do not print warnings or progress to stderr (errors are still printed)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mqadmin;deleteSubGroup'= {
            cand -b 'Broker address'
            cand --brokerAddr 'Broker address'
            cand -c 'Every master of this cluster (then the group''s %RETRY% and %DLQ% topics are deleted too)'
            cand --clusterName 'Every master of this cluster (then the group''s %RETRY% and %DLQ% topics are deleted too)'
            cand -g 'Consumer group'
            cand --groupName 'Consumer group'
            cand -r 'Also remove the group''s committed offsets [default: false]'
            cand --removeOffset 'Also remove the group''s committed offsets [default: false]'
            cand -n 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --namesrvAddr 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --output 'Output format for data written to stdout'
            cand --access-key 'ACL account: sign every request with this access key (brokers with aclEnable=true)'
            cand --secret-key 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)'
            cand -q 'Do not print warnings or progress to stderr (errors are still printed)'
            cand --quiet 'Do not print warnings or progress to stderr (errors are still printed)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mqadmin;verify-commitlog'= {
            cand --master 'The master: a broker config file, `dir:/path/to/commitlog` or `agent://HOST:PORT/BROKER`'
            cand --slave 'The slave: a broker config file, `dir:/path/to/commitlog` or `agent://HOST:PORT/BROKER`'
            cand --third 'A third node to compare with the master as well'
            cand --last 'How many of the master''s newest files to compare'
            cand --token-file 'File holding the node agents'' token [default: $MQADMIN_AGENT_TOKEN, as mqagent''s]'
            cand --agent-ca 'Reach agents over TLS; their certificates must chain to this CA (PEM) and name the host'
            cand --agent-fingerprint 'Reach agents over TLS; accept a certificate whose SHA-256 is HEX (repeatable)'
            cand -n 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --namesrvAddr 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --output 'Output format for data written to stdout'
            cand --access-key 'ACL account: sign every request with this access key (brokers with aclEnable=true)'
            cand --secret-key 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)'
            cand --allow-running 'Read stores whose broker is still running (the newest file may change while it is read)'
            cand -q 'Do not print warnings or progress to stderr (errors are still printed)'
            cand --quiet 'Do not print warnings or progress to stderr (errors are still printed)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mqadmin;gen-config'= {
            cand --from 'Derive the configs from this Master/Slave broker config (keeps its other keys)'
            cand --cluster 'The cluster name (brokerClusterName); with --from, overrides the source''s'
            cand --group 'The broker group name (brokerName and dLegerGroup); with --from, overrides the source''s'
            cand --peers 'The DLedger peers, `id-host:port;…` (e.g. `n0-127.0.0.1:40911;n1-127.0.0.1:40912;…`)'
            cand --store-root 'The directory holding every node''s store root (`<DIR>/node00`, …)'
            cand --namesrv 'The name servers (namesrvAddr); with --from, overrides the source''s [default: -n]'
            cand --listen-ports 'Each node''s listenPort, comma-separated, one per peer [default: 30911,30921,30931,…]'
            cand --out-dir 'Where to write broker-<id>.conf'
            cand --peer-token-file 'Name this DLedger peer token file in every config (dLegerPeerTokenFile); created (mode 0600, a random token) if missing. Copy it to every node''s host'
            cand -n 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --namesrvAddr 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --output 'Output format for data written to stdout'
            cand --access-key 'ACL account: sign every request with this access key (brokers with aclEnable=true)'
            cand --secret-key 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)'
            cand --dry-run 'Print the files to stdout instead of writing them'
            cand --force 'Overwrite existing files'
            cand -q 'Do not print warnings or progress to stderr (errors are still printed)'
            cand --quiet 'Do not print warnings or progress to stderr (errors are still printed)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mqadmin;completions'= {
            cand -n 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --namesrvAddr 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --output 'Output format for data written to stdout'
            cand --access-key 'ACL account: sign every request with this access key (brokers with aclEnable=true)'
            cand --secret-key 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)'
            cand -q 'Do not print warnings or progress to stderr (errors are still printed)'
            cand --quiet 'Do not print warnings or progress to stderr (errors are still printed)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mqadmin;fast-try'= {
            cand --conf-dir 'Directory with broker-n0.conf, broker-n1.conf and broker-n2.conf'
            cand --store-root 'Put the stores (node00..node02), logs and state under DIR instead of the configs'' paths'
            cand --namesrv-port 'Name server port'
            cand --timeout 'Seconds to wait for a leader (start) or for a graceful stop (stop)'
            cand -n 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --namesrvAddr 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --output 'Output format for data written to stdout'
            cand --access-key 'ACL account: sign every request with this access key (brokers with aclEnable=true)'
            cand --secret-key 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)'
            cand -q 'Do not print warnings or progress to stderr (errors are still printed)'
            cand --quiet 'Do not print warnings or progress to stderr (errors are still printed)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mqadmin;upgrade-group'= {
            cand --master 'The master''s broker config, or `agent://HOST:PORT/BROKER`'
            cand --slave 'The slave''s broker config (without one, pass --third twice: both are seeded from the master)'
            cand --third 'A new node''s broker config (its store root must hold no commitlog)'
            cand --peers 'The DLedger peers, `n0-host:port;n1-host:port;n2-host:port` [default: listenPort + 10000]'
            cand --state 'The state file [default: <store root of the last --third>/upgrade-group.json]'
            cand --last 'How many of the master''s newest commitlog files are compared with the slave'
            cand --throttle 'Limit the copy to this many MB/s (a positive number)'
            cand --timeout 'Seconds to wait for a broker to stop, and for the new group to elect a leader'
            cand --token-file 'File holding the node agents'' token [default: $MQADMIN_AGENT_TOKEN, as mqagent''s]'
            cand --agent-ca 'Reach agents over TLS; their certificates must chain to this CA (PEM) and name the host'
            cand --agent-fingerprint 'Reach agents over TLS; accept a certificate whose SHA-256 is HEX (repeatable)'
            cand -n 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --namesrvAddr 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --output 'Output format for data written to stdout'
            cand --access-key 'ACL account: sign every request with this access key (brokers with aclEnable=true)'
            cand --secret-key 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)'
            cand --dry-run 'Print the plan and change nothing'
            cand -y 'Do not ask for confirmation (required when stdin is not a terminal)'
            cand --yes 'Do not ask for confirmation (required when stdin is not a terminal)'
            cand --resume 'Continue an interrupted run from its state file'
            cand --rollback 'Undo an upgrade that has not accepted a write yet, and restart the old pair'
            cand --align 'Allow overwriting a divergent slave''s commitlog files from the master'
            cand -q 'Do not print warnings or progress to stderr (errors are still printed)'
            cand --quiet 'Do not print warnings or progress to stderr (errors are still printed)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mqadmin;shutdownBroker'= {
            cand -c 'The broker''s config file (as passed to `mqbroker -c`), or `agent://HOST:PORT/BROKER`'
            cand --configFile 'The broker''s config file (as passed to `mqbroker -c`), or `agent://HOST:PORT/BROKER`'
            cand --timeout 'Seconds to wait for the broker to exit after SIGTERM (an agent then sends SIGKILL)'
            cand --token-file 'File holding the node agents'' token [default: $MQADMIN_AGENT_TOKEN, as mqagent''s]'
            cand --agent-ca 'Reach agents over TLS; their certificates must chain to this CA (PEM) and name the host'
            cand --agent-fingerprint 'Reach agents over TLS; accept a certificate whose SHA-256 is HEX (repeatable)'
            cand -n 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --namesrvAddr 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --output 'Output format for data written to stdout'
            cand --access-key 'ACL account: sign every request with this access key (brokers with aclEnable=true)'
            cand --secret-key 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)'
            cand -q 'Do not print warnings or progress to stderr (errors are still printed)'
            cand --quiet 'Do not print warnings or progress to stderr (errors are still printed)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mqadmin;startBroker'= {
            cand -c 'The broker''s config file (as passed to `mqbroker -c`), or `agent://HOST:PORT/BROKER`'
            cand --configFile 'The broker''s config file (as passed to `mqbroker -c`), or `agent://HOST:PORT/BROKER`'
            cand --timeout 'Seconds to wait for the broker to exit after SIGTERM (an agent then sends SIGKILL)'
            cand --token-file 'File holding the node agents'' token [default: $MQADMIN_AGENT_TOKEN, as mqagent''s]'
            cand --agent-ca 'Reach agents over TLS; their certificates must chain to this CA (PEM) and name the host'
            cand --agent-fingerprint 'Reach agents over TLS; accept a certificate whose SHA-256 is HEX (repeatable)'
            cand -n 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --namesrvAddr 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --output 'Output format for data written to stdout'
            cand --access-key 'ACL account: sign every request with this access key (brokers with aclEnable=true)'
            cand --secret-key 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)'
            cand -q 'Do not print warnings or progress to stderr (errors are still printed)'
            cand --quiet 'Do not print warnings or progress to stderr (errors are still printed)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mqadmin;benchmark'= {
            cand -n 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --namesrvAddr 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --output 'Output format for data written to stdout'
            cand --access-key 'ACL account: sign every request with this access key (brokers with aclEnable=true)'
            cand --secret-key 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)'
            cand -q 'Do not print warnings or progress to stderr (errors are still printed)'
            cand --quiet 'Do not print warnings or progress to stderr (errors are still printed)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand producer 'Send as fast as THREADS concurrent senders can, printing TPS and latency every second'
            cand consumer 'Pull every queue of a topic, printing TPS every second'
            cand failover 'Kill the leader of a fast-try DLedger group repeatedly while sending, and measure recovery'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mqadmin;benchmark;producer'= {
            cand -t 'Topic (created by the broker on first send when autoCreateTopicEnable is on)'
            cand --topic 'Topic (created by the broker on first send when autoCreateTopicEnable is on)'
            cand -w 'Concurrent senders'
            cand --threads 'Concurrent senders'
            cand -s 'Body size in bytes'
            cand --size 'Body size in bytes'
            cand --duration 'Run for this many seconds [default: 60 unless --count]'
            cand --count 'Stop after this many messages'
            cand --batch 'Send K messages per SEND_BATCH_MESSAGE request'
            cand -n 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --namesrvAddr 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --output 'Output format for data written to stdout'
            cand --access-key 'ACL account: sign every request with this access key (brokers with aclEnable=true)'
            cand --secret-key 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)'
            cand --keys 'Set a KEYS property on every message'
            cand -q 'Do not print warnings or progress to stderr (errors are still printed)'
            cand --quiet 'Do not print warnings or progress to stderr (errors are still printed)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mqadmin;benchmark;consumer'= {
            cand -t 'Topic'
            cand --topic 'Topic'
            cand -g 'Consumer group named in the pulls (more groups: GROUP-1, GROUP-2, ...)'
            cand --group 'Consumer group named in the pulls (more groups: GROUP-1, GROUP-2, ...)'
            cand --duration 'Run for this many seconds'
            cand --groups 'Consumer groups, each reading every queue'
            cand --commit-interval-ms 'Commit each group''s offsets (oneway, as Java clients) every MS milliseconds; by default nothing is committed'
            cand -n 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --namesrvAddr 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --output 'Output format for data written to stdout'
            cand --access-key 'ACL account: sign every request with this access key (brokers with aclEnable=true)'
            cand --secret-key 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)'
            cand --from-start 'Start at each queue''s min offset instead of its max offset'
            cand -q 'Do not print warnings or progress to stderr (errors are still printed)'
            cand --quiet 'Do not print warnings or progress to stderr (errors are still printed)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mqadmin;benchmark;failover'= {
            cand --rounds 'Kill/restart rounds'
            cand --store-root 'Store root of the fast-try group (where fast-try.json is)'
            cand -t 'Topic written during the drill'
            cand --topic 'Topic written during the drill'
            cand -w 'Concurrent senders during the drill'
            cand --threads 'Concurrent senders during the drill'
            cand --timeout 'Seconds to wait for a new leader or a rejoin before giving up'
            cand --mode 'The fault of each round'
            cand --stall-ms 'How long --mode stall-follower keeps the follower stopped, in ms'
            cand --soak-secs 'How long --mode soak sends, in seconds'
            cand -n 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --namesrvAddr 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --output 'Output format for data written to stdout'
            cand --access-key 'ACL account: sign every request with this access key (brokers with aclEnable=true)'
            cand --secret-key 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)'
            cand -q 'Do not print warnings or progress to stderr (errors are still printed)'
            cand --quiet 'Do not print warnings or progress to stderr (errors are still printed)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mqadmin;benchmark;help'= {
            cand producer 'Send as fast as THREADS concurrent senders can, printing TPS and latency every second'
            cand consumer 'Pull every queue of a topic, printing TPS every second'
            cand failover 'Kill the leader of a fast-try DLedger group repeatedly while sending, and measure recovery'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mqadmin;benchmark;help;producer'= {
        }
        &'mqadmin;benchmark;help;consumer'= {
        }
        &'mqadmin;benchmark;help;failover'= {
        }
        &'mqadmin;benchmark;help;help'= {
        }
        &'mqadmin;dledger-status'= {
            cand -c 'Only this cluster'
            cand --clusterName 'Only this cluster'
            cand -g 'Only this broker group (brokerName)'
            cand --group 'Only this broker group (brokerName)'
            cand -n 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --namesrvAddr 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --output 'Output format for data written to stdout'
            cand --access-key 'ACL account: sign every request with this access key (brokers with aclEnable=true)'
            cand --secret-key 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)'
            cand -q 'Do not print warnings or progress to stderr (errors are still printed)'
            cand --quiet 'Do not print warnings or progress to stderr (errors are still printed)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mqadmin;cluster-health'= {
            cand -c 'Only this cluster'
            cand --clusterName 'Only this cluster'
            cand --watch 'Print a fresh verdict every SECONDS until interrupted (Ctrl-C)'
            cand --wait 'Check every second until healthy, for at most SECONDS'
            cand --max-lag 'Entries a DLedger follower may lack before the group is unhealthy'
            cand --max-lag-bytes 'Commitlog bytes a slave may lack before the group is unhealthy'
            cand -n 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --namesrvAddr 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --output 'Output format for data written to stdout'
            cand --access-key 'ACL account: sign every request with this access key (brokers with aclEnable=true)'
            cand --secret-key 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)'
            cand -q 'Do not print warnings or progress to stderr (errors are still printed)'
            cand --quiet 'Do not print warnings or progress to stderr (errors are still printed)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mqadmin;transfer-leader'= {
            cand -b 'Broker group (brokerName)'
            cand --brokerName 'Broker group (brokerName)'
            cand --to 'The member to lead (its dLegerSelfId, e.g. n1); default: the most up-to-date follower'
            cand -n 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --namesrvAddr 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --output 'Output format for data written to stdout'
            cand --access-key 'ACL account: sign every request with this access key (brokers with aclEnable=true)'
            cand --secret-key 'The ACL account''s secret key (prefer the environment: a flag shows in `ps`)'
            cand --dry-run 'Only check: print the follower that would take over, move nothing'
            cand -q 'Do not print warnings or progress to stderr (errors are still printed)'
            cand --quiet 'Do not print warnings or progress to stderr (errors are still printed)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mqadmin;help'= {
            cand clusterList 'List clusters, broker groups and each broker''s runtime statistics'
            cand updateTopic 'Create or update a topic on a broker or on every master of a cluster'
            cand deleteTopic 'Delete a topic from a cluster''s masters and from the name servers'
            cand topicList 'List the topics the name server knows'
            cand topicRoute 'Print a topic''s route (broker groups and queues)'
            cand topicStatus 'Print the min and max offset of each queue of a topic'
            cand brokerStatus 'Print a broker''s runtime statistics'
            cand getBrokerConfig 'Print a broker''s effective configuration'
            cand sendMessage 'Send one message'
            cand consumeMessage 'Read messages of a topic without committing offsets'
            cand queryMsgById 'Print the message an offset message id names'
            cand queryMsgByKey 'Print the messages of a topic that have a key (from the brokers'' key index)'
            cand queryMsgByUniqueKey 'Print the messages a client message id (UNIQ_KEY) names'
            cand wipeWritePerm 'Stop producers writing to a broker group (on every name server)'
            cand addWritePerm 'Let producers write to a broker group again (on every name server)'
            cand resetOffsetByTime 'Move a group''s offsets on a topic to the first message at or after a time'
            cand consumerProgress 'Print a consumer group''s progress per queue, or every group''s summary'
            cand consumerConnection 'Print a consumer group''s live clients, subscriptions and consume mode'
            cand consumerStatus 'Save each client''s running info; check the group''s subscriptions and queues'
            cand producerConnection 'Print a producer group''s live clients'
            cand updateSubGroup 'Create or update a consumer group''s settings on a broker or a cluster'
            cand deleteSubGroup 'Delete a consumer group''s settings from a broker or a cluster'
            cand verify-commitlog 'Check a master''s newest commitlog files against its slave before an upgrade'
            cand gen-config 'Write the broker configs of a DLedger group, from scratch or from a config'
            cand completions 'Print a shell completion script to stdout'
            cand fast-try 'Run a local name server and 3-node DLedger group (start|stop|status|...)'
            cand upgrade-group 'Migrate a local Master/Slave broker group to a three-node DLedger group'
            cand shutdownBroker 'Stop the mqbroker of a config file (SIGTERM, then wait for its store lock)'
            cand startBroker 'Start mqbroker with a config file, detached (here or through its node agent)'
            cand benchmark 'Measure throughput, latency and failover time (producer|consumer|failover)'
            cand dledger-status 'Print each node''s replication state (Raft role, term, indexes, lag)'
            cand cluster-health 'Check one leader per group, followers keeping up, every node answering'
            cand transfer-leader 'Move a DLedger group''s leadership to another up-to-date member'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mqadmin;help;clusterList'= {
        }
        &'mqadmin;help;updateTopic'= {
        }
        &'mqadmin;help;deleteTopic'= {
        }
        &'mqadmin;help;topicList'= {
        }
        &'mqadmin;help;topicRoute'= {
        }
        &'mqadmin;help;topicStatus'= {
        }
        &'mqadmin;help;brokerStatus'= {
        }
        &'mqadmin;help;getBrokerConfig'= {
        }
        &'mqadmin;help;sendMessage'= {
        }
        &'mqadmin;help;consumeMessage'= {
        }
        &'mqadmin;help;queryMsgById'= {
        }
        &'mqadmin;help;queryMsgByKey'= {
        }
        &'mqadmin;help;queryMsgByUniqueKey'= {
        }
        &'mqadmin;help;wipeWritePerm'= {
        }
        &'mqadmin;help;addWritePerm'= {
        }
        &'mqadmin;help;resetOffsetByTime'= {
        }
        &'mqadmin;help;consumerProgress'= {
        }
        &'mqadmin;help;consumerConnection'= {
        }
        &'mqadmin;help;consumerStatus'= {
        }
        &'mqadmin;help;producerConnection'= {
        }
        &'mqadmin;help;updateSubGroup'= {
        }
        &'mqadmin;help;deleteSubGroup'= {
        }
        &'mqadmin;help;verify-commitlog'= {
        }
        &'mqadmin;help;gen-config'= {
        }
        &'mqadmin;help;completions'= {
        }
        &'mqadmin;help;fast-try'= {
        }
        &'mqadmin;help;upgrade-group'= {
        }
        &'mqadmin;help;shutdownBroker'= {
        }
        &'mqadmin;help;startBroker'= {
        }
        &'mqadmin;help;benchmark'= {
            cand producer 'Send as fast as THREADS concurrent senders can, printing TPS and latency every second'
            cand consumer 'Pull every queue of a topic, printing TPS every second'
            cand failover 'Kill the leader of a fast-try DLedger group repeatedly while sending, and measure recovery'
        }
        &'mqadmin;help;benchmark;producer'= {
        }
        &'mqadmin;help;benchmark;consumer'= {
        }
        &'mqadmin;help;benchmark;failover'= {
        }
        &'mqadmin;help;dledger-status'= {
        }
        &'mqadmin;help;cluster-health'= {
        }
        &'mqadmin;help;transfer-leader'= {
        }
        &'mqadmin;help;help'= {
        }
    ]
    $completions[$command]
}
