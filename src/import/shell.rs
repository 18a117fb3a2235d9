//! Shell parsing: a code block's bash, as `brush-parser` reads it, and the
//! words of its commands split into literal text, variables and command
//! substitutions. Around the parser: what a Markdown runbook puts in a code
//! block that is not shell (banner lines, `$ ` prompts and their output,
//! comment paragraphs that carry prose).
use brush_parser::ast;
use brush_parser::word::{self, Parameter, ParameterExpr, WordPiece, WordPieceWithSource};
use brush_parser::{Parser, ParserOptions, SourceInfo};

/// Parse a script into its shell syntax tree.
pub fn parse(script: &str) -> Result<ast::Program, String> {
    let mut parser = Parser::new(
        std::io::BufReader::new(script.as_bytes()),
        &options(),
        &SourceInfo::default(),
    );
    parser.parse_program().map_err(|e| e.to_string())
}

fn options() -> ParserOptions {
    // No tilde expansion: `~/admin-openrc` stays as written, as rbk reads it.
    ParserOptions {
        tilde_expansion: false,
        ..ParserOptions::default()
    }
}

/// What a code block holds, once the parts that are not shell are set apart.
#[derive(Debug, Default, PartialEq)]
pub struct CodeBlock {
    /// The title of a `BEGIN runbook block: TITLE` banner.
    pub title: Option<String>,
    /// Shell code and comment paragraphs, in order.
    pub segments: Vec<Segment>,
    /// Output lines printed after `$ ` prompts.
    pub output: Vec<String>,
}

#[derive(Debug, PartialEq)]
pub enum Segment {
    /// Shell code that parses on its own.
    Code(String),
    /// A run of comment lines, `#` removed.
    Comment(Vec<String>),
}

/// Split a code block into shell code and comments. `console` blocks, and
/// blocks whose commands start with `$ `, keep only the prompted lines as
/// code; the rest is their output.
pub fn split_block(lang: &str, text: &str) -> CodeBlock {
    let mut block = CodeBlock::default();
    let prompted = lang == "console"
        || lang == "shell-session"
        || text.lines().any(|l| l.trim_start().starts_with("$ "));
    let mut lines: Vec<String> = Vec::new();
    let mut continued = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if is_banner(trimmed) {
            continue;
        }
        if let Some(title) = trimmed.strip_prefix("BEGIN runbook block:") {
            block.title = Some(title.trim().to_string());
            continue;
        }
        if trimmed.starts_with("END runbook block") {
            continue;
        }
        if prompted {
            if let Some(cmd) = trimmed
                .strip_prefix("$ ")
                .or((trimmed == "$").then_some(""))
            {
                continued = cmd.ends_with('\\');
                lines.push(cmd.to_string());
            } else if continued {
                continued = trimmed.ends_with('\\');
                lines.push(line.to_string());
            } else if !trimmed.is_empty() {
                block.output.push(line.to_string());
            }
        } else {
            lines.push(line.to_string());
        }
    }
    block.segments = segments(&lines);
    block
}

/// A line of dashes or equals signs that frames a block.
fn is_banner(line: &str) -> bool {
    line.len() >= 5 && line.chars().all(|c| c == '-' || c == '=')
}

/// Cut the lines into code and comment runs. A comment line ends the code
/// before it only where that code parses on its own: inside a loop or a
/// heredoc it stays with the code (the parser drops it, or keeps it as
/// heredoc text).
fn segments(lines: &[String]) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut code = String::new();
    let mut comment: Vec<String> = Vec::new();
    for line in lines {
        let trimmed = line.trim_start();
        let is_comment = trimmed.starts_with('#') && !trimmed.starts_with("#!");
        if is_comment && (code.trim().is_empty() || parse(&code).is_ok()) {
            if !code.trim().is_empty() {
                out.push(Segment::Code(std::mem::take(&mut code)));
            }
            code.clear();
            comment.push(trimmed.trim_start_matches('#').trim_end().to_string());
            continue;
        }
        if !comment.is_empty() && !line.trim().is_empty() {
            out.push(Segment::Comment(std::mem::take(&mut comment)));
        }
        code.push_str(line);
        code.push('\n');
    }
    if !comment.is_empty() {
        out.push(Segment::Comment(comment));
    }
    if !code.trim().is_empty() {
        out.push(Segment::Code(code));
    }
    out
}

