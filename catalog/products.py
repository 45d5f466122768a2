"""Products: bulk import (JSON array or CSV) and lookup.

An import is one transaction: rows are read one at a time from the body (ijson for JSON, the
csv module for CSV), validated, and upserted in batches; if any row is bad the transaction is
rolled back and every bad row is reported (up to ``MAX_LISTED``). Memory stays bounded by the
body (itself bounded by the route's size limit) plus one batch.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Iterator
from typing import Any

import ijson
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from catalog.models import STORAGE, CatalogState, Product
from stores.infra.db import dialect_insert, in_chunks, transaction
from stores.infra.errors import Invalid, NotFound, Problem
from stores.infra.text import text_problem
from stores.models import utcnow

BATCH = 1000
MAX_LISTED = 1000
SKU_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$")
LANG_PATTERN = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
FIELDS = ("sku", "name", "brand", "department", "gtin", "gtins", "size", "image_url", "keywords", "names", "storage",
          "heavy", "fragile")  # fmt: skip
#: The columns a row fills (``size`` is stored as an amount and a unit).
COLUMNS = ("name", "brand", "department", "gtin", "gtins", "size_amount", "size_unit", "image_url", "keywords", "names",
           "storage", "heavy", "fragile")  # fmt: skip
#: The units a size may be given in (a package's declared quantity), by their written forms.
UNITS = {"g": "g", "kg": "kg", "mg": "mg", "ml": "ml", "cl": "cl", "dl": "dl", "l": "l", "oz": "oz", "lb": "lb",
         "fl oz": "fl oz", "floz": "fl oz", "ct": "ct", "count": "ct", "pcs": "ct", "pc": "ct",
         "stk": "ct"}  # fmt: skip
MAX_GTINS = 20
_SIZE_TEXT = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*([A-Za-z ]{1,8}?)\s*$")
_IMAGE_URL = re.compile(r"^https://[^\s\x00-\x1f]{1,492}$")
#: A JSON escape of half a surrogate pair without its other half (ijson's C parser passes it on
#: as bytes that are not UTF-8, or as a lone surrogate).
_LONE_SURROGATE_ESCAPE = re.compile(
    rb"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    rb"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)


def gtin_ok(gtin: str) -> bool:
    """GTIN-8/12/13/14 with a valid GS1 check digit."""
    if not gtin.isdigit() or len(gtin) not in (8, 12, 13, 14):
        return False
    digits = [int(c) for c in gtin]
    body, check = digits[:-1], digits[-1]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def gtin_key(text: str) -> str | None:
    """The 14-digit form of a GTIN as a shopper or a scanner gives it (spaces and dashes dropped,
    leading zeros optional: a UPC-A, its GTIN-13 and its GTIN-14 are one key), or None when
    ``text`` is not 8 to 14 digits.

    >>> gtin_key("4000000011729"), gtin_key("0 4000000 011729"), gtin_key("milk")
    ('04000000011729', '04000000011729', None)
    """
    digits = text.replace(" ", "").replace("-", "")
    if not digits.isascii() or not digits.isdigit() or not 8 <= len(digits) <= 14:
        return None
    return digits.zfill(14)


def product_details(
    brand: str | None, size_amount: float | None, size_unit: str | None, image_url: str | None
) -> dict[str, Any]:
    """What a hit or a locations answer shows of a product besides its name."""
    size = {"amount": size_amount, "unit": size_unit} if size_amount is not None and size_unit else None
    return {"brand": brand, "size": size, "image_url": image_url}


NO_DETAILS = product_details(None, None, None, None)


def _gtins(value: Any, fail: Any) -> list[str]:
    if isinstance(value, str):  # CSV: "a;b;c"
        value = [g.strip() for g in value.split(";") if g.strip()]
    if not isinstance(value, list) or len(value) > MAX_GTINS or not all(isinstance(g, str) for g in value):
        fail("gtins", "invalid", f"a list of at most {MAX_GTINS} GTINs")
        return []
    bad = [g for g in value if not gtin_ok(g)]
    if bad:
        fail("gtins", "invalid_gtin", f"{bad[0][:20]!r} is not a GTIN-8/12/13/14 with a valid check digit")
    return list(dict.fromkeys(value))


def _size(value: Any, fail: Any) -> tuple[float | None, str | None]:
    """A size as ``{"amount", "unit"}`` (JSON) or ``"500 g"`` (CSV)."""
    if value is None or value == "":
        return None, None
    if isinstance(value, str):
        match = _SIZE_TEXT.match(value)
        value = {"amount": float(match.group(1).replace(",", ".")), "unit": match.group(2)} if match else None
    amount, unit = (value.get("amount"), value.get("unit")) if isinstance(value, dict) else (None, None)
    unit = UNITS.get(unit.strip().lower()) if isinstance(unit, str) else None
    if isinstance(value, dict) and set(value) - {"amount", "unit"}:
        unit = None
    if isinstance(amount, bool) or not isinstance(amount, int | float) or not 0 < amount < 1e6 or unit is None:
        fail("size", "invalid", f"an amount above 0 and a unit ({', '.join(sorted(set(UNITS.values())))}), "
                                "as {\"amount\": 500, \"unit\": \"g\"} or \"500 g\"")  # fmt: skip
        return None, None
    return float(amount), unit


def _text(row: dict[str, Any], name: str, maximum: int, required: bool, fail: Any) -> str | None:
    value = row.get(name)
    if value is None or value == "":
        if required:
            fail(name, "required", "this field is required")
        return None
    if not isinstance(value, str):
        fail(name, "invalid_type", "expected a string")
        return None
    if (bad := text_problem(value)) is not None:
        fail(name, "invalid_text", bad)
        return None
    value = value.strip()
    if len(value) > maximum:
        fail(name, "too_long", f"at most {maximum} characters")
        return None
    return value


def _flag(row: dict[str, Any], name: str, fail: Any) -> bool:
    value = row.get(name)
    if value in (None, ""):
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "1", "yes", "false", "0", "no"):
        return value.lower() in ("true", "1", "yes")
    fail(name, "invalid_type", "expected true or false")
    return False


def _keywords(keywords: Any, fail: Any) -> list[str]:
    if isinstance(keywords, str):  # CSV: "a;b;c"
        keywords = [k.strip() for k in keywords.split(";") if k.strip()]
    if (
        not isinstance(keywords, list)
        or len(keywords) > 50
        or not all(isinstance(k, str) and 0 < len(k) <= 100 for k in keywords)
    ):
        fail("keywords", "invalid", "a list of at most 50 strings of 1-100 characters")
        return []
    for k in keywords:
        if (bad := text_problem(k)) is not None:
            fail("keywords", "invalid_text", f"{k[:40]!r}: {bad}")
    return keywords


def _names_from_csv(text: str, fail: Any) -> dict[str, Any]:
    """ "de=Brot;fr=Pain" -> {"de": "Brot", "fr": "Pain"}; a part without "=" or a language given
    twice is a problem, never silently dropped."""
    names: dict[str, Any] = {}
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        lang, sep, value = part.partition("=")
        if not sep:
            fail("names", "invalid", f"{part!r} is not language=name (write names as de=Brot;fr=Pain)")
        elif lang.strip() in names:
            fail("names", "invalid", f"language {lang.strip()!r} is given twice")
        else:
            names[lang.strip()] = value
    return names


def _names(names: Any, fail: Any) -> dict[str, Any]:
    if isinstance(names, str):
        names = _names_from_csv(names, fail)
    if not isinstance(names, dict) or len(names) > 40:
        fail("names", "invalid", "an object of language -> name (at most 40)")
        return {}
    for lang, value in names.items():
        if not isinstance(lang, str) or not LANG_PATTERN.match(lang):
            fail("names", "invalid_language", f"{lang!r} is not a language tag like 'de' or 'zh-Hans'")
        elif not isinstance(value, str) or not 0 < len(value) <= 300:
            fail("names", "invalid", f"names.{lang}: a string of 1-300 characters")
        elif (bad := text_problem(value)) is not None:
            fail("names", "invalid_text", f"names.{lang}: {bad}")
    return names


def validate_row(row: Any, problems: list[Problem], row_number: int) -> dict[str, Any] | None:
    """A clean product dict, or None after appending this row's problems."""
    before = len(problems)

    def fail(field: str, code: str, message: str) -> None:
        problems.append(Problem(code, f"{field}: {message}", row=row_number, extra={"field": field}))

    if not isinstance(row, dict):
        problems.append(Problem("invalid_row", "expected an object", row=row_number))
        return None
    for name in row:
        if name not in FIELDS:
            fail(str(name), "unknown_field", "this field is not allowed")
    sku = _text(row, "sku", 64, True, fail)
    if sku is not None and not SKU_PATTERN.match(sku):
        fail("sku", "invalid", "letters, digits and . _ : / - only, at most 64")
    name = _text(row, "name", 300, True, fail)
    brand = _text(row, "brand", 200, False, fail)
    department = _text(row, "department", 100, False, fail)
    gtin = _text(row, "gtin", 14, False, fail)
    if gtin is not None and not gtin_ok(gtin):
        fail("gtin", "invalid_gtin", "not a GTIN-8/12/13/14 with a valid check digit")
    gtins = _gtins(row.get("gtins") or [], fail)
    size_amount, size_unit = _size(row.get("size"), fail)
    image_url = _text(row, "image_url", 500, False, fail)
    if image_url is not None and not _IMAGE_URL.match(image_url):
        fail("image_url", "invalid", "an https:// URL of at most 500 characters")
    storage = _text(row, "storage", 16, False, fail) or "ambient"
    if storage not in STORAGE:
        fail("storage", "invalid", f"one of {', '.join(STORAGE)}")
    keywords = _keywords(row.get("keywords") or [], fail)
    names = _names(row.get("names") or {}, fail)
    heavy = _flag(row, "heavy", fail)
    fragile = _flag(row, "fragile", fail)
    if len(problems) > before:
        return None
    return {
        "sku": sku, "name": name, "brand": brand, "department": department, "gtin": gtin, "gtins": gtins,
        "size_amount": size_amount, "size_unit": size_unit, "image_url": image_url, "keywords": keywords,
        "names": {k: v.strip() for k, v in names.items()}, "storage": storage, "heavy": heavy, "fragile": fragile,
    }  # fmt: skip


