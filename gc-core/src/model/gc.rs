//! [`Gc`]: a `Copy` pointer to a heap object, valid inside one mutation region.

use crate::handle::Brand;
use crate::object::{ObjectRef, HEADER_SIZE};
use crate::trace::{Rebrand, Trace, Tracer};
use std::fmt;
use std::marker::PhantomData;
use std::mem::size_of;
use std::ops::Deref;
use std::ptr::NonNull;

/// A pointer to a `T` on the heap, branded with the mutation region `'gc`
/// that can see it.
///
/// `Gc` is `Copy` and never null (use `Option<Gc<'gc, T>>`, the same size,
/// for a nullable field). It dereferences to `&T` at no cost: inside a
/// region nothing collects, frees or moves, and a `Gc<'gc, _>` cannot leave
/// its region (the brand is invariant and fresh per region), so the object
/// it points to is alive and where the pointer says for as long as the
/// pointer can be used. To keep an object across regions, root it
/// ([`Mutation::root`](crate::model::Mutation::root)) or store it in an
/// object that is rooted.
///
/// ```
/// use gc_core::model::Gc;
/// use gc_core::{Heap, HeapConfig, Trace};
///
/// #[derive(Trace, Clone, Copy)]
/// struct Pair<'gc> { left: Option<Gc<'gc, Pair<'gc>>>, value: u32 }
///
/// let mut heap = Heap::<gc_mark_sweep::MarkSweep>::new(HeapConfig::default()).unwrap();
/// heap.scope("main", |s| {
///     let sum = s.mutate(|m| {
///         let leaf = m.alloc(Pair { left: None, value: 1 });
///         let top = m.alloc(Pair { left: Some(leaf), value: 2 });
///         top.value + top.left.unwrap().value // plain reads, no roots
///     });
///     assert_eq!(sum, 3);
/// });
/// ```
///
/// ## Slices, strings and trait objects
/// `Gc<'gc, [T]>` and `Gc<'gc, str>` are objects sized at allocation
/// ([`Mutation::alloc_slice`](crate::model::Mutation::alloc_slice),
/// [`alloc_str`](crate::model::Mutation::alloc_str),
/// [`alloc_from_iter`](crate::model::Mutation::alloc_from_iter)): a length
/// word, then the elements inline. `Gc<'gc, dyn Trait>` comes from a sized
/// object through [`coerce_gc!`](crate::coerce_gc). These are two words (the
/// object's address, then the length or the vtable); the first is the slot
/// a moving collector rewrites, the second moves with the field that holds
/// it. All of them are `Copy`, compare with [`Gc::ptr_eq`], and are traced
/// as fields.
#[repr(transparent)]
pub struct Gc<'gc, T: ?Sized> {
    /// The object's start (its header) as a `*T`: thin for a sized `T`;
    /// for a slice, a `str` or a trait object with `T`'s metadata (the
    /// length, the vtable). The address is the pointer's first word
    /// (checked when a wide one is made, [`checked_wide`]): the slot
    /// `Trace` reports and a moving collector rewrites.
    ptr: NonNull<T>,
    _marker: PhantomData<(Brand<'gc>, *const T)>,
}

impl<'gc, T: 'gc> Gc<'gc, T> {
    /// Wraps an object of `T`.
    ///
    /// # Safety
    /// - `obj` is a live object whose payload is an initialised `T` (up to
    ///   brand), on a heap with a region `'gc` open now.
    #[inline(always)]
    pub(crate) unsafe fn from_object(obj: ObjectRef) -> Gc<'gc, T> {
        Gc {
            ptr: obj.start().cast(),
            _marker: PhantomData,
        }
    }

    /// Hands back `coerce`, typed for `this` (so the closure of
    /// [`coerce_gc!`](crate::coerce_gc) gets its argument's type).
    #[doc(hidden)]
    #[inline(always)]
    pub fn __coercion<U: ?Sized>(
        this: &Gc<'gc, T>,
        coerce: fn(*const T) -> *const U,
    ) -> fn(*const T) -> *const U {
        let _ = this;
        coerce
    }

    /// Coerces to a trait object: the machinery of
    /// [`coerce_gc!`](crate::coerce_gc), not for direct use.
    ///
    /// # Safety
    /// - `coerce` is the unsizing coercion `|p| p` (the macro's closure),
    ///   so the result points at the same address with the vtable of `T`
    ///   for a trait `T` implements.
    #[doc(hidden)]
    #[inline]
    pub unsafe fn __coerce<U: ?Sized + 'gc>(
        this: Gc<'gc, T>,
        coerce: fn(*const T) -> *const U,
    ) -> Gc<'gc, U> {
        let wide = coerce(this.ptr.as_ptr()).cast_mut();
        assert!(
            wide.cast::<T>() == this.ptr.as_ptr(),
            "coerce_gc!: not a coercion"
        );
        Gc {
            // SAFETY: the address of `this.ptr`, which is not null.
            ptr: checked_wide(unsafe { NonNull::new_unchecked(wide) }),
            _marker: PhantomData,
        }
    }
}

