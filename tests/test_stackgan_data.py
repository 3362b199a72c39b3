"Pickles that try to run code are refused before anything runs, whatever protocol or trick they use."
import os, pickle, subprocess

import numpy as np
import pytest

from stackgan_edu.stackgan_data import UnsafePickleError, load_pickle, make_fixture, StackGANDataset

class RunsCommand:
    def __init__(self, marker): self.marker = marker
    def __reduce__(self): return (os.system, (f'touch {self.marker}',))

class CallsEval:
    def __init__(self, marker): self.marker = marker
    def __reduce__(self): return (eval, (f"open({str(self.marker)!r}, 'w').write('x')",))

class Subprocess:
    def __init__(self, marker): self.marker = marker
    def __reduce__(self): return (subprocess.call, (['touch', str(self.marker)],))

@pytest.mark.parametrize('attack', [RunsCommand, CallsEval, Subprocess])
@pytest.mark.parametrize('protocol', [0, 2, pickle.HIGHEST_PROTOCOL])
def test_code_running_pickles_are_refused(tmp_path, attack, protocol):
    marker = tmp_path / 'pwned'
    f = tmp_path / 'char-CNN-RNN-embeddings.pickle'
    f.write_bytes(pickle.dumps([np.zeros(3), attack(marker)], protocol=protocol))
    with pytest.raises(UnsafePickleError, match='refused to load'):
        load_pickle(f)
    assert not marker.exists()

def test_malicious_file_inside_a_dataset_is_refused(tmp_path):
    root = make_fixture(tmp_path / 'birds', dim=8)
    marker = tmp_path / 'pwned'
    (root / 'train' / 'filenames.pickle').write_bytes(pickle.dumps(RunsCommand(marker), protocol=2))
    with pytest.raises(UnsafePickleError, match='filenames.pickle'):
        StackGANDataset(root, 'cub', 'train')
    assert not marker.exists()

def test_arrays_of_every_protocol_load(tmp_path):
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    for p in range(0, pickle.HIGHEST_PROTOCOL + 1):
        (tmp_path / f'{p}.pickle').write_bytes(pickle.dumps({'emb': a, 'names': ['x', 'y']}, protocol=p))
        got = load_pickle(tmp_path / f'{p}.pickle')
        assert np.array_equal(got['emb'], a) and got['names'] == ['x', 'y']
