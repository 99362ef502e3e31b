//! The object model's conformance checks ([`model`](gc_core::model)): value
//! slots that change variant, vectors, maps by value and by identity,
//! persistent roots, wholesale changes behind one barrier, charged memory.
//! Like the rest of the suite, each takes a [`Mode`] and panics on failure;
//! the verifier runs after every collection, so reference counting's counts
//! are checked after each wholesale change.

use super::conformance::Mode;
use super::{DropCounter, Drops};
use gc_core::model::{Charge, Gc, GcHash, GcMap, GcVec, Lock, Mutation, RefLock};
use gc_core::{Collector, GcErrorKind, Heap, HeapConfig, Root, Scope, Threads, Trace};
use std::cell::Cell;
use std::hash::Hasher;

/// A dynamic language's value: numbers unboxed, objects by reference.
#[derive(Trace, Clone, Copy, Debug)]
pub enum Value<'gc> {
    /// No value.
    Nil,
    /// An unboxed number.
    Num(f64),
    /// A reference to an object.
    Obj(Gc<'gc, Obj<'gc>>),
}

/// An object with a value slot, an array part and a hash part.
#[derive(Trace)]
pub struct Obj<'gc> {
    /// A label that must survive collections intact.
    pub label: u64,
    /// A slot rewritten across variants.
    pub slot: Lock<Value<'gc>>,
    /// The array part.
    pub items: RefLock<GcVec<'gc, Value<'gc>>>,
    /// The hash part, keyed by strings.
    pub fields: RefLock<GcMap<'gc, String, Value<'gc>>>,
    /// Counts the object's drop, when set.
    pub counter: Option<DropCounter>,
}

fn heap<C: Collector>(mode: Mode) -> Heap<C> {
    Heap::new(mode.config()).expect("valid config")
}

fn obj<'gc, C: Collector>(m: &Mutation<'_, 'gc, C>, label: u64) -> Gc<'gc, Obj<'gc>> {
    m.alloc(obj_fields(m, label))
}

fn obj_fields<'gc, C: Collector>(m: &Mutation<'_, 'gc, C>, label: u64) -> Obj<'gc> {
    Obj {
        label,
        slot: Lock::new(Value::Nil),
        items: RefLock::new(GcVec::new(m)),
        fields: RefLock::new(GcMap::new(m)),
        counter: None,
    }
}

fn objects<C: Collector>(s: &Scope<'_, C>) -> usize {
    s.usage().objects
}

fn label(value: Value<'_>) -> Option<u64> {
    match value {
        Value::Obj(o) => Some(o.label),
        _ => None,
    }
}

/// A value slot goes from `Nil` to a number to an object and back; what it
/// last referred to is freed once nothing refers to it.
pub fn model_value_slots_change_variant<C: Collector>(mode: Mode) {
    let mut heap = heap::<C>(mode);
    heap.scope("main", |s| {
        let holder: Root<'_, Obj<'static>> = s.mutate(|m| {
            let holder = obj(m, 1);
            m.write(holder).project(|o| &o.slot).set(Value::Num(2.5));
            m.root(holder)
        });
        s.collect();
        s.mutate(|m| {
            let holder = m.get(holder);
            assert!(matches!(holder.slot.get(), Value::Num(n) if n == 2.5));
            m.write(holder)
                .project(|o| &o.slot)
                .set(Value::Obj(obj(m, 2)));
        });
        s.collect();
        assert_eq!(
            objects(s),
            2,
            "the holder and the object its slot refers to"
        );
        s.mutate(|m| {
            let holder = m.get(holder);
            assert_eq!(label(holder.slot.get()), Some(2));
            m.write(holder).project(|o| &o.slot).set(Value::Nil);
        });
        s.collect();
        assert_eq!(
            objects(s),
            1,
            "the object the slot no longer refers to is freed"
        );
        s.mutate(|m| assert_eq!(m.get(holder).label, 1));
    });
}

