"""Write the package's pretrained models again from the runs that trained them (stackgan_edu.pretrained.export_pretrained).

    python tools/export_pretrained.py [--only stage1,stage2,dfgan] [--out DIR] [--dtype float16|float32]

Each model: its run folder, the command that trained it, and where its metrics are (the run's eval.json, or the last
line of bench/compare.py's results for that model and seed). Stage-I is written first: Stage-II names stage1.pt
instead of storing its Stage-I again, so re-export Stage-II whenever Stage-I changes. A model whose run is missing
is skipped with a message; the others are written. Run it from the repository's root.
"""
import argparse, json, sys
from pathlib import Path

import torch

from stackgan_edu.pretrained import PRETRAINED, PRETRAINED_DIR, export_pretrained

RESULTS = Path('bench/results/compare/results.jsonl')  # bench/compare.py's measurements, kept in the repository
MODELS = {  # name -> (run folder, the command that trained it, (model, seed) of its metrics line in RESULTS, or None: its eval.json)
    'stage1': ('runs/stage1_cpu_preset_seed0', 'stackgan-edu train stage1 --preset cpu --seed 0 --out runs/stage1_cpu_preset_seed0', None),
    'stage2': ('runs/compare/stackgan_seed0', 'python bench/compare.py --only stackgan --seeds 0', ('stackgan', 0)),
    'dfgan': ('runs/compare/dfgan_seed0', 'python bench/compare.py --only dfgan --seeds 0', ('dfgan', 0)),
}

def results_line(model:str, seed:int) -> dict|None:
    "The last line of bench/compare.py's results for a model and seed (its final measurement), or None."
    if not RESULTS.is_file(): return None
    lines = [json.loads(l) for l in RESULTS.read_text().splitlines() if l.strip()]
    return next((r for r in reversed(lines) if r.get('model') == model and r.get('seed') == seed), None)

def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--only', default=','.join(PRETRAINED), help='which models, comma-separated (default: all, Stage-I first)')
    p.add_argument('--out', type=Path, default=PRETRAINED_DIR, help='where NAME.pt and NAME.md go (default: the package)')
    p.add_argument('--dtype', default='float16', choices=['float16', 'float32'], help='float16: kept only if the images stay within 4/255')
    a = p.parse_args(argv)
    torch.set_num_threads(1)
    names = [n for n in PRETRAINED if n in a.only.split(',')]  # Stage-I before Stage-II, whatever the order given
    unknown = set(a.only.split(',')) - set(PRETRAINED)
    if unknown: p.error(f"unknown models {', '.join(sorted(unknown))}: choose among {', '.join(PRETRAINED)}")
    for name in names:
        run, command, where = MODELS[name]
        if not (Path(run) / 'checkpoint.pt').is_file():
            print(f'{name}: skipped, no trained run in {run} (train it with: {command})', file=sys.stderr); continue
        metrics = None
        if where is not None:
            metrics = results_line(*where)
            if metrics is None: print(f'{name}: no line for {where} in {RESULTS}: its card will have no metrics', file=sys.stderr)
        path = export_pretrained(run, name, a.out, command=command, metrics=metrics, dtype=a.dtype)
        ck = torch.load(path, weights_only=True)
        print(f"{name}: wrote {path} ({path.stat().st_size / 1e6:.1f} MB, {ck['dtype']}, images within {ck['max_diff']} of the run's) "
              f"and {path.with_suffix('.md')}")
    return 0

if __name__ == '__main__': sys.exit(main())
