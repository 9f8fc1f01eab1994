#!/usr/bin/env bash
# Runs the hub's fuzz targets under libFuzzer for a bounded time (docs/FUZZING.md).
#
#   Scripts/fuzz.sh [TARGET|all] [SECONDS]      default: all targets, 60 s each
#   FUZZ_FLAGS="-jobs=2 -workers=2" Scripts/fuzz.sh sell-body 600
#
# Builds `commandhub-fuzz` in release with libFuzzer and AddressSanitizer in .build-fuzz (its own
# scratch path: the instrumented build never mixes with .build), then runs each target on a
# working corpus in .build-fuzz/corpus/TARGET seeded from the committed Fuzz/corpus/TARGET and
# Fuzz/crashes/TARGET. Crashing inputs land in .build-fuzz/artifacts/TARGET/; once the bug is
# fixed, copy the input into Fuzz/crashes/TARGET/ so the test suite replays it for ever.
# Fuzz/dictionaries/ gives libFuzzer the formats' tokens (Foundation's JSON parser, which several
# targets go through, is not instrumented, so coverage alone cannot teach it JSON).
# Not run by CI (.ci/run): the suite's in-process harness (FuzzHarnessTests) is what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."

target=${1:-all}
seconds=${2:-60}
all=(agent-stream agent-message sell-body login-body admin-body query-parameters label-selector decimal-text)
if [ "$target" = all ]; then targets=("${all[@]}"); else targets=("$target"); fi
for name in "${targets[@]}"; do
  [[ " ${all[*]} " == *" $name "* ]] || { echo "unknown target $name; one of: ${all[*]}" >&2; exit 2; }
done

# SwiftPM's --sanitize=fuzzer compiles the executable module as a library and leaves `main` to
# libFuzzer (with -Xswiftc -sanitize=fuzzer alone the link fails on the renamed entry point
# CommandHubFuzz_main that SwiftPM asks for). ASan comes in the same swiftc flag: of several
# -sanitize= flags swiftc keeps only the last, so `--sanitize=fuzzer --sanitize=address` would
# silently build without coverage instrumentation.
swift build -c release --scratch-path .build-fuzz --product commandhub-fuzz \
  --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING
binary=.build-fuzz/release/commandhub-fuzz

failed=()
for name in "${targets[@]}"; do
  work=.build-fuzz/corpus/$name
  artifacts=.build-fuzz/artifacts/$name
  mkdir -p "$work" "$artifacts" "Fuzz/crashes/$name"
  log=.build-fuzz/$name.log
  case $name in
    sell-body | login-body | admin-body) dictionary=Fuzz/dictionaries/json.dict ;;
    agent-stream) dictionary=Fuzz/dictionaries/agent-message.dict ;;
    *) dictionary=Fuzz/dictionaries/$name.dict ;;
  esac
  echo "== $name: ${seconds}s (log $log)"
  # shellcheck disable=SC2086
  # SWIFT_BACKTRACE=enable=no: Swift's own crash handler reads the crashed thread's stack, which
  # AddressSanitizer reports as a stack-buffer-underflow of its own; libFuzzer reports the trap.
  if COMMANDHUB_FUZZ_TARGET=$name SWIFT_BACKTRACE=enable=no "$binary" "$work" "Fuzz/corpus/$name" "Fuzz/crashes/$name" \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
      -artifact_prefix="$artifacts/" -dict="$dictionary" ${FUZZ_FLAGS:-} >"$log" 2>&1; then
    status=ok
  else
    status=FAILED
    failed+=("$name")
  fi
  coverage=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9]+[a-zA-Z]*' "$log" | tail -1 || true)
  runs=$(grep -Eo 'stat::number_of_executed_units: +[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo '?')
  speed=$(grep -Eo 'stat::average_exec_per_sec: +[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo '?')
  echo "   $status: $runs runs, $speed exec/s, $coverage"
  if [ "$status" = FAILED ]; then grep -E 'ERROR|Fatal error|invariant|artifact' "$log" | head -5 | sed 's/^/   /'; fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "crashes or violations in: ${failed[*]} (inputs in .build-fuzz/artifacts/)" >&2
  exit 1
fi
