#!/usr/bin/env bash
# Create .venv (Python 3.11+) and install mediator with its dev extras. Idempotent and quick
# when nothing changed. Sourced by scripts/serve.sh and scripts/test.sh.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
py="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$py" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "mediator needs Python 3.11 or newer")'
  "$py" -m venv .venv
fi
stamp=.venv/.mediator-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[dev]'
  touch "$stamp"
fi
# guardrails-ai: no telemetry, no remote inference, no downloads (see docs/guardrails.md)
export LITELLM_LOCAL_MODEL_COST_MAP=True GUARDRAILS_RUN_SYNC=true
