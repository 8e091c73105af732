#!/usr/bin/env bash
# Set up (locked venv) and score the page parser against the hand-read expected
# articles of tests/corpus/ (40 real pages) and seeds/ (docs/parser-quality.md).
# Arguments go to etl.evaluation: --misses lists every miss; --pages DIR
# --expected FILE.yaml scores another hand-read set.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
# bootstrap changed to the project root: relative --pages/--expected are the caller's
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --pages|--expected) args+=("$1"); shift
      if [ $# -gt 0 ]; then case "$1" in /*) args+=("$1") ;; *) args+=("$CALLER_DIR/$1") ;; esac; shift; fi ;;
    --pages=/*|--expected=/*) args+=("$1"); shift ;;
    --pages=*|--expected=*) args+=("${1%%=*}=$CALLER_DIR/${1#*=}"); shift ;;
    *) args+=("$1"); shift ;;
  esac
done
exec "$ROOT/.venv/bin/python" -m etl.evaluation ${args[@]+"${args[@]}"}
