//! The harness, through the seam, on the current releases of four
//! collectors from crates.io. Each passes: `docs/HARNESS_ADAPTERS.md` has
//! the figures at 1,024 and 10,000 programs. CI runs a quick 128;
//! `GC_HARNESS_CASES=10000 cargo test -p foreign-check --test crates_io`
//! runs the long one.

use foreign_check::bacon_seam::BaconAdapter;
use foreign_check::dumpster_seam::DumpsterAdapter;
use foreign_check::gc_arena_seam::GcArenaAdapter;
use foreign_check::rust_gc_seam::RustGcAdapter;
use gc_testing::harness::seam;
use gc_testing::harness::HarnessConfig;

fn quick(stress: bool) -> HarnessConfig {
    HarnessConfig {
        cases: 128,
        stress,
        ..HarnessConfig::default()
    }
}

#[test]
fn gc_arena_passes() {
    seam::check::<GcArenaAdapter>(quick(false));
}

/// The collector paid after every operation: marking and sweeping
/// interleave with every write.
#[test]
fn gc_arena_passes_in_stress_mode() {
    seam::check::<GcArenaAdapter>(quick(true));
}

#[test]
fn dumpster_passes() {
    seam::check::<DumpsterAdapter>(quick(false));
}

#[test]
fn rust_gc_passes() {
    seam::check::<RustGcAdapter>(quick(false));
}

#[test]
fn bacon_rajan_cc_passes() {
    seam::check::<BaconAdapter>(quick(false));
}

/// The baseline without a cycle collector: its leaked cycles are allowed,
/// nothing else is.
#[test]
fn rc_passes() {
    seam::check::<foreign_check::rc_seam::RcAdapter>(quick(false));
}
