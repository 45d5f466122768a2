"""A store's opening hours: a week of intervals and dated exceptions, and whether it is open now
in its own time zone.

The shape (JSON)::

    {"weekly": {"mon": [["08:00", "20:00"]], ..., "sun": []},
     "exceptions": [{"date": "2026-12-24", "hours": [["08:00", "14:00"]]},
                    {"date": "2026-12-25", "hours": []}]}

A day missing from ``weekly`` is closed; an interval may end at ``24:00``, or past midnight
(``["22:00", "02:00"]``: the hours after midnight belong to the day it started). An exception
replaces its date's weekly hours.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from stores.infra.errors import Invalid, Problem

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_INTERVALS = 6
MAX_EXCEPTIONS = 400
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def _intervals(value: Any, pointer: str, problems: list[Problem]) -> list[list[str]]:
    if not isinstance(value, list) or len(value) > MAX_INTERVALS:
        problems.append(
            Problem("invalid_hours", f"a list of at most {MAX_INTERVALS} [open, close] pairs", pointer=pointer)
        )
        return []
    for i, pair in enumerate(value):
        if (
            not isinstance(pair, list)
            or len(pair) != 2
            or not all(isinstance(c, str) and _CLOCK.match(c) for c in pair)
            or pair[0] == pair[1]
            or pair[0] == "24:00"
        ):
            problems.append(
                Problem("invalid_hours", '["HH:MM", "HH:MM"], two different times', pointer=f"{pointer}/{i}")
            )
    return value


def check(hours: Any) -> dict[str, Any] | None:
    """The hours as given, or Invalid naming each bad part (pointer under /opening_hours)."""
    if hours is None:
        return None
    problems: list[Problem] = []
    base = "/opening_hours"
    if not isinstance(hours, dict) or set(hours) - {"weekly", "exceptions"}:
        raise Invalid(
            "The opening hours are not {weekly, exceptions}.",
            [Problem("invalid_hours", "an object with weekly and exceptions", pointer=base)],
        )
    weekly = hours.get("weekly") or {}
    if not isinstance(weekly, dict) or set(weekly) - set(DAYS):
        problems.append(Problem("invalid_hours", f"days are {', '.join(DAYS)}", pointer=f"{base}/weekly"))
    else:
        for day, value in weekly.items():
            _intervals(value, f"{base}/weekly/{day}", problems)
    exceptions = hours.get("exceptions") or []
    if not isinstance(exceptions, list) or len(exceptions) > MAX_EXCEPTIONS:
        problems.append(
            Problem("invalid_hours", f"at most {MAX_EXCEPTIONS} dated exceptions", pointer=f"{base}/exceptions")
        )
    else:
        seen: set[str] = set()
        for i, exception in enumerate(exceptions):
            where = f"{base}/exceptions/{i}"
            if not isinstance(exception, dict) or set(exception) != {"date", "hours"}:
                problems.append(Problem("invalid_hours", "{date, hours}", pointer=where))
                continue
            try:
                date.fromisoformat(str(exception["date"]))
            except ValueError:
                problems.append(Problem("invalid_date", "a date, YYYY-MM-DD", pointer=f"{where}/date"))
            if exception["date"] in seen:
                problems.append(Problem("invalid_date", "this date has an exception already", pointer=f"{where}/date"))
            seen.add(str(exception["date"]))
            _intervals(exception["hours"], f"{where}/hours", problems)
    if problems:
        raise Invalid("The opening hours are invalid.", problems)
    return {"weekly": weekly, "exceptions": exceptions}


def _day(hours: dict[str, Any], day: date) -> list[list[str]]:
    for exception in hours.get("exceptions") or []:
        if exception["date"] == day.isoformat():
            return list(exception["hours"])
    return list((hours.get("weekly") or {}).get(DAYS[day.weekday()], []))


def is_open(hours: dict[str, Any] | None, timezone: str | None, at: datetime) -> bool | None:
    """Whether the store is open at ``at`` (aware), in its time zone (UTC when it has none); None
    when it has no hours."""
    if not hours:
        return None
    try:
        zone = ZoneInfo(timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = at.astimezone(zone)
    now = local.hour * 60 + local.minute
    today, yesterday = local.date(), local.date() - timedelta(days=1)
    for opens, closes in _day(hours, today):
        start, end = _minutes(opens), _minutes(closes)
        if (start < end and start <= now < end) or (end < start and now >= start):
            return True
    # Yesterday's hours that run past midnight.
    return any(_minutes(c) < _minutes(o) and now < _minutes(c) for o, c in _day(hours, yesterday))
