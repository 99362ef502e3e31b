//! The expander: R7RS's derived forms rewritten into the core forms the
//! evaluator runs (`quote`, `if`, `define`, `set!`, `lambda`, `let` and
//! named `let`, `cond`, `begin`, `and`, `or`), on the reader's
//! [`Datum`]s before they are built on the heap.
//!
//! | form | becomes |
//! | --- | --- |
//! | `let*` | nested `let`s |
//! | `letrec`, `letrec*` | `(let () (define v init) ... (let () body ...))` |
//! | `do` | a named `let` |
//! | `case` | `cond` over `eqv?`/`memv` of a temporary |
//! | `when`, `unless` | `if` and `begin` |
//! | `cond` clause `(test => f)` | `let` of the test and `if` |
//! | `quasiquote` | `cons`, `append`, `list->vector` and `quote` |
//! | `define-record-type` | `define`s of the `%record` builtins |
//! | `delay`, `delay-force` | a promise of a thunk (`force` is in the prelude) |
//! | `case-lambda` | a variadic `lambda` dispatching on the argument count |
//! | `import` | nothing (the whole library is always there) |
//!
//! The expander knows each form's shape, so it never rewrites a binding's
//! name or a quoted datum. It has no notion of scope, though: a program
//! that binds a local variable named like a derived form (`do`, `case`,
//! `when`, ...) and calls it will see the form instead. There are no
//! user-defined macros (`define-syntax` is a clear error).

use super::error::LispError;
use super::parse::Datum;
use super::value::Symbols;

type Result<T> = std::result::Result<T, LispError>;

/// Expands every derived form in `datum` (a top-level form).
pub fn expand(datum: &Datum, symbols: &mut Symbols) -> Result<Datum> {
    Expander { symbols }.expr(datum)
}

struct Expander<'a> {
    symbols: &'a mut Symbols,
}

fn list(items: Vec<Datum>) -> Datum {
    Datum::List(items, None)
}

