"""API tokens (admin only). The secret is returned once, at creation."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, cast

import msgspec
from litestar import Controller, delete, get, post
from litestar.params import FromPath, JSONBody

from api.dependencies import Session
from api.guards import admin_only
from api.ratelimit import rate_limited
from api.schemas import Role, doc
from stores import tokens
from stores.models import ApiToken


class TokenCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A token to issue."""

    role: Annotated[Role, doc("What it may do.")]
    stores: Annotated[
        list[Annotated[str, msgspec.Meta(max_length=64)]], doc("The stores a manager may write to.", max_length=1000)
    ] = []
    name: Annotated[str, doc("Who or what holds it.", max_length=200)] | None = None


class TokenOut(msgspec.Struct):
    """A token (never its secret)."""

    id: Annotated[str, doc("Its id, to revoke it.")]
    role: Annotated[Role, doc("What it may do.")]
    stores: Annotated[list[str], doc("The stores a manager token may write to.")]
    name: Annotated[str | None, doc("Who or what holds it.")]
    created_at: Annotated[datetime, doc("When it was issued.")]
    revoked_at: Annotated[datetime | None, doc("When it was revoked (null: it works).")] = None

    @classmethod
    def of(cls, token: ApiToken) -> TokenOut:
        return cls(token.id, cast(Role, token.role), list(token.stores), token.name, token.created_at, token.revoked_at)


class TokenCreated(TokenOut):
    """A token just issued, with its secret: shown only here."""

    token: Annotated[str, doc("The secret, for `Authorization: Bearer <token>`.")] = ""


class TokenList(msgspec.Struct):
    """Every token issued."""

    tokens: Annotated[list[TokenOut], doc("Revoked ones too.")]


class TokenController(Controller):
    path = "/tokens"
    tags = ["access"]
    guards = [admin_only]

    @post("/", guards=[rate_limited("write")], operation_id="issueToken",
          summary="Issue a token; the secret is shown only in this response")  # fmt: skip
    async def issue(self, data: JSONBody[TokenCreate], db: Session) -> TokenCreated:
        """The secret is stored only as a hash: keep it from this answer."""
        token, secret = await tokens.issue_token(db, role=data.role, stores=data.stores, name=data.name)
        out = TokenOut.of(token)
        return TokenCreated(**msgspec.structs.asdict(out), token=secret)

    @get("/", operation_id="listTokens", summary="List tokens (never their secrets)")
    async def index(self, db: Session) -> TokenList:
        """Every token, revoked ones too."""
        return TokenList([TokenOut.of(t) for t in await tokens.list_tokens(db)])

    @delete("/{token_id:str}", guards=[rate_limited("write")], operation_id="revokeToken",
            summary="Revoke a token at once")  # fmt: skip
    async def revoke(self, token_id: FromPath[str], db: Session) -> None:
        """Every worker refuses it from the next request on."""
        await tokens.revoke_token(db, token_id)
