//! # gc-testing: the test kit for gc-core backends
//!
//! The conformance suite every backend must pass, written once and generic
//! over the backend, and the model-based [`harness`] that runs random
//! programs on it. It uses gc-core's public API only, so a backend crate
//! outside this workspace can run it too.
//!
//! A backend crate adds `gc-testing` to its `[dev-dependencies]` and runs
//! the whole suite, in normal and stress mode, with one line in
//! `tests/conformance.rs`, and the harness with one line in
//! `tests/harness.rs`:
//!
//! ```ignore
//! gc_testing::conformance_suite!(gc_mark_sweep::MarkSweep);
//! gc_testing::harness_suite!(gc_mark_sweep::MarkSweep);
//! ```
//!
//! This kit was gc-core's `testing` module, behind a `testing` feature;
//! `docs/MIGRATION.md` says how to move.

pub mod conformance;
mod drop_counter;
pub mod harness;
pub mod model_checks;
pub mod oom_checks;
pub mod resource_checks;
pub mod soundness_checks;
pub mod thread_checks;
pub mod types_checks;
pub mod unsized_checks;

pub use drop_counter::{DropCounter, Drops};

/// gc-core, for the paths the suite macros expand to.
#[doc(hidden)]
pub use gc_core as __gc_core;

/// Expands to a `#[test]` per conformance check, each run twice: with the
/// default configuration and in stress mode (`<name>_stress`).
#[macro_export]
macro_rules! conformance_suite {
    ($backend:ty) => {
        $crate::conformance_suite!(@tests $backend;
            unreachable_objects_are_freed,
            transitive_death,
            cycles_are_collected,
            long_list_is_marked_without_recursion,
            drop_runs_exactly_once,
            destructors_see_their_pointers_cleared,
            teardown_drops_every_live_object,
            out_of_memory_is_an_error_and_the_heap_recovers,
            nested_scope_roots_survive_collections,
            values_survive_collections,
            fields_set_and_cleared,
            objects_held_in_vectors_survive,
            large_objects_live_and_die,
            escaped_roots_survive,
            alloc_into_replaces_the_root,
            mixed_drop_glue_objects_are_dropped_once,
            stats_record_every_collection,
            headroom_caps_heap_growth,
            degenerate_growth_settings_do_not_collect_per_allocation,
            invalid_config_is_rejected,
            projection_outside_the_object_panics,
            root_of_another_heap_panics,
            over_aligned_types_are_an_error,
            panicking_drop_in_explicit_collection,
            panicking_drop_in_threshold_collection,
            panicking_drop_in_allocation_failure_collection,
            panicking_drop_at_teardown,
            panicking_drop_of_a_formerly_referenced_object,
            panicking_drop_while_unwinding,
            panicking_collection_callback_is_counted,
        );
        $crate::conformance_suite!(@model $backend;
            model_value_slots_change_variant,
            model_vectors_grow_and_shrink,
            model_number_only_containers_gain_pointers,
            model_maps_by_value_and_identity,
            model_identity_keys_may_use_their_map_while_it_rehashes,
            model_persistent_roots_outlive_scopes,
            model_wholesale_changes_drop_exactly_once,
            model_container_memory_is_charged_and_capped,
            model_objects_and_charges_share_the_capacity,
            model_regions_collect_only_when_they_end,
            model_misuse_panics,
        );
        $crate::conformance_suite!(@module types_checks, types, types_stress; $backend;
            types_rc_cell_drop_counters,
            types_std_maps_are_leaves,
            types_phantom_markers_and_skipped_fields,
        );
        $crate::conformance_suite!(@module unsized_checks, unsized_objects, unsized_objects_stress; $backend;
            unsized_byte_slices_and_strings_survive_collections,
            unsized_slices_of_pointers_keep_targets_alive,
            unsized_zero_length_slices,
            unsized_slice_elements_drop_exactly_once,
            unsized_huge_lengths_are_an_error,
            unsized_trait_objects_call_through_vtables,
            unsized_pointers_compare_by_identity,
        );
        $crate::conformance_suite!(@module soundness_checks, soundness, soundness_stress; $backend;
            soundness_leaked_ref_mut_does_not_stop_collections,
            soundness_tracing_a_borrowed_lock_by_hand_panics,
            soundness_panicking_trace_poisons_the_heap,
            soundness_boxed_slices_are_readable,
            soundness_trace_drop_types_drop_once,
        );
        $crate::conformance_suite!(@module resource_checks, resources, resources_stress; $backend;
            resources_model_store_cost_is_independent_of_the_target,
            resources_handle_store_cost_is_independent_of_the_target,
            resources_heap_commits_what_it_uses_not_its_settings,
            resources_empty_reservations_commit_nothing,
            resources_reservations_beyond_the_machine_are_errors,
            resources_freed_container_memory_serves_any_size,
            resources_freed_container_memory_is_returned,
            resources_handle_vector_stores_do_not_trace_the_object,
            resources_handle_vector_stores_are_checked,
        );
        $crate::conformance_suite!(@module oom_checks, oom, oom_stress; $backend;
            oom_garbage_cycles_fit_through_handles,
            oom_garbage_cycles_fit_in_regions,
            oom_live_data_past_capacity_is_a_true_error,
            oom_regions_retried_after_their_collection_fit,
        );
        $crate::conformance_suite!(@module thread_checks, threads, threads_stress; $backend;
            threads_heap_moves_with_live_objects,
            threads_heaps_work_in_parallel,
        );

        #[test]
        #[ignore = "10 million nodes: run with --ignored"]
        fn ten_million_node_list_is_marked_without_recursion() {
            $crate::conformance::long_list::<$backend>(
                $crate::__gc_core::HeapConfig::default(),
                10_000_000,
            );
        }
    };
    (@model $backend:ty; $($name:ident),* $(,)?) => {
        $crate::conformance_suite!(@module model_checks, model, model_stress; $backend; $($name),*);
    };
    (@module $checks:ident, $normal:ident, $stress:ident; $backend:ty; $($name:ident),* $(,)?) => {
        mod $normal {
            $(
                #[test]
                fn $name() {
                    $crate::$checks::$name::<$backend>(
                        $crate::conformance::Mode::Normal,
                    );
                }
            )*
        }
        mod $stress {
            $(
                #[test]
                fn $name() {
                    $crate::$checks::$name::<$backend>(
                        $crate::conformance::Mode::Stress,
                    );
                }
            )*
        }
    };
    (@tests $backend:ty; $($name:ident),* $(,)?) => {
        mod normal {
            $(
                #[test]
                fn $name() {
                    $crate::conformance::$name::<$backend>(
                        $crate::conformance::Mode::Normal,
                    );
                }
            )*
        }
        mod stress {
            $(
                #[test]
                fn $name() {
                    $crate::conformance::$name::<$backend>(
                        $crate::conformance::Mode::Stress,
                    );
                }
            )*
        }
    };
}
