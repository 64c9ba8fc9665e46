//! Path confinement: every path a request names is resolved against an area of a registered
//! broker and must stay under one of the agent's `--root` directories. A path is refused when it
//! is absolute, has a `..` component, or when its real location (the canonical path of the file,
//! or of its nearest existing ancestor for a file still to be created) is outside every root,
//! which is how a symlink pointing out of a root is caught. A dangling symlink is refused too,
//! since writing through it would create a file wherever it points.
//!
//! The check and the following open are two system calls, so a process that can already write
//! under a root could race a symlink in between; the agent guards against requests, not against
//! local users of the machine.

use std::path::{Component, Path, PathBuf};

/// Why a path was refused (answered 403 and logged).
#[derive(Debug, thiserror::Error)]
pub enum PathError {
    /// The request gave an absolute path.
    #[error("`{0}` is absolute; paths are relative to a store area")]
    Absolute(String),
    /// The path has a `..` (or other non-plain) component.
    #[error("`{0}` has a `..` component")]
    Parent(String),
    /// The real location is outside every root.
    #[error("`{}` is outside the agent's roots", .0.display())]
    Outside(PathBuf),
    /// The path is a symlink whose target does not exist.
    #[error("`{}` is a dangling symlink", .0.display())]
    Dangling(PathBuf),
    /// An empty path where a file is required.
    #[error("an empty path names the whole area; name a file or directory inside it")]
    Empty,
}

/// Checks that `rel` is a plain relative path (no root, no `..`).
///
/// # Errors
/// [`PathError::Absolute`], [`PathError::Parent`].
pub fn check_relative(rel: &str) -> Result<(), PathError> {
    let path = Path::new(rel);
    if path.is_absolute() {
        return Err(PathError::Absolute(rel.to_owned()));
    }
    for c in path.components() {
        match c {
            Component::Normal(_) | Component::CurDir => {}
            Component::ParentDir => return Err(PathError::Parent(rel.to_owned())),
            Component::RootDir | Component::Prefix(_) => return Err(PathError::Absolute(rel.to_owned())),
        }
    }
    Ok(())
}

/// Resolves `rel` under `base` and checks that the result is confined to `roots` (which must be
/// canonical). `allow_empty` lets an empty `rel` name `base` itself (listing an area).
///
/// # Errors
/// Any [`PathError`].
pub fn confine(roots: &[PathBuf], base: &Path, rel: &str, allow_empty: bool) -> Result<PathBuf, PathError> {
    check_relative(rel)?;
    if !allow_empty && Path::new(rel).components().all(|c| c == Component::CurDir) {
        return Err(PathError::Empty);
    }
    let full = if rel.is_empty() {
        base.to_path_buf()
    } else {
        base.join(rel)
    };
    check_under_roots(roots, &full)?;
    Ok(full)
}

/// Checks that the real location of an absolute path `full` is under one of `roots`.
///
/// # Errors
/// [`PathError::Parent`] if `full` has a `..` component (a config could name such a store root),
/// [`PathError::Dangling`], [`PathError::Outside`].
pub fn check_under_roots(roots: &[PathBuf], full: &Path) -> Result<(), PathError> {
    if full.components().any(|c| c == Component::ParentDir) || !full.is_absolute() {
        return Err(PathError::Parent(full.display().to_string()));
    }
    // The nearest ancestor that exists (as a file, a directory or a symlink).
    let mut existing = full.to_path_buf();
    while std::fs::symlink_metadata(&existing).is_err() {
        if !existing.pop() {
            return Err(PathError::Outside(full.to_path_buf()));
        }
    }
    let real = match std::fs::canonicalize(&existing) {
        Ok(real) => real,
        Err(_) => return Err(PathError::Dangling(existing)),
    };
    if roots.iter().any(|root| real.starts_with(root)) {
        Ok(())
    } else {
        Err(PathError::Outside(full.to_path_buf()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_relative_paths_only() {
        assert!(check_relative("commitlog/00000000000000000000").is_ok());
        assert!(check_relative("").is_ok());
        assert!(matches!(
            check_relative("/etc/passwd"),
            Err(PathError::Absolute(_))
        ));
        assert!(matches!(check_relative("a/../../b"), Err(PathError::Parent(_))));
    }

    #[test]
    fn symlinks_out_of_a_root_are_refused() {
        let root = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let root_path = std::fs::canonicalize(root.path()).unwrap();
        let roots = vec![root_path.clone()];
        std::os::unix::fs::symlink(outside.path(), root_path.join("escape")).unwrap();
        std::os::unix::fs::symlink("/nonexistent/x", root_path.join("dangling")).unwrap();
        assert!(confine(&roots, &root_path, "new/file", false).is_ok());
        assert!(matches!(
            confine(&roots, &root_path, "escape/file", false),
            Err(PathError::Outside(_))
        ));
        assert!(matches!(
            confine(&roots, &root_path, "dangling", false),
            Err(PathError::Dangling(_))
        ));
        assert!(matches!(
            confine(&roots, &root_path, "", false),
            Err(PathError::Empty)
        ));
        assert!(confine(&roots, &root_path, "", true).is_ok());
        assert!(matches!(
            confine(&roots, outside.path(), "x", false),
            Err(PathError::Outside(_))
        ));
    }
}
