"""Building a floor plan from an upload: read it (an IMDF archive is converted), parse,
validate and compile. Pure CPU work on the upload's bytes: the compile process runs it
(``stores.floorplan.worker``), so one budget of time and memory bounds all of it."""

from __future__ import annotations

import io
import time
import zipfile
from typing import Any

import orjson

from stores.floorplan.artifact import MAX_ARTIFACT_BYTES, stored_bytes
from stores.floorplan.compile import Compiled, compile_plan
from stores.floorplan.parse import PlanInvalid, PlanLimits, parse_plan
from stores.floorplan.plan import FloorPlan
from stores.infra.errors import Problem, UnsupportedMedia

DXF_MEDIA = ("image/vnd.dxf", "application/dxf", "application/x-dxf", "image/x-dxf")


def upload_format(body: bytes, content_type: str) -> str:
    """The upload's source format ("geojson", "imdf" for a zip, "dxf"), from its media type and
    first bytes; reading it is left to :func:`build_upload` (in the compile process)."""
    media = content_type.split(";")[0].strip().lower()
    if media in ("application/zip", "application/x-zip-compressed") or body[:4] == b"PK\x03\x04":
        return "imdf"  # or a zipped DXF drawing: decode_upload looks inside
    if (
        media in DXF_MEDIA
        or body[:18] == b"AutoCAD Binary DXF"
        or body.lstrip()[:10] in (b"0\r\nSECTION", b"0\nSECTION")
    ):
        return "dxf"
    if media not in ("application/json", "application/geo+json", ""):
        raise UnsupportedMedia(
            f"Send a floor plan as application/json (GeoJSON v1), application/zip (IMDF, or a DXF drawing with its "
            f"mapping) or image/vnd.dxf (DXF), not {media!r}."
        )
    return "geojson"


def _holds_drawing(body: bytes) -> bool:
    """A zip of a DXF drawing (no IMDF manifest, a .dxf member)."""
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            names = [n.lower() for n in archive.namelist()[:10_000]]
    except (zipfile.BadZipFile, EOFError, ValueError, OSError):
        return False
    return any(n.endswith(".dxf") for n in names) and not any(n.rpartition("/")[2] == "manifest.json" for n in names)


def decode_upload(body: bytes, source_format: str) -> Any:
    """The v1 GeoJSON document of an upload body (an IMDF archive or a DXF drawing is converted)."""
    if source_format == "dxf" or (source_format == "imdf" and _holds_drawing(body)):
        from stores.floorplan.dxf import dxf_to_v1

        return dxf_to_v1(body)
    if source_format == "imdf":
        from stores.floorplan.imdf import imdf_to_v1

        return imdf_to_v1(body)
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise PlanInvalid("The body is not JSON.", [Problem("malformed_json", str(exc), pointer="")]) from exc


def build(document: Any, limits: PlanLimits | None = None) -> tuple[FloorPlan, Compiled, float]:
    """Parse, validate and compile (CPU-bound; run it in a thread). Returns compile seconds too."""
    started = time.perf_counter()
    plan = parse_plan(document, limits)
    compiled = compile_plan(plan)
    if (size := stored_bytes(compiled)) > MAX_ARTIFACT_BYTES:
        message = f"it compiles to {size / 2**20:.0f} MiB; at most {MAX_ARTIFACT_BYTES / 2**20:.0f} MiB"
        raise PlanInvalid("The floor plan is too complex.", [Problem("too_complex", message, pointer="")])
    return plan, compiled, time.perf_counter() - started


def build_upload(body: bytes, source_format: str) -> tuple[FloorPlan, Compiled, float]:
    """Read (an IMDF archive is converted), parse, validate and compile an upload body: all the
    work an upload costs, so that the compile process bounds all of it in time and memory."""
    started = time.perf_counter()
    document = decode_upload(body, source_format)
    imported = document.pop("import", None) if source_format != "geojson" else None
    plan, compiled, _ = build(document)
    plan.imported = imported
    return plan, compiled, time.perf_counter() - started


def problems_picture(body: bytes, source_format: str, level_id: str | None = None) -> str:
    """An upload as sent (an IMDF archive or a DXF drawing as converted), drawn with every problem
    validation finds on it (``svg.render_problems``); a problem in reading it is listed alone."""
    from stores.floorplan.svg import render_problems

    try:
        document = decode_upload(body, source_format)
    except PlanInvalid as invalid:
        return render_problems(None, invalid.problems, level_id)
    try:
        parse_plan(document)
        found: list[Problem] = []
    except PlanInvalid as invalid:
        found = invalid.problems
    return render_problems(document, found, level_id)
