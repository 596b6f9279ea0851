# llmops as a service: `docker build -t llmops .` then `docker run -p 8080:8080 llmops`
# (or `docker compose up serve`, beside PostgreSQL, Redis and Qdrant).
#
# Two stages: the build stage has the compilers better-sqlite3 needs and the dev dependencies
# tsup needs; the runtime stage gets only dist/, the shipped files and the pruned production
# node_modules. Both stages use the same base image, so the compiled better-sqlite3 addon
# links against the same glibc and Node ABI it runs on.
ARG NODE_IMAGE=node:20-slim

FROM ${NODE_IMAGE} AS build
# better-sqlite3 is compiled from source when no prebuilt binary can be downloaded.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
# npm 11 honours package.json "allowScripts" (only better-sqlite3 and esbuild may run install
# scripts), as the lockfile's own npm does; node:20 ships npm 10.
RUN npm install -g npm@11 --no-audit --no-fund
# onnxruntime-node's postinstall would download CUDA libraries; its CPU binaries are in the package.
ENV ONNXRUNTIME_NODE_INSTALL=skip
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsup.config.ts ./
COPY src ./src
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    LLMOPS_MODELS_DIR=/data/models
# The service runs as its own unprivileged user; the app files stay root's (read-only to it).
# Its home is the data volume: the default database (.llmops/llmops.db) and models live there.
RUN groupadd --system --gid 10001 llmops \
 && useradd --system --uid 10001 --gid llmops --home-dir /data --shell /usr/sbin/nologin llmops \
 && mkdir -p /data \
 && chown llmops:llmops /data
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json LICENSE README.md ./
COPY bin ./bin
COPY assets ./assets
COPY profiles ./profiles
COPY configs ./configs
COPY tasks ./tasks
COPY data ./data
COPY examples ./examples
RUN ln -s /app/bin/llmops.js /usr/local/bin/llmops
USER llmops
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8080
# fetch is built into Node 20; the slim image has no curl.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["llmops", "serve", "--host", "0.0.0.0", "--port", "8080"]
