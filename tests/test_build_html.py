"""tools/build_html.py: the course as static pages. One small chapter is built (the index always lists every chapter), so
the test takes seconds; the full build is the same code for every notebook."""
import re, subprocess, sys

from conftest import ROOT

def test_links_to_notebooks_become_links_to_pages():
    sys.path.insert(0, str(ROOT / 'tools'))
    from build_html import rewrite_links
    md = ('see [the text encoder](toolbox/05_text.ipynb), [CA](../03_ca.ipynb#the-kl-term), <a href="08_runs.ipynb">runs</a>, '
          '[nbdev](https://nbdev.fast.ai/x.ipynb) and `nbs/index.ipynb`')
    assert rewrite_links(md) == ('see [the text encoder](toolbox/05_text.html), [CA](../03_ca.html#the-kl-term), <a href="08_runs.html">runs</a>, '
                                 '[nbdev](https://nbdev.fast.ai/x.ipynb) and `nbs/index.ipynb`')

def test_build_lists_every_chapter_in_course_order_and_links_pages(tmp_path):
    r = subprocess.run([sys.executable, str(ROOT / 'tools' / 'build_html.py'), '--out', str(tmp_path), '--only', '03_ca'],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob('*.html')) == ['03_ca.html', 'index.html']
    index = (tmp_path / 'index.html').read_text(encoding='utf-8')
    chapters = sorted(p.stem for p in (ROOT / 'nbs').glob('*.ipynb') if p.name != 'index.ipynb')
    toolbox = sorted(f'toolbox/{p.stem}' for p in (ROOT / 'nbs' / 'toolbox').glob('*.ipynb'))
    at = [index.find(f'href="{name}.html"') for name in chapters + toolbox]
    assert -1 not in at and at == sorted(at), dict(zip(chapters + toolbox, at))  # every chapter, in course order, the toolbox after
    assert '<h1' in index and 'stackgan_edu' in index  # the index notebook's own page follows the contents
    page = (tmp_path / '03_ca.html').read_text(encoding='utf-8')
    links = re.findall(r'href="([^"#]+)', page)
    assert 'toolbox/07_metrics.html' in links and not [l for l in links if l.endswith('.ipynb')], links
    assert '#| export' not in page and '<img' in page  # directives dropped; the stored figures shown
