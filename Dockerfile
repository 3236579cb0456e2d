# okube controllers + API server image. No registry is reachable from okube's build machines, so
# the base image is made locally from this machine's Node.js (hack/build-image.sh imports it as
# okube/node-base) and dependencies are installed on the host into the build context.
ARG BASE=okube/node-base:20

FROM ${BASE} AS app
WORKDIR /app
COPY package.json package-lock.json ./
COPY node_modules ./node_modules
COPY bin ./bin
COPY src ./src
COPY crds ./crds

FROM ${BASE}
COPY --from=app /app /app
WORKDIR /app
ENV NODE_ENV=production OKUBE_LOG_FORMAT=json
USER 10001:10001
ENTRYPOINT ["node", "/app/bin/okube.js"]
CMD ["controllers"]