def _csv_text(body: bytes) -> str:
    """The CSV as text: UTF-8 (with or without a byte order mark), or UTF-16 with one (what
    spreadsheets save as "Unicode text"). Anything else is refused rather than guessed: a
    Latin-1 file read as UTF-8 would turn every accented name into mojibake."""
    encoding = "utf-16" if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else "utf-8-sig"
    try:
        return body.decode(encoding)
    except UnicodeDecodeError as exc:
        line = body.count(b"\n", 0, exc.start) + 1
        message = f"byte 0x{body[exc.start]:02x} on line {line} is not {exc.encoding.upper()}; save the file as UTF-8"
        raise Invalid("The CSV is not UTF-8.", [Problem("not_utf8", message, row=line)]) from exc


def csv_rows(body: bytes) -> Iterator[tuple[int, Any]]:
    """CSV rows by file line number (the header is line 1). Strict: a stray quote, a field past
    the csv module's 128 KiB, a row with more or fewer fields than the header, or a header named
    twice is a problem naming the line, never a row silently read another way."""
    reader = csv.reader(io.StringIO(_csv_text(body)), strict=True)
    start = 1  # the header's line, until it is read
    try:
        header = next(reader, None)
        if header is None:
            return
        header = [h.strip() for h in header]
        twice = sorted({h for h in header if header.count(h) > 1})
        if twice:
            problems = [Problem("duplicate_header", f"column {h!r} appears more than once", row=1) for h in twice]
            raise Invalid("The CSV header names a column twice.", problems)
        start = reader.line_num + 1
        for record in reader:
            if record and len(record) != len(header):
                raise Invalid("A CSV row does not match the header.", [Problem(
                    "field_count", f"{len(record)} fields; the header has {len(header)}", row=start)])  # fmt: skip
            if record:
                yield start, dict(zip(header, record, strict=True))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise Invalid("The CSV is malformed.", [Problem("malformed_csv", str(exc), row=start)]) from exc


