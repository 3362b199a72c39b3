"""StackGAN (Stage-I + Stage-II) against DF-GAN on the built-in birds at the `cpu` preset: the same output size (128 px),
metrics measured along the way, resumable.

    python bench/compare.py [--seeds 0,1] [--out runs/compare] [--results bench/results/compare] [--segments 4] [--n 500] [--threads N]
                            [--stage1-runs PATTERN] [--only stackgan,dfgan] [--preset cpu] [--table] [--plan]

For each seed, each model is trained in `--segments` equal parts of its preset's steps; after each part the run is measured
with `evaluate_learner` (FID in the bird reader's feature space, Inception Score over its species, R-precision, coarse and
fine attribute accuracy, diversity) on `--n` test-species captions at 128 px, and one JSON line is appended to
RESULTS/results.jsonl with the steps, the images seen, and the training seconds so far (wall clock read from the run's
log, so a resumed training loses none, with the threads it used: a clock that other work on the machine slows, so the
comparison chapter projects time from the steps and the step times bench/train_step.py measures alone instead).
StackGAN starts from its Stage-I run: the Stage-I `cpu` run of the same seed (`--stage1-runs`, default
'runs/stage1_cpu_preset_seed{seed}', trained into OUT if missing), whose images, upsampled to 128 px, are measured as
StackGAN's first point (part 0; its train_seconds are read from the Stage-I run's log).
A rerun skips every measured part and resumes an interrupted training from its checkpoint, so it can run in pieces.

The runs (checkpoints, logs, grids: large) live under --out; the measurements (small) under --results, which at the `cpu`
preset is bench/results/compare, kept in the repository, so that the figures outlive the run folders: a model and seed
whose parts are all measured there is skipped even when its runs are gone, and the comparison chapter reads them there.

Also written: RESULTS/models.json (stackgan_edu.compare.model_costs: parameters of G and D, FLOPs per generated image).
--table prints the final parts' figures per model, mean (min-max) over seeds, from what is stored; --plan prints the runs.
"""
import argparse, json, sys, time
from pathlib import Path

import torch

from stackgan_edu.runs import get_config, train_run, load_run
from stackgan_edu.learner import read_log
from stackgan_edu.metrics import evaluate_learner, json_safe
from stackgan_edu.compare import model_costs, read_results, summarise, RESULT_KEYS

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument('--seeds', default='0,1')
p.add_argument('--out', type=Path, default=Path('runs/compare'), help='where the runs are trained')
p.add_argument('--results', type=Path, default=None,
               help='where the measurements go (results.jsonl, models.json, table.json): bench/results/compare at the cpu preset, else --out')
p.add_argument('--segments', type=int, default=4, help='parts of each training, each followed by a measurement')
p.add_argument('--n', type=int, default=500, help='test-species captions (and images) per measurement')
p.add_argument('--threads', type=int, default=torch.get_num_threads())
p.add_argument('--stage1-runs', default='runs/stage1_cpu_preset_seed{seed}', help="Stage-I cpu runs to refine, by seed")
p.add_argument('--only', default='stackgan,dfgan')
p.add_argument('--preset', default='cpu', help="cpu (the comparison) or tiny (a seconds-long check of this script)")
p.add_argument('--table', action='store_true', help='train nothing: print the table of what is stored')
p.add_argument('--plan', action='store_true', help='train nothing: print the runs and their steps')
a = p.parse_args()
torch.set_num_threads(a.threads)
seeds = [int(s) for s in a.seeds.split(',')]
models = [m for m in a.only.split(',') if m]
if not seeds or a.segments < 1 or set(models) - {'stackgan', 'dfgan'}:
    p.error("--seeds takes e.g. 0,1; --segments >= 1; --only takes stackgan and/or dfgan.")
a.results = a.results or (Path(__file__).resolve().parent / 'results' / 'compare' if a.preset == 'cpu' else a.out)
a.out.mkdir(parents=True, exist_ok=True); a.results.mkdir(parents=True, exist_ok=True)
RESULTS = a.results / 'results.jsonl'

def stored() -> dict:
    "{(model, seed, part): record} of the measurements made so far."
    if not RESULTS.exists(): return {}
    recs = [json.loads(l) for l in RESULTS.read_text().splitlines() if l.strip()]
    return {(r['model'], r['seed'], r['part']): r for r in recs}

def record(rec:dict):
    with open(RESULTS, 'a') as f: f.write(json.dumps(json_safe(rec)) + '\n')

def log_seconds(run:Path, upto:int|None=None) -> float:
    "Training seconds of a run from its log (to step `upto`): the sum of the gaps between records, gaps over 10 minutes (a pause) left out."
    t = [r['time'] for r in read_log(run) if upto is None or r['step'] <= upto]
    return sum(d for d in (b - a_ for a_, b in zip(t, t[1:])) if d < 600)

def measure(learn, **extra) -> dict:
    "evaluate_learner's figures (Stage-II: also Stage-I's upsampled, via compare_stages' alike measure) with the run's progress."
    t = time.monotonic()
    res = evaluate_learner(learn, n=a.n)
    keep = ('fid', 'fid_real_vs_real', 'is', 'is_std', 'is_cap', 'attr_acc', 'attr_acc_real', 'fine_acc', 'fine_acc_real',
            'fine_chance', 'r_precision', 'diversity', 'size')
    return {**extra, **{k: res[k] for k in keep if k in res}, 'eval_seconds': round(time.monotonic() - t, 1)}

