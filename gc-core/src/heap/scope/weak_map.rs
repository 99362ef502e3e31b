//! [`GcWeakMap`] through the handle API (`Scope::weak_*`), and the heap's
//! half that both APIs share.

use super::Scope;
use crate::collector::Collector;
use crate::ephemeron::GcWeakMap;
use crate::handle::Root;
use crate::heap::Heap;
use crate::object::ObjectRef;
use crate::threads::Threads;
use crate::trace::Slot;

/// The map object's id cell.
///
/// # Safety
/// - `map` is a live `GcWeakMap` object (of any key and value types: its
///   layout does not depend on them), and the reference is dropped before
///   anything can collect.
unsafe fn id_of<'a>(map: ObjectRef) -> &'a GcWeakMap<(), ()> {
    // SAFETY: `map` is a live, initialised `GcWeakMap` (this function's
    // bullet), whose layout is the same for every `K` and `V` (they appear
    // only in `PhantomData`).
    unsafe { map.payload().cast::<GcWeakMap<(), ()>>().as_ref() }
}

impl<C: Collector, Th: Threads> Heap<C, Th> {
    /// Sets the value of `key` in `map` to `value` (`None`: removes it);
    /// returns the old value.
    ///
    /// # Safety
    /// - `map` is a live `GcWeakMap` object of this heap, `key` and `value`
    ///   live objects of this heap (of the map's key and value types).
    pub(crate) unsafe fn weak_map_put(
        &mut self,
        map: ObjectRef,
        key: ObjectRef,
        value: Option<ObjectRef>,
    ) -> Option<ObjectRef> {
        // SAFETY: `id_of`'s bullet: `map` is a live `GcWeakMap` (this
        // function's bullet); the reference is used only in this step.
        let cell = unsafe { id_of(map) }.id();
        if value.is_none() && cell.get().is_none() {
            return None;
        }
        let table = self.collector.weak_table_mut().ephemerons_mut();
        let fresh_map = cell.get().is_none();
        let id = table.map_id(cell, map);
        let old = Slot::new(table.get(Some(id), key));
        // SAFETY: `write_barrier`'s bullets: `key` is a live object of this
        // heap (this function's bullet) and `old` a copy of the value slot
        // of its entry in `map`, written back just below; `value` is `None`
        // or a live object of this heap (this function's bullet).
        unsafe { self.collector.write_barrier(key, &old, value) };
        let table = self.collector.weak_table_mut().ephemerons_mut();
        let before = table.get(Some(id), key);
        if table.put(id, key, old.get()) {
            // SAFETY: `ephemeron`'s bullet: `key` is live (this function's
            // bullet).
            unsafe { self.collector.ephemeron(key) };
        }
        if fresh_map {
            // SAFETY: `ephemeron`'s bullet: `map` is live (this function's
            // bullet).
            unsafe { self.collector.ephemeron(map) };
        }
        before
    }

    /// The value of `key` in `map`, if any.
    ///
    /// # Safety
    /// - `map` is a live `GcWeakMap` object of this heap.
    pub(crate) unsafe fn weak_map_get(&self, map: ObjectRef, key: ObjectRef) -> Option<ObjectRef> {
        // SAFETY: `id_of`'s bullet: `map` is a live `GcWeakMap` (this
        // function's bullet); the reference is used only in this step.
        let id = unsafe { id_of(map) }.id().get();
        let value = self.collector.weak_table().ephemerons().get(id, key)?;
        // SAFETY: `weak_read`'s bullet: an entry's value is live while the
        // map and the key are (the key is behind a root or a region pointer).
        unsafe { self.collector.weak_read(value) };
        Some(value)
    }

    /// The number of entries of `map`.
    ///
    /// # Safety
    /// - `map` is a live `GcWeakMap` object of this heap.
    pub(crate) unsafe fn weak_map_len(&self, map: ObjectRef) -> usize {
        // SAFETY: `id_of`'s bullet: `map` is a live `GcWeakMap` (this
        // function's bullet); the reference is used only in this step.
        let id = unsafe { id_of(map) }.id().get();
        self.collector.weak_table().ephemerons().map_len(id)
    }
}

impl<'s, C: Collector, Th: Threads> Scope<'s, C, Th> {
    /// Maps `key`'s object to `value`'s object in the weak map `map` (an
    /// ephemeron: the entry keeps `value` alive while `key` lives and `map`
    /// is reachable); returns `true` if `key` had no entry. Keys are
    /// compared by identity. See [`GcWeakMap`].
    ///
    /// # Panics
    /// If a root belongs to another heap.
    pub fn weak_insert<K, V>(
        &mut self,
        map: Root<'_, GcWeakMap<K, V>>,
        key: Root<'_, K>,
        value: Root<'_, V>,
    ) -> bool {
        let (map, key, value) = (self.object(map), self.object(key), self.object(value));
        // SAFETY: `weak_map_put`'s bullets: roots of this heap (checked),
        // typed as the map's key and value types.
        unsafe { self.heap.weak_map_put(map, key, Some(value)) }.is_none()
    }

    /// The value of `key` in `map`, rooted in this scope, or `None`.
    ///
    /// # Panics
    /// If a root belongs to another heap.
    pub fn weak_get<K, V>(
        &self,
        map: Root<'_, GcWeakMap<K, V>>,
        key: Root<'_, K>,
    ) -> Option<Root<'s, V>> {
        let (map, key) = (self.object(map), self.object(key));
        // SAFETY: `weak_map_get`'s bullet: a root of this heap (checked).
        let value = unsafe { self.heap.weak_map_get(map, key) }?;
        Some(Root::new(self.heap.roots.push(value), self.heap.id))
    }

    /// Removes `key`'s entry from `map`; returns `true` if there was one.
    ///
    /// # Panics
    /// If a root belongs to another heap.
    pub fn weak_remove<K, V>(&mut self, map: Root<'_, GcWeakMap<K, V>>, key: Root<'_, K>) -> bool {
        let (map, key) = (self.object(map), self.object(key));
        // SAFETY: `weak_map_put`'s bullets: roots of this heap (checked).
        unsafe { self.heap.weak_map_put(map, key, None) }.is_some()
    }

    /// The number of entries of `map`: those whose key no collection has
    /// found dead yet.
    ///
    /// # Panics
    /// If the root belongs to another heap.
    pub fn weak_len<K, V>(&self, map: Root<'_, GcWeakMap<K, V>>) -> usize {
        let map = self.object(map);
        // SAFETY: `weak_map_len`'s bullet: a root of this heap (checked).
        unsafe { self.heap.weak_map_len(map) }
    }
}