/// A vector of values: push, store, pop, insert, remove, truncate and
/// retain, with collections between, and what falls out of it freed.
pub fn model_vectors_grow_and_shrink<C: Collector>(mode: Mode) {
    let len = mode.size(2000, 100) as u64;
    let mut heap = heap::<C>(mode);
    heap.scope("main", |s| {
        let array = s.mutate(|m| {
            let array = obj(m, 0);
            let write = m.write(array).project(|o| &o.items);
            for i in 1..=len {
                write.borrow_mut().push(Value::Obj(obj(m, i)));
            }
            m.root(array)
        });
        s.collect();
        assert_eq!(objects(s) as u64, len + 1);
        s.mutate(|m| {
            let array = m.get(array);
            let items = array.items.borrow();
            let labels: Vec<_> = items.iter().map(|v| label(*v).unwrap()).collect();
            assert_eq!(labels, (1..=len).collect::<Vec<_>>());
        });
        s.mutate(|m| {
            let array = m.get(array);
            let mut items = m.write(array).project(|o| &o.items).borrow_mut();
            items[0] = Value::Num(0.5); // object 1 dropped: Obj -> Num in place
            let last = items.pop().unwrap(); // object len
            items.insert(1, last);
            items.remove(2); // object 2
            items.truncate(10); // keeps objects len, 3..=10
            items.retain(|v| label(*v).is_none_or(|l| l % 2 == 0 || l == len));
        });
        s.collect();
        s.mutate(|m| {
            let array = m.get(array);
            let items = array.items.borrow();
            let labels: Vec<_> = items.iter().map(|v| label(*v)).collect();
            let mut expected = vec![None, Some(len)];
            expected.extend((3..=10).filter(|l| l % 2 == 0).map(Some));
            assert_eq!(labels, expected);
        });
        assert_eq!(
            objects(s),
            1 + 1 + 4,
            "the array, object len and 4, 6, 8, 10"
        );
    });
}

/// A vector or map holding only numbers is not traced entry by entry
/// (`GcVec`'s `pointer_free`), so each way a pointer can enter one must be
/// seen: `push`, `insert`, an indexed store, `iter_mut`, a map insert (new
/// key, and replacing a number), `get_mut` and a mutating `retain`. After
/// each, a collection must keep the object stored (its label intact, not
/// dropped); emptied and refilled with numbers, the containers drop it
/// exactly once.
pub fn model_number_only_containers_gain_pointers<C: Collector>(mode: Mode) {
    const WAYS: u64 = 8;
    let drops = Drops::default();
    fn numbers<'gc, C: Collector>(m: &Mutation<'_, 'gc, C>, holder: Gc<'gc, Obj<'gc>>) {
        let mut items = m.write(holder).project(|o| &o.items).borrow_mut();
        let mut fields = m.write(holder).project(|o| &o.fields).borrow_mut();
        items.clear();
        fields.clear();
        for i in 0..4 {
            items.push(Value::Num(f64::from(i)));
            fields.insert(m, i.to_string(), Value::Num(f64::from(i)));
        }
    }
    let mut heap = heap::<C>(mode);
    heap.scope("main", |s| {
        let holder = s.mutate(|m| {
            let holder = obj(m, 0);
            numbers(m, holder);
            m.root(holder)
        });
        for way in 0..WAYS {
            let id = 100 + way;
            s.collect(); // the containers hold numbers only
            s.mutate(|m| {
                let holder = m.get(holder);
                let target = Value::Obj(m.alloc(Obj {
                    counter: Some(drops.counter(id as u32)),
                    ..obj_fields(m, id)
                }));
                let mut items = m.write(holder).project(|o| &o.items).borrow_mut();
                let mut fields = m.write(holder).project(|o| &o.fields).borrow_mut();
                match way {
                    0 => items.push(target),
                    1 => items.insert(2, target),
                    2 => items[1] = target,
                    3 => *items.iter_mut().last().expect("four numbers") = target,
                    4 => assert!(fields.insert(m, "new".to_string(), target).is_none()),
                    5 => assert!(fields.insert(m, "0".to_string(), target).is_some()),
                    6 => *fields.get_mut(m, &"1".to_string()).expect("a number") = target,
                    _ => fields.retain(|key, value| {
                        if key == "2" {
                            *value = target;
                        }
                        true
                    }),
                }
            });
            s.collect();
            s.mutate(|m| {
                let holder = m.get(holder);
                let items = holder.items.borrow();
                let fields = holder.fields.borrow();
                let labels: Vec<u64> = items
                    .iter()
                    .chain(fields.iter(m).map(|(_, v)| v))
                    .filter_map(|v| label(*v))
                    .collect();
                assert_eq!(labels, [id], "way {way}: the stored object survives intact");
                assert_eq!(
                    drops.count(id as u32),
                    0,
                    "way {way}: a live object was dropped"
                );
                drop((items, fields));
                numbers(m, holder);
            });
        }
        s.collect();
        assert_eq!(objects(s), 1, "only the holder is left");
    });
    assert_eq!(drops.total(), WAYS as usize);
    drops.assert_no_double_drop();
}

