"""The examples in docstrings (``>>>``) run, so they stay true."""

from __future__ import annotations

import doctest
import importlib

import pytest

from stores.infra.settings import REPO_ROOT

MODULES = sorted(
    ".".join(path.relative_to(REPO_ROOT).with_suffix("").parts)
    for package in ("api", "catalog", "stores", "routing")
    for path in (REPO_ROOT / package).rglob("*.py")
    if ">>>" in path.read_text()
)


def test_some_modules_have_examples() -> None:
    assert "routing.solve" in MODULES and len(MODULES) >= 3


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0, result
