"""What the shipped text encoder's sentence vectors say of each attribute, read by linear probes.

    python bench/text_probe.py [--per-species 4] [--seed 0] [--path stackgan_edu/assets/text_encoder.pt]

Per attribute, a softmax regression is fitted on the train species' captions and scored on the test species'
captions: the value a caption states (among captions that state one) and whether it mentions the attribute at all,
each beside the majority rate. Prints one JSON line: the per-attribute rows, the mean margin over the majority rate
for the coarse attributes and for the fine details, and the time taken. A margin near 0 means the vector does not
carry the attribute, so no generator conditioned on it can follow it.
"""
import argparse, json, time

import torch

from stackgan_edu.text import load_text_encoder, probe_margin, probe_text

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument('--per-species', type=int, default=4, help='birds per species (10 captions each)')
p.add_argument('--seed', type=int, default=0)
p.add_argument('--path', default=None, help='a text_encoder.pt (default: the shipped one)')
p.add_argument('--threads', type=int, default=2)
a = p.parse_args()
torch.set_num_threads(a.threads)
t = time.time()
enc = load_text_encoder(a.path)
rows = probe_text(enc.embed, per_species=a.per_species, seed=a.seed)
print(json.dumps({'attributes': rows, 'coarse_value_margin': probe_margin(rows, False), 'fine_value_margin': probe_margin(rows, True),
                  'coarse_mentioned_margin': probe_margin(rows, False, 'mentioned'), 'fine_mentioned_margin': probe_margin(rows, True, 'mentioned'),
                  'text_space': enc.text_space, 'per_species': a.per_species, 'seconds': round(time.time() - t, 1)}))
