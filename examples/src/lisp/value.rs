//! The heap types of the interpreter and the Rust-side symbol table.
//!
//! A Scheme value is a [`Value`]: a `Copy` enum whose numbers, booleans and
//! symbols are unboxed and whose other variants point at heap objects. A
//! value slot in the heap is a `Lock<Value>`, rewritten to any variant in
//! one store (through the write barrier). Environments are chains of
//! frames (see [`Env`]), each an object of value slots sized when it is
//! made, pointing at the enclosing frame; the compiler resolved every
//! local variable to a (depth, slot) address, so a read walks `depth`
//! parents and indexes. A closure points at the frame it was made in and
//! that frame's slots may point back at the closure, so local procedures
//! form cycles (which the reference-counting backend must collect). Global
//! variables are [`Global`] cells, found by name once, when code that uses
//! them is compiled.
//!
//! ```text
//!  Frame2 [f | x] ◀── env ── Closure f ── lambda ──▶ Lambda (code)
//!    │      └─────────────────────▲
//!  parent
//!    ▼
//!  Frame1 [...] ──parent──▶ Globals
//! ```

use super::code::Lambda;
use super::table::Table;
use gc_core::model::{Gc, GcVec, Lock, Mutation, RefLock};
use gc_core::{Collector, GcError, Trace};
use std::collections::HashMap;

/// An interned symbol: an index into [`Symbols`].
pub type Sym = u32;

/// A Scheme value: immediates inline, everything else by reference.
#[derive(Trace, Clone, Copy, Debug)]
pub enum Value<'gc> {
    /// The empty list `()`.
    Nil,
    /// What forms with no useful value (`define`, `display`, ...) return.
    Unspecified,
    /// `#t` or `#f`.
    Bool(bool),
    /// A 64-bit integer, unboxed.
    Int(i64),
    /// An exact integer beyond 64 bits (results that fit in 64 bits are
    /// always `Int`).
    Big(Gc<'gc, Big<'gc>>),
    /// A double-precision float, unboxed (Scheme's inexact reals).
    Float(f64),
    /// A character.
    Char(char),
    /// A symbol.
    Sym(Sym),
    /// The end-of-file object.
    Eof,
    /// A mutable string.
    Str(Gc<'gc, Text<'gc>>),
    /// A mutable pair.
    Pair(Gc<'gc, Pair<'gc>>),
    /// A growable vector.
    Vector(Gc<'gc, Vector<'gc>>),
    /// A hash table (SRFI-69).
    Table(Gc<'gc, Table<'gc>>),
    /// A procedure written in Scheme.
    Closure(Gc<'gc, Closure<'gc>>),
    /// A procedure written in Rust.
    Builtin(Builtin),
    /// An instance of a `define-record-type` type.
    Record(Gc<'gc, Record<'gc>>),
    /// A string or file port.
    Port(Gc<'gc, Port<'gc>>),
    /// Zero or several values (`(values)`, `(values 1 2)`); one value is
    /// the value itself.
    Values(Gc<'gc, Vector<'gc>>),
    /// A continuation captured by `call/cc`.
    Cont(Gc<'gc, Continuation<'gc>>),
}

impl Value<'_> {
    /// `false` only for `#f`.
    pub fn is_true(self) -> bool {
        !matches!(self, Value::Bool(false))
    }
}

/// A string's characters: a GC vector (charged to the heap) behind the
/// write barrier, so `string-ref` and `string-set!` are O(1).
pub type Text<'gc> = RefLock<GcVec<'gc, char>>;

/// A bignum: its digits live outside the heap, charged to it.
#[derive(Trace)]
pub struct Big<'gc> {
    /// The number.
    #[trace(skip)]
    pub n: num_bigint::BigInt,
    /// The charge for its digits.
    pub charge: gc_core::model::Charge<'gc>,
}

