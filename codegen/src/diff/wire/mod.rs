//! The wire comparison: a walk over two loaded specs listing what changed for clients on the
//! wire, in any language, by rule (after oasdiff's and Optic's conventions). Operations are
//! matched by method and path (parameter names in the path ignored), parameters by `in` and name,
//! properties by name. A change inside a shared component schema is reported once, with every
//! operation that reaches it. What a change does to the generated Rust API is not decided here.
//!
//! One module per subject: [`operations`] (added, removed, deprecated, renamed), [`parameters`],
//! [`bodies`] (request bodies and media types), [`responses`] (statuses), [`schemas`] (types,
//! enums, properties; the only `$ref` following), [`security`], [`servers`], [`docs`].

mod bodies;
mod docs;
mod operations;
mod parameters;
mod responses;
mod schemas;
mod security;
mod servers;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use openapiv3::OpenAPI;

use super::rules::{Level, Rule};
use crate::error::Error;
use crate::load::{Document, RefSiblings};

/// One change on the wire, before its lines and Rust level are known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Found {
    pub rule: Rule,
    pub wire: Level,
    pub old_pointer: Option<String>,
    pub new_pointer: Option<String>,
    pub operations: BTreeSet<String>,
    pub message: String,
}

/// Which way data flows through a schema: it decides which rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Dir {
    Request,
    Response,
}

/// Which document something comes from (errors name it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Old,
    New,
}

/// Where a schema sits: it picks the rule for a type change and enables property-only checks.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Place {
    /// The schema of a parameter.
    Parameter,
    /// A body, an array item or a composition branch.
    Value,
    /// An object property.
    Property,
}

/// A change's identity: the same change reached from several operations is reported once.
type Key = (Rule, Option<String>, Option<String>);

/// Two schemas compared in one direction at one kind of place, by pointer: place-specific
/// checks (nullable properties) must run once per kind of place.
type Pair = (String, String, Dir, Place);

/// A shared schema pair being walked and the changes found under it so far.
struct Frame {
    pair: Pair,
    keys: Vec<Key>,
    /// False when a cycle cut the walk short, so `keys` may be incomplete.
    complete: bool,
}

/// One loaded spec: the document and the same as JSON.
pub(crate) struct Loaded {
    pub document: Document,
    pub json: serde_json::Value,
}

/// The state of one comparison.
pub(crate) struct Walk<'a> {
    old: &'a OpenAPI,
    new: &'a OpenAPI,
    /// The keys written beside `$ref`s (a property's `description`), which `OpenAPI` drops.
    old_siblings: &'a RefSiblings,
    new_siblings: &'a RefSiblings,
    old_json: &'a serde_json::Value,
    new_json: &'a serde_json::Value,
    found: BTreeMap<Key, Found>,
    /// The operation being walked, e.g. `POST /oauth/token`; empty outside operations.
    op: String,
    /// Schema pairs already compared for this operation (cuts cycles and repeats).
    seen: HashSet<Pair>,
    /// The changes found under each fully walked pair of shared schemas.
    memo: HashMap<Pair, Vec<Key>>,
    /// The shared schema pairs being walked, innermost last.
    stack: Vec<Frame>,
    pub errors: Vec<(Side, Error)>,
}

impl<'a> Walk<'a> {
    pub fn new(old: &'a Loaded, new: &'a Loaded) -> Self {
        Self {
            old: &old.document.api,
            new: &new.document.api,
            old_siblings: &old.document.ref_siblings,
            new_siblings: &new.document.ref_siblings,
            old_json: &old.json,
            new_json: &new.json,
            found: BTreeMap::new(),
            op: String::new(),
            seen: HashSet::new(),
            memo: HashMap::new(),
            stack: Vec::new(),
            errors: Vec::new(),
        }
    }

    /// Runs the comparison and returns the changes in a stable order (worst on the wire first,
    /// then by rule id, operations and pointers), and the errors of either document.
    pub fn run(mut self) -> (Vec<Found>, Vec<(Side, Error)>) {
        self.servers();
        self.operations();
        self.op.clear();
        self.security_schemes();
        self.documentation();
        let mut found: Vec<Found> = self.found.into_values().collect();
        found.sort_by(|a, b| {
            (
                b.wire,
                a.rule.id(),
                &a.operations,
                &a.new_pointer,
                &a.old_pointer,
            )
                .cmp(&(
                    a.wire,
                    b.rule.id(),
                    &b.operations,
                    &b.new_pointer,
                    &b.old_pointer,
                ))
        });
        (found, self.errors)
    }

