//! The pure functions of the builtin table (`len`, `split`, `capture`, ...):
//! functions of their arguments, no I/O. Each is named by its table entry
//! (`Implementation::Pure(functions::len)`). Errors are plain messages; the caller
//! attaches the span.
use std::collections::BTreeMap;

use super::eval::{compare, contains};
use super::value::Value;

/// What a pure function gets: its name (for messages), its arguments in
/// the table's parameter order, and the run's regex cache.
pub struct Args<'a> {
    pub name: &'a str,
    pub values: &'a [Value],
    pub regex: &'a dyn Fn(&str) -> Result<regex::Regex, String>,
}

/// A pure function's implementation.
pub type PureFn = fn(&Args) -> Result<Value, String>;

impl Args<'_> {
    fn text(&self, i: usize) -> Result<&str, String> {
        match self.values.get(i) {
            Some(Value::Str(s)) => Ok(s),
            Some(Value::Null) => Ok(""),
            Some(v) => Err(format!(
                "`{}` wants text, got a {}",
                self.name,
                v.type_name()
            )),
            None => Err(format!("`{}` is missing an argument", self.name)),
        }
    }
    fn list(&self, i: usize) -> Result<&[Value], String> {
        match self.values.get(i) {
            Some(Value::List(l)) => Ok(l),
            Some(Value::Null) => Ok(&[]),
            Some(v) => Err(format!(
                "`{}` wants a list, got a {}",
                self.name,
                v.type_name()
            )),
            None => Err(format!("`{}` is missing an argument", self.name)),
        }
    }
    fn arg(&self, i: usize) -> Value {
        self.values.get(i).cloned().unwrap_or_default()
    }
}

/// Call the pure function `name` (tests).
#[cfg(test)]
pub(crate) fn call(
    name: &str,
    values: &[Value],
    regex: &dyn Fn(&str) -> Result<regex::Regex, String>,
) -> Result<Value, String> {
    match crate::resolve::builtins::lookup(name).map(|b| b.run) {
        Some(crate::resolve::builtins::Implementation::Pure(f)) => f(&Args {
            name,
            values,
            regex,
        }),
        _ => Err(format!("`{name}` is not a function rbk knows")),
    }
}

pub(crate) fn len(a: &Args) -> Result<Value, String> {
    Ok(Value::Int(match a.arg(0) {
        Value::List(l) => l.len() as i64,
        Value::Str(s) => s.chars().count() as i64,
        Value::Map(m) => m.len() as i64,
        Value::Null => 0,
        v => {
            return Err(format!(
                "`len` wants a list, text or map, got a {}",
                v.type_name()
            ))
        }
    }))
}

pub(crate) fn contains_(a: &Args) -> Result<Value, String> {
    Ok(Value::Bool(contains(&a.arg(0), &a.arg(1)).ok_or_else(
        || "`contains` wants a list, text or map".to_string(),
    )?))
}

pub(crate) fn starts_with(a: &Args) -> Result<Value, String> {
    Ok(Value::Bool(a.text(0)?.starts_with(a.text(1)?)))
}

pub(crate) fn ends_with(a: &Args) -> Result<Value, String> {
    Ok(Value::Bool(a.text(0)?.ends_with(a.text(1)?)))
}

pub(crate) fn trim_prefix(a: &Args) -> Result<Value, String> {
    Ok(Value::Str(
        a.text(0)?
            .strip_prefix(a.text(1)?)
            .unwrap_or(a.text(0)?)
            .to_string(),
    ))
}

pub(crate) fn trim(a: &Args) -> Result<Value, String> {
    Ok(Value::Str(a.text(0)?.trim().to_string()))
}

pub(crate) fn lower(a: &Args) -> Result<Value, String> {
    Ok(Value::Str(a.text(0)?.to_lowercase()))
}

pub(crate) fn upper(a: &Args) -> Result<Value, String> {
    Ok(Value::Str(a.text(0)?.to_uppercase()))
}

pub(crate) fn lines(a: &Args) -> Result<Value, String> {
    Ok(Value::List(
        a.text(0)?
            .lines()
            .map(|l| Value::Str(l.to_string()))
            .collect(),
    ))
}

pub(crate) fn split(a: &Args) -> Result<Value, String> {
    Ok({
        let sep = a.text(1)?;
        let t = a.text(0)?;
        let parts: Vec<Value> = if sep.is_empty() {
            t.split_whitespace()
                .map(|p| Value::Str(p.to_string()))
                .collect()
        } else {
            t.split(sep).map(|p| Value::Str(p.to_string())).collect()
        };
        Value::List(parts)
    })
}

pub(crate) fn join(a: &Args) -> Result<Value, String> {
    Ok({
        let sep = if a.values.len() > 1 {
            a.text(1)?.to_string()
        } else {
            ", ".to_string()
        };
        let items: Vec<String> = a.list(0)?.iter().map(Value::to_string).collect();
        Value::Str(items.join(&sep))
    })
}

pub(crate) fn capture(a: &Args) -> Result<Value, String> {
    Ok({
        let re = (a.regex)(a.text(1)?)?;
        let t = a.text(0)?;
        let got = re
            .captures(t)
            .and_then(|c| c.get(1).or_else(|| c.get(0)))
            .map_or("", |m| m.as_str());
        Value::Str(got.to_string())
    })
}

