"""Publish a floor plan: the use case behind ``PUT /stores/{id}/floorplan`` and ``activate``.

A plan is the store's (``stores.floorplan.service`` compiles and stores it); what it does to the
planogram is the catalog's: the placements on shelves the new plan drops are reported, and the
products whose stand points move are recorded ("what moved") in the same transaction that makes
the plan live. ``stores`` may not import the catalog, so the catalog's two steps are handed to it
here, in the catalog, and a handler makes one call.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from catalog.moves import record_plan_switch
from catalog.placements import placements_on_shelves
from stores.floorplan import service
from stores.floorplan.worker import CompilePool


async def publish_plan(
    session: AsyncSession,
    compiler: CompilePool,
    store_id: str,
    body: bytes,
    content_type: str,
    created_by: str | None,
    publish: bool = True,
    confirm_drops: bool = False,
) -> service.Uploaded:
    """Compile the upload (in the compile process) and store it as the next version: a draft
    with its diff against the live plan, or (``publish``) live at once with the moves it causes
    recorded. Either way its report lists the placements it drops; publishing a plan that drops
    any needs ``confirm_drops``."""
    return await service.upload_plan(
        session, store_id, body, content_type, created_by,
        dropped_placements=placements_on_shelves, switched=record_plan_switch, compiler=compiler,
        publish=publish, confirm_drops=confirm_drops,
    )  # fmt: skip


async def activate_plan(session: AsyncSession, store_id: str, version: int, confirm_drops: bool = False) -> int:
    """Make a stored version live (publish a draft, roll back or forward), recording the moves it
    causes; one that drops placed products needs ``confirm_drops``."""
    return await service.activate_version(
        session, store_id, version, record_plan_switch, placements_on_shelves, confirm_drops
    )
