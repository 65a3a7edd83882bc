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
# The console (its own package): the typed client is generated from console/openapi.json, then
# Vite bundles it into console/dist, which the service serves at /console.
COPY console/package.json console/package-lock.json ./console/
RUN cd console && npm ci --no-audit --no-fund
COPY console ./console
RUN cd console && npm run build

FROM node:20-bookworm-slim
ENV NODE_ENV=production SNAPSHOT_PATH=/var/lib/rule-center/rules-snapshot.json
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/console/dist ./console/dist
COPY package.json ./
COPY samples ./samples
COPY proto ./proto
RUN mkdir -p /var/lib/rule-center && chown node:node /var/lib/rule-center
USER node
# 8080 REST, 9090 gRPC, 9100 the ops listener when OPS_PORT=9100 (docker-compose.yml)
EXPOSE 8080 9090 9100
# `node dist/scripts/migrate.js` and `node dist/scripts/seed.js` run the one-shot jobs.
CMD ["node", "dist/src/main.js"]
