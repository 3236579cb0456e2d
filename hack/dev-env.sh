#!/usr/bin/env bash
# The real test environment, idempotent (DESIGN.md "Test environment — real parts").
#   hack/dev-env.sh up        install docker.io/etcd/haproxy/busybox-static/python3-kubernetes when
#                             missing; start a dockerd and an etcd on loopback; build the test
#                             image; write $STATE/env
#   hack/dev-env.sh hosts N   also start N extra dockerd instances, each with its own socket,
#                             bridge and loopback address (127.0.0.2, 127.0.0.3, …)
#   hack/dev-env.sh netns-hosts N
#                             also start N dockerd instances that are really elsewhere: each in
#                             its own network namespace okns<i> (veth okvh<i> ↔ okvn<i>, a /30 of
#                             10.231.0.0/24), reachable only at tcp://10.231.0.<4i+2>:2376 with
#                             TLS client-certificate auth (CA and certificates in $STATE/netns-tls)
#   hack/dev-env.sh down      stop everything this script started and remove its state
# State lives in $OKUBE_TEST_STATE (default /tmp/okube-test); tests read $OKUBE_TEST_STATE/env.
set -euo pipefail
STATE=${OKUBE_TEST_STATE:-/tmp/okube-test}
IMAGE=okube-test/busybox:latest
HERE=$(cd "$(dirname "$0")" && pwd)

