#!/usr/bin/env bash
# Set up (locked venv) and score the page parser against the hand-read expected
# articles of tests/corpus/ (40 real pages) and seeds/ (docs/parser-quality.md).
# Arguments go to etl.evaluation: --misses lists every miss; --pages DIR
# --expected FILE.yaml scores another hand-read set.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
exec "$ROOT/.venv/bin/python" -m etl.evaluation "$@"
