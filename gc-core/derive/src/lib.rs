//! `#[derive(Trace)]` for [gc-core](https://docs.rs/gc-core): implements
//! `gc_core::Trace` by tracing every field of a struct or of every enum
//! variant. Type parameters get a `Trace` bound.

use proc_macro::TokenStream;
use proc_macro2::TokenStream as TokenStream2;
use quote::{format_ident, quote};
use syn::{parse_macro_input, parse_quote, Data, DeriveInput, Fields};

/// Derives `gc_core::Trace`: every field is traced, so every `Gc` the value
/// owns is reported. `NEEDS_TRACE` is true if any field's type needs tracing.
#[proc_macro_derive(Trace)]
pub fn derive_trace(input: TokenStream) -> TokenStream {
    let mut input = parse_macro_input!(input as DeriveInput);
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
                quote! { #name::#ident #pattern => { #( ::gc_core::Trace::trace(#bindings, tracer); )* } }
            });
            let arms: Vec<_> = arms.collect();
            (types, quote! { match self { #(#arms)* } })
        }
        Data::Union(_) => {
            return syn::Error::new_spanned(name, "Trace cannot be derived for unions")
                .to_compile_error()
                .into()
        }
    };
    let needs = if field_types.is_empty() {
        quote!(false)
    } else {
        quote!(#(<#field_types as ::gc_core::Trace>::NEEDS_TRACE)||*)
    };
    quote! {
        // SAFETY: generated: traces every field (rules 1 and 2) and nothing
        // else; the derive adds no interior mutability or `&mut` access.
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
    }
    .into()
}

fn struct_body(fields: &Fields) -> (Vec<syn::Type>, TokenStream2) {
    let types = fields.iter().map(|f| f.ty.clone()).collect();
    let accesses = fields.iter().enumerate().map(|(i, f)| match &f.ident {
        Some(ident) => quote!(&self.#ident),
        None => {
            let index = syn::Index::from(i);
            quote!(&self.#index)
        }
    });
    (
        types,
        quote! { #( ::gc_core::Trace::trace(#accesses, tracer); )* },
    )
}

/// A pattern binding every field of a variant, and the bindings.
fn bind_fields(fields: &Fields) -> (TokenStream2, Vec<syn::Ident>) {
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
