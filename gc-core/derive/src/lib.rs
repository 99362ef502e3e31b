//! `#[derive(Trace)]` for [gc-core](https://docs.rs/gc-core): implements
//! `gc_core::Trace` by tracing every field of a struct or of every enum
//! variant. A field whose type mentions a type parameter gets a
//! `Field: Trace` bound (so `PhantomData<T>` needs none); `where` clauses
//! are kept; `#[trace(bound = "...")]` replaces the generated bounds and
//! `#[trace(skip)]` leaves out a `Send + 'static` field.
//!
//! It also implements `gc_core::HeapSend` (the type may live in a sendable
//! heap) when every traced field's type is `HeapSend`.
//!
//! - `NEEDS_TRACE` is the `||` of the fields' `NEEDS_TRACE`. A field whose
//!   type names the type itself (`Box<Expr>`, `Vec<Self>`) counts as `true`:
//!   asking the compiler for it would be a cycle (E0391), and `true` is always
//!   sound, only slower for a recursive type made of leaves. `HANDLE_POINTERS`
//!   is computed the same way (a type whose field names it, such as
//!   `next: Gc<'gc, Node<'gc>>`, is then traced once more before its
//!   destructor runs; a pointer to it through another type, as in
//!   `Value::Table(Gc<'gc, Table<'gc>>)`, is not). Mutually
//!   recursive types (`A` holds a `Box<B>`, `B` a `Vec<A>`) still hit the
//!   cycle; break it with a `Gc` (which is `true` without looking inside).
//! - A type may have one lifetime parameter, its brand (`Table<'gc>`): an
//!   object-model type whose `model::Gc<'gc, _>` pointers belong to a
//!   mutation region. The derive implements `Rebrand` by replacing the
//!   brand (its other type parameters must be `Unbranded`). A type without
//!   a brand is `Rebrand` (its own rebranding, so `Unbranded`) only if
//!   every traced field's type is; a concrete one may hold no model pointer
//!   at all (a compile-time assertion).
//! - A type that may hold model pointers, a branded or a generic one, may
//!   not implement `Drop` (its destructor would run when the objects they
//!   point to may already be freed). A generic type that needs a destructor
//!   says `#[trace(drop)]`; it then may not hold model pointers, checked at
//!   compile time for each type it is used with.
//! - Unions are rejected: which field holds a value is unknown.

use proc_macro::TokenStream;
use proc_macro2::{TokenStream as TokenStream2, TokenTree};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{parse_macro_input, parse_quote, Data, DeriveInput, Field, Fields, Ident, Type};

/// Derives `gc_core::Trace`: every field is traced, so every `Gc` the value
/// owns is reported. `NEEDS_TRACE` is true if any field's type needs tracing.
///
/// Attributes:
/// - `#[trace(skip)]` on a field: not traced. The field's type must be
///   `Send + 'static`, which no type holding a heap reference is (every
///   pointer and root a collector must see is `!Send`, and model pointers
///   carry a brand; the `Send` persistent roots of sendable heaps are kept
///   up to date by their heap, not by tracing),
///   so a reference cannot be hidden this way: for a file handle, a
///   compiled regex, a channel.
/// - `#[trace(bound = "T: Trace")]` on the type: these `where` predicates
///   instead of the generated ones (gc-arena's `#[collect(bound)]`).
/// - `#[trace(drop)]` on a generic type: it may implement `Drop`, and may
///   then never hold object-model pointers (a compile-time check for every
///   type argument it is used with).
///
/// Also implements `gc_core::HeapSend` when the type of every traced field
/// is `HeapSend`, so the type may live in a `Heap<C, Sendable>`.
#[proc_macro_derive(Trace, attributes(trace))]
pub fn derive_trace(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match expand(input) {
        Ok(tokens) => tokens.into(),
        Err(error) => error.to_compile_error().into(),
    }
}

/// A field of the type (of any variant), and whether it is skipped.
struct FieldInfo {
    ty: Type,
    skip: bool,
}

