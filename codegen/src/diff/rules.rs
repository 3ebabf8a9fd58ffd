//! Rule ids and their levels: one table, so the README, the report and the tests agree.

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

macro_rules! rules {
    ($($variant:ident => $id:literal, $wire:ident, $rust:ident, $doc:literal;)*) => {
        /// A kind of change. Its id is stable: scripts and reviewers may match on it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Rule {
            $(#[doc = $doc] $variant,)*
        }

        impl Rule {
            /// Every rule, in the order of the README's table.
            pub const ALL: &'static [Rule] = &[$(Rule::$variant,)*];

            /// The stable id, e.g. `request-property-added-required`.
            pub fn id(self) -> &'static str {
                match self { $(Self::$variant => $id,)* }
            }

            /// The default level for clients on the wire (any language), after oasdiff and Optic.
            pub fn wire_level(self) -> Level {
                match self { $(Self::$variant => Level::$wire,)* }
            }

            /// The default level for code using the generated Rust crate.
            pub fn rust_level(self) -> Level {
                match self { $(Self::$variant => Level::$rust,)* }
            }

            /// One sentence on what the rule detects.
            pub fn description(self) -> &'static str {
                match self { $(Self::$variant => $doc,)* }
            }
        }
    };
}

rules! {
    OperationAdded => "operation-added", NonBreaking, NonBreaking, "An operation was added.";
    OperationRemoved => "operation-removed", Breaking, Breaking, "An operation was removed.";
    OperationDeprecated => "operation-deprecated", NonBreaking, NonBreaking, "An operation became deprecated.";
    OperationIdChanged => "operation-id-changed", NonBreaking, Breaking, "An operation's operationId changed (it names the Rust method).";
    ParameterAddedRequired => "parameter-added-required", Breaking, Breaking, "A required parameter was added.";
    ParameterAddedOptional => "parameter-added-optional", NonBreaking, PotentiallyBreaking, "An optional parameter was added.";
    ParameterRemoved => "parameter-removed", PotentiallyBreaking, Breaking, "A parameter was removed.";
    ParameterMadeRequired => "parameter-made-required", Breaking, Breaking, "An optional parameter became required.";
    ParameterMadeOptional => "parameter-made-optional", NonBreaking, Breaking, "A required parameter became optional.";
    ParameterTypeChanged => "parameter-type-changed", Breaking, Breaking, "A parameter's type or format changed.";
    RequestBodyAdded => "request-body-added", Breaking, Breaking, "A request body was added to an operation.";
    RequestBodyRemoved => "request-body-removed", PotentiallyBreaking, Breaking, "An operation's request body was removed.";
    RequestBodyMadeRequired => "request-body-made-required", Breaking, Breaking, "An optional request body became required.";
    RequestBodyMadeOptional => "request-body-made-optional", NonBreaking, Breaking, "A required request body became optional.";
    MediaTypeRemoved => "media-type-removed", Breaking, PotentiallyBreaking, "A request or response media type was removed.";
    RequestPropertyAddedRequired => "request-property-added-required", Breaking, Breaking, "A required request property was added.";
    RequestPropertyAddedOptional => "request-property-added-optional", NonBreaking, PotentiallyBreaking, "An optional request property was added.";
    RequestPropertyRemoved => "request-property-removed", PotentiallyBreaking, Breaking, "A request property was removed.";
    RequestPropertyMadeRequired => "request-property-made-required", Breaking, Breaking, "An optional request property became required.";
    RequestPropertyMadeOptional => "request-property-made-optional", NonBreaking, Breaking, "A required request property became optional.";
    RequestPropertyTypeChanged => "request-property-type-changed", Breaking, Breaking, "A request schema's type or format changed.";
    RequestEnumValueAdded => "request-enum-value-added", NonBreaking, NonBreaking, "A value was added to a request enum.";
    RequestEnumValueRemoved => "request-enum-value-removed", Breaking, Breaking, "A value was removed from a request enum.";
    RequestEnumConstraintAdded => "request-enum-constraint-added", Breaking, Breaking, "A request string became an enum.";
    RequestEnumConstraintRemoved => "request-enum-constraint-removed", NonBreaking, Breaking, "A request enum became a plain string.";
    ResponsePropertyAdded => "response-property-added", NonBreaking, PotentiallyBreaking, "A response property was added.";
    ResponsePropertyRemoved => "response-property-removed", Breaking, Breaking, "A response property was removed.";
    ResponsePropertyMadeOptional => "response-property-made-optional", Breaking, Breaking, "A required response property became optional.";
    ResponsePropertyMadeRequired => "response-property-made-required", NonBreaking, Breaking, "An optional response property became required.";
    ResponsePropertyMadeNullable => "response-property-made-nullable", Breaking, Breaking, "A response property became nullable.";
    ResponsePropertyTypeChanged => "response-property-type-changed", Breaking, Breaking, "A response schema's type or format changed.";
    ResponseEnumValueAdded => "response-enum-value-added", Breaking, NonBreaking, "A value was added to a response enum.";
    ResponseEnumValueRemoved => "response-enum-value-removed", NonBreaking, Breaking, "A value was removed from a response enum.";
    ResponseEnumConstraintAdded => "response-enum-constraint-added", NonBreaking, Breaking, "A response string became an enum.";
    ResponseEnumConstraintRemoved => "response-enum-constraint-removed", PotentiallyBreaking, Breaking, "A response enum became a plain string.";
    SuccessStatusChanged => "success-status-changed", Breaking, PotentiallyBreaking, "The set of success (2xx) statuses changed.";
    ErrorStatusAdded => "error-status-added", NonBreaking, Breaking, "An error status was documented.";
    ErrorStatusRemoved => "error-status-removed", NonBreaking, Breaking, "A documented error status was removed.";
    SecurityChanged => "security-changed", Breaking, PotentiallyBreaking, "An operation's security requirements changed.";
    ServerUrlChanged => "server-url-changed", PotentiallyBreaking, NonBreaking, "A server URL was added or removed.";
    SecuritySchemeChanged => "security-scheme-changed", Breaking, PotentiallyBreaking, "A security scheme's type, location, name or flows changed.";
    DocumentationChanged => "documentation-changed", Info, Info, "A description, summary, title, example or default changed (the generated doc comments change).";
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
