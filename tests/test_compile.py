"""torch.compile in real training runs: a compiled Stage-I run computes what an eager one does, its checkpoint holds the
plain model and resumes eager, an eager run resumes compiled, and DF-GAN (MA-GP differentiates through D) compiles G
only. Compiling costs 20 s to a minute on a CPU: the compiled run is made once, in one test."""
import warnings

import pytest
import torch

from stackgan_edu.learner import CompileCB, read_log
from stackgan_edu.runs import build_learner, get_config, load_run, train_run

def losses(run, step):
    r = next(r for r in read_log(run) if r['step'] == step)
    return [r['loss_D'], r['loss_G']]

def test_compiled_stage1_matches_eager_and_resumes_both_ways(tmp_path):
    import torch._inductor.config as inductor
    torch.set_num_threads(1)
    cfg = get_config('stage1', 'tiny')
    with inductor.patch(fallback_random=True):  # compiled kernels draw CA's noise as eager torch does, so the numbers compare
        train_run(cfg, tmp_path / 'eager', steps=3, quiet=True)
        learn = train_run(cfg, tmp_path / 'compiled', steps=2, quiet=True, compile=True)
        assert set(next(c for c in learn.cbs if isinstance(c, CompileCB)).compiled) == {'G', 'D'}  # both trained compiled...
        assert not hasattr(learn.G, '_orig_mod') and not hasattr(learn.D, '_orig_mod')  # ...and are plain after training
        for step in (1, 2): assert losses(tmp_path / 'compiled', step) == pytest.approx(losses(tmp_path / 'eager', step), abs=1e-4)
        ck = torch.load(tmp_path / 'compiled' / 'checkpoint.pt', weights_only=True)
        assert ck['G'] and not any('_orig_mod' in k for k in [*ck['G'], *ck['D']])  # the plain models' names
        plain = load_run(tmp_path / 'compiled', device='cpu')  # an eager learner loads it
        assert all(torch.equal(v, ck['G'][k]) for k, v in plain.G.state_dict().items())
        train_run(None, tmp_path / 'compiled', resume=True, steps=3, quiet=True)  # the compiled run, resumed eager
        train_run(cfg, tmp_path / 'eager2', steps=2, quiet=True)
        train_run(None, tmp_path / 'eager2', resume=True, steps=3, quiet=True, compile=True)  # an eager run, resumed compiled
    for run in ('compiled', 'eager2'): assert losses(tmp_path / run, 3) == pytest.approx(losses(tmp_path / 'eager', 3), abs=1e-4)

def test_dfgan_compiles_G_only_while_MA_GP_is_on():
    learn = build_learner(get_config('dfgan', 'tiny'), device='cpu')
    with pytest.warns(UserWarning, match='D stays eager'): assert CompileCB().plan(learn) == 'G'
    learn = build_learner(get_config('dfgan', 'tiny', gp_weight=0.0), device='cpu')
    with warnings.catch_warnings(): warnings.simplefilter('error'); assert CompileCB().plan(learn) == 'GD'  # no penalty: both, silently
    assert CompileCB().plan(build_learner(get_config('stage2', 'tiny'), device='cpu')) == 'GD'  # Stage-II: G (frozen Stage-I inside) and D
