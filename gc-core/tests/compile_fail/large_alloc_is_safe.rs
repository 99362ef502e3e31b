//! Once a soundness hole, now closed: `LargeObjectSpace::alloc` was safe and left
//! the payload uninitialised; dropping the space finalises it: SIGSEGV in safe
//! code. Closed by making `LargeObjectSpace::alloc` an `unsafe fn`, so this fails with E0133.
use gc_core::object::TypeInfo;
use gc_core::space::LargeObjectSpace;

fn main() {
    let mut space = LargeObjectSpace::default();
    let info = TypeInfo::of::<([u64; 2048], Box<Box<u64>>)>();
    space.alloc(info, info.object_size(), 0, usize::MAX);
}
