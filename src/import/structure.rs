//! From the runbook's structure to the draft's: sections and numbered
//! sub-sections become steps (gates where a line says "GATE:"), prose
//! becomes `note`, `warn` and `timing`, a "DECISION" paragraph becomes a
//! `decide` node, and the expectations table an `expectations` block.
use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::Regex;

use super::emit::{Arm, Decide, Draft, Expect, Item, Node, NodeKind, Stmt, StmtKind};
use super::literals::Literals;
use super::markdown::{Block, Document};
use super::shell::{self, Segment};
use super::translate::{ImportStats, Translator};

/// Words that cannot name a node, a variable or an expectation.
pub fn is_reserved(word: &str) -> bool {
    const RESERVED: &[&str] = &[
        "procedure",
        "step",
        "gate",
        "decide",
        "call",
        "use",
        "param",
        "let",
        "scope",
        "poll",
        "patience",
        "foreach",
        "if",
        "else",
        "require",
        "confirm",
        "log",
        "record",
        "note",
        "warn",
        "timing",
        "in",
        "and",
        "or",
        "not",
        "true",
        "false",
        "none",
        "any",
        "all",
        "count",
        "filter",
        "map",
        "where",
        "when",
        "otherwise",
        "expectations",
        "until",
        "layers",
        "expect",
        "every",
        "forbid",
        "max",
        "within",
        "on",
        "exhausted",
        "abort",
        "continue",
        "fail",
        "end",
        "site",
        "attempt",
        "readonly",
        "layer",
        "needs",
        "parallel",
        "meaning",
        "benign",
        "alarm",
        "as",
    ];
    RESERVED.contains(&word)
}

static SUB_NUMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?i:step\s+)?(\d+[a-z]?)[.:)]\s+(.*)$").expect("valid regex"));
static DURATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"~\s?(\d+(?:\.\d+)?)(-\d+(?:\.\d+)?)?\s?(ms|s|sec|secs|seconds|min|mins|minutes|m|h|hours?)\b")
        .expect("valid regex")
});
static STEP_REF: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\bstep\s+(\d+[a-z]?)\b").expect("valid regex"));

/// Programs whose inline code in prose is a command to keep.
const TOOLS: &[&str] = &[
    "openstack",
    "kubectl",
    "ssh",
    "nc",
    "curl",
    "systemctl",
    "juju",
    "helm",
    "virsh",
];

/// One future node: a title and the blocks under it.
struct Chunk {
    number: Option<String>,
    title: String,
    blocks: Vec<Block>,
}

