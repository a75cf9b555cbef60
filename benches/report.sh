#!/usr/bin/env bash
# Runs every hwoath benchmark (TOTP core vs peers vs the SHA floor; the mock over loopback, and its
# cost per operation at 1k/10k/100k tokens; the suite's catalog and property cases; checking and
# importing a vendor token file) in one go and renders reports/bench.md from criterion's medians.
# Run it on a quiet machine: a run with a figure below its floor is refused, not published.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench -p hwoath-benches --locked --bench totp --bench mock_http --bench mock_scale --bench suite_catalog --bench suite_properties --bench csv_import
# bench-report refuses an impossible run (a figure below its floor): then this script fails and
# reports/bench.md keeps its last published figures; rerun on a quiet machine.
rendered=$(mktemp)
trap 'rm -f "$rendered"' EXIT
cargo run -q --release --locked -p hwoath-benches --bin bench-report -- target/criterion >"$rendered"
cat "$rendered" >reports/bench.md
echo "wrote reports/bench.md"
