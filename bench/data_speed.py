"""How fast the built-in birds render, on one core: sampling a bird from its species and drawing it.

    python bench/data_speed.py [--n 3000]

Prints one JSON line: img_per_s_64, img_per_s_128, img_per_s_256 (best of 3 runs), and the dataset's
__getitem__ rate at 64 px (render + captions + tensor conversion), all with torch on one thread.
"""
import argparse, json, time

import torch

from stackgan_edu.birds import BirdsDataset, render_bird, sample_bird, species_split

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument('--n', type=int, default=3000, help='images per timing')
a = p.parse_args()
torch.set_num_threads(1)
ids = species_split()['train']

def rate(size):
    best = 0
    for r in range(3):
        t = time.perf_counter()
        for i in range(a.n): render_bird(sample_bird(ids[i % len(ids)], seed=r * a.n + i), size)
        best = max(best, a.n / (time.perf_counter() - t))
    return round(best)

res = {f'img_per_s_{s}': rate(s) for s in (64, 128, 256)}
ds = BirdsDataset('train', sizes=(64,))
t = time.perf_counter()
for i in range(1000): ds[i]
res['dataset_items_per_s_64'] = round(1000 / (time.perf_counter() - t))
res['threads'] = 1
print(json.dumps(res))
