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

# tests/test_checkers.py: the Nu Html Checker (a Java program) and axe-core, and
# tests/test_lighthouse.py: Lighthouse (run by Node against Debian's Chromium), from npm at pinned
# versions into .cache/npm (ignored by git; PUBLISHER_NODE_MODULES points the tests elsewhere).
# --ignore-scripts: vnu-jar's postinstall would download a Java runtime if none were found.
VNU_JAR_VERSION=26.9.27
AXE_CORE_VERSION=4.14.1
LIGHTHOUSE_VERSION=12.2.3
missing=()
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
command -v npm >/dev/null 2>&1 || missing+=(npm)
command -v jq >/dev/null 2>&1 || missing+=(jq)  # tests/test_dataset_files.py: `zcat | jq`
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "note: ${missing[*]} not installed; checker tests will be skipped" >&2
  fi
fi
installed() {  # the version of an npm package in .cache/npm, if any
  node -p "require('./.cache/npm/node_modules/$1/package.json').version" 2>/dev/null || true
}
if command -v npm >/dev/null 2>&1 &&
  { [ "$(installed vnu-jar)" != "$VNU_JAR_VERSION" ] || [ "$(installed axe-core)" != "$AXE_CORE_VERSION" ] ||
    [ "$(installed lighthouse)" != "$LIGHTHOUSE_VERSION" ]; }; then
  npm install --no-save --no-audit --no-fund --ignore-scripts --prefix .cache/npm \
    "vnu-jar@$VNU_JAR_VERSION" "axe-core@$AXE_CORE_VERSION" "lighthouse@$LIGHTHOUSE_VERSION" >/dev/null
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
