#!/usr/bin/env bash
# Quick start: infrastructure, dependencies (and the web console's build), migrations, demo
# data, then the API + realtime hub + workers + web console in the foreground (Ctrl-C stops
# them gracefully).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/ensure-deps.sh
export PATH="$PWD/node_modules/.bin:$PATH"
node scripts/migrate.ts
node scripts/seed-demo.ts
# Demo mode: the console's login page lists the demo logins (GET /api/v1/demo/logins).
export DEMO_MODE="${DEMO_MODE:-true}"
echo "==> SiteSync on http://127.0.0.1:${PORT:-3000}  (web console: /, health: /healthz, API: /api/v1, docs: /api/v1/openapi.json)"
exec node server/main.ts
