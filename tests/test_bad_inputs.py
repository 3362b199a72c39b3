"""Bad inputs, run as a user runs them (the `stackgan-edu` console script in a subprocess, or the public API).

Every case checks the same four things: the exit status (1, or 2 for an argparse usage error), exactly one line on
stderr, no traceback, a message that says what to do; and that no file the user had was changed."""
import hashlib, os, pickle, signal, subprocess, sys, time
from pathlib import Path

import numpy as np
import pytest

from conftest import tool

def cli(*args, cwd=None, timeout=120, **kw):
    return subprocess.run([tool('stackgan-edu'), *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=timeout, **kw)

def snapshot(root:Path) -> dict:
    "Every file under root (or root itself) -> the sha256 of its bytes."
    root = Path(root)
    files = [root] if root.is_file() else sorted(p for p in root.rglob('*') if p.is_file())
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}

def one_line_error(r, status=1, *needles):
    "The command failed with `status`, wrote one line on stderr, no traceback, and the line holds every needle."
    lines = r.stderr.strip().splitlines()
    assert r.returncode == status, (r.returncode, r.stderr[-2000:])
    assert len(lines) == 1, r.stderr[-2000:]
    assert 'Traceback' not in r.stderr and 'Traceback' not in r.stdout
    for n in needles: assert n in lines[0], (n, lines[0])
    return lines[0]

def dump(obj, path, protocol=2):
    with open(path, 'wb') as f: pickle.dump(obj, f, protocol=protocol)

@pytest.fixture
def birds(tmp_path):
    from stackgan_edu.stackgan_data import make_fixture
    return make_fixture(tmp_path / 'birds', 'cub', dim=8)

def jpg(root, split='train', k=0):
    from stackgan_edu.stackgan_data import image_dir, load_split
    return image_dir(root, 'cub') / f"{load_split(root, 'cub', split)['filenames'][k]}.jpg"

# ------------------------------------------------------------------------------------------------------------- data
def edit_line(path, n, new):
    lines = path.read_text().splitlines(); lines[n - 1] = new; path.write_text('\n'.join(lines) + '\n')

class TestData:
    "Each subprocess costs a torch import (seconds), so one broken folder carries several problems: all must be listed."
    def check(self, root, *needles, kind='cub'):
        before = snapshot(root)
        r = cli('check-data', '--kind', kind, root)
        line = one_line_error(r, 1, *needles)
        assert snapshot(root) == before
        return r, line

    def test_bad_images_and_bad_pickles(self, birds):
        bad = [jpg(birds, 'test', 0), jpg(birds, 'test', 1), jpg(birds, 'test', 2)]
        bad[0].write_bytes(b'this is not a jpeg')            # corrupt
        bad[1].write_bytes(bad[1].read_bytes()[:300])        # truncated
        bad[2].write_bytes(b'')                              # empty
        dump([np.zeros((10, 8), np.float32)] * 5 + [np.zeros((9, 8), np.float32)], birds / 'train' / 'char-CNN-RNN-embeddings.pickle')
        dump(list(range(6)), birds / 'train' / 'filenames.pickle')
        dump(['a', 'b', 'c', 'a', 'b', 'c'], birds / 'train' / 'class_info.pickle')
        r, line = self.check(birds, '6 problems', 'listed above')
        for p in bad: assert f'{p}: not a readable image' in r.stdout, r.stdout  # every one named, not just the first
        assert 'the embeddings are ragged' in r.stdout and 'filenames.pickle: item 0 is 0 (int), not an image name' in r.stdout \
               and "class_info.pickle: item 0 is 'a', not an integer class id" in r.stdout, r.stdout

    def test_bad_box_and_image_lines_are_named_by_line(self, birds):
        f, i = birds / 'CUB_200_2011' / 'bounding_boxes.txt', birds / 'CUB_200_2011' / 'images.txt'
        edit_line(f, 1, '1 10.0 5.0 7.0')         # 4 fields
        edit_line(f, 2, '2 10.0 5.0 0.0 7.0')     # w = 0
        edit_line(f, 3, '3 -5.0 5.0 7.0 7.0')     # x < 0
        edit_line(f, 4, '4 abc 5.0 7.0 7.0')      # not a number
        edit_line(f, 5, '99999 1.0 5.0 7.0 7.0')  # an id images.txt lacks
        edit_line(i, 10, '')                      # the last test image is not in images.txt (and its box has no image)
        r, line = self.check(birds, 'problems')
        for k in range(1, 6): assert f'bounding_boxes.txt:{k}:' in r.stdout, r.stdout
        assert 'bounding_boxes.txt:10: image id 10 is not in images.txt' in r.stdout and 'images.txt has no line for' in r.stdout, r.stdout

    def test_many_problems_are_all_counted_and_the_list_bounded(self, birds):
        from stackgan_edu.stackgan_data import image_dir
        for p in image_dir(birds, 'cub').rglob('*.jpg'): p.write_bytes(b'')
        f = birds / 'CUB_200_2011' / 'bounding_boxes.txt'
        f.write_text(f.read_text() + 'garbage line\n')
        r, line = self.check(birds, '11 problems')
        assert r.stdout.count('not a readable image') == 10 and 'bounding_boxes.txt:11' in r.stdout, r.stdout

