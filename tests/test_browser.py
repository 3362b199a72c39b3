"""The capstone's explorer in a real JupyterLab, in headless Chromium driven by Playwright: open the chapter, run the
cells the explorer needs through the notebook's UI, type a caption, move a slider, see the image change, and see a
bad caption answered in the widget. Screenshots land in test-artifacts/browser/.

`bash tools/setup_browser.sh` installs what it needs (Debian's chromium, the playwright client); tools/test.sh runs it.
In CI the test must run; elsewhere it skips, saying why, when chromium or playwright is missing."""
import json, os, secrets, shutil, signal, socket, subprocess, sys, time, urllib.request
from pathlib import Path

import pytest

from conftest import ROOT

CHROMIUM = Path('/usr/bin/chromium')
NOTEBOOK = '08_capstone.ipynb'
ARTIFACTS = ROOT / 'test-artifacts' / 'browser'
# the cells the explorer needs, besides the chapter's definitions (its `#| export` cells): one line of each
NEEDED = ('GPU = device.type', 'DATA, KIND = find_data()', 'RUNS = {', 'ex = explore(')
BAD_CAPTION = 'qwxz zzkp'

def _missing(why:str):
    "Fail in CI (the test must run there), skip elsewhere."
    if os.environ.get('CI', '').lower() == 'true': pytest.fail(f"{why}: tools/test.sh runs tools/setup_browser.sh, which installs it.")
    pytest.skip(f"{why}: run `bash tools/setup_browser.sh` to install it.")

def _free_port() -> int:
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def _get(url:str, timeout:float=2.0):
    with urllib.request.urlopen(url, timeout=timeout) as r: return json.loads(r.read() or b'null')

def _request(url:str, method:str):
    try: urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=5).read()
    except OSError: pass

def needed_cells(nb:dict) -> list[int]:
    "Indices of the code cells the explorer needs: every `#| export` cell and one cell per NEEDED line, in the notebook's order."
    code = {i: ''.join(c['source']) for i, c in enumerate(nb['cells']) if c['cell_type'] == 'code'}
    found = {m: [i for i, s in code.items() if m in s] for m in NEEDED}
    bad = {m: v for m, v in found.items() if len(v) != 1}
    assert not bad, f"{NOTEBOOK}: each of these lines must be in exactly one code cell: {bad}"
    assert not any(s.lstrip().startswith(('#| slow', '#| cuda')) for i, s in code.items() if i in sum(found.values(), [])), "a needed cell is flagged slow or cuda"
    return sorted({i for i, s in code.items() if s.startswith('#| export')} | set(sum(found.values(), [])))