impl<'gc, T: 'gc> Gc<'gc, [T]> {
    /// Wraps a slice object of `T`s.
    ///
    /// # Safety
    /// - `obj` is a live slice object of `T`s (up to brand) with an
    ///   initialised length, on a heap with a region `'gc` open now.
    #[inline(always)]
    pub(crate) unsafe fn from_slice_object(obj: ObjectRef) -> Gc<'gc, [T]> {
        // SAFETY: the length word is initialised (caller).
        let len = unsafe { obj.payload().cast::<usize>().read() };
        Gc {
            ptr: checked_wide(NonNull::slice_from_raw_parts(obj.start().cast::<T>(), len)),
            _marker: PhantomData,
        }
    }
}

impl<'gc> Gc<'gc, str> {
    /// Views a slice object of UTF-8 bytes as a string.
    ///
    /// # Safety
    /// - The elements of `bytes` are valid UTF-8.
    #[inline(always)]
    pub(crate) unsafe fn from_utf8_unchecked(bytes: Gc<'gc, [u8]>) -> Gc<'gc, str> {
        Gc {
            // SAFETY: non-null; `[u8]` and `str` have the same metadata.
            ptr: unsafe { NonNull::new_unchecked(bytes.ptr.as_ptr() as *mut str) },
            _marker: PhantomData,
        }
    }
}

/// `ptr`, after checking that its address is its first word (Rust does not
/// promise where a wide pointer keeps it; every compiler so far puts it
/// first). [`Trace`] reports that word as the slot a collector rewrites.
#[inline]
fn checked_wide<T: ?Sized>(ptr: NonNull<T>) -> NonNull<T> {
    // SAFETY: `ptr` is a wide pointer, two words; reading its first as a
    // thin pointer reads initialised memory (an address or metadata).
    let first = unsafe { (&raw const ptr).cast::<*mut u8>().read() };
    assert!(
        first == ptr.as_ptr().cast::<u8>(),
        "wide pointers do not start with their address on this compiler"
    );
    ptr
}

impl<'gc, T: ?Sized + 'gc> Gc<'gc, T> {
    /// The object, for the heap's own bookkeeping.
    #[inline(always)]
    pub(crate) fn object(self) -> ObjectRef {
        // SAFETY: `ptr` came from an `ObjectRef` (`from_object`) or was
        // rewritten by a collector with another object's start.
        unsafe { ObjectRef::from_addr(self.ptr.as_ptr().cast::<u8>().addr()) }
    }

    /// Borrows the object for the whole region: the reference cannot
    /// outlive the pointer's brand.
    #[inline(always)]
    #[allow(clippy::should_implement_trait)] // an associated fn, like `Rc::as_ptr`: no clash with `AsRef`
    pub fn as_ref(this: Gc<'gc, T>) -> &'gc T {
        let offset = if size_of::<NonNull<T>>() == size_of::<usize>() {
            HEADER_SIZE
        } else {
            // A slice's elements follow its length word; a trait object's
            // value is the payload (its descriptor's offset is 0).
            // SAFETY: the object is live (below).
            HEADER_SIZE + unsafe { this.object().info() }.value_offset
        };
        // SAFETY: the object is live and unmoved for all of `'gc` (nothing
        // collects inside a region, and a `Gc<'gc, _>` exists only inside
        // its region), and at `offset` its payload holds a `T` (for a wide
        // pointer, the elements its length counts, or the value of the
        // type whose vtable it carries).
        unsafe { &*this.ptr.as_ptr().byte_add(offset) }
    }

    /// `true` if both point to the same object. Identity survives moves:
    /// every pointer to an object is rewritten when it moves.
    ///
    /// ```
    /// use gc_core::{Heap, HeapConfig};
    /// use gc_core::model::Gc;
    ///
    /// let mut heap = Heap::<gc_copying::Copying>::new(HeapConfig::default()).unwrap();
    /// heap.scope("main", |s| s.mutate(|m| {
    ///     let a = m.alloc_str("same text");
    ///     let b = m.alloc_str("same text");
    ///     assert!(Gc::ptr_eq(a, a) && !Gc::ptr_eq(a, b)); // identity, not contents
    ///     assert_eq!(*a, *b);
    /// }));
    /// ```
    #[inline(always)]
    pub fn ptr_eq(a: Gc<'gc, T>, b: Gc<'gc, T>) -> bool {
        a.ptr.cast::<u8>() == b.ptr.cast::<u8>()
    }
}

impl<T: ?Sized> Clone for Gc<'_, T> {
    #[inline(always)]
    fn clone(&self) -> Self {
        *self
    }
}
impl<T: ?Sized> Copy for Gc<'_, T> {}

impl<'gc, T: ?Sized + 'gc> Deref for Gc<'gc, T> {
    type Target = T;
    #[inline(always)]
    fn deref(&self) -> &T {
        Gc::as_ref(*self)
    }
}

impl<T: ?Sized> fmt::Debug for Gc<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Gc<{}>({:p})",
            std::any::type_name::<T>(),
            self.ptr.cast::<u8>()
        )
    }
}

