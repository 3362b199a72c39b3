"""D+G step time of every training recipe at a preset (data rendering included, as in a real run).

    python bench/train_step.py [--threads N] [--steps N] [--warmup N] [--preset cpu] [--recipes dcgan,stage1,stage2] [--batch N]
                               [--bf16] [--compile] [--channels-last] [--no-guard] [--device cuda]

Prints one JSON line: {"threads": .., "preset": .., "<recipe>_ms": .., "<recipe>_images_per_s": ..,
"<recipe>_projected_hours": .., "<recipe>_config": {..}, ...}. `_projected_hours` is the config's whole schedule (its
`steps`: at the paper preset, StackGAN's 600 epochs of CUB's 8,855 training images) at the measured speed. The built-in
birds write each bird's captions once and keep them, so the first epoch's steps are slower than the rest: --warmup 150
(about one epoch at batch 64) times the steps of a long run.
stage2 refines a Stage-I of the same preset, untrained (trained for one step into a temporary run folder): the weights
do not change the cost. With --no-guard the learner does not copy its state each step (the copy that lets a non-finite
step be undone); compare the two to see its cost. --bf16 (autocast through the update seam), --compile (torch.compile,
dynamic=False) and --channels-last apply to the library's models as a user would apply them.
"""
import argparse, json, tempfile, time
from dataclasses import asdict, replace

import torch

from stackgan_edu.runs import recipes, get_config, build_learner, train_run
from stackgan_edu.learner import MixedPrecisionCB

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument('--threads', type=int, default=torch.get_num_threads(), help='torch CPU threads (default: all cores)')
p.add_argument('--steps', type=int, default=10, help='timed steps per recipe, after the warm-up steps')
p.add_argument('--warmup', type=int, default=3, help='untimed steps first (default 3)')
p.add_argument('--preset', default='cpu')
p.add_argument('--recipes', default=None, help='comma-separated recipe names (default: all)')
p.add_argument('--batch', type=int, default=None, help="images per step (default: the preset's)")
p.add_argument('--device', default=None)
p.add_argument('--bf16', action='store_true', help='bf16 autocast through the update seam')
p.add_argument('--compile', action='store_true', help='torch.compile(dynamic=False) of G and D')
p.add_argument('--channels-last', action='store_true', help='models and images in torch.channels_last')
p.add_argument('--no-guard', action='store_true', help="don't snapshot the state each step")
a = p.parse_args()
torch.set_num_threads(a.threads)
names = a.recipes.split(',') if a.recipes else list(recipes())
res = {'threads': a.threads, 'preset': a.preset, 'warmup': a.warmup, 'bf16': a.bf16, 'compile': a.compile, 'channels_last': a.channels_last,
       'guard': not a.no_guard}
tmp = tempfile.TemporaryDirectory()

def config(name):
    "The recipe's config at the preset (batch as asked); stage2 gets a Stage-I run of the same preset."
    cfg = get_config(name, a.preset, **({'batch_size': a.batch} if a.batch else {}))
    if name == 'stage2' and a.preset != 'tiny':
        s1 = get_config('stage1', a.preset, batch_size=8, steps=1)
        out = f'{tmp.name}/stage1_{a.preset}'
        train_run(s1, out, quiet=True, device=a.device)
        cfg = replace(cfg, stage1_run=out)
    return cfg

for name in names:
    learn = build_learner(config(name), device=a.device, cbs=[MixedPrecisionCB()] if a.bf16 else [])
    learn.guard = not a.no_guard
    if a.channels_last: learn.G, learn.D = (m.to(memory_format=torch.channels_last) for m in (learn.G, learn.D))
    if a.compile: learn.G, learn.D = torch.compile(learn.G, dynamic=False), torch.compile(learn.D, dynamic=False)
    res['device'] = str(learn.device)
    if learn.device.type == 'cuda': res['gpu'] = torch.cuda.get_device_name()
    learn.fit(a.warmup)
    if learn.device.type == 'cuda': torch.cuda.synchronize()
    t = time.perf_counter(); learn.fit(a.warmup + a.steps)
    if learn.device.type == 'cuda': torch.cuda.synchronize()
    s = (time.perf_counter() - t) / a.steps
    cfg = asdict(learn.config)
    res[f'{name}_ms'] = round(s * 1000, 1)
    res[f'{name}_images_per_s'] = round(cfg['batch_size'] / s, 1)
    res[f'{name}_projected_hours'] = round(cfg['steps'] * s / 3600, 2)
    res[f'{name}_config'] = {k: cfg[k] for k in ('size', 'batch_size', 'ngf', 'ndf', 'steps') if k in cfg}
print(json.dumps(res))
