//! [`HeapSend`]: the types a [`Sendable`](crate::Sendable) heap may hold,
//! and the bounds the derive and the std leaves state it with.

use std::marker::PhantomData;

/// A type that may live in a [`Sendable`](crate::Sendable) heap: the type with every heap
/// pointer in it seen as owning its target is `Send`.
///
/// `Send` itself cannot say it: heap pointers ([`Gc`](crate::Gc),
/// [`model::Gc`](crate::model::Gc)) are `!Send` so that they never leave
/// their thread on their own, yet inside a heap that moves as a whole they
/// move with everything they point to. `#[derive(Trace)]` implements
/// `HeapSend` for a type whose fields are all `HeapSend` (a field that names
/// the type itself, as in `Option<Box<Self>>`, is assumed to be);
/// gc-core does for heap pointers, [`GcVec`](crate::model::GcVec),
/// [`GcMap`](crate::model::GcMap), [`Lock`](crate::model::Lock) and the
/// other containers of `HeapSend` elements, and for its std leaves that are
/// `Send` (so not `Rc`, nor `Cell<Rc<_>>`).
///
/// ```
/// use gc_core::{Gc, HeapSend, Trace};
/// use std::sync::{Arc, Mutex};
///
/// #[derive(Trace)]
/// struct Job { id: u32, log: Arc<Mutex<Vec<String>>>, next: Gc<Job> }
///
/// fn sendable<T: HeapSend>() {}
/// sendable::<Job>();
/// // `sendable::<std::rc::Rc<u32>>()` does not compile
/// // (tests/compile_fail/send_heap_refuses_rc.rs).
/// ```
///
/// # Safety
/// Values of the type, together with the heap objects their heap pointers
/// lead to, may be moved to another thread and used and dropped there: the
/// type is `Send` but for its heap pointers, and it shares nothing with
/// code outside the heap that is not `Sync` (no `Rc`, no thread-local
/// state).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be moved to another thread, so a sendable heap cannot hold it",
    note = "a `Heap<_, Sendable>` holds only `HeapSend` types: the `Send` ones, and derived \
            `Trace` types whose fields are all `HeapSend`"
)]
pub unsafe trait HeapSend {}

/// A derived [`HeapSend`]'s bound on one field: `Field<'a, T>: HeapSend`
/// when `T: HeapSend`. The lifetime keeps the bound from being a "trivial"
/// (parameter-free) one, which the compiler rejects when false: a derived
/// type with an `Rc` field is then simply not `HeapSend`.
#[doc(hidden)]
pub struct Field<'a, T: ?Sized>(PhantomData<&'a ()>, PhantomData<T>);

// SAFETY: a bound, never a value; as `HeapSend` as `T`.
unsafe impl<T: ?Sized + HeapSend> HeapSend for Field<'_, T> {}

/// `IfSend<'a, T>: Send` exactly when `T: Send`: the bound of the std
/// leaves' `HeapSend` (a leaf holds no heap pointer, so it is `HeapSend`
/// exactly when it is `Send`), non-trivial thanks to the lifetime.
pub(crate) struct IfSend<'a, T: ?Sized>(PhantomData<&'a ()>, PhantomData<T>);
