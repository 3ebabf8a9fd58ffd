//! De-duplication of webhook events by `event_id`: Cobo redelivers events (retries, duplicates),
//! so an app must handle each `event_id` once.
//!
//! An event is claimed before its handler runs and marked handled only after the handler
//! succeeded; a failed handler releases the claim so Cobo's next retry runs it again. Each claim
//! carries a [`ClaimToken`]: only the delivery that holds the claim can release it, so a slow
//! delivery whose lease ran out cannot give away the claim another delivery took over.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a claim is held without being completed or released, by default.
pub(crate) const DEFAULT_LEASE: Duration = Duration::from_secs(60);

/// What a store knew of an `event_id` when it was claimed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// Not seen (or released): the caller now holds the claim and must complete or release it.
    First,
    /// Handled already: acknowledge without handling again.
    Handled,
    /// Another delivery holds the claim and has not finished: answer so that Cobo retries later.
    InProgress,
}

/// Who holds a claim: a random 128-bit value made per delivery. Its `Debug` shows it, as it
/// grants nothing outside the de-duplication store.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClaimToken(String);

impl ClaimToken {
    /// A new random token.
    pub fn new() -> Self {
        let mut bytes = [0u8; 16];
        if getrandom::getrandom(&mut bytes).is_err() {
            bytes[..8].copy_from_slice(&crate::retry::random().to_le_bytes());
            bytes[8..].copy_from_slice(&crate::retry::random().to_le_bytes());
        }
        Self(hex::encode(bytes))
    }

    /// The token as stored (32 hex digits).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for ClaimToken {
    fn default() -> Self {
        Self::new()
    }
}

/// Where handled `event_id`s are kept. Implementations over a database share them between
/// processes; [`MemoryDedup`] keeps them in one process.
pub trait EventDedup: Send + Sync {
    /// The store's error.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Claims `event_id` for handling on behalf of `owner`. A claim not completed or released
    /// within the store's lease (a crashed handler) is given to the next delivery.
    fn claim(
        &self,
        event_id: &str,
        owner: &ClaimToken,
    ) -> impl Future<Output = Result<Seen, Self::Error>> + Send;

    /// Marks `event_id` handled, even if `owner`'s lease ran out meanwhile (the handler did
    /// run): later deliveries get [`Seen::Handled`].
    fn complete(
        &self,
        event_id: &str,
        owner: &ClaimToken,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Gives `owner`'s claim back after a failed handler: the next delivery gets
    /// [`Seen::First`]. A claim another delivery holds now is left alone.
    fn release(
        &self,
        event_id: &str,
        owner: &ClaimToken,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// How long an event is remembered after its claim. A
    /// [`WebhookReceiver`](crate::WebhookReceiver) refuses a store that forgets events before
    /// the verifier's timestamp window closes: a replay would be handled again.
    fn ttl(&self) -> Duration;
}

/// In-memory [`EventDedup`], bounded in size and time: an `event_id` is remembered for `ttl`
/// after its first claim, and at most `capacity` are kept (the oldest are forgotten first).
///
/// It forgets everything when the process ends, and the oldest events when full: a replay
/// inside the verifier's window after either is handled again. For exactly-once across
/// restarts and replicas use a database store (`SqliteStores`, `PostgresStores`).
#[derive(Debug)]
pub struct MemoryDedup {
    capacity: usize,
    ttl: Duration,
    lease: Duration,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    entries: HashMap<String, Entry>,
    /// Claims in the order they were made, to forget the oldest.
    order: VecDeque<(Instant, String)>,
}

#[derive(Debug, Clone)]
struct Entry {
    claimed: Instant,
    handled: bool,
    owner: ClaimToken,
}

/// [`MemoryDedup`]'s default TTL: 48 hours, longer than the verifier's default timestamp window
/// ([`DEFAULT_MAX_AGE`](crate::webhook::DEFAULT_MAX_AGE) and its clock skew).
pub const DEFAULT_MEMORY_TTL: Duration = Duration::from_secs(48 * 3600);

impl Default for MemoryDedup {
    /// 100 000 events for 48 hours, a 60 s lease.
    fn default() -> Self {
        Self::new(100_000, DEFAULT_MEMORY_TTL)
    }
}

impl MemoryDedup {
    /// Remembers up to `capacity` events (at least 1) for `ttl` each.
    pub fn new(capacity: usize, ttl: Duration) -> Self {
        Self {
            capacity: capacity.max(1),
            ttl,
            lease: DEFAULT_LEASE,
            inner: Mutex::default(),
        }
    }

    /// How long a claim stays held without being completed or released (60 s by default).
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// How many events are remembered now.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether no event is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // The map stays consistent even if a holder panicked: every update is one statement.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn claim_now(&self, event_id: &str, owner: &ClaimToken, now: Instant) -> Seen {
        let mut inner = self.lock();
        self.forget_old(&mut inner, now);
        match inner.entries.get(event_id) {
            Some(e) if e.handled => return Seen::Handled,
            Some(e) if now.duration_since(e.claimed) < self.lease => return Seen::InProgress,
            _ => {}
        }
        let entry = Entry {
            claimed: now,
            handled: false,
            owner: owner.clone(),
        };
        inner.entries.insert(event_id.to_owned(), entry);
        inner.order.push_back((now, event_id.to_owned()));
        self.forget_old(&mut inner, now);
        Seen::First
    }

    /// Forgets claims older than the TTL and the oldest beyond capacity. Queue entries of claims
    /// since released or re-claimed are dropped, so the queue stays within twice the capacity.
    fn forget_old(&self, inner: &mut Inner, now: Instant) {
        while let Some((claimed, id)) = inner.order.front() {
            let current = inner.entries.get(id).is_some_and(|e| e.claimed == *claimed);
            if current {
                let expired = now.duration_since(*claimed) > self.ttl;
                if !expired && inner.entries.len() <= self.capacity {
                    break;
                }
                let id = id.clone();
                inner.entries.remove(&id);
            }
            inner.order.pop_front();
        }
        if inner.order.len() > 2 * self.capacity {
            let Inner { entries, order } = inner;
            order.retain(|(claimed, id)| entries.get(id).is_some_and(|e| e.claimed == *claimed));
        }
    }
}

impl EventDedup for MemoryDedup {
    type Error = Infallible;

