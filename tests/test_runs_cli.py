"""Run folders through the real command line: a StackGAN-layout folder with embeddings only, text spaces, folders
that never get stuck, Ctrl-C, and commands that fail early, in one line, losing nothing."""
import json, os, pickle, shutil, signal, subprocess, time
from pathlib import Path

import pytest

from conftest import tool

ENV = {**os.environ, 'OMP_NUM_THREADS': '1'}

def cli(*args, cwd=None, timeout=600):
    return subprocess.run([tool('stackgan-edu'), *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=timeout, env=ENV)

def one_line_error(r, status=1, *words):
    "Exit status, exactly one line on stderr, no traceback, and the words that say what to do."
    assert r.returncode == status, (r.returncode, r.stdout[-2000:], r.stderr[-2000:])
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and 'Traceback' not in r.stderr, r.stderr
    for w in words: assert w in r.stderr, (w, r.stderr)

def snapshot(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob('*')) if p.is_file()}

@pytest.fixture(scope='module')
def cub(tmp_path_factory):
    "A StackGAN-layout CUB folder with 1,024-d char-CNN-RNN embeddings and no caption text (how the official data ships)."
    from stackgan_edu.stackgan_data import make_fixture
    root = make_fixture(tmp_path_factory.mktemp('data') / 'birds', kind='cub', n_train=16, n_test=8, n_classes=4)
    shutil.rmtree(root / 'text')
    return root

def test_train_on_a_stackgan_folder_with_embeddings_only(tmp_path, cub):
    r = cli('train', 'cgan-ca', '--preset', 'tiny', '--data', cub, '--steps', 2, '--out', tmp_path / 'run', '--quiet')
    assert r.returncode == 0, r.stderr[-3000:]
    cfg = json.loads((tmp_path / 'run' / 'config.json').read_text())
    assert (cfg['data'], cfg['text_space'], cfg['recipe']) == (str(cub), 'char-cnn-rnn', 'cgan-ca')
    from stackgan_edu.runs import load_run
    learn = load_run(tmp_path / 'run', device='cpu')
    assert learn.step == 2 and learn.G.cond.text_dim == 1024  # the 1,024-d embeddings went in as they are
    import torch
    with pytest.raises(ValueError, match="built for text embeddings from 'char-cnn-rnn'"):
        learn.G(torch.randn(2, learn.config.nz), torch.randn(2, 1024), text_space='stackgan_edu:f1d629a0d23b')

def test_a_run_refuses_data_from_another_text_space(tmp_path, cub):
    run = tmp_path / 'run'
    assert cli('train', 'cgan', '--preset', 'tiny', '--data', cub, '--steps', 1, '--out', run, '--quiet').returncode == 0
    cfg = json.loads((run / 'config.json').read_text()); cfg['text_space'] = 'damsm'
    (run / 'config.json').write_text(json.dumps(cfg))
    before = snapshot(run)
    one_line_error(cli('train', 'cgan', '--resume', '--out', run, '--steps', 2, '--quiet'), 1, "'damsm'", "'char-cnn-rnn'", 'train a new run')
    assert snapshot(run) == before

