//! Client ACL across an upgrade (issue 18): the new group must check clients exactly as the old
//! one did. Each node's config keeps `aclEnable` and `plainAclFile` through the rewrite, so this
//! part only has to make sure that every node agrees (one node without ACL would be an open door
//! into the group's data) and that each node has its plain_acl.yml: a new node (`--third`) whose
//! file is missing gets a copy of the master's in the configure step.
//!
//! Files of nodes behind an agent are read and written through the agent's `acl` endpoint (the
//! agent finds the file from the broker's config as the broker will, and writes only a file that
//! parses); local ones directly.

use std::path::PathBuf;

use broker::broker::acl::{plain, Acl};

use super::{Node, NodeRole, UpgradeError};
use crate::ops::node::AnyNode;

/// The ACL file `node` uses, when its config turns ACL on (for a node behind an agent the
/// agent resolves the path itself).
fn acl_file(node: &Node) -> Option<PathBuf> {
    node.config
        .acl_enable
        .then(|| node.config.plain_acl_path())
        .flatten()
}

/// The text of `node`'s ACL file, `None` when it has none; `Err` with a problem line when it
/// cannot be read.
fn acl_text(node: &Node) -> Result<Option<String>, String> {
    match &node.store {
        AnyNode::Remote(r) => r.read_acl().map_err(|e| format!("{}: {e}", node.self_id)),
        AnyNode::Local(_) => {
            let Some(path) = acl_file(node) else {
                return Err(format!(
                    "{}: aclEnable=true but no ACL file (set plainAclFile or rocketmqHome)",
                    node.self_id
                ));
            };
            match std::fs::read_to_string(&path) {
                Ok(text) => Ok(Some(text)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(format!("{}: cannot read `{}`: {e}", node.self_id, path.display())),
            }
        }
    }
}

/// The master's ACL text, when its config turns ACL on and the file is there.
fn master_text(nodes: &[Node]) -> Option<String> {
    nodes
        .first()
        .filter(|m| m.config.acl_enable)
        .and_then(|m| acl_text(m).ok().flatten())
}

/// Problems for the preflight step: nodes that disagree on `aclEnable`, and ACL files the
/// broker would refuse or that are missing (on a node that will not get the master's).
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
    let master = master_text(nodes);
    for n in on {
        let text = match acl_text(n) {
            Ok(Some(text)) => text,
            // A new node's missing file is copied from the master's in the configure step.
            Ok(None) if n.role == NodeRole::Third && master.is_some() => master.clone().unwrap_or_default(),
            Ok(None) => {
                let at = acl_file(n)
                    .filter(|_| !n.store.is_remote())
                    .map(|p| format!(" `{}`", p.display()))
                    .unwrap_or_default();
                problems.push(format!(
                    "{}: aclEnable=true but its ACL file{at} is missing; the broker would refuse \
                     to start",
                    n.self_id
                ));
                continue;
            }
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        let parsed = match (&n.store, acl_file(n)) {
            // A local file is checked as the broker loads it.
            (AnyNode::Local(_), Some(path)) if path.exists() => {
                Acl::load(&path).map(drop).map_err(|e| e.to_string())
            }
            _ => plain::parse(&text).map(drop).map_err(|e| e.to_string()),
        };
        if let Err(e) = parsed {
            problems.push(format!("{}: {e}", n.self_id));
        }
    }
    problems
}

/// Gives every new node that has no ACL file a copy of the master's (written directly on this
/// machine, through the agent otherwise); returns one line per copy.
///
/// # Errors
/// A copy that fails.
pub(super) fn copy_to_new_nodes(nodes: &[Node]) -> Result<Vec<String>, UpgradeError> {
    let Some(text) = master_text(nodes) else {
        return Ok(Vec::new());
    };
    let from = nodes[0].config_path.display().to_string();
    let mut done = Vec::new();
    for n in nodes
        .iter()
        .filter(|n| n.role == NodeRole::Third && n.config.acl_enable)
    {
        match &n.store {
            AnyNode::Remote(r) => {
                if r.read_acl()?.is_some() {
                    continue;
                }
                r.write_acl(&text)?;
                done.push(format!(
                    "copied the ACL file of {from} to {} through its agent",
                    n.config_path.display()
                ));
            }
            AnyNode::Local(_) => {
                let Some(path) = acl_file(n).filter(|p| !p.exists()) else {
                    continue;
                };
                let write = || -> std::io::Result<()> {
                    if let Some(dir) = path.parent() {
                        std::fs::create_dir_all(dir)?;
                    }
                    std::fs::write(&path, &text)
                };
                write().map_err(|e| {
                    UpgradeError::Refused(format!(
                        "cannot copy the ACL file of {from} to `{}`: {e}",
                        path.display()
                    ))
                })?;
                done.push(format!("copied the ACL file of {from} to {}", path.display()));
            }
        }
    }
    Ok(done)
}
