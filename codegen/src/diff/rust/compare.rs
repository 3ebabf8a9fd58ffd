//! Two surfaces compared item by item: what was removed, renamed, added or changed, and how
//! much each change breaks code written against the old crate.
//!
//! Levels follow what such code can contain. "Normal" use builds structs that derive `Default`
//! with `..Default::default()` (others with every field), and matches with a wildcard arm where
//! the enum is `#[non_exhaustive]`; "strict" use also writes exhaustive literals and matches.
//! Breaking: normal use fails to compile. Potentially breaking: only strict use fails.

use std::collections::{BTreeMap, BTreeSet};

use super::RustChange;
use super::method::Method;
use super::surface::{Item, Kind, Surface};
use crate::diff::Level;
use crate::diff::rules::RustKind;

pub(super) fn compare(old: &Surface, new: &Surface) -> Vec<RustChange> {
    let mut walk = Walk {
        old,
        new,
        out: Vec::new(),
    };
    let renames = walk.renames();
    let whole = walk.whole_types(&renames);
    for (path, item) in &old.items {
        if item.parent.as_ref().is_some_and(|p| whole.contains(p)) {
            continue;
        }
        match (new.items.get(path), renames.get(path.as_str())) {
            (Some(after), _) => walk.changed(path, item, after),
            (None, Some(to)) => walk.renamed(path, item, to),
            (None, None) => walk.removed(path, item),
        }
    }
    let targets: BTreeSet<&str> = renames.values().map(String::as_str).collect();
    for (path, item) in &new.items {
        let skip = old.items.contains_key(path)
            || targets.contains(path.as_str())
            || item.parent.as_ref().is_some_and(|p| whole.contains(p));
        if !skip {
            walk.added(path, item);
        }
    }
    walk.out
}

struct Walk<'a> {
    old: &'a Surface,
    new: &'a Surface,
    out: Vec<RustChange>,
}

/// One side of a change: the item (for its spec pointer) and its Rust text.
type Side<'i> = Option<(&'i Item, Option<String>)>;