/// Build the draft of a Markdown runbook.
pub fn build(doc: &Document, draft: &mut Draft, stats: &mut ImportStats) {
    let mut lits = Literals::default();
    for b in doc
        .intro
        .iter()
        .chain(doc.sections.iter().flat_map(|s| s.blocks.iter()))
    {
        if let Block::Para { text, .. } | Block::Item { text, .. } = b {
            lits.learn_names(text);
        }
    }
    let mut params = Vec::new();
    let mut t = Translator::new(&mut lits, stats, &mut params);
    let mut names = BTreeSet::new();
    let mut numbered: Vec<(String, String)> = Vec::new();
    let mut pending_decisions: Vec<(usize, String)> = Vec::new();

    for b in &doc.intro {
        match b {
            Block::Para { text, .. } if text.starts_with("Applies when:") => {
                draft.applies = Some(text.trim_start_matches("Applies when:").trim().to_string());
            }
            _ => draft.notes.extend(block_stmts(&mut t, b)),
        }
    }
    // Only documentation stands at procedure level: commands before the
    // first section make a step of their own.
    if draft.notes.iter().any(|s| {
        !matches!(
            s.kind,
            StmtKind::Note(_) | StmtKind::Warn(_) | StmtKind::Timing(..)
        )
    }) {
        let body = std::mem::take(&mut draft.notes);
        draft.items.push(Item::Node(Node {
            kind: NodeKind::Step,
            name: unique(&mut names, "preamble"),
            title: "Before the first section".into(),
            doc: None,
            todos: Vec::new(),
            body,
        }));
    }

    for section in &doc.sections {
        let mut blocks: &[Block] = &section.blocks;
        let mut title = section.title.as_str();
        if is_expectations(title, blocks) {
            // The table's section ends at the next heading, of any level.
            let end = blocks
                .iter()
                .position(|b| matches!(b, Block::Heading(_)))
                .unwrap_or(blocks.len());
            expectations(&blocks[..end], draft, &mut names);
            blocks = &blocks[end..];
            title = "";
            if blocks.is_empty() {
                continue;
            }
        }
        for chunk in chunks(title, blocks) {
            let (kind, label) = gate_of(&chunk);
            t.gate_hint = label.clone();
            let mut body = Vec::new();
            let mut doc_line = None;
            let mut decision: Option<String> = None;
            // A DECISION line followed by a list of `condition -> Step N`.
            let mut decision_list: Vec<String> = Vec::new();
            for b in &chunk.blocks {
                match b {
                    Block::Para { text, .. } if is_decision(text) => {
                        decision = Some(text.replace('→', "->"))
                    }
                    Block::Para { text, .. }
                        if decision.is_some() && (text.contains("->") || text.contains('→')) =>
                    {
                        decision_list
                            .push(text.replace('→', "->").trim_end_matches('.').to_string())
                    }
                    Block::Code { lang, text } => {
                        let cb = shell::split_block(lang, text);
                        if doc_line.is_none() {
                            doc_line = cb.title.clone();
                        }
                        body.extend(code_stmts(&mut t, &cb));
                    }
                    _ => body.extend(block_stmts(&mut t, b)),
                }
            }
            let title = match (&kind, &label) {
                (NodeKind::Gate, Some(l)) => {
                    format!("{} -- GATE: {}", chunk.title, l.trim_matches('`'))
                }
                _ => chunk.title.clone(),
            };
            let base = match (&kind, &label) {
                (NodeKind::Gate, Some(l)) => slug(l),
                _ => slug(&chunk.title),
            };
            let name = unique(&mut names, &base);
            if let Some(n) = &chunk.number {
                numbered.push((n.clone(), name.clone()));
            }
            let mut todos = Vec::new();
            if chunk.title.contains("PATIENCE") {
                todos.push(
                    "a PATIENCE GATE: wrap the wait in `patience \"...\" for D forbid ... { }` so the checker \
                     refuses restarts inside the window"
                        .to_string(),
                );
            }
            draft.items.push(Item::Node(Node {
                kind,
                name: name.clone(),
                title,
                doc: doc_line,
                todos,
                body,
            }));
            if !decision_list.is_empty() {
                decision = Some(format!("DECISION: {}.", decision_list.join(". ")));
            }
            if let Some(d) = decision {
                pending_decisions.push((draft.items.len(), d));
            }
        }
    }
    // Decisions last: their arms name nodes that come after them.
    for (at, text) in pending_decisions.into_iter().rev() {
        if let Some(d) = decision(&text, &numbered, &mut names) {
            draft.items.insert(at, Item::Decide(d));
        } else if let Some(Item::Node(n)) = draft.items.get_mut(at - 1) {
            n.body.push(
                Stmt::new(StmtKind::Note(text))
                    .todo("a DECISION whose arms name no step: write it as `decide`"),
            );
        }
    }
    drop(t);
    draft.params = params;
    draft.site = lits.fields();
}

fn is_decision(text: &str) -> bool {
    let t = text.trim_start_matches(['*', '_']);
    t.starts_with("DECISION") || t.starts_with("Decision:")
}

fn is_expectations(title: &str, blocks: &[Block]) -> bool {
    static TITLE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)expectation|known (issues|symptoms)|false alarms|what .* means")
            .expect("valid regex")
    });
    TITLE.is_match(title)
        && blocks
            .iter()
            .any(|b| matches!(b, Block::Table(rows) if rows.first().is_some_and(|r| r.len() == 2)))
}

fn expectations(blocks: &[Block], draft: &mut Draft, names: &mut BTreeSet<String>) {
    static BENIGN: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)known good|noise|cosmetic|false-negative|retry after|not a .*outage|harmless|expected")
            .expect("valid regex")
    });
    for b in blocks {
        let Block::Table(rows) = b else {
            if let Block::Para { text, .. } = b {
                draft.notes.push(Stmt::new(StmtKind::Note(text.clone())));
            }
            continue;
        };
        for row in rows.iter().skip(1) {
            let [observation, meaning] = row.as_slice() else {
                continue;
            };
            let name = unique(names, &slug(observation));
            draft.expectations.push(Expect {
                name,
                observation: observation.clone(),
                benign: BENIGN.is_match(meaning),
                meaning: meaning.clone(),
            });
        }
    }
    draft.expectations_todo = Some(
        "each verdict (benign or alarm) is read from the wording of its meaning: check it, and add \
         `on BUILTIN as x when CONDITION` where the run can recognise the observation"
            .into(),
    );
}

