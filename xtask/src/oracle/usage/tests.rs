use super::*;

/// A hand-written crate shaped like a generated one.
const LIB: &str = r#"
mod client;
pub mod models;
mod operations;
pub use client::{Client, Environment as Env};
#[doc(hidden)]
pub use client::Internal;
#[cfg(feature = "oauth")]
pub use org::OrgClient;
"#;

const MODELS: &str = r#"
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub name: String,
    pub kind: Option<Kind>,
    #[cfg(feature = "extra")]
    pub extra: Option<crate::models::Extra>,
}
crate::json::object! { Request { name: required "name" } }
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ListOptions {
    pub limit: Option<i32>,
}
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Kind {
    Plain,
    Unknown(String),
}
#[derive(Debug, Clone, PartialEq)]
pub enum ListError {
    ClientError(Request),
}
impl std::fmt::Display for ListError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { Ok(()) }
}
pub type Names = Vec<String>;
"#;

const OPERATIONS: &str = r#"
impl crate::Client {
    pub async fn list(
        &self,
        options: &crate::models::ListOptions,
    ) -> Result<crate::ResponseValue<crate::models::Request>, crate::Error<crate::models::ListError>> {
        list(self, options).await
    }
    #[cfg(feature = "items")]
    pub fn list_stream<'a>(&'a self, id: &'a str) -> crate::Paginator<'a, crate::models::Request, crate::models::ListError> {
        todo!()
    }
    fn private(&self) {}
}
async fn list(via: &dyn crate::call::Sender, options: &crate::models::ListOptions) {}
"#;

fn usage_of(mode: Mode) -> String {
    let old = OldCrate {
        lib: LIB,
        models: MODELS,
        operations: OPERATIONS,
    };
    usage(&old, mode).expect("usage")
}

/// The text without whitespace and trailing commas, so that expectations do not depend on the
/// formatter's layout.
fn squash(text: &str) -> String {
    let text: String = text.split_whitespace().collect();
    text.replace(",}", "}")
        .replace(",)", ")")
        .replace(",>", ">")
}

#[track_caller]
fn assert_has(text: &str, expected: &str) {
    assert!(
        squash(text).contains(&squash(expected)),
        "expected {expected:?} in:\n{text}"
    );
}

#[track_caller]
fn assert_lacks(text: &str, unexpected: &str) {
    assert!(
        !squash(text).contains(&squash(unexpected)),
        "unexpected {unexpected:?} in:\n{text}"
    );
}

#[test]
fn names_every_public_reexport_but_hidden_ones() {
    let text = usage_of(Mode::Normal);
    assert_has(&text, "use api::models as _;");
    assert_has(&text, "use api::Client as _;");
    assert_has(&text, "use api::Env as _;");
    assert_has(
        &text,
        r#"#[cfg(feature = "oauth")] #[allow(unused_imports)] use api::OrgClient as _;"#,
    );
    assert_lacks(&text, "Internal");
}

#[test]
fn a_struct_without_default_gets_an_exhaustive_literal() {
    let text = usage_of(Mode::Normal);
    assert_has(&text, "use api::models::*;");
    assert_has(
        &text,
        r#"pub fn new_Request(p0: String, p1: Option<Kind>, #[cfg(feature = "extra")] p2: Option<api::models::Extra>)
           -> Request { Request { name: p0, kind: p1, #[cfg(feature = "extra")] extra: p2, } }"#,
    );
    assert_has(
        &text,
        r#"pub fn read_Request(v: Request) { let _: String = v.name; let _: Option<Kind> = v.kind;
           #[cfg(feature = "extra")] let _: Option<api::models::Extra> = v.extra; }"#,
    );
    assert_lacks(&text, "destructure_Request");
}

#[test]
fn a_default_struct_is_built_with_default_in_normal_and_exhaustively_in_strict() {
    let normal = usage_of(Mode::Normal);
    assert_has(
        &normal,
        "ListOptions { limit: p0, ..::core::default::Default::default() }",
    );
    let strict = usage_of(Mode::Strict);
    assert_has(&strict, "ListOptions { limit: p0, }");
    assert_has(&strict, "let ListOptions { limit: p0, } = v;");
}

#[test]
fn enums_are_built_and_matched_exhaustively_only_when_allowed() {
    let normal = usage_of(Mode::Normal);
    assert_has(
        &normal,
        "pub fn variant_Kind_Unknown(p0: String) -> Kind { Kind::Unknown(p0) }",
    );
    assert_has(
        &normal,
        "ListError::ClientError(p0) => { let _: Request = p0; } _ => {}",
    );
    let strict = usage_of(Mode::Strict);
    // Exhaustive on an exhaustive enum; a `#[non_exhaustive]` one keeps its wildcard.
    assert_has(
        &strict,
        "match v { ListError::ClientError(p0) => { let _: Request = p0; } }",
    );
    assert_has(
        &strict,
        "Kind::Unknown(p0) => { let _: String = p0; } _ => {}",
    );
}

#[test]
fn traits_and_aliases_are_asserted() {
    let text = usage_of(Mode::Normal);
    assert_has(
        &text,
        "fn has<T: ?Sized + ::core::fmt::Debug + ::core::clone::Clone + ::core::cmp::PartialEq
         + std::fmt::Display>() {} has::<ListError>();",
    );
    assert_has(&text, "pub fn alias_Names(v: Names) -> Vec<String> { v }");
    assert_has(
        &text,
        "pub fn alias_from_Names(v: Vec<String>) -> Names { v }",
    );
}

#[test]
fn public_methods_are_called_with_the_old_types() {
    let text = usage_of(Mode::Normal);
    assert_has(
        &text,
        "pub async fn call_Client_list(p0: &api::Client, p1: &api::models::ListOptions) {
         let _r: Result<api::ResponseValue<api::models::Request>, api::Error<api::models::ListError>>
         = <api::Client>::list(p0, p1).await; }",
    );
    assert_has(
        &text,
        r#"#[cfg(feature = "items")] pub fn call_Client_list_stream<'a>(p0: &'a api::Client, p1: &'a str) {
           let _r: api::Paginator<'a, api::models::Request, api::models::ListError>
           = <api::Client>::list_stream(p0, p1); }"#,
    );
    assert_lacks(&text, "private");
    assert_lacks(&text, "call_list");
}

#[test]
fn a_source_that_does_not_parse_is_an_error_naming_the_file() {
    let old = OldCrate {
        lib: LIB,
        models: "pub struct {",
        operations: OPERATIONS,
    };
    let error = usage(&old, Mode::Normal).expect_err("must fail");
    assert!(error.contains("src/models.rs"), "{error}");
}
