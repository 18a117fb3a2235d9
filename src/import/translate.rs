//! From a code block's shell syntax tree to draft statements: the scope a
//! preamble sets (`source openrc`, `export OS_*`, `KUBECONFIG`), each
//! command mapped or kept with a TODO, `$(...)` assignments as `let`, and
//! `for i in $(seq 1 N); do ...; sleep S; done` loops as bounded polls with
//! their break condition as `until`.
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use brush_parser::ast;
use regex::Regex;

use super::comments::{self, Remark};
use super::emit::{quote, Poll, Scope, Stmt, StmtKind};
use super::literals::{self, Literals, Role};
use super::mapping::{self, Argv, Family};
use super::shell::{self, Piece};

/// What the import did with the runbook's commands.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ImportStats {
    /// Commands (pipelines of programs that are not shell plumbing) found.
    pub commands: usize,
    /// Of those, mapped to a builtin.
    pub mapped: usize,
    /// Loops made polls: (max, every); no max when the loop had no bound.
    pub polls: Vec<(Option<u32>, String)>,
}

/// The shell state a runbook's commands run in: what `source`, `export`
/// and assignments have set so far.
#[derive(Debug, Clone, Default)]
pub struct ShellEnv {
    openrc: Option<String>,
    /// The project variables exported, by name (`OS_PROJECT_ID`, ...).
    project: BTreeMap<String, String>,
    cloud: Option<String>,
    kubeconfig: Option<String>,
    /// Shell variable -> the rbk expression holding its value.
    vars: BTreeMap<String, String>,
}

pub struct Translator<'a> {
    pub lits: &'a mut Literals,
    pub stats: &'a mut ImportStats,
    pub params: &'a mut Vec<(String, String)>,
    pub env: ShellEnv,
    /// The node's gate label, as written (`cluster status: ready`).
    pub gate_hint: Option<String>,
    /// `let` names taken in the procedure.
    names: BTreeSet<String>,
    /// The loop variable of the poll being built (reads as `attempt`).
    loop_var: Option<String>,
    /// The runbook's comments met so far, and whether each is in the draft.
    remarks: Vec<(Remark, bool)>,
}

/// What an arm that prints a failure says ("failover FAILED"; not "failover").
static FAILURE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\bfail(ed|s|ure)?\b|\berror\b|\babort").expect("valid regex")
});

/// The variables that narrow an openrc to a project, in the client's order.
const PROJECT_VARS: &[&str] = &[
    "OS_PROJECT_ID",
    "OS_TENANT_ID",
    "OS_PROJECT_NAME",
    "OS_TENANT_NAME",
];

/// A remote command that looks like it changes the host.
static CHANGES_HOST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(reboot|shutdown|poweroff|restart|systemctl (start|stop|enable|disable)|rm|mv|apt|apt-get|yum|dnf|snap (install|refresh|remove)|kill|tee|dd|mkfs|bootstrap)\b")
        .expect("valid regex")
});

static PLACEHOLDER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"<([A-Z][A-Z0-9_-]*)>").expect("valid regex"));

impl<'a> Translator<'a> {
    pub fn new(
        lits: &'a mut Literals,
        stats: &'a mut ImportStats,
        params: &'a mut Vec<(String, String)>,
    ) -> Self {
        Translator {
            lits,
            stats,
            params,
            env: ShellEnv::default(),
            gate_hint: None,
            names: BTreeSet::new(),
            loop_var: None,
            remarks: Vec::new(),
        }
    }

    /// Translate one script. `<LB-ID>`-style placeholders become
    /// parameters; a script that does not parse is kept line by line. The
    /// script's `# comments` stay where they were, as `//` comments.
    pub fn script(&mut self, code: &str) -> Vec<Stmt> {
        let first = self.remarks.len();
        let out = if parses(code) {
            self.marked(code)
        } else {
            let why = shell::parse(&without_placeholders(code))
                .err()
                .unwrap_or_default();
            code.lines()
                .filter(|l| !l.trim().is_empty())
                .flat_map(|line| {
                    if parses(line) {
                        self.marked(line)
                    } else {
                        let line = self.placeholders(line.trim());
                        vec![self
                            .keep_raw(&line, &format!("this line does not parse as shell ({why})"))]
                    }
                })
                .collect()
        };
        // A comment the translation had no place for still goes in.
        let mut out = out;
        for n in first..self.remarks.len() {
            out.extend(self.remark_lines(n));
        }
        out
    }

    /// A script that parses, with its comments marked, translated.
    fn marked(&mut self, code: &str) -> Vec<Stmt> {
        let (code, remarks) = comments::mark(code, self.remarks.len(), &parses);
        self.remarks.extend(remarks.into_iter().map(|r| (r, false)));
        let code = self.placeholders(&code);
        match shell::parse(&code) {
            Ok(prog) => prog
                .complete_commands
                .iter()
                .flat_map(|c| self.list(c))
                .collect(),
            Err(e) => vec![self.keep_raw(&code, &format!("it does not parse as shell ({e})"))],
        }
    }

    /// `<LB-ID>` placeholders as parameters (`${__param_lb_id}`).
    fn placeholders(&mut self, code: &str) -> String {
        PLACEHOLDER
            .replace_all(code, |c: &regex::Captures| {
                let name = placeholder_name(&c[1]);
                if !self.params.iter().any(|(n, _)| *n == name) {
                    self.params
                        .push((name.clone(), format!("`{}` in the runbook", &c[0])));
                }
                format!("${{__param_{name}}}")
            })
            .into_owned()
    }

