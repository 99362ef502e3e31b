//! [`GcError`]: what the fallible (`try_`) APIs return.

use crate::object::OBJECT_ALIGN;
use std::fmt;

/// Why an allocation or heap construction failed. The heap stays usable
/// after any of these.
///
/// Every allocation returns a `Result` of it, so it is kept to four words
/// (no variant carries more than three).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum GcError {
    /// A full collection could not make room for the request.
    OutOfMemory {
        /// Bytes the allocation needed (header included).
        requested: usize,
        /// The heap's capacity limit in bytes.
        limit: usize,
        /// Bytes still in use after the collection that tried to make room.
        in_use: usize,
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
}

impl fmt::Display for GcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GcError::OutOfMemory {
                requested,
                limit,
                in_use,
            } => write!(
                f,
                "out of memory: could not allocate {requested} bytes; \
                 {in_use} of the heap's {limit}-byte limit are still live after a full collection"
            ),
            GcError::InvalidConfig(why) => write!(f, "invalid heap configuration: {why}"),
            GcError::AlignmentTooLarge { type_name, align } => write!(
                f,
                "cannot allocate a {type_name}: it is aligned to {align} bytes, \
                 heap objects to at most {OBJECT_ALIGN} (box the over-aligned part)"
            ),
            GcError::TooLarge { type_name, len } => write!(
                f,
                "cannot allocate {len} elements of {type_name}: the object would be \
                 larger than isize::MAX bytes"
            ),
        }
    }
}

impl std::error::Error for GcError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_stay_four_words_and_say_what_went_wrong() {
        // Each allocation's `Result` carries one; a fifth word costs every
        // allocation a move (issue 12's regression check found it).
        assert_eq!(size_of::<GcError>(), 4 * size_of::<usize>());
        let error = GcError::AlignmentTooLarge {
            type_name: "Page",
            align: 4096,
        };
        assert_eq!(
            error.to_string(),
            "cannot allocate a Page: it is aligned to 4096 bytes, \
             heap objects to at most 16 (box the over-aligned part)"
        );
    }
}
