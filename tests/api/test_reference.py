"""docs/api.md is the API the app serves (regenerate it with ``python -m api.reference``)."""

from __future__ import annotations

from api.reference import current
from stores.infra.settings import REPO_ROOT


def test_the_api_reference_in_docs_is_current() -> None:
    written = (REPO_ROOT / "docs" / "api.md").read_text()
    generated = current()
    assert "### `POST /v1/stores/{store_id}/route`" in generated and "### Route" in generated
    assert written == generated, "docs/api.md is out of date: run .venv/bin/python -m api.reference > docs/api.md"
