#!/usr/bin/env bash
# The real test environment, idempotent (DESIGN.md "Test environment — real parts").
#   hack/dev-env.sh up        install docker.io/etcd/haproxy/busybox-static/python3-kubernetes when
#                             missing; start a dockerd and an etcd on loopback; build the test
#                             image; write $STATE/env
#   hack/dev-env.sh hosts N   also start N extra dockerd instances, each with its own socket,
#                             bridge and loopback address (127.0.0.2, 127.0.0.3, …)
#   hack/dev-env.sh down      stop everything this script started and remove its state
# State lives in $OKUBE_TEST_STATE (default /tmp/okube-test); tests read $OKUBE_TEST_STATE/env.
set -euo pipefail
STATE=${OKUBE_TEST_STATE:-/tmp/okube-test}
IMAGE=okube-test/busybox:latest
HERE=$(cd "$(dirname "$0")" && pwd)

log() { printf 'dev-env: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

install_packages() {
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  command -v etcd >/dev/null || missing+=(etcd-server etcd-client)
  # okube up's data plane (TaskServices): HAProxy, supervised like the embedded etcd.
  command -v haproxy >/dev/null || missing+=(haproxy)
  [ -x /bin/busybox ] && /bin/busybox --list 2>/dev/null | grep -qx httpd || missing+=(busybox-static)
  command -v ip >/dev/null || missing+=(iproute2)
  # The scenario suite (test/scenarios) drives okube with the official Python client as well.
  /usr/bin/python3 -c 'import kubernetes' 2>/dev/null || missing+=(python3-kubernetes)
  [ ${#missing[@]} -eq 0 ] && return
  [ "$(id -u)" = 0 ] || die "need root to install ${missing[*]} (apt-get install -y ${missing[*]})"
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq "${missing[@]}" >/dev/null
}

# start_dockerd NAME [extra dockerd flags…] — idempotent; prints the socket URL.
start_dockerd() {
  local name=$1; shift
  local dir=$STATE/$name sock=$STATE/$name/docker.sock
  mkdir -p "$dir"
  if alive "$dir/pid" && docker -H "unix://$sock" version >/dev/null 2>&1; then
    echo "unix://$sock"; return
  fi
  log "starting dockerd $name"
  rm -f "$sock" "$dir/pid"
  nohup dockerd --host "unix://$sock" --data-root "$dir/data" --exec-root "$dir/exec" \
    --pidfile "$dir/pid" "$@" >"$dir/log" 2>&1 &
  for _ in $(seq 1 120); do
    docker -H "unix://$sock" version >/dev/null 2>&1 && { echo "unix://$sock"; return; }
    sleep 0.5
  done
  tail -20 "$dir/log" >&2
  die "dockerd $name did not answer on $sock within 60 s (log: $dir/log)"
}

ensure_image() {
  local host=$1
  docker -H "$host" image inspect "$IMAGE" >/dev/null 2>&1 || DOCKER_HOST=$host "$HERE/build-test-image.sh" "$IMAGE"
}

free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

start_etcd() {
  local dir=$STATE/etcd
  mkdir -p "$dir"
  if alive "$dir/pid" && [ -f "$dir/endpoint" ] && ETCDCTL_API=3 etcdctl --endpoints "$(cat "$dir/endpoint")" endpoint health >/dev/null 2>&1; then
    return
  fi
  local cport pport
  cport=$(free_port); pport=$(free_port)
  log "starting etcd on 127.0.0.1:$cport"
  rm -rf "$dir/data"
  nohup etcd --name okube-test --data-dir "$dir/data" \
    --listen-client-urls "http://127.0.0.1:$cport" --advertise-client-urls "http://127.0.0.1:$cport" \
    --listen-peer-urls "http://127.0.0.1:$pport" --initial-advertise-peer-urls "http://127.0.0.1:$pport" \
    --initial-cluster "okube-test=http://127.0.0.1:$pport" >"$dir/log" 2>&1 &
  echo $! >"$dir/pid"
  echo "http://127.0.0.1:$cport" >"$dir/endpoint"
  for _ in $(seq 1 60); do
    ETCDCTL_API=3 etcdctl --endpoints "http://127.0.0.1:$cport" endpoint health >/dev/null 2>&1 && return
    sleep 0.5
  done
  tail -20 "$dir/log" >&2
  die "etcd did not become healthy (log: $dir/log)"
}

# set_env KEY VALUE — replaces or appends a line in $STATE/env.
set_env() {
  touch "$STATE/env"
  grep -v "^$1=" "$STATE/env" >"$STATE/env.tmp" || true
  echo "$1=$2" >>"$STATE/env.tmp"
  mv "$STATE/env.tmp" "$STATE/env"
}

cmd_up() {
  install_packages
  mkdir -p "$STATE"
  local host
  host=$(start_dockerd docker)
  ensure_image "$host"
  start_etcd
  set_env OKUBE_TEST_DOCKER_HOST "$host"
  set_env OKUBE_TEST_ETCD_ENDPOINTS "$(cat "$STATE/etcd/endpoint")"
  set_env OKUBE_TEST_IMAGE "$IMAGE"
  log "ready: $STATE/env"
}

cmd_hosts() {
  local n=${1:?usage: dev-env.sh hosts N}
  cmd_up
  local hosts=() addrs=()
  for i in $(seq 1 "$n"); do
    local br=okbr$i
    # Each extra engine gets its own bridge so the engines never fight over docker0, and no
    # iptables rules of its own (published ports go through docker-proxy on the Node's address).
    if ! ip link show "$br" >/dev/null 2>&1; then
      ip link add "$br" type bridge
      ip addr add "10.213.$i.1/24" dev "$br"
      ip link set "$br" up
    fi
    hosts+=("$(start_dockerd "docker-$i" --bridge "$br" --iptables=false --ip-masq=false)")
    addrs+=("127.0.0.$((i + 1))")
    ensure_image "${hosts[-1]}"
  done
  set_env OKUBE_TEST_EXTRA_DOCKER_HOSTS "$(IFS=,; echo "${hosts[*]}")"
  set_env OKUBE_TEST_EXTRA_ADDRESSES "$(IFS=,; echo "${addrs[*]}")"
  log "ready: $n extra Docker hosts"
}

cmd_down() {
  [ -d "$STATE" ] || return 0
  for dir in "$STATE"/docker*; do
    [ -d "$dir" ] || continue
    if alive "$dir/pid"; then
      docker -H "unix://$dir/docker.sock" ps -aq 2>/dev/null | xargs -r docker -H "unix://$dir/docker.sock" rm -f >/dev/null 2>&1 || true
      kill "$(cat "$dir/pid")" 2>/dev/null || true
      for _ in $(seq 1 40); do alive "$dir/pid" || break; sleep 0.25; done
    fi
  done
  alive "$STATE/etcd/pid" && kill "$(cat "$STATE/etcd/pid")" 2>/dev/null || true
  for br in $(ip -o link show type bridge 2>/dev/null | awk -F': ' '{print $2}' | grep '^okbr' || true); do
    ip link del "$br" 2>/dev/null || true
  done
  sleep 0.5
  # overlay mounts under the data roots must go before the directory can.
  grep -o " $STATE/[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$STATE"
  log "stopped and removed $STATE"
}

case "${1:-up}" in
  up) cmd_up ;;
  hosts) cmd_hosts "${2:-}" ;;
  down) cmd_down ;;
  *) die "usage: dev-env.sh up | hosts N | down" ;;
esac
