"""`stackgan-edu sample`: birds for captions from a run folder (Stage-I above Stage-II for a Stage-II run), and from an
official StackGAN-PyTorch generator with an embedding file; every bad input one line, exit status 1."""
import os, subprocess
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from conftest import tool

ENV = {**os.environ, 'OMP_NUM_THREADS': '1'}

def cli(*args):
    return subprocess.run([tool('stackgan-edu'), *map(str, args)], capture_output=True, text=True, env=ENV, timeout=600)

def one_line_error(r, *words):
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and 'Traceback' not in r.stderr, r.stderr
    for w in words: assert w in r.stderr, (w, r.stderr)

@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    "A tiny Stage-I run and a tiny Stage-II run on it, trained by the library's own functions."
    from stackgan_edu.runs import get_config, train_run
    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp('runs')
    train_run(get_config('stage1', 'tiny'), root / 'stage1', steps=2, quiet=True, device='cpu')
    train_run(get_config('stage2', 'tiny', stage1_run=str(root / 'stage1')), root / 'stage2', steps=2, quiet=True, device='cpu')
    return root

def test_a_stage2_run_shows_both_stages(tmp_path, runs):
    out = tmp_path / 'birds.png'
    r = cli('sample', '--run', runs / 'stage2', 'this bird has a red crown and a short black beak', 'a small yellow bird', '--n', 3, '--seed', 0, '--out', out)
    assert r.returncode == 0, r.stderr
    assert 'Stage-I and Stage-II' in r.stdout and '2 caption(s)' in r.stdout
    im = Image.open(out)
    assert im.width == 6 + 3 * (128 + 6) and im.height > 4 * 128  # 3 samples a row; a Stage-I and a Stage-II row per caption
    again = tmp_path / 'again.png'
    assert cli('sample', '--run', runs / 'stage2', 'this bird has a red crown and a short black beak', 'a small yellow bird',
               '--n', 3, '--seed', 0, '--out', again).returncode == 0
    assert again.read_bytes() == out.read_bytes()  # the same seed draws the same birds

def test_unknown_words_warn_in_one_line(tmp_path, runs):
    r = cli('sample', '--run', runs / 'stage1', 'a small zorbly bird', '--n', 2, '--out', tmp_path / 'x.png')
    assert r.returncode == 0 and r.stderr.strip().count('\n') == 0 and 'warning' in r.stderr and 'zorbly' in r.stderr, r.stderr

def test_an_official_generator_with_an_embedding_file(tmp_path):
    from stackgan_edu.stage1 import StageIGenerator, StageIDiscriminator, MuInput
    from stackgan_edu.stage2 import official_state_dict
    G = StageIGenerator(text_dim=1024, ng=8, nz=100, ngf=4, size=16)
    torch.save(official_state_dict(G), tmp_path / 'netG_epoch_600.pth')
    np.save(tmp_path / 'emb.npy', np.random.default_rng(0).standard_normal((2, 10, 1024)).astype(np.float32))
    r = cli('sample', '--official', tmp_path / 'netG_epoch_600.pth', '--embedding', tmp_path / 'emb.npy', '--n', 2, '--out', tmp_path / 'o.png')
    assert r.returncode == 0, r.stderr
    assert Image.open(tmp_path / 'o.png').width == 6 + 2 * (128 + 6)
    one_line_error(cli('sample', '--official', tmp_path / 'netG_epoch_600.pth', '--out', tmp_path / 'o.png'), '--embedding FILE.npy')
    np.save(tmp_path / 'small.npy', np.zeros((2, 256), np.float32))
    one_line_error(cli('sample', '--official', tmp_path / 'netG_epoch_600.pth', '--embedding', tmp_path / 'small.npy', '--out', tmp_path / 'o.png'),
                   'shape n x 1024')
    D = StageIDiscriminator(ndf=4, size=16, embed=MuInput(8))
    torch.save(official_state_dict(D), tmp_path / 'netD_epoch_last.pth')
    one_line_error(cli('sample', '--official', tmp_path / 'netD_epoch_last.pth', '--embedding', tmp_path / 'emb.npy', '--out', tmp_path / 'o.png'),
                   'discriminator', 'netG_epoch_N.pth')
    (tmp_path / 'junk.pth').write_bytes(b'not a checkpoint')
    one_line_error(cli('sample', '--official', tmp_path / 'junk.pth', '--embedding', tmp_path / 'emb.npy', '--out', tmp_path / 'o.png'))

