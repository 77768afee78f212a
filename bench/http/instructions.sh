#!/usr/bin/env bash
# Instructions per request of one benchmark app, counted by callgrind: repeatable where req/s on
# these shared machines swings by tens of percent. The app is warmed up first (default 4,000
# requests, so V8 has optimized the hot code), counters are zeroed, MEASURE requests are sent, and
# the total is divided by them. Slow (valgrind): about a minute per app.
# Usage: bench/http/instructions.sh koa hoptrace   (WARMUP=4000 MEASURE=800)
set -euo pipefail
framework=$1
variant=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'callgrind_control -k >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
valgrind --tool=callgrind --smc-check=all-non-file --callgrind-out-file="$work/out.%p" \
  node "$here/instructions-server.mjs" "$framework" "$variant" >"$work/log" 2>&1 &
for _ in $(seq 1 120); do grep -q '^PORT' "$work/log" && break; sleep 1; done
port=$(sed -n 's/^PORT //p' "$work/log")
node "$here/instructions-client.mjs" "$port" "${WARMUP:-4000}"
callgrind_control -z >/dev/null 2>&1
node "$here/instructions-client.mjs" "$port" "${MEASURE:-800}"
callgrind_control -d >/dev/null 2>&1
sleep 1
total=$(grep -h '^summary' "$work"/out.*.1 | head -1 | cut -d' ' -f2)
echo "$framework $variant: $((total / ${MEASURE:-800})) instructions per request"
