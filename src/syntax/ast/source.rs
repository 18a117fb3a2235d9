//! The AST printed back as canonical source: expressions with the fewest
//! parentheses that keep their meaning, strings re-escaped (`"""` strings
//! laid out as blocks), durations as authors write them. Used by `rbk fmt`,
//! `rbk render` and diagnostics.
use std::time::Duration;

use super::{Arg, Expr, ExprKind, Text, TextPart, UnaryOp};

/// Durations print the way authors write them: `10s`, `3.5m`, `2h`; a
/// duration with sub-millisecond digits prints as exact seconds, so the
/// printed form always reads back as the same duration.
pub fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    let units: [(u128, &str); 4] = [
        (86_400_000, "d"),
        (3_600_000, "h"),
        (60_000, "m"),
        (1000, "s"),
    ];
    let mut short = None;
    for (size, unit) in units {
        if ms >= size && (ms % size == 0 || (ms * 10) % size == 0) {
            let whole = ms / size;
            let tenths = (ms * 10 / size) % 10;
            short = Some(if tenths == 0 {
                format!("{whole}{unit}")
            } else {
                format!("{whole}.{tenths}{unit}")
            });
            break;
        }
    }
    let short = short.unwrap_or_else(|| format!("{ms}ms"));
    if crate::syntax::lower::parse_duration(&short) == Some(d) {
        return short;
    }
    let exact = format!("{}.{:09}", d.as_secs(), d.subsec_nanos());
    format!("{}s", exact.trim_end_matches('0').trim_end_matches('.'))
}

/// Expressions print as canonical source (used by `rbk fmt`, `rbk render`
/// and diagnostics).
impl std::fmt::Display for Expr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.fmt_prec(f, 0, None)
    }
}

/// An expression as source whose `"""` strings are laid out as blocks
/// indented under a line that starts with `indent` (what `rbk fmt` writes).
pub struct IndentedExpr<'a> {
    pub expr: &'a Expr,
    pub indent: &'a str,
}

impl std::fmt::Display for IndentedExpr<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.expr.fmt_prec(f, 0, Some(self.indent))
    }
}

// Binding strengths used when printing, on a doubled scale so that `not`
// (between `and` and the comparisons) has a slot of its own.
const PREC_NOT: u8 = 5;
const PREC_PREFIX: u8 = 18;
const PREC_POSTFIX: u8 = 20;

impl Expr {
    fn fmt_prec(
        &self,
        f: &mut std::fmt::Formatter<'_>,
        outer: u8,
        indent: Option<&str>,
    ) -> std::fmt::Result {
        match &self.kind {
            ExprKind::Int(i) => write!(f, "{i}"),
            ExprKind::Float(x) => {
                if x.fract() == 0.0 {
                    write!(f, "{x:.1}")
                } else {
                    write!(f, "{x}")
                }
            }
            ExprKind::Bool(b) => write!(f, "{b}"),
            ExprKind::None => f.write_str("none"),
            ExprKind::Duration(d) => f.write_str(&format_duration(*d)),
            ExprKind::Str(t) => write_text_at(f, t, indent),
            ExprKind::List(items) => {
                f.write_str("[")?;
                for (i, e) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    e.fmt_prec(f, 0, indent)?;
                }
                f.write_str("]")
            }
            ExprKind::Var(i) => f.write_str(i.as_str()),
            ExprKind::Field { base, name } => {
                base.fmt_prec(f, PREC_POSTFIX, indent)?;
                write!(f, ".{}", name.name)
            }
            ExprKind::Index { base, index } => {
                base.fmt_prec(f, PREC_POSTFIX, indent)?;
                f.write_str("[")?;
                index.fmt_prec(f, 0, indent)?;
                f.write_str("]")
            }
            ExprKind::Call { callee, args } => {
                write!(f, "{}(", callee.dotted())?;
                write_args_at(f, args, indent)?;
                f.write_str(")")
            }
            ExprKind::Unary { op, operand } => {
                let own = match op {
                    UnaryOp::Not => PREC_NOT,
                    UnaryOp::Neg => PREC_PREFIX,
                };
                let parens = own < outer;
                if parens {
                    f.write_str("(")?;
                }
                match op {
                    UnaryOp::Not => f.write_str("not ")?,
                    UnaryOp::Neg => f.write_str("-")?,
                }
                operand.fmt_prec(f, PREC_PREFIX, indent)?;
                if parens {
                    f.write_str(")")?;
                }
                Ok(())
            }
            ExprKind::Binary { op, lhs, rhs } => {
                let p = op.precedence() * 2;
                let parens = p < outer;
                if parens {
                    f.write_str("(")?;
                }
                lhs.fmt_prec(f, p, indent)?;
                write!(f, " {} ", op.as_str())?;
                rhs.fmt_prec(f, p + 1, indent)?;
                if parens {
                    f.write_str(")")?;
                }
                Ok(())
            }
            ExprKind::Comprehension {
                quantifier,
                var,
                iter,
                filter,
                map,
            } => {
                write!(f, "{}({} in ", quantifier.as_str(), var.name)?;
                iter.fmt_prec(f, 0, indent)?;
                if let Some(c) = filter {
                    f.write_str(" where ")?;
                    c.fmt_prec(f, 0, indent)?;
                }
                if let Some(m) = map {
                    f.write_str(": ")?;
                    m.fmt_prec(f, 0, indent)?;
                }
                f.write_str(")")
            }
        }
    }
}

