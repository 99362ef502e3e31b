//! Ephemerons: [`GcWeakMap`], a map from objects to objects whose entries
//! keep their value alive only while their key (and the map) lives, and
//! [`EphemeronTable`], where a backend keeps every map's entries (inside
//! its [`WeakTable`](crate::weak::WeakTable), so that they clear in the
//! same weak step as [`GcWeak`](crate::GcWeak)s). The semantics are in
//! `docs/WEAK.md`.
//!
//! An entry `key -> value` is an ephemeron: the collector marks `value`
//! only once it has found `key` (and the map) alive by other paths. A value
//! that refers to its own key therefore keeps nothing, an unreachable map
//! keeps nothing, and a chain `k1 -> v1 = k2 -> v2 = k3 ...` where only
//! `k1` is rooted survives whole, in any insertion order, in time linear in
//! the number of entries ([`EphemeronTable::trace_values`]: entries whose
//! key is not marked yet wait on a list keyed by that key, consulted only
//! for the objects marked during the ephemeron phase; the ordinary mark
//! loop pays nothing).
//!
//! ```
//! use gc_core::{GcWeakMap, Heap, HeapConfig, Trace};
//!
//! #[derive(Trace)]
//! struct Node { id: u64 }
//!
//! let mut heap = Heap::<gc_copying::Copying>::new(HeapConfig::default()).unwrap();
//! heap.scope("main", |s| {
//!     let map = s.alloc(GcWeakMap::<Node, Node>::new());
//!     let key = s.alloc(Node { id: 1 });
//!     let value = s.alloc(Node { id: 10 });
//!     s.weak_insert(map, key, value);
//!     let gone = s.scope("temp", |s| {
//!         let key = s.alloc(Node { id: 2 });
//!         let value = s.alloc(Node { id: 20 });
//!         s.weak_insert(map, key, value);
//!         s.downgrade(value)
//!     });
//!     assert_eq!(s.weak_len(map), 2);
//!     s.collect(); // moves `map`, `key` and the first value; the second key is garbage
//!     assert_eq!(s.weak_len(map), 1, "the entry of the dead key vanished");
//!     assert!(s.upgrade(&gone).is_none(), "and its value with it");
//!     let found = s.weak_get(map, key).expect("the key is rooted");
//!     assert_eq!(s.get(found).id, 10);
//! });
//! ```

use crate::object::ObjectRef;
use crate::trace::{NoGc, Rebrand, Slot, Trace, Tracer};
use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU64, Ordering};

/// A weak-keyed map from objects of type `K` to objects of type `V`, keyed
/// by identity: an entry keeps its value alive while its key is alive and
/// the map is reachable, and vanishes (with the value, unless something
/// else holds it) in the collection that finds the key dead. Allocate it
/// as an object (`s.alloc(GcWeakMap::new())`, `m.alloc(GcWeakMap::new())`)
/// and use it through the scope ([`Scope::weak_insert`](crate::Scope::weak_insert),
/// [`weak_get`](crate::Scope::weak_get), [`weak_remove`](crate::Scope::weak_remove),
/// [`weak_len`](crate::Scope::weak_len)) or the region
/// ([`Mutation::weak_insert`](crate::model::Mutation::weak_insert) and its
/// siblings). The entries are not in the object: they live in the heap's
/// [`EphemeronTable`], and the object names them.
///
/// For object-model types, `K` and `V` are the types with their brand
/// replaced by `'static` (as for [`GcWeak`](crate::GcWeak)):
/// `GcWeakMap<Table<'static>, Value<'static>>`.
///
/// ```
/// use gc_core::model::Lock;
/// use gc_core::{GcWeakMap, Heap, HeapConfig};
///
/// let mut heap = Heap::<gc_mark_sweep::MarkSweep>::new(HeapConfig::default()).unwrap();
/// heap.scope("main", |s| {
///     let (map, key) = s.mutate(|m| {
///         let map = m.alloc(GcWeakMap::<Lock<u64>, Lock<u64>>::new());
///         let key = m.alloc(Lock::new(1u64));
///         m.weak_insert(map, key, m.alloc(Lock::new(100u64)));
///         (m.root(map), m.root(key))
///     });
///     s.collect();
///     s.mutate(|m| {
///         let (map, key) = (m.get(map), m.get(key));
///         assert_eq!(m.weak_get(map, key).map(|v| v.get()), Some(100));
///     });
/// });
/// ```
pub struct GcWeakMap<K: ?Sized, V: ?Sized> {
    /// The map's entries in the table, made by the first insertion.
    id: Cell<Option<MapId>>,
    _types: PhantomData<Types<K, V>>,
}

