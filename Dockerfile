# potledger API. Build: docker build -t potledger .   Run: see docker-compose.yml
FROM node:20-bookworm-slim

# better-sqlite3 compiles from source when no prebuilt binary matches.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY events ./events
COPY commands ./commands
COPY projections ./projections
COPY src ./src
COPY bin ./bin
COPY data/unit-costs.json data/deflators.json ./data/
COPY tsconfig.json ./

ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    LEDGER_DATA_DIR=/data
# The server writes its store and signing secret here as the unprivileged node user.
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
EXPOSE 3000
USER node
CMD ["node", "--import", "tsx", "src/main.ts"]
