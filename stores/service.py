"""Store records and the nearest-store query."""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import available_timezones

import numpy as np
from geoalchemy2 import WKTElement
from sqlalchemy import ColumnElement, column, func, literal_column, or_, select, table
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from stores import hours
from stores.infra.db import transaction
from stores.infra.errors import Conflict, Invalid, NotFound, Problem
from stores.infra.text import normalise
from stores.locator import HALF_MERIDIAN_M, Box, geodesic_distances_m, search_boxes
from stores.models import Store

STORE_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
_FIRST_SEARCH_RADIUS_M = 25_000.0
_TIMEZONES = frozenset(available_timezones())


@dataclass(frozen=True, slots=True)
class NearbyStore:
    store: Store
    distance_m: float


def _slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:40]
    return f"{slug or 'store'}-{secrets.token_hex(3)}"


async def create_store(
    session: AsyncSession,
    *,
    name: str,
    lat: float,
    lon: float,
    store_id: str | None = None,
    address: str | None = None,
    timezone: str | None = None,
    city: str | None = None,
    postcode: str | None = None,
    opening_hours: dict[str, Any] | None = None,
) -> Store:
    """Insert a store. Raises Conflict when the id is taken, Invalid on an unknown time zone or
    bad opening hours."""
    _check_timezone(timezone)
    store = Store(
        id=store_id or _slug(name),
        name=name,
        lat=lat,
        lon=lon,
        location=WKTElement(f"POINT({lon!r} {lat!r})", srid=4326),
        address=address,
        city=city,
        postcode=postcode,
        timezone=timezone,
        opening_hours=hours.check(opening_hours),
    )
    store.search_text = _search_text(store)
    try:
        async with transaction(session):
            session.add(store)
    except IntegrityError as exc:
        raise Conflict(
            f"A store with id {store.id!r} exists already.",
            [Problem("duplicate_id", "store id already taken", pointer="/id")],
        ) from exc
    return store


def _check_timezone(timezone: str | None) -> None:
    if timezone is not None and timezone not in _TIMEZONES:
        raise Invalid(
            "Unknown time zone.",
            [
                Problem(
                    "unknown_timezone",
                    f"{timezone!r} is not an IANA time zone",
                    pointer="/timezone",
                )
            ],
        )


#: What an update may change (a store's location is fixed: a new site is a new store).
UPDATABLE = ("name", "address", "city", "postcode", "timezone", "opening_hours")


async def update_store(session: AsyncSession, store_id: str, **changes: Any) -> Store:
    """Change a store's name, address, city, postcode, time zone or opening hours."""
    store = await get_store(session, store_id)
    _check_timezone(changes.get("timezone"))
    if "opening_hours" in changes:
        changes["opening_hours"] = hours.check(changes["opening_hours"])
    for name in UPDATABLE:
        if name in changes:
            setattr(store, name, changes[name])
    store.search_text = _search_text(store)
    await session.commit()
    return store


def search_text(name: str, city: str | None, postcode: str | None, address: str | None) -> str:
    """What the locator's text search reads of a store."""
    return normalise(" ".join(p for p in (name, city, postcode, address) if p))[:1000]


def _search_text(store: Store) -> str:
    return search_text(store.name, store.city, store.postcode, store.address)


async def search_stores(session: AsyncSession, query: str, limit: int) -> list[Store]:
    """Stores whose name, city, postcode or address hold every word of ``query`` (case- and
    accent-blind): first those whose city, postcode or name is the query, then those holding it as
    whole words, then starting with it, then the rest; by name within each."""
    wanted = normalise(query)
    terms = wanted.split()[:8]
    if not terms:
        return []
    matching = select(Store).where(*(Store.search_text.contains(term, autoescape=True) for term in terms))
    found = (await session.scalars(matching.order_by(Store.name, Store.id).limit(1000))).all()

    def rank(store: Store) -> tuple[int, str, str]:
        fields = [normalise(v) for v in (store.city, store.postcode, store.name) if v]
        if wanted in fields:
            tier = 0  # the city, the postcode or the name itself
        elif any(f" {wanted} " in f" {field} " for field in fields):
            tier = 1  # whole words of one of them
        elif any(field.startswith(wanted) for field in fields):
            tier = 2
        else:
            tier = 3
        return (tier, normalise(store.name), store.id)

    return sorted(found, key=rank)[:limit]


