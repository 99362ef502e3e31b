//! Weak references: [`GcWeak`], a handle that names an object without
//! keeping it alive, and [`WeakTable`], the side table every backend keeps
//! and clears at each collection. The semantics are in `docs/WEAK.md`.
//!
//! A `GcWeak` holds no pointer: it is an index into its heap's table plus
//! the entry's generation and the table's id, so it can be copied anywhere
//! (into objects, `Vec`s, other threads' data) and compared and hashed
//! stably. The table holds the object's address for as long as the object
//! lives; a collection clears the entries of the objects it found dead, and
//! moves the others' addresses with their objects, in one step after
//! tracing and before anything dead is finalised or freed. A cleared
//! entry's generation goes up, so every handle to it upgrades to `None`
//! forever, even after the entry is reused.
//!
//! ```
//! use gc_core::{Gc, Heap, HeapConfig, Trace};
//!
//! #[derive(Trace, Default)]
//! struct Node { value: u64, next: Gc<Node> }
//!
//! let mut heap = Heap::<gc_copying::Copying>::new(HeapConfig::default()).unwrap();
//! heap.scope("main", |s| {
//!     let kept = s.alloc(Node { value: 1, ..Node::default() });
//!     let weak_kept = s.downgrade(kept);
//!     let weak_gone = s.scope("temp", |s| {
//!         let temp = s.alloc(Node { value: 2, ..Node::default() });
//!         s.downgrade(temp)
//!     });
//!     s.collect(); // `kept` is rooted and moves; `temp` is garbage
//!     let again = s.upgrade(&weak_kept).expect("rooted, so alive");
//!     assert_eq!(s.get(again).value, 1);
//!     assert!(s.upgrade(&weak_gone).is_none());
//! });
//! ```

use crate::ephemeron::EphemeronTable;
use crate::object::ObjectRef;
use crate::trace::{NoGc, Rebrand, Trace, Tracer};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering};

/// A weak reference to an object of type `T`: it does not keep the object
/// alive, and [upgrades](crate::Scope::upgrade) to a strong reference while
/// the object lives. Made by [`Scope::downgrade`](crate::Scope::downgrade)
/// or [`Mutation::downgrade`](crate::model::Mutation::downgrade).
///
/// It is a plain value (no pointer, `Copy`, `Send`, `Sync`): store it in
/// heap objects (it is a traced leaf that keeps nothing alive), in Rust
/// collections, anywhere. Two weak references are equal exactly when they
/// were made from the same object during its life (downgrading one object
/// twice gives equal references), and their equality and hash never change
/// when the object dies or moves. Using one with a heap other than the one
/// that made it panics.
///
/// For object-model types, `T` is the type with its brand replaced by
/// `'static` (as for [`Persistent`](crate::model::Persistent)):
/// `GcWeak<Table<'static>>`.
pub struct GcWeak<T: ?Sized> {
    table: u64,
    index: u32,
    generation: u32,
    _type: PhantomData<fn() -> T>,
}

impl<T: ?Sized> GcWeak<T> {
    /// The table and entry it names, for its heap.
    pub(crate) fn key(&self) -> (u64, u32, u32) {
        (self.table, self.index, self.generation)
    }
}

impl<T: ?Sized> Clone for GcWeak<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T: ?Sized> Copy for GcWeak<T> {}

impl<T: ?Sized> PartialEq for GcWeak<T> {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}
impl<T: ?Sized> Eq for GcWeak<T> {}

impl<T: ?Sized> Hash for GcWeak<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key().hash(state)
    }
}

impl<T: ?Sized> fmt::Debug for GcWeak<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "GcWeak<{}>(table {}, entry {}.{})",
            std::any::type_name::<T>(),
            self.table,
            self.index,
            self.generation
        )
    }
}

// SAFETY: holds no heap pointer (an index and two numbers), so it reports
// nothing (rules 1, 2) and keeps nothing alive.
unsafe impl<T: ?Sized> Trace for GcWeak<T> {
    const NEEDS_TRACE: bool = false;
    const MODEL_POINTERS: bool = false;
    const HANDLE_POINTERS: bool = false;
    fn trace(&self, _: &mut Tracer) {}
}

// SAFETY: owns no `Gc`.
unsafe impl<T: ?Sized> NoGc for GcWeak<T> {}

// SAFETY: numbers only, the same in every region; `T` is already the type
// with a `'static` brand (or an unbranded one), which upgrading rebrands.
unsafe impl<'a, T: ?Sized> Rebrand<'a> for GcWeak<T> {
    type Output = GcWeak<T>;
}

// SAFETY: numbers only; the table it names is reached only through the
// heap that owns it.
unsafe impl<T: ?Sized> crate::HeapSend for GcWeak<T> {}

