#!/usr/bin/env bash
# The whole test suite: brings infrastructure up if needed (idempotent), installs deps if
# needed, then runs vitest against real Postgres and Redis. Extra args go to vitest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
bash scripts/ensure-deps.sh
# Node 24 from the npm `node` package, also when this script is run directly (not via npm).
export PATH="$PWD/node_modules/.bin:$PATH"
results=node_modules/.vitest-results.json
rm -f "$results"
set +e
node_modules/.bin/vitest run --reporter=default --reporter=json --outputFile.json="$results" "$@"
code=$?
set -e
# A plain closing line ("N passed, N failed") that any CI can read.
if [[ -f $results ]]; then
  node_modules/.bin/node -e '
    const r = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
    console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
  ' "$results"
fi
exit $code