    /// Records a change at its rule's wire level.
    fn add(
        &mut self,
        rule: Rule,
        old_pointer: Option<&str>,
        new_pointer: Option<&str>,
        message: String,
    ) {
        self.add_at(rule, rule.wire_level(), old_pointer, new_pointer, message);
    }

    /// Records a change at an explicit wire level (a rule whose level depends on the change).
    fn add_at(
        &mut self,
        rule: Rule,
        wire: Level,
        old_pointer: Option<&str>,
        new_pointer: Option<&str>,
        message: String,
    ) {
        let key = (
            rule,
            old_pointer.map(str::to_owned),
            new_pointer.map(str::to_owned),
        );
        let op = self.op.clone();
        if let Some(top) = self.stack.last_mut() {
            top.keys.push(key.clone());
        }
        let entry = self.found.entry(key).or_insert_with(|| Found {
            rule,
            wire,
            old_pointer: old_pointer.map(str::to_owned),
            new_pointer: new_pointer.map(str::to_owned),
            operations: BTreeSet::new(),
            message,
        });
        if !op.is_empty() {
            entry.operations.insert(op);
        }
    }

    fn api(&self, side: Side) -> &'a OpenAPI {
        match side {
            Side::Old => self.old,
            Side::New => self.new,
        }
    }

    /// Starts an operation: changes found from now on name it.
    fn enter(&mut self, method: &str, new_path: &str) {
        self.op = format!("{method} {new_path}");
        self.seen.clear();
    }

    /// A value the resolver found, or `None` with its error recorded.
    fn found_or_error<T>(
        &mut self,
        side: Side,
        found: Result<crate::resolve::Found<'a, T>, Error>,
    ) -> Option<(&'a T, String)> {
        match found {
            Ok(found) => Some((found.value, found.pointer)),
            Err(e) => {
                self.errors.push((side, e));
                None
            }
        }
    }

    /// True when a pair of shared schemas needs no walk: it was fully walked before (its changes
    /// are added to this operation and to the enclosing pair), or it is being walked already (a
    /// cycle, or a repeat within this operation).
    fn already_walked(&mut self, pair: &Pair) -> bool {
        if let Some(keys) = self.memo.get(pair) {
            let keys = keys.clone();
            for key in &keys {
                if let Some(found) = self.found.get_mut(key) {
                    found.operations.insert(self.op.clone());
                }
            }
            if let Some(top) = self.stack.last_mut() {
                top.keys.extend(keys);
            }
            return true;
        }
        if self.seen.contains(pair) {
            // A cycle (or a pair already walked for this operation): frames above it may miss
            // changes found outside them, so they are not memoized.
            let from = self
                .stack
                .iter()
                .position(|f| &f.pair == pair)
                .map_or(0, |i| i + 1);
            for frame in &mut self.stack[from..] {
                frame.complete = false;
            }
            return true;
        }
        false
    }

    /// Starts walking a pair of shared schemas: the changes found until [`Walk::close_pair`]
    /// are remembered under it.
    fn open_pair(&mut self, pair: Pair) {
        self.seen.insert(pair.clone());
        self.stack.push(Frame {
            pair,
            keys: Vec::new(),
            complete: true,
        });
    }

    /// Ends the innermost pair: its changes count for the enclosing pair too, and are memoized
    /// unless a cycle cut its walk short.
    fn close_pair(&mut self) {
        if let Some(frame) = self.stack.pop() {
            if let Some(parent) = self.stack.last_mut() {
                parent.keys.extend(frame.keys.iter().cloned());
            }
            if frame.complete {
                self.memo.insert(frame.pair, frame.keys);
            }
        }
    }
}

/// Items for a message: `` `a`, `b` ``, or `(none)`.
fn list<S: AsRef<str>>(items: &[S]) -> String {
    if items.is_empty() {
        return "(none)".to_owned();
    }
    items
        .iter()
        .map(|s| format!("`{}`", s.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}
