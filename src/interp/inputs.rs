//! Inputs a run needs before it starts: the `--site FILE.toml` values for the
//! declared `site {}` fields, and `--set name=value` for the procedure's
//! params. Every problem is RBK905 naming the field (and the file); the CLI
//! exits 2 on them.
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use super::value::Value;
use crate::compilation::Compilation;
use crate::diagnostic::{Code, Diagnostic};
use crate::syntax::ast::{Expr, ExprKind, FieldDecl, TypeExpr, UnaryOp};

fn bad(msg: String) -> Box<Diagnostic> {
    Box::new(Diagnostic::bare(Code::BadInput, msg))
}

/// Read and check the site file against every declared site field. A field
/// the file leaves out takes its value from `known` (the simulated cloud's
/// own names, under `--sim` without a site file), then from its declared
/// default.
pub fn load_site(
    comp: &Compilation,
    path: Option<&Path>,
    known: &[(&str, String)],
) -> Result<HashMap<String, Value>, Box<Diagnostic>> {
    let decls: Vec<&FieldDecl> = comp.site_fields().map(|(_, d)| d).collect();
    let (table, shown) = match path {
        Some(p) => (crate::site::read(p).map_err(bad)?, p.display().to_string()),
        None => (toml::Table::new(), String::new()),
    };
    let mut out = HashMap::new();
    for (key, _) in &table {
        if !decls.iter().any(|d| &d.name.name == key) {
            let known: Vec<&str> = decls.iter().map(|d| d.name.name.as_str()).collect();
            return Err(bad(format!(
                "site file {shown}: unknown field `{key}` (the procedure declares: {})",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            )));
        }
    }
    let mut missing = Vec::new();
    for d in &decls {
        let name = &d.name.name;
        match table.get(name) {
            Some(v) => {
                let v = from_toml(&d.ty, v).map_err(|why| {
                    bad(format!(
                        "site file {shown}: field `{name}` must be {}: {why}",
                        d.ty
                    ))
                })?;
                out.insert(name.clone(), v);
            }
            None => match (known_str(known, d), &d.default) {
                (Some(v), _) => {
                    out.insert(name.clone(), v);
                }
                (None, Some(e)) => {
                    let v = const_value(e).ok_or_else(|| {
                        bad(format!(
                            "site field `{name}`: its default is not a constant"
                        ))
                    })?;
                    out.insert(name.clone(), v);
                }
                (None, None) => missing.push(name.as_str()),
            },
        }
    }
    if !missing.is_empty() {
        let which = missing
            .iter()
            .map(|m| format!("`{m}`"))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(match path {
            Some(_) => bad(format!("site file {shown}: missing field {which}")),
            None => bad(format!(
                "this procedure needs a site file (--site FILE.toml) with {which}"
            )),
        });
    }
    Ok(out)
}

/// The value `known` gives a `str` field, if any.
fn known_str(known: &[(&str, String)], d: &FieldDecl) -> Option<Value> {
    let (_, v) = known.iter().find(|(k, _)| *k == d.name.name)?;
    (d.ty.to_string() == "str").then(|| Value::Str(v.clone()))
}

/// Parse `--set name=value` by each param's declared type.
pub fn parse_params(
    comp: &Compilation,
    sets: &[String],
) -> Result<HashMap<String, Value>, Box<Diagnostic>> {
    let params: Vec<&FieldDecl> = comp
        .procedure()
        .map(|p| p.params().collect())
        .unwrap_or_default();
    let mut out = HashMap::new();
    for s in sets {
        let Some((name, raw)) = s.split_once('=') else {
            return Err(bad(format!("--set {s}: write NAME=VALUE")));
        };
        let name = name.trim();
        let Some(decl) = params.iter().find(|p| p.name.name == name) else {
            let known: Vec<&str> = params.iter().map(|p| p.name.name.as_str()).collect();
            return Err(bad(format!(
                "--set {name}: the procedure has no parameter `{name}` (it has: {})",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            )));
        };
        let v = from_text(&decl.ty, raw).map_err(|why| {
            bad(format!(
                "--set {name}={raw}: parameter `{name}` is {}: {why}",
                decl.ty
            ))
        })?;
        out.insert(name.to_string(), v);
    }
    for p in &params {
        if p.default.is_none() && !out.contains_key(&p.name.name) {
            return Err(bad(format!(
                "parameter `{}` has no default: pass --set {}=VALUE",
                p.name.name, p.name.name
            )));
        }
    }
    Ok(out)
}