def stage1_point(seed:int, s1:Path) -> dict:
    "StackGAN's first point: the Stage-I run's images upsampled to 128 px, measured like the rest."
    from stackgan_edu.stage2 import stage2_learner
    import torch.nn.functional as F
    learn = load_run(s1, device='cpu')
    # measure Stage-I's samples at Stage-II's size: a Stage-II learner's data gives the same 128 px birds and captions
    l2 = stage2_learner(a.preset, stage1_run=str(s1), steps=1, device='cpu', embedder=learn.embedder)
    class Up(torch.nn.Module):  # Stage-I's G, its images upsampled (bilinear) to 128 px: what a Stage-II adding nothing would give
        def __init__(self, g, size): super().__init__(); self.g, self.size = g, size
        def forward(self, z, e, wrong=None, eps=None, eps1=None, **kw):
            img, aux = self.g(z, e, wrong, eps=eps1)
            return F.interpolate(img, size=self.size, mode='bilinear', align_corners=False), aux
    l2.G = Up(learn.G, l2.config.size)
    return measure(l2, steps=0, images=0)

def train_in_parts(name:str, seed:int, cfg, run:Path, clock0:float, done:dict):
    "Train cfg into run in a.segments parts, measuring after each part not yet measured."
    total = cfg.steps
    for part in range(1, a.segments + 1):
        steps = round(total * part / a.segments)
        if (name, seed, part) in done: continue
        ck = run / 'checkpoint.pt'
        before = torch.load(ck, map_location='cpu', weights_only=False)['step'] if ck.exists() else 0
        if before < steps:
            learn = train_run(cfg, run, resume=ck.exists(), steps=steps, quiet=True, device='cpu')
            if learn.interrupted:  # stopped by a signal: the part is not finished, so it is not measured
                print(f"{name} seed {seed}: stopped by {learn.interrupted} at step {learn.step} (saved): run the same command again to resume.")
                sys.exit(130)
        learn = load_run(run, device='cpu')
        rec = measure(learn, model=name, seed=seed, part=part, steps=steps, images=steps * cfg.batch_size,
                      train_seconds=round(clock0 + log_seconds(run, upto=steps), 1), threads=a.threads)  # from the log: a resume loses none
        record(rec); print(json.dumps(rec), flush=True)

def table():
    "The end of training per model, mean (min-max) over seeds (stackgan_edu.compare.summarise), printed and written to table.json."
    keys = RESULT_KEYS + ('train_seconds',)
    info = json.loads((a.results / 'models.json').read_text()) if (a.results / 'models.json').exists() else {}
    summary = summarise(read_results(RESULTS), keys) if RESULTS.exists() else {}
    fmt = lambda c: f"{c['mean']:.3f} ({c['min']:.3f}-{c['max']:.3f})" if c else 'n/a'
    print(f"{'model':10s} {'seeds':>5s} " + ' '.join(f'{k:>22s}' for k in keys))
    for m, row in summary.items(): print(f"{m:10s} {len(row['seeds']):5d} " + ' '.join(f'{fmt(row[k]):>22s}' for k in keys))
    for m, d in info.items():
        print(f"{m}: G {d['G_params']:,} parameters, D {d['D_params']:,}; {d['G_gflops_per_image']:.3f} GFLOPs per image")
    (a.results / 'table.json').write_text(json.dumps({m: {**row, **info.get(m, {})} for m, row in summary.items()}, indent=1))

if a.table: table(); sys.exit(0)
if a.plan:
    for m in models:
        cfg = get_config('stage2' if m == 'stackgan' else 'dfgan', a.preset)
        print(f"{m}: {cfg.steps} steps at batch {cfg.batch_size} in {a.segments} parts, seeds {seeds}")
    sys.exit(0)

done = stored()
for seed in seeds:
    for m in models:
        if all((m, seed, part) in done for part in range(0 if m == 'stackgan' else 1, a.segments + 1)):
            print(f"{m} seed {seed}: every part measured in {RESULTS}, skipped"); continue
        if m == 'stackgan':
            s1 = Path(a.stage1_runs.format(seed=seed))
            if not (s1 / 'checkpoint.pt').exists():
                s1 = a.out / f'stage1_seed{seed}'
                l1 = train_run(get_config('stage1', a.preset, seed=seed), s1, resume=(s1 / 'checkpoint.pt').exists(), quiet=True, device='cpu')
                if l1.interrupted: print(f'Stage-I seed {seed}: stopped by {l1.interrupted} at step {l1.step} (saved): run the same command again to resume.'); sys.exit(130)
            cfg1 = json.loads((s1 / 'config.json').read_text())
            ref = get_config('stage1', a.preset, seed=seed)
            if any(cfg1.get(k) != getattr(ref, k) for k in ('size', 'ngf', 'ndf', 'steps', 'attr_weight', 'kl_weight', 'seed')):
                sys.exit(f"{s1} is not the Stage-I {a.preset} run of seed {seed}: remove --stage1-runs to train one into {a.out}.")
            clock0 = log_seconds(s1)
            if ('stackgan', seed, 0) not in done:
                rec = stage1_point(seed, s1); rec.update(model='stackgan', seed=seed, part=0, train_seconds=round(clock0, 1), threads=None)
                record(rec); print(json.dumps(rec), flush=True)
            cfg = get_config('stage2', a.preset, seed=seed, stage1_run=str(s1.resolve()))
        else:
            cfg, clock0 = get_config('dfgan', a.preset, seed=seed), 0.0
        run = a.out / f'{m}_seed{seed}'
        train_in_parts(m, seed, cfg, run, clock0, done)
        info = json.loads((a.results / 'models.json').read_text()) if (a.results / 'models.json').exists() else {}  # another process may have written
        if m not in info:
            info[m] = model_costs(m, a.preset); (a.results / 'models.json').write_text(json.dumps(info, indent=1))
table()
