//! Stage 2: the resolved view of a loaded spec, which the model and the spec diff both read:
//! `$ref`s followed by one walker ([`refs`]), `allOf` merged by the generator's rules
//! ([`all_of`]), path templates parsed ([`path`]), every node still addressed by its JSON pointer.
//! Dangling references and cycles are errors located where they are written.

pub(crate) mod all_of;
pub(crate) mod path;
mod pointer;
mod refs;
pub(crate) mod shape;

pub(crate) use all_of::{ObjectView, object_view};
pub use path::{PathTemplate, Segment};
pub(crate) use refs::{Follow, Found, Reached, Resolver, SchemaNode};
pub(crate) use shape::wrapped_ref;