impl Expander<'_> {
    fn sym(&mut self, name: &str) -> Datum {
        Datum::Sym(self.symbols.intern(name))
    }

    fn error(&self, message: impl Into<String>, form: &Datum) -> LispError {
        let shown = self.show(form);
        LispError::Runtime(format!("{}: {shown}", message.into()))
    }

    fn show(&self, form: &Datum) -> String {
        show(self.symbols, form)
    }

    fn bad_syntax(&self, form: &Datum) -> LispError {
        self.error("bad syntax", form)
    }

    /// The head symbol's name of a proper list form.
    fn head<'d>(&self, datum: &'d Datum) -> Option<(&str, &'d [Datum])> {
        match datum {
            Datum::List(items, None) => match items.first() {
                Some(Datum::Sym(sym)) => Some((self.symbols.name(*sym), &items[1..])),
                _ => None,
            },
            _ => None,
        }
    }

    fn exprs(&mut self, items: &[Datum]) -> Result<Vec<Datum>> {
        items.iter().map(|item| self.expr(item)).collect()
    }

    fn expr(&mut self, datum: &Datum) -> Result<Datum> {
        let Datum::List(items, tail) = datum else {
            return Ok(datum.clone());
        };
        if tail.is_some() {
            return Err(self.bad_syntax(datum));
        }
        let Some((head, args)) = self.head(datum) else {
            return Ok(list(self.exprs(items)?));
        };
        let head = head.to_owned();
        match head.as_str() {
            "quote" => Ok(datum.clone()),
            "quasiquote" => match args {
                [template] => self.quasi(template, 1),
                _ => Err(self.bad_syntax(datum)),
            },
            "lambda" => match args {
                [params, body @ ..] if !body.is_empty() => {
                    let mut out = vec![items[0].clone(), params.clone()];
                    out.extend(self.exprs(body)?);
                    Ok(list(out))
                }
                _ => Err(self.bad_syntax(datum)),
            },
            "define" => match args {
                [target @ Datum::List(..), body @ ..] if !body.is_empty() => {
                    let mut out = vec![items[0].clone(), target.clone()];
                    out.extend(self.exprs(body)?);
                    Ok(list(out))
                }
                [target @ Datum::Sym(_), value] => Ok(list(vec![
                    items[0].clone(),
                    target.clone(),
                    self.expr(value)?,
                ])),
                [target @ Datum::Sym(_)] => Ok(list(vec![
                    items[0].clone(),
                    target.clone(),
                    list(vec![self.sym("begin")]),
                ])),
                _ => Err(self.bad_syntax(datum)),
            },
            "set!" => match args {
                [target, value] => Ok(list(vec![
                    items[0].clone(),
                    target.clone(),
                    self.expr(value)?,
                ])),
                _ => Err(self.bad_syntax(datum)),
            },
            "let" => self.let_form(datum, args),
            "let*" => self.let_star(datum, args),
            "letrec" | "letrec*" => self.letrec(datum, args),
            "do" => self.do_form(datum, args),
            "case" => self.case(datum, args),
            "cond" => self.cond(args),
            "when" | "unless" => {
                let [test, body @ ..] = args else {
                    return Err(self.bad_syntax(datum));
                };
                let test = self.expr(test)?;
                let mut begin = vec![self.sym("begin")];
                begin.extend(self.exprs(body)?);
                let empty = list(vec![self.sym("begin")]);
                Ok(if head == "when" {
                    list(vec![self.sym("if"), test, list(begin)])
                } else {
                    list(vec![self.sym("if"), test, empty, list(begin)])
                })
            }
            "define-record-type" => self.record_type(datum, args),
            "delay" | "delay-force" => {
                let [expr] = args else {
                    return Err(self.bad_syntax(datum));
                };
                let thunk = list(vec![self.sym("lambda"), list(vec![]), self.expr(expr)?]);
                Ok(list(vec![
                    self.sym("%make-promise"),
                    Datum::Bool(false),
                    thunk,
                ]))
            }
            "case-lambda" => self.case_lambda(datum, args),
            "import" => Ok(list(vec![self.sym("begin")])),
            "define-syntax" | "let-syntax" | "letrec-syntax" | "syntax-rules" => Err(self.error(
                "macros (define-syntax, syntax-rules) are not supported",
                datum,
            )),
            _ => Ok(list(self.exprs(items)?)),
        }
    }

    /// `(let [name] ((v init) ...) body ...)`: the inits and the body.
    fn let_form(&mut self, datum: &Datum, args: &[Datum]) -> Result<Datum> {
        let (name, specs, body) = match args {
            [name @ Datum::Sym(_), specs, body @ ..] => (Some(name), specs, body),
            [specs, body @ ..] => (None, specs, body),
            _ => return Err(self.bad_syntax(datum)),
        };
        if body.is_empty() {
            return Err(self.bad_syntax(datum));
        }
        let specs = self.specs(datum, specs)?;
        let mut out = vec![self.sym("let")];
        out.extend(name.cloned());
        let specs = specs
            .into_iter()
            .map(|(var, init)| Ok(list(vec![var, self.expr(&init)?])))
            .collect::<Result<Vec<_>>>()?;
        out.push(list(specs));
        out.extend(self.exprs(body)?);
        Ok(list(out))
    }

    /// The `(var init)` pairs of a binding list (`(var)` binds nothing useful:
    /// it is an error, as in R7RS).
    fn specs(&self, datum: &Datum, specs: &Datum) -> Result<Vec<(Datum, Datum)>> {
        let Datum::List(specs, None) = specs else {
            return Err(self.bad_syntax(datum));
        };
        specs
            .iter()
            .map(|spec| match spec {
                Datum::List(parts, None) => match parts.as_slice() {
                    [var @ Datum::Sym(_), init] => Ok((var.clone(), init.clone())),
                    _ => Err(self.bad_syntax(spec)),
                },
                _ => Err(self.bad_syntax(spec)),
            })
            .collect()
    }

    fn let_star(&mut self, datum: &Datum, args: &[Datum]) -> Result<Datum> {
        let [specs, body @ ..] = args else {
            return Err(self.bad_syntax(datum));
        };
        if body.is_empty() {
            return Err(self.bad_syntax(datum));
        }
        let specs = self.specs(datum, specs)?;
        let mut inner = vec![self.sym("let"), list(vec![])];
        inner.extend(body.iter().cloned());
        let mut form = list(inner);
        for (var, init) in specs.into_iter().rev() {
            form = list(vec![
                self.sym("let"),
                list(vec![list(vec![var, init])]),
                form,
            ]);
        }
        self.expr(&form)
    }

    fn letrec(&mut self, datum: &Datum, args: &[Datum]) -> Result<Datum> {
        let [specs, body @ ..] = args else {
            return Err(self.bad_syntax(datum));
        };
        if body.is_empty() {
            return Err(self.bad_syntax(datum));
        }
        let specs = self.specs(datum, specs)?;
        let mut out = vec![self.sym("let"), list(vec![])];
        for (var, init) in specs {
            out.push(list(vec![self.sym("define"), var, init]));
        }
        let mut inner = vec![self.sym("let"), list(vec![])];
        inner.extend(body.iter().cloned());
        out.push(list(inner));
        self.expr(&list(out))
    }

    /// `(do ((var init [step]) ...) (test expr ...) body ...)`.
    fn do_form(&mut self, datum: &Datum, args: &[Datum]) -> Result<Datum> {
        let [Datum::List(specs, None), Datum::List(exit, None), body @ ..] = args else {
            return Err(self.bad_syntax(datum));
        };
        let Some((test, results)) = exit.split_first() else {
            return Err(self.bad_syntax(datum));
        };
        let name = Datum::Sym(self.symbols.fresh("do-loop"));
        let mut bindings = Vec::new();
        let mut steps = vec![name.clone()];
        for spec in specs {
            match spec {
                Datum::List(parts, None) => match parts.as_slice() {
                    [var @ Datum::Sym(_), init] => {
                        bindings.push(list(vec![var.clone(), init.clone()]));
                        steps.push(var.clone());
                    }
                    [var @ Datum::Sym(_), init, step] => {
                        bindings.push(list(vec![var.clone(), init.clone()]));
                        steps.push(step.clone());
                    }
                    _ => return Err(self.bad_syntax(spec)),
                },
                _ => return Err(self.bad_syntax(spec)),
            }
        }
        let mut done = vec![self.sym("begin")];
        done.extend(results.iter().cloned());
        let mut again = vec![self.sym("begin")];
        again.extend(body.iter().cloned());
        again.push(list(steps));
        let branch = list(vec![self.sym("if"), test.clone(), list(done), list(again)]);
        let form = list(vec![self.sym("let"), name, list(bindings), branch]);
        self.expr(&form)
    }

    /// `(case key ((datum ...) expr ...) ... [(else expr ...)])`, clauses
    /// may use `=>`.
    fn case(&mut self, datum: &Datum, args: &[Datum]) -> Result<Datum> {
        let [key, clauses @ ..] = args else {
            return Err(self.bad_syntax(datum));
        };
        let temp = Datum::Sym(self.symbols.fresh("key"));
        let mut cond = vec![self.sym("cond")];
        for clause in clauses {
            let Datum::List(parts, None) = clause else {
                return Err(self.bad_syntax(clause));
            };
            let Some((data, body)) = parts.split_first() else {
                return Err(self.bad_syntax(clause));
            };
            let test = match data {
                Datum::Sym(sym) if self.symbols.name(*sym) == "else" => data.clone(),
                Datum::List(data, None) => match data.as_slice() {
                    [one] => list(vec![
                        self.sym("eqv?"),
                        temp.clone(),
                        list(vec![self.sym("quote"), one.clone()]),
                    ]),
                    _ => list(vec![
                        self.sym("memv"),
                        temp.clone(),
                        list(vec![self.sym("quote"), list(data.clone())]),
                    ]),
                },
                _ => return Err(self.bad_syntax(clause)),
            };
            let body = match body {
                [arrow @ Datum::Sym(sym), f] if self.symbols.name(*sym) == "=>" => {
                    let _ = arrow;
                    vec![list(vec![f.clone(), temp.clone()])]
                }
                [] => return Err(self.bad_syntax(clause)),
                body => body.to_vec(),
            };
            let mut clause = vec![test];
            clause.extend(body);
            cond.push(list(clause));
        }
        let form = list(vec![
            self.sym("let"),
            list(vec![list(vec![temp, key.clone()])]),
            list(cond),
        ]);
        self.expr(&form)
    }

    /// `cond`: the clauses' expressions; the first `(test => f)` clause
    /// and those after it become a `let` and an `if` in an `else` clause.
    fn cond(&mut self, args: &[Datum]) -> Result<Datum> {
        let mut out = vec![self.sym("cond")];
        for (index, clause) in args.iter().enumerate() {
            let Datum::List(parts, None) = clause else {
                return Err(self.bad_syntax(clause));
            };
            match parts.as_slice() {
                [test, Datum::Sym(arrow), f] if self.symbols.name(*arrow) == "=>" => {
                    let temp = Datum::Sym(self.symbols.fresh("test"));
                    let mut rest = vec![self.sym("cond")];
                    rest.extend(args[index + 1..].iter().cloned());
                    let form = list(vec![
                        self.sym("let"),
                        list(vec![list(vec![temp.clone(), test.clone()])]),
                        list(vec![
                            self.sym("if"),
                            temp.clone(),
                            list(vec![f.clone(), temp]),
                            list(rest),
                        ]),
                    ]);
                    out.push(list(vec![self.sym("else"), self.expr(&form)?]));
                    return Ok(list(out));
                }
                [] => return Err(self.bad_syntax(clause)),
                parts => out.push(list(self.exprs(parts)?)),
            }
        }
        Ok(list(out))
    }

    /// `(define-record-type name (ctor field ...) pred (field get [set]) ...)`.
    fn record_type(&mut self, datum: &Datum, args: &[Datum]) -> Result<Datum> {
        let [name, ctor, pred, fields @ ..] = args else {
            return Err(self.bad_syntax(datum));
        };
        let type_name = match name {
            Datum::Sym(_) => name.clone(),
            Datum::List(parts, None) if matches!(parts.first(), Some(Datum::Sym(_))) => {
                parts[0].clone()
            }
            _ => return Err(self.bad_syntax(datum)),
        };
        let mut field_names = Vec::new();
        for field in fields {
            match field {
                Datum::List(parts, None) if matches!(parts.first(), Some(Datum::Sym(_))) => {
                    field_names.push(parts[0].clone())
                }
                Datum::Sym(_) => field_names.push(field.clone()),
                _ => return Err(self.bad_syntax(field)),
            }
        }
        let quote = |e: &mut Self, d: Datum| list(vec![e.sym("quote"), d]);
        let define =
            |e: &mut Self, name: Datum, value: Datum| list(vec![e.sym("define"), name, value]);
        let kind = Datum::Sym(self.symbols.fresh("record-type"));
        let mut out = vec![self.sym("begin")];
        let quoted_name = quote(self, type_name.clone());
        let quoted_fields = quote(self, list(field_names.clone()));
        let make_type = list(vec![self.sym("%record-type"), quoted_name, quoted_fields]);
        out.push(define(self, kind.clone(), make_type));
        out.push(define(self, type_name, kind.clone()));
        let lambda = self.sym("lambda");
        match ctor {
            Datum::List(parts, None) if matches!(parts.first(), Some(Datum::Sym(_))) => {
                let params = &parts[1..];
                let mut make = vec![self.sym("%make-record"), kind.clone()];
                for field in &field_names {
                    make.push(if params.contains(field) {
                        field.clone()
                    } else {
                        Datum::Bool(false)
                    });
                }
                let body = list(vec![lambda.clone(), list(params.to_vec()), list(make)]);
                out.push(define(self, parts[0].clone(), body));
            }
            Datum::Sym(_) => {
                let mut make = vec![self.sym("%make-record"), kind.clone()];
                make.extend(field_names.iter().cloned());
                let body = list(vec![lambda.clone(), list(field_names.clone()), list(make)]);
                out.push(define(self, ctor.clone(), body));
            }
            Datum::Bool(false) => {}
            _ => return Err(self.bad_syntax(ctor)),
        }
        if let Datum::Sym(_) = pred {
            let x = self.sym("x");
            let test = list(vec![self.sym("%record?"), x.clone(), kind.clone()]);
            let body = list(vec![lambda.clone(), list(vec![x]), test]);
            out.push(define(self, pred.clone(), body));
        }
        for (index, field) in fields.iter().enumerate() {
            let Datum::List(parts, None) = field else {
                continue;
            };
            let index = Datum::Int(index as i64);
            let (r, v) = (self.sym("r"), self.sym("v"));
            if let Some(getter) = parts.get(1) {
                let get = list(vec![
                    self.sym("%record-ref"),
                    r.clone(),
                    kind.clone(),
                    index.clone(),
                ]);
                let body = list(vec![lambda.clone(), list(vec![r.clone()]), get]);
                out.push(define(self, getter.clone(), body));
            }
            if let Some(setter) = parts.get(2) {
                let set = list(vec![
                    self.sym("%record-set!"),
                    r.clone(),
                    kind.clone(),
                    index,
                    v.clone(),
                ]);
                let body = list(vec![lambda.clone(), list(vec![r, v]), set]);
                out.push(define(self, setter.clone(), body));
            }
        }
        Ok(list(out))
    }

    /// `(case-lambda (formals body ...) ...)`: a variadic `lambda` that
    /// applies the first clause whose formals accept the argument count.
    fn case_lambda(&mut self, datum: &Datum, args: &[Datum]) -> Result<Datum> {
        let all = Datum::Sym(self.symbols.fresh("args"));
        let count = Datum::Sym(self.symbols.fresh("count"));
        let mut cond = vec![self.sym("cond")];
        for clause in args {
            let Datum::List(parts, None) = clause else {
                return Err(self.bad_syntax(datum));
            };
            let [formals, body @ ..] = parts.as_slice() else {
                return Err(self.bad_syntax(datum));
            };
            let (required, rest) = match formals {
                Datum::List(items, tail) => (items.len() as i64, tail.is_some()),
                Datum::Sym(_) => (0, true),
                _ => return Err(self.bad_syntax(datum)),
            };
            let test = list(vec![
                self.sym(if rest { ">=" } else { "=" }),
                count.clone(),
                Datum::Int(required),
            ]);
            let mut lambda = vec![self.sym("lambda"), formals.clone()];
            lambda.extend(body.iter().cloned());
            let call = list(vec![self.sym("apply"), list(lambda), all.clone()]);
            cond.push(list(vec![test, call]));
        }
        let error = list(vec![
            self.sym("error"),
            Datum::Str("case-lambda: no clause for the argument count".into()),
            count.clone(),
        ]);
        cond.push(list(vec![self.sym("else"), error]));
        let body = list(vec![
            self.sym("let"),
            list(vec![list(vec![
                count,
                list(vec![self.sym("length"), all.clone()]),
            ])]),
            list(cond),
        ]);
        let lambda = self.sym("lambda");
        self.expr(&list(vec![lambda, all, body]))
    }

    /// The expansion of `` `template `` at quasiquote depth `depth`.
    fn quasi(&mut self, template: &Datum, depth: usize) -> Result<Datum> {
        match template {
            Datum::List(items, tail) => {
                if let Some((name, args)) = self.head(template) {
                    match (name, args) {
                        ("unquote", [expr]) if depth == 1 => return self.expr(expr),
                        ("unquote", [expr]) => {
                            let inner = self.quasi(expr, depth - 1)?;
                            let tag = list(vec![self.sym("quote"), self.sym("unquote")]);
                            return Ok(list(vec![self.sym("list"), tag, inner]));
                        }
                        ("quasiquote", [expr]) => {
                            let inner = self.quasi(expr, depth + 1)?;
                            let tag = list(vec![self.sym("quote"), self.sym("quasiquote")]);
                            return Ok(list(vec![self.sym("list"), tag, inner]));
                        }
                        _ => {}
                    }
                }
                let mut result = match tail {
                    Some(tail) => self.quasi(tail, depth)?,
                    None => list(vec![self.sym("quote"), list(vec![])]),
                };
                let mut end = items.len();
                // `(a unquote b)` is `(a . ,b)`.
                if end >= 2 && tail.is_none() {
                    if let Datum::Sym(sym) = &items[end - 2] {
                        if self.symbols.name(*sym) == "unquote" && depth == 1 {
                            result = self.expr(&items[end - 1])?;
                            end -= 2;
                        }
                    }
                }
                for item in items[..end].iter().rev() {
                    let spliced = match self.head(item) {
                        Some(("unquote-splicing", [expr])) if depth == 1 => Some(expr.clone()),
                        _ => None,
                    };
                    result = match spliced {
                        Some(expr) => {
                            let expr = self.expr(&expr)?;
                            list(vec![self.sym("append"), expr, result])
                        }
                        None => {
                            let item = self.quasi(item, depth)?;
                            list(vec![self.sym("cons"), item, result])
                        }
                    };
                }
                Ok(result)
            }
            Datum::Vector(items) => {
                let as_list = self.quasi(&list(items.clone()), depth)?;
                Ok(list(vec![self.sym("list->vector"), as_list]))
            }
            Datum::Sym(_) => Ok(list(vec![self.sym("quote"), template.clone()])),
            other => Ok(other.clone()),
        }
    }
}

