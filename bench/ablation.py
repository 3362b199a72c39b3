"""StackGAN's ablation (the paper's Table 2) on the built-in birds: CA, and the text read once or twice, at the `cpu` preset.

    python bench/ablation.py [--seeds 0,1] [--out runs/ablation] [--results bench/results/ablation] [--preset cpu] [--threads N] [--device cpu]
                             [--stage1-runs 'runs/stage1_cpu_preset_seed{seed}'] [--stackgan-runs 'runs/compare/stackgan_seed{seed}']
                             [--stage2-steps N] [--steps-scale F]
                             [--only NAME[,NAME]] [--n 500] [--plan] [--force] [--table] [--quiet]

Five configurations, each trained with every seed through the library (get_config, train_run, load_run):
  stage1_no_ca        Stage-I without CA (cond='fc': GAN-INT-CLS's fixed layer, no noise, no KL)      paper: 64 px
  stage1_ca           Stage-I with CA (the stage1 recipe's preset)                                    paper: 64 px
  stackgan_text_once  Stage-II with CA, the text read once (text_twice=False), on stage1_ca            paper: 256 px
  stackgan_no_ca      Stage-II without CA at either stage, the text read twice, on stage1_no_ca        paper: 256 px
  stackgan            Stage-II with CA, the text read twice (the stage2 recipe's preset), on stage1_ca paper: 256 px
At the `cpu` preset Stage-I makes 32 px birds and Stage-II 128 px (the paper's 4x step at half its size). Stage-I runs
are shared: the two-stage configurations refine the Stage-I run of their seed. --stage1-runs PATTERN ({seed} is
replaced) takes existing Stage-I runs for stage1_ca instead of training them: their config must be this preset's
(text space, channels_last and version aside) and they must have reached their steps, else the script refuses.
--stackgan-runs PATTERN does the same for the full model (CA, text twice): the comparison's StackGAN runs
(bench/compare.py) are this preset's Stage-II on the Stage-I cpu runs, so they serve as they are.

Layout: --out/NAME/seedS/ is a run folder (`stackgan-edu train` writes the same); --results/NAME/seedS.json its
metrics, written as soon as that run is measured, then --results/table.json. At the `cpu` preset --results is
bench/results/ablation, kept in the repository so that the figures outlive the run folders (elsewhere it is --out). A
rerun skips measured runs (a measured Stage-I whose folder is gone is trained again, unmeasured, only when a
two-stage configuration still has to refine it) and resumes an interrupted training from its checkpoint (Ctrl-C
finishes the current step, saves, and stops). Changing the steps or --n is refused: the runs and figures there were
made for other ones.

Measured on test-species captions with the evaluation seed 0 for every run (--n images): Stage-I with evaluate_learner
at its own size (fine details read on the samples upsampled to the fine reader's 128 px); two-stage runs at Stage-II's
size with compare_stages (FID, coarse and fine attribute accuracy; also Stage-I's sketch, upsampled, from the same
captions and noise) and evaluate_learner (Inception Score, R-precision, diversity). A run trained by this invocation is
measured on the learner train_run returns (the state of its last checkpoint: the same figures as load_run's, without
preparing the data again); one trained earlier, or given by --stage1-runs, is rebuilt with load_run. With the text read
once, Stage-II's D is still given the text (Stage-I's mu: the stage2 recipe's choice for text_twice=False). The table
gives, per configuration, the mean and min–max over seeds, and the paper's Inception Scores on CUB beside them (their
scale is Inception-v3's on real photographs; ours is the course's bird reader's on the built-in birds: compare orderings,
not values).

--plan prints each run's steps and projected minutes at 2 threads alone and the total, and trains nothing: Stage-I cpu
257 ms/step and Stage-II cpu 473 ms/step (bench/train_step.py); preparing a learner's data 0.4 and 0.8 min and measuring
a run 0.35 and 0.85 min (CPU time at 1 thread, an upper bound). The whole ablation projects to 166 minutes, 127 with
--stage1-runs 'runs/stage1_cpu_preset_seed{seed}' (the Stage-I cpu runs of seeds 0 and 1), so Stage-II keeps its
preset's 1,600 steps. Without --force the script refuses to start when what is left exceeds 180 minutes (3 hours of 2
cores): --stage2-steps or --steps-scale shorten it. --table prints the table of what is measured so far, training nothing.
"""
import argparse, json, sys, time
from pathlib import Path

