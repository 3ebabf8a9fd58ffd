//! Operations: parameters, request body, responses by status, and authentication.

use std::collections::BTreeSet;

use openapiv3::{
    Operation as SpecOperation, Parameter, ParameterSchemaOrContent, QueryStyle, ReferenceOr,
    SecurityScheme, StatusCode,
};

use super::schema::Types;
use super::{
    Auth, Bearer, Body, Encoding, ErrorVariant, Operation, Param, ParamLocation, Response, Status,
    TypeRef,
};
use crate::error::{Error, ErrorKind, push_token};
use crate::ident::{Namer, type_name, value_name};
use crate::resolve::{Found, PathTemplate, Resolved, Resolver};

/// Security scheme header names that together make Cobo's Ed25519 request signature.
const COBO_SIGNATURE_HEADERS: &[&str] = &["biz-api-key", "biz-api-signature", "biz-api-nonce"];

/// Every operation of the document, in document order.
pub(crate) fn operations<'a>(
    resolved: &Resolved<'a>,
    types: &mut Types<'a>,
) -> Result<Vec<Operation>, Error> {
    let resolver = resolved.resolver;
    // Method names the runtime's `Client` defines itself, read from its templates.
    let client_methods = &super::reserved::reserved().client_methods;
    let reserved: Vec<&str> = client_methods.iter().map(String::as_str).collect();
    let mut methods = Namer::with_reserved(&reserved);
    let ids = operation_ids(resolver)?;
    let mut out = Vec::new();
    let mut index = 0;
    for ((path, item), template) in resolver.api.paths.iter().zip(&resolved.templates) {
        let path_pointer = push_token("/paths", path);
        let ReferenceOr::Item(item) = item else {
            return Err(Error::at(
                ErrorKind::Unsupported,
                push_token(&path_pointer, "$ref"),
                "path item `$ref` is not supported",
            ));
        };
        for (method, op) in item.iter() {
            let pointer = push_token(&path_pointer, method);
            let id = ids[index].as_str();
            index += 1;
            if op.operation_id.as_deref() != Some(id) {
                types.warn(
                    pointer.clone(),
                    format!(
                        "{} {path} has no operationId: named `{id}` from its method and path",
                        method.to_uppercase()
                    ),
                );
            }
            let context = Context {
                resolver,
                id,
                pointer: &pointer,
            };
            let mut operation = context.build(types, template, method, op, &item.parameters)?;
            let base = value_name(id, "call");
            operation.method_name = methods.unique(&base, "_operation");
            if client_methods.contains(&base) {
                types.warn(
                    push_token(&pointer, "operationId"),
                    format!(
                        "`{base}` is a method of the runtime's `Client`; the operation's method is \
                         `{}`",
                        operation.method_name
                    ),
                );
            }
            out.push(operation);
        }
    }
    Ok(out)
}

/// Every operation's id in document order: its `operationId`, else one derived from its method
/// and path (`GET /wallets/{wallet_id}` is `get_wallets_wallet_id`), with `_2`, `_3`, ... added
/// in document order when a derived id is taken by an `operationId` or an earlier derived id.
fn operation_ids(resolver: Resolver<'_>) -> Result<Vec<String>, Error> {
    let ops: Vec<(String, &str, &str, Option<&str>)> = resolver
        .api
        .paths
        .iter()
        .filter_map(|(path, item)| item.as_item().map(|item| (path, item)))
        .flat_map(|(path, item)| {
            item.iter().map(move |(method, op)| {
                let id = op
                    .operation_id
                    .as_deref()
                    .filter(|id| !id.trim().is_empty());
                let pointer = push_token(&push_token("/paths", path), method);
                (pointer, method, path.as_str(), id)
            })
        })
        .collect();
    let mut taken = BTreeSet::new();
    for (pointer, _, _, id) in &ops {
        if let Some(id) = id
            && !taken.insert(id.to_string())
        {
            return Err(Error::at(
                ErrorKind::Duplicate,
                push_token(pointer, "operationId"),
                format!("operationId `{id}` is used by more than one operation"),
            ));
        }
    }
    let mut ids = Vec::new();
    for (_, method, path, id) in &ops {
        ids.push(match id {
            Some(id) => id.to_string(),
            None => {
                let base = derived_id(method, path);
                let mut candidate = base.clone();
                let mut n = 1;
                while !taken.insert(candidate.clone()) {
                    n += 1;
                    candidate = format!("{base}_{n}");
                }
                candidate
            }
        });
    }
    Ok(ids)
}

