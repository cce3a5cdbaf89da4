"""The pointers from rnnkit's docstrings to the notebook sections that define and use each function.

Following d2l, a public function of rnnkit says where the course introduces it; the last
paragraph of its docstring reads, e.g.::

    Defined in notebook 02_simple_rnn, section 2.4 "Unrolling over time".
    Used in notebook 05_lstm, sections 5.5 "Remembering across a long gap" and 5.6 "Looking inside the gates".

``python -m course build`` writes these paragraphs from the notebooks' jupytext sources
(``source/NN_slug/NN_slug.py``) and the exercises' ``forbidden`` lists; ``build --check`` lists the
rnnkit files whose pointers are stale. Nobody writes them by hand.

A notebook *refers to* ``rnnkit.mod.f`` where

1. its code uses it: ``from rnnkit import mod`` ... ``mod.f``, ``from rnnkit.mod import f``,
   ``import rnnkit.mod as m`` ... ``m.f`` (read with ``ast``, so aliases count and a helper of
   the notebook's own that shares a name with rnnkit's does not);
2. its text mentions ``mod.f`` or ``rnnkit.mod.f`` (markdown cells and comments included); or
3. a graded exercise checked there (``check("name", ...)``) forbids ``rnnkit.mod.f`` (or one of
   its methods) in its ``exercises.py``: the students write that function themselves there.

A reference lies in the section of the numbered heading (``## N.M Title``) above it (one
outside every numbered section, such as an import at the top, names the notebook only).
"Defined in" is the first section in course order where rule 3 holds and rule 1 or 2 too,
else the first where rule 1 or 2 holds, else the first where rule 3 does (see :func:`where`);
"Used in" lists the other notebooks that refer to it, with their sections (a few at most:
more are a range or the notebook alone). The module docstrings of :data:`MODULE_POINTERS` say
which notebooks define the module's functions and which others use them.
"""

from __future__ import annotations

import ast
import dataclasses
import re
import textwrap
from pathlib import Path

from course import sources

RNNKIT = sources.REPO / "rnnkit"

# The modules whose public functions and classes carry pointers (the others are infrastructure:
# checking, the engine, the wire format); and those whose module docstring has one too.
MODULES = ("cells", "bptt", "gradcheck", "embedding", "ngram", "plots", "data", "keras_bridge", "layouts")
MODULE_POINTERS = ("bptt", "data", "embedding", "keras_bridge", "ngram")

WIDTH = 100  # a sentence longer than LONGEST is wrapped to lines of this many characters
LONGEST = 109
TITLED = 2  # a sentence names sections with their titles when it names at most this many
NUMBERED = 4  # a notebook's sections are named up to this many (more: a range if they follow
#               each other, else the notebook alone; with three notebooks or more, two)

POINTER_START = re.compile(r"(Defined|Used) in notebooks? \d\d_")
# Pointer-like text anywhere in a docstring; outside the generated paragraph it is an error.
STRAY = re.compile(r"\bnotebooks? \d|\bsections? \d+\.\d+")
NBGRADER_MARKER = re.compile(r"^(BEGIN|END) (SOLUTION|HIDDEN TESTS)$")


# ---------------------------------------------------------------------------------------------
# What the notebooks refer to
# ---------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Section:
    notebook: str
    number: str  # "2.4"
    title: str  # "Unrolling over time"
    line: int  # 1-based line of its heading in the jupytext source
    end: int  # last line of the section


@dataclasses.dataclass
class Notebook:
    slug: str
    sections: list[Section]
    refs: dict[str, set[int]]  # "rnnkit.mod.name" -> lines that use or mention it (rules 1-2)
    exercise_refs: dict[str, set[int]]  # "rnnkit.mod.name" -> lines of checks that forbid it (rule 3)

    def section_of(self, line: int) -> Section | None:
        return next((s for s in reversed(self.sections) if s.line <= line <= s.end), None)


