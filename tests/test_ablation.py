"bench/ablation.py end to end at the tiny preset, one seed: the five configurations, Stage-I runs shared, a rerun that trains nothing."
import json, os, subprocess, sys

from conftest import ROOT

def ablation(*args):
    env = {**os.environ, 'OMP_NUM_THREADS': '1'}
    return subprocess.run([sys.executable, str(ROOT / 'bench' / 'ablation.py'), '--preset', 'tiny', '--seeds', '0', '--threads', '1',
                           '--quiet', *map(str, args)], capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)

def table_text(stdout): return stdout[stdout.index("StackGAN's ablation"):]

def test_tiny_ablation_and_rerun(tmp_path):
    out = tmp_path / 'abl'
    r = ablation('--out', out)
    assert r.returncode == 0, r.stderr[-3000:]
    t = json.loads((out / 'table.json').read_text())
    names = ['stage1_no_ca', 'stage1_ca', 'stackgan_text_once', 'stackgan_no_ca', 'stackgan']
    assert [row['name'] for row in t['rows']] == names and t['paper'] == 'CUB, Inception Score'
    assert [row['size'] for row in t['rows']] == [16, 16, 64, 64, 64] and all(row['seeds'] == [0] for row in t['rows'])
    assert [row['paper_is'] for row in t['rows']] == [2.66, 2.95, 3.45, 3.31, 3.70]
    for row in t['rows']:
        assert row['fid']['mean'] > 0 and row['is']['mean'] >= 1 and 0 <= row['attr_acc']['mean'] <= 1, row
        assert row['r_precision']['mean'] is not None and row['fine_acc']['mean'] is not None, row
    cfg = {n: json.loads((out / n / 'seed0' / 'config.json').read_text()) for n in names}
    assert (cfg['stage1_no_ca']['cond'], cfg['stage1_ca']['cond']) == ('fc', 'ca')
    assert (cfg['stackgan_text_once']['text_twice'], cfg['stackgan']['text_twice'], cfg['stackgan_no_ca']['cond']) == (False, True, 'fc')
    s1 = {n: str((out / n / 'seed0').resolve()) for n in ('stage1_ca', 'stage1_no_ca')}
    assert [cfg[n]['stage1_run'] for n in names[2:]] == [s1['stage1_ca'], s1['stage1_no_ca'], s1['stage1_ca']]  # Stage-I runs shared
    rec = json.loads((out / 'stackgan' / 'seed0.json').read_text())
    assert rec['metrics']['fid'] == rec['compare_stages']['stage2']['fid'] and 'stage1' in rec['compare_stages']
    files = sorted(out.glob('*/seed0/checkpoint.pt')) + sorted(out.glob('*/seed0.json'))
    assert len(files) == 10
    before = {f: f.stat().st_mtime_ns for f in files}
    again = ablation('--out', out)
    assert again.returncode == 0, again.stderr[-3000:]
    assert {f: f.stat().st_mtime_ns for f in files} == before  # nothing trained or measured again
    assert again.stdout.count('measured, skipped') == 5 and 'training' not in again.stdout
    assert table_text(again.stdout) == table_text(r.stdout)
    bad = ablation('--out', tmp_path / 'other', '--stage1-runs', out / 'stage1_no_ca' / 'seed{seed}', '--plan')  # a run without CA
    assert bad.returncode == 2 and "its cond is 'fc'" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1, bad.stderr
    s1, s2 = out / 'stage1_ca' / 'seed{seed}', out / 'stackgan' / 'seed{seed}'
    ok = ablation('--out', tmp_path / 'reuse', '--stage1-runs', s1, '--stackgan-runs', s2, '--only', 'stackgan', '--plan')
    assert ok.returncode == 0 and ok.stdout.count('reused seed0, to measure') == 2, ok.stdout + ok.stderr  # both reused, nothing to train
    assert 'reused seed0, to measure (not measured: --only)' in ok.stdout and 'to train' not in ok.stdout
    assert 'stage1_ca seed 0' in ok.stdout and 'stackgan seed 0' in ok.stdout
    wrong = ablation('--out', tmp_path / 'other2', '--stage1-runs', s1, '--stackgan-runs', out / 'stackgan_text_once' / 'seed{seed}', '--plan')
    assert wrong.returncode == 2 and "its text_twice is False" in wrong.stderr and '--stackgan-runs' in wrong.stderr, wrong.stderr

    # the measurements outlive the runs: with stage1_ca's folder gone and stackgan to measure again, only what stackgan
    # needs is trained (stage1_ca, unmeasured: its figures stand) and only stackgan is measured
    import shutil
    shutil.rmtree(out / 'stage1_ca' / 'seed0'); (out / 'stackgan' / 'seed0.json').unlink()
    kept = {f: f.stat().st_mtime_ns for f in out.glob('*/seed0.json')}
    plan = ablation('--out', out, '--plan')
    assert plan.returncode == 0 and 'stage1_ca seed 0' in plan.stdout and '(measured before)' in plan.stdout, plan.stdout + plan.stderr
    redo = ablation('--out', out)
    assert redo.returncode == 0, redo.stderr[-3000:]
    assert 'stage1_ca seed 0: measured before, but its run is not in' in redo.stdout, redo.stdout
    assert {f: f.stat().st_mtime_ns for f in kept} == kept  # no other configuration measured again
    assert (out / 'stage1_ca' / 'seed0' / 'checkpoint.pt').exists() and (out / 'stackgan' / 'seed0.json').exists()
    assert redo.stdout.count('measured, skipped') == 3 and 'stackgan_text_once seed 0: measured, skipped' in redo.stdout
