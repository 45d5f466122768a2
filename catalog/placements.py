"""Placements: the planogram of one store. Replace (PUT) or upsert (POST), all or nothing.

Rows are checked against the live floor plan (the shelf must exist, ``position_m`` must lie on
it) and the catalog (the sku must exist). Every change bumps ``stores.planogram_version`` in the
same transaction, which is what per-worker location indexes key on.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from catalog.models import STOCK, UNPLACED, Placement, PlanogramChange
from catalog.moves import Places, placement_rows, places_of, record_moves
from catalog.products import csv_rows, product_names
from stores.floorplan.artifact import NavArtifact
from stores.infra.db import dialect_insert, in_chunks, transaction
from stores.infra.errors import Invalid, NotFound, Problem
from stores.infra.text import spreadsheet_safe
from stores.models import Store, utcnow

MAX_ROWS = 200_000


@dataclass(frozen=True, slots=True)
class PlacementRow:
    sku: str
    shelf: str | None
    position_m: float | None = None
    level: int | None = None
    stock: str | None = None


#: The columns of a planogram CSV.
CSV_COLUMNS = ("sku", "shelf", "position_m", "level", "stock")


#: The number columns of a planogram CSV: their type, their largest value, what they must be.
_CSV_NUMBERS = (("position_m", float, 10_000, "position_m is metres along the shelf (a number, 0 or more)"),
                ("level", int, 50, "level is a shelf level, 0 (the floor) to 50"))  # fmt: skip


def _number(text: str | None, kind: type[float] | type[int], high: float) -> float | int | None:
    """A CSV cell as a number from 0 to ``high`` (None when empty); ValueError when it is not."""
    if not text:
        return None
    value = kind(text)
    if not 0 <= value <= high:
        raise ValueError(text)
    return value


def rows_from_csv(body: bytes) -> tuple[list[PlacementRow], list[int]]:
    """A planogram CSV (a header row naming ``sku``, ``shelf`` and any of ``position_m``, ``level``,
    ``stock``) as rows and their file line numbers; any unreadable field is a 422 naming its line
    and field, and nothing is read further into the store."""
    rows: list[PlacementRow] = []
    lines: list[int] = []
    problems: list[Problem] = []

    def bad(code: str, message: str, line: int, field: str) -> None:
        problems.append(Problem(code, message, row=line, extra={"field": field}))

    for line, raw in csv_rows(body):
        if len(rows) >= MAX_ROWS:
            raise Invalid("Too many rows.", [Problem("too_many_rows", f"at most {MAX_ROWS} rows", pointer="")])
        if unknown := sorted(set(raw) - set(CSV_COLUMNS)):
            raise Invalid("Unknown CSV columns.", [Problem("unknown_column", f"columns {unknown}: a planogram has "
                                                          f"{', '.join(CSV_COLUMNS)}", row=1)])  # fmt: skip
        cell = {k: str(v).strip() for k, v in raw.items()}
        sku, shelf = cell.get("sku", ""), cell.get("shelf") or None
        if not sku or len(sku) > 64:
            bad("required", "sku is 1 to 64 characters", line, "sku")
        if shelf is not None and len(shelf) > 64:
            bad("invalid", "shelf is at most 64 characters", line, "shelf")
        numbers: dict[str, Any] = {}
        for name, kind, high, meaning in _CSV_NUMBERS:
            try:
                numbers[name] = _number(cell.get(name), kind, high)
            except ValueError:
                numbers[name] = None
                bad("invalid", meaning, line, name)
        stock = cell.get("stock") or None
        if stock is not None and stock not in STOCK:
            bad("invalid", f"stock is one of {', '.join(STOCK)}", line, "stock")
        rows.append(PlacementRow(sku, shelf, numbers["position_m"], numbers["level"], stock))
        lines.append(line)
    if problems:
        raise Invalid(f"{len(problems)} problem(s) in the CSV; nothing was written.", problems[:1000])
    return rows, lines


async def planogram_csv(session: AsyncSession, store_id: str) -> str:
    """The store's planogram as the CSV ``rows_from_csv`` reads (a manager edits it and sends it back)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    query = (select(Placement.sku, Placement.shelf, Placement.position_m, Placement.level, Placement.stock)
             .where(Placement.store_id == store_id, Placement.shelf != UNPLACED)
             .order_by(Placement.shelf, Placement.sku))  # fmt: skip
    for row in await session.execute(query):
        writer.writerow([spreadsheet_safe(v) if v is not None else "" for v in row])
    return out.getvalue()


