
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
            cand completions 'Print a shell completion script to stdout'
            cand fast-try 'Run a name server and a 3-node DLedger group on this machine (start | stop | status)'
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
        &'mqadmin;completions'= {
            cand -n 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --namesrvAddr 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn'
            cand --output 'Output format for data written to stdout'
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
            cand -q 'Do not print warnings or progress to stderr (errors are still printed)'
            cand --quiet 'Do not print warnings or progress to stderr (errors are still printed)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'mqadmin;help'= {
            cand clusterList 'List clusters, broker groups and each broker''s runtime statistics'
            cand completions 'Print a shell completion script to stdout'
            cand fast-try 'Run a name server and a 3-node DLedger group on this machine (start | stop | status)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'mqadmin;help;clusterList'= {
        }
        &'mqadmin;help;completions'= {
        }
        &'mqadmin;help;fast-try'= {
        }
        &'mqadmin;help;help'= {
        }
    ]
    $completions[$command]
}
