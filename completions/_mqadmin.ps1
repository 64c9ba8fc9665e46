
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
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('clusterList', 'clusterList', [CompletionResultType]::ParameterValue, 'List clusters, broker groups and each broker''s runtime statistics')
            [CompletionResult]::new('verify-commitlog', 'verify-commitlog', [CompletionResultType]::ParameterValue, 'Check that a master''s newest commitlog files are identical on its slave before an upgrade')
            [CompletionResult]::new('gen-config', 'gen-config', [CompletionResultType]::ParameterValue, 'Write the three broker configs of a DLedger group, from scratch or from a broker config')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script to stdout')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mqadmin;clusterList' {
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Repeat every SECONDS seconds until interrupted (Ctrl-C)')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Repeat every SECONDS seconds until interrupted (Ctrl-C)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Show only this cluster (an unknown name prints only the header)')
            [CompletionResult]::new('--clusterName', '--clusterName', [CompletionResultType]::ParameterName, 'Show only this cluster (an unknown name prints only the header)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Table layout to imitate: RocketMQ 4.x or 5.x `mqadmin`')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--namesrvAddr', '--namesrvAddr', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data written to stdout')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Print message totals for yesterday and today instead of TPS and load')
            [CompletionResult]::new('--moreStats', '--moreStats', [CompletionResultType]::ParameterName, 'Print message totals for yesterday and today instead of TPS and load')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mqadmin;verify-commitlog' {
            [CompletionResult]::new('--master', '--master', [CompletionResultType]::ParameterName, 'The master: a broker config file, or `dir:/path/to/commitlog`')
            [CompletionResult]::new('--slave', '--slave', [CompletionResultType]::ParameterName, 'The slave: a broker config file, or `dir:/path/to/commitlog`')
            [CompletionResult]::new('--third', '--third', [CompletionResultType]::ParameterName, 'A third node to compare with the master as well')
            [CompletionResult]::new('--last', '--last', [CompletionResultType]::ParameterName, 'How many of the master''s newest files to compare')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--namesrvAddr', '--namesrvAddr', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data written to stdout')
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
            [CompletionResult]::new('--peers', '--peers', [CompletionResultType]::ParameterName, 'The DLedger peers, `id-host:port;…` (e.g. `n0-127.0.0.1:40911;n1-127.0.0.1:40912;n2-127.0.0.1:40913`)')
            [CompletionResult]::new('--store-root', '--store-root', [CompletionResultType]::ParameterName, 'The directory holding every node''s store root (`<DIR>/node00`, …)')
            [CompletionResult]::new('--namesrv', '--namesrv', [CompletionResultType]::ParameterName, 'The name server addresses (namesrvAddr); with --from, overrides the source''s')
            [CompletionResult]::new('--listen-ports', '--listen-ports', [CompletionResultType]::ParameterName, 'Each node''s listenPort, comma-separated, one per peer [default: 30911,30921,30931,…]')
            [CompletionResult]::new('--out-dir', '--out-dir', [CompletionResultType]::ParameterName, 'Where to write broker-<id>.conf')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--namesrvAddr', '--namesrvAddr', [CompletionResultType]::ParameterName, 'Name server addresses, `;`-separated (e.g. `10.0.0.1:9876;10.0.0.2:9876`), tried in turn')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format for data written to stdout')
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
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Do not print warnings or progress to stderr (errors are still printed)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'mqadmin;help' {
            [CompletionResult]::new('clusterList', 'clusterList', [CompletionResultType]::ParameterValue, 'List clusters, broker groups and each broker''s runtime statistics')
            [CompletionResult]::new('verify-commitlog', 'verify-commitlog', [CompletionResultType]::ParameterValue, 'Check that a master''s newest commitlog files are identical on its slave before an upgrade')
            [CompletionResult]::new('gen-config', 'gen-config', [CompletionResultType]::ParameterValue, 'Write the three broker configs of a DLedger group, from scratch or from a broker config')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script to stdout')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mqadmin;help;clusterList' {
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
        'mqadmin;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
