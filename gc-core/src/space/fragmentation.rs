//! [`Fragmentation`]: how a space's free memory lies among its objects.

/// Free memory inside the part of a space that holds objects, as
/// [`Collector::fragmentation`](crate::Collector::fragmentation) reports it:
/// the holes a non-moving collector leaves where objects died, which a
/// compacting one closes.
///
/// For a free-list space the *used span* is its size-class blocks holding
/// at least one object; free cells inside them can be reused only by
/// objects of the block's size class. Empty blocks, never-used address
/// space and large objects (one mapping each) are outside the span. For a
/// bump-allocated space the span is the allocated prefix, which has no holes.
///
/// ```
/// use gc_core::space::Fragmentation;
/// let f = Fragmentation { span_bytes: 1024, free_bytes: 256, largest_free_run: 64 };
/// assert_eq!(f.free_fraction(), 0.25);
/// assert_eq!(Fragmentation::default().free_fraction(), 0.0);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Fragmentation {
    /// Bytes of the used span: the blocks holding objects.
    pub span_bytes: usize,
    /// Free bytes inside the span (free cells of partly used blocks).
    pub free_bytes: usize,
    /// The longest run of adjacent free bytes inside one block of the span:
    /// the largest hole.
    pub largest_free_run: usize,
}

impl Fragmentation {
    /// `free_bytes / span_bytes`: the share of the used span that is holes
    /// (0.0 for an empty span).
    pub fn free_fraction(&self) -> f64 {
        if self.span_bytes == 0 {
            0.0
        } else {
            self.free_bytes as f64 / self.span_bytes as f64
        }
    }
}
