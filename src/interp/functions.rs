//! The pure functions of the builtin table (`len`, `split`, `capture`, ...):
//! functions of their arguments, no I/O. Errors are plain messages; the
//! caller attaches the span.
use std::collections::BTreeMap;

use super::eval::{compare, contains};
use super::value::Value;

pub(crate) fn call(
    name: &str,
    args: &[Value],
    regex: &dyn Fn(&str) -> Result<regex::Regex, String>,
) -> Result<Value, String> {
    let text = |i: usize| -> Result<&str, String> {
        match args.get(i) {
            Some(Value::Str(s)) => Ok(s),
            Some(Value::Null) => Ok(""),
            Some(v) => Err(format!("`{name}` wants text, got a {}", v.type_name())),
            None => Err(format!("`{name}` is missing an argument")),
        }
    };
    let list = |i: usize| -> Result<&[Value], String> {
        match args.get(i) {
            Some(Value::List(l)) => Ok(l),
            Some(Value::Null) => Ok(&[]),
            Some(v) => Err(format!("`{name}` wants a list, got a {}", v.type_name())),
            None => Err(format!("`{name}` is missing an argument")),
        }
    };
    let arg = |i: usize| args.get(i).cloned().unwrap_or_default();
    Ok(match name {
        "len" => Value::Int(match arg(0) {
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
        }),
        "contains" => Value::Bool(
            contains(&arg(0), &arg(1))
                .ok_or_else(|| "`contains` wants a list, text or map".to_string())?,
        ),
        "starts_with" => Value::Bool(text(0)?.starts_with(text(1)?)),
        "ends_with" => Value::Bool(text(0)?.ends_with(text(1)?)),
        "trim_prefix" => Value::Str(
            text(0)?
                .strip_prefix(text(1)?)
                .unwrap_or(text(0)?)
                .to_string(),
        ),
        "trim" => Value::Str(text(0)?.trim().to_string()),
        "lower" => Value::Str(text(0)?.to_lowercase()),
        "upper" => Value::Str(text(0)?.to_uppercase()),
        "lines" => Value::List(
            text(0)?
                .lines()
                .map(|l| Value::Str(l.to_string()))
                .collect(),
        ),
        "split" => {
            let sep = text(1)?;
            let t = text(0)?;
            let parts: Vec<Value> = if sep.is_empty() {
                t.split_whitespace()
                    .map(|p| Value::Str(p.to_string()))
                    .collect()
            } else {
                t.split(sep).map(|p| Value::Str(p.to_string())).collect()
            };
            Value::List(parts)
        }
        "join" => {
            let sep = if args.len() > 1 {
                text(1)?.to_string()
            } else {
                ", ".to_string()
            };
            let items: Vec<String> = list(0)?.iter().map(Value::to_string).collect();
            Value::Str(items.join(&sep))
        }
        "capture" => {
            let re = regex(text(1)?)?;
            let t = text(0)?;
            let got = re
                .captures(t)
                .and_then(|c| c.get(1).or_else(|| c.get(0)))
                .map_or("", |m| m.as_str());
            Value::Str(got.to_string())
        }
        "str" => Value::Str(arg(0).to_string()),
        "int" => match arg(0) {
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
        },
        "float" => match arg(0) {
            Value::Str(s) => Value::Float(
                s.trim()
                    .parse::<f64>()
                    .map_err(|_| format!("`float`: {s:?} is not a number"))?,
            ),
            v => Value::Float(
                v.as_f64()
                    .ok_or_else(|| format!("`float`: a {} is not a number", v.type_name()))?,
            ),
        },
        "keys" => match arg(0) {
            Value::Map(m) => Value::List(m.into_keys().map(Value::Str).collect()),
            Value::Null => Value::List(Vec::new()),
            v => return Err(format!("`keys` wants a map, got a {}", v.type_name())),
        },
        "first" => list(0)?.first().cloned().unwrap_or_default(),
        "sum" => {
            let mut int_sum = Some(0i64);
            let mut total = 0.0;
            for v in list(0)? {
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
        }
        "max" | "min" => {
            let items = list(0)?;
            let mut best: Option<&Value> = None;
            for v in items {
                if v.as_f64().is_none() {
                    return Err(format!("`{name}`: a {} is not a number", v.type_name()));
                }
                best = match best {
                    None => Some(v),
                    Some(b) => {
                        let ord = compare(v, b).unwrap_or(std::cmp::Ordering::Equal);
                        let better = if name == "max" {
                            ord.is_gt()
                        } else {
                            ord.is_lt()
                        };
                        Some(if better { v } else { b })
                    }
                };
            }
            best.cloned().unwrap_or_default()
        }
        "condition" => {
            let wanted = text(1)?;
            let found = match arg(0) {
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
        }
        other => return Err(format!("`{other}` is not a function rbk knows")),
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
