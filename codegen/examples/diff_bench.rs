//! Times `codegen::diff` on Cobo's full spec against a copy with one change (an operationId
//! renamed), in process: `cargo run --release -p cobo-codegen --example diff_bench [SPEC] [RUNS]`.
//! The spec defaults to `../shared/specs/cobo-waas2-openapi.yaml` beside the workspace.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use codegen::diff::{Input, diff};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let spec = args.next().map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/specs/cobo-waas2-openapi.yaml")
    });
    let runs: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(5).max(1);
    let old = match std::fs::read_to_string(&spec) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("cannot read {}: {e}", spec.display());
            return ExitCode::FAILURE;
        }
    };
    // One change: the first operationId gets a suffix.
    let Some(at) = old.find("operationId: ") else {
        eprintln!("{} has no operationId", spec.display());
        return ExitCode::FAILURE;
    };
    let end = at + old[at..].find('\n').unwrap_or(old.len() - at);
    let new = format!("{}_renamed{}", &old[..end], &old[end..]);
    let mut times = Vec::with_capacity(runs);
    let mut changes = 0;
    for _ in 0..runs {
        let started = Instant::now();
        match diff(
            Input {
                name: "old",
                text: &old,
            },
            Input {
                name: "new",
                text: &new,
            },
        ) {
            Ok(report) => changes = report.changes.len(),
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        }
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "{} ({} bytes), {changes} change(s): min {:.1} ms, median {:.1} ms, max {:.1} ms over {runs} runs",
        spec.display(),
        old.len(),
        times[0],
        times[times.len() / 2],
        times[times.len() - 1],
    );
    ExitCode::SUCCESS
}
