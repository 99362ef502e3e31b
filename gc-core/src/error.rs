//! [`GcError`]: what the fallible (`try_`) APIs return, and [`GcErrorKind`]:
//! what went wrong.

use crate::object::OBJECT_ALIGN;
use std::fmt;

/// Why an allocation or heap construction failed. The heap stays usable
/// after any of these; [`GcError::kind`] says which failure it was.
///
/// It is one word (the details sit behind a box, made only when something
/// fails), so every allocation's `Result<_, GcError>` is two and comes back
/// in registers. A larger error made each allocation return through memory,
/// and the speed of code that kept several results at once then swung with
/// the error's size (issue 12's regression check: `cycles` on mark-sweep ran
/// 1.4x slower with a four-word error than with five words or one).
///
/// ```
/// use gc_core::{GcError, GcErrorKind, Heap, HeapConfig};
/// use gc_mark_sweep::MarkSweep;
///
/// let config = HeapConfig { capacity: 1 << 20, ..HeapConfig::default() };
/// let mut heap = Heap::<MarkSweep>::new(config)?;
/// let error: GcError = heap.scope("fill", |s| loop {
///     if let Err(error) = s.try_alloc([0u64; 1024]) {
///         break error;
///     }
/// });
/// assert!(matches!(error.kind(), GcErrorKind::OutOfMemory { limit: 1048576, .. }));
/// assert!(error.to_string().starts_with("out of memory"));
/// # Ok::<(), GcError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct GcError(Box<GcErrorKind>);

impl GcError {
    /// What went wrong.
    pub fn kind(&self) -> &GcErrorKind {
        &self.0
    }

    /// What went wrong, by value.
    pub fn into_kind(self) -> GcErrorKind {
        *self.0
    }

    /// [`GcErrorKind::OutOfMemory`]: `requested` bytes did not fit in a
    /// heap of `limit` bytes with `in_use` taken; `collected` says whether a
    /// full collection made for this request measured `in_use`.
    pub(crate) fn out_of_memory(
        requested: usize,
        limit: usize,
        in_use: usize,
        collected: bool,
    ) -> GcError {
        GcErrorKind::OutOfMemory {
            requested,
            limit,
            in_use,
            collected,
        }
        .into()
    }
}

impl From<GcErrorKind> for GcError {
    #[cold]
    #[inline(never)]
    fn from(kind: GcErrorKind) -> GcError {
        GcError(Box::new(kind))
    }
}

impl fmt::Debug for GcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for GcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

impl std::error::Error for GcError {}

/// The failures a [`GcError`] reports.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum GcErrorKind {
    /// The request did not fit in the heap's capacity. Through the handle
    /// API a full collection ran first (`collected`); inside a mutation
    /// region, where nothing may collect, it could not (see
    /// [`Mutation`](crate::model::Mutation) for how a region leaves room).
    OutOfMemory {
        /// Bytes the allocation needed (header included).
        requested: usize,
        /// The heap's capacity limit in bytes.
        limit: usize,
        /// If `collected`, the bytes (objects and the buffers they own)
        /// still live after the full collection made for this request.
        /// Otherwise the bytes taken when the request failed: those in use
        /// at the last collection plus those allocated since, less those
        /// freed (an upper bound of what the heap held, garbage included).
        in_use: usize,
        /// Whether a full collection (every collectable object collected,
        /// reference counting's cycles included) ran for this request.
        collected: bool,
    },
    /// A [`HeapConfig`](crate::HeapConfig) field is out of range.
    InvalidConfig(String),
    /// The type is aligned to more than heap objects are
    /// ([`OBJECT_ALIGN`](crate::object::OBJECT_ALIGN), 16 bytes).
    AlignmentTooLarge {
        /// The type's name.
        type_name: &'static str,
        /// Its alignment in bytes.
        align: usize,
    },
    /// A slice or string object of this length would exceed `isize::MAX`
    /// bytes ([`Mutation::try_alloc_slice`](crate::model::Mutation::try_alloc_slice)).
    TooLarge {
        /// The element type's name.
        type_name: &'static str,
        /// The number of elements asked for.
        len: usize,
    },
    /// The heap's capacity allows the request, but the operating system
    /// refused to map the memory (more than the machine can back, or its
    /// limit on mappings reached). Nothing was allocated.
    SystemMemory {
        /// Bytes asked for.
        requested: usize,
        /// What the system said.
        reason: String,
    },
}

impl fmt::Display for GcErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GcErrorKind::OutOfMemory {
                requested,
                limit,
                in_use,
                collected: true,
            } => write!(
                f,
                "out of memory: could not allocate {requested} bytes; \
                 {in_use} of the heap's {limit}-byte limit are still live after a full collection"
            ),
            GcErrorKind::OutOfMemory {
                requested,
                limit,
                in_use,
                collected: false,
            } => write!(
                f,
                "out of memory: could not allocate {requested} bytes inside a mutation region, \
                 where nothing is collected; {in_use} of the heap's {limit}-byte limit are taken \
                 (in use at the last collection or allocated since); end the region more often \
                 to let the collector run"
            ),
            GcErrorKind::InvalidConfig(why) => write!(f, "invalid heap configuration: {why}"),
            GcErrorKind::AlignmentTooLarge { type_name, align } => write!(
                f,
                "cannot allocate a {type_name}: it is aligned to {align} bytes, \
                 heap objects to at most {OBJECT_ALIGN} (box the over-aligned part)"
            ),
            GcErrorKind::TooLarge { type_name, len } => write!(
                f,
                "cannot allocate {len} elements of {type_name}: the object would be \
                 larger than isize::MAX bytes"
            ),
            GcErrorKind::SystemMemory { requested, reason } => write!(
                f,
                "the system refused {requested} bytes ({reason}): the heap's capacity \
                 allows them, the machine does not"
            ),
        }
    }
}

impl std::error::Error for GcErrorKind {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_one_word_and_say_what_went_wrong() {
        // An allocation's result is two words, returned in registers.
        assert_eq!(size_of::<GcError>(), size_of::<usize>());
        assert_eq!(
            size_of::<Result<crate::Root<'static, u64>, GcError>>(),
            2 * size_of::<usize>()
        );
        let error = GcError::from(GcErrorKind::AlignmentTooLarge {
            type_name: "Page",
            align: 4096,
        });
        assert_eq!(
            error.to_string(),
            "cannot allocate a Page: it is aligned to 4096 bytes, \
             heap objects to at most 16 (box the over-aligned part)"
        );
        assert!(matches!(
            error.kind(),
            GcErrorKind::AlignmentTooLarge { align: 4096, .. }
        ));
        assert_eq!(
            format!("{error:?}"),
            format!("{:?}", error.clone().into_kind())
        );
    }
}