async def check_rows(
    session: AsyncSession, rows: list[PlacementRow], artifact: NavArtifact, lines: list[int] | None = None
) -> None:
    """Raise Invalid listing each row with an unknown sku or shelf, or a position off its shelf
    (``row``: its index, or its line in ``lines``, a CSV's)."""
    if len(rows) > MAX_ROWS:
        raise Invalid("Too many rows.", [Problem("too_many_rows", f"at most {MAX_ROWS} rows", pointer="")])
    known = await product_names(session, {r.sku for r in rows})
    problems: list[Problem] = []
    seen: dict[tuple[str, str], int] = {}
    for i, row in enumerate(rows):
        if row.sku not in known:
            problems.append(Problem("unknown_sku", f"no product with sku {row.sku!r}", row=i, extra={"field": "sku"}))
        shelf = artifact.shelves.get(row.shelf) if row.shelf else None
        if row.shelf and shelf is None:
            problems.append(
                Problem(
                    "unknown_shelf", f"the live floor plan has no shelf {row.shelf!r}", row=i, extra={"field": "shelf"}
                )
            )
        if row.position_m is not None:
            if row.shelf is None:
                problems.append(Problem("invalid", "position_m needs a shelf", row=i, extra={"field": "position_m"}))
            elif shelf is not None and not 0.0 <= row.position_m <= shelf.length + 1e-6:
                problems.append(
                    Problem(
                        "off_shelf",
                        f"position_m {row.position_m:g} is off the shelf (0..{shelf.length:.2f} m)",
                        row=i,
                        extra={"field": "position_m"},
                    )
                )
        key = (row.sku, row.shelf or UNPLACED)
        if key in seen:
            first = seen[key] if lines is None else f"line {lines[seen[key]]}"
            problems.append(Problem("duplicate_row", f"same sku and shelf as row {first}", row=i))
        seen[key] = i
    if problems:
        if lines is not None:
            problems = [dataclasses.replace(p, row=lines[p.row]) if p.row is not None else p for p in problems]
        raise Invalid(f"{len(problems)} problem(s) in the placements; nothing was written.", problems[:1000])


Current = dict[tuple[str, str], tuple[float | None, Any]]  # (sku, shelf) -> (position_m, located_at)


async def _current(session: AsyncSession, store_id: str, skus: list[str] | None) -> Current:
    return {(r.sku, r.shelf): (r.position_m, r.located_at) for r in await placement_rows(session, store_id, skus)}


def _places(artifact: NavArtifact, current: Current) -> Places:
    return places_of(artifact, [(sku, shelf, pos) for (sku, shelf), (pos, _) in current.items()])


def _values(store_id: str, row: PlacementRow, current: Current) -> dict[str, Any]:
    """Insert values; ``located_at`` is kept when the row names the same place as before."""
    now = utcnow()
    shelf = row.shelf or UNPLACED
    old = current.get((row.sku, shelf))
    same_place = old is not None and (row.position_m is None or row.position_m == old[0])
    return {
        "store_id": store_id,
        "sku": row.sku,
        "shelf": shelf,
        "position_m": row.position_m,
        "level": row.level,
        "stock": row.stock or "in_stock",
        "updated_at": now,
        "located_at": old[1] if same_place and old is not None else now,
    }


#: A change to more products than this is recorded as "anything may have changed": workers
#: rebuild their location index rather than patch it.
PATCH_MAX_SKUS = 1000


async def bump_planogram_version(session: AsyncSession, store_id: str, skus: Collection[str] | None) -> int:
    """Bump the store's planogram version and record which products it changed (``None``:
    possibly all), in the caller's transaction."""
    bumped = await session.scalar(
        update(Store)
        .where(Store.id == store_id)
        .values(planogram_version=Store.planogram_version + 1)
        .returning(Store.planogram_version)
    )
    version = int(bumped or 0)
    changed = sorted(skus) if skus is not None and len(skus) <= PATCH_MAX_SKUS else None
    session.add(PlanogramChange(store_id=store_id, version=version, skus=changed, created_at=utcnow()))
    return version


async def changed_skus(session: AsyncSession, store_id: str, after: int, upto: int) -> set[str] | None:
    """The products the planogram versions after ``after`` up to ``upto`` changed, from their
    records; None when that is not known (a record missing or saying "anything", or more than
    PATCH_MAX_SKUS products)."""
    changes = (
        await session.scalars(
            select(PlanogramChange.skus).where(
                PlanogramChange.store_id == store_id,
                PlanogramChange.version > after,
                PlanogramChange.version <= upto,
            )
        )
    ).all()
    if len(changes) != upto - after or any(skus is None for skus in changes):
        return None
    skus = {sku for skus in changes for sku in (skus or [])}
    return skus if len(skus) <= PATCH_MAX_SKUS else None


async def _change(
    session: AsyncSession,
    store_id: str,
    artifact: NavArtifact,
    skus: list[str] | None,
    write: Callable[[Current], Awaitable[None]],
) -> int:
    """Run ``write``, record what moved and bump the planogram version in one transaction."""
    async with transaction(session):
        current = await _current(session, store_id, skus)
        await write(current)
        after = await _current(session, store_id, skus)
        version = await bump_planogram_version(session, store_id, skus)
        await record_moves(session, store_id, _places(artifact, current), _places(artifact, after))
    return version


