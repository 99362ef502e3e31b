//! A model type may not implement `Drop`: its destructor would run during a
//! collection, when the objects its pointers refer to may already be freed.
use gc_core::model::Gc;
use gc_core::Trace;

#[derive(Trace)]
struct Node<'gc> {
    next: Option<Gc<'gc, Node<'gc>>>,
}

impl Drop for Node<'_> {
    fn drop(&mut self) {
        if let Some(next) = self.next {
            let _ = &next.next;
        }
    }
}

fn main() {}
