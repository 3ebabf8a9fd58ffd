//! Received webhook events, per organization, in memory.

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::Value;

/// Where an event without an organization goes.
const UNASSIGNED: &str = "_unassigned";

/// Webhook events by organization. In memory: a production app writes them to its database
/// in the handler (the de-duplication store already makes each event handled once).
#[derive(Debug, Default)]
pub struct Events {
    by_org: Mutex<HashMap<String, Vec<Value>>>,
}

impl Events {
    /// Stores an event under its `org_id` (`data.org_id`, else a top-level `org_id`).
    pub fn store(&self, event: Value) {
        let org = event
            .pointer("/data/org_id")
            .or_else(|| event.get("org_id"))
            .and_then(Value::as_str)
            .unwrap_or(UNASSIGNED)
            .to_owned();
        self.lock().entry(org).or_default().push(event);
    }

    /// The organization's events, oldest first.
    pub fn of(&self, org_id: &str) -> Vec<Value> {
        self.lock().get(org_id).cloned().unwrap_or_default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Vec<Value>>> {
        self.by_org.lock().unwrap_or_else(|p| p.into_inner())
    }
}
