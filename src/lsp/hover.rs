//! Hover: what the name under the cursor is, from the same facts the
//! checker reads — the builtin table (signature, effect, scope, layer,
//! docs), declarations (titles, types, descriptions, doc comments) and the
//! site files' values.
use std::path::{Path, PathBuf};

use super::analysis::Analysis;
use super::symbols::Key;
use crate::resolve::builtins::{self, Builtin};
use crate::resolve::signature;

/// The hover text (Markdown) for byte `offset` of the root file, and the
/// span of the name it is about.
pub fn hover(
    a: &Analysis,
    offset: usize,
    site: &dyn Fn() -> Vec<(String, toml::Table)>,
) -> Option<(String, crate::syntax::ast::Span)> {
    let Some(occ) = a.index.at(0, offset) else {
        return field_hover(a, offset);
    };
    let doc = match &occ.key {
        Key::Builtin(name) => builtin_doc(builtins::lookup(name)?),
        key => {
            let def = a.index.defs.get(key)?;
            let mut doc = def.doc.clone();
            match key {
                Key::Var { .. } if def.unit == 0 => {
                    if let Some(ty) = a.binding_type(def.span) {
                        doc.push_str(&format!("\n\ntype: `{ty}`"));
                    }
                }
                Key::Site(name) => doc.push_str(&site_values(name, &site())),
                _ => {}
            }
            doc
        }
    };
    Some((doc, occ.span))
}

/// A record field (`lb.provisioning_status`): its type and what it means,
/// from the record the expression before the dot is.
fn field_hover(a: &Analysis, offset: usize) -> Option<(String, crate::syntax::ast::Span)> {
    let text = a.text();
    let start = super::complete::dotted_name_start(&text[..offset]);
    let end = text[offset..]
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(text.len(), |i| offset + i);
    let (chain, field) = text[start..end].rsplit_once('.')?;
    let crate::resolve::types::Ty::Record(r) = super::complete::chain_type(a, chain, offset)?
    else {
        return None;
    };
    let f = r.field(field)?;
    let doc = format!("**field** `{}.{}: {}`\n\n{}", r.name, f.name, f.ty, f.doc);
    let span_start = end - field.len();
    Some((
        doc,
        crate::syntax::ast::Span::new(span_start.into(), field.len()),
    ))
}

/// A builtin's entry in the table, as Markdown.
pub fn builtin_doc(b: &Builtin) -> String {
    let mut out = format!(
        "{} -> `{}`\n\n{}\n\neffect: **{}**",
        signature(b),
        b.returns,
        b.summary,
        b.effect_summary()
    );
    if let Some(s) = b.scope {
        out.push_str(&format!(" · scope: `{}`", s.as_str()));
    }
    if let Some(l) = b.layer {
        out.push_str(&format!(" · layer: `{l}`"));
    }
    if !b.params.is_empty() {
        out.push('\n');
        for p in b.params {
            out.push_str(&format!("\n- `{}: {}`", p.name, p.ty));
            if let Some(d) = p.default {
                out.push_str(&format!(" (default `{d}`)"));
            }
            out.push_str(&format!(": {}", p.doc));
        }
    }
    if !b.command.is_empty() {
        out.push_str(&format!("\n\nby hand: `{}`", b.command));
    }
    out
}

fn site_values(name: &str, files: &[(String, toml::Table)]) -> String {
    let mut out = String::new();
    for (file, table) in files {
        let value = match table.get(name) {
            Some(v) => format!("`{v}`"),
            None => "not set".to_string(),
        };
        out.push_str(&format!("\n\n{file}: {value}"));
    }
    out
}

/// The site files to show values from: the one the editor configured, or
/// every `*.toml` in the nearest `sites/` folder at or above `doc`'s folder.
pub fn site_files(configured: Option<&Path>, doc: &Path) -> Vec<PathBuf> {
    if let Some(p) = configured {
        return vec![p.to_path_buf()];
    }
    for dir in doc.ancestors().skip(1) {
        let sites = dir.join("sites");
        let Ok(entries) = std::fs::read_dir(&sites) else {
            continue;
        };
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        files.sort();
        return files;
    }
    Vec::new()
}

/// Each readable site file as a TOML table, named by its file name.
pub fn read_site_files(paths: &[PathBuf]) -> Vec<(String, toml::Table)> {
    paths
        .iter()
        .filter_map(|p| {
            let table = std::fs::read_to_string(p).ok()?.parse().ok()?;
            let name = p.file_name()?.to_string_lossy().into_owned();
            Some((name, table))
        })
        .collect()
}
