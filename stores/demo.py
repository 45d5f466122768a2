"""The demo chain: a handful of stores at real coordinates (one near the antimeridian)."""

from __future__ import annotations

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from stores.bulk import insert_stores
from stores.models import Store

#: Mon to Sat 07:00-22:00, closed on Sundays and on the Christmas holidays (German and Austrian shops).
_SHOP_HOURS = {
    "weekly": {day: [["07:00", "22:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat")},
    "exceptions": [{"date": "2026-12-24", "hours": [["07:00", "14:00"]]}, {"date": "2026-12-25", "hours": []},
                   {"date": "2026-12-26", "hours": []}],
}  # fmt: skip
#: Every day 08:00-22:00 (Dutch and Fijian shops open on Sundays).
_EVERY_DAY = {"weekly": {day: [["08:00", "22:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}}

DEMO_STORES: list[dict[str, object]] = [
    {"id": "berlin-mitte", "name": "Fresh Market Berlin Mitte", "lat": 52.5219, "lon": 13.4132,
     "address": "Alexanderplatz 7, 10178 Berlin", "city": "Berlin", "postcode": "10178", "timezone": "Europe/Berlin",
     "opening_hours": _SHOP_HOURS},
    {"id": "berlin-kreuzberg", "name": "Fresh Market Kreuzberg", "lat": 52.4986, "lon": 13.4031,
     "address": "Oranienstraße 40, 10999 Berlin", "city": "Berlin", "postcode": "10999", "timezone": "Europe/Berlin",
     "opening_hours": _SHOP_HOURS},
    {"id": "hamburg-altona", "name": "Fresh Market Altona", "lat": 53.5509, "lon": 9.9354,
     "address": "Ottenser Hauptstraße 10, 22765 Hamburg", "city": "Hamburg", "postcode": "22765",
     "timezone": "Europe/Berlin", "opening_hours": _SHOP_HOURS},
    {"id": "munich-schwabing", "name": "Fresh Market Schwabing", "lat": 48.1620, "lon": 11.5860,
     "address": "Leopoldstraße 82, 80802 München", "city": "München", "postcode": "80802",
     "timezone": "Europe/Berlin", "opening_hours": _SHOP_HOURS},
    {"id": "vienna-neubau", "name": "Fresh Market Neubau", "lat": 48.2005, "lon": 16.3490,
     "address": "Mariahilfer Straße 120, 1070 Wien", "city": "Wien", "postcode": "1070", "timezone": "Europe/Vienna",
     "opening_hours": _SHOP_HOURS},
    {"id": "amsterdam-west", "name": "Fresh Market Amsterdam West", "lat": 52.3702, "lon": 4.8652,
     "address": "Jan Evertsenstraat 100, 1056 Amsterdam", "city": "Amsterdam", "postcode": "1056",
     "timezone": "Europe/Amsterdam", "opening_hours": _EVERY_DAY},
    {"id": "suva-central", "name": "Fresh Market Suva", "lat": -18.1416, "lon": 178.4419,
     "address": "Victoria Parade, Suva, Fiji", "city": "Suva", "timezone": "Pacific/Fiji",
     "opening_hours": _EVERY_DAY},
]  # fmt: skip


#: Floor area of each demo store's synthetic plan, m².
DEMO_AREAS = {"berlin-mitte": 4_000, "berlin-kreuzberg": 1_200, "hamburg-altona": 6_000, "munich-schwabing": 2_500,
              "vienna-neubau": 3_000, "amsterdam-west": 800, "suva-central": 300}  # fmt: skip
#: Demo stores on several levels (their area split between them), joined by a lift, escalators and stairs.
DEMO_LEVELS = {"hamburg-altona": 2}


async def load_demo_floorplans(session: AsyncSession) -> int:
    """Give every demo store without a floor plan a synthetic one; returns how many were added."""
    from stores.floorplan.service import upload_plan
    from stores.floorplan.synthetic import synthetic_levels, synthetic_store

    added = 0
    for store_id, area in DEMO_AREAS.items():
        store = await session.get(Store, store_id)
        if store is None or store.floorplan_version is not None:
            continue
        levels = DEMO_LEVELS.get(store_id, 1)
        plan = synthetic_store(area, seed=len(store_id)) if levels == 1 else synthetic_levels(area / levels, levels)
        body = orjson.dumps(plan)
        await upload_plan(session, store_id, body, "application/json", created_by="demo")
        added += 1
    return added


async def load_demo_stores(session: AsyncSession) -> int:
    """Insert the demo stores that are not there yet; returns how many were added."""
    existing = set((await session.scalars(select(Store.id))).all())
    return await insert_stores(session, (s for s in DEMO_STORES if s["id"] not in existing))
