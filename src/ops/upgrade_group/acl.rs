//! Client ACL across an upgrade (issue 18): the new group must check clients exactly as the old
//! one did. Each node's config keeps `aclEnable` and `plainAclFile` through the rewrite, so this
//! part only has to make sure that every node agrees (one node without ACL would be an open door
//! into the group's data) and that each node has its plain_acl.yml: a new node (`--third`) on this
//! machine whose file is missing gets a copy of the master's in the configure step.
//!
//! Nodes behind an agent are not read here (the agent serves stores, not arbitrary files): a
//! remote node without its file does not start (the broker fails closed) and says why.

use std::path::PathBuf;

use broker::broker::acl::Acl;

use super::{Node, NodeRole, UpgradeError};

/// The ACL file `node` uses, when its config turns ACL on.
fn acl_file(node: &Node) -> Option<PathBuf> {
    node.config
        .acl_enable
        .then(|| node.config.plain_acl_path())
        .flatten()
}

/// Problems for the preflight step: nodes that disagree on `aclEnable`, and local ACL files the
/// broker would refuse.
pub(super) fn preflight_problems(nodes: &[Node]) -> Vec<String> {
    let mut problems = Vec::new();
    let on: Vec<&Node> = nodes.iter().filter(|n| n.config.acl_enable).collect();
    if !on.is_empty() && on.len() != nodes.len() {
        problems.push(format!(
            "aclEnable differs between the configs ({}); every node of the new group must check \
             clients, or one of them would serve everyone",
            nodes
                .iter()
                .map(|n| format!("{}: {}", n.self_id, n.config.acl_enable))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let master_file = nodes.first().and_then(acl_file);
    for n in on.iter().filter(|n| !n.store.is_remote()) {
        let Some(path) = acl_file(n) else {
            problems.push(format!(
                "{}: aclEnable=true but no ACL file (set plainAclFile or rocketmqHome)",
                n.self_id
            ));
            continue;
        };
        // A new node's missing file is copied from the master's in the configure step.
        let copied = n.role == NodeRole::Third && !path.exists() && master_file.is_some();
        let check = if copied {
            master_file.clone().unwrap_or(path)
        } else {
            path
        };
        if let Err(e) = Acl::load(&check) {
            problems.push(format!("{}: {e}", n.self_id));
        }
    }
    problems
}

/// Copies the master's ACL file to every new node on this machine that has none; returns one
/// line per copy.
///
/// # Errors
/// A copy that fails.
pub(super) fn copy_to_new_nodes(nodes: &[Node]) -> Result<Vec<String>, UpgradeError> {
    let Some(master) = nodes.first().filter(|m| !m.store.is_remote()).and_then(acl_file) else {
        return Ok(Vec::new());
    };
    let mut done = Vec::new();
    for n in nodes
        .iter()
        .filter(|n| n.role == NodeRole::Third && !n.store.is_remote())
    {
        let Some(path) = acl_file(n).filter(|p| !p.exists()) else {
            continue;
        };
        let copy = || -> std::io::Result<()> {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::copy(&master, &path).map(|_| ())
        };
        copy().map_err(|e| {
            UpgradeError::Refused(format!(
                "cannot copy the ACL file `{}` to `{}`: {e}",
                master.display(),
                path.display()
            ))
        })?;
        done.push(format!("copied {} to {}", master.display(), path.display()));
    }
    Ok(done)
}
