//! Expression typing: infer a type for every expression from literals,
//! parameters, site fields, builtin return types and record fields, and
//! report names, calls and operators that cannot work.
use super::builtins::{self, Builtin};
use super::env::closest;
use super::resolver::{list_names, Resolver};
use super::types::Ty;
use crate::diagnostic::{Code, Diagnostic};
use crate::syntax::ast::{self, Arg, BinaryOp, Expr, ExprKind, Quantifier, UnaryOp};

/// May a value of type `got` be used where `want` is expected? Numbers of
/// seconds stand in for durations.
pub fn accepts(got: Ty, want: Ty) -> bool {
    got.fits(want) || (want == Ty::Duration && matches!(got, Ty::Int | Ty::Float))
}

fn known(t: Ty) -> bool {
    !matches!(t, Ty::Any)
}

fn numeric(t: Ty) -> bool {
    matches!(t, Ty::Int | Ty::Float | Ty::Any)
}

fn time_or_number(t: Ty) -> bool {
    numeric(t) || t == Ty::Duration
}

/// Can two values be meaningfully compared with `==`?
fn comparable(a: Ty, b: Ty) -> bool {
    a == Ty::Null
        || b == Ty::Null
        || a.fits(b)
        || b.fits(a)
        || (time_or_number(a) && time_or_number(b))
}

/// "a str", "an int": types read better with their article.
pub(super) fn article(t: Ty) -> String {
    let s = t.to_string();
    match s.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u' | 'A' | 'E' | 'I' | 'O' | 'U') => format!("an {s}"),
        _ => format!("a {s}"),
    }
}