def public_names(module: str, rnnkit: Path = RNNKIT) -> tuple[str, ...]:
    """Public top-level functions and classes of rnnkit.<module>: ``__all__``, else no underscore."""
    tree = ast.parse((Path(rnnkit) / f"{module}.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
            return tuple(ast.literal_eval(node.value))
    return tuple(node.name for node in tree.body
                 if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                 and not node.name.startswith("_"))


class _Names:
    """``rnnkit.mod.name`` for the public names of rnnkit's modules."""

    def __init__(self, rnnkit: Path):
        self.modules = sorted(p.stem for p in Path(rnnkit).glob("*.py") if p.stem != "__init__")
        self.public = {m: set(public_names(m, rnnkit)) for m in self.modules}

    def qualify(self, module: str, name: str) -> str | None:
        return f"rnnkit.{module}.{name}" if name in self.public.get(module, ()) else None


def _headings(text: str) -> list[tuple[int, int, str]]:
    """(level, line, title) of every markdown heading of a jupytext percent source."""
    found, in_markdown = [], False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("# %%"):
            in_markdown = "[markdown]" in line
            continue
        match = re.match(r"^# (#{1,6})\s+(.*?)\s*$", line) if in_markdown else None
        if match and not NBGRADER_MARKER.match(match.group(2)):
            found.append((len(match.group(1)), number, " ".join(match.group(2).split())))
    return found


def _sections(slug: str, text: str) -> list[Section]:
    """The numbered sections; one ends where a heading of its level or above begins."""
    headings, last = _headings(text), len(text.splitlines())
    sections = []
    for i, (level, line, title) in enumerate(headings):
        numbered = re.match(r"^(\d+\.\d+)\s+(.*)$", title)
        if numbered:
            end = next((later - 1 for lvl, later, _ in headings[i + 1:] if lvl <= level), last)
            sections.append(Section(slug, numbered.group(1), numbered.group(2), line, end))
    return sections


def _code_refs(tree: ast.AST, names: _Names) -> dict[str, set[int]]:
    modules, direct, refs = {}, {}, {}

    def add(qualname, line):
        if qualname:
            refs.setdefault(qualname, set()).add(line)

    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "rnnkit":
            for alias in node.names:
                if node.module == "rnnkit":
                    modules[alias.asname or alias.name] = alias.name
                elif node.module.count(".") == 1:
                    module = node.module.split(".")[1]
                    direct[alias.asname or alias.name] = (module, alias.name)
                    add(names.qualify(module, alias.name), node.lineno)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("rnnkit.") and alias.name.count(".") == 1 and alias.asname:
                    modules[alias.asname] = alias.name.split(".")[1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            base = ast.unparse(node.value)
            if base in modules:
                add(names.qualify(modules[base], node.attr), node.lineno)
            elif base.startswith("rnnkit.") and base.count(".") == 1:
                add(names.qualify(base.split(".")[1], node.attr), node.lineno)
        elif isinstance(node, ast.Name) and node.id in direct:
            add(names.qualify(*direct[node.id]), node.lineno)
    return refs


def _text_refs(text: str, names: _Names) -> dict[str, set[int]]:
    pattern = re.compile(r"\b(?:rnnkit\.)?(" + "|".join(map(re.escape, names.modules)) + r")\.([A-Za-z_]\w*)")
    refs = {}
    for number, line in enumerate(text.splitlines(), start=1):
        for match in pattern.finditer(line):
            qualname = names.qualify(match.group(1), match.group(2))
            if qualname:
                refs.setdefault(qualname, set()).add(number)
    return refs


def _exercise_refs(tree: ast.AST, forbidden: dict[str, tuple[str, ...]], names: _Names) -> dict[str, set]:
    refs = {}
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
                and "check" in (getattr(node.func, "id", None), getattr(node.func, "attr", None))):
            for target in forbidden.get(node.args[0].value, ()):
                parts = target.split(".") + ["", ""]
                if parts[0] == "rnnkit" and (qualname := names.qualify(parts[1], parts[2])):
                    refs.setdefault(qualname, set()).add(node.lineno)
    return refs


def notebooks(source: Path = sources.SOURCE, forbidden: dict[str, tuple[str, ...]] | None = None,
              rnnkit: Path = RNNKIT) -> dict[str, Notebook]:
    """Every notebook of ``source`` in course order, with what it refers to and where.

    forbidden: exercise name -> its ``forbidden`` list (default: the course's exercises).
    """
    if forbidden is None:
        from course import registry

        forbidden = {name: ex.forbidden for name, ex in registry.all_exercises(source).items()}
    names, found = _Names(rnnkit), {}
    for slug in sources.assignments(source):
        text = (Path(source) / slug / f"{slug}.py").read_text(encoding="utf-8")
        tree = ast.parse(text)
        refs = _code_refs(tree, names)
        for qualname, lines in _text_refs(text, names).items():
            refs.setdefault(qualname, set()).update(lines)
        found[slug] = Notebook(slug, _sections(slug, text), refs, _exercise_refs(tree, forbidden, names))
    return found


# ---------------------------------------------------------------------------------------------
# Where each function is defined and used
# ---------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Place:
    notebook: str
    sections: tuple[Section, ...] = ()  # in notebook order; empty: the notebook as a whole


@dataclasses.dataclass(frozen=True)
class Where:
    defined: tuple[Place, ...]  # one place for a function; a module's functions may have several
    used: tuple[Place, ...]  # the other notebooks, in course order


def _lines(refs: dict[str, set[int]], target: str) -> set[int]:
    return set().union(*(lines for q, lines in refs.items() if q == target or q.startswith(target + ".")))


def _place(book: Notebook, lines: set[int]) -> Place:
    """The sections of ``lines`` (lines outside any section, such as imports at the top, add none)."""
    found = {book.section_of(line) for line in lines} - {None}
    return Place(book.slug, tuple(sorted(found, key=lambda s: s.line)))


def where(target: str, books: dict[str, Notebook]) -> Where | None:
    """Where the course defines and uses ``rnnkit.mod.name``; None if no notebook refers to it.

    Defined: the first section where an exercise has students write it and the code or text
    names it; else the first section that names it (an exercise's forbidden list also holds the
    neighbours that would do its job: 3.2's one-step backward forbids ``truncated_backward``,
    which 3.6 introduces); else the first section where an exercise has students write it.
    """
    both, named, written = [], [], []
    for book in books.values():
        exercised = _place(book, _lines(book.exercise_refs, target)).sections
        mentioned = _place(book, _lines(book.refs, target)).sections
        both += [s for s in exercised if s in mentioned]
        named += mentioned
        written += exercised
    referring = {slug: lines for slug, book in books.items()
                 if (lines := _lines(book.refs, target) | _lines(book.exercise_refs, target))}
    if not referring:
        return None
    first = (both or named or written or [None])[0]
    home = first.notebook if first else next(iter(referring))
    defined = Place(home, (first,) if first else ())
    used = tuple(_place(books[slug], lines) for slug, lines in referring.items() if slug != home)
    return Where((defined,), used)


def module_where(module: str, books: dict[str, Notebook], rnnkit: Path = RNNKIT) -> Where | None:
    """A module is defined where its functions are (with the sections when that is one notebook)
    and used in the other notebooks that refer to them."""
    found = [w for name in public_names(module, rnnkit) if (w := where(f"rnnkit.{module}.{name}", books))]
    if not found:
        return None
    homes = sorted({w.defined[0].notebook for w in found})
    used = sorted({p.notebook for w in found for p in w.used} - set(homes))
    if len(homes) == 1:
        sections = sorted({s for w in found for s in w.defined[0].sections}, key=lambda s: s.line)
        defined = (Place(homes[0], tuple(sections)),)
    else:
        defined = tuple(Place(slug) for slug in homes)
    return Where(defined, tuple(Place(slug) for slug in used))


# ---------------------------------------------------------------------------------------------
# The sentences
# ---------------------------------------------------------------------------------------------

def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _sections_text(place: Place, books: dict[str, Notebook], titled: bool, most: int) -> str:
    """``section 2.4 "Title"``, ``sections 5.5 and 5.6``, ``sections 7.1-7.4``, or '' when there
    are more than ``most`` sections that do not follow each other."""
    sections = place.sections
    if not sections:
        return ""
    names = [f'{s.number} "{s.title}"' if titled else s.number for s in sections]
    if len(sections) <= 2:
        return ("section " if len(sections) == 1 else "sections ") + _join(names)
    order = books[place.notebook].sections
    first = order.index(sections[0])
    if order[first:first + len(sections)] == list(sections):
        return f"sections {sections[0].number}-{sections[-1].number}"
    return "sections " + _join(names) if len(sections) <= most else ""


def _places_text(places: tuple[Place, ...], books: dict[str, Notebook]) -> str:
    """``notebook A, section 1.2 "Title"``; ``notebook A, sections 1.2 and 1.4, and notebook B,
    section 2.1``; for three notebooks or more ``notebooks A (section 1.2), B and C``. Titles
    only when at most two sections are named; at most a few sections a notebook."""
    titled = sum(len(p.sections) for p in places) <= TITLED
    if len(places) >= 3:
        parts = [(p.notebook, _sections_text(p, books, False, 2)) for p in places]
        return "notebooks " + _join([f"{slug} ({text})" if text else slug for slug, text in parts])
    parts = [(p.notebook, _sections_text(p, books, titled, NUMBERED)) for p in places]
    if not any(text for _, text in parts):
        return ("notebook " if len(parts) == 1 else "notebooks ") + _join([slug for slug, _ in parts])
    texts = [f"notebook {slug}, {text}" if text else f"notebook {slug}" for slug, text in parts]
    return texts[0] if len(texts) == 1 else (", and " if parts[0][1] else " and ").join(texts)


def sentences(found: Where, books: dict[str, Notebook]) -> list[str]:
    """The pointer sentences of a :class:`Where`."""
    result = [f"Defined in {_places_text(found.defined, books)}."]
    if found.used:
        result.append(f"Used in {_places_text(found.used, books)}.")
    return result


def derive(source: Path = sources.SOURCE, forbidden: dict[str, tuple[str, ...]] | None = None,
           rnnkit: Path = RNNKIT, modules=MODULES, module_pointers=MODULE_POINTERS) -> dict[str, list[str]]:
    """``"rnnkit.mod.name"`` (or ``"rnnkit.mod"`` for a module docstring) -> its pointer sentences,
    for every public function and class of ``modules`` that some notebook refers to."""
    books = notebooks(source, forbidden, rnnkit)
    result = {}
    for module in modules:
        if module in module_pointers and (found := module_where(module, books, rnnkit)):
            result[f"rnnkit.{module}"] = sentences(found, books)
        for name in public_names(module, rnnkit):
            if found := where(f"rnnkit.{module}.{name}", books):
                result[f"rnnkit.{module}.{name}"] = sentences(found, books)
    return result


# ---------------------------------------------------------------------------------------------
# Writing them into the docstrings
# ---------------------------------------------------------------------------------------------

def _docstrings(tree: ast.Module, module: str):
    """(owner, its docstring's node or None, the docstring's indent) for the module and its
    top-level functions and classes."""
    def first_string(node):
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            return body[0].value
        return None

    yield f"rnnkit.{module}", first_string(tree), ""
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield f"rnnkit.{module}.{node.name}", first_string(node), " " * node.body[0].col_offset


def paragraph(lines: list[str], indent: str) -> list[str]:
    """The pointer sentences as docstring lines: one a line, wrapped where one is too long (never
    between "section" and its number, or "and" and a number)."""
    out = []
    for sentence in lines:
        if len(indent + sentence) <= LONGEST:
            out.append(indent + sentence)
            continue
        glued = re.sub(r"\b(sections?|notebooks?|and) (?=\d)", "\\1\u00a0", sentence)
        out += [line.replace("\u00a0", " ") for line in
                textwrap.wrap(glued, WIDTH, initial_indent=indent, subsequent_indent=indent,
                              break_long_words=False, break_on_hyphens=False)]
    return out


def _split_last_paragraph(body: str) -> tuple[str, str]:
    """(everything before the last paragraph, the last paragraph) of a docstring's text."""
    lines = body.split("\n")
    blank = [i for i, line in enumerate(lines) if not line.strip()]
    if not blank:
        return body, ""
    cut = blank[-1]
    head = lines[:cut]
    while head and not head[-1].strip():
        head.pop()
    return "\n".join(head), "\n".join(lines[cut + 1:])


def rewrite_docstring(raw: str, indent: str, wanted: list[str]) -> str:
    """The text between a docstring's quotes with its pointer paragraph replaced by ``wanted``
    (removed when that is empty); everything else is kept as it was."""
    body = raw.rstrip()
    tail = raw[len(body):]
    head, last = _split_last_paragraph(body)
    if last and POINTER_START.match(last.strip()):
        body = head
    if STRAY.search(body):
        raise ValueError(f"a pointer outside the docstring's last paragraph: {body!r}; move it to the end "
                         "(course build writes that paragraph)")
    if wanted:
        body += "\n\n" + "\n".join(paragraph(wanted, indent))
        tail = "\n" + indent  # the closing quotes on a line of their own
    elif "\n" not in body:
        tail = ""  # a one-line docstring again
    return body + tail


def _chars(line: str, col: int) -> int:
    """ast's column (UTF-8 bytes) as an index into the str ``line``."""
    return len(line.encode("utf-8")[:col].decode("utf-8"))


def rewrite(text: str, module: str, pointers: dict[str, list[str]]) -> str:
    """The source of rnnkit.<module> with every pointer paragraph as ``pointers`` says."""
    tree = ast.parse(text)
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    edits = []
    for owner, node, indent in _docstrings(tree, module):
        wanted = pointers.get(owner, [])
        if node is None:
            if wanted:
                raise ValueError(f"{owner} has no docstring to carry its pointer {' '.join(wanted)!r}")
            continue
        start = offsets[node.lineno - 1] + _chars(lines[node.lineno - 1], node.col_offset)
        stop = offsets[node.end_lineno - 1] + _chars(lines[node.end_lineno - 1], node.end_col_offset)
        literal = text[start:stop]
        quote = next(q for q in ('"""', "'''") if literal.rstrip().endswith(q))
        opening = literal.index(quote) + 3
        raw = literal[opening:-3]
        new_raw = rewrite_docstring(raw, indent, wanted)
        if new_raw != raw:
            if "\\" in "".join(wanted) and "r" not in literal[:opening].lower():
                raise ValueError(f"{owner}: a pointer with a backslash needs a raw docstring")
            edits.append((start + opening, stop - 3, new_raw))
    for begin, end, new in sorted(edits, reverse=True):
        text = text[:begin] + new + text[end:]
    return text


def build(check: bool = False, source: Path = sources.SOURCE, rnnkit: Path = RNNKIT) -> list[Path]:
    """Write (or with ``check`` only compare) the pointers of rnnkit's docstrings; return the
    files whose pointers were stale.

    rnnkit's pointers describe this course: building another one (a temporary course in a
    test) leaves them alone unless ``rnnkit`` names a copy to write into.
    """
    if Path(source).resolve() != sources.SOURCE.resolve() and Path(rnnkit).resolve() == RNNKIT.resolve():
        return []
    pointers = derive(source, rnnkit=rnnkit)
    stale = []
    for module in MODULES:
        path = Path(rnnkit) / f"{module}.py"
        text = path.read_text(encoding="utf-8")
        fresh = rewrite(text, module, pointers)
        if fresh != text:
            stale.append(path)
            if not check:
                path.write_text(fresh, encoding="utf-8")
    return stale
