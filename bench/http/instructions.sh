#!/usr/bin/env bash
# Instructions per request of one benchmark app, counted by callgrind: repeatable where req/s on
# these shared machines swings by tens of percent. The app is warmed up first (default 4,000
# requests, so V8 has optimized the hot code), counters are zeroed, MEASURE requests are sent, and
# the counts are divided by them. Slow (valgrind): about a minute per app.
#
# Two counts: the main thread's (the JavaScript of the request, Node's HTTP parser, the scavenges
# V8 runs there) and all threads' (plus V8's compiler and GC helper threads). The main thread's
# is the one to compare: under valgrind V8 is still compiling after the warm-up, at a pace set by
# wall-clock time, so the helper threads' share varies from run to run (the same Fastify app gave
# 136k to 176k in all, 97k to 102k on its main thread). Even the main thread's count moves a few
# percent when V8 recompiles during the measured requests: repeat it and compare ranges.
# Usage: bench/http/instructions.sh koa hoptrace   (WARMUP=4000 MEASURE=800)
set -euo pipefail
framework=$1
variant=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'callgrind_control -k >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
valgrind --tool=callgrind --smc-check=all-non-file --separate-threads=yes --callgrind-out-file="$work/out.%p" \
  node "$here/instructions-server.mjs" "$framework" "$variant" >"$work/log" 2>&1 &
for _ in $(seq 1 120); do grep -q '^PORT' "$work/log" && break; sleep 1; done
port=$(sed -n 's/^PORT //p' "$work/log")
node "$here/instructions-client.mjs" "$port" "${WARMUP:-4000}"
callgrind_control -z >/dev/null 2>&1
node "$here/instructions-client.mjs" "$port" "${MEASURE:-800}"
callgrind_control -d >/dev/null 2>&1
sleep 1
# With --separate-threads, the dump writes one file per thread: out.<pid>.1-01 is the main thread.
# %.0f: awk's %d stops at 2^31, which Node 20's Express passes in all threads.
sum_of_summaries() { awk '/^summary:/ { sum += $2 } END { printf "%.0f", sum }' "$@"; }
main=$(sum_of_summaries "$work"/out.*.1-01)
total=$(sum_of_summaries "$work"/out.*.1-*)
echo "$framework $variant: $((main / ${MEASURE:-800})) instructions per request on the main thread, $((total / ${MEASURE:-800})) in all"