log() { printf 'dev-env: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
# patiently CMD… — CMD succeeds within about 30 s (tries every second), quietly.
patiently() { for _ in $(seq 1 30); do "$@" >/dev/null 2>&1 && return 0; sleep 1; done; return 1; }
# stop_pid PIDFILE — TERM, then KILL after 10 s; returns once the process is gone.
stop_pid() {
  local pid; pid=$(cat "$1")
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.25; done
  kill -9 "$pid" 2>/dev/null || true
  for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.25; done
}

install_packages() {
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  command -v etcd >/dev/null || missing+=(etcd-server etcd-client)
  # okube up's data plane (TaskServices): HAProxy, supervised like the embedded etcd.
  command -v haproxy >/dev/null || missing+=(haproxy)
  [ -x /bin/busybox ] && /bin/busybox --list 2>/dev/null | grep -qx httpd || missing+=(busybox-static)
  command -v ip >/dev/null || missing+=(iproute2)
  # netns-hosts: TLS certificates for the engines in network namespaces.
  command -v openssl >/dev/null || missing+=(openssl)
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
  # A running engine on a loaded machine may answer slowly: it is given time before it is
  # declared broken, and a broken one is stopped before another starts on its data root.
  if alive "$dir/pid"; then
    if patiently docker -H "unix://$sock" version; then
      echo "unix://$sock"; return
    fi
    stop_pid "$dir/pid"
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
  # Replacing a live etcd would pull the data out from under every test that holds its endpoint:
  # a slow one is waited for, and only a broken one is stopped (before its data is removed).
  if alive "$dir/pid"; then
    if [ -f "$dir/endpoint" ] && ETCDCTL_API=3 patiently etcdctl --endpoints "$(cat "$dir/endpoint")" endpoint health; then
      return
    fi
    stop_pid "$dir/pid"
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
# Two dev-env runs at once (a test restoring engines while another does the same) must not
# interleave: the rewrite holds a lock and goes through a temp file of its own, then a rename.
set_env() {
  touch "$STATE/env"
  (
    flock 9
    local tmp
    tmp=$(mktemp "$STATE/env.XXXXXX")
    grep -v "^$1=" "$STATE/env" >"$tmp" || true
    echo "$1=$2" >>"$tmp"
    chmod 644 "$tmp"
    mv "$tmp" "$STATE/env"
  ) 9>"$STATE/env.lock"
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

# ---- engines in their own network namespaces (netns-hosts) ----
# Each engine is started with `nsenter --net=` (not `ip netns exec`, which also makes a mount
# namespace and remounts /sys: its overlay mounts would be invisible to `down` in the root one).
# The namespace has only its loopback and one veth to the root namespace: it cannot reach the
# controllers' loopback, and they reach it only over TCP+TLS at its address.
NETNS_TLS=$STATE/netns-tls
netns_addr() { echo "10.231.0.$((4 * $1 + 2))"; }
netns_peer() { echo "10.231.0.$((4 * $1 + 1))"; }

# The CA, one server certificate per engine address and one client certificate (okube's).
netns_certs() {
  local n=$1 dir=$NETNS_TLS
  mkdir -p "$dir"
  if [ ! -f "$dir/ca.pem" ]; then
    log "generating TLS CA and client certificate in $dir"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=okube-test netns CA" \
      -keyout "$dir/ca-key.pem" -out "$dir/ca.pem" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=okube-controllers" -keyout "$dir/key.pem" -out "$dir/client.csr" 2>/dev/null
    printf 'extendedKeyUsage=clientAuth\n' >"$dir/client.ext"
    openssl x509 -req -in "$dir/client.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca-key.pem" -CAcreateserial \
      -days 3650 -extfile "$dir/client.ext" -out "$dir/cert.pem" 2>/dev/null
    rm -f "$dir/client.csr" "$dir/client.ext"
  fi
  for i in $(seq 1 "$n"); do
    [ -f "$dir/server-$i.pem" ] && continue
    openssl req -newkey rsa:2048 -nodes -subj "/CN=okns$i" -keyout "$dir/server-$i-key.pem" -out "$dir/server-$i.csr" 2>/dev/null
    printf 'subjectAltName=IP:%s\nextendedKeyUsage=serverAuth\n' "$(netns_addr "$i")" >"$dir/server-$i.ext"
    openssl x509 -req -in "$dir/server-$i.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca-key.pem" -CAcreateserial \
      -days 3650 -extfile "$dir/server-$i.ext" -out "$dir/server-$i.pem" 2>/dev/null
    rm -f "$dir/server-$i.csr" "$dir/server-$i.ext"
  done
}

# netns_link I — the namespace and its veth, idempotent (a cut link is put back).
netns_link() {
  local i=$1 ns=okns$1 host=okvh$1 peer=okvn$1
  [ -e "/run/netns/$ns" ] || ip netns add "$ns"
  ip -n "$ns" link set lo up
  if ! ip link show "$host" >/dev/null 2>&1; then
    ip -n "$ns" link del "$peer" 2>/dev/null || true
    ip link add "$host" type veth peer name "$peer" netns "$ns"
  fi
  ip addr replace "$(netns_peer "$i")/30" dev "$host"
  ip link set "$host" up
  ip -n "$ns" addr replace "$(netns_addr "$i")/30" dev "$peer"
  ip -n "$ns" link set "$peer" up
  ip -n "$ns" route replace default via "$(netns_peer "$i")"
}

netns_docker() { local i=$1; shift; docker --tlsverify --tlscacert "$NETNS_TLS/ca.pem" --tlscert "$NETNS_TLS/cert.pem" --tlskey "$NETNS_TLS/key.pem" -H "tcp://$(netns_addr "$i"):2376" "$@"; }

# start_netns_dockerd I — idempotent; prints the tcp:// URL.
start_netns_dockerd() {
  local i=$1 dir=$STATE/nsdocker-$1 addr
  addr=$(netns_addr "$i")
  mkdir -p "$dir"
  if alive "$dir/pid" && netns_docker "$i" version >/dev/null 2>&1; then
    echo "tcp://$addr:2376"; return
  fi
  if alive "$dir/pid"; then kill "$(cat "$dir/pid")" 2>/dev/null || true; sleep 1; fi
  log "starting dockerd nsdocker-$i in network namespace okns$i at $addr"
  rm -f "$dir/pid"
  # Its own bridge (inside the namespace) and subnet; no iptables rules: published ports go
  # through docker-proxy on the namespace's address.
  nohup nsenter --net="/run/netns/okns$i" dockerd \
    --host "tcp://$addr:2376" --tlsverify --tlscacert "$NETNS_TLS/ca.pem" \
    --tlscert "$NETNS_TLS/server-$i.pem" --tlskey "$NETNS_TLS/server-$i-key.pem" \
    --data-root "$dir/data" --exec-root "$dir/exec" --pidfile "$dir/pid" \
    --bip "10.232.$i.1/24" --iptables=false --ip-masq=false >"$dir/log" 2>&1 &
  for _ in $(seq 1 120); do
    netns_docker "$i" version >/dev/null 2>&1 && { echo "tcp://$addr:2376"; return; }
    sleep 0.5
  done
  tail -20 "$dir/log" >&2
  die "dockerd nsdocker-$i did not answer at tcp://$addr:2376 within 60 s (log: $dir/log)"
}

cmd_netns_hosts() {
  local n=${1:?usage: dev-env.sh netns-hosts N}
  cmd_up
  command -v openssl >/dev/null && command -v nsenter >/dev/null || die "need openssl and nsenter (util-linux)"
  [ "$(id -u)" = 0 ] || die "need root for network namespaces"
  netns_certs "$n"
  # A cut link (a test deletes okvhN) must look like a cut cable and stay on this machine: without
  # its /30, 10.231.0.x would follow the default route out of the machine (something out there
  # answered on 2376). Drop whatever would leave by another device: connects time out, as across
  # a cut network.
  iptables -C OUTPUT -d 10.231.0.0/24 ! -o okvh+ -j DROP 2>/dev/null || iptables -I OUTPUT -d 10.231.0.0/24 ! -o okvh+ -j DROP
  local hosts=() addrs=() names=() links=()
  for i in $(seq 1 "$n"); do
    netns_link "$i"
    hosts+=("$(start_netns_dockerd "$i")")
    addrs+=("$(netns_addr "$i")")
    names+=("okns$i")
    links+=("okvh$i")
    if ! netns_docker "$i" image inspect "$IMAGE" >/dev/null 2>&1; then
      log "loading $IMAGE into nsdocker-$i"
      docker -H "$(grep '^OKUBE_TEST_DOCKER_HOST=' "$STATE/env" | cut -d= -f2-)" save "$IMAGE" | netns_docker "$i" load >/dev/null
    fi
  done
  set_env OKUBE_TEST_NETNS_DOCKER_HOSTS "$(IFS=,; echo "${hosts[*]}")"
  set_env OKUBE_TEST_NETNS_ADDRESSES "$(IFS=,; echo "${addrs[*]}")"
  set_env OKUBE_TEST_NETNS_NAMES "$(IFS=,; echo "${names[*]}")"
  set_env OKUBE_TEST_NETNS_LINKS "$(IFS=,; echo "${links[*]}")"
  set_env OKUBE_TEST_NETNS_TLS_CA "$NETNS_TLS/ca.pem"
  set_env OKUBE_TEST_NETNS_TLS_CERT "$NETNS_TLS/cert.pem"
  set_env OKUBE_TEST_NETNS_TLS_KEY "$NETNS_TLS/key.pem"
  log "ready: $n Docker hosts in network namespaces"
}

netns_down() {
  for dir in "$STATE"/nsdocker-*; do
    [ -d "$dir" ] || continue
    local i=${dir##*-}
    if alive "$dir/pid"; then
      netns_docker "$i" ps -aq 2>/dev/null | xargs -r docker --tlsverify --tlscacert "$NETNS_TLS/ca.pem" --tlscert "$NETNS_TLS/cert.pem" --tlskey "$NETNS_TLS/key.pem" -H "tcp://$(netns_addr "$i"):2376" rm -f >/dev/null 2>&1 || true
      kill "$(cat "$dir/pid")" 2>/dev/null || true
      for _ in $(seq 1 40); do alive "$dir/pid" || break; sleep 0.25; done
    fi
  done
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep '^okns[0-9]*$' || true); do
    ip netns del "$ns" 2>/dev/null || true
  done
  for link in $(ip -o link show type veth 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep '^okvh[0-9]*$' || true); do
    ip link del "$link" 2>/dev/null || true
  done
  iptables -D OUTPUT -d 10.231.0.0/24 ! -o okvh+ -j DROP 2>/dev/null || true
}

cmd_down() {
  [ -d "$STATE" ] || return 0
  netns_down
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
  netns-hosts) cmd_netns_hosts "${2:-}" ;;
  down) cmd_down ;;
  *) die "usage: dev-env.sh up | hosts N | netns-hosts N | down" ;;
esac