CONFIGS = {  # name: (label, recipe, config fields, Stage-I configuration it refines, paper's Inception Score on CUB)
    'stage1_no_ca': ('Stage-I, no CA', 'stage1', {'cond': 'fc'}, None, 2.66),
    'stage1_ca': ('Stage-I, CA', 'stage1', {}, None, 2.95),
    'stackgan_text_once': ('StackGAN, CA, text once', 'stage2', {'text_twice': False}, 'stage1_ca', 3.45),
    'stackgan_no_ca': ('StackGAN, no CA, text twice', 'stage2', {'cond': 'fc'}, 'stage1_no_ca', 3.31),
    'stackgan': ('StackGAN, CA, text twice', 'stage2', {}, 'stage1_ca', 3.70),
}
PAPER_SIZES = {'stage1': 64, 'stage2': 256}  # the paper's Table 2: Stage-I at 64 px, StackGAN at 256 px
MS_PER_STEP = {('stage1', 'cpu'): 257, ('stage2', 'cpu'): 473, ('stage1', 'tiny'): 50, ('stage2', 'tiny'): 100}  # 2 threads alone
BUILD_MINUTES = {('stage1', 'cpu'): 0.4, ('stage2', 'cpu'): 0.8, ('stage1', 'tiny'): 0.05, ('stage2', 'tiny'): 0.1}  # data (and Stage-I) prepared
EVAL_MINUTES = {('stage1', 'cpu'): 0.35, ('stage2', 'cpu'): 0.85, ('stage1', 'tiny'): 0.1, ('stage2', 'tiny'): 0.15}  # --n 500 (tiny: 100)
BUDGET_MINUTES = 180  # 3 hours of 2 cores
METRICS = (('fid', 'FID', 1), ('is', 'IS', 2), ('r_precision', 'R-prec', 3), ('attr_acc', 'attr acc', 3),
           ('fine_acc', 'fine acc', 3), ('diversity', 'diversity', 3))
IGNORED = {'text_space', 'channels_last', 'stackgan_edu_version'}  # fields that do not change what a run learns

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument('--seeds', default='0,1', help='comma-separated training seeds (default 0,1)')
p.add_argument('--out', type=Path, default=Path('runs/ablation'), help='where the runs are trained')
p.add_argument('--results', type=Path, default=None, help='where their metrics and table.json go: bench/results/ablation at the cpu preset, else --out')
p.add_argument('--preset', default='cpu', choices=('cpu', 'tiny'), help="'cpu' (the ablation) or 'tiny' (a test of this script)")
p.add_argument('--threads', type=int, default=None, help='torch CPU threads (default: torch\'s, which follows OMP_NUM_THREADS)')
p.add_argument('--device', default=None, help="torch device (default: the fastest available)")
p.add_argument('--stage1-runs', default=None, metavar='PATTERN', help="existing Stage-I (CA) runs to use for stage1_ca, e.g. 'runs/stage1_cpu_preset_seed{seed}'")
p.add_argument('--stackgan-runs', default=None, metavar='PATTERN', help="existing Stage-II runs (CA, text twice) to use for stackgan, e.g. 'runs/compare/stackgan_seed{seed}'")
p.add_argument('--stage2-steps', type=int, default=None, help="Stage-II's steps (default: the preset's, 1600 at cpu)")
p.add_argument('--steps-scale', type=float, default=1.0, help="multiplies every run's steps (a quick pass; default 1)")
p.add_argument('--only', default=None, help='comma-separated configurations to measure (the Stage-I runs they refine are trained too)')
p.add_argument('--n', type=int, default=None, help='images per evaluation (default 500; 100 at tiny); R-precision needs 100')
p.add_argument('--plan', action='store_true', help='print the plan and its projected minutes; train nothing')
p.add_argument('--force', action='store_true', help=f'start even when the plan exceeds {BUDGET_MINUTES} minutes')
p.add_argument('--table', action='store_true', help='print (and write) the table of what is measured; train nothing')
p.add_argument('--quiet', action='store_true', help='no progress bars')
a = p.parse_args()

