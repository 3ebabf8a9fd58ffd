//! Stage 3: the intermediate model. Everything the emitter needs, resolved and named: no `$ref`,
//! no spec quirks, names already unique. Built for Cobo's full 270-operation spec, not just OAuth.

mod graph;
mod operation;
pub mod paging;
mod reserved;
mod schema;
mod security;
mod sensitive;

pub use crate::resolve::{PathTemplate, Segment};
pub use graph::{Edge, TypeGraph};
pub use security::{Scheme, SchemeKind};

use openapiv3::OpenAPI;

use crate::error::{Error, Warning};
use crate::ident::Namer;
use crate::load::{Document, RefSiblings};
use crate::resolve::{self, Resolved};

/// A whole API, ready to emit.
#[derive(Debug, Clone, PartialEq)]
pub struct Api {
    /// `info.title`.
    pub title: String,
    /// `info.version`.
    pub version: String,
    /// `info.description`.
    pub description: Option<String>,
    /// `servers`, in document order.
    pub servers: Vec<Server>,
    /// Every named type: component schemas, named inline schemas and per-operation error enums,
    /// sorted by name (the index [`Api::type_named`] and [`TypeId`] rely on).
    pub types: Vec<TypeDef>,
    /// Which types each type names: read for boxing and for feature gating.
    pub graph: TypeGraph,
    /// Operations in document order (paths, then methods in `get put post delete options head
    /// patch trace` order).
    pub operations: Vec<Operation>,
    /// `components.securitySchemes`, in document order, each with the operations naming it.
    pub security: Vec<Scheme>,
    /// What was worked around.
    pub warnings: Vec<Warning>,
}

impl Api {
    /// The position of the type named `name`.
    pub fn type_id(&self, name: &str) -> Option<TypeId> {
        graph::position(&self.types, name)
    }

    /// The type named `name`.
    pub fn type_named(&self, name: &str) -> Option<&TypeDef> {
        self.type_id(name).map(|id| self.type_def(id))
    }

    /// The type at `id`.
    pub fn type_def(&self, id: TypeId) -> &TypeDef {
        &self.types[id.0]
    }

    /// The type a reference names, when it names one.
    pub fn named(&self, ty: &TypeRef) -> Option<&TypeDef> {
        match ty {
            TypeRef::Named(name) => self.type_named(name),
            _ => None,
        }
    }

    /// The struct a reference names, when it names one.
    pub fn struct_named(&self, ty: &TypeRef) -> Option<&Struct> {
        match &self.named(ty)?.kind {
            TypeKind::Struct(s) => Some(s),
            _ => None,
        }
    }

    /// Every type with its id, in order.
    pub fn defs(&self) -> impl Iterator<Item = (TypeId, &TypeDef)> {
        self.types.iter().enumerate().map(|(i, d)| (TypeId(i), d))
    }
}

/// A type's position in [`Api::types`]: found once by name, then used without searching.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TypeId(pub(crate) usize);

/// One entry of `servers`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    /// The URL as written.
    pub url: String,
    /// Its description.
    pub description: Option<String>,
}

/// A named Rust type.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeDef {
    /// Unique Rust name.
    pub name: String,
    /// JSON pointer of the schema it comes from.
    pub pointer: String,
    /// The schema's description.
    pub description: Option<String>,
    /// What it is.
    pub kind: TypeKind,
}

/// The shape of a named type.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind {
    /// An object with known properties.
    Struct(Struct),
    /// A string enum, open to values the spec does not list.
    Enum(Enum),
    /// An integer enum, open to values the spec does not list.
    IntEnum(IntEnum),
    /// A `oneOf` routed by a discriminator property.
    Union(Union),
    /// Another name for a type (`type X = Y;`).
    Alias(TypeRef),
    /// The documented error responses of one operation.
    Errors(Vec<ErrorVariant>),
}

/// An object schema (`allOf` members merged in).
#[derive(Debug, Clone, PartialEq)]
pub struct Struct {
    /// Properties in document order.
    pub fields: Vec<Field>,
    /// The value type of properties not listed (`additionalProperties`), if they are allowed
    /// and kept.
    pub additional: Option<TypeRef>,
    /// Whether it is the body of a documented error response (it then gets a one-line `Display`).
    pub is_error_body: bool,
}

