#!/usr/bin/env bash
# The production artifact starts and serves: `npm run build`, then `node dist/src/main.js` in
# production mode against the (migrated) database of DATABASE_URL, until /readyz answers 200;
# then it is stopped with SIGTERM and must exit cleanly. CI runs it after the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run -s build
port=$(node -e "const s = require('net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })")
NODE_ENV=production HOST=127.0.0.1 PORT="$port" LOG_LEVEL=warn REDIS_KEY_PREFIX="smoke-$$:" \
  JWT_SECRET="smoke-$(node -e "console.log(require('crypto').randomBytes(24).toString('hex'))")" \
  node dist/src/main.js &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
ready() { node -e "fetch('http://127.0.0.1:$port/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"; }
for _ in $(seq 1 30); do
  if ready; then
    kill -TERM "$pid"
    wait "$pid"
    echo "smoke: the built API was ready on port $port and stopped cleanly"
    exit 0
  fi
  sleep 1
done
echo "smoke: the built API was not ready within 30 s" >&2
exit 1
