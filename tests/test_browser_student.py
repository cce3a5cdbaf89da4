"""A student's JupyterLab, in a real browser: one clear sentence for a wrong answer, no instructor parts.

Headless Chromium (Debian's chromium and chromium-driver, driven by selenium) opens a released
notebook in JupyterLab running from an environment set up as a student's is: the libraries, then
the student wheel with its Jupyter settings. The saved notebook holds a wrong answer; the test
runs it, reads the failing test cell's output, clicks Validate and reads the dialog. It asserts
what the student must see (the sentence naming the mistake, the written question left open) and
what they must not (the checker's traceback, Formgrader, Create Assignment, the Assignment List).
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import venv
from pathlib import Path

import nbformat
import pytest

from course import student_package
from course.sources import REPO

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
                                reason="needs Debian's chromium and chromium-driver (.ci/run installs them)")
NB = "02_simple_rnn"
WRONG = "    return np.tanh(x @ U + h_prev @ W)\n"  # the bias is missing
MISTAKE = "the bias b is missing"
TOKEN = "student-test"
STUB = "    # YOUR CODE HERE\n    raise NotImplementedError()"


@pytest.fixture(scope="module")
def student_prefix(tmp_path_factory) -> Path:
    """A Python environment as a student's: this one's libraries, then the student wheel on top.

    The libraries (and the Jupyter files they install under ``etc/`` and ``share/``) come from
    this environment, as ``pip install`` of the pins would lay them out; the wheel is installed
    with pip, so its Jupyter settings land where a student's would.
    """
    root = tmp_path_factory.mktemp("student_lab")
    prefix = root / "env"
    venv.EnvBuilder(with_pip=False).create(prefix)
    ours = Path(sys.prefix)
    site = next(prefix.glob("lib/python3*/site-packages"))
    (site / "libraries.pth").write_text(next(ours.glob("lib/python3*/site-packages")).as_posix() + "\n")
    shutil.copytree(ours / "etc" / "jupyter", prefix / "etc" / "jupyter")
    (prefix / "share").mkdir(exist_ok=True)
    (prefix / "share" / "jupyter").symlink_to(ours / "share" / "jupyter")
    wheel = student_package.build_wheel(root / "dist")
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                           "--no-warn-script-location", "--prefix", str(prefix), str(wheel)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return prefix


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _student_env(home: Path) -> dict:
    """A fresh home: no user-level Jupyter settings of this machine's user come along."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "PYTHON"))}
    return env | {"HOME": str(home), "JUPYTER_CONFIG_DIR": str(home / ".jupyter"),
                  "JUPYTER_DATA_DIR": str(home / ".local/share/jupyter"),
                  "JUPYTER_RUNTIME_DIR": str(home / ".local/share/jupyter/runtime")}


@pytest.fixture(scope="module")
def lab(student_prefix, tmp_path_factory):
    """JupyterLab from the student environment, serving a copy of the release with a wrong answer."""
    work = tmp_path_factory.mktemp("student_work")
    shutil.copytree(REPO / "release" / NB, work / NB)
    path = work / NB / f"{NB}.ipynb"
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "rnn_step_forward")
    assert STUB in cell.source, cell.source
    cell.source = cell.source.replace(STUB, WRONG)
    nbformat.write(nb, path)
    port = _free_port()
    python = student_prefix / "bin" / "python"
    # -I: the student's environment alone (no PYTHONPATH, no user site): what they have is what runs
    server = subprocess.Popen(
        [python, "-I", "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
         f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={work}", "--LabApp.expose_app_in_browser=True",
         "--allow-root"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=work, env=_student_env(work.parent))
    base = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=2)
            break
        except OSError:
            if server.poll() is not None:
                raise RuntimeError(server.stdout.read())
            time.sleep(0.5)
    yield base, server
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1400,1000", f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    yield driver
    driver.quit()


def _wait(driver, condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.5)
    toolbar = driver.execute_script("return Array.from(document.querySelectorAll('.jp-NotebookPanel-toolbar > *'))"
                                    ".map(e => e.className + ' ' + (e.textContent || '')).join(' | ')")
    raise AssertionError(f"timed out after {seconds} s waiting for {what}; the notebook's toolbar: {toolbar[:3000]}\n"
                         f"page text:\n{driver.find_element('tag name', 'body').text[-2000:]}")


def test_a_student_sees_one_sentence_and_no_instructor_parts(lab, browser):
    base, _ = lab
    browser.get(f"{base}/lab/tree/{NB}/{NB}.ipynb?token={TOKEN}")
    kernel_idle = """
        const app = window.jupyterapp;
        const panel = app && app.shell.currentWidget;
        const kernel = panel && panel.sessionContext && panel.sessionContext.session
                       && panel.sessionContext.session.kernel;
        return Boolean(kernel && kernel.status === 'idle');"""
    _wait(browser, lambda: browser.execute_script(kernel_idle), 120, "the notebook and an idle kernel")

    # The instructor's parts are not there: no plugin, no command, no menu, no page.
    plugins = browser.execute_script("return Array.from(window.jupyterapp.listPlugins ? window.jupyterapp.listPlugins() : [])"
                                     ".filter(id => window.jupyterapp.isPluginActivated(id))")
    nbgrader = sorted(p for p in plugins if p.startswith("@jupyter/nbgrader"))
    assert nbgrader == ["@jupyter/nbgrader:validate-assignment"], nbgrader
    body = browser.find_element("tag name", "body").text
    for label in ("Formgrader", "Manage Assignments", "Create Assignment", "Assignment List", "Error fetching courses"):
        assert label not in body, f"a student's JupyterLab shows {label!r}"
    for page in ("formgrader", "assignments", "courses"):
        try:
            status = urllib.request.urlopen(f"{base}/{page}?token={TOKEN}").status
        except urllib.error.HTTPError as err:
            status = err.code
        assert status == 404, f"/{page} answers {status} in a student's server"

    # Run the notebook up to the wrong answer's test cell: the output is the sentence, nothing else.
    browser.execute_script("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    output = _wait(browser, lambda: next((e.text for e in browser.find_elements(
        "css selector", ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
        if "CheckFailed" in e.text), None), 240, "the failing test cell's output")
    assert MISTAKE in output, output
    assert "Traceback" not in output and "checking.py" not in output and "call_student" not in output, output
    assert len(output.strip().splitlines()) <= 3, output

    # Validate: the dialog names the mistake and the written question left open, without frames.
    validate = _wait(browser, lambda: next((b for b in browser.find_elements(
        "css selector", ".jp-NotebookPanel-toolbar .jp-ToolbarButton .jp-ToolbarButtonComponent")
        if b.text.strip() == "Validate"), None), 30, "the Validate button")
    validate.click()
    dialog = _wait(browser, lambda: next((d.text for d in browser.find_elements("css selector", ".jp-Dialog")
                                          if "rnn_step_forward" in d.text), None), 300, "Validate's result")
    assert MISTAKE in dialog, dialog
    assert "Traceback" not in dialog and "checking.py" not in dialog, dialog
    written = next(c for c in nbformat.read(REPO / "release" / NB / f"{NB}.ipynb", as_version=4).cells
                   if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("grade"))
    title = re.search(r"Question \d+\.\d+", written.source).group(0)
    assert title in dialog and "You did not provide a response" in dialog, dialog
