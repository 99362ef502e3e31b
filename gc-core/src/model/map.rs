//! [`GcMap`]: a hash map (hashbrown) whose keys and values may hold heap
//! pointers, keyed by value or by object identity.

use super::account::HeapAlloc;
use super::{Gc, Mutation};
use crate::collector::Collector;
use crate::error::GcError;
use crate::threads::Threads;
use crate::trace::{holds_pointers, Rebrand, Trace, Tracer};
use hashbrown::hash_table::{Entry, HashTable};
use hashbrown::DefaultHashBuilder;
use std::cell::{Cell, UnsafeCell};
use std::fmt;
use std::hash::{BuildHasher, Hash, Hasher};

/// Hashing and equality for [`GcMap`] keys, which may be heap objects.
///
/// Any `Hash + Eq` type is a key as it is (numbers, strings, `Box<str>`); a
/// [`Gc`] is a key by identity: it hashes by its address, and a map holding
/// such keys rehashes itself on its first use after a collection that may
/// have moved them ([`GcHash::BY_ADDRESS`]), so a lookup never reads the key
/// object. A value enum that mixes both implements it by hand (hashing an
/// object by its [`Mutation::identity`](super::Mutation::identity), which
/// survives moves, or by address with `BY_ADDRESS` set):
///
/// ```
/// use gc_core::model::{Gc, GcHash, Mutation};
/// use gc_core::{Collector, Threads, Trace};
/// use std::hash::{Hash, Hasher};
///
/// #[derive(Trace, Clone, Copy)]
/// enum Key<'gc> { Num(i64), Str(Gc<'gc, String>) }
///
/// impl<'gc> GcHash<'gc> for Key<'gc> {
///     fn gc_hash<C: Collector, Th: Threads, H: Hasher>(&self, m: &Mutation<'_, 'gc, C, Th>, state: &mut H) {
///         match self {
///             Key::Num(n) => n.hash(state),
///             Key::Str(s) => s.as_str().hash(state), // by content
///         }
///     }
///     fn gc_eq(&self, other: &Self) -> bool {
///         match (self, other) {
///             (Key::Num(a), Key::Num(b)) => a == b,
///             (Key::Str(a), Key::Str(b)) => a.as_str() == b.as_str(),
///             _ => false,
///         }
///     }
/// }
/// ```
///
/// The map calls these only inside a mutation region (never while
/// collecting); they must agree (equal keys hash equally) and give the
/// same answer for as long as a key is in a map.
pub trait GcHash<'gc> {
    /// Feeds the key to `state`.
    fn gc_hash<C: Collector, Th: Threads, H: Hasher>(
        &self,
        m: &Mutation<'_, 'gc, C, Th>,
        state: &mut H,
    );
    /// `true` if the two keys are the same key.
    fn gc_eq(&self, other: &Self) -> bool;

    /// `true` if `gc_hash` feeds object addresses to the hasher, which a
    /// moving collection changes: the map then rehashes its entries when
    /// it is first used after one. Getting it wrong loses entries (lookups
    /// miss), never memory safety.
    const BY_ADDRESS: bool = false;
}

impl<'gc, K: Hash + Eq> GcHash<'gc> for K {
    #[inline]
    fn gc_hash<C: Collector, Th: Threads, H: Hasher>(
        &self,
        _: &Mutation<'_, 'gc, C, Th>,
        state: &mut H,
    ) {
        self.hash(state)
    }
    #[inline]
    fn gc_eq(&self, other: &Self) -> bool {
        self == other
    }
}

impl<'gc, T: ?Sized + 'gc> GcHash<'gc> for Gc<'gc, T> {
    #[inline]
    fn gc_hash<C: Collector, Th: Threads, H: Hasher>(
        &self,
        _: &Mutation<'_, 'gc, C, Th>,
        state: &mut H,
    ) {
        self.object().addr().hash(state)
    }
    #[inline]
    fn gc_eq(&self, other: &Self) -> bool {
        Gc::ptr_eq(*self, *other)
    }
    const BY_ADDRESS: bool = true;
}

