"""Training images per second of StackGAN Stage-I, Stage-II and DF-GAN on a GPU, with and without bf16 and torch.compile, and the papers' CUB schedules projected to hours.

    python bench/gpu_throughput.py [--recipes stage1,stage2,dfgan] [--batch 64] [--steps 20] [--warmup 10] [--device cuda] [--json OUT]
    python bench/gpu_throughput.py --device cpu --preset tiny --steps 2 --warmup 1    # a smoke test of the script, not a measurement

Each recipe is built at the `paper` preset (256 px for Stage-II and DF-GAN, 64 px for Stage-I, the papers' widths) with
its batch set to --batch (64, StackGAN's; DF-GAN's release uses 32), by the library's own builders, and trained four
ways: float32 or bf16 autocast (MixedPrecisionCB), eager or compiled (CompileCB: torch.compile, dynamic=False; DF-GAN's D
stays eager, since MA-GP differentiates through it). Each way runs --warmup untimed steps (torch.compile compiles there:
the warm-up's seconds are printed too), then --steps timed ones, with the GPU synchronised before and after. Stage-II
refines an untrained Stage-I of the paper preset (the weights don't change the cost).

The steps read a pool of batches rendered before timing, so the figure is the GPU's: the built-in birds are drawn on the
CPU, by one process, and their rate (printed) would bound a run's speed on a fast GPU; CUB's JPEGs are read by loader
workers in the official code. --live-data renders every batch in the step instead, as `stackgan-edu train` does.

The projection is the papers' schedule on CUB's 8,855 training images at the measured speed, at --batch: StackGAN 600
epochs of Stage-I then 600 of Stage-II (the paper preset's steps), DF-GAN 1,300 epochs (the release's). Prints a table,
and with --json OUT writes every figure to OUT. Without a CUDA GPU it refuses, unless asked for the CPU smoke test.
"""
import argparse, itertools, json, sys, tempfile, time
from dataclasses import replace
from pathlib import Path

import torch
import torch._dynamo

CUB_TRAIN_IMAGES = 8855
COMBOS = [(False, False), (True, False), (False, True), (True, True)]  # (bf16, compile)

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument('--recipes', default='stage1,stage2,dfgan', help='comma-separated: stage1, stage2, dfgan (default: all three)')
p.add_argument('--batch', type=int, default=64, help='images per step for every recipe (default 64, the StackGAN paper\'s)')
p.add_argument('--steps', type=int, default=20, help='timed steps per recipe and way (default 20)')
p.add_argument('--warmup', type=int, default=10, help='untimed steps first, where torch.compile compiles (default 10)')
p.add_argument('--device', default='cuda', help='cuda (default), cuda:N, or cpu for the smoke test')
p.add_argument('--preset', default='paper', help="the recipes' preset (default paper; tiny only for the CPU smoke test)")
p.add_argument('--live-data', action='store_true', help='render the built-in birds inside every step, as a training run does')
p.add_argument('--compile-backend', default='inductor', help="torch.compile's backend (default inductor; 'eager' checks the script quickly)")
p.add_argument('--json', metavar='OUT', help='also write every figure to this JSON file')
a = p.parse_args()

def refuse(msg):
    print(f'gpu_throughput: {msg}', file=sys.stderr); sys.exit(2)

device = torch.device(a.device)
if device.type == 'cuda' and not torch.cuda.is_available():
    refuse("this machine has no CUDA GPU (torch.cuda.is_available() is False), and this benchmark measures one: "
           "run it on a GPU machine, or check the script on the CPU with --device cpu --preset tiny.")
if device.type != 'cuda' and (device.type != 'cpu' or a.preset != 'tiny'):
    refuse(f"--device {a.device} with --preset {a.preset}: off a CUDA GPU only the smoke test runs (--device cpu --preset tiny), "
           "whose figures are not a GPU's: at the paper preset a CPU takes seconds to minutes a step.")
if min(a.batch, a.steps) < 1 or a.warmup < 0: refuse('--batch and --steps must be >= 1 and --warmup >= 0.')

from stackgan_edu.runs import get_config, build_learner, speed_callbacks, train_run
from stackgan_edu.learner import CompileCB

names = [n.strip() for n in a.recipes.split(',') if n.strip()]
if not names or set(names) - {'stage1', 'stage2', 'dfgan'}: refuse(f"--recipes {a.recipes!r}: choose among stage1, stage2, dfgan.")
if device.type == 'cpu': torch.set_num_threads(1)
sync = (lambda: torch.cuda.synchronize(device)) if device.type == 'cuda' else (lambda: None)
tmp = tempfile.TemporaryDirectory()

def config(name):
    "The recipe's config at the preset and batch; Stage-II gets an (untrained) Stage-I run of the same preset."
    cfg = get_config(name, a.preset, batch_size=a.batch)
    if name == 'stage2' and a.preset != 'tiny':
        out = f'{tmp.name}/stage1_{a.preset}'
        if not Path(out).exists(): train_run(get_config('stage1', a.preset, batch_size=8), out, steps=1, quiet=True, device=device)
        cfg = replace(cfg, stage1_run=out)
    return cfg

