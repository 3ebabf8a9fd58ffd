//! Rule ids and their levels: one table for the wire rules and one for the kinds of Rust API
//! change, so the README, the report and the tests agree.

use std::fmt;

/// How much a change can hurt existing users. Ordered from harmless to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Only documentation changed (descriptions, summaries, titles, examples, defaults): the
    /// generated doc comments change, nothing else. Never fails `--fail-on`; a patch release at most.
    Info,
    /// Existing clients keep working.
    NonBreaking,
    /// Some clients break, depending on how they use the API.
    PotentiallyBreaking,
    /// Existing clients break.
    Breaking,
}

impl Level {
    /// The stable name used in every output format and by `--fail-on`.
    pub fn id(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::NonBreaking => "non-breaking",
            Self::PotentiallyBreaking => "potentially-breaking",
            Self::Breaking => "breaking",
        }
    }

    /// Parses [`Level::id`].
    pub fn from_id(id: &str) -> Option<Self> {
        [
            Self::Info,
            Self::NonBreaking,
            Self::PotentiallyBreaking,
            Self::Breaking,
        ]
        .into_iter()
        .find(|level| level.id() == id)
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// One table of kinds of change: an enum with a stable kebab-case id, a default level and a
/// one-sentence description per variant, and `ALL` in table order (the README's order).
macro_rules! kinds {
    (
        $(#[$enum_doc:meta])* enum $name:ident;
        $(#[$level_doc:meta])* fn $level_fn:ident;
        $($variant:ident => $id:literal, $level:ident, $doc:literal;)*
    ) => {
        $(#[$enum_doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $(#[doc = $doc] $variant,)*
        }

        impl $name {
            /// Every kind, in the order of the README's table.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The stable id, e.g. `request-property-added-required`.
            pub fn id(self) -> &'static str {
                match self { $(Self::$variant => $id,)* }
            }

            $(#[$level_doc])*
            pub fn $level_fn(self) -> Level {
                match self { $(Self::$variant => Level::$level,)* }
            }

            /// One sentence on what it detects.
            pub fn description(self) -> &'static str {
                match self { $(Self::$variant => $doc,)* }
            }
        }
    };
}

kinds! {
    /// A kind of wire change. Its id is stable: scripts and reviewers may match on it.
    enum Rule;
    /// The default level for clients on the wire (any language), after oasdiff and Optic.
    fn wire_level;
    OperationAdded => "operation-added", NonBreaking, "An operation was added.";
    OperationRemoved => "operation-removed", Breaking, "An operation was removed.";
    OperationDeprecated => "operation-deprecated", NonBreaking, "An operation became deprecated.";
    OperationIdChanged => "operation-id-changed", NonBreaking, "An operation's operationId changed (it names the Rust method).";
    ParameterAddedRequired => "parameter-added-required", Breaking, "A required parameter was added.";
    ParameterAddedOptional => "parameter-added-optional", NonBreaking, "An optional parameter was added.";
    ParameterRemoved => "parameter-removed", PotentiallyBreaking, "A parameter was removed.";
    ParameterMadeRequired => "parameter-made-required", Breaking, "An optional parameter became required.";
    ParameterMadeOptional => "parameter-made-optional", NonBreaking, "A required parameter became optional.";
    ParameterTypeChanged => "parameter-type-changed", Breaking, "A parameter's type or format changed.";
    RequestBodyAdded => "request-body-added", Breaking, "A request body was added to an operation.";
    RequestBodyRemoved => "request-body-removed", PotentiallyBreaking, "An operation's request body was removed.";
    RequestBodyMadeRequired => "request-body-made-required", Breaking, "An optional request body became required.";
    RequestBodyMadeOptional => "request-body-made-optional", NonBreaking, "A required request body became optional.";
    MediaTypeRemoved => "media-type-removed", Breaking, "A request or response media type was removed.";
    RequestPropertyAddedRequired => "request-property-added-required", Breaking, "A required request property was added.";
    RequestPropertyAddedOptional => "request-property-added-optional", NonBreaking, "An optional request property was added.";
    RequestPropertyRemoved => "request-property-removed", PotentiallyBreaking, "A request property was removed.";
    RequestPropertyMadeRequired => "request-property-made-required", Breaking, "An optional request property became required.";
    RequestPropertyMadeOptional => "request-property-made-optional", NonBreaking, "A required request property became optional.";
    RequestPropertyTypeChanged => "request-property-type-changed", Breaking, "A request schema's type or format changed.";
    RequestEnumValueAdded => "request-enum-value-added", NonBreaking, "A value was added to a request enum.";
    RequestEnumValueRemoved => "request-enum-value-removed", Breaking, "A value was removed from a request enum.";
    RequestEnumConstraintAdded => "request-enum-constraint-added", Breaking, "A request string became an enum.";
    RequestEnumConstraintRemoved => "request-enum-constraint-removed", NonBreaking, "A request enum became a plain string.";
    ResponsePropertyAdded => "response-property-added", NonBreaking, "A response property was added.";
    ResponsePropertyRemoved => "response-property-removed", Breaking, "A response property was removed.";
    ResponsePropertyMadeOptional => "response-property-made-optional", Breaking, "A required response property became optional.";
    ResponsePropertyMadeRequired => "response-property-made-required", NonBreaking, "An optional response property became required.";
    ResponsePropertyMadeNullable => "response-property-made-nullable", Breaking, "A response property became nullable.";
    ResponsePropertyTypeChanged => "response-property-type-changed", Breaking, "A response schema's type or format changed.";
    ResponseEnumValueAdded => "response-enum-value-added", Breaking, "A value was added to a response enum.";
    ResponseEnumValueRemoved => "response-enum-value-removed", NonBreaking, "A value was removed from a response enum.";
    ResponseEnumConstraintAdded => "response-enum-constraint-added", NonBreaking, "A response string became an enum.";
    ResponseEnumConstraintRemoved => "response-enum-constraint-removed", PotentiallyBreaking, "A response enum became a plain string.";
    SuccessStatusChanged => "success-status-changed", Breaking, "The set of success (2xx) statuses changed.";
    ErrorStatusAdded => "error-status-added", NonBreaking, "An error status was documented.";
    ErrorStatusRemoved => "error-status-removed", NonBreaking, "A documented error status was removed.";
    SecurityChanged => "security-changed", Breaking, "An operation's security requirements changed.";
    ServerUrlChanged => "server-url-changed", PotentiallyBreaking, "A server URL was added or removed.";
    SecuritySchemeChanged => "security-scheme-changed", Breaking, "A security scheme's type, location, name or flows changed.";
    DocumentationChanged => "documentation-changed", Info, "A description, summary, title, example or default changed (the generated doc comments change).";
}

kinds! {
    /// A kind of change to the generated Rust API, found by comparing the two specs' models.
    /// Its id is stable: scripts and reviewers may match on it.
    enum RustKind;
    /// The default level (the README says which kinds refine it).
    fn level;
    TypeAdded => "type-added", NonBreaking, "A type was added.";
    TypeRemoved => "type-removed", Breaking, "A type was removed.";
    TypeRenamed => "type-renamed", Breaking, "A type generated from the same schema has another name.";
    TypeKindChanged => "type-kind-changed", Breaking, "A type became another kind of item (struct, enum, union, alias).";
    AliasChanged => "alias-changed", Breaking, "A type alias names another type.";
    DefaultLost => "default-lost", Breaking, "A struct no longer derives `Default` (a field became required).";
    DefaultGained => "default-gained", NonBreaking, "A struct now derives `Default` (every field is optional).";
    FieldAdded => "field-added", Breaking, "A struct gained a field (potentially breaking when the struct derives `Default`).";
    FieldRemoved => "field-removed", Breaking, "A struct lost a field.";
    FieldTypeChanged => "field-type-changed", Breaking, "A field's Rust type changed (`Option`, `Box` and `Vec` included).";
    VariantAdded => "variant-added", PotentiallyBreaking, "An enum gained a variant (non-breaking when the enum is `#[non_exhaustive]`).";
    VariantRemoved => "variant-removed", Breaking, "An enum lost a variant.";
    VariantPayloadChanged => "variant-payload-changed", Breaking, "A variant's payload type changed.";
    MethodAdded => "method-added", NonBreaking, "A client method was added.";
    MethodRemoved => "method-removed", Breaking, "A client method was removed.";
    MethodRenamed => "method-renamed", Breaking, "The method of the same operation has another name.";
    MethodDeprecationChanged => "method-deprecation-changed", NonBreaking, "A method became deprecated or no longer is (a warning, not an error).";
    ArgumentAdded => "argument-added", Breaking, "A method gained an argument.";
    ArgumentRemoved => "argument-removed", Breaking, "A method lost an argument.";
    ArgumentTypeChanged => "argument-type-changed", Breaking, "A method argument's type changed.";
    ArgumentsReordered => "arguments-reordered", Breaking, "A method's arguments are in another order.";
    ReturnTypeChanged => "return-type-changed", Breaking, "A method's return type changed.";
    FeatureAdded => "feature-added", NonBreaking, "A crate feature (a tag) was added.";
    FeatureRemoved => "feature-removed", Breaking, "A crate feature (a tag) was removed.";
    FeatureGateChanged => "feature-gate-changed", Breaking, "An item is compiled under other features (non-breaking when only widened or ungated).";
    DocsChanged => "docs-changed", Info, "An item's doc comment changed.";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_kebab_case() {
        let mut ids: Vec<&str> = Rule::ALL.iter().map(|r| r.id()).collect();
        assert!(
            ids.iter()
                .all(|id| id.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
        );
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), Rule::ALL.len());
    }

    #[test]
    fn rust_kind_ids_are_unique_kebab_case_and_apart_from_rule_ids() {
        let mut ids: Vec<&str> = RustKind::ALL.iter().map(|k| k.id()).collect();
        assert!(
            ids.iter()
                .all(|id| id.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
        );
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), RustKind::ALL.len());
        assert!(
            ids.iter()
                .all(|id| Rule::ALL.iter().all(|rule| rule.id() != *id))
        );
    }

    #[test]
    fn levels_round_trip() {
        for level in [
            Level::Info,
            Level::NonBreaking,
            Level::PotentiallyBreaking,
            Level::Breaking,
        ] {
            assert_eq!(Level::from_id(level.id()), Some(level));
        }
        assert_eq!(Level::from_id("minor"), None);
    }
}
