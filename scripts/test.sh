#!/usr/bin/env bash
# Set up everything the tests need from the project's own files, then run lint, types and tests.
# Usage: scripts/test.sh [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."

# Browser tests drive Debian's Chromium (test tools cannot download their own browser here).
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "note: chromium is not installed; browser tests will be skipped (sudo apt-get install chromium)" >&2
  fi
fi

# The determinism test builds under a second locale; Debian ships only C.UTF-8 by default.
if [ "$(id -u)" = 0 ] && ! locale -a 2>/dev/null | grep -qi '^de_DE.utf-\?8$'; then
  if command -v apt-get >/dev/null 2>&1; then
    { dpkg -s locales >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq locales >/dev/null; }; } &&
      sed -i 's/^# *de_DE.UTF-8/de_DE.UTF-8/' /etc/locale.gen && locale-gen >/dev/null || true
  fi
fi

python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'

.venv/bin/ruff check publisher tests benchmarks
.venv/bin/ruff format --check publisher tests benchmarks
.venv/bin/mypy publisher
.venv/bin/pytest "$@"
