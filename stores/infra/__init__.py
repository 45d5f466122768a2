"""The ground floor: what every domain package stands on and nothing of the domain.

Settings (read once from the environment), the database engine and base model, domain errors,
text checks, the bounded LRU, the version probe and migration helpers. Modules here import no
domain code (``stores`` outside this package, ``catalog``, ``api``); ``tests/test_imports.py``
holds that, and that the packages import each other in one direction only.
"""