def fail(msg):
    "Print a one-line error and exit."
    print(f"ablation: {msg}", file=sys.stderr); sys.exit(2)

try: seeds = [int(s) for s in a.seeds.split(',') if s.strip()]
except ValueError: fail(f"--seeds takes whole numbers separated by commas, e.g. 0,1; got {a.seeds!r}.")
if not seeds or len(set(seeds)) != len(seeds): fail(f"--seeds needs distinct seeds, e.g. 0,1; got {a.seeds!r}.")
only = list(CONFIGS) if a.only is None else [s.strip() for s in a.only.split(',') if s.strip()]
if not only or set(only) - set(CONFIGS): fail(f"--only takes names among {', '.join(CONFIGS)}; got {a.only!r}.")
if not (a.steps_scale > 0): fail(f"--steps-scale must be > 0, got {a.steps_scale}.")
if a.stage2_steps is not None and a.stage2_steps < 1: fail(f"--stage2-steps must be >= 1, got {a.stage2_steps}.")
a.results = a.results or (Path(__file__).resolve().parent / 'results' / 'ablation' if a.preset == 'cpu' else a.out)
n_eval = a.n if a.n is not None else (100 if a.preset == 'tiny' else 500)
if not 10 <= n_eval <= 50_000: fail(f"--n must be between 10 and 50000 images (R-precision needs 100), got {n_eval}.")
for flag, pat in (('--stage1-runs', a.stage1_runs), ('--stackgan-runs', a.stackgan_runs)):
    try: pat and pat.format(seed=0)
    except (KeyError, IndexError, ValueError): fail(f"{flag} takes a folder name with {{seed}} where the seed goes, got {pat!r}.")

import torch
if a.threads is not None: torch.set_num_threads(a.threads)
from stackgan_edu.runs import get_config, train_run, load_run, load_config, config_to_dict, run_state, RunError
from stackgan_edu.files import atomic_write_text
from stackgan_edu.metrics import evaluate_learner, json_safe
from stackgan_edu.stage2 import compare_stages

def steps_of(recipe):
    "The steps of a run of this recipe in this ablation: the preset's (or --stage2-steps), times --steps-scale."
    base = a.stage2_steps if recipe == 'stage2' and a.stage2_steps else get_config(recipe, a.preset).steps
    return max(1, round(base * a.steps_scale))

def run_dir(name, seed): return a.out / name / f'seed{seed}'
def metrics_path(name, seed): return a.results / name / f'seed{seed}.json'

REUSABLE = {'stage1_ca': ('--stage1-runs', 'stackgan-edu train stage1 --preset {preset} --seed {seed}'),  # name: (option, what makes such a run)
            'stackgan': ('--stackgan-runs', 'python bench/compare.py --only stackgan --seeds {seed}')}

def pattern(name):
    "The folder pattern given for a reusable configuration's existing runs, or None."
    return {'stage1_ca': a.stage1_runs, 'stackgan': a.stackgan_runs}.get(name)

def external(name, seed):
    "The existing run given by --stage1-runs / --stackgan-runs for this configuration and seed, or None."
    return Path(pattern(name).format(seed=seed)).expanduser().resolve() if pattern(name) else None

def folder(name, seed):
    "Where the run of a configuration and seed lives: the --stage1-runs one, or under --out."
    return external(name, seed) or run_dir(name, seed).resolve()

def config(name, seed):
    "The run's config: the recipe's preset with the configuration's fields, the seed, the steps, and its Stage-I run."
    _, recipe, fields, stage1, _ = CONFIGS[name]
    extra = {'stage1_run': str(folder(stage1, seed))} if stage1 else {}
    return get_config(recipe, a.preset, seed=seed, steps=steps_of(recipe), **fields, **extra)

def differences(saved, want):
    "(field, saved, wanted) for each field in which a saved config differs from the wanted one."
    s, w = config_to_dict(saved), config_to_dict(want)
    return [(k, s.get(k), w[k]) for k in w if k not in IGNORED and s.get(k) != w[k]]

def checkpoint_step(run):
    "The step of a run folder's checkpoint (0 if it has none)."
    ck = Path(run) / 'checkpoint.pt'
    return torch.load(ck, map_location='cpu', weights_only=True)['step'] if ck.exists() else 0