def rows_from_body(body: bytes, content_type: str) -> Iterator[tuple[int, Any]]:
    """(row number, raw row) one at a time. JSON rows count from 0 (array index); CSV rows are
    file line numbers (the header is line 1)."""
    media = content_type.split(";")[0].strip().lower()
    if media == "text/csv":
        yield from csv_rows(body)
        return
    if body.lstrip()[:1] != b"[":
        not_array = Problem("invalid_type", "expected a JSON array of products", pointer="")
        raise Invalid("The body is not a JSON array.", [not_array])
    if (lone := _LONE_SURROGATE_ESCAPE.search(body)) is not None:
        message = f"{lone.group().decode()} at byte {lone.start()} is half a surrogate pair (not Unicode)"
        raise Invalid("The body holds text that is not Unicode.", [Problem("invalid_text", message, pointer="")])
    try:
        yield from enumerate(ijson.items(io.BytesIO(body), "item", use_float=True))
    except ijson.JSONError as exc:
        raise Invalid("The body is not a JSON array.", [Problem("malformed_json", str(exc), pointer="")]) from exc
    except UnicodeDecodeError as exc:
        raise Invalid("The body is not UTF-8.", [Problem("invalid_text", str(exc), pointer="")]) from exc


def _upsert(session: AsyncSession, rows: list[dict[str, Any]]) -> Any:
    stmt = dialect_insert(session)(Product).values(rows)
    columns = {c: stmt.excluded[c] for c in (*COLUMNS, "updated_at")}
    return stmt.on_conflict_do_update(index_elements=[Product.sku], set_=columns)


