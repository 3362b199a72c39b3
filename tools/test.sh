#!/usr/bin/env bash
# The whole test suite: set up, then pytest (tests/ includes the run of every notebook through nbdev_test).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
.venv/bin/python -m pytest -q tests "$@"
