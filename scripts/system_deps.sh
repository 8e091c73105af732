#!/usr/bin/env bash
# System packages the tests need (Debian): Chromium and a CJK font (browser tests), and the
# PostgreSQL server (the DuckLake test starts one on loopback as the catalog).
# Installs only what is missing; needs root (or passwordless sudo) and apt.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || command -v pg_ctl >/dev/null 2>&1 || need+=(postgresql)
[ ${#need[@]} -eq 0 ] && exit 0
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
echo "==> installing ${need[*]} (Debian packages) for the tests"
$SUDO apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
