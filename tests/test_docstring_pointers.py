"""rnnkit's docstrings point at the notebook sections that define or use each function.

Following d2l, a public function of rnnkit says where the course introduces it, e.g.::

    Defined in notebook 02_simple_rnn, section 2.4 "Unrolling over time".
    Used in notebook 05_lstm, sections 5.5 "Remembering across a long gap" and 5.6 "Looking inside the gates".
    Defined in notebook 03_bptt, section 3.2 "Backward through one step" (subsection "Checking gradients").
    Defined in notebook 07_sentiment, sections 7.1-7.4.

These pointers rot when the notebooks are reorganised, so this file checks them against the
notebooks' jupytext sources (``source/NN_slug/NN_slug.py``, the authoring truth; the .ipynb and
release/ are generated from them). Everything is read with ``ast`` and regular expressions: no
rnnkit module is imported except the exercise registry (so ``rnnkit.keras_bridge`` never drags
in TensorFlow).

What counts as a pointer. Every docstring of ``rnnkit/*.py`` (module, class, function, method)
is cut into sentences (and bullet items); a sentence that says ``notebook``/``notebooks``
followed by a number, or ``section(s) N.M``, is a pointer. In a pointer

* a notebook is named by its directory under ``source/`` (``05_lstm``, not ``05`` or
  ``notebook 5``); any other bare number is an error, because it cannot be checked;
* a section is ``N.M`` (or a range ``N.M-N.K``) and belongs to notebook ``NN``, which the same
  sentence must name; it must exist as a numbered markdown heading (``## N.M Title``);
* a quoted title must directly follow its section number and equal that heading's title;
  ``subsection "Title"`` names an unnumbered heading (``### Title``) inside the section just
  mentioned. A quotation anywhere else in a pointer is an error (it is usually a stale title).

Each failure names the docstring's owner, the pointer sentence and the headings that do exist.

Does the notebook really use it? A pointer that names a notebook (and sections of it) must be
true: the notebook must *refer to* the function, and when sections are named, at least one of
them must. A notebook refers to ``rnnkit.mod.f`` where

1. its code uses it: ``from rnnkit import mod`` ... ``mod.f``, ``from rnnkit.mod import f``,
   ``import rnnkit.mod as m`` ... ``m.f`` (found with ``ast``, so aliases count);
2. its text mentions ``mod.f`` or ``rnnkit.mod.f`` (markdown cells and comments included); or
3. for pointers only: a graded exercise checked there (``check("name", ...)``) forbids
   ``rnnkit.mod.f`` (or one of its methods) in its ``exercises.py``, i.e. the students write
   that function themselves in this section; that is what "Defined in" means for
   ``embedding.oov_bucket`` or ``bptt.linear_head``.

A module docstring's pointer is checked the same way against all public names of the module.

Which functions need a pointer. Every public function and class (``__all__`` where the module
has one, otherwise every top-level ``def``/``class`` without a leading underscore) of
rnnkit.cells, .bptt, .gradcheck, .embedding, .ngram and .plots, and also of .data and
.keras_bridge and .layouts (the notebooks' data and Keras helpers), carries a pointer unless no notebook
refers to it in the sense of 1 and 2 above; for those the test checks that indeed none does.
Rule 3 is left out here on purpose: an exercise that forbids a function is no use of it (the GRU
weights exercise forbids ``layouts.from_keras_weights`` only so that it cannot be misused).
A plain word search is not used either: notebooks define helpers of their own with rnnkit's
names (03_bptt's exercise is called ``rnn_step_backward``, like ``cells.rnn_step_backward``), and
it would miss ``from rnnkit.mod import f as g``. A function that rules 1-2 find in a notebook
also satisfies 1-3 there, so whatever this test demands a pointer for can be given one that
passes the checks above.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
SOURCE = ROOT / "source"
RNNKIT = ROOT / "rnnkit"

REQUIRED_MODULES = ("cells", "bptt", "gradcheck", "embedding", "ngram", "plots", "data", "keras_bridge", "layouts")

POINTER_RE = re.compile(r"\bnotebooks?\s+\d|\bsections?\s+\d+\.\d+")
SLUG_RE = re.compile(r"(?<![\w.])(\d\d)_[a-z][a-z0-9_]*\b")
SECTION_RE = re.compile(
    r'(?<![\w.])(\d+)\.(\d+)(?:\s*[-\u2013]\s*(\d+)\.(\d+))?(?!\.\d)(?:,?\s*"([^"]*)")?')
SUBSECTION_RE = re.compile(r'\bsubsections?\s+"([^"]*)"')
QUOTE_RE = re.compile(r'"[^"]*"')
BARE_NUMBER_RE = re.compile(r"(?<![\w.])\d+(?![\w])")
NBGRADER_MARKER = re.compile(r"^(BEGIN|END) (SOLUTION|HIDDEN TESTS)$")


def _norm(text: str) -> str:
    return " ".join(text.split())


# ---------------------------------------------------------------------------------------------
# The notebooks: headings, sections and what each line refers to
# ---------------------------------------------------------------------------------------------

@dataclasses.dataclass
class Heading:
    level: int
    number: str | None  # "2.4" for "## 2.4 Unrolling over time", None when unnumbered
    title: str
    line: int  # 1-based line of the jupytext source
    end: int = 0  # last line of the section it opens

    def __str__(self):
        return f"{self.number} {self.title}" if self.number else self.title


@dataclasses.dataclass
class Notebook:
    slug: str
    path: pathlib.Path
    text: str
    headings: list[Heading]
    refs: dict[str, set[int]]  # "rnnkit.mod.name" -> lines (code uses and textual mentions)
    exercise_refs: dict[str, set[int]]  # "rnnkit.mod.name" -> lines of checks of exercises forbidding it

    @property
    def sections(self) -> dict[str, Heading]:
        return {h.number: h for h in self.headings if h.number}

    def numbered(self) -> str:
        return "; ".join(str(h) for h in self.headings if h.number) or "(none)"

    def subheadings(self, section: Heading) -> list[Heading]:
        return [h for h in self.headings
                if section.line < h.line <= section.end and h.level > section.level]

    def section_of(self, line: int) -> str | None:
        found = None
        for h in self.headings:
            if h.number and h.line <= line <= h.end:
                found = h.number
        return found


def _markdown_headings(text: str) -> list[Heading]:
    headings, in_markdown = [], False
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        if line.startswith("# %%"):
            in_markdown = "[markdown]" in line
            continue
        if not in_markdown:
            continue
        match = re.match(r"^# (#{1,6})\s+(.*?)\s*$", line)
        if not match or NBGRADER_MARKER.match(match.group(2)):
            continue
        level, title = len(match.group(1)), match.group(2)
        numbered = re.match(r"^(\d+\.\d+)\s+(.*)$", title)
        if numbered:
            headings.append(Heading(level, numbered.group(1), _norm(numbered.group(2)), number))
        else:
            headings.append(Heading(level, None, _norm(title), number))
    for i, h in enumerate(headings):
        h.end = next((later.line - 1 for later in headings[i + 1:] if later.level <= h.level),
                     len(lines))
    return headings


@functools.cache
def public_names(module: str) -> tuple[str, ...]:
    """Public top-level functions and classes of rnnkit.<module>: __all__, else no underscore."""
    tree = ast.parse((RNNKIT / f"{module}.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
            return tuple(ast.literal_eval(node.value))
    return tuple(node.name for node in tree.body
                 if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                 and not node.name.startswith("_"))


@functools.cache
def rnnkit_modules() -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in RNNKIT.glob("*.py") if p.stem != "__init__"))


def _qualify(module: str, name: str) -> str | None:
    """``rnnkit.module.name`` when name is public in rnnkit.module, else None."""
    if module in rnnkit_modules() and name in public_names(module):
        return f"rnnkit.{module}.{name}"
    return None


@functools.cache
def _forbidden_by_exercise() -> dict[str, tuple[str, ...]]:
    from course.registry import all_exercises  # numpy only: never imports TensorFlow

    return {name: ex.forbidden for name, ex in all_exercises().items()}


def _code_refs(tree: ast.AST) -> dict[str, set[int]]:
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
                    add(_qualify(module, alias.name), node.lineno)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("rnnkit.") and alias.name.count(".") == 1 and alias.asname:
                    modules[alias.asname] = alias.name.split(".")[1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            base = ast.unparse(node.value)
            if base in modules:
                add(_qualify(modules[base], node.attr), node.lineno)
            elif base.startswith("rnnkit.") and base.count(".") == 1:
                add(_qualify(base.split(".")[1], node.attr), node.lineno)
        elif isinstance(node, ast.Name) and node.id in direct:
            add(_qualify(*direct[node.id]), node.lineno)
    return refs


def _text_refs(text: str) -> dict[str, set[int]]:
    pattern = re.compile(r"\b(?:rnnkit\.)?(" + "|".join(map(re.escape, rnnkit_modules()))
                         + r")\.([A-Za-z_]\w*)")
    refs = {}
    for number, line in enumerate(text.splitlines(), start=1):
        for match in pattern.finditer(line):
            qualname = _qualify(match.group(1), match.group(2))
            if qualname:
                refs.setdefault(qualname, set()).add(number)
    return refs


def _exercise_refs(tree: ast.AST) -> dict[str, set[int]]:
    forbidden, refs = _forbidden_by_exercise(), {}
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
                and "check" in (getattr(node.func, "id", None), getattr(node.func, "attr", None))):
            for target in forbidden.get(node.args[0].value, ()):
                parts = target.split(".")
                if parts[0] == "rnnkit" and len(parts) >= 3:
                    qualname = _qualify(parts[1], parts[2])
                    if qualname:
                        refs.setdefault(qualname, set()).add(node.lineno)
    return refs


@functools.cache
def notebooks() -> dict[str, Notebook]:
    found = {}
    for path in sorted(SOURCE.glob("*/*.py")):
        if path.stem != path.parent.name:
            continue
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
        refs = _code_refs(tree)
        for qualname, lines in _text_refs(text).items():
            refs.setdefault(qualname, set()).update(lines)
        found[path.stem] = Notebook(path.stem, path, text, _markdown_headings(text), refs,
                                    _exercise_refs(tree))
    return found


# ---------------------------------------------------------------------------------------------
# The pointers
# ---------------------------------------------------------------------------------------------

@dataclasses.dataclass
class Pointer:
    owner: str  # "rnnkit.cells.rnn_step", "rnnkit.ngram.CharNGram.fit" or "rnnkit.ngram (module)"
    target: str  # "rnnkit.cells.rnn_step", "rnnkit.ngram.CharNGram" or "rnnkit.ngram"
    sentence: str
    notebooks: list[str] = dataclasses.field(default_factory=list)
    sections: dict[str, list[str]] = dataclasses.field(default_factory=dict)  # slug -> numbers
    errors: list[str] = dataclasses.field(default_factory=list)


def pointer_sentences(doc: str) -> list[str]:
    """The sentences (and bullet items) of a docstring that point at notebooks."""
    found = []
    for block in re.split(r"\n\s*\n", doc):
        for item in re.split(r"\n\s*(?=[-*] )", block):
            for sentence in re.split(r"(?<=[.!?])\s+", _norm(item)):
                if POINTER_RE.search(sentence):
                    found.append(sentence)
    return found


def parse_pointer(owner: str, target: str, sentence: str) -> Pointer:
    """Parse one pointer sentence and check it against the notebook sources."""
    pointer = Pointer(owner, target, sentence)
    books = notebooks()
    text = re.sub(r"``.*?``", lambda m: " " * len(m.group()), sentence)  # code is not a title
    consumed = []  # spans that are accounted for

    for match in SLUG_RE.finditer(text):
        consumed.append(match.span())
        slug = match.group()
        if slug not in books:
            pointer.errors.append(f"notebook {slug} does not exist under source/ "
                                  f"(notebooks: {', '.join(books)})")
        elif slug not in pointer.notebooks:
            pointer.notebooks.append(slug)

    last_section: tuple[Notebook, Heading] | None = None
    events = sorted([(m.start(), "section", m) for m in SECTION_RE.finditer(text)]
                    + [(m.start(), "subsection", m) for m in SUBSECTION_RE.finditer(text)],
                    key=lambda e: e[0])
    for _, kind, match in events:
        consumed.append(match.span())
        if kind == "subsection":
            title = _norm(match.group(1))
            if last_section is None:
                pointer.errors.append(f'subsection "{title}" follows no section number')
                continue
            book, section = last_section
            subs = book.subheadings(section)
            if title not in [h.title for h in subs]:
                pointer.errors.append(
                    f'section {section.number} of {book.slug} has no subsection "{title}"; its '
                    f"subsections: {'; '.join(h.title for h in subs) or '(none)'}")
            continue
        first, second, range_end_first, range_end_second, title = match.groups()
        number = f"{first}.{second}"
        end = f"{range_end_first}.{range_end_second}" if range_end_first else None
        owners = [slug for slug in pointer.notebooks if int(slug[:2]) == int(first)]
        if not owners:
            pointer.errors.append(f"section {number} belongs to notebook {int(first):02d}_..., "
                                  "which this pointer does not name")
            continue
        book = books[owners[0]]
        sections = book.sections
        wanted = [number] + ([end] if end else [])
        missing = [n for n in wanted if n not in sections]
        if missing:
            pointer.errors.append(f"{book.slug} has no section {' or '.join(missing)}; "
                                  f"its sections: {book.numbered()}")
            continue
        if end:
            if int(range_end_first) != int(first) or sections[end].line <= sections[number].line:
                pointer.errors.append(f"{number}-{end} is not a range of sections of {book.slug}")
                continue
            covered = [n for n, h in sections.items()
                       if sections[number].line <= h.line <= sections[end].line]
            if title is not None:
                pointer.errors.append(f'a title ("{title}") cannot follow the range {number}-{end}')
        else:
            covered = [number]
            if title is not None and _norm(title) != sections[number].title:
                pointer.errors.append(
                    f'section {number} of {book.slug} is titled "{sections[number].title}", '
                    f'not "{_norm(title)}"; its sections: {book.numbered()}')
        pointer.sections.setdefault(book.slug, []).extend(covered)
        last_section = (book, sections[covered[-1]])

    rest = text
    for start, stop in sorted(consumed, reverse=True):
        rest = rest[:start] + " " * (stop - start) + rest[stop:]
    for quote in QUOTE_RE.findall(rest):
        pointer.errors.append(f"quoted text {quote} is not attached to a section number; write "
                              'section N.M "Title" (or subsection "Title" after it)')
    rest = QUOTE_RE.sub(" ", rest)
    bare = BARE_NUMBER_RE.findall(rest)
    for number in bare:
        pointer.errors.append(f"bare number {number!r}: name a notebook by its directory "
                              "(e.g. 05_lstm) and a section as N.M")
    if not pointer.notebooks and not bare and not any("does not exist" in e for e in pointer.errors):
        pointer.errors.append("names no notebook: write its directory, e.g. 'notebook 02_simple_rnn'")
    return pointer


def _docstring_owners(path: pathlib.Path):
    """(owner, target, docstring) for the module and every class, function and method."""
    module = path.stem
    tree = ast.parse(path.read_text(encoding="utf-8"))
    yield f"rnnkit.{module} (module docstring)", f"rnnkit.{module}", ast.get_docstring(tree) or ""

    def walk(node, prefix, top):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}.{child.name}"
                target = top or name
                yield name, target, ast.get_docstring(child) or ""
                yield from walk(child, name, target)

    yield from walk(tree, f"rnnkit.{module}", None)


@functools.cache
def all_pointers() -> tuple[Pointer, ...]:
    return tuple(parse_pointer(owner, target, sentence)
                 for path in sorted(RNNKIT.glob("*.py"))
                 for owner, target, doc in _docstring_owners(path)
                 for sentence in pointer_sentences(doc))


def _pointers_of(owner: str) -> list[Pointer]:
    return [p for p in all_pointers() if p.owner == owner]


def _owners() -> list[str]:
    return list(dict.fromkeys(p.owner for p in all_pointers()))


def _refs(book: Notebook, target: str, exercises: bool) -> set[int]:
    """Lines of ``book`` that refer to target (a function, class or a whole module)."""
    sources = [book.refs] + ([book.exercise_refs] if exercises else [])
    lines = set()
    for refs in sources:
        for qualname, found in refs.items():
            if qualname == target or qualname.startswith(target + "."):
                lines |= found
    return lines


def _where(book: Notebook, lines: set[int]) -> str:
    sections = sorted({book.section_of(line) or "before any section" for line in lines},
                      key=lambda s: [int(x) for x in s.split(".")] if s[0].isdigit() else [0])
    return ", ".join(sections)


# ---------------------------------------------------------------------------------------------
# The tests
# ---------------------------------------------------------------------------------------------

def test_every_notebook_has_numbered_sections():
    books = notebooks()
    assert len(books) >= 9, f"expected the nine notebooks under source/, found {list(books)}"
    for slug, book in books.items():
        numbers = [h.number for h in book.headings if h.number]
        assert numbers, f"{slug}: no '## N.M Title' headings found"
        bad = [n for n in numbers if int(n.split(".")[0]) != int(slug[:2])]
        assert not bad, f"{slug}: sections {bad} do not carry the notebook's number"
        assert len(set(numbers)) == len(numbers), f"{slug}: a section number is used twice: {numbers}"


def test_pointers_are_found():
    """Guards the parser itself: rnnkit has dozens of pointers, in several modules."""
    pointers = all_pointers()
    assert len(pointers) >= 40, [p.sentence for p in pointers]
    assert {p.owner.split(".")[1].split(" ")[0] for p in pointers} >= set(REQUIRED_MODULES)


@pytest.mark.parametrize("owner", _owners())
def test_pointer_names_existing_notebook_sections(owner):
    problems = [f"  pointer: {p.sentence!r}\n" + "\n".join(f"    - {e}" for e in p.errors)
                for p in _pointers_of(owner) if p.errors]
    assert not problems, f"{owner}: stale docstring pointer\n" + "\n".join(problems)


@pytest.mark.parametrize("owner", _owners())
def test_pointer_names_sections_that_use_it(owner):
    books, problems = notebooks(), []
    for pointer in _pointers_of(owner):
        for slug in pointer.notebooks:
            book = books.get(slug)
            if book is None:
                continue  # reported by the test above
            lines = _refs(book, pointer.target, exercises=True)
            if not lines:
                problems.append(f"  pointer: {pointer.sentence!r}\n    - {slug} never refers to "
                                f"{pointer.target} (no use in code, no mention, no exercise on it)")
                continue
            named = pointer.sections.get(slug)
            if named and not any(book.section_of(line) in named for line in lines):
                problems.append(f"  pointer: {pointer.sentence!r}\n    - {pointer.target} does not "
                                f"appear in section(s) {', '.join(named)} of {slug}; it appears in "
                                f"{_where(book, lines)}\n    headings of {slug}: {book.numbered()}")
    assert not problems, f"{owner}: docstring pointer names the wrong place\n" + "\n".join(problems)


@pytest.mark.parametrize("qualname", [f"rnnkit.{m}.{n}" for m in REQUIRED_MODULES for n in public_names(m)])
def test_public_function_has_pointer_unless_unused(qualname):
    if _pointers_of(qualname):
        return
    uses = {slug: lines for slug, book in notebooks().items()
            if (lines := _refs(book, qualname, exercises=False))}
    where = "; ".join(f"{slug} line(s) {sorted(lines)} (section {_where(notebooks()[slug], lines)})"
                      for slug, lines in uses.items())
    assert not uses, (f"{qualname} has no docstring pointer, but notebooks use it: {where}. Add e.g. "
                      f"'Used in notebook NN_slug, section N.M \"Title\".' to its docstring.")


# A self-test of the checker on made-up pointers, so that it cannot silently accept anything.

@pytest.mark.parametrize("sentence, expected", [
    ('Defined in notebook 02_simple_rnn, section 2.4 "Unrolling over time".', None),
    ('Defined in notebook 03_bptt, section 3.2 "Backward through one step" '
     '(subsection "Checking gradients").', None),
    ("Defined in notebook 07_sentiment, sections 7.1-7.4.", None),
    ('Defined in notebook 02_simple_rnn, section 2.9 "Nowhere".', "has no section 2.9; its sections: 2.1 "),
    ('Defined in notebook 02_simple_rnn, section 2.4 "Unrolling in time".', 'titled "Unrolling over time"'),
    ('Defined in notebook 03_bptt, section 3.2, "Checking gradients".', 'titled "Backward through one step"'),
    ('Defined in notebook 03_bptt, section 3.3 (subsection "Checking gradients").', "has no subsection"),
    ("Defined in notebook 02_simple_rnn, section 3.3.", "section 3.3 belongs to notebook 03_"),
    ("Used in notebook 10_transformers.", "notebook 10_transformers does not exist"),
    ("Used in notebooks 02, 05, 06.", "bare number '02'"),
    ('Used in notebook 02_simple_rnn ("the same numbers as Keras" cells).', "is not attached to a section"),
    ("Defined in section 2.4.", "names no notebook"),
])
def test_checker_catches_stale_pointers(sentence, expected):
    assert pointer_sentences(sentence) == [sentence]
    errors = parse_pointer("made-up", "rnnkit.bptt.forward", sentence).errors
    if expected is None:
        assert errors == []
    else:
        assert any(expected in e for e in errors), errors
