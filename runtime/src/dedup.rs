//! De-duplication of webhook events by `event_id`: Cobo redelivers events (retries, duplicates),
//! so an app must handle each `event_id` once.
//!
//! An event is claimed before its handler runs and marked handled only after the handler
//! succeeded; a failed handler releases the claim so Cobo's next retry runs it again.

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

/// Where handled `event_id`s are kept. Implementations over a database share them between
/// processes; [`MemoryDedup`] keeps them in one process.
pub trait EventDedup: Send + Sync {
    /// The store's error.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Claims `event_id` for handling. A claim not completed or released within the store's
    /// lease (a crashed handler) is given to the next delivery.
    fn claim(&self, event_id: &str) -> impl Future<Output = Result<Seen, Self::Error>> + Send;

    /// Marks a claimed `event_id` handled: later deliveries get [`Seen::Handled`].
    fn complete(&self, event_id: &str) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Gives a claim back after a failed handler: the next delivery gets [`Seen::First`].
    fn release(&self, event_id: &str) -> impl Future<Output = Result<(), Self::Error>> + Send;
}

/// In-memory [`EventDedup`], bounded in size and time: an `event_id` is remembered for `ttl`
/// after its first claim, and at most `capacity` are kept (the oldest are forgotten first).
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

#[derive(Debug, Clone, Copy)]
struct Entry {
    claimed: Instant,
    handled: bool,
}

impl Default for MemoryDedup {
    /// 100 000 events for 24 hours, a 60 s lease.
    fn default() -> Self {
        Self::new(100_000, Duration::from_secs(24 * 3600))
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

    fn claim_now(&self, event_id: &str, now: Instant) -> Seen {
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

    async fn claim(&self, event_id: &str) -> Result<Seen, Infallible> {
        Ok(self.claim_now(event_id, Instant::now()))
    }

    async fn complete(&self, event_id: &str) -> Result<(), Infallible> {
        if let Some(entry) = self.lock().entries.get_mut(event_id) {
            entry.handled = true;
        }
        Ok(())
    }

    async fn release(&self, event_id: &str) -> Result<(), Infallible> {
        let mut inner = self.lock();
        if inner.entries.get(event_id).is_some_and(|e| !e.handled) {
            inner.entries.remove(event_id);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_once_then_reports_in_progress_then_handled() {
        let dedup = MemoryDedup::default();
        let now = Instant::now();
        assert_eq!(dedup.claim_now("a", now), Seen::First);
        assert_eq!(dedup.claim_now("a", now), Seen::InProgress);
        dedup.lock().entries.get_mut("a").unwrap().handled = true;
        assert_eq!(dedup.claim_now("a", now), Seen::Handled);
        assert_eq!(dedup.claim_now("b", now), Seen::First);
    }

    #[test]
    fn an_expired_lease_is_claimed_again() {
        let dedup = MemoryDedup::default().lease(Duration::from_secs(1));
        let now = Instant::now();
        assert_eq!(dedup.claim_now("a", now), Seen::First);
        let later = now + Duration::from_secs(2);
        assert_eq!(dedup.claim_now("a", later), Seen::First);
        assert_eq!(dedup.claim_now("a", later), Seen::InProgress);
    }

    #[test]
    fn bounded_by_capacity_and_ttl() {
        let dedup = MemoryDedup::new(3, Duration::from_secs(10));
        let now = Instant::now();
        for id in ["a", "b", "c", "d"] {
            assert_eq!(dedup.claim_now(id, now), Seen::First);
        }
        assert_eq!(dedup.len(), 3);
        assert!(!dedup.lock().entries.contains_key("a"), "oldest forgotten");
        let later = now + Duration::from_secs(11);
        assert_eq!(dedup.claim_now("e", later), Seen::First);
        assert_eq!(dedup.len(), 1, "expired entries forgotten");
    }

    #[test]
    fn released_queue_entries_do_not_grow_without_bound() {
        let dedup = MemoryDedup::new(2, Duration::from_secs(10));
        let now = Instant::now();
        assert_eq!(dedup.claim_now("kept", now), Seen::First);
        for i in 0..100u64 {
            let at = now + Duration::from_millis(i);
            assert_eq!(dedup.claim_now("a", at), Seen::First);
            dedup.lock().entries.remove("a");
        }
        assert!(dedup.lock().order.len() <= 4);
        assert_eq!(dedup.claim_now("kept", now), Seen::InProgress);
    }
}