/// One entry: the object's current address while it lives.
#[derive(Clone, Copy)]
struct Entry {
    target: Option<ObjectRef>,
    generation: u32,
}

/// Hands out table ids, never twice in a process.
static NEXT_TABLE: AtomicU64 = AtomicU64::new(1);

/// A backend's weak-reference table (see the [module docs](self)): each
/// backend owns one, hands it to the heap ([`Collector::weak_table`](crate::Collector::weak_table)),
/// and [sweeps](WeakTable::sweep) it in every collection.
pub struct WeakTable {
    /// Never reused by another table, so a handle of a dropped heap never
    /// names an entry of a live one.
    id: u64,
    entries: Vec<Entry>,
    /// The entry of each object that has one, by address: downgrading an
    /// object twice gives the same entry, so the table holds at most one
    /// entry per live object.
    by_address: hashbrown::HashMap<usize, u32>,
    /// Cleared entries to reuse.
    free: Vec<u32>,
    /// The heap's weak maps' entries, swept in the same step.
    ephemerons: EphemeronTable,
}

impl Default for WeakTable {
    fn default() -> Self {
        WeakTable {
            id: NEXT_TABLE.fetch_add(1, Ordering::Relaxed),
            entries: Vec::new(),
            by_address: hashbrown::HashMap::new(),
            free: Vec::new(),
            ephemerons: EphemeronTable::new(),
        }
    }
}

impl WeakTable {
    /// An empty table.
    pub fn new() -> WeakTable {
        WeakTable::default()
    }

    /// Entries that refer to a live object.
    pub fn len(&self) -> usize {
        self.by_address.len()
    }

    /// `true` if no entry refers to an object.
    pub fn is_empty(&self) -> bool {
        self.by_address.is_empty()
    }

    /// The ephemerons of the heap's [`GcWeakMap`](crate::GcWeakMap)s.
    pub fn ephemerons(&self) -> &EphemeronTable {
        &self.ephemerons
    }

    /// [`WeakTable::ephemerons`], for the heap to add entries and for the
    /// seeded bugs' tests.
    pub fn ephemerons_mut(&mut self) -> &mut EphemeronTable {
        &mut self.ephemerons
    }

    /// A weak reference to `obj`: its entry, made on the first request.
    ///
    /// # Safety
    /// - `obj` is a live object of the heap that owns this table, of type
    ///   `T` (the handle will upgrade to a `T`).
    pub(crate) unsafe fn downgrade<T: ?Sized>(&mut self, obj: ObjectRef) -> GcWeak<T> {
        let entries = &mut self.entries;
        let free = &mut self.free;
        let index = *self.by_address.entry(obj.addr()).or_insert_with(|| {
            let entry = Entry {
                target: Some(obj),
                generation: 0,
            };
            match free.pop() {
                Some(index) => {
                    let slot = &mut entries[index as usize];
                    *slot = Entry {
                        generation: slot.generation,
                        ..entry
                    };
                    index
                }
                None => {
                    entries.push(entry);
                    u32::try_from(entries.len() - 1).expect("more than 2^32 weak entries")
                }
            }
        });
        GcWeak {
            table: self.id,
            index,
            generation: self.entries[index as usize].generation,
            _type: PhantomData,
        }
    }

    /// The object `weak` refers to, if it is alive.
    ///
    /// # Panics
    /// If `weak` was made by another heap.
    ///
    /// Not for handing the object to the program: that goes through
    /// [`Heap::upgrade`](crate::Heap), which runs the collector's read
    /// barrier ([`Collector::weak_read`](crate::Collector::weak_read)).
    #[inline]
    pub(crate) fn target<T: ?Sized>(&self, weak: &GcWeak<T>) -> Option<ObjectRef> {
        if weak.table != self.id {
            wrong_table(weak.table, self.id);
        }
        let entry = self.entries[weak.index as usize];
        if entry.generation != weak.generation {
            return None;
        }
        entry.target
    }

    /// The collection's weak step: asks `survivor` for the object of every
    /// entry; clears the entry of each object it says died (`None`: every
    /// handle to it upgrades to `None` from now on), and moves the others
    /// to the address it gives. In the same step, the
    /// [ephemerons](crate::ephemeron) of dead keys and of dead maps vanish,
    /// and moved keys are rehashed.
    ///
    /// # Safety
    /// - Called once in every collection, after it has decided which
    ///   objects die, and before the memory of any of them is reused or any
    ///   code that could upgrade a weak reference runs (destructors cannot:
    ///   they have no scope). A tracing backend calls it between marking
    ///   (or copying) and sweeping; reference counting after its frees.
    /// - `survivor(obj)` is `Some(address)` exactly for the objects that
    ///   survive this collection, with the address each has after it (the
    ///   same on a non-moving backend). Every `obj` it is asked about was a
    ///   live object of this heap when the collection started.
    pub unsafe fn sweep(&mut self, survivor: impl FnMut(ObjectRef) -> Option<ObjectRef>) {
        // SAFETY: forwarded to the caller.
        unsafe { self.sweep_orphans(survivor, |_| {}) }
    }

