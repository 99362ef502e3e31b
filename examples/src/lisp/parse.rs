//! The reader: source text to [`Datum`]s, a Rust-side tree that
//! the evaluator then builds on the heap. Reading never touches the
//! heap, so a syntax error is reported before the program allocates anything.
//!
//! It reads R7RS's external representations as far as the interpreter has
//! values for them: integers (64-bit), decimal floats, `#t`/`#true`,
//! characters (`#\a`, `#\space`, `#\x41`), strings with escapes, symbols
//! (also `|with spaces|`), lists, dotted lists, vectors `#(...)`, the quote
//! family (`'`, `` ` ``, `,`, `,@`) and comments (`;`, `#| |#`, `#;`).

use super::error::LispError;
use super::value::{Sym, Symbols};

/// Deepest list nesting the reader accepts (it recurses once per level).
pub const MAX_NESTING: usize = 10_000;

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Datum {
    /// An integer literal.
    Int(i64),
    /// An integer literal beyond 64 bits.
    Big(num_bigint::BigInt),
    /// A float literal.
    Float(f64),
    /// `#t` or `#f`.
    Bool(bool),
    /// A character.
    Char(char),
    /// A string literal.
    Str(String),
    /// A symbol.
    Sym(Sym),
    /// A list `(a b c)`, or with `tail`, a dotted list `(a b . c)`.
    List(Vec<Datum>, Option<Box<Datum>>),
    /// A vector `#(a b c)`.
    Vector(Vec<Datum>),
}

/// Reads every expression in `source`, interning symbols into `symbols`.
pub fn parse(source: &str, symbols: &mut Symbols) -> Result<Vec<Datum>, LispError> {
    let chars: Vec<char> = source.chars().collect();
    let mut reader = Reader::new(&chars, 0, symbols);
    let mut forms = Vec::new();
    while reader.skip_space()? {
        forms.push(reader.datum(0)?);
    }
    Ok(forms)
}

/// Reads the one expression of `chars` that starts at or after `pos`
/// (Scheme's `read`): the datum and the position after it, `None` at the
/// end of the text.
pub fn read_one(
    chars: &[char],
    pos: usize,
    symbols: &mut Symbols,
) -> Result<Option<(Datum, usize)>, LispError> {
    let mut reader = Reader::new(chars, pos, symbols);
    if !reader.skip_space()? {
        return Ok(None);
    }
    let datum = reader.datum(0)?;
    Ok(Some((datum, reader.pos)))
}

struct Reader<'a> {
    chars: &'a [char],
    pos: usize,
    line: usize,
    column: usize,
    symbols: &'a mut Symbols,
}

