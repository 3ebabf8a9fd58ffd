#!/usr/bin/env bash
# Build cost of Cobo's full client, in one run: our full-spec crate against oas3-gen's crate for the
# same spec (crate-only debug build and `cargo check` after touching the sources, without
# incremental compilation, dependencies built first and not timed, median of RUNS), the codegen
# times of both (release builds, median of RUNS), the lines generated, and the ratios.
# With BASELINE=<git rev>, the crate the generator of that revision writes is measured too (before
# and after a change, in the same run).
# Usage: [BASELINE=7a4fb54] bash bench/build.sh [RUNS]   (default 3; installs oas3-gen under tools/)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
root=$PWD
tools=$root/tools/bench
work=$root/target/bench-build
full=$root/../shared/specs/cobo-waas2-openapi.yaml
[ -f "$full" ] || { echo "MISSING: $full (the full spec) is absent" >&2; exit 1; }
mkdir -p "$tools" "$work"

if [ ! -x "$tools/cargo/bin/oas3-gen" ]; then
  cargo install -q oas3-gen --version 0.29.0 --locked --root "$tools/cargo"
fi
cargo build -q --release -p xtask
median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }

# codegen NAME CMD...: median wall seconds of CMD writing into a fresh {out}; the last output stays
# in $work/NAME.
codegen() {
  local name=$1; shift
  local walls=()
  for _ in $(seq "$runs"); do
    rm -rf "$work/$name"
    local cmd=("${@//\{out\}/$work/$name}")
    /usr/bin/time -f "%e" -o "$work/time" "${cmd[@]}" >/dev/null 2>"$work/codegen.err" \
      || { tail -5 "$work/codegen.err" >&2; exit 1; }
    walls+=("$(cat "$work/time")")
  done
  echo "$(median "${walls[@]}")" >"$work/$name.codegen"
  printf '%-10s codegen %6.3f s (runs: %s), %s lines of Rust\n' "$name" "$(cat "$work/$name.codegen")" \
    "${walls[*]}" "$(find "$work/$name" -name '*.rs' -exec cat {} + | wc -l)"
}

echo "== codegen of the full spec, median of $runs"
codegen ours "$root/target/release/xtask" codegen --quiet --spec "$full" --out {out} --crate-name cobo-waas2-full
codegen oas3-gen "$tools/cargo/bin/oas3-gen" generate client-mod -w -i "$full" -o {out}
grep -q '^\[workspace\]' "$work/oas3-gen/Cargo.toml" || echo '[workspace]' >>"$work/oas3-gen/Cargo.toml"
crates=(ours oas3-gen)
if [ -n "${BASELINE:-}" ]; then
  base=$work/baseline-src
  rm -rf "$base" && git worktree add -q --detach "$base" "$BASELINE"
  trap 'git worktree remove --force "$base"' EXIT
  (cd "$base" && CARGO_TARGET_DIR=$work/baseline-target cargo build -q --release -p xtask)
  codegen baseline "$work/baseline-target/release/xtask" codegen --quiet --spec "$full" --out {out} --crate-name cobo-waas2-full
  crates+=(baseline)
fi

# timed CRATE CMD...: wall seconds of CMD in CRATE after touching its sources, without incremental.
timed() {
  local crate=$1; shift
  find "$crate/src" -name '*.rs' -exec touch {} +
  (cd "$crate" && CARGO_TARGET_DIR=$work/target CARGO_INCREMENTAL=0 /usr/bin/time -f "%e" -o "$work/time" "$@" >/dev/null 2>"$work/build.err") \
    || { tail -5 "$work/build.err" >&2; exit 1; }
  cat "$work/time"
}

echo "== crate-only debug build and cargo check (default features), median of $runs"
for name in "${crates[@]}"; do
  crate=$work/$name
  [ "$name" = oas3-gen ] || cp Cargo.lock "$crate/Cargo.lock"
  (cd "$crate" && CARGO_TARGET_DIR=$work/target cargo build -q 2>"$work/build.err") || { tail -5 "$work/build.err"; exit 1; }
  checks=() builds=()
  for _ in $(seq "$runs"); do
    checks+=("$(timed "$crate" cargo check -q --offline)")
    builds+=("$(timed "$crate" cargo build -q --offline)")
  done
  median "${builds[@]}" >"$work/$name.build"
  median "${checks[@]}" >"$work/$name.check"
  echo "   $name: crate-only build $(cat "$work/$name.build") s (runs: ${builds[*]}), cargo check $(cat "$work/$name.check") s (runs: ${checks[*]})"
done

ratio() { awk -v a="$(cat "$work/$1")" -v b="$(cat "$work/$2")" 'BEGIN { printf "%.2f", a / b }'; }
echo "== ratios (ours / oas3-gen: lower is better for builds; oas3-gen / ours for codegen speed)"
echo "   build ours/oas3-gen $(ratio ours.build oas3-gen.build), check ours/oas3-gen $(ratio ours.check oas3-gen.check), codegen oas3-gen/ours $(ratio oas3-gen.codegen ours.codegen)x"
if [ -n "${BASELINE:-}" ]; then
  echo "   build baseline/oas3-gen $(ratio baseline.build oas3-gen.build), check baseline/oas3-gen $(ratio baseline.check oas3-gen.check), codegen oas3-gen/baseline $(ratio oas3-gen.codegen baseline.codegen)x"
fi
