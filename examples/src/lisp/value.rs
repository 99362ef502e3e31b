//! The heap types of the interpreter and the Rust-side symbol table.
//!
//! Every Scheme value is a [`Value`] object on the collected heap, reached
//! only through roots. Environments are chains of [`Frame`]s, each holding a
//! linked list of [`Binding`]s; a closure points at the frame it was made in
//! and that frame's bindings point back at the closure, so local procedures
//! form cycles (which the reference-counting backend must collect).
//!
//! ```text
//!  Frame ──head──▶ Binding(f) ──next──▶ Binding(x) ──next──▶ null
//!    │  ▲              │ value
//!  parent└── env ── Closure f
//!    ▼
//!  Frame ... ──▶ the global frame (parent null; globals live in a table)
//! ```

use gc_core::{Gc, Trace};
use std::collections::HashMap;

/// An interned symbol: an index into [`Symbols`].
pub type Sym = u32;

/// A Scheme value on the heap.
///
/// `Gc` fields are null only between allocation and the `Scope::set` calls
/// that fill them in; the interpreter never exposes a half-built value.
#[derive(Trace)]
pub enum Value {
    /// The empty list `()`.
    Nil,
    /// What forms with no useful value (`define`, `display`, ...) return.
    Unspecified,
    /// The marker held by a global slot whose symbol is not defined.
    Unbound,
    /// `#t` or `#f`.
    Bool(bool),
    /// A 64-bit integer.
    Int(i64),
    /// A symbol.
    Sym(Sym),
    /// An immutable string.
    Str(String),
    /// A mutable pair.
    Pair {
        /// The first element.
        car: Gc<Value>,
        /// The rest.
        cdr: Gc<Value>,
    },
    /// A fixed-length mutable vector.
    Vector(Vec<Gc<Value>>),
    /// A procedure written in Scheme.
    Closure {
        /// The parameter list: a proper or improper list of symbols, or one symbol.
        params: Gc<Value>,
        /// The body: a non-empty list of expressions.
        body: Gc<Value>,
        /// The frame the `lambda` was evaluated in.
        env: Gc<Frame>,
        /// The name it was defined under, for stack traces.
        name: Option<Sym>,
    },
    /// A procedure written in Rust.
    Builtin(Builtin),
}

impl Value {
    /// The `car` field of a pair (for `Scope::set`/`load`).
    ///
    /// # Panics
    /// If the value is not a pair; callers check first.
    pub fn car(&self) -> &Gc<Value> {
        match self {
            Value::Pair { car, .. } => car,
            _ => panic!("car of a non-pair"),
        }
    }

    /// The `cdr` field of a pair.
    ///
    /// # Panics
    /// If the value is not a pair; callers check first.
    pub fn cdr(&self) -> &Gc<Value> {
        match self {
            Value::Pair { cdr, .. } => cdr,
            _ => panic!("cdr of a non-pair"),
        }
    }

    /// Element `index` of a vector.
    ///
    /// # Panics
    /// If the value is not a vector or `index` is out of range; callers check first.
    pub fn element(&self, index: usize) -> &Gc<Value> {
        match self {
            Value::Vector(items) => &items[index],
            _ => panic!("element of a non-vector"),
        }
    }

    /// `false` only for `#f`.
    pub fn is_true(&self) -> bool {
        !matches!(self, Value::Bool(false))
    }
}

/// One environment frame.
#[derive(Trace, Default)]
pub struct Frame {
    /// The most recently added binding (null in an empty frame).
    pub head: Gc<Binding>,
    /// The enclosing frame; null only for the global frame.
    pub parent: Gc<Frame>,
}

/// One variable of a [`Frame`].
#[derive(Trace)]
pub struct Binding {
    /// The variable's name.
    pub sym: Sym,
    /// Its value (always set once the binding is linked into a frame).
    pub value: Gc<Value>,
    /// The binding added before this one.
    pub next: Gc<Binding>,
}

macro_rules! builtins {
    ($($variant:ident => $name:literal,)*) => {
        /// The procedures written in Rust, each bound to a global name.
        #[derive(Trace, Debug, Clone, Copy, PartialEq, Eq)]
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
    Not => "not", Eq => "eq?", IsNull => "null?", IsPair => "pair?",
    Cons => "cons", Car => "car", Cdr => "cdr", List => "list", Length => "length",
    SetCar => "set-car!", SetCdr => "set-cdr!",
    Vector => "vector", MakeVector => "make-vector", VectorRef => "vector-ref",
    VectorSet => "vector-set!", VectorLength => "vector-length",
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

impl Value {
    /// The parameter list of a closure.
    ///
    /// # Panics
    /// If the value is not a closure; callers check first.
    pub fn params(&self) -> &Gc<Value> {
        match self {
            Value::Closure { params, .. } => params,
            _ => panic!("params of a non-closure"),
        }
    }

    /// The body of a closure.
    ///
    /// # Panics
    /// If the value is not a closure; callers check first.
    pub fn body(&self) -> &Gc<Value> {
        match self {
            Value::Closure { body, .. } => body,
            _ => panic!("body of a non-closure"),
        }
    }

    /// The defining frame of a closure.
    ///
    /// # Panics
    /// If the value is not a closure; callers check first.
    pub fn env(&self) -> &Gc<Frame> {
        match self {
            Value::Closure { env, .. } => env,
            _ => panic!("env of a non-closure"),
        }
    }
}
