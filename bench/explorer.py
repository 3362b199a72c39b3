"""Time of one explorer update (every model's image redrawn and shown) on trained runs, headless.

    python bench/explorer.py [RUN_DIR ...] [--threads 1] [--updates 20] [--device cpu]

With no RUN_DIR, the course's cpu-preset runs found under runs/ (stage1_cpu_preset_seed0, stage2_cpu_preset_seed0,
dfgan_cpu_preset_seed0; all that exist, the Stage-I run included even though the Stage-II run shows its image, so
that the update draws the most). --fresh dfgan adds a cpu-preset model built fresh, untrained (the weights do not
change the cost), for a recipe whose run is not trained yet. Each timed update moves one control, as a user does: a z slider, a CA slider, the
mix, the seed, the truncation, or a new caption (whose embedding is then computed, not cached). Prints one JSON line:
{"median_ms": .., "max_ms": .., "by_control_ms": {..}, "models": {name: recipe}, "images": {name: px}, "load_s": .., ...}.
The explorer's budget is 500 ms an update on a CPU with one thread.
"""
import argparse, json, statistics, time
from pathlib import Path

import torch

from stackgan_edu.explorer import COURSE_RUNS, RECIPE_LABELS, Explorer
from stackgan_edu.runs import build_learner, get_config, load_config

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument('runs', nargs='*', help='run folders of text runs (default: the course cpu-preset runs under runs/)')
p.add_argument('--threads', type=int, default=1, help='torch CPU threads (default 1)')
p.add_argument('--updates', type=int, default=20, help='timed updates (default 20)')
p.add_argument('--device', default='cpu')
p.add_argument('--fresh', action='append', default=[], metavar='RECIPE', help='add an untrained cpu-preset model of this recipe (stage1 or dfgan; repeatable)')
a = p.parse_args()
torch.set_num_threads(a.threads)

folders = [Path(r) for r in a.runs] or [Path('runs') / n for n in COURSE_RUNS if (Path('runs') / n / 'checkpoint.pt').is_file()]
if not folders and not a.fresh: raise SystemExit("No run folders: train one (stackgan-edu train stage1 --preset cpu --out runs/stage1_cpu_preset_seed0) or name some.")
models = {}
for f in folders:
    label = RECIPE_LABELS.get(load_config(f / 'config.json').recipe, f.name)
    models[label if label not in models else f.name] = f
t0 = time.perf_counter()
for r in a.fresh: models[f'{RECIPE_LABELS.get(r, r)} (untrained)'] = build_learner(get_config(r, 'cpu'), device=a.device)
ex = Explorer(models, device=a.device, caption2='this large bird has a blue belly and a long yellow beak')
load_s = time.perf_counter() - t0

captions = ['a small bird with a red crown and black wings', 'this bird has a grey breast and a short pointed beak',
            'a tiny yellow bird with white wing bars', 'this bird is mostly brown with a long tail and a curved bill']
steps = []  # (what, control, value): one control moved per update
for i in range(a.updates):
    kind = i % 6
    if kind == 0: steps.append(('z slider', ex.z_sliders[i % len(ex.z_sliders)], round(1.5 - (i % 7) * 0.5, 1)))
    elif kind == 1 and ex.ca_sliders: steps.append(('CA slider', ex.ca_sliders[i % len(ex.ca_sliders)], round(0.5 + (i % 5) * 0.4, 1)))
    elif kind == 2: steps.append(('mix', ex.mix, round(0.1 + (i % 9) * 0.1, 2)))
    elif kind == 3: steps.append(('seed', ex.seed, i))
    elif kind == 4: steps.append(('truncation', ex.truncation, round(0.5 + (i % 4) * 0.2, 2)))
    else: steps.append(('caption', ex.caption, captions[i % len(captions)] + f' {"and a white belly " * (i // 6)}'.rstrip()))
for c, v in ((ex.z_sliders[0], 0.3), (ex.z_sliders[0], 0.0)): c.value = v  # warm-up: two untimed updates
times, by = [], {}
for what, control, value in steps:
    t = time.perf_counter(); control.value = value; dt = (time.perf_counter() - t) * 1000
    if ex.error: raise SystemExit(f"update refused: {ex.error}")
    times.append(dt); by.setdefault(what, []).append(dt)
print(json.dumps({'median_ms': round(statistics.median(times), 1), 'max_ms': round(max(times), 1), 'updates': len(times), 'threads': a.threads,
                  'device': a.device, 'by_control_ms': {k: round(statistics.median(v), 1) for k, v in by.items()},
                  'models': {k: f'{l.config.recipe} ({l.config.preset}, step {l.step})' for k, l in ex.models.items()},
                  'images': {k: int(v.shape[-1]) for k, v in ex.images.items()}, 'load_s': round(load_s, 1)}))
