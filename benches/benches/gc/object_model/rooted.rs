//! The workload on the prototype of the other design: the same heap types,
//! but an allocation may collect (as when `alloc` takes `&mut Scope` and
//! pointers are tied to a shared borrow of it), so every new object is
//! rooted before the next allocation, and read back through its root.

use super::regions::{identity_lookups, Table, Value};
use super::{Size, KEYS};
use gc_core::model::{Gc, GcMap, GcVec, RefLock};
use gc_core::{Collector, Heap};

type ById<'gc> = RefLock<GcMap<'gc, Gc<'gc, Table<'gc>>, f64>>;

pub fn run<C: Collector>(heap: &mut Heap<C>, size: Size) -> f64 {
    heap.scope("object_model", |s| {
        let array = s.mutate(|m| m.root(m.alloc(RefLock::new(GcVec::<Value<'_>>::new(m)))));
        for i in 0..size.tables {
            s.scope("table", |s| {
                // The allocation: may collect when it returns, so root it.
                let table = s.mutate(|m| {
                    let table = Table::new(m);
                    m.root(m.alloc(table))
                });
                // Reads and writes through the root, no allocation.
                s.mutate(|m| {
                    let table = m.get(table);
                    let mut hash = m.write(table).project(|t| t.hash()).borrow_mut();
                    for (k, key) in KEYS.iter().enumerate() {
                        hash.insert(m, *key, Value::Num((i * 10 + k) as f64));
                    }
                    m.get(array).borrow_mut(m).push(Value::Table(table));
                });
            });
        }
        s.mutate(|m| {
            let mut array = m.get(array).borrow_mut(m);
            for (i, slot) in array.iter_mut().enumerate().step_by(2) {
                *slot = Value::Num(i as f64);
            }
        });
        s.collect();
        let by_id = s.mutate(|m| {
            let by_id: ById<'_> = RefLock::new(GcMap::new(m));
            m.root(m.alloc(by_id))
        });
        s.mutate(|m| {
            let array = Gc::as_ref(m.get(array)).borrow();
            let mut by_id = m.get(by_id).borrow_mut(m);
            identity_lookups(m, &array, &mut by_id, size.lookups)
        })
    })
}
