"""The catalog's store fixture (a store with a plan and products), for the security tests."""

from tests.catalog.conftest import store  # noqa: F401
