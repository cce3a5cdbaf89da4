"""The pins in pyproject.toml, environment.yml and constraints.txt must agree."""

import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^\s*-?\s*([A-Za-z0-9_.\-]+)==([^\s#]+)\s*$")


def _pins(lines):
    found = {}
    for line in lines:
        m = PIN.match(line)
        if m:
            found[m.group(1).lower().replace("_", "-")] = m.group(2)
    return found


def pyproject_pins():
    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    pins = _pins(deps)
    assert len(pins) == len(deps), f"every dependency in pyproject.toml must be pinned with ==: {deps}"
    return pins


def test_environment_yml_has_the_same_pins():
    env = _pins((REPO / "environment.yml").read_text().splitlines())
    assert env == pyproject_pins()


def test_constraints_agree_with_direct_pins():
    constraints = _pins((REPO / "constraints.txt").read_text().splitlines())
    for name, version in pyproject_pins().items():
        assert constraints.get(name) == version, f"{name}: pyproject {version}, constraints {constraints.get(name)}"


def test_python_version_is_311():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == ">=3.11,<3.12"
    assert "python=3.11" in (REPO / "environment.yml").read_text()
