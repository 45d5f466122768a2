"""The console in a real browser: Playwright for Python driving Debian's chromium (``/usr/bin/chromium``;
Playwright's own browser download is not used) against ``aislepath serve``.

One manager's afternoon, as the issue tells it: sign in, upload a broken plan and see its problems
on the map, upload the fixed plan, see the diff, publish, upload a planogram CSV with a bad row,
accept a suspect location, draw a closure and see a route avoid it, sign out. Each step saves a
screenshot under ``var/console/``.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import shapely
from shapely.geometry import LineString

from stores.infra.settings import REPO_ROOT
from tests.catalog.conftest import PRODUCTS
from tests.conftest import fresh_database
from tests.support.ascii_plan import TWO_AISLES, ascii_plan
from tests.support.server import ADMIN, Server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = REPO_ROOT / "var" / "console"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
AUTH = {"Authorization": f"Bearer {ADMIN}"}


@pytest.fixture(scope="module")
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    url = fresh_database("sqlite", request, tmp_path_factory.mktemp("console"))
    started = Server(url)
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture(scope="module")
def page(server: Server) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        tab = context.new_page()
        tab.on("dialog", lambda dialog: dialog.accept())  # "Publish version 1?"
        yield tab
        browser.close()


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def click_at(page: Any, x: float, y: float) -> None:
    """Click the map at store-frame metres (x, y)."""
    at = page.evaluate(
        """([x, y]) => {
            const svg = document.querySelector('#map svg');
            const pt = svg.createSVGPoint(); pt.x = x; pt.y = parseFloat(svg.dataset.flip) - y;
            const p = pt.matrixTransform(svg.getScreenCTM());
            return [p.x, p.y];
        }""",
        [x, y],
    )
    page.mouse.click(at[0], at[1])


def test_a_manager_runs_a_store_from_the_browser(server: Server, page: Any, tmp_path: Path) -> None:
    api = httpx.Client(base_url=server.url, headers=AUTH, timeout=30)
    assert api.post("/v1/stores", json={"id": "s1", "name": "Corner shop", "lat": 1, "lon": 1}).status_code == 201
    assert api.put("/v1/products", json=PRODUCTS).status_code == 200
    token = api.post("/v1/tokens", json={"role": "manager", "stores": ["s1"], "name": "Ana"}).json()["token"]

    # Sign in.
    page.goto(f"{server.url}/console")
    assert page.url.endswith("/console/login")
    page.get_by_label("Token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{server.url}/console")
    assert token not in page.content()
    page.get_by_role("link", name="Corner shop").click()
    page.wait_for_url("**/console/stores/s1")
    shot(page, "01-signed-in")

    # A broken plan: its problems on the map and in a table.
    plan = ascii_plan(TWO_AISLES)
    broken = orjson.loads(orjson.dumps(plan))
    fixture = next(f for f in broken["features"] if f["properties"]["kind"] == "fixture")
    fixture["geometry"]["coordinates"] = [[[1, 6], [3, 7], [3, 6], [1, 7], [1, 6]]]  # crosses itself
    (tmp_path / "broken.json").write_bytes(orjson.dumps(broken))
    (tmp_path / "plan.json").write_bytes(orjson.dumps(plan))
    page.set_input_files("#plan-file", str(tmp_path / "broken.json"))
    page.get_by_role("button", name="Upload as draft").click()
    page.wait_for_selector("#plan-problems")
    page.wait_for_selector("#map .bad", state="attached")
    assert page.locator("#map .offending").count() >= 1
    assert fixture["properties"]["id"] in page.locator("#plan-problems").inner_text()
    shot(page, "02-broken-plan")

    # The fixed plan: a draft, its diff, published.
    page.set_input_files("#plan-file", str(tmp_path / "plan.json"))
    page.get_by_role("button", name="Upload as draft").click()
    page.wait_for_selector("#diff")
    assert "Shelves added" in page.locator("#diff").inner_text()
    shot(page, "03-draft-diff")
    page.locator("#publish").click()
    page.wait_for_selector("#published")
    assert api.get("/v1/stores/s1").json()["floorplan_version"] == 1
    page.wait_for_selector("#map #shelf-s1", state="attached")
    shot(page, "04-published")

    # A planogram with a bad row: the row named in a table, nothing written; then the good one.
    rows = "sku,shelf,position_m\nbread-1,s8,0.5\nmilk-1,s2,0.5\nrice-1,s99,0.5\npeas-1,s16,0.5\n"
    (tmp_path / "bad.csv").write_text(rows)
    page.set_input_files("#planogram-file", str(tmp_path / "bad.csv"))
    page.get_by_role("button", name="Upload planogram").click()
    page.wait_for_selector("#planogram-problems")
    assert "row 4" in page.locator("#planogram-problems").inner_text()
    shot(page, "05-planogram-problems")
    (tmp_path / "good.csv").write_text(rows.replace("s99", "s12"))
    page.set_input_files("#planogram-file", str(tmp_path / "good.csv"))
    page.get_by_role("button", name="Upload planogram").click()
    page.wait_for_selector("#planogram-saved")

    # Shoppers say the bread is elsewhere: accept the suggestion; the suspect leaves the list.
    for client in ("phone-1", "phone-2", "phone-3"):
        report = {"kind": "found_elsewhere", "sku": "bread-1", "shelf": "s5", "position_m": 0.5}
        assert httpx.post(f"{server.url}/v1/stores/s1/feedback", json=report,
                          headers={"X-Client-Id": client}).status_code == 202  # fmt: skip
    page.get_by_role("button", name="Refresh").click()
    page.wait_for_selector('#suspects tr[data-sku="bread-1"] button.accept')
    shot(page, "06-suspect")
    page.locator('#suspects tr[data-sku="bread-1"] button.accept').click()
    page.wait_for_selector('#suspects tr[data-sku="bread-1"]', state="detached")
    assert api.get("/v1/stores/s1/products/bread-1/locations").json()["locations"][0]["shelf"] == "s5"

    # A closure drawn on the map across the north aisle's east end; the route walks around it.
    page.get_by_role("button", name="Draw an area").click()
    area = [(11.2, 3.05), (13.9, 3.05), (13.9, 4.95), (11.2, 4.95)]
    for x, y in area:
        click_at(page, x, y)
    page.get_by_role("button", name="Finish area").click()
    page.wait_for_selector("#closure-made")
    assert page.locator("#closure-list tbody tr").count() == 1
    shot(page, "07-closure")
    route = api.post("/v1/stores/s1/route", json={"items": [{"sku": "bread-1"}, {"sku": "rice-1"}]}).json()
    closed = shapely.Polygon(area).buffer(-0.05)
    assert not LineString(route["path"]).intersects(closed), "the route crosses the closed area"
    assert route["closures"]
    page.get_by_label("Try a route (skus, comma-separated)").fill("bread-1,rice-1")
    page.get_by_role("button", name="Show route").click()
    page.wait_for_selector("#map #route", state="attached")
    shot(page, "08-route-around-the-closure")

    # By keyboard: close a shelf by typing its id; lift it again.
    page.get_by_role("button", name="Pick a shelf").click()
    page.get_by_label("Shelf", exact=True).fill("s3")
    page.get_by_label("Shelf", exact=True).press("Enter")
    page.wait_for_function("document.querySelectorAll('#closure-list tbody tr').length === 2")
    assert "shelf s3" in page.locator("#closure-list").inner_text()
    page.locator("#closure-list tbody tr", has_text="shelf s3").get_by_role("button", name="Lift").click()
    page.wait_for_function("document.querySelectorAll('#closure-list tbody tr').length === 1")

    # On a tablet: the map above the panels, within the screen.
    page.set_viewport_size({"width": 820, "height": 1180})
    page.reload()
    page.wait_for_selector("#map #shelf-s1", state="attached")
    box = page.locator("#map").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 820
    shot(page, "09-tablet")
    page.set_viewport_size({"width": 1400, "height": 900})

    # Sign out: the console asks for a token again.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/console/login")
    page.goto(f"{server.url}/console")
    assert page.url.endswith("/console/login")
    shot(page, "10-signed-out")