impl<'a> Reader<'a> {
    fn new(chars: &'a [char], pos: usize, symbols: &'a mut Symbols) -> Self {
        Reader {
            chars,
            pos,
            line: 1,
            column: 1,
            symbols,
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
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
        self.error_at(self.line, self.column, message)
    }

    fn error_at(&self, line: usize, column: usize, message: impl Into<String>) -> LispError {
        LispError::Parse {
            line,
            column,
            message: message.into(),
        }
    }

    /// Skips white space and comments; `false` at the end of input.
    fn skip_space(&mut self) -> Result<bool, LispError> {
        while let Some(c) = self.peek() {
            if c == ';' {
                while self.peek().is_some_and(|c| c != '\n') {
                    self.bump();
                }
            } else if c == '#' && self.peek_at(1) == Some('|') {
                self.block_comment()?;
            } else if c == '#' && self.peek_at(1) == Some(';') {
                self.bump();
                self.bump();
                self.datum(0)?;
            } else if c.is_whitespace() {
                self.bump();
            } else {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Skips a `#| ... |#` comment (they nest).
    fn block_comment(&mut self) -> Result<(), LispError> {
        let (line, column) = (self.line, self.column);
        let mut depth = 0;
        loop {
            match (self.peek(), self.peek_at(1)) {
                (Some('#'), Some('|')) => {
                    depth += 1;
                    self.bump();
                }
                (Some('|'), Some('#')) => {
                    depth -= 1;
                    self.bump();
                    if depth == 0 {
                        self.bump();
                        return Ok(());
                    }
                }
                (None, _) => return Err(self.error_at(line, column, "unterminated #| comment")),
                _ => {}
            }
            self.bump();
        }
    }

    fn datum(&mut self, depth: usize) -> Result<Datum, LispError> {
        if depth >= MAX_NESTING {
            return Err(self.error(format!("lists nested more than {MAX_NESTING} deep")));
        }
        if !self.skip_space()? {
            return Err(self.error("unexpected end of input"));
        }
        match self.peek() {
            Some('(' | '[') => {
                let close = if self.bump() == Some('[') { ']' } else { ')' };
                self.list(depth, close)
            }
            Some(c @ (')' | ']')) => Err(self.error(format!("unexpected '{c}'"))),
            Some('\'') => self.quoted(depth, "quote", 1),
            Some('`') => self.quoted(depth, "quasiquote", 1),
            Some(',') if self.peek_at(1) == Some('@') => self.quoted(depth, "unquote-splicing", 2),
            Some(',') => self.quoted(depth, "unquote", 1),
            Some('"') => Ok(Datum::Str(self.string('"')?)),
            Some('|') => {
                let name = self.string('|')?;
                Ok(Datum::Sym(self.symbols.intern(&name)))
            }
            Some('#') if self.peek_at(1) == Some('(') => {
                self.bump();
                self.bump();
                match self.list(depth, ')')? {
                    Datum::List(items, None) => Ok(Datum::Vector(items)),
                    _ => Err(self.error("a vector cannot have a dotted tail")),
                }
            }
            Some('#') if self.peek_at(1) == Some('\\') => self.character(),
            _ => self.atom(),
        }
    }

    /// `'x` and friends: `(name x)`, after skipping the `prefix` characters.
    fn quoted(&mut self, depth: usize, name: &str, prefix: usize) -> Result<Datum, LispError> {
        for _ in 0..prefix {
            self.bump();
        }
        let quoted = self.datum(depth + 1)?;
        let name = Datum::Sym(self.symbols.intern(name));
        Ok(Datum::List(vec![name, quoted], None))
    }

    /// The rest of a list after its opening bracket, up to `close`.
    fn list(&mut self, depth: usize, close: char) -> Result<Datum, LispError> {
        let (line, column) = (self.line, self.column - 1);
        let mut items = Vec::new();
        loop {
            if !self.skip_space()? {
                return Err(self.error_at(line, column, "unclosed '('"));
            }
            match self.peek() {
                Some(c) if c == close => {
                    self.bump();
                    return Ok(Datum::List(items, None));
                }
                Some(c @ (')' | ']')) => {
                    return Err(self.error(format!("unexpected '{c}' (expected '{close}')")))
                }
                Some('.') if self.delimited_at(self.pos + 1) => {
                    if items.is_empty() {
                        return Err(self.error("'.' with nothing before it"));
                    }
                    self.bump();
                    let tail = self.datum(depth + 1)?;
                    if !self.skip_space()? {
                        return Err(self.error_at(line, column, "unclosed '('"));
                    }
                    if self.peek() != Some(close) {
                        return Err(self.error(format!("expected '{close}' after the dotted tail")));
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
            .is_none_or(|&c| c.is_whitespace() || "()[]\";".contains(c))
    }

    /// A string (or a `|symbol|`) up to the closing `quote`.
    fn string(&mut self, quote: char) -> Result<String, LispError> {
        let (line, column) = (self.line, self.column);
        self.bump();
        let mut text = String::new();
        loop {
            match self.bump() {
                None => return Err(self.error_at(line, column, "unterminated string")),
                Some(c) if c == quote => return Ok(text),
                Some('\\') => match self.bump() {
                    Some('n') => text.push('\n'),
                    Some('t') => text.push('\t'),
                    Some('r') => text.push('\r'),
                    Some('a') => text.push('\x07'),
                    Some('b') => text.push('\x08'),
                    Some('0') => text.push('\0'),
                    Some('x') => {
                        let mut hex = String::new();
                        while let Some(c) = self.bump() {
                            if c == ';' {
                                break;
                            }
                            hex.push(c);
                        }
                        let c = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32);
                        text.push(c.ok_or_else(|| self.error("bad \\x escape in string"))?);
                    }
                    Some(c @ ('\\' | '"' | '|')) => text.push(c),
                    Some(c) if c.is_whitespace() => {
                        // A line continuation: skip the line end and the
                        // next line's leading blanks.
                        while self.peek().is_some_and(|c| c == ' ' || c == '\t') {
                            self.bump();
                        }
                        if c != '\n' && self.peek() == Some('\n') {
                            self.bump();
                        }
                        while self.peek().is_some_and(|c| c == ' ' || c == '\t') {
                            self.bump();
                        }
                    }
                    None => return Err(self.error_at(line, column, "unterminated string")),
                    Some(c) => return Err(self.error(format!("unknown escape \\{c} in string"))),
                },
                Some(c) => text.push(c),
            }
        }
    }

    /// `#\a`, `#\space`, `#\x41`.
    fn character(&mut self) -> Result<Datum, LispError> {
        let (line, column) = (self.line, self.column);
        self.bump();
        self.bump();
        let Some(first) = self.bump() else {
            return Err(self.error_at(line, column, "unterminated character"));
        };
        let mut name = String::from(first);
        while !self.delimited_at(self.pos) {
            name.push(self.bump().expect("not at the end"));
        }
        if name.chars().count() == 1 {
            return Ok(Datum::Char(first));
        }
        let c = match name.to_ascii_lowercase().as_str() {
            "space" => Some(' '),
            "newline" | "linefeed" | "nl" => Some('\n'),
            "tab" => Some('\t'),
            "return" => Some('\r'),
            "nul" | "null" => Some('\0'),
            "alarm" => Some('\x07'),
            "backspace" => Some('\x08'),
            "delete" | "rubout" | "del" => Some('\x7f'),
            "escape" | "esc" => Some('\x1b'),
            lower => lower
                .strip_prefix('x')
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .and_then(char::from_u32),
        };
        c.map(Datum::Char)
            .ok_or_else(|| self.error_at(line, column, format!("unknown character #\\{name}")))
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
            "#t" | "#true" => Ok(Datum::Bool(true)),
            "#f" | "#false" => Ok(Datum::Bool(false)),
            _ if token.starts_with("#!") => Ok(Datum::Sym(self.symbols.intern(&token))),
            _ if token.starts_with('#') => match parse_number_token(&token) {
                Some(datum) => Ok(datum),
                None => Err(bad(format!("unknown syntax {token}"))),
            },
            _ if looks_numeric(&token) => match parse_number(&token, 10) {
                Some(number) => Ok(number),
                None => Ok(Datum::Sym(self.symbols.intern(&token))),
            },
            _ => Ok(Datum::Sym(self.symbols.intern(&token))),
        }
    }
}

/// `true` for tokens meant as numbers: an optional sign, then a digit, or
/// a `.` and a digit; also `+inf.0`, `-inf.0` and `+nan.0`.
pub fn looks_numeric(token: &str) -> bool {
    if matches!(token, "+inf.0" | "-inf.0" | "+nan.0" | "-nan.0") {
        return true;
    }
    let digits = token.strip_prefix(['-', '+']).unwrap_or(token);
    let digits = digits.strip_prefix('.').unwrap_or(digits);
    digits.starts_with(|c: char| c.is_ascii_digit())
}

/// A number in `radix`: an integer, a decimal float (radix 10), or a
/// ratio `n/d` (read as a float: the interpreter has no exact rationals,
/// unless `d` divides `n`). `None` if it is not one.
pub fn parse_number(token: &str, radix: u32) -> Option<Datum> {
    match token {
        "+inf.0" => return Some(Datum::Float(f64::INFINITY)),
        "-inf.0" => return Some(Datum::Float(f64::NEG_INFINITY)),
        "+nan.0" | "-nan.0" => return Some(Datum::Float(f64::NAN)),
        _ => {}
    }
    let unsigned = token.strip_prefix('+').unwrap_or(token);
    if let Ok(n) = i64::from_str_radix(unsigned, radix) {
        return Some(Datum::Int(n));
    }
    let digits = unsigned.strip_prefix('-').unwrap_or(unsigned);
    if !digits.is_empty() && digits.chars().all(|c| c.is_digit(radix)) {
        return num_bigint::BigInt::parse_bytes(unsigned.as_bytes(), radix).map(Datum::Big);
    }
    if let Some((n, d)) = token.split_once('/') {
        let n = i64::from_str_radix(n, radix).ok()?;
        let d = i64::from_str_radix(d, radix).ok()?;
        if d == 0 {
            return None;
        }
        if n % d == 0 {
            return Some(Datum::Int(n / d));
        }
        return Some(Datum::Float(n as f64 / d as f64));
    }
    let well_formed = radix == 10
        && token
            .chars()
            .all(|c| c.is_ascii_digit() || "+-.eE".contains(c))
        && token.chars().any(|c| c.is_ascii_digit());
    if !well_formed {
        return None;
    }
    if token
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b'-' || b == b'+')
    {
        return None; // an integer too large for 64 bits
    }
    token.parse().ok().map(Datum::Float)
}

/// `#x1F`, `#b101`, `#o17`, `#d10`, `#e1.5`, `#i3`.
pub fn parse_number_token(token: &str) -> Option<Datum> {
    let mut rest = token;
    let (mut radix, mut exactness) = (10, None);
    while let Some(tail) = rest.strip_prefix('#') {
        let mut chars = tail.chars();
        match chars.next()?.to_ascii_lowercase() {
            'x' => radix = 16,
            'b' => radix = 2,
            'o' => radix = 8,
            'd' => radix = 10,
            'e' => exactness = Some(true),
            'i' => exactness = Some(false),
            _ => return None,
        }
        rest = chars.as_str();
    }
    let number = parse_number(rest, radix)?;
    Some(match (number, exactness) {
        (Datum::Int(n), Some(false)) => Datum::Float(n as f64),
        (Datum::Float(x), Some(true)) if x.fract() == 0.0 && x.abs() < 9.2e18 => {
            Datum::Int(x as i64)
        }
        (number, _) => number,
    })
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
    fn reads_floats_characters_vectors_and_comments() {
        let forms =
            read("1.5 -2e3 .5 #\\a #\\space #\\x41 #(1 #t) #| x #| y |# |# #;(skip) 7").unwrap();
        assert_eq!(
            forms,
            vec![
                Datum::Float(1.5),
                Datum::Float(-2000.0),
                Datum::Float(0.5),
                Datum::Char('a'),
                Datum::Char(' '),
                Datum::Char('A'),
                Datum::Vector(vec![Datum::Int(1), Datum::Bool(true)]),
                Datum::Int(7),
            ]
        );
        assert_eq!(
            read("#xff #e2.0 1/2").unwrap()[..2],
            [Datum::Int(255), Datum::Int(2)]
        );
    }

    #[test]
    fn errors_name_line_and_column() {
        let error = read("(define x 1)\n  (foo))").unwrap_err().to_string();
        assert_eq!(error, "parse error at line 2, column 8: unexpected ')'");
        let error = read("\n(a (b").unwrap_err().to_string();
        assert_eq!(error, "parse error at line 2, column 4: unclosed '('");
        let big = read("99999999999999999999").unwrap();
        assert_eq!(big, [Datum::Big("99999999999999999999".parse().unwrap())]);
        let error = read("#| open").unwrap_err().to_string();
        assert_eq!(
            error,
            "parse error at line 1, column 1: unterminated #| comment"
        );
    }
}
