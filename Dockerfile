# okube controllers + API server image. No registry is reachable from okube's build machines, so
# the base image is made locally from this machine's Node.js (hack/build-image.sh imports it as
# okube/node-base:<version>) and dependencies are installed on the host into the build context.
# Build with hack/build-image.sh, not `docker build` directly.
ARG BASE=okube/node-base:20

FROM ${BASE} AS app
LABEL okube.dev/build-stage=true
WORKDIR /app
COPY package.json package-lock.json ./
COPY node_modules ./node_modules
COPY bin ./bin
COPY src ./src
COPY crds ./crds

# Only /app and the base: no build tools, no shell, no package manager.
FROM ${BASE}
COPY --from=app --chown=0:0 /app /app
WORKDIR /app
# tsx compiles src/ at start-up and caches in $TMPDIR; the chart mounts an emptyDir there because
# the root filesystem is read-only.
ENV NODE_ENV=production OKUBE_LOG_FORMAT=json TMPDIR=/tmp
USER 10001:10001
ENTRYPOINT ["node", "/app/bin/okube.js"]
CMD ["controllers"]
