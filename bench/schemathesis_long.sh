#!/usr/bin/env bash
# The longer schemathesis run the README quotes: every check (`--checks all`, schemathesis.toml's
# expected statuses) against a live uvicorn server, once with a student's token and once with an
# instructor's, SECONDS each (default 60). It is tests/core/test_fuzz_api.py with a longer budget;
# it prints, per token, the operations tested, the test cases generated and the failures.
#
#   bench/schemathesis_long.sh          # 60 s per token
#   bench/schemathesis_long.sh 300      # 5 minutes per token
#
# Uses DATABASE_URL / REDIS_URL when set, else the embedded PostgreSQL and Redis in .data/.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || { echo "no .venv: run bin/setup first" >&2; exit 2; }
FUZZ_SECONDS="${1:-60}" exec .venv/bin/python -m pytest -q -s tests/core/test_fuzz_api.py
