"""D+G step time of every training recipe at its cpu preset (data rendering included, as in a real run).

    python bench/train_step.py [--threads N] [--steps N] [--preset cpu]

Prints one JSON line: {"threads": .., "preset": .., "<recipe>_ms": .., "<recipe>_config": {..}, ...}.
"""
import argparse, json, time
from dataclasses import asdict

import torch

from stackgan_edu.cli import RECIPES, build_learner

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument('--threads', type=int, default=torch.get_num_threads(), help='torch CPU threads (default: all cores)')
p.add_argument('--steps', type=int, default=10, help='timed steps per recipe, after 3 warm-up steps')
p.add_argument('--preset', default='cpu')
a = p.parse_args()
torch.set_num_threads(a.threads)
res = {'threads': a.threads, 'preset': a.preset, 'device': 'cpu'}
for name in RECIPES:
    learn = build_learner(name, a.preset, None, seed=0, device='cpu')
    for _ in range(3): learn.one_step()
    t = time.perf_counter()
    for _ in range(a.steps): learn.one_step()
    res[f'{name}_ms'] = round((time.perf_counter() - t) / a.steps * 1000, 1)
    cfg = asdict(learn.config)
    res[f'{name}_config'] = {k: cfg[k] for k in ('size', 'batch_size', 'ngf', 'ndf') if k in cfg}
print(json.dumps(res))
