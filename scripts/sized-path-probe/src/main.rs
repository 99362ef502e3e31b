//! Sized-path probe: builds lists of small model objects, collecting between regions.
use gc_core::model::{Gc, Lock};
use gc_core::{Collector, Heap, HeapConfig, Trace};

#[derive(Trace, Clone, Copy)]
struct Cons<'gc> {
    value: u64,
    next: Option<Gc<'gc, Cons<'gc>>>,
}

#[derive(Trace)]
struct Head<'gc> {
    list: Lock<Option<Gc<'gc, Cons<'gc>>>>,
}

fn run<C: Collector>() -> u64 {
    let mut heap = Heap::<C>::new(HeapConfig::default()).unwrap();
    heap.scope("main", |s| {
        let head = s.mutate(|m| {
            m.root(m.alloc(Head {
                list: Lock::new(None),
            }))
        });
        let mut sum = 0;
        for round in 0..20u64 {
            s.mutate(|m| {
                let mut list = None;
                for i in 0..20_000 {
                    list = Some(m.alloc(Cons {
                        value: i + round,
                        next: list,
                    }));
                }
                m.write(m.get(head)).project(|h| &h.list).set(list);
            });
            s.collect();
            sum += s.mutate(|m| m.get(head).list.get().map_or(0, |c| c.value));
        }
        sum
    })
}

fn main() {
    let which = std::env::args().nth(1).unwrap_or_default();
    let sum = match which.as_str() {
        "copying" => run::<gc_copying::Copying>(),
        "mark-sweep" => run::<gc_mark_sweep::MarkSweep>(),
        _ => run::<gc_refcount::RefCount>(),
    };
    println!("{sum}");
}
