# syntax=docker/dockerfile:1
# Multi-stage image for `mcpops serve --http`: build with dev dependencies, run with production ones only.
# --ignore-scripts: the build is an explicit step (the package's own `prepare` would run before the sources are copied).

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY commands ./commands
RUN npm run build

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    MCPOPS_PROFILE=prod \
    MCPOPS_HTTP_HOST=0.0.0.0 \
    MCPOPS_HTTP_PORT=8000
# pg_dump/pg_restore for `mcpops backup` run from the same image (cron jobs, Container Apps jobs).
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-client ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY sql ./sql
COPY data ./data
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin mcpops
USER 10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.MCPOPS_HTTP_PORT||8000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# The young-generation cap `serve` needs is given here, so it starts without re-executing itself.
ENTRYPOINT ["node", "--max-semi-space-size=8", "bin/mcpops.js"]
CMD ["serve", "--http"]
