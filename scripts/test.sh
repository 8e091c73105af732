#!/usr/bin/env bash
# Set up (locked venv incl. dev group) and run the whole test suite.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
"$ROOT/scripts/system_deps.sh"
exec "$ROOT/.venv/bin/python" -m pytest "$@"