/// Write call arguments as source: `a, b, timeout: 5s`.
pub fn write_args(f: &mut impl std::fmt::Write, args: &[Arg]) -> std::fmt::Result {
    write!(f, "{}", ArgsSource { args, indent: None })
}

/// Call arguments as source, on one line: `host: h.name, force: true`.
pub fn args_source(args: &[Arg]) -> String {
    let mut out = String::new();
    let _ = write_args(&mut out, args);
    out
}

/// Call arguments as source, with `"""` strings indented as by
/// [`IndentedExpr`].
pub fn write_args_indented(
    f: &mut impl std::fmt::Write,
    args: &[Arg],
    indent: &str,
) -> std::fmt::Result {
    write!(
        f,
        "{}",
        ArgsSource {
            args,
            indent: Some(indent)
        }
    )
}

struct ArgsSource<'a> {
    args: &'a [Arg],
    indent: Option<&'a str>,
}

impl std::fmt::Display for ArgsSource<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write_args_at(f, self.args, self.indent)
    }
}

fn write_args_at(
    f: &mut std::fmt::Formatter<'_>,
    args: &[Arg],
    indent: Option<&str>,
) -> std::fmt::Result {
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        if let Some(n) = &a.name {
            write!(f, "{}: ", n.name)?;
        }
        a.value.fmt_prec(f, 0, indent)?;
    }
    Ok(())
}

/// Write a string literal as source, re-escaping what needs it.
pub fn write_text(f: &mut impl std::fmt::Write, t: &Text) -> std::fmt::Result {
    write!(
        f,
        "{}",
        TextSource {
            text: t,
            indent: None
        }
    )
}

/// Write a string literal as source; a multi-line `"""` string is laid out
/// as a block: its lines indented one level (two spaces) under `indent`,
/// the closing quotes on a line of their own at `indent`.
pub fn write_text_indented(
    f: &mut impl std::fmt::Write,
    t: &Text,
    indent: &str,
) -> std::fmt::Result {
    write!(
        f,
        "{}",
        TextSource {
            text: t,
            indent: Some(indent)
        }
    )
}

struct TextSource<'a> {
    text: &'a Text,
    indent: Option<&'a str>,
}

impl std::fmt::Display for TextSource<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write_text_at(f, self.text, self.indent)
    }
}

fn write_text_at(
    f: &mut std::fmt::Formatter<'_>,
    t: &Text,
    indent: Option<&str>,
) -> std::fmt::Result {
    if !t.triple {
        f.write_str("\"")?;
        write_parts(f, t, false, indent)?;
        return f.write_str("\"");
    }
    let body = TripleBody(t, indent);
    let content = body.to_string();
    match indent {
        Some(indent) if block_form_reads_back(&content) => {
            f.write_str("\"\"\"\n")?;
            let inner = format!("{indent}  ");
            for (i, line) in content.split('\n').enumerate() {
                if i > 0 {
                    f.write_str("\n")?;
                }
                if !line.is_empty() {
                    write!(f, "{inner}{line}")?;
                }
            }
            write!(f, "\n{indent}\"\"\"")
        }
        _ => write!(f, "\"\"\"{content}\"\"\""),
    }
}

/// The source between the quotes of a `"""` string, before any layout.
struct TripleBody<'a>(&'a Text, Option<&'a str>);

impl std::fmt::Display for TripleBody<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write_parts(f, self.0, true, self.1.map(|i| format!("{i}  ")).as_deref())
    }
}

/// Whether `content` (a multi-line `"""` string's inside) survives being
/// re-indented: the dedent on reading removes exactly the added indentation
/// when some non-blank line starts at column 0, and keeps the last line when
/// it is not blank.
fn block_form_reads_back(content: &str) -> bool {
    if !content.contains('\n') {
        return false;
    }
    let nonblank: Vec<&str> = content
        .split('\n')
        .filter(|l| !l.trim().is_empty())
        .collect();
    let flush_left = nonblank.iter().any(|l| !l.starts_with([' ', '\t']));
    let last = content.rsplit('\n').next().unwrap_or("");
    flush_left && !last.trim().is_empty()
}

fn write_parts(
    f: &mut std::fmt::Formatter<'_>,
    t: &Text,
    triple: bool,
    indent: Option<&str>,
) -> std::fmt::Result {
    use std::fmt::Write;
    for p in &t.parts {
        match p {
            TextPart::Lit(s) => {
                let mut chars = s.chars().peekable();
                while let Some(c) = chars.next() {
                    match c {
                        '{' => f.write_str("{{")?,
                        '}' => f.write_str("}}")?,
                        '"' if !triple => f.write_str("\\\"")?,
                        // A backslash before a character with no escape
                        // meaning reads back as itself: keep `\s+` natural.
                        '\\' if !triple => match chars.peek() {
                            Some(n)
                                if !matches!(
                                    n,
                                    'n' | 't' | '\\' | '"' | '{' | '}' | '\n' | '\t'
                                ) =>
                            {
                                f.write_char('\\')?
                            }
                            _ => f.write_str("\\\\")?,
                        },
                        '\n' if !triple => f.write_str("\\n")?,
                        '\t' if !triple => f.write_str("\\t")?,
                        c => f.write_char(c)?,
                    }
                }
            }
            TextPart::Expr(e) => {
                f.write_str("{")?;
                e.fmt_prec(f, 0, indent)?;
                f.write_str("}")?;
            }
        }
    }
    Ok(())
}
