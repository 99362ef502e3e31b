//! Once a soundness hole, now closed: `FreeListSpace::sweep` and
//! `sweep_lazily` were safe, yet they finalise every object that is not
//! marked, reachable or not. Sweeping without marking dropped a `String` the
//! program still used, and the read below was a use after free. Closed by
//! making both `unsafe fn`s (everything reachable must be marked), so this
//! fails with E0133.
use gc_core::object::TypeInfo;
use gc_core::space::FreeListSpace;

fn main() {
    let mut space = FreeListSpace::new(1 << 20).unwrap();
    // SAFETY: the payload is initialised before the space is used again.
    let info = TypeInfo::of::<String>();
    let obj = unsafe { space.alloc(info, info.object_size(), 0) }.unwrap();
    // SAFETY: a fresh object of `String`'s size and alignment.
    unsafe { obj.payload().cast::<String>().as_ptr().write("live".to_string()) };
    space.sweep();
    space.sweep_lazily();
    // SAFETY: the object is live, as far as the program knows.
    println!("{}", unsafe { obj.payload().cast::<String>().as_ref() });
}