/// An instance of a record type.
#[derive(Trace)]
pub struct Record<'gc> {
    /// The record type: a vector `#(name field ...)` made by
    /// `define-record-type`, compared by identity.
    pub kind: Gc<'gc, Vector<'gc>>,
    /// The fields' values, in the type's field order.
    pub fields: Vector<'gc>,
}

/// What a [`Port`] reads from or writes to.
#[derive(Trace, Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortKind {
    /// The program's standard input (the machine holds its text).
    Stdin,
    /// The program's output.
    Stdout,
    /// Reads the port's text.
    Input,
    /// Collects what is written in the port's text (`open-output-string`,
    /// or a file written when the port is closed).
    Output,
}

/// A port: an input text with a read position, or an output buffer.
#[derive(Trace)]
pub struct Port<'gc> {
    /// Which kind of port.
    pub kind: PortKind,
    /// The text read (input ports) or written so far (output ports).
    pub text: Text<'gc>,
    /// The read position in `text` (input ports).
    pub pos: Lock<usize>,
    /// The file an output port is written to when it is closed.
    pub path: Option<Box<str>>,
    /// `true` once the port is closed.
    pub closed: Lock<bool>,
}

/// A continuation captured by `call/cc`: copies of the evaluator's
/// continuation stack and argument stack at the capture.
#[derive(Trace)]
pub struct Continuation<'gc> {
    /// The continuation stack, innermost last.
    pub stack: GcVec<'gc, super::machine::Cont<'gc>>,
    /// The argument stack (the pending calls' evaluated operands).
    pub values: GcVec<'gc, Value<'gc>>,
}

/// A vector's elements: a growable GC vector behind the write barrier.
pub type Vector<'gc> = RefLock<GcVec<'gc, Value<'gc>>>;

/// A pair; both fields can be rewritten (`set-car!`, `set-cdr!`).
#[derive(Trace)]
pub struct Pair<'gc> {
    /// The first element.
    pub car: Lock<Value<'gc>>,
    /// The rest.
    pub cdr: Lock<Value<'gc>>,
}

/// A procedure written in Scheme: its compiled `lambda` and the frame it
/// was made in.
#[derive(Trace)]
pub struct Closure<'gc> {
    /// The code: parameters, frame size, body and name.
    pub lambda: Gc<'gc, Lambda<'gc>>,
    /// The frame the `lambda` was evaluated in (`None`: the globals).
    pub env: Env<'gc>,
}

