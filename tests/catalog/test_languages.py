"""Accept-Language against the catalog's languages (RFC 9110 weights, RFC 4647 lookup)."""

from __future__ import annotations

import pytest

from catalog.languages import preferred

AVAILABLE = {"de", "fr", "zh-Hant", "pt-BR"}


@pytest.mark.parametrize(
    ("header", "chosen"),
    [
        (None, None),
        ("", None),
        ("de", "de"),
        ("de-DE", "de"),  # lookup drops subtags from the end
        ("DE-at", "de"),
        ("en, fr;q=0.8, de;q=0.9", "de"),  # weights beat order; en is not available
        ("fr;q=0.5, de;q=0.5", "fr"),  # equal weights keep the header's order
        ("de;q=0, fr", "fr"),  # q=0: not acceptable
        ("zh-Hant-TW", "zh-Hant"),
        ("pt", None),  # a narrower tag is not a fallback for a broader range
        ("*", None),
        ("en, *;q=0.1, de;q=0.05", None),
        ("de;q=abc, fr;q=0.1", "fr"),  # an unreadable weight counts as 0
        (",,;q=1, de", "de"),
    ],
)
def test_preferred(header: str | None, chosen: str | None) -> None:
    assert preferred(header, AVAILABLE) == chosen


def test_a_long_header_is_read_only_so_far() -> None:
    header = ", ".join(["en"] * 1000 + ["de"])
    assert preferred(header, AVAILABLE) is None
