//! Object layout: the header every heap object starts with, and the static
//! type descriptor it points to.
//!
//! ```text
//!  ObjectRef ──► ┌───────────────────────────┐  16-byte aligned
//!                │ info: &'static TypeInfo   │  8 bytes: size, align, trace, drop, name
//!                │ meta: Cell<usize>         │  8 bytes: backend word (mark bit,
//!                │                           │          forwarding pointer, refcount)
//!   payload ──►  ├───────────────────────────┤  HEADER_SIZE
//!                │ T                         │  info.size bytes
//!                └───────────────────────────┘  padded to OBJECT_ALIGN
//! ```
//!
//! An object whose size is fixed at allocation (a slice `[T]` or a `str`,
//! [`TypeInfo::of_slice`]) stores its length first; its descriptor's
//! `fixed_object_size` is then 0 and [`ObjectRef::size`] reads the length:
//!
//! ```text
//!   payload ──►  ├───────────────────────────┤
//!                │ len: usize                │  info.size bytes: the length and padding
//!   elements ──► ├───────────────────────────┤  payload + info.value_offset
//!                │ [T; len]                  │  len * info.elem_size bytes
//!                └───────────────────────────┘  padded to OBJECT_ALIGN
//! ```
//!
//! This module is for collector authors; programs use [`Gc`](crate::Gc) and
//! [`Root`](crate::Root) and never see an [`ObjectRef`].

use crate::edges::Edges;
use crate::trace::{Records, Trace, Tracer};
use std::cell::Cell;
use std::marker::PhantomData;
use std::mem::{align_of, needs_drop, size_of};
use std::ptr::NonNull;

/// Every object (header included) starts at, and is a multiple of, this alignment.
pub const OBJECT_ALIGN: usize = 16;

/// Bytes of header in front of every payload.
pub const HEADER_SIZE: usize = size_of::<Header>();

const _: () = assert!(HEADER_SIZE == 16 && HEADER_SIZE.is_multiple_of(OBJECT_ALIGN));

/// The static descriptor of a heap type: one per `T`, shared by all its objects.
#[derive(Debug)]
pub struct TypeInfo {
    /// Returns `std::any::type_name::<T>()`, for diagnostics and heap dumps.
    pub type_name: fn() -> &'static str,
    /// `size_of::<T>()`; for a slice object ([`TypeInfo::of_slice`]), the
    /// fixed part of the payload in front of the elements (the length word
    /// and padding).
    pub size: usize,
    /// 0 for a type of fixed size; for a slice object, `size_of` one
    /// element (0 for zero-sized elements, whose objects have a fixed size
    /// too). Collectors need not look at it: [`ObjectRef::size`] does.
    pub elem_size: usize,
    /// Where the value starts in the payload: 0, or for a slice object the
    /// offset of its first element (equal to `size`).
    pub value_offset: usize,
    /// `object_size()` for a fixed-size type; 0 for a slice object, whose
    /// size depends on its length. [`ObjectRef::size`] tests it: one load
    /// and a predictable branch, no arithmetic, for sized objects.
    pub fixed_object_size: usize,
    /// `align_of::<T>()`. The heap allocates types aligned to at most
    /// [`OBJECT_ALIGN`] (others get [`AlignmentTooLarge`](crate::GcErrorKind::AlignmentTooLarge)).
    pub align: usize,
    /// `T::NEEDS_TRACE`: `false` lets collectors skip calling [`TypeInfo::trace`].
    pub needs_trace: bool,
    /// `T::NEEDS_TRACE && T::HANDLE_POINTERS`: finalising the object traces
    /// it first, to null its handle-API pointers before its destructor runs.
    pub nulls_before_drop: bool,
    /// Reports the payload's [`Slot`](crate::Slot)s to a tracer.
    pub trace: unsafe fn(NonNull<u8>, &mut Tracer),
    /// Reports the payload's pointers with names ([`Trace::describe`]),
    /// for heap graphs; never called by a collection.
    pub describe: unsafe fn(NonNull<u8>, &mut Edges),
    /// Drops the payload in place, or `None` when `T` has no drop glue.
    pub drop: Option<unsafe fn(NonNull<u8>)>,
}

impl TypeInfo {
    /// The descriptor of `T`.
    ///
    /// ```
    /// # use gc_core::object::TypeInfo;
    /// let info = TypeInfo::of::<(u64, String)>();
    /// assert_eq!(info.size, 32);
    /// assert!(info.drop.is_some());
    /// ```
    pub fn of<T: Trace + 'static>() -> &'static TypeInfo {
        &Descriptor::<T>::INFO
    }

