#!/usr/bin/env bash
# Builds the okube image with the local Docker engine and no registry:
#   1. okube/node-base:20 — a rootfs holding this machine's node binary, the shared libraries it
#      links and an unprivileged user, imported with `docker import`;
#   2. okube:<version> — Dockerfile, with production node_modules installed on the host.
# Usage: hack/build-image.sh [TAG]   (DOCKER_HOST selects the engine)
set -euo pipefail
cd "$(dirname "$0")/.."
tag=${1:-okube:$(node -p 'require("./package.json").version')}
base=okube/node-base:20
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! docker image inspect "$base" >/dev/null 2>&1; then
  root=$work/rootfs
  mkdir -p "$root"/{bin,etc,tmp,usr/local/bin,app}
  chmod 1777 "$root/tmp"
  node_bin=$(command -v node)
  cp -L "$node_bin" "$root/usr/local/bin/node"
  # The loader and every library node links against, at the same paths.
  for lib in $(ldd "$node_bin" | grep -oE '/[^ ]+'); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
  printf 'root:x:0:0:root:/root:/bin/false\nokube:x:10001:10001:okube:/app:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nokube:x:10001:\n' >"$root/etc/group"
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ca-certificates.crt" 2>/dev/null || true
  tar -C "$root" -c . | docker import -c 'ENV PATH=/usr/local/bin:/bin' -c 'ENV SSL_CERT_FILE=/etc/ca-certificates.crt' - "$base" >/dev/null
  echo "built $base"
fi

ctx=$work/context
mkdir -p "$ctx"
cp -r package.json package-lock.json bin src crds Dockerfile "$ctx/"
(cd "$ctx" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error)
DOCKER_BUILDKIT=0 docker build -q -t "$tag" "$ctx" >/dev/null
echo "built $tag"
