//! Weak maps in the harness: the ops ([`Op::NewMap`] and its siblings),
//! the model's ephemerons, their run on the heap and their checks.
//!
//! The model: a map is held by the run (a persistent root) until
//! [`Op::DropMap`]; an entry `key -> value` makes `value` reachable once
//! `key` is reachable and its map is held, to the closure
//! ([`Model::ephemeron_values`]). A collection that finds a key dead
//! removes its entries, and one after a map was dropped removes all of
//! its entries. For reference counting's reconciliation an entry is an
//! edge from its key to its value ([`Model::ephemeron_successors`]).
//! After every step each held map's length is compared with the model's,
//! and every rooted small object is looked up in every held map.

use super::exec::{id_of, Frame, Handle, Handles, Small};
use super::model::{Kind, Model, Step};
use super::{root, Op};
use gc_core::model::Persistent;
use gc_core::{Collector, GcWeakMap, Scope};
use proptest::prelude::*;

/// The harness's weak maps: small objects to small objects.
pub(super) type Map = GcWeakMap<Small, Small>;

/// The run's maps: a persistent root for each held one.
pub(super) type Maps = Vec<Option<Persistent<Map>>>;

/// A weak map in the model.
#[derive(Debug, Clone, Default)]
pub(super) struct ModelMap {
    /// Held by the run; `false` once dropped (the next collection removes
    /// its entries, and nothing can reach it again).
    pub(super) held: bool,
    /// Its entries, key payload id -> value payload id.
    pub(super) entries: Vec<(u64, u64)>,
}

impl ModelMap {
    fn get(&self, key: u64) -> Option<u64> {
        self.entries.iter().find(|e| e.0 == key).map(|e| e.1)
    }
}

/// A weak-map op resolved against the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum EphStep {
    NewMap {
        map: usize,
    },
    DropMap {
        map: usize,
    },
    Insert {
        map: usize,
        key: usize,
        value: usize,
        key_id: u64,
        value_id: u64,
    },
    /// `region`: looked up with `Mutation::weak_get`, else `Scope::weak_get`.
    Get {
        map: usize,
        key: usize,
        key_id: u64,
        found: Option<u64>,
        region: bool,
    },
    Remove {
        map: usize,
        key: usize,
        key_id: u64,
        found: bool,
    },
}

impl Model {
    /// The step a weak-map op means here, `None` for the other ops.
    pub(super) fn resolve_eph(&self, op: &Op) -> Option<Step> {
        let held = |map: usize| {
            let n = self.maps.len();
            if n > 0 && self.maps[map % n].held {
                Some(map % n)
            } else {
                None
            }
        };
        let small = |root: usize| {
            let n = self.roots.len();
            (0..n)
                .map(|k| (root % n.max(1) + k) % n)
                .find(|&r| self.object(self.roots[r]).kind == Kind::Small)
        };
        let step = match *op {
            Op::NewMap => EphStep::NewMap {
                map: self.maps.len(),
            },
            Op::DropMap { map } => match held(map) {
                Some(map) => EphStep::DropMap { map },
                None => return Some(Step::Skip),
            },
            Op::MapInsert { map, key, value } => {
                let (map, key, value) = match (held(map), small(key), small(value)) {
                    (Some(m), Some(k), Some(v)) => (m, k, v),
                    _ => return Some(Step::Skip),
                };
                EphStep::Insert {
                    map,
                    key,
                    value,
                    key_id: self.roots[key],
                    value_id: self.roots[value],
                }
            }
            Op::MapGet { map, key } | Op::RegionMapGet { map, key } => {
                let (Some(map), Some(key)) = (held(map), small(key)) else {
                    return Some(Step::Skip);
                };
                let key_id = self.roots[key];
                EphStep::Get {
                    map,
                    key,
                    key_id,
                    found: self.maps[map].get(key_id),
                    region: matches!(op, Op::RegionMapGet { .. }),
                }
            }
            Op::MapRemove { map, key } => {
                let (Some(map), Some(key)) = (held(map), small(key)) else {
                    return Some(Step::Skip);
                };
                let key_id = self.roots[key];
                EphStep::Remove {
                    map,
                    key,
                    key_id,
                    found: self.maps[map].get(key_id).is_some(),
                }
            }
            _ => return None,
        };
        Some(Step::Eph(step))
    }