// SAFETY: reports its own slot, the only reference it holds (rules 1, 2);
// hands out no `&mut` to it (rule 4). A `Gc` inside a heap object is
// rewritten by moving collectors through the slot `report_model` records:
// the pointer's first word, its address (`checked_wide` for wide ones; a
// wide one's metadata stays in the second word, unchanged by moves).
unsafe impl<T: ?Sized> Trace for Gc<'_, T> {
    const NEEDS_TRACE: bool = true;
    const MODEL_POINTERS: bool = true;
    const HANDLE_POINTERS: bool = false;
    #[inline(always)]
    fn trace(&self, tracer: &mut Tracer) {
        tracer.report_model((self as *const Self).cast());
    }
}

// SAFETY: the same pointer with its brand and its target's replaced.
unsafe impl<'a, T: Rebrand<'a>> Rebrand<'a> for Gc<'_, T> {
    type Output = Gc<'a, T::Output>;
}

// SAFETY: the same slice pointer with its brand and its elements' replaced.
unsafe impl<'a, T: Rebrand<'a>> Rebrand<'a> for Gc<'_, [T]> {
    type Output = Gc<'a, [T::Output]>;
}

// SAFETY: the same string pointer with its brand replaced.
unsafe impl<'a> Rebrand<'a> for Gc<'_, str> {
    type Output = Gc<'a, str>;
}

/// Turns a [`Gc<'gc, T>`](crate::model::Gc) into a `Gc<'gc, dyn Trait>` for
/// a trait `T` implements: `coerce_gc!(gc => dyn Trait)`.
///
/// The object stays what it was (allocated sized, traced, dropped and
/// sized by its own type's descriptor); the result carries `T`'s vtable
/// for `Trait`. Only the compiler's unsizing coercion makes it, so a type
/// that does not implement the trait does not compile
/// (`tests/compile_fail/model_coerce_unimplemented_trait.rs`), and the
/// target must be written `dyn ...`. Write `dyn Trait + 'gc` for a branded
/// type (`Circle<'gc>`); plain `dyn Trait` means `dyn Trait + 'static`.
///
/// ```
/// use gc_core::model::{Gc, GcVec, RefLock};
/// use gc_core::{coerce_gc, Heap, HeapConfig, Trace};
///
/// trait Shape { fn area(&self) -> f64; }
/// #[derive(Trace)]
/// struct Square(f64);
/// impl Shape for Square { fn area(&self) -> f64 { self.0 * self.0 } }
/// #[derive(Trace)]
/// struct Circle(f64);
/// impl Shape for Circle { fn area(&self) -> f64 { 3.0 * self.0 * self.0 } }
///
/// #[derive(Trace)]
/// struct Drawing<'gc> { shapes: RefLock<GcVec<'gc, Gc<'gc, dyn Shape>>> }
///
/// let mut heap = Heap::<gc_copying::Copying>::new(HeapConfig::default()).unwrap();
/// heap.scope("main", |s| {
///     let drawing = s.mutate(|m| {
///         let drawing = m.alloc(Drawing { shapes: RefLock::new(GcVec::new(m)) });
///         let mut shapes = m.write(drawing).project(|d| &d.shapes).borrow_mut();
///         shapes.push(coerce_gc!(m.alloc(Square(2.0)) => dyn Shape));
///         shapes.push(coerce_gc!(m.alloc(Circle(1.0)) => dyn Shape));
///         drop(shapes);
///         m.root(drawing)
///     });
///     s.collect(); // moves the drawing and both shapes; the vtables stay
///     let total: f64 = s.mutate(|m| m.get(drawing).shapes.borrow().iter().map(|s| s.area()).sum());
///     assert_eq!(total, 7.0);
/// });
/// ```
#[macro_export]
macro_rules! coerce_gc {
    ($gc:expr => dyn $($bound:tt)+) => {
        // `$gc` is evaluated outside the `unsafe` block, and the target
        // type inside parentheses, which its tokens cannot close: neither
        // can bring code into the block.
        match $gc {
            gc => {
                #[allow(unused_parens)] // needed for `dyn Trait + 'gc`
                let coerce = $crate::model::Gc::__coercion(&gc, |ptr| -> *const (dyn $($bound)+) { ptr });
                // SAFETY: `coerce` is the unsizing coercion of the object's
                // own pointer to `dyn ...` (no other conversion compiles as
                // the closure's body): the same address, the vtable of the
                // object's type for a trait it implements.
                unsafe { $crate::model::Gc::__coerce(gc, coerce) }
            }
        }
    };
}

// SAFETY: a model pointer leads only to an object of its own heap (it
// carries its region's brand), of a type the heap admitted, so `HeapSend`
// (a slice's, string's or trait object's target was admitted as what it
// was allocated as; a trait object is made from a sized object already in
// the heap); the pointer and its target move with the heap, and nothing
// outside the heap reaches the target but through the heap.
unsafe impl<T: ?Sized> crate::HeapSend for Gc<'_, T> {}
