#!/usr/bin/env bash
# System packages the tests need (Debian): Chromium and a CJK font (browser tests), and the
# PostgreSQL server (the DuckLake test starts one on loopback as the catalog).
# Installs only what is missing; needs root (or passwordless sudo) and apt. It says what it
# installs before doing so; SYSTEM_DEPS=skip never installs anything (the tests that need a
# missing package then fail with a message naming it).
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list : family 2>/dev/null | grep -i "Noto Sans CJK" >/dev/null || need+=(fonts-noto-cjk)  # not grep -q: an early exit would SIGPIPE fc-list and fail the pipeline
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || command -v pg_ctl >/dev/null 2>&1 || need+=(postgresql)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "${SYSTEM_DEPS:-install}" = "skip" ]; then
  echo "system_deps: SYSTEM_DEPS=skip, not installing ${need[*]} (the browser and DuckLake tests will fail naming them)" >&2
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "system_deps: missing ${need[*]} and not root; install them with apt-get (the tests that need them will fail clearly)" >&2
    exit 0
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "system_deps: missing ${need[*]} and no apt-get here; install them by hand (the tests that need them will fail clearly)" >&2
  exit 0
fi
echo "==> installing ${need[*]} (Debian packages, as root via apt-get) for the browser and DuckLake tests; SYSTEM_DEPS=skip to refuse"
$SUDO apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