    fn list(&mut self, list: &ast::CompoundList) -> Vec<Stmt> {
        let mut out = Vec::new();
        let mut last = None;
        for item in &list.0 {
            if let Some(n) = remark_of(&item.0) {
                self.place_remark(n, last, &mut out);
                continue;
            }
            let from = out.len();
            out.extend(self.and_or(&item.0));
            last = (out.len() > from).then_some(from);
        }
        out
    }

    /// Remark `n`'s marker stood after the statements from `last` on (None
    /// when the command before it gave none): a trailing comment goes at
    /// the end of that statement, any other on lines of its own.
    fn place_remark(&mut self, n: usize, last: Option<usize>, out: &mut Vec<Stmt>) {
        let Some((remark, used)) = self.remarks.get_mut(n) else {
            return;
        };
        if *used {
            return;
        }
        // The first statement the command gave (not a comment inside it).
        let stmt = last.and_then(|i| {
            out.get_mut(i..)?
                .iter_mut()
                .find(|s| !matches!(s.kind, StmtKind::Comment(_)))
        });
        match (remark.trailing, stmt) {
            (true, Some(stmt)) if stmt.trailing.is_none() => {
                *used = true;
                let mut lines = remark.lines.clone();
                stmt.trailing = lines.pop();
                stmt.comments.extend(lines);
            }
            _ => out.extend(self.remark_lines(n)),
        }
    }

    /// Remark `n` as comment lines, unless it is in the draft already.
    fn remark_lines(&mut self, n: usize) -> Vec<Stmt> {
        match self.remarks.get_mut(n) {
            Some((remark, used)) if !*used => {
                *used = true;
                remark
                    .lines
                    .iter()
                    .map(|l| Stmt::new(StmtKind::Comment(l.clone())))
                    .collect()
            }
            _ => Vec::new(),
        }
    }

    /// The comments `text` held that no statement took, at the top of `body`.
    fn comments_on_top(&mut self, text: &str, body: &mut Vec<Stmt>) {
        let (_, comments) = self.unmark(text);
        body.splice(
            0..0,
            comments
                .into_iter()
                .map(|c| Stmt::new(StmtKind::Comment(c))),
        );
    }

    /// Shell text printed back from the tree, without its markers; the
    /// comments they stood for, as lines to put before it.
    fn unmark(&mut self, text: &str) -> (String, Vec<String>) {
        let (text, found) = comments::strip(text);
        let lines = found
            .into_iter()
            .flat_map(|n| self.remark_lines(n))
            .filter_map(|s| match s.kind {
                StmtKind::Comment(c) => Some(c),
                _ => None,
            })
            .collect();
        (text, lines)
    }

    fn and_or(&mut self, ao: &ast::AndOrList) -> Vec<Stmt> {
        if ao.additional.is_empty() {
            return self.pipeline(&ao.first);
        }
        // `a && b`: an rbk step stops at the first failure, so a sequence
        // is the same; `||` is not.
        if ao
            .additional
            .iter()
            .all(|a| matches!(a, ast::AndOr::And(_)))
        {
            let mut out = self.pipeline(&ao.first);
            for a in &ao.additional {
                if let ast::AndOr::And(p) = a {
                    out.extend(self.pipeline(p));
                }
            }
            return out;
        }
        vec![self.keep_raw(
            &ao.to_string(),
            "`||` runs a fallback when a command fails; rbk stops the run instead",
        )]
    }

    fn pipeline(&mut self, p: &ast::Pipeline) -> Vec<Stmt> {
        if p.seq.len() == 1 && !p.bang {
            return self.command(&p.seq[0]);
        }
        let text = p.to_string();
        let first = p.seq.first().and_then(|c| self.value_of(c).ok());
        let why = match &first {
            Some((expr, _)) => format!(
                "a pipeline: rbk reads the records `{expr}` returns; filter them (`filter(x in ... where x.name ~ \"...\")`) instead of the text"
            ),
            None => "a pipeline: rbk reads records, not text; keep it or rewrite it with `filter(...)`".to_string(),
        };
        let mut kept = self.keep_raw(&text, &why);
        // A look (a read-only builtin's command) through text filters only
        // looks too: `--dry-run` may run it.
        let looks = first.is_some_and(|(expr, _)| reads_only(&expr))
            && p.seq[1..].iter().all(is_text_filter);
        if let (true, StmtKind::Expr(e)) = (looks && !p.bang, &mut kept.kind) {
            if let Some(open) = e.strip_suffix("])") {
                *e = format!("{open}], readonly: true)");
            }
        }
        vec![kept]
    }

    fn command(&mut self, c: &ast::Command) -> Vec<Stmt> {
        match c {
            ast::Command::Simple(s) => self.simple(s),
            ast::Command::Compound(cc, redirects) => {
                if redirects.is_some() {
                    return vec![
                        self.keep_raw(&c.to_string(), "a compound command with redirections")
                    ];
                }
                match cc {
                    ast::CompoundCommand::Subshell(sub) => {
                        // A subshell's exports and variables end with it.
                        let saved = self.env.clone();
                        let out = self.list(&sub.0);
                        self.env = saved;
                        out
                    }
                    ast::CompoundCommand::BraceGroup(g) => self.list(&g.0),
                    ast::CompoundCommand::ForClause(f) => self.for_loop(f, &c.to_string()),
                    ast::CompoundCommand::UntilClause(u) => self.until_loop(u, &c.to_string()),
                    _ => vec![self.keep_raw(
                        &c.to_string(),
                        "a shell conditional or loop the import does not map: write it with `if`, `poll` or `foreach`",
                    )],
                }
            }
            _ => vec![self.keep_raw(&c.to_string(), "a shell construct the import does not map")],
        }
    }

