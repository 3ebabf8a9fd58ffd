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

use openapiv3::OpenAPI;

use crate::error::{Error, push_token};
use crate::load::RefSiblings;

/// The resolved view of one document, which the model is built from.
pub(crate) struct Resolved<'a> {
    /// Follows the document's `$ref`s.
    pub resolver: Resolver<'a>,
    /// The keys written beside `$ref`s (a property's `description` and `example` are its docs).
    pub ref_siblings: &'a RefSiblings,
    /// The template of each path, in document order.
    pub templates: Vec<PathTemplate>,
}

/// Resolves a loaded document: its path templates are parsed (a malformed one is an error at
/// its path); `$ref`s and `allOf`s are followed and merged as the model reads them.
pub(crate) fn resolve<'a>(
    api: &'a OpenAPI,
    ref_siblings: &'a RefSiblings,
) -> Result<Resolved<'a>, Error> {
    let templates = api
        .paths
        .iter()
        .map(|(path, _)| PathTemplate::parse(path, &push_token("/paths", path)))
        .collect::<Result<_, _>>()?;
    Ok(Resolved {
        resolver: Resolver { api },
        ref_siblings,
        templates,
    })
}
