//! Expressions: literals, variables, `site.x`, fields, indexing, operators,
//! regex matches, comprehensions, string interpolation and calls (builtins
//! go to `dispatch`, pure functions to `functions`).
use std::cmp::Ordering;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use super::error::{Result, RunError};
use super::exec::RunState;
use super::value::Value;
use super::Interp;
use crate::diagnostic::Code;
use crate::syntax::ast::{BinaryOp, Expr, ExprKind, Quantifier, Span, Text, TextPart, UnaryOp};

pub(crate) type BoxFut<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

impl<'c> Interp<'c> {
    pub(crate) fn fail(&self, ctx: &RunState<'c>, span: Span, msg: impl Into<String>) -> RunError {
        RunError::new(Code::EvalFailed, span, &ctx.unit.source, msg)
    }

    /// Evaluate an expression.
    pub(crate) fn eval<'a>(
        &'a self,
        ctx: &'a mut RunState<'c>,
        e: &'c Expr,
    ) -> BoxFut<'a, Result<Value>> {
        Box::pin(async move {
            Ok(match &e.kind {
                ExprKind::Int(i) => Value::Int(*i),
                ExprKind::Float(f) => Value::Float(*f),
                ExprKind::Bool(b) => Value::Bool(*b),
                ExprKind::None => Value::Null,
                ExprKind::Duration(d) => Value::Duration(*d),
                ExprKind::Str(t) => Value::Str(self.eval_text(ctx, t).await?),
                ExprKind::List(items) => {
                    let mut out = Vec::with_capacity(items.len());
                    for i in items {
                        out.push(self.eval(ctx, i).await?);
                    }
                    Value::List(out)
                }
                ExprKind::Var(id) => self.lookup(ctx, &id.name, e.span)?,
                ExprKind::Field { base, name } => {
                    let b = self.eval(ctx, base).await?;
                    self.field(ctx, &b, &name.name, e.span)?
                }
                ExprKind::Index { base, index } => {
                    let b = self.eval(ctx, base).await?;
                    let i = self.eval(ctx, index).await?;
                    self.index(ctx, &b, &i, e.span)?
                }
                ExprKind::Call { callee, args } => self.call(ctx, callee, args, e.span).await?,
                ExprKind::Unary { op, operand } => {
                    let v = self.eval(ctx, operand).await?;
                    match (op, v) {
                        (UnaryOp::Not, v) => Value::Bool(!v.truthy()),
                        (UnaryOp::Neg, Value::Int(i)) => match i.checked_neg() {
                            Some(n) => Value::Int(n),
                            None => return Err(self.fail(ctx, e.span, "integer overflow")),
                        },
                        (UnaryOp::Neg, Value::Float(f)) => Value::Float(-f),
                        (UnaryOp::Neg, v) => {
                            return Err(self.fail(
                                ctx,
                                e.span,
                                format!("cannot negate a {}", v.type_name()),
                            ))
                        }
                    }
                }
                ExprKind::Binary { op, lhs, rhs } => match op {
                    BinaryOp::And => {
                        let l = self.eval(ctx, lhs).await?;
                        if !l.truthy() {
                            Value::Bool(false)
                        } else {
                            Value::Bool(self.eval(ctx, rhs).await?.truthy())
                        }
                    }
                    BinaryOp::Or => {
                        let l = self.eval(ctx, lhs).await?;
                        if l.truthy() {
                            Value::Bool(true)
                        } else {
                            Value::Bool(self.eval(ctx, rhs).await?.truthy())
                        }
                    }
                    _ => {
                        let l = self.eval(ctx, lhs).await?;
                        let r = self.eval(ctx, rhs).await?;
                        self.binary(ctx, *op, l, r, e.span)?
                    }
                },
                ExprKind::Comprehension {
                    quantifier,
                    var,
                    iter,
                    filter,
                    map,
                } => {
                    let source = self.eval(ctx, iter).await?;
                    let items = self.iterable(ctx, source, iter.span)?;
                    let saved = ctx.vars.remove(&var.name);
                    let result = self
                        .comprehension(
                            ctx,
                            *quantifier,
                            &var.name,
                            items,
                            filter.as_deref(),
                            map.as_deref(),
                        )
                        .await;
                    ctx.vars.remove(&var.name);
                    if let Some(v) = saved {
                        ctx.vars.insert(var.name.clone(), v);
                    }
                    result?
                }
            })
        })
    }

    async fn comprehension(
        &self,
        ctx: &mut RunState<'c>,
        q: Quantifier,
        var: &str,
        items: Vec<Value>,
        filter: Option<&'c Expr>,
        map: Option<&'c Expr>,
    ) -> Result<Value> {
        let mut kept = Vec::new();
        let mut count = 0i64;
        for item in items {
            ctx.vars.insert(var.to_string(), item.clone());
            let pass = match filter {
                Some(f) => self.eval(ctx, f).await?.truthy(),
                None => true,
            };
            match q {
                Quantifier::Any if pass => return Ok(Value::Bool(true)),
                Quantifier::All if !pass => return Ok(Value::Bool(false)),
                Quantifier::Count if pass => count += 1,
                Quantifier::Filter if pass => kept.push(item),
                Quantifier::Map if pass => {
                    let v = match map {
                        Some(m) => self.eval(ctx, m).await?,
                        None => item,
                    };
                    kept.push(v);
                }
                _ => {}
            }
        }
        Ok(match q {
            Quantifier::Any => Value::Bool(false),
            Quantifier::All => Value::Bool(true),
            Quantifier::Count => Value::Int(count),
            Quantifier::Filter | Quantifier::Map => Value::List(kept),
        })
    }

    /// A string with its `{expr}` parts filled in.
    pub(crate) async fn eval_text(&self, ctx: &mut RunState<'c>, t: &'c Text) -> Result<String> {
        let mut out = String::new();
        for p in &t.parts {
            match p {
                TextPart::Lit(s) => out.push_str(s),
                TextPart::Expr(e) => {
                    let v = self.eval(ctx, e).await?;
                    out.push_str(&v.to_string());
                }
            }
        }
        Ok(out)
    }

    fn lookup(&self, ctx: &RunState<'c>, name: &str, span: Span) -> Result<Value> {
        if let Some(v) = ctx.vars.get(name) {
            return Ok(v.clone());
        }
        if name == "site" {
            return Ok(self.site.clone());
        }
        Err(self
            .fail(ctx, span, format!("`{name}` has no value here"))
            .with_label("not set")
            .with_help(
                "variables are set by `let` in this step or an earlier one; a step skipped by a \
                 decision (or by --resume) sets none",
            ))
    }

    fn field(&self, ctx: &RunState<'c>, base: &Value, name: &str, span: Span) -> Result<Value> {
        match base {
            Value::Map(m) => match m.get(name) {
                Some(v) => Ok(v.clone()),
                None => {
                    let known: Vec<&str> = m.keys().map(String::as_str).collect();
                    Err(self
                        .fail(ctx, span, format!("no field `{name}`"))
                        .with_help(format!("fields here: {}", known.join(", "))))
                }
            },
            other => Err(self.fail(
                ctx,
                span,
                format!("a {} has no field `{name}`", other.type_name()),
            )),
        }
    }

    fn index(&self, ctx: &RunState<'c>, base: &Value, index: &Value, span: Span) -> Result<Value> {
        match (base, index) {
            (Value::List(l), Value::Int(i)) => {
                let n = l.len() as i64;
                let at = if *i < 0 { n + i } else { *i };
                l.get(usize::try_from(at).unwrap_or(usize::MAX))
                    .cloned()
                    .ok_or_else(|| {
                        self.fail(
                            ctx,
                            span,
                            format!("index {i} is out of range (the list has {n} items)"),
                        )
                    })
            }
            (Value::Str(s), Value::Int(i)) => {
                let chars: Vec<char> = s.chars().collect();
                let n = chars.len() as i64;
                let at = if *i < 0 { n + i } else { *i };
                chars
                    .get(usize::try_from(at).unwrap_or(usize::MAX))
                    .map(|c| Value::Str(c.to_string()))
                    .ok_or_else(|| {
                        self.fail(
                            ctx,
                            span,
                            format!("index {i} is out of range (the text has {n} characters)"),
                        )
                    })
            }
            (Value::Map(m), Value::Str(k)) => m
                .get(k)
                .cloned()
                .ok_or_else(|| self.fail(ctx, span, format!("no key {k:?} in the map"))),
            (b, i) => Err(self.fail(
                ctx,
                span,
                format!("cannot index a {} with a {}", b.type_name(), i.type_name()),
            )),
        }
    }

    /// The items a `foreach` or comprehension walks: a list's items, a map's
    /// keys, a text's lines.
    pub(crate) fn iterable(&self, ctx: &RunState<'c>, v: Value, span: Span) -> Result<Vec<Value>> {
        match v {
            Value::List(l) => Ok(l),
            Value::Map(m) => Ok(m.into_keys().map(Value::Str).collect()),
            Value::Str(s) => Ok(s.lines().map(|l| Value::Str(l.to_string())).collect()),
            Value::Null => Ok(Vec::new()),
            other => Err(self.fail(
                ctx,
                span,
                format!("cannot iterate over a {}", other.type_name()),
            )),
        }
    }

    pub(crate) fn regex(
        &self,
        ctx: &RunState<'c>,
        pattern: &str,
        span: Span,
    ) -> Result<Arc<regex::Regex>> {
        if let Ok(cache) = self.regexes.lock() {
            if let Some(r) = cache.get(pattern) {
                return Ok(r.clone());
            }
        }
        let r = regex::Regex::new(pattern).map_err(|e| {
            self.fail(
                ctx,
                span,
                format!("bad regular expression {pattern:?}: {e}"),
            )
        })?;
        let r = Arc::new(r);
        if let Ok(mut cache) = self.regexes.lock() {
            cache.insert(pattern.to_string(), r.clone());
        }
        Ok(r)
    }

    fn binary(
        &self,
        ctx: &RunState<'c>,
        op: BinaryOp,
        l: Value,
        r: Value,
        span: Span,
    ) -> Result<Value> {
        use Value as V;
        let mismatch = |this: &Self, l: &Value, r: &Value| {
            this.fail(
                ctx,
                span,
                format!(
                    "cannot apply `{}` to a {} and a {}",
                    op.as_str(),
                    l.type_name(),
                    r.type_name()
                ),
            )
        };
        // Whole numbers that leave i64 fail rather than wrap around.
        let overflow = || self.fail(ctx, span, "integer overflow");
        Ok(match op {
            BinaryOp::Eq => V::Bool(equal(&l, &r)),
            BinaryOp::Ne => V::Bool(!equal(&l, &r)),
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
                let ord = compare(&l, &r).ok_or_else(|| mismatch(self, &l, &r))?;
                V::Bool(match op {
                    BinaryOp::Lt => ord == Ordering::Less,
                    BinaryOp::Le => ord != Ordering::Greater,
                    BinaryOp::Gt => ord == Ordering::Greater,
                    _ => ord != Ordering::Less,
                })
            }
            BinaryOp::Matches | BinaryOp::NotMatches => {
                let (V::Str(text), V::Str(pat)) = (&l, &r) else {
                    // none never matches: a missing reading is "not seen".
                    if matches!(l, V::Null) {
                        return Ok(V::Bool(op == BinaryOp::NotMatches));
                    }
                    return Err(mismatch(self, &l, &r));
                };
                let m = self.regex(ctx, pat, span)?.is_match(text);
                V::Bool(m == (op == BinaryOp::Matches))
            }
            BinaryOp::In | BinaryOp::NotIn => {
                let found = contains(&r, &l).ok_or_else(|| mismatch(self, &l, &r))?;
                V::Bool(found == (op == BinaryOp::In))
            }
            BinaryOp::Add => match (l, r) {
                (V::Int(a), V::Int(b)) => V::Int(a.checked_add(b).ok_or_else(overflow)?),
                (V::Str(a), b) => V::Str(format!("{a}{b}")),
                (a, V::Str(b)) => V::Str(format!("{a}{b}")),
                (V::List(mut a), V::List(b)) => {
                    a.extend(b);
                    V::List(a)
                }
                (V::Duration(a), b) | (b, V::Duration(a)) => match b.as_duration() {
                    Some(d) => V::Duration(a + d),
                    None => return Err(mismatch(self, &V::Duration(a), &b)),
                },
                (a, b) => match (a.as_f64(), b.as_f64()) {
                    (Some(x), Some(y)) => V::Float(x + y),
                    _ => return Err(mismatch(self, &a, &b)),
                },
            },
            BinaryOp::Sub => match (l, r) {
                (V::Int(a), V::Int(b)) => V::Int(a.checked_sub(b).ok_or_else(overflow)?),
                (V::Duration(a), b) => match b.as_duration() {
                    Some(d) => V::Duration(a.saturating_sub(d)),
                    None => return Err(mismatch(self, &V::Duration(a), &b)),
                },
                (a, b) => match (a.as_f64(), b.as_f64()) {
                    (Some(x), Some(y)) => V::Float(x - y),
                    _ => return Err(mismatch(self, &a, &b)),
                },
            },
            BinaryOp::Mul => match (l, r) {
                (V::Int(a), V::Int(b)) => V::Int(a.checked_mul(b).ok_or_else(overflow)?),
                (V::Duration(d), n) | (n, V::Duration(d)) => match n.as_f64() {
                    Some(x) if x >= 0.0 && x.is_finite() => V::Duration(d.mul_f64(x)),
                    _ => return Err(mismatch(self, &V::Duration(d), &n)),
                },
                (a, b) => match (a.as_f64(), b.as_f64()) {
                    (Some(x), Some(y)) => V::Float(x * y),
                    _ => return Err(mismatch(self, &a, &b)),
                },
            },
            BinaryOp::Div => {
                let (Some(x), Some(y)) = (l.as_f64(), r.as_f64()) else {
                    return Err(mismatch(self, &l, &r));
                };
                if y == 0.0 {
                    return Err(self.fail(ctx, span, "division by zero"));
                }
                match l {
                    V::Duration(d) if !matches!(r, V::Duration(_)) => V::Duration(d.div_f64(y)),
                    _ => V::Float(x / y),
                }
            }
            BinaryOp::Rem => match (l, r) {
                (V::Int(_), V::Int(0)) => return Err(self.fail(ctx, span, "remainder by zero")),
                (V::Int(a), V::Int(b)) => V::Int(a.wrapping_rem(b)),
                (a, b) => match (a.as_f64(), b.as_f64()) {
                    (Some(_), Some(0.0)) => return Err(self.fail(ctx, span, "remainder by zero")),
                    (Some(x), Some(y)) => V::Float(x % y),
                    _ => return Err(mismatch(self, &a, &b)),
                },
            },
            BinaryOp::And | BinaryOp::Or => {
                V::Bool(l.truthy() && (op == BinaryOp::Or || r.truthy()))
            }
        })
    }
}

