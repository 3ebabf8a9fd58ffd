//! The walk over two raw documents. Operations are matched by method and path (parameter names
//! in the path ignored), parameters by `in` and name, properties by name. A change inside a
//! shared component schema is reported once, with every operation that reaches it.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use indexmap::IndexMap;
use openapiv3::{
    IntegerFormat, NumberFormat, OpenAPI, Operation, Parameter, ParameterSchemaOrContent,
    ReferenceOr, Response, Schema, SchemaKind, SecurityRequirement, StatusCode, Type,
    VariantOrUnknownOrEmpty,
};

mod docs;
mod security;

use super::rules::{Level, Rule};
use super::rust_api::{Names, field_type, rust_type};
use crate::error::{Error, ErrorKind, push_token};
use crate::load::{Document, RefSiblings};
use crate::model::ObjectView;
use crate::resolve::{Resolver, SchemaNode};

/// One change, before rendering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Found {
    pub rule: Rule,
    pub wire: Level,
    pub rust: Level,
    pub old_pointer: Option<String>,
    pub new_pointer: Option<String>,
    pub operations: BTreeSet<String>,
    pub message: String,
    pub rust_effect: String,
}

/// Which way data flows through a schema: it decides which rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Dir {
    Request,
    Response,
}

/// Which document something comes from (errors name it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Old,
    New,
}

/// A schema reached by following `$ref`s.
#[derive(Clone)]
struct At<'a> {
    schema: &'a Schema,
    pointer: String,
    component: Option<&'a str>,
}

/// A schema as written: a reference or inline.
#[derive(Clone, Copy)]
enum Node<'a> {
    Ref(&'a str),
    Item(&'a Schema),
}

impl<'a> From<&'a ReferenceOr<Schema>> for Node<'a> {
    fn from(r: &'a ReferenceOr<Schema>) -> Self {
        match r {
            ReferenceOr::Reference { reference } => Node::Ref(reference),
            ReferenceOr::Item(s) => Node::Item(s),
        }
    }
}

impl<'a> From<&'a ReferenceOr<Box<Schema>>> for Node<'a> {
    fn from(r: &'a ReferenceOr<Box<Schema>>) -> Self {
        match r {
            ReferenceOr::Reference { reference } => Node::Ref(reference),
            ReferenceOr::Item(s) => Node::Item(s),
        }
    }
}

/// Where a schema sits: it picks the rule for a type change and enables property-only checks.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Place {
    /// The schema of a parameter.
    Parameter,
    /// A body, an array item or a composition branch.
    Value,
    /// An object property.
    Property,
}

/// Properties of an object schema, `allOf` flattened: name → (schema, pointer); required names.
type Props<'a> = (IndexMap<&'a str, (Node<'a>, String)>, BTreeSet<&'a str>);

/// A change's identity: the same change reached from several operations is reported once.
type Key = (Rule, Option<String>, Option<String>);

/// Two schemas compared in one direction at one kind of place, by pointer: place-specific
/// checks (nullable properties) must run once per kind of place.
type Pair = (String, String, Dir, Place);

/// A shared schema pair being walked and the changes found under it so far.
struct Frame {
    pair: Pair,
    keys: Vec<Key>,
    /// False when a cycle cut the walk short, so `keys` may be incomplete.
    complete: bool,
}

/// One loaded spec: the document and the same as JSON.
pub(crate) struct Loaded {
    pub document: Document,
    pub json: serde_json::Value,
}

/// The state of one comparison.
pub(crate) struct Walk<'a> {
    old: &'a OpenAPI,
    new: &'a OpenAPI,
    /// The keys written beside `$ref`s (a property's `description`), which `OpenAPI` drops.
    old_siblings: &'a RefSiblings,
    new_siblings: &'a RefSiblings,
    old_json: &'a serde_json::Value,
    new_json: &'a serde_json::Value,
    pub old_names: &'a Names,
    pub new_names: &'a Names,
    found: BTreeMap<Key, Found>,
    /// The operation being walked, e.g. `POST /oauth/token`, and its method and old/new paths.
    op: String,
    method: String,
    old_path: String,
    new_path: String,
    old_id: Option<&'a str>,
    new_id: Option<&'a str>,
    /// Schema pairs already compared for this operation (cuts cycles and repeats).
    seen: HashSet<Pair>,
    /// The changes found under each fully walked pair of shared schemas.
    memo: HashMap<Pair, Vec<Key>>,
    /// The shared schema pairs being walked, innermost last.
    stack: Vec<Frame>,
    /// The parameter (`in`, name) whose schema is being compared, for its Rust type.
    param: Option<(&'a str, &'a str)>,
    pub errors: Vec<(Side, Error)>,
}

/// The matching key of a path: `/wallets/{wallet_id}` and `/wallets/{id}` are one path.
fn path_key(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out
}

fn status_id(status: &StatusCode) -> String {
    match status {
        StatusCode::Code(code) => code.to_string(),
        StatusCode::Range(class) => format!("{class}XX"),
    }
}

fn is_success(status: &str) -> bool {
    status.starts_with('2')
}

/// The type of a schema as one comparable word; integer and number formats count, because they
/// pick the Rust type (`i32`/`i64`, `f32`/`f64`).
fn kind(schema: &Schema) -> String {
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(_)) => "string".to_owned(),
        SchemaKind::Type(Type::Boolean(_)) => "boolean".to_owned(),
        SchemaKind::Type(Type::Object(_)) | SchemaKind::AllOf { .. } => "object".to_owned(),
        SchemaKind::Type(Type::Array(_)) => "array".to_owned(),
        SchemaKind::Type(Type::Integer(i)) => match &i.format {
            VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32) => "integer(int32)".to_owned(),
            VariantOrUnknownOrEmpty::Item(IntegerFormat::Int64) => "integer(int64)".to_owned(),
            VariantOrUnknownOrEmpty::Unknown(f) => format!("integer({f})"),
            VariantOrUnknownOrEmpty::Empty => "integer".to_owned(),
        },
        SchemaKind::Type(Type::Number(n)) => match &n.format {
            VariantOrUnknownOrEmpty::Item(NumberFormat::Float) => "number(float)".to_owned(),
            VariantOrUnknownOrEmpty::Item(NumberFormat::Double) => "number(double)".to_owned(),
            VariantOrUnknownOrEmpty::Unknown(f) => format!("number({f})"),
            VariantOrUnknownOrEmpty::Empty => "number".to_owned(),
        },
        SchemaKind::OneOf { one_of } => format!("oneOf({})", one_of.len()),
        SchemaKind::AnyOf { any_of } => format!("anyOf({})", any_of.len()),
        SchemaKind::Not { .. } => "not".to_owned(),
        SchemaKind::Any(a) => {
            if !a.properties.is_empty()
                || !a.all_of.is_empty()
                || a.typ.as_deref() == Some("object")
            {
                "object".to_owned()
            } else {
                a.typ.clone().unwrap_or_else(|| "any".to_owned())
            }
        }
    }
}

