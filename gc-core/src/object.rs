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
//! This module is for collector authors; programs use [`Gc`](crate::Gc) and
//! [`Root`](crate::Root) and never see an [`ObjectRef`].

use crate::trace::{Trace, Tracer};
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
    /// `size_of::<T>()`.
    pub size: usize,
    /// `align_of::<T>()` (at most [`OBJECT_ALIGN`]).
    pub align: usize,
    /// `T::NEEDS_TRACE`: `false` lets collectors skip calling [`TypeInfo::trace`].
    pub needs_trace: bool,
    /// Reports the payload's [`Slot`](crate::Slot)s to a tracer.
    pub trace: unsafe fn(NonNull<u8>, &mut Tracer),
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

    /// The type's name.
    pub fn name(&self) -> &'static str {
        (self.type_name)()
    }

    /// Bytes the whole object (header and padded payload) occupies.
    #[inline(always)]
    pub const fn object_size(&self) -> usize {
        object_size_for(self.size)
    }
}

/// Bytes an object with a payload of `payload` bytes occupies, header included.
#[inline(always)]
pub const fn object_size_for(payload: usize) -> usize {
    (HEADER_SIZE + payload + OBJECT_ALIGN - 1) & !(OBJECT_ALIGN - 1)
}

struct Descriptor<T>(PhantomData<T>);

impl<T: Trace + 'static> Descriptor<T> {
    const INFO: TypeInfo = {
        assert!(
            align_of::<T>() <= OBJECT_ALIGN,
            "heap types may be aligned to at most 16 bytes"
        );
        TypeInfo {
            type_name: std::any::type_name::<T>,
            size: size_of::<T>(),
            align: align_of::<T>(),
            needs_trace: T::NEEDS_TRACE,
            trace: trace_erased::<T>,
            drop: if needs_drop::<T>() {
                Some(drop_erased::<T>)
            } else {
                None
            },
        }
    };
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
    /// - `start` is [`OBJECT_ALIGN`]-aligned and valid for writes of
    ///   `info.object_size()` bytes that no live object uses.
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

    /// The payload's first byte.
    #[inline(always)]
    pub fn payload(self) -> NonNull<u8> {
        // SAFETY: the payload follows the header inside the same allocation.
        unsafe { self.start().add(HEADER_SIZE) }
    }

    /// Bytes the object occupies, header included.
    ///
    /// # Safety
    /// - As [`ObjectRef::header`].
    #[inline(always)]
    pub unsafe fn size(self) -> usize {
        // SAFETY: forwarded to the caller.
        unsafe { self.info() }.object_size()
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

    /// Finalises a dead object: clears every `Gc` field it holds (so its `Drop`
    /// can never see, or smuggle out, a pointer to another object) and then
    /// runs the payload's destructor. The memory itself is the caller's to free.
    ///
    /// # Safety
    /// - The object is live, unreachable, and finalised at most once.
    /// - `scratch` is empty.
    pub unsafe fn finalize(self, scratch: &mut Tracer) {
        // SAFETY: forwarded to the caller.
        let info = unsafe { self.info() };
        let Some(drop) = info.drop else { return };
        scratch.finalizing = true;
        // SAFETY: the object is live, per the caller.
        unsafe { self.trace(scratch) };
        scratch.finalizing = false;
        for slot in scratch.drain() {
            // SAFETY: slots reported by `trace` live inside the object's payload
            // (or memory it owns), which is still alive.
            unsafe { slot.as_ref() }.set(None);
        }
        // SAFETY: the payload is live and, per the caller, dropped only now.
        unsafe { drop(self.payload()) }
    }
}