/// A hash map for heap objects, on hashbrown's table: keys and values may
/// hold [`Gc`] pointers (traced, and rewritten when their objects move);
/// keys hash through [`GcHash`], so an object can be a key by identity even
/// on the moving backend. Its table is charged to the heap.
///
/// Keep it in an object behind a [`RefLock`](super::RefLock); operations
/// that hash take the region's [`Mutation`] (for identities).
///
/// Like [`GcVec`](super::GcVec), a map whose entries, as inserted, hold no
/// pointer (numbers keyed by interned strings) knows it and is not traced
/// entry by entry; [`GcMap::get_mut`] and [`GcMap::retain`] end that until
/// the map is empty again.
///
/// ```
/// use gc_core::model::{Gc, GcMap, RefLock};
/// use gc_core::{Heap, HeapConfig, Trace};
///
/// #[derive(Trace)]
/// struct Object { name: &'static str }
///
/// let mut heap = Heap::<gc_copying::Copying>::new(HeapConfig::default()).unwrap();
/// heap.scope("main", |s| {
///     let (table, key) = s.mutate(|m| {
///         let table = m.alloc(RefLock::new(GcMap::new(m)));
///         let key = m.alloc(Object { name: "key" });
///         m.write(table).borrow_mut().insert(m, key, 42u32); // keyed by identity
///         (m.root(table), m.root(key))
///     });
///     s.collect(); // both objects move
///     s.mutate(|m| {
///         let (table, key) = (m.get(table), m.get(key));
///         assert_eq!(table.borrow().get(m, &key), Some(&42));
///         assert_eq!(key.name, "key");
///     });
/// });
/// ```
pub struct GcMap<'gc, K, V> {
    /// The entries. Changed through `&self` only by `GcMap::refresh`, at a
    /// moment no reference into it can exist (see there); everything else
    /// reads it with `raw` or changes it through `&mut self`.
    table: UnsafeCell<HashTable<(K, V), HeapAlloc<'gc>>>,
    /// `HeapAlloc::moves` when the keys were last hashed: for keys hashed
    /// by address, the table is stale when the heap's count has passed it.
    hashed_at: Cell<u64>,
    hasher: DefaultHashBuilder,
    /// No entry holds a pointer (as `GcVec::pointer_free`): `true` when
    /// empty, kept by inserts of entries that hold none, made `false` by
    /// any other insert and by `&mut` access to the values.
    pointer_free: bool,
}

/// `GcMap::hashed_at` while a rehash is computing its hashes.
const REHASHING: u64 = u64::MAX;

