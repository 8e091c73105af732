#!/usr/bin/env bash
# Set up (locked venv) and run the main job: seeds/ -> warehouse/warehouse.duckdb + warehouse/exports/*.parquet
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
exec "$ROOT/.venv/bin/python" -m assets.cli "$@"
