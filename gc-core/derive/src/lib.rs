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
//! - Unions and types with lifetime parameters are rejected: a union's active
//!   field is unknown, and heap objects are `'static`, so they borrow nothing.

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
    if let Some(lifetime) = input.generics.lifetimes().next() {
        return Err(syn::Error::new_spanned(
            lifetime,
            "Trace cannot be derived for a type with lifetime parameters: heap objects are \
             'static and borrow nothing (own the data, or refer to other objects with Gc)",
        ));
    }
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
    Ok(quote! {
        // SAFETY: generated: traces every field (rules 1 and 2) and nothing
        // else; the derive adds no interior mutability or `&mut` access.
        // `NEEDS_TRACE` is false only if no field's type needs tracing (rule 5).
        unsafe impl #impl_generics ::gc_core::Trace for #name #ty_generics #where_clause {
            const NEEDS_TRACE: bool = #needs;
            #[inline]
            #[allow(unused_variables)]
            fn trace(&self, tracer: &mut ::gc_core::Tracer) {
                if <Self as ::gc_core::Trace>::NEEDS_TRACE {
                    #body
                }
            }
        }
    })
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
