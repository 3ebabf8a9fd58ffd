//! Disagreements between the oracle and the diff that are the ORACLE's limit, by design: a
//! compile check cannot see them. Anything else is a finding against the diff.

/// One pair whose disagreement is expected, and why.
pub struct ByDesign {
    /// As the table names it: `base → security_changed`.
    pub pair: &'static str,
    pub reason: &'static str,
}

/// The generated code's run-time behaviour changes, its types do not: a compile check passes.
const RUN_TIME: &str = "a run-time change (same types): a compile check cannot see it";

pub const BY_DESIGN: &[ByDesign] = &[
    ByDesign {
        pair: "base → security_changed",
        reason: RUN_TIME,
    },
    ByDesign {
        pair: "security_changed → base",
        reason: RUN_TIME,
    },
    ByDesign {
        pair: "base → security_scheme_changed",
        reason: RUN_TIME,
    },
    ByDesign {
        pair: "security_scheme_changed → base",
        reason: RUN_TIME,
    },
    ByDesign {
        pair: "base → success_status_changed",
        reason: RUN_TIME,
    },
    ByDesign {
        pair: "success_status_changed → base",
        reason: RUN_TIME,
    },
];

/// The reason a pair's disagreement is by design, if it is.
pub fn reason(pair: &str) -> Option<&'static str> {
    BY_DESIGN.iter().find(|b| b.pair == pair).map(|b| b.reason)
}
