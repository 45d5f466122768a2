"""Damaged and odd IMDF archives (each once a 500): every one is a 422 naming what is wrong, and
nothing changes. The archives are made here, from the test grocery, one fault each."""

from __future__ import annotations

import copy
import io
import struct
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from litestar.testing import TestClient

from stores.floorplan.imdf import imdf_to_v1
from stores.floorplan.parse import PlanInvalid
from tests.conftest import ADMIN
from tests.support.imdf_archive import grocery_imdf_files, zip_imdf

ZIP = {"content-type": "application/zip", **ADMIN}


def stored_archive() -> bytes:
    """The grocery, its members stored uncompressed (so bytes can be changed in place)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(zip_imdf(grocery_imdf_files()))) as source, zipfile.ZipFile(buffer, "w") as out:
        for info in source.infolist():
            out.writestr(info.filename, source.read(info), compress_type=zipfile.ZIP_STORED)
    return buffer.getvalue()


def patch_headers(data: bytes, member: str, local: dict[int, bytes], central: dict[int, bytes]) -> bytes:
    """``data`` with fields of ``member``'s local and central directory headers overwritten
    (offsets from each header's signature)."""
    out = bytearray(data)
    name = member.encode()
    for signature, fields, name_at in ((b"PK\x03\x04", local, 30), (b"PK\x01\x02", central, 46)):
        at = out.find(signature)
        while at >= 0 and out[at + name_at : at + name_at + len(name)] != name:
            at = out.find(signature, at + 1)
        assert at >= 0, (signature, member)
        for offset, value in fields.items():
            out[at + offset : at + offset + len(value)] = value
    return bytes(out)


def bad_crc() -> bytes:
    data = stored_archive()
    at = data.find(b'"FeatureCollection"', data.find(b"unit.geojson"))
    return data[:at] + b"'" + data[at + 1 :]


def understated_size() -> bytes:
    return patch_headers(stored_archive(), "unit.geojson", {22: struct.pack("<I", 10)}, {24: struct.pack("<I", 10)})


def encrypted() -> bytes:
    return patch_headers(stored_archive(), "unit.geojson", {6: struct.pack("<H", 1)}, {8: struct.pack("<H", 1)})


def unknown_compression() -> bytes:
    return patch_headers(stored_archive(), "unit.geojson", {8: struct.pack("<H", 97)}, {10: struct.pack("<H", 97)})


def broken_deflate() -> bytes:
    data = bytearray(zip_imdf(grocery_imdf_files()))
    start = data.find(b"unit.geojson") + len("unit.geojson")
    data[start + 20 : start + 60] = b"\xff" * 40
    return bytes(data)


def with_change(change: Callable[[dict[str, Any]], None]) -> Callable[[], bytes]:
    def make() -> bytes:
        files = copy.deepcopy(grocery_imdf_files())
        change(files)
        return zip_imdf(files)

    return make


def _set(file: str, index: int, path: tuple[str, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(files: dict[str, Any]) -> None:
        target = files[file][index]
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def _drop_id(files: dict[str, Any]) -> None:
    del files["unit.geojson"][0]["id"]


def _self_intersecting_unit(files: dict[str, Any]) -> None:
    ring = files["unit.geojson"][1]["geometry"]["coordinates"][0]
    ring[1], ring[2] = ring[2], ring[1]  # a bow tie


CASES: dict[str, Callable[[], bytes]] = {
    "bad CRC": bad_crc,
    "understated member size": understated_size,
    "encrypted flag": encrypted,
    "unknown compression": unknown_compression,
    "broken deflate stream": broken_deflate,
    "string ordinal": with_change(_set("level.geojson", 0, ("properties", "ordinal"), "0")),
    "display_point not a point": with_change(_set("venue.geojson", 0, ("properties", "display_point"), "here")),
    "display_point 1e308": with_change(
        _set("venue.geojson", 0, ("properties", "display_point"), {"type": "Point", "coordinates": [1e308, 1e308]})
    ),
    "missing id": with_change(_drop_id),
    "properties as a list": with_change(_set("unit.geojson", 0, ("properties",), ["walkway"])),
    "level geometry a point": with_change(
        _set("level.geojson", 0, ("geometry",), {"type": "Point", "coordinates": [13.4, 52.5]})
    ),
    "level geometry unreadable": with_change(_set("level.geojson", 0, ("geometry",), {"type": "Polygon"})),
    "unit_ids a number": with_change(_set("amenity.geojson", 0, ("properties", "unit_ids"), 5)),
    "a feature not an object": with_change(lambda files: files["fixture.geojson"].__setitem__(0, "fixture")),
    "geometry a string": with_change(_set("fixture.geojson", 1, ("geometry",), "POLYGON((0 0, 1 0, 1 1, 0 0))")),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_damaged_archive_is_refused_with_a_reason(case: str) -> None:
    with pytest.raises(PlanInvalid) as refused:
        imdf_to_v1(CASES[case]())
    problem = refused.value.problems[0]
    assert problem.code in {"bad_archive", "bad_imdf", "malformed_json"} and problem.message, (case, problem)


def test_a_self_intersecting_unit_is_repaired_not_a_crash() -> None:
    document = imdf_to_v1(with_change(_self_intersecting_unit)())
    assert any(f["properties"]["kind"] == "fixture" for f in document["features"])


def test_every_damaged_archive_is_a_422_over_http_and_changes_nothing(client: TestClient) -> None:
    client.post("/v1/stores", json={"id": "venue", "name": "V", "lat": 1, "lon": 1}, headers=ADMIN)
    for case, make in CASES.items():
        response = client.put("/v1/stores/venue/floorplan?publish=true", content=make(), headers=ZIP)
        assert response.status_code == 422, (case, response.status_code, response.text[:300])
        assert response.headers["content-type"].startswith("application/problem+json")
    assert client.get("/v1/stores/venue").json()["floorplan_version"] is None
    assert (
        client.put(
            "/v1/stores/venue/floorplan?publish=true", content=zip_imdf(grocery_imdf_files()), headers=ZIP
        ).status_code
        == 201
    )