impl Resolver<'_> {
    /// A condition must be a bool (`until`, `if`, `when`, `require`, `where`).
    pub(super) fn condition(&mut self, e: &Expr, what: &str) {
        let t = self.expr(e);
        if known(t) && t != Ty::Bool {
            let d = Diagnostic::new(
                Code::NotBool,
                e.span,
                format!("the condition of {what} is {}, not a bool", article(t)),
            )
            .with_label(format!("this is {}", article(t)))
            .with_help("compare it with something: `x == \"ACTIVE\"`, `n > 0`, `len(xs) == 0`");
            self.report(d);
        }
    }

    pub(super) fn expect_ty(&mut self, e: &Expr, want: Ty, what: &str) {
        let t = self.expr(e);
        if !accepts(t, want) {
            let d = Diagnostic::new(
                Code::ArgType,
                e.span,
                format!("{what} needs {}, but this is {}", article(want), article(t)),
            )
            .with_label(format!("this is {}", article(t)))
            .with_help(match want {
                Ty::Duration => "write a duration such as `10s`, `3.5m` or `2h`",
                Ty::Int => "write a whole number such as `20`",
                _ => "change the value to the expected type",
            });
            self.report(d);
        }
    }

    /// Infer the type of `e`, reporting what is wrong inside it.
    pub(super) fn expr(&mut self, e: &Expr) -> Ty {
        match &e.kind {
            ExprKind::Int(_) => Ty::Int,
            ExprKind::Float(_) => Ty::Float,
            ExprKind::Bool(_) => Ty::Bool,
            ExprKind::None => Ty::Null,
            ExprKind::Duration(_) => Ty::Duration,
            ExprKind::Str(t) => {
                self.text(t);
                Ty::Str
            }
            ExprKind::List(items) => {
                let tys: Vec<Ty> = items.iter().map(|i| self.expr(i)).collect();
                let elem = match tys.first() {
                    Some(first) if tys.iter().all(|t| t == first) => *first,
                    Some(_) if tys.iter().all(|t| matches!(t, Ty::Int | Ty::Float)) => Ty::Float,
                    _ => Ty::Any,
                };
                self.list_ty(elem)
            }
            ExprKind::Var(name) => self.var(name),
            ExprKind::Field { base, name } => self.field(base, name),
            ExprKind::Index { base, index } => {
                let b = self.expr(base);
                let i = self.expr(index);
                match b {
                    Ty::List(t) => {
                        if !accepts(i, Ty::Int) {
                            self.mismatch(
                                index.span,
                                format!("a list is indexed by a number, not {}", article(i)),
                                "write `xs[0]` for the first item",
                            );
                        }
                        *t
                    }
                    Ty::Map | Ty::Any => Ty::Any,
                    Ty::Str => Ty::Str,
                    other => {
                        self.mismatch(
                            base.span,
                            format!("{} cannot be indexed", article(other)),
                            "only lists, maps and text can be indexed with `[...]`",
                        );
                        Ty::Any
                    }
                }
            }
            ExprKind::Call { callee, args } => self.call(callee, args),
            ExprKind::Unary { op, operand } => {
                let t = self.expr(operand);
                match op {
                    UnaryOp::Not => {
                        if known(t) && t != Ty::Bool {
                            self.mismatch(
                                operand.span,
                                format!("`not` needs a bool, but this is {}", article(t)),
                                "compare the value first: `not (x == y)` or `x != y`",
                            );
                        }
                        Ty::Bool
                    }
                    UnaryOp::Neg => {
                        if !time_or_number(t) {
                            self.mismatch(
                                operand.span,
                                format!("cannot negate {}", article(t)),
                                "only numbers and durations can be negated",
                            );
                            return Ty::Any;
                        }
                        t
                    }
                }
            }
            ExprKind::Binary { op, lhs, rhs } => self.binary(e, *op, lhs, rhs),
            ExprKind::Comprehension {
                quantifier,
                var,
                iter,
                filter,
                map,
            } => {
                let it = self.expr(iter);
                let elem = match it.element() {
                    Some(t) => t,
                    None => {
                        self.mismatch(
                            iter.span,
                            format!("cannot loop over {}", article(it)),
                            "`any`, `all`, `count`, `filter` and `map` need a list",
                        );
                        Ty::Any
                    }
                };
                self.env.push();
                self.bind(var, elem);
                if let Some(f) = filter {
                    self.condition(f, "a `where`");
                }
                let mapped = map.as_ref().map(|m| self.expr(m));
                self.env.pop();
                match quantifier {
                    Quantifier::Any | Quantifier::All => Ty::Bool,
                    Quantifier::Count => Ty::Int,
                    Quantifier::Filter => self.list_ty(elem),
                    Quantifier::Map => self.list_ty(mapped.unwrap_or(elem)),
                }
            }
        }
    }

    fn mismatch(&mut self, span: ast::Span, msg: String, help: &str) {
        let d = Diagnostic::new(Code::TypeMismatch, span, msg)
            .with_label("wrong type here")
            .with_help(help.to_string());
        self.report(d);
    }

    fn var(&mut self, name: &ast::Ident) -> Ty {
        if let Some(t) = self.env.lookup(&name.name) {
            return t;
        }
        if name.name == "site" || self.called.contains_key(&name.name) {
            return Ty::Any;
        }
        let names = self.visible_names();
        let mut d = Diagnostic::new(
            Code::UnknownName,
            name.span,
            format!("`{}` is not defined here", name.name),
        )
        .with_label("unknown name");
        d = match closest(&name.name, names.iter().map(String::as_str)) {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None if self.site.contains_key(name.name.as_str()) => {
                d.with_help(format!("site fields are read as `site.{}`", name.name))
            }
            None => d.with_help("define it first with `let`, declare it as a `param`, or read a site field as `site.NAME`"),
        };
        self.report(d);
        Ty::Any
    }

    fn field(&mut self, base: &Expr, name: &ast::Ident) -> Ty {
        if let ExprKind::Var(v) = &base.kind {
            if v.name == "site" && self.env.lookup("site").is_none() {
                if let Some(t) = self.site.get(name.name.as_str()) {
                    return *t;
                }
                let fields: Vec<&str> = self.site.keys().copied().collect();
                let mut d = Diagnostic::new(
                    Code::UnknownField,
                    name.span,
                    format!("the site has no field `{}`", name.name),
                )
                .with_label("not declared in any `site { ... }`");
                d = match closest(&name.name, fields.iter().copied()) {
                    Some(s) => d.with_help(format!("did you mean `site.{s}`?")),
                    None => d.with_help(format!(
                        "declare it in a `site {{ {}: str }}` block (usually in the shared file the procedure `use`s)",
                        name.name
                    )),
                };
                self.report(d);
                return Ty::Any;
            }
        }
        if let ExprKind::Var(v) = &base.kind {
            if self.env.lookup(&v.name).is_none() {
                if let Some(vars) = self.called.get(&v.name) {
                    if let Some((_, t)) = vars.iter().find(|(n, _)| *n == name.name) {
                        return *t;
                    }
                    let mut d = Diagnostic::new(
                        Code::UnknownField,
                        name.span,
                        format!("procedure `{}` sets no variable `{}`", v.name, name.name),
                    )
                    .with_label("not set by the called procedure");
                    d = match closest(&name.name, vars.iter().map(|(n, _)| n.as_str())) {
                        Some(s) => d.with_help(format!("did you mean `{}.{s}`?", v.name)),
                        None => d.with_help("a called procedure's `let`s outside `foreach` and `if` bodies are readable as `call_name.variable`"),
                    };
                    self.report(d);
                    return Ty::Any;
                }
            }
        }
        let b = self.expr(base);
        match b {
            Ty::Any | Ty::Map => Ty::Any,
            Ty::Record(r) => match r.field(&name.name) {
                Some(f) => f.ty,
                None => {
                    let mut d = Diagnostic::new(
                        Code::UnknownField,
                        name.span,
                        format!("a {} has no field `{}`", r.name, name.name),
                    )
                    .with_label("unknown field");
                    let all = r.fields.iter().map(|f| f.name);
                    d = match closest(&name.name, r.fields.iter().map(|f| f.name)) {
                        Some(s) => d.with_help(format!("did you mean `{s}`?")),
                        None => d.with_help(format!("a {} has {}", r.name, list_names(all))),
                    };
                    self.report(d);
                    Ty::Any
                }
            },
            other => {
                let d = Diagnostic::new(
                    Code::UnknownField,
                    name.span,
                    format!("{} has no fields, so `.{}` does not exist", article(other), name.name),
                )
                .with_label("no such field")
                .with_help("fields exist on records returned by builtins (a Server's `.status`, a LoadBalancer's `.provisioning_status`)");
                self.report(d);
                Ty::Any
            }
        }
    }

    fn call(&mut self, callee: &ast::Path, args: &[Arg]) -> Ty {
        let Some(b) = builtins::lookup_path(callee) else {
            self.unknown_builtin(&callee.dotted(), callee.span);
            for arg in args {
                self.expr(&arg.value);
            }
            return Ty::Any;
        };
        if let Some(kind) = b.scope {
            if !self.scopes.contains(&kind) {
                let example = match kind {
                    ast::ScopeKind::OpenStack => {
                        "scope openstack(project: site.project_id) { ... }"
                    }
                    ast::ScopeKind::Kube => {
                        "scope kube(kubeconfig: \"~/capi-mgmt.kubeconfig\") { ... }"
                    }
                    ast::ScopeKind::Ssh => {
                        "scope ssh(host: site.mgmt_fip, user: \"ubuntu\") { ... }"
                    }
                };
                let d = Diagnostic::new(
                    Code::OutsideScope,
                    callee.span,
                    format!("`{}` needs {} credentials, but it is not inside a `scope {}` block", b.name, kind.as_str(), kind.as_str()),
                )
                .with_label(format!("called outside `scope {}`", kind.as_str()))
                .with_help(format!("wrap the call in `{example}` so it runs with the right credentials and project"));
                self.report(d);
            }
        }
        self.call_args(b, callee, args);
        b.returns
    }

    /// RBK111: a text literal for a parameter that decides the effect
    /// (`method`) must be one the table lists; anything else would count as
    /// the most dangerous effect and fail at run time.
    /// RBK112: a text literal for a parameter that takes only some values
    /// (`service`) must be one of them.
    fn listed_value(&mut self, b: &Builtin, param: &crate::resolve::builtins::Param, arg: &Arg) {
        if param.values.is_empty() {
            return;
        }
        let ast::ExprKind::Str(t) = &arg.value.kind else {
            return;
        };
        let Some(text) = t.as_literal() else { return };
        if param
            .values
            .iter()
            .any(|v| v.eq_ignore_ascii_case(text.trim()))
        {
            return;
        }
        let known: Vec<String> = param.values.iter().map(|v| format!("`{v}`")).collect();
        let mut d = Diagnostic::new(
            Code::UnknownValue,
            arg.value.span,
            format!("`{}` does not take {} {text:?}", b.name, param.name),
        )
        .with_label(format!("not a {} it knows", param.name));
        d = match closest(&text.to_ascii_lowercase(), param.values.iter().copied()) {
            Some(s) => d.with_help(format!("did you mean `{s}`? It takes {}", known.join(", "))),
            None => d.with_help(format!("it takes {}", known.join(", "))),
        };
        self.report(d);
    }

    fn effect_value(&mut self, b: &Builtin, param: &crate::resolve::builtins::Param, arg: &Arg) {
        if param.effects.is_empty() {
            return;
        }
        let ast::ExprKind::Str(t) = &arg.value.kind else {
            return;
        };
        let Some(text) = t.as_literal() else { return };
        if param
            .effects
            .iter()
            .any(|(v, _)| v.eq_ignore_ascii_case(&text))
        {
            return;
        }
        let known: Vec<String> = param
            .effects
            .iter()
            .map(|(v, _)| format!("`{v}`"))
            .collect();
        let mut d = Diagnostic::new(
            Code::UnknownEffectValue,
            arg.value.span,
            format!("`{}` does not know {} {text:?}", b.name, param.name),
        )
        .with_label(format!("not a {} it sends", param.name));
        d = match closest(
            &text.to_ascii_uppercase(),
            param.effects.iter().map(|(v, _)| *v),
        ) {
            Some(s) => d.with_help(format!(
                "did you mean `{s}`? It is one of {}; the effect of the call follows from it",
                known.join(", ")
            )),
            None => d.with_help(format!(
                "write one of {}; the effect of the call follows from it",
                known.join(", ")
            )),
        };
        self.report(d);
    }

    fn call_args(&mut self, b: &Builtin, callee: &ast::Path, args: &[Arg]) {
        let mut filled = vec![false; b.params.len()];
        let mut next = 0;
        let mut extra: Vec<&Arg> = Vec::new();
        for arg in args {
            let got = self.expr(&arg.value);
            let index = match &arg.name {
                None => {
                    if next >= b.params.len() {
                        extra.push(arg);
                        continue;
                    }
                    next += 1;
                    next - 1
                }
                Some(n) => match b.params.iter().position(|p| p.name == n.name) {
                    Some(i) => i,
                    None => {
                        let mut d = Diagnostic::new(
                            Code::UnknownArgument,
                            n.span,
                            format!("`{}` has no argument `{}`", b.name, n.name),
                        )
                        .with_label("unknown argument");
                        d = match closest(&n.name, b.params.iter().map(|p| p.name)) {
                            Some(s) => d.with_help(format!("did you mean `{s}`?")),
                            None => d.with_help(format!("the signature is {}", signature(b))),
                        };
                        self.report(d);
                        continue;
                    }
                },
            };
            let param = &b.params[index];
            if filled[index] {
                let d = Diagnostic::new(
                    Code::UnknownArgument,
                    arg.span,
                    format!("argument `{}` of `{}` is given twice", param.name, b.name),
                )
                .with_label("given again here")
                .with_help(format!("the signature is {}", signature(b)));
                self.report(d);
            }
            filled[index] = true;
            self.effect_value(b, param, arg);
            self.listed_value(b, param, arg);
            if !accepts(got, param.ty) {
                let d = Diagnostic::new(
                    Code::ArgType,
                    arg.value.span,
                    format!(
                        "argument `{}` of `{}` must be {}, but this is {}",
                        param.name,
                        b.name,
                        article(param.ty),
                        article(got)
                    ),
                )
                .with_label(format!("this is {}", article(got)))
                .with_help(format!("the signature is {}", signature(b)));
                self.report(d);
            }
        }
        let missing: Vec<&str> = b
            .params
            .iter()
            .zip(&filled)
            .filter(|(p, f)| p.default.is_none() && !**f)
            .map(|(p, _)| p.name)
            .collect();
        if !extra.is_empty() || !missing.is_empty() {
            let given = args.len();
            let (span, label) = match extra.first() {
                Some(x) => (x.span, "one too many".to_string()),
                None => (
                    callee.span,
                    format!("missing {}", list_names(missing.iter().copied())),
                ),
            };
            let max = b.params.len();
            let min = b.required_params();
            let takes = if min == max {
                format!("{min} argument{}", if min == 1 { "" } else { "s" })
            } else {
                format!("{min} to {max} arguments")
            };
            let d = Diagnostic::new(
                Code::ArgCount,
                span,
                format!(
                    "`{}` takes {takes}, but {given} {} given",
                    b.name,
                    if given == 1 { "was" } else { "were" }
                ),
            )
            .with_label(label)
            .with_help(format!("the signature is {}", signature(b)));
            self.report(d);
        }
    }

    fn binary(&mut self, e: &Expr, op: BinaryOp, lhs: &Expr, rhs: &Expr) -> Ty {
        let l = self.expr(lhs);
        let r = self.expr(rhs);
        let bad = |this: &mut Self, help: &str| {
            let d = Diagnostic::new(
                Code::TypeMismatch,
                e.span,
                format!(
                    "`{}` cannot combine {} and {}",
                    op.as_str(),
                    article(l),
                    article(r)
                ),
            )
            .with_secondary(lhs.span, article(l))
            .with_secondary(rhs.span, article(r))
            .with_help(help.to_string());
            this.report(d);
        };
        use BinaryOp::*;
        match op {
            And | Or => {
                if (known(l) && l != Ty::Bool) || (known(r) && r != Ty::Bool) {
                    bad(
                        self,
                        "`and` and `or` join conditions (bools); compare values first",
                    );
                }
                Ty::Bool
            }
            Eq | Ne => {
                if known(l) && known(r) && !comparable(l, r) {
                    bad(self, "these can never be equal; convert one side (`str(n)`, `int(text)`) or compare the right field");
                }
                Ty::Bool
            }
            Lt | Le | Gt | Ge => {
                let ok = (time_or_number(l) && time_or_number(r))
                    || (l == Ty::Str && r == Ty::Str)
                    || !known(l)
                    || !known(r);
                if !ok {
                    bad(
                        self,
                        "order comparisons work on numbers, durations and text",
                    );
                }
                Ty::Bool
            }
            Matches | NotMatches => {
                if !(l.fits(Ty::Str) && r.fits(Ty::Str)) {
                    bad(
                        self,
                        "`~` matches text against a regular expression: `out.stdout ~ \"ready\"`",
                    );
                }
                Ty::Bool
            }
            In | NotIn => {
                let ok = match r {
                    Ty::Any | Ty::Map => true,
                    Ty::Str => l.fits(Ty::Str),
                    Ty::List(t) => !known(l) || comparable(l, *t),
                    _ => false,
                };
                if !ok {
                    bad(
                        self,
                        "`in` looks for an item in a list, a key in a map or text in text",
                    );
                }
                Ty::Bool
            }
            Add | Sub | Mul | Div | Rem => self.arith(op, l, r, bad),
        }
    }

    fn arith(&mut self, op: BinaryOp, l: Ty, r: Ty, bad: impl Fn(&mut Self, &str)) -> Ty {
        if !known(l) || !known(r) {
            return if l == Ty::Duration || r == Ty::Duration {
                Ty::Duration
            } else {
                Ty::Any
            };
        }
        if op == BinaryOp::Add {
            match (l, r) {
                (Ty::Str, Ty::Str) => return Ty::Str,
                (Ty::List(x), Ty::List(y)) => {
                    return if x == y { l } else { self.list_ty(Ty::Any) };
                }
                _ => {}
            }
        }
        match (l, r) {
            (Ty::Int, Ty::Int) if op != BinaryOp::Div => Ty::Int,
            (Ty::Int | Ty::Float, Ty::Int | Ty::Float) => Ty::Float,
            (Ty::Duration, Ty::Duration) if matches!(op, BinaryOp::Add | BinaryOp::Sub) => {
                Ty::Duration
            }
            (Ty::Duration, Ty::Duration) if op == BinaryOp::Div => Ty::Float,
            (Ty::Duration, Ty::Int | Ty::Float) | (Ty::Int | Ty::Float, Ty::Duration) => {
                Ty::Duration
            }
            _ => {
                bad(
                    self,
                    if op == BinaryOp::Add {
                        "`+` adds numbers, joins text to text and lists to lists; use interpolation for mixed text: \"n={n}\""
                    } else {
                        "arithmetic works on numbers and durations"
                    },
                );
                Ty::Any
            }
        }
    }
}

/// `openstack.server.show(server: str)`, for help lines.
pub fn signature(b: &Builtin) -> String {
    let params: Vec<String> = b
        .params
        .iter()
        .map(|p| match p.default {
            Some(d) => format!("{}: {} = {d}", p.name, p.ty),
            None => format!("{}: {}", p.name, p.ty),
        })
        .collect();
    format!("`{}({})`", b.name, params.join(", "))
}