    fn simple(&mut self, cmd: &ast::SimpleCommand) -> Vec<Stmt> {
        let w = shell::words(cmd);
        if w.words.is_empty() {
            return w
                .assignments
                .iter()
                .flat_map(|(name, value)| self.assign(name, value))
                .collect();
        }
        let program = shell::literal(w.words[0]).unwrap_or_default();
        let args: Vec<&ast::Word> = w.words[1..].to_vec();
        match program.as_str() {
            "export" => args.iter().flat_map(|a| self.export(a)).collect(),
            "unset" => {
                for a in &args {
                    match shell::literal(a).as_deref() {
                        Some(v) if PROJECT_VARS.contains(&v) => {
                            self.env.project.remove(v);
                        }
                        Some("KUBECONFIG") => self.env.kubeconfig = None,
                        Some(v) => {
                            self.env.vars.remove(v);
                        }
                        None => {}
                    }
                }
                Vec::new()
            }
            "source" | "." => match args.first().and_then(|a| shell::literal(a)) {
                Some(file) if args.len() == 1 => {
                    // An openrc: its exports are read by the scope (never executed).
                    self.env.openrc = Some(self.lits.expr(&file, Role::Value));
                    self.env.project.clear();
                    Vec::new()
                }
                _ => vec![self.keep_raw(
                    &cmd.to_string(),
                    "`source` of something that is not one openrc file",
                )],
            },
            "echo" | "printf" => vec![self.log(&program, &args)],
            "sleep" => match args
                .first()
                .and_then(|a| shell::literal(a))
                .map(|d| mapping::duration(&d))
            {
                Some(Ok(d)) if args.len() == 1 => {
                    vec![Stmt::new(StmtKind::Expr(format!("sleep({d})")))]
                }
                _ => vec![self.keep_raw(&cmd.to_string(), "a `sleep` whose duration is not plain")],
            },
            ":" | "true" | "break" | "continue" => Vec::new(),
            _ => self.tool(cmd, &w),
        }
    }

    /// A command of the runbook proper: mapped, or kept with a TODO.
    fn tool(&mut self, cmd: &ast::SimpleCommand, w: &shell::Words) -> Vec<Stmt> {
        self.stats.commands += 1;
        let redirect_out = w.redirects.iter().any(|r| {
            (r.starts_with('>') || r.starts_with("1>") || r.starts_with(">>"))
                && !r.contains("/dev/null")
        });
        if redirect_out {
            return vec![self.keep_mapped_less(
                cmd,
                "its output goes to a file: read the value and `file.write(path, ...)` it",
            )];
        }
        let program = shell::literal(w.words[0]).unwrap_or_default();
        if program == "ssh" {
            return self.ssh(cmd, w);
        }
        match self.value_of_simple(cmd) {
            Ok((expr, scope, call)) => {
                self.stats.mapped += 1;
                let todo = call.as_ref().and_then(|c| c.todo.clone());
                let mut out = match call.filter(|c| c.returns_value) {
                    Some(c) => {
                        let name = self.fresh(&c.hint);
                        vec![
                            Stmt::scoped(StmtKind::Let(name.clone(), expr), scope),
                            Stmt::new(StmtKind::Log(format!("\"{{{name}}}\""))),
                        ]
                    }
                    None => vec![Stmt::scoped(StmtKind::Expr(expr), scope)],
                };
                out[0].todos.extend(todo);
                out
            }
            Err(why) => vec![self.keep_mapped_less(cmd, &why)],
        }
    }

    /// The expression a command's result is, for `X=$(cmd)`, conditions
    /// and pipelines' first commands.
    fn value_of(&mut self, c: &ast::Command) -> Result<(String, Option<Scope>), String> {
        match c {
            ast::Command::Simple(s) => self.value_of_simple(s).map(|(e, s, _)| (e, s)),
            _ => Err("not a simple command".into()),
        }
    }

    #[allow(clippy::type_complexity)]
    fn value_of_simple(
        &mut self,
        cmd: &ast::SimpleCommand,
    ) -> Result<(String, Option<Scope>, Option<mapping::Call>), String> {
        let w = shell::words(cmd);
        let program = w
            .words
            .first()
            .and_then(|p| shell::literal(p))
            .ok_or("no plain program name")?;
        let lits: Vec<Option<String>> = w.words[1..].iter().map(|a| shell::literal(a)).collect();
        if let Some((host, port, timeout)) = mapping::tcp_probe(&program, &lits) {
            let host = self.lits.expr(&host, Role::ProbeHost);
            let timeout = timeout
                .map(|t| format!(", timeout: {t}s"))
                .unwrap_or_default();
            return Ok((format!("tcp.probe({host}, {port}{timeout})"), None, None));
        }
        let mut prefix_kubeconfig = None;
        for (name, value) in &w.assignments {
            match name.as_str() {
                "KUBECONFIG" => prefix_kubeconfig = Some(self.word_expr(value, Role::Value)?),
                _ => return Err(format!("it sets `{name}` for this command only")),
            }
        }
        let words: Vec<&ast::Word> = w.words[1..].to_vec();
        let call = {
            let mut expr = |i: usize, role: Role| self_word_expr(self, words[i], role);
            let mut argv = Argv {
                lits,
                expr: &mut expr,
            };
            match program.as_str() {
                "openstack" => mapping::openstack(&mut argv)?,
                "kubectl" => mapping::kubectl(&mut argv)?,
                _ => return Err(format!("no builtin does what `{program}` does")),
            }
        };
        let scope = match call.family {
            Family::OpenStack => Scope::OpenStack {
                // The client's precedence: ids before names, project before tenant.
                project: PROJECT_VARS
                    .iter()
                    .find_map(|v| self.env.project.get(*v).cloned()),
                openrc: self.env.openrc.clone(),
                cloud: self.env.cloud.clone(),
            },
            Family::Kube => Scope::Kube {
                kubeconfig: call
                    .kubeconfig
                    .clone()
                    .or(prefix_kubeconfig)
                    .or_else(|| self.env.kubeconfig.clone()),
            },
        };
        Ok((call.expr.clone(), Some(scope), Some(call)))
    }

