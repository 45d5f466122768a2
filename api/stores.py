"""Stores and the store locator."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Response, get, patch, post
from litestar.exceptions import ValidationException
from litestar.params import FromPath, JSONBody, Parameter

from api.dependencies import Session
from api.guards import ADMIN_WRITE, MANAGER_WRITE
from api.http import strong_etag, validators
from api.schemas import StoreId, doc, encoded, stored
from stores import hours, service
from stores.models import Store
from stores.service import STORE_ID_PATTERN

Latitude = Annotated[float, doc("WGS84 latitude, degrees.", ge=-90.0, le=90.0)]
Longitude = Annotated[float, doc("WGS84 longitude, degrees.", ge=-180.0, le=180.0)]


Clock = Annotated[str, doc("HH:MM, 00:00 to 24:00.", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$")]
Intervals = Annotated[
    list[Annotated[list[Clock], msgspec.Meta(min_length=2, max_length=2)]],
    doc("[open, close] pairs; a close before its open runs past midnight.", max_length=6),
]


class DatedHours(msgspec.Struct, forbid_unknown_fields=True):
    """A date's own hours (a holiday, a late opening), in place of its weekday's."""

    date: Annotated[str, doc("YYYY-MM-DD, in the store's time zone.", pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    hours: Intervals


class OpeningHours(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """When a store is open: a week of intervals and dated exceptions (a day left out is closed)."""

    weekly: Annotated[
        dict[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], Intervals], doc("Per weekday.")
    ] = {}
    exceptions: Annotated[list[DatedHours], doc("Dates with other hours (none: closed).", max_length=400)] = []


def _hours(value: OpeningHours | None) -> dict[str, Any] | None:
    return None if value is None else msgspec.to_builtins(value)


class StoreCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A new store."""

    name: Annotated[str, doc("Its name for shoppers.", min_length=1, max_length=200)]
    lat: Latitude
    lon: Longitude
    id: Annotated[str, doc("Its id (default: made from the name).", pattern=STORE_ID_PATTERN)] | None = None
    address: Annotated[str, doc("Its street address.", max_length=500)] | None = None
    timezone: Annotated[str, doc("Its IANA time zone, e.g. `Europe/Berlin`.", max_length=64)] | None = None
    city: Annotated[str, doc("Its city (the locator's text search finds it).", max_length=100)] | None = None
    postcode: Annotated[str, doc("Its postcode.", max_length=20)] | None = None
    opening_hours: Annotated[OpeningHours | None, doc("When it is open.")] = None


class StoreUpdate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """What to change (fields left out stay as they are)."""

    name: Annotated[str, doc("A new name.", min_length=1, max_length=200)] | msgspec.UnsetType = msgspec.UNSET
    address: Annotated[str, doc("A new address (null: none).", max_length=500)] | msgspec.UnsetType | None = (
        msgspec.UNSET
    )
    timezone: Annotated[str, doc("A new time zone (null: none).", max_length=64)] | msgspec.UnsetType | None = (
        msgspec.UNSET
    )
    city: Annotated[str, doc("A new city (null: none).", max_length=100)] | msgspec.UnsetType | None = msgspec.UNSET
    postcode: Annotated[str, doc("A new postcode (null: none).", max_length=20)] | msgspec.UnsetType | None = (
        msgspec.UNSET
    )
    opening_hours: Annotated[OpeningHours | msgspec.UnsetType | None, doc("New hours (null: none).")] = msgspec.UNSET


class StoreOut(msgspec.Struct):
    """A store."""

    id: StoreId
    name: Annotated[str, doc("Its name.")]
    lat: Latitude
    lon: Longitude
    address: Annotated[str | None, doc("Its street address.")]
    timezone: Annotated[str | None, doc("Its IANA time zone.")]
    city: Annotated[str | None, doc("Its city.")]
    postcode: Annotated[str | None, doc("Its postcode.")]
    opening_hours: Annotated[OpeningHours | None, doc("When it is open (null: not given).")]
    open_now: Annotated[bool | None, doc("Whether it is open now, in its time zone (null: no hours given).")]
    floorplan_version: Annotated[int | None, doc("The live floor plan's version (null before the first).")]
    planogram_version: Annotated[int, doc("The planogram's version (0 before the first).")]
    created_at: Annotated[datetime, doc("When it was created.")]

    @classmethod
    def of(cls, store: Store) -> StoreOut:
        return cls(
            id=store.id,
            name=store.name,
            lat=store.lat,
            lon=store.lon,
            address=store.address,
            timezone=store.timezone,
            city=store.city,
            postcode=store.postcode,
            opening_hours=stored(store.opening_hours),
            open_now=hours.is_open(store.opening_hours, store.timezone, datetime.now(UTC)),
            floorplan_version=store.floorplan_version,
            planogram_version=store.planogram_version or 0,
            created_at=store.created_at,
        )


