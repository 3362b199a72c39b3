#!/usr/bin/env bash
# The main job: set up, draw birds for a few captions from the models shipped in the package (Stage-I, Stage-II and
# DF-GAN side by side, no training), render real built-in birds to compare them with, and say how to open the course.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
mkdir -p data/out
.venv/bin/stackgan-edu sample --pretrained --model all \
  "a small bird with a red crown, a white belly and a short black beak" \
  "this bird is bright yellow with black wings and a black tail" \
  "a blue bird with a long pointed beak and a white breast" \
  --out data/out/samples.png
.venv/bin/stackgan-edu birds --n 8 --size 256 --seed 0 --out data/out/birds_grid.png > /dev/null
echo "wrote data/out/birds_grid.png: 8 real built-in birds with their captions, to compare with the samples"
cat <<'MSG'

Open the course (the notebooks in nbs/, in order) in JupyterLab:

    .venv/bin/jupyter lab nbs/

Draw birds for your own captions:  .venv/bin/stackgan-edu sample --pretrained --model all "CAPTION" --out birds.png
MSG
