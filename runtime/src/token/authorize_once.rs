//! [`TokenManager::authorize_once`]: `get_token` for an organization that just installed the
//! app, once however many replicas receive the install callback (or Cobo repeats it).

use super::{Grant, SAVE_ATTEMPTS, TokenError, TokenManager, oauth, pair_from, release};
use crate::AccessToken;

impl TokenManager {
    /// Like [`authorize`](Self::authorize), unless the store already holds a pair: then that
    /// pair is adopted and `false` returned, and `get_token` is not called. The check and the
    /// `get_token` call happen under the store's lock, so of concurrent callers in any number
    /// of processes sharing the store, one calls `get_token` and the others adopt its pair.
    ///
    /// A pair left from an earlier installation counts as held: remove the organization
    /// ([`Organizations::remove`](crate::Organizations::remove)) when it uninstalls the app.
    pub async fn authorize_once(&self) -> Result<(AccessToken, bool), TokenError> {
        let flight = self.inner.refresh.lock().await;
        if self.state().unsaved.is_some() {
            // A pair waits to be saved and holds the store's lock: authorize as usual.
            drop(flight);
            return self.authorize().await.map(|token| (token, true));
        }
        let lock = self.lock_store().await?;
        if let Some(pair) = self.load().await? {
            release(lock);
            return Ok((self.adopt(pair, None), false));
        }
        let grant = match oauth::get_token(
            &self.inner.client,
            &self.inner.client_id,
            &self.inner.org_id,
        )
        .await
        {
            Ok(response) => Ok(Grant::from(response.into_inner())),
            Err(e) => Grant::lenient(e),
        }
        .map_err(|source| TokenError::Authorize { source })?;
        let (pair, lifetime) = pair_from("get_token", grant, None)?;
        let token = match self
            .save_and_adopt(pair, lifetime, None, Some(lock), SAVE_ATTEMPTS)
            .await?
        {
            Some(token) => token,
            // Another writer saved a pair meanwhile (a lock lost): the newest one wins.
            None => self.adopt_stored().await?,
        };
        self.state().refused = None;
        Ok((token, true))
    }

    /// Whether a pair is held in memory (no I/O): for [`Organizations::org`]'s fast path.
    ///
    /// [`Organizations::org`]: crate::Organizations::org
    pub(crate) fn holds_pair(&self) -> bool {
        self.state().current.is_some()
    }
}