def test_bad_arguments_write_nothing(tmp_path):
    out = tmp_path / 'run'
    one_line_error(cli('train', 'dcgan', '--preset', 'tiny', '--steps', -5, '--out', out), 1, 'steps must be a whole number >= 1')
    one_line_error(cli('train', 'dcgan', '--preset', 'tiny', '--device', 'banana', '--out', out), 1, 'banana')
    one_line_error(cli('train', 'nogan', '--out', out), 1, 'Unknown recipe', 'dcgan')
    one_line_error(cli('train', 'dcgan', '--preset', 'tiny', '--set', 'kl_weight=2', '--out', out), 1, 'no setting', 'kl_weight')
    one_line_error(cli('train', 'dcgan', '--preset', 'tiny', '--set', 'lr_D=fast', '--out', out), 1, 'lr_D takes a float')
    one_line_error(cli('train', 'cgan', '--preset', 'tiny', '--data', tmp_path / 'nodata', '--out', out), 1, 'No dataset folder')
    assert not out.exists(), "nothing was written, not even an empty folder"
    (tmp_path / 'afile').write_text('mine')
    one_line_error(cli('train', 'dcgan', '--preset', 'tiny', '--out', tmp_path / 'afile', '--steps', 1), 1, 'is a file, not a folder')
    one_line_error(cli('train', 'dcgan', '--preset', 'tiny', '--out', tmp_path / 'afile' / 'run', '--steps', 1), 1, 'whose parents are folders')
    one_line_error(cli('train', 'dcgan', '--preset', 'tiny', '--out', tmp_path / ('x' * 300), '--steps', 1), 1, 'too long', 'shorter')
    assert (tmp_path / 'afile').read_text() == 'mine'

def test_a_run_that_died_before_its_first_checkpoint_is_never_stuck(tmp_path):
    from stackgan_edu.runs import get_config, save_config
    for resume in (False, True):
        run = tmp_path / f'run{int(resume)}'; run.mkdir()
        save_config(get_config('dcgan', 'tiny', seed=4), run / 'config.json')  # what a kill before the first save leaves
        (run / '.checkpoint.pt.x1y2.tmp').write_bytes(b'half of a checkpoint')  # and a save killed mid-write
        r = cli('train', 'dcgan', '--preset', 'tiny', '--out', run, '--steps', 2, '--quiet', *(['--resume'] if resume else []))
        assert r.returncode == 0, r.stderr
        assert ('from step 0' if resume else 'starting a new run') in r.stdout, r.stdout
        assert (run / 'checkpoint.pt').exists() and not list(run.glob('.*.tmp'))
        assert json.loads((run / 'config.json').read_text())['seed'] == (4 if resume else 0)

@pytest.mark.parametrize('sig', [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_saves_and_exits_130(tmp_path, sig):
    run = tmp_path / 'run'
    p = subprocess.Popen([tool('stackgan-edu'), 'train', 'dcgan', '--preset', 'tiny', '--steps', '1000000', '--out', str(run), '--quiet'],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    deadline = time.time() + 120
    while not ((run / 'metrics.jsonl').exists() and (run / 'metrics.jsonl').stat().st_size > 200):
        assert time.time() < deadline and p.poll() is None, p.communicate()
        time.sleep(0.2)
    p.send_signal(sig)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 130, (p.returncode, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and 'Traceback' not in err and '--resume' in err, err
    import torch
    step = torch.load(run / 'checkpoint.pt', weights_only=True)['step']
    assert step >= 10
    r = cli('train', 'dcgan', '--resume', '--out', run, '--steps', step + 2, '--quiet')
    assert r.returncode == 0 and f'step {step + 2}' in r.stdout, r.stderr

def test_eval_fails_early_and_loses_no_result(tmp_path):
    run = tmp_path / 'run'
    assert cli('train', 'dcgan', '--preset', 'tiny', '--out', run, '--steps', 2, '--quiet').returncode == 0
    one_line_error(cli('eval', '--run', run, '--n', 0), 1, 'n must be between 10 and 50000')
    one_line_error(cli('eval', '--run', run, '--n', 100_000_000), 1, 'n must be between 10 and 50000')
    (run / 'eval.json').mkdir()  # a folder where the results file goes: the write fails after the work is done
    r = cli('eval', '--run', run, '--n', 20, '--json')
    one_line_error(r, 1, 'the results above were not saved')
    res = json.loads(r.stdout, parse_constant=lambda c: pytest.fail(f'{c} is not valid JSON'))  # printed, and valid JSON
    assert res['images'] == 20 and res['step'] == 2
    cfg = run / 'config.json'; cfg.write_text(cfg.read_text()[:30])
    one_line_error(cli('eval', '--run', run, '--n', 20), 1, 'config.json is damaged')
