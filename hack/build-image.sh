#!/usr/bin/env bash
# Builds the okube image with the local Docker engine and no container registry:
#   1. okube/node-base:<node version> — a rootfs holding this machine's node binary, the shared
#      libraries it links, CA certificates and an unprivileged user, imported with `docker import`
#      (kept between builds; it only changes with the machine's Node.js);
#   2. okube:<version> — the Dockerfile's two stages: JavaScript only (dist/ from `npm run build`,
#      bin/, crds/), with production node_modules installed on the host (npm ci --omit=dev, from
#      npm's cache when it has the packages) and trimmed of type declarations, source maps and docs.
# Usage: hack/build-image.sh [TAG]   (DOCKER_HOST selects the engine). Prints the image's size.
set -euo pipefail
cd "$(dirname "$0")/.."
tag=${1:-okube:$(node -p 'require("./package.json").version')}
base=okube/node-base:$(node -p process.versions.node)
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
# dist/ is compiled on the host (skipped when current); the image gets it without the build stamp.
npm run --silent build >&2
cp -r package.json package-lock.json bin dist crds Dockerfile "$ctx/"
rm -f "$ctx/dist/.source-stamp"
(cd "$ctx" && npm ci --omit=dev --ignore-scripts --prefer-offline --no-audit --no-fund --loglevel=error >/dev/null)
find "$ctx/node_modules" -type f \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' -o -name '*.md' -o -name '*.markdown' \) -delete
rm -rf "$ctx/node_modules/@types"
# The legacy builder (no buildx here) keeps the build stage as an untagged image: label it so only
# ours is removed afterwards.
DOCKER_BUILDKIT=0 docker build -q --build-arg "BASE=$base" --label okube.dev/image=okube -t "$tag" "$ctx" >/dev/null
docker image prune -f --filter label=okube.dev/build-stage=true >/dev/null
echo "built $tag ($(docker image inspect -f '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1/1e6}'))"
