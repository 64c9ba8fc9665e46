//! Replacing a file so that a crash or a power loss leaves either the old version or the new
//! one, never a torn file and never an empty one.
//!
//! Every place that rewrites a file in place (the broker's `config/*.json`, the DLedger metadata
//! files, the upgrade state file that `upgrade-group --resume` relies on, a node's broker config
//! written by `upgrade-group` or the node agent) goes through [`write_atomic`]: write
//! `<file>.tmp`, fsync it, rename it over `<file>`, fsync the directory. Without the two fsyncs
//! the rename can reach the disk before the data (an empty file after a power loss), or not at
//! all (the old version comes back).

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Suffix of the temporary file written beside the target.
pub const TMP_SUFFIX: &str = ".tmp";

/// One step of a file replacement failed.
#[derive(Debug, thiserror::Error)]
#[error("cannot {action} `{}`: {source}", path.display())]
pub struct WriteError {
    /// The step: `create`, `write`, `fsync`, `rename`, `fsync directory`, ...
    pub action: &'static str,
    /// The file or directory that step worked on.
    pub path: PathBuf,
    /// The operating system's error.
    #[source]
    pub source: std::io::Error,
}

impl WriteError {
    fn at<'p>(action: &'static str, path: &'p Path) -> impl FnOnce(std::io::Error) -> Self + 'p {
        move |source| Self {
            action,
            path: path.to_path_buf(),
            source,
        }
    }
}

/// How a replacement is made durable, beyond the default of [`write_atomic`].
#[derive(Debug, Clone, Copy)]
pub struct Options<'a> {
    /// Move the current file to `<file><suffix>` before the new one takes its place (Java's
    /// `.bak` for the broker's config files). Default: none.
    pub backup_suffix: Option<&'a str>,
    /// Create the parent directory when it is missing. Default: false.
    pub create_dir: bool,
    /// fsync the directory after the rename, so that the rename itself survives a power loss.
    /// Only a file that is rewritten often and may come back one version older (a checkpoint
    /// that recovery re-derives) turns this off. Default: true.
    pub sync_dir: bool,
}

impl Default for Options<'_> {
    fn default() -> Self {
        Self {
            backup_suffix: None,
            create_dir: false,
            sync_dir: true,
        }
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Replaces `path` with `bytes`: `<path>.tmp` written and fsynced, renamed over `path`, the
/// directory fsynced. The directory must exist.
///
/// # Errors
/// The step that failed, with its path.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    write_atomic_with(path, bytes, Options::default())
}

/// [`write_atomic`] with [`Options`].
///
/// # Errors
/// The step that failed, with its path.
pub fn write_atomic_with(path: &Path, bytes: &[u8], options: Options<'_>) -> Result<(), WriteError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if options.create_dir {
        std::fs::create_dir_all(dir).map_err(WriteError::at("create directory", dir))?;
    }
    let tmp = with_suffix(path, TMP_SUFFIX);
    {
        let mut f = File::create(&tmp).map_err(WriteError::at("create", &tmp))?;
        f.write_all(bytes).map_err(WriteError::at("write", &tmp))?;
        f.sync_all().map_err(WriteError::at("fsync", &tmp))?;
    }
    if let Some(suffix) = options.backup_suffix {
        if path.exists() {
            let bak = with_suffix(path, suffix);
            std::fs::rename(path, &bak).map_err(WriteError::at("rename to backup", path))?;
        }
    }
    std::fs::rename(&tmp, path).map_err(WriteError::at("rename", &tmp))?;
    if options.sync_dir {
        sync_dir(dir)?;
    }
    Ok(())
}

/// fsyncs a directory, so that entries created, renamed or removed in it are durable.
///
/// # Errors
/// The open or the fsync failed.
pub fn sync_dir(dir: &Path) -> Result<(), WriteError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(WriteError::at("fsync directory", dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_keeps_a_backup_and_leaves_no_tmp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("f.json");
        let opts = Options {
            backup_suffix: Some(".bak"),
            create_dir: true,
            ..Options::default()
        };
        write_atomic_with(&path, b"one", opts).unwrap();
        write_atomic_with(&path, b"two", opts).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert_eq!(std::fs::read(with_suffix(&path, ".bak")).unwrap(), b"one");
        assert!(!with_suffix(&path, TMP_SUFFIX).exists());
    }

    #[test]
    fn a_missing_directory_names_the_step_and_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing").join("f");
        let e = write_atomic(&path, b"x").unwrap_err();
        assert_eq!(e.action, "create");
        assert_eq!(e.path, with_suffix(&path, TMP_SUFFIX));
        assert!(!path.exists());
    }
}
