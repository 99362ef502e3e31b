//! The reference-counting heap verifier.

use crate::count::{for_each_child, Color, Flag, Word};
use crate::RefCount;
use gc_core::object::ObjectRef;
use gc_core::verify::{path_to, FieldPath};
use gc_core::{Slot, Tracer};
use hashbrown::{HashMap, HashSet};

/// Checks, right after a collection, that every reference reachable from
/// `roots` lands on an allocated object, that every object's count equals
/// the number of heap fields referring to it, that no collection state
/// (gray, white, `ROOTED`, `DEAD`, `SEEN`) is left behind, and that the two tables
/// hold exactly the flagged objects (the ZCT: only rooted ones, since
/// reconciliation just freed the others).
pub(crate) fn verify(rc: &RefCount, roots: &[Slot]) -> Result<(), String> {
    let is_object = |obj: ObjectRef| rc.space.is_object(obj.addr());
    // SAFETY: `reachable`'s bullet: `is_object` accepts only allocated
    // objects, which are live with initialised payloads after a collection
    // (`Collector::verify`'s bullet, as for `collect`).
    unsafe { gc_core::verify::reachable(roots, is_object) }?;
    // How a message names an object: its path from a root, if it has one.
    // SAFETY: `path_to`'s and `describe`'s bullets: `is_object` accepts
    // allocated objects, initialised after a collection; verification runs
    // outside regions and collects nothing; callers name allocated objects.
    let named = |obj| unsafe { FieldPath::describe(path_to(roots, obj, is_object), obj) };
    let in_degree = in_degrees(rc, &named)?;
    let mut result = Ok(());
    let (mut in_zct, mut buffered) = (0, 0);
    rc.space.for_each_object(|obj| {
        // SAFETY: `Word::of`'s bullet: `for_each_object` yields allocated
        // objects, and verifying frees nothing.
        let word = unsafe { Word::of(obj) };
        in_zct += usize::from(word.has(Flag::IN_ZCT));
        buffered += usize::from(word.has(Flag::BUFFERED));
        if result.is_ok() {
            result = check_word(word, in_degree.get(&obj).copied().unwrap_or(0))
                .map_err(|problem| format!("{} {problem}", named(obj)));
        }
    });
    result?;
    let rooted: HashSet<ObjectRef> = roots.iter().filter_map(Slot::get).collect();
    let zct = rc.counts.zct.borrow();
    let rooted_entry = |obj| is_object(obj) && rooted.contains(&obj);
    check_table("zero-count table", &zct, Flag::IN_ZCT, in_zct, rooted_entry)?;
    let candidates = rc.counts.candidates.borrow();
    check_table(
        "candidate buffer",
        &candidates,
        Flag::BUFFERED,
        buffered,
        is_object,
    )
}

/// The number of heap fields referring to each object, from a walk of
/// every allocated object's fields.
fn in_degrees(
    rc: &RefCount,
    named: &dyn Fn(ObjectRef) -> String,
) -> Result<HashMap<ObjectRef, usize>, String> {
    // SAFETY: `for_collection`'s bullet: verification runs between
    // collections and mutation regions: no lock guard can be in use.
    let mut tracer = unsafe { Tracer::for_collection() };
    let mut in_degree = HashMap::new();
    let mut stray = None;
    rc.space.for_each_object(|obj| {
        // SAFETY: `for_each_child`'s bullets: `for_each_object` yields
        // allocated objects, initialised after a collection; the closure
        // frees nothing.
        unsafe {
            for_each_child(obj, &mut tracer, rc.weak.ephemerons(), |child| {
                if !rc.space.is_object(child.addr()) {
                    stray.get_or_insert_with(|| {
                        format!(
                            "a field of {} refers to {child:?}, not an object",
                            named(obj)
                        )
                    });
                }
                *in_degree.entry(child).or_insert(0) += 1;
            })
        };
    });
    stray.map_or(Ok(in_degree), Err)
}

/// What is wrong with an object's count word, if anything.
fn check_word(word: Word<'_>, in_degree: usize) -> Result<(), String> {
    let problem = if word.count() != in_degree {
        format!("has count {} but {in_degree} heap references", word.count())
    } else if word.color() != Color::Black {
        format!("is left {:?} after a collection", word.color())
    } else if word.has(Flag::ROOTED) || word.has(Flag::DEAD) || word.has(Flag::SEEN) {
        "has a ROOTED, DEAD or SEEN flag left after a collection".to_string()
    } else if word.count() == 0 && !word.has(Flag::IN_ZCT) {
        "has count 0 but is not in the zero-count table".to_string()
    } else {
        return Ok(());
    };
    Err(problem)
}

/// Checks that `table` holds each object flagged `flag` (there are
/// `flagged`) exactly once, and only objects `allowed` accepts.
fn check_table(
    name: &str,
    table: &[ObjectRef],
    flag: Flag,
    flagged: usize,
    allowed: impl Fn(ObjectRef) -> bool,
) -> Result<(), String> {
    // `allowed` runs first: it checks that the entry is an allocated object.
    // SAFETY: `Word::of`'s bullet: `allowed` accepts only allocated
    // objects, and `||` calls `Word::of` only for those.
    let bad = |obj: ObjectRef| !allowed(obj) || !unsafe { Word::of(obj) }.has(flag);
    if let Some(obj) = table.iter().copied().find(|&obj| bad(obj)) {
        return Err(format!("the {name} holds {obj:?}, which it may not hold"));
    }
    let distinct: HashSet<&ObjectRef> = table.iter().collect();
    if distinct.len() != table.len() || table.len() != flagged {
        return Err(format!(
            "the {name} holds {} entries ({} distinct) but {flagged} objects are flagged",
            table.len(),
            distinct.len()
        ));
    }
    Ok(())
}
