"""rnnkit's "Defined in" / "Used in" pointers are what course/pointers.py derives from the notebooks.

``python -m course build`` writes them; these tests fail when someone edits a notebook (or a
pointer) and forgets to rebuild, check the derivation on a tiny made-up course, and check the
rewriting of a docstring. Nothing here imports TensorFlow.
"""

import ast
import textwrap

import pytest

from course import pointers

HEADER = "# ---\n# jupyter:\n#   jupytext:\n#     text_representation:\n#       format_name: percent\n# ---\n"


def test_rnnkit_pointers_are_up_to_date():
    stale = pointers.build(check=True)
    assert not stale, f"stale docstring pointers in {[p.name for p in stale]}: run `python -m course build`"


def test_every_function_a_notebook_refers_to_carries_its_pointer():
    derived = pointers.derive()
    assert len(derived) >= 40 and {owner.split(".")[1] for owner in derived} == set(pointers.MODULES)
    for owner, sentences in derived.items():
        module, _, name = owner.removeprefix("rnnkit.").partition(".")
        tree = ast.parse((pointers.RNNKIT / f"{module}.py").read_text(encoding="utf-8"))
        node = next((n for n in tree.body if getattr(n, "name", None) == name), None) if name else tree
        doc = ast.get_docstring(node) if node is not None else None
        assert doc is not None, f"{owner}: a notebook refers to it, but it has no docstring for its pointer"
        assert " ".join(doc.split("\n\n")[-1].split()) == " ".join(sentences), owner


def test_no_pointer_outside_the_generated_paragraph():
    for path in sorted(pointers.RNNKIT.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                head, last = pointers._split_last_paragraph(ast.get_docstring(node) or "")
                body = head if pointers.POINTER_START.match(last) else f"{head}\n\n{last}"
                assert not pointers.STRAY.search(body), f"{path.name}: {getattr(node, 'name', 'module')}"


def _notebook(tmp_path, slug, body):
    folder = tmp_path / slug
    folder.mkdir()
    (folder / f"{slug}.py").write_text(HEADER + textwrap.dedent(body), encoding="utf-8")


def test_derivation_on_a_tiny_course(tmp_path):
    _notebook(tmp_path, "01_a", '''
        # %%
        from rnnkit import cells

        # %% [markdown]
        # ## 1.1 Shapes
        # No rnnkit here.

        # %% [markdown]
        # ## 1.2 One step

        # %%
        h, _ = cells.rnn_step(x, h, p)

        # %% [markdown]
        # ## Summary
        # `cells.rnn_step` again, outside any numbered section.
        ''')
    _notebook(tmp_path, "02_b", '''
        # %%
        from rnnkit.cells import rnn_step as step
        from rnnkit.checking import check

        # %% [markdown]
        # ## 2.1 Forward

        # %%
        def forward(xs, p):
            ...

        # %%
        check("tiny_forward", forward)

        # %% [markdown]
        # ## 2.2 Reuse

        # %%
        step(x, h, p)
        ''')
    derived = pointers.derive(tmp_path, forbidden={"tiny_forward": ("rnnkit.bptt.forward", "keras")},
                              modules=("cells", "bptt"), module_pointers=("bptt",))
    assert derived == {
        "rnnkit.cells.rnn_step": ['Defined in notebook 01_a, section 1.2 "One step".',
                                  'Used in notebook 02_b, section 2.2 "Reuse".'],
        "rnnkit.bptt": ['Defined in notebook 02_b, section 2.1 "Forward".'],
        "rnnkit.bptt.forward": ['Defined in notebook 02_b, section 2.1 "Forward".'],
    }


@pytest.mark.parametrize("raw, wanted, expected", [
    # the last paragraph is replaced, the rest kept as it was
    ("Summary.\n\n    Body.\n\n    Used in notebook 01_x.\n    ", ["Defined in notebook 02_y."],
     "Summary.\n\n    Body.\n\n    Defined in notebook 02_y.\n    "),
    # a one-line docstring gets a paragraph (and its quotes a line of their own), and loses it again
    ("Summary.", ["Defined in notebook 02_y."], "Summary.\n\n    Defined in notebook 02_y.\n    "),
    ("Summary.\n\n    Defined in notebook 02_y.\n    ", [], "Summary."),
    ("Summary.\n\n    Body.\n    ", [], "Summary.\n\n    Body.\n    "),
])
def test_rewrite_docstring(raw, wanted, expected):
    assert pointers.rewrite_docstring(raw, "    ", wanted) == expected


def test_a_hand_written_pointer_elsewhere_is_refused():
    with pytest.raises(ValueError, match="outside the docstring's last paragraph"):
        pointers.rewrite_docstring("Summary. Used in notebook 02_y, section 2.1.\n\n    Body.\n    ", "    ",
                                   ["Defined in notebook 02_y."])


def test_long_sentences_wrap_without_orphaned_numbers():
    sentence = "Used in notebook 03_bptt, sections 3.3 and 3.7, and notebook 04_architecture_zoo, " \
               "sections 4.4 and 4.5, and notebook 05_lstm, section 5.1."
    lines = pointers.paragraph([sentence], "    ")
    assert len(lines) > 1 and all(len(line) <= pointers.WIDTH for line in lines)
    assert not any(line.rstrip().endswith((" and", "section", "sections", "notebook")) for line in lines)
    assert " ".join(line.strip() for line in lines) == sentence
