#!/usr/bin/env bash
# Prove that a change to the code leaves the output alone: build the same corpora with two
# `publish` executables (say, two worktrees' non-editable venvs) and compare the trees byte
# for byte. Corpora: the bundled seeds/, the test fixtures (tests/fixtures/seed + valid),
# and N generated articles for each N given (default 1000 10000). Each is built cold, then
# a release is cut (publish release --date 2026-01-01), and each dist/ is hashed.
#
# Usage: benchmarks/same_output.sh OLD_PUBLISH NEW_PUBLISH [N...]
# Exit 0 when every tree is identical; prints `diff -r` of the first difference otherwise.
set -euo pipefail
old=$(realpath "$1")
new=$(realpath "$2")
shift 2
sizes=("${@:-1000 10000}")
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/same-output-XXXXXX")
trap 'rm -rf "$work"' EXIT

corpora=()
mkdir -p "$work/corpus-bundled" "$work/corpus-fixtures"
cp "$root"/seeds/* "$work/corpus-bundled/"
cp "$root"/tests/fixtures/seed/* "$work/corpus-fixtures/"
cp "$root"/tests/fixtures/valid/*.txt "$work/corpus-fixtures/"
corpora+=(bundled fixtures)
for n in ${sizes[*]}; do
  python3 "$root/benchmarks/generate.py" --articles "$n" --out "$work/corpus-$n" >/dev/null
  corpora+=("$n")
done

status=0
for corpus in "${corpora[@]}"; do
  for side in old new; do
    exe=$old
    [ "$side" = new ] && exe=$new
    here="$work/$side-$corpus"
    mkdir -p "$here"
    # Run in an empty folder (no pyproject.toml settings), with the cache kept inside it.
    (cd "$here" && XDG_CACHE_HOME="$here/xdg" "$exe" --seeds "$work/corpus-$corpus" --dist dist -q \
      && XDG_CACHE_HOME="$here/xdg" "$exe" --seeds "$work/corpus-$corpus" --dist dist -q \
        release --date 2026-01-01)
    (cd "$here/dist" && find . -type f -print0 | sort -z | xargs -0 sha256sum) >"$here.sha256"
  done
  files=$(wc -l <"$work/old-$corpus.sha256")
  if cmp -s "$work/old-$corpus.sha256" "$work/new-$corpus.sha256"; then
    echo "same: $corpus ($files files, sha256 of every one equal)"
  else
    echo "DIFFERENT: $corpus"
    diff -r "$work/old-$corpus/dist" "$work/new-$corpus/dist" | head -40 || true
    status=1
  fi
done
exit $status
