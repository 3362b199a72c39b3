#!/usr/bin/env bash
# What the browser test (tests/test_browser.py) needs beside .venv: Debian's chromium and the playwright client.
# Idempotent, and quick once done. Playwright drives /usr/bin/chromium: it never downloads a browser of its own.
# In CI (CI=true) a failed install fails; elsewhere it warns, and the browser test skips.
set -euo pipefail
cd "$(dirname "$0")/.."
fail() {
  echo "setup_browser: $*" >&2
  if [ "${CI:-}" = true ]; then exit 1; fi
  echo "setup_browser: tests/test_browser.py will skip" >&2; exit 0
}
if [ ! -x /usr/bin/chromium ]; then
  SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq || fail "apt-get update failed"
  $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null || fail "could not install Debian's chromium"
fi
pin=$(sed -n 's/^playwright==//p' constraints.txt)
have=$(.venv/bin/python -c 'import importlib.metadata as m; print(m.version("playwright"))' 2>/dev/null || true)
if [ "$have" != "$pin" ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check -c constraints.txt "playwright==$pin" || fail "could not install playwright==$pin"
fi