    fn ssh(&mut self, cmd: &ast::SimpleCommand, w: &shell::Words) -> Vec<Stmt> {
        let lits: Vec<Option<String>> = w.words[1..].iter().map(|a| shell::literal(a)).collect();
        let words: Vec<&ast::Word> = w.words[1..].to_vec();
        let parsed = {
            let mut expr = |i: usize, role: Role| self_word_expr(self, words[i], role);
            let mut argv = Argv {
                lits,
                expr: &mut expr,
            };
            mapping::ssh(&mut argv)
        };
        let call = match parsed {
            Ok(c) => c,
            Err(why) => return vec![self.keep_mapped_less(cmd, &why)],
        };
        // ssh joins its command words with spaces.
        let mut command = String::new();
        for (n, &i) in call.command.iter().enumerate() {
            match shell::literal(words[i]) {
                Some(t) => {
                    if n > 0 {
                        command.push(' ');
                    }
                    command.push_str(&t);
                }
                None => {
                    return vec![self.keep_mapped_less(cmd, "the remote command is not plain text")]
                }
            }
        }
        self.stats.mapped += 1;
        let host = self.lits.expr(&call.host, Role::SshHost);
        let scope = Scope::Ssh {
            host,
            user: call.user.clone(),
            key: call.key.clone(),
            known_hosts: call.insecure_host_keys.then_some("accept-new"),
            port: call.port.clone(),
        };
        let name = self.fresh("out");
        let changes = CHANGES_HOST.is_match(&command);
        let args = if changes {
            format!("{}, changes: true", quote(&command))
        } else {
            quote(&command)
        };
        let mut run = Stmt::scoped(
            StmtKind::Let(name.clone(), format!("ssh.run({args})")),
            Some(scope),
        );
        if changes {
            run = run.todo(
                "read as a change to the host (`changes: true`: --dry-run skips it); check it",
            );
        }
        if call.insecure_host_keys {
            run = run.todo(
                "the runbook turned host key checking off (StrictHostKeyChecking=no, UserKnownHostsFile=/dev/null); \
                 this scope accepts a new key once, then checks it",
            );
        }
        if !call.ignored.is_empty() {
            run = run.todo(format!(
                "not carried over: {}; `ssh.run(..., timeout: D)` bounds the whole command",
                call.ignored.join(", ")
            ));
        }
        vec![
            run,
            Stmt::new(StmtKind::Log(format!("\"{{{name}.stdout}}\""))),
        ]
    }

    /// `NAME=value` (no command): a `let`.
    fn assign(&mut self, name: &str, value: &ast::Word) -> Vec<Stmt> {
        let pieces = shell::pieces(value);
        if let [Piece::Subst(inner)] = pieces.as_slice() {
            if let Ok(prog) = shell::parse(inner) {
                if let Some(c) = single_command(&prog) {
                    self.stats.commands += 1;
                    let var = self.fresh(&name.to_ascii_lowercase());
                    let stmt = match self.value_of(c) {
                        Ok((expr, scope)) => {
                            self.stats.mapped += 1;
                            Stmt::scoped(StmtKind::Let(var.clone(), expr), scope)
                        }
                        Err(why) => {
                            let run = self.local_run(inner);
                            Stmt::new(StmtKind::Let(var.clone(), format!("trim({run}.stdout)")))
                                .todo(format!("kept as a local command: {why}"))
                        }
                    };
                    self.env.vars.insert(name.to_string(), var);
                    return vec![stmt];
                }
            }
        }
        match self.word_expr(value, Role::Value) {
            Ok(expr) => {
                // A plain alias of another variable needs no `let`.
                if let [Piece::Var(v)] = pieces.as_slice() {
                    if let Some(e) = self.env.vars.get(v).cloned() {
                        self.env.vars.insert(name.to_string(), e);
                        return Vec::new();
                    }
                }
                let var = self.fresh(&name.to_ascii_lowercase());
                self.env.vars.insert(name.to_string(), var.clone());
                vec![Stmt::new(StmtKind::Let(var, expr))]
            }
            Err(why) => vec![self.keep_raw(&format!("{name}={value}"), &why)],
        }
    }

    /// `export X=value`: the scope's settings, or a site field.
    fn export(&mut self, word: &ast::Word) -> Vec<Stmt> {
        let Some(text) = shell::literal(word).or_else(|| Some(word.value.clone())) else {
            return Vec::new();
        };
        let Some((name, raw)) = text.split_once('=') else {
            return Vec::new();
        };
        let value_word = ast::Word::new(raw);
        let value = match shell::literal(&value_word) {
            Some(v) => v,
            None => {
                return match self.word_expr(&value_word, Role::Value) {
                    Ok(e) => {
                        self.set_env(name, e);
                        Vec::new()
                    }
                    Err(why) => vec![self.keep_raw(&format!("export {text}"), &why)],
                }
            }
        };
        let expr = match name {
            "KUBECONFIG" | "OS_CLOUD" => quote(&value),
            _ => self.lits.export(name, &value),
        };
        self.set_env(name, expr);
        Vec::new()
    }