/// A map keyed by strings, and one keyed by object identity, keep finding
/// their entries across collections (which move objects on a moving
/// backend: the identity map, hashed by address, rehashes itself on its
/// first use after each); removed values are freed.
pub fn model_maps_by_value_and_identity<C: Collector>(mode: Mode) {
    let n = mode.size(500, 50) as u64;
    let mut heap = heap::<C>(mode);
    heap.scope("main", |s| {
        type ById<'gc> = RefLock<GcMap<'gc, Gc<'gc, Obj<'gc>>, u64>>;
        let (table, by_id, keys) = s.mutate(|m| {
            let table = obj(m, 0);
            let by_id: Gc<'_, ById<'_>> = m.alloc(RefLock::new(GcMap::new(m)));
            let keys = obj(m, 1);
            for i in 0..n {
                let value = obj(m, 100 + i);
                m.write(table).project(|o| &o.fields).borrow_mut().insert(
                    m,
                    format!("k{i}"),
                    Value::Obj(value),
                );
                m.write(keys)
                    .project(|o| &o.items)
                    .borrow_mut()
                    .push(Value::Obj(value));
                by_id.borrow_mut(m).insert(m, value, 100 + i);
            }
            (m.root(table), m.root(by_id), m.root(keys))
        });
        s.collect();
        s.collect();
        s.mutate(|m| {
            let (table, by_id, keys) = (m.get(table), m.get(by_id), m.get(keys));
            let fields = table.fields.borrow();
            for (i, key) in keys.items.borrow().iter().enumerate() {
                let Value::Obj(key) = *key else {
                    panic!("a key is an object")
                };
                assert_eq!(by_id.borrow().get(m, &key), Some(&(100 + i as u64)));
                let found = fields.get(m, &format!("k{i}")).copied().and_then(label);
                assert_eq!(found, Some(100 + i as u64));
            }
            assert_eq!(fields.len() as u64, n);
            // The identity map rehashed itself (its keys moved, on a moving
            // backend) in its own buffer: no allocation, even in stress mode.
            assert!(!m.collection_due(), "lookups allocated");
        });
        s.mutate(|m| {
            let (table, by_id, keys) = (m.get(table), m.get(by_id), m.get(keys));
            let mut fields = m.write(table).project(|o| &o.fields).borrow_mut();
            for i in (0..n).step_by(2) {
                assert!(fields.remove(m, &format!("k{i}")).is_some());
            }
            by_id.borrow_mut(m).retain(|_, v| *v % 2 == 1);
            m.write(keys)
                .project(|o| &o.items)
                .borrow_mut()
                .retain(|v| label(*v).unwrap() % 2 == 1);
        });
        s.collect();
        assert_eq!(
            objects(s) as u64,
            3 + n / 2,
            "table, map, key list, odd values"
        );
    });
}

/// A key by identity whose `gc_hash` may look itself up in the map that
/// holds it (`Home::lookup`) or panic (`Home::panics`).
#[derive(Trace, Clone, Copy)]
struct Nosy<'gc> {
    obj: Gc<'gc, Obj<'gc>>,
    home: Gc<'gc, Home<'gc>>,
}

