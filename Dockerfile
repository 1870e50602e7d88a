# The customer-services image: `docker build -t customer-services .` (see README, "Deploying").
# Every stage starts from the same Node LTS image, so the native module (better-sqlite3) that the
# deps stage compiles matches the runtime's Node and C library exactly.

# Bundles the TypeScript with esbuild; no native module is needed for that, so install scripts are skipped.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build

# Production dependencies only, with the compilers better-sqlite3 falls back to when no
# prebuilt binary can be downloaded; the compilers stay in this stage.
FROM node:24-bookworm-slim AS deps
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts=false --no-audit --no-fund

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and so read-only to the service; only the data directory is its own.
COPY package.json ./
COPY migrations ./migrations
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir data && chown node:node data
# The default DATABASE_URL (data/customer-services.sqlite) lives here.
VOLUME ["/app/data"]
USER node
EXPOSE 3000
# Slim images have no curl; Node's fetch probes the port the service was given.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form: Node is PID 1 and receives SIGTERM itself, so it closes gracefully.
CMD ["node", "dist/server.js"]