/// Cut a section at its sub-headings, numbered items and `5a.` paragraphs.
fn chunks(title: &str, blocks: &[Block]) -> Vec<Chunk> {
    let number = |t: &str| SUB_NUMBER.captures(t).map(|c| c[1].to_string());
    let mut out = vec![Chunk {
        number: number(title),
        title: title.to_string(),
        blocks: Vec::new(),
    }];
    for b in blocks {
        let marker = match b {
            Block::Heading(h) => Some((number(h), h.clone(), None)),
            Block::Item { number, text, code } => {
                let n = number.map(|n| n.to_string());
                let (head, tail) = first_sentence(text);
                let t = head.trim_end_matches(':').to_string();
                let title = match &n {
                    Some(n) => format!("{n}. {t}"),
                    None => t,
                };
                let tail = (!tail.is_empty()).then(|| Block::Para {
                    text: tail,
                    code: code.clone(),
                });
                Some((n, title, tail))
            }
            Block::Para { text, code } => SUB_NUMBER
                .captures(text)
                .filter(|c| c[1].ends_with(|c: char| c.is_ascii_lowercase()))
                .map(|c| {
                    let (head, mut tail) = first_sentence(&c[2]);
                    // A long parenthesis in the title is prose.
                    let head = match head.split_once(" (") {
                        Some((short, paren)) if head.len() > 60 => {
                            let paren = paren.trim_end_matches(')');
                            tail = format!(
                                "{}{}{tail}",
                                capitalise(paren),
                                if tail.is_empty() { "." } else { ". " }
                            );
                            short.to_string()
                        }
                        _ => head,
                    };
                    let tail = (!tail.is_empty()).then(|| Block::Para {
                        text: tail,
                        code: code.clone(),
                    });
                    (Some(c[1].to_string()), format!("{}. {head}", &c[1]), tail)
                }),
            _ => None,
        };
        match marker {
            Some((number, title, tail)) => out.push(Chunk {
                number,
                title,
                blocks: tail.into_iter().collect(),
            }),
            None => {
                if let Some(c) = out.last_mut() {
                    c.blocks.push(b.clone());
                }
            }
        }
    }
    // A section that only holds sub-steps is not a step itself.
    if out.len() > 1 && out[0].blocks.is_empty() {
        out.remove(0);
    }
    out
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// "5a. ZOMBIE SWEEP (admin scope). Confirmed pattern..." -> the title
/// sentence and the rest.
fn first_sentence(text: &str) -> (String, String) {
    match text.find(". ") {
        Some(at) => (text[..at].to_string(), text[at + 2..].trim().to_string()),
        None => (text.trim_end_matches('.').to_string(), String::new()),
    }
}

/// A gate when its title or a paragraph says GATE; the label after "GATE:".
fn gate_of(chunk: &Chunk) -> (NodeKind, Option<String>) {
    let label = chunk.blocks.iter().find_map(|b| match b {
        Block::Para { text, .. } => text
            .strip_prefix("GATE:")
            .map(|rest| first_sentence(rest.trim()).0),
        _ => None,
    });
    if label.is_some() || chunk.title.contains("GATE") {
        (NodeKind::Gate, label)
    } else {
        (NodeKind::Step, None)
    }
}

/// The statements of a code block: its shell, its comments as prose, its
/// printed output as a note.
fn code_stmts(t: &mut Translator, cb: &shell::CodeBlock) -> Vec<Stmt> {
    let mut out = Vec::new();
    for seg in &cb.segments {
        match seg {
            Segment::Code(code) => out.extend(t.script(code)),
            Segment::Comment(lines) => out.extend(comment_stmts(lines)),
        }
    }
    if !cb.output.is_empty() {
        out.push(Stmt::new(StmtKind::Note(format!(
            "Expected output:\n{}",
            cb.output.join("\n")
        ))));
    }
    out
}

/// A comment paragraph: prose (joined) or commented-out code (kept as lines).
fn comment_stmts(lines: &[String]) -> Vec<Stmt> {
    let code_like = lines
        .iter()
        .any(|l| l.starts_with("   ") || l.trim_start().starts_with("1)"));
    let text = if code_like {
        lines
            .iter()
            .map(|l| l.trim_end())
            .collect::<Vec<_>>()
            .join("\n")
            .trim()
            .to_string()
    } else {
        lines.iter().map(|l| l.trim()).collect::<Vec<_>>().join(" ")
    };
    if text.is_empty() {
        return Vec::new();
    }
    prose(&text)
}

/// A Markdown block outside code: prose, with the commands its inline
/// code holds.
fn block_stmts(t: &mut Translator, b: &Block) -> Vec<Stmt> {
    match b {
        Block::Para { text, code } | Block::Item { text, code, .. } => {
            let text = match text.strip_prefix("GATE:") {
                Some(rest) => first_sentence(rest.trim()).1,
                None => text.clone(),
            };
            let mut out = if text.is_empty() {
                Vec::new()
            } else {
                prose(&text)
            };
            for c in code {
                if is_command(c) {
                    out.extend(t.script(c));
                }
            }
            out
        }
        Block::Table(rows) => {
            let text = rows
                .iter()
                .map(|r| r.join(" | "))
                .collect::<Vec<_>>()
                .join("\n");
            vec![Stmt::new(StmtKind::Note(text))]
        }
        Block::Heading(h) => vec![Stmt::new(StmtKind::Note(h.clone()))],
        Block::Code { lang, text } => code_stmts(t, &shell::split_block(lang, text)),
    }
}

/// Inline code that runs a known tool (`KUBECONFIG=x kubectl get nodes`).
fn is_command(code: &str) -> bool {
    let program = code
        .split_whitespace()
        .find(|w| !(w.contains('=') && w.chars().next().is_some_and(|c| c.is_ascii_uppercase())));
    program.is_some_and(|p| TOOLS.contains(&p))
}

/// Prose as `note`, `warn` and `timing`, sentence by sentence, runs of the
/// same kind together.
pub fn prose(text: &str) -> Vec<Stmt> {
    static WARN: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)\bwarning\b|\bdo not\b|\bdon't\b|\bnever\b|\bmust not\b|\bnot retry\b")
            .expect("valid regex")
    });
    static TIMING: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?i)\btiming\b|\bconvergence\b").expect("valid regex"));
    let mut out: Vec<(u8, String)> = Vec::new();
    for sentence in sentences(text) {
        // "do NOT" in capitals is the runbook shouting; "not" alone is prose.
        let kind = if WARN.is_match(&sentence)
            && (sentence.contains("NOT")
                || sentence.contains("WARNING")
                || sentence.contains("NEVER"))
        {
            1
        } else if TIMING.is_match(&sentence) || DURATION.is_match(&sentence) {
            2
        } else {
            0
        };
        match out.last_mut() {
            Some((k, s)) if *k == kind => {
                s.push(' ');
                s.push_str(&sentence);
            }
            _ => out.push((kind, sentence)),
        }
    }
    out.into_iter()
        .map(|(kind, s)| match kind {
            1 => Stmt::new(StmtKind::Warn(s)),
            2 => Stmt::new(StmtKind::Timing(verified_duration(&s), s)),
            _ => Stmt::new(StmtKind::Note(s)),
        })
        .collect()
}