/// `datum` roughly as `write` would show it, cut after 60 bytes (for errors).
pub fn show(symbols: &Symbols, datum: &Datum) -> String {
    let mut text = String::new();
    show_into(symbols, datum, &mut text);
    if text.len() > 60 {
        let cut = (0..=60)
            .rev()
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(0);
        text.truncate(cut);
        text.push_str("...");
    }
    text
}

/// Appends `datum` to `out` roughly as `write` would show it.
fn show_into(symbols: &Symbols, datum: &Datum, out: &mut String) {
    use std::fmt::Write as _;
    if out.len() > 80 {
        return;
    }
    match datum {
        Datum::Int(n) => {
            let _ = write!(out, "{n}");
        }
        Datum::Big(n) => {
            let _ = write!(out, "{n}");
        }
        Datum::Float(x) => out.push_str(&super::print::float_to_string(*x)),
        Datum::Bool(b) => out.push_str(if *b { "#t" } else { "#f" }),
        Datum::Char(c) => {
            let _ = write!(out, "#\\{}", super::print::char_name(*c));
        }
        Datum::Str(text) => {
            let _ = write!(out, "{text:?}");
        }
        Datum::Sym(sym) => out.push_str(symbols.name(*sym)),
        Datum::List(items, tail) => {
            out.push('(');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(' ');
                }
                show_into(symbols, item, out);
            }
            if let Some(tail) = tail {
                out.push_str(" . ");
                show_into(symbols, tail, out);
            }
            out.push(')');
        }
        Datum::Vector(items) => {
            out.push_str("#(");
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(' ');
                }
                show_into(symbols, item, out);
            }
            out.push(')');
        }
    }
}