    fn set_env(&mut self, name: &str, expr: String) {
        match name {
            v if PROJECT_VARS.contains(&v) => {
                self.env.project.insert(v.to_string(), expr);
            }
            "OS_CLOUD" => self.env.cloud = Some(expr),
            "KUBECONFIG" => self.env.kubeconfig = Some(expr),
            _ => {
                self.env.vars.insert(name.to_string(), expr);
            }
        }
    }

    /// `echo`/`printf` as a `log` of the same text.
    fn log(&mut self, program: &str, args: &[&ast::Word]) -> Stmt {
        let mut parts: Vec<String> = Vec::new();
        let mut todo = None;
        for a in args {
            match self.text_of(a) {
                Ok(t) => parts.push(t),
                Err(why) => todo = Some(why),
            }
        }
        let text = if program == "printf" && !parts.is_empty() {
            // The format's trailing `\n`, as quoted (`\\n`): log ends its line itself.
            let fmt = parts.remove(0).replace("\\\\n", "");
            let mut out = String::new();
            let mut rest = parts.into_iter();
            let mut it = fmt.split("%s").peekable();
            while let Some(chunk) = it.next() {
                out.push_str(chunk);
                if it.peek().is_some() {
                    out.push_str(&rest.next().unwrap_or_default());
                }
            }
            out
        } else {
            parts.join(" ")
        };
        let stmt = Stmt::new(StmtKind::Log(format!("\"{}\"", text.trim())));
        match todo {
            Some(why) => stmt.todo(format!("part of this output is not kept: {why}")),
            None => stmt,
        }
    }

    /// A word as the inside of an rbk string: literal text escaped,
    /// variables interpolated.
    fn text_of(&mut self, word: &ast::Word) -> Result<String, String> {
        let mut out = String::new();
        for p in home_as_tilde(shell::pieces(word)) {
            match p {
                Piece::Lit(s) => {
                    let q = quote(&s);
                    out.push_str(&q[1..q.len() - 1]);
                }
                Piece::Var(v) => out.push_str(&format!("{{{}}}", self.var(&v)?)),
                // A timestamp: the run's output and journal stamp every line.
                Piece::Subst(s) if s.trim_start().starts_with("date") => {}
                Piece::Subst(s) => return Err(format!("`$({s})` in printed text")),
                Piece::Other(s) => return Err(format!("`{s}`")),
            }
        }
        Ok(out)
    }

    /// A word as an rbk expression.
    fn word_expr(&mut self, word: &ast::Word, role: Role) -> Result<String, String> {
        let pieces = home_as_tilde(shell::pieces(word));
        match pieces.as_slice() {
            [] => Ok(quote("")),
            [Piece::Lit(s)] => Ok(self.lits.expr(s, role)),
            [Piece::Var(v)] => self.var(v),
            _ => {
                let mut out = String::from("\"");
                for p in pieces {
                    match p {
                        Piece::Lit(s) => {
                            let q = self.lits.interpolate(&s);
                            out.push_str(&q[1..q.len() - 1]);
                        }
                        Piece::Var(v) => out.push_str(&format!("{{{}}}", self.var(&v)?)),
                        Piece::Subst(s) => return Err(format!("`$({s})` inside a word")),
                        Piece::Other(s) => return Err(format!("`{s}` inside a word")),
                    }
                }
                out.push('"');
                Ok(out)
            }
        }
    }

    /// The rbk expression a shell variable reads.
    fn var(&mut self, v: &str) -> Result<String, String> {
        if let Some(p) = v.strip_prefix("__param_") {
            return Ok(p.to_string());
        }
        if self.loop_var.as_deref() == Some(v) {
            return Ok("attempt".into());
        }
        if v == "HOME" {
            return Ok(quote("~"));
        }
        self.env
            .vars
            .get(v)
            .cloned()
            .ok_or_else(|| format!("it reads `${v}`, which the runbook does not set"))
    }

    fn fresh(&mut self, base: &str) -> String {
        let mut base: String = base
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        if base.is_empty()
            || base.starts_with(|c: char| c.is_ascii_digit())
            || super::structure::is_reserved(&base)
        {
            base = format!("v_{base}");
        }
        let mut name = base.clone();
        let mut n = 2;
        while !self.names.insert(name.clone()) {
            name = format!("{base}_{n}");
            n += 1;
        }
        name
    }

    /// A command kept as it is, as `local.run([...])`.
    fn keep_mapped_less(&mut self, cmd: &ast::SimpleCommand, why: &str) -> Stmt {
        let text = shell::render_simple(cmd);
        let run = self.local_run(&text);
        Stmt::new(StmtKind::Expr(run)).todo(format!("kept as a local command: {why}"))
    }

    /// Shell text kept as it is (counted as one command).
    fn keep_raw(&mut self, text: &str, why: &str) -> Stmt {
        self.stats.commands += 1;
        let (text, comments) = self.unmark(text);
        let run = self.local_run(&text);
        let mut stmt =
            Stmt::new(StmtKind::Expr(run)).todo(format!("kept as a local command: {why}"));
        stmt.comments = comments;
        stmt
    }