async def get_store(session: AsyncSession, store_id: str) -> Store:
    store = await session.get(Store, store_id)
    if store is None:
        raise NotFound(f"No store with id {store_id!r}.")
    return store


# SpatiaLite keeps a spatial index as an R*Tree virtual table named idx_<table>_<column>.
_STORES_RTREE = table(
    "idx_stores_location",
    column("pkid"),
    column("xmin"),
    column("xmax"),
    column("ymin"),
    column("ymax"),
)


def _box_filter(dialect: str, boxes: list[Box]) -> ColumnElement[bool]:
    """A WHERE clause that the spatial index answers: GiST ``&&`` or SpatiaLite's R*Tree."""
    clauses: list[ColumnElement[bool]] = []
    for box in boxes:
        if dialect == "postgresql":
            envelope = func.ST_MakeEnvelope(box.min_lon, box.min_lat, box.max_lon, box.max_lat, 4326)
            clauses.append(Store.location.op("&&")(envelope))
        else:
            rt = _STORES_RTREE.c
            in_box = select(rt.pkid).where(
                rt.xmin <= box.max_lon,
                rt.xmax >= box.min_lon,
                rt.ymin <= box.max_lat,
                rt.ymax >= box.min_lat,
            )
            clauses.append(literal_column("stores.rowid").in_(in_box))
    return or_(*clauses)


async def nearby_stores(
    session: AsyncSession,
    *,
    lat: float,
    lon: float,
    radius_m: float | None = None,
    limit: int = 10,
) -> list[NearbyStore]:
    """The ``limit`` stores nearest to (lat, lon), nearest first, within ``radius_m`` if given.

    Searches the spatial index in growing circles (25 km, then x4) until ``limit`` stores lie
    inside the circle, so a dense city reads a few rows and a remote farm a few more; only when
    there are fewer than ``limit`` stores in the world does it read them all.
    """
    dialect = session.get_bind().dialect.name
    cap = min(radius_m, HALF_MERIDIAN_M) if radius_m is not None else HALF_MERIDIAN_M
    radius = min(_FIRST_SEARCH_RADIUS_M, cap)
    while True:
        rows = (await session.scalars(select(Store).where(_box_filter(dialect, search_boxes(lat, lon, radius))))).all()
        inside = _nearest(rows, lat, lon, radius)
        if len(inside) >= limit or radius >= cap:
            return inside[:limit]
        radius = min(radius * 4.0, cap)


def _nearest(stores: Sequence[Store], lat: float, lon: float, radius_m: float | None) -> list[NearbyStore]:
    """``stores`` within ``radius_m`` of (lat, lon) (any distance for None), nearest first."""
    lats = np.array([s.lat for s in stores], dtype=float)
    distances = geodesic_distances_m(lat, lon, lats, np.array([s.lon for s in stores], dtype=float)).tolist()
    inside = [(d, s) for d, s in zip(distances, stores, strict=True) if radius_m is None or d <= radius_m]
    inside.sort(key=lambda pair: (pair[0], pair[1].id))
    return [NearbyStore(store, distance) for distance, store in inside]


async def search_stores_near(
    session: AsyncSession, query: str, lat: float, lon: float, radius_m: float | None, limit: int
) -> list[NearbyStore]:
    """The stores :func:`search_stores` finds for ``query`` (at most 1,000), nearest first."""
    return _nearest(await search_stores(session, query, 1000), lat, lon, radius_m)[:limit]