@pytest.fixture
def lab(tmp_path):
    "A JupyterLab server on a copy of the capstone (so nothing it saves touches nbs/); stopped with its kernels at the end."
    nbdir = tmp_path / 'nbs'; nbdir.mkdir()
    shutil.copy(ROOT / 'nbs' / NOTEBOOK, nbdir / NOTEBOOK)
    quiet = tmp_path / 'settings' / '@jupyterlab' / 'apputils-extension' / 'notification.jupyterlab-settings'
    quiet.parent.mkdir(parents=True); quiet.write_text(json.dumps({'fetchNews': 'false', 'checkForUpdates': False}))  # no news toast, no request out
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, 'OMP_NUM_THREADS': '1', 'JUPYTER_RUNTIME_DIR': str(tmp_path / 'runtime'), 'JUPYTER_CONFIG_DIR': str(tmp_path / 'config'),
           'JUPYTERLAB_SETTINGS_DIR': str(tmp_path / 'settings'), 'JUPYTERLAB_WORKSPACES_DIR': str(tmp_path / 'workspaces')}
    log = open(tmp_path / 'jupyter.log', 'w')
    server = subprocess.Popen([sys.executable, '-m', 'jupyter', 'lab', '--no-browser', f'--port={port}', '--ip=127.0.0.1',
                               f'--IdentityProvider.token={token}', f'--notebook-dir={nbdir}', '--LabApp.expose_app_in_browser=True',
                               '--LabApp.news_url=', '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate',
                               '--LabApp.extension_manager=readonly', *(['--allow-root'] if os.geteuid() == 0 else [])],
                              cwd=nbdir, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f'http://127.0.0.1:{port}'
    try:
        deadline = time.time() + 90
        while True:
            try: _get(f'{base}/api/status?token={token}'); break
            except OSError:
                if server.poll() is not None or time.time() > deadline:
                    raise RuntimeError(f"JupyterLab did not start:\n{(tmp_path / 'jupyter.log').read_text()[-3000:]}")
                time.sleep(0.5)
        yield {'base': base, 'token': token, 'log': tmp_path / 'jupyter.log'}
    finally:
        try:  # its kernels first (they run in sessions of their own), then the server
            for k in _get(f'{base}/api/kernels?token={token}', 5): _request(f"{base}/api/kernels/{k['id']}?token={token}", 'DELETE')
        except Exception: pass
        _request(f'{base}/api/shutdown?token={token}', 'POST')
        try: server.wait(15)
        except subprocess.TimeoutExpired: os.killpg(server.pid, signal.SIGKILL); server.wait(5)
        log.close()

@pytest.fixture
def page():
    "A page of headless Debian chromium, closed at the end."
    if not CHROMIUM.exists(): _missing(f"{CHROMIUM} is not installed")
    try: from playwright.sync_api import sync_playwright
    except ImportError: _missing("The playwright package is not installed")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=[
            '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
            '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'])
        try:
            pg = browser.new_page(viewport={'width': 1400, 'height': 1000})
            pg.set_default_timeout(120_000); pg.set_default_navigation_timeout(120_000)  # 2 busy cores: JupyterLab loads slowly
            yield pg
        finally: browser.close()

