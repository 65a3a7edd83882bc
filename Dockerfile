# Multi-stage build: compile with dev dependencies, ship only the runtime ones, run as non-root.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
COPY migrations ./migrations
COPY scripts ./scripts
RUN npx nest build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production SNAPSHOT_PATH=/var/lib/rule-center/rules-snapshot.json
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY samples ./samples
COPY proto ./proto
RUN mkdir -p /var/lib/rule-center && chown node:node /var/lib/rule-center
USER node
# 8080 REST, 9090 gRPC, 9100 the ops listener when OPS_PORT=9100 (docker-compose.yml)
EXPOSE 8080 9090 9100
# `node dist/scripts/migrate.js` and `node dist/scripts/seed.js` run the one-shot jobs.
CMD ["node", "dist/src/main.js"]