    /// Applies a weak-map step.
    pub(super) fn apply_eph(&mut self, step: EphStep) {
        match step {
            EphStep::NewMap { .. } => self.maps.push(ModelMap {
                held: true,
                entries: Vec::new(),
            }),
            EphStep::DropMap { map } => self.maps[map].held = false,
            EphStep::Insert {
                map,
                key_id,
                value_id,
                ..
            } => {
                let entries = &mut self.maps[map].entries;
                match entries.iter_mut().find(|e| e.0 == key_id) {
                    Some(entry) => entry.1 = value_id,
                    None => entries.push((key_id, value_id)),
                }
            }
            EphStep::Get { found, .. } => self.roots.extend(found),
            EphStep::Remove { map, key_id, .. } => self.maps[map].entries.retain(|e| e.0 != key_id),
        }
    }

    /// The values of the entries of held maps whose key is `reachable` and
    /// whose value is not yet: one more round of the ephemeron closure.
    pub(super) fn ephemeron_values(&self, reachable: &[bool]) -> Vec<u64> {
        let held = self.maps.iter().filter(|m| m.held);
        held.flat_map(|m| m.entries.iter())
            .filter(|&&(k, v)| reachable[k as usize] && !reachable[v as usize])
            .map(|&(_, v)| v)
            .collect()
    }

    /// The values object `id` keeps as a key of held maps (reference
    /// counting counts each as a reference its key holds).
    pub(super) fn ephemeron_successors(&self, id: u64) -> impl Iterator<Item = u64> + '_ {
        let held = self.maps.iter().filter(|m| m.held);
        held.flat_map(move |m| m.get(id))
    }

    /// After a collection: entries of dead keys vanish, and dropped maps
    /// lose every entry.
    pub(super) fn sweep_maps(&mut self) {
        let objects = &self.objects;
        for map in &mut self.maps {
            if map.held {
                map.entries.retain(|&(k, _)| !objects[k as usize].dead);
            } else {
                map.entries.clear();
            }
        }
    }

    /// A one-line explanation of `step`, for listings.
    pub(super) fn explain_eph(&self, step: EphStep) -> String {
        let root = |r: usize| format!("root {r} (#{})", self.roots[r]);
        match step {
            EphStep::NewMap { map } => format!("map {map} = new weak map"),
            EphStep::DropMap { map } => format!("drop map {map}"),
            EphStep::Insert {
                map, key, value, ..
            } => format!("map {map}[{}] = {}", root(key), root(value)),
            EphStep::Get {
                map,
                key,
                found,
                region,
                ..
            } => {
                let how = if region { " (region)" } else { "" };
                let found = found.map_or("nothing".into(), |v| format!("#{v}"));
                format!("map {map}[{}]{how}: {found}", root(key))
            }
            EphStep::Remove {
                map, key, found, ..
            } => {
                format!("remove map {map}[{}] ({found})", root(key))
            }
        }
    }
}

/// The op a step resolved from, its indices reduced.
pub(super) fn canonical(step: EphStep) -> Op {
    match step {
        EphStep::NewMap { .. } => Op::NewMap,
        EphStep::DropMap { map } => Op::DropMap { map },
        EphStep::Insert {
            map, key, value, ..
        } => Op::MapInsert { map, key, value },
        EphStep::Get {
            map,
            key,
            region: false,
            ..
        } => Op::MapGet { map, key },
        EphStep::Get {
            map,
            key,
            region: true,
            ..
        } => Op::RegionMapGet { map, key },
        EphStep::Remove { map, key, .. } => Op::MapRemove { map, key },
    }
}

/// Every op one number simpler than a weak-map op (`None`: another op).
pub(super) fn simpler(op: &Op) -> Option<Vec<Op>> {
    let lower = |n: usize| 0..n;
    Some(match *op {
        Op::NewMap => Vec::new(),
        Op::DropMap { map } => lower(map).map(|map| Op::DropMap { map }).collect(),
        Op::MapInsert { map, key, value } => lower(map)
            .map(|map| Op::MapInsert { map, key, value })
            .chain(lower(key).map(|key| Op::MapInsert { map, key, value }))
            .chain(lower(value).map(|value| Op::MapInsert { map, key, value }))
            .collect(),
        Op::MapGet { map, key } => lower(map)
            .map(|map| Op::MapGet { map, key })
            .chain(lower(key).map(|key| Op::MapGet { map, key }))
            .collect(),
        Op::RegionMapGet { map, key } => lower(map)
            .map(|map| Op::RegionMapGet { map, key })
            .chain(lower(key).map(|key| Op::RegionMapGet { map, key }))
            .chain([Op::MapGet { map, key }])
            .collect(),
        Op::MapRemove { map, key } => lower(map)
            .map(|map| Op::MapRemove { map, key })
            .chain(lower(key).map(|key| Op::MapRemove { map, key }))
            .collect(),
        _ => return None,
    })
}

