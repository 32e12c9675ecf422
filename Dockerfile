# syntax=docker/dockerfile:1
# The listener's image. The project's own machines have no Docker engine, so it is not built there:
# CI builds it (.github/workflows/ci.yml, job kind-e2e) as eventgrid-reloader-listener:dev and runs the
# end-to-end suites against it in kind. Manifests: k8s/.

# Pin by digest for reproducible builds, e.g. --build-arg NODE_IMAGE=node:20-bookworm-slim@sha256:…
ARG NODE_IMAGE=node:20-bookworm-slim

# TypeScript to dist/ with the dev dependencies.
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY listener ./listener
COPY simulator ./simulator
RUN npm run build

# Production dependencies only, in a stage of their own so the build's node_modules never reach the image.
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# package.json says "type": "module", which the compiled ESM needs.
COPY package.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /src/dist/listener ./dist/listener
# Files stay owned by root and read-only to the process; the numeric user lets the kubelet check
# runAsNonRoot (k8s/deployment.yaml runs it with a read-only root filesystem).
USER 10001:10001
# 8080: Event Grid deliveries (the port of the Configs); 8081: /healthz, /readyz, /metrics.
EXPOSE 8080 8081
# No HEALTHCHECK: the Deployment's probes call /healthz and /readyz on the admin port.
ENTRYPOINT ["node", "dist/listener/main.js"]