def run_progress(name, seed):
    "The run folder's own state, whatever is measured: 'trained', 'partial' (to resume) or 'new', and the steps done."
    run = folder(name, seed)
    if run_state(run) != 'checkpoint': return 'new', 0
    done = checkpoint_step(run)
    return ('trained' if done >= config(name, seed).steps else 'partial'), done

def state(name, seed):
    "'measured', 'trained' (to measure), 'partial' (to resume) or 'new', and the steps already done."
    if metrics_path(name, seed).exists(): return 'measured', config(name, seed).steps
    return run_progress(name, seed)

def retrain(name, seed):
    "Whether a measured run must be trained again, unmeasured: its folder is gone or unfinished, and a configuration of this plan not yet measured refines it."
    refined = any(CONFIGS[n][3] == name and s == seed and not metrics_path(n, s).exists() for n, s, _ in needed())
    return refined and run_progress(name, seed)[0] != 'trained'

def todo(name, seed, measure_it):
    "(state, steps done, whether to measure) of a run in this plan: a measured run that must be trained again (retrain) is not measured again."
    st, done = state(name, seed)
    if st == 'measured' and retrain(name, seed): return (*run_progress(name, seed), False)
    return st, done, measure_it

def check(name, seed):
    "Refuse, with what to do, a run or metrics file under --out (or a --stage1-runs run) made for another config."
    want = config(name, seed)
    m = metrics_path(name, seed)
    if m.exists():
        rec = json.loads(m.read_text())
        if (rec.get('steps'), rec.get('n')) != (want.steps, n_eval):
            fail(f"{m} was measured after {rec.get('steps')} steps on {rec.get('n')} images, this plan asks {want.steps} and {n_eval}: "
                 "use another --out, or the --stage2-steps/--steps-scale/--n it was made with.")
        return
    run, ext = folder(name, seed), external(name, seed)
    flag, maker = REUSABLE.get(name, ('', ''))
    maker = maker.format(preset=a.preset, seed=seed)
    if ext is not None and not (ext / 'config.json').exists():
        fail(f"{flag}: no run at {ext} (no config.json) for seed {seed}: give the folder of a finished `{maker}` run.")
    if not (run / 'config.json').exists(): return
    diff = differences(load_config(run / 'config.json'), want)
    if diff:
        k, got, exp = diff[0]
        if ext is not None:
            hint = " (a run given must have trained this ablation's steps: leave --steps-scale at 1)" if k == 'steps' else ''
            fail(f"{flag}: {ext} is not this ablation's {CONFIGS[name][0]} at seed {seed}, preset {a.preset}: its {k} is {got!r}, this "
                 f"ablation's {exp!r}{hint}. Give runs of `{maker}`, or leave {flag} out.")
        fail(f"{run} holds a run of another config ({k} is {got!r}, this plan's {exp!r}): use another --out, or the options it was made with.")
    if ext is not None and checkpoint_step(ext) < want.steps:
        fail(f"{flag}: {ext} is at step {checkpoint_step(ext)} of {want.steps}: finish it (`stackgan-edu train --resume --out {ext}`) first.")

def needed():
    "[(name, seed, measure)] in the order they run: per seed, Stage-I runs first; measure=False for a Stage-I run only trained for --only."
    todo = []
    for seed in seeds:
        names = set(only) | {CONFIGS[n][3] for n in only if CONFIGS[n][3]}
        todo += [(n, seed, n in only) for n in CONFIGS if n in names]
    return todo

def minutes(name, seed, st, done, measure_it):
    "(training, measuring) minutes projected at 2 threads for a run in state st with `done` steps, from scratch if st is None."
    recipe, steps, ext = CONFIGS[name][1], config(name, seed).steps, external(name, seed)
    key = recipe, a.preset
    if st == 'measured': return 0.0, 0.0
    trained = ext is not None or st == 'trained'
    train = 0.0 if trained else BUILD_MINUTES[key] + (steps - done) * MS_PER_STEP[key] / 60_000
    ev = (BUILD_MINUTES[key] if trained else 0.0) + EVAL_MINUTES[key] if measure_it else 0.0  # a run trained earlier is rebuilt first
    return train, ev

