//! Once a soundness hole, now closed: `FreeListSpace::alloc` was safe and left the
//! payload uninitialised; dropping the space finalises it: SIGSEGV in safe
//! code. Closed by making `FreeListSpace::alloc` an `unsafe fn`, so this fails with E0133.
use gc_core::object::TypeInfo;
use gc_core::space::FreeListSpace;

fn main() {
    let mut space = FreeListSpace::new(1 << 20).unwrap();
    let info = TypeInfo::of::<Box<Box<u64>>>();
    space.alloc(info, info.object_size(), 0);
    drop(space);
}