/// Sentences: cut after `. `, `! `, `? ` (not inside backticks); a
/// multi-line text (commented-out code) stays whole.
fn sentences(text: &str) -> Vec<String> {
    if text.contains('\n') {
        return vec![text.to_string()];
    }
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_code = false;
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        cur.push(c);
        if c == '`' {
            in_code = !in_code;
        }
        let end = matches!(c, '.' | '!' | '?') && chars.get(i + 1) == Some(&' ') && !in_code;
        // "e.g." and "vs." are not ends.
        let abbreviation = cur.ends_with("e.g.") || cur.ends_with("i.e.") || cur.ends_with("vs.");
        if end && !abbreviation {
            out.push(cur.trim().to_string());
            cur.clear();
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    out
}

/// The one `~N unit` a timing states, as an rbk duration; None when it
/// states a range or several.
fn verified_duration(text: &str) -> Option<String> {
    let all: Vec<_> = DURATION.captures_iter(text).collect();
    let [c] = all.as_slice() else { return None };
    if c.get(2).is_some() {
        return None;
    }
    let n = &c[1];
    let unit = match &c[3] {
        "ms" => "ms",
        "s" | "sec" | "secs" | "seconds" => "s",
        "min" | "mins" | "minutes" | "m" => "m",
        _ => "h",
    };
    // rbk durations are whole parts: 3.5 min is 3m30s.
    match n.split_once('.') {
        None => Some(format!("{n}{unit}")),
        Some((whole, frac)) if unit == "m" => {
            let secs = (format!("0.{frac}").parse::<f64>().ok()? * 60.0).round() as u32;
            Some(format!("{whole}m{secs}s"))
        }
        Some(_) => None,
    }
}

/// "DECISION: A -> skip to Step 6. B -> Step 5. C -> prose." as arms.
fn decision(
    text: &str,
    numbered: &[(String, String)],
    names: &mut BTreeSet<String>,
) -> Option<Decide> {
    let body = text.split_once(':').map(|(_, b)| b).unwrap_or(text).trim();
    let parts: Vec<&str> = body.split("->").collect();
    if parts.len() < 2 {
        return None;
    }
    let mut arms = Vec::new();
    let mut todos = Vec::new();
    let mut cond = parts[0].trim().to_string();
    for (i, part) in parts.iter().enumerate().skip(1) {
        let last = i == parts.len() - 1;
        let (target, next) = if last {
            (part.trim().trim_end_matches('.').to_string(), String::new())
        } else {
            let (t, n) = first_sentence(part.trim());
            (t, n)
        };
        let node = STEP_REF
            .captures(&target)
            .and_then(|c| {
                numbered
                    .iter()
                    .find(|(n, _)| n == &c[1] || n.starts_with(&c[1]))
            })
            .map(|(_, name)| name.clone());
        match node {
            Some(node) => {
                let placeholder = unique(names, &format!("todo_decide_{}", arms.len() + 1));
                arms.push(Arm {
                    cond: placeholder,
                    target: node,
                    why: format!("{cond} -> {target}"),
                    todos: vec![format!("write this arm's condition: \"{cond}\"")],
                });
            }
            None => todos.push(format!("an arm that names no step: \"{cond} -> {target}\"")),
        }
        cond = next;
    }
    if arms.is_empty() {
        return None;
    }
    Some(Decide {
        name: unique(names, "decision"),
        question: "DECISION".into(),
        arms,
        todos,
    })
}

/// A name from a title: its first words, lower case, joined with `_`.
pub fn slug(title: &str) -> String {
    let title = SUB_NUMBER
        .captures(title)
        .map(|c| c[2].to_string())
        .unwrap_or_else(|| title.to_string());
    let words: Vec<String> = title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .filter(|w| !matches!(w.as_str(), "the" | "a" | "an" | "of" | "to" | "and" | "for"))
        .take(3)
        .collect();
    let s = words.join("_");
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) || is_reserved(&s) {
        format!("s_{s}")
    } else {
        s
    }
}

