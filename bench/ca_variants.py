"""Training quality of Conditioning Augmentation variants at the cpu preset: trains one variant, then evaluates it.

    python bench/ca_variants.py --act relu|leaky_relu --kl-weight L [--steps 2500] [--threads N] [--out DIR]
    python bench/ca_variants.py --no-ca                 # the same GAN with the fixed condition layer, for comparison

Prints one JSON line: the variant, the training time and every figure of `evaluate_learner` (500 test-species captions).
Every variant is a config of the library's `cgan` / `cgan-ca` recipes, the runs `stackgan-edu train` makes.
One variant takes about 9 min on 2 threads or 15 min on 1; two 1-thread runs side by side fit 2 cores.
"""
import argparse, json, tempfile, time
from pathlib import Path

import torch

from stackgan_edu.runs import get_config, build_learner
from stackgan_edu.learner import MetricsLogCB
from stackgan_edu.metrics import evaluate_learner, json_safe

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument('--act', choices=['relu', 'leaky_relu'], default='relu', help="CA's activation: ReLU (StackGAN-PyTorch) or LeakyReLU(0.2) (the TF code)")
p.add_argument('--kl-weight', type=float, default=2.0, help="lambda, the weight of kl_loss in G's loss")
p.add_argument('--no-ca', action='store_true', help='the fixed condition layer instead of CA (lambda is then unused)')
p.add_argument('--steps', type=int, default=None, help="training steps (the cpu preset's 2,500 if not given)")
p.add_argument('--threads', type=int, default=torch.get_num_threads())
p.add_argument('--out', default=None, help='run folder (a temporary one if not given)')
a = p.parse_args()
torch.set_num_threads(a.threads)

cfg = get_config('cgan', 'cpu') if a.no_ca else get_config('cgan-ca', 'cpu', cond_act=a.act, kl_weight=a.kl_weight)
out = Path(a.out or tempfile.mkdtemp(prefix='ca_variant_'))
learn = build_learner(cfg, run_dir=out, cbs=[MetricsLogCB(every=50)], device='cpu')
steps = a.steps or cfg.steps
t = time.perf_counter(); learn.fit(steps); train_s = time.perf_counter() - t
res = evaluate_learner(learn, n=500, split='test', seed=0)
variant = 'no-ca' if a.no_ca else f'ca-{a.act}-lambda{a.kl_weight:g}'
print(json.dumps(json_safe({'variant': variant, 'steps': steps, 'threads': a.threads, 'train_s': round(train_s), **res})))
