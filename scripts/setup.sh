#!/usr/bin/env bash
# SiteSync infrastructure setup: PostgreSQL 15 (+pgvector) and Redis 7.
#
# Idempotent and safe to run any number of times, from any directory.
# See docs/setup.md for the three paths (docker / already-up / Debian bare
# metal), the database roles and troubleshooting.
#
# Environment:
#   SITESYNC_USE_DOCKER=0     never use docker, even if an engine is available
#   SITESYNC_FAST_PG=1        also set synchronous_commit=off (bare metal only)
#   SITESYNC_SUPERUSER_URL    libpq URL of a superuser, used to run
#                             bootstrap.sql when not root (optional)
#   SITESYNC_PG_WAIT=60       seconds to wait for PostgreSQL / Redis to answer

set -Eeuo pipefail

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
REPO_ROOT="$(cd -- "$SCRIPT_DIR/.." && pwd -P)"
cd "$REPO_ROOT"

BOOTSTRAP_SQL="$REPO_ROOT/scripts/bootstrap.sql"

PG_MAJOR=15
PG_CLUSTER=main
PG_HOST=127.0.0.1
PG_PORT=5432
PG_BINDIR="/usr/lib/postgresql/$PG_MAJOR/bin"
PG_CONFIG_BIN="$PG_BINDIR/pg_config"
PG_CONF_DIR="/etc/postgresql/$PG_MAJOR/$PG_CLUSTER"
PG_DATA_DIR="/var/lib/postgresql/$PG_MAJOR/$PG_CLUSTER"
PG_LOG="/var/log/postgresql/postgresql-$PG_MAJOR-$PG_CLUSTER.log"
PG_SOCKET_DIR=/var/run/postgresql
PG_TUNING_FILE="$PG_CONF_DIR/conf.d/sitesync.conf"
PGVECTOR_CONTROL="/usr/share/postgresql/$PG_MAJOR/extension/vector.control"
TRIXIE_SRC_LIST=/etc/apt/sources.list.d/sitesync-trixie-src.sources

REDIS_HOST=127.0.0.1
REDIS_PORT=6379
REDIS_PIDFILE=/run/redis/sitesync-redis.pid

WAIT_SECS="${SITESYNC_PG_WAIT:-60}"

OWNER_URL="postgres://sitesync_owner:sitesync_owner@$PG_HOST:$PG_PORT/sitesync"
APP_URL="postgres://sitesync_app:sitesync_app@$PG_HOST:$PG_PORT/sitesync"
SERVICE_URL="postgres://sitesync_service:sitesync_service@$PG_HOST:$PG_PORT/sitesync"
TEST_OWNER_URL="postgres://sitesync_owner:sitesync_owner@$PG_HOST:$PG_PORT/sitesync_test"
REDIS_URL="redis://$REDIS_HOST:$REDIS_PORT"

EXTENSIONS=(vector pg_trgm pgcrypto btree_gist uuid-ossp)

# Never prompt for a password, never hang on a dead server.
export PGCONNECT_TIMEOUT=5
unset PGSERVICE PGSERVICEFILE PGDATABASE PGUSER PGPASSWORD PGHOST PGPORT PGOPTIONS || true

START_TS=$(date +%s)
WORK_TMP=""
MADE_POLICY=""   # a policy-rc.d this run created (removed again on exit)
cleanup() {
  [[ -n "$WORK_TMP" && -d "$WORK_TMP" ]] && rm -rf -- "$WORK_TMP"
  [[ -n "$MADE_POLICY" ]] && rm -f -- "$MADE_POLICY"
  return 0
}
trap cleanup EXIT
trap 'rc=$?; echo "setup.sh: FAILED (exit $rc) at line $LINENO: $BASH_COMMAND" >&2; exit $rc' ERR