/// One property of an object.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The JSON name.
    pub wire: String,
    /// The Rust name (unique within the struct).
    pub name: String,
    /// The value type (without the `Option` for optional fields).
    pub ty: TypeRef,
    /// Whether the value may be left out or be `null`, and so whether the Rust field is an
    /// `Option`.
    pub presence: Presence,
    /// Boxed, because the type contains itself through this field.
    pub boxed: bool,
    /// Holds a secret: never shown by `Debug` or `Display`.
    pub secret: bool,
    /// `deprecated: true`.
    pub deprecated: bool,
    /// The property's description.
    pub description: Option<String>,
    /// The property's example, as compact JSON.
    pub example: Option<String>,
    /// The property's default, as compact JSON (applied by the server; documented only).
    pub default: Option<String>,
}

impl Field {
    /// Whether the Rust field is an `Option`.
    pub fn is_optional(&self) -> bool {
        self.presence.is_optional()
    }
}

/// Whether a property must be sent and may be `null`: what makes its Rust field an `Option`,
/// and how the field is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Presence {
    /// Listed in `required`, not `nullable`: `T`, always written.
    Required,
    /// Listed in `required` and `nullable`: `Option<T>`, written as `null` when `None`.
    RequiredNullable,
    /// Not listed in `required`: `Option<T>`, left out when `None`.
    Optional,
    /// Not listed in `required`, and `nullable`: written and read as [`Presence::Optional`]
    /// (`null` reads as `None` there too); kept apart for what the spec says.
    OptionalNullable,
}

impl Presence {
    /// The presence of a property listed in `required` or not, `nullable` or not.
    pub fn of(required: bool, nullable: bool) -> Self {
        match (required, nullable) {
            (true, false) => Self::Required,
            (true, true) => Self::RequiredNullable,
            (false, false) => Self::Optional,
            (false, true) => Self::OptionalNullable,
        }
    }

    /// Whether the Rust field is an `Option`.
    pub fn is_optional(self) -> bool {
        self != Self::Required
    }

    /// Whether the property is listed in `required`: it is always written, `null` or not.
    pub fn is_required(self) -> bool {
        matches!(self, Self::Required | Self::RequiredNullable)
    }

    /// Whether the property is `nullable`.
    pub fn is_nullable(self) -> bool {
        matches!(self, Self::RequiredNullable | Self::OptionalNullable)
    }
}

/// A string enum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enum {
    /// Variants in document order.
    pub variants: Vec<Variant>,
}

/// One enum value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    /// Rust variant name.
    pub name: String,
    /// The value on the wire.
    pub wire: String,
}

/// An integer enum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntEnum {
    /// Variants in document order.
    pub variants: Vec<IntVariant>,
}

/// One integer enum value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntVariant {
    /// Rust variant name (from `x-enum-varnames` when given).
    pub name: String,
    /// The value on the wire.
    pub value: i64,
}

/// A discriminated union: the value of property `tag` picks the variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Union {
    /// The discriminator property's JSON name.
    pub tag: String,
    /// One variant per tag value; several tag values may share a payload type.
    pub variants: Vec<UnionVariant>,
}

/// One tag value of a union and the type it selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnionVariant {
    /// Rust variant name.
    pub name: String,
    /// The tag value on the wire.
    pub tag: String,
    /// The payload type.
    pub ty: TypeRef,
    /// Boxed, because the payload contains the union.
    pub boxed: bool,
}

/// One documented error status of an operation.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorVariant {
    /// Rust variant name.
    pub name: String,
    /// The status it covers.
    pub status: Status,
    /// The response's description.
    pub description: String,
    /// The body type, if the response has a body.
    pub body: Option<TypeRef>,
}

/// A reference to a type.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum TypeRef {
    /// `String`.
    String,
    /// `i32`.
    I32,
    /// `i64`.
    I64,
    /// `f32`.
    F32,
    /// `f64`.
    F64,
    /// `bool`.
    Bool,
    /// Any JSON value.
    Any,
    /// Raw bytes (`format: binary`), sent as a file part of a multipart body.
    Bytes,
    /// A named type.
    Named(String),
    /// `Vec<T>`.
    Array(Box<TypeRef>),
    /// `BTreeMap<String, T>`.
    Map(Box<TypeRef>),
}

impl TypeRef {
    /// Whether the value prints as one scalar (used for error `Display`).
    pub fn is_scalar(&self) -> bool {
        matches!(
            self,
            Self::String | Self::I32 | Self::I64 | Self::F32 | Self::F64 | Self::Bool
        )
    }
}

