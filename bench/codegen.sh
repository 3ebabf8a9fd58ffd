#!/usr/bin/env bash
# Codegen speed and memory against the peers, in one run, on spec/ and on Cobo's full spec:
#   this generator (release build; with and without the final rustfmt pass),
#   openapi-generator's `rust` target (PyPI openapi-generator-cli, bundled jar, Java 17),
#   oas3-gen 0.29 (crates.io).
# Then `cargo check` of our two generated crates and the crate-only rebuild of the full one.
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
  time_runs "ours-$which" "$spec" "$ours" codegen --spec {spec} --out {out} --crate-name bench-$which --no-rustfmt
  time_runs "ours+rustfmt-$which" "$spec" "$ours" codegen --spec {spec} --out {out} --crate-name bench-$which
  time_runs "oas3-gen-$which" "$spec" "$tools/cargo/bin/oas3-gen" generate client-mod -w -i {spec} -o {out}
  time_runs "openapi-generator-$which" "$spec" "$tools/venv/bin/openapi-generator-cli" generate -g rust -i {spec} -o {out}
  # /usr/bin/time resolves 10 ms: below that the ratio is only a lower bound.
  ratio() { awk -v a="$(cat "$work/$1.wall")" -v b="$(cat "$work/$2.wall")" 'BEGIN { if (b < 0.01) printf ">%.0fx", a / 0.01; else printf "%.1fx", a / b }'; }
  echo "   openapi-generator / ours: $(ratio "openapi-generator-$which" "ours-$which");  oas3-gen / ours: $(ratio "oas3-gen-$which" "ours-$which")"
done

echo "== cargo check / build of our generated crates (dependencies built first, not timed)"
for which in oauth full; do
  crate=$work/ours+rustfmt-$which-1
  cp Cargo.lock "$crate/Cargo.lock"
  (cd "$crate" && CARGO_TARGET_DIR=$work/target cargo build -q --offline && CARGO_TARGET_DIR=$work/target cargo check -q --offline)
  touch "$crate"/src/*.rs
  check=$( { /usr/bin/time -f "%e" bash -c "cd '$crate' && CARGO_TARGET_DIR='$work/target' CARGO_INCREMENTAL=0 cargo check -q --offline" ; } 2>&1 | tail -1)
  touch "$crate"/src/*.rs
  build=$( { /usr/bin/time -f "%e" bash -c "cd '$crate' && CARGO_TARGET_DIR='$work/target' CARGO_INCREMENTAL=0 cargo build -q --offline" ; } 2>&1 | tail -1)
  clippy=$(cd "$crate" && touch src/*.rs && CARGO_TARGET_DIR=$work/target cargo clippy --offline 2>&1 | grep -c '^warning' || true)
  echo "   $which: cargo check ${check} s, crate-only build ${build} s, clippy warnings: ${clippy}"
done
