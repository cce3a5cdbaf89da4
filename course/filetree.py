"""Folders as plain data: ``{relative path: bytes}``, the form a folder crosses the network in.

A Dask worker may run on another machine than the client, so what it grades (the course's
template, a student's notebooks) and what it sends back (the autograded notebook, the feedback
page) travel as dictionaries of bytes, never as paths.
"""

import tempfile
from pathlib import Path

from course.atomic import replace_tree


def read(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder``, keyed by its POSIX path relative to ``folder``."""
    folder = Path(folder)
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()}


def unpack(files: dict[str, bytes], folder: Path) -> None:
    """Write ``files`` below ``folder`` (which may already hold others); no path leaves it."""
    folder = Path(folder).resolve()
    for rel, data in files.items():
        path = (folder / rel).resolve()
        if folder not in path.parents:  # the data came over the network: never trust a path
            raise ValueError(f"{rel!r} points outside {folder}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def replace(files: dict[str, bytes], target: Path) -> None:
    """Make ``target`` hold exactly ``files``, swapped in with one rename (see replace_tree)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{target.name}.in-", dir=target.parent) as staging:
        unpack(files, Path(staging))
        replace_tree(Path(staging), target)
