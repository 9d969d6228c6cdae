#!/usr/bin/env bash
# The whole test suite: brings infrastructure up if needed (idempotent), installs deps if
# needed, then runs vitest against real Postgres and Redis. Extra args go to vitest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
bash scripts/ensure-deps.sh
exec node_modules/.bin/vitest run "$@"
