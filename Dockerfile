# okube controllers + API server image. No registry is reachable from okube's build machines, so
# the base image is made locally from this machine's Node.js (hack/build-image.sh imports it as
# okube/node-base:<version>); okube is compiled (dist/) and its production dependencies are
# installed on the host into the build context, so the image holds JavaScript only.
# Build with hack/build-image.sh, not `docker build` directly.
ARG BASE=okube/node-base:20

FROM ${BASE} AS app
LABEL okube.dev/build-stage=true
WORKDIR /app
COPY package.json package-lock.json ./
COPY node_modules ./node_modules
COPY bin ./bin
COPY dist ./dist
COPY crds ./crds

# Only /app and the base: no build tools, no shell, no package manager.
FROM ${BASE}
COPY --from=app --chown=0:0 /app /app
WORKDIR /app
# Nothing is compiled at start-up; TMPDIR stays on the emptyDir the chart mounts (the root
# filesystem is read-only).
ENV NODE_ENV=production OKUBE_LOG_FORMAT=json TMPDIR=/tmp
USER 10001:10001
ENTRYPOINT ["node", "/app/bin/okube.js"]
CMD ["controllers"]
