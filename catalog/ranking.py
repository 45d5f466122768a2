"""How well a product's name answers a query, as a shopper judges it (issue 17).

A query names a thing ("peanut butter", "Milch", "pear"); a product answers it best when its
name *is* that thing, not when the thing is a modifier of something else ("Peanut Butter Bar"
is a bar). So a product variant (its name, a translation, brand and name, a keyword) is scored on:

- **coverage**: how well each query word is found among the variant's words: the same word, or
  the same after a light plural/inflection stem ("pears" for "pear", "Tomaten" for "Tomate")
  before the tail of a compound ("Vollmilch" for "Milch", "Freilandeier" for "Eier"), before the
  start of a word (partial typing: "choc"), before a typo, before a word merely containing it;
- **head**: whether the word the query ends with (its head) is the variant's head, the word the
  name is about: the last word before a comma, "with" or "in", after dropping sizes ("Whole Milk
  family size No. 3" is about milk); in French, Spanish, Italian and Portuguese names the first
  ("Pain au levain" is about pain);
- **phrase**: the query's words in the variant in order, side by side;
- **brevity**: how little else the variant says.

Scores are 0 to 100; a variant covering less than :data:`MIN_COVERAGE` of the query is no match.
Pure functions over normalised text (catalog.search.normalise), so they are tested directly.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

#: Below this share of the query found, a variant does not match.
MIN_COVERAGE = 0.6
#: Weights of the four signals (they add up to 100).
COVERAGE, HEAD, PHRASE, BREVITY = 55.0, 25.0, 8.0, 12.0
#: A typo's match is worth this share of its similarity (0 to 1).
TYPO = 0.8
#: Languages whose noun phrases put the head first.
HEAD_FIRST = frozenset({"fr", "es", "it", "pt", "ca", "ro"})
#: Words that say how much or which pack, not what: never a product's head, never "extra".
NOISE = frozenset({
    "small", "medium", "large", "mini", "jumbo", "big", "family", "size", "value", "pack", "pk", "bag", "box",
    "tub", "jar", "can", "bottle", "each", "no", "ct", "count", "oz", "lb", "lbs", "g", "kg", "mg", "ml", "cl", "dl",
    "l", "fl", "gal", "gallon", "qt", "quart", "pint", "liter", "litre", "x",
})  # fmt: skip
#: Small words of names (they join, they do not say what).
STOP = frozenset({
    "and", "with", "in", "of", "the", "a", "an", "de", "du", "des", "la", "le", "les", "el", "los", "las", "y",
    "con", "al", "au", "aux", "en", "di", "da", "e", "und", "mit",
})  # fmt: skip
_CUT = re.compile(r",|\(| - | with | in | mit | avec | con ")
_NUMBER = re.compile(r"^\d+([.,]\d+)?[a-z]*$")

#: Each suffix, the ending that replaces it, and the shortest stem left: plural and inflection
#: endings of English, German, French and Spanish, good enough to meet "pear" and "pears",
#: "Tomate" and "Tomaten", "banana" and "bananas" (both sides are stemmed alike).
_SUFFIXES = (("ies", "y", 3), ("oes", "o", 3), ("es", "", 4), ("en", "", 4), ("er", "", 4), ("s", "", 3),
             ("e", "", 3), ("n", "", 4))  # fmt: skip


def stem(word: str) -> str:
    """A light, language-blind stem for plurals and inflections.

    >>> [stem(w) for w in ("pears", "pear", "cherries", "tomatoes", "tomaten", "tomate", "eggs", "glass")]
    ['pear', 'pear', 'cherry', 'tomato', 'tomat', 'tomat', 'egg', 'glass']
    """
    if len(word) <= 3 or word.endswith("ss") or word.isdigit():
        return word
    for suffix, replacement, shortest in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= shortest:
            return word[: -len(suffix)] + replacement
    return word


def head_of(text_words: Sequence[str], head_first: bool) -> int:
    """The index of the word a name is about (-1 for none)."""
    meaningful = [i for i, w in enumerate(text_words) if w not in NOISE and w not in STOP and not _NUMBER.match(w)]
    if not meaningful:
        return -1
    return meaningful[0] if head_first else meaningful[-1]


def head_part(text: str) -> str:
    """The part of a normalised name its head is in: before a comma, a bracket, "with", "in"."""
    return _CUT.split(text, maxsplit=1)[0]


def word_match(query_word: str, query_stem: str, word: str, word_stem: str, typo: Callable[[str, str], float]) -> float:
    """How well ``word`` (of a variant; ``word_stem`` its stem) answers ``query_word``, 0 to 1."""
    if word == query_word:
        return 1.0
    if word_stem == query_stem:
        return 0.95
    if (
        len(query_word) >= 3
        and len(word) > len(query_word) + 2
        and (word.endswith(query_word) or word_stem.endswith(query_stem))
    ):
        return 0.9  # the tail of a compound: "vollmilch" for "milch", "tiefkuhlerbsen" for "erbsen"
    if len(query_word) >= 3 and word.startswith(query_word):
        return 0.75  # a word typed in part: "choc"
    similarity = typo(query_word, word)
    if similarity:
        return TYPO * similarity
    if len(query_word) >= 4 and query_word in word:
        return 0.5
    return 0.0


@dataclass(frozen=True, slots=True)
class Prepared:
    """A variant ready to score: its words, their stems, its head and which words say something."""

    words: tuple[str, ...]
    stems: tuple[str, ...]
    head: int
    meaningful: tuple[bool, ...]


def prepare(variant: str, head_first: bool, split: Callable[[str], list[str]]) -> Prepared:
    variant_words = tuple(split(variant))
    head = head_of(variant_words[: len(split(head_part(variant)))], head_first)
    meaningful = tuple(w not in NOISE and w not in STOP and not _NUMBER.match(w) for w in variant_words)
    return Prepared(variant_words, tuple(stem(w) for w in variant_words), head, meaningful)


def score(
    query_words: Sequence[str],
    query_stems: Sequence[str],
    variant: Prepared,
    head_first: bool,
    typo: Callable[[str, str], float],
) -> float:
    """How well one variant answers the query, 0 to 100 (0: no match)."""
    if not variant.words or not query_words:
        return 0.0
    found: list[tuple[float, int]] = []
    total = 0.0
    for query_word, query_stem in zip(query_words, query_stems, strict=True):
        best, where = 0.0, -1
        for position, (word, word_stem) in enumerate(zip(variant.words, variant.stems, strict=True)):
            match = word_match(query_word, query_stem, word, word_stem, typo)
            if match > best or (match == best and match > 0 and position == variant.head):
                best, where = match, position
                if match == 1.0 and position == variant.head:
                    break
        found.append((best, where))
        total += best
    coverage = total / len(found)
    if coverage < MIN_COVERAGE:
        return 0.0
    # The query's own head: its last word (its first for a head-first variant).
    head_match, head_at = found[0] if head_first else found[-1]
    named = 1.0 if variant.head >= 0 and head_at == variant.head and head_match >= 0.7 else 0.0
    positions = [where for _, where in found]
    phrase = 1.0 if len(found) == 1 or all(b == a + 1 for a, b in pairwise(positions)) else 0.0
    matched = set(positions)
    extra = sum(1 for i, say in enumerate(variant.meaningful) if say and i not in matched)
    brevity = 1 / (1 + 0.25 * extra)
    return COVERAGE * coverage + HEAD * named + PHRASE * phrase + BREVITY * brevity
