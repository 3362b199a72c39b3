"`pip install stackgan_edu` works: the wheel installs into a fresh environment and runs with no repository around."
import ast, os, re, subprocess, sys, sysconfig, venv
from configparser import ConfigParser
from pathlib import Path

import pytest

from conftest import ROOT

# import name -> distribution name, where they differ
DIST = {'PIL': 'pillow'}
# imported only inside notebook-only code paths (live plots), which say so when it is missing
OPTIONAL = {'IPython'}
STDLIB = set(sys.stdlib_module_names)
MAX_WHEEL_MB = 60  # the package ships its networks and pretrained generators, each file once

def _requirements() -> dict:
    cfg = ConfigParser(delimiters=['=']); cfg.read(ROOT / 'settings.ini')
    reqs = cfg['DEFAULT']['requirements'].split()
    return {re.split(r'[<>=!~;\[ ]', r, maxsplit=1)[0].lower(): r for r in reqs}

def _imports(path: Path) -> set:
    mods = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import): mods |= {a.name.split('.')[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module: mods.add(node.module.split('.')[0])
    return mods

def test_runtime_requirements_are_what_the_library_imports():
    used = set().union(*(_imports(p) for p in (ROOT / 'stackgan_edu').glob('*.py'))) - STDLIB - OPTIONAL - {'stackgan_edu', '__future__'}
    used = {DIST.get(m, m).lower() for m in used}
    reqs = set(_requirements())
    assert used - reqs == set(), f"imported but not in settings.ini requirements: {sorted(used - reqs)}"
    assert reqs - used == set(), f"required but never imported by the library: {sorted(reqs - used)}"

@pytest.fixture(scope='module')
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp('dist')
    subprocess.run([sys.executable, '-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '-q', '-w', str(out), str(ROOT)],
                   check=True, cwd=out, capture_output=True, text=True)
    (whl,) = out.glob('stackgan_edu-*.whl')
    return whl

def test_wheel_contents(wheel):
    import zipfile
    names = set(zipfile.ZipFile(wheel).namelist())
    for must in ('stackgan_edu/__init__.py', 'stackgan_edu/core.py', 'stackgan_edu/cli.py', 'stackgan_edu/pretrained.py', 'stackgan_edu/assets/text_encoder.pt',
                 'stackgan_edu/assets/classifier.pt', 'stackgan_edu/assets/classifier.md',
                 'stackgan_edu/assets/fine_reader.pt', 'stackgan_edu/assets/fine_reader.md',
                 'stackgan_edu/assets/pretrained/stage1.pt', 'stackgan_edu/assets/pretrained/stage2.pt'):
        assert must in names, f"{must} missing from the wheel"
    assets = {p.relative_to(ROOT).as_posix() for p in (ROOT / 'stackgan_edu' / 'assets').rglob('*') if p.is_file() and not p.name.startswith('.')}
    assert assets - names == set(), f"shipped files missing from the wheel: {sorted(assets - names)}"  # every model and its card
    assert wheel.stat().st_size < MAX_WHEEL_MB * 2**20, f"the wheel is {wheel.stat().st_size / 2**20:.1f} MB, over {MAX_WHEEL_MB} MB"
    meta = next(n for n in names if n.endswith('METADATA'))
    reqs = [l for l in zipfile.ZipFile(wheel).read(meta).decode().splitlines() if l.startswith('Requires-Dist')]
    assert not any('nbdev' in r and 'extra' not in r for r in reqs), "nbdev must only be a dev extra"

def test_wheel_installs_and_runs_elsewhere(wheel, tmp_path):
    "A new venv sees the installed dependencies (a .pth to this environment's site-packages) but not the repository."
    env_dir = tmp_path / 'venv'
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / 'bin' / 'python'
    site = Path(subprocess.check_output([py, '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'], text=True).strip())
    # A path line in a .pth adds the folder but runs none of its own .pth files, so this repo's editable install stays invisible.
    (site / 'deps.pth').write_text(sysconfig.get_paths()['purelib'] + '\n')
    subprocess.run([py, '-m', 'pip', 'install', '-q', '--no-deps', '--no-index', str(wheel)], check=True, capture_output=True, text=True)
    work = tmp_path / 'elsewhere'; work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ('PYTHONPATH', 'VIRTUAL_ENV')}
    code = 'import stackgan_edu, stackgan_edu.core, stackgan_edu.cli; print(stackgan_edu.__file__)'
    where = subprocess.run([py, '-c', code], cwd=work, env=env, check=True, capture_output=True, text=True).stdout.strip()
    assert Path(where).is_relative_to(env_dir), f"imported {where}, not the installed wheel"
    cli = env_dir / 'bin' / 'stackgan-edu'
    r = subprocess.run([cli, 'birds', '--n', '2', '--size', '64', '--seed', '1', '--out', 'g.png'], cwd=work, env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert (work / 'g.png').stat().st_size > 0 and len(r.stdout.strip().splitlines()) == 3
    for cmd in ('text-encoder', 'classifier'):
        r = subprocess.run([cli, cmd, '--check'], cwd=work, env=env, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
    # birds from words at once, from the shipped models alone: offline (any download would go to a closed port)
    offline = {**env, 'OMP_NUM_THREADS': '1', **{k: 'http://127.0.0.1:9' for k in ('HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy', 'ALL_PROXY')}}
    r = subprocess.run([cli, 'sample', '--pretrained', 'a small yellow bird with black wings', '--out', 'x.png'], cwd=work, env=offline,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    from PIL import Image
    im = Image.open(work / 'x.png')
    assert im.width == 6 + 8 * (128 + 6) and im.height > 2 * 128, im.size  # 8 birds a row; a Stage-I and a Stage-II row at least
