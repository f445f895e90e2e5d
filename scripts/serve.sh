#!/usr/bin/env bash
# One command to run mediator on embedded defaults: SQLite file, in-process bus, the offline
# mediator, demo accounts and staff users. Open http://127.0.0.1:8000/demo
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
exec .venv/bin/mediator serve --demo --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}" "$@"
