#!/usr/bin/env bash
# Set up and open the Dagster UI (webserver + daemon) on http://127.0.0.1:${PORT:-3000}
# Equivalent by hand: DAGSTER_HOME=$PWD/.dagster_home .venv/bin/dagster dev -w workspace.yaml
# With WAREHOUSE_DIR set to another warehouse (and DAGSTER_HOME unset) the UI opens that
# warehouse's own instance, <WAREHOUSE_DIR>/.dagster_home, where its run.sh runs are recorded.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
# dagster 1.13 prints a FutureWarning that its own `dagster dev` command is superseded by
# `dg dev` (a separate CLI package); it says nothing about this project, so it is silenced
# by its exact message. Every other warning still shows.
export PYTHONWARNINGS="ignore:Function \`dev_command\` is superseded:FutureWarning${PYTHONWARNINGS:+,$PYTHONWARNINGS}"
exec "$ROOT/.venv/bin/dagster" dev -w "$ROOT/workspace.yaml" -h 127.0.0.1 -p "${PORT:-3000}"