    /// The descriptor of a slice object of `T`s (`[T]`, or `str` for
    /// `u8`): a length word, then the elements, traced and dropped one by one.
    ///
    /// ```
    /// # use gc_core::object::TypeInfo;
    /// let info = TypeInfo::of_slice::<u32>();
    /// assert_eq!((info.size, info.elem_size, info.value_offset), (8, 4, 8));
    /// assert_eq!(info.object_size_with(3), Some(48)); // 16 + 8 + 3 * 4, padded to 16
    /// assert_eq!(info.object_size_with(usize::MAX), None);
    /// ```
    pub fn of_slice<T: Trace + 'static>() -> &'static TypeInfo {
        &SliceDescriptor::<T>::INFO
    }

    /// The type's name.
    pub fn name(&self) -> &'static str {
        (self.type_name)()
    }

    /// Bytes the whole object (header and padded payload) occupies, for a
    /// type of fixed size.
    #[inline(always)]
    pub const fn object_size(&self) -> usize {
        object_size_for(self.size)
    }

    /// Bytes an object of this type with `len` elements occupies (for a
    /// fixed-size type, `len` is ignored), or `None` if that exceeds
    /// `isize::MAX`.
    #[inline(always)]
    pub const fn object_size_with(&self, len: usize) -> Option<usize> {
        let Some(elements) = len.checked_mul(self.elem_size) else {
            return None;
        };
        match elements.checked_add(HEADER_SIZE + self.size + OBJECT_ALIGN - 1) {
            Some(end) if end <= isize::MAX as usize => Some(end & !(OBJECT_ALIGN - 1)),
            _ => None,
        }
    }
}

/// Bytes an object with a payload of `payload` bytes occupies, header included.
#[inline(always)]
pub const fn object_size_for(payload: usize) -> usize {
    (HEADER_SIZE + payload + OBJECT_ALIGN - 1) & !(OBJECT_ALIGN - 1)
}

struct Descriptor<T>(PhantomData<T>);

impl<T: Trace + 'static> Descriptor<T> {
    const INFO: TypeInfo = TypeInfo {
        type_name: std::any::type_name::<T>,
        size: size_of::<T>(),
        elem_size: 0,
        value_offset: 0,
        fixed_object_size: object_size_for(size_of::<T>()),
        align: align_of::<T>(),
        needs_trace: T::NEEDS_TRACE,
        nulls_before_drop: T::NEEDS_TRACE && T::HANDLE_POINTERS,
        trace: trace_erased::<T>,
        describe: describe_erased::<T>,
        drop: if needs_drop::<T>() {
            Some(drop_erased::<T>)
        } else {
            None
        },
    };
}

/// The payload of a slice object: the length, then (at `size_of` this
/// type) the elements.
#[repr(C)]
struct SliceHead<T> {
    len: usize,
    elements: [T; 0],
}

struct SliceDescriptor<T>(PhantomData<T>);

impl<T: Trace + 'static> SliceDescriptor<T> {
    const INFO: TypeInfo = TypeInfo {
        type_name: std::any::type_name::<[T]>,
        size: size_of::<SliceHead<T>>(),
        elem_size: size_of::<T>(),
        value_offset: size_of::<SliceHead<T>>(),
        fixed_object_size: 0,
        align: align_of::<SliceHead<T>>(),
        needs_trace: T::NEEDS_TRACE,
        nulls_before_drop: T::NEEDS_TRACE && T::HANDLE_POINTERS,
        trace: trace_slice::<T>,
        describe: describe_slice::<T>,
        drop: if needs_drop::<T>() {
            Some(drop_slice::<T>)
        } else {
            None
        },
    };
}

/// The elements of the slice object whose payload is `payload`.
///
/// # Safety
/// - `payload` is the payload of a slice object of `T`s with an
///   initialised length.
unsafe fn slice_elements<T>(payload: NonNull<u8>) -> NonNull<[T]> {
    // SAFETY: the caller guarantees an initialised length word, and the
    // elements follow the head, inside the object.
    unsafe {
        let len = payload.cast::<usize>().read();
        let first = payload.add(size_of::<SliceHead<T>>()).cast::<T>();
        NonNull::slice_from_raw_parts(first, len)
    }
}

