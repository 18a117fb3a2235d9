//! When a call fails because nothing answers (refused, timed out), the
//! diagnostic says what is unreachable and points at what explains it: an
//! expectation whose observation is an API that does not answer (the
//! expectations table is where the seed says "the VM is down or booting"),
//! and the procedure's own `applies` line (what must hold before it runs).
use crate::backends::CallError;
use crate::compilation::Compilation;
use crate::syntax::ast::{HeaderKey, Procedure};

/// Words by which an expectation's observation says an API does not answer.
const UNANSWERED: &[&str] = &[
    "does not answer",
    "unreachable",
    "not answering",
    "cannot reach",
];

/// The help line for `err`, when it is an unreachable remote.
pub(crate) fn help(
    comp: &Compilation,
    running: Option<&Procedure>,
    err: &CallError,
) -> Option<String> {
    let what = match err {
        CallError::Unreachable {
            target, message, ..
        } => format!("{target} did not answer ({message})"),
        CallError::Timeout { after, .. } => format!("no answer within {}s", after.as_secs_f64()),
        _ => return None,
    };
    let mut parts = vec![format!("{what}, on every attempt")];
    for (unit, e) in comp.expectations() {
        let obs = e.observation.display_template();
        let lower = obs.to_lowercase();
        if !UNANSWERED.iter().any(|w| lower.contains(w)) {
            continue;
        }
        let id =
            e.id.as_ref()
                .map(|i| format!("`{}` ", i.name))
                .unwrap_or_default();
        let (line, _) = unit.source.line_col(e.span.offset());
        parts.push(format!(
            "expectation {id}({}:{line}) \"{obs}\": {}",
            unit.source.name,
            e.meaning.display_template().trim_end_matches('.')
        ));
    }
    if let Some(applies) = running
        .and_then(|p| p.header(HeaderKey::Applies).next())
        .and_then(|h| h.values.first())
    {
        parts.push(format!(
            "this procedure applies: {}",
            applies.display_template()
        ));
    }
    Some(parts.join("; "))
}
