"""Execute notebooks in place, keeping their outputs (the figures and tables that teach), skipping flagged cells.

    python tools/run_nb.py nbs/07_metrics.ipynb [...] [--flags slow]

Cells flagged with a tst_flag (slow, cuda) are skipped unless named with --flags, exactly as nbdev_test does; cells
that were skipped keep the outputs they had. Run `nbdev_clean` afterwards.
"""
import argparse, os, sys, time
from pathlib import Path

from execnb.nbio import read_nb, write_nb
from execnb.shell import CaptureShell
from IPython.core.displaypub import CapturingDisplayPublisher
from fastcore.xtras import working_directory
from nbdev.config import get_config
from nbdev.process import NBProcessor

_publish = CapturingDisplayPublisher.publish
def _publish_in_place(self, data, metadata=None, source=None, *, transient=None, update=False):
    "A display update (`handle.update`) replaces the output it updates, as a live notebook shows it; execnb would append each one."
    did = (transient or {}).get('display_id')
    if update and did is not None:
        for o in self.outputs:
            if (o.get('transient') or {}).get('display_id') == did: o.update(data=data, metadata=metadata); return
    _publish(self, data, metadata, source, transient=transient, update=update)
CapturingDisplayPublisher.publish = _publish_in_place

def final_text(lines:list[str]) -> list[str]:
    "A stream as a notebook leaves it: a carriage return (a progress bar's redraw) overwrites its line, so each line keeps its last state."
    return '\n'.join(next((s for s in reversed(line.split('\r')) if s), '') for line in ''.join(lines).split('\n')).splitlines(True)

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument('notebooks', nargs='+')
p.add_argument('--flags', default='', help='tst_flags to run anyway, e.g. "slow"')
a = p.parse_args()
skip = set(get_config(path=Path(__file__).resolve().parent.parent).tst_flags.split()) - set(a.flags.split())  # the repository's flags, wherever it runs
for fn in map(Path, a.notebooks):
    nb = NBProcessor(fn, process=True).nb  # parses the #| directives of each cell
    def no_eval(cell):
        if cell.cell_type != 'code': return True
        return bool(skip & (getattr(cell, 'directives_', {}) or {}).keys())
    for c in nb.cells:  # a cell that now prints nothing must not keep what it printed before
        if c.cell_type == 'code' and not no_eval(c): c['outputs'] = []
    t = time.time(); shell = CaptureShell(fn)
    with working_directory(fn.parent): shell.run_all(nb, exc_stop=True, preproc=no_eval)
    raw = read_nb(fn)
    for c, done in zip(raw.cells, nb.cells):
        if c.cell_type == 'code' and not no_eval(done):
            c['outputs'] = [{**o, 'text': final_text(o['text'])} if o.get('output_type') == 'stream' else o for o in done.get('outputs', [])]
    write_nb(raw, fn)
    print(f'{fn}: {time.time() - t:.0f} s')