/// # Safety
/// - `payload` is a live slice object of `T`s, its elements initialised.
unsafe fn trace_slice<T: Trace>(payload: NonNull<u8>, tracer: &mut Tracer) {
    // SAFETY: the caller guarantees a live slice object of `T`s.
    let elements = unsafe { slice_elements::<T>(payload).as_ref() };
    elements.iter().for_each(|element| element.trace(tracer));
}

/// # Safety
/// - `payload` is a live slice object of `T`s.
unsafe fn describe_slice<T: Trace>(payload: NonNull<u8>, edges: &mut Edges) {
    // SAFETY: the caller guarantees a live slice object of `T`s.
    let elements = unsafe { slice_elements::<T>(payload).as_ref() };
    crate::trace::describe_elements(elements.iter(), edges);
}

/// # Safety
/// - `payload` is a live, initialised `T`.
unsafe fn describe_erased<T: Trace>(payload: NonNull<u8>, edges: &mut Edges) {
    // SAFETY: the caller guarantees `payload` is a live `T`.
    unsafe { payload.cast::<T>().as_ref() }.describe(edges);
}

/// # Safety
/// - `payload` is a live slice object of `T`s, its elements initialised
///   and never used again.
unsafe fn drop_slice<T>(payload: NonNull<u8>) {
    // SAFETY: the caller guarantees live elements dropped exactly once
    // (`drop_in_place` on a slice drops the rest if one panics).
    unsafe { slice_elements::<T>(payload).as_ptr().drop_in_place() }
}

/// # Safety
/// - `payload` points to a live, initialised `T`.
unsafe fn trace_erased<T: Trace>(payload: NonNull<u8>, tracer: &mut Tracer) {
    // SAFETY: the caller guarantees `payload` is a live `T`.
    unsafe { payload.cast::<T>().as_ref() }.trace(tracer);
}

/// # Safety
/// - `payload` points to a live, initialised `T` that is never used again.
unsafe fn drop_erased<T>(payload: NonNull<u8>) {
    // SAFETY: the caller guarantees a live `T` that is dropped exactly once.
    unsafe { payload.cast::<T>().as_ptr().drop_in_place() }
}

/// The header in front of every object.
#[repr(C)]
pub struct Header {
    info: &'static TypeInfo,
    /// One word owned by the backend: a mark bit, a forwarding pointer or a count.
    pub meta: Cell<usize>,
}

/// A pointer to the start (header) of a heap object. Collector-facing: user code
/// holds [`Root`](crate::Root)s and [`Gc`](crate::Gc) fields instead.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(transparent)]
pub struct ObjectRef(NonNull<Header>);

impl std::fmt::Debug for ObjectRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ObjectRef({:p})", self.0)
    }
}

impl ObjectRef {
    /// Writes a fresh header at `start` and returns the object reference.
    ///
    /// # Safety
    /// - `start` is [`OBJECT_ALIGN`]-aligned and valid for writes of the
    ///   object's size (`info.object_size()`, or for a slice object
    ///   [`TypeInfo::object_size_with`] its length) in bytes that no live
    ///   object uses.
    #[inline(always)]
    pub unsafe fn init(start: NonNull<u8>, info: &'static TypeInfo, meta: usize) -> ObjectRef {
        debug_assert!(
            (start.as_ptr() as usize).is_multiple_of(OBJECT_ALIGN),
            "misaligned object {start:p}"
        );
        let header = start.cast::<Header>();
        // SAFETY: the caller guarantees the memory is writable and unused.
        unsafe {
            header.as_ptr().write(Header {
                info,
                meta: Cell::new(meta),
            })
        };
        ObjectRef(header)
    }

    /// Rebuilds a reference from an address produced by [`ObjectRef::addr`].
    ///
    /// # Safety
    /// - `addr` is the start of an object with an initialised header.
    #[inline(always)]
    pub unsafe fn from_addr(addr: usize) -> ObjectRef {
        debug_assert!(
            addr != 0 && addr.is_multiple_of(OBJECT_ALIGN),
            "bad object address {addr:#x}"
        );
        // SAFETY: the caller guarantees a non-null object start.
        ObjectRef(unsafe { NonNull::new_unchecked(addr as *mut Header) })
    }

    /// The object's address (its header's).
    #[inline(always)]
    pub fn addr(self) -> usize {
        self.0.as_ptr() as usize
    }

    /// The object's start as a byte pointer.
    #[inline(always)]
    pub fn start(self) -> NonNull<u8> {
        self.0.cast()
    }

