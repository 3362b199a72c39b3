"""Are the fine details only visible at 128 px and up? Train a small CNN to read them at 256 px, and the same CNN on
the 64 px renders upsampled to 256 px; test both on renders of the 50 test species (never seen in training).

    python bench/fine_details.py [--per-species 16] [--epochs 8] [--threads 2]

Prints one JSON line: accuracy per fine detail at 256 px and at 64 px, with chance (the test set's majority rate).
The issue's bar: >= 0.9 at 256 px; at 64 px at most halfway from chance to perfect.
"""
import argparse, json, time

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

from stackgan_edu.birds import BirdsDataset, FINE, attribute_index

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument('--per-species', type=int, default=12, help='renders per species (train: 150 species, test: 50)')
p.add_argument('--epochs', type=int, default=10)
p.add_argument('--threads', type=int, default=2)
p.add_argument('--seed', type=int, default=0)
a = p.parse_args()
torch.set_num_threads(a.threads); torch.manual_seed(a.seed)
cols = [attribute_index(f) for f in FINE]

def render(split, size, seed):
    ds = BirdsDataset(split, per_species=a.per_species, seed=seed)
    x = torch.from_numpy(np.stack([np.asarray(ds.render(i, size)) for i in range(len(ds))])).permute(0, 3, 1, 2).contiguous()
    y = torch.tensor([[ds.bird(i).attrs[c] for c in cols] for i in range(len(ds))])
    return x, y

class HighPass(nn.Module):
    "A fixed first layer: the image minus its 5x5 local mean (flat colour removed, edges and fine texture kept)."
    def forward(self, x): return x - F.avg_pool2d(x, 5, 1, 2, count_include_pad=False)

def net():
    ch = [3, 24, 32, 48, 64, 96]
    layers = [HighPass()]
    for i in range(5): layers += [nn.Conv2d(ch[i], ch[i + 1], 4, 2, 1, bias=False), nn.BatchNorm2d(ch[i + 1]), nn.ReLU(True)]  # 256 -> 8
    return nn.Sequential(*layers, nn.AdaptiveMaxPool2d(1), nn.Flatten(), nn.Linear(ch[-1], 2 * len(FINE)))

def prep(x, size):
    x = x.float().div(127.5).sub(1)
    return x if size == 256 else F.interpolate(x, size=256, mode='bilinear', align_corners=False)

def fit_eval(size, train, test):
    (xtr, ytr), (xte, yte) = train, test
    m = net(); opt = torch.optim.AdamW(m.parameters(), lr=2e-3, weight_decay=1e-4)
    steps = a.epochs * (len(xtr) // 32); sched = torch.optim.lr_scheduler.OneCycleLR(opt, 2e-3, total_steps=steps)
    m.train(); g = torch.Generator().manual_seed(a.seed)
    for ep in range(a.epochs):
        perm = torch.randperm(len(xtr), generator=g)
        for k in range(len(xtr) // 32):
            idx = perm[k * 32:(k + 1) * 32]
            out = m(prep(xtr[idx], size)).view(-1, len(FINE), 2)
            loss = F.cross_entropy(out.reshape(-1, 2), ytr[idx].reshape(-1))
            opt.zero_grad(); loss.backward(); opt.step(); sched.step()
    m.eval(); preds = []
    with torch.no_grad():
        for k in range(0, len(xte), 64): preds.append(m(prep(xte[k:k + 64], size)).view(-1, len(FINE), 2).argmax(-1))
    acc = (torch.cat(preds) == yte).float().mean(0)
    return {f: round(acc[i].item(), 3) for i, f in enumerate(FINE)}

t0 = time.time()
res = {'per_species': a.per_species, 'epochs': a.epochs}
for size in (256, 64):
    train, test = render('train', size, a.seed), render('test', size, a.seed + 1)
    if size == 256: res['chance'] = {f: round(max(p, 1 - p), 3) for f, p in zip(FINE, test[1].float().mean(0).tolist())}
    res[f'acc_{size}'] = fit_eval(size, train, test)
res['seconds'] = round(time.time() - t0)
print(json.dumps(res))