/// An id from an HTTP method and a path template: lower case, every run of characters other
/// than ASCII letters and digits as one `_`.
fn derived_id(method: &str, path: &str) -> String {
    let mut id = method.to_ascii_lowercase();
    for word in path.split(|c: char| !c.is_ascii_alphanumeric()) {
        if !word.is_empty() {
            id.push('_');
            id.push_str(&word.to_ascii_lowercase());
        }
    }
    id
}

struct Context<'c, 'a> {
    resolver: Resolver<'a>,
    id: &'c str,
    pointer: &'c str,
}

impl<'a> Context<'_, 'a> {
    fn build(
        &self,
        types: &mut Types<'a>,
        template: &PathTemplate,
        method: &str,
        op: &'a SpecOperation,
        path_params: &'a [ReferenceOr<Parameter>],
    ) -> Result<Operation, Error> {
        let type_base = type_name(self.id, "Operation");
        let (auth, bearer, scopes) = self.auth(types, op)?;
        let mut arg_names = Namer::with_reserved(&["body", "options", "self"]);
        let params = self.params(types, template, op, path_params, &type_base, &mut arg_names)?;
        let body = self.body(types, op, &type_base)?;
        let (success, responses, error_variants) = self.responses(types, op, &type_base)?;
        let error_type = types.error_enum(
            self.id,
            &push_token(self.pointer, "responses"),
            error_variants,
        );
        let optional: Vec<&Param> = params.iter().filter(|p| !p.required).collect();
        let options_type =
            (!optional.is_empty()).then(|| types.options_struct(self.id, self.pointer, &optional));
        Ok(Operation {
            id: self.id.to_owned(),
            method_name: String::new(),
            http_method: method.to_uppercase(),
            template: template.clone(),
            pointer: self.pointer.to_owned(),
            summary: op.summary.clone(),
            description: op.description.clone(),
            deprecated: op.deprecated,
            tags: op.tags.clone(),
            params,
            body,
            success_encoding: success.as_ref().map_or(Encoding::Json, |(_, e)| *e),
            success: success.map(|(ty, _)| ty),
            responses,
            error_type,
            options_type,
            auth,
            bearer,
            scopes,
        })
    }

    /// The operation's parameters in spec order (path-level ones first), each checked and typed;
    /// every variable of the path template must have one.
    fn params(
        &self,
        types: &mut Types<'a>,
        template: &PathTemplate,
        op: &'a SpecOperation,
        path_params: &'a [ReferenceOr<Parameter>],
        type_base: &str,
        arg_names: &mut Namer,
    ) -> Result<Vec<Param>, Error> {
        let resolved = self.resolved_params(op, path_params)?;
        let mut params = Vec::new();
        for (param, pointer) in effective_params(&resolved) {
            params.push(self.param(types, template, param, pointer, type_base, arg_names)?);
        }
        for name in template.params() {
            if !params
                .iter()
                .any(|p| p.location == ParamLocation::Path && p.wire == name)
            {
                return Err(Error::at(
                    ErrorKind::Invalid,
                    self.pointer,
                    format!("path template variable `{{{name}}}` has no path parameter"),
                ));
            }
        }
        Ok(params)
    }

    /// Path-level then operation-level parameters, references followed, with their pointers.
    fn resolved_params(
        &self,
        op: &'a SpecOperation,
        path_params: &'a [ReferenceOr<Parameter>],
    ) -> Result<Vec<(&'a Parameter, String)>, Error> {
        let path_level = path_params.iter().enumerate().map(|(i, p)| (p, i, true));
        let op_level = op.parameters.iter().enumerate().map(|(i, p)| (p, i, false));
        let mut resolved = Vec::new();
        for (param, index, at_path_level) in path_level.chain(op_level) {
            let at = if at_path_level {
                push_token(
                    &push_token(
                        self.pointer.rsplit_once('/').map_or("", |(p, _)| p),
                        "parameters",
                    ),
                    &index.to_string(),
                )
            } else {
                push_token(&push_token(self.pointer, "parameters"), &index.to_string())
            };
            let found = self.resolver.parameter(param, &at)?;
            resolved.push((found.value, found.pointer));
        }
        Ok(resolved)
    }

    /// One parameter as a method argument: its location, its type, and the checks that it can be
    /// sent (form-style query, no `content`, scalar-valued, a path one named in the template).
    fn param(
        &self,
        types: &mut Types<'a>,
        template: &PathTemplate,
        param: &'a Parameter,
        pointer: &str,
        type_base: &str,
        arg_names: &mut Namer,
    ) -> Result<Param, Error> {
        let (location, explode) = param_location(param, pointer)?;
        let data = param.parameter_data_ref();
        let ParameterSchemaOrContent::Schema(schema) = &data.format else {
            return Err(Error::at(
                ErrorKind::Unsupported,
                push_token(pointer, "content"),
                "parameters with `content` are not supported; use `schema`",
            ));
        };
        let hint = format!("{type_base}{}", type_name(&data.name, "Param"));
        let ty = types.type_of(schema, &push_token(pointer, "schema"), &hint)?;
        if matches!(ty, TypeRef::Map(_) | TypeRef::Any)
            || matches!(&ty, TypeRef::Array(item) if !item.is_scalar() && !matches!(**item, TypeRef::Named(_)))
        {
            return Err(Error::at(
                ErrorKind::Unsupported,
                push_token(pointer, "schema"),
                "object-valued parameters are not supported",
            ));
        }
        if location == ParamLocation::Path && !template.params().any(|p| p == data.name) {
            return Err(Error::at(
                ErrorKind::Invalid,
                push_token(pointer, "name"),
                format!(
                    "path parameter `{}` does not appear in `{template}`",
                    data.name
                ),
            ));
        }
        Ok(Param {
            wire: data.name.clone(),
            name: arg_names.unique(&value_name(&data.name, "param"), "_param"),
            location,
            required: data.required || location == ParamLocation::Path,
            ty,
            explode,
            description: data.description.clone(),
            example: data.example.as_ref().map(|e| e.to_string()),
        })
    }

    fn body(
        &self,
        types: &mut Types<'a>,
        op: &'a SpecOperation,
        type_base: &str,
    ) -> Result<Option<Body>, Error> {
        let Some(body) = &op.request_body else {
            return Ok(None);
        };
        let found = self
            .resolver
            .request_body(body, &push_token(self.pointer, "requestBody"))?;
        let content = push_token(&found.pointer, "content");
        // JSON when offered, else multipart, else form fields, else the first media type as
        // text or raw bytes (warned).
        let preferred = [Encoding::Json, Encoding::Multipart, Encoding::Form]
            .into_iter()
            .find_map(|wanted| {
                let mut offered = found.value.content.iter();
                offered
                    .find(|(m, _)| Encoding::fallback(m) == wanted)
                    .map(|(m, media)| (m, media, wanted))
            });
        let Some((media_type, media, encoding)) = preferred.or_else(|| {
            let (m, media) = found.value.content.iter().next()?;
            Some((m, media, Encoding::fallback(m)))
        }) else {
            return Err(Error::at(
                ErrorKind::Unsupported,
                content,
                "a request body without any media type is not supported",
            ));
        };
        if let Some(raw) = raw_type(encoding) {
            types.warn(
                push_token(&content, media_type),
                format!(
                    "request body media type `{media_type}` is sent as is from {raw}, not typed"
                ),
            );
            return Ok(Some(Body {
                media_type: media_type.clone(),
                encoding,
                ty: TypeRef::String,
                required: found.value.required,
                description: found.value.description.clone(),
            }));
        }
        let hint = match found.component {
            Some(key) => type_name(key, "Body"),
            None => format!("{type_base}Request"),
        };
        let schema_at = push_token(&push_token(&content, media_type), "schema");
        let ty = match &media.schema {
            Some(schema) => types.type_of(schema, &schema_at, &hint)?,
            None => TypeRef::Any,
        };
        if matches!(encoding, Encoding::Multipart | Encoding::Form)
            && !matches!(ty, TypeRef::Named(_))
        {
            return Err(Error::at(
                ErrorKind::Unsupported,
                push_token(&push_token(&content, media_type), "schema"),
                format!("a {media_type} body must be an object schema"),
            ));
        }
        types.describe(&ty, || {
            found
                .value
                .description
                .clone()
                .unwrap_or_else(|| format!("The request body of `{}`.", self.id))
        });
        Ok(Some(Body {
            media_type: media_type.clone(),
            encoding,
            ty,
            required: found.value.required,
            description: found.value.description.clone(),
        }))
    }

    /// The success body type, every documented response by status, and the error enum's
    /// variants (one per non-success status).
    #[allow(clippy::type_complexity)]
    fn responses(
        &self,
        types: &mut Types<'a>,
        op: &'a SpecOperation,
        type_base: &str,
    ) -> Result<
        (
            Option<(TypeRef, Encoding)>,
            Vec<Response>,
            Vec<ErrorVariant>,
        ),
        Error,
    > {
        let at = push_token(self.pointer, "responses");
        let mut success: Option<((TypeRef, Encoding), String)> = None;
        let mut has_success = false;
        let mut responses = Vec::new();
        let mut variants = Vec::new();
        let mut variant_names = Namer::default();
        for (status, key, response) in statuses(op) {
            let key_at = push_token(&at, &key);
            let found = self.resolver.response(response, &key_at)?;
            let hint = response_hint(found.component, status, &key, type_base);
            let body = self.response_body(types, &found.value.content, &found.pointer, &hint)?;
            if let Some((ty, Encoding::Json)) = &body {
                self.describe_response(types, ty, &found, &key);
            }
            let mut error_variant = None;
            let mut has_body = body.is_some();
            if status.is_success() {
                has_success = true;
                if let Some(body) = body {
                    match &success {
                        Some((first, _)) if *first != body => {
                            return Err(Error::at(
                                ErrorKind::Unsupported,
                                key_at,
                                "success responses with different body types are not supported yet",
                            ));
                        }
                        _ => success = Some((body, key.clone())),
                    }
                }
            } else {
                let name = variant_names.unique(&variant_name(status), "");
                error_variant = Some(name.clone());
                // A text or binary error body stays in the error's raw response.
                let body = body.filter(|(_, e)| *e == Encoding::Json).map(|(ty, _)| ty);
                has_body = body.is_some();
                variants.push(ErrorVariant {
                    name,
                    status,
                    description: found.value.description.clone(),
                    body,
                });
            }
            responses.push(Response {
                status,
                description: found.value.description.clone(),
                error_variant,
                has_body,
            });
        }
        if !has_success {
            types.warn(
                at,
                "no success (2XX) response is documented: any 2XX is accepted without a body"
                    .to_owned(),
            );
        }
        Ok((success.map(|(body, _)| body), responses, variants))
    }

    /// Documents a response's body type with the response's description (types named by a
    /// component say the component, inline ones the status and operation).
    fn describe_response(
        &self,
        types: &mut Types<'a>,
        ty: &TypeRef,
        found: &Found<'a, openapiv3::Response>,
        key: &str,
    ) {
        let description = found.value.description.trim();
        types.describe(ty, || match found.component {
            Some(component) => format!("The body of a `{component}` response: {description}"),
            None => format!(
                "The body of a `{key}` response of `{}`: {description}",
                self.id
            ),
        });
    }

    /// A response's body: JSON typed from its schema when a JSON media type is offered, else
    /// the first media type read as text or raw bytes (warned; the type is then
    /// [`TypeRef::String`] and the encoding says which).
    fn response_body(
        &self,
        types: &mut Types<'a>,
        content: &'a indexmap::IndexMap<String, openapiv3::MediaType>,
        pointer: &str,
        hint: &str,
    ) -> Result<Option<(TypeRef, Encoding)>, Error> {
        let content_at = push_token(pointer, "content");
        let json = content
            .iter()
            .find(|(m, _)| Encoding::of(m) == Some(Encoding::Json));
        let Some((media_type, media)) = json else {
            let Some(other) = content.keys().next() else {
                return Ok(None);
            };
            let encoding = match Encoding::fallback(other) {
                Encoding::Text => Encoding::Text,
                _ => Encoding::Bytes,
            };
            let raw = raw_type(encoding).unwrap_or_default();
            types.warn(
                push_token(&content_at, other),
                format!("response media type `{other}` is read as is into {raw}, not typed"),
            );
            return Ok(Some((TypeRef::String, encoding)));
        };
        let ty = match &media.schema {
            Some(schema) => types.type_of(
                schema,
                &push_token(&push_token(&content_at, media_type), "schema"),
                hint,
            )?,
            None => TypeRef::Any,
        };
        Ok(Some((ty, Encoding::Json)))
    }

    /// Reads `security` as Cobo does: every request of an app is signed (CoboAuth), and an
    /// alternative naming OAuth2 means the operation can also (or only) be called with an Org
    /// Access Token as `Authorization: Bearer` beside the signature.
    fn auth(
        &self,
        types: &mut Types<'a>,
        op: &SpecOperation,
    ) -> Result<(Auth, Bearer, Vec<String>), Error> {
        let (requirements, at) = match &op.security {
            Some(own) => (own, push_token(self.pointer, "security")),
            None => (
                self.resolver
                    .api
                    .security
                    .as_ref()
                    .unwrap_or(const { &Vec::new() }),
                "/security".to_owned(),
            ),
        };
        if requirements.is_empty() {
            return Ok((Auth::None, Bearer::Never, Vec::new()));
        }
        let (mut anonymous, mut app, mut org) = (false, false, false);
        let mut scopes: Vec<String> = Vec::new();
        for (index, requirement) in requirements.iter().enumerate() {
            if requirement.is_empty() {
                anonymous = true;
                continue;
            }
            let requirement_at = push_token(&at, &index.to_string());
            match self.alternative(types, requirement, &requirement_at, &mut scopes)? {
                Some(Alternative::OrgToken) => org = true,
                Some(Alternative::AppSignature) => app = true,
                None => {}
            }
        }
        let bearer = match (org, app || anonymous) {
            (false, _) => Bearer::Never,
            (true, true) => Bearer::Accepted,
            (true, false) => Bearer::Required,
        };
        if app || org {
            return Ok((Auth::CoboSignature, bearer, scopes));
        }
        if anonymous {
            return Ok((Auth::None, bearer, scopes));
        }
        // No alternative the client can satisfy: sign anyway, as Cobo checks the signature.
        types.warn(
            at,
            format!(
                "`{}` has no supported security alternative: requests are signed with CoboAuth",
                self.id
            ),
        );
        Ok((Auth::CoboSignature, bearer, scopes))
    }

    /// What one non-empty security requirement (all its schemes together) asks of the client;
    /// `None` when it names a scheme the client does not support (warned, the alternative is
    /// ignored). OAuth2 scopes are collected into `scopes` as met.
    fn alternative(
        &self,
        types: &mut Types<'a>,
        requirement: &openapiv3::SecurityRequirement,
        requirement_at: &str,
        scopes: &mut Vec<String>,
    ) -> Result<Option<Alternative>, Error> {
        let schemes = self
            .resolver
            .api
            .components
            .as_ref()
            .map(|c| &c.security_schemes);
        let (mut cobo, mut bearer, mut unknown) = (false, false, false);
        for (name, wanted) in requirement {
            let scheme = schemes.and_then(|s| s.get(name)).ok_or_else(|| {
                Error::at(
                    ErrorKind::Invalid,
                    requirement_at,
                    format!(
                        "security scheme `{name}` is not defined in components.securitySchemes"
                    ),
                )
            })?;
            match scheme {
                ReferenceOr::Item(SecurityScheme::APIKey {
                    location: openapiv3::APIKeyLocation::Header,
                    name: header,
                    ..
                }) if COBO_SIGNATURE_HEADERS.contains(&header.to_ascii_lowercase().as_str()) => {
                    cobo = true
                }
                ReferenceOr::Item(SecurityScheme::OAuth2 { .. }) => {
                    bearer = true;
                    for scope in wanted {
                        if !scopes.contains(scope) {
                            scopes.push(scope.clone());
                        }
                    }
                }
                ReferenceOr::Item(SecurityScheme::HTTP { scheme, .. })
                    if scheme.eq_ignore_ascii_case("bearer") =>
                {
                    bearer = true
                }
                _ => {
                    unknown = true;
                    types.warn(
                        push_token(requirement_at, name),
                        format!(
                            "`{}`: security scheme `{name}` is not supported (only CoboAuth's signature headers and OAuth2 / HTTP bearer are): this alternative is ignored",
                            self.id
                        ),
                    );
                }
            }
        }
        Ok(match (unknown, bearer, cobo) {
            (true, _, _) => None,
            (false, true, _) => Some(Alternative::OrgToken),
            (false, false, true) => Some(Alternative::AppSignature),
            (false, false, false) => None,
        })
    }
}

