//! Size guarantees of the handle types and the object header: what a field,
//! a root and an object cost.

use gc_core::object::{object_size_for, Header, ObjectRef, TypeInfo, HEADER_SIZE, OBJECT_ALIGN};
use gc_core::{Gc, Root, Slot};
use std::mem::{align_of, size_of};

type Big = [u64; 32];

#[test]
fn gc_field_is_one_word() {
    assert_eq!(size_of::<Gc<u8>>(), size_of::<usize>());
    assert_eq!(size_of::<Gc<Big>>(), size_of::<usize>());
    assert_eq!(size_of::<Gc<Gc<u8>>>(), size_of::<usize>());
    assert_eq!(align_of::<Gc<u8>>(), align_of::<usize>());
    assert_eq!(
        size_of::<Slot>(),
        size_of::<usize>(),
        "null is the NonNull niche"
    );
    assert_eq!(size_of::<ObjectRef>(), size_of::<usize>());
    assert_eq!(size_of::<Option<ObjectRef>>(), size_of::<usize>());
    // `Gc` is nullable itself; `Option<Gc<T>>` costs a tag word, because the
    // `Cell` inside hides the niche.
    assert_eq!(size_of::<Option<Gc<u8>>>(), 2 * size_of::<usize>());
}

#[test]
fn root_is_two_u32s() {
    assert_eq!(size_of::<Root<'static, u8>>(), 8);
    assert_eq!(size_of::<Root<'static, Big>>(), 8);
    assert_eq!(align_of::<Root<'static, u8>>(), 4);
}

#[test]
fn option_root_has_no_niche() {
    // Slot index and heap id are plain `u32`s, so `None` needs a tag word.
    // A `NonZeroU32` heap id (ids start at 1) would make this 8.
    assert_eq!(size_of::<Option<Root<'static, u8>>>(), 12);
}

#[test]
fn header_is_two_words_and_keeps_payloads_aligned() {
    assert_eq!(HEADER_SIZE, 16);
    assert_eq!(size_of::<Header>(), HEADER_SIZE);
    assert_eq!(HEADER_SIZE % OBJECT_ALIGN, 0);
    assert_eq!(object_size_for(0), 16);
    assert_eq!(object_size_for(1), 32);
    assert_eq!(object_size_for(16), 32);
    assert_eq!(TypeInfo::of::<u64>().object_size(), 32);
    assert_eq!(TypeInfo::of::<[u64; 2]>().object_size(), 32);
    assert_eq!(TypeInfo::of::<()>().object_size(), 16);
}

#[test]
fn model_pointers_are_one_word_or_two_for_unsized_targets() {
    use gc_core::model::Gc as ModelGc;
    use std::fmt::Debug;
    assert_eq!(size_of::<ModelGc<'static, u64>>(), size_of::<usize>());
    assert_eq!(
        size_of::<Option<ModelGc<'static, u64>>>(),
        size_of::<usize>()
    );
    // Address, then length or vtable; `None` is the address's niche.
    for size in [
        size_of::<ModelGc<'static, [u8]>>(),
        size_of::<ModelGc<'static, str>>(),
        size_of::<ModelGc<'static, dyn Debug>>(),
        size_of::<Option<ModelGc<'static, [u64]>>>(),
        size_of::<Option<ModelGc<'static, dyn Debug>>>(),
    ] {
        assert_eq!(size, 2 * size_of::<usize>());
    }
}

#[test]
fn slice_objects_are_a_length_word_and_their_elements() {
    let bytes = TypeInfo::of_slice::<u8>();
    assert_eq!(
        (bytes.size, bytes.value_offset, bytes.fixed_object_size),
        (8, 8, 0)
    );
    assert_eq!(
        bytes.object_size_with(0),
        Some(32),
        "header and length word, padded"
    );
    assert_eq!(bytes.object_size_with(8), Some(32));
    assert_eq!(bytes.object_size_with(9), Some(48));
    let wide = TypeInfo::of_slice::<u128>();
    assert_eq!(
        wide.value_offset, 16,
        "16-aligned elements start 16 bytes in"
    );
    assert_eq!(wide.object_size_with(2), Some(HEADER_SIZE + 16 + 32));
    assert_eq!(
        wide.object_size_with(usize::MAX / 16),
        None,
        "past isize::MAX"
    );
    let sized = TypeInfo::of::<Big>();
    assert_eq!(sized.fixed_object_size, sized.object_size());
}
