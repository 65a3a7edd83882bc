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
ensure_console_modules
ensure_etcd_binary
ensure_redis_binary
if [ -z "${ETCD_ENDPOINTS:-}" ]; then
  start_etcd_if_down "$ETCD_PORT" "$((ETCD_PORT + 1))" "$RUN_DIR/etcd"
  export ETCD_ENDPOINTS="http://127.0.0.1:$ETCD_PORT"
fi
start_redis_if_down "$REDIS_PORT" "$RUN_DIR/redis"

# Admin tokens, only when none are configured: random ones made once for this checkout and kept
# in $RUN_DIR/tokens.env (readable by this user only), so they survive restarts.
TOKENS_FILE="$RUN_DIR/tokens.env"
local_tokens=""
if [ -z "${AUTH_TOKENS:-}" ]; then
  local_tokens=1
  if [ ! -s "$TOKENS_FILE" ]; then
    mkdir -p "$RUN_DIR"
    random_token() { node -e 'process.stdout.write(require("crypto").randomBytes(32).toString("hex"))'; }
    (umask 077; printf 'AUTH_TOKENS=admin:admin:%s,editor:editor:%s,viewer:viewer:%s\n' \
      "$(random_token)" "$(random_token)" "$(random_token)" >"$TOKENS_FILE")
    log "made new admin tokens in $TOKENS_FILE"
  fi
  set -a; . "$TOKENS_FILE"; set +a
fi
# A laptop default: listen on loopback only (gRPC on loopback needs no caller token).
export HTTP_HOST=${HTTP_HOST:-127.0.0.1}
export GRPC_HOST=${GRPC_HOST:-127.0.0.1}
export SNAPSHOT_PATH=${SNAPSHOT_PATH:-$RUN_DIR/rules-snapshot.json}

log "building"
npx nest build >/dev/null
build_console
node dist/scripts/migrate.js
node dist/scripts/seed.js samples/rules.json
log "REST on http://$HTTP_HOST:${HTTP_PORT:-8080}, gRPC on $GRPC_HOST:${GRPC_PORT:-9090} (OpenAPI UI: /api/docs)"
log "console: http://$HTTP_HOST:${HTTP_PORT:-8080}/console (sign in with a token below)"
if [ -n "$local_tokens" ]; then
  log "admin tokens of this checkout (name:role:token, from $TOKENS_FILE):"
  printf '%s\n' "$AUTH_TOKENS" | tr ',' '\n' | sed 's/^/[rule-center]   /' >&2
  viewer_token=$(printf '%s\n' "$AUTH_TOKENS" | tr ',' '\n' | awk -F: '$2 == "viewer" { print $3; exit }')
  log "try: curl -H 'Authorization: Bearer $viewer_token' $HTTP_HOST:${HTTP_PORT:-8080}/api/v1/rules"
fi
log "stop etcd and Redis later with: bash scripts/stop-local.sh"
exec node dist/src/main.js