/// How a security alternative the client supports is met: an Org Access Token (as bearer, beside
/// the signature) or the app's CoboAuth signature alone.
enum Alternative {
    OrgToken,
    AppSignature,
}

/// The Rust type a text or binary body is carried in; `None` for the typed encodings.
fn raw_type(encoding: Encoding) -> Option<&'static str> {
    match encoding {
        Encoding::Text => Some("a `String`"),
        Encoding::Bytes => Some("bytes (`Vec<u8>`)"),
        Encoding::Json | Encoding::Multipart | Encoding::Form => None,
    }
}

/// The parameters that apply: an operation's parameter replaces a path-level one with the same
/// name and location (the later one wins).
fn effective_params<'r, 'a>(
    resolved: &'r [(&'a Parameter, String)],
) -> impl Iterator<Item = (&'a Parameter, &'r str)> {
    let key = |p: &Parameter| {
        (
            p.parameter_data_ref().name.clone(),
            std::mem::discriminant(p),
        )
    };
    resolved
        .iter()
        .enumerate()
        .filter(move |(i, (param, _))| {
            !resolved[i + 1..]
                .iter()
                .any(|(later, _)| key(later) == key(param))
        })
        .map(|(_, (param, pointer))| (*param, pointer.as_str()))
}

/// Where a parameter goes and whether a query array is exploded; `Err` for the styles and
/// locations the client cannot send.
fn param_location(param: &Parameter, pointer: &str) -> Result<(ParamLocation, bool), Error> {
    match param {
        Parameter::Path { .. } => Ok((ParamLocation::Path, false)),
        Parameter::Query {
            style: QueryStyle::Form,
            parameter_data,
            ..
        } => Ok((ParamLocation::Query, parameter_data.explode.unwrap_or(true))),
        Parameter::Query { .. } => Err(Error::at(
            ErrorKind::Unsupported,
            push_token(pointer, "style"),
            "only `style: form` query parameters are supported",
        )),
        Parameter::Header { .. } => Ok((ParamLocation::Header, false)),
        Parameter::Cookie { .. } => Err(Error::at(
            ErrorKind::Unsupported,
            push_token(pointer, "in"),
            "cookie parameters are not supported",
        )),
    }
}

