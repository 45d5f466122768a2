"""Settings are read once, each from its own variable, with its default written once."""

from __future__ import annotations

import dataclasses

import pytest

from stores.infra.settings import Settings


def test_from_env_reads_each_setting_by_its_type(monkeypatch: pytest.MonkeyPatch) -> None:
    environment = {
        "DATABASE_URL": "", "AISLEPATH_RATE_LIMIT_WRITE": "", "AISLEPATH_LOG_LEVEL": "debug",
        "AISLEPATH_ARTIFACT_CACHE": "7", "AISLEPATH_ADMIN_TOKEN": "", "AISLEPATH_VERSION_WATCH": "0",
        "AISLEPATH_WALK_SPEED_MPS": "1.2", "SPATIALITE_LIBRARY_PATH": "/opt/mod_spatialite.so",
    }  # fmt: skip
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    settings = Settings.from_env()
    assert settings.database_url == Settings().database_url  # empty: the default
    assert settings.rate_limit_write == ""  # empty: that limit is off
    assert (settings.log_level, settings.artifact_cache_entries, settings.admin_token) == ("DEBUG", 7, None)
    assert (settings.version_watch, settings.walk_speed_mps) == (False, 1.2)
    assert settings.spatialite_library_path == "/opt/mod_spatialite.so"


def test_every_setting_has_a_variable_and_unset_means_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    names = set()
    for setting in dataclasses.fields(Settings):
        name = setting.metadata.get("env") or f"AISLEPATH_{setting.name.upper()}"
        names.add(name)
        monkeypatch.delenv(name, raising=False)
    assert len(names) == len(dataclasses.fields(Settings))
    assert Settings.from_env() == Settings()
