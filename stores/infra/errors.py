"""Domain errors: what went wrong, in the domain's words, with every problem listed.

They carry no HTTP status: ``api.problems`` maps each kind to its status and problem details in
one place, as advanced-alchemy's errors are mapped at the edge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the input: where (pointer, feature_id or row), a code and a message."""

    code: str
    message: str
    pointer: str | None = None
    feature_id: str | None = None
    row: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.pointer is not None:
            out["pointer"] = self.pointer
        if self.feature_id is not None:
            out["feature_id"] = self.feature_id
        if self.row is not None:
            out["row"] = self.row
        out["code"] = self.code
        out["message"] = self.message
        out.update(self.extra)
        return out


class DomainError(Exception):
    """The request cannot be done as asked (malformed or refused)."""

    def __init__(self, detail: str, problems: list[Problem] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.problems = problems or []

    def __reduce__(self) -> tuple[Any, ...]:
        # Raised in a compile process and re-raised here: keep the problems across the pickle.
        return type(self), (self.detail, self.problems)


class NotFound(DomainError):
    """What the request names does not exist."""


class Conflict(DomainError):
    """The request clashes with the current state (a taken id, no floor plan yet)."""


class Invalid(DomainError):
    """The request is well-formed but its content breaks a rule."""


class UnsupportedMedia(DomainError):
    """The body's media type is not one the endpoint reads."""


class BadText(DomainError):
    """Text that no database may hold (a NUL character)."""


class Unavailable(DomainError):
    """The database cannot be reached right now; the client should retry shortly."""
