"""The HTML pages the course writes itself, rendered from the templates in ``course/templates/``.

nbgrader writes the ordinary feedback; these are the notices around it (a submission that could
not be graded, one graded from its isolated verdicts alone, the no-sandbox banner). Jinja2
escapes every value, since all of them are text: a student's name, an error message.
"""

import functools
from pathlib import Path

import jinja2

TEMPLATES = Path(__file__).resolve().parent / "templates"


@functools.lru_cache(maxsize=None)
def _environment() -> jinja2.Environment:
    """One Jinja2 environment per process; a missing value is an error, not an empty string."""
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                              keep_trailing_newline=True, undefined=jinja2.StrictUndefined)


def render(name: str, **values) -> str:
    """The template ``course/templates/<name>`` filled in with ``values``."""
    return _environment().get_template(name).render(**values)
