//! Request bodies (added, removed, made required or optional) and the media types of bodies and
//! responses (removed, and the schemas of those on both sides).

use indexmap::IndexMap;
use openapiv3::{MediaType, Operation, RequestBody};

use super::{Dir, Level, Place, Rule, Side, Walk};
use crate::error::push_token;
use crate::resolve::Resolver;

/// How an inline body schema is named in messages: after its shared request body or response
/// component, else after the operation (`POST /wallets request body`).
fn body_label(body_at: &str, op: &str, what: &str) -> String {
    ["/components/requestBodies/", "/components/responses/"]
        .iter()
        .find_map(|prefix| body_at.strip_prefix(prefix))
        .filter(|key| !key.contains('/'))
        .map_or_else(
            || format!("{op} {what}"),
            |key| key.replace("~1", "/").replace("~0", "~"),
        )
}

impl<'a> Walk<'a> {
    pub(super) fn request_body(
        &mut self,
        old_at: &str,
        old: &'a Operation,
        new_at: &str,
        new: &'a Operation,
    ) {
        let old_body = old.request_body.as_ref().and_then(|b| {
            self.found_or_error(
                Side::Old,
                Resolver { api: self.old }.request_body(b, &push_token(old_at, "requestBody")),
            )
        });
        let new_body = new.request_body.as_ref().and_then(|b| {
            self.found_or_error(
                Side::New,
                Resolver { api: self.new }.request_body(b, &push_token(new_at, "requestBody")),
            )
        });
        match (old_body, new_body) {
            (None, None) => {}
            (None, Some((body, at))) => {
                // Only a required body breaks old clients, which send none.
                let (wire, which) = if body.required {
                    (Level::Breaking, "required")
                } else {
                    (Level::NonBreaking, "optional")
                };
                let message = format!("{which} request body added");
                self.add_at(Rule::RequestBodyAdded, wire, None, Some(&at), message);
            }
            (Some((_, at)), None) => {
                let message = "request body removed".to_owned();
                self.add(Rule::RequestBodyRemoved, Some(&at), None, message);
            }
            (Some(old), Some(new)) => self.request_bodies(old, new),
        }
    }

    /// A request body in both documents: whether it is required, and its content.
    fn request_bodies(
        &mut self,
        (old, old_at): (&'a RequestBody, String),
        (new, new_at): (&'a RequestBody, String),
    ) {
        if old.required != new.required {
            let (rule, message) = if new.required {
                (Rule::RequestBodyMadeRequired, "request body made required")
            } else {
                (Rule::RequestBodyMadeOptional, "request body made optional")
            };
            self.add(rule, Some(&old_at), Some(&new_at), message.to_owned());
        }
        self.content(
            Dir::Request,
            &old.content,
            &old_at,
            &new.content,
            &new_at,
            "request body",
        );
    }

    /// The media types of a body or response: removed ones, and the schemas of those kept.
    pub(super) fn content(
        &mut self,
        dir: Dir,
        old: &'a IndexMap<String, MediaType>,
        old_at: &str,
        new: &'a IndexMap<String, MediaType>,
        new_at: &str,
        label: &str,
    ) {
        let old_content = push_token(old_at, "content");
        let new_content = push_token(new_at, "content");
        for (media, old_media) in old {
            let old_media_at = push_token(&old_content, media);
            let Some(new_media) = new.get(media) else {
                let message = format!("{label} media type `{media}` removed");
                self.add(Rule::MediaTypeRemoved, Some(&old_media_at), None, message);
                continue;
            };
            let new_media_at = push_token(&new_content, media);
            if let (Some(o), Some(n)) = (&old_media.schema, &new_media.schema) {
                let o = self.resolve(Side::Old, o.into(), push_token(&old_media_at, "schema"));
                let n = self.resolve(Side::New, n.into(), push_token(&new_media_at, "schema"));
                if let (Some(o), Some(n)) = (o, n) {
                    let root = body_label(new_at, &self.op, label);
                    self.schema(dir, Place::Value, &o, &n, &root);
                }
            }
        }
    }
}
