#!/usr/bin/env bash
# Quick start, command 1: installs what is missing, starts etcd and Redis on loopback if they do
# not answer, builds, migrates, loads the sample rules (only those missing) and runs the service.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/local-services.sh

ETCD_PORT=${ETCD_PORT:-2379}
REDIS_PORT=${REDIS_PORT:-6379}
RUN_DIR=${RUN_DIR:-.run}

ensure_node_modules
ensure_etcd_binary
ensure_redis_binary
if [ -z "${ETCD_ENDPOINTS:-}" ]; then
  start_etcd_if_down "$ETCD_PORT" "$((ETCD_PORT + 1))" "$RUN_DIR/etcd"
  export ETCD_ENDPOINTS="http://127.0.0.1:$ETCD_PORT"
fi
start_redis_if_down "$REDIS_PORT" "$RUN_DIR/redis"

# Development tokens, only when none are configured. Never use these outside a laptop.
export AUTH_TOKENS=${AUTH_TOKENS:-admin:admin:dev-admin-token,editor:editor:dev-editor-token,viewer:viewer:dev-viewer-token}
export SNAPSHOT_PATH=${SNAPSHOT_PATH:-$RUN_DIR/rules-snapshot.json}

log "building"
npx nest build >/dev/null
node dist/scripts/migrate.js
node dist/scripts/seed.js samples/rules.json
log "REST on http://127.0.0.1:${HTTP_PORT:-8080}  (OpenAPI UI: /api/docs; try: curl -H 'Authorization: Bearer dev-viewer-token' localhost:${HTTP_PORT:-8080}/api/v1/rules)"
log "stop etcd and Redis later with: bash scripts/stop-local.sh"
exec node dist/src/main.js
