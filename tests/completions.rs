//! The committed `completions/*` scripts must match what `mqadmin completions` generates.
//! `SNAPSHOTS=overwrite cargo test` rewrites them.

use std::path::PathBuf;

use clap_complete::Shell;
use mqadmin::commands::completions::{file_name, generate};

use crate::util::run;

const SHELLS: [Shell; 5] = [
    Shell::Bash,
    Shell::Zsh,
    Shell::Fish,
    Shell::Elvish,
    Shell::PowerShell,
];

fn committed(shell: Shell) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("completions")
        .join(file_name(shell))
}

#[test]
fn committed_completions_are_fresh() {
    let overwrite = std::env::var("SNAPSHOTS").is_ok_and(|v| v == "overwrite");
    let mut stale = Vec::new();
    for shell in SHELLS {
        let path = committed(shell);
        let fresh = generate(shell);
        if overwrite {
            std::fs::write(&path, &fresh).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        } else if std::fs::read(&path).ok().as_deref() != Some(fresh.as_slice()) {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "stale completion scripts {stale:?}; run `SNAPSHOTS=overwrite cargo test -p mqadmin completions`"
    );
}

#[test]
fn completions_subcommand_prints_script() {
    for (name, shell) in [("bash", Shell::Bash), ("zsh", Shell::Zsh), ("fish", Shell::Fish)] {
        let out = run(&["completions", name]);
        assert_eq!(out.code, Some(0), "{out:?}");
        assert_eq!(out.stdout.as_bytes(), generate(shell).as_slice(), "{name}");
        assert!(out.stdout.contains("clusterList"), "{name}");
    }
}
