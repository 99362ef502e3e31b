//! Memory spaces shared by the backends: the free-list space (size-class
//! blocks plus large objects, for the non-moving collectors) and the
//! large-object space on its own (which the copying collector uses), and
//! the buffer space, where the object model's containers keep their
//! elements.

mod bitmap;
pub(crate) mod buffer;
mod fragmentation;
pub mod free_list;
pub mod large;

pub use fragmentation::Fragmentation;
pub use free_list::{FreeListSpace, SharedMarks, BLOCK_SIZE, POISON, SIZE_CLASSES};
pub use large::{LargeObjectSpace, LARGE_OBJECT_THRESHOLD};
