// The guide's text is `docs/GUIDE.md`, a document rather than code; it is
// included here so that rustdoc renders it with working links and every
// example in it runs as a doctest.
#![doc = include_str!("../../docs/GUIDE.md")]
