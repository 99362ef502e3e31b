//! A map key's hash code cannot keep a pointer: it sees only the region's brand.
use gc_core::model::{Gc, GcHash, Mutation};
use gc_core::{Collector, Threads, Trace};
use std::cell::Cell;
use std::hash::Hasher;

thread_local! {
    static SEEN: Cell<Option<Gc<'static, u64>>> = const { Cell::new(None) };
}

#[derive(Trace, Clone, Copy)]
struct Key<'gc>(Gc<'gc, u64>);

impl<'gc> GcHash<'gc> for Key<'gc> {
    fn gc_hash<C: Collector, Th: Threads, H: Hasher>(&self, _: &Mutation<'_, 'gc, C, Th>, state: &mut H) {
        SEEN.with(|s| s.set(Some(self.0)));
        state.write_u64(*self.0);
    }
    fn gc_eq(&self, other: &Self) -> bool {
        Gc::ptr_eq(self.0, other.0)
    }
}

fn main() {}
