//! The Rust API effect of a spec change: the public items of the crate generated from each
//! spec's model ([`surface()`]), compared ([`compare`]). Nothing here restates a generator rule:
//! the items, their types and their `cfg` come from `model` and `emit`.

mod compare;
mod method;
mod surface;

use std::sync::Arc;

use super::Level;
use super::rules::RustKind;
use crate::model::Api;

pub(crate) use surface::Surface;

/// One change to the public API of the generated crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RustChange {
    /// What kind of change it is.
    pub kind: RustKind,
    /// How it affects code using the crate.
    pub level: Level,
    /// The Rust item: `models::Wallet.name`, `Client::get_wallet`, `[features] wallets`.
    pub item: String,
    /// The item's Rust text before (a field's type, a method's signature), if it had one.
    pub old: Option<String>,
    /// The item's Rust text after.
    pub new: Option<String>,
    /// Where the item comes from in the old spec (JSON pointer).
    pub old_pointer: Option<String>,
    /// 1-based line of `old_pointer`.
    pub old_line: Option<usize>,
    /// Where the item comes from in the new spec.
    pub new_pointer: Option<String>,
    /// 1-based line of `new_pointer`.
    pub new_line: Option<usize>,
    /// One line on what changed and whom it breaks.
    pub message: String,
}

/// The changes between the crates generated for `old` and `new`, worst first, then by item.
pub(crate) fn changes(old: &Surface, new: &Surface) -> Vec<RustChange> {
    let mut changes = compare::compare(old, new);
    changes.sort_by(|a, b| {
        b.level
            .cmp(&a.level)
            .then_with(|| a.item.cmp(&b.item))
            .then_with(|| a.kind.cmp(&b.kind))
    });
    changes
}

/// The surface of `api` (for [`changes`]).
pub(crate) fn surface(api: Arc<Api>) -> Surface {
    Surface::new(api)
}

#[cfg(test)]
mod tests;
