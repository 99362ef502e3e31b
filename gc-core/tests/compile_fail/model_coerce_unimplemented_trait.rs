//! `coerce_gc!` cannot make a trait object of a type that does not
//! implement the trait.
use gc_core::{coerce_gc, Heap, HeapConfig, Trace};

trait Shape {
    fn area(&self) -> f64;
}

#[derive(Trace)]
struct NotAShape(f64);

fn main() {
    let mut heap = Heap::<gc_mark_sweep::MarkSweep>::new(HeapConfig::default()).unwrap();
    heap.scope("main", |s| {
        s.mutate(|m| {
            let shape = coerce_gc!(m.alloc(NotAShape(1.0)) => dyn Shape);
            println!("{}", shape.area());
        });
    });
}
