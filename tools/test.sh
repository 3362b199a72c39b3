#!/usr/bin/env bash
# The whole test suite: set up, then pytest (tests/ includes the run of every notebook through nbdev_test).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
bash tools/setup_browser.sh  # Debian's chromium and playwright, for tests/test_browser.py
# one torch thread per test process, one process per core: two 2-thread processes on 2 cores slow each other ~5x
export OMP_NUM_THREADS=1
.venv/bin/python -m pytest -q -n 2 --durations=15 tests "$@"