/// The map of [`Nosy`] keys and what their hashes did.
#[derive(Trace)]
struct Home<'gc> {
    map: RefLock<GcMap<'gc, Nosy<'gc>, u64>>,
    /// Set: the next `gc_hash` looks its key up (one level deep).
    lookup: Cell<bool>,
    /// Set: every `gc_hash` panics.
    panics: Cell<bool>,
    /// Nested lookups made, and how many found their key's value.
    nested: Cell<u64>,
    found: Cell<u64>,
}

impl<'gc> GcHash<'gc> for Nosy<'gc> {
    fn gc_hash<C: Collector, Th: Threads, H: Hasher>(
        &self,
        m: &Mutation<'_, 'gc, C, Th>,
        state: &mut H,
    ) {
        let home = self.home;
        assert!(!home.panics.get(), "a key's gc_hash panics");
        if home.lookup.replace(false) {
            home.nested.set(home.nested.get() + 1);
            if home.map.borrow().get(m, self) == Some(&self.obj.label) {
                home.found.set(home.found.get() + 1);
            }
            home.lookup.set(true);
        }
        self.obj.gc_hash(m, state);
    }
    fn gc_eq(&self, other: &Self) -> bool {
        Gc::ptr_eq(self.obj, other.obj)
    }
    const BY_ADDRESS: bool = true;
}

/// The key for the `i`th object of `keys` in `home`.
fn nosy<'gc>(home: Gc<'gc, Home<'gc>>, keys: Gc<'gc, Obj<'gc>>, i: usize) -> Nosy<'gc> {
    let Value::Obj(obj) = keys.items.borrow()[i] else {
        panic!("a key is an object")
    };
    Nosy { obj, home }
}

/// A key's `gc_hash` may read the map that holds it, even while that map
/// rehashes after its keys moved: the nested lookup finds the map
/// mid-rehash, scans, and still finds the key; a `gc_hash` that panics
/// mid-rehash leaves the map stale, to rehash again at its next use, with
/// every entry still there. (On the non-moving backends no rehash happens:
/// the same program checks that nested lookups and a panicking hash are
/// harmless there too.)
pub fn model_identity_keys_may_use_their_map_while_it_rehashes<C: Collector>(mode: Mode) {
    let n = mode.size(200, 20) as u64;
    let moves = C::CAPABILITIES.moves_objects;
    let mut heap = heap::<C>(mode);
    heap.scope("main", |s| {
        let (home, keys) = s.mutate(|m| {
            let home = m.alloc(Home {
                map: RefLock::new(GcMap::new(m)),
                lookup: Cell::new(false),
                panics: Cell::new(false),
                nested: Cell::new(0),
                found: Cell::new(0),
            });
            let keys = obj(m, 0);
            for i in 0..n {
                let key = obj(m, 100 + i);
                let mut items = m.write(keys).project(|o| &o.items).borrow_mut();
                items.push(Value::Obj(key));
                let mut map = m.write(home).project(|h| &h.map).borrow_mut();
                map.insert(m, Nosy { obj: key, home }, 100 + i);
            }
            (m.root(home), m.root(keys))
        });
        s.collect();
        s.mutate(|m| {
            let (home, keys) = (m.get(home), m.get(keys));
            home.lookup.set(true);
            assert_eq!(home.map.borrow().get(m, &nosy(home, keys, 0)), Some(&100));
            home.lookup.set(false);
            // Moved keys: one nested lookup per key while rehashing, then
            // the query key's own, after.
            let expected = if moves { n + 1 } else { 1 };
            assert_eq!(home.nested.get(), expected, "nested lookups");
            assert_eq!(
                home.found.get(),
                expected,
                "nested lookups that found their key"
            );
        });
        s.collect();
        s.mutate(|m| {
            let (home, keys) = (m.get(home), m.get(keys));
            home.panics.set(true);
            let first = nosy(home, keys, 0);
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                home.map.borrow().get(m, &first).copied()
            }));
            assert!(result.is_err(), "the key's gc_hash panicked");
            home.panics.set(false);
            // Still stale, so the next use rehashes (nested lookups again).
            let before = home.nested.get();
            home.lookup.set(true);
            assert_eq!(home.map.borrow().get(m, &first), Some(&100));
            home.lookup.set(false);
            let expected = if moves { n + 1 } else { 1 };
            assert_eq!(
                home.nested.get() - before,
                expected,
                "rehashed after the panic"
            );
            let map = home.map.borrow();
            for i in 0..n as usize {
                assert_eq!(
                    map.get(m, &nosy(home, keys, i)),
                    Some(&(100 + i as u64)),
                    "key {i}"
                );
            }
            assert_eq!(map.len() as u64, n);
        });
    });
}