fn expand(input: DeriveInput) -> syn::Result<TokenStream2> {
    let brand = brand_lifetime(&input)?;
    let params: Vec<Ident> = input
        .generics
        .type_params()
        .map(|p| p.ident.clone())
        .collect();
    let name = &input.ident;
    let (fields, body, describe) = match &input.data {
        Data::Struct(data) => struct_body(&data.fields)?,
        Data::Enum(data) => {
            let mut fields = Vec::new();
            let mut arms = Vec::new();
            let mut describe_arms = Vec::new();
            for variant in &data.variants {
                let ident = &variant.ident;
                let (pattern, bindings) = bind_fields(&variant.fields);
                let mut calls = Vec::new();
                let mut describes = Vec::new();
                let single = variant.fields.len() == 1;
                for (i, (field, binding)) in variant.fields.iter().zip(&bindings).enumerate() {
                    let info = field_info(field)?;
                    if !info.skip {
                        calls.push(trace_call(field, quote!(#binding)));
                        // `Table` for `Value::Table(t)`, `Pair.1`, `Node.next`.
                        let label = match (&field.ident, single) {
                            (Some(named), _) => format!("{ident}.{named}"),
                            (None, true) => ident.to_string(),
                            (None, false) => format!("{ident}.{i}"),
                        };
                        describes.push(describe_call(field, quote!(#binding), &label));
                    }
                    fields.push(info);
                }
                arms.push(quote! { #name::#ident #pattern => { #(#calls)* } });
                describe_arms.push(quote! { #name::#ident #pattern => { #(#describes)* } });
            }
            (
                fields,
                quote! { match self { #(#arms)* } },
                quote! { match self { #(#describe_arms)* } },
            )
        }
        Data::Union(_) => {
            return Err(syn::Error::new_spanned(
                name,
                "Trace cannot be derived for unions: which field holds a value is unknown",
            ))
        }
    };
    let traced: Vec<Type> = fields
        .iter()
        .filter(|f| !f.skip)
        .map(|f| f.ty.clone())
        .collect();
    let mut generics = input.generics.clone();
    let predicates = &mut generics.make_where_clause().predicates;
    let attributes = type_attributes(&input)?;
    match attributes.bound {
        Some(bound) => predicates.extend(bound.predicates),
        None => predicates.extend(trace_bounds(name, &traced, &params)),
    }
    let skipped: Vec<&Type> = fields.iter().filter(|f| f.skip).map(|f| &f.ty).collect();
    for ty in skipped
        .iter()
        .filter(|ty| params.iter().any(|p| mentions(quote!(#ty), p)))
    {
        predicates.push(parse_quote!(#ty: ::core::marker::Send + 'static));
    }
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let needs = needs_trace(name, &traced);
    let model = model_pointers(name, &traced, brand.is_some(), &params);
    let handles = handle_pointers(name, &traced);
    let rebrand = rebrand_impl(&input, brand.as_ref(), &traced);
    let concrete = params.is_empty() && input.generics.const_params().next().is_none();
    // A type that may hold model pointers may not implement `Drop` (Trace's
    // rule 8): a branded type always may, a generic one may through its
    // parameters, a concrete unbranded one never does (checked below).
    let may_drop = attributes.drop || (brand.is_none() && concrete);
    let no_drop = (!may_drop).then(|| no_drop_check(&input));
    let check = attributes.drop.then(|| {
        quote! {
            const CHECK: () = ::core::assert!(
                !<Self as ::gc_core::Trace>::MODEL_POINTERS,
                "a `#[trace(drop)]` type cannot hold object-model pointers (model::Gc): \
                 its destructor would run when the objects they point to may be freed"
            );
        }
    });
    let run_check = attributes.drop.then(|| {
        quote! {
            #[allow(clippy::let_unit_value)] // forces the check for generic uses
            let () = const { <Self as ::gc_core::Trace>::CHECK };
        }
    });
    let heap_send = heap_send_impl(&input, &fields);
    let field_checks = concrete.then(|| field_checks(name, &traced, brand.as_ref()));
    Ok(quote! {
        // SAFETY: generated: traces every field (rules 1 and 2) and nothing
        // else, but the `#[trace(skip)]` ones, whose `Send + 'static` types
        // can hold no `Gc` (every pointer and scope root is `!Send`; a
        // sendable heap's `Send` persistent roots are updated by the heap
        // itself, traced or not); the derive adds
        // no interior mutability or `&mut` access. `NEEDS_TRACE` is false
        // only if no traced field's type needs tracing (rule 5).
        unsafe impl #impl_generics ::gc_core::Trace for #name #ty_generics #where_clause {
            const NEEDS_TRACE: bool = #needs;
            const MODEL_POINTERS: bool = #model;
            const HANDLE_POINTERS: bool = #handles;
            #check
            #[inline]
            #[allow(unused_variables)]
            fn trace(&self, tracer: &mut ::gc_core::Tracer) {
                #run_check
                // A skipped field's type must be `Send + 'static`: checked
                // here, where the impl's bounds cannot make it vacuous.
                fn skippable<T: ::core::marker::Send + 'static + ?Sized>() {}
                #(skippable::<#skipped>();)*
                if <Self as ::gc_core::Trace>::NEEDS_TRACE {
                    #body
                }
            }
            #[allow(unused_variables)]
            fn describe(&self, edges: &mut ::gc_core::edges::Edges) {
                #describe
            }
        }
        #rebrand
        #heap_send
        #no_drop
        #field_checks
    })
}

/// `HeapSend` (may live in a sendable heap) when every traced field's type
/// is. Each bound is on `Field<'__heap_send, T>`, not `T`: a bound with no
/// parameter that does not hold is an error (E0277, "trivial bounds"), and
/// a type with an `Rc` field must simply not be `HeapSend`. A field that
/// names the type itself (`Option<Box<Self>>`) is checked with the type
/// replaced by a type local to the impl that is `HeapSend` (coinduction, as
/// the compiler does for `Send`), since asking for the type's own
/// `HeapSend` would be a cycle (E0275). Skipped fields are `Send + 'static`
/// (the `Trace` impl checks it), so they need no bound.
fn heap_send_impl(input: &DeriveInput, fields: &[FieldInfo]) -> TokenStream2 {
    let name = &input.ident;
    let mut generics = input.generics.clone();
    generics.params.push(parse_quote!('__heap_send));
    let predicates = &mut generics.make_where_clause().predicates;
    for field in fields.iter().filter(|f| !f.skip) {
        let ty = &field.ty;
        let ty = assume_self(quote!(#ty), name, &input.generics).unwrap_or(quote!(#ty));
        predicates.push(parse_quote!(
            ::gc_core::threads::Field<'__heap_send, #ty>: ::gc_core::HeapSend
        ));
    }
    let (impl_generics, _, where_clause) = generics.split_for_impl();
    let (_, ty_generics, _) = input.generics.split_for_impl();
    quote! {
        const _: () = {
            /// The type itself, assumed `HeapSend` while its fields are checked.
            pub struct __AssumedSelf;
            // SAFETY: a unit type, named only by this impl's bounds.
            unsafe impl ::gc_core::HeapSend for __AssumedSelf {}
            // SAFETY: generated: every field that the value owns (and that
            // moves with it) is `HeapSend`, so the value is.
            unsafe impl #impl_generics ::gc_core::HeapSend for #name #ty_generics #where_clause {}
        };
    }
}

/// `ty` with every plain mention of the type (`Self`, `Name`, `Name<..>`)
/// replaced by `__AssumedSelf`, or `None` if `ty` names none, or might
/// name something else through it: a macro (`!`), a path through the type
/// (`Self::Item`, `Name::Item`) or a path ending in the name (`m::Name`,
/// maybe another type), or a type parameter spelt like the type.
fn assume_self(ty: TokenStream2, name: &Ident, generics: &syn::Generics) -> Option<TokenStream2> {
    if generics.type_params().any(|p| p.ident == *name) || !mentions(ty.clone(), name) {
        return None;
    }
    replace_self(ty, name)
}

fn replace_self(tokens: TokenStream2, name: &Ident) -> Option<TokenStream2> {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let punct =
        |t: Option<&TokenTree>, c: char| matches!(t, Some(TokenTree::Punct(p)) if p.as_char() == c);
    while i < tokens.len() {
        match &tokens[i] {
            TokenTree::Punct(p) if p.as_char() == '!' => return None,
            TokenTree::Ident(ident) if *ident == *name || ident == "Self" => {
                if (i > 0 && punct(tokens.get(i - 1), ':')) || punct(tokens.get(i + 1), ':') {
                    return None;
                }
                out.push(quote!(__AssumedSelf));
                i += 1;
                if *ident == *name && punct(tokens.get(i), '<') {
                    i = skip_generic_args(&tokens, i)?;
                }
                continue;
            }
            TokenTree::Group(group) => {
                let inner = replace_self(group.stream(), name)?;
                let mut new = proc_macro2::Group::new(group.delimiter(), inner);
                new.set_span(group.span());
                out.push(quote!(#new));
            }
            other => out.push(quote!(#other)),
        }
        i += 1;
    }
    Some(out.into_iter().collect())
}

/// The index just past the `<..>` starting at `tokens[start]` (a `->`
/// inside, as in `fn() -> T`, is not a closing bracket).
fn skip_generic_args(tokens: &[TokenTree], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = start;
    while i < tokens.len() {
        if let TokenTree::Punct(p) = &tokens[i] {
            let arrow = p.as_char() == '>'
                && matches!(&tokens[i - 1], TokenTree::Punct(q) if q.as_char() == '-');
            match p.as_char() {
                '<' => depth += 1,
                '>' if !arrow => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(i + 1);
                    }
                }
                _ => {}
            }
        }
        i += 1;
    }
    None
}

/// The bounds the impl needs: `Field: Trace` for every traced field whose
/// type mentions a type parameter (so a parameter used only in
/// `PhantomData<T>` or `fn() -> T`, which are `Trace` for any `T`, gets no
/// bound), or `T: Trace` for every parameter if a field names the type
/// itself (a `Field: Trace` bound on it would be a cycle).
fn trace_bounds(name: &Ident, traced: &[Type], params: &[Ident]) -> Vec<syn::WherePredicate> {
    if traced.iter().any(|ty| mentions(quote!(#ty), name)) {
        return params
            .iter()
            .map(|p| parse_quote!(#p: ::gc_core::Trace))
            .collect();
    }
    traced
        .iter()
        .filter(|ty| params.iter().any(|p| mentions(quote!(#ty), p)))
        .map(|ty| parse_quote!(#ty: ::gc_core::Trace))
        .collect()
}

/// The type's attributes: `#[trace(bound = "...")]` and `#[trace(drop)]`.
struct TypeAttributes {
    bound: Option<syn::WhereClause>,
    drop: bool,
}

fn type_attributes(input: &DeriveInput) -> syn::Result<TypeAttributes> {
    let mut attributes = TypeAttributes {
        bound: None,
        drop: false,
    };
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("trace")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("bound") {
                let text: syn::LitStr = meta.value()?.parse()?;
                let clause: syn::WhereClause = syn::parse_str(&format!("where {}", text.value()))
                    .map_err(|e| syn::Error::new(text.span(), e))?;
                attributes.bound = Some(clause);
                Ok(())
            } else if meta.path.is_ident("drop") {
                attributes.drop = true;
                Ok(())
            } else {
                Err(meta.error(
                    "expected `bound = \"...\"` or `drop` (on the type) or `skip` (on a field)",
                ))
            }
        })?;
    }
    Ok(attributes)
}

/// A field's type and its `#[trace(skip)]` attribute.
fn field_info(field: &Field) -> syn::Result<FieldInfo> {
    let mut skip = false;
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("trace")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("skip") {
                skip = true;
                Ok(())
            } else {
                Err(meta.error("expected `skip` (on a field) or `bound = \"...\"` (on the type)"))
            }
        })?;
    }
    Ok(FieldInfo {
        ty: field.ty.clone(),
        skip,
    })
}

/// The type's brand: its one lifetime parameter (an object-model type,
/// `Table<'gc>`), or `None` for a `'static` type.
fn brand_lifetime(input: &DeriveInput) -> syn::Result<Option<syn::Lifetime>> {
    let mut lifetimes = input.generics.lifetimes();
    let brand = lifetimes.next().map(|l| l.lifetime.clone());
    if let Some(extra) = lifetimes.next() {
        return Err(syn::Error::new_spanned(
            extra,
            "Trace can be derived for a type with at most one lifetime parameter: the brand \
             of the mutation region ('gc) its pointers belong to",
        ));
    }
    Ok(brand)
}

/// `Rebrand<'__rebrand>`: the brand lifetime replaced by `'__rebrand`.
///
/// A type without a brand is its own rebranding only if every traced
/// field's type is (`F: Rebrand<'__rebrand, Output = F>`): a field holding
/// a `model::Gc<'static, _>` makes the type neither `Rebrand` nor
/// `Unbranded`, so no scope lends it out. A field naming the type itself
/// is checked with the type replaced by a local stand-in that is its own
/// rebranding (asking for the type's own impl would be a cycle, E0275).
/// The bounds name `'__rebrand`, so a field that fails one leaves the impl
/// unusable rather than rejected (E0277 on trivial bounds).
///
/// A branded type's other parameters are kept as they are, so they must be
/// `Unbranded`: a brand hidden in a type argument would not be replaced.
/// Its fields need no bound: the compiler replaces the brand in every
/// field when it names `Type<'__rebrand>` (and asking would be a cycle
/// through mutually recursive model types).
fn rebrand_impl(
    input: &DeriveInput,
    brand: Option<&syn::Lifetime>,
    traced: &[Type],
) -> TokenStream2 {
    let name = &input.ident;
    let mut generics = input.generics.clone();
    generics.params.push(parse_quote!('__rebrand));
    let predicates = &mut generics.make_where_clause().predicates;
    if brand.is_some() {
        for param in input.generics.type_params() {
            let ident = &param.ident;
            predicates.push(parse_quote!(#ident: ::gc_core::Unbranded));
        }
    } else {
        for ty in traced {
            let ty = assume_self(quote!(#ty), name, &input.generics).unwrap_or(quote!(#ty));
            predicates.push(parse_quote!(
                #ty: ::gc_core::Rebrand<'__rebrand, Output = #ty>
            ));
        }
    }
    let (impl_generics, _, where_clause) = generics.split_for_impl();
    let (_, ty_generics, _) = input.generics.split_for_impl();
    let output_args = input.generics.params.iter().map(|param| match param {
        syn::GenericParam::Lifetime(_) => quote!('__rebrand),
        syn::GenericParam::Type(t) => {
            let ident = &t.ident;
            quote!(#ident)
        }
        syn::GenericParam::Const(c) => {
            let ident = &c.ident;
            quote!(#ident)
        }
    });
    let output = if brand.is_some() {
        quote!(#name<#(#output_args),*>)
    } else {
        quote!(Self)
    };
    quote! {
        const _: () = {
            /// The type itself, assumed its own rebranding while its fields
            /// are checked.
            pub struct __AssumedSelf;
            // SAFETY: a unit type, named only by this impl's bounds.
            unsafe impl<'__rebrand> ::gc_core::Rebrand<'__rebrand> for __AssumedSelf {
                type Output = __AssumedSelf;
            }
            // SAFETY: generated: `Output` is this type with its brand
            // lifetime replaced; without a brand, it is the type itself and
            // every traced field's type is its own rebranding (the bounds),
            // so no model pointer with another brand is reachable through
            // it. Same layout, same trace.
            unsafe impl #impl_generics ::gc_core::Rebrand<'__rebrand> for #name #ty_generics #where_clause {
                type Output = #output;
            }
        };
    }
}

/// A type that may hold model pointers (a branded or generic one) may not
/// implement `Drop`: its destructor would run during a collection, when the
/// objects its pointers refer to may already be freed. Two impls of a local
/// trait conflict (E0119) if the type is `Drop` (for some arguments).
fn no_drop_check(input: &DeriveInput) -> TokenStream2 {
    let name = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    quote! {
        const _: () = {
            /// A type that may hold object-model pointers (one with a `'gc`
            /// brand, or with type parameters) must not implement `Drop`: a
            /// destructor runs during a collection, when the objects its
            /// pointers refer to may be gone. A generic type that needs a
            /// destructor says `#[trace(drop)]` and then cannot hold them.
            trait MustNotImplDrop {}
            #[allow(drop_bounds)]
            impl<T: ::core::ops::Drop + ?Sized> MustNotImplDrop for T {}
            impl #impl_generics MustNotImplDrop for #name #ty_generics #where_clause {}
        };
    }
}

/// `MODEL_POINTERS`: `true` for a branded type, else the `||` of the fields'
/// (a field naming the type itself counts as its type parameters' `||`).
fn model_pointers(
    name: &Ident,
    field_types: &[Type],
    branded: bool,
    params: &[Ident],
) -> TokenStream2 {
    if branded {
        return quote!(true);
    }
    let terms = field_types.iter().map(|ty| {
        if mentions(quote!(#ty), name) {
            quote!(false #(|| <#params as ::gc_core::Trace>::MODEL_POINTERS)*)
        } else {
            quote!(<#ty as ::gc_core::Trace>::MODEL_POINTERS)
        }
    });
    quote!(false #(|| #terms)*)
}

/// `false`, or the `||` of every field type's `NEEDS_TRACE`, with `true` for
/// the types that name `name` itself (see the crate docs).
fn needs_trace(name: &Ident, field_types: &[Type]) -> TokenStream2 {
    any_field(name, field_types, quote!(NEEDS_TRACE))
}

/// `HANDLE_POINTERS`, computed like `NEEDS_TRACE`.
fn handle_pointers(name: &Ident, field_types: &[Type]) -> TokenStream2 {
    any_field(name, field_types, quote!(HANDLE_POINTERS))
}

/// `false`, or the `||` of every field type's constant `flag`, with `true`
/// for the types that name `name` itself (always sound, and asking the
/// compiler would be a cycle).
fn any_field(name: &Ident, field_types: &[Type], flag: TokenStream2) -> TokenStream2 {
    let terms = field_types.iter().map(|ty| {
        if mentions(quote!(#ty), name) {
            quote!(true)
        } else {
            quote!(<#ty as ::gc_core::Trace>::#flag)
        }
    });
    quote!(false #(|| #terms)*)
}

/// `true` if `tokens` contain the identifier `name` or `Self`.
fn mentions(tokens: TokenStream2, name: &Ident) -> bool {
    tokens.into_iter().any(|token| match token {
        TokenTree::Ident(ident) => ident == *name || ident == "Self",
        TokenTree::Group(group) => mentions(group.stream(), name),
        _ => false,
    })
}

fn struct_body(fields: &Fields) -> syn::Result<(Vec<FieldInfo>, TokenStream2, TokenStream2)> {
    let mut infos = Vec::new();
    let mut calls = Vec::new();
    let mut describes = Vec::new();
    for (i, f) in fields.iter().enumerate() {
        let info = field_info(f)?;
        if !info.skip {
            let (place, name) = match &f.ident {
                Some(ident) => (quote!(&self.#ident), ident.to_string()),
                None => {
                    let index = syn::Index::from(i);
                    (quote!(&self.#index), i.to_string())
                }
            };
            calls.push(trace_call(f, place.clone()));
            describes.push(describe_call(f, place, &name));
        }
        infos.push(info);
    }
    Ok((infos, quote! { #(#calls)* }, quote! { #(#describes)* }))
}

/// Describes one field under its name (`Trace::describe`, for heap graphs).
fn describe_call(field: &Field, place: TokenStream2, name: &str) -> TokenStream2 {
    let ty = &field.ty;
    quote! {
        edges.field(#name, |edges| <#ty as ::gc_core::Trace>::describe(#place, edges));
    }
}

/// Traces one field; spanned at the field's type, so that a type that is not
/// `Trace` (a `Cell<Gc<T>>`, say) is reported on the field, not the derive.
fn trace_call(field: &Field, place: TokenStream2) -> TokenStream2 {
    let ty = &field.ty;
    quote_spanned! {ty.span()=> <#ty as ::gc_core::Trace>::trace(#place, tracer); }
}

/// A pattern binding every field of a variant, and the bindings.
fn bind_fields(fields: &Fields) -> (TokenStream2, Vec<Ident>) {
    let bindings: Vec<_> = (0..fields.len())
        .map(|i| format_ident!("__field{}", i))
        .collect();
    let pattern = match fields {
        Fields::Named(named) => {
            let names = named.named.iter().map(|f| f.ident.as_ref());
            quote!({ #(#names: #bindings),* })
        }
        Fields::Unnamed(_) => quote!(( #(#bindings),* )),
        Fields::Unit => quote!(),
    };
    (pattern, bindings)
}

/// Evaluates every traced field type's `Trace::CHECK` in a constant (with
/// the brand as `'static`), so that `cargo check` rejects a `Vec` of model
/// pointers. Types with type or const parameters get the check when used.
fn field_checks(name: &Ident, field_types: &[Type], brand: Option<&syn::Lifetime>) -> TokenStream2 {
    let this = match brand {
        Some(_) => quote!(#name<'static>),
        None => quote!(#name),
    };
    let checks = field_types.iter().map(|ty| {
        let ty = with_static(quote!(#ty), brand.map(|b| &b.ident), &this);
        quote!(let () = <#ty as ::gc_core::Trace>::CHECK;)
    });
    // Without a brand, a concrete type has no region to tie model pointers
    // to: one in a field could only be named `'static` (Trace's rule 8 and
    // `Rebrand`'s contract).
    let unbranded = brand.is_none().then(|| {
        quote! {
            ::core::assert!(
                !<#name as ::gc_core::Trace>::MODEL_POINTERS,
                "a type without a brand lifetime cannot hold object-model pointers \
                 (model::Gc): give it one (`struct Table<'gc>`), or, for a hand-written \
                 `Trace` leaf among its fields, set `const MODEL_POINTERS: bool = false`"
            );
        }
    });
    quote! {
        const _: () = { #(#checks)* #unbranded };
    }
}

/// `tokens` with the lifetime `'brand` replaced by `'static` and `Self` by `this`.
fn with_static(tokens: TokenStream2, brand: Option<&Ident>, this: &TokenStream2) -> TokenStream2 {
    let mut out = Vec::new();
    let mut tokens = tokens.into_iter().peekable();
    while let Some(token) = tokens.next() {
        match token {
            TokenTree::Punct(p) if p.as_char() == '\'' => match tokens.peek() {
                Some(TokenTree::Ident(ident)) if brand == Some(ident) => {
                    tokens.next();
                    out.extend(quote!('static));
                }
                _ => out.push(TokenTree::Punct(p)),
            },
            TokenTree::Group(group) => {
                let inner = with_static(group.stream(), brand, this);
                let mut new = proc_macro2::Group::new(group.delimiter(), inner);
                new.set_span(group.span());
                out.push(TokenTree::Group(new));
            }
            TokenTree::Ident(ident) if ident == "Self" => out.extend(this.clone()),
            other => out.push(other),
        }
    }
    out.into_iter().collect()
}
