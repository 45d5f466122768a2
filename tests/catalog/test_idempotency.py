"""A phone that retries changes nothing twice, and one phone counts once, on both databases."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient
from sqlalchemy import func, select

from catalog.models import Feedback
from tests.catalog.conftest import put_json
from tests.catalog.test_feedback import PLANOGRAM, confidence
from tests.conftest import ADMIN

NOT_HERE = {"kind": "not_at_location", "sku": "bread-1", "shelf": "s1"}


def feedback_rows(client: TestClient) -> int:
    async def count() -> int:
        async with client.app.state.wiring.database.sessionmaker() as session:
            return int(await session.scalar(select(func.count()).select_from(Feedback)) or 0)

    return client.blocking_portal.call(count)


def send(client: TestClient, body: Any, key: str | None, phone: str = "phone-1") -> Any:
    headers = {"X-Client-Id": phone, **({"Idempotency-Key": key} if key else {})}
    return client.post("/v1/stores/s1/feedback", json=body, headers=headers)


def test_a_retried_report_counts_once_and_gets_the_first_answer(store: TestClient) -> None:
    put_json(store, "/v1/stores/s1/placements", PLANOGRAM)
    answers = [send(store, NOT_HERE, "report-7f3a") for _ in range(3)]
    assert [a.status_code for a in answers] == [202, 202, 202]
    assert [a.headers.get("idempotent-replayed") for a in answers] == [None, "true", "true"]
    assert answers[1].content == answers[0].content
    assert feedback_rows(store) == 1
    reused = send(store, {**NOT_HERE, "shelf": "s9"}, "report-7f3a")
    assert reused.status_code == 422 and reused.json()["errors"][0]["code"] == "idempotency_key_reused"
    assert (
        send(store, NOT_HERE, "report-7f3a", phone="phone-2").headers.get("idempotent-replayed") is None
    )  # its own key
    assert feedback_rows(store) == 2
    # A refused request is an answer too: the retry gets the same 422 and nothing runs again.
    bad = [send(store, {"kind": "not_at_location"}, "bad-1") for _ in range(2)]
    assert [b.status_code for b in bad] == [422, 422] and bad[1].headers["idempotent-replayed"] == "true"
    too_long = send(store, NOT_HERE, "k" * 201)
    assert too_long.status_code == 400 and too_long.json()["errors"][0]["code"] == "bad_idempotency_key"


def test_a_retried_manager_write_changes_the_planogram_once(store: TestClient) -> None:
    put_json(store, "/v1/stores/s1/placements", PLANOGRAM)
    rows = [{"sku": "bread-1", "shelf": "s1", "stock": "low"}]
    first, again = (
        store.post("/v1/stores/s1/placements", json=rows, headers={**ADMIN, "Idempotency-Key": "stock-1"})
        for _ in range(2)
    )
    assert first.json()["planogram_version"] == again.json()["planogram_version"] == 2
    third = store.post("/v1/stores/s1/placements", json=rows, headers={**ADMIN, "Idempotency-Key": "stock-2"})
    assert third.json()["planogram_version"] == 3  # a new key is a new write


def test_one_phone_reporting_again_and_again_does_not_flag_a_product(store: TestClient) -> None:
    put_json(store, "/v1/stores/s1/placements", PLANOGRAM)
    for _ in range(6):  # no key: each is a new report, all from one phone
        assert send(store, NOT_HERE, None, phone="the-same-phone").status_code == 202
    assert feedback_rows(store) == 6  # every report is kept for the store's insights
    assert confidence(store, "bread-1")["s1"] == "high"  # but one reporter is not three
    for phone in ("phone-a", "phone-b"):
        send(store, NOT_HERE, None, phone=phone)
    assert confidence(store, "bread-1")["s1"] == "low"  # three distinct phones
