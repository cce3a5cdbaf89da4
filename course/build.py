"""``python -m course build [--check]``: lint, regenerate source notebooks, case files, the release.

With ``--check`` nothing is written: the release is generated into a temporary folder and
compared byte for byte with ``release/``; any difference (or a stale source notebook, or a lint
problem) fails the check.
"""

import filecmp
import shutil
import tempfile
from pathlib import Path

from course import casefiles, lint, pointers, release, sources, table

RELEASE = sources.REPO / "release"
README = sources.REPO / "README.md"


def tree_differences(expected: Path, actual: Path) -> list[str]:
    """Relative paths that differ between two folders (missing, extra or changed files)."""
    def files(root: Path) -> set[str]:
        if not root.exists():
            return set()
        # Only assignment folders count: a README or .gitkeep at the top is not generated.
        return {p.relative_to(root).as_posix() for p in root.rglob("*")
                if p.is_file() and len(p.relative_to(root).parts) > 1 and ".ipynb_checkpoints" not in p.parts}

    want, have = files(expected), files(actual)
    diffs = [f"missing: {p}" for p in sorted(want - have)] + [f"not generated from source: {p}" for p in sorted(have - want)]
    diffs += [f"differs: {p}" for p in sorted(want & have) if not filecmp.cmp(expected / p, actual / p, shallow=False)]
    return diffs


def build(check: bool = False, source: Path = sources.SOURCE, release_dir: Path = RELEASE,
          readme: Path | None = README, say=print) -> bool:
    """Lint, then write (or with ``check`` only compare) source notebooks, case files, the release
    and README's table of notebooks; True if OK."""
    problems = lint.lint(source)
    if problems:
        say("the source notebooks have problems:", *problems, sep="\n  ")
        return False
    assignments = sources.assignments(source)
    stale = sources.build(source, check=check) + casefiles.build(source, check=check)
    stale += pointers.build(check=check, source=source)
    if readme is not None and table.update_readme(Path(readme), source, check=check):
        stale.append(Path(readme))
    if check and stale:
        say("out of date (run `python -m course build`):", *stale, sep="\n  ")
        return False
    release_dir = Path(release_dir)
    if check:
        with tempfile.TemporaryDirectory(prefix="rnn-course-check-") as tmp:
            fresh = Path(tmp) / "release"
            fresh.mkdir()
            release.generate(assignments, source, fresh)
            diffs = tree_differences(fresh, release_dir)
        if diffs:
            say("release/ is out of date (run `python -m course build`):", *diffs, sep="\n  ")
            return False
        say(f"up to date: {len(assignments)} assignments")
        return True
    release_dir.mkdir(parents=True, exist_ok=True)
    release.generate(assignments, source, release_dir)
    for old in sorted(p for p in release_dir.iterdir() if p.is_dir() and p.name not in assignments):
        if any(old.glob("*.ipynb")):  # an assignment whose source was removed
            shutil.rmtree(old)
    say(f"built {len(assignments)} assignments")
    return True
