#!/usr/bin/env bash
# Install everything the tests need from this repo's own files, then run them.
# Debian packages: chromium (browser tests), postgresql (the scale-out store's
# tests start a throwaway server from it), graphviz (its `dot` draws the diagrams
# the tests make, as the page's renderer would). Python: a venv from requirements-dev.txt.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v dot >/dev/null || need+=(graphviz)
[ -d /usr/share/fonts/truetype/noto ] || need+=(fonts-noto-color-emoji)  # emoji in screenshots
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "Installing Debian packages: ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null || PYTHON=python3
[ -d .venv ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -r requirements-dev.txt

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/python -m support_agent scenarios run scenarios/ --model offline
.venv/bin/python -m pytest "$@"
