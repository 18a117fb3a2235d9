//! Run-time values. Backend records arrive as serde_json and become maps, so
//! `server.status` is a map lookup with the field names of `backends::model`.
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use crate::syntax::ast::format_duration;

#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Duration(Duration),
    List(Vec<Value>),
    /// Records and maps alike.
    Map(BTreeMap<String, Value>),
}

impl Value {
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "none",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "str",
            Value::Duration(_) => "duration",
            Value::List(_) => "list",
            Value::Map(_) => "map",
        }
    }

    /// Truthiness for conditions: only booleans are accepted by the checker;
    /// at run time none/empty count as false so a failed read stays "not met".
    pub fn truthy(&self) -> bool {
        match self {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::Duration(d) => !d.is_zero(),
            Value::List(l) => !l.is_empty(),
            Value::Map(m) => !m.is_empty(),
        }
    }

    /// A number as f64 (durations count in seconds).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            Value::Duration(d) => Some(d.as_secs_f64()),
            _ => None,
        }
    }

    /// A duration; plain numbers count as seconds.
    pub fn as_duration(&self) -> Option<Duration> {
        match self {
            Value::Duration(d) => Some(*d),
            Value::Int(i) if *i >= 0 => Some(Duration::from_secs(*i as u64)),
            Value::Float(f) if *f >= 0.0 && f.is_finite() => Some(Duration::from_secs_f64(*f)),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn from_json(v: serde_json::Value) -> Value {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            serde_json::Value::String(s) => Value::Str(s),
            serde_json::Value::Array(a) => {
                Value::List(a.into_iter().map(Value::from_json).collect())
            }
            serde_json::Value::Object(o) => Value::Map(
                o.into_iter()
                    .map(|(k, v)| (k, Value::from_json(v)))
                    .collect(),
            ),
        }
    }

    /// A serialisable record (a backend result) as a value.
    pub fn from_serde<T: serde::Serialize>(v: &T) -> Value {
        serde_json::to_value(v).map_or(Value::Null, Value::from_json)
    }

    /// For the journal: durations become their source form (`10s`).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::Str(s) => J::String(s.clone()),
            Value::Duration(d) => J::String(format_duration(*d)),
            Value::List(l) => J::Array(l.iter().map(Value::to_json).collect()),
            Value::Map(m) => J::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
        }
    }
}

/// How values print in interpolations and logs: strings bare, the rest as
/// compact source-like text.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("none"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => {
                if x.fract() == 0.0 && x.abs() < 1e15 {
                    write!(f, "{x:.1}")
                } else {
                    write!(f, "{x}")
                }
            }
            Value::Str(s) => f.write_str(s),
            Value::Duration(d) => f.write_str(&format_duration(*d)),
            Value::List(items) => {
                f.write_str("[")?;
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    v.fmt_nested(f)?;
                }
                f.write_str("]")
            }
            Value::Map(m) => {
                f.write_str("{")?;
                for (i, (k, v)) in m.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k}: ")?;
                    v.fmt_nested(f)?;
                }
                f.write_str("}")
            }
        }
    }
}

impl Value {
    fn fmt_nested(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Str(s) => write!(f, "{s:?}"),
            v => write!(f, "{v}"),
        }
    }

    /// A copy to show (terminal, journal): the values of secret-named keys,
    /// and of such keys in JSON, YAML or form text, are `<hidden>`
    /// ([`crate::secrets`]). The value itself is what a call sends.
    pub fn shown(&self) -> Value {
        let mut j = self.to_json();
        if crate::secrets::hide_json(&mut j, false) {
            Value::from_json(j)
        } else {
            self.clone()
        }
    }

    /// A short form for progress lines: long values are cut.
    pub fn short(&self, max: usize) -> String {
        let s = self.to_string();
        let s = s.lines().next().unwrap_or("").to_string();
        if s.chars().count() > max {
            let cut: String = s.chars().take(max.saturating_sub(1)).collect();
            format!("{cut}…")
        } else {
            s
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip_keeps_records() {
        let j = serde_json::json!({"status": "ACTIVE", "n": 3, "x": 1.5, "l": ["a"], "m": {}});
        let v = Value::from_json(j.clone());
        assert_eq!(v.to_json(), j);
        assert_eq!(
            v.to_string(),
            r#"{l: ["a"], m: {}, n: 3, status: "ACTIVE", x: 1.5}"#
        );
    }
}
