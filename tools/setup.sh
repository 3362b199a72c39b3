#!/usr/bin/env bash
# Make (or refresh) the project's virtual environment in .venv: the library, editable, with the dev toolchain.
# Idempotent: it skips the install when settings.ini, setup.py and constraints.txt are unchanged since the last one.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
"$PY" -c 'import sys; assert sys.version_info >= (3, 11), "stackgan_edu needs Python 3.11 or newer: set PYTHON=/path/to/python3.11"'
[ -x .venv/bin/python ] || "$PY" -m venv .venv
stamp=$(cat settings.ini setup.py constraints.txt | sha256sum | cut -c1-16)
if [ "$(cat .venv/.setup-stamp 2>/dev/null)" != "$stamp" ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade 'pip>=24' 'setuptools>=70' wheel
  # torch first and pinned: an unpinned resolve would pull a newer, multi-GB build.
  .venv/bin/python -m pip install -q --disable-pip-version-check -c constraints.txt torch
  .venv/bin/python -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[dev]'
  .venv/bin/python -m pip check
  echo "$stamp" > .venv/.setup-stamp
fi