# -------------------------------------------------------------------------------------------------------- unpickler
LIST_BOMB = b'\x80\x02c__builtin__\nlist\nq\x00c__builtin__\nbytearray\nq\x01J\x80\xf0\xfa\x02\x85q\x02Rq\x03\x85q\x04Rq\x05.'  # list(bytearray(50_000_000)): 400 MB
ARRAY_BOMB = (b'\x80\x02cnumpy.core.multiarray\n_reconstruct\nq\x00cnumpy\nndarray\nq\x01\x8a\x05\x00\xe8vH\x17\x85q\x02'
              b'X\x01\x00\x00\x00bq\x03\x87q\x04Rq\x05.')  # numpy's _reconstruct(ndarray, (10**11,), 'b'): 100 GB
CODEC = b'\x80\x02c_codecs\nencode\nq\x00X\x03\x00\x00\x00abcq\x01X\x05\x00\x00\x00rot13q\x02\x86q\x03Rq\x04.'  # a codec other than latin-1

class TestUnpickler:
    def test_pickles_that_ask_for_memory_or_codecs_are_refused(self, birds):
        assert max(map(len, (LIST_BOMB, ARRAY_BOMB, CODEC))) < 100
        (birds / 'train' / 'filenames.pickle').write_bytes(LIST_BOMB)
        (birds / 'test' / 'char-CNN-RNN-embeddings.pickle').write_bytes(ARRAY_BOMB)
        (birds / 'test' / 'filenames.pickle').write_bytes(CODEC)
        before = snapshot(birds)
        r = cli('check-data', '--kind', 'cub', birds)
        one_line_error(r, 1, '3 problems', 'refused to load')
        for f, what in (('train/filenames.pickle', 'a bytearray of 50,000,000 bytes'), ('test/char-CNN-RNN-embeddings.pickle', 'an array of shape (100000000000,)'),
                        ('test/filenames.pickle', "the codec 'rot13'")):
            assert f'{birds / f}: refused to load' in r.stdout and what in r.stdout, (f, r.stdout)
        assert snapshot(birds) == before

# --------------------------------------------------------------------------------------------------------- text API
@pytest.fixture(scope='module')
def enc():
    from stackgan_edu.text import load_text_encoder
    return load_text_encoder()

