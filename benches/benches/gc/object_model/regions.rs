//! The workload on gc-core's object model: mutation regions.

use super::{Size, CHUNK, KEYS};
use gc_core::model::{Gc, GcMap, GcVec, Mutation, RefLock};
use gc_core::{Collector, Heap, Trace};

/// A value: numbers unboxed, strings and tables by reference.
#[derive(Trace, Clone, Copy)]
#[allow(dead_code)] // `Nil` and `Str`: the language has them, this workload does not use them
pub enum Value<'gc> {
    Nil,
    Num(f64),
    Str(Gc<'gc, Box<str>>),
    Table(Gc<'gc, Table<'gc>>),
}

/// A table: an array part and a hash part keyed by (interned) strings.
#[derive(Trace)]
pub struct Table<'gc> {
    array: RefLock<GcVec<'gc, Value<'gc>>>,
    hash: RefLock<GcMap<'gc, &'static str, Value<'gc>>>,
}

impl<'gc> Table<'gc> {
    /// An empty table.
    pub fn new<C: Collector>(m: &Mutation<'_, 'gc, C>) -> Table<'gc> {
        Table {
            array: RefLock::new(GcVec::new(m)),
            hash: RefLock::new(GcMap::new(m)),
        }
    }

    /// The hash part.
    pub fn hash(&self) -> &RefLock<GcMap<'gc, &'static str, Value<'gc>>> {
        &self.hash
    }
}

/// The interpreter's globals.
#[derive(Trace)]
struct Globals<'gc> {
    array: RefLock<GcVec<'gc, Value<'gc>>>,
    by_id: RefLock<GcMap<'gc, Gc<'gc, Table<'gc>>, f64>>,
}

pub fn run<C: Collector>(heap: &mut Heap<C>, size: Size) -> f64 {
    heap.scope("object_model", |s| {
        let globals = s.mutate(|m| {
            let array = RefLock::new(GcVec::new(m));
            m.root(m.alloc(Globals {
                array,
                by_id: RefLock::new(GcMap::new(m)),
            }))
        });
        for chunk in (0..size.tables).step_by(CHUNK) {
            s.mutate(|m| {
                let mut array = m.write(m.get(globals)).project(|g| &g.array).borrow_mut();
                for i in chunk..(chunk + CHUNK).min(size.tables) {
                    let table = m.alloc(Table::new(m));
                    let mut hash = m.write(table).project(|t| &t.hash).borrow_mut();
                    for (k, key) in KEYS.iter().enumerate() {
                        hash.insert(m, *key, Value::Num((i * 10 + k) as f64));
                    }
                    array.push(Value::Table(table));
                }
            });
        }
        s.mutate(|m| {
            let mut array = m.write(m.get(globals)).project(|g| &g.array).borrow_mut();
            for (i, slot) in array.iter_mut().enumerate().step_by(2) {
                *slot = Value::Num(i as f64);
            }
        });
        s.collect();
        s.mutate(|m| {
            let globals = m.get(globals);
            let array = globals.array.borrow();
            let mut by_id = m.write(globals).project(|g| &g.by_id).borrow_mut();
            identity_lookups(m, &array, &mut by_id, size.lookups)
        })
    })
}

/// The last phase, shared with `rooted.rs`: maps every surviving table to
/// its index by identity, then looks tables up by identity `lookups` times.
pub fn identity_lookups<'gc, C: Collector>(
    m: &Mutation<'_, 'gc, C>,
    array: &GcVec<'gc, Value<'gc>>,
    by_id: &mut GcMap<'gc, Gc<'gc, Table<'gc>>, f64>,
    lookups: usize,
) -> f64 {
    let mut survivors = Vec::new();
    let mut sum = 0.0;
    for (i, slot) in array.iter().enumerate().skip(1).step_by(2) {
        let Value::Table(table) = *slot else {
            unreachable!()
        };
        by_id.insert(m, table, i as f64);
        sum += match table.hash.borrow().get(m, &"d") {
            Some(Value::Num(n)) => *n,
            _ => unreachable!(),
        };
        survivors.push(table);
    }
    for j in 0..lookups {
        sum += by_id.get(m, &survivors[j % survivors.len()]).unwrap();
    }
    sum
}