impl<'a> Walk<'a> {
    /// Old path → new path of items gone from one side and come on the other with the same
    /// rename key (same schema, same operation and client), one on each side.
    fn renames(&self) -> BTreeMap<&'a str, String> {
        let only = |this: &'a Surface, other: &Surface| {
            let mut by_key: BTreeMap<&'a str, Vec<&'a str>> = BTreeMap::new();
            for (path, item) in &this.items {
                if let Some(key) = &item.rename_key
                    && !other.items.contains_key(path)
                {
                    by_key.entry(key).or_default().push(path);
                }
            }
            by_key
        };
        let (gone, come) = (only(self.old, self.new), only(self.new, self.old));
        gone.iter()
            .filter_map(
                |(key, from)| match (from.as_slice(), come.get(key)?.as_slice()) {
                    ([from], [to]) => Some((*from, (*to).to_owned())),
                    _ => None,
                },
            )
            .collect()
    }

    /// Types reported as one change (added, removed, renamed, another kind): their fields and
    /// variants are not reported one by one.
    fn whole_types(&self, renames: &BTreeMap<&str, String>) -> BTreeSet<String> {
        let mut whole = BTreeSet::new();
        for (this, other) in [(self.old, self.new), (self.new, self.old)] {
            for (path, item) in &this.items {
                let Kind::Type { shape, .. } = &item.kind else {
                    continue;
                };
                let same_shape = match other.items.get(path).map(|i| &i.kind) {
                    Some(Kind::Type { shape: other, .. }) => other == shape,
                    _ => false,
                };
                if !same_shape {
                    whole.insert(path.clone());
                }
            }
        }
        whole.extend(renames.keys().map(|p| (*p).to_owned()));
        whole.extend(renames.values().cloned());
        whole
    }

    fn push(
        &mut self,
        kind: RustKind,
        level: Level,
        item: &str,
        old: Side<'_>,
        new: Side<'_>,
        message: String,
    ) {
        self.out.push(RustChange {
            kind,
            level,
            item: item.to_owned(),
            old_pointer: old.as_ref().map(|(i, _)| i.pointer.clone()),
            new_pointer: new.as_ref().map(|(i, _)| i.pointer.clone()),
            old: old.and_then(|(_, text)| text),
            new: new.and_then(|(_, text)| text),
            old_line: None,
            new_line: None,
            message,
        });
    }

    fn removed(&mut self, path: &str, item: &Item) {
        let (kind, message) = match &item.kind {
            Kind::Type { shape, .. } => (
                RustKind::TypeRemoved,
                format!("{shape} `{path}` removed: code naming it breaks"),
            ),
            Kind::Field => (
                RustKind::FieldRemoved,
                format!("field `{path}` removed: code reading or setting it breaks"),
            ),
            Kind::Variant => (
                RustKind::VariantRemoved,
                format!("variant `{path}` removed: code naming it breaks"),
            ),
            Kind::Method(_) => (
                RustKind::MethodRemoved,
                format!("method `{path}` removed: every call breaks"),
            ),
            Kind::Feature | Kind::Crate => (
                RustKind::FeatureRemoved,
                format!("{path} removed: dependents enabling it fail to build"),
            ),
        };
        let old = Some((item, text(item)));
        self.push(kind, kind.level(), path, old, None, message);
    }

    fn renamed(&mut self, path: &str, item: &Item, to: &str) {
        let after = self.new.items.get(to);
        let (kind, what) = match item.kind {
            Kind::Method(_) => (RustKind::MethodRenamed, "every call breaks"),
            _ => (RustKind::TypeRenamed, "code naming it breaks"),
        };
        let message = format!("`{path}` renamed `{to}`: {what}");
        let old = Some((item, Some(path.to_owned())));
        let new = after.map(|i| (i, Some(to.to_owned())));
        self.push(kind, kind.level(), path, old, new, message);
    }

    fn added(&mut self, path: &str, item: &Item) {
        let parent = |surface: &Surface| {
            let parent = item.parent.as_ref()?;
            match &surface.items.get(parent)?.kind {
                Kind::Type {
                    default,
                    non_exhaustive,
                    ..
                } => Some((*default, *non_exhaustive)),
                _ => None,
            }
        };
        let (old_parent, new_parent) = (parent(self.old), parent(self.new));
        let (kind, level, message) = match &item.kind {
            Kind::Type { shape, .. } => (
                RustKind::TypeAdded,
                Level::NonBreaking,
                format!("{shape} `{path}` added"),
            ),
            Kind::Field => field_added(path, item, old_parent, new_parent),
            Kind::Variant => {
                if old_parent.is_some_and(|(_, non_exhaustive)| non_exhaustive) {
                    let message = format!(
                        "variant `{path}` added; the enum is `#[non_exhaustive]`: matches already have a wildcard arm"
                    );
                    (RustKind::VariantAdded, Level::NonBreaking, message)
                } else {
                    let message =
                        format!("variant `{path}` added: exhaustive matches on the enum break");
                    (RustKind::VariantAdded, Level::PotentiallyBreaking, message)
                }
            }
            Kind::Method(_) => (
                RustKind::MethodAdded,
                Level::NonBreaking,
                format!("method `{path}` added"),
            ),
            Kind::Feature | Kind::Crate => (
                RustKind::FeatureAdded,
                Level::NonBreaking,
                format!("{path} added"),
            ),
        };
        self.push(kind, level, path, None, Some((item, text(item))), message);
    }

    fn changed(&mut self, path: &str, before: &Item, after: &Item) {
        match (&before.kind, &after.kind) {
            (Kind::Type { .. }, Kind::Type { .. }) => self.type_changed(path, before, after),
            (Kind::Method(a), Kind::Method(b)) => self.method_changed(path, before, a, after, b),
            _ if before.text != after.text => {
                let (kind, what) = match before.kind {
                    Kind::Field => (RustKind::FieldTypeChanged, "is"),
                    _ => (RustKind::VariantPayloadChanged, "carries"),
                };
                let message = format!(
                    "`{path}` {what} `{}` (was `{}`)",
                    show(&after.text),
                    show(&before.text)
                );
                self.both(kind, kind.level(), path, before, after, message);
            }
            _ => {}
        }
        // A field or variant is compiled with its type: its gate is the type's.
        if before.parent.is_none() {
            self.gate_changed(path, before, after);
        }
        if !self.old.same_docs(&before.docs, self.new, &after.docs) {
            let message = format!("doc comment of `{path}` changed");
            let kind = RustKind::DocsChanged;
            let (old, new) = (Some((before, None)), Some((after, None)));
            self.push(kind, kind.level(), path, old, new, message);
        }
    }

    fn both(
        &mut self,
        kind: RustKind,
        level: Level,
        path: &str,
        before: &Item,
        after: &Item,
        message: String,
    ) {
        let (old, new) = (Some((before, text(before))), Some((after, text(after))));
        self.push(kind, level, path, old, new, message);
    }

    fn type_changed(&mut self, path: &str, before: &Item, after: &Item) {
        let (
            Kind::Type {
                shape,
                default: had_default,
                ..
            },
            Kind::Type {
                shape: new_shape,
                default,
                ..
            },
        ) = (&before.kind, &after.kind)
        else {
            return;
        };
        let change = if shape != new_shape {
            let message = format!("`{path}` is a {new_shape} now (was a {shape})");
            Some((RustKind::TypeKindChanged, message))
        } else if *had_default && !default {
            let message = format!(
                "`{path}` no longer derives `Default`: `Default::default()` and `..Default::default()` break"
            );
            Some((RustKind::DefaultLost, message))
        } else if !had_default && *default {
            Some((
                RustKind::DefaultGained,
                format!("`{path}` derives `Default` now"),
            ))
        } else if before.text != after.text {
            let message = format!("`{path}` aliases `{}` (was `{}`)", after.text, before.text);
            Some((RustKind::AliasChanged, message))
        } else {
            None
        };
        if let Some((kind, message)) = change {
            self.both(kind, kind.level(), path, before, after, message);
        }
    }

    fn method_changed(&mut self, path: &str, before: &Item, a: &Method, after: &Item, b: &Method) {
        for (kind, at, message) in signature_changes(path, a, b) {
            let mut old_item = before.clone();
            old_item.text.clone_from(&at.0);
            let mut new_item = after.clone();
            new_item.text.clone_from(&at.1);
            self.both(kind, kind.level(), &at.2, &old_item, &new_item, message);
        }
        if a.deprecated != b.deprecated {
            let now = if b.deprecated {
                "deprecated now: calls warn"
            } else {
                "no longer deprecated"
            };
            let kind = RustKind::MethodDeprecationChanged;
            let message = format!("`{path}` is {now}");
            self.both(kind, kind.level(), path, before, after, message);
        }
    }

    /// An item compiled under other features: breaking unless the gate is gone or only widened
    /// (every feature that compiled it still does).
    fn gate_changed(&mut self, path: &str, before: &Item, after: &Item) {
        if before.cfg == after.cfg {
            return;
        }
        let widened = after.cfg.is_empty()
            || match (before.cfg.as_slice(), after.cfg.as_slice()) {
                ([a], [b]) => {
                    !a.contains("all(") && !b.contains("all(") && {
                        let features = |p: &str| -> BTreeSet<String> {
                            p.split('"').skip(1).step_by(2).map(str::to_owned).collect()
                        };
                        features(a).is_subset(&features(b))
                    }
                }
                _ => false,
            };
        let level = if widened {
            Level::NonBreaking
        } else {
            Level::Breaking
        };
        let gate = |cfg: &[String]| match cfg {
            [] => "always compiled".to_owned(),
            many => format!("`cfg({})`", many.join(") + cfg(")),
        };
        let message = format!(
            "`{path}` is compiled under {} (was {})",
            gate(&after.cfg),
            gate(&before.cfg)
        );
        let mut old_item = before.clone();
        old_item.text = gate(&before.cfg);
        let mut new_item = after.clone();
        new_item.text = gate(&after.cfg);
        self.both(
            RustKind::FeatureGateChanged,
            level,
            path,
            &old_item,
            &new_item,
            message,
        );
    }
}

