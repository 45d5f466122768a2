"""What shoppers type for what products are called: abbreviations and other words, per language,
and a chain's own (``AISLEPATH_SEARCH_SYNONYMS``: a JSON file of ``{"term": "what it means"}``,
which wins over these).

A query is matched as typed and, when a term of it is here, also with the term replaced; each
product keeps its better score, so a catalog that spells "OJ" still finds it.
"""

from __future__ import annotations

import json
from pathlib import Path

from stores.infra.errors import Invalid, Problem

#: Kept small and general: what people write in a grocery app for what catalogs name otherwise.
BUILT_IN: dict[str, str] = {
    # English
    "oj": "orange juice",
    "evoo": "extra virgin olive oil",
    "pb": "peanut butter",
    "pbj": "peanut butter jelly",
    "tp": "toilet paper",
    "bbq": "barbecue",
    "choc": "chocolate",
    "veggies": "vegetables",
    "mac n cheese": "macaroni cheese",
    "catsup": "ketchup",
    "soda": "soft drink",
    "pop": "soft drink",
    "gf": "gluten free",
    # German
    "h milch": "haltbare milch",
    "h-milch": "haltbare milch",
    "klopapier": "toilettenpapier",
    "o-saft": "orangensaft",
    "o saft": "orangensaft",
    "tk": "tiefkuhl",
    "zewa": "kuchenrolle",
    # French
    "pdt": "pommes de terre",
    "pq": "papier toilette",
    "sopalin": "essuie-tout",
    # Spanish
    "papel higienico": "papel de bano",
}
MAX_ENTRIES = 10_000


def load(path: str | None) -> dict[str, str]:
    """The built-in table with a chain's own file over it (terms normalised by the caller)."""
    table = dict(BUILT_IN)
    if not path:
        return table
    try:
        own = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise Invalid("The search synonyms file cannot be read.", [Problem("invalid", str(exc), pointer="")]) from exc
    if not isinstance(own, dict) or len(own) > MAX_ENTRIES:
        raise Invalid("The search synonyms file is not an object of terms.", [Problem("invalid", path, pointer="")])
    bad = [k for k, v in own.items() if not isinstance(v, str) or not 0 < len(k) <= 100 or not 0 < len(v) <= 200]
    if bad:
        raise Invalid(
            "Some search synonyms are not text.", [Problem("invalid", f"{k!r}", pointer=f"/{k}") for k in bad]
        )
    table.update(own)
    return table