    /// The header.
    ///
    /// # Safety
    /// - The object is live (its header initialised and not freed) for `'a`.
    #[inline(always)]
    pub unsafe fn header<'a>(self) -> &'a Header {
        // SAFETY: the caller guarantees the header is live for 'a.
        unsafe { self.0.as_ref() }
    }

    /// The type descriptor.
    ///
    /// # Safety
    /// - As [`ObjectRef::header`].
    #[inline(always)]
    pub unsafe fn info(self) -> &'static TypeInfo {
        // SAFETY: forwarded to the caller.
        unsafe { self.header() }.info
    }

    /// The backend's metadata word.
    ///
    /// # Safety
    /// - As [`ObjectRef::header`].
    #[inline(always)]
    pub unsafe fn meta<'a>(self) -> &'a Cell<usize> {
        // SAFETY: forwarded to the caller.
        &unsafe { self.header() }.meta
    }

    /// The payload's first byte (only an address: the object may be dead).
    #[inline(always)]
    pub fn payload(self) -> NonNull<u8> {
        // Wrapping arithmetic: defined even once the object is freed.
        let payload = self.start().as_ptr().wrapping_add(HEADER_SIZE);
        // SAFETY: non-null: every `ObjectRef` was made (by `init` or
        // `from_addr`) from the start of an object of at least
        // `HEADER_SIZE` bytes, so adding `HEADER_SIZE` does not wrap to 0.
        unsafe { NonNull::new_unchecked(payload) }
    }

    /// Bytes the object occupies, header included: its type's for a
    /// fixed-size type (`info.fixed_object_size`), else from the length
    /// stored in the payload (one predictable branch on the descriptor,
    /// which is read anyway).
    ///
    /// # Safety
    /// - As [`ObjectRef::header`], and a slice object's length is
    ///   initialised (a collector's `alloc` returns the object before its
    ///   caller writes it).
    #[inline(always)]
    pub unsafe fn size(self) -> usize {
        // SAFETY: forwarded to the caller.
        let info = unsafe { self.info() };
        if info.fixed_object_size != 0 {
            return info.fixed_object_size;
        }
        // SAFETY: a slice object's payload starts with its initialised
        // length (caller).
        let len = unsafe { self.payload().cast::<usize>().read() };
        // The allocation checked that this size fits (`object_size_with`).
        object_size_for(info.size + len * info.elem_size)
    }

    /// Reports the object's slots to `tracer` (nothing if the type has none).
    ///
    /// # Safety
    /// - The object is live and its payload initialised.
    #[inline(always)]
    pub unsafe fn trace(self, tracer: &mut Tracer) {
        // SAFETY: forwarded to the caller.
        let info = unsafe { self.info() };
        if info.needs_trace {
            // SAFETY: the payload is a live value of the type `info` describes.
            unsafe { (info.trace)(self.payload(), tracer) }
        }
    }

    /// Reports the object's pointers with names, and the buffer bytes it
    /// owns, for a heap graph ([`Trace::describe`]).
    ///
    /// # Safety
    /// - The object is live and its payload initialised.
    pub unsafe fn describe(self, edges: &mut Edges) {
        // SAFETY: forwarded to the caller.
        let info = unsafe { self.info() };
        // SAFETY: the payload is a live value of the type `info` describes.
        unsafe { (info.describe)(self.payload(), edges) }
    }

    /// Finalises a dead object: clears every handle-API `Gc` field it holds
    /// (so its `Drop` can never see, or smuggle out, a pointer to another
    /// object) and then runs the payload's destructor. The memory itself is
    /// the caller's to free. A type that holds no handle-API pointer
    /// ([`TypeInfo::nulls_before_drop`] false) is not traced: object-model
    /// pointers are never nulled (no object-model type has a `Drop` that
    /// could read them), so the trace would find nothing to clear.
    ///
    /// # Safety
    /// - The object is live, unreachable, and finalised at most once.
    /// - `scratch` is empty.
    pub unsafe fn finalize(self, scratch: &mut Tracer) {
        // SAFETY: forwarded to the caller.
        let info = unsafe { self.info() };
        let Some(drop) = info.drop else { return };
        if info.nulls_before_drop {
            let purpose = scratch.records(Records::HandlePointers);
            // SAFETY: the object is live, per the caller.
            unsafe { self.trace(scratch) };
            scratch.records(purpose);
            for slot in scratch.drain() {
                // SAFETY: slots reported by `trace` live inside the object's
                // payload (or memory it owns), which is still alive.
                unsafe { slot.as_ref() }.set(None);
            }
        }
        // SAFETY: the payload is live and, per the caller, dropped only now.
        unsafe { drop(self.payload()) }
    }
}

