"""Build the course as a static web site: every notebook as an HTML page (nbconvert), and an index in course order.

    python tools/build_html.py [--out _site] [--execute] [--only 03_ca toolbox/05_text ...]

The course chapters (nbs/*.ipynb, in their numbered order) come first, then the toolbox (nbs/toolbox/*.ipynb); the
index page is nbs/index.ipynb with a table of contents added at its top. Links between notebooks (`(toolbox/05_text.ipynb)`,
`(../03_ca.ipynb#the-kl-term)`) point to the pages. By default the pages show the outputs stored in the notebooks; with
--execute each notebook is run first, in a copy (the notebooks are not changed), with the cells flagged `#| slow` or
`#| cuda` skipped as nbdev_test skips them (they show their stored outputs). Cells marked `#| hide` are left out, and
nbdev's `#| ...` directive lines are dropped from the code shown. --only rebuilds the pages named (and the index).
"""
import argparse, re, sys, time
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

ROOT = Path(__file__).resolve().parent.parent
NBS = ROOT / 'nbs'
LINK = re.compile(r'(\]\(|href=")(?!https?:|mailto:|#)([^)"\s]+?)\.ipynb(#[^)"\s]*)?(?=[)"])')  # a relative link to a notebook
DIRECTIVE = re.compile(r'^\s*#\|.*$')

def notebooks() -> list[Path]:
    "Every notebook in course order: the numbered chapters, then the toolbox (index.ipynb is the index page)."
    course = sorted(p for p in NBS.glob('*.ipynb') if p.name != 'index.ipynb')
    return course + sorted((NBS / 'toolbox').glob('*.ipynb'))

def title_and_summary(nb) -> tuple[str, str]:
    "A notebook's `# Title` and its `> summary` line (nbdev's convention), from its markdown cells."
    title = summary = ''
    for c in nb.cells:
        if c.cell_type != 'markdown': continue
        for line in c.source.splitlines():
            if not title and line.startswith('# '): title = line[2:].strip()
            elif title and not summary and line.startswith('> '): summary = line[2:].strip()
        if title: break
    return title, summary

def rewrite_links(text:str) -> str:
    "Markdown and HTML links to notebooks, made links to their pages (anchors kept)."
    return LINK.sub(lambda m: f"{m.group(1)}{m.group(2)}.html{m.group(3) or ''}", text)

def shown(nb):
    "The notebook as a page shows it: no `#| hide` cells, no directive lines, links to pages."
    nb.cells = [c for c in nb.cells if not (c.cell_type == 'code' and c.source.lstrip().startswith('#| hide'))]
    for c in nb.cells:
        if c.cell_type == 'markdown': c.source = rewrite_links(c.source)
        elif c.cell_type == 'code': c.source = '\n'.join(l for l in c.source.splitlines() if not DIRECTIVE.match(l)).strip('\n')
    nb.cells = [c for c in nb.cells if c.cell_type != 'code' or c.source or c.get('outputs')]
    return nb

def executed(path:Path):
    "The notebook run top to bottom in its folder (flagged cells skipped, keeping their stored outputs); the file is untouched."
    from execnb.shell import CaptureShell
    from fastcore.xtras import working_directory
    from nbdev.config import get_config
    from nbdev.process import NBProcessor
    skip = set(get_config().tst_flags.split())
    proc = NBProcessor(path, process=True).nb  # parses each cell's #| directives
    def no_eval(cell): return cell.cell_type != 'code' or bool(skip & (getattr(cell, 'directives_', {}) or {}).keys())
    for c in proc.cells:
        if not no_eval(c): c['outputs'] = []
    with working_directory(path.parent): CaptureShell(path).run_all(proc, exc_stop=True, preproc=no_eval)
    nb = nbformat.read(path, as_version=4)
    for c, done in zip(nb.cells, proc.cells):
        if c.cell_type == 'code' and not no_eval(done): c['outputs'] = [nbformat.from_dict(o) for o in done.get('outputs', [])]
    return nb

def contents_cell(pages:list[tuple[Path, str, str]]) -> str:
    "The index's table of contents, in course order, as markdown."
    lines = ['## Contents', '', '**The course**', '']
    toolbox = False
    for path, title, summary in pages:
        if path.parent.name == 'toolbox' and not toolbox:
            lines += ['', '**The toolbox** (reference chapters the course stands on)', '']; toolbox = True
        rel = path.relative_to(NBS).with_suffix('.html').as_posix()
        lines.append(f"- [{path.stem}: {title or path.stem}]({rel})" + (f" — {summary}" if summary else ''))
    return '\n'.join(lines)

def build(out:Path, # the folder to write the site to
          execute:bool=False, # run each notebook first (flagged cells skipped)
          only:list[str]|None=None, # the pages to (re)build, as paths under nbs/ without .ipynb ('03_ca', 'toolbox/05_text'); all if None
          log=print) -> list[Path]:
    "Write the notebooks' pages and the index (which lists every chapter) into `out`; returns the pages written."
    exporter, written, pages = HTMLExporter(template_name='lab'), [], []
    names = {p.relative_to(NBS).with_suffix('').as_posix(): p for p in notebooks()}
    unknown = sorted(set(only or []) - set(names))
    if unknown: raise SystemExit(f"build_html: no notebook {', '.join(unknown)}: name them as in nbs/, e.g. 03_ca or toolbox/05_text.")
    out.mkdir(parents=True, exist_ok=True)
    for name, path in names.items():
        if only is not None and name not in only:
            pages.append((path, *title_and_summary(nbformat.read(path, as_version=4)))); continue
        t = time.time()
        try: nb = executed(path) if execute else nbformat.read(path, as_version=4)
        except Exception as e:
            raise SystemExit(f"build_html: {name} failed while running ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}): "
                             "run it in Jupyter to see where, or build without --execute.") from None
        title, summary = title_and_summary(nb)
        pages.append((path, title, summary))
        body, _ = exporter.from_notebook_node(shown(nb), resources={'metadata': {'name': title or path.stem}})
        dst = out / path.relative_to(NBS).with_suffix('.html')
        dst.parent.mkdir(parents=True, exist_ok=True); dst.write_text(body, encoding='utf-8'); written.append(dst)
        log(f'{dst.relative_to(out)}{f"  (executed in {time.time() - t:.0f} s)" if execute else ""}')
    index = nbformat.read(NBS / 'index.ipynb', as_version=4)
    at = next((i + 1 for i, c in enumerate(index.cells) if c.cell_type == 'markdown' and c.source.lstrip().startswith('# ')), 0)
    index.cells.insert(at, nbformat.v4.new_markdown_cell(contents_cell(pages)))
    body, _ = exporter.from_notebook_node(shown(index), resources={'metadata': {'name': title_and_summary(index)[0] or 'stackgan_edu'}})
    (out / 'index.html').write_text(body, encoding='utf-8'); written.append(out / 'index.html')
    log(f'index.html: {len(pages)} chapters')
    return written

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--out', default=str(ROOT / '_site'), help='the folder to write the site to (default: _site)')
    p.add_argument('--execute', action='store_true', help='run every notebook first (slow and cuda cells skipped); default: the stored outputs')
    p.add_argument('--only', nargs='+', metavar='NAME', help='rebuild only these pages (and the index), e.g. 03_ca toolbox/05_text')
    a = p.parse_args()
    out = Path(a.out)
    if out.exists() and not out.is_dir(): sys.exit(f'build_html: --out {out} is a file: give a folder.')
    build(out, a.execute, a.only)
    print(f'open {out / "index.html"} in a browser', file=sys.stderr)
