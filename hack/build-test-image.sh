#!/usr/bin/env bash
# Builds the test image from Debian's busybox-static: no registry is reachable from okube's
# machines. busybox's sh, httpd, nc, sleep… make well-behaved, crashing, slow-starting and
# unhealthy test apps. Usage: DOCKER_HOST=… hack/build-test-image.sh [IMAGE]
set -euo pipefail
image=${1:-okube-test/busybox:latest}
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,tmp,etc,www}
chmod 1777 "$root/tmp"
cp /bin/busybox "$root/bin/busybox"
for applet in $(/bin/busybox --list); do
  [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done
echo 'root:x:0:0:root:/:/bin/sh' >"$root/etc/passwd"
echo 'root:x:0:' >"$root/etc/group"
echo ok >"$root/www/index.html"
tar -C "$root" -c . | docker import -c 'ENV PATH=/bin' -c 'WORKDIR /' - "$image" >/dev/null
echo "built $image" >&2