/// Persistent roots keep objects alive across separate `heap.scope` calls
/// with collections between, follow them when they move, and release them
/// when the last handle is dropped.
pub fn model_persistent_roots_outlive_scopes<C: Collector>(mode: Mode) {
    let mut heap = heap::<C>(mode);
    let global = heap.scope("init", |s| s.mutate(|m| m.persist(obj(m, 7))));
    let copy = global.clone();
    for round in 1..=3u64 {
        heap.scope("event", |s| {
            s.mutate(|m| {
                let g = m.persistent(&global);
                let write = m.write(g).project(|o| &o.items);
                write.borrow_mut().push(Value::Obj(obj(m, round)));
            });
            s.collect();
            assert_eq!(objects(s) as u64, 1 + round);
        });
    }
    heap.scope("read", |s| {
        s.mutate(|m| {
            let g = m.persistent(&copy);
            assert_eq!(g.label, 7);
            let labels: Vec<_> = g
                .items
                .borrow()
                .iter()
                .map(|v| label(*v).unwrap())
                .collect();
            assert_eq!(labels, [1, 2, 3]);
        });
    });
    drop(global);
    heap.scope("still", |s| {
        s.collect();
        assert_eq!(objects(s), 4, "one handle is left");
    });
    drop(copy);
    heap.scope("released", |s| {
        s.collect();
        assert_eq!(objects(s), 0, "the last handle is gone");
    });
    // A handle that outlives its heap refers to nothing, even when a new
    // heap takes the old one's id.
    let orphan = heap.scope("last", |s| s.mutate(|m| m.persist(obj(m, 8))));
    drop(heap);
    let mut next = Heap::<C>::new(mode.config()).expect("valid config");
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        next.scope("reuse", |s| s.mutate(|m| m.persistent(&orphan).label))
    }));
    let text = super::conformance::panic_text(result.expect_err("an orphaned handle must panic"));
    assert!(text.contains("after its heap was dropped"), "{text}");
}

/// Destructors of the leaves a model object owns run exactly once, at
/// collection or at teardown; wholesale changes (sort, swap, retain,
/// `mem::take` of a whole vector) keep every count right (the verifier
/// checks reference counts after each collection).
pub fn model_wholesale_changes_drop_exactly_once<C: Collector>(mode: Mode) {
    let n = mode.size(300, 40) as u32;
    let drops = Drops::default();
    let mut heap = heap::<C>(mode);
    heap.scope("main", |s| {
        let (a, b) = s.mutate(|m| {
            let (a, b) = (obj(m, 0), obj(m, 1));
            for i in 0..n {
                let item = m.alloc(Obj {
                    counter: Some(drops.counter(i)),
                    ..Obj::empty(m, u64::from(i))
                });
                let target = if i % 2 == 0 { a } else { b };
                m.write(target)
                    .project(|o| &o.items)
                    .borrow_mut()
                    .push(Value::Obj(item));
            }
            (m.root(a), m.root(b))
        });
        s.collect();
        s.mutate(|m| {
            let (a, b) = (m.get(a), m.get(b));
            let mut left = m.write(a).project(|o| &o.items).borrow_mut();
            let mut right = m.write(b).project(|o| &o.items).borrow_mut();
            std::mem::swap(&mut *left, &mut *right);
            left.sort_by_key(|v| std::cmp::Reverse(label(*v)));
            let taken = std::mem::replace(&mut *right, GcVec::new(m));
            let kept = m.alloc(Obj::empty(m, 2));
            m.write(kept)
                .project(|o| &o.items)
                .borrow_mut()
                .push(Value::Obj(kept));
            let write = m.write(kept).project(|o| &o.items);
            for value in taken.iter().take(5) {
                write.borrow_mut().push(*value);
            }
            left.retain(|v| label(*v).is_some_and(|l| l % 3 == 0));
        });
        s.collect();
        let live = (0..n).filter(|i| i % 2 == 1 && i % 3 == 0).count();
        // `kept` is unrooted and refers to itself: a garbage cycle, which
        // takes the five items it holds with it.
        assert_eq!(drops.total(), n as usize - live);
        assert_eq!(objects(s), 2 + live, "a, b and the odd multiples of 3");
    });
    drop(heap);
    assert_eq!(drops.total(), n as usize);
    drops.assert_no_double_drop();
}

