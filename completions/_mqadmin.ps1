
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
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script to stdout')
            [CompletionResult]::new('fast-try', 'fast-try', [CompletionResultType]::ParameterValue, 'Run a name server and a 3-node DLedger group on this machine (start | stop | status)')
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
        'mqadmin;fast-try' {
            [CompletionResult]::new('--conf-dir', '--conf-dir', [CompletionResultType]::ParameterName, 'Directory with broker-n0.conf, broker-n1.conf and broker-n2.conf')
            [CompletionResult]::new('--store-root', '--store-root', [CompletionResultType]::ParameterName, 'Put the stores (node00..node02), logs and state under DIR instead of the configs'' paths')
            [CompletionResult]::new('--namesrv-port', '--namesrv-port', [CompletionResultType]::ParameterName, 'Name server port')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a leader (start) or for a graceful stop (stop)')
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
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script to stdout')
            [CompletionResult]::new('fast-try', 'fast-try', [CompletionResultType]::ParameterValue, 'Run a name server and a 3-node DLedger group on this machine (start | stop | status)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'mqadmin;help;clusterList' {
            break
        }
        'mqadmin;help;completions' {
            break
        }
        'mqadmin;help;fast-try' {
            break
        }
        'mqadmin;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
