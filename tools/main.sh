#!/usr/bin/env bash
# The main job: set up, render a captioned grid of the built-in birds, and make sure the shipped networks are there.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
mkdir -p data/out
.venv/bin/stackgan-edu birds --n 16 --size 256 --seed 0 --out data/out/birds_grid.png
.venv/bin/stackgan-edu text-encoder --check
.venv/bin/stackgan-edu classifier --check
.venv/bin/stackgan-edu classifier --fine
