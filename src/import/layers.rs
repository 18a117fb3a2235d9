//! The layer each step acts on, read from the builtins it calls: a step
//! whose changes all fall on one layer of the builtin table
//! ([`Builtin::layer`](crate::resolve::builtins::Builtin::layer)) gets
//! `layer L`; a step that changes several layers, or none the table names,
//! gets none. The draft then declares the builtin table's layer order.
//!
//! Gates get none: a gate's layer is the layer whose readiness it proves,
//! which what it calls does not tell (a gate that reboots a VM after a
//! drain proves the node, not the VM), and a wrong one would make the
//! ordering rule (RBK204) fault the steps before it.
use std::collections::{BTreeMap, BTreeSet};

use super::emit::{Draft, Item, NodeKind};
use crate::check::walk::Index;
use crate::diagnostic::SourceFile;

/// Give each step of the draft the one layer its changes fall on.
pub fn infer(draft: &mut Draft) {
    let text = draft.text();
    let Ok(file) = crate::syntax::parse(&SourceFile::new("draft.rbk", text.as_str())) else {
        return;
    };
    let Some(p) = file.procedure() else { return };
    let mut acting: BTreeMap<String, BTreeSet<&'static str>> = BTreeMap::new();
    Index::of(p).calls(&mut |c| {
        // A change, as RBK204 counts it: a call that mutates, on its layer.
        if let Some(b) = c.builtin.filter(|b| b.effect_of(c.args).mutates()) {
            if let Some(layer) = b.layer {
                acting
                    .entry(c.node.name.name.clone())
                    .or_default()
                    .insert(layer);
            }
        }
    });
    for item in &mut draft.items {
        if let Item::Node(n) = item {
            if n.kind != NodeKind::Step {
                continue;
            }
            n.layer = match acting.get(&n.name) {
                Some(layers) if layers.len() == 1 => layers.first().copied(),
                _ => None,
            };
        }
    }
}