/// Containers' buffers are charged to the heap: the stats see them, a
/// collection gives them back, and the capacity bounds them with
/// `OutOfMemory`, after which the heap keeps working.
pub fn model_container_memory_is_charged_and_capped<C: Collector>(mode: Mode) {
    let capacity = 8 << 20;
    let config = HeapConfig {
        capacity,
        ..mode.config()
    };
    let mut heap = Heap::<C>::new(config).expect("valid config");
    heap.scope("main", |s| {
        let vector = s.mutate(|m| m.root(m.alloc(RefLock::new(GcVec::<f64>::new(m)))));
        let error = s.mutate(|m| {
            let vector = m.get(vector);
            let mut items = m.write(vector).borrow_mut();
            for i in 0..capacity {
                if let Err(error) = items.try_push(i as f64) {
                    return error;
                }
            }
            panic!("a vector grew past the heap's capacity");
        });
        let GcErrorKind::OutOfMemory { limit, .. } = *error.kind() else {
            panic!("expected OutOfMemory, got {error:?}");
        };
        assert_eq!(limit, capacity);
        let charged = s.stats().external_bytes;
        assert!(charged > capacity / 4 && charged <= capacity, "{charged}");
        s.mutate(|m| m.write(m.get(vector)).borrow_mut().clear());
        s.mutate(|m| {
            let mut items = m.write(m.get(vector)).borrow_mut();
            *items = GcVec::new(m);
            items.push(1.0);
        });
        s.collect();
        let after = s.stats().external_bytes;
        assert!(after < 1024, "the old buffer was given back: {after}");
    });
    heap.scope("after", |s| {
        s.collect();
        assert_eq!(s.stats().external_bytes, 0);
        assert_eq!(objects(s), 0);
    });
}

/// Objects and charged memory share the capacity: whichever fills a
/// region (where nothing collects) first, the other cannot take the heap
/// past it.
pub fn model_objects_and_charges_share_the_capacity<C: Collector>(mode: Mode) {
    #[derive(Trace)]
    struct Link<'gc> {
        next: Option<Gc<'gc, Link<'gc>>>,
        pad: [u64; 6],
    }
    #[derive(Trace)]
    struct Held<'gc> {
        charges: RefLock<GcVec<'gc, Charge<'gc>>>,
    }
    let capacity = 8 << 20;
    for objects_first in [true, false] {
        let config = HeapConfig {
            capacity,
            ..mode.config()
        };
        let mut heap = Heap::<C>::new(config).expect("valid config");
        heap.scope("main", |s| {
            let errors = s.mutate(|m| {
                let held = m.alloc(Held {
                    charges: RefLock::new(GcVec::new(m)),
                });
                m.root(held);
                let mut charges = m.write(held).project(|h| &h.charges).borrow_mut();
                charges
                    .try_reserve(capacity >> 16)
                    .expect("room for the charges");
                let mut fill_charges = || loop {
                    match m.charge(64 << 10) {
                        Ok(charge) => charges.push(charge),
                        Err(error) => return error,
                    }
                };
                let fill_objects = || {
                    let mut list = None;
                    loop {
                        match m.try_alloc(Link {
                            next: list,
                            pad: [0; 6],
                        }) {
                            Ok(link) => list = Some(link),
                            Err(error) => {
                                list.map(|link| m.root(link));
                                return error;
                            }
                        }
                    }
                };
                if objects_first {
                    [fill_objects(), fill_charges()]
                } else {
                    [fill_charges(), fill_objects()]
                }
            });
            for error in errors {
                assert!(
                    matches!(error.kind(), GcErrorKind::OutOfMemory { .. }),
                    "{error:?}"
                );
            }
            let stats = s.stats(); // everything is still rooted
            assert!(
                stats.heap_bytes + stats.external_bytes <= capacity,
                "objects first: {objects_first}: {} object + {} external bytes",
                stats.heap_bytes,
                stats.external_bytes
            );
        });
    }
}