impl<'gc, K: GcHash<'gc>, V> GcMap<'gc, K, V> {
    /// An empty map (allocates nothing until the first insert).
    pub fn new<C: Collector, Th: Threads>(m: &Mutation<'_, 'gc, C, Th>) -> GcMap<'gc, K, V> {
        let allocator = m.allocator();
        GcMap {
            hashed_at: Cell::new(allocator.moves()),
            table: UnsafeCell::new(HashTable::new_in(allocator)),
            hasher: DefaultHashBuilder::default(),
            pointer_free: true,
        }
    }

    fn hash<C: Collector, Th: Threads>(&self, m: &Mutation<'_, 'gc, C, Th>, key: &K) -> u64 {
        let mut state = self.hasher.build_hasher();
        key.gc_hash(m, &mut state);
        state.finish()
    }

    /// Makes the entries' hashes current: for keys hashed by address, after
    /// a collection that may have moved them, takes the entries out and
    /// puts them back at their keys' addresses now, in the same buffer (so
    /// a region's allocation budget is not touched). `false` only while a
    /// rehash of this map is hashing its keys: a key's `gc_hash` that reads
    /// the map again (through `&self`; `&mut` access cannot nest here) then
    /// finds the hashes stale, and `get` scans.
    #[inline(always)]
    fn refresh<C: Collector, Th: Threads>(&self, m: &Mutation<'_, 'gc, C, Th>) -> bool {
        if !(K::BY_ADDRESS && C::CAPABILITIES.moves_objects) {
            return true;
        }
        match self.hashed_at.get() {
            at if at == self.raw().allocator().moves() => true,
            REHASHING => false,
            _ => {
                self.rehash(m);
                true
            }
        }
    }

    #[cold]
    #[inline(never)]
    fn rehash<C: Collector, Th: Threads>(&self, m: &Mutation<'_, 'gc, C, Th>) {
        /// Puts the stale count back if a key's `gc_hash` panics.
        struct Stale<'a>(&'a Cell<u64>, u64);
        impl Drop for Stale<'_> {
            fn drop(&mut self) {
                self.0.set(self.1);
            }
        }
        let moves = self.raw().allocator().moves();
        let len = self.raw().len();
        let (mut hashes, mut entries) = (Vec::new(), Vec::new());
        if hashes.try_reserve_exact(len).is_err() || entries.try_reserve_exact(len).is_err() {
            panic!("GcMap: no memory to rehash {len} entries");
        }
        // First the hashes, with user code (`gc_hash`) running and only
        // shared references to the table alive; a nested use sees
        // `REHASHING` and does not rehash.
        let stale = Stale(&self.hashed_at, self.hashed_at.replace(REHASHING));
        hashes.extend(self.raw().iter().map(|(k, _)| self.hash(m, k)));
        std::mem::forget(stale);
        // SAFETY: no reference into the table exists now. Every method that
        // makes one from `&self` (`get`, `iter`, ...) calls `refresh` first,
        // and the table goes stale only in a collection, which runs between
        // mutation regions; the map is a branded type, reachable only inside
        // a region, so references made in an earlier region are gone, and
        // in this one this is the first refresh that found it stale (one
        // that is refused, `REHASHING`, happens only inside the hashing
        // above, which has returned). `raw`'s other users (`len`, `Debug`,
        // `trace`) keep none across a call that could get here: `Debug` and
        // `len` call no map method (a key's `Debug` has no `Mutation`), and
        // tracing runs only in collections. No user code runs until the
        // reference ends: the hashes are computed, and the drained table
        // keeps its buffer, so `insert_unique` never calls its hasher.
        let table = unsafe { &mut *self.table.get() };
        entries.extend(table.drain());
        for (hash, entry) in hashes.into_iter().zip(entries) {
            table.insert_unique(hash, entry, |_| unreachable!("the table has room"));
        }
        self.hashed_at.set(moves);
    }

    /// The value of `key`.
    #[inline]
    pub fn get<C: Collector, Th: Threads>(
        &self,
        m: &Mutation<'_, 'gc, C, Th>,
        key: &K,
    ) -> Option<&V> {
        if !self.refresh(m) {
            return self
                .raw()
                .iter()
                .find(|(k, _)| k.gc_eq(key))
                .map(|(_, v)| v);
        }
        let hash = self.hash(m, key);
        self.raw().find(hash, |(k, _)| k.gc_eq(key)).map(|(_, v)| v)
    }

    /// The value of `key`, mutably.
    #[inline]
    pub fn get_mut<C: Collector, Th: Threads>(
        &mut self,
        m: &Mutation<'_, 'gc, C, Th>,
        key: &K,
    ) -> Option<&mut V> {
        self.pointer_free = false;
        self.refresh(m); // never refused: `&mut self` cannot nest in a rehash
        let hash = self.hash(m, key);
        self.table
            .get_mut()
            .find_mut(hash, |(k, _)| k.gc_eq(key))
            .map(|(_, v)| v)
    }

    /// `true` if `key` has a value.
    pub fn contains_key<C: Collector, Th: Threads>(
        &self,
        m: &Mutation<'_, 'gc, C, Th>,
        key: &K,
    ) -> bool {
        self.get(m, key).is_some()
    }

    /// Sets `key` to `value`, returning the old value.
    ///
    /// # Panics
    /// With the [`OutOfMemory`](crate::GcErrorKind::OutOfMemory) message if the table cannot grow
    /// within the heap's capacity; [`GcMap::try_insert`] returns the error.
    #[inline]
    pub fn insert<C: Collector, Th: Threads>(
        &mut self,
        m: &Mutation<'_, 'gc, C, Th>,
        key: K,
        value: V,
    ) -> Option<V>
    where
        K: Trace,
        V: Trace,
    {
        match self.try_insert(m, key, value) {
            Ok(old) => old,
            Err(error) => panic!("{error}"),
        }
    }

    /// [`GcMap::insert`], or [`OutOfMemory`](crate::GcErrorKind::OutOfMemory) with the map
    /// unchanged ([`AlignmentTooLarge`](crate::GcErrorKind::AlignmentTooLarge) if an entry is
    /// aligned to more than 16 bytes).
    pub fn try_insert<C: Collector, Th: Threads>(
        &mut self,
        m: &Mutation<'_, 'gc, C, Th>,
        key: K,
        value: V,
    ) -> Result<Option<V>, GcError>
    where
        K: Trace,
        V: Trace,
    {
        self.refresh(m); // never refused: `&mut self` cannot nest in a rehash
        let hash = self.hash(m, &key);
        let hasher = &self.hasher;
        let table = self.table.get_mut();
        if table.len() == table.capacity() {
            let rehash = |(k, _): &(K, V)| {
                let mut state = hasher.build_hasher();
                k.gc_hash(m, &mut state);
                state.finish()
            };
            table.try_reserve(1, rehash).map_err(|_| {
                let bytes = (table.capacity() + 1) * size_of::<(K, V)>();
                super::vec::refused::<(K, V)>(table.allocator(), bytes)
            })?;
        }
        if self.pointer_free && (holds_pointers(&key) || holds_pointers(&value)) {
            self.pointer_free = false;
        }
        let entry = table.entry(
            hash,
            |(k, _)| k.gc_eq(&key),
            |(k, _)| {
                let mut state = hasher.build_hasher();
                k.gc_hash(m, &mut state);
                state.finish()
            },
        );
        Ok(match entry {
            Entry::Occupied(mut occupied) => {
                Some(std::mem::replace(&mut occupied.get_mut().1, value))
            }
            Entry::Vacant(vacant) => {
                vacant.insert((key, value));
                None
            }
        })
    }

    /// Removes `key`, returning its value.
    pub fn remove<C: Collector, Th: Threads>(
        &mut self,
        m: &Mutation<'_, 'gc, C, Th>,
        key: &K,
    ) -> Option<V> {
        self.refresh(m); // never refused: `&mut self` cannot nest in a rehash
        let hash = self.hash(m, key);
        let table = self.table.get_mut();
        let removed = match table.find_entry(hash, |(k, _)| k.gc_eq(key)) {
            Ok(entry) => Some(entry.remove().0 .1),
            Err(_) => None,
        };
        self.pointer_free |= table.is_empty();
        removed
    }
}

