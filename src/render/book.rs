//! The book's generated pages: the builtin reference (from the signature
//! table and the record types), the diagnostic index (from `Code::ALL`), the
//! runbooks (rendered from `procedures/`) and `SUMMARY.md`. `tests/book.rs`
//! regenerates them and fails when the committed copies are stale.
use std::fmt::Write as _;
use std::path::Path;

use crate::diagnostic::Code;
use crate::resolve::builtins::{Builtin, Effect, BUILTINS};
use crate::resolve::scopes::SCOPES;
use crate::resolve::types::records;

const GENERATED: &str = "<!-- Generated: edit the source it comes from, then run \
`RBK_BLESS=1 cargo test --test integration -- book::` (or scripts/render-book). -->";

/// Which builtins belong in a section of the reference.
type Pick = fn(&Builtin) -> bool;

/// `book/src/reference/builtins.md`.
pub fn builtin_reference() -> String {
    let mut out = String::new();
    out.push_str("# Builtin reference\n\n");
    out.push_str(GENERATED);
    out.push_str(
        "\n\nEvery builtin and function a procedure can call, generated from the table \
         the checker and the interpreter read, so it cannot drift. **Effect** says \
         what a call does to the world: `read-only` calls run under `--dry-run` and \
         may be retried; `mutating` ones never are; `destructive` ones need \
         verify-then-delete (a `require` over the same data first); `exclusive` ones \
         may not run in a `parallel` loop. **Scope** is the `scope` block a call must \
         sit in. **Hazards** are what else the checker looks for: `disruptive` calls \
         need a `confirm` (RBK415), `places load` calls a capacity gate before them \
         (RBK416), `by id` calls an id, not a name (RBK413); a gate that calls a \
         `reads capacity` builtin is a capacity gate. **By hand** is what `rbk render` \
         prints as the equivalent command.\n",
    );
    let groups: [(&str, Pick); 6] = [
        ("OpenStack", |b| b.family() == Some("openstack")),
        ("Kubernetes", |b| b.family() == Some("kube")),
        ("ssh", |b| b.family() == Some("ssh")),
        ("tcp", |b| b.family() == Some("tcp")),
        ("Local files and time", |b| {
            matches!(b.family(), Some("file")) || (b.family().is_none() && b.effect != Effect::Pure)
        }),
        ("Functions", |b| {
            b.family().is_none() && b.effect == Effect::Pure
        }),
    ];
    for (title, pick) in groups {
        let members: Vec<&Builtin> = BUILTINS.iter().filter(|b| pick(b)).collect();
        if members.is_empty() {
            continue;
        }
        let _ = write!(out, "\n## {title}\n");
        for b in members {
            builtin_entry(b, &mut out);
        }
    }
    scope_reference(&mut out);
    out.push_str("\n## Records\n\nThe values builtins return. Read a field with `.name`.\n");
    for r in records::ALL {
        let _ = write!(out, "\n### `{}`\n\n{}\n\n", r.name, r.doc);
        out.push_str("| Field | Type | Description |\n|---|---|---|\n");
        for f in r.fields {
            let _ = writeln!(out, "| `{}` | `{}` | {} |", f.name, f.ty, cell(f.doc));
        }
    }
    out
}

/// The scope kinds and their arguments, from the table the resolver checks.
fn scope_reference(out: &mut String) {
    out.push_str(
        "\n## Scopes\n\nThe `scope KIND(name: value) { ... }` blocks cloud calls sit in, and \
         their arguments (all named). See [Credentials](../credentials.md) for where \
         credentials come from.\n",
    );
    for s in SCOPES {
        let _ = write!(
            out,
            "\n### `scope {}`\n\n{}\n\n",
            s.kind.as_str(),
            s.summary
        );
        out.push_str("| Argument | Type | Default | Description |\n|---|---|---|---|\n");
        for a in s.args {
            let default = match (a.required, a.default) {
                (true, _) => "required".to_string(),
                (false, Some(d)) => d.to_string(),
                (false, None) => "none".to_string(),
            };
            let _ = writeln!(
                out,
                "| `{}` | `{}` | {} | {} |",
                a.name,
                a.ty,
                cell(&default),
                cell(a.doc)
            );
        }
    }
}

