//! # Writing an interpreter's object model
//!
//! A chapter, not an API: how to lay out a dynamic language's data on the
//! [object model](crate::model), step by step, for a small Lua-like
//! language with nil, numbers, strings, tables and closures. Every example
//! here is a doctest, run on a backend that moves objects.
//!
//! ## 1. Values
//! A value is a `Copy` enum: numbers inline, everything else a pointer.
//! It is the same type in a heap field and in a Rust local, and a field
//! holding it can switch variant in one store.
//!
//! ```
//! use gc_core::model::{Gc, Lock};
//! use gc_core::Trace;
//!
//! #[derive(Trace, Clone, Copy, Debug)]
//! pub enum Value<'gc> {
//!     Nil,
//!     Num(f64),
//!     Str(Gc<'gc, Box<str>>),
//!     Table(Gc<'gc, Lock<f64>>), // a stand-in, for now: tables come next
//! }
//! ```
//!
//! `'gc` is the brand of the region that can see the pointers; a heap
//! type has exactly one such lifetime, and the derive checks that it does
//! not implement `Drop`.
//!
//! ## 2. Tables: an array part and a hash part
//! Containers that change go behind a [`RefLock`](crate::model::RefLock):
//! after [`m.write(table)`](crate::model::Mutation::write), the barrier,
//! the vector and the map are plain Rust collections for the rest of the
//! region. Keys that are values implement [`GcHash`](crate::model::GcHash):
//! strings by content, numbers by bits, tables by identity: here by
//! address, with `BY_ADDRESS` set so that a map rehashes itself after a
//! collection moved its keys (hashing by
//! [`Mutation::identity`](crate::model::Mutation::identity), which
//! survives moves, needs no rehash but reads the key object on the copying
//! backend). A map or vector that holds only numbers is not traced entry by
//! entry.
//!
//! ```
//! use gc_core::model::{Gc, GcHash, GcMap, GcVec, Mutation, RefLock};
//! use gc_core::{Collector, Heap, HeapConfig, Threads, Trace};
//! use std::hash::{Hash, Hasher};
//!
//! #[derive(Trace, Clone, Copy, Debug)]
//! enum Value<'gc> {
//!     Nil,
//!     Num(f64),
//!     Str(Gc<'gc, Box<str>>),
//!     Table(Gc<'gc, Table<'gc>>),
//! }
//!
//! #[derive(Trace)]
//! struct Table<'gc> {
//!     array: RefLock<GcVec<'gc, Value<'gc>>>,
//!     hash: RefLock<GcMap<'gc, Value<'gc>, Value<'gc>>>,
//! }
//!
//! impl<'gc> GcHash<'gc> for Value<'gc> {
//!     fn gc_hash<C: Collector, Th: Threads, H: Hasher>(&self, m: &Mutation<'_, 'gc, C, Th>, state: &mut H) {
//!         match self {
//!             Value::Nil => 0u8.hash(state),
//!             Value::Num(n) => n.to_bits().hash(state),
//!             Value::Str(s) => s.hash(state),
//!             Value::Table(t) => t.gc_hash(m, state), // its address
//!         }
//!     }
//!     const BY_ADDRESS: bool = true;
//!     fn gc_eq(&self, other: &Self) -> bool {
//!         match (self, other) {
//!             (Value::Nil, Value::Nil) => true,
//!             (Value::Num(a), Value::Num(b)) => a.to_bits() == b.to_bits(),
//!             (Value::Str(a), Value::Str(b)) => a[..] == b[..],
//!             (Value::Table(a), Value::Table(b)) => Gc::ptr_eq(*a, *b),
//!             _ => false,
//!         }
//!     }
//! }
//!
//! impl<'gc> Table<'gc> {
//!     fn new<C: Collector>(m: &Mutation<'_, 'gc, C>) -> Gc<'gc, Table<'gc>> {
//!         m.alloc(Table { array: RefLock::new(GcVec::new(m)), hash: RefLock::new(GcMap::new(m)) })
//!     }
//!
//!     /// `t[key] = value`
//!     fn set<C: Collector>(this: Gc<'gc, Self>, m: &Mutation<'_, 'gc, C>, key: Value<'gc>, value: Value<'gc>) {
//!         let write = m.write(this);
//!         if let Value::Num(n) = key {
//!             let mut array = write.project(|t| &t.array).borrow_mut();
//!             let index = n as usize;
//!             if n == index as f64 && index <= array.len() {
//!                 if index == array.len() { array.push(value) } else { array[index] = value }
//!                 return;
//!             }
//!         }
//!         write.project(|t| &t.hash).borrow_mut().insert(m, key, value);
//!     }
//!
//!     /// `t[key]`
//!     fn get<C: Collector>(&self, m: &Mutation<'_, 'gc, C>, key: Value<'gc>) -> Value<'gc> {
//!         if let Value::Num(n) = key {
//!             if let Some(v) = self.array.borrow().get(n as usize).filter(|_| n.fract() == 0.0) {
//!                 return *v;
//!             }
//!         }
//!         self.hash.borrow().get(m, &key).copied().unwrap_or(Value::Nil)
//!     }
//! }
//!
//! let mut heap = Heap::<gc_copying::Copying>::new(HeapConfig::default()).unwrap();
//! heap.scope("main", |s| {
//!     let (t, key) = s.mutate(|m| {
//!         let t = Table::new(m);
//!         let key = Table::new(m); // a table used as a key
//!         Table::set(t, m, Value::Num(0.0), Value::Num(10.0));
//!         let name = Value::Str(m.alloc(Box::from("name")));
//!         Table::set(t, m, name, Value::Table(key));
//!         Table::set(t, m, Value::Table(key), Value::Num(42.0));
//!         (m.root(t), m.root(key))
//!     });
//!     s.collect(); // every object moves
//!     s.mutate(|m| {
//!         let (t, key) = (m.get(t), m.get(key));
//!         assert!(matches!(t.get(m, Value::Num(0.0)), Value::Num(n) if n == 10.0));
//!         assert!(matches!(t.get(m, Value::Table(key)), Value::Num(n) if n == 42.0));
//!         let name = Value::Str(m.alloc(Box::from("name"))); // equal by content
//!         assert!(matches!(t.get(m, name), Value::Table(k) if Gc::ptr_eq(k, key)));
//!     });
//! });
//! ```
//!
//! ## 3. Closures with shared upvalues
//! Two closures that capture the same variable share one upvalue object, a
//! `Lock<Value>`: a write through one is seen by the other.
//!
//! ```
//! use gc_core::model::{Gc, GcVec, Lock};
//! use gc_core::{Heap, HeapConfig, Trace};
//!
//! #[derive(Trace, Clone, Copy)]
//! enum Value<'gc> { Nil, Num(f64), Closure(Gc<'gc, Closure<'gc>>) }
//!
//! #[derive(Trace)]
//! struct Closure<'gc> {
//!     code: usize, // which function: an index into the program
//!     upvalues: GcVec<'gc, Gc<'gc, Lock<Value<'gc>>>>,
//! }
//!
//! let mut heap = Heap::<gc_refcount::RefCount>::new(HeapConfig::default()).unwrap();
//! heap.scope("main", |s| {
//!     let (inc, get) = s.mutate(|m| {
//!         let counter = m.alloc(Lock::new(Value::Num(0.0))); // `local n = 0`
//!         let closure = |code| {
//!             let mut upvalues = GcVec::new(m);
//!             upvalues.push(counter);
//!             m.alloc(Closure { code, upvalues })
//!         };
//!         (m.root(closure(0)), m.root(closure(1)))
//!     });
//!     for _ in 0..3 {
//!         s.mutate(|m| {
//!             let n = m.get(inc).upvalues[0]; // `n = n + 1` in the first closure
//!             if let Value::Num(x) = n.get() { n.set(m, Value::Num(x + 1.0)) }
//!         });
//!         s.collect();
//!     }
//!     // The second closure sees the shared variable.
//!     s.mutate(|m| assert!(matches!(m.get(get).upvalues[0].get(), Value::Num(n) if n == 3.0)));
//! });
//! ```
//!
//! ## 4. Globals, and running between regions
//! Nothing collects inside a region, so an interpreter runs its program in
//! slices: a region of bounded work (a "fuel" of steps), then back to the
//! scope, where a due collection runs, then the next slice. Everything the
//! machine needs between slices lives in the heap, reached from a root;
//! globals that outlive every `heap.scope` call (a REPL, a host's event
//! loop) are a [`Persistent`](crate::model::Persistent) root.
//!
//! ```
//! use gc_core::model::{GcMap, Persistent, RefLock};
//! use gc_core::{Heap, HeapConfig};
//!
//! type Globals<'gc> = RefLock<GcMap<'gc, &'static str, f64>>;
//!
//! let mut heap = Heap::<gc_mark_sweep::MarkSweep>::new(HeapConfig::default()).unwrap();
//! let globals: Persistent<Globals<'static>> = heap.scope("init", |s| {
//!     s.mutate(|m| {
//!         let globals: Globals<'_> = RefLock::new(GcMap::new(m));
//!         m.persist(m.alloc(globals))
//!     })
//! });
//! // Each call from the host: a scope, a few slices of work, a return.
//! for call in 0..3 {
//!     heap.scope("call", |s| {
//!         for _slice in 0..4 {
//!             s.mutate(|m| {
//!                 let globals = m.persistent(&globals);
//!                 let mut map = globals.borrow_mut(m);
//!                 let steps = map.get(m, &"steps").copied().unwrap_or(0.0);
//!                 map.insert(m, "steps", steps + 1.0);
//!                 for i in 0..100 {
//!                     m.alloc(i as f64); // garbage, collected between slices
//!                 }
//!             });
//!         }
//!         s.collect();
//!     });
//!     let steps = heap.scope("read", |s| {
//!         s.mutate(|m| m.persistent(&globals).borrow().get(m, &"steps").copied())
//!     });
//!     assert_eq!(steps, Some(4.0 * (call + 1) as f64));
//! }
//! ```
//!
//! ## 5. Strings, arrays and trait objects in one object
//! A string or an array whose length is known when it is made is one
//! object, its elements inline after a length word: `Gc<'gc, str>` from
//! [`m.alloc_str`](crate::model::Mutation::alloc_str), `Gc<'gc, [T]>` from
//! [`m.alloc_slice`](crate::model::Mutation::alloc_slice) (`Copy`
//! elements) or [`m.alloc_from_iter`](crate::model::Mutation::alloc_from_iter)
//! (any). Elements that must change are `Lock`s, set through the barrier
//! (`m.write(array)[i].set(v)`); a growable array stays a `GcVec`. Host
//! objects an interpreter sees only through an interface are
//! `Gc<'gc, dyn Trait>`, made from a sized object by
//! [`coerce_gc!`](crate::coerce_gc); they are traced by their own type.
//!
//! ```
//! use gc_core::model::{Gc, Lock};
//! use gc_core::{coerce_gc, Heap, HeapConfig, Trace};
//!
//! trait Native { fn call(&self, arg: f64) -> f64; }
//! #[derive(Trace)]
//! struct Scale(f64);
//! impl Native for Scale { fn call(&self, arg: f64) -> f64 { self.0 * arg } }
//!
//! #[derive(Trace, Clone, Copy)]
//! enum Value<'gc> {
//!     Num(f64),
//!     Str(Gc<'gc, str>),                    // no Box<str> behind the pointer
//!     Tuple(Gc<'gc, [Lock<Value<'gc>>]>),   // fixed length, elements settable
//!     Native(Gc<'gc, dyn Native>),
//! }
//!
//! let mut heap = Heap::<gc_copying::Copying>::new(HeapConfig::default()).unwrap();
//! heap.scope("main", |s| {
//!     let tuple = s.mutate(|m| {
//!         let name = Value::Str(m.alloc_str("double"));
//!         let double = Value::Native(coerce_gc!(m.alloc(Scale(2.0)) => dyn Native));
//!         let tuple = m.alloc_from_iter([Lock::new(name), Lock::new(Value::Num(0.0))]);
//!         m.write(tuple)[1].set(double);
//!         m.root(m.alloc(Lock::new(Value::Tuple(tuple))))
//!     });
//!     s.collect(); // moves all four objects
//!     s.mutate(|m| {
//!         let Value::Tuple(tuple) = m.get(tuple).get() else { unreachable!() };
//!         let (Value::Str(name), Value::Native(f)) = (tuple[0].get(), tuple[1].get()) else {
//!             unreachable!()
//!         };
//!         assert_eq!((&*name, f.call(21.0)), ("double", 42.0));
//!     });
//! });
//! ```
//!
//! ## 6. Heaps and threads
//! A heap is [`Local`](crate::Local) by default: it and everything from it
//! stay on the thread that made it. For one interpreter per worker thread
//! (or per async task on a multi-threaded executor), make it
//! [`Sendable`](crate::Sendable): `Heap<C, Sendable>` is `Send` while no
//! scope is open, so it can move to another thread between calls, with its
//! [`Persistent`](crate::model::Persistent) roots (`Send` too). In exchange,
//! everything it holds must be [`HeapSend`](crate::HeapSend), checked at
//! every allocation: `Send` std types, and derived types of `HeapSend`
//! fields (heap pointers included). An `Rc` drop counter, or an object
//! holding one, does not compile there (use an `Arc`); the collection
//! callback must be `Send`. Scopes, roots, `Gc`s and `Mutation`s never
//! cross threads, on either kind of heap, and a heap is never `Sync`: one
//! thread at a time uses it.
//!
//! ```
//! use gc_core::model::{GcMap, Persistent, RefLock};
//! use gc_core::{Heap, HeapConfig, Sendable};
//! use std::sync::mpsc;
//!
//! type Globals<'gc> = RefLock<GcMap<'gc, String, f64>>;
//!
//! /// One interpreter: a heap and its globals, which move together.
//! struct Interp {
//!     heap: Heap<gc_copying::Copying, Sendable>,
//!     globals: Persistent<Globals<'static>, Sendable>,
//! }
//!
//! impl Interp {
//!     fn new() -> Interp {
//!         let mut heap = Heap::new(HeapConfig::default()).unwrap();
//!         let globals = heap.scope("init", |s| {
//!             s.mutate(|m| {
//!                 let globals: Globals<'_> = RefLock::new(GcMap::new(m));
//!                 m.persist(m.alloc(globals))
//!             })
//!         });
//!         Interp { heap, globals }
//!     }
//!
//!     /// Adds `x` to the global `name` (making garbage on the way).
//!     fn run(&mut self, name: &str, x: f64) -> f64 {
//!         let globals = &self.globals;
//!         self.heap.scope("run", |s| {
//!             let total = s.mutate(|m| {
//!                 let mut map = m.persistent(globals).borrow_mut(m);
//!                 let total = map.get(m, &name.to_string()).copied().unwrap_or(0.0) + x;
//!                 map.insert(m, name.to_string(), total);
//!                 for i in 0..1000 {
//!                     m.alloc(i as f64);
//!                 }
//!                 total
//!             });
//!             s.collect();
//!             total
//!         })
//!     }
//! }
//!
//! // Two workers, each running an interpreter made on this thread.
//! let workers: Vec<_> = (0..2)
//!     .map(|_| {
//!         let (jobs, queue) = mpsc::channel::<f64>();
//!         let mut interp = Interp::new();
//!         let worker = std::thread::spawn(move || {
//!             let last = queue.iter().map(|x| interp.run("total", x)).last();
//!             (interp, last) // handed back when the queue closes
//!         });
//!         (jobs, worker)
//!     })
//!     .collect();
//! for (jobs, _) in &workers {
//!     for x in 1..=3 {
//!         jobs.send(x as f64).unwrap();
//!     }
//! }
//! for (jobs, worker) in workers {
//!     drop(jobs);
//!     let (mut interp, last) = worker.join().unwrap();
//!     assert_eq!(last, Some(6.0));
//!     assert_eq!(interp.run("total", 0.0), 6.0); // back here, globals intact
//! }
//! ```
//!
//! Code for both kinds of heap names the kind and what it allocates:
//! `fn f<C: Collector, Th: Threads + Admits<Node>>(heap: &mut Heap<C, Th>)`
//! (see [`Threads`](crate::Threads)).
//!
//! ## 7. Weak tables, interning and cleanups
//! A Lua table with `__mode = "v"` holds its values weakly: a value nothing
//! else refers to disappears from it at the next collection. Store
//! [`GcWeak`](crate::GcWeak)s and upgrade them on read; the table itself
//! keeps nothing alive. An interning table is the classic user: a symbol
//! lives while the program refers to it, and its entry goes when it dies,
//! removed by a post-mortem cleanup ([`Mutation::on_death`](crate::model::Mutation::on_death);
//! JavaScript's `FinalizationRegistry` with the name as the held value).
//! The semantics, identical on every backend, are in `docs/WEAK.md`.
//!
//! ```
//! use gc_core::model::{Gc, GcMap, Mutation, Persistent, RefLock};
//! use gc_core::{Collector, GcWeak, Heap, HeapConfig, Trace};
//!
//! #[derive(Trace)]
//! struct Symbol { name: String }
//!
//! type Symbols<'gc> = RefLock<GcMap<'gc, String, GcWeak<Symbol>>>;
//!
//! /// The symbol for `name`: the live one if there is one, else a new one,
//! /// whose entry its death removes.
//! fn intern<'gc, C: Collector>(
//!     m: &Mutation<'_, 'gc, C>,
//!     table: &Persistent<Symbols<'static>>,
//!     name: &str,
//! ) -> Gc<'gc, Symbol> {
//!     let symbols = m.persistent(table);
//!     let found = symbols.borrow().get(m, &name.to_string()).copied();
//!     if let Some(symbol) = found.and_then(|weak| m.upgrade(&weak)) {
//!         return symbol;
//!     }
//!     let symbol = m.alloc(Symbol { name: name.to_string() });
//!     m.write(symbols).borrow_mut().insert(m, name.to_string(), m.downgrade(symbol));
//!     let (table, name) = (table.clone(), name.to_string());
//!     m.on_death(symbol, move |s| {
//!         s.mutate(|m| {
//!             let symbols = m.persistent(&table);
//!             m.write(symbols).borrow_mut().remove(m, &name);
//!         })
//!     });
//!     symbol
//! }
//!
//! let mut heap = Heap::<gc_copying::Copying>::new(HeapConfig::default()).unwrap();
//! heap.scope("main", |s| {
//!     let table = s.mutate(|m| {
//!         let symbols: Gc<'_, Symbols<'_>> = m.alloc(RefLock::new(GcMap::new(m)));
//!         m.persist(symbols)
//!     });
//!     let kept = s.mutate(|m| {
//!         let a = intern(m, &table, "print");
//!         assert!(Gc::ptr_eq(a, intern(m, &table, "print"))); // one symbol per name
//!         intern(m, &table, "temporary");
//!         m.persist(a)
//!     });
//!     s.collect(); // "temporary" died: its cleanup removed its entry
//!     s.mutate(|m| {
//!         let symbols = m.persistent(&table);
//!         assert_eq!(symbols.borrow().len(), 1);
//!         assert_eq!(m.persistent(&kept).name, "print");
//!     });
//! });
//! ```
//!
//! ## 8. The rules the compiler keeps
//! - A `Gc` cannot leave its region: not as the region's result, not
//!   through a captured variable, a `thread_local!`, another thread, or a
//!   map's hash code (`gc-core/tests/compile_fail/model_*.rs`); slices,
//!   strings and trait objects no more than sized objects.
//! - `coerce_gc!` makes a trait object only for a trait the type
//!   implements, and only a trait object.
//! - Objects of one heap cannot point into another (brands are invariant
//!   and fresh per region), and a root of one heap used with another panics.
//! - A `Lock` or `RefLock` changes only after the barrier, so every backend
//!   sees every change: reference counting replays the log into exact
//!   counts, however much a `retain` or a `sort` rearranged.
//! - Pointers live only in the heap's own memory: inline in objects, or in
//!   [`GcVec`](crate::model::GcVec)/[`GcMap`](crate::model::GcMap) buffers;
//!   a `Vec` of pointers does not compile.
//!
//! ## 9. Weak-keyed maps: JavaScript's `WeakMap`, Lua's `__mode`
//! A [`GcWeakMap`](crate::GcWeakMap) maps objects (by identity) to objects,
//! and each entry is an ephemeron: it keeps its value while its key is alive
//! by other paths and the map is reachable, and it vanishes in the
//! collection that finds the key dead (`docs/WEAK.md`). That is exactly
//! JavaScript's `WeakMap` (private data attached to objects without keeping
//! them) and Lua 5.4's weak-key tables (`setmetatable(t, {__mode = "k"})`,
//! which are ephemeron tables). Lua's `__mode = "v"` is a table whose values
//! are [`GcWeak`](crate::GcWeak)s (section 7); `__mode = "kv"` is a
//! `GcWeakMap` whose values are boxes holding `GcWeak`s. Values are
//! objects: a language whose values are an enum boxes a non-object value in
//! a one-field object (a `Lock<Value>`).
//!
//! ```
//! use gc_core::model::{Gc, Lock};
//! use gc_core::{GcWeakMap, Heap, HeapConfig, Trace};
//!
//! #[derive(Trace)]
//! struct Object<'gc> {
//!     proto: Lock<Option<Gc<'gc, Object<'gc>>>>,
//!     id: u64,
//! }
//!
//! /// What the host keeps about script objects without keeping them alive.
//! type Metadata = GcWeakMap<Object<'static>, Lock<u64>>;
//!
//! let mut heap = Heap::<gc_copying::Copying>::new(HeapConfig::default()).unwrap();
//! heap.scope("script", |s| {
//!     let (meta, kept) = s.mutate(|m| {
//!         let meta = m.alloc(Metadata::new());
//!         let kept = m.alloc(Object { proto: Lock::new(None), id: 1 });
//!         let temp = m.alloc(Object { proto: Lock::new(Some(kept)), id: 2 });
//!         m.weak_insert(meta, kept, m.alloc(Lock::new(10u64)));
//!         m.weak_insert(meta, temp, m.alloc(Lock::new(20u64)));
//!         (m.persist(meta), m.persist(kept))
//!     });
//!     s.collect(); // `temp` is garbage: its entry (and its value) vanish
//!     s.mutate(|m| {
//!         let meta = m.persistent(&meta);
//!         let kept = m.persistent(&kept);
//!         assert_eq!(kept.id, 1);
//!         assert_eq!(m.weak_len(meta), 1);
//!         assert_eq!(m.weak_get(meta, kept).map(|v| v.get()), Some(10));
//!     });
//! });
//! ```
