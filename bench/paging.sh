#!/usr/bin/env bash
# Cursor paging's per-item overhead: streams 10,000 items from a local server with the generated
# `list_items_stream` and with a hand-written `list_items` loop (bench/paging_stream.rs), in the
# crate generated from codegen/tests/fixtures/paging.yaml, release build.
# Usage: bash bench/paging.sh   (CARGO_TARGET_DIR defaults to target/fixture-target, as in .ci/run)
set -euo pipefail
cd "$(dirname "$0")/.."
crate=target/paging-bench
cargo xtask codegen --spec codegen/tests/fixtures/paging.yaml --out "$crate" --crate-name fixture-paging
cp Cargo.lock "$crate/Cargo.lock"
mkdir -p "$crate/examples" && cp bench/paging_stream.rs "$crate/examples/"
cd "$crate"
CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-../fixture-target} cargo run --offline --quiet --release --example paging_stream
