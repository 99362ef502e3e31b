//! `Trace` for the standard library's types that hold no heap reference:
//! leaves, which the collector never looks into.
//!
//! Shared pointers (`Rc`, `Arc`) are leaves only around reference-free
//! data (`NoGc`): a reference behind one would be reachable from several
//! objects and from outside the heap, where no collector can see it. Plain
//! std collections are leaves around reference-free data too; to hold
//! references, use the object model's [`GcVec`](crate::model::GcVec) and
//! [`GcMap`](crate::model::GcMap).

use crate::heap_send::{HeapSend, IfSend};
use crate::trace::{NoGc, Rebrand, Trace, Tracer};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::marker::PhantomData;
use std::rc::Rc;
use std::sync::Arc;

/// A leaf: reports nothing, owns no `Gc`, is its own rebranding.
macro_rules! leaf {
    ($(<$($g:ident $(: [$($b:tt)*])?),*> $ty:ty;)*) => {$(
        // SAFETY: the type owns no `Gc` (every parameter it holds is
        // `NoGc`, or it holds none), so an empty trace reports all of them.
        unsafe impl<$($g $(: $($b)*)?),*> Trace for $ty {
            const NEEDS_TRACE: bool = false;
            const MODEL_POINTERS: bool = false;
            const HANDLE_POINTERS: bool = false;
            #[inline(always)]
            fn trace(&self, _: &mut Tracer) {}
        }
        // SAFETY: the type owns no `Gc`: every parameter it holds is
        // `NoGc`, or it holds none.
        unsafe impl<$($g $(: $($b)*)?),*> NoGc for $ty {}
        // SAFETY: no brand to replace.
        unsafe impl<'a, $($g $(: $($b)*)?),*> Rebrand<'a> for $ty {
            type Output = $ty;
        }
        // SAFETY: no heap pointer: `HeapSend` exactly when `Send` (so
        // `Rc` never is).
        unsafe impl<'a, $($g $(: $($b)*)?),*> HeapSend for $ty where IfSend<'a, $ty>: Send {}
    )*};
}

leaf! {
    <> Box<str>;
    <> Rc<str>;
    <> Arc<str>;
    <> Cow<'static, str>;
    <> std::path::PathBuf;
    <> std::ffi::OsString;
    <> std::ffi::CString;
    <> std::fs::File;
    <> std::time::SystemTime;
    <> std::num::NonZeroU8;
    <> std::num::NonZeroU16;
    <> std::num::NonZeroU128;
    <> std::num::NonZeroI8;
    <> std::num::NonZeroI16;
    <> std::num::NonZeroI32;
    <> std::num::NonZeroI64;
    <> std::num::NonZeroI128;
    <> std::num::NonZeroIsize;
    <> std::net::SocketAddr;
    <> std::net::IpAddr;
    <> std::cmp::Ordering;
    <T: [?Sized]> PhantomData<T>;
    <T: [NoGc]> Rc<T>;
    <T: [NoGc]> Arc<T>;
    <T: [NoGc]> std::rc::Weak<T>;
    <T: [NoGc]> std::sync::Weak<T>;
    <T: [NoGc]> BTreeSet<T>;
    <K: [NoGc], V: [NoGc]> BTreeMap<K, V>;
    <T: [NoGc], S: ['static]> HashSet<T, S>;
    <K: [NoGc], V: [NoGc], S: ['static]> HashMap<K, V, S>;
    <T: [NoGc], S: ['static]> hashbrown::HashSet<T, S>;
    <K: [NoGc], V: [NoGc], S: ['static]> hashbrown::HashMap<K, V, S>;
    <T: [NoGc]> std::sync::Mutex<T>;
    <T: [NoGc]> std::sync::RwLock<T>;
    <T: [NoGc]> std::sync::mpsc::Sender<T>;
    <T: [NoGc]> std::sync::mpsc::Receiver<T>;
}

/// Function pointers are leaves: code, not data.
macro_rules! fn_leaf {
    ($($arg:ident)*) => {
        leaf! {
            <R $(, $arg)*> fn($($arg),*) -> R;
        }
    };
}
fn_leaf!();
fn_leaf!(A);
fn_leaf!(A B);
fn_leaf!(A B C);
fn_leaf!(A B C D);
