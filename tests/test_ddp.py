"""Recipes call the models only through forward, so DistributedDataParallel (and any other wrapper) trains them; and
`torchrun --nproc_per_node 2 -m stackgan_edu.cli train ...` trains one run at the global batch, resumes it, and only
rank 0 writes."""
import json, os, subprocess, sys, textwrap
from pathlib import Path

import pytest
import torch

from conftest import tool

SCRIPT = textwrap.dedent('''
    import json, sys, tempfile, torch
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel as DDP
    from stackgan_edu.runs import get_config, build_learner
    from stackgan_edu.learner import learner_state
    torch.set_num_threads(1)
    recipe, store, overrides = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    dist.init_process_group('gloo', init_method=f'file://{store}', rank=0, world_size=1)
    learn = build_learner(get_config(recipe, 'tiny', **overrides), device='cpu')
    learn.G, learn.D = DDP(learn.G), DDP(learn.D)
    before = {p: {k: v.detach().clone() for k, v in m.module.named_parameters() if v.requires_grad} for p, m in (('G', learn.G), ('D', learn.D))}  # Stage-II's frozen Stage-I is not trained
    learn.fit(2)
    changed = {p: sorted(k for k, v in m.module.named_parameters() if k in before[p] and not torch.equal(v, before[p][k]))
               for p, m in (('G', learn.G), ('D', learn.D))}
    state = learner_state(learn)
    print(json.dumps({'changed': changed, 'all': {p: sorted(before[p]) for p in before}, 'logs': learn.logs,
                      'keys': sorted(state['G']) + sorted(state['D']), 'is_main': learn.is_main}))
    dist.destroy_process_group()
''')

@pytest.mark.parametrize('recipe,overrides', [('dcgan', {}), ('cgan', {}), ('cgan-ca', {}), ('stage1', {}), ('stage2', {}),
                                              ('stage1', {'attr_weight': 1.0}), ('stage2', {'attr_weight': 1.0, 'attr_set': 'all'})])
