#!/usr/bin/env bash
# Quick start, command 2: installs what is missing, then type-checks, lints, checks the layering
# and runs every test. Integration and e2e specs start their own etcd processes on free loopback
# ports (test/support/etcd-server.ts), so nothing needs to be running beforehand.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/local-services.sh

ensure_node_modules
ensure_sdk_node_modules
ensure_console_modules
ensure_etcd_binary
ensure_redis_binary
ensure_chromium

# Before the type-check: the SDK's sources import the descriptor the build generates from proto/.
log "build the Node SDK (clients/node: protos, CommonJS and ESM)"
node clients/node/scripts/build.mjs
log "type-check"
npx tsc --noEmit -p tsconfig.json
log "lint and format (eslint, prettier --check: npm run lint)"
npm run --silent lint
log "unused or undeclared dependencies (depcheck, .depcheckrc)"
npx depcheck
log "layering (dependency-cruiser)"
npx depcruise --config .dependency-cruiser.js src migrations
log "supply chain (lockfile policy; offline, see README Security)"
npx ts-node --transpile-only scripts/supply-chain.ts
build_console
log "tests"
mkdir -p .run
status=0
npx jest --runInBand --ci --json --outputFile=.run/jest-results.json "$@" || status=$?
# The plain closing line CI reads, whatever the test runner printed above it.
node -e 'const r = require("./.run/jest-results.json"); console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`)' || true
exit "$status"