async def import_products(session: AsyncSession, rows: Iterator[tuple[int, Any]]) -> int:
    """Upsert every row, or none: raises Invalid listing each bad row."""
    problems: list[Problem] = []
    batch: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    count = 0
    now = utcnow()
    async with transaction(session):
        for number, raw in rows:
            product = validate_row(raw, problems, number)
            if product is not None and product["sku"] in seen:
                problems.append(
                    Problem("duplicate_sku", f"sku {product['sku']!r} also in row {seen[product['sku']]}", row=number)
                )
                product = None
            if product is None:
                continue
            seen[product["sku"]] = number
            count += 1
            if problems:
                continue  # keep validating, stop writing: nothing will be committed
            batch.append({**product, "updated_at": now})
            if len(batch) >= BATCH:
                await session.execute(_upsert(session, batch))
                batch.clear()
        if problems:
            raise Invalid(f"{len(problems)} bad row(s); nothing was imported.", problems[:MAX_LISTED])
        if batch:
            await session.execute(_upsert(session, batch))
        if count:  # an empty import changes nothing: no new catalog version for every worker to rebuild
            await _bump_catalog_version(session)
    return count


async def _bump_catalog_version(session: AsyncSession) -> None:
    updated = await session.execute(
        update(CatalogState).where(CatalogState.id == 1).values(version=CatalogState.version + 1)
    )
    if updated.rowcount == 0:  # type: ignore[attr-defined]
        session.add(CatalogState(id=1, version=1))


async def product_names(session: AsyncSession, skus: Iterable[str]) -> dict[str, str]:
    """sku -> name of those of ``skus`` the catalog has (any number of skus)."""
    names: dict[str, str] = {}
    for chunk in in_chunks(sorted(set(skus))):
        names.update((await session.execute(select(Product.sku, Product.name).where(Product.sku.in_(chunk)))).all())
    return names


async def get_product(session: AsyncSession, sku: str) -> Product:
    product = await session.get(Product, sku)
    if product is None:
        raise NotFound(f"No product with sku {sku!r}.")
    return product