def test_a_step_under_ddp_changes_both_players(tmp_path, recipe, overrides):
    r = subprocess.run([sys.executable, '-c', SCRIPT, recipe, str(tmp_path / 'store'), json.dumps(overrides)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    res = json.loads(r.stdout.strip().splitlines()[-1])
    for p in ('G', 'D'):
        assert res['changed'][p] == res['all'][p], f"{p}: parameters that did not change under DDP: {set(res['all'][p]) - set(res['changed'][p])}"
    assert res['is_main']
    assert not any(k.startswith('module.') for k in res['keys']), "checkpoints hold the unwrapped state dicts"
    if recipe == 'cgan-ca': assert res['logs']['kl_loss'] > 0
    if overrides.get('attr_weight'): assert res['logs']['D_attr'] > 0 and res['logs']['G_attr'] > 0

# ---- Several processes: torchrun, gloo on the CPU ----

# Imported by every Python process started with this folder on PYTHONPATH (the torchrun agent, its workers, a plain run).
SITE = textwrap.dedent('''
    import atexit, json, os, sys
    if os.environ.get('DDP_TEST_FROZEN') == 'plain' or (os.environ.get('DDP_TEST_FROZEN') and 'RANK' in os.environ):
        # One process draws each bird's captions from its own random stream, several processes draw them per item: to
        # compare one process with two, every item is drawn once, here, the same way for both (not in torchrun's agent).
        import torch, stackgan_edu.cgan as cgan
        _dataset = cgan.training_dataset
        def frozen(*a, **k):
            ds = _dataset(*a, **k)
            with torch.random.fork_rng():
                torch.manual_seed(0); return [ds[i] for i in range(len(ds))]
        cgan.training_dataset = frozen
    if os.environ.get('RANK', '0') != '0':  # a worker of rank > 0: record everything it writes
        writes = []
        def hook(event, args):
            if event == 'open' and args[0] is not None and not isinstance(args[0], int):
                mode, flags = args[1] or '', args[2] or 0
                if any(c in mode for c in 'wax+') or flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC):
                    if not str(args[0]).startswith('/dev/'): writes.append(f'open {args[0]}')
            elif event == 'os.mkdir' and not os.path.exists(args[0]): writes.append(f'os.mkdir {args[0]}')  # an existing folder is no write
            elif event in ('os.rename', 'os.replace', 'os.remove', 'os.rmdir', 'os.truncate', 'os.link', 'os.symlink'):
                writes.append(f'{event} {args[0]}')
        sys.addaudithook(hook)
        atexit.register(lambda: print('RANK_WRITES ' + os.environ['RANK'] + ' ' + json.dumps(writes), file=sys.stderr, flush=True))
''')

def train(site, out, *args, nproc=2, timeout=300):
    "`stackgan-edu train` on items drawn once, in `nproc` processes (torchrun, gloo on the CPU) or in one plain process (nproc=0)."
    env = {**os.environ, 'OMP_NUM_THREADS': '1', 'PYTHONDONTWRITEBYTECODE': '1', 'CUDA_VISIBLE_DEVICES': '',
           'DDP_TEST_FROZEN': 'workers' if nproc else 'plain',
           'TORCHINDUCTOR_CACHE_DIR': str(site / 'inductor'),  # torch's own cache folder, made beforehand (DDP imports torch._dynamo, which makes it)
           'PYTHONPATH': os.pathsep.join([str(site), os.environ.get('PYTHONPATH', '')])}
    launch = [tool('torchrun'), '--standalone', '--nproc_per_node', str(nproc)] if nproc else [sys.executable]
    r = subprocess.run([*launch, '-m', 'stackgan_edu.cli', 'train', *map(str, args), '--out', str(out), '--quiet'],
                       capture_output=True, text=True, timeout=timeout, env=env, cwd=out.parent)
    assert r.returncode == 0, (r.stdout[-2000:], r.stderr[-4000:])
    return r

def weights(run) -> dict:
    ck = torch.load(Path(run) / 'checkpoint.pt', weights_only=True)
    return {f'{p}.{k}': v.float() for p in ('G', 'D') for k, v in ck[p].items() if v.is_floating_point()}

def max_gap(a:dict, b:dict) -> float:
    assert a.keys() == b.keys()
    return max((a[k] - b[k]).abs().max().item() for k in a)

def test_two_processes_train_one_run_at_the_global_batch(tmp_path):
    """(a) 2 processes at a global batch of 8 give the weights of 1 process at 8; (b) a 2-process run stopped at step 1
    and resumed gives the straight run's weights; (c) only rank 0 writes. One test, so that its four runs (about a
    minute on two cores) are made once. DF-GAN, which has no BatchNorm: on the CPU each process normalises its own share."""
    site = tmp_path / 'site'; (site / 'inductor').mkdir(parents=True); (site / 'sitecustomize.py').write_text(SITE)
    one, two, stopped = tmp_path / 'one', tmp_path / 'two', tmp_path / 'stopped'
    train(site, one, 'dfgan', '--preset', 'tiny', '--steps', 3, nproc=0)
    r = train(site, two, 'dfgan', '--preset', 'tiny', '--steps', 3)
    # (a) shards disjoint and complete, gradients averaged, each image's noise as one process draws it
    assert json.loads((two / 'config.json').read_text())['batch_size'] == 8  # the preset's batch is the global batch
    # float rounding only: sums split over two processes round differently, and Adam's first steps divide each gradient
    # by its own size, which lifts that to about 3e-7..3e-6 here; overlapping shards, gradients not averaged or noise
    # drawn per process each move the weights by about 2e-3
    gap = max_gap(weights(one), weights(two))
    assert gap < 5e-5, f'(a) 2 processes moved the weights {gap} away from 1 process at the same global batch'
    from stackgan_edu.learner import read_log
    for r1, r2 in zip(read_log(one), read_log(two), strict=True):  # the logged figures are the global batch's (the processes' mean)
        for k in ('loss_D', 'loss_G', 'D_x', 'D_G_z', 'ma_gp'): assert abs(r1[k] - r2[k]) < 1e-4, (k, r1[k], r2[k])
    # (c) the run folder as one process leaves it, one line a step in one log; rank 1 wrote nothing anywhere and said nothing
    assert sorted(p.name for p in two.iterdir()) == ['checkpoint.pt', 'config.json', 'metrics.jsonl', 'samples']
    assert [json.loads(l)['step'] for l in (two / 'metrics.jsonl').read_text().splitlines()] == [1, 2, 3]
    reports = [l for l in r.stderr.splitlines() if l.startswith('RANK_WRITES ')]
    assert len(reports) == 1 and reports[0].startswith('RANK_WRITES 1 '), r.stderr[-3000:]
    assert json.loads(reports[0].split(' ', 2)[2]) == [], f'(c) rank 1 wrote: {reports[0]}'
    assert r.stdout.count('trained dfgan') == 1, r.stdout
    # (b) stopped after step 1 and resumed to 3: every process gets its own random states and the data position back
    train(site, stopped, 'dfgan', '--preset', 'tiny', '--steps', 1)
    train(site, stopped, 'dfgan', '--resume', '--steps', 3)
    gap = max_gap(weights(stopped), weights(two))
    assert gap < 1e-6, f'(b) the resumed run is {gap} away from the straight one'
    ck = torch.load(stopped / 'checkpoint.pt', weights_only=True)
    assert ck['step'] == 3 and len(ck['rng_ranks']) == 2  # each process's random states, in rank order