/// Declares the frame types of the sizes in the list, and [`Env`], a
/// pointer to any of them.
macro_rules! frames {
    ($($variant:ident $frame:ident $size:literal,)*) => {
        $(
            #[doc = concat!("A frame of ", $size, " variables.")]
            #[derive(Trace)]
            pub struct $frame<'gc> {
                /// The enclosing frame.
                pub parent: Env<'gc>,
                /// The variables, numbered by the compiler.
                pub slots: [Lock<Value<'gc>>; $size],
            }
        )*

        /// An environment: the innermost frame of a chain, or the globals
        /// alone. A frame is an object sized for its variables (parameters
        /// first, then internal definitions, in the compiler's numbering;
        /// sizes round up to the next frame type), pointing at the frame
        /// it was made in.
        #[derive(Trace, Clone, Copy, Debug)]
        pub enum Env<'gc> {
            /// No frame: only the globals.
            Globals,
            $(
                #[doc = concat!("A frame of ", $size, " variables.")]
                $variant(Gc<'gc, $frame<'gc>>),
            )*
            /// A frame of more variables.
            Big(Gc<'gc, BigFrame<'gc>>),
        }

        impl<'gc> Env<'gc> {
            /// The frame's variables (none for the globals).
            #[inline]
            pub fn slots(self) -> &'gc [Lock<Value<'gc>>] {
                match self {
                    Env::Globals => &[],
                    $(Env::$variant(frame) => &Gc::as_ref(frame).slots,)*
                    Env::Big(frame) => Gc::as_ref(Gc::as_ref(frame).slots),
                }
            }

            /// The enclosing frame.
            #[inline]
            pub fn parent(self) -> Env<'gc> {
                match self {
                    Env::Globals => Env::Globals,
                    $(Env::$variant(frame) => frame.parent,)*
                    Env::Big(frame) => frame.parent,
                }
            }

            /// Sets variable `slot` (through the write barrier).
            ///
            /// # Panics
            /// If the frame has no such slot (the compiler numbered them).
            #[inline]
            pub fn set<C: Collector>(self, m: &Mutation<'_, 'gc, C>, slot: usize, value: Value<'gc>) {
                match self {
                    Env::Globals => panic!("the globals have no slots"),
                    $(Env::$variant(frame) => m.write(frame).project(|f| &f.slots[slot]).set(value),)*
                    Env::Big(frame) => m.write(frame.slots)[slot].set(value),
                }
            }

            /// A new frame of `size` variables under `parent`, the first
            /// ones set to `values` (at most `size` of them), the others
            /// unspecified.
            pub fn new<C: Collector>(
                m: &Mutation<'_, 'gc, C>,
                parent: Env<'gc>,
                size: usize,
                values: &[Value<'gc>],
            ) -> Result<Env<'gc>, GcError> {
                let slot = |i: usize| Lock::new(values.get(i).copied().unwrap_or(Value::Unspecified));
                $(
                    if size <= $size {
                        let slots = std::array::from_fn(slot);
                        return Ok(Env::$variant(m.try_alloc($frame { parent, slots })?));
                    }
                )*
                let slots = m.try_alloc_from_iter((0..size).map(slot))?;
                Ok(Env::Big(m.try_alloc(BigFrame { parent, slots })?))
            }
        }
    };
}

frames! {
    F1 Frame1 1,
    F2 Frame2 2,
    F3 Frame3 3,
    F4 Frame4 4,
    F6 Frame6 6,
    F8 Frame8 8,
}

/// A frame of more than 8 variables: its slots in a slice object of their own.
#[derive(Trace)]
pub struct BigFrame<'gc> {
    /// The enclosing frame.
    pub parent: Env<'gc>,
    /// The variables.
    pub slots: Gc<'gc, [Lock<Value<'gc>>]>,
}

/// A global variable: a cell the compiled code points at, so a global is
/// read without a lookup by name.
#[derive(Trace)]
pub struct Global<'gc> {
    /// The variable's name (for errors).
    pub sym: Sym,
    /// Its value; `None` until it is defined.
    pub value: Lock<Option<Value<'gc>>>,
}

macro_rules! builtins {
    ($($variant:ident => $name:literal,)*) => {
        /// The procedures written in Rust, each bound to a global name.
        #[derive(Trace, Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Builtin {
            $(#[doc = concat!("`", $name, "`")] $variant,)*
        }

        impl Builtin {
            /// Every builtin, in the order they are installed.
            pub const ALL: &'static [Builtin] = &[$(Builtin::$variant,)*];

            /// The global name it is bound to.
            pub fn name(self) -> &'static str {
                match self {
                    $(Builtin::$variant => $name,)*
                }
            }
        }
    };
}