/// One operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// `operationId` as written.
    pub id: String,
    /// The client method's name.
    pub method_name: String,
    /// HTTP method, upper case.
    pub http_method: String,
    /// The path template parsed: what the client writes as is, and where each path parameter
    /// goes. It displays as written, e.g. `/wallets/{wallet_id}`.
    pub template: PathTemplate,
    /// JSON pointer of the operation.
    pub pointer: String,
    /// `summary`.
    pub summary: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `tags`, in the order written.
    pub tags: Vec<String>,
    /// `deprecated: true`.
    pub deprecated: bool,
    /// Path, query and header parameters in the order written (path-level ones first).
    pub params: Vec<Param>,
    /// The request body.
    pub body: Option<Body>,
    /// The type of a success response's body; `None` when success has no body. For a
    /// [`Encoding::Text`] or [`Encoding::Bytes`] body it is [`TypeRef::String`]: the emitter reads
    /// `success_encoding` for the Rust type.
    pub success: Option<TypeRef>,
    /// How the success body is read: [`Encoding::Json`], [`Encoding::Text`] (a `String`) or
    /// [`Encoding::Bytes`] (a `Vec<u8>`).
    pub success_encoding: Encoding,
    /// Every documented response.
    pub responses: Vec<Response>,
    /// The error enum's name.
    pub error_type: String,
    /// The struct that carries the optional parameters, when there are any.
    pub options_type: Option<String>,
    /// How requests are authenticated.
    pub auth: Auth,
    /// Whether an Org Access Token (Cobo OAuth, `Authorization: Bearer`) is accepted or needed.
    pub bearer: Bearer,
    /// The OAuth2 scopes the operation names, in the order written, without repeats.
    pub scopes: Vec<String>,
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamLocation {
    /// A `{name}` segment of the path.
    Path,
    /// The query string.
    Query,
    /// A request header.
    Header,
}

/// One parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// The name on the wire.
    pub wire: String,
    /// The Rust argument name.
    pub name: String,
    /// Where it goes.
    pub location: ParamLocation,
    /// A method argument of its own: `required: true`, and every path parameter. Otherwise a
    /// field of the operation's options struct.
    pub required: bool,
    /// Its type.
    pub ty: TypeRef,
    /// Arrays: one `name=value` per item (`true`) or one comma-joined value (`false`).
    pub explode: bool,
    /// `description`.
    pub description: Option<String>,
    /// `example`, as compact JSON.
    pub example: Option<String>,
}

/// A request body.
#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    /// The media type as written, e.g. `application/json` (sent as `Content-Type` for JSON).
    pub media_type: String,
    /// How the body is written, read from the media type.
    pub encoding: Encoding,
    /// Its type.
    pub ty: TypeRef,
    /// `required: true`.
    pub required: bool,
    /// `description`.
    pub description: Option<String>,
}

/// How a body is written or read on the wire, from its media type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Encoding {
    /// `application/json`, any `+json` type or `text/json`: the value as JSON. Preferred when a
    /// body offers several media types.
    Json,
    /// `multipart/form-data`: one part per field, files as file parts (request bodies only).
    Multipart,
    /// `application/x-www-form-urlencoded`: an object's fields as `name=value` pairs (request
    /// bodies only).
    Form,
    /// Any `text/*` type: a `String`, sent or read as is.
    Text,
    /// Any other type (`application/octet-stream`, `application/pdf`, `image/*`, `*/*`, ...):
    /// raw bytes, sent or read as is.
    Bytes,
}

impl Encoding {
    /// The encoding of a media type (parameters and case aside); `None` when it is not one the
    /// generator types (JSON or multipart): [`Encoding::fallback`] says how it is carried then.
    pub fn of(media_type: &str) -> Option<Self> {
        let essence = essence(media_type);
        if essence == "application/json" || essence.ends_with("+json") || essence == "text/json" {
            Some(Self::Json)
        } else if essence == "multipart/form-data" {
            Some(Self::Multipart)
        } else {
            None
        }
    }

    /// How a media type that [`Encoding::of`] does not type is carried: form fields, text or
    /// raw bytes.
    pub fn fallback(media_type: &str) -> Self {
        let essence = essence(media_type);
        if let Some(typed) = Self::of(&essence) {
            typed
        } else if essence == "application/x-www-form-urlencoded" {
            Self::Form
        } else if essence.starts_with("text/") {
            Self::Text
        } else {
            Self::Bytes
        }
    }
}

/// A media type without parameters, in lower case.
fn essence(media_type: &str) -> String {
    media_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// A documented response status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// One status, e.g. `201`.
    Code(u16),
    /// A class, e.g. `4XX` is `Range(4)`.
    Range(u16),
    /// `default`: any status not listed.
    Default,
}

