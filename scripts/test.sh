#!/usr/bin/env bash
# Set up (locked venv incl. dev group) and run the test suite.
#   ./scripts/test.sh            the whole suite (what CI runs: .ci/run); installs missing system packages
#   ./scripts/test.sh --fast     all but the browser, postgres, sigkill and e2e tests (under a minute),
#                                installing nothing; other arguments go to pytest either way
# Markers are registered in pyproject.toml ([tool.pytest.ini_options]); README "Two commands" explains them.
# System packages (scripts/system_deps.sh) are skipped when the tests cannot need them: --fast, or a -m
# expression holding both "not browser" and "not postgres".
set -euo pipefail
FAST_MARKERS="not browser and not postgres and not sigkill and not e2e"
_test_args=()
_test_fast=0
_test_marks=""
_test_prev=""
for _a in "$@"; do
  if [ "$_a" = "--fast" ]; then _test_fast=1; continue; fi
  if [ "$_test_prev" = "-m" ]; then _test_marks="$_a"; fi
  case "$_a" in -m?*) _test_marks="${_a#-m}" ;; esac
  _test_prev="$_a"
  _test_args+=("$_a")
done
# the whole suite includes the two-host test (tests/test_multihost.py): Dagster on PostgreSQL
[ "$_test_fast" = 1 ] || export BOOTSTRAP_GROUPS="${BOOTSTRAP_GROUPS:+$BOOTSTRAP_GROUPS,}multihost"
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
_test_sysdeps=1
[ "$_test_fast" = 1 ] && _test_sysdeps=0
case "$_test_marks" in *"not browser"*) case "$_test_marks" in *"not postgres"*) _test_sysdeps=0 ;; esac ;; esac
if [ "$_test_sysdeps" = 1 ]; then
  "$ROOT/scripts/system_deps.sh"
fi
if [ "$_test_fast" = 1 ]; then
  exec "$ROOT/.venv/bin/python" -m pytest -m "$FAST_MARKERS" ${_test_args[@]+"${_test_args[@]}"}
fi
exec "$ROOT/.venv/bin/python" -m pytest ${_test_args[@]+"${_test_args[@]}"}
