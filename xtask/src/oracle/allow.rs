//! Disagreements between the oracle and the diff that are the ORACLE's limit, by design: a
//! compile check cannot see them. Anything else is a finding against the diff.

/// One pair whose disagreement is expected, and why.
pub struct ByDesign {
    /// As the table names it: `base → security_changed`.
    pub pair: &'static str,
    pub reason: &'static str,
}

/// Empty: since the Rust level is computed from the models (`codegen::diff::rust`), every pair
/// agrees. A run-time change with the same types (a `security` requirement, a security scheme, a
/// success status) has no Rust API change there, and no compile check can see it either; the wire
/// level reports it. An entry added here needs its reason, and the README lists it.
pub const BY_DESIGN: &[ByDesign] = &[];

/// The reason a pair's disagreement is by design, if it is.
pub fn reason(pair: &str) -> Option<&'static str> {
    BY_DESIGN.iter().find(|b| b.pair == pair).map(|b| b.reason)
}
