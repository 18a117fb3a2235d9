//! The document outline: the procedure with its params, steps, gates,
//! decisions and calls, and the file's site fields and layers.
use lsp_types::{DocumentSymbol, SymbolKind};

use super::analysis::Analysis;
use crate::syntax::ast::{FileItem, NodeKind, ProcItem, Span};

pub fn outline(a: &Analysis) -> Vec<DocumentSymbol> {
    let Some(file) = &a.comp.root.file else {
        return Vec::new();
    };
    let sym = |name: &str, detail: Option<String>, kind, whole: Span, name_span: Span| {
        #[allow(deprecated)] // `deprecated` is a required field of the type
        DocumentSymbol {
            name: name.to_string(),
            detail,
            kind,
            tags: None,
            deprecated: None,
            range: a.lines.range(a.text(), whole),
            selection_range: a.lines.range(a.text(), name_span),
            children: None,
        }
    };
    let mut out = Vec::new();
    for item in &file.items {
        match item {
            FileItem::Site(s) => {
                for f in &s.fields {
                    let detail = Some(format!("site field: {}", f.ty));
                    out.push(sym(
                        &f.name.name,
                        detail,
                        SymbolKind::FIELD,
                        f.span,
                        f.name.span,
                    ));
                }
            }
            FileItem::Procedure(p) => {
                let mut children = Vec::new();
                for item in &p.items {
                    match item {
                        ProcItem::Param(f) => {
                            let detail = Some(format!("param: {}", f.ty));
                            children.push(sym(
                                &f.name.name,
                                detail,
                                SymbolKind::VARIABLE,
                                f.span,
                                f.name.span,
                            ));
                        }
                        ProcItem::Node(n) => {
                            let kind = match n.kind {
                                NodeKind::Step(_) => SymbolKind::FUNCTION,
                                NodeKind::Gate(_) => SymbolKind::EVENT,
                                NodeKind::Decide(_) => SymbolKind::ENUM,
                                NodeKind::Call(_) => SymbolKind::MODULE,
                            };
                            let detail = n
                                .title
                                .as_ref()
                                .map(|t| format!("{} {}", n.kind.keyword(), t.display_template()));
                            let detail = detail.or_else(|| Some(n.kind.keyword().to_string()));
                            children.push(sym(&n.name.name, detail, kind, n.span, n.name.span));
                        }
                        _ => {}
                    }
                }
                let mut proc = sym(
                    &p.name.name,
                    Some(p.title.display_template()),
                    SymbolKind::CLASS,
                    p.span,
                    p.name.span,
                );
                proc.children = Some(children);
                out.push(proc);
            }
            _ => {}
        }
    }
    out
}
