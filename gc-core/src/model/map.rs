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
use std::fmt;
use std::hash::{BuildHasher, Hash, Hasher};

/// Hashing and equality for [`GcMap`] keys, which may be heap objects.
///
/// Any `Hash + Eq` type is a key as it is (numbers, strings, `Box<str>`); a
/// [`Gc`] hashes by [identity](super::Mutation::identity), which survives
/// moves. A value enum that mixes both implements it by hand:
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

impl<'gc, T: 'gc> GcHash<'gc> for Gc<'gc, T> {
    #[inline]
    fn gc_hash<C: Collector, Th: Threads, H: Hasher>(
        &self,
        m: &Mutation<'_, 'gc, C, Th>,
        state: &mut H,
    ) {
        m.identity(*self).hash(state)
    }
    #[inline]
    fn gc_eq(&self, other: &Self) -> bool {
        Gc::ptr_eq(*self, *other)
    }
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
    table: HashTable<(K, V), HeapAlloc<'gc>>,
    hasher: DefaultHashBuilder,
    /// No entry holds a pointer (as `GcVec::pointer_free`): `true` when
    /// empty, kept by inserts of entries that hold none, made `false` by
    /// any other insert and by `&mut` access to the values.
    pointer_free: bool,
}

impl<'gc, K: GcHash<'gc>, V> GcMap<'gc, K, V> {
    /// An empty map (allocates nothing until the first insert).
    pub fn new<C: Collector, Th: Threads>(m: &Mutation<'_, 'gc, C, Th>) -> GcMap<'gc, K, V> {
        GcMap {
            table: HashTable::new_in(m.allocator()),
            hasher: DefaultHashBuilder::default(),
            pointer_free: true,
        }
    }

    fn hash<C: Collector, Th: Threads>(&self, m: &Mutation<'_, 'gc, C, Th>, key: &K) -> u64 {
        let mut state = self.hasher.build_hasher();
        key.gc_hash(m, &mut state);
        state.finish()
    }

    /// The value of `key`.
    #[inline]
    pub fn get<C: Collector, Th: Threads>(
        &self,
        m: &Mutation<'_, 'gc, C, Th>,
        key: &K,
    ) -> Option<&V> {
        let hash = self.hash(m, key);
        self.table.find(hash, |(k, _)| k.gc_eq(key)).map(|(_, v)| v)
    }

    /// The value of `key`, mutably.
    #[inline]
    pub fn get_mut<C: Collector, Th: Threads>(
        &mut self,
        m: &Mutation<'_, 'gc, C, Th>,
        key: &K,
    ) -> Option<&mut V> {
        self.pointer_free = false;
        let hash = self.hash(m, key);
        self.table
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
    /// With the [`GcError::OutOfMemory`] message if the table cannot grow
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

    /// [`GcMap::insert`], or [`GcError::OutOfMemory`] with the map unchanged.
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
        let hash = self.hash(m, &key);
        if self.table.len() == self.table.capacity() {
            let hasher = &self.hasher;
            let rehash = |(k, _): &(K, V)| {
                let mut state = hasher.build_hasher();
                k.gc_hash(m, &mut state);
                state.finish()
            };
            self.table.try_reserve(1, rehash).map_err(|_| {
                let bytes = (self.table.capacity() + 1) * size_of::<(K, V)>();
                self.table.allocator().out_of_memory(bytes)
            })?;
        }
        if self.pointer_free && (holds_pointers(&key) || holds_pointers(&value)) {
            self.pointer_free = false;
        }
        let hasher = &self.hasher;
        let entry = self.table.entry(
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
        let hash = self.hash(m, key);
        let removed = match self.table.find_entry(hash, |(k, _)| k.gc_eq(key)) {
            Ok(entry) => Some(entry.remove().0 .1),
            Err(_) => None,
        };
        self.pointer_free |= self.table.is_empty();
        removed
    }
}

impl<K, V> GcMap<'_, K, V> {
    /// Number of entries.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// `true` if the map is empty.
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// The entries, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.table.iter().map(|(k, v)| (k, v))
    }

    /// Keeps the entries for which `keep` returns `true`.
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.pointer_free = false;
        self.table.retain(|(k, v)| keep(k, v));
        self.pointer_free |= self.table.is_empty();
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        self.table.clear();
        self.pointer_free = true;
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for GcMap<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

// SAFETY: traces every key and value once (rules 1, 2), but when
// `pointer_free` says none holds a pointer: entries gain pointers only
// through `&mut self` (as for `GcVec`, no `Write` reaches into the table),
// by `try_insert`, which probes the new entry, or by `get_mut` and
// `retain`, which clear the flag. The table comes
// from `HeapAlloc`, which exposes its provenance, so a moving collector may
// rewrite pointers in it; keys hash by content or by identity, neither of
// which changes when objects move, so the table needs no rehash.
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
            for (k, v) in self.table.iter() {
                k.trace(tracer);
                v.trace(tracer);
            }
        }
    }
}

// SAFETY: the same map of the rebranded key and value types.
unsafe impl<'a, K: Rebrand<'a>, V: Rebrand<'a>> Rebrand<'a> for GcMap<'_, K, V> {
    type Output = GcMap<'a, K::Output, V::Output>;
}
