"""Attribute accuracy of the shipped bird reader on fresh renders of the 50 test species (never seen in training).

    python bench/classifier.py [--n 2000] [--seed 1] [--path stackgan_edu/assets/classifier.pt]

Prints one JSON line: attr_acc (mean over the 12 coarse attributes, at the reader's 128 px), per attribute, by render
size (64 and 32 px renders upsampled: what a GAN's samples give the reader), species accuracy on new train-species birds,
and the time taken. The issue's bar: attr_acc >= 0.95.
"""
import argparse, json, time

from stackgan_edu.classifier import evaluate_classifier, load_classifier

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument('--n', type=int, default=2000, help='fresh birds per split')
p.add_argument('--seed', type=int, default=1)
p.add_argument('--path', default=None, help='a classifier.pt (default: the shipped one)')
a = p.parse_args()
t = time.time()
res = evaluate_classifier(load_classifier(a.path), n=a.n, seed=a.seed)
print(json.dumps({**res, 'split': 'test', 'seconds': round(time.time() - t, 1)}))