impl<'gc, K: GcHash<'gc>, V> GcMap<'gc, K, V> {
    /// The entries, in no particular order. (It takes the region's
    /// [`Mutation`] because a map keyed by address may rehash itself on its
    /// first use after a collection, before it lends out any entry.)
    pub fn iter<C: Collector, Th: Threads>(
        &self,
        m: &Mutation<'_, 'gc, C, Th>,
    ) -> impl Iterator<Item = (&K, &V)> {
        self.refresh(m);
        self.raw().iter().map(|(k, v)| (k, v))
    }
}

impl<'gc, K, V> GcMap<'gc, K, V> {
    /// The table, to read.
    #[inline(always)]
    fn raw(&self) -> &HashTable<(K, V), HeapAlloc<'gc>> {
        // SAFETY: the only `&mut` made through `&self` is `rehash`'s, which
        // runs when no reference into the table exists and ends before it
        // returns.
        unsafe { &*self.table.get() }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.raw().len()
    }

    /// `true` if the map is empty.
    pub fn is_empty(&self) -> bool {
        self.raw().is_empty()
    }

    /// Keeps the entries for which `keep` returns `true`.
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.pointer_free = false;
        let table = self.table.get_mut();
        table.retain(|(k, v)| keep(k, v));
        self.pointer_free |= table.is_empty();
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        self.table.get_mut().clear();
        self.pointer_free = true;
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for GcMap<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.raw().iter().map(|(k, v)| (k, v)))
            .finish()
    }
}

// SAFETY: traces every key and value once (rules 1, 2), but when
// `pointer_free` says none holds a pointer: entries gain pointers only
// through `&mut self` (as for `GcVec`, no `Write` reaches into the table),
// by `try_insert`, which probes the new entry, or by `get_mut` and
// `retain`, which clear the flag. The table comes
// from `HeapAlloc`, which exposes its provenance, so a moving collector may
// rewrite pointers in it; keys hashed by address make the table stale then,
// and it rehashes on its next use in a region (`GcMap::refresh`).
unsafe impl<K: Trace, V: Trace> Trace for GcMap<'_, K, V> {
    const NEEDS_TRACE: bool = K::NEEDS_TRACE || V::NEEDS_TRACE;
    const MODEL_POINTERS: bool = K::MODEL_POINTERS || V::MODEL_POINTERS;
    const HANDLE_POINTERS: bool = K::HANDLE_POINTERS || V::HANDLE_POINTERS;
    const CHECK: () = {
        let () = K::CHECK;
        let () = V::CHECK;
    };
    #[inline]
    fn trace(&self, tracer: &mut Tracer) {
        if Self::NEEDS_TRACE && !self.pointer_free {
            for (k, v) in self.raw().iter() {
                k.trace(tracer);
                v.trace(tracer);
            }
        }
    }
    fn describe(&self, edges: &mut crate::edges::Edges) {
        edges.owned_bytes(self.raw().allocation_size());
        for (i, (k, v)) in self.raw().iter().enumerate() {
            edges.key(i, |edges| k.describe(edges));
            edges.value(i, |edges| v.describe(edges));
        }
    }
}

// SAFETY: the same map of the rebranded key and value types.
unsafe impl<'a, K: Rebrand<'a>, V: Rebrand<'a>> Rebrand<'a> for GcMap<'_, K, V> {
    type Output = GcMap<'a, K::Output, V::Output>;
}

// SAFETY: owns its keys and values in a table from the heap's buffer
// space; its allocator points to the heap's shared box, which moves with
// the heap and is used only by whoever holds the heap (the allocator is
// branded); the hasher is `Send` (checked below), and its
// `UnsafeCell` table and `Cell` rehash count are changed only by whoever
// holds the heap (the map is `!Sync`, like its allocator).
unsafe impl<K: crate::HeapSend, V: crate::HeapSend> crate::HeapSend for GcMap<'_, K, V> {}
const _: fn() = || {
    fn send<T: Send>() {}
    send::<hashbrown::DefaultHashBuilder>();
};
