#!/bin/sh
# Runs each libFuzzer target of this package for FUZZ_SECONDS (default 60) on a fresh copy of its
# seed corpus, prints the executions per target, and exits 1 naming the input of every crash,
# timeout or out-of-memory found. `make fuzz` builds the targets first and calls this.
#
#   Fuzz/fuzz.sh BIN_DIR WORK_DIR TARGET...
#
# WORK_DIR/TARGET/ is made anew: corpus/ (the seeds, then what the run added), log, and
# crashes/ (libFuzzer's artifacts: crash-SHA1, timeout-SHA1, oom-SHA1). Replay one with
# `BIN_DIR/TARGET WORK_DIR/TARGET/crashes/crash-SHA1`.
set -u
bin=$1 work=$2
shift 2
seconds=${FUZZ_SECONDS:-60}
# Swift's own crash reporter reads the stack of the dying thread, which AddressSanitizer reports as an
# error of its own; libFuzzer says what crashed.
export SWIFT_BACKTRACE=enable=no
# No leak checks: TOMLKit 0.6.0 leaks on every parse (TOMLTable(string:)'s error struct, the key
# arrays of `keys`), which would stop FuzzConfig at its first input. Leaks are make soak's to find
# (memory sampled over a long run); crashes and wrong output are this one's.
export ASAN_OPTIONS=detect_leaks=0
here=$(cd "$(dirname "$0")" && pwd)
failed=0
summary=""
for target in "$@"; do
    run=$work/$target
    rm -rf "$run"
    mkdir -p "$run/corpus" "$run/crashes"
    cp "$here/Corpus/$target"/* "$run/corpus/"
    echo "fuzz: $target for ${seconds} s (log: $run/log)"
    # -timeout: an input taking 10 s is a hang worth a report. -rss_limit_mb: ASan's shadow included.
    "$bin/$target" "$run/corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
        -print_final_stats=1 -artifact_prefix="$run/crashes/" >"$run/log" 2>&1
    status=$?
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$run/log" | tail -n 1)
    found=$(ls "$run/crashes")
    if [ "$status" -ne 0 ] || [ -n "$found" ]; then
        failed=1
        summary="$summary$(printf '%-14s %12s executions  FAILED (exit %s)' "$target" "${executions:-?}" "$status")\n"
        for file in $found; do summary="$summary    $run/crashes/$file\n"; done
        grep -m 3 -E 'property violated|Fatal error|ERROR: (AddressSanitizer|libFuzzer|LeakSanitizer)' "$run/log" | cut -c 1-300 | sed 's/^/    /' >"$run/reason"
        [ -s "$run/reason" ] && summary="$summary$(cat "$run/reason")\n"
    else
        summary="$summary$(printf '%-14s %12s executions  ok' "$target" "${executions:-?}")\n"
    fi
done
printf '\nfuzz: %s s per target\n' "$seconds"
printf '%b' "$summary"
exit $failed
