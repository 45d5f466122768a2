"""API tokens: issue, revoke, authenticate. Only a SHA-256 of each secret is stored.

Secrets are 256 random bits, so a plain SHA-256 (no salt, no slow KDF) is the right hash: it
cannot be brute-forced, and it lets authentication be one indexed lookup.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from stores.infra.errors import Invalid, NotFound, Problem
from stores.models import ApiToken, Store

ROLES = ("admin", "manager")
_SECRET_PREFIX = "ap_"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a role and, for managers, the stores they may write to."""

    role: str
    stores: frozenset[str]
    token_id: str | None  # None for the bootstrap admin token from the environment

    def may_write(self, store_id: str) -> bool:
        return self.role == "admin" or (self.role == "manager" and store_id in self.stores)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def issue_token(
    session: AsyncSession, *, role: str, stores: list[str] | None = None, name: str | None = None
) -> tuple[ApiToken, str]:
    """Create a token; return it and its secret (the only time the secret exists in clear)."""
    store_ids = sorted(set(stores or []))
    problems: list[Problem] = []
    if role == "manager" and not store_ids:
        problems.append(Problem("required", "a manager token must name at least one store", pointer="/stores"))
    if role == "admin" and store_ids:
        problems.append(Problem("not_allowed", "an admin token covers every store; omit stores", pointer="/stores"))
    if store_ids:
        known = set((await session.scalars(select(Store.id).where(Store.id.in_(store_ids)))).all())
        problems.extend(
            Problem("unknown_store", f"no store with id {sid!r}", pointer=f"/stores/{i}")
            for i, sid in enumerate(store_ids)
            if sid not in known
        )
    if problems:
        raise Invalid("The token request is invalid.", problems)
    secret = _SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        id=secrets.token_hex(8),
        name=name,
        role=role,
        stores=store_ids,
        token_hash=hash_secret(secret),
    )
    session.add(token)
    await session.commit()
    return token, secret


async def revoke_token(session: AsyncSession, token_id: str) -> None:
    token = await session.get(ApiToken, token_id)
    if token is None or token.revoked_at is not None:
        raise NotFound(f"No active token with id {token_id!r}.")
    token.revoked_at = datetime.now(UTC)
    await session.commit()


async def list_tokens(session: AsyncSession) -> list[ApiToken]:
    return list((await session.scalars(select(ApiToken).order_by(ApiToken.created_at))).all())


async def principal_of(session: AsyncSession, token_id: str) -> Principal | None:
    """The principal of a token by its id (a console session names its token so), or None if it
    is unknown or revoked: revocation ends the token's sessions too."""
    token = await session.get(ApiToken, token_id)
    if token is None or token.revoked_at is not None:
        return None
    return Principal(token.role, frozenset(token.stores), token.id)


async def authenticate(session: AsyncSession, secret: str, admin_token: str | None) -> Principal | None:
    """The principal for a bearer secret, or None if it is unknown or revoked.

    Revocation takes effect at once on every worker: nothing here is cached.
    """
    if admin_token is not None and hmac.compare_digest(secret.encode(), admin_token.encode()):
        return Principal("admin", frozenset(), None)
    if not secret.startswith(_SECRET_PREFIX) or len(secret) > 128:
        return None
    token = await session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_secret(secret)))
    if token is None or token.revoked_at is not None:
        return None
    return Principal(token.role, frozenset(token.stores), token.id)
