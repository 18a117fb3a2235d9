//! Completion. What to offer is read from the text before the cursor (the
//! file is usually broken mid-word), and the names from the last analysis
//! of the file that parsed.
use lsp_types::{CompletionItem, CompletionItemKind, Documentation, MarkupContent, MarkupKind};

use super::analysis::Analysis;
use super::hover::builtin_doc;
use super::symbols::{Key, SymbolIndex};
use crate::resolve::builtins::BUILTINS;
use crate::resolve::types::Ty;

const FILE_KEYWORDS: &[&str] = &["use", "layers", "site", "expectations", "procedure"];
const PROCEDURE_KEYWORDS: &[&str] = &[
    "status",
    "verified",
    "applies",
    "destination",
    "see",
    "layer",
    "param",
    "layers",
    "expectations",
    "step",
    "gate",
    "decide",
    "call",
    "note",
    "warn",
    "timing",
];
const STATEMENT_KEYWORDS: &[&str] = &[
    "let", "scope", "poll", "patience", "foreach", "if", "else", "require", "confirm", "log",
    "record", "note", "warn", "timing", "until", "fail", "every", "max", "within", "parallel",
    "not", "and", "or", "in", "any", "all", "count", "filter", "map", "where", "true", "false",
    "none",
];
const DECIDE_KEYWORDS: &[&str] = &["when", "otherwise"];
const SCOPES: &[&str] = &["openstack", "kube", "ssh"];

/// The completions at byte `offset` of `text` (the editor's current text);
/// `a` is the latest analysis whose file parsed, if any.
pub fn complete(text: &str, offset: usize, a: Option<&Analysis>) -> Vec<CompletionItem> {
    let offset = floor_boundary(text, offset.min(text.len()));
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[line_start..offset];
    let word_start = dotted_name_start(before);
    let word = &before[word_start..];
    let head = before[..word_start].trim_end();

    if is_after_needs(head) {
        return nodes(a, &["gate"]);
    }
    if head.ends_with("->") {
        return nodes(a, &["step", "gate", "decide", "call"]);
    }
    if ends_with_word(head, "scope") {
        return keywords(SCOPES);
    }
    if let Some((chain, _partial)) = word.rsplit_once('.') {
        return after_dot(chain, offset, a);
    }
    let mut items = keywords(context_keywords(&text[..offset]));
    items.extend(families_and_functions());
    items.push(item(
        "site",
        CompletionItemKind::MODULE,
        "the site's fields",
    ));
    if let Some(a) = a {
        items.extend(variables(a));
    }
    items
}

/// Where the dotted name at the end of `s` (`openstack.ser`) starts. rbk
/// names are ASCII; whatever comes before may not be.
pub(super) fn dotted_name_start(s: &str) -> usize {
    s.char_indices()
        .rev()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '.'))
        .map_or(0, |(i, c)| i + c.len_utf8())
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Does `head` end with the whole word `word` (`needs`, not `kneeds`)?
fn ends_with_word(head: &str, word: &str) -> bool {
    head.strip_suffix(word).is_some_and(|rest| {
        !rest
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

/// `needs ` or `needs a, ` (more gates after a comma).
fn is_after_needs(head: &str) -> bool {
    if ends_with_word(head, "needs") {
        return true;
    }
    match head.rfind("needs ") {
        Some(i) => {
            let rest = &head[i + "needs ".len()..];
            head.ends_with(',')
                && rest
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == ',' || c == ' ')
        }
        None => false,
    }
}

fn item(label: &str, kind: CompletionItemKind, detail: &str) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        detail: (!detail.is_empty()).then(|| detail.to_string()),
        ..Default::default()
    }
}

fn markdown(doc: String) -> Option<Documentation> {
    Some(Documentation::MarkupContent(MarkupContent {
        kind: MarkupKind::Markdown,
        value: doc,
    }))
}

fn keywords(words: &[&str]) -> Vec<CompletionItem> {
    words
        .iter()
        .map(|w| item(w, CompletionItemKind::KEYWORD, ""))
        .collect()
}

