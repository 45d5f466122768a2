"""Locust scenarios: shoppers and store managers on a morning, against a running aislepath.

Run by ``tests/load/run.py`` (which starts the server and seeds the stores); the manifest path
comes in ``AISLEPATH_LOAD_MANIFEST``. Shoppers outnumber managers ~40 to 1; a shopper's session
is: find the store, look things up, locate the list, walk the route, re-plan once, now and then
report something. Each Locust user is a succession of shoppers: finding a store starts a new
one (a new phone, store and connection). ``AISLEPATH_LOAD_UPLOAD_AT`` (seconds) uploads a floor
plan and activates a version mid-test, as a manager would.
"""

from __future__ import annotations

import os
import random
import uuid
from typing import Any

import gevent
import orjson
from locust import FastHttpUser, between, constant, events, task

MANIFEST: dict[str, Any] = orjson.loads(open(os.environ["AISLEPATH_LOAD_MANIFEST"], "rb").read())  # noqa: SIM115
ADMIN = {"Authorization": f"Bearer {os.environ['AISLEPATH_LOAD_ADMIN_TOKEN']}"}
THINK = float(os.environ.get("AISLEPATH_LOAD_THINK_S", "1.0"))
WAIT = constant(0) if THINK == 0 else between(THINK / 2, THINK * 1.5)


class Shopper(FastHttpUser):
    weight = 40
    wait_time = WAIT

    def on_start(self) -> None:
        self.arrive()

    def arrive(self) -> None:
        """A new shopper takes this user's place: own phone (client id), store and connection.

        A phone's keep-alive connection does not outlive a trip (servers drop idle ones after
        seconds), so connections come and go as on a real morning and a new one goes to
        whichever worker accepts it first, not to the worker that got it at the test's start.
        """
        self.client.client.clientpool.close()
        self.headers = {"X-Client-Id": uuid.uuid4().hex}
        self.store = random.choice(MANIFEST["stores"])
        self.base = f"/v1/stores/{self.store['id']}"

    def shopping_list(self, size: int) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = [{"sku": s} for s in random.sample(self.store["placed"], size - 2)]
        items += [{"query": " ".join(random.sample(MANIFEST["words"], 2))} for _ in range(2)]
        return items

    @task(1)
    def find_store(self) -> None:
        self.arrive()
        lat, lon = self.store["lat"] + random.uniform(-0.01, 0.01), self.store["lon"] + random.uniform(-0.01, 0.01)
        self.client.get(f"/v1/stores?lat={lat}&lon={lon}&radius_m=5000&limit=5", name="find store",
                        headers=self.headers)  # fmt: skip

    @task(10)
    def where_is_it(self) -> None:
        sku = random.choice(self.store["placed"])
        self.client.get(f"{self.base}/products/{sku}/locations", name="product locations", headers=self.headers)

    @task(5)
    def search(self) -> None:
        word = random.choice(MANIFEST["words"])
        typo = word[:-2] + word[-1] + word[-2] if random.random() < 0.3 else word  # a swapped letter
        self.client.get(f"{self.base}/products?q={typo}&limit=10", name="search", headers=self.headers)

    @task(2)
    def locate_list(self) -> None:
        self.client.post(f"{self.base}/locate", json={"items": self.shopping_list(30)}, name="locate 30 items",
                         headers=self.headers)  # fmt: skip

    @task(3)
    def route_and_replan(self) -> None:
        with self.client.post(f"{self.base}/route", json={"items": self.shopping_list(20)}, name="route 20 items",
                              headers=self.headers, catch_response=True) as response:  # fmt: skip
            if response.status_code != 200:
                response.failure(f"route: {response.status_code}")
                return
            stops = response.json()["stops"]
        here = stops[len(stops) // 2]  # mid-trip: re-plan from where the shopper stands
        rest = [{"sku": s["sku"]} for s in stops[len(stops) // 2 + 1 : -1] if s.get("sku")]
        if rest:
            self.client.post(f"{self.base}/route", json={"items": rest, "start": {"x": here["x"], "y": here["y"]}},
                             name="re-plan mid-trip", headers=self.headers)  # fmt: skip

    @task(1)
    def feedback(self) -> None:
        if random.random() < 0.5:
            body: dict[str, Any] = {"kind": "route_rating", "rating": random.randint(3, 5)}
        else:
            row = random.choice(self.store["placements"])
            body = {
                "kind": random.choice(["not_at_location", "out_of_stock"]),
                "sku": row["sku"],
                "shelf": row["shelf"],
            }
        self.client.post(f"{self.base}/feedback", json=body, name="feedback", headers=self.headers)


class Manager(FastHttpUser):
    """A store manager's handheld: a stock count or a small change every ~10 think times."""

    weight = 1
    wait_time = constant(0) if THINK == 0 else between(THINK * 5, THINK * 15)

    def on_start(self) -> None:
        self.store = random.choice(MANIFEST["stores"])
        self.base = f"/v1/stores/{self.store['id']}"

    @task(8)
    def stock_update(self) -> None:
        rows = random.sample(self.store["placements"], 20)
        body = [
            {"sku": r["sku"], "shelf": r["shelf"], "stock": random.choice(["in_stock", "low", "out"])} for r in rows
        ]
        self.client.post(f"{self.base}/placements", json=body, name="stock update (20 rows)", headers=ADMIN)

    @task(2)
    def move_products(self) -> None:
        rows = random.sample(self.store["placements"], 5)
        body = [{"sku": r["sku"], "shelf": random.choice(self.store["shelves"]), "position_m": 0.5} for r in rows]
        self.client.post(f"{self.base}/placements", json=body, name="placements upsert (5 rows)", headers=ADMIN)

    @task(1)
    def insights(self) -> None:
        self.client.get(f"{self.base}/insights?limit=50", name="insights", headers=ADMIN)


class Hello(FastHttpUser):
    """Only for the ceiling measurement (AISLEPATH_LOAD_HELLO=1): the framework's hello world."""

    weight = 0
    wait_time = WAIT

    @task
    def hello(self) -> None:
        self.client.get("/health", name="hello world (/health)")


if os.environ.get("AISLEPATH_LOAD_HELLO") == "1":
    Shopper.weight, Manager.weight, Hello.weight = 0, 0, 1
#: One shopper task alone (a method name of Shopper): an endpoint's own ceiling (run.py --alone).
ALONE = os.environ.get("AISLEPATH_LOAD_ALONE")
if ALONE:
    Shopper.tasks, Manager.weight = [getattr(Shopper, ALONE)], 0


@events.test_start.add_listener
def _plan_change_mid_test(environment: Any, **_: Any) -> None:
    at = float(os.environ.get("AISLEPATH_LOAD_UPLOAD_AT", "0"))
    if at <= 0 or environment.host is None:
        return

    def change() -> None:
        from locust.contrib.fasthttp import FastHttpSession

        gevent.sleep(at)
        session = FastHttpSession(environment.host, environment.events.request, None, network_timeout=120.0)
        store = next(s for s in MANIFEST["stores"] if s["id"] == "load-super")
        body = orjson.dumps(MANIFEST["upload_plan"])
        headers = {**ADMIN, "content-type": "application/json"}
        session.request("PUT", f"/v1/stores/{store['id']}/floorplan?publish=true", data=body, headers=headers,
                        name="floor plan upload")  # fmt: skip
        session.request("POST", f"/v1/stores/{store['id']}/floorplan/versions/1/activate", headers=ADMIN,
                        name="floor plan activate")  # fmt: skip

    gevent.spawn(change)