/// A part of a shell word.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    /// Text, with quotes and escapes removed.
    Lit(String),
    /// `$NAME`, `${NAME}`, `${NAME:-default}`.
    Var(String),
    /// `$(...)` or backquotes: the inner script.
    Subst(String),
    /// Anything else (`$((...))`, `$@`, `${x/a/b}`): as written.
    Other(String),
}

/// The pieces of a word; one `Other` piece when it does not parse.
pub fn pieces(word: &ast::Word) -> Vec<Piece> {
    match word::parse(&word.value, &options()) {
        Ok(ps) => {
            let mut out = Vec::new();
            flatten(&ps, &mut out);
            merge_literals(out)
        }
        Err(_) => vec![Piece::Other(word.value.clone())],
    }
}

fn flatten(ps: &[WordPieceWithSource], out: &mut Vec<Piece>) {
    for p in ps {
        match &p.piece {
            WordPiece::Text(s) | WordPiece::SingleQuotedText(s) | WordPiece::AnsiCQuotedText(s) => {
                out.push(Piece::Lit(s.clone()))
            }
            WordPiece::DoubleQuotedSequence(inner)
            | WordPiece::GettextDoubleQuotedSequence(inner) => flatten(inner, out),
            WordPiece::TildePrefix(s) => out.push(Piece::Lit(format!("~{s}"))),
            WordPiece::EscapeSequence(s) => {
                out.push(Piece::Lit(s.trim_start_matches('\\').to_string()))
            }
            WordPiece::CommandSubstitution(s) | WordPiece::BackquotedCommandSubstitution(s) => {
                out.push(Piece::Subst(s.clone()))
            }
            WordPiece::ParameterExpansion(e) => out.push(match parameter_name(e) {
                Some(name) => Piece::Var(name),
                None => Piece::Other(format!("{e:?}")),
            }),
            WordPiece::ArithmeticExpression(e) => out.push(Piece::Other(format!("$(({e}))"))),
        }
    }
}

/// The variable a simple expansion reads (`$X`, `${X}`, `${X:-?}`).
fn parameter_name(e: &ParameterExpr) -> Option<String> {
    let parameter = match e {
        ParameterExpr::Parameter {
            parameter,
            indirect: false,
        }
        | ParameterExpr::UseDefaultValues {
            parameter,
            indirect: false,
            ..
        } => parameter,
        _ => return None,
    };
    match parameter {
        Parameter::Named(name) => Some(name.clone()),
        _ => None,
    }
}

fn merge_literals(ps: Vec<Piece>) -> Vec<Piece> {
    let mut out: Vec<Piece> = Vec::new();
    for p in ps {
        match (out.last_mut(), p) {
            (Some(Piece::Lit(prev)), Piece::Lit(s)) => prev.push_str(&s),
            (_, p) => out.push(p),
        }
    }
    out
}

/// A word that is plain text once unquoted.
pub fn literal(word: &ast::Word) -> Option<String> {
    match pieces(word).as_slice() {
        [] => Some(String::new()),
        [Piece::Lit(s)] => Some(s.clone()),
        _ => None,
    }
}

/// The words of a simple command, program first; assignments before the
/// program (`KUBECONFIG=x kubectl ...`) apart.
pub struct Words<'a> {
    pub assignments: Vec<(String, &'a ast::Word)>,
    pub words: Vec<&'a ast::Word>,
    /// Redirections, as written (`2>/dev/null`).
    pub redirects: Vec<String>,
}

pub fn words(cmd: &ast::SimpleCommand) -> Words<'_> {
    use ast::CommandPrefixOrSuffixItem as Item;
    let mut out = Words {
        assignments: Vec::new(),
        words: Vec::new(),
        redirects: Vec::new(),
    };
    for item in cmd.prefix.iter().flat_map(|p| p.0.iter()) {
        match item {
            Item::AssignmentWord(a, w) => {
                let name = match &a.name {
                    ast::AssignmentName::VariableName(n)
                    | ast::AssignmentName::ArrayElementName(n, _) => n.clone(),
                };
                match &a.value {
                    ast::AssignmentValue::Scalar(v) => out.assignments.push((name, v)),
                    ast::AssignmentValue::Array(_) => out.assignments.push((name, w)),
                }
            }
            Item::Word(w) => out.words.push(w),
            other => out.redirects.push(other.to_string()),
        }
    }
    out.words.extend(cmd.word_or_name.iter());
    for item in cmd.suffix.iter().flat_map(|s| s.0.iter()) {
        match item {
            // `export X=1`: the assignment is an argument of `export`.
            Item::AssignmentWord(_, w) | Item::Word(w) => out.words.push(w),
            other => out.redirects.push(other.to_string()),
        }
    }
    out
}

