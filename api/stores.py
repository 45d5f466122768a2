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
from api.schemas import encoded
from stores import service
from stores.models import Store
from stores.service import STORE_ID_PATTERN

Latitude = Annotated[float, msgspec.Meta(ge=-90.0, le=90.0, description="WGS84 latitude, degrees")]
Longitude = Annotated[float, msgspec.Meta(ge=-180.0, le=180.0, description="WGS84 longitude, degrees")]


class StoreCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    lat: Latitude
    lon: Longitude
    id: Annotated[str, msgspec.Meta(pattern=STORE_ID_PATTERN)] | None = None
    address: Annotated[str, msgspec.Meta(max_length=500)] | None = None
    timezone: Annotated[str, msgspec.Meta(max_length=64)] | None = None


class StoreUpdate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | msgspec.UnsetType = msgspec.UNSET
    address: Annotated[str, msgspec.Meta(max_length=500)] | msgspec.UnsetType | None = msgspec.UNSET
    timezone: Annotated[str, msgspec.Meta(max_length=64)] | msgspec.UnsetType | None = msgspec.UNSET


class StoreOut(msgspec.Struct):
    id: str
    name: str
    lat: float
    lon: float
    address: str | None
    timezone: str | None
    floorplan_version: int | None
    planogram_version: int
    created_at: datetime

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
    id: str
    name: str
    lat: float
    lon: float
    distance_m: float
    address: str | None
    timezone: str | None
    floorplan_version: int | None


class StoreList(msgspec.Struct):
    stores: list[NearbyStoreOut]


class StoreController(Controller):
    path = "/stores"
    tags = ["stores"]

    @post("/", guards=ADMIN_WRITE, summary="Create a store (admin)")
    async def create(self, data: JSONBody[StoreCreate], db: Session) -> StoreOut:
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

    @get("/", summary="Stores nearest to a point, nearest first")
    async def nearby(
        self,
        db: Session,
        lat: Annotated[float, Parameter(ge=-90.0, le=90.0, description="WGS84 latitude")],
        lon: Annotated[float, Parameter(ge=-180.0, le=180.0, description="WGS84 longitude")],
        radius_m: Annotated[float | None, Parameter(gt=0.0, le=25_000_000.0)] = None,
        limit: Annotated[int, Parameter(ge=1, le=100)] = 10,
    ) -> StoreList:
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
        summary="Rename a store, change its address or time zone",
    )
    async def update(self, store_id: FromPath[str], data: JSONBody[StoreUpdate], db: Session) -> StoreOut:
        changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        return StoreOut.of(await service.update_store(db, store_id, **changes))

    @get("/{store_id:str}", summary="One store, with its live floor plan version")
    async def show(self, store_id: FromPath[str], db: Session) -> Response[StoreOut]:
        # Small and read already: its own bytes are its version (api.http.platform_middleware
        # answers If-None-Match with a 304).
        body = msgspec.json.encode(StoreOut.of(await service.get_store(db, store_id)))
        return Response(encoded(body), media_type="application/json", headers=validators(strong_etag(body), 60))
