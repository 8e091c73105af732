#!/usr/bin/env bash
# Create .venv with the exact locked dependencies (uv.lock). Needs only python3 >= 3.11.
# Idempotent and quick when nothing changed. Sourced by run.sh, test.sh and ui.sh
# (sourced: it must not use "$@", which is the calling script's arguments).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-python3}"
"$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required, found " + sys.version.split()[0])'
UV_VERSION="0.13.9"
TOOLS="$ROOT/.tools"
if [ ! -x "$TOOLS/bin/uv" ] || ! "$TOOLS/bin/uv" --version 2>/dev/null | grep -q "$UV_VERSION"; then
  echo "==> installing uv $UV_VERSION into .tools/ (build tool only)"
  "$PY" -m venv "$TOOLS"
  "$TOOLS/bin/python" -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
fi
export UV_PROJECT_ENVIRONMENT="$ROOT/.venv"
export UV_PYTHON="$PY"
"$TOOLS/bin/uv" sync --frozen --quiet
export DAGSTER_HOME="${DAGSTER_HOME:-$ROOT/.dagster_home}"
mkdir -p "$DAGSTER_HOME"
