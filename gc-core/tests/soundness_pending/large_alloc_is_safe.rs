//! SOUNDNESS HOLE (pending fix): `LargeObjectSpace::alloc` is safe and leaves
//! the payload uninitialised; dropping the space finalises it: SIGSEGV in safe
//! code. Fixed when `LargeObjectSpace::alloc` is an `unsafe fn`; then E0133.
use gc_core::object::TypeInfo;
use gc_core::space::LargeObjectSpace;

fn main() {
    let mut space = LargeObjectSpace::default();
    space.alloc(
        TypeInfo::of::<([u64; 2048], Box<Box<u64>>)>(),
        0,
        usize::MAX,
    );
}
