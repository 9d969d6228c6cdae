#!/usr/bin/env bash
# Installs node_modules (including the project-local Node 24 from the npm `node` package)
# when they are missing or older than package-lock.json. Idempotent and quick when current.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=node_modules/.sitesync-installed
# A git worktree may share another checkout's node_modules through a symlink. npm ci
# empties the directory the link points to before installing, so a worktree whose lockfile
# is merely newer (checked out later) would wipe the other checkout's modules: with a
# symlink, install only when Node itself is missing, and say so.
if [[ -L node_modules ]]; then
  if [[ ! -x node_modules/.bin/node ]]; then
    echo "node_modules is a symlink to $(readlink -f node_modules) without Node 24; run npm ci there" >&2
    exit 1
  fi
elif [[ ! -f $stamp || package-lock.json -nt $stamp || ! -x node_modules/.bin/node ]]; then
  echo "==> installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund
  touch "$stamp"
fi
version=$(node_modules/.bin/node --version)
case $version in
  v2[4-9].*|v[3-9][0-9].*) ;;
  *) echo "expected Node >= 24 in node_modules/.bin, got $version" >&2; exit 1 ;;
esac
# The web console (console/, docs/console.md) is bundled into console/dist, which the server
# serves at /: rebuilt when it is missing or its sources, shared/ or the lockfile changed.
if [[ ! -f console/dist/index.html ]] \
  || [[ -n $(find console/src console/index.html shared package-lock.json -newer console/dist/index.html -print -quit) ]]; then
  node_modules/.bin/node scripts/build-console.ts
fi
