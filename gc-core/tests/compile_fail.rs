//! Compile-fail tests: each program in `tests/compile_fail/` breaks one rule
//! of the API (DESIGN.md R1/R2, roots branded by their scope, `Gc` never
//! leaving its object, local heaps and every handle staying on their thread,
//! sendable heaps holding only `HeapSend` values, collector internals behind
//! `unsafe`), and must be rejected by the
//! compiler for that reason. Its expected error is checked in next to it as a
//! `.stderr` file; regenerate with `TRYBUILD=overwrite` after a toolchain
//! upgrade and re-read each diff.

#[test]
fn api_misuse_does_not_compile() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/compile_fail/*.rs");
}
