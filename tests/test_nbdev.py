"The notebooks are the library's source: they export without a diff, are stored clean, and every one runs (nbdev_test)."
import json, shutil, subprocess
from pathlib import Path

import pytest

from conftest import ROOT, tool

NOTEBOOKS = sorted(p.relative_to(ROOT / 'nbs').as_posix() for p in (ROOT / 'nbs').rglob('*.ipynb')
                   if not any(part.startswith(('.', '_')) for part in p.relative_to(ROOT / 'nbs').parts))

def _copy_project(dst: Path) -> Path:
    "A copy of what nbdev reads and writes, so the checks never touch the working tree."
    for name in ('settings.ini', 'setup.py', 'README.md'): shutil.copy(ROOT / name, dst / name)
    shutil.copytree(ROOT / 'nbs', dst / 'nbs', ignore=shutil.ignore_patterns('.ipynb_checkpoints', '_proc'))
    shutil.copytree(ROOT / 'stackgan_edu', dst / 'stackgan_edu', ignore=shutil.ignore_patterns('__pycache__'))
    return dst

def _py_files(d: Path) -> dict:
    return {p.relative_to(d).as_posix(): p.read_text() for p in sorted(d.rglob('*.py')) if '__pycache__' not in p.parts}

def test_export_leaves_no_diff(tmp_path):
    proj = _copy_project(tmp_path)
    subprocess.run([tool('nbdev_export')], cwd=proj, check=True, capture_output=True, text=True)
    before, after = _py_files(ROOT / 'stackgan_edu'), _py_files(proj / 'stackgan_edu')
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    assert not changed, f"nbdev_export changes {changed}: run nbdev_export and commit, never edit stackgan_edu/ by hand."

def test_notebooks_stored_clean(tmp_path):
    proj = _copy_project(tmp_path)
    subprocess.run([tool('nbdev_clean')], cwd=proj, check=True, capture_output=True, text=True)
    dirty = [n for n in NOTEBOOKS if (proj / 'nbs' / n).read_bytes() != (ROOT / 'nbs' / n).read_bytes()]
    assert not dirty, f"nbdev_clean changes {dirty}: run nbdev_clean and commit."

def test_readme_made_from_index():
    import sys; sys.path.insert(0, str(ROOT / 'tools'))
    from make_readme import readme_text
    assert (ROOT / 'README.md').read_text(encoding='utf-8') == readme_text(), \
        "README.md is out of date with nbs/index.ipynb: run `python tools/make_readme.py`."

def test_every_notebook_exports_a_module_or_is_index():
    for n in NOTEBOOKS:
        if n == 'index.ipynb': continue
        src = ''.join(''.join(c['source']) for c in json.loads((ROOT / 'nbs' / n).read_text())['cells'])
        assert '#| default_exp' in src, f"{n} exports no module: one notebook exports one module."

@pytest.mark.parametrize('nb', NOTEBOOKS)
def test_notebook_runs(nb):
    "nbdev_test runs the notebook's cells (slow and cuda cells are flagged and skipped)."
    r = subprocess.run([tool('nbdev_test'), '--path', f'nbs/{nb}', '--do_print'], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, f"nbdev_test failed on {nb}:\n{r.stdout[-4000:]}\n{r.stderr[-8000:]}"
