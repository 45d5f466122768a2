"""Stores and the store locator."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Controller, Response, get, patch, post
from litestar.params import FromPath, JSONBody, Parameter

from api.dependencies import Session
from api.guards import ADMIN_WRITE, MANAGER_WRITE
from api.http import strong_etag, validators
from api.schemas import StoreId, doc, encoded
from stores import service
from stores.models import Store
from stores.service import STORE_ID_PATTERN

Latitude = Annotated[float, doc("WGS84 latitude, degrees.", ge=-90.0, le=90.0)]
Longitude = Annotated[float, doc("WGS84 longitude, degrees.", ge=-180.0, le=180.0)]


class StoreCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A new store."""

    name: Annotated[str, doc("Its name for shoppers.", min_length=1, max_length=200)]
    lat: Latitude
    lon: Longitude
    id: Annotated[str, doc("Its id (default: made from the name).", pattern=STORE_ID_PATTERN)] | None = None
    address: Annotated[str, doc("Its street address.", max_length=500)] | None = None
    timezone: Annotated[str, doc("Its IANA time zone, e.g. `Europe/Berlin`.", max_length=64)] | None = None


class StoreUpdate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """What to change (fields left out stay as they are)."""

    name: Annotated[str, doc("A new name.", min_length=1, max_length=200)] | msgspec.UnsetType = msgspec.UNSET
    address: Annotated[str, doc("A new address (null: none).", max_length=500)] | msgspec.UnsetType | None = (
        msgspec.UNSET
    )
    timezone: Annotated[str, doc("A new time zone (null: none).", max_length=64)] | msgspec.UnsetType | None = (
        msgspec.UNSET
    )


class StoreOut(msgspec.Struct):
    """A store."""

    id: StoreId
    name: Annotated[str, doc("Its name.")]
    lat: Latitude
    lon: Longitude
    address: Annotated[str | None, doc("Its street address.")]
    timezone: Annotated[str | None, doc("Its IANA time zone.")]
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
    distance_m: Annotated[float, doc("Metres from the point asked about.")]
    address: Annotated[str | None, doc("Its street address.")]
    timezone: Annotated[str | None, doc("Its IANA time zone.")]
    floorplan_version: Annotated[int | None, doc("The live floor plan's version (null: no plan yet).")]


class StoreList(msgspec.Struct):
    """Stores, nearest first."""

    stores: Annotated[list[NearbyStoreOut], doc("At most `limit` stores within `radius_m`.")]


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
        )
        return StoreOut.of(store)

    @get("/", operation_id="listStores", summary="Stores nearest to a point, nearest first")
    async def nearby(
        self,
        db: Session,
        lat: Annotated[float, Parameter(ge=-90.0, le=90.0, description="WGS84 latitude")],
        lon: Annotated[float, Parameter(ge=-180.0, le=180.0, description="WGS84 longitude")],
        radius_m: Annotated[float | None, Parameter(gt=0.0, le=25_000_000.0, description="Metres (default: any).")] = (
            None
        ),
        limit: Annotated[int, Parameter(ge=1, le=100, description="At most this many stores.")] = 10,
    ) -> StoreList:
        """The store locator: distances on the WGS84 ellipsoid."""
        found = await service.nearby_stores(db, lat=lat, lon=lon, radius_m=radius_m, limit=limit)
        return StoreList(
            stores=[
                NearbyStoreOut(
                    id=n.store.id,
                    name=n.store.name,
                    lat=n.store.lat,
                    lon=n.store.lon,
                    distance_m=round(n.distance_m, 1),
                    address=n.store.address,
                    timezone=n.store.timezone,
                    floorplan_version=n.store.floorplan_version,
                )
                for n in found
            ]
        )

    @patch(
        "/{store_id:str}",
        guards=MANAGER_WRITE,
        operation_id="updateStore",
        summary="Rename a store, change its address or time zone",
    )
    async def update(self, store_id: FromPath[str], data: JSONBody[StoreUpdate], db: Session) -> StoreOut:
        """Fields left out stay as they are."""
        changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        return StoreOut.of(await service.update_store(db, store_id, **changes))

    @get("/{store_id:str}", operation_id="getStore", summary="One store, with its live floor plan version")
    async def show(self, store_id: FromPath[str], db: Session) -> Response[StoreOut]:
        """With an ETag (304 on `If-None-Match`): `floorplan_version` tells an app its cached plan is stale."""
        # Small and read already: its own bytes are its version (api.http.platform_middleware
        # answers If-None-Match with a 304).
        body = msgspec.json.encode(StoreOut.of(await service.get_store(db, store_id)))
        return Response(encoded(body), media_type="application/json", headers=validators(strong_etag(body), 60))