fn nodes(a: Option<&Analysis>, kinds: &[&str]) -> Vec<CompletionItem> {
    let Some(a) = a else { return Vec::new() };
    SymbolIndex::node_names(&a.comp, kinds)
        .into_iter()
        .map(|(name, summary)| item(&name, CompletionItemKind::REFERENCE, &summary))
        .collect()
}

/// `openstack`, `kube`, ... and the functions without a family (`len`).
fn families_and_functions() -> Vec<CompletionItem> {
    let mut items: Vec<CompletionItem> = Vec::new();
    for b in BUILTINS {
        match b.family() {
            Some(f) => {
                if !items.iter().any(|i| i.label == f) {
                    items.push(item(f, CompletionItemKind::MODULE, "builtins"));
                }
            }
            None => {
                let mut it = item(b.name, CompletionItemKind::FUNCTION, b.summary);
                it.documentation = markdown(builtin_doc(b));
                items.push(it);
            }
        }
    }
    items
}

/// Parameters and `let`s of the procedure (every name it binds once).
fn variables(a: &Analysis) -> Vec<CompletionItem> {
    let mut seen = std::collections::HashSet::new();
    let mut items = Vec::new();
    for o in &a.index.occurrences {
        if !(o.is_def && o.unit == 0 && matches!(o.key, Key::Var { .. })) {
            continue;
        }
        let name = span_text(a.text(), o.span);
        if seen.insert(name.to_string()) {
            items.push(item(name, CompletionItemKind::VARIABLE, ""));
        }
    }
    items
}

fn span_text(text: &str, span: crate::syntax::ast::Span) -> &str {
    text.get(span.offset()..span.offset() + span.len())
        .unwrap_or("")
}

