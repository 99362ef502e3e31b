//! SOUNDNESS HOLE (pending fix): `FreeListSpace::alloc` is safe and leaves the
//! payload uninitialised; `sweep` (also safe) finalises it: SIGSEGV in safe
//! code. Fixed when `FreeListSpace::alloc` is an `unsafe fn`; then E0133.
use gc_core::object::TypeInfo;
use gc_core::space::FreeListSpace;

fn main() {
    let mut space = FreeListSpace::new(1 << 20).unwrap();
    space.alloc(TypeInfo::of::<Box<Box<u64>>>(), 0);
    space.sweep();
}