    /// `local.run(["bash", "-c", TEXT])`: the command as the runbook wrote
    /// it, with the variables rbk holds (`$DB_SERVER`) and the site
    /// literals interpolated, so the local shell sees the same values.
    fn local_run(&mut self, text: &str) -> String {
        for m in literals::constants(text) {
            self.lits.expr(&m, Role::Value);
        }
        let mut out = String::from("\"");
        let mut lit = String::new();
        let flush = |lit: &mut String, out: &mut String, lits: &Literals| {
            let q = lits.interpolate(lit);
            out.push_str(&q[1..q.len() - 1]);
            lit.clear();
        };
        let chars: Vec<char> = text.trim().chars().collect();
        let (mut single, mut double) = (false, false);
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            match c {
                '\'' if !double => single = !single,
                '"' if !single => double = !double,
                '\\' if !single && i + 1 < chars.len() => {
                    lit.push(c);
                    lit.push(chars[i + 1]);
                    i += 2;
                    continue;
                }
                '$' if !single => {
                    if let Some((name, len)) = var_at(&chars[i + 1..]) {
                        if let Ok(expr) = self.var(&name) {
                            flush(&mut lit, &mut out, self.lits);
                            out.push_str(&format!("{{{expr}}}"));
                            i += 1 + len;
                            continue;
                        }
                    }
                }
                _ => {}
            }
            lit.push(c);
            i += 1;
        }
        flush(&mut lit, &mut out, self.lits);
        out.push('"');
        format!("local.run([\"bash\", \"-c\", {out}])")
    }

    /// `until CMD; do sleep S; done`: a poll, without the bound the
    /// runbook did not give (`rbk check` asks for one: RBK401).
    fn until_loop(&mut self, w: &ast::WhileOrUntilClauseCommand, text: &str) -> Vec<Stmt> {
        // The comments in the loop go at the top of the poll's body.
        let cond_items: Vec<_> =
            w.0 .0
                .iter()
                .filter(|i| remark_of(&i.0).is_none())
                .collect();
        let body_items: Vec<_> =
            w.1 .0
                 .0
                .iter()
                .filter(|i| remark_of(&i.0).is_none())
                .collect();
        let every = match body_items.as_slice() {
            [item] => sleep_of(&item.0),
            _ => None,
        };
        let (Some(every), [cond]) = (every, cond_items.as_slice()) else {
            return vec![self.keep_raw(
                text,
                "an `until` loop that does more than sleep: write it with `poll`",
            )];
        };
        if !cond.0.additional.is_empty() || cond.0.first.seq.len() != 1 || cond.0.first.bang {
            return vec![self.keep_raw(text, "an `until` condition that is not one command")];
        }
        let mut body = Vec::new();
        let until = match self.condition(&cond.0.first.seq[0], &mut body) {
            Ok(u) => u,
            Err(why) => {
                return vec![self.keep_raw(text, &format!("its condition is not mapped ({why})"))]
            }
        };
        self.comments_on_top(text, &mut body);
        self.stats.polls.push((None, every.clone()));
        let (scope, body) = hoist_scope(body);
        vec![Stmt::scoped(
            StmtKind::Poll(Poll {
                every,
                max: None,
                body,
                until,
                fails: Vec::new(),
            }),
            scope,
        )
        .todo("the runbook's loop has no bound: give it `max N` or `within D`")]
    }

    /// `for i in $(seq 1 N)` / `{1..N}` with a `sleep`: a poll.
    fn for_loop(&mut self, f: &ast::ForClauseCommand, text: &str) -> Vec<Stmt> {
        let Some(max) = f.values.as_deref().and_then(loop_count) else {
            return vec![self.keep_raw(
                text,
                "a `for` loop that is not `for i in $(seq 1 N)`: write it with `foreach` or `poll`",
            )];
        };
        let items = &f.body.0 .0;
        let sleep_at = items.iter().rposition(|i| sleep_of(&i.0).is_some());
        let Some(sleep_at) = sleep_at else {
            return vec![self.keep_raw(
                text,
                "a counted loop without `sleep`: write it with `foreach`",
            )];
        };
        let every = sleep_of(&items[sleep_at].0).unwrap_or_default();
        let saved_loop = self.loop_var.replace(f.variable_name.clone());
        let mut body = Vec::new();
        let mut until: Vec<String> = Vec::new();
        let mut fails: Vec<(String, String)> = Vec::new();
        let mut todos = Vec::new();
        let mut last = None;
        for (n, item) in items.iter().enumerate() {
            if let Some(r) = remark_of(&item.0) {
                self.place_remark(r, last, &mut body);
                continue;
            }
            let from = body.len();
            if n == sleep_at {
                last = None;
                continue;
            }
            match self.break_condition(&item.0, &mut body) {
                Some(Ok(Exit::Until(c))) => until.push(c),
                Some(Ok(Exit::Both(u, f))) => {
                    until.extend(u);
                    fails.extend(f);
                }
                Some(Err(why)) => {
                    todos.push(format!(
                        "this loop's exit is not mapped ({why}): {}",
                        comments::strip(&item.0.to_string()).0
                    ));
                }
                None => body.extend(self.and_or(&item.0)),
            }
            last = (body.len() > from).then_some(from);
        }
        // Comments the loop's exit held (in a `case` arm, say): at the top.
        self.comments_on_top(text, &mut body);
        self.loop_var = saved_loop;
        let until = if until.is_empty() {
            match self.gate_until(&body) {
                Some(c) => {
                    todos.push(
                        "the loop has no `break`: this `until` is the section's GATE line; check it".to_string(),
                    );
                    c
                }
                None => {
                    todos.push(
                        "the loop has no `break`: write the condition it waits for".to_string(),
                    );
                    "false".to_string()
                }
            }
        } else {
            until.join(" or ")
        };
        self.stats.polls.push((Some(max), every.clone()));
        let (scope, body) = hoist_scope(body);
        let mut stmt = Stmt::scoped(
            StmtKind::Poll(Poll {
                every,
                max: Some(max),
                body,
                until,
                fails,
            }),
            scope,
        );
        stmt.todos = todos;
        vec![stmt]
    }

    /// A loop item that leaves the loop: `[ "$X" = V ] && break`,
    /// `cmd && { ...; break; }`, `case ... in V) ...; break ;; esac`.
    /// None when the item does not `break`.
    fn break_condition(
        &mut self,
        ao: &ast::AndOrList,
        body: &mut Vec<Stmt>,
    ) -> Option<Result<Exit, String>> {
        if !breaks(&ao.to_string()) {
            return None;
        }
        let first = &ao.first;
        if let [ast::Command::Compound(ast::CompoundCommand::CaseClause(case), None)] =
            first.seq.as_slice()
        {
            return Some(self.case_exit(case));
        }
        let Some(ast::AndOr::And(_)) = ao.additional.first() else {
            return Some(Err("a `break` not after `&&`".into()));
        };
        let [c] = first.seq.as_slice() else {
            return Some(Err("a pipeline".into()));
        };
        Some(self.condition(c, body).map(Exit::Until))
    }

    /// `[ "$X" = V ]` as `x == "V"`; a mapped command as its result.
    fn condition(&mut self, c: &ast::Command, body: &mut Vec<Stmt>) -> Result<String, String> {
        let ast::Command::Simple(s) = c else {
            return Err("not a simple command".into());
        };
        let w = shell::words(s);
        let program = w
            .words
            .first()
            .and_then(|p| shell::literal(p))
            .unwrap_or_default();
        if program == "[" || program == "test" {
            let mut ws: Vec<&ast::Word> = w.words[1..].to_vec();
            if program == "[" && ws.last().and_then(|l| shell::literal(l)).as_deref() == Some("]") {
                ws.pop();
            }
            let [a, op, b] = ws.as_slice() else {
                return Err("a test that is not `A = B`".into());
            };
            let op = match shell::literal(op).as_deref() {
                Some("=" | "==") => "==",
                Some("!=") => "!=",
                _ => return Err("a test operator other than `=` or `!=`".into()),
            };
            let a = self.word_expr(a, Role::Value)?;
            let b = self.word_expr(b, Role::Value)?;
            return Ok(format!("{a} {op} {b}"));
        }
        self.stats.commands += 1;
        let (expr, scope) = self.value_of(c)?;
        self.stats.mapped += 1;
        let name = self.fresh("ok");
        body.push(Stmt::scoped(StmtKind::Let(name.clone(), expr), scope));
        Ok(name)
    }

    /// `case "$X" in V) ...; break ;; esac`: arms that print a failure are
    /// `fail if`, the others `until`.
    fn case_exit(&mut self, case: &ast::CaseClauseCommand) -> Result<Exit, String> {
        let subject = self.word_expr(&case.value, Role::Value)?;
        let mut until = Vec::new();
        let mut fails = Vec::new();
        for item in &case.cases {
            let Some(cmd) = &item.cmd else { continue };
            let text = cmd.to_string();
            if !breaks(&text) {
                return Err("a case arm that does not `break`".into());
            }
            let mut pats = Vec::new();
            for p in &item.patterns {
                let lit = shell::literal(p).ok_or("a pattern that is not plain text")?;
                if lit.contains(['*', '?', '[']) {
                    return Err("a glob pattern".into());
                }
                pats.push(format!("{subject} == {}", quote(&lit)));
            }
            let cond = pats.join(" or ");
            let said = echo_text(cmd);
            if FAILURE.is_match(&said) {
                fails.push((cond, said));
            } else {
                until.push(cond);
            }
        }
        Ok(Exit::Both(until, fails))
    }

    /// For a loop without `break` in a gate: the gate's label as a match on
    /// the last command output in the body.
    fn gate_until(&self, body: &[Stmt]) -> Option<String> {
        let hint = self.gate_hint.as_ref()?;
        let label = hint.trim_matches('`');
        let out = body.iter().rev().find_map(|s| match &s.kind {
            StmtKind::Let(name, e) if e.starts_with("ssh.run(") => Some(name.clone()),
            _ => None,
        })?;
        Some(format!("{out}.stdout ~ {}", quote(&regex::escape(label))))
    }
}

