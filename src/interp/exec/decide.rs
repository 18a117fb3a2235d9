//! Decisions: take the first arm whose condition holds (or the one the
//! resumed run took), record why, and jump.
use super::super::error::Result;
use super::super::Interp;
use super::RunState;
use crate::syntax::ast::{Decide, NodeKind, ProcItem, Procedure};

/// The arm a decision takes: its target and why.
type Taken<'c> = Option<(&'c str, Option<String>)>;

impl<'c> Interp<'c> {
    /// Run decision `name` of `p`; returns the node it jumps to.
    pub(super) async fn decide(
        &self,
        ctx: &mut RunState<'c>,
        p: &'c Procedure,
        d: &'c Decide,
        name: String,
        title: &str,
    ) -> Result<Option<&'c str>> {
        self.set_current(Some(name.clone()));
        let taken = match self
            .opts
            .resume
            .as_ref()
            .and_then(|r| r.decision(&p.name.name, &name))
        {
            Some(prev) => resumed_arm(d, prev.as_deref()),
            None => self.choose(ctx, d).await?,
        };
        let target = taken.as_ref().map(|(t, _)| *t);
        self.journal.emit(
            "decision",
            serde_json::json!({"step": name, "taken": target, "why": taken.as_ref().and_then(|(_, w)| w.clone()), "procedure": p.name.name}),
        );
        self.term.decision(
            &name,
            title,
            target.or(node_after(p, d)),
            taken.as_ref().and_then(|(_, w)| w.as_deref()),
            target.is_some(),
        );
        if let Ok(mut s) = self.stats.lock() {
            s.decisions.push((name.clone(), target.map(str::to_string)));
        }
        // A jump to the very next node skips nothing.
        Ok(target)
    }

    /// The first arm whose condition holds, else `otherwise`, if any.
    async fn choose(&self, ctx: &mut RunState<'c>, d: &'c Decide) -> Result<Taken<'c>> {
        for b in &d.branches {
            let hit = match &b.condition {
                Some(c) => self.eval(ctx, c).await?.truthy(),
                None => true,
            };
            if hit {
                let why = match &b.reason {
                    Some(r) => Some(self.eval_text(ctx, r).await?),
                    None => b.condition.as_ref().map(|c| format!("{c}")),
                };
                return Ok(Some((b.target.name.as_str(), why)));
            }
        }
        if let Some(b) = &d.otherwise {
            let why = match &b.reason {
                Some(r) => Some(self.eval_text(ctx, r).await?),
                None => Some("otherwise".into()),
            };
            return Ok(Some((b.target.name.as_str(), why)));
        }
        Ok(None)
    }
}

/// The node after decision `d` in `p`, where the run goes on when no arm
/// is taken (`end` after the last one).
fn node_after<'c>(p: &'c Procedure, d: &Decide) -> Option<&'c str> {
    let mut nodes = p.items.iter().filter_map(|i| match i {
        ProcItem::Node(n) => Some(n),
        _ => None,
    });
    nodes.find(|n| matches!(&n.kind, NodeKind::Decide(x) if std::ptr::eq(x, d)))?;
    Some(
        nodes
            .next()
            .map_or(crate::dag::END_TARGET, |n| n.name.name.as_str()),
    )
}

/// The arm the resumed run took (`prev`), if this decision still has it.
fn resumed_arm<'c>(d: &'c Decide, prev: Option<&str>) -> Taken<'c> {
    d.branches
        .iter()
        .chain(d.otherwise.iter())
        .find(|b| Some(b.target.name.as_str()) == prev)
        .map(|b| {
            (
                b.target.name.as_str(),
                Some("as decided by the resumed run".into()),
            )
        })
}