/// A simple command as shell text again, here-documents after the line
/// (brush's own printing puts them before the redirections that follow).
pub fn render_simple(cmd: &ast::SimpleCommand) -> String {
    use ast::CommandPrefixOrSuffixItem as Item;
    let mut line: Vec<String> = Vec::new();
    let mut docs = String::new();
    let items = cmd.prefix.iter().flat_map(|p| p.0.iter());
    let suffix = cmd.suffix.iter().flat_map(|s| s.0.iter());
    let mut push = |item: &Item, line: &mut Vec<String>| match item {
        Item::IoRedirect(ast::IoRedirect::HereDocument(fd, doc)) => {
            let fd = fd.map(|f| f.to_string()).unwrap_or_default();
            let dash = if doc.remove_tabs { "-" } else { "" };
            line.push(format!("{fd}<<{dash}{}", doc.here_end));
            docs.push_str(&format!(
                "\n{}{}",
                doc.doc,
                doc.here_end.value.trim_matches(['\'', '"'])
            ));
        }
        other => line.push(other.to_string()),
    };
    for item in items {
        push(item, &mut line);
    }
    if let Some(w) = &cmd.word_or_name {
        line.push(w.value.clone());
    }
    for item in suffix {
        push(item, &mut line);
    }
    line.join(" ") + &docs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn banners_prompts_and_comments_are_set_apart() {
        let b = split_block(
            "",
            "-----\nBEGIN runbook block: start it\n-----\n# scope\nsource ~/openrc\nfor i in 1 2; do\n  # inside\n  echo $i\ndone\n# after\n-----\nEND runbook block\n",
        );
        assert_eq!(b.title.as_deref(), Some("start it"));
        assert_eq!(
            b.segments,
            vec![
                Segment::Comment(vec![" scope".into()]),
                Segment::Code(
                    "source ~/openrc\nfor i in 1 2; do\n  # inside\n  echo $i\ndone\n".into()
                ),
                Segment::Comment(vec![" after".into()]),
            ]
        );
        let c = split_block(
            "console",
            "$ openstack server list \\\n    --long\nID  Name\n$ echo ok\nok\n",
        );
        assert_eq!(
            c.segments,
            vec![Segment::Code(
                "openstack server list \\\n    --long\necho ok\n".into()
            )]
        );
        assert_eq!(c.output, vec!["ID  Name", "ok"]);
    }

    #[test]
    fn words_split_into_pieces() {
        let prog = parse("X=1 kubectl -n \"$NS\" get 'a b' ${P:-?} $(date +%T) ~/x 2>/dev/null\n")
            .expect("parses");
        let ast::Command::Simple(cmd) = &prog.complete_commands[0].0[0].0.first.seq[0] else {
            panic!("a simple command")
        };
        let w = words(cmd);
        assert_eq!(w.assignments.len(), 1);
        let all: Vec<Vec<Piece>> = w.words.iter().map(|w| pieces(w)).collect();
        assert_eq!(all[0], vec![Piece::Lit("kubectl".into())]);
        assert_eq!(all[2], vec![Piece::Var("NS".into())]);
        assert_eq!(all[4], vec![Piece::Lit("a b".into())]);
        assert_eq!(all[5], vec![Piece::Var("P".into())]);
        assert_eq!(all[6], vec![Piece::Subst("date +%T".into())]);
        assert_eq!(all[7], vec![Piece::Lit("~/x".into())]);
        assert_eq!(w.redirects.len(), 1);
    }

    #[test]
    fn heredocs_render_after_their_line() {
        let prog = parse("cat <<EOF > /tmp/x\nhello $USER\nEOF\n").expect("parses");
        let ast::Command::Simple(cmd) = &prog.complete_commands[0].0[0].0.first.seq[0] else {
            panic!("a simple command")
        };
        assert_eq!(render_simple(cmd), "cat <<EOF > /tmp/x\nhello $USER\nEOF");
    }
}