def shot(page, name:str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f'{name}.png'; page.screenshot(path=str(path)); print(f'screenshot: {path}')
    return path

def wait_idle(page, timeout:float=120):
    "Until the kernel is idle: the status bar says Idle, and no cell waits to run ([*])."
    page.wait_for_function("""() => {
        const s = [...document.querySelectorAll('.jp-StatusBar-Widget, .jp-StatusBar-TextItem')].map(e => e.textContent).join(' ');
        const busy = [...document.querySelectorAll('.jp-InputPrompt')].some(e => e.textContent.includes('*'));
        return s.includes('Idle') && !busy; }""", timeout=timeout * 1000)

def run_cell(page, i:int, timeout:float=300):
    "Select cell i of the notebook in command mode and press Shift+Enter, as a person would; then wait until it has run."
    page.evaluate("""(i) => { const nb = window.jupyterapp.shell.currentWidget.content;
        nb.mode = 'command'; nb.activeCellIndex = i; nb.node.focus(); nb.activeCell.node.scrollIntoView(); }""", i)
    page.keyboard.press('Shift+Enter')
    page.wait_for_function("""(i) => { const c = window.jupyterapp.shell.currentWidget.content.widgets[i];
        const p = c.node.querySelector('.jp-InputPrompt');
        return c.model.executionCount !== null && !(p && p.textContent.includes('*')); }""", arg=i, timeout=timeout * 1000)
    wait_idle(page, timeout)
    err = page.evaluate("""(i) => { const o = window.jupyterapp.shell.currentWidget.content.widgets[i].model.outputs.toJSON();
        return o.filter(x => x.output_type === 'error').map(x => `${x.ename}: ${x.evalue}`).join('; '); }""", i)
    assert not err, f"cell {i} of {NOTEBOOK} failed in JupyterLab: {err}"

def images(page) -> list[str]:
    "The SHA-256 of the bytes each explorer image shows (its <img> src is a blob URL: its data is read back)."
    return page.evaluate("""async () => Promise.all([...document.querySelectorAll('.widget-image')].map(async img => {
        const d = await crypto.subtle.digest('SHA-256', await (await fetch(img.src)).arrayBuffer());
        return [...new Uint8Array(d)].map(b => b.toString(16).padStart(2, '0')).join(''); }))""")

def settled(page, timeout:float=60, quiet:float=3.0) -> list:
    "The explorer's images once they have stayed the same for `quiet` seconds with the kernel idle at every read, or as they are at the timeout."
    deadline = time.time() + timeout
    wait_idle(page, timeout); now, since = images(page), time.time()
    while time.time() - since < quiet and time.time() < deadline:
        time.sleep(0.5); wait_idle(page, timeout)
        if (again := images(page)) != now: now, since = again, time.time()
    return now

def wait_changed(page, before:list, timeout:float=60) -> list:
    "The explorer's images once they differ from `before` and have settled, or as they are at the timeout."
    deadline = time.time() + timeout
    while images(page) == before and time.time() < deadline: time.sleep(0.3)
    return settled(page, max(deadline - time.time(), 5))

def test_capstone_explorer_in_jupyterlab(page, lab):  # the browser first: without one, no server is started
    t0 = time.time()
    cells = needed_cells(json.loads((ROOT / 'nbs' / NOTEBOOK).read_text()))
    try:
        page.goto(f"{lab['base']}/lab/tree/{NOTEBOOK}?token={lab['token']}")
        page.wait_for_function("() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget; "
                               "return w && w.content && w.content.widgets && w.content.widgets.length > 0; }", timeout=120_000)
        wait_idle(page)  # the kernel has started
        shot(page, '1_opened')
        for i in cells: run_cell(page, i)
        out = page.locator('.jp-Cell').nth(cells[-1]).locator('.jp-OutputArea')
        out.locator('.widget-image').first.wait_for(timeout=60_000)
        out.scroll_into_view_if_needed()
        assert 'Traceback' not in out.inner_text(), out.inner_text()[-2000:]
        first = images(page)
        assert len(first) >= 2, f"the explorer shows {len(first)} images"
        widths = page.evaluate("() => [...document.querySelectorAll('.widget-image')].map(i => i.getBoundingClientRect().width)")
        assert min(widths) >= 96, f"images shown {widths} px wide: too small to judge"
        shot(page, '2_explorer')

        caption = out.locator('.widget-text', has=page.locator('label', has_text='caption')).first.locator('input')
        caption.fill('this large bird has a blue belly and a long yellow beak'); caption.press('Enter')
        new = wait_changed(page, first)
        assert all(a != b for a, b in zip(first, new)), f"a new caption changed no image: {first} -> {new}"
        shot(page, '3_caption')

        handle = out.locator('.widget-slider', has=page.locator('label', has_text='z: u1')).locator('.noUi-handle')
        box = handle.bounding_box(); x, y = box['x'] + box['width'] / 2, box['y'] + box['height'] / 2
        page.mouse.move(x, y); page.mouse.down(); page.mouse.move(x + 60, y, steps=5); page.mouse.up()  # drag it to the right
        moved = wait_changed(page, new)
        assert all(a != b for a, b in zip(new, moved)), f"moving the z slider left an image as it was: {new} -> {moved}"  # every model reads z
        shot(page, '4_slider')

        caption.fill(BAD_CAPTION); caption.press('Enter')
        msg = out.locator('.widget-html', has_text='is known to the text encoder')
        msg.wait_for(timeout=60_000)
        assert BAD_CAPTION in msg.inner_text()
        text = out.inner_text()
        assert not any(w in text for w in ('Traceback', 'RunError', 'ValueError')), text[-2000:]  # the message, not an exception
        assert settled(page) == moved, "a bad caption must keep the last good images"  # moved: read once settled
        shot(page, '5_bad_caption')
    except BaseException:
        try: shot(page, 'failed')
        finally: print(f"JupyterLab's log:\n{lab['log'].read_text()[-4000:]}")
        raise
    print(f'browser test: {time.time() - t0:.0f} s from opening the chapter to the last check')
