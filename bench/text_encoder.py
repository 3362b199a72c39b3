"""R-precision of the shipped text encoder on real renders of the 50 test species (never seen in training).

    python bench/text_encoder.py [--n 1000] [--repeats 5] [--size 128] [--path stackgan_edu/assets/text_encoder.pt]

Prints one JSON line: r_precision (mean over repeats, each with fresh captions and 99 fresh mismatched candidates drawn
among captions false of the bird), its std, r_precision_any (candidates: any other caption, AttnGAN's sampling as is),
oracle_any (what a perfect attribute reader scores with that sampling: its ceiling on this data), the number of images,
their size, and the time taken. The issue's bar: r_precision >= 0.8.
"""
import argparse, json, time

import numpy as np

from stackgan_edu.text import evaluate_text_encoder, load_text_encoder, oracle_r_precision

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument('--n', type=int, default=1000, help='test-species birds')
p.add_argument('--repeats', type=int, default=5)
p.add_argument('--seed', type=int, default=1)
p.add_argument('--size', type=int, default=None, help="render size (default: the reader's, 128 px)")
p.add_argument('--path', default=None, help='a text_encoder.pt (default: the shipped one)')
a = p.parse_args()
t = time.time()
enc = load_text_encoder(a.path)
res = evaluate_text_encoder(enc, 'test', n=a.n, seed=a.seed, repeats=a.repeats, size=a.size)
res['oracle_any'] = round(float(np.mean([oracle_r_precision('test', a.n, seed=a.seed + r) for r in range(a.repeats)])), 4)
print(json.dumps({**res, 'candidates': 100, 'split': 'test', 'seconds': round(time.time() - t, 1)}))