/// The size the shrinker minimises, of a weak-map op (`None`: another op).
pub(super) fn size(op: &Op) -> Option<u64> {
    Some(match *op {
        Op::NewMap => 0,
        Op::DropMap { map } => map as u64,
        Op::MapInsert { map, key, value } => (map + key + value) as u64,
        Op::MapGet { map, key } | Op::MapRemove { map, key } => (map + key) as u64,
        Op::RegionMapGet { map, key } => 1 + (map + key) as u64,
        _ => return None,
    })
}

/// A weak-map op with its root indices mapped by `f` (`None`: `f`
/// dropped one), or `None` inside `Some` for another op.
pub(super) fn map_roots(op: &Op, f: &mut dyn FnMut(usize) -> Option<usize>) -> Option<Option<Op>> {
    Some(match *op {
        Op::NewMap | Op::DropMap { .. } => Some(op.clone()),
        Op::MapInsert { map, key, value } => (|| {
            Some(Op::MapInsert {
                map,
                key: f(key)?,
                value: f(value)?,
            })
        })(),
        Op::MapGet { map, key } => f(key).map(|key| Op::MapGet { map, key }),
        Op::RegionMapGet { map, key } => f(key).map(|key| Op::RegionMapGet { map, key }),
        Op::MapRemove { map, key } => f(key).map(|key| Op::MapRemove { map, key }),
        _ => return None,
    })
}

/// Runs a weak-map step on the heap.
pub(super) fn execute<'s, C: Collector>(
    s: &mut Scope<'s, C>,
    frame: &mut Frame<'_, 's>,
    step: EphStep,
    maps: &mut Maps,
) -> Result<(), String> {
    match step {
        EphStep::NewMap { .. } => {
            maps.push(Some(s.mutate(|m| m.persist(m.alloc(Map::new())))));
        }
        EphStep::DropMap { map } => maps[map] = None,
        EphStep::Insert {
            map, key, value, ..
        } => {
            let map = maps[map].as_ref().expect("a held map");
            frame.with(key, &mut |k| {
                frame.with(value, &mut |v| {
                    let (Handle::Small(k), Handle::Small(v)) = (k, v) else {
                        unreachable!("resolve picks small objects")
                    };
                    s.scope("map", |s| {
                        let map = s.mutate(|m| m.root(m.persistent(map)));
                        s.weak_insert(map, k, v);
                    });
                })
            });
        }
        EphStep::Get {
            map,
            key,
            found,
            region,
            ..
        } => {
            let map = maps[map].as_ref().expect("a held map");
            let mut got = None;
            frame.with(key, &mut |k| {
                let Handle::Small(k) = k else {
                    unreachable!("resolve picks small objects")
                };
                got = if region {
                    s.mutate(|m| {
                        let (map, key) = (m.persistent(map), m.get(k));
                        m.weak_get(map, key).map(|v| m.root(v))
                    })
                } else {
                    let weak = s.scope("map", |s| {
                        let map = s.mutate(|m| m.root(m.persistent(map)));
                        s.weak_get(map, k).map(|v| s.downgrade(v))
                    });
                    weak.and_then(|w| s.upgrade(&w))
                };
            });
            match (got, found) {
                (None, None) => {}
                (Some(v), Some(id)) => {
                    let read = id_of(s, Handle::Small(v));
                    if read != id {
                        return Err(format!("the lookup found #{read}, expected #{id}"));
                    }
                    frame.own.push(Handle::Small(v));
                }
                (None, Some(id)) => {
                    return Err(format!("the lookup found nothing, expected #{id}"))
                }
                (Some(_), None) => return Err("the lookup found a value, expected none".into()),
            }
        }
        EphStep::Remove {
            map, key, found, ..
        } => {
            let map = maps[map].as_ref().expect("a held map");
            let mut removed = false;
            frame.with(key, &mut |k| {
                let Handle::Small(k) = k else {
                    unreachable!("resolve picks small objects")
                };
                removed = s.scope("map", |s| {
                    let map = s.mutate(|m| m.root(m.persistent(map)));
                    s.weak_remove(map, k)
                });
            });
            if removed != found {
                return Err(format!("the removal said {removed}, expected {found}"));
            }
        }
    }
    Ok(())
}

