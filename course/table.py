"""``python -m course table``: the README's table of notebooks, measured on this machine.

One row per notebook: its title (the lecture section), its exercises, automatic and manual
points, and how long the source notebook (with model answers) takes to run with nbclient.
"""

import json
import shutil
import tempfile
import time
from pathlib import Path

from course import notebooks as nbs
from course import release, sources


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


def rows(source: Path = sources.SOURCE, timed: bool = True) -> list[dict]:
    """One dict per notebook: notebook, title, exercises, automatic, manual, seconds (or None)."""
    result = []
    for a in sources.assignments(source):
        path = Path(source) / a / f"{a}.ipynb"
        nb = nbs.read(path)
        auto, manual = nbs.points(nb)
        result.append({
            "notebook": a,
            "title": nbs.title(nb),
            "exercises": [answer.grade_id for answer, _ in nbs.exercises(nb)],
            "automatic": auto,
            "manual": manual,
            "seconds": round(run_seconds(path), 1) if timed else None,
        })
    return result


def markdown(table: list[dict]) -> str:
    """The rows as the README's markdown table (with a total row)."""
    lines = ["| notebook | lecture section | exercises | automatic points | manual points | run time (s) |",
             "|---|---|---|---:|---:|---:|"]
    for r in table:
        names = ", ".join(f"`{n}`" for n in r["exercises"])
        seconds = "" if r["seconds"] is None else f"{r['seconds']:.0f}"
        lines.append(f"| {r['notebook']} | {r['title']} | {len(r['exercises'])}: {names} | "
                     f"{r['automatic']:g} | {r['manual']:g} | {seconds} |")
    if table:
        timed = [r["seconds"] for r in table if r["seconds"] is not None]
        total_s = f"{sum(timed):.0f}" if timed else ""
        lines.append(f"| **total** | | {sum(len(r['exercises']) for r in table)} | "
                     f"{sum(r['automatic'] for r in table):g} | {sum(r['manual'] for r in table):g} | "
                     f"{total_s} |")
    return "\n".join(lines) + "\n"


def as_json(table: list[dict]) -> str:
    """The rows as JSON."""
    return json.dumps(table, indent=1) + "\n"