/// Does a script parse, placeholders and all?
fn parses(code: &str) -> bool {
    shell::parse(&without_placeholders(code)).is_ok()
}

/// `<LB-ID>` as the variable it becomes (`${__param_lb_id}`).
fn without_placeholders(code: &str) -> String {
    PLACEHOLDER
        .replace_all(code, |c: &regex::Captures| {
            format!("${{__param_{}}}", placeholder_name(&c[1]))
        })
        .into_owned()
}

fn placeholder_name(raw: &str) -> String {
    raw.to_ascii_lowercase().replace('-', "_")
}

/// The remark a marker item (`: __rbk_comment_N`) stands for.
fn remark_of(ao: &ast::AndOrList) -> Option<usize> {
    if !ao.additional.is_empty() || ao.first.bang {
        return None;
    }
    let [ast::Command::Simple(s)] = ao.first.seq.as_slice() else {
        return None;
    };
    let w = shell::words(s);
    match (w.words.as_slice(), w.assignments.is_empty()) {
        ([colon, word], true) if shell::literal(colon).as_deref() == Some(":") => {
            comments::marker_index(&word.value)
        }
        _ => None,
    }
}

/// Word conversion through a `&mut Translator` from inside a closure.
fn self_word_expr(t: &mut Translator, word: &ast::Word, role: Role) -> Result<String, String> {
    t.word_expr(word, role)
}

