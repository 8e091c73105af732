#!/usr/bin/env bash
# System packages the browser tests need (Debian): Chromium and a CJK font.
# Installs only what is missing; needs root (or passwordless sudo) and apt.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
[ ${#need[@]} -eq 0 ] && exit 0
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "system_deps: missing ${need[*]} and not root; install them with apt-get (browser tests will fail clearly)" >&2
    exit 0
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "system_deps: missing ${need[*]} and no apt-get here; install them by hand (browser tests will fail clearly)" >&2
  exit 0
fi
echo "==> installing ${need[*]} (Debian packages) for the browser tests"
$SUDO apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