impl Status {
    /// Whether it covers only success (2xx) statuses.
    pub fn is_success(self) -> bool {
        match self {
            Self::Code(code) => (200..300).contains(&code),
            Self::Range(class) => class == 2,
            Self::Default => false,
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Code(code) => write!(f, "{code}"),
            Self::Range(class) => write!(f, "{class}XX"),
            Self::Default => f.write_str("default"),
        }
    }
}

/// One documented response.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// Its status key.
    pub status: Status,
    /// Its description.
    pub description: String,
    /// The error enum variant, for non-success statuses.
    pub error_variant: Option<String>,
    /// Whether the response has a body.
    pub has_body: bool,
}

/// How an operation's requests are authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// `security: []`.
    None,
    /// Cobo's Ed25519 request signature (`CoboAuth`, `CoboSignature`, `CoboNonce`).
    CoboSignature,
}

/// Whether an operation can be called on behalf of an organization, with its Org Access Token as
/// `Authorization: Bearer` beside the app's signature (Cobo OAuth, for Portal Apps).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bearer {
    /// No OAuth2 requirement: never sent a token.
    Never,
    /// OAuth2 or another scheme (`[{CoboAuth: []}, {OAuth2: [scope]}]`): with or without a token.
    Accepted,
    /// OAuth2 only: callable on behalf of an organization only.
    Required,
}

/// The operations the token manager (and so `OrgClient`) is built on.
pub(crate) const TOKEN_OPERATIONS: &[&str] = &["get_token", "refresh_token"];

/// Whether the operations include the two the token manager (and so `OrgClient`) is built on.
pub(crate) fn has_token_operations(operations: &[Operation]) -> bool {
    TOKEN_OPERATIONS
        .iter()
        .all(|id| operations.iter().any(|op| op.id == *id))
}

/// Builds the model of a loaded document, without the siblings of its `$ref`s.
pub fn build(api: &OpenAPI) -> Result<Api, Error> {
    build_resolved(&resolve::resolve(api, &RefSiblings::new())?)
}

/// Builds the model of a loaded document: what [`build`] does, and a property's `$ref` siblings
/// `description` and `example` become its docs; other siblings are reported.
pub fn build_document(document: &Document) -> Result<Api, Error> {
    build_resolved(&resolve::resolve(&document.api, &document.ref_siblings)?)
}