/// A field added to a struct: potentially breaking when the struct derived `Default` before
/// and still does (normal use builds it with `..Default::default()`), breaking otherwise.
fn field_added(
    path: &str,
    item: &Item,
    old_parent: Option<(bool, bool)>,
    new_parent: Option<(bool, bool)>,
) -> (RustKind, Level, String) {
    let defaults = old_parent.is_some_and(|p| p.0) && new_parent.is_some_and(|p| p.0);
    if defaults {
        let message = format!(
            "field `{path}: {}` added: struct literals without `..Default::default()` break",
            item.text
        );
        (RustKind::FieldAdded, Level::PotentiallyBreaking, message)
    } else {
        let message = format!(
            "field `{path}: {}` added to a struct without `Default`: every struct literal breaks",
            item.text
        );
        (RustKind::FieldAdded, Level::Breaking, message)
    }
}

/// (old text, new text, item path) of one signature change.
type At = (String, String, String);

/// How a method's arguments and return type changed. Argument names do not matter to callers:
/// the same types in the same order are the same signature.
fn signature_changes(path: &str, a: &Method, b: &Method) -> Vec<(RustKind, At, String)> {
    let mut out = Vec::new();
    let types = |m: &Method| m.args.iter().map(|(_, ty)| ty.clone()).collect::<Vec<_>>();
    if types(a) != types(b) {
        let find = |m: &Method, name: &str| m.args.iter().find(|(n, _)| n == name).cloned();
        let at = |name: &str| format!("{path}({name})");
        for (name, ty) in &b.args {
            match find(a, name) {
                None => out.push((
                    RustKind::ArgumentAdded,
                    (String::new(), ty.clone(), at(name)),
                    format!("`{path}` gains argument `{name}: {ty}`: every call breaks"),
                )),
                Some((_, old)) if old != *ty => out.push((
                    RustKind::ArgumentTypeChanged,
                    (old.clone(), ty.clone(), at(name)),
                    format!("`{path}` takes `{name}: {ty}` (was `{old}`): every call breaks"),
                )),
                Some(_) => {}
            }
        }
        for (name, ty) in a.args.iter().filter(|(n, _)| find(b, n).is_none()) {
            out.push((
                RustKind::ArgumentRemoved,
                (ty.clone(), String::new(), at(name)),
                format!("`{path}` loses argument `{name}: {ty}`: every call breaks"),
            ));
        }
        if out.is_empty() {
            out.push((
                RustKind::ArgumentsReordered,
                (a.signature(), b.signature(), path.to_owned()),
                format!("`{path}` takes its arguments in another order: every call breaks"),
            ));
        }
    }
    if a.ret != b.ret {
        out.push((
            RustKind::ReturnTypeChanged,
            (a.ret.clone(), b.ret.clone(), path.to_owned()),
            format!("`{path}` returns `{}` (was `{}`)", b.ret, a.ret),
        ));
    }
    out
}

/// An item's Rust text, when it has one.
fn text(item: &Item) -> Option<String> {
    (!item.text.is_empty()).then(|| item.text.clone())
}

fn show(text: &str) -> &str {
    if text.is_empty() { "nothing" } else { text }
}
