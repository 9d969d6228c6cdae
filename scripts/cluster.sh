#!/usr/bin/env bash
# `npm run cluster`: infrastructure (including nginx, PgBouncer and Redis Sentinel), deps,
# migrations and demo data, then the cluster in the foreground (scripts/cluster.ts; Ctrl-C
# stops everything it started). Extra args go to scripts/cluster.ts (--base-port N, --stop).
set -euo pipefail
cd "$(dirname "$0")/.."
for arg in "$@"; do
  if [[ $arg == --stop ]]; then exec node_modules/.bin/node scripts/cluster.ts "$@"; fi
done
bash scripts/setup.sh
bash scripts/ensure-deps.sh
export PATH="$PWD/node_modules/.bin:$PATH"
node scripts/migrate.ts
node scripts/seed-demo.ts >/dev/null
exec node scripts/cluster.ts "$@"