class TestTextAPI:
    @pytest.mark.parametrize('bad,err,needle', [([], ValueError, 'empty list'), (None, TypeError, 'got None'),
                                                ({'a': 1}, TypeError, 'got dict'), (b'a red bird', TypeError, 'decode'),
                                                (['a red bird', 3], TypeError, 'item 1')])
    def test_embed_says_what_to_pass(self, enc, bad, err, needle):
        with pytest.raises(err, match='a string or a list of strings') as e: enc.embed(bad)
        assert needle in str(e.value) and '\n' not in str(e.value)

    def test_a_long_string_is_one_caption(self, enc):
        s = ('this small bird has a red crown and a white belly and a short black beak ' * 10).strip()
        assert len(s) > 512
        with pytest.warns(UserWarning, match='truncated'): e = enc.embed(s)
        assert tuple(e.shape) == (1, enc.dim)

    def test_accents_fold_and_other_scripts_are_empty(self, enc):
        from stackgan_edu.text import tokenize
        assert tokenize('ein rötlicher Vogel') == ['ein', 'rotlicher', 'vogel']
        with pytest.raises(ValueError, match='has no words'): enc.embed('红色的鸟')

    def test_text_space(self, enc):
        import torch
        from stackgan_edu.text import CaptionEmbedder, load_text_encoder
        other = load_text_encoder()
        assert other.text_space == enc.text_space and enc.text_space.startswith('stackgan_edu:') and len(enc.text_space) == 25
        changed = load_text_encoder()
        with torch.no_grad(): next(changed.text.parameters()).view(-1)[0] += 1  # one weight, before its space is first asked for
        assert changed.text_space != enc.text_space
        assert CaptionEmbedder(enc).text_space == enc.text_space

# ---------------------------------------------------------------------------------------------------- shipped files
def _text_encoder_file(tmp_path, edit):
    import torch
    from stackgan_edu.files import ASSETS
    ck = torch.load(ASSETS / 'text_encoder.pt', weights_only=True)
    edit(ck); p = tmp_path / 'text_encoder.pt'; torch.save(ck, p)
    return p

def _classifier_file(tmp_path, edit):
    import torch
    from stackgan_edu.files import ASSETS
    ck = torch.load(ASSETS / 'classifier.pt', weights_only=True)
    edit(ck); p = tmp_path / 'classifier.pt'; torch.save(ck, p)
    return p

TEXT_EDITS = {'missing key': lambda ck: ck['text'].pop(next(iter(ck['text']))),  # a changed vocabulary: the notebook's tests
              'unknown config field': lambda ck: ck['config'].__setitem__('attention', True)}
CLF_EDITS = {'unknown config field': lambda ck: ck['config'].__setitem__('attention', True)}

class TestShippedFiles:
    @pytest.mark.parametrize('case', list(TEXT_EDITS))
    def test_mismatched_text_encoder(self, tmp_path, case):
        p = _text_encoder_file(tmp_path, TEXT_EDITS[case]); before = snapshot(p)
        one_line_error(cli('text-encoder', '--check', '--path', p), 1, str(p), 'Re-create it')
        assert snapshot(p) == before

    @pytest.mark.parametrize('case', list(CLF_EDITS))
    def test_mismatched_classifier(self, tmp_path, case):
        p = _classifier_file(tmp_path, CLF_EDITS[case])
        one_line_error(cli('classifier', '--check', '--path', p), 1, str(p), 'Re-create it')

    def test_a_broken_shipped_file_says_reinstall(self, tmp_path, monkeypatch):
        from stackgan_edu import files, __version__
        from stackgan_edu.text import load_text_encoder
        p = _text_encoder_file(tmp_path, TEXT_EDITS['missing key'])
        monkeypatch.setattr(files, 'ASSETS', tmp_path)  # as if tmp_path were the package's assets folder
        with pytest.raises(files.AssetError, match=f'reinstall the package .*stackgan_edu=={__version__}'): load_text_encoder(p)

# ----------------------------------------------------------------------------------------------------------- device
class TestDevice:
    def unavailable(self):
        import torch
        return [d for d in ('cuda', 'mps') if not (torch.cuda.is_available() if d == 'cuda' else torch.backends.mps.is_available())]

    @pytest.mark.parametrize('device', ['banana', 'cuda'])  # mps and cuda:N: the notebook tests get_device itself
    def test_train_with_a_device_this_machine_lacks(self, tmp_path, device):
        if device == 'cuda' and device not in self.unavailable(): pytest.skip(f'this machine has {device}')
        r = cli('train', 'dcgan', '--preset', 'tiny', '--steps', 1, '--out', tmp_path / 'run', '--device', device)
        one_line_error(r, 1, device, 'this machine has', 'cpu')
        assert not (tmp_path / 'run').exists()

    def test_eval_checks_the_device_too(self, tmp_path):
        device = (self.unavailable() or ['banana'])[-1]  # mps on a machine without it
        one_line_error(cli('eval', '--run', tmp_path, '--device', device), 1, repr(device), 'this machine has')