fn unique(names: &mut BTreeSet<String>, base: &str) -> String {
    let mut name = base.to_string();
    let mut n = 2;
    while !names.insert(name.clone()) {
        name = format!("{base}_{n}");
        n += 1;
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_splits_into_notes_warnings_and_timings() {
        let s = prose("Verified convergence: ~20 min from boot. Do NOT restart services. The noise is expected.");
        assert_eq!(
            s.iter().map(|s| s.kind.clone()).collect::<Vec<_>>(),
            vec![
                StmtKind::Timing(
                    Some("20m".into()),
                    "Verified convergence: ~20 min from boot.".into()
                ),
                StmtKind::Warn("Do NOT restart services.".into()),
                StmtKind::Note("The noise is expected.".into()),
            ]
        );
        assert_eq!(verified_duration("sshd ~3.5 min"), Some("3m30s".into()));
        assert_eq!(verified_duration("~20-21 min"), None);
        assert_eq!(verified_duration("ACTIVE ~20 s; sshd ~3.5 min"), None);
    }

    #[test]
    fn decisions_name_their_steps() {
        let mut names = BTreeSet::new();
        let numbered = vec![
            ("5a".to_string(), "sweep".to_string()),
            ("6".to_string(), "verify".to_string()),
        ];
        let d = decision(
            "DECISION: all green -> skip to Step 6. Any ERROR -> Step 5. Else -> think.",
            &numbered,
            &mut names,
        )
        .expect("a decision");
        let arms: Vec<(&str, &str)> = d
            .arms
            .iter()
            .map(|a| (a.target.as_str(), a.why.as_str()))
            .collect();
        assert_eq!(
            arms,
            vec![
                ("verify", "all green -> skip to Step 6"),
                ("sweep", "Any ERROR -> Step 5")
            ]
        );
        assert_eq!(
            d.todos,
            vec!["an arm that names no step: \"Else -> think\""]
        );
    }

    #[test]
    fn slugs_are_names() {
        assert_eq!(
            slug("5a. ZOMBIE/ORPHAN SWEEP (admin scope)"),
            "zombie_orphan_sweep"
        );
        assert_eq!(slug("2. Start + boot gate"), "start_boot_gate");
        assert_eq!(slug("Poll"), "s_poll");
        assert!(!is_reserved("start"));
    }
}
