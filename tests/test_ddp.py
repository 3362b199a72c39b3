"Recipes call the models only through forward, so DistributedDataParallel (and any other wrapper) trains them."
import json, subprocess, sys, textwrap

import pytest

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
