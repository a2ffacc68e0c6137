# potledger: the API and the dashboard in one image.
#   docker build -t potledger .        then see docker-compose.yml
# Two stages: `build` has the compilers and the dev dependencies (Vite builds the dashboard, tsc
# the server); `runtime` has only what the compiled server needs (no tsc, no tsx), runs as the
# unprivileged `node` user and reports its health. Node 24 is the current LTS line (Node 20
# reached end of life on 30 April 2026).

FROM node:24-bookworm-slim AS build
# better-sqlite3 compiles from source when no prebuilt binary matches.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY bin ./bin
# The dashboard imports the money rules and view types from events/ and projections/, so the
# sources go in before the install.
COPY events ./events
COPY commands ./commands
COPY projections ./projections
COPY src ./src
COPY web ./web
# The prepare script (run by npm ci) builds the dashboard into web/dist and compiles the server
# into dist/ (tsc -p tsconfig.build.json, bin/compiled.js); the runtime runs plain JavaScript.
RUN npm ci --no-audit --no-fund \
 && test -f web/dist/index.html \
 && test -f dist/BUILD \
 && test -f dist/src/app/main.js \
 && npm prune --omit=dev --no-audit --no-fund

# No compiler, no TypeScript, no tsx: the compiled server, its production dependencies, the
# built dashboard and the starter data files.
FROM node:24-bookworm-slim AS runtime
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/web/dist ./web/dist
COPY package.json package-lock.json ./
COPY bin ./bin
COPY data/unit-costs.json data/deflators.json ./data/

ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    LEDGER_DATA_DIR=/data
# The server writes its store, snapshots and signing secret here as the unprivileged node user.
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
EXPOSE 3000
USER node
# /health answers 200 once the store is reachable and the books are loaded.
HEALTHCHECK --interval=10s --timeout=3s --start-period=120s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# `npm start` without npm: the compiled server, no TypeScript loader.
CMD ["node", "dist/src/app/main.js"]