def plan():
    "Print each run's steps, state and projected minutes at 2 threads; return the minutes left to spend."
    key1, key2 = ('stage1', a.preset), ('stage2', a.preset)
    print(f"Plan: preset {a.preset}, seeds {','.join(map(str, seeds))}, evaluations of {n_eval} images; projected at 2 threads alone: "
          f"Stage-I {MS_PER_STEP[key1]} ms/step, Stage-II {MS_PER_STEP[key2]} ms/step; building a learner (its data) "
          f"{BUILD_MINUTES[key1]} / {BUILD_MINUTES[key2]} min, measuring {EVAL_MINUTES[key1]} / {EVAL_MINUTES[key2]} min")
    print(f"  {'run':<26} {'steps':>6}  {'state':<44} {'train min':>9} {'eval min':>8}")
    left = total = 0.0
    for name, seed, measure_it in needed():
        st, done, measure_it = todo(name, seed, measure_it)
        train, ev = minutes(name, seed, st, done, measure_it)
        total += sum(minutes(name, seed, None, 0, measure_it)); left += train + ev
        what = {'measured': 'measured', 'trained': 'trained, to measure', 'partial': f'at step {done}, to resume', 'new': 'to train'}[st]
        if external(name, seed): what = f"reused {external(name, seed).name}" + ('' if st == 'measured' else ', to measure')
        if not measure_it: what += ' (measured before)' if metrics_path(name, seed).exists() else ' (not measured: --only)'
        print(f"  {name + ' seed ' + str(seed):<26} {config(name, seed).steps:>6}  {what:<44} {train:>9.1f} {ev:>8.1f}")
    print(f"  total {total:.1f} min; left to spend {left:.1f} min of the {BUDGET_MINUTES}-minute budget (3 hours of 2 cores)")
    return left

def measure(name, seed, run, learn=None):
    "Evaluate a finished run (its learner as train_run returned it, or rebuilt by load_run) and write its metrics file; returns the record."
    t0 = time.time()
    if learn is None: learn = load_run(run, device=a.device)
    ev = evaluate_learner(learn, n=n_eval, seed=0)
    run = Path(run)
    rec = {'name': name, 'label': CONFIGS[name][0], 'seed': seed, 'preset': a.preset, 'steps': learn.config.steps, 'step': learn.step,
           'n': n_eval, 'run': str(run.relative_to(Path.cwd()) if run.is_relative_to(Path.cwd()) else run), 'size': ev['size'],
           'evaluate_learner': ev}
    m = {k: ev.get(k) for k, _, _ in METRICS}
    m['fine_chance'] = ev.get('fine_chance')
    if CONFIGS[name][1] == 'stage2':  # at Stage-II's size, and the sketch it refines from the same captions and noise
        cmp = compare_stages(learn, n=n_eval, seed=0)
        m.update(fid=cmp['stage2']['fid'], attr_acc=cmp['stage2']['attr_acc'], fine_acc=cmp['stage2']['fine_acc'], fine_chance=cmp['stage2']['fine_chance'])
        rec['compare_stages'] = cmp
    rec['metrics'], rec['eval_minutes'] = m, round((time.time() - t0) / 60, 2)
    atomic_write_text(json.dumps(json_safe(rec), indent=1) + '\n', metrics_path(name, seed))
    return rec

def do(name, seed, measure_it):
    "Train (or resume) the run of a configuration and seed, then measure it if asked; exits on an interruption."
    st, done, measure_it = todo(name, seed, measure_it)
    if st != 'measured' and not measure_it and metrics_path(name, seed).exists():
        print(f"{name} seed {seed}: measured before, but its run is not in {folder(name, seed)}: trained again for the runs that refine it")
    elif st == 'measured': print(f"{name} seed {seed}: measured, skipped"); return
    run, cfg, learn = folder(name, seed), config(name, seed), None
    if st != 'trained':
        print(f"{name} seed {seed}: {'resuming at step ' + str(done) if st == 'partial' else 'training'} to step {cfg.steps} in {run}", flush=True)
        t0 = time.time()
        learn = train_run(cfg, run, resume=st == 'partial', device=a.device, quiet=a.quiet)
        if learn.interrupted:
            print(f"{name} seed {seed}: stopped by {learn.interrupted} at step {learn.step} (saved): run the same command again to resume.")
            sys.exit(130)
        print(f"{name} seed {seed}: trained to step {learn.step} in {(time.time() - t0) / 60:.1f} min", flush=True)
    if measure_it:
        rec = measure(name, seed, run, learn)
        print(f"{name} seed {seed}: measured in {rec['eval_minutes']:.1f} min -> {metrics_path(name, seed)}", flush=True)

