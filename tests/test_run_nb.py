"tools/run_nb.py stores what a live notebook shows at the end: a display updated in place once, a progress bar's last state."
import json, subprocess, sys

from conftest import ROOT

CELLS = [
    "for i in range(4): print(f'\\r{i}/3 steps', end='')\nprint('\\nafter')",
    "from IPython.display import display, HTML\nh = display(HTML('<b>0</b>'), display_id=True)\n"
    "for i in (1, 2): h.update(HTML(f'<b>{i}</b>'))\ndisplay(HTML('<i>another display</i>'))",
]

def test_updates_replace_and_progress_keeps_its_last_state(tmp_path):
    nb = {'cells': [{'cell_type': 'code', 'execution_count': None, 'id': f'c{i}', 'metadata': {}, 'outputs': [], 'source': s}
                    for i, s in enumerate(CELLS)],
          'metadata': {'kernelspec': {'display_name': 'python3', 'language': 'python', 'name': 'python3'}}, 'nbformat': 4, 'nbformat_minor': 5}
    fn = tmp_path / 'live.ipynb'; fn.write_text(json.dumps(nb))
    r = subprocess.run([sys.executable, str(ROOT / 'tools' / 'run_nb.py'), str(fn)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    cells = json.loads(fn.read_text())['cells']
    assert [o['output_type'] for o in cells[0]['outputs']] == ['stream']
    assert ''.join(cells[0]['outputs'][0]['text']) == '3/3 steps\nafter\n'  # each redraw overwrote the line
    html = [''.join(o['data']['text/html']) for o in cells[1]['outputs']]
    assert html == ['<b>2</b>', '<i>another display</i>']  # the updated display once, in its place, in its last state
