"""Training quality of Conditioning Augmentation variants at the cpu preset: trains one variant, then evaluates it.

    python bench/ca_variants.py --act relu|leaky --kl-weight L [--steps 2500] [--threads N] [--out DIR]
    python bench/ca_variants.py --no-ca                 # the same GAN with the fixed condition layer, for comparison

Prints one JSON line: the variant, the training time and every figure of `evaluate_learner` (500 test-species captions).
One variant takes about 9 min on 2 threads or 15 min on 1; two 1-thread runs side by side fit 2 cores.
"""
import argparse, json, tempfile, time
from pathlib import Path

import torch
from torch import nn

from stackgan_edu.ca import CA_PRESETS, CondAugment, cgan_ca_learner
from stackgan_edu.cgan import cgan_learner, text_cgan_learner
from stackgan_edu.gan_basics import get_preset
from stackgan_edu.learner import MetricsLogCB
from stackgan_edu.metrics import evaluate_learner

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument('--act', choices=['relu', 'leaky'], default='relu', help="CA's activation: ReLU (StackGAN-PyTorch) or LeakyReLU(0.2) (the TF code)")
p.add_argument('--kl-weight', type=float, default=2.0, help='lambda, the weight of kl_loss in G\'s loss')
p.add_argument('--no-ca', action='store_true', help='the fixed condition layer instead of CA (lambda is then unused)')
p.add_argument('--steps', type=int, default=None, help="training steps (the cpu preset's 2,500 if not given)")
p.add_argument('--threads', type=int, default=torch.get_num_threads())
p.add_argument('--out', default=None, help='run folder (a temporary one if not given)')
a = p.parse_args()
torch.set_num_threads(a.threads)

out = Path(a.out or tempfile.mkdtemp(prefix='ca_variant_'))
common = dict(run_dir=out, seed=0, cbs=[MetricsLogCB(every=50)], device='cpu')
if a.no_ca: learn = cgan_learner('cpu', **common)  # exactly what `stackgan-edu train cgan` builds
elif a.act == 'relu': learn = cgan_ca_learner('cpu', kl_weight=a.kl_weight, **common)  # ... and `train cgan-ca`
else:  # the one variant the command line has no recipe for: CA with the TF code's activation
    cfg = get_preset(CA_PRESETS, 'cpu', kl_weight=a.kl_weight)
    learn = text_cgan_learner(cfg, lambda cfg, text_dim: CondAugment(text_dim, cfg.ng, act=nn.LeakyReLU(0.2)),
                              lam=cfg.kl_weight, **common)
steps = a.steps or learn.config.steps
t = time.perf_counter(); learn.fit(steps); train_s = time.perf_counter() - t
res = evaluate_learner(learn, n=500, split='test', seed=0)
variant = 'no-ca' if a.no_ca else f'ca-{a.act}-lambda{a.kl_weight:g}'
print(json.dumps({'variant': variant, 'steps': steps, 'threads': a.threads, 'train_s': round(train_s), **res}))
