"""IMDF archives are mapped onto v1 and go through the same validation and compile."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient

from stores.floorplan.compile import compile_plan
from stores.floorplan.imdf import imdf_to_v1
from stores.floorplan.parse import PlanInvalid, parse_plan
from tests.conftest import ADMIN
from tests.support.imdf_archive import ORIGIN, grocery_imdf


def kinds(document: dict) -> dict[str, int]:
    out: dict[str, int] = {}
    for f in document["features"]:
        out[f["properties"]["kind"]] = out.get(f["properties"]["kind"], 0) + 1
    return out


def test_mapping_of_a_grocery_archive() -> None:
    document = imdf_to_v1(grocery_imdf())
    # Fixtures: four gondolas, the desk, the storeroom, and the wall along the walkway's edge.
    assert kinds(document) == {"outline": 1, "fixture": 7, "shelf": 8, "zone": 2, "entrance": 1, "checkout": 2}
    plan = parse_plan(document)
    assert plan.outline.area == pytest.approx(600.0, rel=0.005)  # 30 m x 20 m survives the projection
    assert {z.department: z.temperature for z in plan.zones} == {"Bakery": "ambient", "Frozen foods": "frozen"}
    assert document["georef"]["lon"] == pytest.approx(ORIGIN[0]) and document["georef"]["lat"] == pytest.approx(
        ORIGIN[1]
    )
    shelves = {s.id: s.line.length for s in plan.shelves}
    assert all(length == pytest.approx(8.0, abs=0.05) for length in shelves.values())
    assert any(f.name == "Storeroom" for f in plan.fixtures)
    compile_plan(plan)  # reachable, with standing room at every shelf


@pytest.mark.parametrize("missing", ["manifest.json", "unit.geojson", "level.geojson"])
def test_missing_files_are_named(missing: str) -> None:
    with pytest.raises(PlanInvalid) as caught:
        imdf_to_v1(grocery_imdf(drop=(missing,)))
    assert caught.value.problems[0].pointer == f"/{missing}"


def test_not_a_zip() -> None:
    with pytest.raises(PlanInvalid):
        imdf_to_v1(b"PK\x03\x04 but not really")


def test_imdf_upload_over_http(client: TestClient) -> None:
    client.post("/v1/stores", json={"id": "imdf", "name": "I", "lat": ORIGIN[1], "lon": ORIGIN[0]}, headers=ADMIN)
    response = client.put(
        "/v1/stores/imdf/floorplan?publish=true",
        content=grocery_imdf(),
        headers={**ADMIN, "content-type": "application/zip"},
    )
    assert response.status_code == 201, response.text
    versions = client.get("/v1/stores/imdf/floorplan/versions", headers=ADMIN).json()["versions"]
    assert versions[0]["source_format"] == "imdf"
    assert kinds(client.get("/v1/stores/imdf/floorplan").json())["shelf"] == 8
    broken = client.put(
        "/v1/stores/imdf/floorplan?publish=true",
        content=grocery_imdf(drop=("unit.geojson",)),
        headers={**ADMIN, "content-type": "application/zip"},
    )
    assert broken.status_code == 422 and broken.json()["errors"][0]["pointer"] == "/unit.geojson"
    assert len(client.get("/v1/stores/imdf/floorplan/versions", headers=ADMIN).json()["versions"]) == 1