async def replace_planogram(
    session: AsyncSession,
    store_id: str,
    rows: list[PlacementRow],
    artifact: NavArtifact,
    lines: list[int] | None = None,
) -> int:
    """PUT: the store's planogram becomes exactly ``rows``. Returns the new planogram version."""
    await check_rows(session, rows, artifact, lines)

    async def write(current: Current) -> None:
        await session.execute(delete(Placement).where(Placement.store_id == store_id))
        for i in range(0, len(rows), 1000):
            await session.execute(
                dialect_insert(session)(Placement), [_values(store_id, r, current) for r in rows[i : i + 1000]]
            )

    return await _change(session, store_id, artifact, None, write)


async def upsert_placements(
    session: AsyncSession,
    store_id: str,
    rows: list[PlacementRow],
    artifact: NavArtifact,
    lines: list[int] | None = None,
) -> int:
    """POST: insert or update rows by (sku, shelf); fields left out keep their values."""
    await check_rows(session, rows, artifact, lines)

    async def write(current: Current) -> None:
        for row in rows:
            values = _values(store_id, row, current)
            changes = {"updated_at": values["updated_at"], "located_at": values["located_at"]}
            for name in ("position_m", "level", "stock"):
                if getattr(row, name) is not None:
                    changes[name] = values[name]
            stmt = dialect_insert(session)(Placement).values(values)
            await session.execute(stmt.on_conflict_do_update(index_elements=["store_id", "sku", "shelf"], set_=changes))

    return await _change(session, store_id, artifact, sorted({r.sku for r in rows}), write)


async def move_placement(
    session: AsyncSession,
    store_id: str,
    sku: str,
    to: PlacementRow,
    from_shelf: str | None,
    artifact: NavArtifact,
) -> int:
    """Move a product from one shelf (or from "not placed") to ``to``, keeping its level and stock.

    ``from_shelf`` may be left out when the product has one place in this store.
    """
    await check_rows(session, [to], artifact)

    async def write(current: Current) -> None:
        leaving = from_shelf
        if leaving is None:
            if len(current) > 1:
                raise Invalid(
                    "The product is on several shelves; say which one it moves from.",
                    [Problem("required", "from_shelf is needed: the product has several places",
                             pointer="/from_shelf")],
                )  # fmt: skip
            leaving = next(iter(current))[1] if current else None
        elif (sku, leaving) not in current:
            raise Invalid(
                "The product is not on that shelf.",
                [Problem("not_placed", f"{sku!r} has no placement on {leaving!r}", pointer="/from_shelf")],
            )
        old = None
        if leaving is not None:
            old = (
                await session.execute(
                    delete(Placement)
                    .where(Placement.store_id == store_id, Placement.sku == sku, Placement.shelf == leaving)
                    .returning(Placement.level, Placement.stock)
                )
            ).first()
        now = utcnow()
        values = {
            "store_id": store_id, "sku": sku, "shelf": to.shelf or UNPLACED, "position_m": to.position_m,
            "level": to.level if to.level is not None else (old.level if old else None),
            "stock": to.stock or (old.stock if old else "in_stock"), "updated_at": now, "located_at": now,
        }  # fmt: skip
        stmt = dialect_insert(session)(Placement).values(values)
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=["store_id", "sku", "shelf"],
                set_={k: v for k, v in values.items() if k not in ("store_id", "sku", "shelf")},
            )
        )

    return await _change(session, store_id, artifact, [sku], write)


async def confirm_placement(session: AsyncSession, store_id: str, sku: str, shelf: str) -> int:
    """A manager checked the shelf: the product is there. Earlier wrong-location reports stop counting."""
    async with transaction(session):
        result = await session.execute(
            update(Placement)
            .where(Placement.store_id == store_id, Placement.sku == sku, Placement.shelf == shelf)
            .values(located_at=utcnow())
        )
        if result.rowcount == 0:  # type: ignore[attr-defined]
            raise NotFound(f"{sku!r} has no placement on shelf {shelf!r} in store {store_id!r}.")
        version = await bump_planogram_version(session, store_id, [sku])
    return version


async def placements_on_shelves(session: AsyncSession, store_id: str, shelves: list[str]) -> list[dict[str, Any]]:
    """Placements that sit on any of ``shelves`` (for a new floor plan's report)."""
    out: list[dict[str, Any]] = []
    for chunk in in_chunks(shelves):
        rows = await session.execute(
            select(Placement.sku, Placement.shelf, Placement.position_m)
            .where(Placement.store_id == store_id, Placement.shelf.in_(chunk))
            .order_by(Placement.shelf, Placement.sku)
        )
        out.extend({"sku": r.sku, "shelf": r.shelf, "position_m": r.position_m} for r in rows)
    return out


def stock_of(values: list[str]) -> str:
    """One stock word for a product on several shelves: in stock anywhere wins."""
    for word in STOCK:
        if word in values:
            return word
    return "out"
