#!/usr/bin/env bash
# Fetch sql.js-httpvfs from npm and copy the files the search page serves into
# publisher/vendor/sql.js-httpvfs/ (see its README.md). Usage: scripts/vendor-search.sh [VERSION]
set -euo pipefail
version="${1:-0.8.12}"
here="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "sql.js-httpvfs@$version" >/dev/null && tar xzf ./*.tgz)
target="$here/publisher/vendor/sql.js-httpvfs"
cp "$work"/package/dist/{index.js,sqlite.worker.js,sql-wasm.wasm} "$work/package/LICENSE" "$target/"
(cd "$target" && sha256sum index.js sqlite.worker.js sql-wasm.wasm)