/// Equality across numeric kinds (1 == 1.0; a duration equals its seconds).
pub(crate) fn equal(l: &Value, r: &Value) -> bool {
    match (l, r) {
        (Value::List(a), Value::List(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| equal(x, y))
        }
        (Value::Map(a), Value::Map(b)) => {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|((ka, va), (kb, vb))| ka == kb && equal(va, vb))
        }
        _ => match (l.as_f64(), r.as_f64()) {
            (Some(x), Some(y)) => x == y,
            _ => l == r,
        },
    }
}

pub(crate) fn compare(l: &Value, r: &Value) -> Option<Ordering> {
    match (l, r) {
        (Value::Str(a), Value::Str(b)) => Some(a.cmp(b)),
        _ => l.as_f64()?.partial_cmp(&r.as_f64()?),
    }
}

/// `needle in haystack`: list membership, substring, map key.
pub(crate) fn contains(haystack: &Value, needle: &Value) -> Option<bool> {
    match (haystack, needle) {
        (Value::List(l), n) => Some(l.iter().any(|x| equal(x, n))),
        (Value::Str(s), Value::Str(n)) => Some(s.contains(n.as_str())),
        (Value::Map(m), Value::Str(k)) => Some(m.contains_key(k)),
        (Value::Null, _) => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
