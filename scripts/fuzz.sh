#!/usr/bin/env bash
# Runs the cargo-fuzz targets in fuzz/ from their committed seed corpus (fuzz/seeds/TARGET)
# plus a local, untracked corpus (fuzz/corpus/TARGET) that grows as coverage does.
#
#   scripts/fuzz.sh smoke                      # every target briefly; fails on any crash (scripts/test.sh)
#   scripts/fuzz.sh TARGET [libFuzzer flags]   # one campaign, e.g. private_key -runs=10000000
#
# Uses the machine's stable toolchain: RUSTC_BOOTSTRAP lets cargo-fuzz pass its nightly
# flags, and no sanitizer is needed for safe Rust (panics, overflows and timeouts are found
# without one). Crashes land in fuzz/artifacts/TARGET/; rerun one with
# `scripts/fuzz.sh TARGET fuzz/artifacts/TARGET/crash-…`.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
export RUSTC_BOOTSTRAP=1
FUZZ=(cargo fuzz run --sanitizer none --debug-assertions)

command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

run() {
    local target=$1
    shift
    mkdir -p "corpus/$target"
    "${FUZZ[@]}" "$target" "corpus/$target" "seeds/$target" -- -rss_limit_mb=2048 -timeout=10 "$@"
}

if [[ ${1:-} == smoke ]]; then
    cargo fuzz build --sanitizer none --debug-assertions
    for target in $(cargo fuzz list); do
        echo "--- fuzz $target"
        # Seeds first, then fresh mutations; the log is shown only when the target fails.
        if ! run "$target" -runs="${FUZZ_SMOKE_RUNS:-20000}" -max_total_time="${FUZZ_SMOKE_SECONDS:-20}" > "target/smoke-$target.log" 2>&1; then
            tail -40 "target/smoke-$target.log" >&2
            echo "fuzz target $target failed" >&2
            exit 1
        fi
        grep -E '^(#[0-9]+ +DONE|Done [0-9]+ runs)' "target/smoke-$target.log" || tail -1 "target/smoke-$target.log"
    done
    exit 0
fi

[[ $# -ge 1 ]] || { echo "usage: $0 smoke | TARGET [libFuzzer flags]" >&2; exit 2; }
run "$@"
