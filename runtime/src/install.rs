//! The Portal App install callback, acted on: [`Organizations::install_callback`] authorizes a
//! newly installed organization once across replicas; [`Organizations::org`] refuses
//! organizations that have not installed the app.

use std::fmt;

use crate::store::StoreError;
use crate::token::TokenError;
use crate::token_orgs::{Organizations, TokenStores};
use crate::webhook::{InstallApproval, InstallCallback};

/// What [`Organizations::install_callback`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum InstallOutcome {
    /// `approval_result=1`: `get_token` was called and the pair saved.
    Authorized,
    /// `approval_result=1` for an organization whose pair is stored already (a repeated
    /// callback, or another replica's): nothing was called.
    AlreadyAuthorized,
    /// `approval_result=2`: the settings changed; a new pair was read with `get_token`.
    TokenReread,
    /// Another `approval_result`: logged, nothing done.
    Ignored(u32),
}

/// Why [`Organizations::org`] gave no client.
#[derive(Debug)]
#[non_exhaustive]
pub enum NotInstalled {
    /// The store holds no pair for the organization: it has not installed the app (or the
    /// install callback has not been handled yet).
    Unknown {
        /// The organization asked for.
        org_id: String,
    },
    /// The store could not be read.
    Store(StoreError),
}

impl fmt::Display for NotInstalled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unknown { org_id } => {
                write!(f, "organization {org_id} has not installed the app")
            }
            Self::Store(e) => write!(f, "the token store could not be read: {e}"),
        }
    }
}

impl std::error::Error for NotInstalled {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Unknown { .. } => None,
            Self::Store(e) => Some(e),
        }
    }
}

impl<S: TokenStores> Organizations<S> {
    /// Acts on an install callback: `approval_result=1` authorizes the organization once
    /// ([`TokenManager::authorize_once`](crate::TokenManager::authorize_once): a repeat, here or
    /// on another replica sharing the store, is a no-op); `2` reads a new pair with `get_token`;
    /// anything else is logged and ignored.
    ///
    /// The callback is unsigned: this only calls `get_token`, which Cobo answers only for an
    /// organization that really authorized the app.
    pub async fn install_callback(
        &self,
        callback: &InstallCallback,
    ) -> Result<InstallOutcome, TokenError> {
        let org_id = callback.org_id.as_str();
        match callback.approval {
            InstallApproval::Installed => {
                let (_, new) = self.manager(org_id).authorize_once().await?;
                tracing::info!(target: "cobo_waas2", %org_id, new, "app installed");
                Ok(if new {
                    InstallOutcome::Authorized
                } else {
                    InstallOutcome::AlreadyAuthorized
                })
            }
            InstallApproval::SettingsUpdated => {
                tracing::info!(target: "cobo_waas2", %org_id, "app settings update approved");
                self.manager(org_id).authorize().await?;
                Ok(InstallOutcome::TokenReread)
            }
            InstallApproval::Unknown(n) => {
                tracing::warn!(target: "cobo_waas2", %org_id, approval_result = n, "install callback ignored");
                Ok(InstallOutcome::Ignored(n))
            }
        }
    }
}
