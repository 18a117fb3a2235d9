//! Machine-readable reports of check results: the contract's JSON object and
//! SARIF 2.1.0 for code-scanning UIs.
use serde_json::{json, Value};

use crate::diagnostic::{Code, Diagnostic, Severity};

/// `{"files": N, "diagnostics": [...]}` as fixed by the CLI contract.
pub fn json_report(files: usize, diags: &[Diagnostic]) -> Value {
    let items: Vec<Value> = diags
        .iter()
        .map(|d| {
            let (line, column) = match d.line_col() {
                Some((l, c)) => (json!(l), json!(c)),
                None => (Value::Null, Value::Null),
            };
            json!({
                "code": d.code.as_str(),
                "severity": d.severity.as_str(),
                "message": d.message,
                "file": d.source.as_ref().map(|s| s.name.clone()),
                "line": line,
                "column": column,
                "help": d.help,
            })
        })
        .collect();
    json!({ "files": files, "diagnostics": items })
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// A SARIF 2.1.0 log with one run: every code as a rule, every diagnostic
/// as a result.
pub fn sarif_report(diags: &[Diagnostic]) -> Value {
    let rules: Vec<Value> = Code::ALL
        .iter()
        .map(|c| {
            json!({
                "id": c.as_str(),
                "name": format!("{c:?}"),
                "shortDescription": { "text": c.title() },
                "helpUri": c.url(),
                "defaultConfiguration": { "level": level(c.severity()) },
            })
        })
        .collect();
    let results: Vec<Value> = diags
        .iter()
        .map(|d| {
            let rule_index = Code::ALL.iter().position(|c| *c == d.code);
            let mut text = d.message.clone();
            if let Some(h) = &d.help {
                text.push_str("\nhelp: ");
                text.push_str(h);
            }
            let mut result = json!({
                "ruleId": d.code.as_str(),
                "ruleIndex": rule_index,
                "level": level(d.severity),
                "message": { "text": text },
                "locations": [],
            });
            if let (Some(src), Some(span)) = (&d.source, d.primary_span()) {
                let (sl, sc) = src.line_col(span.offset());
                let (el, ec) = src.line_col(span.offset() + span.len());
                result["locations"] = json!([{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri(&src.name) },
                        "region": {
                            "startLine": sl, "startColumn": sc,
                            "endLine": el, "endColumn": ec,
                        },
                    },
                }]);
            }
            result
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "rbk",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": crate::diagnostic::BookBase::find().index(),
                "rules": rules,
            }},
            "results": results,
        }],
    })
}

/// SARIF wants URIs: forward slashes, relative paths kept relative.
fn uri(path: &str) -> String {
    let p = path.replace('\\', "/");
    p.strip_prefix("./").map(str::to_string).unwrap_or(p)
}
