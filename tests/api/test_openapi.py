"""The OpenAPI document is complete enough to generate clients from and to read: ids, descriptions,
examples that match their schemas, named enums, the security scheme, the raw upload bodies."""

from __future__ import annotations

from typing import Any

import jsonschema_rs
import pytest
from litestar.testing import TestClient

from api.app import create_app
from api.examples import SCHEMAS
from api.openapi import gaps, operations, served
from api.schemas import ENUMS
from stores.infra.settings import Settings


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('openapi') / 'a.sqlite3'}"
    return served(create_app(Settings(database_url=url)))


def _validator(document: dict[str, Any], schema: dict[str, Any]) -> jsonschema_rs.Draft202012Validator:
    # The schema's references point into the document's components: validate with them at hand.
    return jsonschema_rs.Draft202012Validator({**schema, "components": document["components"]})


def test_nothing_is_missing(document: dict[str, Any]) -> None:
    assert gaps(document) == []


def test_gaps_are_found(document: dict[str, Any]) -> None:
    broken = {
        "paths": {"/x": {"get": {"operationId": "X-y", "responses": {"200": {"content": {"text/plain": {}}}}}}},
        "components": {"schemas": {"A": {"properties": {"b": {"type": "string"}}}}},
    }
    found = gaps(broken)
    assert any("not camelCase" in g for g in found) and any("no description" in g for g in found)
    assert any("no example" in g for g in found) and "schema A.b: no description" in found


def test_every_schema_example_is_valid(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    assert set(SCHEMAS) == set(schemas), "one example per schema, no example for a schema that is gone"
    for name, schema in schemas.items():
        errors = [e.message for e in _validator(document, schema).iter_errors(schema["examples"][0])]
        assert errors == [], name


def test_an_example_that_breaks_its_schema_is_caught(document: dict[str, Any]) -> None:
    route = document["components"]["schemas"]["Route"]
    example = {**route["examples"][0], "optimal": "yes"}
    assert not _validator(document, route).is_valid(example)
    stock = document["components"]["schemas"]["LocationOut"]
    assert not _validator(document, stock).is_valid({**stock["examples"][0], "stock": "plenty"})


def test_every_request_and_response_example_is_valid(document: dict[str, Any]) -> None:
    checked = 0
    for path, method, operation in operations(document):
        bodies = [operation.get("requestBody", {})] + [r for code, r in operation["responses"].items() if code < "400"]
        for body in bodies:
            for media, content in body.get("content", {}).items():
                if "json" in media:
                    errors = [
                        e.message for e in _validator(document, content["schema"]).iter_errors(content["example"])
                    ]
                    assert errors == [], f"{method} {path} {media}"
                    checked += 1
    assert checked > 40


def test_enums_are_named_once(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    for name in ENUMS:
        assert schemas[name]["enum"]
    assert schemas["LocationOut"]["properties"]["stock"]["$ref"] == "#/components/schemas/Stock"
    assert schemas["LocationsOut"]["properties"]["stock"]["oneOf"][0]["$ref"] == "#/components/schemas/Stock"
    assert schemas["RouteStop"]["properties"]["kind"]["$ref"] == "#/components/schemas/StopKind"
    # No inline enum with a named enum's values is left anywhere.
    named = {frozenset(schemas[n]["enum"]) for n in ENUMS}

    def inline(node: Any) -> int:
        if isinstance(node, dict):
            here = int("enum" in node and node.get("title") not in ENUMS and frozenset(node["enum"]) - {None} in named)
            return here + sum(inline(v) for v in node.values())
        return sum(inline(v) for v in node) if isinstance(node, list) else 0

    assert inline(document) == 0


def test_declared_enums_are_the_values_the_code_sends() -> None:
    from typing import get_args

    from api.schemas import MissReason
    from catalog.search_log import MISS_REASONS

    assert set(get_args(MissReason)) == MISS_REASONS


def test_the_declared_product_row_is_the_one_imports_read() -> None:
    from api.catalog import ProductIn
    from api.schemas import ProductSize
    from catalog.products import FIELDS, UNITS

    assert set(ProductIn.__struct_fields__) == set(FIELDS)
    from typing import get_args, get_type_hints

    unit = get_type_hints(ProductSize, include_extras=True)["unit"]
    assert set(get_args(get_args(unit)[0])) == set(UNITS.values()), "the units an import takes, as declared"


def test_operation_ids_are_the_readable_ones(document: dict[str, Any]) -> None:
    ids = {(method, path): op["operationId"] for path, method, op in operations(document)}
    assert ids["post", "/v1/stores/{store_id}/route"] == "planRoute"
    assert ids["get", "/v1/stores/{store_id}/products"] == "searchProducts"
    assert ids["put", "/v1/stores/{store_id}/floorplan"] == "uploadFloorPlan"
    assert len(set(ids.values())) == len(ids)


def test_security_is_declared_per_operation(document: dict[str, Any]) -> None:
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": document["components"]["securitySchemes"]["bearer"]["description"],
    }
    by_id = {op["operationId"]: op for _, _, op in operations(document)}
    for guarded in ("uploadFloorPlan", "createStore", "getInsights", "issueToken", "createClosure"):
        assert by_id[guarded]["security"] == [{"bearer": []}], guarded
        assert "401" in by_id[guarded]["responses"]
    for open_to_shoppers in ("planRoute", "searchProducts", "getProductLocations", "sendFeedback"):
        assert by_id[open_to_shoppers]["security"] == [], open_to_shoppers


def test_raw_uploads_have_their_media_types(document: dict[str, Any]) -> None:
    by_id = {op["operationId"]: op for _, _, op in operations(document)}
    plan = by_id["uploadFloorPlan"]["requestBody"]["content"]
    assert set(plan) == {"application/geo+json", "application/json", "application/zip", "image/vnd.dxf"}
    assert plan["application/geo+json"]["schema"] == {"$ref": "#/components/schemas/FloorPlan"}
    assert plan["application/zip"]["schema"]["format"] == "binary"
    products = by_id["importProducts"]["requestBody"]["content"]
    assert products["application/json"]["schema"]["items"] == {"$ref": "#/components/schemas/ProductIn"}
    assert set(by_id["importProductsCsv"]["requestBody"]["content"]) == {"text/csv"}


def test_the_served_document_is_the_finished_one(settings: Settings) -> None:
    with TestClient(app=create_app(settings)) as client:
        served_json = client.get("/schema/openapi.json").json()
    assert gaps(served_json) == []
    assert served_json["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
