# Shared by scripts/start-local.sh and scripts/test.sh: install what is missing, start what is down.
# Everything the project needs on a fresh Debian machine is installed from here, never by hand.

log() { printf '[rule-center] %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    log "need root to run: $*"; return 1; fi
}

APT_UPDATED=""
apt_install() {
  if [ -z "$APT_UPDATED" ]; then as_root apt-get update -qq >/dev/null; APT_UPDATED=1; fi
  log "installing $* from Debian's packages"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_node_modules() {
  # A linked node_modules belongs to another checkout (a git worktree sharing it): npm ci here
  # would empty it under whoever else uses it. Install in the checkout that owns it.
  if [ -L node_modules ]; then return; fi
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "installing npm dependencies (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error
  fi
}

# The Node SDK (clients/node) has its own package.json and lockfile: npm ci there only when its
# node_modules is missing or older than its lockfile (never touches the service's node_modules).
ensure_sdk_node_modules() {
  local dir=clients/node
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    log "installing the Node SDK's npm dependencies (npm ci in $dir)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# The console is its own package (console/package.json): installed the same way, inside console/.
ensure_console_modules() {
  if [ ! -d console/node_modules ] || [ console/package-lock.json -nt console/node_modules/.package-lock.json ]; then
    log "installing the console's npm dependencies (npm ci in console/)"
    (cd console && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# Generates the typed client from console/openapi.json, validates the document, type-checks and
# bundles the console into console/dist, which the service serves at /console.
build_console() {
  log "building the console (console/dist)"
  (cd console && npm run --silent build >/dev/null)
}

# Debian's Chromium, for the console's browser tests (driven by playwright-core).
ensure_chromium() {
  if [ ! -x /usr/bin/chromium ]; then apt_install chromium; fi
}

ensure_etcd_binary() {
  if ! command -v etcd >/dev/null || ! command -v etcdctl >/dev/null; then apt_install etcd-server etcd-client; fi
  # Debian's package enables a system etcd on 2379; this project runs its own, so leave that alone.
}

ensure_redis_binary() {
  if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then apt_install redis-server; fi
}

etcd_answers() { ETCDCTL_API=3 etcdctl --endpoints "$1" --dial-timeout=1s --command-timeout=2s endpoint health >/dev/null 2>&1; }

# start_etcd_if_down CLIENT_PORT PEER_PORT DATA_DIR
start_etcd_if_down() {
  local port=$1 peer=$2 dir=$3 url="http://127.0.0.1:$1"
  if etcd_answers "$url"; then log "etcd already answers at $url"; return; fi
  mkdir -p "$dir"
  log "starting etcd at $url (data in $dir)"
  nohup etcd --name rulecenter --data-dir "$dir/data" \
    --listen-client-urls "$url" --advertise-client-urls "$url" \
    --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
    --initial-cluster "rulecenter=http://127.0.0.1:$peer" --max-txn-ops 1024 \
    --log-level warn >"$dir/etcd.log" 2>&1 &
  echo $! >"$dir/etcd.pid"
  for _ in $(seq 1 100); do etcd_answers "$url" && return; sleep 0.2; done
  log "etcd did not start; see $dir/etcd.log"; return 1
}

# start_redis_if_down PORT DIR
start_redis_if_down() {
  local port=$1 dir=$2
  if redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1; then log "Redis already answers at 127.0.0.1:$port"; return; fi
  mkdir -p "$dir"
  # Absolute: redis-server applies --dir before it opens --logfile and --pidfile.
  dir=$(cd "$dir" && pwd)
  log "starting Redis at 127.0.0.1:$port"
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --dir "$dir"
  for _ in $(seq 1 50); do redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1 && return; sleep 0.1; done
  log "Redis did not start; see $dir/redis.log"; return 1
}
