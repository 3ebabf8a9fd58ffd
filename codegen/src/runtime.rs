//! The runtime crate generated code is built on (`cobo-waas2-runtime`, `runtime/` in this
//! workspace): its name, the version generated code requires, and the names it defines, which
//! generated code may not take. Below the stages: the model reserves the names, `emit` writes the
//! dependency. A unit test of `model::reserved` checks the lists against the runtime's sources.

/// The runtime's package name, as a generated manifest depends on it.
pub(crate) const PACKAGE: &str = "cobo-waas2-runtime";

/// Its library name, as generated code names it.
pub(crate) const LIB: &str = "cobo_waas2_runtime";

/// The oldest runtime release the generated code works with, as a Cargo requirement: any later
/// semver-compatible release is picked up by `cargo update`. It is the runtime's version when the
/// generator was released (a test checks it against `runtime/Cargo.toml`).
pub const RUNTIME_VERSION: &str = "0.1.0";

/// Types, traits and aliases the runtime's modules define. Generated models do not take these
/// names, so `cobo_waas2::Error` and a model never read alike.
pub(crate) const TYPES: &[&str] = &[
    "AccessToken",
    "ApiSecret",
    "AsyncReply",
    "Auth",
    "BuildError",
    "CallbackDecision",
    "ClaimToken",
    "Client",
    "ClientBuilder",
    "Configure",
    "Cursor",
    "DecodeError",
    "Delivery",
    "DisplayFields",
    "Entry",
    "Environment",
    "Error",
    "EventDedup",
    "EventId",
    "EventTimes",
    "Failure",
    "Fetch",
    "FileFormat",
    "FilePart",
    "FileStore",
    "Grant",
    "Inner",
    "InstallApproval",
    "InstallCallback",
    "InstallCallbackError",
    "InvalidKey",
    "Key",
    "MemoryDedup",
    "MemoryStore",
    "MemoryStores",
    "Multipart",
    "OAuthError",
    "OrgCall",
    "OrgClient",
    "OrgKey",
    "Organizations",
    "Page",
    "PageFuture",
    "Pages",
    "Paginator",
    "PostgresStore",
    "PostgresStores",
    "Query",
    "RawResponse",
    "Redacted",
    "RefreshBody",
    "Release",
    "Reply",
    "Request",
    "ResponseKey",
    "ResponseValue",
    "ResponseVerification",
    "RetryPolicy",
    "Row",
    "Seen",
    "Sender",
    "Sent",
    "Shared",
    "SignatureError",
    "SignedDelivery",
    "SqliteStore",
    "SqliteStores",
    "State",
    "StoreError",
    "StoreLock",
    "TokenAnswer",
    "TokenEndpointError",
    "TokenError",
    "TokenManager",
    "TokenManagerBuilder",
    "TokenPair",
    "TokenStore",
    "TokenStores",
    "TtlTooShort",
    "UndecodedDelivery",
    "UndecodedSink",
    "Unsaved",
    "WebhookError",
    "WebhookReceiver",
    "WebhookSigner",
    "WebhookVerifier",
    "Worker",
];

/// Methods of the runtime's `Client` and `OrgClient`, which the generated clients reach through
/// `Deref`, of the traits they implement, and of the generated wrappers themselves: an
/// operation's method may not take these names.
pub(crate) const CLIENT_METHODS: &[&str] = &[
    "api_key",
    "base_url",
    "builder",
    "client",
    "clone",
    "clone_from",
    "fmt",
    "next_nonce",
    "org",
    "origin",
    "prepare",
    "prepare_json_request",
    "raw_call",
    "retry_policy",
    "send",
    "send_once",
    "send_org",
    "send_unlogged",
    "send_with",
    "token_manager",
];
