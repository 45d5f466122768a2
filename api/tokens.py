"""API tokens (admin only). The secret is returned once, at creation."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec
from litestar import Controller, delete, get, post
from litestar.params import FromPath, JSONBody

from api.dependencies import Session
from api.guards import admin_only
from api.ratelimit import rate_limited
from stores import tokens
from stores.models import ApiToken


class TokenCreate(msgspec.Struct, forbid_unknown_fields=True):
    role: Literal["admin", "manager"]
    stores: Annotated[list[Annotated[str, msgspec.Meta(max_length=64)]], msgspec.Meta(max_length=1000)] = []
    name: Annotated[str, msgspec.Meta(max_length=200)] | None = None


class TokenOut(msgspec.Struct):
    id: str
    role: str
    stores: list[str]
    name: str | None
    created_at: datetime
    revoked_at: datetime | None = None

    @classmethod
    def of(cls, token: ApiToken) -> TokenOut:
        return cls(token.id, token.role, list(token.stores), token.name, token.created_at, token.revoked_at)


class TokenCreated(TokenOut):
    token: str = ""


class TokenList(msgspec.Struct):
    tokens: list[TokenOut]


class TokenController(Controller):
    path = "/tokens"
    tags = ["access"]
    guards = [admin_only]

    @post("/", guards=[rate_limited("write")], summary="Issue a token; the secret is shown only in this response")
    async def issue(self, data: JSONBody[TokenCreate], db: Session) -> TokenCreated:
        token, secret = await tokens.issue_token(db, role=data.role, stores=data.stores, name=data.name)
        out = TokenOut.of(token)
        return TokenCreated(**msgspec.structs.asdict(out), token=secret)

    @get("/", summary="List tokens (never their secrets)")
    async def index(self, db: Session) -> TokenList:
        return TokenList([TokenOut.of(t) for t in await tokens.list_tokens(db)])

    @delete("/{token_id:str}", guards=[rate_limited("write")], summary="Revoke a token at once")
    async def revoke(self, token_id: FromPath[str], db: Session) -> None:
        await tokens.revoke_token(db, token_id)
