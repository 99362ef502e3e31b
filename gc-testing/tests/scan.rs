//! The build script's reading of the checks (`build/scan.rs`): every check
//! is found, however rustfmt lays out its signature, and a check that would
//! not run is a build error, never skipped.

#[path = "../build/scan.rs"]
mod scan;

use scan::checks_in;

#[test]
fn finds_every_check_in_order() {
    let source = r#"
        use crate::conformance::Mode;
        /// A check.
        pub fn first<C: Collector>(mode: Mode) {}
        fn helper<C: Collector>(mode: Mode) -> Heap<C> { todo!() }
        pub fn second<C: SendCollector + 'static>(mode: Mode) { let _ = mode; }
        pub fn long_list<C: Collector>(config: HeapConfig, len: usize) {}
        impl Mode { pub fn size(self, normal: usize, stress: usize) -> usize { 0 } }
    "#;
    assert_eq!(checks_in(source).unwrap(), ["first", "second"]);
}

#[test]
fn finds_a_check_whose_signature_rustfmt_wrapped() {
    let source = "
        pub fn a_check_with_a_name_long_enough_for_rustfmt_to_wrap_its_signature<
            C: Collector,
        >(
            mode: conformance::Mode,
        ) {
        }
    ";
    assert_eq!(
        checks_in(source).unwrap(),
        ["a_check_with_a_name_long_enough_for_rustfmt_to_wrap_its_signature"]
    );
}

#[test]
fn a_private_check_is_an_error() {
    let error = checks_in("fn forgotten<C: Collector>(mode: Mode) {}").unwrap_err();
    assert!(error.contains("`forgotten` must be `pub`"), "{error}");
}

#[test]
fn a_public_function_taking_a_mode_otherwise_is_an_error() {
    for source in [
        "pub fn two<C: Collector, D: Collector>(mode: Mode) {}",
        "pub fn concrete(mode: Mode) {}",
        "pub fn extra<C: Collector>(mode: Mode, n: usize) {}",
        "pub fn returns<C: Collector>(mode: Mode) -> bool { true }",
    ] {
        let error = checks_in(source).unwrap_err();
        assert!(error.contains("is not a check"), "{source}: {error}");
    }
}

#[test]
fn a_check_inside_an_inline_module_is_an_error() {
    let error = checks_in("mod inner { pub fn hidden<C: Collector>(mode: Mode) {} }").unwrap_err();
    assert!(error.contains("`hidden` is inside `mod inner`"), "{error}");
}
