"""D+G step time of every training recipe at a preset (data rendering included, as in a real run).

    python bench/train_step.py [--threads N] [--steps N] [--preset cpu] [--recipes dcgan,cgan-ca] [--bf16] [--no-guard]

Prints one JSON line: {"threads": .., "preset": .., "<recipe>_ms": .., "<recipe>_config": {..}, ...}. With --no-guard the
learner does not copy its state each step (the copy that lets a non-finite step be undone); compare the two to see its cost.
"""
import argparse, json, time
from dataclasses import asdict

import torch

from stackgan_edu.runs import recipes, get_config, build_learner
from stackgan_edu.learner import MixedPrecisionCB

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument('--threads', type=int, default=torch.get_num_threads(), help='torch CPU threads (default: all cores)')
p.add_argument('--steps', type=int, default=10, help='timed steps per recipe, after 3 warm-up steps')
p.add_argument('--preset', default='cpu')
p.add_argument('--recipes', default=None, help='comma-separated recipe names (default: all)')
p.add_argument('--device', default=None)
p.add_argument('--bf16', action='store_true', help='bf16 autocast through the update seam')
p.add_argument('--no-guard', action='store_true', help="don't snapshot the state each step")
a = p.parse_args()
torch.set_num_threads(a.threads)
names = a.recipes.split(',') if a.recipes else list(recipes())
res = {'threads': a.threads, 'preset': a.preset, 'bf16': a.bf16, 'guard': not a.no_guard}
for name in names:
    learn = build_learner(get_config(name, a.preset), device=a.device, cbs=[MixedPrecisionCB()] if a.bf16 else [])
    learn.guard = not a.no_guard
    res['device'] = str(learn.device)
    learn.fit(3)
    if learn.device.type == 'cuda': torch.cuda.synchronize()
    t = time.perf_counter(); learn.fit(3 + a.steps)
    if learn.device.type == 'cuda': torch.cuda.synchronize()
    res[f'{name}_ms'] = round((time.perf_counter() - t) / a.steps * 1000, 1)
    cfg = asdict(learn.config)
    res[f'{name}_config'] = {k: cfg[k] for k in ('size', 'batch_size', 'ngf', 'ndf') if k in cfg}
print(json.dumps(res))