fn builtin_entry(b: &Builtin, out: &mut String) {
    let sig: Vec<String> = b
        .params
        .iter()
        .map(|p| match p.default {
            Some(d) => format!("{}: {} = {d}", p.name, p.ty),
            None => format!("{}: {}", p.name, p.ty),
        })
        .collect();
    let _ = write!(
        out,
        "\n### `{}`\n\n```text\n{}({}) -> {}\n```\n\n{}\n\n",
        b.name,
        b.name,
        sig.join(", "),
        b.returns,
        b.summary
    );
    let mut facts = vec![format!("**Effect:** {}", b.effect.as_str())];
    if let Some(s) = b.scope {
        facts.push(format!("**Scope:** `scope {}`", s.as_str()));
    }
    if let Some(l) = b.layer {
        facts.push(format!("**Layer:** `{l}`"));
    }
    if !b.hazards.is_empty() {
        let names: Vec<&str> = b.hazards.iter().map(|h| h.as_str()).collect();
        facts.push(format!("**Hazards:** {}", names.join(", ")));
    }
    if !b.command.is_empty() {
        facts.push(format!("**By hand:** `{}`", b.command));
    }
    let _ = writeln!(out, "{}", facts.join(" · "));
    if !b.params.is_empty() {
        out.push_str("\n| Parameter | Type | Default | Description |\n|---|---|---|---|\n");
        for p in b.params {
            let default = p
                .default
                .map(|d| format!("`{d}`"))
                .unwrap_or_else(|| "required".into());
            let _ = writeln!(
                out,
                "| `{}` | `{}` | {default} | {} |",
                p.name,
                p.ty,
                cell(p.doc)
            );
        }
    }
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}

/// `book/src/diagnostics/index.md`: one anchor per code, linking its page.
pub fn diagnostic_index() -> String {
    let mut out = String::from("# Diagnostic index\n\n");
    out.push_str(GENERATED);
    out.push_str(
        "\n\nEvery code `rbk check` and `rbk exec` report. Codes are stable: never reused, \
         never renumbered. Ranges: RBK0xx syntax, 1xx names, 2xx graph and ordering, \
         3xx types and builtins, 4xx safety, 9xx run time. Each page shows a bad and a \
         good example.\n\n| Code | Severity | What it is about |\n|---|---|---|\n",
    );
    for c in Code::ALL {
        let _ = writeln!(
            out,
            "| <a id=\"{code}\"></a>[{code}]({code}.md) | {} | {} |",
            c.severity().as_str(),
            c.title(),
            code = c.as_str()
        );
    }
    out
}

/// One procedure of `procedures/`, for the runbooks chapter.
#[derive(Debug, Clone)]
pub struct RunbookEntry {
    /// File stem: `recovery` for `procedures/recovery.rbk`.
    pub stem: String,
    pub title: String,
}

/// `book/src/runbooks/index.md`.
pub fn runbook_index(entries: &[RunbookEntry]) -> String {
    let mut out = String::from("# Runbooks\n\n");
    out.push_str(GENERATED);
    out.push_str(
        "\n\nThe procedures under `procedures/`, rendered by `rbk render`. They are the \
         documents an operator reads; the same files are what `rbk exec` runs, so the \
         two cannot drift apart.\n\n",
    );
    if entries.is_empty() {
        out.push_str("(No procedures yet.)\n");
    }
    for e in entries {
        let _ = writeln!(
            out,
            "- [{}]({}.md) (`procedures/{}.rbk`)",
            e.title, e.stem, e.stem
        );
    }
    out
}

/// The hand-written chapters, in reading order: (title, path under src/).
/// Pages other engineers own are listed only when they exist.
pub const CHAPTERS: &[(&str, &str)] = &[
    ("Tutorial: a first procedure", "tutorial.md"),
    ("The language", "language.md"),
    ("The simulator", "simulator.md"),
    ("Journals, resume and the site lock", "journal.md"),
    ("Fleet: one procedure across many sites", "fleet.md"),
    ("Reading a run: the timeline", "runs.md"),
    ("Credentials", "credentials.md"),
    ("Kubernetes operations", "kube.md"),
    ("rbk in CI", "ci.md"),
    ("Editors", "editors.md"),
];

/// `book/src/SUMMARY.md`, from what exists under `src`.
pub fn summary(src: &Path, runbooks: &[RunbookEntry]) -> String {
    let mut out = String::from("# Summary\n\n[Introduction](README.md)\n\n");
    for (title, path) in CHAPTERS {
        if src.join(path).exists() {
            let _ = writeln!(out, "- [{title}]({path})");
        }
    }
    out.push_str("- [Builtin reference](reference/builtins.md)\n");
    out.push_str("- [Diagnostics](diagnostics/index.md)\n");
    for c in Code::ALL {
        let page = format!("diagnostics/{}.md", c.as_str());
        if src.join(&page).exists() {
            let _ = writeln!(out, "  - [{}: {}]({page})", c.as_str(), c.title());
        }
    }
    out.push_str("- [Runbooks](runbooks/index.md)\n");
    for e in runbooks {
        let _ = writeln!(out, "  - [{}](runbooks/{}.md)", e.title, e.stem);
    }
    out
}
