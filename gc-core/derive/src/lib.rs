//! `#[derive(Trace)]` for [gc-core](https://docs.rs/gc-core): implements
//! `gc_core::Trace` by tracing every field of a struct or of every enum
//! variant. Type parameters get a `Trace` bound; `where` clauses are kept.
//!
//! - `NEEDS_TRACE` is the `||` of the fields' `NEEDS_TRACE`. A field whose
//!   type names the type itself (`Box<Expr>`, `Vec<Self>`) counts as `true`:
//!   asking the compiler for it would be a cycle (E0391), and `true` is always
//!   sound, only slower for a recursive type made of leaves. Mutually
//!   recursive types (`A` holds a `Box<B>`, `B` a `Vec<A>`) still hit the
//!   cycle; break it with a `Gc` (which is `true` without looking inside).
//! - A type may have one lifetime parameter, its brand (`Table<'gc>`): an
//!   object-model type whose `model::Gc<'gc, _>` pointers belong to a
//!   mutation region. The derive then also asserts that the type does not
//!   implement `Drop`, and implements `Rebrand` by replacing the brand.
//! - Unions are rejected: which field holds a value is unknown.

use proc_macro::TokenStream;
use proc_macro2::{TokenStream as TokenStream2, TokenTree};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{parse_macro_input, parse_quote, Data, DeriveInput, Field, Fields, Ident, Type};

/// Derives `gc_core::Trace`: every field is traced, so every `Gc` the value
/// owns is reported. `NEEDS_TRACE` is true if any field's type needs tracing.
#[proc_macro_derive(Trace)]
pub fn derive_trace(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match expand(input) {
        Ok(tokens) => tokens.into(),
        Err(error) => error.to_compile_error().into(),
    }
}

fn expand(mut input: DeriveInput) -> syn::Result<TokenStream2> {
    let brand = brand_lifetime(&input)?;
    let params: Vec<Ident> = input
        .generics
        .type_params()
        .map(|p| p.ident.clone())
        .collect();
    for param in input.generics.type_params_mut() {
        param.bounds.push(parse_quote!(::gc_core::Trace));
    }
    let name = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let (field_types, body) = match &input.data {
        Data::Struct(data) => struct_body(&data.fields),
        Data::Enum(data) => {
            let mut types = Vec::new();
            let arms = data.variants.iter().map(|variant| {
                let ident = &variant.ident;
                let (pattern, bindings) = bind_fields(&variant.fields);
                types.extend(variant.fields.iter().map(|f| f.ty.clone()));
                let calls = variant
                    .fields
                    .iter()
                    .zip(&bindings)
                    .map(|(f, b)| trace_call(f, quote!(#b)));
                quote! { #name::#ident #pattern => { #(#calls)* } }
            });
            let arms: Vec<_> = arms.collect();
            (types, quote! { match self { #(#arms)* } })
        }
        Data::Union(_) => {
            return Err(syn::Error::new_spanned(
                name,
                "Trace cannot be derived for unions: which field holds a value is unknown",
            ))
        }
    };
    let needs = needs_trace(name, &field_types);
    let model = model_pointers(name, &field_types, brand.is_some(), &params);
    let rebrand = rebrand_impl(&input, brand.as_ref());
    let no_drop = brand.as_ref().map(|_| no_drop_check(&input));
    let field_checks =
        (params.is_empty()).then(|| field_checks(name, &field_types, brand.as_ref()));
    Ok(quote! {
        // SAFETY: generated: traces every field (rules 1 and 2) and nothing
        // else; the derive adds no interior mutability or `&mut` access.
        // `NEEDS_TRACE` is false only if no field's type needs tracing (rule 5).
        unsafe impl #impl_generics ::gc_core::Trace for #name #ty_generics #where_clause {
            const NEEDS_TRACE: bool = #needs;
            const MODEL_POINTERS: bool = #model;
            #[inline]
            #[allow(unused_variables)]
            fn trace(&self, tracer: &mut ::gc_core::Tracer) {
                if <Self as ::gc_core::Trace>::NEEDS_TRACE {
                    #body
                }
            }
        }
        #rebrand
        #no_drop
        #field_checks
    })
}

/// Evaluates every field type's `Trace::CHECK` in a constant (with the
/// brand as `'static`), so that `cargo check` rejects a `Vec` of model
/// pointers. Types with type parameters get the check when used instead.
fn field_checks(name: &Ident, field_types: &[Type], brand: Option<&syn::Lifetime>) -> TokenStream2 {
    let this = match brand {
        Some(_) => quote!(#name<'static>),
        None => quote!(#name),
    };
    let checks = field_types.iter().map(|ty| {
        let ty = with_static(quote!(#ty), brand.map(|b| &b.ident), &this);
        quote!(let () = <#ty as ::gc_core::Trace>::CHECK;)
    });
    quote! {
        const _: () = { #(#checks)* };
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

/// `Rebrand<'__a>`: the brand lifetime replaced by `'__a`; a type without
/// one is its own rebranding. Type parameters are kept as they are (a model
/// type's parameters must not carry the brand: give the type the lifetime).
fn rebrand_impl(input: &DeriveInput, brand: Option<&syn::Lifetime>) -> TokenStream2 {
    let name = &input.ident;
    let mut generics = input.generics.clone();
    generics.params.push(parse_quote!('__rebrand));
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
        // SAFETY: generated: `Output` is this type with its brand lifetime
        // replaced (or unchanged without one): same layout, same trace.
        unsafe impl #impl_generics ::gc_core::Rebrand<'__rebrand> for #name #ty_generics #where_clause {
            type Output = #output;
        }
    }
}

/// A model type may not implement `Drop`: its destructor would run during a
/// collection, when the objects its pointers refer to may already be freed.
/// Two impls of a local trait conflict (E0119) if the type is `Drop`.
fn no_drop_check(input: &DeriveInput) -> TokenStream2 {
    let name = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    quote! {
        const _: () = {
            /// An object-model type (one with a `'gc` brand) must not implement
            /// `Drop`: a destructor runs during a collection, when the objects its
            /// pointers refer to may be gone.
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
    let terms = field_types.iter().map(|ty| {
        if mentions(quote!(#ty), name) {
            quote!(true)
        } else {
            quote!(<#ty as ::gc_core::Trace>::NEEDS_TRACE)
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

fn struct_body(fields: &Fields) -> (Vec<Type>, TokenStream2) {
    let types = fields.iter().map(|f| f.ty.clone()).collect();
    let calls = fields.iter().enumerate().map(|(i, f)| match &f.ident {
        Some(ident) => trace_call(f, quote!(&self.#ident)),
        None => {
            let index = syn::Index::from(i);
            trace_call(f, quote!(&self.#index))
        }
    });
    (types, quote! { #(#calls)* })
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
