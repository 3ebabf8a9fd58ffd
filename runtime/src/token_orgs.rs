//! Many organizations of one app: [`Organizations`] hands out each organization's
//! [`TokenManager`], created on first use and kept, all sharing one [`Client`] (one connection
//! pool) and one [`TokenStores`] database.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, RwLock};

use crate::Client;
use crate::store::{MemoryStore, StoreError, TokenStore};
use crate::token::{AccessToken, TokenError, TokenManager, TokenManagerBuilder};

/// A database of token pairs for many organizations, keyed by client id and org id: it makes
/// each organization's [`TokenStore`], and lists and removes organizations.
pub trait TokenStores: Send + Sync + 'static {
    /// One organization's store.
    type Store: TokenStore;

    /// The store of the organization `org_id` of the app `client_id`; nothing is read yet.
    fn store(&self, client_id: &str, org_id: &str) -> Self::Store;

    /// The organizations of the app `client_id` that have a stored pair, sorted.
    fn organizations(&self, client_id: &str) -> Result<Vec<String>, StoreError>;

    /// Removes an organization's pair (the app was uninstalled); `false` when there was none.
    fn remove(&self, client_id: &str, org_id: &str) -> Result<bool, StoreError>;
}

/// Token pairs in memory, for tests and benchmarks. Not crash-safe; not shared between
/// processes.
#[derive(Debug, Default, Clone)]
pub struct MemoryStores {
    stores: Arc<Mutex<HashMap<OrgKey, Arc<MemoryStore>>>>,
}

/// A client id and an org id.
type OrgKey = (String, String);

impl MemoryStores {
    /// No organizations.
    pub fn new() -> Self {
        Self::default()
    }
}

impl TokenStores for MemoryStores {
    type Store = Arc<MemoryStore>;

    fn store(&self, client_id: &str, org_id: &str) -> Arc<MemoryStore> {
        self.stores
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .entry((client_id.to_owned(), org_id.to_owned()))
            .or_default()
            .clone()
    }

    fn organizations(&self, client_id: &str) -> Result<Vec<String>, StoreError> {
        let stores = self
            .stores
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        let mut orgs = Vec::new();
        for ((client, org), store) in stores.iter() {
            if client == client_id && store.load()?.is_some() {
                orgs.push(org.clone());
            }
        }
        orgs.sort();
        Ok(orgs)
    }

    fn remove(&self, client_id: &str, org_id: &str) -> Result<bool, StoreError> {
        let removed = self
            .stores
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .remove(&(client_id.to_owned(), org_id.to_owned()));
        match removed {
            Some(store) => Ok(store.load()?.is_some()),
            None => Ok(false),
        }
    }
}

type Configure = dyn Fn(TokenManagerBuilder) -> TokenManagerBuilder + Send + Sync;

/// The token managers of every organization that installed the app `client_id`.
///
/// [`manager`](Self::manager) creates an organization's manager on first use and keeps it: all
/// share the one [`Client`] and the one store database. An idle organization costs its manager
/// (a few hundred bytes); [`access_token`](Self::access_token) with a valid token is a map
/// look-up and a copy, with no I/O. Cheap to clone; clones share the managers.
pub struct Organizations<S: TokenStores> {
    inner: Arc<Inner<S>>,
}

impl<S: TokenStores> Clone for Organizations<S> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

struct Inner<S> {
    client: Client,
    client_id: String,
    stores: S,
    configure: Option<Box<Configure>>,
    managers: RwLock<HashMap<String, TokenManager>>,
}

impl<S: TokenStores> fmt::Debug for Organizations<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Organizations")
            .field("client_id", &self.inner.client_id)
            .field("cached", &self.cached())
            .finish_non_exhaustive()
    }
}

impl<S: TokenStores> Organizations<S> {
    /// The organizations of the app `client_id`, their pairs in `stores`.
    pub fn new(client: impl Into<Client>, client_id: impl Into<String>, stores: S) -> Self {
        Self::build(client.into(), client_id.into(), stores, None)
    }

    /// Like [`new`](Self::new), with every manager configured by `configure` (margin, retries,
    /// lock wait) when it is created.
    pub fn with_config(
        client: impl Into<Client>,
        client_id: impl Into<String>,
        stores: S,
        configure: impl Fn(TokenManagerBuilder) -> TokenManagerBuilder + Send + Sync + 'static,
    ) -> Self {
        Self::build(
            client.into(),
            client_id.into(),
            stores,
            Some(Box::new(configure)),
        )
    }

    fn build(
        client: Client,
        client_id: String,
        stores: S,
        configure: Option<Box<Configure>>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                client,
                client_id,
                stores,
                configure,
                managers: RwLock::new(HashMap::new()),
            }),
        }
    }

    /// The organization's manager, created on first use.
    pub fn manager(&self, org_id: &str) -> TokenManager {
        if let Some(manager) = self.managers().get(org_id) {
            return manager.clone();
        }
        let mut managers = self
            .inner
            .managers
            .write()
            .unwrap_or_else(|poison| poison.into_inner());
        managers
            .entry(org_id.to_owned())
            .or_insert_with(|| {
                let store = self.inner.stores.store(&self.inner.client_id, org_id);
                let builder = TokenManager::builder(
                    self.inner.client.clone(),
                    self.inner.client_id.clone(),
                    org_id,
                    store,
                );
                match &self.inner.configure {
                    Some(configure) => configure(builder),
                    None => builder,
                }
                .build()
            })
            .clone()
    }

    /// A valid Org Access Token of the organization (see [`TokenManager::access_token`]).
    pub async fn access_token(&self, org_id: &str) -> Result<AccessToken, TokenError> {
        self.manager(org_id).access_token().await
    }

    /// The organizations with a stored pair, sorted.
    pub fn organizations(&self) -> Result<Vec<String>, StoreError> {
        self.inner.stores.organizations(&self.inner.client_id)
    }

    /// Forgets an organization (the app was uninstalled): its manager and its stored pair.
    /// `false` when no pair was stored. A clone of its manager still held elsewhere keeps the
    /// pair it had in memory.
    pub fn remove(&self, org_id: &str) -> Result<bool, StoreError> {
        self.inner
            .managers
            .write()
            .unwrap_or_else(|poison| poison.into_inner())
            .remove(org_id);
        self.inner.stores.remove(&self.inner.client_id, org_id)
    }

    /// How many managers are kept in memory.
    pub fn cached(&self) -> usize {
        self.managers().len()
    }

    /// The store database.
    pub fn stores(&self) -> &S {
        &self.inner.stores
    }

    /// The organization's [`OrgClient`](crate::OrgClient), if it has installed the app: its
    /// manager holds a pair, or the store does (read only then). An unknown organization gets
    /// no manager.
    pub fn org(&self, org_id: &str) -> Result<crate::OrgClient, crate::NotInstalled> {
        let held = self
            .managers()
            .get(org_id)
            .is_some_and(TokenManager::holds_pair);
        if !held {
            let store = self.inner.stores.store(&self.inner.client_id, org_id);
            if store.load().map_err(crate::NotInstalled::Store)?.is_none() {
                return Err(crate::NotInstalled::Unknown {
                    org_id: org_id.to_owned(),
                });
            }
        }
        Ok(self.inner.client.org(&self.manager(org_id)))
    }

    fn managers(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, TokenManager>> {
        self.inner
            .managers
            .read()
            .unwrap_or_else(|poison| poison.into_inner())
    }
}
