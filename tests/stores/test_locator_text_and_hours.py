"""The store locator by words (name, city, postcode) and opening hours with "open now" (issue 17)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from litestar.testing import TestClient

from stores.hours import check, is_open
from stores.infra.errors import Invalid
from tests.conftest import ADMIN

WEEK = {"weekly": {d: [["08:00", "20:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat")}}


@pytest.mark.parametrize(
    ("hours", "timezone", "at", "expected"),
    [
        (WEEK, "UTC", "2026-12-01T10:00:00+00:00", True),  # a Tuesday
        (WEEK, "UTC", "2026-12-01T20:00:00+00:00", False),  # closes at 20:00
        (WEEK, "UTC", "2026-12-06T10:00:00+00:00", False),  # Sunday: not in weekly
        (WEEK, "Europe/Berlin", "2026-12-01T19:30:00+00:00", False),  # 20:30 in Berlin
        (WEEK, "Europe/Berlin", "2026-12-01T07:30:00+00:00", True),  # 08:30 in Berlin
        ({**WEEK, "exceptions": [{"date": "2026-12-01", "hours": []}]}, "UTC", "2026-12-01T10:00:00+00:00", False),
        ({"weekly": {"fri": [["22:00", "02:00"]]}}, "UTC", "2026-12-05T01:00:00+00:00", True),  # Friday night
        ({"weekly": {"fri": [["22:00", "02:00"]]}}, "UTC", "2026-12-05T02:00:00+00:00", False),
        ({"weekly": {"tue": [["00:00", "24:00"]]}}, "UTC", "2026-12-01T23:59:00+00:00", True),
        (None, "UTC", "2026-12-01T10:00:00+00:00", None),
    ],
)
def test_open_at(hours: dict | None, timezone: str, at: str, expected: bool | None) -> None:  # type: ignore[type-arg]
    assert is_open(hours, timezone, datetime.fromisoformat(at)) is expected


@pytest.mark.parametrize(
    ("hours", "pointer"),
    [
        ({"weekly": {"monday": []}}, "/opening_hours/weekly"),
        ({"weekly": {"mon": [["08:00", "25:00"]]}}, "/opening_hours/weekly/mon/0"),
        ({"weekly": {"mon": [["08:00", "08:00"]]}}, "/opening_hours/weekly/mon/0"),
        ({"exceptions": [{"date": "2026-13-01", "hours": []}]}, "/opening_hours/exceptions/0/date"),
        ({"exceptions": [{"date": "2026-12-24", "hours": []}] * 2}, "/opening_hours/exceptions/1/date"),
        ({"weekly": {}, "holidays": []}, "/opening_hours"),
    ],
)
def test_bad_hours_name_the_part(hours: dict, pointer: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(Invalid) as refused:
        check(hours)
    assert pointer in {p.pointer for p in refused.value.problems}


def _store(client: TestClient, **fields: object) -> None:
    response = client.post("/v1/stores", json=fields, headers=ADMIN)
    assert response.status_code == 201, response.text


@pytest.fixture
def chain(client: TestClient) -> TestClient:
    always = {"weekly": {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}}
    never = {"weekly": {}, "exceptions": []}
    _store(client, id="mitte", name="Fresh Market Mitte", lat=52.5219, lon=13.4132, city="Berlin", postcode="10178",
           timezone="Europe/Berlin", opening_hours=always)  # fmt: skip
    _store(client, id="kreuzberg", name="Fresh Market Kreuzberg", lat=52.4986, lon=13.4031, city="Berlin",
           postcode="10999", timezone="Europe/Berlin", opening_hours=never)  # fmt: skip
    _store(client, id="koeln", name="Fresh Market Ehrenfeld", lat=50.9496, lon=6.9195, city="Köln", postcode="50823")
    _store(client, id="altona", name="Berliner Platz Markt", lat=53.5509, lon=9.9354, city="Hamburg", postcode="22765")
    return client


def _ids(client: TestClient, **params: object) -> list[str]:
    response = client.get("/v1/stores", params=params)
    assert response.status_code == 200, response.text
    return [s["id"] for s in response.json()["stores"]]


def test_the_locator_finds_stores_by_words(chain: TestClient) -> None:
    # A city first: both Berlin stores before the Hamburg store whose name holds "Berliner".
    assert _ids(chain, q="berlin") == ["kreuzberg", "mitte", "altona"]
    assert _ids(chain, q="10999") == ["kreuzberg"]
    assert _ids(chain, q="koln") == ["koeln"]  # accents do not matter
    assert _ids(chain, q="KÖLN ehrenfeld") == ["koeln"]
    assert _ids(chain, q="mitte") == ["mitte"]
    assert _ids(chain, q="munich") == []
    assert _ids(chain, q="berlin", limit=1) == ["kreuzberg"]
    # Words and a point: the matches, nearest first, with their distances.
    near = chain.get("/v1/stores", params={"q": "berlin", "lat": 52.52, "lon": 13.41}).json()["stores"]
    assert [s["id"] for s in near] == ["mitte", "kreuzberg", "altona"]
    assert near[0]["distance_m"] < near[1]["distance_m"] < near[2]["distance_m"]
    assert chain.get("/v1/stores", params={"q": "berlin"}).json()["stores"][0]["distance_m"] is None


def test_open_now_and_hours_are_answered_and_changed(chain: TestClient) -> None:
    stores = {s["id"]: s for s in chain.get("/v1/stores", params={"q": "fresh market"}).json()["stores"]}
    assert stores["mitte"]["open_now"] is True and stores["kreuzberg"]["open_now"] is False
    assert stores["koeln"]["open_now"] is None  # no hours given
    today = datetime.now(UTC).date().isoformat()
    closed_today = {"weekly": {}, "exceptions": [{"date": today, "hours": []}]}
    patched = chain.patch("/v1/stores/mitte", json={"opening_hours": closed_today}, headers=ADMIN).json()
    assert patched["opening_hours"]["exceptions"][0]["date"] == today and patched["open_now"] is False
    assert chain.patch("/v1/stores/mitte", json={"city": "Berlin-Mitte"}, headers=ADMIN).status_code == 200
    assert _ids(chain, q="berlin-mitte") == ["mitte"]


def test_the_locator_needs_a_point_or_words(chain: TestClient) -> None:
    for params, name in (({}, "lat"), ({"lon": 13.4}, "lat"), ({"lat": 52.5}, "lon")):
        response = chain.get("/v1/stores", params=params)
        assert response.status_code == 400 and name in {e.get("parameter") for e in response.json()["errors"]}


def test_bad_hours_are_refused_and_change_nothing(chain: TestClient) -> None:
    bad = {"weekly": {"mon": [["09:00", "09:00"]]}}
    response = chain.patch("/v1/stores/mitte", json={"opening_hours": bad, "city": "Nowhere"}, headers=ADMIN)
    assert response.status_code == 422 and response.json()["errors"][0]["pointer"] == "/opening_hours/weekly/mon/0"
    assert chain.get("/v1/stores/mitte").json()["city"] == "Berlin"
    ill_typed = {"name": "X", "lat": 1, "lon": 1, "opening_hours": {"weekly": {"mon": [["8:00", "9:00"]]}}}
    response = chain.post("/v1/stores", json=ill_typed, headers=ADMIN)
    assert response.status_code == 400  # ill-typed: the clock's pattern
