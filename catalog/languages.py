"""Choosing the language a shopper reads: ``Accept-Language`` (RFC 9110 §12.5.4) against the
languages the catalog has names in, by RFC 4647 lookup (``de-DE`` falls back to ``de``)."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from stores.infra.text import preference_order


def preferred(header: str | None, available: Collection[str]) -> str | None:
    """The available language (as the catalog spells it) the header prefers, or None: then the
    catalog's own names (a ``*`` range, no header, or nothing in common)."""
    if not header:
        return None
    by_lower = {tag.lower(): tag for tag in available}
    for wanted in preference_order(header):
        if wanted == "*":
            return None
        subtags = wanted.split("-")
        while subtags:  # RFC 4647 lookup: drop subtags from the end until one is available
            found = by_lower.get("-".join(subtags))
            if found is not None:
                return found
            subtags.pop()
    return None


def translated(text: str | None, names: Mapping[str, str], wanted: str | None) -> str | None:
    """``text`` in the language ``wanted`` (a tag, or an Accept-Language header) prefers among its
    ``names`` ({language: text}), by the same lookup as :func:`preferred`; else ``text`` as it is."""
    if not wanted or not names:
        return text
    language = preferred(wanted, names)
    return text if language is None else names[language]
