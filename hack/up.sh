#!/usr/bin/env bash
# README command 1: bring okube up on this machine from a fresh Debian (as root).
# Installs Docker, etcd and HAProxy when missing, starts the Docker engine on its default socket when none
# answers, installs npm dependencies, builds the busybox example image, then runs `okube up`
# (extra arguments go to it, e.g. --data-dir, --listen).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v etcd >/dev/null || missing+=(etcd-server)
command -v haproxy >/dev/null || missing+=(haproxy)
[ -x /bin/busybox ] || missing+=(busybox-static)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} …" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! docker version >/dev/null 2>&1; then
  echo "starting the Docker engine (log: /var/log/okube-dockerd.log) …" >&2
  nohup dockerd >/var/log/okube-dockerd.log 2>&1 &
  for _ in $(seq 1 120); do docker version >/dev/null 2>&1 && break; sleep 0.5; done
  docker version >/dev/null 2>&1 || { echo "error: dockerd did not start; see /var/log/okube-dockerd.log" >&2; exit 1; }
fi

[ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error
npm run --silent build >&2
# The examples in manifests/ run this image; no registry is needed.
docker image inspect okube-test/busybox:latest >/dev/null 2>&1 || bash hack/build-test-image.sh okube-test/busybox:latest
exec node bin/okube.js up "$@"
