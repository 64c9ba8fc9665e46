
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
            cand -q 'Do not print warnings or progress to stderr (errors are still printed)'
            cand --quiet 'Do not print warnings or progress to stderr (errors are still printed)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand clusterList 'List clusters, broker groups and each broker''s runtime statistics'
            cand verify-commitlog 'Check that a master''s newest commitlog files are identical on its slave before an upgrade'
            cand gen-config 'Write the three broker configs of a DLedger group, from scratch or from a broker config'
            cand completions 'Print a shell completion script to stdout'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mqadmin;clusterList'= {
            cand -i 'Repeat every SECONDS seconds until interrupted (Ctrl-C)'
            cand --interval 'Repeat every SECONDS seconds until interrupted (Ctrl-C)'
            cand -c 'Show only this cluster (an unknown name prints only the header)'
            cand --clusterName 'Show only this cluster (an unknown name prints only the header)'
            cand --format 'Table layout to imitate: RocketMQ 4.x or 5.x `mqadmin`'
            cand -n 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --namesrvAddr 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --output 'Output format for data written to stdout'
            cand -m 'Print message totals for yesterday and today instead of TPS and load'
            cand --moreStats 'Print message totals for yesterday and today instead of TPS and load'
            cand -q 'Do not print warnings or progress to stderr (errors are still printed)'
            cand --quiet 'Do not print warnings or progress to stderr (errors are still printed)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mqadmin;verify-commitlog'= {
            cand --master 'The master: a broker config file, or `dir:/path/to/commitlog`'
            cand --slave 'The slave: a broker config file, or `dir:/path/to/commitlog`'
            cand --third 'A third node to compare with the master as well'
            cand --last 'How many of the master''s newest files to compare'
            cand -n 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --namesrvAddr 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --output 'Output format for data written to stdout'
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
            cand --peers 'The DLedger peers, `id-host:port;…` (e.g. `n0-127.0.0.1:40911;n1-127.0.0.1:40912;n2-127.0.0.1:40913`)'
            cand --store-root 'The directory holding every node''s store root (`<DIR>/node00`, …)'
            cand --namesrv 'The name server addresses (namesrvAddr); with --from, overrides the source''s'
            cand --listen-ports 'Each node''s listenPort, comma-separated, one per peer [default: 30911,30921,30931,…]'
            cand --out-dir 'Where to write broker-<id>.conf'
            cand -n 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --namesrvAddr 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --output 'Output format for data written to stdout'
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
            cand -q 'Do not print warnings or progress to stderr (errors are still printed)'
            cand --quiet 'Do not print warnings or progress to stderr (errors are still printed)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mqadmin;help'= {
            cand clusterList 'List clusters, broker groups and each broker''s runtime statistics'
            cand verify-commitlog 'Check that a master''s newest commitlog files are identical on its slave before an upgrade'
            cand gen-config 'Write the three broker configs of a DLedger group, from scratch or from a broker config'
            cand completions 'Print a shell completion script to stdout'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mqadmin;help;clusterList'= {
        }
        &'mqadmin;help;verify-commitlog'= {
        }
        &'mqadmin;help;gen-config'= {
        }
        &'mqadmin;help;completions'= {
        }
        &'mqadmin;help;help'= {
        }
    ]
    $completions[$command]
}