def fmt(vals, digits):
    "mean (min–max) of the values, or the value alone, or '-'."
    vals = [v for v in vals if v is not None]
    if not vals: return '-'
    mean = sum(vals) / len(vals)
    return f"{mean:.{digits}f}" if len(vals) == 1 else f"{mean:.{digits}f} ({min(vals):.{digits}f}–{max(vals):.{digits}f})"

def table():
    "Print the table of the measured runs and write it to --out/table.json."
    rows = []
    for name, (label, recipe, _, _, paper_is) in CONFIGS.items():
        recs = [json.loads(metrics_path(name, s).read_text()) for s in seeds if metrics_path(name, s).exists()]
        row = {'name': name, 'label': label, 'size': recs[0]['size'] if recs else None, 'seeds': [r['seed'] for r in recs],
               'steps': recs[0]['steps'] if recs else None, 'paper_size': PAPER_SIZES[recipe], 'paper_is': paper_is}
        for k, _, _ in METRICS + (('fine_chance', '', 3),):
            vals = [r['metrics'].get(k) for r in recs]
            got = [v for v in vals if v is not None]
            row[k] = {'mean': sum(got) / len(got) if got else None, 'min': min(got, default=None), 'max': max(got, default=None), 'values': vals}
        rows.append(row)
    ns = {json.loads(metrics_path(n, s).read_text())['n'] for n in CONFIGS for s in seeds if metrics_path(n, s).exists()}
    n_used = ns.pop() if len(ns) == 1 else n_eval
    out = {'preset': a.preset, 'seeds': seeds, 'n': n_used, 'eval_seed': 0, 'paper': 'CUB, Inception Score', 'rows': rows}
    a.results.mkdir(parents=True, exist_ok=True)
    atomic_write_text(json.dumps(json_safe(out), indent=1) + '\n', a.results / 'table.json')
    print(f"\nStackGAN's ablation at the {a.preset} preset: mean (min–max) over seeds {','.join(map(str, seeds))}; "
          f"{n_used} test-species captions, evaluation seed 0")
    cols = [['configuration', 'px', 'seeds'] + [t for _, t, _ in METRICS] + ['paper (CUB, Inception Score)']]
    cols += [[r['label'], str(r['size'] or '-'), str(len(r['seeds']))] + [fmt(r[k]['values'], d) for k, _, d in METRICS]
             + [f"{r['paper_is']:.2f} at {r['paper_size']} px"] for r in rows]
    widths = [max(len(c[j]) for c in cols) for j in range(len(cols[0]))]
    line = lambda c: '  '.join(v.ljust(w) if j in (0, len(c) - 1) else v.rjust(w) for j, (v, w) in enumerate(zip(c, widths))).rstrip()
    print(line(cols[0])); print('-' * len(line(cols[0])))
    for c in cols[1:]: print(line(c))
    chance = [v for r in rows for v in r['fine_chance']['values'] if v is not None]
    print(f"FID lower is better (the bird reader's features); IS, R-precision, accuracies and diversity higher. Fine accuracy's chance "
          f"(always the commoner claimed value): {fmt(chance, 3) if chance else '-'}. "
          f"Stage-I rows at their own size, StackGAN rows at Stage-II's.")
    print(f"written to {a.results / 'table.json'}")

try:
    if a.table: table(); sys.exit(0)
    for name, seed, _ in needed(): check(name, seed)  # every refusal before any work
    left = plan()
    if a.plan: sys.exit(0)
    if left > BUDGET_MINUTES and not a.force:
        fail(f"the plan's {left:.0f} minutes exceed the {BUDGET_MINUTES}-minute budget: lower --stage2-steps or --steps-scale, or pass --force.")
    for name, seed, measure_it in needed(): do(name, seed, measure_it)
    table()
except KeyboardInterrupt:
    print("\nablation: interrupted; what was saved stays: run the same command again to resume.", file=sys.stderr); sys.exit(130)
except RunError as e: fail(str(e))
