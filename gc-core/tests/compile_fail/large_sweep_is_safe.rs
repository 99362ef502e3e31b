//! Once a soundness hole, now closed: `LargeObjectSpace::sweep` was safe, yet
//! it finalises and unmaps every large object that is not marked: sweeping
//! without marking unmapped an object the program still used. Closed by
//! making it an `unsafe fn` (everything reachable must be marked), so this
//! fails with E0133.
use gc_core::finalize::Finalizer;
use gc_core::object::TypeInfo;
use gc_core::space::LargeObjectSpace;

fn main() {
    let mut space = LargeObjectSpace::default();
    // SAFETY: the payload is initialised before the space is used again.
    let info = TypeInfo::of::<[u64; 2048]>();
    let obj = unsafe { space.alloc(info, info.object_size(), 0, usize::MAX) }.unwrap();
    // SAFETY: a fresh object of the array's size and alignment.
    unsafe { obj.payload().cast::<[u64; 2048]>().as_ptr().write([7; 2048]) };
    space.sweep(&mut Finalizer::new());
    // SAFETY: the object is live, as far as the program knows.
    println!("{}", unsafe { obj.payload().cast::<[u64; 2048]>().as_ref() }[0]);
}