/// What a map says about its types: it maps `K`s to `V`s but holds none.
type Types<K, V> = (fn() -> PhantomData<K>, fn() -> PhantomData<V>);

impl<K: ?Sized, V: ?Sized> GcWeakMap<K, V> {
    /// An empty map, to allocate.
    pub fn new() -> Self {
        GcWeakMap {
            id: Cell::new(None),
            _types: PhantomData,
        }
    }

    /// The cell that names the map's entries.
    pub(crate) fn id(&self) -> &Cell<Option<MapId>> {
        &self.id
    }
}

impl<K: ?Sized, V: ?Sized> Default for GcWeakMap<K, V> {
    fn default() -> Self {
        GcWeakMap::new()
    }
}

impl<K: ?Sized, V: ?Sized> fmt::Debug for GcWeakMap<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "GcWeakMap<{}, {}>",
            std::any::type_name::<K>(),
            std::any::type_name::<V>()
        )
    }
}

// SAFETY: holds no heap pointer (a cell of numbers): its entries live in the
// heap's table, which the collector traces as ephemerons (rules 1, 2, 5, 7).
unsafe impl<K: ?Sized, V: ?Sized> Trace for GcWeakMap<K, V> {
    const NEEDS_TRACE: bool = false;
    const MODEL_POINTERS: bool = false;
    const HANDLE_POINTERS: bool = false;
    fn trace(&self, _: &mut Tracer) {}
}

// SAFETY: owns no `Gc`.
unsafe impl<K: ?Sized, V: ?Sized> NoGc for GcWeakMap<K, V> {}

// SAFETY: numbers only, the same in every region; `K` and `V` are already
// the types with a `'static` brand (or unbranded ones), which lookups
// rebrand.
unsafe impl<'a, K: ?Sized, V: ?Sized> Rebrand<'a> for GcWeakMap<K, V> {
    type Output = GcWeakMap<K, V>;
}

// SAFETY: numbers only; the table they name is reached only through the
// heap that owns it.
unsafe impl<K: ?Sized, V: ?Sized> crate::HeapSend for GcWeakMap<K, V> {}

/// Which map of which table: what a [`GcWeakMap`] object holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct MapId {
    table: u64,
    index: u32,
    generation: u32,
}

/// One entry: the key's current address and the value's slot (which a
/// moving collector rewrites).
struct Entry {
    key: ObjectRef,
    value: Slot,
}

/// One map's entries, by the key's address.
#[derive(Default)]
struct Map {
    /// The map object while it lives.
    owner: Option<ObjectRef>,
    generation: u32,
    entries: hashbrown::HashMap<usize, Entry>,
}

/// Hands out table ids, never twice in a process.
static NEXT_TABLE: AtomicU64 = AtomicU64::new(1);

/// A seeded bug of the ephemeron step, for the harness's tests only
/// (`seeded_bug` modules of the backends). `None` everywhere else.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Flaw {
    /// The real algorithm.
    #[default]
    None,
    /// Marks the values whose key was marked by ordinary marking, and stops
    /// there: values released by a value marked in the ephemeron phase are
    /// never marked (a single pass instead of the closure).
    OneRound,
    /// Marks every value of a live map, dead key or not (entries as strong
    /// references).
    ThroughDeadKeys,
    /// The weak step follows moved keys but does not rehash the entries by
    /// their new addresses.
    NoRehash,
}

/// The ephemerons of every [`GcWeakMap`] of a heap (see the [module
/// docs](self)). Each backend keeps one in its
/// [`WeakTable`](crate::weak::WeakTable): a tracing backend calls
/// [`trace_values`](EphemeronTable::trace_values) once ordinary marking is
/// done, and the table's weak step ([`WeakTable::sweep`](crate::weak::WeakTable::sweep))
/// removes the entries of dead keys and dead maps; reference counting
/// counts each entry's value as a reference held by its key
/// ([`values_of`](EphemeronTable::values_of)).
pub struct EphemeronTable {
    id: u64,
    maps: Vec<Map>,
    /// Maps of dead map objects, to reuse.
    free: Vec<u32>,
    /// The maps holding an entry for each key address (for reference
    /// counting's edges from a key to its values).
    by_key: hashbrown::HashMap<usize, Vec<u32>>,
    /// Entries in all maps.
    len: usize,
    #[doc(hidden)]
    pub flaw: Flaw,
}

