"""bench/gpu_throughput.py, checked on the CPU (there is no GPU in CI): it refuses a machine without CUDA unless asked for
the tiny smoke test, and the smoke test prints a row for every recipe and way (bf16 or not, compiled or not) and writes
the same figures as JSON. Its CPU figures are not a GPU's, and nothing here checks them."""
import json, os, subprocess, sys

import pytest
import torch

from conftest import ROOT

SCRIPT = ROOT / 'bench' / 'gpu_throughput.py'
ENV = {**os.environ, 'OMP_NUM_THREADS': '1'}

def bench(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True, timeout=600, env=ENV, cwd=ROOT)

@pytest.mark.skipif(torch.cuda.is_available(), reason='this machine has a GPU: the benchmark would run')
def test_refuses_without_a_gpu_unless_the_smoke_test():
    for args in ([], ['--device', 'cpu', '--preset', 'cpu']):
        r = bench(*args)
        assert r.returncode == 2 and 'Traceback' not in r.stderr and '--device cpu --preset tiny' in r.stderr, (args, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1

def test_smoke_test_prints_every_recipe_and_way(tmp_path):
    # the 'eager' backend traces the models with torch.compile's front end without generating kernels: seconds, not minutes
    r = bench('--device', 'cpu', '--preset', 'tiny', '--steps', 2, '--warmup', 1, '--compile-backend', 'eager', '--json', tmp_path / 'out.json')
    assert r.returncode == 0, r.stderr[-3000:]
    rows = [l.split() for l in r.stdout.splitlines() if l.split()[:1] and l.split()[0] in ('stage1', 'stage2', 'dfgan')]
    ways = {(w[0], w[1], w[2]) for w in rows}
    assert ways == {(n, b, c) for n in ('stage1', 'stage2', 'dfgan') for b in ('no', 'yes')
                    for c in ('no', 'G' if n == 'dfgan' else 'yes')}, rows  # DF-GAN: 'G only' (MA-GP keeps D eager)
    assert 'not a GPU figure' in r.stdout
    res = json.loads((tmp_path / 'out.json').read_text())
    assert len(res['rows']) == 12 and all(x['images_per_s'] > 0 and x['projected_hours'] > 0 for x in res['rows'])
    assert {x['schedule_epochs'] for x in res['rows'] if x['recipe'] != 'dfgan'} == {600} and {x['schedule_epochs'] for x in res['rows'] if x['recipe'] == 'dfgan'} == {1300}
    s1 = next(x for x in res['rows'] if x['recipe'] == 'stage1' and not x['bf16'] and not x['compile'])
    assert s1['projected_hours'] == pytest.approx(600 * (8855 // 64) * s1['ms_per_step'] / 1000 / 3600, rel=0.02)
    for way in ('float32, eager', 'bf16, compiled'):
        assert f'StackGAN on CUB (600 epochs Stage-I + 600 epochs Stage-II, batch 64), {way}:' in r.stdout
        assert res[f'stackgan_hours_{way}'] == pytest.approx(sum(x['projected_hours'] for x in res['rows'] if x['recipe'] != 'dfgan'
                                                                 and (x['bf16'], x['compile']) == (way.startswith('bf16'), way.endswith('compiled'))), abs=0.02)
