"""Student ids that are safe as folder names and in nbgrader's gradebook, from any name.

An LMS names students the way people write their names ("Zoë Li", "O'Brien, Seán", "李小龙");
nbgrader needs a plain identifier. A name that already is one (ASCII letters, digits and
``._@+-``) is kept as it is. Any other becomes its ASCII spelling in lower case ("zoe-li") and a
short hash of the name as written, so that the id is the same on every run and two names that
spell alike ("Zoe Li" and "Zoë Li") stay two students.
"""

import hashlib
import re
import unicodedata

SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$")


def is_safe(name: str) -> bool:
    """Whether ``name`` can be used as a student id as it is."""
    return bool(SAFE.match(name))


def slug(name: str) -> str:
    """``name`` in lower-case ASCII, runs of anything else as one ``-`` ('' if nothing is left)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:80]


def safe_id(name: str, unique: str | None = None) -> str:
    """A stable, safe student id for ``name``.

    unique: something the LMS guarantees is one person's alone (a user id); with it the id is
    ``slug-unique``, else a name that is not safe as it is gets ``slug-<6 hex of its hash>``.
    """
    name = name.strip()
    if unique is not None:
        return f"{slug(name) or 'student'}-{slug(unique) or hashlib.sha256(unique.encode()).hexdigest()[:6]}"
    if is_safe(name):
        return name
    return f"{slug(name) or 'student'}-{hashlib.sha256(name.encode('utf-8')).hexdigest()[:6]}"