/// After every step: each held map's length, and the lookup of every
/// rooted small object in it, agree with the model. Nothing is read
/// through a value the model says is gone.
pub(super) fn check<C: Collector>(
    s: &mut Scope<'_, C>,
    frame: &dyn Handles,
    model: &Model,
    maps: &Maps,
) -> Result<(), String> {
    for (i, (map, expected)) in maps.iter().zip(&model.maps).enumerate() {
        let Some(map) = map else { continue };
        let len = s.mutate(|m| m.weak_len(m.persistent(map)));
        if len != expected.entries.len() {
            return Err(format!(
                "map {i} holds {len} entries, expected {}",
                expected.entries.len()
            ));
        }
        for (r, &key_id) in model.roots.iter().enumerate() {
            if model.object(key_id).kind != Kind::Small {
                continue;
            }
            let mut result = Ok(());
            frame.with(r, &mut |k| {
                let Handle::Small(k) = k else { return };
                result = s.scope("map-check", |s| {
                    let map = s.mutate(|m| m.root(m.persistent(map)));
                    match (s.weak_get(map, k), expected.get(key_id)) {
                        (None, None) => Ok(()),
                        (Some(v), Some(id)) => {
                            let read = id_of(s, Handle::Small(v));
                            (read == id)
                                .then_some(())
                                .ok_or(format!("map {i}[#{key_id}] is #{read}, expected #{id}"))
                        }
                        (None, Some(id)) => {
                            Err(format!("map {i}[#{key_id}] is missing, expected #{id}"))
                        }
                        (Some(_), None) => {
                            Err(format!("map {i}[#{key_id}] is there, expected none"))
                        }
                    }
                });
            });
            result?;
        }
    }
    Ok(())
}

/// The weak-map programs: small objects, maps, insertions, lookups and
/// removals mixed with the ops that end lives (scopes left, roots
/// re-pointed, edges, collections, weak references), and two episodes: a
/// chain `k1 -> v1 = k2 -> v2` whose values are reachable only through
/// the map, and an entry whose key dies.
pub(super) fn programs(max: usize) -> impl Strategy<Value = Vec<Op>> {
    let map = || 0..3usize;
    let one = prop_oneof![
        4 => (0..4u8).prop_map(|len| Op::Alloc { len }),
        1 => Just(Op::NewMap),
        1 => map().prop_map(|map| Op::DropMap { map }),
        6 => (map(), root(), root()).prop_map(|(map, key, value)| Op::MapInsert { map, key, value }),
        3 => (map(), root()).prop_map(|(map, key)| Op::MapGet { map, key }),
        2 => (map(), root()).prop_map(|(map, key)| Op::RegionMapGet { map, key }),
        1 => (map(), root()).prop_map(|(map, key)| Op::MapRemove { map, key }),
        3 => (root(), 0..3u8, root()).prop_map(|(obj, field, target)| Op::Set { obj, field, target }),
        1 => (root(), 0..4u8).prop_map(|(obj, field)| Op::Clear { obj, field }),
        3 => (root(), root()).prop_map(|(root, from)| Op::Assign { root, from }),
        3 => Just(Op::Collect),
        2 => Just(Op::Enter),
        2 => Just(Op::Leave),
        2 => root().prop_map(|obj| Op::Downgrade { obj }),
        2 => (0..8usize).prop_map(|weak| Op::Upgrade { weak }),
    ];
    let chain = map().prop_map(|map| {
        vec![
            Op::Alloc { len: 0 },
            Op::Enter,
            Op::Alloc { len: 0 },
            Op::Alloc { len: 0 },
            Op::MapInsert {
                map,
                key: 1,
                value: 2,
            },
            Op::MapInsert {
                map,
                key: 0,
                value: 1,
            },
            Op::Leave,
            Op::Collect,
        ]
    });
    let dead_key = map().prop_map(|map| {
        vec![
            Op::Enter,
            Op::Alloc { len: 0 },
            Op::Alloc { len: 0 },
            Op::MapInsert {
                map,
                key: 0,
                value: 1,
            },
            Op::Downgrade { obj: 1 },
            Op::Leave,
            Op::Collect,
            Op::Upgrade { weak: 0 },
        ]
    });
    let ops = prop_oneof![
        12 => one.prop_map(|op| vec![op]),
        1 => chain,
        1 => dead_key,
    ];
    (proptest::collection::vec(ops, 0..max)).prop_map(move |ops| {
        let mut program = vec![Op::NewMap, Op::Alloc { len: 0 }];
        program.extend(ops.into_iter().flatten());
        program.truncate(max.max(2));
        program
    })
}