    async fn claim(&self, event_id: &str, owner: &ClaimToken) -> Result<Seen, Infallible> {
        Ok(self.claim_now(event_id, owner, Instant::now()))
    }

    async fn complete(&self, event_id: &str, owner: &ClaimToken) -> Result<(), Infallible> {
        let now = Instant::now();
        let mut inner = self.lock();
        match inner.entries.get_mut(event_id) {
            Some(entry) => entry.handled = true,
            // Forgotten meanwhile (capacity): remembered again as handled.
            None => {
                let entry = Entry {
                    claimed: now,
                    handled: true,
                    owner: owner.clone(),
                };
                inner.entries.insert(event_id.to_owned(), entry);
                inner.order.push_back((now, event_id.to_owned()));
                self.forget_old(&mut inner, now);
            }
        }
        Ok(())
    }

    async fn release(&self, event_id: &str, owner: &ClaimToken) -> Result<(), Infallible> {
        let mut inner = self.lock();
        if inner
            .entries
            .get(event_id)
            .is_some_and(|e| !e.handled && e.owner == *owner)
        {
            inner.entries.remove(event_id);
        }
        Ok(())
    }

    fn ttl(&self) -> Duration {
        self.ttl
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(dedup: &MemoryDedup, id: &str, now: Instant) -> Seen {
        dedup.claim_now(id, &ClaimToken::new(), now)
    }

    #[test]
    fn claims_once_then_reports_in_progress_then_handled() {
        let dedup = MemoryDedup::default();
        let now = Instant::now();
        assert_eq!(claim(&dedup, "a", now), Seen::First);
        assert_eq!(claim(&dedup, "a", now), Seen::InProgress);
        dedup.lock().entries.get_mut("a").unwrap().handled = true;
        assert_eq!(claim(&dedup, "a", now), Seen::Handled);
        assert_eq!(claim(&dedup, "b", now), Seen::First);
    }

    #[test]
    fn only_the_owner_releases_a_claim() {
        let dedup = MemoryDedup::default().lease(Duration::from_secs(1));
        let (slow, fresh) = (ClaimToken::new(), ClaimToken::new());
        let now = Instant::now();
        assert_eq!(dedup.claim_now("a", &slow, now), Seen::First);
        let later = now + Duration::from_secs(2);
        assert_eq!(dedup.claim_now("a", &fresh, later), Seen::First);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(dedup.release("a", &slow)).unwrap();
        assert_eq!(
            claim(&dedup, "a", later),
            Seen::InProgress,
            "the slow delivery's release left the fresh claim alone"
        );
        runtime.block_on(dedup.release("a", &fresh)).unwrap();
        assert_eq!(claim(&dedup, "a", later), Seen::First);
    }

    #[test]
    fn an_expired_lease_is_claimed_again() {
        let dedup = MemoryDedup::default().lease(Duration::from_secs(1));
        let now = Instant::now();
        assert_eq!(claim(&dedup, "a", now), Seen::First);
        let later = now + Duration::from_secs(2);
        assert_eq!(claim(&dedup, "a", later), Seen::First);
        assert_eq!(claim(&dedup, "a", later), Seen::InProgress);
    }

    #[test]
    fn bounded_by_capacity_and_ttl() {
        let dedup = MemoryDedup::new(3, Duration::from_secs(10));
        let now = Instant::now();
        for id in ["a", "b", "c", "d"] {
            assert_eq!(claim(&dedup, id, now), Seen::First);
        }
        assert_eq!(dedup.len(), 3);
        assert!(!dedup.lock().entries.contains_key("a"), "oldest forgotten");
        let later = now + Duration::from_secs(11);
        assert_eq!(claim(&dedup, "e", later), Seen::First);
        assert_eq!(dedup.len(), 1, "expired entries forgotten");
    }

    #[test]
    fn released_queue_entries_do_not_grow_without_bound() {
        let dedup = MemoryDedup::new(2, Duration::from_secs(10));
        let now = Instant::now();
        assert_eq!(claim(&dedup, "kept", now), Seen::First);
        for i in 0..100u64 {
            let at = now + Duration::from_millis(i);
            assert_eq!(claim(&dedup, "a", at), Seen::First);
            dedup.lock().entries.remove("a");
        }
        assert!(dedup.lock().order.len() <= 4);
        assert_eq!(claim(&dedup, "kept", now), Seen::InProgress);
    }
}
