#!/usr/bin/env bash
# Fuzz smoke for CI: seeds the corpora, builds every cargo-fuzz target once, runs each for a bounded
# time and fails if any target crashes (a panic, a 5xx or envelope or invariant violation in the
# mock, a broken round trip, or a sanitizer report). Nightly with AddressSanitizer when rustup has a
# nightly toolchain, else stable with `-s none`.
#
#   fuzz/run-smoke.sh                 # every target, FUZZ_SECONDS (default 15) each
#   FUZZ_SECONDS=60 fuzz/run-smoke.sh graph_body mock_router
#   FUZZ_OPT_LEVEL=3 fuzz/run-smoke.sh  # optimized as cargo-fuzz builds by default
#
# Crashes land in fuzz/artifacts/<target>/; reproduce one with
#   cargo +nightly fuzz run <target> fuzz/artifacts/<target>/<crash>   (from fuzz/'s parent: cd fuzz)
set -euo pipefail
cd "$(dirname "$0")"

seconds="${FUZZ_SECONDS:-15}"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(base32_secret otpauth_uri graph_body graph_error_envelope odata_collection entra_csv csv_check import_journal mock_jwt mock_router)
fi

dict_of() {
  case "$1" in
    base32_secret) echo dict/base32.dict ;;
    otpauth_uri) echo dict/otpauth.dict ;;
    entra_csv | csv_check) echo dict/csv.dict ;;
    mock_jwt) echo dict/jwt.dict ;;
    import_journal) echo dict/journal.dict ;;
    *) echo dict/graph.dict ;;
  esac
}

if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi
if rustup toolchain list | grep -q '^nightly'; then
  toolchain=(+nightly)
  sanitizer=address
else
  toolchain=()
  sanitizer=none
fi
# 16 codegen units build about a third faster than cargo-fuzz's default of 1, for slightly slower runs:
# the right trade for a smoke run. Build and run must use the same flags or `run` rebuilds.
flags=(--sanitizer "$sanitizer" --codegen-units "${FUZZ_CODEGEN_UNITS:-16}")
# opt-level 1 halves the build (4m45s against 9m39s at cargo-fuzz's 3 on a 2-CPU machine) for about 60%
# of the executions per second: the right trade for 15 seconds a target. A long campaign run by hand
# (`cargo fuzz run`) keeps the default. Exported, so build and run agree and `run` does not rebuild.
export CARGO_PROFILE_RELEASE_OPT_LEVEL="${FUZZ_OPT_LEVEL:-1}"
echo "cargo-fuzz: $(cargo fuzz --version); toolchain: ${toolchain[*]:-stable}; ${flags[*]}; opt-level $CARGO_PROFILE_RELEASE_OPT_LEVEL; ${seconds}s per target"

if command -v python3 >/dev/null 2>&1; then
  python3 seed_corpora.py
else
  echo "python3 not found: seeding from fuzz/seeds only"
  for dir in seeds/*/; do
    mkdir -p "corpus/$(basename "$dir")"
    cp -n "$dir"* "corpus/$(basename "$dir")/"
  done
fi

start=$(date +%s)
cargo "${toolchain[@]}" fuzz build "${flags[@]}"
echo "build: $(($(date +%s) - start)) s"

failed=()
summary=()
for target in "${targets[@]}"; do
  mkdir -p "corpus/$target"
  log="$(mktemp)"
  if cargo "${toolchain[@]}" fuzz run "${flags[@]}" "$target" "corpus/$target" -- \
      -max_total_time="$seconds" -timeout=10 -dict="$(dict_of "$target")" \
      -print_final_stats=1 >"$log" 2>&1; then
    done_line="$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 || true)"
    summary+=("$target: ${done_line:-no final stats}")
  else
    failed+=("$target")
    summary+=("$target: CRASH")
    grep -v '^INFO:\|^#[0-9]' "$log" | tail -n 40
  fi
  rm -f "$log"
done

printf '\n%s\n' "${summary[@]}"
echo "total: $(($(date +%s) - start)) s"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz smoke: crashes in ${failed[*]} (artifacts in fuzz/artifacts/)" >&2
  exit 1
fi
