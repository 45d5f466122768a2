"""Request-scoped dependencies: a database session handed to the services."""

from __future__ import annotations

from collections.abc import AsyncIterator

from litestar.datastructures import State
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession


async def provide_session(state: State) -> AsyncIterator[AsyncSession]:
    async with state.wiring.database.sessionmaker() as session:
        yield session


#: The handler parameter type for the request's database session.
Session = NamedDependency[AsyncSession]
