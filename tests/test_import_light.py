"""Imports stay light (rnnkit never pulls in TensorFlow) and acyclic (rnnkit never imports course)."""

import ast
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
# Every rnnkit module but the one whose job is Keras.
MODULES = ["rnnkit"] + [f"rnnkit.{p.stem}" for p in sorted((ROOT / "rnnkit").glob("*.py"))
                                            if p.stem not in ("__init__", "keras_bridge")]


def test_import_does_not_pull_in_tensorflow():
    assert "rnnkit.layouts" in MODULES
    code = (f"import {', '.join(MODULES)}; import sys; "
            "bad = [m for m in ('tensorflow', 'keras') if m in sys.modules]; "
            "assert not bad, bad")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr


def _imports(path: pathlib.Path, known: set[str]) -> set[str]:
    """The modules of ``known`` that the file at ``path`` imports, anywhere in it."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return found & known


def _module_graph() -> dict[str, set[str]]:
    files = {}
    for package in ("rnnkit", "course"):
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            files[name] = path
    return {name: _imports(path, set(files)) - {name} for name, path in files.items()}


def test_no_import_cycles_and_rnnkit_never_imports_course():
    """Imports inside functions count too: a cycle hidden in a function is still a cycle."""
    graph = _module_graph()
    assert not [m for m, deps in graph.items() if m.startswith("rnnkit") and any(d.startswith("course") for d in deps)]
    state: dict[str, str] = {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = "open"
        for dep in sorted(graph[module]):
            assert state.get(dep) != "open", f"import cycle: {' -> '.join(path + [dep])}"
            if dep not in state:
                visit(dep, path + [dep])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
