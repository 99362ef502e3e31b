//! # foreign-check: the harness against collectors from crates.io
//!
//! Adapters ([`gc_testing::harness::seam::Adapter`]) for collectors with
//! APIs of their own, so that gc-testing's op model, shrinking and
//! properties run against them:
//! - [`gc_arena_seam`]: `gc-arena` 0.7, incremental mark-sweep in an arena;
//! - [`dumpster_seam`]: `dumpster` 2.x, reference counting with a cycle
//!   sweep;
//! - [`rust_gc_seam`]: `gc` 0.5 (rust-gc), thread-local mark-sweep;
//! - [`bacon_seam`]: `bacon_rajan_cc` 0.4, reference counting with trial
//!   deletion;
//! - [`rc_seam`]: `std::rc::Rc`, the baseline without a cycle collector.
//!
//! The last four share one adapter, [`stack::Stack`]: their pointers root
//! what they point to, so the harness's roots are a stack of them and each
//! collector only maps its API onto [`stack::Pointers`].
//!
//! Not published: it exists to check other projects' collectors and keeps
//! their dependencies out of gc-testing. Findings, commands and how to
//! write an adapter: `docs/HARNESS_ADAPTERS.md`.

pub mod bacon_seam;
pub mod dumpster_seam;
pub mod gc_arena_seam;
pub mod never_free;
pub mod rc_seam;
pub mod rust_gc_seam;
pub mod stack;