impl Default for EphemeronTable {
    fn default() -> Self {
        EphemeronTable {
            id: NEXT_TABLE.fetch_add(1, Ordering::Relaxed),
            maps: Vec::new(),
            free: Vec::new(),
            by_key: hashbrown::HashMap::new(),
            len: 0,
            flaw: Flaw::None,
        }
    }
}

/// An entry waiting for an object to be marked: a map waiting for its map
/// object, or an entry for its key.
enum Waiter {
    Map(u32),
    Entry(u32, usize),
}

/// What a tracing backend lends [`EphemeronTable::trace_values`]: its
/// marking, between the end of ordinary marking and the weak step.
///
/// # Safety
/// - `is_live` answers whether this collection has marked (or copied) the
///   object so far; `obj` is an object of the heap at its address when the
///   collection started.
/// - `mark_from` marks (or copies, rewriting the slots) the objects the
///   slots refer to and everything they reach, and calls `newly` with
///   every object it marks that was not marked before, by its address
///   when the collection started, before it returns.
pub unsafe trait EphemeronMarker {
    /// Whether `obj` is marked (or copied) so far.
    fn is_live(&self, obj: ObjectRef) -> bool;
    /// Marks from `slots` (each valid for the call) to the end.
    fn mark_from(&mut self, slots: &[NonNull<Slot>], newly: &mut dyn FnMut(ObjectRef));
}

impl EphemeronTable {
    /// An empty table.
    pub fn new() -> EphemeronTable {
        EphemeronTable::default()
    }

    /// Entries in all maps.
    pub fn len(&self) -> usize {
        self.len
    }

    /// `true` if no map holds an entry.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The id of `map`'s entries, registering the map object `owner` on its
    /// first use.
    ///
    /// # Panics
    /// If the map was registered by another heap's table.
    pub(crate) fn map_id(&mut self, id: &Cell<Option<MapId>>, owner: ObjectRef) -> MapId {
        if let Some(id) = id.get() {
            self.check(id);
            return id;
        }
        let index = match self.free.pop() {
            Some(index) => index,
            None => {
                self.maps.push(Map::default());
                u32::try_from(self.maps.len() - 1).expect("more than 2^32 weak maps")
            }
        };
        let map = &mut self.maps[index as usize];
        map.owner = Some(owner);
        let made = MapId {
            table: self.id,
            index,
            generation: map.generation,
        };
        id.set(Some(made));
        made
    }

    fn check(&self, id: MapId) {
        assert_eq!(
            id.table, self.id,
            "a weak map of another heap was used with this heap"
        );
        // A map object names its entries while it lives; a generation
        // that differs would mean a map object outlived its entries.
        assert_eq!(
            self.maps[id.index as usize].generation, id.generation,
            "a weak map's entries were used after the map died"
        );
    }

    fn map(&self, id: Option<MapId>) -> Option<&Map> {
        let id = id?;
        self.check(id);
        Some(&self.maps[id.index as usize])
    }

    /// The value of `key` in the map, if any.
    pub(crate) fn get(&self, id: Option<MapId>, key: ObjectRef) -> Option<ObjectRef> {
        self.map(id)?.entries.get(&key.addr())?.value.get()
    }

    /// The number of entries of the map.
    pub(crate) fn map_len(&self, id: Option<MapId>) -> usize {
        self.map(id).map_or(0, |map| map.entries.len())
    }

    /// Sets the value of `key` (`None`: removes the entry); returns `true`
    /// if the entry is new. The caller has run the write barrier from the
    /// old value to the new.
    pub(crate) fn put(&mut self, id: MapId, key: ObjectRef, value: Option<ObjectRef>) -> bool {
        self.check(id);
        let map = &mut self.maps[id.index as usize];
        match value {
            Some(value) => {
                let mut fresh = false;
                map.entries
                    .entry(key.addr())
                    .or_insert_with(|| {
                        fresh = true;
                        Entry {
                            key,
                            value: Slot::new(None),
                        }
                    })
                    .value
                    .set(Some(value));
                if fresh {
                    self.len += 1;
                    self.by_key.entry(key.addr()).or_default().push(id.index);
                }
                fresh
            }
            None => {
                if map.entries.remove(&key.addr()).is_some() {
                    self.len -= 1;
                    self.unindex(key.addr(), id.index);
                }
                false
            }
        }
    }

    fn unindex(&mut self, key: usize, map: u32) {
        if let Some(maps) = self.by_key.get_mut(&key) {
            maps.retain(|&m| m != map);
            if maps.is_empty() {
                self.by_key.remove(&key);
            }
        }
    }

