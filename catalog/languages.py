"""Choosing the language a shopper reads: ``Accept-Language`` (RFC 9110 §12.5.4) against the
languages the catalog has names in, by RFC 4647 lookup (``de-DE`` falls back to ``de``)."""

from __future__ import annotations

from collections.abc import Collection

#: At most this many language ranges are read from one header (a client sends a handful).
MAX_RANGES = 20


def _ranges(header: str) -> list[str]:
    """The header's language ranges, most preferred first (q=0 ranges dropped; stable for ties)."""
    weighted = []
    for position, part in enumerate(header.split(",")[:MAX_RANGES]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and quality > 0:
            weighted.append((-quality, position, tag.strip().lower()))
    return [tag for _, _, tag in sorted(weighted)]


def preferred(header: str | None, available: Collection[str]) -> str | None:
    """The available language (as the catalog spells it) the header prefers, or None: then the
    catalog's own names (a ``*`` range, no header, or nothing in common)."""
    if not header:
        return None
    by_lower = {tag.lower(): tag for tag in available}
    for wanted in _ranges(header):
        if wanted == "*":
            return None
        subtags = wanted.split("-")
        while subtags:  # RFC 4647 lookup: drop subtags from the end until one is available
            found = by_lower.get("-".join(subtags))
            if found is not None:
                return found
            subtags.pop()
    return None
