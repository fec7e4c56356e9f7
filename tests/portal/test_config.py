"""Configuration: a generated secret key kept in instance/, production refuses the embedded defaults."""
from __future__ import annotations

import pytest

from portal import config


def test_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "INSTANCE_DIR", tmp_path)

    class Fresh(config.Config):
        SECRET_KEY = None
        SQLALCHEMY_DATABASE_URI = ""

    first = Fresh.load().SECRET_KEY
    assert len(first) >= 40 and (tmp_path / "secret_key").read_text().strip() == first
    assert oct((tmp_path / "secret_key").stat().st_mode & 0o777) == "0o600"

    class Again(config.Config):
        SECRET_KEY = None
        SQLALCHEMY_DATABASE_URI = ""

    assert Again.load().SECRET_KEY == first
    assert Again.SQLALCHEMY_DATABASE_URI.startswith("sqlite:///") and str(tmp_path) in Again.SQLALCHEMY_DATABASE_URI


def test_database_url_switches_to_postgresql(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "INSTANCE_DIR", tmp_path)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@127.0.0.1/qudao")

    class FromEnv(config.Config):
        SECRET_KEY = "k"
        SQLALCHEMY_DATABASE_URI = ""

    assert FromEnv.load().SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://u@127.0.0.1/qudao"


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL"])
def test_production_refuses_to_start_without_its_settings(monkeypatch, missing):
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@db/qudao")
    monkeypatch.delenv(missing)
    with pytest.raises(RuntimeError, match=missing):
        config.ProductionConfig.load()


def test_production_refuses_per_process_rate_limit_counters(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@db/qudao")
    with pytest.raises(RuntimeError, match="RATELIMIT_STORAGE_URI"):
        config.ProductionConfig.load()
