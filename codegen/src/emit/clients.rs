//! `client.rs`: the crate's `Client` and `OrgClient`, thin wrappers of the runtime's clients of
//! the same names. Rust lets only the crate that defines a type add methods to it, so the
//! operations' methods (`operations.rs`) need types of this crate; everything else (signing,
//! sending, the token, `raw_call`) is the runtime's, reached through `Deref`.

use crate::runtime::LIB;

/// The text of `client.rs` (without the file header), laid out as rustfmt lays it out.
pub(crate) fn client_rs() -> String {
    CLIENT_RS.replace("{runtime}", LIB)
}

const CLIENT_RS: &str = r#"//! The API's clients: [`Client`] signs every request with the app's key; [`OrgClient`] also
//! carries an organization's Org Access Token. Each wraps the runtime's client of the same name,
//! whose methods it has too (through `Deref`), and adds one method per operation.

use std::fmt;
use std::ops::Deref;

use crate::{ApiSecret, ClientBuilder, TokenManager};

/// A client for the API. Cheap to clone; clones share the connection pool.
///
/// Made by [`Client::builder`]; the runtime's methods (`api_key`, `base_url`, `raw_call`, …)
/// are reached through `Deref`, the operations are this type's own methods.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: {runtime}::Client,
}

impl Client {
    /// Starts configuring a client that signs with `secret`.
    pub fn builder(secret: ApiSecret) -> ClientBuilder<Self> {
        ClientBuilder::new(secret)
    }

    /// This client acting for the organization whose token `tokens` keeps.
    pub fn org(&self, tokens: &TokenManager) -> OrgClient {
        OrgClient {
            client: self.clone(),
            inner: self.inner.org(tokens),
        }
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

impl Deref for Client {
    type Target = {runtime}::Client;

    fn deref(&self) -> &Self::Target {
        &self.inner
    }
}

impl AsRef<{runtime}::Client> for Client {
    fn as_ref(&self) -> &{runtime}::Client {
        &self.inner
    }
}

impl From<{runtime}::Client> for Client {
    fn from(inner: {runtime}::Client) -> Self {
        Self { inner }
    }
}

impl From<Client> for {runtime}::Client {
    fn from(client: Client) -> Self {
        client.inner
    }
}

/// A [`Client`] acting for one organization (Cobo OAuth, for Portal Apps): every request is
/// signed with the app's key and carries `Authorization: Bearer` with the organization's Org
/// Access Token, which its [`TokenManager`] keeps valid. Made by [`Client::org`]; cheap to clone.
#[derive(Clone)]
pub struct OrgClient {
    client: Client,
    pub(crate) inner: {runtime}::OrgClient,
}

impl OrgClient {
    /// The app's client, for operations made without an Org Access Token.
    pub fn client(&self) -> &Client {
        &self.client
    }
}

impl fmt::Debug for OrgClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

impl Deref for OrgClient {
    type Target = {runtime}::OrgClient;

    fn deref(&self) -> &Self::Target {
        &self.inner
    }
}

impl AsRef<{runtime}::OrgClient> for OrgClient {
    fn as_ref(&self) -> &{runtime}::OrgClient {
        &self.inner
    }
}

impl From<OrgClient> for {runtime}::OrgClient {
    fn from(org: OrgClient) -> Self {
        org.inner
    }
}
"#;