# ----------------------------------------------------------------------------------------------------- output paths
class TestOutputPaths:
    @pytest.mark.parametrize('n', [0, 1025, -3])
    def test_birds_n_is_bounded(self, tmp_path, n):
        one_line_error(cli('birds', '--n', n, '--out', tmp_path / 'g.png'), 1, '--n', '1 to 1024')
        assert not (tmp_path / 'g.png').exists()

    @pytest.mark.parametrize('size', [1000])  # 0 is in test_cli.py
    def test_birds_size_is_a_supported_size(self, tmp_path, size):
        one_line_error(cli('birds', '--n', 2, '--size', size, '--out', tmp_path / 'g.png'), 1, 'size', '16 to 512')

    def test_birds_out_under_a_file(self, tmp_path):
        f = tmp_path / 'notes.txt'; f.write_text('mine')
        one_line_error(cli('birds', '--n', 1, '--size', 16, '--out', f / 'g.png'), 1, str(f), 'not a folder')
        assert f.read_text() == 'mine'

    def test_birds_out_is_a_folder(self, tmp_path):
        d = tmp_path / 'g.png'; d.mkdir(); (d / 'keep').write_text('mine')
        one_line_error(cli('birds', '--n', 1, '--size', 16, '--out', d), 1, str(d))
        assert (d / 'keep').read_text() == 'mine'

    def test_birds_out_name_too_long(self, tmp_path):
        one_line_error(cli('birds', '--n', 1, '--size', 16, '--out', tmp_path / ('x' * 300 + '.png')), 1, 'too long', 'shorter')

    @pytest.mark.parametrize('command', ['classifier', 'text-encoder'])
    def test_train_out_under_a_file_trains_nothing(self, tmp_path, command):
        f = tmp_path / 'notes.txt'; f.write_text('mine')
        t = time.time()
        one_line_error(cli(command, '--train', '--out', f / 'w', timeout=20), 1, '--out', str(f))
        one_line_error(cli(command, '--train', '--out', f, timeout=20), 1, '--out', 'not a folder')
        assert time.time() - t < 30 and f.read_text() == 'mine'

    @pytest.mark.parametrize('command', ['classifier', 'text-encoder'])
    def test_train_out_read_only_folder_trains_nothing(self, tmp_path, command):
        """A folder this process cannot write. Root writes through permission bits (a 0o555 folder stops only other users),
        so as root the folder is /sys, which refuses new entries even to root (EPERM); as another user, a 0o555 folder."""
        if os.geteuid():
            ro = tmp_path / 'ro'; ro.mkdir(); (ro / 'keep').write_text('mine'); ro.chmod(0o555)
        else:
            ro = Path('/sys')
            try: (ro / 'stackgan-edu-probe').mkdir()
            except OSError: pass
            else: (ro / 'stackgan-edu-probe').rmdir(); pytest.skip('/sys is writable here')
        try:
            before = snapshot(ro) if os.geteuid() else None
            one_line_error(cli(command, '--train', '--out', ro / 'weights', timeout=20), 1, '--out', str(ro / 'weights'), 'choose a folder you can write to')
            assert not (ro / 'weights').exists() and (before is None or snapshot(ro) == before)
        finally:
            if os.geteuid(): ro.chmod(0o755)

    def test_interrupt_is_one_line_and_status_130(self, tmp_path):
        out = tmp_path / 'g.png'; out.write_bytes(b'my earlier grid')
        p = subprocess.Popen([tool('stackgan-edu'), 'birds', '--n', '1024', '--size', '256', '--out', str(out)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(2); p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=60)
        assert p.returncode == 130 and len(err.strip().splitlines()) == 1 and 'Traceback' not in err, err[-2000:]
        assert 'interrupted' in err and out.read_bytes() == b'my earlier grid'