class NearbyStoreOut(msgspec.Struct):
    """A store near the point asked about."""

    id: StoreId
    name: Annotated[str, doc("Its name.")]
    lat: Latitude
    lon: Longitude
    distance_m: Annotated[float | None, doc("Metres from the point asked about (null: no point was given).")]
    address: Annotated[str | None, doc("Its street address.")]
    timezone: Annotated[str | None, doc("Its IANA time zone.")]
    city: Annotated[str | None, doc("Its city.")]
    postcode: Annotated[str | None, doc("Its postcode.")]
    open_now: Annotated[bool | None, doc("Whether it is open now, in its time zone (null: no hours given).")]
    floorplan_version: Annotated[int | None, doc("The live floor plan's version (null: no plan yet).")]

    @classmethod
    def of(cls, store: Store, distance_m: float | None, now: datetime) -> NearbyStoreOut:
        return cls(
            store.id, store.name, store.lat, store.lon, None if distance_m is None else round(distance_m, 1),
            store.address, store.timezone, store.city, store.postcode,
            hours.is_open(store.opening_hours, store.timezone, now), store.floorplan_version,
        )  # fmt: skip


class StoreList(msgspec.Struct):
    """Stores, nearest first (or, found by text alone, best match first)."""

    stores: Annotated[list[NearbyStoreOut], doc("At most `limit` stores (within `radius_m` of a point).")]


class StoreController(Controller):
    path = "/stores"
    tags = ["stores"]

    @post("/", guards=ADMIN_WRITE, operation_id="createStore", summary="Create a store (admin)")
    async def create(self, data: JSONBody[StoreCreate], db: Session) -> StoreOut:
        """A store with no floor plan yet; 409 when its id is taken."""
        store = await service.create_store(
            db,
            name=data.name,
            lat=data.lat,
            lon=data.lon,
            store_id=data.id,
            address=data.address,
            timezone=data.timezone,
            city=data.city,
            postcode=data.postcode,
            opening_hours=_hours(data.opening_hours),
        )
        return StoreOut.of(store)

    @get("/", operation_id="listStores", summary="Find stores: nearest to a point, or by name, city or postcode")
    async def nearby(
        self,
        db: Session,
        lat: Annotated[float | None, Parameter(ge=-90.0, le=90.0, description="WGS84 latitude (with lon)")] = None,
        lon: Annotated[float | None, Parameter(ge=-180.0, le=180.0, description="WGS84 longitude (with lat)")] = None,
        q: Annotated[
            str | None,
            Parameter(min_length=1, max_length=100, description="Words of the name, city, postcode or address."),
        ] = None,
        radius_m: Annotated[float | None, Parameter(gt=0.0, le=25_000_000.0, description="Metres (default: any).")] = (
            None
        ),
        limit: Annotated[int, Parameter(ge=1, le=100, description="At most this many stores.")] = 10,
    ) -> StoreList:
        """The store locator. With a point (`lat`, `lon`): the nearest stores, by distance on the WGS84
        ellipsoid. With `q` (case- and accent-blind): the stores whose name, city, postcode or address hold
        its words, those whose name, city or postcode starts with it first; with a point too, nearest
        first. Each says whether it is open now, in its own time zone."""
        now = datetime.now(UTC)
        if (lat is None) != (lon is None) or (lat is None and q is None):
            missing = "lat" if lat is None else "lon"
            raise ValidationException(
                "Give a point (lat and lon), words (q), or both.",
                extra=[{"key": missing, "source": "query", "message": "lat and lon together, or q"}],
            )
        if q is None:
            assert lat is not None and lon is not None
            found = await service.nearby_stores(db, lat=lat, lon=lon, radius_m=radius_m, limit=limit)
            return StoreList([NearbyStoreOut.of(n.store, n.distance_m, now) for n in found])
        if lat is None or lon is None:
            return StoreList(
                [NearbyStoreOut.of(store, None, now) for store in await service.search_stores(db, q, limit)]
            )
        near = await service.search_stores_near(db, q, lat, lon, radius_m, limit)
        return StoreList([NearbyStoreOut.of(n.store, n.distance_m, now) for n in near])

    @patch(
        "/{store_id:str}",
        guards=MANAGER_WRITE,
        operation_id="updateStore",
        summary="Rename a store, change its address, city, postcode, time zone or opening hours",
    )
    async def update(self, store_id: FromPath[str], data: JSONBody[StoreUpdate], db: Session) -> StoreOut:
        """Fields left out stay as they are."""
        changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        if "opening_hours" in changes:
            changes["opening_hours"] = _hours(changes["opening_hours"])
        return StoreOut.of(await service.update_store(db, store_id, **changes))

    @get("/{store_id:str}", operation_id="getStore", summary="One store, with its live floor plan version")
    async def show(self, store_id: FromPath[str], db: Session) -> Response[StoreOut]:
        """With an ETag (304 on `If-None-Match`): `floorplan_version` tells an app its cached plan is stale."""
        # Small and read already: its own bytes are its version (api.http.platform_middleware
        # answers If-None-Match with a 304).
        body = msgspec.json.encode(StoreOut.of(await service.get_store(db, store_id)))
        return Response(encoded(body), media_type="application/json", headers=validators(strong_etag(body), 60))