    /// Calls `f` with the value of every entry whose key is `key`, in any
    /// map: reference counting's edges from a key to its values.
    pub fn values_of(&self, key: ObjectRef, mut f: impl FnMut(ObjectRef)) {
        let Some(maps) = self.by_key.get(&key.addr()) else {
            return;
        };
        for &map in maps {
            if let Some(value) = self.maps[map as usize]
                .entries
                .get(&key.addr())
                .and_then(|entry| entry.value.get())
            {
                f(value);
            }
        }
    }

    /// Calls `f` with the value slot of every entry: a collector that moves
    /// objects in place (sliding compaction) rewrites them in its update
    /// pass, as it rewrites the roots. (A copying collector rewrites them
    /// as it copies, through [`EphemeronMarker::mark_from`].)
    pub fn value_slots(&self, mut f: impl FnMut(&Slot)) {
        for map in self.maps.iter().filter(|map| map.owner.is_some()) {
            for entry in map.entries.values() {
                f(&entry.value);
            }
        }
    }

    /// Calls `f` with every entry (map object, key, value): for verifiers
    /// and heap graphs.
    pub fn for_each(&self, mut f: impl FnMut(ObjectRef, ObjectRef, ObjectRef)) {
        for map in &self.maps {
            let Some(owner) = map.owner else { continue };
            for entry in map.entries.values() {
                if let Some(value) = entry.value.get() {
                    f(owner, entry.key, value);
                }
            }
        }
    }

    /// The ephemeron phase of a tracing collection: marks the value of
    /// every entry whose map object and key are marked, and what that
    /// marks, to the closure. Linear in the entries and what they mark:
    /// an entry is looked at once when its map is found alive, and once
    /// more if its key is found alive later (it waits on a list keyed by
    /// the key's address, which only the objects marked in this phase
    /// consult).
    ///
    /// # Safety
    /// - Called in a collection, once ordinary marking is complete, before
    ///   the weak step; no entry is added or removed until the weak step.
    pub unsafe fn trace_values(&self, marker: &mut impl EphemeronMarker) {
        if self.len == 0 {
            return;
        }
        let mut waiting: hashbrown::HashMap<usize, Vec<Waiter>> = hashbrown::HashMap::new();
        let mut ready: Vec<NonNull<Slot>> = Vec::new();
        let mut maps_ready: Vec<u32> = Vec::new();
        for (index, map) in self.maps.iter().enumerate() {
            let Some(owner) = map.owner else { continue };
            if marker.is_live(owner) {
                maps_ready.push(index as u32);
            } else {
                waiting
                    .entry(owner.addr())
                    .or_default()
                    .push(Waiter::Map(index as u32));
            }
        }
        let mut rounds = 0;
        loop {
            for index in maps_ready.drain(..) {
                self.offer(index, marker, &mut ready, &mut waiting);
            }
            if ready.is_empty() || (self.flaw == Flaw::OneRound && rounds == 1) {
                return;
            }
            rounds += 1;
            let batch = std::mem::take(&mut ready);
            marker.mark_from(&batch, &mut |obj| {
                let Some(waiters) = waiting.remove(&obj.addr()) else {
                    return;
                };
                for waiter in waiters {
                    match waiter {
                        Waiter::Map(index) => maps_ready.push(index),
                        Waiter::Entry(index, key) => ready.push(NonNull::from(
                            &self.maps[index as usize].entries[&key].value,
                        )),
                    }
                }
            });
        }
    }

    /// The entries of a live map: a value whose key is marked is ready to
    /// mark; the others wait for their key.
    fn offer(
        &self,
        index: u32,
        marker: &impl EphemeronMarker,
        ready: &mut Vec<NonNull<Slot>>,
        waiting: &mut hashbrown::HashMap<usize, Vec<Waiter>>,
    ) {
        for (&addr, entry) in &self.maps[index as usize].entries {
            if self.flaw == Flaw::ThroughDeadKeys || marker.is_live(entry.key) {
                ready.push(NonNull::from(&entry.value));
            } else {
                waiting
                    .entry(entry.key.addr())
                    .or_default()
                    .push(Waiter::Entry(index, addr));
            }
        }
    }

