#!/usr/bin/env bash
# Kill infusiond with SIGKILL at random moments under load, restart it, and check after every restart that each
# acknowledged observation is stored exactly once, nothing is half-written, open sessions stay open and the audit
# chain verifies. Then kill it (SIGKILL, and SIGTERM every other time) while hook notices are pending and check
# that every stop and alert notice reached the hooks at least once, exactly once counted by delivery id.
# CI runs 20 kills (and 5 hook kills); a long run: scripts/crash-test.sh --kills 500 (125 hook kills)
set -euo pipefail
cd "$(dirname "$0")/.."
kills=20
while [ $# -gt 0 ]; do
  case "$1" in
    --kills) kills="$2"; shift 2 ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (use --kills N)" >&2; exit 64 ;;
  esac
done
swift build --build-tests
INFUSION_CRASH_KILLS="$kills" swift test --skip-build --filter CrashTests
