//! The generator's warnings, grouped by kind with counts: the kinds that change how the
//! generated client behaves come first, then those that only work around the spec's wording.

use std::collections::BTreeMap;

use codegen::{Warning, WarningKind};

/// The text to print on stderr for `warnings` of the spec the user named `spec`. `quiet`: only
/// the summary line.
pub fn report(spec: &str, warnings: &[Warning], quiet: bool) -> String {
    if warnings.is_empty() {
        return String::new();
    }
    let mut groups: BTreeMap<WarningKind, Vec<&Warning>> = BTreeMap::new();
    for warning in warnings {
        groups.entry(warning.kind()).or_default().push(warning);
    }
    let mut out = String::new();
    if !quiet {
        for (kind, group) in &groups {
            let effect = if kind.changes_behaviour() {
                "changes behaviour"
            } else {
                "no change in behaviour"
            };
            out.push_str(&format!(
                "warning: {} × {} ({effect}):\n",
                group.len(),
                kind.label()
            ));
            for warning in group {
                let line = warning.line.map_or(String::new(), |l| format!(":{l}"));
                out.push_str(&format!(
                    "  {spec}{line}: {}: {}\n",
                    warning.pointer, warning.message
                ));
            }
        }
    }
    let changing: usize = groups
        .iter()
        .filter(|(kind, _)| kind.changes_behaviour())
        .map(|(_, group)| group.len())
        .sum();
    let counts: Vec<String> = groups
        .iter()
        .map(|(kind, group)| format!("{} × {}", group.len(), kind.label()))
        .collect();
    out.push_str(&format!(
        "warning: {spec}: {} warning(s), {changing} changing behaviour: {}{}\n",
        warnings.len(),
        counts.join("; "),
        if quiet {
            " (listed without --quiet)"
        } else {
            ""
        }
    ));
    out
}
