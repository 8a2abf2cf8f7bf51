# syntax=docker/dockerfile:1
# One image for every verb of `sluice` (ingest, rollup, api, ilm apply …): `docker run sluice ingest`.

FROM node:20.19.5-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY patches patches
# Scripts are skipped (the build needs the sources); kafkajs's static-membership patch is applied by hand.
RUN npm ci --ignore-scripts --no-audit --no-fund && npx patch-package
COPY bin bin
COPY services services
COPY shared shared
COPY pipelines pipelines
COPY emulators emulators
COPY bench bench
RUN npm run build && npm prune --omit=dev

FROM node:20.19.5-bookworm-slim
# glibc's malloc in transparent huge pages (shared/malloc.ts): the emulators' and workers' Buffers fault a page
# at a time otherwise, which costs CPU per event.
ENV NODE_ENV=production LOG_FORMAT=json GLIBC_TUNABLES=glibc.malloc.hugetlb=1
WORKDIR /app
# Production dependencies, the compiled code and what it reads at run time: the lifecycle files, the default
# SLO file and the page. Nothing of the tests or the sources.
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY package.json slo.yaml ./
COPY ilm ilm
COPY services/api/page services/api/page
# SLUICE_CACHE_DIR's default, writable by the user the verbs run as: a worker's first start in a container writes
# the ASN ranges and the CRS analyses there, and its later starts read them (0.6 CPU-seconds less per start).
RUN mkdir -p node_modules/.cache/sluice && chown node:node node_modules/.cache/sluice
USER node
EXPOSE 8080 9464 9465 9466
# The health listener of the verb that runs: ingest 9464, rollup 9466, api 8080 (HEALTH_PORT).
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=5 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.HEALTH_PORT || '9464') + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "dist/bin/sluice.js"]
CMD ["--help"]
