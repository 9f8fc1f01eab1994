#!/usr/bin/env bash
# The test command (README quick start, .ci/run): installs what the suite needs that Swift
# does not bring — a Python with grpcio, schemathesis and Selenium, Debian's headless Chromium
# and its driver, PostgreSQL (the store tests run against it too: both passes run under
# Scripts/postgres.sh) — checks the format (swift format lint), builds once, then runs the suite
# in two passes and prints one summary:
#   1. every suite except the heavy ones, in parallel (Swift Testing's default);
#   2. the heavy suites — nested in `HeavySuites` (swarms of hundreds of agents, the soak, fault
#      injection with real processes, schemathesis, the console in a real browser) — one at a
#      time, so none of them shares the two cores with the latency-sensitive suites of pass 1 or
#      with each other.
# With arguments, one plain `swift test --skip-build ARGS` instead (e.g. Scripts/test.sh --filter Dispatcher).
set -uo pipefail
cd "$(dirname "$0")/.."

venv=.build/python
if [ ! -x "$venv/bin/python" ]; then
  mkdir -p .build
  if ! python3 -m venv "$venv" 2>/dev/null; then
    # Debian's python3 ships venv separately.
    apt-get install -y -q python3-venv >/dev/null
    python3 -m venv "$venv"
  fi
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r Scripts/requirements-test.txt || exit 1
export COMMANDHUB_PYTHON="$PWD/$venv/bin/python"

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q chromium chromium-driver >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium chromium-driver >/dev/null; } \
    || echo "Scripts/test.sh: chromium could not be installed; the console's browser tests are skipped" >&2
fi

# PostgreSQL for the store tests that run against both stores (Scripts/postgres.sh starts a
# throwaway server around each pass and sets COMMANDHUB_TEST_POSTGRES_URL).
pg_bindir=$(pg_config --bindir 2>/dev/null || true)
if [ ! -x "$pg_bindir/initdb" ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q postgresql >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q postgresql >/dev/null; } \
    || echo "Scripts/test.sh: postgresql could not be installed; the PostgreSQL cases are skipped" >&2
fi
with_postgres=(Scripts/postgres.sh --)
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && [ ! -x "$(pg_config --bindir 2>/dev/null)/initdb" ]; then
  with_postgres=()
fi

started=$SECONDS
# The house style (.swift-format) on every hand-written Swift file; generated ones are left out.
swift_files=$(git ls-files '*.swift' | grep -v -E '^Sources/Wire/.*\.(pb|grpc)\.swift$|/OpenAPIText\.swift$|/ConsoleAsset\+Files\.swift$')
# shellcheck disable=SC2086
if ! swift format lint --strict $swift_files; then
  echo "swift format lint failed: run swift format format -i on the files above" >&2
  exit 1
fi
swift build --build-tests || exit 1
built=$SECONDS

if [ "$#" -gt 0 ]; then
  exec "${with_postgres[@]}" swift test --skip-build "$@"
fi

heavy='HeavySuites'
"${with_postgres[@]}" swift test --skip-build --skip "$heavy" 2>&1 | tee .build/test-pass-1.log
pass1=${PIPESTATUS[0]}
parallel_done=$SECONDS
"${with_postgres[@]}" swift test --skip-build --no-parallel --filter "$heavy" 2>&1 | tee .build/test-pass-2.log
pass2=${PIPESTATUS[0]}
finished=$SECONDS

summary() {  # the Swift Testing totals line of a pass, or what went wrong
  grep -E '^. Test run with .* (passed|failed)' "$1" | tail -n 1 || true
}
echo
echo "== CommandHub test summary =="
echo "lint and build:             $((built - started)) s"
echo "pass 1 (parallel suites):   $([ "$pass1" = 0 ] && echo passed || echo FAILED) in $((parallel_done - built)) s — $(summary .build/test-pass-1.log)"
echo "pass 2 (heavy, one by one): $([ "$pass2" = 0 ] && echo passed || echo FAILED) in $((finished - parallel_done)) s — $(summary .build/test-pass-2.log)"
if [ "$pass1" = 0 ] && [ "$pass2" = 0 ]; then
  echo "result: PASSED in $((finished - started)) s"
  exit 0
fi
echo "result: FAILED (grep the logs .build/test-pass-1.log and .build/test-pass-2.log for '✘')"
exit 1
