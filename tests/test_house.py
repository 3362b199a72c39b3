"""How the house is kept: recipes reach the models only through forward, nothing in bench/ goes through the CLI, the
course comes first and in its promised order, and chapters speak of ideas, never of the project's history."""
import json, re
from pathlib import Path

from conftest import ROOT

def test_no_recipe_reaches_inside_the_models():
    "learn.G.<attr> / learn.D.<attr> bypasses forward: under DDP it raises, or silently skips the gradients' all-reduce."
    bad = [f'{p.name}:{i}: {l.strip()}' for p in sorted((ROOT / 'stackgan_edu').glob('*.py')) if p.name != '_modidx.py'
           for i, l in enumerate(p.read_text().splitlines(), 1) if re.search(r'\blearn\.[GD]\.(?!parameters\(|train\(|eval\()', l)]
    assert not bad, bad

def test_bench_never_imports_the_command_line():
    bad = [p.name for p in (ROOT / 'bench').glob('*.py') if re.search(r'stackgan_edu\.cli|from stackgan_edu import cli', p.read_text())]
    assert not bad, bad

COURSE = ['01_gan_basics', '02_cgan', '03_ca', '04_stage1', '05_stage2', '06_dfgan', '07_compare', '08_capstone']

def test_the_course_comes_first_in_its_order():
    chapters = sorted(p.stem for p in (ROOT / 'nbs').glob('[0-9]*.ipynb'))
    assert chapters[:len(COURSE)] == COURSE, chapters
    toolbox = sorted(p.stem for p in (ROOT / 'nbs' / 'toolbox').glob('*.ipynb'))
    assert toolbox[:3] == ['00_core', '01_files', '02_birds'] and 'cli' in toolbox[-3] and 'explorer' in toolbox[-2] and 'pretrained' in toolbox[-1], toolbox

HISTORY = re.compile(r"\bissues?\b|\bCI\b|PAPERS\.md|previous version|earlier version|this session|\bthe lead\b", re.I)

def test_chapters_speak_of_the_idea_not_of_the_project():
    hits = []
    for p in sorted((ROOT / 'nbs').rglob('*.ipynb')):
        if p.name == 'index.ipynb' or '.ipynb_checkpoints' in p.parts: continue
        for c in json.loads(p.read_text())['cells']:
            for m in HISTORY.finditer(''.join(c['source'])): hits.append(f"{p.relative_to(ROOT)}: ...{m.group(0)}...")
    assert not hits, hits

def test_course_chapters_link_the_toolbox():
    for name in COURSE:
        text = ''.join(''.join(c['source']) for c in json.loads((ROOT / 'nbs' / f'{name}.ipynb').read_text())['cells'] if c['cell_type'] == 'markdown')
        assert '(toolbox/' in text, f"{name} links no toolbox chapter where it first uses a tool"