/// The values of a string enum, in document order.
fn string_enum(schema: &Schema) -> Vec<&str> {
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => {
            s.enumeration.iter().flatten().map(|v| v.as_str()).collect()
        }
        _ => Vec::new(),
    }
}

impl<'a> Walk<'a> {
    pub fn new(
        old: &'a Loaded,
        new: &'a Loaded,
        old_names: &'a Names,
        new_names: &'a Names,
    ) -> Self {
        Self {
            old: &old.document.api,
            new: &new.document.api,
            old_siblings: &old.document.ref_siblings,
            new_siblings: &new.document.ref_siblings,
            old_json: &old.json,
            new_json: &new.json,
            old_names,
            new_names,
            found: BTreeMap::new(),
            op: String::new(),
            method: String::new(),
            old_path: String::new(),
            new_path: String::new(),
            old_id: None,
            new_id: None,
            seen: HashSet::new(),
            memo: HashMap::new(),
            stack: Vec::new(),
            param: None,
            errors: Vec::new(),
        }
    }

    /// Runs the comparison and returns the changes, in a stable order.
    pub fn run(mut self) -> (Vec<Found>, Vec<(Side, Error)>) {
        self.servers();
        self.operations();
        self.op.clear();
        self.security_schemes();
        self.documentation();
        let mut found: Vec<Found> = self.found.into_values().collect();
        found.sort_by(|a, b| {
            (
                b.wire,
                b.wire,
                a.rule.id(),
                &a.operations,
                &a.new_pointer,
                &a.old_pointer,
            )
                .cmp(&(
                    a.wire,
                    a.wire,
                    b.rule.id(),
                    &b.operations,
                    &b.new_pointer,
                    &b.old_pointer,
                ))
        });
        (found, self.errors)
    }

    /// Records a change at the rule's levels, or at another Rust level when the names show it.
    fn add(
        &mut self,
        rule: Rule,
        old_pointer: Option<&str>,
        new_pointer: Option<&str>,
        message: String,
        rust_effect: String,
        rust: Option<Level>,
    ) {
        let levels = (rule.wire_level(), rust.unwrap_or(Level::Info));
        self.add_levels(rule, levels, old_pointer, new_pointer, message, rust_effect);
    }

    /// Records a change at explicit (wire, Rust) levels.
    fn add_levels(
        &mut self,
        rule: Rule,
        (wire, rust): (Level, Level),
        old_pointer: Option<&str>,
        new_pointer: Option<&str>,
        message: String,
        rust_effect: String,
    ) {
        let key = (
            rule,
            old_pointer.map(str::to_owned),
            new_pointer.map(str::to_owned),
        );
        let op = self.op.clone();
        if let Some(top) = self.stack.last_mut() {
            top.keys.push(key.clone());
        }
        let entry = self.found.entry(key).or_insert_with(|| Found {
            rule,
            wire,
            rust,
            old_pointer: old_pointer.map(str::to_owned),
            new_pointer: new_pointer.map(str::to_owned),
            operations: BTreeSet::new(),
            message,
            rust_effect,
        });
        if !op.is_empty() {
            entry.operations.insert(op);
        }
    }

