#!/usr/bin/env bash
# The one set-up step behind both README commands (`npm run demo` and `npm test`):
#   1. node_modules and the generated Prisma client;
#   2. PostgreSQL with PostGIS and Redis, at DATABASE_URL / REDIS_URL (defaults: local ones).
#      When one does not answer and this is Debian/Ubuntu as root, the missing packages are
#      installed and the services started; anywhere else it says exactly what is missing;
#   3. the database (created when absent) with every migration applied.
# Idempotent, and a couple of seconds when everything is already in place.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "setup: $*" >&2; }

# --- 1. Node dependencies and the Prisma client ---------------------------------------------
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm dependencies"
  npm install --no-audit --no-fund --loglevel=error
fi
if [ ! -f src/generated/prisma/client.ts ] || [ prisma/schema.prisma -nt src/generated/prisma/client.ts ]; then
  say "generating the Prisma client"
  PRISMA_SCHEMA_ENGINE_BINARY=/bin/false npx --no-install prisma generate >/dev/null
fi

# --- 2. Services ----------------------------------------------------------------------------
probe() { node -r @swc-node/register scripts/probe-services.ts; }
value() { sed -n "s/^$1=//p" <<<"$STATE"; }
can_install() { [ -f /etc/debian_version ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; }

APT_UPDATED=""
apt_install() {
  if [ -z "$APT_UPDATED" ]; then
    say "apt-get update"
    apt-get update -qq >/dev/null
    APT_UPDATED=1
  fi
  say "installing $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

start_postgres() {
  if ! command -v pg_lsclusters >/dev/null; then
    apt_install postgresql
    # A fresh cluster only accepts peer logins; let local TCP connections in as the default URL does.
    for hba in /etc/postgresql/*/main/pg_hba.conf; do
      grep -q "careconnect-setup" "$hba" || sed -i '1i host all all 127.0.0.1/32 trust # careconnect-setup\nhost all all ::1/128 trust # careconnect-setup' "$hba"
    done
  fi
  for version in $(ls /etc/postgresql); do
    say "starting PostgreSQL $version"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
  done
}

start_redis() {
  command -v redis-server >/dev/null || apt_install redis-server
  say "starting Redis"
  # The append-only file keeps the outage journal (SOS taken in while PostgreSQL is down) across a Redis restart.
  local dir="${XDG_STATE_HOME:-$HOME/.local/state}/careconnect/redis"
  mkdir -p "$dir"
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly yes --appendfsync everysec --dir "$dir" >/dev/null
}

STATE="$(probe)" || exit 1
missing=()
if [ "$(value postgres)" != up ]; then
  if [ "$(value database_local)" = yes ] && can_install; then start_postgres; else missing+=("postgres"); fi
fi
if [ "$(value redis)" != up ]; then
  if [ "$(value redis_local)" = yes ] && can_install; then start_redis; else missing+=("redis"); fi
fi
[ ${#missing[@]} -eq 0 ] && STATE="$(probe)"
if [ "$(value postgres)" = up ] && [ "$(value postgis)" != yes ]; then
  if can_install; then apt_install "postgresql-$(value pg_major)-postgis-3"; STATE="$(probe)"; fi
  [ "$(value postgis)" = yes ] || missing+=("postgis")
fi
# Servers that tests run in front of or beside the API (the API itself needs none): coturn, the
# TURN server the call tests allocate relays on; PgBouncer, the pooler the database is reached
# through in the pooling tests; HAProxy, the balancer in front of several instances.
for tool in turnserver:coturn pgbouncer:pgbouncer haproxy:haproxy; do
  command -v "${tool%%:*}" >/dev/null || [ -x "/usr/sbin/${tool%%:*}" ] && continue
  if can_install; then apt_install "${tool##*:}"; else say "note: ${tool##*:} (${tool%%:*}) is not installed; a test needs it (Debian/Ubuntu: apt-get install ${tool##*:}; macOS: brew install ${tool##*:})"; fi
done
[ "$(value postgres)" = up ] || [[ " ${missing[*]} " == *" postgres "* ]] || missing+=("postgres")
[ "$(value redis)" = up ] || [[ " ${missing[*]} " == *" redis "* ]] || missing+=("redis")

if [ ${#missing[@]} -gt 0 ]; then
  say "cannot continue; missing:"
  for m in "${missing[@]}"; do
    case "$m" in
      postgres) say "  - PostgreSQL at DATABASE_URL ($(value postgres_error)). Start one (PostgreSQL 13+), or set DATABASE_URL, or run: docker compose up -d" ;;
      postgis) say "  - PostGIS for PostgreSQL $(value pg_major) on the database server. Debian/Ubuntu: apt-get install postgresql-$(value pg_major)-postgis-3; macOS: brew install postgis; or run: docker compose up -d" ;;
      redis) say "  - Redis at REDIS_URL ($(value redis_error)). Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis; or run: docker compose up -d" ;;
    esac
  done
  exit 1
fi

# --- 3. Database and migrations -------------------------------------------------------------
npm run -s db:migrate
