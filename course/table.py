"""The README's table of notebooks: derived from the notebooks, run times measured.

One row per notebook: its title (the lecture section), its exercises, automatic and manual
points, how long its core (and its optional part) takes a student, as the intro's ``**Time.**``
line says, and how long the source notebook (with model answers) takes to run with nbclient.
The total row sums them: the week's core time is the sum of the notebooks' core times.
``python -m course table --measure`` runs every notebook and records the times in
``benchmarks/notebook_times.json``; ``python -m course build`` writes the table into README.md
between two markers from the notebooks and that file (so nothing checks the README by hand:
``build --check`` finds a stale table like any other generated file).
"""

import contextlib
import json
import re
import shutil
import tempfile
import time
from pathlib import Path

from course import notebooks as nbs
from course import release, sources

TIMES = sources.REPO / "benchmarks" / "notebook_times.json"
BEGIN = "<!-- notebook table: written by python -m course build (times: python -m course table --measure) -->"
END = "<!-- end of notebook table -->"
TIME_MARK = "**Time.**"
TIME_EXAMPLE = ("`# **Time.** Core: about 40 minutes (sections 2.1 to 2.6, Exercises 2.1 to 2.5). "
                "Optional: section 2.7, about 5 minutes.` (or `... Nothing in this notebook is optional.`)")
_MINUTES = re.compile(r"\b(\d+)\s*(?:minutes|min)\b", re.IGNORECASE)
_OPTIONAL = re.compile(r"\boptional\b", re.IGNORECASE)
_NOTHING_OPTIONAL = re.compile(r"\bnothing in this notebook is optional\b", re.IGNORECASE)


def time_budget(nb) -> tuple[int, int | None]:
    """(core minutes, optional minutes or None) from the ``**Time.**`` paragraph of the intro.

    The intro is the notebook's first markdown cell. In the paragraph, what comes before the word
    "optional" states the core time (one "N minutes"), what follows it the optional part's (one
    "N minutes", or none after "Nothing in this notebook is optional"). Raises ValueError saying
    what is wrong and how to write the line.
    """
    intro = next((c.source for c in nb.cells if c.cell_type == "markdown"), "")
    if TIME_MARK not in intro:
        raise ValueError(f"the intro (first markdown cell) has no {TIME_MARK} line; end it with {TIME_EXAMPLE}")
    paragraph = " ".join(intro.split(TIME_MARK, 1)[1].split("\n\n", 1)[0].split())
    core_text, *optional_text = _OPTIONAL.split(paragraph, 1)
    core = _MINUTES.findall(core_text)
    if len(core) != 1:
        raise ValueError(f"the {TIME_MARK} line should state the core time once, as \"about N minutes\" before "
                         f"anything optional, but says {paragraph!r}; write it like {TIME_EXAMPLE}")
    if not optional_text or _NOTHING_OPTIONAL.search(paragraph):
        return int(core[0]), None
    optional = _MINUTES.findall(optional_text[0])
    if len(optional) != 1:
        raise ValueError(f"the {TIME_MARK} line names an optional part but not once how long it takes "
                         f"(\"about N minutes\" after \"optional\"): {paragraph!r}; write it like {TIME_EXAMPLE}")
    return int(core[0]), int(optional[0])


def run_seconds(path: Path, timeout: int = 600) -> float:
    """Wall-clock seconds to execute a notebook from a fresh kernel (in a copy of its folder,
    so that nothing it writes lands in source/)."""
    from nbclient import NotebookClient

    nb = nbs.read(path)
    release.ensure_tools_on_path()
    with tempfile.TemporaryDirectory(prefix="rnn-course-table-") as tmp:
        work = Path(tmp) / path.parent.name
        shutil.copytree(path.parent, work)
        start = time.perf_counter()
        NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(work)}}).execute()
        return time.perf_counter() - start