    fn api(&self, side: Side) -> &'a OpenAPI {
        match side {
            Side::Old => self.old,
            Side::New => self.new,
        }
    }

    fn servers(&mut self) {
        let old: Vec<&str> = self.old.servers.iter().map(|s| s.url.as_str()).collect();
        let new: Vec<&str> = self.new.servers.iter().map(|s| s.url.as_str()).collect();
        let effect = "none: `Environment` base URLs are kept in the runtime template, not taken from \
                      `servers` (check them by hand)";
        for (index, url) in old.iter().enumerate() {
            if !new.contains(url) {
                let at = format!("/servers/{index}/url");
                self.add(
                    Rule::ServerUrlChanged,
                    Some(&at),
                    None,
                    format!("server `{url}` removed"),
                    effect.to_owned(),
                    None,
                );
            }
        }
        for (index, url) in new.iter().enumerate() {
            if !old.contains(url) {
                let at = format!("/servers/{index}/url");
                let levels = (Level::NonBreaking, Level::NonBreaking);
                self.add_levels(
                    Rule::ServerUrlChanged,
                    levels,
                    None,
                    Some(&at),
                    format!("server `{url}` added"),
                    effect.to_owned(),
                );
            }
        }
    }

    /// Every operation of a document: (path, pointer, operation, path-level parameters), keyed by
    /// (method, matching key of the path).
    #[allow(clippy::type_complexity)]
    fn ops_of(
        &mut self,
        side: Side,
    ) -> BTreeMap<(String, String), (&'a str, String, &'a Operation, &'a [ReferenceOr<Parameter>])>
    {
        let api = self.api(side);
        let mut out = BTreeMap::new();
        for (path, item) in &api.paths.paths {
            let at = push_token("/paths", path);
            let item = match item {
                ReferenceOr::Item(item) => item,
                ReferenceOr::Reference { .. } => {
                    self.errors.push((
                        side,
                        Error::at(
                            ErrorKind::Unsupported,
                            push_token(&at, "$ref"),
                            "path item $refs are not supported",
                        ),
                    ));
                    continue;
                }
            };
            for (method, op) in item.iter() {
                let key = (method.to_ascii_uppercase(), path_key(path));
                out.insert(
                    key,
                    (
                        path.as_str(),
                        push_token(&at, method),
                        op,
                        item.parameters.as_slice(),
                    ),
                );
            }
        }
        out
    }

    fn operations(&mut self) {
        let old = self.ops_of(Side::Old);
        let new = self.ops_of(Side::New);
        for ((method, _), (path, at, op, _)) in old.iter().filter(|(k, _)| !new.contains_key(*k)) {
            let id = op.operation_id.as_deref();
            self.enter(method, (path, id), (path, id));
            let rust = format!("{} is removed: every call site breaks", self.old_method());
            self.add(
                Rule::OperationRemoved,
                Some(at),
                None,
                format!("operation `{}` removed", op_name(op, &self.op)),
                rust,
                None,
            );
        }
        for ((method, _), (path, at, op, _)) in new.iter().filter(|(k, _)| !old.contains_key(*k)) {
            let id = op.operation_id.as_deref();
            self.enter(method, (path, id), (path, id));
            let rust = format!("new method {}", self.new_method());
            self.add(
                Rule::OperationAdded,
                None,
                Some(at),
                format!("operation `{}` added", op_name(op, &self.op)),
                rust,
                None,
            );
        }
        for (key, (old_path, old_at, old_op, old_common)) in &old {
            let Some((new_path, new_at, new_op, new_common)) = new.get(key) else {
                continue;
            };
            self.enter(
                &key.0,
                (old_path, old_op.operation_id.as_deref()),
                (new_path, new_op.operation_id.as_deref()),
            );
            self.operation(old_at, old_op, old_common, new_at, new_op, new_common);
        }
    }

    fn enter(
        &mut self,
        method: &str,
        (old_path, old_id): (&str, Option<&'a str>),
        (new_path, new_id): (&str, Option<&'a str>),
    ) {
        self.old_id = old_id;
        self.new_id = new_id;
        self.op = format!("{method} {new_path}");
        self.method = method.to_owned();
        self.old_path = old_path.to_owned();
        self.new_path = new_path.to_owned();
        self.seen.clear();
    }

    fn old_method(&self) -> String {
        self.old_names
            .method(&self.method, &self.old_path, self.old_id, &self.op)
    }

    fn new_method(&self) -> String {
        self.new_names
            .method(&self.method, &self.new_path, self.new_id, &self.op)
    }

    fn operation(
        &mut self,
        old_at: &str,
        old: &'a Operation,
        old_common: &'a [ReferenceOr<Parameter>],
        new_at: &str,
        new: &'a Operation,
        new_common: &'a [ReferenceOr<Parameter>],
    ) {
        if !old.deprecated && new.deprecated {
            let rust = format!(
                "{} gets `#[deprecated]`: callers see a warning (an error only under `-D warnings`)",
                self.new_method()
            );
            self.add(
                Rule::OperationDeprecated,
                Some(old_at),
                Some(&push_token(new_at, "deprecated")),
                format!("operation `{}` deprecated", self.op),
                rust,
                None,
            );
        }
        if old.operation_id != new.operation_id {
            let (o, n) = (self.old_method(), self.new_method());
            let (rust, level) = if o == n {
                (
                    format!("none: the method is still {n}"),
                    Some(Level::NonBreaking),
                )
            } else {
                (
                    format!("method {o} is renamed {n}: every call site breaks"),
                    None,
                )
            };
            let message = format!(
                "operationId `{}` renamed `{}`",
                old.operation_id.as_deref().unwrap_or("(none)"),
                new.operation_id.as_deref().unwrap_or("(none)")
            );
            self.add(
                Rule::OperationIdChanged,
                Some(&push_token(old_at, "operationId")),
                Some(&push_token(new_at, "operationId")),
                message,
                rust,
                level,
            );
        }
        self.parameters(old_at, old, old_common, new_at, new, new_common);
        self.request_body(old_at, old, new_at, new);
        self.responses(old_at, old, new_at, new);
        self.security(old_at, old, new_at, new);
    }

    /// The effective parameters: path-level ones overridden by operation-level ones.
    fn params_of(
        &mut self,
        side: Side,
        at: &str,
        op: &'a Operation,
        common: &'a [ReferenceOr<Parameter>],
    ) -> IndexMap<(&'static str, &'a str), (&'a Parameter, String)> {
        let resolver = Resolver {
            api: self.api(side),
        };
        let path_at = at.rsplit_once('/').map_or("", |(p, _)| p).to_owned();
        let mut out = IndexMap::new();
        let lists = [
            (common, push_token(&path_at, "parameters")),
            (op.parameters.as_slice(), push_token(at, "parameters")),
        ];
        for (list, list_at) in lists {
            for (index, item) in list.iter().enumerate() {
                match resolver.parameter(item, &push_token(&list_at, &index.to_string())) {
                    Ok(found) => {
                        let location = match found.value {
                            Parameter::Query { .. } => "query",
                            Parameter::Header { .. } => "header",
                            Parameter::Path { .. } => "path",
                            Parameter::Cookie { .. } => "cookie",
                        };
                        let name = found.value.parameter_data_ref().name.as_str();
                        out.insert((location, name), (found.value, found.pointer));
                    }
                    Err(e) => self.errors.push((side, e)),
                }
            }
        }
        out
    }

    fn parameters(
        &mut self,
        old_at: &str,
        old: &'a Operation,
        old_common: &'a [ReferenceOr<Parameter>],
        new_at: &str,
        new: &'a Operation,
        new_common: &'a [ReferenceOr<Parameter>],
    ) {
        let old_params = self.params_of(Side::Old, old_at, old, old_common);
        let new_params = self.params_of(Side::New, new_at, new, new_common);
        let (method, old_path, new_path) = (
            self.method.clone(),
            self.old_path.clone(),
            self.new_path.clone(),
        );
        let old_options = self
            .old_names
            .operation(&method, &old_path)
            .and_then(|o| o.options_type.clone());
        let new_options = self
            .new_names
            .operation(&method, &new_path)
            .and_then(|o| o.options_type.clone());
        let options = |o: &Option<String>| {
            o.as_ref()
                .map_or("the options struct".to_owned(), |o| format!("`{o}`"))
        };
        for ((location, name), (param, at)) in &new_params {
            if old_params.contains_key(&(*location, *name)) {
                continue;
            }
            let arg = self
                .new_names
                .param(&method, &new_path, location, name)
                .map_or(format!("`{name}`"), |p| format!("`{}`", p.name));
            if param.parameter_data_ref().required {
                let rust = format!(
                    "{} gains positional argument {arg}: every call site breaks",
                    self.new_method()
                );
                self.add(
                    Rule::ParameterAddedRequired,
                    None,
                    Some(at),
                    format!("required {location} parameter `{name}` added"),
                    rust,
                    None,
                );
            } else {
                let (rust, level) = match (&old_options, &new_options) {
                    (None, Some(new)) => (
                        format!(
                            "{} gains an `options: &{new}` argument: every call site breaks",
                            self.new_method()
                        ),
                        Some(Level::Breaking),
                    ),
                    _ => (
                        format!(
                            "{} gains field {arg}: struct literals without `..Default::default()` break",
                            options(&new_options)
                        ),
                        None,
                    ),
                };
                self.add(
                    Rule::ParameterAddedOptional,
                    None,
                    Some(at),
                    format!("optional {location} parameter `{name}` added"),
                    rust,
                    level,
                );
            }
        }
        for ((location, name), (param, at)) in &old_params {
            let old_rust = self
                .old_names
                .param(&method, &old_path, location, name)
                .map(|p| p.name.clone());
            let arg = format!("`{}`", old_rust.as_deref().unwrap_or(name));
            let old_required = param.parameter_data_ref().required;
            let Some((new_param, new_at)) = new_params.get(&(*location, *name)) else {
                let rust = if old_required {
                    format!(
                        "argument {arg} of {} is removed: every call site breaks",
                        self.old_method()
                    )
                } else {
                    format!(
                        "field {arg} of {} is removed: code setting it breaks",
                        options(&old_options)
                    )
                };
                self.add(
                    Rule::ParameterRemoved,
                    Some(at),
                    None,
                    format!("{location} parameter `{name}` removed"),
                    rust,
                    None,
                );
                continue;
            };
            let new_required = new_param.parameter_data_ref().required;
            if !old_required && new_required {
                let rust = format!(
                    "{arg} moves from {} to a positional argument of {}: call sites break",
                    options(&old_options),
                    self.new_method()
                );
                self.add(
                    Rule::ParameterMadeRequired,
                    Some(at),
                    Some(new_at),
                    format!("{location} parameter `{name}` made required"),
                    rust,
                    None,
                );
            } else if old_required && !new_required {
                let rust = format!(
                    "positional argument {arg} of {} moves into {}: call sites break",
                    self.old_method(),
                    options(&new_options)
                );
                self.add(
                    Rule::ParameterMadeOptional,
                    Some(at),
                    Some(new_at),
                    format!("{location} parameter `{name}` made optional"),
                    rust,
                    None,
                );
            }
            let schemas = (
                &param.parameter_data_ref().format,
                &new_param.parameter_data_ref().format,
            );
            if let (ParameterSchemaOrContent::Schema(o), ParameterSchemaOrContent::Schema(n)) =
                schemas
            {
                let label = format!("{name} ({location})");
                self.param = Some((location, name));
                let o = self.resolve(Side::Old, o.into(), push_token(at, "schema"));
                let n = self.resolve(Side::New, n.into(), push_token(new_at, "schema"));
                if let (Some(o), Some(n)) = (o, n) {
                    self.schema(Dir::Request, Place::Parameter, &o, &n, &label, None);
                }
            }
        }
    }

    fn request_body(&mut self, old_at: &str, old: &'a Operation, new_at: &str, new: &'a Operation) {
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
                let rust = format!(
                    "{} gains a `body` argument: every call site breaks",
                    self.new_method()
                );
                let wire = if body.required {
                    Level::Breaking
                } else {
                    Level::NonBreaking
                };
                let message = format!(
                    "{} request body added",
                    if body.required {
                        "required"
                    } else {
                        "optional"
                    }
                );
                self.add_levels(
                    Rule::RequestBodyAdded,
                    (wire, Level::Breaking),
                    None,
                    Some(&at),
                    message,
                    rust,
                );
            }
            (Some((_, at)), None) => {
                let rust = format!(
                    "{} loses its `body` argument: every call site breaks",
                    self.old_method()
                );
                self.add(
                    Rule::RequestBodyRemoved,
                    Some(&at),
                    None,
                    "request body removed".to_owned(),
                    rust,
                    None,
                );
            }
            (Some((old_body, old_at)), Some((new_body, new_at))) => {
                if old_body.required != new_body.required {
                    let (rule, message, rust) = if new_body.required {
                        (
                            Rule::RequestBodyMadeRequired,
                            "request body made required",
                            "`Option<&T>` to `&T`",
                        )
                    } else {
                        (
                            Rule::RequestBodyMadeOptional,
                            "request body made optional",
                            "`&T` to `Option<&T>`",
                        )
                    };
                    let rust = format!(
                        "the `body` argument of {} changes from {rust}: every call site breaks",
                        self.new_method()
                    );
                    self.add(
                        rule,
                        Some(&old_at),
                        Some(&new_at),
                        message.to_owned(),
                        rust,
                        None,
                    );
                }
                self.content(
                    Dir::Request,
                    &old_body.content,
                    &old_at,
                    &new_body.content,
                    &new_at,
                    "request body",
                );
            }
        }
    }

    fn found_or_error<T>(
        &mut self,
        side: Side,
        found: Result<crate::resolve::Found<'a, T>, Error>,
    ) -> Option<(&'a T, String)> {
        match found {
            Ok(found) => Some((found.value, found.pointer)),
            Err(e) => {
                self.errors.push((side, e));
                None
            }
        }
    }

    fn content(
        &mut self,
        dir: Dir,
        old: &'a IndexMap<String, openapiv3::MediaType>,
        old_at: &str,
        new: &'a IndexMap<String, openapiv3::MediaType>,
        new_at: &str,
        label: &str,
    ) {
        let old_content = push_token(old_at, "content");
        let new_content = push_token(new_at, "content");
        for (media, old_media) in old {
            let old_media_at = push_token(&old_content, media);
            let Some(new_media) = new.get(media) else {
                let json = media == "application/json";
                let (rust, level) = if json {
                    (
                        "the generated JSON body type goes away".to_owned(),
                        Some(Level::Breaking),
                    )
                } else {
                    (
                        "none: the generated client only sends and reads `application/json`"
                            .to_owned(),
                        Some(Level::NonBreaking),
                    )
                };
                self.add(
                    Rule::MediaTypeRemoved,
                    Some(&old_media_at),
                    None,
                    format!("{label} media type `{media}` removed"),
                    rust,
                    level,
                );
                continue;
            };
            let new_media_at = push_token(&new_content, media);
            if let (Some(o), Some(n)) = (&old_media.schema, &new_media.schema) {
                let o = self.resolve(Side::Old, o.into(), push_token(&old_media_at, "schema"));
                let n = self.resolve(Side::New, n.into(), push_token(&new_media_at, "schema"));
                if let (Some(o), Some(n)) = (o, n) {
                    let root = body_label(new_at, &self.op, label);
                    self.schema(dir, Place::Value, &o, &n, &root, None);
                }
            }
        }
    }

    fn responses(&mut self, old_at: &str, old: &'a Operation, new_at: &str, new: &'a Operation) {
        let collect = |op: &'a Operation| -> Vec<(String, &'a ReferenceOr<Response>)> {
            let mut out: Vec<_> = op
                .responses
                .responses
                .iter()
                .map(|(k, v)| (status_id(k), v))
                .collect();
            out.extend(
                op.responses
                    .default
                    .as_ref()
                    .map(|d| ("default".to_owned(), d)),
            );
            out
        };
        let old_responses = collect(old);
        let new_responses = collect(new);
        let old_responses_at = push_token(old_at, "responses");
        let new_responses_at = push_token(new_at, "responses");
        let success = |list: &[(String, _)]| -> Vec<String> {
            list.iter()
                .map(|(s, _)| s.clone())
                .filter(|s| is_success(s))
                .collect()
        };
        let (old_success, new_success) = (success(&old_responses), success(&new_responses));
        if old_success != new_success {
            // Only added success statuses: old clients never see them from an old server, and
            // the wire contract for the old ones holds.
            let only_added = old_success.iter().all(|s| new_success.contains(s));
            let (wire, rust) = if only_added {
                (
                    Level::NonBreaking,
                    format!(
                        "{} also accepts the new status as success; older clients report it as an error",
                        self.new_method()
                    ),
                )
            } else {
                (
                    Level::Breaking,
                    format!(
                        "{} keeps its signature unless the body type changed, but a response with a \
                         status no longer listed as success now comes back as an error",
                        self.new_method()
                    ),
                )
            };
            let message = format!(
                "success status {} → {}",
                list(&old_success),
                list(&new_success)
            );
            self.add_levels(
                Rule::SuccessStatusChanged,
                (wire, Level::Info),
                Some(&old_responses_at),
                Some(&new_responses_at),
                message,
                rust,
            );
        }
        let error_type = |names: &Names, method: &str, path: &str, status: &str| {
            names.operation(method, path).map(|op| {
                let variant = op
                    .responses
                    .iter()
                    .find(|r| r.status.to_string() == status)
                    .and_then(|r| r.error_variant.clone());
                (op.error_type.clone(), variant)
            })
        };
        let (method, old_path, new_path) = (
            self.method.clone(),
            self.old_path.clone(),
            self.new_path.clone(),
        );
        for (status, _) in new_responses.iter().filter(|(s, _)| !is_success(s)) {
            if old_responses.iter().any(|(s, _)| s == status) {
                continue;
            }
            let rust = match error_type(self.new_names, &method, &new_path, status) {
                Some((ty, Some(variant))) => format!(
                    "`{ty}` gains variant `{variant}`: exhaustive `match`es on it break (error enums are not `#[non_exhaustive]`)"
                ),
                _ => "the operation's error enum gains a variant: exhaustive `match`es on it break"
                    .to_owned(),
            };
            self.add(
                Rule::ErrorStatusAdded,
                None,
                Some(&push_token(&new_responses_at, status)),
                format!("error status `{status}` added"),
                rust,
                None,
            );
        }
        for (status, old_response) in &old_responses {
            let old_response_at = push_token(&old_responses_at, status);
            let Some((_, new_response)) = new_responses.iter().find(|(s, _)| s == status) else {
                if !is_success(status) {
                    let rust = match error_type(self.old_names, &method, &old_path, status) {
                        Some((ty, Some(variant))) => {
                            format!("`{ty}::{variant}` is removed: code naming it breaks")
                        }
                        _ => "the operation's error enum loses a variant: code naming it breaks"
                            .to_owned(),
                    };
                    self.add(
                        Rule::ErrorStatusRemoved,
                        Some(&old_response_at),
                        None,
                        format!("error status `{status}` removed"),
                        rust,
                        None,
                    );
                }
                continue;
            };
            let new_response_at = push_token(&new_responses_at, status);
            let o = self.found_or_error(
                Side::Old,
                Resolver { api: self.old }.response(old_response, &old_response_at),
            );
            let n = self.found_or_error(
                Side::New,
                Resolver { api: self.new }.response(new_response, &new_response_at),
            );
            if let (Some((o, o_at)), Some((n, n_at))) = (o, n) {
                self.content(
                    Dir::Response,
                    &o.content,
                    &o_at,
                    &n.content,
                    &n_at,
                    &format!("{status} response"),
                );
            }
        }
    }

    fn security(&mut self, old_at: &str, old: &'a Operation, new_at: &str, new: &'a Operation) {
        let effective = |op: &'a Operation, api: &'a OpenAPI, at: &str| -> (String, String) {
            let (list, at) = effective_security(op, api, at);
            let mut alternatives: Vec<String> = list
                .iter()
                .map(|req| {
                    let mut schemes: Vec<String> = req
                        .iter()
                        .map(|(k, scopes)| {
                            if scopes.is_empty() {
                                k.clone()
                            } else {
                                format!("{k}({})", scopes.join(","))
                            }
                        })
                        .collect();
                    schemes.sort();
                    if schemes.is_empty() {
                        "none".to_owned()
                    } else {
                        schemes.join(" + ")
                    }
                })
                .collect();
            alternatives.sort();
            alternatives.dedup();
            let text = if alternatives.is_empty() {
                "none".to_owned()
            } else {
                alternatives.join(" | ")
            };
            (text, at)
        };
        let (o, o_at) = effective(old, self.old, old_at);
        let (n, n_at) = effective(new, self.new, new_at);
        if o != n {
            let rust = format!(
                "no signature change; {} authenticates requests differently, so calls may be rejected until \
                 the client is regenerated",
                self.new_method()
            );
            self.add(
                Rule::SecurityChanged,
                Some(&o_at),
                Some(&n_at),
                format!("security `{o}` → `{n}`"),
                rust,
                None,
            );
        }
    }

    /// Follows `$ref`s to a schema definition, with the same rules as the generator.
    fn resolve(&mut self, side: Side, node: Node<'a>, at: String) -> Option<At<'a>> {
        let api = self.api(side);
        let resolver = Resolver { api };
        let (mut node, mut pointer, mut component) = (node, at, None);
        for _ in 0..64 {
            match node {
                Node::Item(schema) => match crate::model::wrapped_ref(schema) {
                    // `allOf: [$ref]` alone is the referenced type, as in the generated code.
                    Some(reference) => {
                        pointer = push_token(&push_token(&pointer, "allOf"), "0");
                        node = Node::Ref(reference);
                    }
                    None => {
                        return Some(At {
                            schema,
                            pointer,
                            component,
                        });
                    }
                },
                Node::Ref(reference) if !Resolver::is_component(reference) => {
                    // A `$ref` into a nested location, resolved as the generator does.
                    match resolver.schema_at(reference, &push_token(&pointer, "$ref")) {
                        Ok((target, next)) => {
                            (pointer, component) = (target, None);
                            node = match next {
                                SchemaNode::Ref(next) => Node::Ref(next),
                                SchemaNode::Item(schema) => Node::Item(schema),
                            };
                        }
                        Err(e) => {
                            self.errors.push((side, e));
                            return None;
                        }
                    }
                }
                Node::Ref(reference) => {
                    let key = match resolver.schema_key(reference, &push_token(&pointer, "$ref")) {
                        Ok(key) => key,
                        Err(e) => {
                            self.errors.push((side, e));
                            return None;
                        }
                    };
                    let next = api.components.as_ref().and_then(|c| c.schemas.get(key))?;
                    pointer = push_token("/components/schemas", key);
                    component = Some(key);
                    node = next.into();
                }
            }
        }
        self.errors.push((
            side,
            Error::at(
                ErrorKind::RefCycle,
                push_token(&pointer, "$ref"),
                "$refs lead back to themselves",
            ),
        ));
        None
    }

    /// Properties of an object schema, `allOf` members merged by the generator's own code (so
    /// the properties compared are the generated struct's fields); empty if it is no object.
    fn props(&mut self, side: Side, at: &At<'a>) -> Props<'a> {
        let mut props: Props<'a> = (IndexMap::new(), BTreeSet::new());
        match crate::model::object_view(self.api(side), at.schema, &at.pointer) {
            Ok(ObjectView::Struct(properties, required)) => {
                for (name, schema, pointer) in properties {
                    props.0.insert(name, (schema.into(), pointer));
                }
                props.1 = required;
            }
            // `resolve` has followed `allOf: [$ref]` already.
            Ok(ObjectView::Other) => {}
            Err(e) => self.errors.push((side, e)),
        }
        props
    }

    /// Compares two schemas at the same place. `field` is the enclosing struct's pointers and the
    /// property name, for Rust names. A pair of shared schemas is walked once per run: later
    /// operations that reach it are added to the changes found under it.
    fn schema(
        &mut self,
        dir: Dir,
        place: Place,
        old: &At<'a>,
        new: &At<'a>,
        label: &str,
        field: Option<(&str, &str, &str)>,
    ) {
        if old.component.is_none() && new.component.is_none() {
            return self.schema_pair(dir, place, old, new, label, field);
        }
        let pair = (old.pointer.clone(), new.pointer.clone(), dir, place);
        if let Some(keys) = self.memo.get(&pair) {
            let keys = keys.clone();
            for key in &keys {
                if let Some(found) = self.found.get_mut(key) {
                    found.operations.insert(self.op.clone());
                }
            }
            if let Some(top) = self.stack.last_mut() {
                top.keys.extend(keys);
            }
            return;
        }
        if self.seen.contains(&pair) {
            // A cycle (or a pair already walked for this operation): frames above it may miss
            // changes found outside them, so they are not memoized.
            let from = self
                .stack
                .iter()
                .position(|f| f.pair == pair)
                .map_or(0, |i| i + 1);
            for frame in &mut self.stack[from..] {
                frame.complete = false;
            }
            return;
        }
        self.seen.insert(pair.clone());
        self.stack.push(Frame {
            pair,
            keys: Vec::new(),
            complete: true,
        });
        self.schema_pair(dir, place, old, new, label, field);
        if let Some(frame) = self.stack.pop() {
            if let Some(parent) = self.stack.last_mut() {
                parent.keys.extend(frame.keys.iter().cloned());
            }
            if frame.complete {
                self.memo.insert(frame.pair, frame.keys);
            }
        }
    }

    fn schema_pair(
        &mut self,
        dir: Dir,
        place: Place,
        old: &At<'a>,
        new: &At<'a>,
        label: &str,
        field: Option<(&str, &str, &str)>,
    ) {
        let label = match new.component.or(old.component) {
            Some(key) if place != Place::Parameter => key.to_owned(),
            _ => label.to_owned(),
        };
        let (old_kind, new_kind) = (kind(old.schema), kind(new.schema));
        let request = dir == Dir::Request;
        // What the Rust type of this place is, for messages: a struct field or the schema's type.
        let (method, old_path, new_path) = (&self.method, &self.old_path, &self.new_path);
        let param = self.param.filter(|_| place == Place::Parameter);
        let rust_place = |names: &Names, at: &At<'_>| {
            match (field, param) {
                (_, Some((location, wire))) => {
                    let path = if std::ptr::eq(names, self.old_names) {
                        old_path
                    } else {
                        new_path
                    };
                    names.param(method, path, location, wire).map(|p| {
                        let ty = rust_type(&p.ty);
                        format!(
                            "`{}: {}`",
                            p.name,
                            if p.required {
                                ty
                            } else {
                                format!("Option<{ty}>")
                            }
                        )
                    })
                }
                (Some((old_obj, new_obj, wire)), None) => {
                    let obj = if std::ptr::eq(names, self.old_names) {
                        old_obj
                    } else {
                        new_obj
                    };
                    names.field(obj, wire).map(|f| {
                        format!(
                            "`{}.{}: {}`",
                            names.ty(obj, "").trim_matches('`'),
                            f.name,
                            field_type(f)
                        )
                    })
                }
                (None, None) => None,
            }
            .unwrap_or_else(|| names.ty(&at.pointer, &label))
        };
        if old_kind != new_kind {
            let rule = match (place, dir) {
                (Place::Parameter, _) => Rule::ParameterTypeChanged,
                (_, Dir::Request) => Rule::RequestPropertyTypeChanged,
                (_, Dir::Response) => Rule::ResponsePropertyTypeChanged,
            };
            let rust = format!(
                "{} becomes {}: code using it breaks",
                rust_place(self.old_names, old),
                rust_place(self.new_names, new)
            );
            self.add(
                rule,
                Some(&old.pointer),
                Some(&new.pointer),
                format!("`{label}` type {old_kind} → {new_kind}"),
                rust,
                None,
            );
            return;
        }
        if dir == Dir::Response
            && place == Place::Property
            && !old.schema.schema_data.nullable
            && new.schema.schema_data.nullable
        {
            let (rust, level) = match field.and_then(|(o, _, w)| self.old_names.field(o, w)) {
                Some(f) if f.is_optional() => (
                    format!("none: `{}` is already an `Option`", f.name),
                    Some(Level::NonBreaking),
                ),
                _ => (
                    format!(
                        "{} becomes an `Option`: code reading it breaks",
                        rust_place(self.old_names, old)
                    ),
                    None,
                ),
            };
            self.add(
                Rule::ResponsePropertyMadeNullable,
                Some(&old.pointer),
                Some(&push_token(&new.pointer, "nullable")),
                format!("`{label}` made nullable"),
                rust,
                level,
            );
        }
        self.enums(dir, old, new, &label);
        match &new.schema.schema_kind {
            SchemaKind::Type(Type::Array(new_array)) => {
                if let (SchemaKind::Type(Type::Array(old_array)), Some(n)) =
                    (&old.schema.schema_kind, &new_array.items)
                {
                    if let Some(o) = &old_array.items {
                        let o =
                            self.resolve(Side::Old, o.into(), push_token(&old.pointer, "items"));
                        let n =
                            self.resolve(Side::New, n.into(), push_token(&new.pointer, "items"));
                        if let (Some(o), Some(n)) = (o, n) {
                            self.schema(dir, Place::Value, &o, &n, &format!("{label}[]"), None);
                        }
                    }
                }
            }
            SchemaKind::OneOf { one_of: n } | SchemaKind::AnyOf { any_of: n } => {
                let o = match &old.schema.schema_kind {
                    SchemaKind::OneOf { one_of } => one_of,
                    SchemaKind::AnyOf { any_of } => any_of,
                    _ => return,
                };
                let keyword = if matches!(new.schema.schema_kind, SchemaKind::OneOf { .. }) {
                    "oneOf"
                } else {
                    "anyOf"
                };
                for (index, (o, n)) in o.iter().zip(n).enumerate() {
                    let o = self.resolve(
                        Side::Old,
                        o.into(),
                        push_token(&push_token(&old.pointer, keyword), &index.to_string()),
                    );
                    let n = self.resolve(
                        Side::New,
                        n.into(),
                        push_token(&push_token(&new.pointer, keyword), &index.to_string()),
                    );
                    if let (Some(o), Some(n)) = (o, n) {
                        self.schema(dir, Place::Value, &o, &n, &format!("{label}|{index}"), None);
                    }
                }
            }
            _ if new_kind == "object" => self.object(dir, old, new, &label, request),
            _ => {}
        }
    }

    fn enums(&mut self, dir: Dir, old: &At<'a>, new: &At<'a>, label: &str) {
        let (o, n) = (string_enum(old.schema), string_enum(new.schema));
        if o == n {
            return;
        }
        let request = dir == Dir::Request;
        let old_ty = self.old_names.ty(&old.pointer, label);
        let new_ty = self.new_names.ty(&new.pointer, label);
        if o.is_empty() || n.is_empty() {
            let (rule, message, rust) = match (o.is_empty(), request) {
                (true, true) => (
                    Rule::RequestEnumConstraintAdded,
                    format!("`{label}` restricted to enum {}", list(&n)),
                    format!("a `String` becomes enum {new_ty}: code passing a string breaks"),
                ),
                (true, false) => (
                    Rule::ResponseEnumConstraintAdded,
                    format!("`{label}` restricted to enum {}", list(&n)),
                    format!("a `String` becomes enum {new_ty}: code reading a string breaks"),
                ),
                (false, true) => (
                    Rule::RequestEnumConstraintRemoved,
                    format!("`{label}` no longer an enum"),
                    format!("enum {old_ty} becomes a `String`: code naming its variants breaks"),
                ),
                (false, false) => (
                    Rule::ResponseEnumConstraintRemoved,
                    format!("`{label}` no longer an enum"),
                    format!("enum {old_ty} becomes a `String`: code matching its variants breaks"),
                ),
            };
            self.add(
                rule,
                Some(&old.pointer),
                Some(&new.pointer),
                message,
                rust,
                None,
            );
            return;
        }
        for (index, value) in n.iter().enumerate().filter(|(_, v)| !o.contains(v)) {
            let variant = self
                .new_names
                .variant(&new.pointer, value)
                .map_or(String::new(), |v| format!(" `{v}`"));
            let (rule, rust) = if request {
                (
                    Rule::RequestEnumValueAdded,
                    format!(
                        "{new_ty} gains variant{variant}; the enum is `#[non_exhaustive]`, so existing code compiles"
                    ),
                )
            } else {
                (
                    Rule::ResponseEnumValueAdded,
                    format!(
                        "{new_ty} gains variant{variant}; the enum is open (`Unknown(String)`) and `#[non_exhaustive]`, so existing code compiles and older clients receive `Unknown(\"{value}\")`"
                    ),
                )
            };
            let at = push_token(&push_token(&new.pointer, "enum"), &index.to_string());
            self.add(
                rule,
                Some(&old.pointer),
                Some(&at),
                format!("`{label}` enum value `{value}` added"),
                rust,
                None,
            );
        }
        for (index, value) in o.iter().enumerate().filter(|(_, v)| !n.contains(v)) {
            let variant = self
                .old_names
                .variant(&old.pointer, value)
                .map_or(String::new(), |v| format!("::{v}"));
            let rule = if request {
                Rule::RequestEnumValueRemoved
            } else {
                Rule::ResponseEnumValueRemoved
            };
            let rust = if variant.is_empty() {
                format!("{old_ty} loses the variant for `{value}`: code naming it breaks")
            } else {
                format!(
                    "`{}{variant}` is removed: code naming it breaks",
                    old_ty.trim_matches('`')
                )
            };
            let at = push_token(&push_token(&old.pointer, "enum"), &index.to_string());
            self.add(
                rule,
                Some(&at),
                Some(&new.pointer),
                format!("`{label}` enum value `{value}` removed"),
                rust,
                None,
            );
        }
    }

    fn object(&mut self, dir: Dir, old: &At<'a>, new: &At<'a>, label: &str, request: bool) {
        let (old_props, old_required) = self.props(Side::Old, old);
        let (new_props, new_required) = self.props(Side::New, new);
        let old_ty = self.old_names.ty(&old.pointer, label);
        let new_ty = self.new_names.ty(&new.pointer, label);
        for (name, (_, at)) in &new_props {
            if old_props.contains_key(name) {
                continue;
            }
            let field = self
                .new_names
                .field(&new.pointer, name)
                .map_or(format!("`{name}`"), |f| format!("`{}`", f.name));
            let required = new_required.contains(name);
            let (rule, message, rust) = match (request, required) {
                (true, true) => (
                    Rule::RequestPropertyAddedRequired,
                    "required request property",
                    format!(
                        "{new_ty} gains required field {field}: every construction site breaks"
                    ),
                ),
                (true, false) => (
                    Rule::RequestPropertyAddedOptional,
                    "optional request property",
                    format!(
                        "{new_ty} gains optional field {field}: struct literals without `..Default::default()` break"
                    ),
                ),
                (false, _) => (
                    Rule::ResponsePropertyAdded,
                    "response property",
                    format!(
                        "{new_ty} gains field {field}: only code building {new_ty} with a struct literal (tests, mocks) breaks"
                    ),
                ),
            };
            self.add(
                rule,
                Some(&old.pointer),
                Some(at),
                format!("{message} `{label}.{name}` added"),
                rust,
                None,
            );
        }
        for (name, (old_node, old_at)) in &old_props {
            let field = self
                .old_names
                .field(&old.pointer, name)
                .map_or(format!("`{name}`"), |f| format!("`{}`", f.name));
            let Some((new_node, new_at)) = new_props.get(name) else {
                let rule = if request {
                    Rule::RequestPropertyRemoved
                } else {
                    Rule::ResponsePropertyRemoved
                };
                let side = if request { "request" } else { "response" };
                let rust = format!("{old_ty} loses field {field}: code using it breaks");
                self.add(
                    rule,
                    Some(old_at),
                    Some(&new.pointer),
                    format!("{side} property `{label}.{name}` removed"),
                    rust,
                    None,
                );
                continue;
            };
            let (was, is) = (old_required.contains(name), new_required.contains(name));
            if was != is {
                let old_field = self.old_names.field(&old.pointer, name);
                let new_field = self.new_names.field(&new.pointer, name);
                let (rust, level) = match (old_field, new_field) {
                    (Some(o), Some(n)) if o.is_optional() == n.is_optional() => (
                        format!(
                            "none: {new_ty} field `{}` stays `{}`",
                            n.name,
                            field_type(n)
                        ),
                        Some(Level::NonBreaking),
                    ),
                    (Some(o), Some(n)) => (
                        format!(
                            "{new_ty} field `{}` changes from `{}` to `{}`: code using it breaks",
                            n.name,
                            field_type(o),
                            field_type(n)
                        ),
                        None,
                    ),
                    _ => (
                        format!(
                            "{new_ty} field {field} changes between `T` and `Option<T>`: code using it breaks"
                        ),
                        None,
                    ),
                };
                let (rule, what) = match (request, is) {
                    (true, true) => (
                        Rule::RequestPropertyMadeRequired,
                        "request property {} made required",
                    ),
                    (true, false) => (
                        Rule::RequestPropertyMadeOptional,
                        "request property {} made optional",
                    ),
                    (false, true) => (
                        Rule::ResponsePropertyMadeRequired,
                        "response property {} made required",
                    ),
                    (false, false) => (
                        Rule::ResponsePropertyMadeOptional,
                        "response property {} made optional",
                    ),
                };
                let message = what.replace("{}", &format!("`{label}.{name}`"));
                self.add(rule, Some(old_at), Some(new_at), message, rust, level);
            }
            let o = self.resolve(Side::Old, *old_node, old_at.clone());
            let n = self.resolve(Side::New, *new_node, new_at.clone());
            if let (Some(o), Some(n)) = (o, n) {
                self.schema(
                    dir,
                    Place::Property,
                    &o,
                    &n,
                    &format!("{label}.{name}"),
                    Some((&old.pointer, &new.pointer, name)),
                );
            }
        }
    }
}

/// The security requirements that apply to an operation (its own, else the document's), and
/// where they are written.
fn effective_security<'b>(
    op: &'b Operation,
    api: &'b OpenAPI,
    at: &str,
) -> (&'b [SecurityRequirement], String) {
    match &op.security {
        Some(own) => (own.as_slice(), push_token(at, "security")),
        None => (
            api.security.as_deref().unwrap_or(&[]),
            "/security".to_owned(),
        ),
    }
}

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

fn op_name(op: &Operation, fallback: &str) -> String {
    op.operation_id
        .clone()
        .unwrap_or_else(|| fallback.to_owned())
}

fn list<S: AsRef<str>>(items: &[S]) -> String {
    if items.is_empty() {
        return "(none)".to_owned();
    }
    items
        .iter()
        .map(|s| format!("`{}`", s.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::path_key;

    #[test]
    fn path_parameter_names_do_not_matter() {
        assert_eq!(
            path_key("/wallets/{wallet_id}/x"),
            path_key("/wallets/{id}/x")
        );
        assert_ne!(path_key("/wallets/{id}"), path_key("/wallets/{id}/x"));
    }
}
