"""Text that no stored field may hold, checked the same way for every upload."""

from __future__ import annotations

import re

#: Control characters (a line break in a name is a CSV quote gone wrong), NUL (PostgreSQL
#: cannot store it; SQLite can, so accepting it on one database breaks the other) and lone
#: surrogates (not Unicode: a database stores them as "?").
_BAD_TEXT = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as it is, or None.

    >>> text_problem("shelf\\x00a")
    'U+0000 at character 5 is a control character'
    >>> text_problem("Crème brûlée") is None
    True
    """
    bad = _BAD_TEXT.search(value)
    if bad is None:
        return None
    code = ord(bad.group())
    what = "a lone surrogate (not Unicode)" if 0xD800 <= code <= 0xDFFF else "a control character"
    return f"U+{code:04X} at character {bad.start()} is {what}"