    /// [`WeakTable::sweep`], and `orphan` gets the value of each weak-map
    /// entry that went with its map while its key lives (reference
    /// counting counted it as a reference held by the key, and uncounts it).
    ///
    /// # Safety
    /// - As [`WeakTable::sweep`].
    pub unsafe fn sweep_orphans(
        &mut self,
        mut survivor: impl FnMut(ObjectRef) -> Option<ObjectRef>,
        mut orphan: impl FnMut(ObjectRef),
    ) {
        // SAFETY: forwarded to the caller.
        unsafe { self.ephemerons.sweep(&mut survivor, &mut orphan) };
        if self.by_address.is_empty() {
            return;
        }
        let mut moved = false;
        for (index, entry) in self.entries.iter_mut().enumerate() {
            let Some(obj) = entry.target else { continue };
            match survivor(obj) {
                Some(now) => {
                    moved |= now != obj;
                    entry.target = Some(now);
                }
                None => {
                    entry.target = None;
                    self.by_address.remove(&obj.addr());
                    // A handle names (index, generation): a generation
                    // used up retires the entry instead of repeating.
                    if let Some(next) = entry.generation.checked_add(1) {
                        entry.generation = next;
                        self.free.push(index as u32);
                    }
                }
            }
        }
        if moved {
            self.by_address.clear();
            for (index, entry) in self.entries.iter().enumerate() {
                if let Some(obj) = entry.target {
                    self.by_address.insert(obj.addr(), index as u32);
                }
            }
        }
    }
}

#[cold]
#[inline(never)]
#[track_caller]
fn wrong_table(weak: u64, heap: u64) -> ! {
    panic!("a weak reference of another heap (weak table {weak}) was used with this heap's (table {heap})")
}

#[cfg(test)]
mod tests {
    use super::{GcWeak, WeakTable};
    use crate::object::ObjectRef;

    /// A fake object address (never read: the tests' survivors answer
    /// without looking at it).
    fn obj(addr: usize) -> ObjectRef {
        // SAFETY: the table only stores and compares it.
        unsafe { ObjectRef::from_addr(addr) }
    }

    /// An entry whose generation is used up is retired, never reused: a
    /// handle to its last object can then never name a later object (with
    /// wrapping generations, one handle in 2^32 reuses would).
    #[test]
    fn a_used_up_generation_retires_its_entry() {
        let mut table = WeakTable::new();
        // SAFETY: the table does not read the fake object.
        let first: GcWeak<u64> = unsafe { table.downgrade(obj(0x1000)) };
        table.entries[first.index as usize].generation = u32::MAX - 1;
        let mut handles = vec![first];
        for round in 0..2 {
            // SAFETY: the survivor says every object died.
            unsafe { table.sweep(|_| None) };
            // SAFETY: the table does not read the fake object.
            let weak: GcWeak<u64> = unsafe { table.downgrade(obj(0x2000 + 16 * round)) };
            handles.push(weak);
        }
        // SAFETY: a test table of fake objects, never read: the survivor
        // (every object died) is all the sweep consults.
        unsafe { table.sweep(|_| None) };
        assert_eq!(
            handles[1].index, first.index,
            "reused at generation u32::MAX"
        );
        assert_eq!(handles[1].generation, u32::MAX);
        assert_ne!(handles[2].index, first.index, "then the entry is retired");
        assert!(handles.iter().all(|w| table.target(w).is_none()));
    }

    /// Downgrading one object twice gives one entry; a moved object keeps
    /// its entry and is found at its new address.
    #[test]
    fn one_entry_per_object_and_moves_followed() {
        let mut table = WeakTable::new();
        // SAFETY: the table does not read the fake objects.
        let (a, b): (GcWeak<u64>, GcWeak<u64>) =
            unsafe { (table.downgrade(obj(0x1000)), table.downgrade(obj(0x1000))) };
        assert_eq!(a, b);
        assert_eq!(table.len(), 1);
        // SAFETY: the survivor moves the object.
        unsafe { table.sweep(|_| Some(obj(0x3000))) };
        assert_eq!(table.target(&a), Some(obj(0x3000)));
        // SAFETY: the fake object is never read; it is the moved object's
        // address, whose entry this finds.
        let c: GcWeak<u64> = unsafe { table.downgrade(obj(0x3000)) };
        assert_eq!(a, c, "found by its new address");
    }
}