/// Allocation inside a region never collects; a region that spent the
/// budget collects once when it ends; children-first trees built inside a
/// region (no root per node) survive it.
pub fn model_regions_collect_only_when_they_end<C: Collector>(mode: Mode) {
    fn tree<'gc, C: Collector>(m: &Mutation<'_, 'gc, C>, depth: u32) -> Gc<'gc, Obj<'gc>> {
        let node = obj(m, u64::from(depth));
        if depth > 0 {
            let (l, r) = (tree(m, depth - 1), tree(m, depth - 1));
            let mut items = m.write(node).project(|o| &o.items).borrow_mut();
            items.push(Value::Obj(l));
            items.push(Value::Obj(r));
        }
        node
    }
    fn count<'gc>(node: Gc<'gc, Obj<'gc>>) -> usize {
        1 + node
            .items
            .borrow()
            .iter()
            .map(|v| match v {
                Value::Obj(o) => count(*o),
                _ => 0,
            })
            .sum::<usize>()
    }
    let depth = mode.size(12, 6) as u32;
    let mut heap = heap::<C>(mode);
    heap.scope("main", |s| {
        let before = s.stats().collections;
        let root = s.mutate(|m| {
            let root = tree(m, depth);
            assert_eq!(m.get(m.root(root)).label, u64::from(depth));
            if mode == Mode::Stress {
                assert!(m.collection_due(), "stress mode: the budget is spent");
            }
            m.root(root)
        });
        let after = s.stats().collections;
        assert!(
            after <= before + 1,
            "at most one collection, at the region's end"
        );
        if mode == Mode::Stress {
            assert_eq!(
                after,
                before + 1,
                "stress mode collects when the region ends"
            );
        }
        s.collect();
        assert!(!s.mutate(|m| m.collection_due()), "a collection resets it");
        let nodes = (1 << (depth + 1)) - 1;
        assert_eq!(s.mutate(|m| count(m.get(root))), nodes);
        assert_eq!(objects(s), nodes);
    });
}

/// Writing through a projection that leaves the object panics, and a root
/// of one heap cannot be read in another heap's region.
pub fn model_misuse_panics<C: Collector>(mode: Mode) {
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut heap = heap::<C>(mode);
        let outside: &'static Lock<u64> = Box::leak(Box::new(Lock::new(0)));
        heap.scope("main", |s| {
            s.mutate(|m| {
                let a = m.alloc(Lock::new(1u64));
                m.write(a).project(|_| outside).set(2);
            })
        });
    }));
    let text = super::conformance::panic_text(result.expect_err("must panic"));
    assert!(text.contains("part of the object"), "{text}");
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut one = heap::<C>(mode);
        let mut two = heap::<C>(mode);
        one.scope("one", |a| {
            let foreign = a.mutate(|m| m.root(m.alloc(Lock::new(1u64))));
            two.scope("two", |b| b.mutate(|m| m.get(foreign).get()));
        });
    }));
    let text = super::conformance::panic_text(result.expect_err("must panic"));
    assert!(text.contains("was used with heap"), "{text}");
}

impl<'gc> Obj<'gc> {
    /// An object with no items, fields or counter.
    pub fn empty<C: Collector>(m: &Mutation<'_, 'gc, C>, label: u64) -> Obj<'gc> {
        Obj {
            label,
            slot: Lock::new(Value::Nil),
            items: RefLock::new(GcVec::new(m)),
            fields: RefLock::new(GcMap::new(m)),
            counter: None,
        }
    }
}