/// Identities for a backend whose objects move, where
/// [`Collector::identity`](crate::Collector::identity) cannot be the
/// address: the first time an object is asked, it gets the next number of
/// this counter, kept in its header's `meta` word shifted left by one. The
/// number moves with the header when the object is copied or slid, and bit
/// 0 stays clear for the backend's own tag during a collection (copying's
/// forwarding tag, a compactor's mark bit; a compactor that overwrites the
/// word saves and restores it).
///
/// ```
/// use gc_core::object::{IdentityCounter, ObjectRef, TypeInfo};
/// use std::ptr::NonNull;
///
/// #[repr(align(16))]
/// struct Memory([u8; 32]);
/// let mut memory = Memory([0; 32]);
/// let start = NonNull::from(&mut memory).cast::<u8>();
/// // SAFETY: 32 writable, 16-aligned bytes, the size of a `u64` object.
/// let obj = unsafe { ObjectRef::init(start, TypeInfo::of::<u64>(), 0) };
/// let mut ids = IdentityCounter::default();
/// // SAFETY: `obj` is live (its header is initialised; the payload is
/// // never read) and its `meta` word is 0.
/// let first = unsafe { ids.identity(obj) };
/// // SAFETY: `obj` is live, and its word holds the identity just given.
/// assert_eq!(unsafe { ids.identity(obj) }, first);
/// // SAFETY: the header is live.
/// assert_eq!(unsafe { obj.meta() }.get() & 1, 0);
/// ```
#[derive(Debug, Default)]
pub struct IdentityCounter {
    /// The last identity given (0: none yet).
    last: u64,
}

impl IdentityCounter {
    /// `obj`'s identity: the one its `meta` word holds, or the next
    /// number, stored there now.
    ///
    /// # Safety
    /// - `obj` is live, and outside collections its backend keeps in its
    ///   `meta` word only 0 or an identity this counter gave it.
    #[inline]
    pub unsafe fn identity(&mut self, obj: ObjectRef) -> u64 {
        // SAFETY: `meta`'s bullet: `obj` is live (this function's bullet).
        let meta = unsafe { obj.meta() };
        if meta.get() == 0 {
            self.last += 1;
            meta.set((self.last << 1) as usize);
        }
        (meta.get() >> 1) as u64
    }
}

/// The objects that lie back to back in `start..end`, in address order:
/// a bump-allocated space's walk. Each object's size is read when the walk
/// reaches it, before the object is yielded, so the caller may finalise
/// the object it is given, or move it anywhere below the next one.
///
/// ```
/// use gc_core::object::{contiguous, ObjectRef, TypeInfo};
/// use std::ptr::NonNull;
///
/// #[repr(align(16))]
/// struct Memory([u8; 64]);
/// let mut memory = Memory([0; 64]);
/// let start = NonNull::from(&mut memory).cast::<u8>();
/// let info = TypeInfo::of::<u64>(); // 32-byte objects
/// for i in 0..2 {
///     // SAFETY: 32 writable, 16-aligned bytes no object uses.
///     unsafe { ObjectRef::init(start.add(32 * i), info, 0) };
/// }
/// let at = start.as_ptr() as usize;
/// // SAFETY: two objects with initialised headers lie back to back in
/// // `at..at + 64`, and nothing changes them while the walk runs.
/// let walked: Vec<usize> = unsafe { contiguous(at, at + 64) }.map(ObjectRef::addr).collect();
/// assert_eq!(walked, [at, at + 32]);
/// ```
///
/// # Safety
/// - While the iterator is used, `start..end` holds objects back to
///   back from `start`, each with an initialised header (and, for a slice
///   object, length) when the walk reaches it.
pub unsafe fn contiguous(start: usize, end: usize) -> impl Iterator<Item = ObjectRef> {
    let mut at = start;
    std::iter::from_fn(move || {
        (at < end).then(|| {
            // SAFETY: `from_addr`'s bullet: objects lie back to back from
            // `start` (this function's bullet), so `at` starts one.
            let obj = unsafe { ObjectRef::from_addr(at) };
            // SAFETY: `size`'s bullet: the header and a slice's length are
            // initialised when the walk reaches the object (this
            // function's bullet).
            at += unsafe { obj.size() };
            obj
        })
    })
}