/// After `chain.`: site fields, the next segment of builtin names, or the
/// fields of the record the chain is.
fn after_dot(chain: &str, offset: usize, a: Option<&Analysis>) -> Vec<CompletionItem> {
    if chain == "site" {
        let Some(a) = a else { return Vec::new() };
        return a
            .comp
            .site_fields()
            .map(|(_, f)| {
                let mut it = item(&f.name.name, CompletionItemKind::FIELD, &f.ty.to_string());
                it.documentation = f
                    .description
                    .as_ref()
                    .and_then(|d| markdown(d.display_template()));
                it
            })
            .collect();
    }
    let prefix = format!("{chain}.");
    let mut items: Vec<CompletionItem> = Vec::new();
    for b in BUILTINS {
        let Some(rest) = b.name.strip_prefix(&prefix) else {
            continue;
        };
        let (segment, leaf) = match rest.split_once('.') {
            Some((s, _)) => (s, false),
            None => (rest, true),
        };
        if items.iter().any(|i| i.label == segment) {
            continue;
        }
        let mut it = if leaf {
            let mut it = item(segment, CompletionItemKind::FUNCTION, b.summary);
            it.documentation = markdown(builtin_doc(b));
            it
        } else {
            item(segment, CompletionItemKind::MODULE, "")
        };
        it.sort_text = Some(format!("{}{segment}", u8::from(!leaf)));
        items.push(it);
    }
    if !items.is_empty() {
        return items;
    }
    let Some(a) = a else { return Vec::new() };
    match chain_type(a, chain, offset) {
        Some(Ty::Record(r)) => r
            .fields
            .iter()
            .map(|f| {
                let mut it = item(f.name, CompletionItemKind::FIELD, &f.ty.to_string());
                it.documentation = markdown(f.doc.to_string());
                it
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The type of `name.field.field`: the name's binding nearest before
/// `offset` (or any, when the file changed since it parsed), then fields.
pub(super) fn chain_type(a: &Analysis, chain: &str, offset: usize) -> Option<Ty> {
    let mut segments = chain.split('.');
    let root = segments.next()?;
    let text = a.text();
    let defs: Vec<crate::syntax::ast::Span> = a
        .index
        .occurrences
        .iter()
        .filter(|o| o.is_def && o.unit == 0 && matches!(o.key, Key::Var { .. }))
        .filter(|o| span_text(text, o.span) == root)
        .map(|o| o.span)
        .collect();
    let def = defs
        .iter()
        .rev()
        .find(|s| s.offset() < offset)
        .or(defs.last())?;
    let mut ty = a.binding_type(*def)?;
    for seg in segments {
        ty = match ty {
            Ty::Record(r) => r.field(seg)?.ty,
            _ => return None,
        };
    }
    Some(ty)
}

/// The keywords that can start something where the cursor is, by the
/// block around it (told by the first word of the line that opened it).
fn context_keywords(before: &str) -> &'static [&'static str] {
    let mut openers: Vec<&str> = Vec::new();
    let bytes = before.as_bytes();
    let mut line_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => line_start = i + 1,
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                line_start = i + 1;
            }
            b'"' if before[i..].starts_with("\"\"\"") => match before[i + 3..].find("\"\"\"") {
                Some(k) => i += 3 + k + 2,
                // The cursor is inside a `"""` string: nothing to offer
                // but what a statement can hold.
                None => return STATEMENT_KEYWORDS,
            },
            b'"' => {
                // A plain string ends at its quote or, unclosed, its line.
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += usize::from(bytes[i] == b'\\') + 1;
                }
                if bytes.get(i) == Some(&b'\n') {
                    line_start = i + 1;
                }
            }
            b'{' => {
                let word = before[line_start..i]
                    .split_whitespace()
                    .next()
                    .unwrap_or("");
                openers.push(word);
            }
            b'}' => {
                openers.pop();
            }
            _ => {}
        }
        i += 1;
    }
    match openers.last() {
        None => FILE_KEYWORDS,
        Some(&"procedure") => PROCEDURE_KEYWORDS,
        Some(&"decide") => DECIDE_KEYWORDS,
        Some(&"site") => &[],
        Some(&"expectations") => &["expect"],
        Some(_) => STATEMENT_KEYWORDS,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_follow_the_enclosing_block() {
        assert_eq!(context_keywords(""), FILE_KEYWORDS);
        assert_eq!(
            context_keywords("procedure p \"t\" {\n  "),
            PROCEDURE_KEYWORDS
        );
        assert_eq!(
            context_keywords("procedure p \"{x} }\" {\n step s \"a\" {\n"),
            STATEMENT_KEYWORDS
        );
        assert_eq!(
            context_keywords("procedure p \"t\" {\n decide d \"q\" {\n"),
            DECIDE_KEYWORDS
        );
        assert_eq!(
            context_keywords("procedure p \"t\" {\n step s \"a\" { }\n // {\n"),
            PROCEDURE_KEYWORDS
        );
    }

    #[test]
    fn openstack_dot_lists_its_services() {
        let items = complete("openstack.", 10, None);
        let labels: Vec<&str> = items.iter().map(|i| i.label.as_str()).collect();
        assert!(labels.contains(&"server"), "{labels:?}");
        assert!(labels.contains(&"loadbalancer"), "{labels:?}");
        let items = complete("x openstack.server.", 19, None);
        let labels: Vec<&str> = items.iter().map(|i| i.label.as_str()).collect();
        assert!(labels.contains(&"show"), "{labels:?}");
    }

    #[test]
    fn names_after_any_character() {
        assert_eq!(dotted_name_start("≤ site.x"), "≤ ".len());
        assert_eq!(dotted_name_start("\"→openstack."), "\"→".len());
        assert_eq!(dotted_name_start("x"), 0);
        let items = complete("log \"→{site.", 15, None);
        assert!(items.is_empty());
    }

    #[test]
    fn after_needs_and_comma() {
        assert!(is_after_needs("step a \"t\" needs"));
        assert!(is_after_needs("step a \"t\" needs g1,"));
        assert!(!is_after_needs("let x = y,"));
        assert!(!is_after_needs("let kneeds"));
        assert!(ends_with_word("  scope", "scope"));
        assert!(!ends_with_word("  myscope", "scope"));
    }
}