pub(crate) fn str_(a: &Args) -> Result<Value, String> {
    Ok(Value::Str(a.arg(0).to_string()))
}

pub(crate) fn int_(a: &Args) -> Result<Value, String> {
    Ok(match a.arg(0) {
        Value::Int(i) => Value::Int(i),
        Value::Float(f) if f.is_finite() => Value::Int(f.trunc() as i64),
        Value::Bool(b) => Value::Int(i64::from(b)),
        Value::Duration(d) => Value::Int(d.as_secs() as i64),
        Value::Str(s) => {
            let t = s.trim();
            match t.parse::<i64>() {
                Ok(i) => Value::Int(i),
                Err(_) => match t.parse::<f64>() {
                    Ok(f) if f.is_finite() => Value::Int(f.trunc() as i64),
                    _ => return Err(format!("`int`: {s:?} is not a number")),
                },
            }
        }
        v => return Err(format!("`int`: a {} is not a number", v.type_name())),
    })
}

pub(crate) fn float_(a: &Args) -> Result<Value, String> {
    Ok(match a.arg(0) {
        Value::Str(s) => Value::Float(
            s.trim()
                .parse::<f64>()
                .map_err(|_| format!("`float`: {s:?} is not a number"))?,
        ),
        v => Value::Float(
            v.as_f64()
                .ok_or_else(|| format!("`float`: a {} is not a number", v.type_name()))?,
        ),
    })
}

pub(crate) fn keys(a: &Args) -> Result<Value, String> {
    Ok(match a.arg(0) {
        Value::Map(m) => Value::List(m.into_keys().map(Value::Str).collect()),
        Value::Null => Value::List(Vec::new()),
        v => return Err(format!("`keys` wants a map, got a {}", v.type_name())),
    })
}

pub(crate) fn first(a: &Args) -> Result<Value, String> {
    Ok(a.list(0)?.first().cloned().unwrap_or_default())
}

pub(crate) fn sum(a: &Args) -> Result<Value, String> {
    Ok({
        let mut int_sum = Some(0i64);
        let mut total = 0.0;
        for v in a.list(0)? {
            let x = v
                .as_f64()
                .ok_or_else(|| format!("`sum`: a {} is not a number", v.type_name()))?;
            total += x;
            int_sum = match (int_sum, v) {
                (Some(acc), Value::Int(i)) => acc.checked_add(*i),
                _ => None,
            };
        }
        int_sum.map_or(Value::Float(total), Value::Int)
    })
}

pub(crate) fn max_min(a: &Args) -> Result<Value, String> {
    Ok({
        let items = a.list(0)?;
        let mut best: Option<&Value> = None;
        for v in items {
            if v.as_f64().is_none() {
                return Err(format!("`{}`: a {} is not a number", a.name, v.type_name()));
            }
            best = match best {
                None => Some(v),
                Some(b) => {
                    let ord = compare(v, b).unwrap_or(std::cmp::Ordering::Equal);
                    let better = if a.name == "max" {
                        ord.is_gt()
                    } else {
                        ord.is_lt()
                    };
                    Some(if better { v } else { b })
                }
            };
        }
        best.cloned().unwrap_or_default()
    })
}

pub(crate) fn condition(a: &Args) -> Result<Value, String> {
    Ok({
        let wanted = a.text(1)?;
        let found = match a.arg(0) {
            Value::Map(obj) => match obj.get("conditions") {
                Some(Value::List(cs)) => cs
                    .iter()
                    .find(|c| matches!(c, Value::Map(m) if m.get("type").and_then(Value::as_str) == Some(wanted)))
                    .cloned(),
                _ => None,
            },
            _ => None,
        };
        found.unwrap_or_else(|| {
            let mut m = BTreeMap::new();
            m.insert("type".into(), Value::Str(wanted.to_string()));
            m.insert("status".into(), Value::Str("Unknown".into()));
            m.insert("reason".into(), Value::Str(String::new()));
            m.insert("message".into(), Value::Str(String::new()));
            Value::Map(m)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn re(p: &str) -> Result<regex::Regex, String> {
        regex::Regex::new(p).map_err(|e| e.to_string())
    }
    fn s(x: &str) -> Value {
        Value::Str(x.into())
    }

    #[test]
    fn text_functions() {
        assert_eq!(
            call(
                "capture",
                &[s("load average: 96.12, 88"), s(r"average: ([0-9.]+)")],
                &re
            ),
            Ok(s("96.12"))
        );
        assert_eq!(
            call("trim_prefix", &[s("amphora-x"), s("amphora-")], &re),
            Ok(s("x"))
        );
        assert_eq!(
            call("split", &[s("a b  c"), s("")], &re),
            Ok(Value::List(vec![s("a"), s("b"), s("c")]))
        );
        assert_eq!(call("int", &[s(" 42 ")], &re), Ok(Value::Int(42)));
        assert!(call("int", &[s("x")], &re).is_err());
    }

    #[test]
    fn number_functions() {
        let l = Value::List(vec![Value::Int(3), Value::Int(9), Value::Int(1)]);
        assert_eq!(
            call("max", std::slice::from_ref(&l), &re),
            Ok(Value::Int(9))
        );
        assert_eq!(call("sum", &[l], &re), Ok(Value::Int(13)));
        assert_eq!(call("max", &[Value::List(vec![])], &re), Ok(Value::Null));
    }
}
