//! The runtime modules generated crates are built on, copied verbatim from `codegen/templates/`:
//! below the stages, as the model reserves the names they define and `emit` copies them.

/// The runtime modules every generated crate contains: (file name, source).
pub(crate) const RUNTIME: &[(&str, &str)] = &[
    ("auth.rs", include_str!("../templates/auth.rs")),
    ("call.rs", include_str!("../templates/call.rs")),
    ("client.rs", include_str!("../templates/client.rs")),
    ("error.rs", include_str!("../templates/error.rs")),
    ("dedup.rs", include_str!("../templates/dedup.rs")),
    ("receiver.rs", include_str!("../templates/receiver.rs")),
    ("webhook.rs", include_str!("../templates/webhook.rs")),
    (
        "webhook_axum.rs",
        include_str!("../templates/webhook_axum.rs"),
    ),
    ("retry.rs", include_str!("../templates/retry.rs")),
];

/// Cursor paging's runtime, for specs with a cursor-paged operation.
pub(crate) const PAGING_RUNTIME: (&str, &str) =
    ("paging.rs", include_str!("../templates/paging.rs"));

/// The token lifecycle modules, for specs with Cobo's `get_token` and `refresh_token`.
pub(crate) const TOKEN_RUNTIME: &[(&str, &str)] = &[
    ("store.rs", include_str!("../templates/store.rs")),
    ("token.rs", include_str!("../templates/token.rs")),
    ("token_orgs.rs", include_str!("../templates/token_orgs.rs")),
    (
        "store_sqlite.rs",
        include_str!("../templates/store_sqlite.rs"),
    ),
    (
        "store_postgres.rs",
        include_str!("../templates/store_postgres.rs"),
    ),
    ("org.rs", include_str!("../templates/org.rs")),
];

/// How generated types read and write JSON, for specs with a struct, an enum or a union.
pub(crate) const JSON_RUNTIME: (&str, &str) = ("json.rs", include_str!("../templates/json.rs"));

/// The source of every runtime module the generator may copy, whichever `api` needs: the
/// names they define are reserved (`model::reserved`).
pub(crate) fn all_sources() -> impl Iterator<Item = &'static str> {
    RUNTIME
        .iter()
        .chain(TOKEN_RUNTIME)
        .chain([&JSON_RUNTIME, &PAGING_RUNTIME])
        .map(|(_, source)| *source)
}
