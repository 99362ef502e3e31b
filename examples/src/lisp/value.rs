//! The heap types of the interpreter and the Rust-side symbol table.
//!
//! A Scheme value is a [`Value`]: a `Copy` enum whose numbers, booleans and
//! symbols are unboxed and whose other variants point at heap objects. A
//! value slot in the heap is a `Lock<Value>`, rewritten to any variant in
//! one store (through the write barrier). Environments are chains of
//! [`Frame`]s, each holding a linked list of [`Binding`]s; a closure points
//! at the frame it was made in and that frame's bindings point back at the
//! closure, so local procedures form cycles (which the reference-counting
//! backend must collect). Global variables live in a map keyed by symbol.
//!
//! ```text
//!  Frame ──vars──▶ Binding(f) ──next──▶ Binding(x) ──next──▶ None
//!    │  ▲              │ value
//!  parent└── env ── Closure f
//!    ▼
//!  Frame ... ──▶ None: the globals (a map)
//! ```

use super::table::Table;
use gc_core::model::{Charge, Gc, GcVec, Lock, RefLock};
use gc_core::Trace;
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
    /// A symbol.
    Sym(Sym),
    /// An immutable string.
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
}

impl Value<'_> {
    /// `false` only for `#f`.
    pub fn is_true(self) -> bool {
        !matches!(self, Value::Bool(false))
    }
}

/// A string's text, its buffer charged to the heap.
#[derive(Trace)]
pub struct Text<'gc> {
    /// The characters.
    pub text: String,
    /// The charge for `text`'s buffer.
    pub charge: Charge<'gc>,
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

/// A procedure written in Scheme.
#[derive(Trace)]
pub struct Closure<'gc> {
    /// The parameter list: a proper or improper list of symbols, or one symbol.
    pub params: Value<'gc>,
    /// The body: a non-empty list of expressions.
    pub body: Value<'gc>,
    /// The frame the `lambda` was evaluated in (`None`: the globals).
    pub env: Env<'gc>,
    /// The name it was defined under, for stack traces.
    pub name: Option<Sym>,
}

/// An environment: the innermost frame, or `None` for the globals alone.
pub type Env<'gc> = Option<Gc<'gc, Frame<'gc>>>;

/// One environment frame.
#[derive(Trace)]
pub struct Frame<'gc> {
    /// The most recently added binding.
    pub vars: Lock<Option<Gc<'gc, Binding<'gc>>>>,
    /// The enclosing frame.
    pub parent: Env<'gc>,
}

/// One variable of a [`Frame`].
#[derive(Trace)]
pub struct Binding<'gc> {
    /// The variable's name.
    pub sym: Sym,
    /// Its value.
    pub value: Lock<Value<'gc>>,
    /// The binding added before this one.
    pub next: Option<Gc<'gc, Binding<'gc>>>,
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
    Add => "+", Sub => "-", Mul => "*", Quotient => "quotient", Remainder => "remainder",
    NumEq => "=", Lt => "<", Gt => ">", Le => "<=", Ge => ">=",
    Not => "not", Eq => "eq?", Equal => "equal?", IsNull => "null?", IsPair => "pair?",
    Cons => "cons", Car => "car", Cdr => "cdr", List => "list", Length => "length",
    SetCar => "set-car!", SetCdr => "set-cdr!",
    IsString => "string?", StringLength => "string-length", StringAppend => "string-append",
    IsVector => "vector?", Vector => "vector", MakeVector => "make-vector",
    VectorRef => "vector-ref", VectorSet => "vector-set!", VectorLength => "vector-length",
    VectorPush => "vector-push!", VectorToList => "vector->list", ListToVector => "list->vector",
    MakeHashTable => "make-hash-table", HashTableSet => "hash-table-set!",
    HashTableRef => "hash-table-ref", HashTableRefDefault => "hash-table-ref/default",
    HashTableDelete => "hash-table-delete!", HashTableSize => "hash-table-size",
    Display => "display", Newline => "newline",
}

/// The symbol table: names are interned once, symbols are small ids.
#[derive(Default)]
pub struct Symbols {
    names: Vec<String>,
    ids: HashMap<String, Sym>,
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