enum Exit {
    Until(String),
    Both(Vec<String>, Vec<(String, String)>),
}

/// `$HOME/x` reads as `~/x`, which rbk expands the same way.
fn home_as_tilde(pieces: Vec<Piece>) -> Vec<Piece> {
    let mut out: Vec<Piece> = Vec::new();
    for p in pieces {
        let p = match p {
            Piece::Var(v) if v == "HOME" => Piece::Lit("~".into()),
            p => p,
        };
        match (out.last_mut(), p) {
            (Some(Piece::Lit(prev)), Piece::Lit(s)) => prev.push_str(&s),
            (_, p) => out.push(p),
        }
    }
    out
}

/// `N` of `$(seq 1 N)`, `$(seq N)` or `{1..N}`.
fn loop_count(values: &[ast::Word]) -> Option<u32> {
    let [w] = values else { return None };
    if let [Piece::Subst(s)] = shell::pieces(w).as_slice() {
        let parts: Vec<&str> = s.split_whitespace().collect();
        return match parts.as_slice() {
            ["seq", n] => n.parse().ok(),
            ["seq", "1", n] => n.parse().ok(),
            _ => None,
        };
    }
    let inner = w.value.strip_prefix("{1..")?.strip_suffix('}')?;
    inner.parse().ok()
}

/// The duration of a `sleep N` item.
fn sleep_of(ao: &ast::AndOrList) -> Option<String> {
    if !ao.additional.is_empty() {
        return None;
    }
    let [ast::Command::Simple(s)] = ao.first.seq.as_slice() else {
        return None;
    };
    let w = shell::words(s);
    if w.words.len() != 2 || shell::literal(w.words[0]).as_deref() != Some("sleep") {
        return None;
    }
    mapping::duration(&shell::literal(w.words[1])?).ok()
}

/// Does the shell text contain a `break` command?
fn breaks(text: &str) -> bool {
    text.split(|c: char| c.is_whitespace() || c == ';' || c == '{' || c == '}')
        .any(|w| w == "break")
}

/// The text the `echo`s in a list print.
fn echo_text(list: &ast::CompoundList) -> String {
    let mut said = Vec::new();
    for item in &list.0 {
        for p in std::iter::once(&item.0.first).chain(item.0.additional.iter().map(|a| match a {
            ast::AndOr::And(p) | ast::AndOr::Or(p) => p,
        })) {
            for c in &p.seq {
                if let ast::Command::Simple(s) = c {
                    let w = shell::words(s);
                    if w.words.first().and_then(|p| shell::literal(p)).as_deref() == Some("echo") {
                        said.extend(w.words[1..].iter().filter_map(|a| shell::literal(a)));
                    }
                }
            }
        }
    }
    said.join(" ")
}

fn single_command(prog: &ast::Program) -> Option<&ast::Command> {
    let [list] = prog.complete_commands.as_slice() else {
        return None;
    };
    let [item] = list.0.as_slice() else {
        return None;
    };
    if !item.0.additional.is_empty() {
        return None;
    }
    match item.0.first.seq.as_slice() {
        [c] => Some(c),
        _ => None,
    }
}

/// Does an expression only call read-only builtins (per the builtin table)?
fn reads_only(expr: &str) -> bool {
    static CALL: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\b([a-z_]+(?:\.[a-z_]+)+)\(").expect("valid regex"));
    let mut calls = CALL.captures_iter(expr).peekable();
    calls.peek().is_some()
        && calls.all(|c| {
            crate::resolve::builtins::lookup(&c[1])
                .is_some_and(|b| b.effect == crate::resolve::builtins::Effect::ReadOnly)
        })
}

/// `grep`, `head`, `sort`, ...: programs that only filter the text piped in.
fn is_text_filter(c: &ast::Command) -> bool {
    const FILTERS: &[&str] = &[
        "grep", "egrep", "fgrep", "head", "tail", "sort", "uniq", "wc", "cut", "jq", "column",
        "less", "cat",
    ];
    let ast::Command::Simple(s) = c else {
        return false;
    };
    let w = shell::words(s);
    w.redirects.is_empty()
        && w.words
            .first()
            .and_then(|p| shell::literal(p))
            .is_some_and(|p| FILTERS.contains(&p.as_str()))
}

/// The variable a `$` starts (`NAME` or `{NAME}`) and the characters it spans.
fn var_at(rest: &[char]) -> Option<(String, usize)> {
    let ident = |cs: &[char]| {
        cs.iter()
            .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
            .count()
    };
    if rest.first() == Some(&'{') {
        let n = ident(&rest[1..]);
        (n > 0 && rest.get(1 + n) == Some(&'}')).then(|| (rest[1..1 + n].iter().collect(), n + 2))
    } else {
        let n = ident(rest);
        (n > 0 && !rest[0].is_ascii_digit()).then(|| (rest[..n].iter().collect(), n))
    }
}

/// When every scoped statement of a body needs the same scope, that scope
/// goes around the whole loop.
fn hoist_scope(mut body: Vec<Stmt>) -> (Option<Scope>, Vec<Stmt>) {
    let mut scopes = body.iter().filter_map(|s| s.scope.as_ref());
    let Some(first) = scopes.next().cloned() else {
        return (None, body);
    };
    if scopes.any(|s| *s != first) {
        return (None, body);
    }
    for s in &mut body {
        s.scope = None;
    }
    (Some(first), body)
}
