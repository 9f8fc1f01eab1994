#!/usr/bin/env bash
# The test command (README quick start, .ci/run): installs what the suite needs that Swift
# does not bring — a Python with grpcio for the interop test, Selenium and Debian's headless
# Chromium with its driver for the console's browser tests — then runs `swift test`.
# Extra arguments go to `swift test` (e.g. Scripts/test.sh --filter Dispatcher).
set -euo pipefail
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
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r Scripts/requirements-test.txt
export COMMANDHUB_PYTHON="$PWD/$venv/bin/python"

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q chromium chromium-driver >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium chromium-driver >/dev/null; } \
    || echo "Scripts/test.sh: chromium could not be installed; the console's browser tests are skipped" >&2
fi

if [ $# -eq 0 ]; then
  # The browser suite runs after the rest, not beside it: Chromium's CPU would otherwise slow
  # the suites that expect liveness and deadlines to hold on a 2-core machine.
  status=0
  swift test --skip ConsoleBrowserTests || status=$?
  swift test --skip-build --filter ConsoleBrowserTests || status=$?
  exit "$status"
fi
exec swift test "$@"
