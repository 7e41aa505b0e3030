#!/usr/bin/env bash
# Runs the Node.js example client against a Meshwork orchestrator.
#
# Usage: examples/clients/node/run.sh [--cacert FILE] [--plaintext] [host:port]
#   host:port  the orchestrator (default: $MESHWORK_TARGET, else localhost:50051)
#   --cacert   the mesh's CA certificate (default: $MESHWORK_CACERT, else a development
#              mesh's $MESHWORK_HOME/dev/tls/ca.pem)
#
# Installs the pinned dependencies from package-lock.json first if they are not
# there yet. `npm ci` installs exactly the lock file's versions, so every run
# uses the same gRPC and reflection code; --ignore-scripts because none of the
# dependencies needs an install script to work here.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

if ! command -v node >/dev/null 2>&1; then
  echo "node not found: install Node.js 20 or newer" >&2
  exit 1
fi

if [[ ! -d node_modules ]]; then
  npm ci --ignore-scripts --no-audit --no-fund
fi

exec node digitsum-client.mjs "$@"
