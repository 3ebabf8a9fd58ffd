//! The runtime of the Cobo WaaS 2.0 clients that `cobo-codegen` generates: everything a client
//! does that its OpenAPI spec does not describe.
//!
//! A generated crate (such as `cobo-waas2`) holds the spec's models and operations and
//! re-exports this crate's public items, so apps name them through the generated crate
//! (`cobo_waas2::TokenManager`). This crate is versioned on its own: a fix to signing, token
//! rotation or webhook verification reaches every generated crate with `cargo update`.
//!
//! - **Calls and signing** ([`Client`], [`ClientBuilder`], [`ApiSecret`]): every request signed
//!   with Ed25519 as Cobo's official SDKs sign it (CoboAuth), every success response's
//!   signature verified ([`ResponseVerification`]), typed [`Error`]s that keep the status,
//!   headers and raw body.
//! - **Org Access Tokens** for Portal Apps ([`TokenManager`], [`TokenStore`], [`Organizations`],
//!   [`OrgClient`]): refreshed ahead of expiry, once across callers and processes, the rotated
//!   Refresh Token saved before anyone uses it. Stores: [`MemoryStore`], `FileStore` (Unix),
//!   `SqliteStore` (feature `sqlite`), `PostgresStore` (feature `postgres`).
//! - **Paging and retries** ([`paging`], [`RetryPolicy`]).
//! - **Webhooks and callbacks** ([`WebhookVerifier`], [`WebhookReceiver`], [`EventDedup`]; the
//!   axum receiver behind feature `axum`).
//! - **Tests** (feature `test-util`): `test_util::FakeCobo`, a fake Cobo server on 127.0.0.1
//!   that checks signatures and Bearer tokens, issues and rotates token pairs and signs its
//!   answers.
//!
//! What generated code needs and apps must not use lives in `__private`, hidden and outside
//! this crate's semver promise.
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod auth;
mod call;
mod client;
mod error;
mod json;
mod oauth;
pub mod paging;
mod retry;

mod org;
mod store;
#[cfg(all(feature = "sqlite", unix))]
mod store_files;
#[cfg(feature = "postgres")]
mod store_postgres;
#[cfg(feature = "sqlite")]
mod store_sqlite;
#[cfg(feature = "postgres")]
mod store_tls;
mod token;
mod token_orgs;

mod dedup;
mod receiver;
mod webhook;
#[cfg(feature = "axum")]
mod webhook_axum;

mod install;
#[cfg(feature = "portal")]
mod portal;

#[cfg(feature = "test-util")]
pub mod test_util;

pub use auth::{ApiSecret, InvalidKey, Redacted, ResponseKey, SignatureError, string_to_sign};
pub use client::{
    BuildError, Client, ClientBuilder, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT, Environment,
    FilePart, ResponseVerification,
};
#[doc(hidden)]
pub use error::DisplayFields;
pub use error::{DecodeError, Error, RawResponse, ResponseValue};
pub use oauth::{OAuthError, TokenEndpointError};
pub use paging::{Page, Pages, Paginator};
/// The `reqwest` this crate is built with, for [`ClientBuilder::http_client`] without a second
/// copy of `reqwest` in the build.
pub use reqwest;
pub use reqwest::Method;
pub use reqwest::StatusCode;
pub use reqwest::header::HeaderMap;
pub use retry::{RetryPolicy, new_request_id, retry_writes};

// Portal Apps: Org Access Tokens, their stores, calls on an organization's behalf.
pub use org::{OrgClient, TOKEN_EXPIRED_ERROR_CODE};
#[cfg(unix)]
pub use store::FileStore;
pub use store::{MemoryStore, StoreError, StoreLock, TokenPair, TokenStore};
#[cfg(feature = "postgres")]
pub use store_postgres::{PostgresStore, PostgresStores};
#[cfg(feature = "sqlite")]
pub use store_sqlite::{SqliteStore, SqliteStores};
pub use token::{
    AccessToken, DEFAULT_INVALID_GRANT_GRACE, DEFAULT_LOCK_WAIT, DEFAULT_REFRESH_MARGIN,
    DEFAULT_STORE_TIMEOUT, TokenError, TokenManager, TokenManagerBuilder,
};
pub use token_orgs::{MemoryStores, Organizations, TokenStores};

// Receiving webhooks and callbacks.
pub use dedup::{ClaimToken, DEFAULT_MEMORY_TTL, EventDedup, MemoryDedup, Seen};
pub use receiver::{
    CallbackDecision, Delivery, Reply, TtlTooShort, UNDECODED_CAPACITY, UndecodedDelivery,
    WebhookReceiver,
};
pub use webhook::{
    DEFAULT_MAX_AGE, DEFAULT_MAX_WEBHOOK_BYTES, InstallApproval, InstallCallback,
    InstallCallbackError, MAX_CLOCK_SKEW, SignedDelivery, WebhookError, WebhookSigner,
    WebhookVerifier,
};
#[cfg(feature = "axum")]
pub use webhook_axum::read_body;

// Portal Apps: the install callback and Portal sessions.
pub use install::{InstallOutcome, NotInstalled};
#[cfg(feature = "portal")]
pub use portal::{
    DEFAULT_JWKS_REFRESH_INTERVAL, DEFAULT_PORTAL_LEEWAY, PortalConfigError, PortalError,
    PortalUser, PortalVerifier, jwks_url,
};

/// What generated code calls and apps must not: not covered by this crate's semver promise.
/// Generated crates reach it through their own `crate::__private` re-export.
#[doc(hidden)]
pub mod __private {
    pub use crate::call::{Sender, Sent};
    pub use crate::client::{Auth, Multipart, Query, Request, encode_path};
    pub use crate::error::RawResponse;
    pub use crate::paging::{Cursor, Page, Paginator};
    pub use reqwest;
    pub use serde;
    pub use serde_json;

    /// The generated models' JSON impls (see the crate's `json` module).
    pub mod json {
        pub use crate::json::{Key, nullable, optional, required, skip, take};
        pub use crate::{
            __json_int_enum as int_enum, __json_object as object,
            __json_string_enum as string_enum, __json_tagged as tagged,
        };
    }
}