/// The documented responses in spec order, `default` last, each with its status and its key in
/// `responses`.
fn statuses(
    op: &SpecOperation,
) -> impl Iterator<Item = (Status, String, &ReferenceOr<openapiv3::Response>)> {
    let listed = op.responses.responses.iter().map(|(code, r)| {
        let status = match code {
            StatusCode::Code(code) => Status::Code(*code),
            StatusCode::Range(class) => Status::Range(*class),
        };
        (status, code.to_string(), r)
    });
    let default = op
        .responses
        .default
        .iter()
        .map(|r| (Status::Default, "default".to_owned(), r));
    listed.chain(default)
}

/// The name an inline response body type is given: its component's, else the operation's with
/// the status for error responses.
fn response_hint(component: Option<&str>, status: Status, key: &str, type_base: &str) -> String {
    match component {
        Some(component) => type_name(component, "Response"),
        None if status.is_success() => format!("{type_base}Response"),
        None => format!("{type_base}{}Response", type_name(key, "Status")),
    }
}

/// Error variant names: `Status404` for one status, `ClientError` for `4XX`, `Other` for `default`.
fn variant_name(status: Status) -> String {
    match status {
        Status::Code(code) => format!("Status{code}"),
        Status::Range(1) => "Informational".to_owned(),
        Status::Range(2) => "Success".to_owned(),
        Status::Range(3) => "Redirection".to_owned(),
        Status::Range(4) => "ClientError".to_owned(),
        Status::Range(5) => "ServerError".to_owned(),
        Status::Range(class) => format!("Status{class}xx"),
        Status::Default => "Other".to_owned(),
    }
}
