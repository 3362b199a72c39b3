"bench/compare.py at the tiny preset: a training stopped by a signal is saved and not measured; the rerun resumes and measures it once."
import json, os, subprocess, sys

import torch

from conftest import ROOT

# Runs bench/compare.py with one extra callback that sends this process SIGTERM after its second training step,
# as a user's Ctrl-C or a job scheduler would in the middle of a part.
WRAPPER = r'''
import os, runpy, signal, sys
import stackgan_edu.runs as runs
from stackgan_edu.learner import Callback
class Kill(Callback):
    def after_step(self, learn):
        if learn.step == 2: os.kill(os.getpid(), signal.SIGTERM)
train_run = runs.train_run
runs.train_run = lambda *a, cbs=(), **k: train_run(*a, cbs=(*cbs, Kill()), **k)
sys.argv = [sys.argv[1], *sys.argv[2:]]
runpy.run_path(sys.argv[0], run_name='__main__')
'''

def compare(out, *pre):
    args = [str(ROOT / 'bench' / 'compare.py'), '--preset', 'tiny', '--only', 'dfgan', '--seeds', '0', '--segments', '1',
            '--n', '40', '--threads', '1', '--out', str(out)]
    env = {**os.environ, 'OMP_NUM_THREADS': '1'}
    return subprocess.run([sys.executable, *pre, *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)

def records(out):
    f = out / 'results.jsonl'
    return [json.loads(l) for l in f.read_text().splitlines() if l.strip()] if f.exists() else []

def test_interrupted_part_is_resumed_not_measured(tmp_path):
    out, wrapper = tmp_path / 'cmp', tmp_path / 'kill_at_step_2.py'
    wrapper.write_text(WRAPPER)
    stopped = compare(out, str(wrapper))
    assert stopped.returncode == 130, stopped.stdout[-2000:] + stopped.stderr[-3000:]
    assert 'stopped by SIGTERM' in stopped.stdout and 'run the same command again' in stopped.stdout, stopped.stdout
    assert records(out) == []  # the unfinished part was not measured as if it were done
    saved = torch.load(out / 'dfgan_seed0' / 'checkpoint.pt', map_location='cpu', weights_only=False)['step']
    assert 2 <= saved < 5, saved  # saved where it stopped, short of the tiny preset's 5 steps

    again = compare(out)
    assert again.returncode == 0, again.stdout[-2000:] + again.stderr[-3000:]
    recs = records(out)
    assert [(r['model'], r['seed'], r['part'], r['steps']) for r in recs] == [('dfgan', 0, 1, 5)]
    assert torch.load(out / 'dfgan_seed0' / 'checkpoint.pt', map_location='cpu', weights_only=False)['step'] == 5
    assert recs[0]['train_seconds'] >= 0 and 0 < recs[0]['fid'] and 0 <= recs[0]['attr_acc'] <= 1
    steps = [json.loads(l)['step'] for l in (out / 'dfgan_seed0' / 'metrics.jsonl').read_text().splitlines() if l.strip()]
    assert steps == sorted(set(steps)) and steps[-1] == 5, steps  # one training, resumed: no step logged twice

    third = compare(out)  # everything measured: nothing trains or measures again
    assert third.returncode == 0 and records(out) == recs, third.stderr[-2000:]

    import shutil
    shutil.rmtree(out / 'dfgan_seed0')  # the measurements outlive the run folder: nothing is trained again for them
    fourth = compare(out)
    assert fourth.returncode == 0 and records(out) == recs, fourth.stderr[-2000:]
    assert 'every part measured' in fourth.stdout and not (out / 'dfgan_seed0').exists(), fourth.stdout
