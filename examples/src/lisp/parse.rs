//! The reader: source text to [`Datum`]s, a Rust-side tree that
//! the evaluator then builds on the heap. Reading never touches the
//! heap, so a syntax error is reported before the program allocates anything.

use super::error::LispError;
use super::value::{Sym, Symbols};

/// Deepest list nesting the reader accepts (it recurses once per level).
pub const MAX_NESTING: usize = 10_000;

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Datum {
    /// An integer literal.
    Int(i64),
    /// `#t` or `#f`.
    Bool(bool),
    /// A string literal.
    Str(String),
    /// A symbol.
    Sym(Sym),
    /// A list `(a b c)`, or with `tail`, a dotted list `(a b . c)`.
    List(Vec<Datum>, Option<Box<Datum>>),
}

/// Reads every expression in `source`, interning symbols into `symbols`.
pub fn parse(source: &str, symbols: &mut Symbols) -> Result<Vec<Datum>, LispError> {
    let mut reader = Reader {
        chars: source.chars().collect(),
        pos: 0,
        line: 1,
        column: 1,
        symbols,
    };
    let mut forms = Vec::new();
    while reader.skip_space() {
        forms.push(reader.datum(0)?);
    }
    Ok(forms)
}

struct Reader<'a> {
    chars: Vec<char>,
    pos: usize,
    line: usize,
    column: usize,
    symbols: &'a mut Symbols,
}

impl Reader<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += 1;
        if c == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        Some(c)
    }

    fn error(&self, message: impl Into<String>) -> LispError {
        LispError::Parse {
            line: self.line,
            column: self.column,
            message: message.into(),
        }
    }

    /// Skips white space and `;` comments; `false` at the end of input.
    fn skip_space(&mut self) -> bool {
        while let Some(c) = self.peek() {
            if c == ';' {
                while self.peek().is_some_and(|c| c != '\n') {
                    self.bump();
                }
            } else if c.is_whitespace() {
                self.bump();
            } else {
                return true;
            }
        }
        false
    }

    fn datum(&mut self, depth: usize) -> Result<Datum, LispError> {
        if depth >= MAX_NESTING {
            return Err(self.error(format!("lists nested more than {MAX_NESTING} deep")));
        }
        if !self.skip_space() {
            return Err(self.error("unexpected end of input"));
        }
        match self.peek() {
            Some('(') => {
                self.bump();
                self.list(depth)
            }
            Some(')') => Err(self.error("unexpected ')'")),
            Some('\'') => {
                self.bump();
                let quoted = self.datum(depth + 1)?;
                let quote = Datum::Sym(self.symbols.intern("quote"));
                Ok(Datum::List(vec![quote, quoted], None))
            }
            Some('"') => self.string(),
            _ => self.atom(),
        }
    }

    /// The rest of a list after its `(`.
    fn list(&mut self, depth: usize) -> Result<Datum, LispError> {
        let (line, column) = (self.line, self.column - 1);
        let mut items = Vec::new();
        loop {
            if !self.skip_space() {
                return Err(LispError::Parse {
                    line,
                    column,
                    message: "unclosed '('".into(),
                });
            }
            match self.peek() {
                Some(')') => {
                    self.bump();
                    return Ok(Datum::List(items, None));
                }
                Some('.') if self.delimited_at(self.pos + 1) => {
                    if items.is_empty() {
                        return Err(self.error("'.' with nothing before it"));
                    }
                    self.bump();
                    let tail = self.datum(depth + 1)?;
                    self.skip_space();
                    if self.peek() != Some(')') {
                        return Err(self.error("expected ')' after the dotted tail"));
                    }
                    self.bump();
                    return Ok(Datum::List(items, Some(Box::new(tail))));
                }
                _ => items.push(self.datum(depth + 1)?),
            }
        }
    }

    fn delimited_at(&self, pos: usize) -> bool {
        self.chars
            .get(pos)
            .is_none_or(|&c| c.is_whitespace() || "()\";".contains(c))
    }

    fn string(&mut self) -> Result<Datum, LispError> {
        let (line, column) = (self.line, self.column);
        self.bump();
        let mut text = String::new();
        loop {
            match self.bump() {
                None => {
                    return Err(LispError::Parse {
                        line,
                        column,
                        message: "unterminated string".into(),
                    })
                }
                Some('"') => return Ok(Datum::Str(text)),
                Some('\\') => match self.bump() {
                    Some('n') => text.push('\n'),
                    Some('t') => text.push('\t'),
                    Some(c @ ('\\' | '"')) => text.push(c),
                    _ => return Err(self.error("unknown escape in string")),
                },
                Some(c) => text.push(c),
            }
        }
    }

    fn atom(&mut self) -> Result<Datum, LispError> {
        let (line, column) = (self.line, self.column);
        let start = self.pos;
        while !self.delimited_at(self.pos) {
            self.bump();
        }
        let token: String = self.chars[start..self.pos].iter().collect();
        let bad = |message: String| LispError::Parse {
            line,
            column,
            message,
        };
        match token.as_str() {
            "#t" => Ok(Datum::Bool(true)),
            "#f" => Ok(Datum::Bool(false)),
            _ if token.starts_with('#') => Err(bad(format!("unknown syntax {token}"))),
            _ if looks_numeric(&token) => token
                .parse()
                .map(Datum::Int)
                .map_err(|_| bad(format!("bad integer {token}"))),
            _ => Ok(Datum::Sym(self.symbols.intern(&token))),
        }
    }
}

/// `true` for tokens meant as integers: digits with an optional sign.
fn looks_numeric(token: &str) -> bool {
    let digits = token.strip_prefix(['-', '+']).unwrap_or(token);
    !digits.is_empty() && digits.starts_with(|c: char| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(source: &str) -> Result<Vec<Datum>, LispError> {
        parse(source, &mut Symbols::default())
    }

    #[test]
    fn reads_lists_numbers_and_quotes() {
        let mut symbols = Symbols::default();
        let forms = parse("(a -12 #t \"s\\n\") '(b . 3)", &mut symbols).unwrap();
        let (a, b, quote) = (
            symbols.intern("a"),
            symbols.intern("b"),
            symbols.intern("quote"),
        );
        assert_eq!(
            forms,
            vec![
                Datum::List(
                    vec![
                        Datum::Sym(a),
                        Datum::Int(-12),
                        Datum::Bool(true),
                        Datum::Str("s\n".into())
                    ],
                    None
                ),
                Datum::List(
                    vec![
                        Datum::Sym(quote),
                        Datum::List(vec![Datum::Sym(b)], Some(Box::new(Datum::Int(3))))
                    ],
                    None
                ),
            ]
        );
    }

    #[test]
    fn errors_name_line_and_column() {
        let error = read("(define x 1)\n  (foo))").unwrap_err().to_string();
        assert_eq!(error, "parse error at line 2, column 8: unexpected ')'");
        let error = read("\n(a (b").unwrap_err().to_string();
        assert_eq!(error, "parse error at line 2, column 4: unclosed '('");
        let error = read("(+ 1 99999999999999999999)").unwrap_err().to_string();
        assert_eq!(
            error,
            "parse error at line 1, column 6: bad integer 99999999999999999999"
        );
    }
}
