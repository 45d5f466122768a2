"""Text that no stored field may hold, checked the same way for every upload; and the weighted
lists of HTTP headers (``Accept-Language``, ``Accept-Encoding``)."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

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


#: At most this many items are read from one weighted header (a client sends a handful).
MAX_PREFERENCES = 20


def preference_order(header: str) -> list[str]:
    """A weighted header's items (RFC 9110 §12.4.2), lower-cased, most preferred first: ties keep
    the header's order, ``q=0`` (not acceptable) and unreadable weights drop the item.

    >>> preference_order("en;q=0.5, de-DE, fr;q=0")
    ['de-de', 'en']
    """
    weighted = []
    for position, part in enumerate(header.split(",")[:MAX_PREFERENCES]):
        item, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if item.strip() and quality > 0:
            weighted.append((-quality, position, item.strip().lower()))
    return [item for _, _, item in sorted(weighted)]


def normalise(text: str) -> str:
    """For text search: casefolded, without accents or Arabic diacritics, full-width folded, spaces collapsed.

    >>> normalise("  Crème  Brûlée ")
    'creme brulee'
    """
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(c for c in decomposed if unicodedata.category(c) != "Mn" and c != "\u0640")
    return " ".join(kept.casefold().split())


def spreadsheet_safe(value: Any) -> Any:
    """A CSV cell a spreadsheet will not run as a formula (CSV injection): text starting with
    ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is quoted with a leading apostrophe.

    >>> spreadsheet_safe("=cmd|' /C calc'!A0"), spreadsheet_safe("Milk"), spreadsheet_safe(-1.5)
    ("'=cmd|' /C calc'!A0", 'Milk', -1.5)
    """
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
