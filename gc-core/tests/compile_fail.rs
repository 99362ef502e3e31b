//! Compile-fail tests: each program in `tests/compile_fail/` breaks one rule
//! of the API (DESIGN.md R1/R2, roots branded by their scope, `Gc` never
//! leaving its object, local heaps and every handle staying on their thread,
//! sendable heaps holding only `HeapSend` values, collector internals behind
//! `unsafe`), and must be rejected by the
//! compiler for that reason. Its expected error is checked in next to it as a
//! `.stderr` file; regenerate with `TRYBUILD=overwrite` after a toolchain
//! upgrade and re-read each diff.
//!
//! rustc spells a type by its bare name (`Root`) when no other crate in the
//! graph has an item of that name, and by its path (`gc_core::Root`)
//! otherwise. The graph here is gc-core's own dependencies and
//! dev-dependencies, the same under `cargo test -p gc-core` and
//! `cargo test --workspace`; the only difference between the two, gc-core's
//! `serde` feature (on in the workspace), brings in no clashing name. So one
//! set of `.stderr` files holds for both (the test kit, whose `proptest`
//! dependency did clash, is a crate of its own, `gc-testing`).

#[test]
fn api_misuse_does_not_compile() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/compile_fail/*.rs");
}
