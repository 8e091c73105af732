#!/usr/bin/env bash
# Set up and open the Dagster UI (webserver + daemon) on http://127.0.0.1:${PORT:-3000}
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
exec "$ROOT/.venv/bin/dagster" dev -w "$ROOT/workspace.yaml" -h 127.0.0.1 -p "${PORT:-3000}"
