#!/usr/bin/env bash
# The back-office in a real browser, as a new user meets it: a throwaway PostgreSQL, the
# real binary with the demo data, a merchant given both demo shops and its user made with
# the command line, the server started, then backoffice.test.mjs drives headless Chromium
# (Debian's, through playwright-core) through a shop's day and a transfer to the other shop
# (it runs `caisse check` itself after some steps, through CAISSE_BIN). Screenshots, the
# exports and the server's log go to target/e2e/.
#
#   tests/e2e/run.sh     needs chromium (apt-get install chromium) and node with npm
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ -z "${DATABASE_URL:-}" ]; then
    exec scripts/with-postgres "$0" "$@"
fi
export SQLX_OFFLINE=true
out=target/e2e
rm -rf "$out" && mkdir -p "$out/screenshots"

echo "-- building the server"
cargo build --quiet --locked --bin caisse
caisse=target/debug/caisse

echo "-- npm packages (playwright-core)"
(cd tests/e2e && npm ci --no-audit --no-fund --silent)

echo "-- a merchant and its user, made with the command line"
email=gerante@kivu.example
password='mot de passe de la gérante'
"$caisse" seed-demo
"$caisse" create-merchant --nom "Ets Kivu" --email contact@kivu.example
"$caisse" assign-boutique --boutique BTQ-009 --commercant "Ets Kivu"
# Taken from its demo merchant: two shops of one merchant can send each other goods.
"$caisse" assign-boutique --boutique BTQ-010 --commercant "Ets Kivu"
printf '%s\n' "$password" | "$caisse" create-user --email "$email" --nom "Gérante" \
    --commercant "Ets Kivu" --password-stdin

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
echo "-- the server on 127.0.0.1:$port (cookies Secure, as in production: loopback counts as secure)"
CAISSE_ADDR="127.0.0.1:$port" "$caisse" serve >"$out/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
    if curl -fsS "http://127.0.0.1:$port/api/v2/simple/status/" >/dev/null 2>&1; then
        break
    fi
    if ! kill -0 "$server" 2>/dev/null; then
        cat "$out/server.log" >&2
        exit 1
    fi
    sleep 0.5
done

echo "-- the browser test"
BASE_URL="http://127.0.0.1:$port" E2E_EMAIL="$email" E2E_PASSWORD="$password" \
    E2E_OUT="$out" CAISSE_BIN="$caisse" node --test --test-reporter=spec tests/e2e/backoffice.test.mjs

echo "-- the books still balance"
"$caisse" check
echo "screenshots: $out/screenshots/"
