#!/usr/bin/env bash
# Codegen speed and memory against the peers, in one run, on spec/ and on Cobo's full spec:
#   this generator (release build, `cargo xtask codegen --spec ... --out ...` as a user runs it),
#   openapi-generator's `rust` target (PyPI openapi-generator-cli, bundled jar, Java 17),
#   oas3-gen 0.29 (crates.io).
# Then `cargo check` and the crate-only rebuild (dependencies built, not timed) of our two generated
# crates, and the crate-only rebuild of oas3-gen's full-spec crate in the same run.
# Usage: bash bench/codegen.sh [RUNS]   (median of RUNS, default 3). Installs peers under tools/.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
root=$PWD
tools=$root/tools/bench
work=$root/target/bench
full=$root/../shared/specs/cobo-waas2-openapi.yaml
[ -f "$full" ] || { echo "MISSING: $full (the full spec) is absent" >&2; exit 1; }
mkdir -p "$tools" "$work"

echo "== installing peers (once)"
if [ ! -x "$tools/venv/bin/openapi-generator-cli" ]; then
  python3 -m venv "$tools/venv" && "$tools/venv/bin/pip" install -q openapi-generator-cli==7.26.0
fi
if [ ! -x "$tools/cargo/bin/oas3-gen" ]; then
  cargo install -q oas3-gen --version 0.29.0 --locked --root "$tools/cargo"
fi
cargo build -q --release -p xtask
ours=$root/target/release/xtask

# time_runs NAME SPEC CMD...: median wall seconds and peak RSS (MiB) of RUNS runs; {out} is replaced
# by a fresh output directory.
time_runs() {
  local name=$1 spec=$2; shift 2
  local walls=() rss=()
  for i in $(seq "$runs"); do
    local out="$work/$name-$i"
    rm -rf "$out"
    local cmd=("${@//\{out\}/$out}")
    cmd=("${cmd[@]//\{spec\}/$spec}")
    /usr/bin/time -f "%e %M" -o "$work/time" "${cmd[@]}" >"$work/$name.log" 2>&1 || { echo "$name failed:"; tail -5 "$work/$name.log"; return 1; }
    read -r wall kib <"$work/time"
    walls+=("$wall"); rss+=("$kib")
  done
  local med_wall med_rss
  med_wall=$(printf '%s\n' "${walls[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
  med_rss=$(printf '%s\n' "${rss[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
  printf '%-28s %8.3f s  %6d MiB   (runs: %s)\n' "$name" "$med_wall" "$((med_rss / 1024))" "${walls[*]}"
  echo "$med_wall" >"$work/$name.wall"
}

for which in oauth full; do
  if [ "$which" = oauth ]; then spec=$root/spec/cobo-waas2-oauth.yaml; else spec=$full; fi
  echo "== codegen: $which ($(basename "$spec"))"
  time_runs "ours-$which" "$spec" "$ours" codegen --spec {spec} --out {out} --crate-name bench-$which
  time_runs "oas3-gen-$which" "$spec" "$tools/cargo/bin/oas3-gen" generate client-mod -w -i {spec} -o {out}
  time_runs "openapi-generator-$which" "$spec" "$tools/venv/bin/openapi-generator-cli" generate -g rust -i {spec} -o {out}
  # /usr/bin/time resolves 10 ms: below that the ratio is only a lower bound.
  ratio() { awk -v a="$(cat "$work/$1.wall")" -v b="$(cat "$work/$2.wall")" 'BEGIN { if (b < 0.01) printf ">%.0fx", a / 0.01; else printf "%.1fx", a / b }'; }
  echo "   openapi-generator / ours: $(ratio "openapi-generator-$which" "ours-$which");  oas3-gen / ours: $(ratio "oas3-gen-$which" "ours-$which")"
done

echo "== generated crates: cargo check and crate-only build, median of $runs (dependencies built first, not timed)"
median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
# timed CRATE CMD...: wall seconds of CMD in CRATE after touching its sources, without incremental.
timed() {
  local crate=$1; shift
  find "$crate/src" -name '*.rs' -exec touch {} +
  (cd "$crate" && CARGO_TARGET_DIR=$work/target CARGO_INCREMENTAL=0 /usr/bin/time -f "%e" -o "$work/time" "$@" >/dev/null 2>"$work/build.err") \
    || { tail -5 "$work/build.err" >&2; return 1; }
  cat "$work/time"
}
crates=(ours-oauth-1 ours-full-1 oas3-gen-full-1)
# oas3-gen's crate is not ours: make it its own workspace so cargo does not see ours around it.
grep -q '^\[workspace\]' "$work/oas3-gen-full-1/Cargo.toml" || echo '[workspace]' >>"$work/oas3-gen-full-1/Cargo.toml"
for name in "${crates[@]}"; do
  crate=$work/$name
  case $name in ours-*) cp Cargo.lock "$crate/Cargo.lock" ;; esac
  (cd "$crate" && CARGO_TARGET_DIR=$work/target cargo build -q 2>"$work/build.err") || { tail -5 "$work/build.err"; exit 1; }
  checks=() builds=()
  for i in $(seq "$runs"); do
    case $name in ours-*) checks+=("$(timed "$crate" cargo check -q --offline)") ;; esac
    builds+=("$(timed "$crate" cargo build -q --offline)")
  done
  line="   $name: crate-only build $(median "${builds[@]}") s (runs: ${builds[*]})"
  case $name in ours-*)
    clippy=$(cd "$crate" && touch src/*.rs && CARGO_TARGET_DIR=$work/target cargo clippy --offline 2>&1 | grep -c '^warning' || true)
    line="$line, cargo check $(median "${checks[@]}") s, clippy warnings: $clippy" ;;
  esac
  echo "$line"
done