builtins! {
    // Numbers (builtins/num.rs).
    Add => "+", Sub => "-", Mul => "*", Div => "/",
    NumEq => "=", Lt => "<", Gt => ">", Le => "<=", Ge => ">=",
    Quotient => "quotient", Remainder => "remainder", Modulo => "modulo",
    FloorQuotient => "floor-quotient", FloorRemainder => "floor-remainder",
    TruncateQuotient => "truncate-quotient", TruncateRemainder => "truncate-remainder",
    Abs => "abs", Min => "min", Max => "max", Gcd => "gcd", Lcm => "lcm", Expt => "expt",
    Exact => "exact", Inexact => "inexact", ExactToInexact => "exact->inexact",
    InexactToExact => "inexact->exact",
    Floor => "floor", Ceiling => "ceiling", Round => "round", Truncate => "truncate",
    Sqrt => "sqrt", ExactIntegerSqrt => "exact-integer-sqrt", Exp => "exp", Log => "log",
    Sin => "sin", Cos => "cos", Tan => "tan", Asin => "asin", Acos => "acos", Atan => "atan",
    Square => "square",
    IsNumber => "number?", IsComplex => "complex?", IsReal => "real?", IsRational => "rational?",
    IsInteger => "integer?", IsExact => "exact?", IsInexact => "inexact?",
    IsExactInteger => "exact-integer?", IsNan => "nan?", IsInfinite => "infinite?",
    IsFinite => "finite?",
    IsZero => "zero?", IsPositive => "positive?", IsNegative => "negative?",
    IsOdd => "odd?", IsEven => "even?",
    NumberToString => "number->string", StringToNumber => "string->number",
    BitAnd => "bitwise-and", BitOr => "bitwise-or", BitXor => "bitwise-xor",
    BitNot => "bitwise-not", Shift => "arithmetic-shift",
    // Equivalence and types.
    Not => "not", Eq => "eq?", Eqv => "eqv?", Equal => "equal?",
    IsNull => "null?", IsPair => "pair?", IsList => "list?", IsSymbol => "symbol?",
    IsString => "string?", IsChar => "char?", IsVector => "vector?",
    IsProcedure => "procedure?", IsBoolean => "boolean?", IsEof => "eof-object?",
    EofObject => "eof-object",
    // Pairs and lists (builtins/list.rs).
    Cons => "cons", Car => "car", Cdr => "cdr", SetCar => "set-car!", SetCdr => "set-cdr!",
    Caar => "caar", Cadr => "cadr", Cdar => "cdar", Cddr => "cddr",
    Caaar => "caaar", Caadr => "caadr", Cadar => "cadar", Caddr => "caddr",
    Cdaar => "cdaar", Cdadr => "cdadr", Cddar => "cddar", Cdddr => "cdddr",
    Caaaar => "caaaar", Caaadr => "caaadr", Caadar => "caadar", Caaddr => "caaddr",
    Cadaar => "cadaar", Cadadr => "cadadr", Caddar => "caddar", Cadddr => "cadddr",
    Cdaaar => "cdaaar", Cdaadr => "cdaadr", Cdadar => "cdadar", Cdaddr => "cdaddr",
    Cddaar => "cddaar", Cddadr => "cddadr", Cdddar => "cdddar", Cddddr => "cddddr",
    List => "list", Length => "length", Append => "append", Reverse => "reverse",
    ListTail => "list-tail", ListRef => "list-ref", ListCopy => "list-copy",
    LastPair => "last-pair",
    Memq => "memq", Memv => "memv", MemberEqual => "%member",
    Assq => "assq", Assv => "assv", AssocEqual => "%assoc",
    // Symbols, characters and strings (builtins/text.rs).
    SymbolToString => "symbol->string", StringToSymbol => "string->symbol",
    SymbolEq => "symbol=?",
    CharToInteger => "char->integer", IntegerToChar => "integer->char",
    CharEq => "char=?", CharLt => "char<?", CharGt => "char>?", CharLe => "char<=?",
    CharGe => "char>=?", CharCiEq => "char-ci=?",
    IsAlphabetic => "char-alphabetic?", IsNumeric => "char-numeric?",
    IsWhitespace => "char-whitespace?", IsUpperCase => "char-upper-case?",
    IsLowerCase => "char-lower-case?", CharUpcase => "char-upcase",
    CharDowncase => "char-downcase", DigitValue => "digit-value",
    MakeString => "make-string", String => "string", StringLength => "string-length",
    StringRef => "string-ref", StringSet => "string-set!", Substring => "substring",
    StringAppend => "string-append", StringCopy => "string-copy",
    StringFill => "string-fill!", StringToList => "string->list",
    ListToString => "list->string", StringUpcase => "string-upcase",
    StringDowncase => "string-downcase",
    StringEq => "string=?", StringLt => "string<?", StringGt => "string>?",
    StringLe => "string<=?", StringGe => "string>=?", StringCiEq => "string-ci=?",
    // Vectors.
    Vector => "vector", MakeVector => "make-vector", VectorRef => "vector-ref",
    VectorSet => "vector-set!", VectorLength => "vector-length", VectorPush => "vector-push!",
    VectorToList => "vector->list", ListToVector => "list->vector",
    VectorFill => "vector-fill!", VectorCopy => "vector-copy", VectorAppend => "vector-append",
    VectorGrow => "vector-grow", Subvector => "subvector",
    // Hash tables (SRFI-69).
    MakeHashTable => "make-hash-table", HashTableSet => "hash-table-set!",
    HashTableRef => "hash-table-ref", HashTableRefDefault => "hash-table-ref/default",
    HashTableDelete => "hash-table-delete!", HashTableSize => "hash-table-size",
    MakeWeakValueHashTable => "make-weak-value-hash-table",
    // Records, control, multiple values, errors.
    RecordType => "%record-type", MakeRecord => "%make-record", IsRecord => "%record?",
    RecordRef => "%record-ref", RecordSet => "%record-set!",
    Apply => "apply", CallCc => "%call/cc", Values => "values", IsValues => "%values?",
    ValuesToList => "%values->list", Error => "error", Exit => "exit",
    Gc => "gc", GcStats => "gc-stats", HeapSnapshot => "heap-snapshot", WhyAlive => "why-alive",
    // Ports and output (builtins/io.rs).
    Display => "display", Write => "write", WriteChar => "write-char",
    WriteString => "write-string", Newline => "newline",
    Read => "read", ReadChar => "read-char", PeekChar => "peek-char", ReadLine => "read-line",
    CharReady => "char-ready?",
    CurrentOutputPort => "current-output-port", CurrentInputPort => "current-input-port",
    OpenInputString => "open-input-string", OpenOutputString => "open-output-string",
    GetOutputString => "get-output-string", OpenInputFile => "open-input-file",
    OpenOutputFile => "open-output-file", ClosePort => "close-port",
    CloseInputPort => "close-input-port", CloseOutputPort => "close-output-port",
    FlushOutputPort => "flush-output-port", IsInputPort => "input-port?",
    IsOutputPort => "output-port?",
    CurrentSecond => "current-second", CurrentJiffy => "current-jiffy",
    JiffiesPerSecond => "jiffies-per-second", FileExists => "file-exists?",
    DeleteFile => "delete-file",
}

/// The symbol table: names are interned once, symbols are small ids.
#[derive(Default)]
pub struct Symbols {
    names: Vec<String>,
    ids: HashMap<String, Sym>,
    fresh: usize,
}

impl Symbols {
    /// The id of `name`, interning it on first use.
    pub fn intern(&mut self, name: &str) -> Sym {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = Sym::try_from(self.names.len()).expect("fewer than 2^32 symbols");
        self.names.push(name.to_owned());
        self.ids.insert(name.to_owned(), id);
        id
    }

    /// A new symbol no program can write: its name starts with a space.
    pub fn fresh(&mut self, hint: &str) -> Sym {
        self.fresh += 1;
        let name = format!(" {hint}{}", self.fresh);
        self.intern(&name)
    }

    /// The symbol named `name`, if interned.
    pub fn lookup(&self, name: &str) -> Option<Sym> {
        self.ids.get(name).copied()
    }

    /// The name of `sym`.
    pub fn name(&self, sym: Sym) -> &str {
        &self.names[sym as usize]
    }

    /// How many symbols are interned.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// `true` if no symbol is interned.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}
