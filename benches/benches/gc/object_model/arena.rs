//! The workload on gc-arena 0.7, in its idiom: `RefLock<Vec<_>>` and a
//! hash map behind `RefLock`, pointer keys for identity (`Gc::as_ptr`,
//! sound there because gc-arena never moves objects), one `mutate`
//! callback per chunk of tables with `collect_debt` between callbacks.

use super::{Size, CHUNK, KEYS};
use foldhash::fast::RandomState;
use gc_arena::barrier::unlock;
use gc_arena::lock::RefLock;
use gc_arena::{Arena, Collect, Gc, Rootable};
use std::collections::HashMap;

#[derive(Collect, Clone, Copy)]
#[collect(no_drop)]
#[allow(dead_code)] // `Nil` and `Str`: the language has them, this workload does not use them
pub enum Value<'gc> {
    Nil,
    Num(f64),
    Str(Gc<'gc, Box<str>>),
    Table(Gc<'gc, Table<'gc>>),
}

#[derive(Collect)]
#[collect(no_drop)]
pub struct Table<'gc> {
    #[allow(dead_code)] // the array part: the model has it, this workload does not use it
    array: RefLock<Vec<Value<'gc>>>,
    hash: RefLock<HashMap<&'static str, Value<'gc>, RandomState>>,
}

#[derive(Collect)]
#[collect(no_drop)]
pub struct Globals<'gc> {
    array: Gc<'gc, RefLock<Vec<Value<'gc>>>>,
    by_id: Gc<'gc, RefLock<HashMap<usize, f64, RandomState>>>,
}

pub type Root = Rootable![Globals<'_>];

/// Runs the workload; returns the checksum and the arena.
pub fn run(size: Size) -> (f64, Arena<Root>) {
    let mut arena = Arena::<Root>::new(|mc| Globals {
        array: Gc::new(mc, RefLock::new(Vec::new())),
        by_id: Gc::new(mc, RefLock::new(HashMap::default())),
    });
    for chunk in (0..size.tables).step_by(CHUNK) {
        arena.mutate(|mc, globals| {
            let mut array = globals.array.borrow_mut(mc);
            for i in chunk..(chunk + CHUNK).min(size.tables) {
                let table = Gc::new(
                    mc,
                    Table {
                        array: RefLock::new(Vec::new()),
                        hash: RefLock::new(HashMap::default()),
                    },
                );
                let mut hash = unlock!(Gc::write(mc, table), Table, hash).borrow_mut();
                for (k, key) in KEYS.iter().enumerate() {
                    hash.insert(*key, Value::Num((i * 10 + k) as f64));
                }
                array.push(Value::Table(table));
            }
        });
        arena.collect_debt();
    }
    arena.mutate(|mc, globals| {
        let mut array = globals.array.borrow_mut(mc);
        for (i, slot) in array.iter_mut().enumerate().step_by(2) {
            *slot = Value::Num(i as f64);
        }
    });
    arena.finish_cycle();
    let sum = arena.mutate(|mc, globals| {
        let array = globals.array.borrow();
        let mut by_id = globals.by_id.borrow_mut(mc);
        let mut survivors = Vec::new();
        let mut sum = 0.0;
        for (i, slot) in array.iter().enumerate().skip(1).step_by(2) {
            let Value::Table(table) = *slot else {
                unreachable!()
            };
            by_id.insert(Gc::as_ptr(table) as usize, i as f64);
            sum += match table.hash.borrow().get("d") {
                Some(Value::Num(n)) => *n,
                _ => unreachable!(),
            };
            survivors.push(table);
        }
        for j in 0..size.lookups {
            sum += by_id[&(Gc::as_ptr(survivors[j % survivors.len()]) as usize)];
        }
        sum
    });
    (sum, arena)
}
