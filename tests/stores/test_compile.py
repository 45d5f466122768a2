"""Compiled stores: stand points within reach and off fixture corners; artifacts that refuse mismatches."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
import shapely
from litestar.testing import TestClient

from api.app import create_app
from api.cli import _recompile
from stores.floorplan.artifact import FORMAT_VERSION, ArtifactMismatch, dump_artifact, load_artifact, stored_bytes
from stores.floorplan.compile import CLEARANCE_M, REACH_M, compile_plan, navigable_space
from stores.floorplan.parse import parse_plan
from stores.floorplan.synthetic import shelf_count, synthetic_store
from stores.infra.settings import Settings
from tests.catalog.conftest import PLAN, put_json
from tests.conftest import ADMIN


@pytest.mark.parametrize("area", [300, 4000])
def test_stand_points_are_walkable_within_reach_and_clear_of_fixtures(area: float) -> None:
    plan = parse_plan(synthetic_store(area))
    compiled = compile_plan(plan)
    base = len(compiled.entrance_ids) + len(compiled.checkout_ids) + len(compiled.zone_ids)
    stands = compiled.points[base:]
    places = compiled.slot_place
    assert len(stands) == len(places) == int(compiled.shelf_slot_count.sum())
    nav = navigable_space(plan)
    assert shapely.covers(nav.buffer(1e-6), shapely.points(stands)).all()
    reach = np.hypot(*(stands - places).T)
    assert reach.max() <= REACH_M
    fixtures = shapely.union_all([f.polygon for f in plan.fixtures])
    clearance = shapely.distance(fixtures, shapely.points(stands))
    assert clearance.min() >= CLEARANCE_M - 1e-6


def test_every_shelf_position_has_a_slot() -> None:
    doc = synthetic_store(1200)
    plan = parse_plan(doc)
    artifact = load_artifact(dump_artifact("s", 3, plan, compile_plan(plan)), "s", 3)
    assert len(artifact.shelves) == shelf_count(doc)
    for shelf in plan.shelves[:50]:
        for position in (0.0, shelf.line.length / 3, shelf.line.length):
            point = artifact.slot_for(shelf.id, position)
            place = shelf.line.interpolate(position)
            stand = artifact.table.points[point]
            assert np.hypot(stand[0] - place.x, stand[1] - place.y) <= REACH_M + 1e-9


def test_artifact_loader_refuses_mismatches() -> None:
    plan = parse_plan(synthetic_store(300))
    data = dump_artifact("s", 2, plan, compile_plan(plan))
    assert load_artifact(data, "s", 2).version == 2
    with pytest.raises(ArtifactMismatch):
        load_artifact(data, "s", 3)
    with pytest.raises(ArtifactMismatch):
        load_artifact(data, "other", 2)
    corrupted = bytearray(data)
    corrupted[-10] ^= 0xFF
    with pytest.raises(ArtifactMismatch, match="checksum"):
        load_artifact(bytes(corrupted), "s", 2)
    with pytest.raises(ArtifactMismatch):
        load_artifact(b"PK\x03\x04 not an artifact", "s", 2)
    newer = data.replace(f'"format":{FORMAT_VERSION}'.encode(), b'"format":99', 1)
    with pytest.raises(ArtifactMismatch, match="format"):
        load_artifact(newer, "s", 2)


def test_synthetic_stores_span_the_range() -> None:
    assert shelf_count(synthetic_store(300)) >= 20
    assert shelf_count(synthetic_store(15_000)) >= 3000


def test_the_artifact_size_estimate_matches_what_is_stored() -> None:
    """The compiled-size cap is checked before the artifact is written, from this estimate."""
    plan = parse_plan(synthetic_store(4000, seed=2))
    compiled = compile_plan(plan)
    actual = len(dump_artifact("s", 1, plan, compiled))
    assert 0.8 * actual <= stored_bytes(compiled) <= 1.2 * actual, (stored_bytes(compiled), actual)


def test_an_artifact_of_an_older_format_is_recompiled_and_plans_keep_answering(
    client: TestClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Raising the artifact format (a new release) turned every stored plan into a 500 until
    someone uploaded it again. Now the first load compiles it again from its stored source,
    and ``aislepath recompile`` does it ahead for every store."""
    import stores.floorplan.artifact as artifact_format

    for store in ("s1", "s2"):
        client.post("/v1/stores", json={"id": store, "name": store, "lat": 1, "lon": 1}, headers=ADMIN)
        assert put_json(client, f"/v1/stores/{store}/floorplan?publish=true", PLAN).status_code == 201
    monkeypatch.setattr(artifact_format, "FORMAT_VERSION", artifact_format.FORMAT_VERSION + 1)
    with TestClient(app=create_app(settings)) as upgraded:  # a new worker, of the new code
        route = upgraded.post("/v1/stores/s1/route", json={"items": [{"sku": "nothing-here"}]})
        assert route.status_code == 200 and route.json()["unresolved"][0]["reason"] == "unknown_sku", route.text
        assert upgraded.post("/v1/stores/s1/closures", json={"shelf": "s1"}, headers=ADMIN).status_code == 201
    assert asyncio.run(_recompile(settings)) == [("s2", 1)]  # s1 was done on its first load
    assert asyncio.run(_recompile(settings)) == []
