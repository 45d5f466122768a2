"""DXF drawings from CAD import to routable stores, by the default layer names or the manager's."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient

from stores.floorplan.compile import compile_plan
from stores.floorplan.dxf import dxf_to_v1
from stores.floorplan.parse import PlanInvalid, parse_plan
from stores.floorplan.plan import FloorPlan
from tests.conftest import ADMIN
from tests.support.dxf_drawing import Drawing, dxf_drawing, gondola_columns, zipped


def imported(data: bytes) -> tuple[FloorPlan, dict]:  # type: ignore[type-arg]
    document = dxf_to_v1(data)
    report = document.pop("import")
    return parse_plan(document), report


@pytest.mark.parametrize(
    "drawing",
    [Drawing(), Drawing(units=6, origin_m=(0.0, 0.0), rotate_deg=0.0), Drawing(units=5, rotate_deg=-47.0)],
    ids=["mm-far-turned", "m-at-origin", "cm-turned"],
)
def test_a_cad_drawing_imports_to_a_routable_store(drawing: Drawing) -> None:
    plan, report = imported(dxf_drawing(drawing))
    compile_plan(plan)  # every shelf and checkout reachable
    gondolas = sum(1 for f in plan.fixtures if f.name == "gondola")
    assert gondolas and len(plan.shelves) == 2 * gondolas
    assert (len(plan.entrances), len(plan.checkouts)) == (1, 6)
    assert plan.outline.area == pytest.approx(drawing.width_m * drawing.depth_m, rel=1e-6)  # units from the header
    assert {z.department: z.temperature for z in plan.zones} == {"Frozen foods": "frozen", "Bakery": "ambient"}
    assert {s.label for s in plan.shelves} >= {"1A a", "1A b"}  # the aisle labels beside the gondolas
    assert report["skipped"] == {"layer 'DIMENSIONS': not mapped": 1, "layer 'STAFF-FURNITURE': not mapped": 1}
    assert len(gondola_columns(drawing)) * 2 <= gondolas


def test_the_managers_layer_names_and_units_in_a_zip() -> None:
    layers = {"outline": "Verkaufsfläche", "gondola": "Regale", "text": "Regale", "entrance": "Eingang",
              "checkout": "Kassen", "zone": "Abteilungen", "wall": "Wände"}  # fmt: skip
    drawing = dxf_drawing(Drawing(units=0, layers=layers))  # unitless, drawn in centimetres
    with pytest.raises(PlanInvalid) as caught:
        dxf_to_v1(drawing)
    assert caught.value.problems[0].code == "missing_outline" and "aislepath.json" in caught.value.problems[0].message
    named = {"outline": ["verkaufsfläche"], "shelf": ["Regale"], "entrance": ["Eingang"], "checkout": ["Kassen"],
             "zone": ["Abteilungen"], "wall": ["Wände"]}  # fmt: skip
    mapping = {"units": "cm", "layers": named}
    plan, report = imported(zipped(drawing, mapping, folder="export/"))
    compile_plan(plan)
    assert plan.outline.area == pytest.approx(15_000, rel=1e-6) and report["metres_per_unit"] == 0.01
    assert report["drawing"] == "export/store.dxf" and len(plan.checkouts) == 6


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"0\nSECTION\n2\nENTITIES\nthis is not dxf", "bad_dxf"),
        (zipped(b"", None), "missing_outline"),  # ezdxf reads an empty file as an empty drawing
        (zipped(dxf_drawing(), {"layers": {"shelves": ["X"]}}), "bad_mapping"),
        (zipped(dxf_drawing(), {"units": "furlong"}), "bad_mapping"),
    ],
    ids=["garbage", "empty-drawing", "unknown-kind", "unknown-units"],
)
def test_bad_drawings_say_what_is_wrong(body: bytes, code: str) -> None:
    with pytest.raises(PlanInvalid) as caught:
        dxf_to_v1(body)
    assert caught.value.problems[0].code == code


def test_a_drawing_over_http_becomes_a_draft(client: TestClient) -> None:
    client.post("/v1/stores", json={"id": "cad", "name": "C", "lat": 1, "lon": 1}, headers=ADMIN)
    body = dxf_drawing(Drawing(width_m=60.0, depth_m=45.0))
    response = client.put("/v1/stores/cad/floorplan", content=body, headers={**ADMIN, "content-type": "image/vnd.dxf"})
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "draft" and response.json()["report"]["import"]["format"] == "dxf"
    versions = client.get("/v1/stores/cad/floorplan/versions", headers=ADMIN).json()["versions"]
    assert versions[0]["source_format"] == "dxf"
    zipped_body = zipped(body, None)
    response = client.put(
        "/v1/stores/cad/floorplan", content=zipped_body, headers={**ADMIN, "content-type": "application/zip"}
    )
    assert response.status_code == 201 and response.json()["report"]["import"]["format"] == "dxf"


def self_inserting_block(branches: int) -> bytes:
    """A drawing whose block inserts itself ``branches`` times: exploded naively, it never ends."""
    import io

    import ezdxf

    doc = ezdxf.new(units=6)
    msp = doc.modelspace()
    msp.add_lwpolyline([(0, 0), (50, 0), (50, 30), (0, 30)], close=True, dxfattribs={"layer": "OUTLINE"})
    block = doc.blocks.new("LOOP")
    block.add_lwpolyline([(0, 0), (1, 0), (1, 3), (0, 3)], close=True)
    for i in range(branches):
        block.add_blockref("LOOP", (i * 0.1, 0.0))
    msp.add_blockref("LOOP", (10, 10), dxfattribs={"layer": "FIXTURES"})
    out = io.StringIO()
    doc.write(out)
    return out.getvalue().encode()


def test_a_block_that_inserts_itself_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nested blocks are exploded to a bounded depth, and every part counts against the limit."""
    document = dxf_to_v1(self_inserting_block(1))
    assert any("nested more than" in why for why in document["import"]["skipped"])
    monkeypatch.setattr("stores.floorplan.dxf.MAX_ENTITIES", 1_000)
    with pytest.raises(PlanInvalid) as caught:
        dxf_to_v1(self_inserting_block(4))  # 4^8 parts
    assert caught.value.problems[0].code == "dxf_too_large"


def test_an_archive_must_hold_one_drawing() -> None:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.dxf", dxf_drawing())
        archive.writestr("b.dxf", dxf_drawing())
    with pytest.raises(PlanInvalid) as caught:
        dxf_to_v1(buffer.getvalue())
    assert caught.value.problems[0].code == "bad_archive" and "not 2" in caught.value.problems[0].message