    /// The weak step for ephemerons (called by
    /// [`WeakTable::sweep`](crate::weak::WeakTable::sweep), with the same
    /// `survivor`): drops every map whose object died and every entry whose
    /// key died, follows moved maps and keys, and rehashes the entries by
    /// their keys' new addresses. `orphan` gets the value of each entry
    /// that went with its map while its key lives (reference counting
    /// uncounts it: it counted the value as the key's).
    ///
    /// # Safety
    /// - As [`WeakTable::sweep`](crate::weak::WeakTable::sweep).
    pub(crate) unsafe fn sweep(
        &mut self,
        survivor: &mut impl FnMut(ObjectRef) -> Option<ObjectRef>,
        orphan: &mut impl FnMut(ObjectRef),
    ) {
        if self.maps.is_empty() {
            return;
        }
        let mut changed = false;
        let rehash = self.flaw != Flaw::NoRehash;
        for (index, map) in self.maps.iter_mut().enumerate() {
            let Some(owner) = map.owner else { continue };
            match survivor(owner) {
                None => {
                    for (_, entry) in map.entries.drain() {
                        if let (Some(_), Some(value)) = (survivor(entry.key), entry.value.get()) {
                            orphan(value);
                        }
                        self.len -= 1;
                    }
                    map.owner = None;
                    changed = true;
                    if let Some(next) = map.generation.checked_add(1) {
                        map.generation = next;
                        self.free.push(index as u32);
                    }
                }
                Some(now) => {
                    map.owner = Some(now);
                    let before = map.entries.len();
                    let mut moved = false;
                    map.entries.retain(|_, entry| match survivor(entry.key) {
                        None => false,
                        Some(key) => {
                            moved |= key != entry.key;
                            entry.key = key;
                            true
                        }
                    });
                    self.len -= before - map.entries.len();
                    changed |= moved || before != map.entries.len();
                    if moved && rehash {
                        map.entries = map
                            .entries
                            .drain()
                            .map(|(_, entry)| (entry.key.addr(), entry))
                            .collect();
                    }
                }
            }
        }
        if changed && rehash {
            self.by_key.clear();
            for (index, map) in self.maps.iter().enumerate() {
                for &key in map.entries.keys() {
                    self.by_key.entry(key).or_default().push(index as u32);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{EphemeronMarker, EphemeronTable};
    use crate::object::ObjectRef;
    use crate::trace::Slot;
    use std::cell::Cell;
    use std::collections::HashSet;
    use std::ptr::NonNull;

    /// A fake object address (never read).
    fn obj(addr: usize) -> ObjectRef {
        // SAFETY: the table only stores and compares it.
        unsafe { ObjectRef::from_addr(addr) }
    }

    /// A marker over a fake graph: `edges[a]` lists what `a` refers to.
    struct Fake {
        marked: HashSet<usize>,
        edges: Vec<(usize, usize)>,
        calls: usize,
    }

    // SAFETY: a fake heap of addresses that are never read.
    unsafe impl EphemeronMarker for Fake {
        fn is_live(&self, obj: ObjectRef) -> bool {
            self.marked.contains(&obj.addr())
        }
        fn mark_from(&mut self, slots: &[NonNull<Slot>], newly: &mut dyn FnMut(ObjectRef)) {
            self.calls += 1;
            // SAFETY: slots of the table, valid for the call.
            let mut stack: Vec<usize> = slots
                .iter()
                .filter_map(|s| unsafe { s.as_ref() }.get())
                .map(ObjectRef::addr)
                .collect();
            while let Some(a) = stack.pop() {
                if self.marked.insert(a) {
                    newly(obj(a));
                    stack.extend(self.edges.iter().filter(|e| e.0 == a).map(|e| e.1));
                }
            }
        }
    }

    /// A chain k0 -> k1 -> ... inserted in reverse order, only k0 and the
    /// map marked: every value is marked, with one marking call per link
    /// (each round releases the next), and no entry is looked at twice.
    #[test]
    fn a_reverse_chain_is_marked_whole() {
        let mut table = EphemeronTable::new();
        let cell = Cell::new(None);
        let map = table.map_id(&cell, obj(0x10));
        let n = 50;
        for i in (0..n).rev() {
            table.put(map, obj(0x1000 + 16 * i), Some(obj(0x1000 + 16 * (i + 1))));
        }
        let mut fake = Fake {
            marked: [0x10, 0x1000].into_iter().collect(),
            edges: Vec::new(),
            calls: 0,
        };
        // SAFETY: fake objects, never read.
        unsafe { table.trace_values(&mut fake) };
        assert_eq!(fake.marked.len(), n + 2);
        assert_eq!(fake.calls, n);
    }
}
