#!/usr/bin/env bash
# One command to run the whole test suite: lint, then pytest. Service tests run on SQLite +
# in-process bus and on PostgreSQL + Redis (MEDIATOR_TEST_DATABASE_URL / MEDIATOR_TEST_REDIS_URL,
# default 127.0.0.1:5432 and :6379; skipped locally when absent, required in CI).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
.venv/bin/ruff check mediator tests
exec .venv/bin/python -m pytest -q "$@"