fn type_name(ty: &TypeExpr) -> String {
    match ty {
        TypeExpr::Named(i) => i.name.clone(),
        TypeExpr::List(..) => "list".into(),
    }
}

fn from_toml(ty: &TypeExpr, v: &toml::Value) -> Result<Value, String> {
    use toml::Value as T;
    let got = || format!("got {}", v.type_str());
    Ok(match (type_name(ty).as_str(), v) {
        ("list", T::Array(items)) => {
            let TypeExpr::List(inner, _) = ty else {
                return Err(got());
            };
            Value::List(
                items
                    .iter()
                    .map(|i| from_toml(inner, i))
                    .collect::<Result<_, _>>()?,
            )
        }
        ("str" | "string", T::String(s)) => Value::Str(s.clone()),
        ("int", T::Integer(i)) => Value::Int(*i),
        ("float", T::Float(f)) => Value::Float(*f),
        ("float", T::Integer(i)) => Value::Float(*i as f64),
        ("bool", T::Boolean(b)) => Value::Bool(*b),
        ("duration", T::String(s)) => Value::Duration(
            crate::syntax::parse_duration(s)
                .ok_or_else(|| format!("{s:?} is not a duration like \"10s\" or \"5m\""))?,
        ),
        ("duration", T::Integer(i)) if *i >= 0 => Value::Duration(Duration::from_secs(*i as u64)),
        ("any" | "map", other) => toml_any(other),
        _ => return Err(got()),
    })
}

fn toml_any(v: &toml::Value) -> Value {
    serde_json::to_value(v).map_or(Value::Null, Value::from_json)
}

fn from_text(ty: &TypeExpr, raw: &str) -> Result<Value, String> {
    let t = raw.trim();
    Ok(match type_name(ty).as_str() {
        "str" | "string" => Value::Str(raw.to_string()),
        "int" => Value::Int(
            t.parse()
                .map_err(|_| format!("{t:?} is not a whole number"))?,
        ),
        "float" => Value::Float(t.parse().map_err(|_| format!("{t:?} is not a number"))?),
        "bool" => match t {
            "true" | "yes" => Value::Bool(true),
            "false" | "no" => Value::Bool(false),
            _ => return Err(format!("{t:?} is not true or false")),
        },
        "duration" => match crate::syntax::parse_duration(t) {
            Some(d) => Value::Duration(d),
            None => match t.parse::<u64>() {
                Ok(s) => Value::Duration(Duration::from_secs(s)),
                Err(_) => return Err(format!("{t:?} is not a duration like 10s or 5m")),
            },
        },
        _ => {
            // Lists and maps: TOML syntax (`["a", "b"]`).
            let doc: toml::Table = format!("v = {t}").parse().map_err(|e| format!("{e}"))?;
            let v = doc.get("v").ok_or("no value")?;
            from_toml(ty, v)?
        }
    })
}

/// The value of a constant expression (defaults of site fields).
pub(crate) fn const_value(e: &Expr) -> Option<Value> {
    Some(match &e.kind {
        ExprKind::Int(i) => Value::Int(*i),
        ExprKind::Float(f) => Value::Float(*f),
        ExprKind::Bool(b) => Value::Bool(*b),
        ExprKind::None => Value::Null,
        ExprKind::Duration(d) => Value::Duration(*d),
        ExprKind::Str(t) => Value::Str(t.as_literal()?),
        ExprKind::List(items) => Value::List(items.iter().map(const_value).collect::<Option<_>>()?),
        ExprKind::Unary {
            op: UnaryOp::Neg,
            operand,
        } => match const_value(operand)? {
            Value::Int(i) => Value::Int(-i),
            Value::Float(f) => Value::Float(-f),
            _ => return None,
        },
        _ => return None,
    })
}