log()  { printf '[setup] %s\n' "$*"; }
warn() { printf '[setup] WARNING: %s\n' "$*" >&2; }
die()  { trap - ERR; printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

have() { command -v "$1" >/dev/null 2>&1; }
is_root() { [[ "$(id -u)" -eq 0 ]]; }
is_debian() { [[ -r /etc/debian_version ]] && have apt-get && have dpkg-query; }

# ------------------------------------------------------------ lock ----
# Serialise concurrent runs (several checkouts share the same services).
# fd 9 holds the lock: every command that may leave a daemon behind
# (pg_ctlcluster, redis-server, apt-get install, pg_createcluster) is run
# with `9>&-`, otherwise the daemon would inherit the lock forever.
LOCK_FILE=/tmp/sitesync-infra-setup.lock
if have flock && { { exec 9>>"$LOCK_FILE"; } 2>/dev/null || { exec 9<"$LOCK_FILE"; } 2>/dev/null; }; then
  chmod 666 "$LOCK_FILE" 2>/dev/null || true   # usable by other local users too
  if ! flock -w 900 9; then die "another scripts/setup.sh has held $LOCK_FILE for 15 min; is one stuck?"; fi
fi

# ------------------------------------------------------- helpers: probes ----
pg_ready() { pg_isready -q -h "$PG_HOST" -p "$PG_PORT" -t 2 >/dev/null 2>&1; }

redis_ping() {
  if have redis-cli; then
    [[ "$(timeout 3 redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null)" == "PONG" ]]
  else # no client on this host (e.g. docker path): speak RESP over bash's /dev/tcp
    timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2" && printf "PING\r\n" >&3 && IFS= read -r l <&3 && [[ "$l" == "+PONG"* ]]' _ "$REDIS_HOST" "$REDIS_PORT" 2>/dev/null
  fi
}

# psql_url URL SQL -> prints tuples-only result
psql_url() { psql -X -w -q -v ON_ERROR_STOP=1 -tA -d "$1" -c "$2"; }

# Everything the app needs exists and accepts password logins?
roles_and_dbs_ok() {
  have psql || return 1
  local db url ext_count want=${#EXTENSIONS[@]} ext_list
  ext_list=$(printf "'%s'," "${EXTENSIONS[@]}"); ext_list=${ext_list%,}
  for db in sitesync sitesync_test; do
    url="postgres://sitesync_owner:sitesync_owner@$PG_HOST:$PG_PORT/$db"
    ext_count=$(psql_url "$url" "select count(*) from pg_extension where extname in ($ext_list)" 2>/dev/null) || return 1
    [[ "$ext_count" == "$want" ]] || return 1
  done
  psql_url "$APP_URL" "select 1" >/dev/null 2>&1 || return 1
  psql_url "$SERVICE_URL" "select 1" >/dev/null 2>&1 || return 1
}

wait_for() { # wait_for DESCRIPTION CHECK_FUNCTION
  local check=$2 deadline=$(( $(date +%s) + WAIT_SECS ))
  until "$check"; do
    if (( $(date +%s) >= deadline )); then return 1; fi
    sleep 0.5
  done
}

# ------------------------------------------------------- docker path ------
compose() {
  if docker compose version >/dev/null 2>&1; then docker compose "$@"
  elif have docker-compose; then docker-compose "$@"
  else die "a docker engine is available but neither 'docker compose' nor 'docker-compose' is installed (or set SITESYNC_USE_DOCKER=0)"
  fi
}

docker_health() { # docker_health SERVICE -> healthy|starting|unhealthy|...
  local id
  id=$(compose ps -q "$1" 2>/dev/null | head -n1)
  [[ -n "$id" ]] || { echo missing; return; }
  docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$id" 2>/dev/null || echo missing
}

run_docker_path() {
  log "docker engine available: starting postgres + redis with docker compose"
  compose up -d postgres redis 9>&- \
    || die "docker compose up failed (ports 5432/6379 already taken by a local server? stop it, or set SITESYNC_USE_DOCKER=0)"
  local deadline=$(( $(date +%s) + WAIT_SECS + 60 )) svc st
  for svc in postgres redis; do
    while :; do
      st=$(docker_health "$svc")
      [[ "$st" == healthy ]] && break
      if (( $(date +%s) >= deadline )); then
        compose logs --tail 50 "$svc" >&2 || true
        die "docker service '$svc' not healthy (status: $st) after waiting"
      fi
      sleep 1
    done
    log "docker service $svc is healthy"
  done
  log "running scripts/bootstrap.sql in the postgres container"
  compose exec -T postgres psql -X -q -v ON_ERROR_STOP=1 -U postgres -d postgres -f - <"$BOOTSTRAP_SQL" \
    || die "bootstrap.sql failed in the postgres container"
  MODE=docker
}

# ------------------------------------------------- bare metal: packages ----
pkg_installed() { [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]]; }

APT_UPDATED=0
apt_update_once() {
  (( APT_UPDATED )) && return 0
  log "apt-get update"
  apt-get update -qq || die "apt-get update failed"
  APT_UPDATED=1
}

apt_install() {
  log "apt-get install: $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@" 9>&- \
    || die "apt-get install $* failed"
}

write_trixie_src_list() {
  local want
  want=$'# Added by SiteSync scripts/setup.sh: source packages only, used to build\n# pgvector for PostgreSQL 15 (Debian only ships binaries for PG 17).\n# deb-src only, so it never changes which binary packages get installed.\nTypes: deb-src\nURIs: http://deb.debian.org/debian\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n'
  if [[ ! -f "$TRIXIE_SRC_LIST" ]] || [[ "$(cat "$TRIXIE_SRC_LIST")"$'\n' != "$want" ]]; then
    log "adding deb-src for trixie: $TRIXIE_SRC_LIST"
    printf '%s' "$want" >"$TRIXIE_SRC_LIST"
    APT_UPDATED=0   # the new source needs an index
  fi
}

build_pgvector() {
  WORK_TMP=$(mktemp -d "${TMPDIR:-/tmp}/sitesync-pgvector.XXXXXX")
  chmod 755 "$WORK_TMP"          # lets apt's _apt user write the download
  local buildlog="$WORK_TMP/build.log" srcdir
  log "building pgvector for PG $PG_MAJOR from Debian trixie sources (~30 s)"
  if ! (cd "$WORK_TMP" && apt-get source -qq pgvector/trixie) >"$buildlog" 2>&1; then
    tail -n 30 "$buildlog" >&2
    die "apt-get source pgvector/trixie failed"
  fi
  srcdir=$(find "$WORK_TMP" -mindepth 1 -maxdepth 1 -type d -name 'pgvector-*' | head -n1)
  [[ -n "$srcdir" ]] || die "pgvector source directory not found after apt-get source"
  # OPTFLAGS='' avoids pgvector's default -march=native: the built .so must
  # keep working if this machine image moves to another CPU.
  if ! make -C "$srcdir" -j"$(nproc 2>/dev/null || echo 2)" PG_CONFIG="$PG_CONFIG_BIN" OPTFLAGS="" >>"$buildlog" 2>&1 \
     || ! make -C "$srcdir" install PG_CONFIG="$PG_CONFIG_BIN" OPTFLAGS="" >>"$buildlog" 2>&1; then
    tail -n 40 "$buildlog" >&2
    die "building/installing pgvector failed"
  fi
  [[ -f "$PGVECTOR_CONTROL" ]] || die "pgvector installed but $PGVECTOR_CONTROL is missing"
  log "pgvector $(basename "$srcdir" | sed 's/^pgvector-//') installed"
  rm -rf -- "$WORK_TMP"; WORK_TMP=""
}

ensure_packages() {
  local need=() need_pgvector=0
  pkg_installed "postgresql-$PG_MAJOR" || need+=("postgresql-$PG_MAJOR")
  have redis-server || pkg_installed redis-server || need+=(redis-server)
  if [[ ! -f "$PGVECTOR_CONTROL" ]]; then
    need_pgvector=1
    local p
    for p in "postgresql-server-dev-$PG_MAJOR" build-essential dpkg-dev; do
      pkg_installed "$p" || need+=("$p")
    done
    write_trixie_src_list
  fi
  if (( ${#need[@]} )); then
    apt_update_once
    apt_install "${need[@]}"
  fi
  if (( need_pgvector )); then
    apt_update_once
    build_pgvector
  fi
}

# ------------------------------------------ cluster engines (npm run cluster) ----
# nginx, PgBouncer and Redis Sentinel for the scale-out topology (docs/cluster.md), which
# the soak test in the suite also starts. Installed when missing on Debian as root; their
# Debian services are never started or enabled (the cluster runs its own, on its own ports).
CLUSTER_PKGS=(nginx pgbouncer redis-sentinel)
cluster_bins_ok() { have_sbin nginx && have_sbin pgbouncer && have redis-server; }
have_sbin() { have "$1" || [[ -x "/usr/sbin/$1" ]]; }

ensure_cluster_packages() {
  [[ "${SITESYNC_SKIP_CLUSTER_PACKAGES:-0}" == 1 ]] && return 0
  local need=() p
  for p in "${CLUSTER_PKGS[@]}"; do pkg_installed "$p" || need+=("$p"); done
  (( ${#need[@]} )) || return 0
  if ! is_root || ! is_debian; then
    cluster_bins_ok || warn "missing ${need[*]}: \`npm run cluster\`, \`npm run soak\` and the soak test need nginx, pgbouncer and redis-sentinel (install them, or re-run as root on Debian)"
    return 0
  fi
  # No service may start during the install (Debian's nginx would take port 80).
  local policy=/usr/sbin/policy-rc.d
  if [[ ! -e $policy ]]; then
    MADE_POLICY=$policy
    printf '#!/bin/sh\n# SiteSync setup.sh: no service starts while it installs packages.\nexit 101\n' >"$policy"
    chmod 755 "$policy"
  fi
  apt_update_once
  apt_install "${need[@]}"
  if [[ -n "$MADE_POLICY" ]]; then rm -f -- "$MADE_POLICY"; MADE_POLICY=""; fi
  if have systemctl && [[ -d /run/systemd/system ]]; then
    systemctl disable --now nginx pgbouncer redis-sentinel >/dev/null 2>&1 || true
  fi
  log "installed ${need[*]} (their services stay off)"
}

# ------------------------------------------ browser (web console tests) ----
# Debian's Chromium, driven by playwright-core in test/console-*.test.ts (docs/console.md):
# Playwright's own browser download cannot work offline. A font so pages render text.
BROWSER_PKGS=(chromium fonts-dejavu-core)

ensure_browser_packages() {
  [[ "${SITESYNC_SKIP_BROWSER_PACKAGES:-0}" == 1 ]] && return 0
  local need=() p
  for p in "${BROWSER_PKGS[@]}"; do pkg_installed "$p" || need+=("$p"); done
  (( ${#need[@]} )) || return 0
  if ! is_root || ! is_debian; then
    have chromium || warn "missing ${need[*]}: the web console's browser tests need /usr/bin/chromium (install it, or re-run as root on Debian)"
    return 0
  fi
  apt_update_once
  apt_install "${need[@]}"
  log "installed ${need[*]}"
}

# ------------------------------------------------- bare metal: postgres ----
# pid_alive_as PID NAME: is PID a live (not zombie) process named NAME*?
# Killed daemons re-parented to a PID 1 that does not reap stay as zombies,
# still named "postgres"/"redis-server" in /proc, so the state is checked.
pid_alive_as() {
  local pid=$1 name=$2 state
  [[ "$pid" =~ ^[0-9]+$ && -r "/proc/$pid/status" ]] || return 1
  [[ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" == "$name"* ]] || return 1
  state=$(awk '/^State:/ {print $2; exit}' "/proc/$pid/status" 2>/dev/null || true)
  [[ -n "$state" && "$state" != Z && "$state" != X ]]
}
pid_is_postgres() { pid_alive_as "$1" postgres; }

postmaster_pid() { # prints the pid recorded in postmaster.pid (if any)
  [[ -f "$PG_DATA_DIR/postmaster.pid" ]] && head -n1 "$PG_DATA_DIR/postmaster.pid" | tr -dc '0-9'
}

clear_stale_pg_state() {
  local pid lock f
  pid=$(postmaster_pid || true)
  if [[ -n "$pid" ]] && ! pid_is_postgres "$pid"; then
    log "removing stale $PG_DATA_DIR/postmaster.pid (pid $pid is not running postgres)"
    rm -f -- "$PG_DATA_DIR/postmaster.pid"
  fi
  lock="$PG_SOCKET_DIR/.s.PGSQL.$PG_PORT.lock"
  if [[ -f "$lock" ]]; then
    pid=$(head -n1 "$lock" | tr -dc '0-9')
    if [[ -z "$pid" ]] || ! pid_is_postgres "$pid"; then
      log "removing stale socket lock $lock"
      rm -f -- "$lock" "$PG_SOCKET_DIR/.s.PGSQL.$PG_PORT"
    fi
  fi
  # Backends orphaned by a SIGKILLed postmaster keep the old shared memory
  # attached and make the new postmaster refuse to start. They carry the
  # cluster name in their title ("postgres: 15/main: ..."), so only this
  # cluster's leftovers are matched.
  if [[ ! -f "$PG_DATA_DIR/postmaster.pid" ]]; then
    local cmd ppid
    for f in /proc/[0-9]*/cmdline; do
      pid=${f#/proc/}; pid=${pid%/cmdline}
      cmd=$(tr '\0' ' ' <"$f" 2>/dev/null || true)
      [[ "$cmd" == "postgres: $PG_MAJOR/$PG_CLUSTER: "* ]] || continue
      ppid=$(awk '/^PPid:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
      pid_is_postgres "$ppid" && continue    # has a live postmaster: not ours to touch
      log "killing orphaned postgres process $pid ($cmd)"
      kill -9 "$pid" 2>/dev/null || true
    done
  fi
}

# Writes the tuning file; returns 0 if it changed.
ensure_pg_tuning() {
  local want
  want="# Managed by SiteSync scripts/setup.sh (rewritten on every run; do not edit).
max_connections = 300
shared_buffers = 512MB
# Commit times for the realtime relay lag metric (commit to emit); needs a restart.
track_commit_timestamp = on"
  if [[ "${SITESYNC_FAST_PG:-0}" == 1 ]]; then
    want+="
# SITESYNC_FAST_PG=1: faster commits, a crash may lose the last transactions.
synchronous_commit = off"
  fi
  mkdir -p "$PG_CONF_DIR/conf.d"
  if [[ -f "$PG_TUNING_FILE" ]] && [[ "$(cat "$PG_TUNING_FILE")" == "$want" ]]; then
    return 1
  fi
  log "writing $PG_TUNING_FILE"
  printf '%s\n' "$want" >"$PG_TUNING_FILE"
  chown postgres:postgres "$PG_TUNING_FILE" 2>/dev/null || true
  chmod 644 "$PG_TUNING_FILE"
  return 0
}

# The running cluster's track_commit_timestamp (on/off; empty if unreadable), as postgres.
commit_ts_setting() {
  runuser -u postgres -- psql -X -w -q -tA -d postgres -c 'show track_commit_timestamp' 2>/dev/null || true
}

# Restarts the running cluster when the tuning file changed, or when track_commit_timestamp
# is still off (it only takes effect at server start; e.g. an earlier run was interrupted
# between writing the file and restarting). Otherwise does nothing.
restart_if_needed() { # restart_if_needed TUNING_CHANGED(0|1)
  (( $1 )) || [[ "$(commit_ts_setting)" == off ]] || return 0
  log "restarting PostgreSQL $PG_MAJOR/$PG_CLUSTER to apply tuning"
  pg_ctlcluster -m fast "$PG_MAJOR" "$PG_CLUSTER" restart 9>&- || pg_fail "pg_ctlcluster restart failed"
}

pg_fail() {
  [[ -r "$PG_LOG" ]] && { echo "--- last lines of $PG_LOG ---" >&2; tail -n 30 "$PG_LOG" >&2; }
  die "$*"
}

cluster_port() { pg_lsclusters -h 2>/dev/null | awk -v v="$PG_MAJOR" -v c="$PG_CLUSTER" '$1==v && $2==c {print $3}'; }

ensure_postgres() {
  have pg_lsclusters || die "postgresql-common is not installed (pg_lsclusters missing)"
  if [[ -z "$(cluster_port)" ]]; then
    log "creating cluster $PG_MAJOR/$PG_CLUSTER"
    pg_createcluster "$PG_MAJOR" "$PG_CLUSTER" --port "$PG_PORT" >/dev/null 9>&- || die "pg_createcluster failed"
  fi
  local port; port=$(cluster_port)
  [[ "$port" == "$PG_PORT" ]] || die "cluster $PG_MAJOR/$PG_CLUSTER is configured for port $port, expected $PG_PORT (see $PG_CONF_DIR/postgresql.conf)"

  local tuning_changed=0
  ensure_pg_tuning && tuning_changed=1

  install -d -o postgres -g postgres -m 2775 "$PG_SOCKET_DIR"

  if pg_ready; then
    restart_if_needed "$tuning_changed"
  else
    local pid; pid=$(postmaster_pid || true)
    if [[ -n "$pid" ]] && pid_is_postgres "$pid"; then
      # A live postmaster that does not answer yet: crash recovery / startup.
      log "PostgreSQL (pid $pid) is starting up; waiting"
    else
      clear_stale_pg_state
      log "starting PostgreSQL $PG_MAJOR/$PG_CLUSTER"
      pg_ctlcluster "$PG_MAJOR" "$PG_CLUSTER" start 9>&- || pg_fail "pg_ctlcluster $PG_MAJOR $PG_CLUSTER start failed"
    fi
  fi
  wait_for postgres pg_ready \
    || pg_fail "PostgreSQL did not accept connections on $PG_HOST:$PG_PORT within ${WAIT_SECS}s (pg_isready)"
}

# --------------------------------------------------- bare metal: redis -----
redis_major() { redis-server --version 2>/dev/null | sed -n 's/.* v=\([0-9]*\)\..*/\1/p'; }

ensure_redis() {
  if redis_ping; then return 0; fi
  have redis-server || die "redis-server is not installed"
  local major; major=$(redis_major)
  [[ -n "$major" && "$major" -ge 7 ]] || die "redis-server >= 7 required, found: $(redis-server --version 2>&1 | head -n1)"

  local run_as=() dir=/tmp logfile="" pf pid
  if id redis >/dev/null 2>&1 && is_root; then
    run_as=(runuser -u redis --)
    install -d -o redis -g redis -m 2755 /run/redis
    [[ -d /var/lib/redis ]] && dir=/var/lib/redis
    [[ -d /var/log/redis ]] && logfile=/var/log/redis/sitesync-redis.log
  elif is_root; then
    install -d -m 755 /run/redis
  fi
  # Stale pid files (ours and the Debian service's) after a SIGKILL.
  for pf in "$REDIS_PIDFILE" /run/redis/redis-server.pid; do
    [[ -f "$pf" ]] || continue
    pid=$(tr -dc '0-9' <"$pf")
    if ! pid_alive_as "$pid" redis-server; then
      log "removing stale redis pid file $pf"
      rm -f -- "$pf"
    fi
  done
  local args=(--daemonize yes --bind "$REDIS_HOST" --port "$REDIS_PORT" --save '' --appendonly no --dir "$dir")
  [[ -d /run/redis ]] && args+=(--pidfile "$REDIS_PIDFILE")
  [[ -n "$logfile" ]] && args+=(--logfile "$logfile")
  log "starting redis-server on $REDIS_HOST:$REDIS_PORT"
  "${run_as[@]}" redis-server "${args[@]}" 9>&- || die "redis-server failed to start"
  wait_for redis redis_ping || {
    [[ -n "$logfile" && -r "$logfile" ]] && tail -n 20 "$logfile" >&2
    die "Redis did not answer PING on $REDIS_HOST:$REDIS_PORT within ${WAIT_SECS}s"
  }
}

# ----------------------------------------------------------- bootstrap ----
# Picks a way to act as superuser; prints nothing. Sets SUPER_PSQL array.
SUPER_PSQL=()
find_superuser() {
  if is_root && id postgres >/dev/null 2>&1 && have runuser; then
    SUPER_PSQL=(runuser -u postgres -- psql -X -q -w -v ON_ERROR_STOP=1 -d postgres)
    # Peer auth over the local socket; confirm it actually works.
    if [[ "$("${SUPER_PSQL[@]}" -tAc 'select rolsuper from pg_roles where rolname = current_user' 2>/dev/null)" == t ]]; then
      return 0
    fi
  fi
  if [[ -n "${SITESYNC_SUPERUSER_URL:-}" ]]; then
    SUPER_PSQL=(psql -X -q -w -v ON_ERROR_STOP=1 -d "$SITESYNC_SUPERUSER_URL")
    [[ "$("${SUPER_PSQL[@]}" -tAc 'select rolsuper from pg_roles where rolname = current_user' 2>/dev/null)" == t ]] && return 0
    warn "SITESYNC_SUPERUSER_URL does not connect as a superuser"
  fi
  # e.g. Homebrew/Postgres.app: the OS user is a superuser with trust auth.
  SUPER_PSQL=(psql -X -q -w -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PORT" -d postgres)
  [[ "$("${SUPER_PSQL[@]}" -tAc 'select rolsuper from pg_roles where rolname = current_user' 2>/dev/null)" == t ]] && return 0
  SUPER_PSQL=()
  return 1
}

run_bootstrap() { # run_bootstrap required|optional
  if ! find_superuser; then
    [[ "$1" == required ]] && die "cannot act as a PostgreSQL superuser to run scripts/bootstrap.sql (run as root, or set SITESYNC_SUPERUSER_URL)"
    log "no superuser access: skipping bootstrap.sql (roles/databases already verified)"
    return 0
  fi
  "${SUPER_PSQL[@]}" -f - <"$BOOTSTRAP_SQL" || die "scripts/bootstrap.sql failed"
}

# -------------------------------------------------------------- verify ----
verify() {
  local db ext_list want=${#EXTENSIONS[@]} n
  ext_list=$(printf "'%s'," "${EXTENSIONS[@]}"); ext_list=${ext_list%,}
  for db in sitesync sitesync_test; do
    n=$(psql_url "postgres://sitesync_owner:sitesync_owner@$PG_HOST:$PG_PORT/$db" \
        "select count(*) from pg_extension where extname in ($ext_list)") \
      || die "cannot connect as sitesync_owner to database $db on $PG_HOST:$PG_PORT"
    [[ "$n" == "$want" ]] || die "database $db is missing extensions (have $n of: ${EXTENSIONS[*]})"
  done
  [[ "$(psql_url "$APP_URL" "select rolsuper::text || rolbypassrls::text from pg_roles where rolname = current_user")" == falsefalse ]] \
    || die "sitesync_app must be NOSUPERUSER NOBYPASSRLS (and able to log in with its password)"
  [[ "$(psql_url "$SERVICE_URL" "select rolsuper::text || rolbypassrls::text from pg_roles where rolname = current_user")" == falsetrue ]] \
    || die "sitesync_service must be NOSUPERUSER BYPASSRLS (and able to log in with its password)"
  # The relay lag metric measures from the commit only with this on (docs/realtime.md).
  if [[ "$(psql_url "$OWNER_URL" "show track_commit_timestamp")" != on ]]; then
    (( MANAGED_PG )) && die "track_commit_timestamp is still off after setup (overridden by ALTER SYSTEM, or the server was still starting with old settings): as superuser run ALTER SYSTEM RESET track_commit_timestamp, then re-run"
    warn "track_commit_timestamp is off: the relay lag metric falls back to statement time and test/realtime-delivery.test.ts fails; as superuser run ALTER SYSTEM SET track_commit_timestamp = on, then restart PostgreSQL"
  fi
  redis_ping || die "Redis is not answering PING on $REDIS_HOST:$REDIS_PORT"
}

summary() {
  local pgv vecv redisv maxc
  pgv=$(psql_url "$OWNER_URL" "show server_version" 2>/dev/null || echo '?')
  vecv=$(psql_url "$OWNER_URL" "select extversion from pg_extension where extname = 'vector'" 2>/dev/null || echo '?')
  maxc=$(psql_url "$OWNER_URL" "show max_connections" 2>/dev/null || echo '?')
  redisv=$( { timeout 3 redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" info server 2>/dev/null || true; } | tr -d '\r' | sed -n 's/^redis_version://p')
  [[ -n "$redisv" ]] || redisv='?'
  echo
  echo "SiteSync infrastructure is up ($MODE path, $(( $(date +%s) - START_TS ))s)"
  echo "  PostgreSQL $pgv (max_connections=$maxc), pgvector $vecv"
  echo "  Redis      $redisv"
  echo "  owner/migrations  $OWNER_URL"
  echo "  app               $APP_URL"
  echo "  service           $SERVICE_URL"
  echo "  test database     $TEST_OWNER_URL  (same roles, db sitesync_test)"
  echo "  redis             $REDIS_URL"
}

# ---------------------------------------------------------------- main ----
MODE=""
MANAGED_PG=0   # 1 when this script configures the server (docker, or Debian cluster 15/main)
if [[ "${SITESYNC_USE_DOCKER:-}" != 0 ]] && have docker && timeout 10 docker info >/dev/null 2>&1; then
  run_docker_path
  MANAGED_PG=1
  ensure_browser_packages
  have psql || { log "psql not on PATH: skipping host-side verification"; summary; exit 0; }
  wait_for postgres pg_ready || die "PostgreSQL container not reachable on $PG_HOST:$PG_PORT"
elif pg_ready && redis_ping && roles_and_dbs_ok; then
  MODE=existing
  log "PostgreSQL and Redis already up with roles/databases in place"
  # On a Debian host that runs cluster 15/main itself, keep the tuning file
  # current (a restart happens only if it changed or track_commit_timestamp is off).
  if is_root && is_debian && have pg_lsclusters && [[ "$(cluster_port)" == "$PG_PORT" ]]; then
    MANAGED_PG=1
    tuning_changed=0
    ensure_pg_tuning && tuning_changed=1
    restart_if_needed "$tuning_changed"
    wait_for postgres pg_ready || pg_fail "PostgreSQL did not come back after restart"
  fi
  run_bootstrap optional
  ensure_cluster_packages
  ensure_browser_packages
else
  MODE=bare-metal
  is_debian || die "PostgreSQL $PG_MAJOR/Redis 7 are not running on $PG_HOST:$PG_PORT/$REDIS_PORT and this is not Debian/Ubuntu: start a docker engine, or start them yourself (see docs/setup.md)"
  is_root || die "PostgreSQL/Redis need installing or starting: re-run as root (sudo bash scripts/setup.sh), or start a docker engine"
  export DEBIAN_FRONTEND=noninteractive
  ensure_packages
  MANAGED_PG=1
  ensure_postgres
  ensure_redis
  run_bootstrap required
  ensure_cluster_packages
  ensure_browser_packages
fi

verify
summary