class Pool:
    "Batches drawn once, served in a loop: the steps then time the GPU, not the CPU rendering the birds."
    def __init__(self, data, n):
        t = time.perf_counter(); self.batches = [next(data) for _ in range(n)]
        self.images_per_s = n * data.bs / (time.perf_counter() - t)
        self.epoch, self.bs, self._it = 0, data.bs, itertools.cycle(self.batches)
    def __next__(self): return next(self._it)
    def __iter__(self): return self

def schedule_epochs(name):
    "The paper's schedule on CUB in epochs (the paper preset's steps over its steps per epoch)."
    cfg = get_config(name, 'paper')
    return cfg.steps / (CUB_TRAIN_IMAGES // cfg.batch_size)

rows, pools = [], {}
for name in names:
    for bf16, comp in COMBOS:
        torch._dynamo.reset()  # each way compiles from scratch (and no earlier model's graphs count against the recompile limit)
        cbs = speed_callbacks(bf16, False) + ([CompileCB(backend=a.compile_backend)] if comp else [])
        learn = build_learner(config(name), device=device, cbs=cbs)
        if not a.live_data:
            if name not in pools: pools[name] = Pool(learn.data, min(4, a.warmup + a.steps))
            learn.data = pools[name]
        t = time.perf_counter(); learn.fit(a.warmup); sync(); warm = time.perf_counter() - t
        t = time.perf_counter(); learn.fit(a.warmup + a.steps); sync()
        s = (time.perf_counter() - t) / a.steps
        steps = schedule_epochs(name) * (CUB_TRAIN_IMAGES // a.batch)
        cc = next((c for c in learn.cbs if isinstance(c, CompileCB)), None)
        compiled = ''.join(sorted(cc.compiled, key='GD'.index)) if cc else ''  # the players that trained compiled
        rows.append({'recipe': name, 'bf16': bf16, 'compile': comp, 'compiled': compiled, 'ms_per_step': round(1000 * s, 2),
                     'images_per_s': round(a.batch / s, 1), 'warmup_s': round(warm, 1), 'schedule_epochs': round(schedule_epochs(name)),
                     'schedule_steps': int(steps), 'projected_hours': round(steps * s / 3600, 2),
                     'size': learn.config.size, 'ngf': learn.config.ngf, 'ndf': learn.config.ndf})
        del learn
        if device.type == 'cuda': torch.cuda.empty_cache()

gpu = torch.cuda.get_device_name(device) if device.type == 'cuda' else 'none (CPU smoke test: not a GPU figure)'
print(f'device: {device} | GPU: {gpu} | torch {torch.__version__} | preset {a.preset}, batch {a.batch}, '
      f'{a.warmup} warm-up + {a.steps} timed steps | data: {"rendered in each step" if a.live_data else "a pool of pre-rendered batches"}')
print(f"{'recipe':<8} {'bf16':<5} {'compile':<8} {'ms/step':>9} {'images/s':>9} {'warm-up s':>10} {'schedule':>22} {'hours':>8}")
for r in rows:
    comp = ('yes' if r['compiled'] == 'GD' else f"{r['compiled'] or 'no'} only") if r['compile'] else 'no'
    print(f"{r['recipe']:<8} {'yes' if r['bf16'] else 'no':<5} {comp:<8} {r['ms_per_step']:>9.1f} {r['images_per_s']:>9.1f} {r['warmup_s']:>10.1f} "
          f"{str(r['schedule_epochs']) + ' epochs of CUB':>22} {r['projected_hours']:>8.1f}")
for name, pool in pools.items(): print(f'data: the built-in birds for {name} render at {pool.images_per_s:.0f} images/s in one CPU process')
summary = {}
for bf16, comp in COMBOS:
    h = {r['recipe']: r['projected_hours'] for r in rows if (r['bf16'], r['compile']) == (bf16, comp)}
    way = f"{'bf16' if bf16 else 'float32'}, {'compiled' if comp else 'eager'}"
    if 'stage1' in h and 'stage2' in h:
        summary[f'stackgan_hours_{way}'] = round(h['stage1'] + h['stage2'], 2)
        print(f"StackGAN on CUB (600 epochs Stage-I + 600 epochs Stage-II, batch {a.batch}), {way}: {h['stage1'] + h['stage2']:.1f} h")
    if 'dfgan' in h:
        summary[f'dfgan_hours_{way}'] = h['dfgan']
        print(f"DF-GAN on CUB ({rows[[r['recipe'] for r in rows].index('dfgan')]['schedule_epochs']} epochs, batch {a.batch}), {way}: {h['dfgan']:.1f} h")
if a.json:
    res = {'device': str(device), 'gpu': gpu, 'torch': torch.__version__, 'preset': a.preset, 'batch': a.batch, 'steps': a.steps,
           'warmup': a.warmup, 'live_data': a.live_data, 'compile_backend': a.compile_backend, 'rows': rows, **summary,
           'data_images_per_s': {k: round(v.images_per_s, 1) for k, v in pools.items()}}
    Path(a.json).write_text(json.dumps(res, indent=1) + '\n')
    print(f'wrote {a.json}')
