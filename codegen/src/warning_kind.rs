//! What a [`Warning`] is about, so a long list can be summarised by kind, the kinds that change
//! how the generated client behaves first.

use crate::error::Warning;

/// The kind of a [`Warning`], recognised from its message. Ordered: the kinds that change how
/// the generated client behaves come first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WarningKind {
    /// An operation's security scheme is not implemented: requests are sent without it.
    UnsupportedAuth,
    /// A schema has no single Rust type: the value is a `serde_json::Value`.
    Untyped,
    /// No success response is documented: any 2XX is accepted without a body.
    NoSuccessResponse,
    /// A body of a media type that is not JSON, multipart or form fields: carried as a `String`
    /// (`text/*`) or raw bytes, not typed.
    RawBody,
    /// A warning this list does not know yet (treated as changing behaviour, to be safe).
    Other,
    /// `null` as an enum value: the field is optional instead.
    NullInEnum,
    /// A `required` name without a property: ignored.
    RequiredWithoutProperty,
    /// A discriminator mapping target with a typo, read as meant.
    MappingTypo,
    /// A key beside a `$ref`, ignored as OpenAPI 3.0 says.
    RefSibling,
    /// An operation named like a method of the runtime's `Client`, renamed.
    ReservedName,
    /// An enum value named like the open enum's catch-all `Unknown`: its variant renamed.
    CatchAllName,
    /// An operation without `operationId`, named from its method and path.
    DerivedName,
}

impl WarningKind {
    /// Whether the generated client behaves differently from what the spec says.
    pub fn changes_behaviour(self) -> bool {
        self <= Self::Other
    }

    /// A short label for summaries.
    pub fn label(self) -> &'static str {
        match self {
            Self::UnsupportedAuth => "unsupported security scheme",
            Self::Untyped => "schema typed as serde_json::Value",
            Self::NoSuccessResponse => "operation without a documented success response",
            Self::Other => "other",
            Self::NullInEnum => "`null` enum value, made optional",
            Self::RequiredWithoutProperty => "`required` name without a property, ignored",
            Self::MappingTypo => "mapping target with a typo, read as meant",
            Self::RefSibling => "key beside `$ref`, ignored",
            Self::ReservedName => "operation named like a runtime method, renamed",
            Self::CatchAllName => "enum value named like the catch-all `Unknown`, renamed",
            Self::RawBody => "body of a non-JSON media type, carried as text or bytes",
            Self::DerivedName => "operation without operationId, named from method and path",
        }
    }
}

impl Warning {
    /// What this warning is about.
    pub fn kind(&self) -> WarningKind {
        let m = self.message.as_str();
        if m.contains("which is not supported yet")
            || m.contains("is not supported (only CoboAuth")
            || m.contains("has no supported security alternative")
            || m.contains("the crate has no OrgClient")
        {
            WarningKind::UnsupportedAuth
        } else if m.contains("typed as serde_json::Value") {
            WarningKind::Untyped
        } else if m.starts_with("no success (2XX) response") {
            WarningKind::NoSuccessResponse
        } else if m.contains(", not typed") && m.contains("media type `") {
            WarningKind::RawBody
        } else if m.contains("has no operationId: named `") {
            WarningKind::DerivedName
        } else if m.starts_with("`null` in an enum") {
            WarningKind::NullInEnum
        } else if m.contains("is required but has no property") {
            WarningKind::RequiredWithoutProperty
        } else if m.starts_with("mapping target ") {
            WarningKind::MappingTypo
        } else if m.contains("beside `$ref` is ignored") {
            WarningKind::RefSibling
        } else if m.contains("is a method of the runtime's `Client`") {
            WarningKind::ReservedName
        } else if m.starts_with("enum value named like the catch-all") {
            WarningKind::CatchAllName
        } else {
            WarningKind::Other
        }
    }
}
