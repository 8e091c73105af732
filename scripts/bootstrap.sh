#!/usr/bin/env bash
# Create .venv with the exact locked dependencies (uv.lock). Needs only python3 >= 3.11.
# Idempotent and quick when nothing changed. Sourced by run.sh, test.sh, ui.sh and score.sh
# (sourced: it must not use "$@", which is the calling script's arguments).
#
# Paths: relative SEEDS_DIR, WAREHOUSE_DIR, DAGSTER_HOME (and DuckLake file paths) are the
# caller's, so they are made absolute against the caller's directory before the `cd` to the
# project; an unset DAGSTER_HOME becomes <project>/.dagster_home for the project's warehouse and
# <WAREHOUSE_DIR>/.dagster_home for any other one (etl/config.py, script_environment).
# CALLER_DIR keeps the caller's directory for the scripts' own path arguments.
#
# Groups: the dev group always; optional groups of pyproject.toml (``multihost``: the Dagster instance on
# PostgreSQL, docs/deployment.md) are installed by BOOTSTRAP_GROUPS=multihost (comma-separated) and
# remembered in .venv/.bootstrap-groups, so a later plain run.sh or test.sh keeps them installed.
#
# Venv: when .venv matches uv.lock + pyproject.toml (a stamp in .venv/.bootstrap-stamp), uv is
# not run at all; when it must run and its cache under $HOME cannot be written (a service account
# without a home), it caches in <project>/.cache/uv instead.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CALLER_DIR="$PWD"
PY="${PYTHON:-python3}"
UV_VERSION="0.13.9"
_boot_home_given="${DAGSTER_HOME:+1}"
_boot_env="$("$PY" - "$ROOT" "$UV_VERSION" <<'PYEOF'
import hashlib, importlib.util, os, shlex, sys
if sys.version_info < (3, 11):
    sys.exit("Python 3.11+ is required, found " + sys.version.split()[0])
root, uv_version = sys.argv[1], sys.argv[2]
spec = importlib.util.spec_from_file_location("_bootstrap_config", os.path.join(root, "etl", "config.py"))
config = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = config
spec.loader.exec_module(config)
for name, value in config.script_environment().items():  # relative to os.getcwd(): the caller's directory
    print(f"export {name}={shlex.quote(value)}")
h = hashlib.sha256()
for name in ("uv.lock", "pyproject.toml"):
    with open(os.path.join(root, name), "rb") as f:
        h.update(name.encode() + b"\0" + f.read() + b"\0")
h.update(f"{uv_version}\0{root}\0{os.path.realpath(sys.executable)}\0{sys.version}".encode())
print(f"_boot_stamp={h.hexdigest()}")
PYEOF
)"
eval "$_boot_env"
cd "$ROOT"
TOOLS="$ROOT/.tools"
export UV_PROJECT_ENVIRONMENT="$ROOT/.venv"
export UV_PYTHON="$PY"
_boot_stamp_file="$UV_PROJECT_ENVIRONMENT/.bootstrap-stamp"
_boot_groups_file="$UV_PROJECT_ENVIRONMENT/.bootstrap-groups"
_boot_asked="${BOOTSTRAP_GROUPS:-}"
_boot_groups="$( { cat "$_boot_groups_file" 2>/dev/null || true; printf '%s\n' ${_boot_asked//,/ }; } \
  | grep -E '^[A-Za-z0-9_-]+$' | sort -u | tr '\n' ' ' || true)"
_boot_stamp="$_boot_stamp groups:$_boot_groups"
if [ ! -x "$UV_PROJECT_ENVIRONMENT/bin/python" ] || [ ! -f "$_boot_stamp_file" ] \
    || [ "$(cat "$_boot_stamp_file")" != "$_boot_stamp" ]; then
  if [ -z "${UV_CACHE_DIR:-}" ]; then
    _boot_cache="${XDG_CACHE_HOME:-${HOME:-/nonexistent}/.cache}"
    if ! { mkdir -p "$_boot_cache/uv" 2>/dev/null && [ -w "$_boot_cache/uv" ]; }; then
      echo "==> $_boot_cache/uv cannot be written (HOME=${HOME:-unset}); uv and pip cache in .cache/ instead" >&2
      export UV_CACHE_DIR="$ROOT/.cache/uv" PIP_CACHE_DIR="$ROOT/.cache/pip"
    fi
  fi
  if [ ! -x "$TOOLS/bin/uv" ] || ! "$TOOLS/bin/uv" --version 2>/dev/null | grep -q "$UV_VERSION"; then
    echo "==> installing uv $UV_VERSION into .tools/ (build tool only)"
    "$PY" -m venv "$TOOLS"
    "$TOOLS/bin/python" -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
  fi
  _boot_group_args=()
  for _g in $_boot_groups; do _boot_group_args+=(--group "$_g"); done
  "$TOOLS/bin/uv" sync --frozen --quiet ${_boot_group_args[@]+"${_boot_group_args[@]}"}
  printf '%s\n' $_boot_groups > "$_boot_groups_file"
  printf '%s\n' "$_boot_stamp" > "$_boot_stamp_file.tmp-$$"
  mv -f "$_boot_stamp_file.tmp-$$" "$_boot_stamp_file"
fi
mkdir -p "$DAGSTER_HOME"
if [ -z "$_boot_home_given" ] && [ ! -e "$DAGSTER_HOME/dagster.yaml" ]; then
  # a warehouse's own instance starts from the project's settings (pools, run limit, telemetry)
  cp "$ROOT/.dagster_home/dagster.yaml" "$DAGSTER_HOME/.dagster.yaml.tmp-$$"
  mv -f "$DAGSTER_HOME/.dagster.yaml.tmp-$$" "$DAGSTER_HOME/dagster.yaml"
fi
unset _boot_env _boot_stamp _boot_stamp_file _boot_cache _boot_home_given _boot_groups _boot_groups_file \
  _boot_group_args _g _boot_asked
