"""What a student gets holds no answer key: rnnkit alone (the student wheel) and the release.

The wheel from ``python -m course student-package`` is installed into a fresh virtual
environment (numpy linked in, nothing else of ours). There, no exercise's reference or mistake
model exists in any file, the course's tooling cannot be imported, and the visible checks of a
release notebook still work from its case file alone: they pass the model answer, name a
typical mistake, and leave the hidden tests to the grader.
"""

import inspect
import subprocess
import sys
import textwrap
import venv
from pathlib import Path

import numpy
import pytest

from course import casefiles, registry, student_package
from course.sources import REPO

NB = "02_simple_rnn"


@pytest.fixture(scope="module")
def student_python(tmp_path_factory):
    """The python of a fresh venv with the student wheel installed (offline) and numpy linked."""
    root = tmp_path_factory.mktemp("student")
    wheel = student_package.build_wheel(root / "dist")
    venv.EnvBuilder(with_pip=True).create(root / "venv")
    python = root / "venv" / "bin" / "python"
    done = subprocess.run([python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", wheel],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    # numpy from this environment, on its own: no other package of ours comes along
    linked = root / "numpy_only"
    linked.mkdir()
    site = Path(numpy.__file__).parent.parent
    for entry in site.iterdir():
        if entry.name == "numpy" or entry.name.startswith(("numpy.libs", "numpy-")):
            (linked / entry.name).symlink_to(entry)
    purelib = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    Path(purelib, "numpy_only.pth").write_text(str(linked) + "\n")
    return python, Path(purelib)


def _run(python, code: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([python, "-I", "-c", textwrap.dedent(code)], capture_output=True, text=True, cwd=cwd)


def _significant(text: str) -> set[str]:
    """Lines of code worth comparing: not blank, not comments, not short."""
    return {line.strip() for line in text.splitlines() if len(line.strip()) >= 30 and not line.strip().startswith("#")}


def test_the_student_environment_has_no_course_and_no_answer_key(student_python, tmp_path):
    python, site = student_python
    done = _run(python, """
        import importlib.util, rnnkit, rnnkit.checking, rnnkit.cells, rnnkit.bptt, rnnkit.wire
        assert importlib.util.find_spec("course") is None, "the course's tooling is importable"
        assert importlib.util.find_spec("rnnkit.exercises") is None, "rnnkit.exercises exists"
        print(rnnkit.__file__)
        """, tmp_path)
    assert done.returncode == 0, done.stderr
    installed = Path(done.stdout.strip()).parent
    assert installed.is_relative_to(site), installed
    shipped = "\n".join(p.read_text(encoding="utf-8") for p in installed.rglob("*.py"))
    shipped_lines = _significant(shipped)
    for ex in registry.all_exercises().values():
        for fn in (ex.reference, ex.make_inputs, *(m.fn for m in ex.mistakes)):
            while hasattr(fn, "func"):  # a functools.partial of a mistake model
                fn = fn.func
            code = _significant(inspect.getsource(fn))
            assert not code & shipped_lines, f"{ex.name}: {fn.__name__} is in the student's rnnkit: {code & shipped_lines}"
    for exercises in (REPO / "source").glob("*/exercises.py"):
        leaked = _significant(exercises.read_text(encoding="utf-8")) & shipped_lines
        assert not leaked, f"lines of {exercises.relative_to(REPO)} ship to students: {sorted(leaked)[:3]}"


def test_visible_checks_work_from_the_case_file_alone(student_python, tmp_path):
    python, _ = student_python
    cases = casefiles.path_for(NB, REPO / "release")
    done = _run(python, f"""
        import numpy as np
        from rnnkit.checking import CheckFailed, check

        def rnn_step_forward(x, h_prev, U, W, b):
            return np.tanh(x @ U + h_prev @ W + b)

        def transposed(x, h_prev, U, W, b):
            return np.tanh(x @ U + h_prev @ W.T + b)

        check("rnn_step_forward", rnn_step_forward, cases={str(cases)!r})
        try:
            check("rnn_step_forward", transposed, cases={str(cases)!r})
        except CheckFailed as err:
            print("WRONG:", err)
        check("rnn_step_forward", rnn_step_forward, hidden=True)
        """, tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("rnn_step_forward: correct on"), done.stdout
    assert lines[1].startswith("WRONG: rnn_step_forward is not right yet:") and "W" in lines[1], done.stdout
    assert lines[2] == "rnn_step_forward: its hidden tests are run by the course's grader, outside this notebook."


def test_a_missing_case_file_says_what_to_do(student_python, tmp_path):
    python, _ = student_python
    done = _run(python, """
        from rnnkit.checking import check
        check("rnn_step_forward", lambda x, h_prev, U, W, b: x)
        """, tmp_path)
    assert done.returncode != 0
    assert "NN_name.checks.npz that comes with this notebook" in done.stderr and str(tmp_path) in done.stderr


def test_a_damaged_case_file_says_what_to_do(student_python, tmp_path):
    python, _ = student_python
    (tmp_path / f"{NB}.checks.npz").write_bytes(casefiles.path_for(NB, REPO / "release").read_bytes()[:500])
    done = _run(python, """
        from rnnkit.checking import check
        check("rnn_step_forward", lambda x, h_prev, U, W, b: x)
        """, tmp_path)
    assert done.returncode != 0 and f"The case file {tmp_path / NB}.checks.npz is damaged" in done.stderr, done.stderr
