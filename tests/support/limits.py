"""Counting against the rate limiter's minutes in tests."""

from __future__ import annotations

import time


def inside_one_minute(needed_s: float = 20.0) -> None:
    """Wait, if need be, until ``needed_s`` seconds are left in the current epoch minute.

    The limiter's windows are whole minutes counted from the epoch, and its sliding-window counter
    lets a client that used its quota late in one minute in again early in the next (the previous
    minute's count weighs less as the new one goes on): counts that must add up exactly start here."""
    if (into := time.time() % 60) > 60 - needed_s:
        time.sleep(60.5 - into)
