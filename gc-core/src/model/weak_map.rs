//! [`GcWeakMap`] in mutation regions (`Mutation::weak_*`).

use super::{Gc, Mutation};
use crate::collector::Collector;
use crate::ephemeron::GcWeakMap;
use crate::threads::Threads;
use crate::trace::Rebrand;

impl<'gc, C: Collector, Th: Threads> Mutation<'_, 'gc, C, Th> {
    /// Maps `key` to `value` in the weak map `map` (an ephemeron: the entry
    /// keeps `value` alive while `key` lives and `map` is reachable);
    /// returns `true` if `key` had no entry. Keys are compared by identity.
    /// See [`GcWeakMap`].
    pub fn weak_insert<K: Rebrand<'gc>, V: Rebrand<'gc>>(
        &self,
        map: Gc<'gc, GcWeakMap<K, V>>,
        key: Gc<'gc, K::Output>,
        value: Gc<'gc, V::Output>,
    ) -> bool
    where
        K::Output: 'gc,
        V::Output: 'gc,
        GcWeakMap<K, V>: 'gc,
    {
        // SAFETY: this step calls no user code.
        let heap = unsafe { self.heap() };
        // SAFETY: `weak_map_put`'s bullets: pointers of this region, so
        // live objects of this heap, typed as the map's key and value types
        // (up to brand).
        unsafe { heap.weak_map_put(map.object(), key.object(), Some(value.object())) }.is_none()
    }

    /// The value of `key` in `map`, as a pointer of this region, or `None`.
    pub fn weak_get<K: Rebrand<'gc>, V: Rebrand<'gc>>(
        &self,
        map: Gc<'gc, GcWeakMap<K, V>>,
        key: Gc<'gc, K::Output>,
    ) -> Option<Gc<'gc, V::Output>>
    where
        K::Output: 'gc,
        V::Output: 'gc,
        GcWeakMap<K, V>: 'gc,
    {
        // SAFETY: this step calls no user code.
        let heap = unsafe { self.heap() };
        // SAFETY: `weak_map_get`'s bullet: a pointer of this region.
        let value = unsafe { heap.weak_map_get(map.object(), key.object()) }?;
        // SAFETY: an entry's value is a live object of this heap while its
        // map and key are (both are pointers of this region), of the map's
        // value type up to brand (`weak_insert` takes only those); nothing
        // collects until the region ends.
        Some(unsafe { Gc::from_object(value) })
    }

    /// Removes `key`'s entry from `map`; returns `true` if there was one.
    pub fn weak_remove<K: Rebrand<'gc>, V: Rebrand<'gc>>(
        &self,
        map: Gc<'gc, GcWeakMap<K, V>>,
        key: Gc<'gc, K::Output>,
    ) -> bool
    where
        K::Output: 'gc,
        GcWeakMap<K, V>: 'gc,
    {
        // SAFETY: this step calls no user code.
        let heap = unsafe { self.heap() };
        // SAFETY: `weak_map_put`'s bullets: pointers of this region.
        unsafe { heap.weak_map_put(map.object(), key.object(), None) }.is_some()
    }

    /// The number of entries of `map`: those whose key no collection has
    /// found dead yet.
    pub fn weak_len<K, V>(&self, map: Gc<'gc, GcWeakMap<K, V>>) -> usize
    where
        GcWeakMap<K, V>: 'gc,
    {
        // SAFETY: this step calls no user code.
        let heap = unsafe { self.heap() };
        // SAFETY: `weak_map_len`'s bullet: a pointer of this region.
        unsafe { heap.weak_map_len(map.object()) }
    }
}
