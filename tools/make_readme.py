"Write README.md from nbs/index.ipynb (Quarto, which nbdev_readme needs, is not available): markdown via nbconvert, hidden cells dropped."
import sys
from pathlib import Path

import nbformat
from nbconvert import MarkdownExporter

ROOT = Path(__file__).resolve().parent.parent

def readme_text() -> str:
    "The README that nbs/index.ipynb makes."
    nb = nbformat.read(ROOT / 'nbs' / 'index.ipynb', as_version=4)
    nb.cells = [c for c in nb.cells if not c.source.lstrip().startswith('#| hide')]
    body, _ = MarkdownExporter().from_notebook_node(nb)
    return '<!-- Made from nbs/index.ipynb by tools/make_readme.py: edit the notebook, not this file. -->\n\n' + body.strip() + '\n'

if __name__ == '__main__':
    (ROOT / 'README.md').write_text(readme_text(), encoding='utf-8')
    print('wrote README.md', file=sys.stderr)
