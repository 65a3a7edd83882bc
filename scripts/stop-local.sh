#!/usr/bin/env bash
# Stops the etcd and Redis that scripts/start-local.sh started (data stays in .run/).
set -uo pipefail
cd "$(dirname "$0")/.."
RUN_DIR=${RUN_DIR:-.run}
for pidfile in "$RUN_DIR/etcd/etcd.pid" "$RUN_DIR/redis/redis.pid"; do
  [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null && echo "stopped $(basename "$pidfile" .pid)"
  rm -f "$pidfile"
done
exit 0