/// Builds the model from the resolved view of a document.
pub(crate) fn build_resolved(resolved: &Resolved<'_>) -> Result<Api, Error> {
    let (resolver, ref_siblings) = (resolved.resolver, resolved.ref_siblings);
    let api = resolver.api;
    // Names the generated crate defines itself; models may not take them.
    let runtime_types: Vec<&str> = reserved::reserved()
        .types
        .iter()
        .map(String::as_str)
        .collect();
    let mut types =
        schema::Types::new(resolver, Namer::with_reserved(&runtime_types), ref_siblings);
    types.components()?;
    let operations = operation::operations(resolved, &mut types)?;
    let token_lifecycle = has_token_operations(&operations);
    for op in operations.iter().filter(|op| op.bearer == Bearer::Required) {
        if !token_lifecycle {
            types.warn(
                op.pointer.clone(),
                format!(
                    "`{}` needs an Org Access Token (OAuth2 only), but without `get_token` and `refresh_token` the crate has no OrgClient: it is a `Client` method, signed, without a token",
                    op.id
                ),
            );
        }
    }
    let (types, graph, warnings) = types.finish(&operations);
    let security = security::schemes(api, &operations);
    Ok(Api {
        title: api.info.title.clone(),
        version: api.info.version.clone(),
        description: api.info.description.clone(),
        servers: api
            .servers
            .iter()
            .map(|s| Server {
                url: s.url.clone(),
                description: s.description.clone(),
            })
            .collect(),
        types,
        graph,
        operations,
        security,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::{Encoding, Presence, TypeKind};

    #[test]
    fn presence_says_whether_the_field_is_an_option_and_why() {
        let all = [
            (true, false, Presence::Required, false),
            (true, true, Presence::RequiredNullable, true),
            (false, false, Presence::Optional, true),
            (false, true, Presence::OptionalNullable, true),
        ];
        for (required, nullable, presence, optional) in all {
            assert_eq!(Presence::of(required, nullable), presence);
            assert_eq!(presence.is_optional(), optional, "{presence:?}");
            assert_eq!(presence.is_required(), required, "{presence:?}");
            assert_eq!(presence.is_nullable(), nullable, "{presence:?}");
        }
    }

    #[test]
    fn fields_get_their_presence_from_required_and_nullable() {
        let text = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    T:\n      type: object\n      required: [r, rn]\n      properties:\n        r: {type: string}\n        rn: {type: string, nullable: true}\n        o: {type: string}\n        on: {type: string, nullable: true}\n";
        let api = super::build(&crate::load::load(text).expect("spec")).expect("model");
        let TypeKind::Struct(s) = &api.type_named("T").expect("T").kind else {
            panic!("T is not a struct");
        };
        let presence: Vec<(&str, Presence)> = s
            .fields
            .iter()
            .map(|f| (f.wire.as_str(), f.presence))
            .collect();
        assert_eq!(
            presence,
            [
                ("r", Presence::Required),
                ("rn", Presence::RequiredNullable),
                ("o", Presence::Optional),
                ("on", Presence::OptionalNullable),
            ]
        );
    }

    #[test]
    fn the_encoding_is_read_from_the_media_type() {
        let cases = [
            ("application/json", Some(Encoding::Json)),
            ("application/json; charset=utf-8", Some(Encoding::Json)),
            ("Application/JSON", Some(Encoding::Json)),
            ("application/problem+json", Some(Encoding::Json)),
            ("multipart/form-data", Some(Encoding::Multipart)),
            (
                "multipart/form-data; boundary=json",
                Some(Encoding::Multipart),
            ),
            ("Multipart/Form-Data", Some(Encoding::Multipart)),
            ("text/json", Some(Encoding::Json)),
            ("application/x-www-form-urlencoded", None),
            ("application/jsonlines", None),
            ("text/plain", None),
            ("application/octet-stream", None),
        ];
        for (media_type, encoding) in cases {
            assert_eq!(Encoding::of(media_type), encoding, "{media_type}");
        }
        let fallbacks = [
            ("Application/X-WWW-Form-Urlencoded", Encoding::Form),
            ("text/plain; charset=utf-8", Encoding::Text),
            ("text/csv", Encoding::Text),
            ("application/problem+json", Encoding::Json),
            ("application/octet-stream", Encoding::Bytes),
            ("application/pdf", Encoding::Bytes),
            ("image/svg+xml", Encoding::Bytes),
            ("*/*", Encoding::Bytes),
        ];
        for (media_type, encoding) in fallbacks {
            assert_eq!(Encoding::fallback(media_type), encoding, "{media_type}");
        }
    }

    fn body_of(content: &str) -> Result<super::Body, crate::error::Error> {
        let text = format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n  /u:\n    post:\n      operationId: upload\n      requestBody:\n        content:\n{content}      responses: {{'204': {{description: ok}}}}\ncomponents:\n  schemas:\n    Form: {{type: object, properties: {{file: {{type: string, format: binary}}}}}}\n"
        );
        let api = super::build(&crate::load::load(&text).expect("spec"))?;
        Ok(api.operations[0].body.clone().expect("body"))
    }

    #[test]
    fn a_body_is_json_when_offered_else_multipart_else_its_fallback() {
        let form = "{schema: {$ref: '#/components/schemas/Form'}}";
        let both =
            format!("          multipart/form-data: {form}\n          application/json: {form}\n");
        let body = body_of(&both).expect("model");
        assert_eq!(
            (body.encoding, body.media_type.as_str()),
            (Encoding::Json, "application/json")
        );
        let multipart = format!("          Multipart/Form-Data: {form}\n");
        let body = body_of(&multipart).expect("model");
        assert_eq!(body.encoding, Encoding::Multipart);
        let urlencoded = format!(
            "          application/octet-stream: {{}}\n          application/x-www-form-urlencoded: {form}\n"
        );
        let body = body_of(&urlencoded).expect("model");
        assert_eq!(
            (body.encoding, body.media_type.as_str()),
            (Encoding::Form, "application/x-www-form-urlencoded")
        );
        let binary = "          application/octet-stream: {}\n          text/plain: {}\n";
        let body = body_of(binary).expect("model");
        assert_eq!(
            (body.encoding, body.media_type.as_str()),
            (Encoding::Bytes, "application/octet-stream")
        );
        let inline = "          multipart/form-data: {schema: {type: string}}\n";
        let error = body_of(inline).expect_err("not an object");
        assert!(
            error.message.contains("must be an object schema"),
            "{error}"
        );
    }
}