def rows(source: Path = sources.SOURCE, timed: bool = True, times: dict | None = None) -> list[dict]:
    """One dict per notebook: notebook, title, exercises, automatic, manual, core_minutes,
    optional_minutes (None: nothing optional), seconds.

    seconds: measured now when ``timed``, else taken from ``times`` (notebook -> s), else None.
    A notebook whose intro does not state its time is an error (``course build`` lints it first).
    """
    result = []
    for a in sources.assignments(source):
        path = Path(source) / a / f"{a}.ipynb"
        nb = nbs.read(path)
        auto, manual = nbs.points(nb)
        try:
            core, optional = time_budget(nb)
        except ValueError as err:
            raise ValueError(f"{path}: {err}") from None
        result.append({
            "notebook": a,
            "title": nbs.title(nb),
            "exercises": [answer.grade_id for answer, _ in nbs.exercises(nb)],
            "automatic": auto,
            "manual": manual,
            "core_minutes": core,
            "optional_minutes": optional,
            "seconds": round(run_seconds(path), 1) if timed else (times or {}).get(a),
        })
    return result


def hours(minutes: int) -> str:
    """Minutes as hours and minutes: ``6 h 15 min``."""
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def markdown(table: list[dict]) -> str:
    """The rows as the README's markdown table (with a total row)."""
    lines = ["| notebook | lecture section | exercises | automatic points | manual points | core time (min) "
             "| optional (min) | run time (s) |",
             "|---|---|---|---:|---:|---:|---:|---:|"]
    for r in table:
        names = ", ".join(f"`{n}`" for n in r["exercises"])
        optional = "none" if r["optional_minutes"] is None else f"{r['optional_minutes']}"
        seconds = "not measured" if r["seconds"] is None else f"{r['seconds']:.0f}"
        lines.append(f"| {r['notebook']} | {r['title']} | {len(r['exercises'])}: {names} | "
                     f"{r['automatic']:g} | {r['manual']:g} | {r['core_minutes']} | {optional} | {seconds} |")
    if table:
        core = sum(r["core_minutes"] for r in table)
        optional = sum(r["optional_minutes"] or 0 for r in table)
        timed = [r["seconds"] for r in table if r["seconds"] is not None]
        untimed = [r["notebook"] for r in table if r["seconds"] is None]
        total_s = f"{sum(timed):.0f}" if timed else ""
        if timed and untimed:
            total_s += f" (without {', '.join(untimed)})"
        lines.append(f"| **total** | | {sum(len(r['exercises']) for r in table)} | "
                     f"{sum(r['automatic'] for r in table):g} | {sum(r['manual'] for r in table):g} | "
                     f"{core} ({hours(core)}) | {optional} ({hours(optional)}) | {total_s} |")
    return "\n".join(lines) + "\n"


def as_json(table: list[dict]) -> str:
    """The rows as JSON."""
    return json.dumps(table, indent=1) + "\n"


def recorded_times(path: Path = TIMES) -> dict[str, float]:
    """notebook -> seconds, as ``table --measure`` last recorded them (empty if never)."""
    return json.loads(path.read_text(encoding="utf-8"))["seconds"] if path.exists() else {}


def measure(source: Path = sources.SOURCE, path: Path = TIMES) -> list[dict]:
    """Run every notebook, record the times in ``path`` (with the machine), return the rows."""
    table = rows(source, timed=True)
    path.write_text(json.dumps({"machine": machine(), "seconds": {r["notebook"]: r["seconds"] for r in table}},
                               indent=1) + "\n", encoding="utf-8")
    return table


def cpu_model() -> str:
    """The CPU's model name (Linux), else what the platform says."""
    import platform

    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def machine() -> str:
    """This machine in a few words: CPU model, cores, Python (for the record beside a timing)."""
    import os
    import platform

    return f"{cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def update_readme(readme: Path, source: Path = sources.SOURCE, check: bool = False, times: Path = TIMES) -> bool:
    """Write (or with ``check`` compare) the table between README's markers; True if it was stale.

    A README without the markers is left alone (a course need not publish the table).
    """
    text = readme.read_text(encoding="utf-8") if readme.exists() else ""
    if BEGIN not in text or END not in text:
        return False
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    fresh = f"{head}{BEGIN}\n{markdown(rows(source, timed=False, times=recorded_times(times)))}{END}{tail}"
    if fresh == text:
        return False
    if not check:
        readme.write_text(fresh, encoding="utf-8")
    return True