def test_bad_inputs_one_line_each(tmp_path, runs):
    (tmp_path / 'keep.png').write_bytes(b'my picture')
    s1 = runs / 'stage1'
    one_line_error(cli('sample', '--run', s1, '   ', '--out', tmp_path / 'keep.png'), 'empty caption')
    one_line_error(cli('sample', '--run', s1, 'bird ' * 200, '--out', tmp_path / 'keep.png'), 'at most 500 characters')
    one_line_error(cli('sample', '--run', s1, '--out', tmp_path / 'keep.png'), 'No caption given')
    one_line_error(cli('sample', '--run', s1, 'a bird', '--n', 0, '--out', tmp_path / 'keep.png'), 'between 1 and 64')
    one_line_error(cli('sample', '--run', tmp_path / 'nothing', 'a bird', '--out', tmp_path / 'keep.png'), 'not a run folder')
    one_line_error(cli('sample', '--run', s1, 'a bird', '--out', tmp_path / 'x.txt'), '.png or .jpg')
    one_line_error(cli('sample', 'a bird', '--out', tmp_path / 'keep.png'), 'either --run DIR')
    assert (tmp_path / 'keep.png').read_bytes() == b'my picture'

def test_train_stage2_with_stage1_flag(tmp_path, runs):
    "`train stage2 --stage1 DIR` refines the named Stage-I run (recorded in config.json); the flag is refused where it means nothing."
    import json
    r = cli('train', 'stage2', '--preset', 'tiny', '--stage1', runs / 'stage1', '--steps', '1', '--out', tmp_path / 's2', '--quiet')
    assert r.returncode == 0, r.stderr
    assert json.loads((tmp_path / 's2' / 'config.json').read_text())['stage1_run'] == str((runs / 'stage1').resolve())
    one_line_error(cli('train', 'dcgan', '--preset', 'tiny', '--stage1', runs / 'stage1', '--out', tmp_path / 'd'), '--stage1', 'drop it')
    one_line_error(cli('train', 'stage2', '--preset', 'cpu', '--stage1', tmp_path / 'nothing', '--out', tmp_path / 'x'), 'not a run folder')
    one_line_error(cli('train', 'stage2', '--resume', '--stage1', runs / 'stage1', '--out', tmp_path / 's2'), '--resume', '--stage1')

def _rows(path, side=128, pad=6, line=19):
    "The rows of a sheet of one-line labels (core.labelled_rows): each is a label line and a row of tiles, padded."
    h = Image.open(path).height
    assert h % (2 * pad + line + side) == 0, h
    return h // (2 * pad + line + side)

def test_pretrained_sheet_of_every_shipped_model(tmp_path):
    "`sample --pretrained`: per caption a Stage-I and a Stage-II row (the shipped Stage-II's) and a DF-GAN row when shipped."
    from stackgan_edu.pretrained import shipped_pretrained
    shipped = shipped_pretrained()
    assert 'stage2' in shipped, shipped
    per_caption = 2 + ('dfgan' in shipped)
    out = tmp_path / 'sheet.png'
    r = cli('sample', '--pretrained', 'a small yellow bird', 'a red bird', '--n', 3, '--out', out)  # labels of one line
    assert r.returncode == 0, r.stderr
    assert _rows(out) == 2 * per_caption and Image.open(out).width == 6 + 3 * (128 + 6)
    assert f'{2 * per_caption} rows of 3 samples' in r.stdout and 'Stage-I, Stage-II' in r.stdout
    r = cli('sample', '--pretrained', '--model', 'stage1', 'a small yellow bird', '--n', 3, '--out', tmp_path / 'one.png')
    assert r.returncode == 0 and _rows(tmp_path / 'one.png') == 1 and '(pretrained Stage-I)' in r.stdout, r.stderr

def test_pretrained_bad_inputs_one_line_each(tmp_path, runs):
    one_line_error(cli('sample', '--pretrained', '--run', runs / 'stage1', 'a bird', '--out', tmp_path / 'x.png'), 'drop --run')
    one_line_error(cli('sample', '--pretrained', '--model', 'stage3', 'a bird', '--out', tmp_path / 'x.png'), 'choose stage1, stage2, dfgan or all')
    one_line_error(cli('sample', '--model', 'stage1', 'a bird', '--out', tmp_path / 'x.png'), 'add --pretrained')
    one_line_error(cli('sample', '--pretrained', '--out', tmp_path / 'x.png'), 'No caption given')
    assert not (tmp_path / 'x.png').exists()
